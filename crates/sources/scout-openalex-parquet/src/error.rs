//! Errors that stop the reading of one Parquet file. Problems with single rows (or with the
//! rest of a row group that stops decoding) are rejects, not errors.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ParquetError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable Parquet file: {source}")]
    Metadata {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error(
        "{path}: column `{column}` is {found}, expected {expected}; the type is the file's, so none of its {row_groups} row groups was read"
    )]
    ColumnType {
        path: PathBuf,
        column: &'static str,
        expected: &'static str,
        found: String,
        row_groups: usize,
    },
    #[error("{path}: not an OpenAlex works, authors or institutions file ({detail})")]
    NotOpenAlex { path: PathBuf, detail: String },
    #[error("{path}, row group {row_group}: cannot be decoded: {source}")]
    RowGroup {
        path: PathBuf,
        row_group: usize,
        #[source]
        source: parquet::errors::ParquetError,
    },
}
