//! What scoring needs to know about one paper ([`PaperFacts`]), whichever source the facts
//! come from (`facts.rs`), and its authors in the model's compressed-row authorships.

/// What scoring needs to know about one paper.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaperFacts {
    /// Hash of the normalised title: the same paper listed twice (a workshop and a main-track
    /// version, two venues) counts once per researcher.
    pub title_key: u64,
    /// Hash of the work's key: breaks ties between papers the same way however an ingest
    /// numbered the works.
    pub key_hash: u64,
    /// Another work of one of its authors has the same `title_key` (or it is not known that
    /// none has).
    pub twin: bool,
    pub year: Option<i32>,
    /// Citations relative to the cohort's typical count, or their estimate (`work_impact`).
    pub relative: Option<f64>,
    /// `relative` is an estimate (no count exists).
    pub estimated: bool,
    pub status_factor: f64,
    pub rejected: bool,
    pub n_authors: i64,
}

/// A fingerprint of a title: the same paper listed twice (workshop and main track, two venues)
/// shares it.
pub(crate) fn title_key(title: &str) -> u64 {
    let fingerprint: String = title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    xxhash_rust::xxh3::xxh3_64(fingerprint.as_bytes())
}

/// The `(position, researcher)` authorships of `work` in compressed rows: `authors[offsets[w]..
/// offsets[w + 1]]` (none for a work outside them).
pub(crate) fn authors_of<'a>(
    offsets: &[u32],
    authors: &'a [(u16, u32)],
    work: usize,
) -> &'a [(u16, u32)] {
    match (offsets.get(work), offsets.get(work + 1)) {
        (Some(&a), Some(&b)) => authors.get(a as usize..b as usize).unwrap_or_default(),
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_title_key_ignores_case_and_punctuation() {
        assert_eq!(
            super::title_key("Attention Is All You Need"),
            super::title_key("attention is all you need.")
        );
    }
}
