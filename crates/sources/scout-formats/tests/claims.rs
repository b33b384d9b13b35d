//! Property tests for the claimed-publication parser: never a panic on any input, and claims
//! written as BibTeX or CSV read back as they were.

use proptest::prelude::*;
use scout_formats::claims::{parse_bibtex, parse_csv, parse_titles};
use scout_formats::{ClaimFormat, parse_claims, parse_claims_bytes};

/// Title-like text without characters that BibTeX or CSV give meaning to.
fn words() -> impl Strategy<Value = String> {
    proptest::collection::vec("[A-Za-z][a-z0-9]{0,9}", 1..8).prop_map(|w| w.join(" "))
}

fn name() -> impl Strategy<Value = String> {
    ("[A-Z][a-z]{1,8}", "[A-Z][a-z]{1,10}").prop_map(|(f, l)| format!("{f} {l}"))
}

#[derive(Debug, Clone)]
struct Gen {
    title: String,
    authors: Vec<String>,
    year: Option<i32>,
    venue: Option<String>,
}

fn claim() -> impl Strategy<Value = Gen> {
    (
        words(),
        proptest::collection::vec(name(), 0..5),
        proptest::option::of(1950i32..2030),
        proptest::option::of(words()),
    )
        .prop_map(|(title, authors, year, venue)| Gen {
            title,
            authors,
            year,
            venue,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_or_bytes_never_panic(s in "\\PC{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_claims(&s);
        let _ = parse_claims_bytes(&bytes);
        for text in [s.as_str(), &String::from_utf8_lossy(&bytes)] {
            let _ = parse_bibtex(text);
            let _ = parse_csv(text);
            let _ = parse_titles(text);
        }
    }

    #[test]
    fn bibtex_like_noise_never_panics(parts in proptest::collection::vec(
        prop_oneof![Just("@"), Just("{"), Just("}"), Just("("), Just(")"), Just("\""), Just("="),
                    Just(","), Just("#"), Just("\\"), Just("%"), Just("\n"), Just("article"),
                    Just("title"), Just("and"), Just("\\'"), Just("\\c"), Just("x"), Just(" ")],
        0..80)) {
        let text: String = parts.concat();
        let _ = parse_claims(&text);
        let _ = parse_bibtex(&text);
        let _ = parse_csv(&format!("title\n{text}"));
    }

    #[test]
    fn bibtex_round_trip(claims in proptest::collection::vec(claim(), 1..6)) {
        let mut bib = String::from("% generated\n");
        for (i, c) in claims.iter().enumerate() {
            bib.push_str(&format!("@inproceedings{{key{i},\n  title = {{{}}},\n", c.title));
            if !c.authors.is_empty() {
                // Alternate "First Last" and "Last, First".
                let names: Vec<String> = c.authors.iter().enumerate().map(|(j, n)| {
                    match (j % 2, n.split_once(' ')) {
                        (1, Some((f, l))) => format!("{l}, {f}"),
                        _ => n.clone(),
                    }
                }).collect();
                bib.push_str(&format!("  author = \"{}\",\n", names.join(" and ")));
            }
            if let Some(y) = c.year { bib.push_str(&format!("  year = {y},\n")); }
            if let Some(v) = &c.venue { bib.push_str(&format!("  booktitle = {{{v}}},\n")); }
            bib.push_str("}\n\n");
        }
        let list = parse_claims(&bib);
        prop_assert_eq!(list.format, ClaimFormat::Bibtex);
        prop_assert!(list.errors.is_empty(), "{:?}", list.errors);
        prop_assert_eq!(list.claims.len(), claims.len());
        for (got, want) in list.claims.iter().zip(&claims) {
            prop_assert_eq!(&got.title, &want.title);
            prop_assert_eq!(&got.authors, &want.authors);
            prop_assert_eq!(got.year, want.year);
            prop_assert_eq!(&got.venue, &want.venue);
        }
    }

    #[test]
    fn csv_round_trip(claims in proptest::collection::vec(claim(), 1..6), quote_all in any::<bool>()) {
        let q = |s: &str| if quote_all { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
        let mut csv = String::from("title,authors,year,venue\n");
        for c in &claims {
            csv.push_str(&format!("{},\"{}\",{},{}\n",
                q(&c.title),
                c.authors.join("; "),
                c.year.map(|y| y.to_string()).unwrap_or_default(),
                q(c.venue.as_deref().unwrap_or(""))));
        }
        let list = parse_claims(&csv);
        prop_assert_eq!(list.format, ClaimFormat::Csv);
        prop_assert!(list.errors.is_empty(), "{:?}", list.errors);
        prop_assert_eq!(list.claims.len(), claims.len());
        for (i, (got, want)) in list.claims.iter().zip(&claims).enumerate() {
            prop_assert_eq!(&got.title, &want.title);
            prop_assert_eq!(&got.authors, &want.authors);
            prop_assert_eq!(got.year, want.year);
            prop_assert_eq!(&got.venue, &want.venue);
            prop_assert_eq!(got.line, i as u64 + 2);
        }
    }
}
