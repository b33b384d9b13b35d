//! Hygiene of the text people type: trimmed, bounded, and free of characters that change how
//! text is displayed without being visible — control characters (NUL, escape sequences), bidi
//! overrides and isolates (which reorder what a reader sees, e.g. to disguise a name or a file
//! name in an export) and zero-width characters (which make two different names look the same).
//! Such input is refused with the field and the character named, never silently stored.
//! Multi-line fields (notes, messages, reasons) keep line breaks and tabs; CR LF becomes LF.
//! Zero-width joiner and non-joiner stay allowed outside e-mail addresses: several scripts
//! (Persian, Indic) and emoji sequences need them. Data stored before these checks still loads:
//! they apply to input only.

use crate::error::{Error, Result};

/// Whether a text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    One,
    Many,
}

/// Bidi controls and invisible characters that are never accepted.
fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{061C}'                // Arabic letter mark
        | '\u{200B}'              // zero-width space
        | '\u{200E}' | '\u{200F}' // LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{FEFF}'              // zero-width no-break space (BOM)
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
    )
}

/// The first character of `v` that a field of this kind refuses.
pub(crate) fn refused_char(v: &str, lines: Lines) -> Option<char> {
    v.chars().find(|&c| {
        let allowed_control = lines == Lines::Many && matches!(c, '\n' | '\t');
        (c.is_control() && !allowed_control) || is_hidden_format(c)
    })
}

/// Trims and checks a required text field.
pub(crate) fn required(field: &str, v: &str, max: usize, lines: Lines) -> Result<String> {
    let normalised;
    let v = if lines == Lines::Many && v.contains('\r') {
        normalised = v.replace("\r\n", "\n");
        normalised.as_str()
    } else {
        v
    };
    let t = v.trim();
    if t.is_empty() {
        return Err(Error::Invalid(format!("{field} must not be empty")));
    }
    if t.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{field} is longer than {max} characters"
        )));
    }
    if let Some(c) = refused_char(t, lines) {
        return Err(Error::Invalid(format!(
            "{field} contains the invisible or control character U+{:04X}; remove it",
            u32::from(c)
        )));
    }
    Ok(t.to_string())
}

/// Trims an optional text field; empty means absent.
pub(crate) fn optional(
    field: &str,
    v: Option<&str>,
    max: usize,
    lines: Lines,
) -> Result<Option<String>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => required(field, t, max, lines).map(Some),
    }
}

/// An e-mail address, checked for the shape `local@domain.tld` (ASCII; an internationalised
/// domain in its `xn--` form): the local part of dot-separated atoms, the domain of labels of
/// letters, digits and inner hyphens.
pub(crate) fn email(v: Option<&str>) -> Result<Option<String>> {
    let Some(e) = optional("email", v, 254, Lines::One)? else {
        return Ok(None);
    };
    let bad = || {
        Error::Invalid(format!(
            "email {e:?} is not an address like name@example.org"
        ))
    };
    let (local, domain) = e.rsplit_once('@').ok_or_else(bad)?;
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|a| !a.is_empty() && a.chars().all(atom_char));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(Some(e))
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_control_characters_are_refused() {
        for bad in [
            "Ada\u{0}Lovelace",
            "Ada \u{202E}ecalevoL",
            "Ada\u{200B}",
            "\u{2066}Ada\u{2069}",
            "Ada\nLovelace",
            "Ada\u{1b}[31m",
            "\u{FEFF}Ada",
        ] {
            let e = required("name", bad, 100, Lines::One).expect_err(bad);
            assert!(e.to_string().contains("U+"), "{e}");
        }
        assert_eq!(
            required("body", "line one\r\n\tline two", 100, Lines::Many).expect("ok"),
            "line one\n\tline two"
        );
        assert!(required("body", "a\u{202E}b", 100, Lines::Many).is_err());
        // Persian uses the zero-width non-joiner inside words.
        assert!(required("name", "مهر\u{200C}داد", 100, Lines::One).is_ok());
    }

    #[test]
    fn emails_are_validated() {
        for good in [
            "ada@example.org",
            "a.b+c@sub.example.co.uk",
            "x@xn--bcher-kva.example",
        ] {
            assert_eq!(email(Some(good)).expect(good).as_deref(), Some(good));
        }
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a..b@example.org",
            "ada@-x.org",
            "ada@exa mple.org",
            "ada@example.org\u{200B}",
            "\"ada\"@example.org",
            "ada@ex_ample.org",
            "ada@@example.org",
        ] {
            assert!(email(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(email(Some("  ")).expect("empty"), None);
    }
}
