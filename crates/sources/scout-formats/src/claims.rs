//! A candidate's claimed publication list, as they hand it in: BibTeX, CSV with a header
//! (`title[,authors][,year][,venue]`), or plain titles one per line. The format is detected;
//! every entry becomes a [`Claim`] or a [`ClaimError`] with its line. Never panics.

mod bibtex;
mod delimited;
mod fields;
mod list;
mod titles;

pub use bibtex::parse_bibtex;
use delimited::csv_header;
pub use delimited::parse_csv;
pub use fields::clean_text;
pub use list::{Claim, ClaimError, ClaimFormat, ClaimList};
pub use titles::parse_titles;

/// Parses bytes (UTF-8; invalid sequences are replaced, a BOM is dropped).
pub fn parse_claims_bytes(bytes: &[u8]) -> ClaimList {
    parse_claims(&String::from_utf8_lossy(bytes))
}

/// Detects the format and parses.
pub fn parse_claims(text: &str) -> ClaimList {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = detect_claims_format(text);
    let (claims, errors) = match format {
        ClaimFormat::Bibtex => parse_bibtex(text),
        ClaimFormat::Csv => parse_csv(text),
        ClaimFormat::Titles => parse_titles(text),
    };
    ClaimList {
        format,
        claims,
        errors,
    }
}

/// BibTeX when a line starts with `@type{` or `@type(`; CSV when the first line is a header
/// with a `title` column; otherwise plain titles.
pub fn detect_claims_format(text: &str) -> ClaimFormat {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_entry_start = |line: &str| {
        let Some(rest) = line.trim_start().strip_prefix('@') else {
            return false;
        };
        let name_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        name_end > 0 && rest[name_end..].trim_start().starts_with(['{', '('])
    };
    if text.lines().any(is_entry_start) {
        return ClaimFormat::Bibtex;
    }
    if let Some(first) = text.lines().find(|l| !l.trim().is_empty())
        && csv_header(first).is_some()
    {
        return ClaimFormat::Csv;
    }
    ClaimFormat::Titles
}

#[cfg(test)]
mod tests {
    use super::fields::MAX_TITLE_CHARS;
    use super::*;

    const BIB: &str = r#"% my publications
@string{neurips = "Advances in Neural Information Processing Systems"}

@inproceedings{vaswani2017attention,
  title     = {Attention is All you Need},
  author    = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and others},
  booktitle = neurips,
  year      = {2017}
}

