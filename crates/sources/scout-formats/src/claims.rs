//! A candidate's claimed publication list, as they hand it in: BibTeX, CSV with a header
//! (`title[,authors][,year][,venue]`), or plain titles one per line. The format is detected;
//! every entry becomes a [`Claim`] or a [`ClaimError`] with its line. Never panics.

use std::collections::HashMap;
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

/// Titles longer than this are not titles.
const MAX_TITLE_CHARS: usize = 1000;

/// Parses bytes (UTF-8; invalid sequences are replaced, a BOM is dropped).
pub fn parse_claims_bytes(bytes: &[u8]) -> ClaimList {
    parse_claims(&String::from_utf8_lossy(bytes))
}

/// Detects the format and parses.
pub fn parse_claims(text: &str) -> ClaimList {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = detect_claims_format(text);
    let (claims, errors) = match format {
        ClaimFormat::Bibtex => parse_bibtex(text),
        ClaimFormat::Csv => parse_csv(text),
        ClaimFormat::Titles => parse_titles(text),
    };
    ClaimList {
        format,
        claims,
        errors,
    }
}

/// BibTeX when a line starts with `@type{` or `@type(`; CSV when the first line is a header
/// with a `title` column; otherwise plain titles.
pub fn detect_claims_format(text: &str) -> ClaimFormat {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_entry_start = |line: &str| {
        let Some(rest) = line.trim_start().strip_prefix('@') else {
            return false;
        };
        let name_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        name_end > 0 && rest[name_end..].trim_start().starts_with(['{', '('])
    };
    if text.lines().any(is_entry_start) {
        return ClaimFormat::Bibtex;
    }
    if let Some(first) = text.lines().find(|l| !l.trim().is_empty())
        && csv_header(first).is_some()
    {
        return ClaimFormat::Csv;
    }
    ClaimFormat::Titles
}

// ---------------------------------------------------------------------------------------------
// Plain titles

/// One title per line; blank lines and `#` comments skipped; list markers (`1.`, `-`, `*`,
/// `[3]`) removed; a trailing `(2021)` becomes the year.
pub fn parse_titles(text: &str) -> (Vec<Claim>, Vec<ClaimError>) {
    let mut claims = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = strip_list_marker(t);
        let (title, year) = match t.strip_suffix(')').and_then(|s| s.rsplit_once('(')) {
            Some((head, y)) if y.len() == 4 && plausible_year(y).is_some() => {
                (head.trim(), plausible_year(y))
            }
            _ => (t, None),
        };
        match check_title(&clean_text(title)) {
            Ok(title) => claims.push(Claim {
                title,
                authors: Vec::new(),
                year,
                venue: None,
                line,
            }),
            Err(reason) => errors.push(ClaimError { line, reason }),
        }
    }
    (claims, errors)
}

fn strip_list_marker(t: &str) -> &str {
    if let Some(rest) = t.strip_prefix(['-', '*', '•']) {
        return rest.trim_start();
    }
    if let Some(rest) = t.strip_prefix('[')
        && let Some((n, after)) = rest.split_once(']')
        && !n.is_empty()
        && n.chars().all(|c| c.is_ascii_digit())
    {
        return after.trim_start();
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &t[digits..];
        if let Some(r) = rest.strip_prefix(['.', ')']) {
            return r.trim_start();
        }
    }
    t
}

fn check_title(title: &str) -> Result<String, String> {
    if title.is_empty() {
        return Err("no title".into());
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "title longer than {MAX_TITLE_CHARS} characters (a missing line break?)"
        ));
    }
    Ok(title.to_string())
}

fn plausible_year(s: &str) -> Option<i32> {
    let y: i32 = s.trim().parse().ok()?;
    (1800..=2100).contains(&y).then_some(y)
}

