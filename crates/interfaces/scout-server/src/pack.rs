//! Packs a folder (the Parquet export) into one POSIX ustar `.tar` with the `tar` crate, for a
//! browser to download and `tar -xf`, Python's `tarfile` or any archiver to unpack. The plan
//! is made first (sorted, so archives are reproducible; every path checked to fit a ustar
//! header), so the job knows the archive's exact size before a byte is written.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const BLOCK: u64 = 512;

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
        for e in &entries {
            // A path a ustar header cannot hold (name ≤ 100 bytes after a prefix ≤ 155) is
            // refused here rather than written as a GNU extension the size does not count.
            header(e)?;
        }
        Ok(Plan { entries })
    }

    /// Bytes of the finished archive: a header block per entry, file bodies padded to
    /// blocks, two zero blocks at the end.
    pub fn archive_bytes(&self) -> u64 {
        let body: u64 = self
            .entries
            .iter()
            .map(|e| BLOCK + e.size.div_ceil(BLOCK) * BLOCK)
            .sum();
        body + 2 * BLOCK
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
        let cancelled = || io::Error::new(io::ErrorKind::Interrupted, "cancelled");
        let mut builder = tar::Builder::new(Counted { out, written });
        for e in &self.entries {
            if cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            let h = header(e)?;
            let appended = if e.dir {
                builder.append(&h, io::empty())
            } else {
                let body = Body {
                    file: File::open(&e.source)?,
                    left: e.size,
                    source: &e.source,
                    cancel,
                };
                builder.append(&h, body)
            };
            // `tar` may wrap the reader's error; the flag says what stopped it.
            appended.map_err(|err| {
                if cancel.load(Ordering::Relaxed) {
                    cancelled()
                } else {
                    err
                }
            })?;
        }
        builder.into_inner()?.flush()
    }
}

/// The writer under the archive, counting bytes for progress.
struct Counted<'a, W: Write> {
    out: &'a mut W,
    written: &'a AtomicU64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A file's body: exactly the planned size (a file that shrank is an error, never a short
/// entry), stopping when the job is cancelled.
struct Body<'a> {
    file: File,
    left: u64,
    source: &'a Path,
    cancel: &'a AtomicBool,
}

impl Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        if self.cancel.load(Ordering::Relaxed) {
            // Not `Interrupted`: `io::copy` would retry that for ever.
            return Err(io::Error::other("cancelled"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(buf.len()));
        let n = self.file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} shrank while being packed", self.source.display()),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
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

/// The ustar header of an entry: mode 755/644, owner 0, the file's modification time.
fn header(e: &Entry) -> io::Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(&e.name).map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: does not fit a ustar header ({err})", e.name),
        )
    })?;
    h.set_entry_type(if e.dir {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    h.set_mode(if e.dir { 0o755 } else { 0o644 });
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(e.size);
    let mtime = std::fs::metadata(&e.source)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    h.set_mtime(mtime);
    h.set_cksum();
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads an archive back with the `tar` crate: `(path, is_dir, bytes)` per entry.
    fn read_tar(bytes: &[u8]) -> io::Result<Vec<(String, bool, Vec<u8>)>> {
        let mut archive = tar::Archive::new(bytes);
        let mut out = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            assert!(entry.header().as_ustar().is_some(), "a ustar header");
            let dir = entry.header().entry_type().is_dir();
            let path = entry.path()?.to_string_lossy().into_owned();
            let mut body = Vec::new();
            entry.read_to_end(&mut body)?;
            out.push((path, dir, body));
        }
        Ok(out)
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

        let entries = read_tar(&archive)?;
        let names: Vec<(&str, bool)> = entries
            .iter()
            .map(|(n, d, _)| (n.trim_end_matches('/'), *d))
            .collect();
        let long = format!("scout-parquet/{}/{}/z.txt", "x".repeat(60), "y".repeat(60));
        let x = format!("scout-parquet/{}", "x".repeat(60));
        let xy = format!("scout-parquet/{}/{}", "x".repeat(60), "y".repeat(60));
        assert_eq!(
            names,
            [
                ("scout-parquet", true),
                ("scout-parquet/empty", true),
                ("scout-parquet/works", true),
                ("scout-parquet/works/a.parquet", false),
                ("scout-parquet/works/year=__HIVE_DEFAULT_PARTITION__", true),
                (
                    "scout-parquet/works/year=__HIVE_DEFAULT_PARTITION__/part-00000.parquet",
                    false
                ),
                (x.as_str(), true),
                (xy.as_str(), true),
                (long.as_str(), false),
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
    fn names_too_long_for_ustar_are_refused() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let long = "a".repeat(120);
        std::fs::create_dir_all(dir.path().join(&long))?;
        std::fs::write(dir.path().join(&long).join("b".repeat(120)), b"x")?;
        let err = Plan::of_dir(dir.path(), "p").expect_err("too long");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        Ok(())
    }
}
