//! Fuzz target: pairwise vote CSV (`left,right,winner[,voter]`), then the comparison table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_arena::parse_pairwise_csv;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(log) = parse_pairwise_csv(text) {
        let _ = log.comparisons();
    }
});
