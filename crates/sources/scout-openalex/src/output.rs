//! The output files: `DIR/<entity>/part_00000.jsonl.gz`, one record per line, one gzip member
//! per page (gzip readers, `scout ingest` included, read concatenated members as one stream).
//! A page is appended at the committed length recorded in the state, so a page written by a
//! killed run before its state was saved is overwritten, never duplicated.

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::FetchError;
use crate::state::sync_dir;

/// Path of part `n` in the entity directory.
pub fn part_path(entity_dir: &Path, n: u32) -> PathBuf {
    entity_dir.join(format!("part_{n:05}.jsonl.gz"))
}

/// Index of a part file from its name.
fn part_index(name: &str) -> Option<u32> {
    name.strip_prefix("part_")?
        .strip_suffix(".jsonl.gz")?
        .parse()
        .ok()
}

/// The part files in `entity_dir`, in order.
pub fn part_files(entity_dir: &Path) -> Result<Vec<PathBuf>, FetchError> {
    let io = |source| FetchError::Io {
        path: entity_dir.to_path_buf(),
        source,
    };
    let mut parts = Vec::new();
    match fs::read_dir(entity_dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(io)?;
                if let Some(n) = entry.file_name().to_str().and_then(part_index) {
                    parts.push((n, entry.path()));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    parts.sort();
    Ok(parts.into_iter().map(|(_, p)| p).collect())
}

/// Brings the part files back to what the state committed: the current part cut to its
/// committed length, later parts (written after the last saved state) removed.
pub fn restore(entity_dir: &Path, part: u32, part_bytes: u64) -> Result<(), FetchError> {
    for path in part_files(entity_dir)? {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(n) = part_index(name) else { continue };
        if n > part {
            fs::remove_file(&path).map_err(|source| FetchError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    let path = part_path(entity_dir, part);
    let io = |source| FetchError::Io {
        path: path.clone(),
        source,
    };
    match OpenOptions::new().write(true).open(&path) {
        Ok(file) => {
            let actual = file.metadata().map_err(io)?.len();
            if actual < part_bytes {
                return Err(FetchError::ShortPart {
                    path,
                    expected: part_bytes,
                    actual,
                });
            }
            if actual > part_bytes {
                file.set_len(part_bytes).map_err(io)?;
                file.sync_all().map_err(io)?;
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && part_bytes == 0 => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FetchError::ShortPart {
            path,
            expected: part_bytes,
            actual: 0,
        }),
        Err(e) => Err(io(e)),
    }
}

/// Writes `lines` as one gzip member at offset `at` of part `part`, fsyncs, and returns the
/// new length of the part.
pub fn append_page(
    entity_dir: &Path,
    part: u32,
    at: u64,
    lines: &[Vec<u8>],
) -> Result<u64, FetchError> {
    let path = part_path(entity_dir, part);
    let io = |source| FetchError::Io {
        path: path.clone(),
        source,
    };
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    for line in lines {
        gz.write_all(line).map_err(io)?;
        gz.write_all(b"\n").map_err(io)?;
    }
    let member = gz.finish().map_err(io)?;
    let created = !path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.set_len(at).map_err(io)?;
    file.seek(SeekFrom::Start(at)).map_err(io)?;
    file.write_all(&member).map_err(io)?;
    file.sync_all().map_err(io)?;
    if created {
        sync_dir(entity_dir)?;
    }
    Ok(at + member.len() as u64)
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::io::Read;

    use super::*;

    fn read_all(path: &Path) -> std::io::Result<String> {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(File::open(path)?).read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn pages_append_as_members_and_restore_cuts_uncommitted()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let a = append_page(d, 0, 0, &[b"{\"id\":1}".to_vec(), b"{\"id\":2}".to_vec()])?;
        let b = append_page(d, 0, a, &[b"{\"id\":3}".to_vec()])?;
        assert_eq!(
            read_all(&part_path(d, 0))?,
            "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n"
        );
        append_page(d, 1, 0, &[b"{\"id\":4}".to_vec()])?;
        // A kill after writing page 3 and the start of part 1, before the state was saved:
        restore(d, 0, a)?;
        assert_eq!(read_all(&part_path(d, 0))?, "{\"id\":1}\n{\"id\":2}\n");
        assert_eq!(part_files(d)?, vec![part_path(d, 0)]);
        // Re-appending at the committed length gives the same bytes as before.
        assert_eq!(append_page(d, 0, a, &[b"{\"id\":3}".to_vec()])?, b);
        assert!(matches!(
            restore(d, 0, b + 1),
            Err(FetchError::ShortPart { .. })
        ));
        assert!(matches!(
            restore(d, 3, 10),
            Err(FetchError::ShortPart { .. })
        ));
        restore(d, 3, 0)?;
        Ok(())
    }
}
