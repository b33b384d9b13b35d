//! BibTeX claim lists: entries, `@string` macros, names and TeX markup.

use std::collections::HashMap;

use super::fields::{check_title, clean_text, find_year, split_on_and};
use super::list::{Claim, ClaimError};

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
