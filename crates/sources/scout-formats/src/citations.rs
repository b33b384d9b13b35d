//! Citation files (`scout ingest --citations FILE…`): CSV, TSV or JSON Lines rows that give a
//! paper's citation count, keyed by any of OpenReview id, arXiv id, DOI, Semantic Scholar id,
//! OpenAlex id, or title + year, with the count's source, its as-of date and, for windowed
//! counts (citations received within N days of publication), the window.
//!
//! Columns are found by name (case and punctuation ignored):
//!
//! | field | column names |
//! |---|---|
//! | OpenReview id | `openreview_id`, `openreview`, `submission_id`, `forum`, `forum_id` |
//! | arXiv id | `arxiv_id`, `arxiv` |
//! | DOI | `doi` |
//! | Semantic Scholar id | `s2_id`, `paper_id`, `semantic_scholar_id`, `s2_paper_id`, `corpus_id` |
//! | OpenAlex id | `openalex_id`, `openalex`, or `id` when it holds a `W…` id |
//! | title, year | `title`; `year`, `publication_year` |
//! | count | `citations`, `citation_count`, `cited_by_count`, `cites_within_window`, `count` |
//! | source | `source` (default: `openalex` for `cited_by_count`, `semantic_scholar` for files with an `s2_id` or `cites_within_window`, else `unspecified`) |
//! | window | `window_days` (days), `window` (`365`, `365d`, `3y`); a `cites_within_window` column without one takes the number at the end of the file name (`c_1095.tsv` → 1,095 days) |
//! | as of | `as_of`, `retrieved`, `retrieved_at`, `date` |
//!
//! Every data line becomes a [`CitationRow`] or a [`CitationReject`] with its line number and
//! reason; nothing is dropped silently. A Semantic Scholar id of `-1` means Semantic Scholar did
//! not match the paper: the row is rejected as unmatched (its count is not a zero).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::FormatError;

/// The ids and title a citation row names its paper by (any may be missing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaperKeys {
    pub openreview: Option<String>,
    pub arxiv: Option<String>,
    pub doi: Option<String>,
    pub semantic_scholar: Option<String>,
    pub openalex: Option<String>,
    pub title: Option<String>,
    pub year: Option<i32>,
}

impl PaperKeys {
    pub fn is_empty(&self) -> bool {
        self.openreview.is_none()
            && self.arxiv.is_none()
            && self.doi.is_none()
            && self.semantic_scholar.is_none()
            && self.openalex.is_none()
            && (self.title.is_none() || self.year.is_none())
    }
}

/// One citation count read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationRow {
    /// 1-based line where the row starts.
    pub line: u64,
    pub keys: PaperKeys,
    pub count: i64,
    pub source: String,
    /// Citations received within this many days of publication; `None` for a total to date.
    pub window_days: Option<u32>,
    pub as_of: Option<String>,
}

/// A row that could not be read, with its 1-based line and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationReject {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitationItem {
    Row(CitationRow),
    Reject(CitationReject),
}

/// The layout of a citation file, from its extension (`.gz` is looked through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitationLayout {
    Csv,
    Tsv,
    JsonLines,
}

impl CitationLayout {
    pub fn of(path: &Path) -> Option<CitationLayout> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".csv") {
            Some(CitationLayout::Csv)
        } else if name.ends_with(".tsv") || name.ends_with(".tab") {
            Some(CitationLayout::Tsv)
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
            Some(CitationLayout::JsonLines)
        } else {
            None
        }
    }
}

/// Reads a citation file, calling `each` for every data row or reject.
pub fn read_citation_file(
    path: &Path,
    each: &mut dyn FnMut(CitationItem),
) -> Result<(), FormatError> {
    let layout = CitationLayout::of(path).ok_or_else(|| FormatError::UnknownFormat {
        path: path.to_path_buf(),
        detail: "a citation file must end in .csv, .tsv, .jsonl or .json (optionally .gz)".into(),
    })?;
    let io = |source| FormatError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FormatError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            io(e)
        }
    })?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut text = String::new();
    BufReader::new(reader)
        .read_to_string(&mut text)
        .map_err(io)?;
    let name_window = window_from_file_name(path);
    match layout {
        CitationLayout::Csv => parse_delimited(&text, b',', name_window, each),
        CitationLayout::Tsv => parse_delimited(&text, b'\t', name_window, each),
        CitationLayout::JsonLines => {
            parse_json_lines(text.as_bytes(), name_window, each).map_err(io)?
        }
    }
    Ok(())
}

