//! Small text helpers shared by the parsers: a borrowed-or-owned JSON string, field limits,
//! and tidying of whitespace.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A JSON string that borrows from the input when it has no escapes (the common case), which
/// roughly halves allocation during parsing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CowStr<'a>(pub Cow<'a, str>);

impl<'a> CowStr<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CowVisitor;
        impl<'de> Visitor<'de> for CowVisitor {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(CowVisitor)
    }
}

/// Upper bounds on field sizes. A record over a bound is rejected with the field named,
/// rather than stored: real metadata never comes close to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_line_bytes: usize,
    pub max_title_bytes: usize,
    pub max_name_bytes: usize,
    pub max_abstract_bytes: usize,
    pub max_authors: usize,
    pub max_keywords: usize,
    /// Largest word position accepted in an OpenAlex `abstract_inverted_index`.
    pub max_abstract_words: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 64 << 20,
            max_title_bytes: 4096,
            max_name_bytes: 512,
            max_abstract_bytes: 256 << 10,
            max_authors: 10_000,
            max_keywords: 500,
            max_abstract_words: 50_000,
        }
    }
}

/// Collapses runs of whitespace and trims; returns `None` for an empty result.
pub fn tidy(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if is_tidy(s) {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Some(out)
}

/// True when `s` (already trimmed) has no whitespace other than single spaces. Checks bytes;
/// only strings with non-ASCII characters need the Unicode check.
fn is_tidy(s: &str) -> bool {
    let mut prev_space = false;
    let mut ascii = true;
    for &b in s.as_bytes() {
        match b {
            b' ' if prev_space => return false,
            b' ' => prev_space = true,
            b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => return false,
            _ => {
                prev_space = false;
                ascii &= b < 0x80;
            }
        }
    }
    ascii || !s.chars().any(|c| c.is_whitespace() && c != ' ')
}

/// Restores accented letters whose JSON escape lost its backslash upstream ("Universitu00e9 de
/// Montru00e9al", "Quu00e9bec"): `u` and four hex digits naming a Latin letter with a diacritic
/// (U+00C0–U+024F), right after a letter.
pub fn restore_lost_escapes(s: &str) -> Cow<'_, str> {
    let escaped = s
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'u' && w[1] == b'0' && matches!(w[2], b'0'..=b'2'));
    if !escaped {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut previous: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if c == 'u' && previous.is_some_and(char::is_alphabetic) {
            let restored = rest
                .get(1..5)
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .filter(|code| (0xC0..=0x24F).contains(code) && *code != 0xD7 && *code != 0xF7)
                .and_then(char::from_u32);
            if let Some(letter) = restored {
                out.push(letter);
                previous = Some(letter);
                rest = &rest[5..];
                continue;
            }
        }
        out.push(c);
        previous = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

/// Removes a URL prefix such as `https://openalex.org/` or `https://orcid.org/`.
pub fn strip_url_prefix<'s>(s: &'s str, prefixes: &[&str]) -> &'s str {
    for p in prefixes {
        if let Some(rest) = s.strip_prefix(p) {
            return rest;
        }
    }
    s
}

/// A field that broke a limit: `(field, reason)`.
pub type LimitViolation = (String, String);

pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), LimitViolation> {
    if value.len() > max {
        Err((
            field.to_string(),
            format!(
                "field `{field}` is {} bytes, over the limit of {max}",
                value.len()
            ),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cow_str_borrows_plain_strings_and_owns_escaped_ones() -> Result<(), serde_json::Error> {
        let plain: Vec<CowStr> = serde_json::from_str(r#"["abc"]"#)?;
        assert!(matches!(plain[0].0, Cow::Borrowed("abc")));
        let escaped: Vec<CowStr> = serde_json::from_str(r#"["G\u00f6del"]"#)?;
        assert!(matches!(&escaped[0].0, Cow::Owned(s) if s == "Gödel"));
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn lost_escapes_touch_only_escapes(s in "[a-zA-Z0-9éü u+,]{0,40}") {
            let out = restore_lost_escapes(&s);
            // A restored escape turns five characters into one; nothing else changes.
            if !s.contains('u') {
                proptest::prop_assert_eq!(out.as_ref(), s.as_str());
            }
            proptest::prop_assert!(out.chars().count() <= s.chars().count());
        }
    }

    #[test]
    fn lost_escapes_are_restored() {
        // Strings as the paperlists metadata gives them.
        assert_eq!(
            restore_lost_escapes("Polytechnique Montru00e9al"),
            "Polytechnique Montréal"
        );
        assert_eq!(
            restore_lost_escapes("Mila+Universitu00e9 de Montru00e9al"),
            "Mila+Université de Montréal"
        );
        assert_eq!(
            restore_lost_escapes("Universitu00e9 Laval, Quu00e9bec"),
            "Université Laval, Québec"
        );
        // Not after a letter, not a Latin letter, or not four hex digits: left alone.
        for kept in [
            "u00e9",
            "Room u00e9",
            "Menu0041",
            "Stru00d7x",
            "Umu00",
            "Université",
        ] {
            assert_eq!(restore_lost_escapes(kept), kept);
        }
    }

    #[test]
    fn tidy_collapses_whitespace() {
        assert_eq!(tidy("  a \n b  ").as_deref(), Some("a b"));
        assert_eq!(tidy("plain").as_deref(), Some("plain"));
        assert_eq!(tidy(" \t "), None);
        assert_eq!(tidy("a\u{00a0}b").as_deref(), Some("a b"));
        assert_eq!(tidy("Gödel Escher").as_deref(), Some("Gödel Escher"));
    }
}
