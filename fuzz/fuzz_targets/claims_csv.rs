//! Fuzz target: a claimed-publication list as CSV (and as plain titles).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_formats::claims::{parse_csv, parse_titles};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (claims, _) = parse_csv(&text);
    for c in &claims {
        assert!(!c.title.is_empty());
    }
    let _ = parse_titles(&text);
});
