//! Tests of the citation-file parser: real rows from `iclr-citations-s2` (Apache-2.0, see
//! data/demo/PROVENANCE.md), every bad-input case, and properties over generated rows.

use super::*;
use proptest::prelude::*;

/// The header and three rows of `iclr-citations-s2/c_1095.tsv` (Semantic Scholar citations
/// within 1,095 days), the third one unmatched by Semantic Scholar (`s2_id = -1`).
const S2_TSV: &str = concat!(
    "submission_id\tyear\tfull_decision\tarxiv_first\ttitle\tauthors\tkeywords\ttldr\tarxiv_id\tprimary_category\tpublished_time\tupdated_time\ts2_id\tpublication_year\tpublication_date\tcites_within_window\n",
    "-6me0AsJVdu\t2022\tReject\tFalse\tModel Validation Using Mutated Training Labels: An Exploratory Study\t['Jie Zhang', 'Mark Harman', 'Benjamin Guedj', 'Earl Barr', 'John Shawe-Taylor']\t[]\tMutation Validation (MV) is a new model validation measurement using the relationship between mutated labels and training performance changes.\t\t\t\t\t239050563\t2019.0\t2019-05-24\t0\n",
    "-Hs_otp2RB\t2021\tAccept (Poster)\tFalse\tImproving VAEs' Robustness to Adversarial Attack\t\"[\"\"Matthew JF Willetts\"\", \"\"Alexander Camuto\"\"]\"\t\"[\"\"deep generative models\"\"]\"\tWe show that regularisation\t\t\t\t\t212633838\t2020.0\t2020-02-17\t7\n",
    "-0Cjhnl-dhK\t2022\tReject\tFalse\tTowards Uncertainties in Deep Learning that Are Accurate and Calibrated\t['Volodymyr Kuleshov', 'Shachi Deshpande']\t[]\t\t\t\t\t\t-1\t\t\t0\n",
);

fn parse(text: &str, delimiter: u8, window: Option<u32>) -> Vec<CitationItem> {
    let mut out = Vec::new();
    parse_delimited(text, delimiter, window, &mut |i| out.push(i));
    out
}

fn json(text: &str) -> Vec<CitationItem> {
    let mut out = Vec::new();
    parse_json_lines(text.as_bytes(), None, &mut |i| out.push(i)).expect("in memory");
    out
}

fn rejected(items: &[CitationItem]) -> Vec<(u64, String)> {
    items
        .iter()
        .filter_map(|i| match i {
            CitationItem::Reject(r) => Some((r.line, r.reason.clone())),
            CitationItem::Row(_) => None,
        })
        .collect()
}

#[test]
fn real_semantic_scholar_rows_are_windowed_and_unmatched_rows_are_not_zero() {
    let window = window_from_file_name(Path::new("iclr-citations-s2/c_1095.tsv"));
    assert_eq!(window, Some(1095));
    let items = parse(S2_TSV, b'\t', window);
    assert_eq!(items.len(), 3);
    let CitationItem::Row(first) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(first.line, 2);
    assert_eq!(first.keys.openreview.as_deref(), Some("-6me0AsJVdu"));
    assert_eq!(first.keys.semantic_scholar.as_deref(), Some("239050563"));
    // The submission year, not Semantic Scholar's publication year (the first year column wins).
    assert_eq!(first.keys.year, Some(2022));
    assert_eq!(first.count, 0);
    assert_eq!(first.window_days, Some(1095));
    assert_eq!(first.source, "semantic_scholar");
    let CitationItem::Row(second) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(second.count, 7);
    assert_eq!(
        second.keys.title.as_deref(),
        Some("Improving VAEs' Robustness to Adversarial Attack")
    );
    let rejects = rejected(&items);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].0, 4);
    assert!(rejects[0].1.contains("s2_id = -1"), "{}", rejects[0].1);
}

#[test]
fn a_windowed_count_without_a_window_is_rejected() {
    let items = parse(S2_TSV, b'\t', None);
    let rejects = rejected(&items);
    assert_eq!(rejects.len(), 3);
    assert!(rejects[0].1.contains("without a window"));
}

#[test]
fn every_bad_row_is_rejected_with_its_line_and_reason() {
    let csv = "openreview_id,title,year,citations,source,as_of\n\
               abc,\"A, quoted \"\"title\"\"\",2021,12,openalex,2026-04-01\n\
               def,Some title,2021,-3,openalex,\n\
               ghi,Some title,2021,many,openalex,\n\
               ,,,5,openalex,\n\
               jkl,Another,20x1,4,openalex,\n\
               too,few\n\
               mno,Float count,2020,12.0,openalex,\n\
               pqr,Fraction,2020,1.5,openalex,\n\
               \n";
    let items = parse(csv, b',', None);
    let CitationItem::Row(first) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(first.keys.title.as_deref(), Some("A, quoted \"title\""));
    assert_eq!(first.as_of.as_deref(), Some("2026-04-01"));
    assert_eq!(first.window_days, None);
    let rejects = rejected(&items);
    let lines: Vec<u64> = rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 9]);
    assert!(rejects[0].1.contains("negative"));
    assert!(rejects[1].1.contains("not a whole number"));
    assert!(rejects[2].1.contains("no paper key"));
    assert!(rejects[3].1.contains("year"));
    assert!(rejects[4].1.contains("fields where the header has"));
    assert!(rejects[5].1.contains("not a whole number"));
    let CitationItem::Row(float) = &items[6] else {
        panic!("{:?}", items[6])
    };
    assert_eq!(float.count, 12);
}

