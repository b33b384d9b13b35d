//! Fuzz target: one OpenAlex record as a work, an author and an institution, and format
//! detection on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_formats::{Format, Limits, parse_record};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for format in [
        Format::OpenAlexWorks,
        Format::OpenAlexAuthors,
        Format::OpenAlexInstitutions,
        Format::OpenAlexPages,
    ] {
        let _ = parse_record(format, data, &limits);
    }
});
