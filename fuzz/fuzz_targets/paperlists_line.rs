//! Fuzz target: one `paperlists` JSON Lines line, as a paper and as an abstract record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_formats::{Limits, paperlists};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let _ = paperlists::parse_paper(data, &limits);
    let _ = paperlists::parse_abstract(data, &limits);
});