/// `c_1095.tsv` → 1095: the window of a windowed-count file that names it only in its name.
fn window_from_file_name(path: &Path) -> Option<u32> {
    let stem = path.file_name()?.to_str()?;
    let stem = stem.split('.').next()?;
    let digits: String = stem
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let before = stem.len().checked_sub(digits.len() + 1)?;
    if digits.is_empty() || !matches!(stem.as_bytes().get(before), Some(b'_' | b'-')) {
        return None;
    }
    digits.parse().ok().filter(|d| *d > 0)
}

/// Which field a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    OpenReview,
    Arxiv,
    Doi,
    SemanticScholar,
    OpenAlex,
    /// `id`: an OpenAlex id when it looks like one.
    GenericId,
    Title,
    Year,
    Count,
    Source,
    WindowDays,
    Window,
    AsOf,
}

/// What the header says about counts: the column kind decides the default source and whether
/// a window is required.
#[derive(Debug, Clone, Copy, Default)]
struct CountKind {
    openalex: bool,
    windowed: bool,
    semantic_scholar: bool,
}

fn field_of(column: &str) -> Option<(Field, CountKind)> {
    let key: String = column
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let plain = CountKind::default();
    Some(match key.as_str() {
        "openreviewid" | "openreview" | "submissionid" | "forum" | "forumid" => {
            (Field::OpenReview, plain)
        }
        "arxivid" | "arxiv" => (Field::Arxiv, plain),
        "doi" => (Field::Doi, plain),
        "s2id" | "paperid" | "semanticscholarid" | "s2paperid" | "corpusid" => (
            Field::SemanticScholar,
            CountKind {
                semantic_scholar: true,
                ..plain
            },
        ),
        "openalexid" | "openalex" => (Field::OpenAlex, plain),
        "id" => (Field::GenericId, plain),
        "title" => (Field::Title, plain),
        "year" | "publicationyear" => (Field::Year, plain),
        "citations" | "citationcount" | "count" | "ncitations" => (Field::Count, plain),
        "citedbycount" => (
            Field::Count,
            CountKind {
                openalex: true,
                ..plain
            },
        ),
        "citeswithinwindow" => (
            Field::Count,
            CountKind {
                windowed: true,
                semantic_scholar: true,
                ..plain
            },
        ),
        "source" => (Field::Source, plain),
        "windowdays" => (Field::WindowDays, plain),
        "window" => (Field::Window, plain),
        "asof" | "retrieved" | "retrievedat" | "date" => (Field::AsOf, plain),
        _ => return None,
    })
}

/// A header turned into column roles.
struct Header {
    fields: Vec<Option<Field>>,
    kind: CountKind,
    has_count: bool,
}

impl Header {
    fn new<'a>(names: impl Iterator<Item = &'a str>) -> Header {
        let mut fields = Vec::new();
        let mut kind = CountKind::default();
        let mut seen: Vec<Field> = Vec::new();
        for name in names {
            let found = field_of(name).filter(|(f, _)| !seen.contains(f));
            if let Some((f, k)) = found {
                seen.push(f);
                kind.openalex |= k.openalex;
                kind.windowed |= k.windowed;
                kind.semantic_scholar |= k.semantic_scholar;
            }
            fields.push(found.map(|(f, _)| f));
        }
        Header {
            has_count: seen.contains(&Field::Count),
            fields,
            kind,
        }
    }
}

