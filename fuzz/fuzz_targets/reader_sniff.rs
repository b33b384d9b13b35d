//! Fuzz target: the file reader on arbitrary bytes — layout sniffing (JSON Lines, array,
//! API page, pretty or not), format detection, parsing — plain and as gzip (mutated real gzip
//! seeds reach the decoder's error paths; the second pass gzips the bytes to reach the
//! reader behind a valid stream).
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use scout_formats::{Item, Limits, read_bytes};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let check = |summary: scout_formats::FileSummary, items: &[Item]| {
        let records = items
            .iter()
            .filter(|i| matches!(i, Item::Record { .. }))
            .count() as u64;
        assert_eq!(summary.records, records);
        assert_eq!(summary.rejects, items.len() as u64 - records);
    };
    let mut items = Vec::new();
    let summary = read_bytes("fuzz", data, false, &limits, &mut |i| items.push(i));
    check(summary, &items);
    items.clear();
    let summary = read_bytes("fuzz.gz", data, true, &limits, &mut |i| items.push(i));
    check(summary, &items);
    if data.first() != Some(&0x1f) {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if gz.write_all(data).is_ok()
            && let Ok(bytes) = gz.finish()
        {
            let _ = read_bytes("fuzz.gz", &bytes, true, &limits, &mut |_| {});
        }
    }
});
