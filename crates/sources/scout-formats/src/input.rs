//! Finding input files (files or directory trees) and opening them, plain or gzip, with a
//! shared byte counter for progress reporting. Parquet files are found here too (by name) but
//! read by the Parquet reader crate; [`open`] refuses them.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::error::FormatError;

/// How a data file's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON text.
    Plain,
    /// JSON text, gzip-compressed (one or more members).
    Gzip,
    /// Apache Parquet (the OpenAlex snapshot's Parquet edition); not readable by [`open`].
    Parquet,
}

/// A file that looks like data and will be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub encoding: Encoding,
    /// Size on disk (compressed size for `.gz`).
    pub size: u64,
}

/// A file that was found but not read, with the reason (named in the ingest summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Result of walking the paths given on the command line.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<InputFile>,
    pub skipped: Vec<SkippedFile>,
}

/// Extensions (after removing `.gz`) that hold JSON records.
const DATA_EXTENSIONS: &[&str] = &["jsonl", "json", "ndjson"];

/// Classifies one path by name: `Ok(encoding)` for data, `Err(reason)` for anything else.
pub fn classify(path: &Path) -> Result<Encoding, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, gzip) = match name.strip_suffix(".gz") {
        Some(stem) => (stem.to_string(), true),
        None => (name.clone(), false),
    };
    let json = if gzip {
        Encoding::Gzip
    } else {
        Encoding::Plain
    };
    // OpenAlex snapshot parts: works/updated_date=2024-01-01/part_000.gz
    if stem.starts_with("part_") && gzip {
        return Ok(Encoding::Gzip);
    }
    if name.starts_with('.') {
        return Err("hidden file".into());
    }
    // The OpenAlex snapshot's manifests (`manifest`, `manifest.json`) list the part files;
    // they are not records.
    if stem == "manifest" || stem == "manifest.json" {
        return Err("OpenAlex snapshot manifest".into());
    }
    match stem.rsplit_once('.') {
        Some((_, ext)) if !gzip && ext.eq_ignore_ascii_case("parquet") => Ok(Encoding::Parquet),
        Some((_, ext)) if DATA_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => Ok(json),
        Some((_, ext)) => Err(format!("not a data file (.{ext})")),
        None => Err("not a data file (no extension)".into()),
    }
}

/// Walks `paths` (files or directories, recursively, in sorted order) and sorts what it finds
/// into data files and skipped files. A path that does not exist is an error.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, FormatError> {
    let mut out = Discovery::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                FormatError::NotFound { path: path.clone() }
            } else {
                FormatError::Io {
                    path: path.clone(),
                    source: e,
                }
            }
        })?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else {
            add_file(path, meta.len(), &mut out);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Discovery) -> Result<(), FormatError> {
    let io_err = |source| FormatError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_err)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|source| FormatError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(&path, out)?;
        } else {
            add_file(&path, meta.len(), out);
        }
    }
    Ok(())
}

fn add_file(path: &Path, size: u64, out: &mut Discovery) {
    match classify(path) {
        Ok(encoding) => out.files.push(InputFile {
            path: path.to_path_buf(),
            encoding,
            size,
        }),
        Err(reason) => out.skipped.push(SkippedFile {
            path: path.to_path_buf(),
            reason,
        }),
    }
}

/// Counts bytes read from the underlying file (compressed bytes for `.gz`).
pub struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Buffer size for reading; large buffers matter for decompression throughput.
const BUFFER_BYTES: usize = 1 << 18;

/// Opens an input file for buffered reading of its decompressed bytes. Every compressed byte
/// read is added to `counter`.
pub fn open(
    input: &InputFile,
    counter: Arc<AtomicU64>,
) -> Result<Box<dyn BufRead + Send>, FormatError> {
    if input.encoding == Encoding::Parquet {
        return Err(FormatError::UnknownFormat {
            path: input.path.clone(),
            detail: "a Parquet file, not JSON text".into(),
        });
    }
    let file = File::open(&input.path).map_err(|source| FormatError::Io {
        path: input.path.clone(),
        source,
    })?;
    let counted = CountingReader {
        inner: file,
        counter,
    };
    Ok(if input.encoding == Encoding::Gzip {
        let raw = BufReader::with_capacity(BUFFER_BYTES, counted);
        Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(BufReader::with_capacity(BUFFER_BYTES, counted))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_data_and_other_files() {
        let cases = [
            ("papers/nips.jsonl.gz", Ok(Encoding::Gzip)),
            ("works.json", Ok(Encoding::Plain)),
            (
                "works/updated_date=2024-01-01/part_000.gz",
                Ok(Encoding::Gzip),
            ),
            ("x.NDJSON", Ok(Encoding::Plain)),
            (
                "parquet/works/updated_date=2026-06-01/part_0000.parquet",
                Ok(Encoding::Parquet),
            ),
            ("part-00000.snappy.parquet", Ok(Encoding::Parquet)),
            (
                "jsonl/manifest.json",
                Err("OpenAlex snapshot manifest".to_string()),
            ),
            (
                "works/manifest",
                Err("OpenAlex snapshot manifest".to_string()),
            ),
            ("PROVENANCE.md", Err("not a data file (.md)".to_string())),
            ("inventory.csv", Err("not a data file (.csv)".to_string())),
            (
                "papers-2019.csv.gz",
                Err("not a data file (.csv)".to_string()),
            ),
            ("LICENSE", Err("not a data file (no extension)".to_string())),
            (".hidden.jsonl", Err("hidden file".to_string())),
        ];
        for (path, expected) in cases {
            assert_eq!(classify(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn discovery_walks_directories_and_names_skipped_files()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("sub"))?;
        std::fs::write(dir.path().join("sub/a.jsonl"), "{}\n")?;
        std::fs::write(dir.path().join("README.md"), "x")?;
        let found = discover(&[dir.path().to_path_buf()])?;
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.skipped.len(), 1);
        assert!(found.skipped[0].path.ends_with("README.md"));
        let missing = discover(&[dir.path().join("nope")]);
        assert!(matches!(missing, Err(FormatError::NotFound { .. })));
        Ok(())
    }
}