/// The first four-digit year in a field such as `2021`, `{2021}`, `2021a` or `2021-05`.
fn find_year(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4 {
                return plausible_year(&s[start..i]);
            }
        } else {
            i += 1;
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Column positions of a header line.
#[derive(Debug, Clone, Copy)]
struct Columns {
    delimiter: char,
    title: usize,
    authors: Option<usize>,
    year: Option<usize>,
    venue: Option<usize>,
}

fn csv_header(line: &str) -> Option<Columns> {
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

// ---------------------------------------------------------------------------------------------
// BibTeX

/// `@type{key, field = {value}, field = "value", field = 2021, field = macro # "x"}`;
/// `@string` macros are expanded, `@comment` and `@preamble` skipped. An entry that cannot be
/// read is an error at its `@` line and reading goes on after that line.
pub fn parse_bibtex(text: &str) -> (Vec<Claim>, Vec<ClaimError>) {
    let mut p = Bib {
        s: text.as_bytes(),
        text,
        pos: 0,
        macros: default_macros(),
        counted: (0, 1),
    };
    let mut claims = Vec::new();
    let mut errors = Vec::new();
    while let Some(at) = p.next_entry_start() {
        let line = p.line_of(at);
        p.pos = at + 1;
        match p.entry() {
            Ok(Some(entry)) => match entry.into_claim(line) {
                Ok(claim) => claims.push(claim),
                Err(reason) => errors.push(ClaimError { line, reason }),
            },
            Ok(None) => {}
            Err(reason) => {
                errors.push(ClaimError { line, reason });
                // Resynchronise on the line after the `@`.
                p.pos = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
            }
        }
    }
    (claims, errors)
}

fn default_macros() -> HashMap<String, String> {
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    .iter()
    .map(|m| (m[..3].to_string(), (*m).to_string()))
    .collect()
}

struct Bib<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    macros: HashMap<String, String>,
    /// (byte, line) of the last [`Bib::line_of`].
    counted: (usize, u64),
}

struct Entry {
    kind: String,
    fields: Vec<(String, String)>,
}

impl Entry {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn into_claim(self, line: u64) -> Result<Claim, String> {
        let title = self
            .get("title")
            .ok_or_else(|| format!("@{} entry without a title", self.kind))?;
        let title = check_title(&clean_text(title))?;
        let authors = self
            .get("author")
            .or_else(|| self.get("editor"))
            .map(|a| {
                split_on_and(a)
                    .iter()
                    .map(|n| clean_text(&bib_name(n)))
                    .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case("others"))
                    .collect()
            })
            .unwrap_or_default();
        let year = self
            .get("year")
            .or_else(|| self.get("date"))
            .and_then(find_year);
        let venue = [
            "journal",
            "booktitle",
            "journaltitle",
            "eventtitle",
            "school",
        ]
        .iter()
        .find_map(|k| self.get(k))
        .map(clean_text)
        .filter(|v| !v.is_empty());
        Ok(Claim {
            title,
            authors,
            year,
            venue,
            line,
        })
    }
}

