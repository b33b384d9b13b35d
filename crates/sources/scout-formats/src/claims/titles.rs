//! Plain titles, one per line.

use super::fields::{check_title, clean_text, plausible_year};
use super::list::{Claim, ClaimError};

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