/// Reads one row's values (by header field) into a [`CitationItem`].
fn build_row<'v>(
    line: u64,
    header: &Header,
    name_window: Option<u32>,
    values: impl Iterator<Item = (Field, &'v str)>,
) -> CitationItem {
    let reject = |reason: String| CitationItem::Reject(CitationReject { line, reason });
    let mut keys = PaperKeys::default();
    let mut count: Option<&str> = None;
    let mut source: Option<String> = None;
    let mut window: Option<Result<u32, String>> = None;
    let mut as_of = None;
    let mut year_text: Option<&str> = None;
    for (field, raw) in values {
        let v = raw.trim();
        if v.is_empty() {
            continue;
        }
        let owned = || Some(v.to_string());
        match field {
            Field::OpenReview => keys.openreview = owned(),
            Field::Arxiv => keys.arxiv = owned(),
            Field::Doi => keys.doi = owned(),
            Field::SemanticScholar => keys.semantic_scholar = owned(),
            Field::OpenAlex => keys.openalex = owned(),
            Field::GenericId => {
                let tail = v.rsplit('/').next().unwrap_or(v);
                if tail.starts_with(['W', 'w']) && tail[1..].bytes().all(|b| b.is_ascii_digit()) {
                    keys.openalex = Some(tail.to_string());
                }
            }
            Field::Title => keys.title = owned(),
            Field::Year => year_text = Some(v),
            Field::Count => count = Some(v),
            Field::Source => source = owned(),
            Field::WindowDays => window = Some(parse_window(v, true)),
            Field::Window => window = Some(parse_window(v, false)),
            Field::AsOf => as_of = owned(),
        }
    }
    if keys.semantic_scholar.as_deref() == Some("-1") {
        return reject(
            "s2_id = -1: Semantic Scholar did not match this paper (unmatched, not zero citations)"
                .into(),
        );
    }
    if let Some(y) = year_text {
        match parse_integer(y) {
            Some(y) if (1800..=2200).contains(&y) => keys.year = Some(y as i32),
            _ => return reject(format!("year is not a year: {y:?}")),
        }
    }
    let Some(count_text) = count else {
        return reject("no count".into());
    };
    let count = match parse_integer(count_text) {
        Some(c) if c < 0 => return reject(format!("negative count: {count_text}")),
        Some(c) => c,
        None => return reject(format!("count is not a whole number: {count_text:?}")),
    };
    let window_days = match window {
        Some(Ok(0)) => None,
        Some(Ok(d)) => Some(d),
        Some(Err(reason)) => return reject(reason),
        None if header.kind.windowed => match name_window {
            Some(d) => Some(d),
            None => {
                return reject(
                    "cites_within_window without a window: add a window_days column or name the file …_<days>"
                        .into(),
                );
            }
        },
        None => None,
    };
    if keys.is_empty() {
        return reject(
            "no paper key (OpenReview id, arXiv id, DOI, Semantic Scholar id, OpenAlex id, or title and year)"
                .into(),
        );
    }
    let source = source.unwrap_or_else(|| {
        if header.kind.openalex {
            "openalex".into()
        } else if header.kind.semantic_scholar {
            "semantic_scholar".into()
        } else {
            "unspecified".into()
        }
    });
    CitationItem::Row(CitationRow {
        line,
        keys,
        count,
        source,
        window_days,
        as_of,
    })
}

/// Whole numbers, also written as `12.0` (as some exports do); nothing fractional or non-finite.
fn parse_integer(v: &str) -> Option<i64> {
    if let Ok(i) = v.parse::<i64>() {
        return Some(i);
    }
    let f: f64 = v.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15).then_some(f as i64)
}

/// `365`, `365d`, `3y` (a year is 365 days); `days_only` for a `window_days` column.
fn parse_window(v: &str, days_only: bool) -> Result<u32, String> {
    let bad = || format!("window is not a number of days or years: {v:?}");
    let lower = v.to_ascii_lowercase();
    let (digits, unit) = match lower.strip_suffix('y') {
        Some(d) if !days_only => (d, 365),
        _ => (lower.strip_suffix('d').unwrap_or(&lower), 1),
    };
    let n = parse_integer(digits.trim()).ok_or_else(bad)?;
    u32::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(bad)
}

/// CSV or TSV with a header line; fields may be quoted (`"…"`, `""` for a quote, line breaks
/// inside quotes).
fn parse_delimited(
    text: &str,
    delimiter: u8,
    name_window: Option<u32>,
    each: &mut dyn FnMut(CitationItem),
) {
    let mut records = crate::csv::rows(text, delimiter);
    let Some(crate::csv::Row {
        line: header_line,
        fields: header_fields,
    }) = records.next()
    else {
        return;
    };
    let header = Header::new(header_fields.iter().map(String::as_str));
    if !header.has_count {
        each(CitationItem::Reject(CitationReject {
            line: header_line,
            reason: "the header names no count column (citations, citation_count, cited_by_count, cites_within_window, count)".into(),
        }));
        return;
    }
    for crate::csv::Row { line, fields } in records {
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if fields.len() != header.fields.len() {
            each(CitationItem::Reject(CitationReject {
                line,
                reason: format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    header.fields.len()
                ),
            }));
            continue;
        }
        let values = header
            .fields
            .iter()
            .zip(&fields)
            .filter_map(|(f, v)| f.map(|f| (f, v.as_str())));
        each(build_row(line, &header, name_window, values));
    }
}

/// JSON Lines: one object per line with the same field names as the CSV columns.
fn parse_json_lines(
    bytes: &[u8],
    name_window: Option<u32>,
    each: &mut dyn FnMut(CitationItem),
) -> std::io::Result<()> {
    for (i, line) in bytes.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reject = |reason: String| {
            CitationItem::Reject(CitationReject {
                line: line_no,
                reason,
            })
        };
        let object = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                each(reject("not a JSON object".into()));
                continue;
            }
            Err(e) => {
                each(reject(format!("not JSON: {e}")));
                continue;
            }
        };
        let header = Header::new(object.keys().map(String::as_str));
        if !header.has_count {
            each(reject("no count field".into()));
            continue;
        }
        let texts: Vec<String> = object
            .values()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        let values = header
            .fields
            .iter()
            .zip(&texts)
            .filter_map(|(f, v)| f.map(|f| (f, v.as_str())));
        each(build_row(line_no, &header, name_window, values));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
