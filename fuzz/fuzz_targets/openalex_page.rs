//! Fuzz target: an OpenAlex API page body as the API client checks it before writing, and as
//! `scout ingest` reads a saved page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_formats::{Limits, read_bytes};
use scout_openalex::{Entity, parse_page};

fuzz_target!(|data: &[u8]| {
    for entity in [Entity::Works, Entity::Authors, Entity::Institutions] {
        if let Ok(page) = parse_page(data, entity) {
            // What the client writes must be one JSON object per line.
            for line in &page.lines {
                assert!(!line.contains(&b'\n'), "a record spans lines");
            }
        }
    }
    let _ = read_bytes("page.json", data, false, &Limits::default(), &mut |_| {});
});
