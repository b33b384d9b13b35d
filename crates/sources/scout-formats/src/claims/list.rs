//! What reading a claimed publication list gives: the claims, the entries that could not be
//! read, and the format the list was written in.

use std::fmt;

/// One claimed publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub title: String,
    /// In "First Last" order, LaTeX removed.
    pub authors: Vec<String>,
    pub year: Option<i32>,
    pub venue: Option<String>,
    /// 1-based line where the entry starts.
    pub line: u64,
}

/// An entry that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimError {
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// How the list was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimFormat {
    Bibtex,
    Csv,
    Titles,
}

impl fmt::Display for ClaimFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClaimFormat::Bibtex => "BibTeX",
            ClaimFormat::Csv => "CSV",
            ClaimFormat::Titles => "plain titles",
        })
    }
}

/// The parsed list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimList {
    pub format: ClaimFormat,
    pub claims: Vec<Claim>,
    pub errors: Vec<ClaimError>,
}