@article{ho2020,
  title = "Denoising Diffusion Probabilistic {M}odels",
  author = "Jonathan Ho and Ajay Jain and Pieter Abbeel",
  journal = {CoRR}, year = 2020,
}
@comment{ @article{ignored, title = {x}} }
@misc{nomatter, author = {M{\"u}ller, J{\"o}rg and Ca{\c c}a, Fran{\c{c}}ois}, title = {{\'E}tude \& Co --- Deep~Nets}, year = {2021a}}
@article{broken, title = {Unclosed
@article{after, title = {Still Read}, year = 2019}
"#;

    #[test]
    fn bibtex_entries_macros_names_and_latex() {
        let list = parse_claims(BIB);
        assert_eq!(list.format, ClaimFormat::Bibtex);
        let titles: Vec<&str> = list.claims.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Attention is All you Need",
                "Denoising Diffusion Probabilistic Models",
                "Étude & Co — Deep Nets",
                "Still Read"
            ]
        );
        let a = &list.claims[0];
        assert_eq!(a.authors, ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]);
        assert_eq!(
            a.venue.as_deref(),
            Some("Advances in Neural Information Processing Systems")
        );
        assert_eq!((a.year, a.line), (Some(2017), 4));
        assert_eq!(list.claims[1].authors[2], "Pieter Abbeel");
        assert_eq!(list.claims[1].year, Some(2020));
        assert_eq!(list.claims[2].authors, ["Jörg Müller", "François Caça"]);
        assert_eq!(list.claims[2].year, Some(2021));
        assert_eq!(list.claims[3].year, Some(2019));
        assert_eq!(list.errors.len(), 1, "{:?}", list.errors);
        assert_eq!(list.errors[0].line, 18);
    }

    #[test]
    fn bibtex_errors_name_their_line() {
        let (claims, errors) = parse_bibtex(
            "@article{a, author = {X}}\n@book{b title = {T}}\n@{x}\n@misc(c, title=\"P\")",
        );
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].title, "P");
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3], "{errors:?}");
        assert!(errors[0].reason.contains("without a title"));
    }

    #[test]
    fn csv_with_quotes_delimiters_and_line_breaks() {
        let csv = "Title,Authors,Year,Venue\n\
                   \"Attention Is All You Need\",\"Ashish Vaswani; Noam Shazeer\",2017,NeurIPS\n\
                   \n\
                   \"A \"\"quoted\"\", multi\nline title\",\"A. Smith, B. Jones and C. Wu\",2021-06,\n\
                   ,Nobody,2020,X\n\
                   Bad year,Someone,soon,X\n";
        let list = parse_claims(csv);
        assert_eq!(list.format, ClaimFormat::Csv);
        assert_eq!(list.claims.len(), 2, "{:?}", list);
        assert_eq!(list.claims[0].authors, ["Ashish Vaswani", "Noam Shazeer"]);
        assert_eq!(list.claims[0].venue.as_deref(), Some("NeurIPS"));
        assert_eq!(list.claims[1].title, "A \"quoted\", multi line title");
        assert_eq!(list.claims[1].authors, ["A. Smith", "B. Jones", "C. Wu"]);
        assert_eq!((list.claims[1].year, list.claims[1].line), (Some(2021), 4));
        assert_eq!(list.claims[1].venue, None);
        let errs: Vec<(u64, &str)> = list
            .errors
            .iter()
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(errs, [(6, "no title"), (7, "year \"soon\" is not a year")]);
        let semi = parse_claims("year;title\n2019;Semicolons work\n");
        assert_eq!(semi.claims[0].title, "Semicolons work");
        assert_eq!(semi.claims[0].year, Some(2019));
        let open = parse_claims("title\n\"never closed\n");
        assert_eq!(open.errors[0].line, 2);
    }

    #[test]
    fn plain_titles_with_markers_and_years() {
        let list = parse_claims(
            "# my papers\n1. Deep Residual Learning (2016)\n\n- Mastering Go\n[3] Adam: A Method\n2019 was a year\n",
        );
        assert_eq!(list.format, ClaimFormat::Titles);
        let got: Vec<(&str, Option<i32>, u64)> = list
            .claims
            .iter()
            .map(|c| (c.title.as_str(), c.year, c.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Deep Residual Learning", Some(2016), 2),
                ("Mastering Go", None, 4),
                ("Adam: A Method", None, 5),
                ("2019 was a year", None, 6),
            ]
        );
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(parse_claims(&long).errors.len(), 1);
        assert_eq!(parse_claims("").claims, []);
    }

    /// Found by fuzzing (claims_csv ran at ~1,000 execs/s): an unclosed quote made every later
    /// line re-split the growing record, quadratic in the file; many entries made BibTeX line
    /// numbers quadratic too. 40,000 lines must take milliseconds, not minutes.
    #[test]
    fn huge_inputs_parse_in_linear_time() {
        let started = std::time::Instant::now();
        let open = format!("title,year\n\"open{}", "\nmore text, 2020".repeat(40_000));
        let (claims, errors) = parse_csv(&open);
        assert!(claims.is_empty());
        assert_eq!((errors.len(), errors[0].line), (1, 2));
        let many = "@misc{k, title = {T}}\n".repeat(40_000);
        let (claims, errors) = parse_bibtex(&many);
        assert_eq!((claims.len(), errors.len()), (40_000, 0));
        assert_eq!(claims[39_999].line, 40_000);
        let rows = format!("title\n{}", "a title\n".repeat(40_000));
        assert_eq!(parse_csv(&rows).0.len(), 40_000);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect_claims_format("\u{feff}title,year\n"),
            ClaimFormat::Csv
        );
        assert_eq!(
            detect_claims_format("  @Article ( x, title={a})"),
            ClaimFormat::Bibtex
        );
        assert_eq!(
            detect_claims_format("Email me @ home {not bib}\n"),
            ClaimFormat::Titles
        );
        assert_eq!(
            detect_claims_format("Title of my paper\n"),
            ClaimFormat::Titles
        );
    }
}
