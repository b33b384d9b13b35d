//! Shared parsing plumbing: JSON into typed structs with the failing field named, and the
//! stable hash used for keys.

use serde::Deserialize;

/// Why one record could not be turned into a [`crate::Record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub field: Option<String>,
    pub reason: String,
}

impl ParseFailure {
    pub fn new(field: Option<&str>, reason: impl Into<String>) -> Self {
        ParseFailure {
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

impl From<(String, String)> for ParseFailure {
    fn from((field, reason): (String, String)) -> Self {
        ParseFailure {
            field: Some(field),
            reason,
        }
    }
}

/// Parses JSON into `T`. The fast path parses once; only on failure is the input parsed again
/// with path tracking, so that the reject names the field (`authors[2]`, `year`).
pub fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ParseFailure> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(value) => Ok(value),
        Err(first) => {
            // serde_json validates the UTF-8 of strings itself; name the problem precisely.
            if let Err(e) = std::str::from_utf8(bytes) {
                return Err(ParseFailure::new(
                    None,
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                ));
            }
            let mut de = serde_json::Deserializer::from_slice(bytes);
            match serde_path_to_error::deserialize::<_, T>(&mut de) {
                // Only trailing characters after a valid value fail the fast path but not this one.
                Ok(_) => Err(ParseFailure::new(
                    None,
                    simplify_serde_message(&first.to_string()),
                )),
                Err(e) => {
                    let path = e.path().to_string();
                    let field = (path != ".").then_some(path);
                    Err(ParseFailure {
                        field,
                        reason: simplify_serde_message(&e.into_inner().to_string()),
                    })
                }
            }
        }
    }
}

/// serde_json messages end with "at line 1 column N", which for a JSON Lines record is noise
/// next to the file line we report; keep the column, drop the line.
fn simplify_serde_message(msg: &str) -> String {
    match msg.rfind(" at line 1 column ") {
        Some(i) => format!(
            "{} (column {})",
            &msg[..i],
            &msg[i + " at line 1 column ".len()..]
        ),
        None => msg.to_string(),
    }
}

/// 64-bit FNV-1a. Stable across platforms and releases (unlike `std`'s hasher), so it can be
/// stored: content hashes for idempotent ingest, title keys for papers without ids.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Title reduced to lower-case letters and digits, for keys and title matching.
pub fn title_fingerprint(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Probe {
        year: i32,
        authors: Vec<String>,
    }

    #[test]
    fn failures_name_the_field() {
        let cases: [(&[u8], Option<&str>, &str); 4] = [
            (
                br#"{"year":"x","authors":[]}"#,
                Some("year"),
                "invalid type: string",
            ),
            (
                br#"{"year":1,"authors":["a",3]}"#,
                Some("authors[1]"),
                "invalid type: integer",
            ),
            (br#"{"authors":[]}"#, None, "missing field `year`"),
            (
                b"{\"year\":1,\"authors\":[\"\xff\"]}",
                None,
                "invalid UTF-8 at byte 22",
            ),
        ];
        for (input, field, reason) in cases {
            let err = from_json::<Probe>(input).err();
            let err =
                err.unwrap_or_else(|| panic!("accepted {:?}", String::from_utf8_lossy(input)));
            assert_eq!(err.field.as_deref(), field, "{err:?}");
            assert!(err.reason.starts_with(reason), "{err:?}");
        }
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fingerprint_ignores_case_and_punctuation() {
        assert_eq!(
            title_fingerprint("Attention Is All You Need!"),
            "attentionisallyouneed"
        );
    }
}
