//! A minimal POSIX ustar writer: packs a folder (the Parquet export) into one `.tar` that a
//! browser downloads and `tar -xf`, Python's `tarfile` or any archiver unpacks. Only what the
//! export needs: regular files and directories, paths up to 255 bytes, sizes below 8 GiB.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const BLOCK: usize = 512;
/// The largest file size the 11 octal digits of a ustar header hold.
const MAX_SIZE: u64 = 0o77_777_777_777;

/// One entry to pack: its path inside the archive and where it is on disk.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    source: PathBuf,
    dir: bool,
    size: u64,
}

/// What packing a folder will write, found before writing (so progress has a total).
#[derive(Debug, Clone)]
pub struct Plan {
    entries: Vec<Entry>,
}

impl Plan {
    /// Walks `root` (sorted, so archives are reproducible); entries are named
    /// `prefix/relative/path`.
    pub fn of_dir(root: &Path, prefix: &str) -> io::Result<Plan> {
        let mut entries = vec![Entry {
            name: format!("{prefix}/"),
            source: root.to_path_buf(),
            dir: true,
            size: 0,
        }];
        walk(root, prefix, &mut entries)?;
        Ok(Plan { entries })
    }

    /// Bytes of the finished archive.
    pub fn archive_bytes(&self) -> u64 {
        let body: u64 = self
            .entries
            .iter()
            .map(|e| BLOCK as u64 + padded(e.size))
            .sum();
        body + 2 * BLOCK as u64
    }

    pub fn files(&self) -> usize {
        self.entries.iter().filter(|e| !e.dir).count()
    }

    /// Writes the archive to `out`, adding every byte written to `written`; stops with
    /// `ErrorKind::Interrupted` when `cancel` is set.
    pub fn write(
        &self,
        out: &mut impl Write,
        written: &AtomicU64,
        cancel: &AtomicBool,
    ) -> io::Result<()> {
        let mut buf = vec![0u8; 1 << 16];
        for e in &self.entries {
            if cancel.load(Ordering::Relaxed) {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
            }
            out.write_all(&header(e)?)?;
            written.fetch_add(BLOCK as u64, Ordering::Relaxed);
            if e.dir {
                continue;
            }
            let mut file = File::open(&e.source)?;
            let mut left = e.size;
            while left > 0 {
                let want = buf.len().min(usize::try_from(left).unwrap_or(buf.len()));
                let n = file.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{} shrank while being packed", e.source.display()),
                    ));
                }
                out.write_all(&buf[..n])?;
                left -= n as u64;
                written.fetch_add(n as u64, Ordering::Relaxed);
                if cancel.load(Ordering::Relaxed) {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                }
            }
            let pad = padded(e.size) - e.size;
            out.write_all(&vec![0u8; usize::try_from(pad).unwrap_or(0)])?;
            written.fetch_add(pad, Ordering::Relaxed);
        }
        out.write_all(&[0u8; 2 * BLOCK])?;
        written.fetch_add(2 * BLOCK as u64, Ordering::Relaxed);
        out.flush()
    }
}

fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK as u64) * BLOCK as u64
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<Entry>) -> io::Result<()> {
    let mut children: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    children.sort_by_key(|c| c.file_name());
    for child in children {
        let name = child.file_name();
        let name = name.to_str().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: file name is not UTF-8", child.path().display()),
            )
        })?;
        let inside = format!("{prefix}/{name}");
        let meta = child.metadata()?;
        if meta.is_dir() {
            out.push(Entry {
                name: format!("{inside}/"),
                source: child.path(),
                dir: true,
                size: 0,
            });
            walk(&child.path(), &inside, out)?;
        } else if meta.is_file() {
            if meta.len() > MAX_SIZE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{inside} is larger than a ustar entry can hold"),
                ));
            }
            out.push(Entry {
                name: inside,
                source: child.path(),
                dir: false,
                size: meta.len(),
            });
        }
    }
    Ok(())
}

/// Writes `value` as zero-padded octal into `field`, ending with a NUL.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&text.as_bytes()[text.len() - digits..]);
    field[digits] = 0;
}

/// Splits a path into ustar's `prefix` (≤ 155 bytes) and `name` (≤ 100 bytes) at a slash.
fn split_name(path: &str) -> io::Result<(&str, &str)> {
    if path.len() <= 100 {
        return Ok(("", path));
    }
    let trimmed = path.trim_end_matches('/');
    for (i, _) in trimmed.match_indices('/') {
        let (prefix, name) = (&path[..i], &path[i + 1..]);
        if prefix.len() <= 155 && name.len() <= 100 && !name.is_empty() {
            return Ok((prefix, name));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{path}: too long for a ustar header"),
    ))
}

