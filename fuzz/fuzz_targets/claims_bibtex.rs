//! Fuzz target: a claimed-publication list as BibTeX, and with format detection.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_formats::claims::parse_bibtex;
use scout_formats::parse_claims_bytes;

fuzz_target!(|data: &[u8]| {
    let list = parse_claims_bytes(data);
    for c in &list.claims {
        assert!(!c.title.is_empty());
    }
    let text = String::from_utf8_lossy(data);
    let (claims, errors) = parse_bibtex(&text);
    let lines = text.lines().count() as u64 + 1;
    for line in claims
        .iter()
        .map(|c| c.line)
        .chain(errors.iter().map(|e| e.line))
    {
        assert!(line >= 1 && line <= lines, "line {line} of {lines}");
    }
});
