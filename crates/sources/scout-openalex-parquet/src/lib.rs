//! The Parquet edition of the OpenAlex snapshot (`parquet/works/updated_date=*/part_*.parquet`,
//! also authors and institutions): the same source-independent records as the JSON reader of
//! `scout-formats`, with the same slice filter and the same rejects.
//!
//! Rows are read through Arrow, column by column, into the `*Fields` structs that the JSON
//! reader fills with serde, and then through the same `*_from_fields` functions, so both
//! editions give identical records by construction. Only the columns Scout uses are decoded
//! (the rest of a work, such as `referenced_works` or `locations`, is never decompressed); row
//! groups whose `publication_year` statistics exclude a year filter are skipped unread.
//!
//! [`FilePlan::open`] reads a file's footer and checks its column types once; its row groups can
//! then be read in parallel ([`FilePlan::read_row_group`]). The column types that the OpenAlex
//! documentation leaves open are accepted in each plausible encoding (for
//! `abstract_inverted_index`: a map, its JSON text, or a struct of position lists); any other
//! type is a [`ParquetError::ColumnType`] naming the file and the column.
//!
//! This is a crate of its own so that `scout-formats` (also built by the fuzz workspace) does not
//! depend on Arrow and Parquet.

mod columns;
mod entities;
mod error;
mod file;
mod schema;
mod works;

pub use error::ParquetError;
pub use file::{FilePlan, ReadSummary, read_file};
pub use scout_formats::openalex::Entity;
