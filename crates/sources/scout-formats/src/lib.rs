//! Readers for scholarly metadata: the `paperlists` conference JSON Lines and OpenAlex works,
//! authors and institutions (API pages, JSON arrays, snapshot JSON Lines), plain or gzip.
//!
//! This crate is the bottom layer of Scout: it knows file formats and nothing about storage.
//! [`discover`] finds input files, [`read_file`] streams one file's [`Record`]s and
//! [`Reject`]s to a callback. Parsing borrows from the input where it can and never holds more
//! than one record in memory.

pub mod citations;
pub mod claims;
mod country;
pub mod csv;
mod error;
mod input;
mod lines;
pub mod openalex;
pub mod paperlists;
mod parse;
mod reader;
mod record;
mod slice;
mod text;

pub use claims::{Claim, ClaimError, ClaimFormat, ClaimList, parse_claims, parse_claims_bytes};
pub use country::country_code;
pub use error::{FormatError, Reject};
pub use input::{Discovery, Encoding, InputFile, SkippedFile, classify, discover, open};
pub use parse::{ParseFailure, fnv1a64, title_fingerprint};
pub use reader::{
    FileSummary, Format, Item, detect, parse_record, read_bytes, read_file, read_file_filtered,
};
pub use record::{
    AbstractRecord, Affiliation, AffiliationSpan, AuthorProfile, Authorship, Institution, Record,
    SourceKind, Work,
};
pub use slice::SliceFilter;
pub use text::{CowStr, Limits};
