//! The API key as a secret: it prints as `***` and can scrub itself out of any text.

use std::fmt;

/// An API key. `Debug` and `Display` never show it; [`Secret::expose`] is the one way out,
/// used only to build the request.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Option<String>);

impl Secret {
    /// A key; an empty or blank string means no key.
    pub fn new(key: Option<String>) -> Self {
        Self(key.filter(|k| !k.trim().is_empty()))
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    pub fn expose(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Replaces the key (raw and percent-encoded) in `text` by `***`.
    pub fn redact(&self, text: &str) -> String {
        let Some(key) = self.0.as_deref() else {
            return text.to_string();
        };
        let encoded = crate::url::encode(key);
        let mut out = text.replace(key, "***");
        if encoded != key {
            out = out.replace(&encoded, "***");
        }
        out
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Secret(***)"
        } else {
            "Secret(none)"
        })
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "***" } else { "(none)" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_raw_and_encoded_and_never_prints() {
        let s = Secret::new(Some("k3y/with+chars".into()));
        let text = "GET /works?api_key=k3y%2Fwith%2Bchars and k3y/with+chars";
        assert_eq!(s.redact(text), "GET /works?api_key=*** and ***");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        assert!(!Secret::new(Some("  ".into())).is_set());
        assert_eq!(Secret::new(None).redact("x"), "x");
    }
}