#[test]
fn a_header_without_a_count_rejects_the_file_once() {
    let items = parse("title,year\nX,2020\n", b',', None);
    assert_eq!(rejected(&items).len(), 1);
}

#[test]
fn json_lines_read_openalex_exports_and_reject_garbage() {
    let text = concat!(
        r#"{"id": "https://openalex.org/W2963403868", "doi": "https://doi.org/10.48550/arxiv.1706.03762", "cited_by_count": 120000, "as_of": "2026-04-01"}"#,
        "\n",
        "not json at all\n",
        "[1, 2]\n",
        r#"{"arxiv_id": "2203.02155", "citations": 9000, "source": "semantic_scholar", "window": "3y"}"#,
        "\n",
        r#"{"doi": "10.1/x"}"#,
        "\n",
    );
    let items = json(text);
    let CitationItem::Row(oa) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(oa.keys.openalex.as_deref(), Some("W2963403868"));
    assert_eq!(oa.source, "openalex");
    assert_eq!(oa.count, 120_000);
    let CitationItem::Row(s2) = &items[3] else {
        panic!("{:?}", items[3])
    };
    assert_eq!(s2.window_days, Some(1095));
    let lines: Vec<u64> = rejected(&items).iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![2, 3, 5]);
}

#[test]
fn layouts_and_windows_from_names() {
    assert_eq!(
        CitationLayout::of(Path::new("a/b.csv")),
        Some(CitationLayout::Csv)
    );
    assert_eq!(
        CitationLayout::of(Path::new("b.TSV.gz")),
        Some(CitationLayout::Tsv)
    );
    assert_eq!(
        CitationLayout::of(Path::new("b.jsonl")),
        Some(CitationLayout::JsonLines)
    );
    assert_eq!(CitationLayout::of(Path::new("b.txt")), None);
    assert_eq!(window_from_file_name(Path::new("c_365.tsv")), Some(365));
    assert_eq!(window_from_file_name(Path::new("cites.tsv")), None);
    assert_eq!(window_from_file_name(Path::new("c2020.tsv")), None);
}

fn field_text() -> impl Strategy<Value = String> {
    // Anything, including delimiters, quotes and line breaks.
    proptest::collection::vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("\t".to_string()),
            "[a-zA-Z0-9 é-]{0,6}",
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn quote(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

proptest! {
    /// Quoted fields survive any content: the title read back is the title written, the count
    /// is the count written, and each row reports the line it starts on.
    #[test]
    fn quoted_rows_round_trip(rows in proptest::collection::vec((field_text(), 0i64..1_000_000, 1990i32..2030), 1..8),
                              tab in any::<bool>()) {
        let d = if tab { '\t' } else { ',' };
        let mut text = format!("title{d}year{d}citations{d}source\n");
        let mut starts = Vec::new();
        let mut line = 2u64;
        for (title, count, year) in &rows {
            starts.push(line);
            text.push_str(&format!("{}{d}{year}{d}{count}{d}s\n", quote(title)));
            line += 1 + title.matches('\n').count() as u64;
        }
        let items = parse(&text, d as u8, None);
        prop_assert_eq!(items.len(), rows.len());
        for ((item, (title, count, year)), start) in items.iter().zip(&rows).zip(&starts) {
            match item {
                CitationItem::Row(r) => {
                    prop_assert_eq!(r.line, *start);
                    prop_assert_eq!(r.count, *count);
                    prop_assert_eq!(r.keys.year, Some(*year));
                    let trimmed = title.trim();
                    prop_assert_eq!(r.keys.title.as_deref(), (!trimmed.is_empty()).then_some(trimmed));
                }
                CitationItem::Reject(r) => {
                    // Only a blank title leaves the row without a key.
                    prop_assert!(title.trim().is_empty(), "{:?}", r);
                    prop_assert_eq!(r.line, *start);
                }
            }
        }
    }

    /// Arbitrary bytes never panic and every non-blank line after the header is accounted for.
    #[test]
    fn garbage_never_panics(text in "\\PC{0,300}") {
        let items = parse(&format!("openreview_id,citations\n{text}"), b',', None);
        for item in &items {
            if let CitationItem::Reject(r) = item {
                prop_assert!(!r.reason.is_empty());
            }
        }
        let _ = json(&text);
    }
}