impl Bib<'_> {
    /// The line of byte `at`, counting on from the last position asked (entries come in order,
    /// so the whole file is counted once).
    fn line_of(&mut self, at: usize) -> u64 {
        let at = at.min(self.s.len());
        let (from, mut line) = if at >= self.counted.0 {
            self.counted
        } else {
            (0, 1)
        };
        line += memchr::memchr_iter(b'\n', &self.s[from..at]).count() as u64;
        self.counted = (at, line);
        line
    }

    /// The next `@` that starts an entry (BibTeX ignores text between entries).
    fn next_entry_start(&self) -> Option<usize> {
        let mut i = self.pos;
        while i < self.s.len() {
            if self.s[i] == b'@' {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    fn skip_ws(&mut self) {
        while self.pos < self.s.len() {
            match self.s[self.pos] {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'%' => {
                    // A comment to the end of the line.
                    while self.pos < self.s.len() && self.s[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.s.len() {
            let b = self.s[self.pos];
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.' | b'+' | b'/') {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.text
            .get(start..self.pos)
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// After the `@`: one entry. `None` for `@comment`, `@preamble`, `@string`.
    fn entry(&mut self) -> Result<Option<Entry>, String> {
        let kind = self.ident();
        if kind.is_empty() {
            return Err("`@` without an entry type".into());
        }
        self.skip_ws();
        let close = match self.peek() {
            Some(b'{') => b'}',
            Some(b'(') => b')',
            _ => return Err(format!("@{kind} is not followed by {{ or (")),
        };
        self.pos += 1;
        match kind.as_str() {
            "comment" | "preamble" => {
                self.skip_balanced(close)?;
                return Ok(None);
            }
            "string" => {
                self.skip_ws();
                let name = self.ident();
                self.skip_ws();
                if self.peek() != Some(b'=') {
                    return Err("@string without `=`".into());
                }
                self.pos += 1;
                let value = self.value()?;
                self.skip_ws();
                if self.peek() != Some(close) {
                    return Err("@string is not closed".into());
                }
                self.pos += 1;
                self.macros.insert(name, value);
                return Ok(None);
            }
            _ => {}
        }
        // The citation key, up to the first comma (may be empty).
        self.skip_ws();
        while let Some(b) = self.peek() {
            if b == b',' || b == close {
                break;
            }
            if b == b'\n' || b == b'=' {
                return Err(format!("@{kind}: no citation key before the fields"));
            }
            self.pos += 1;
        }
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(format!("@{kind} entry is not closed")),
                Some(b) if b == close => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                Some(_) => {}
            }
            let name = self.ident();
            if name.is_empty() {
                return Err(format!(
                    "@{kind}: unexpected {:?} where a field name should be",
                    self.peek().map(char::from).unwrap_or(' ')
                ));
            }
            self.skip_ws();
            if self.peek() != Some(b'=') {
                return Err(format!("@{kind}: field {name} has no `=`"));
            }
            self.pos += 1;
            let value = self.value()?;
            fields.push((name, value));
        }
        Ok(Some(Entry { kind, fields }))
    }

    /// A field value: pieces joined by `#`.
    fn value(&mut self) -> Result<String, String> {
        let mut out = String::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    let start = self.pos;
                    self.skip_balanced(b'}')?;
                    out.push_str(self.text.get(start..self.pos - 1).unwrap_or_default());
                }
                Some(b'"') => {
                    self.pos += 1;
                    let start = self.pos;
                    let mut depth = 0usize;
                    loop {
                        match self.peek() {
                            None => return Err("a quoted value is not closed".into()),
                            Some(b'{') => depth += 1,
                            Some(b'}') => depth = depth.saturating_sub(1),
                            Some(b'"') if depth == 0 => break,
                            Some(_) => {}
                        }
                        self.pos += 1;
                    }
                    out.push_str(self.text.get(start..self.pos).unwrap_or_default());
                    self.pos += 1;
                }
                Some(b) if b.is_ascii_digit() => {
                    let start = self.pos;
                    while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    out.push_str(self.text.get(start..self.pos).unwrap_or_default());
                }
                Some(b) if b.is_ascii_alphabetic() => {
                    let name = self.ident();
                    match self.macros.get(&name) {
                        Some(v) => out.push_str(v),
                        None => out.push_str(&name),
                    }
                }
                _ => return Err("a field value is missing".into()),
            }
            self.skip_ws();
            if self.peek() == Some(b'#') {
                self.pos += 1;
            } else {
                return Ok(out);
            }
        }
    }

    /// Moves past the `close` that balances an already consumed opening brace.
    fn skip_balanced(&mut self, close: u8) -> Result<(), String> {
        let open = if close == b')' { b'(' } else { b'{' };
        let mut depth = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == open {
                depth += 1;
            } else if b == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
        }
        Err("braces are not balanced (the entry runs to the end of the file)".into())
    }
}

/// Splits on the word `and` outside braces (BibTeX's author separator).
fn split_on_and(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let words: Vec<&str> = s.split_whitespace().collect();
    for w in words {
        if depth == 0 && w.eq_ignore_ascii_case("and") {
            out.push(std::mem::take(&mut current));
            continue;
        }
        for c in w.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(w);
    }
    out.push(current);
    out.into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `Last, First` → `First Last`; `Last, Jr., First` → `First Last Jr.`.
fn bib_name(name: &str) -> String {
    let parts: Vec<&str> = split_top_level_commas(name);
    match parts.as_slice() {
        [last, first] => format!("{} {}", first.trim(), last.trim()),
        [last, jr, first, ..] => format!("{} {} {}", first.trim(), last.trim(), jr.trim()),
        _ => name.trim().to_string(),
    }
}

fn split_top_level_commas(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Removes TeX markup: braces, accents (`{\"u}` → ü), escapes (`\&`), `~`, `--`; collapses
/// whitespace.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '~' => out.push(' '),
            '\\' => match chars.peek().copied() {
                // Symbol accents always; letter accents (`\c c`, `\v{s}`) only when a space
                // or brace follows, so that `\cite`, `\url`, `\vspace` stay commands.
                Some(a @ ('\'' | '`' | '^' | '"' | '~' | '=' | '.' | 'c' | 'v' | 'u' | 'H'))
                    if !a.is_ascii_alphabetic()
                        || chars.clone().nth(1).is_some_and(|n| n == ' ' || n == '{') =>
                {
                    chars.next();
                    while chars.peek().is_some_and(|&n| n == '{' || n == ' ') {
                        chars.next();
                    }
                    if let Some(letter) = chars.next() {
                        out.push(accented(a, letter).unwrap_or(letter));
                    }
                }
                Some(e @ ('&' | '%' | '_' | '$' | '#' | '{' | '}')) => {
                    chars.next();
                    out.push(e);
                }
                Some(n) if n.is_ascii_alphabetic() => {
                    let mut cmd = String::new();
                    while let Some(&n) = chars.peek() {
                        if n.is_ascii_alphabetic() {
                            cmd.push(n);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    match cmd.as_str() {
                        "ss" => out.push('ß'),
                        "o" => out.push('ø'),
                        "O" => out.push('Ø'),
                        "aa" => out.push('å'),
                        "AA" => out.push('Å'),
                        "ae" => out.push('æ'),
                        "l" => out.push('ł'),
                        "L" => out.push('Ł'),
                        "i" => out.push('i'),
                        // Formatting commands (\textbf, \emph, …) keep their argument.
                        _ => {}
                    }
                    if chars.peek() == Some(&' ') && cmd.len() <= 2 {
                        chars.next();
                    }
                }
                _ => {}
            },
            '$' => {}
            _ => out.push(c),
        }
    }
    let out = out.replace("---", "—").replace("--", "–");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn accented(accent: char, letter: char) -> Option<char> {
    let table: &[(char, &str, &str)] = &[
        ('\'', "aeiouyAEIOUYcnszCNSZ", "áéíóúýÁÉÍÓÚÝćńśźĆŃŚŹ"),
        ('`', "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        ('^', "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
        ('"', "aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"),
        ('~', "anoANO", "ãñõÃÑÕ"),
        ('c', "csCS", "çşÇŞ"),
        ('v', "cszrnCSZRN", "čšžřňČŠŽŘŇ"),
        ('=', "aeiouAEIOU", "āēīōūĀĒĪŌŪ"),
        ('.', "zZ", "żŻ"),
        ('u', "agAG", "ăğĂĞ"),
        ('H', "oOuU", "őŐűŰ"),
    ];
    let (_, from, to) = table.iter().find(|(a, _, _)| *a == accent)?;
    let i = from.chars().position(|c| c == letter)?;
    to.chars().nth(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIB: &str = r#"% my publications
@string{neurips = "Advances in Neural Information Processing Systems"}

@inproceedings{vaswani2017attention,
  title     = {Attention is All you Need},
  author    = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and others},
  booktitle = neurips,
  year      = {2017}
}

@article{ho2020,
  title = "Denoising Diffusion Probabilistic {M}odels",
  author = "Jonathan Ho and Ajay Jain and Pieter Abbeel",
  journal = {CoRR}, year = 2020,
}
@comment{ @article{ignored, title = {x}} }
@misc{nomatter, author = {M{\"u}ller, J{\"o}rg and Ca{\c c}a, Fran{\c{c}}ois}, title = {{\'E}tude \& Co --- Deep~Nets}, year = {2021a}}
@article{broken, title = {Unclosed
@article{after, title = {Still Read}, year = 2019}
"#;

    #[test]
    fn bibtex_entries_macros_names_and_latex() {
        let list = parse_claims(BIB);
        assert_eq!(list.format, ClaimFormat::Bibtex);
        let titles: Vec<&str> = list.claims.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Attention is All you Need",
                "Denoising Diffusion Probabilistic Models",
                "Étude & Co — Deep Nets",
                "Still Read"
            ]
        );
        let a = &list.claims[0];
        assert_eq!(a.authors, ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]);
        assert_eq!(
            a.venue.as_deref(),
            Some("Advances in Neural Information Processing Systems")
        );
        assert_eq!((a.year, a.line), (Some(2017), 4));
        assert_eq!(list.claims[1].authors[2], "Pieter Abbeel");
        assert_eq!(list.claims[1].year, Some(2020));
        assert_eq!(list.claims[2].authors, ["Jörg Müller", "François Caça"]);
        assert_eq!(list.claims[2].year, Some(2021));
        assert_eq!(list.claims[3].year, Some(2019));
        assert_eq!(list.errors.len(), 1, "{:?}", list.errors);
        assert_eq!(list.errors[0].line, 18);
    }

    #[test]
    fn bibtex_errors_name_their_line() {
        let (claims, errors) = parse_bibtex(
            "@article{a, author = {X}}\n@book{b title = {T}}\n@{x}\n@misc(c, title=\"P\")",
        );
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].title, "P");
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3], "{errors:?}");
        assert!(errors[0].reason.contains("without a title"));
    }

    #[test]
    fn csv_with_quotes_delimiters_and_line_breaks() {
        let csv = "Title,Authors,Year,Venue\n\
                   \"Attention Is All You Need\",\"Ashish Vaswani; Noam Shazeer\",2017,NeurIPS\n\
                   \n\
                   \"A \"\"quoted\"\", multi\nline title\",\"A. Smith, B. Jones and C. Wu\",2021-06,\n\
                   ,Nobody,2020,X\n\
                   Bad year,Someone,soon,X\n";
        let list = parse_claims(csv);
        assert_eq!(list.format, ClaimFormat::Csv);
        assert_eq!(list.claims.len(), 2, "{:?}", list);
        assert_eq!(list.claims[0].authors, ["Ashish Vaswani", "Noam Shazeer"]);
        assert_eq!(list.claims[0].venue.as_deref(), Some("NeurIPS"));
        assert_eq!(list.claims[1].title, "A \"quoted\", multi line title");
        assert_eq!(list.claims[1].authors, ["A. Smith", "B. Jones", "C. Wu"]);
        assert_eq!((list.claims[1].year, list.claims[1].line), (Some(2021), 4));
        assert_eq!(list.claims[1].venue, None);
        let errs: Vec<(u64, &str)> = list
            .errors
            .iter()
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(errs, [(6, "no title"), (7, "year \"soon\" is not a year")]);
        let semi = parse_claims("year;title\n2019;Semicolons work\n");
        assert_eq!(semi.claims[0].title, "Semicolons work");
        assert_eq!(semi.claims[0].year, Some(2019));
        let open = parse_claims("title\n\"never closed\n");
        assert_eq!(open.errors[0].line, 2);
    }

    #[test]
    fn plain_titles_with_markers_and_years() {
        let list = parse_claims(
            "# my papers\n1. Deep Residual Learning (2016)\n\n- Mastering Go\n[3] Adam: A Method\n2019 was a year\n",
        );
        assert_eq!(list.format, ClaimFormat::Titles);
        let got: Vec<(&str, Option<i32>, u64)> = list
            .claims
            .iter()
            .map(|c| (c.title.as_str(), c.year, c.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Deep Residual Learning", Some(2016), 2),
                ("Mastering Go", None, 4),
                ("Adam: A Method", None, 5),
                ("2019 was a year", None, 6),
            ]
        );
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(parse_claims(&long).errors.len(), 1);
        assert_eq!(parse_claims("").claims, []);
    }

    /// Found by fuzzing (claims_csv ran at ~1,000 execs/s): an unclosed quote made every later
    /// line re-split the growing record, quadratic in the file; many entries made BibTeX line
    /// numbers quadratic too. 40,000 lines must take milliseconds, not minutes.
    #[test]
    fn huge_inputs_parse_in_linear_time() {
        let started = std::time::Instant::now();
        let open = format!("title,year\n\"open{}", "\nmore text, 2020".repeat(40_000));
        let (claims, errors) = parse_csv(&open);
        assert!(claims.is_empty());
        assert_eq!((errors.len(), errors[0].line), (1, 2));
        let many = "@misc{k, title = {T}}\n".repeat(40_000);
        let (claims, errors) = parse_bibtex(&many);
        assert_eq!((claims.len(), errors.len()), (40_000, 0));
        assert_eq!(claims[39_999].line, 40_000);
        let rows = format!("title\n{}", "a title\n".repeat(40_000));
        assert_eq!(parse_csv(&rows).0.len(), 40_000);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect_claims_format("\u{feff}title,year\n"),
            ClaimFormat::Csv
        );
        assert_eq!(
            detect_claims_format("  @Article ( x, title={a})"),
            ClaimFormat::Bibtex
        );
        assert_eq!(
            detect_claims_format("Email me @ home {not bib}\n"),
            ClaimFormat::Titles
        );
        assert_eq!(
            detect_claims_format("Title of my paper\n"),
            ClaimFormat::Titles
        );
    }
}
