//! Fuzz target: FastChat `clean_battle` JSON and aggregated pair-count JSON, then the
//! comparison table built from what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scout_arena::{BattleFilter, parse_clean_battle, parse_pair_counts};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for filter in [BattleFilter::All, BattleFilter::AnonymousOnly] {
        if let Ok(log) = parse_clean_battle(text, filter) {
            let _ = log.comparisons();
        }
    }
    let _ = parse_pair_counts(text);
});
