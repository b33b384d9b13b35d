//! Property tests: the parsers never panic, whatever the bytes, and real records survive
//! arbitrary truncation and byte flips as either a record or a reject.

use proptest::prelude::*;
use scout_formats::{Format, Limits, parse_record};

const PAPER: &str = r#"{"venue": "colm", "year": 2024, "id": "0UK8c2kg7c", "title": "InstructAV: Instruction Fine-tuning Large Language Models for Authorship Verification", "status": "Poster", "track": "main", "authors": ["Yujia Hu", "Zhiqiang Hu", "Chun Wei Seah", "Roy Ka-Wei Lee"], "openreview_ids": ["~Yujia_Hu1", "~Zhiqiang_Hu3", "~Chun_Wei_Seah2", "~Roy_Ka-Wei_Lee1"], "dblp": ["", "", "", "139/2266"], "orcid": ["", "", "", "0000-0002-1986-7750"], "affs": ["Singapore University of Technology and Design", "Singapore University of Technology and Design", "DSO", "Singapore University of Technology and Design"], "aff_domains": ["sutd.edu.sg", "sutd.edu.sg", "dso.org.sg", "sutd.edu.sg"], "aff_unique_norm": ["Singapore University of Technology and Design", "DSO"], "aff_unique_index": ["0", "0", "1", "0"], "aff_country_unique": ["Singapore", ""], "aff_country_unique_index": ["0", "0", "0"], "keywords": ["Authorship Verification"], "gs_citation": 1, "rating_avg": 6.5}"#;

const WORK: &str = r#"{"id":"https://openalex.org/W3140854437","title":"Review of deep learning","publication_year":2021,"cited_by_count":5000,"doi":"https://doi.org/10.1186/s40537-021-00444-8","abstract_inverted_index":{"In":[0],"the":[1,3],"past":[2],"decade":[4]},"authorships":[{"author_position":"first","author":{"id":"https://openalex.org/A5086419494","display_name":"Laith Alzubaidi","orcid":"https://orcid.org/0000-0002-7296-5413"},"institutions":[{"id":"https://openalex.org/I160993911","display_name":"Queensland University of Technology","ror":"https://ror.org/03pnv4752","country_code":"AU","type":"education"}],"raw_affiliation_strings":["QUT, Brisbane"]}],"concepts":[{"display_name":"Deep learning","level":2,"score":0.9}]}"#;

const FORMATS: [Format; 5] = [
    Format::PaperlistsPapers,
    Format::PaperlistsAbstracts,
    Format::OpenAlexWorks,
    Format::OpenAlexAuthors,
    Format::OpenAlexInstitutions,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for format in FORMATS {
            let _ = parse_record(format, &bytes, &Limits::default());
        }
    }

    #[test]
    fn truncated_real_records_never_panic(cut in 0usize..PAPER.len(), cut2 in 0usize..WORK.len()) {
        let _ = parse_record(Format::PaperlistsPapers, &PAPER.as_bytes()[..cut], &Limits::default());
        let _ = parse_record(Format::OpenAlexWorks, &WORK.as_bytes()[..cut2], &Limits::default());
    }

    #[test]
    fn flipped_bytes_in_real_records_never_panic(pos in 0usize..PAPER.len(), byte in any::<u8>(), pos2 in 0usize..WORK.len()) {
        let mut p = PAPER.as_bytes().to_vec();
        p[pos] = byte;
        let _ = parse_record(Format::PaperlistsPapers, &p, &Limits::default());
        let mut w = WORK.as_bytes().to_vec();
        w[pos2] = byte;
        let _ = parse_record(Format::OpenAlexWorks, &w, &Limits::default());
    }
}

#[test]
fn the_fixtures_parse() {
    assert!(
        parse_record(
            Format::PaperlistsPapers,
            PAPER.as_bytes(),
            &Limits::default()
        )
        .is_ok()
    );
    let work = parse_record(Format::OpenAlexWorks, WORK.as_bytes(), &Limits::default());
    match work {
        Ok(scout_formats::Record::Work(w)) => {
            assert_eq!(w.abstract_text.as_deref(), Some("In the past the decade"));
            assert_eq!(w.doi.as_deref(), Some("10.1186/s40537-021-00444-8"));
            assert_eq!(w.authors[0].openalex_id.as_deref(), Some("A5086419494"));
            assert_eq!(w.authors[0].orcid.as_deref(), Some("0000-0002-7296-5413"));
            assert_eq!(
                w.authors[0].affiliations[0].ror.as_deref(),
                Some("03pnv4752")
            );
            assert_eq!(w.authors[0].affiliations[0].raw, "QUT, Brisbane");
            assert_eq!(w.keywords, ["Deep learning"]);
        }
        other => panic!("{other:?}"),
    }
}