fn header(e: &Entry) -> io::Result<[u8; BLOCK]> {
    let mut h = [0u8; BLOCK];
    let (prefix, name) = split_name(&e.name)?;
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], if e.dir { 0o755 } else { 0o644 });
    octal(&mut h[108..116], 0); // uid
    octal(&mut h[116..124], 0); // gid
    octal(&mut h[124..136], e.size);
    let mtime = std::fs::metadata(&e.source)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    octal(&mut h[136..148], mtime);
    h[156] = if e.dir { b'5' } else { b'0' };
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..270].copy_from_slice(b"scout");
    h[297..302].copy_from_slice(b"scout");
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    // The checksum is computed with its own field read as spaces.
    h[148..156].fill(b' ');
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    octal(&mut h[148..155], sum);
    h[155] = b' ';
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads an archive back: `(name, is_dir, bytes)` per entry, checking every checksum.
    fn read_tar(bytes: &[u8]) -> Vec<(String, bool, Vec<u8>)> {
        let field = |h: &[u8], r: std::ops::Range<usize>| -> String {
            String::from_utf8_lossy(&h[r])
                .trim_end_matches(['\0', ' '])
                .to_string()
        };
        let mut out = Vec::new();
        let mut at = 0;
        while at + BLOCK <= bytes.len() {
            let h = &bytes[at..at + BLOCK];
            if h.iter().all(|&b| b == 0) {
                break;
            }
            let stored = u64::from_str_radix(field(h, 148..156).trim(), 8).expect("checksum");
            let sum: u64 = h
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    if (148..156).contains(&i) {
                        32
                    } else {
                        u64::from(b)
                    }
                })
                .sum();
            assert_eq!(stored, sum, "checksum of entry at {at}");
            assert_eq!(&h[257..263], b"ustar\0");
            let size = u64::from_str_radix(&field(h, 124..136), 8).expect("size") as usize;
            let prefix = field(h, 345..500);
            let name = field(h, 0..100);
            let full = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let body = bytes[at + BLOCK..at + BLOCK + size].to_vec();
            out.push((full, h[156] == b'5', body));
            at += BLOCK + size.div_ceil(BLOCK) * BLOCK;
        }
        out
    }

    #[test]
    fn packs_a_folder_that_reads_back_identically() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("export");
        let deep = root.join("works").join("year=__HIVE_DEFAULT_PARTITION__");
        std::fs::create_dir_all(&deep)?;
        std::fs::write(root.join("works").join("a.parquet"), b"PAR1 small")?;
        let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(deep.join("part-00000.parquet"), &big)?;
        std::fs::create_dir_all(root.join("empty"))?;
        // A path longer than 100 bytes takes the prefix field.
        let long_dir = root.join("x".repeat(60)).join("y".repeat(60));
        std::fs::create_dir_all(&long_dir)?;
        std::fs::write(long_dir.join("z.txt"), b"long")?;

        let plan = Plan::of_dir(&root, "scout-parquet")?;
        assert_eq!(plan.files(), 3);
        let mut archive = Vec::new();
        let written = AtomicU64::new(0);
        plan.write(&mut archive, &written, &AtomicBool::new(false))?;
        assert_eq!(archive.len() as u64, plan.archive_bytes());
        assert_eq!(written.load(Ordering::Relaxed), plan.archive_bytes());

        let entries = read_tar(&archive);
        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        let long = format!("scout-parquet/{}/{}/z.txt", "x".repeat(60), "y".repeat(60));
        assert_eq!(
            names,
            [
                "scout-parquet/",
                "scout-parquet/empty/",
                "scout-parquet/works/",
                "scout-parquet/works/a.parquet",
                "scout-parquet/works/year=__HIVE_DEFAULT_PARTITION__/",
                "scout-parquet/works/year=__HIVE_DEFAULT_PARTITION__/part-00000.parquet",
                &format!("scout-parquet/{}/", "x".repeat(60)),
                &format!("scout-parquet/{}/{}/", "x".repeat(60), "y".repeat(60)),
                long.as_str(),
            ]
        );
        let body = |n: &str| {
            entries
                .iter()
                .find(|(m, _, _)| m == n)
                .map(|(_, _, b)| b.clone())
        };
        assert_eq!(
            body("scout-parquet/works/a.parquet").as_deref(),
            Some(&b"PAR1 small"[..])
        );
        assert_eq!(
            body("scout-parquet/works/year=__HIVE_DEFAULT_PARTITION__/part-00000.parquet"),
            Some(big)
        );
        assert_eq!(body(&long).as_deref(), Some(&b"long"[..]));
        Ok(())
    }

    #[test]
    fn stops_when_cancelled() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("a"), b"x")?;
        let plan = Plan::of_dir(dir.path(), "p")?;
        let err = plan
            .write(&mut Vec::new(), &AtomicU64::new(0), &AtomicBool::new(true))
            .expect_err("cancelled");
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
        Ok(())
    }

    #[test]
    fn names_too_long_for_ustar_are_refused() {
        assert!(split_name(&"a".repeat(300)).is_err());
        assert_eq!(split_name("short/name").ok(), Some(("", "short/name")));
    }
}
