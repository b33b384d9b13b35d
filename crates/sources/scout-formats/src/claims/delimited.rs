//! CSV (or semicolon- or tab-separated) claim lists with a header naming a `title` column.

use super::fields::{check_title, clean_text, find_year, split_on_and};
use super::list::{Claim, ClaimError};

/// Column positions of a header line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    delimiter: char,
    title: usize,
    authors: Option<usize>,
    year: Option<usize>,
    venue: Option<usize>,
}

/// The columns of a header line with a `title` column, trying `,`, `;` and tab as the
/// delimiter; none when it is not such a header.
pub(super) fn csv_header(line: &str) -> Option<Columns> {
    for delimiter in [',', ';', '\t'] {
        let (fields, _) = split_record(line, delimiter);
        let find = |names: &[&str]| {
            fields.iter().position(|f| {
                let f = f.trim().to_ascii_lowercase();
                names.contains(&f.as_str())
            })
        };
        if let Some(title) = find(&["title", "paper", "paper title"]) {
            return Some(Columns {
                delimiter,
                title,
                authors: find(&["authors", "author", "author(s)"]),
                year: find(&["year", "publication_year", "publication year"]),
                venue: find(&["venue", "journal", "booktitle", "conference", "source"]),
            });
        }
    }
    None
}

/// The fields of one line (a header).
fn split_record(record: &str, delimiter: char) -> (Vec<String>, bool) {
    match csv_records(record, delimiter).into_iter().next() {
        Some(r) => (r.fields, r.open),
        None => (vec![String::new()], false),
    }
}

/// One CSV record: its first line, its fields, and whether it ended inside a quote.
struct CsvRecord {
    line: u64,
    fields: Vec<String>,
    open: bool,
}

/// Splits a whole text into records in one pass (linear: a quote left open cannot make it
/// re-read the rest of the file per line). Quoted fields may hold delimiters, `""` and line
/// breaks; `\r\n` ends a record like `\n`.
fn csv_records(text: &str, delimiter: char) -> Vec<CsvRecord> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut at_field_start = true;
    let mut line = 1u64;
    let mut start_line = 1u64;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push(CsvRecord {
                    line: start_line,
                    fields: std::mem::take(&mut fields),
                    open: false,
                });
                line += 1;
                start_line = line;
                at_field_start = true;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            c => {
                if !c.is_whitespace() {
                    at_field_start = false;
                }
                field.push(c);
            }
        }
    }
    if quoted || !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(CsvRecord {
            line: start_line,
            fields,
            open: quoted,
        });
    }
    records
}

/// CSV with a header naming a `title` column; quoted fields may hold delimiters, doubled
/// quotes and line breaks.
pub fn parse_csv(text: &str) -> (Vec<Claim>, Vec<ClaimError>) {
    let mut claims = Vec::new();
    let mut errors = Vec::new();
    let Some((header_index, header)) = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty())
    else {
        return (claims, errors);
    };
    let header_line = header_index as u64 + 1;
    let Some(columns) = csv_header(header) else {
        errors.push(ClaimError {
            line: header_line,
            reason: "the header has no title column".into(),
        });
        return (claims, errors);
    };
    for record in csv_records(text, columns.delimiter) {
        let line = record.line;
        if line <= header_line || record.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.open {
            errors.push(ClaimError {
                line,
                reason: "a quoted field is not closed".into(),
            });
            break;
        }
        let fields = record.fields;
        let get = |c: Option<usize>| {
            c.and_then(|c| fields.get(c))
                .map(|f| f.trim())
                .filter(|f| !f.is_empty())
        };
        let title = match check_title(&clean_text(get(Some(columns.title)).unwrap_or(""))) {
            Ok(t) => t,
            Err(reason) => {
                errors.push(ClaimError { line, reason });
                continue;
            }
        };
        let year = match get(columns.year) {
            Some(y) => match find_year(y) {
                Some(y) => Some(y),
                None => {
                    errors.push(ClaimError {
                        line,
                        reason: format!("year {y:?} is not a year"),
                    });
                    continue;
                }
            },
            None => None,
        };
        claims.push(Claim {
            title,
            authors: get(columns.authors)
                .map(split_author_list)
                .unwrap_or_default(),
            year,
            venue: get(columns.venue).map(clean_text).filter(|v| !v.is_empty()),
            line,
        });
    }
    (claims, errors)
}

/// `A. Smith; B. Jones`, `A. Smith and B. Jones`, `A. Smith, B. Jones and C. Wu`.
fn split_author_list(s: &str) -> Vec<String> {
    let parts: Vec<String> = if s.contains(';') {
        s.split(';').map(str::to_string).collect()
    } else {
        split_on_and(s)
            .into_iter()
            .flat_map(|p| p.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect()
    };
    parts
        .iter()
        .map(|p| clean_text(p))
        .filter(|p| !p.is_empty())
        .collect()
}
