//! The `paperlists` JSON Lines format (Paper Copilot conference lists): one paper per line in
//! `papers/<venue>.jsonl.gz`, abstracts separately in `abstracts/<venue>.jsonl.gz`.
//!
//! Per-author lists (`openreview_ids`, `dblp`, `orcid`, `affs`, `aff_domains`,
//! `aff_unique_index`, `aff_country_unique_index`) are used per author only when they have one
//! entry per author; otherwise affiliations are kept as paper-level, unaligned affiliations.

use serde::Deserialize;

use crate::country::country_code;
use crate::parse::{ParseFailure, fnv1a64, from_json, title_fingerprint};
use crate::record::{AbstractRecord, Affiliation, Authorship, SourceKind, Work};
use crate::text::{CowStr, Limits, check_len, restore_lost_escapes, tidy};

#[derive(Deserialize)]
struct PaperLine<'a> {
    #[serde(borrow)]
    venue: CowStr<'a>,
    year: i32,
    #[serde(borrow, default)]
    id: Option<CowStr<'a>>,
    #[serde(borrow)]
    title: CowStr<'a>,
    #[serde(borrow, default)]
    status: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    track: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    site: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    arxiv: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    primary_area: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    authors: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    openreview_ids: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    dblp: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    orcid: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    affs: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    aff_domains: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    aff_unique_norm: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    aff_unique_index: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    aff_country_unique: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    aff_country_unique_index: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    keywords: Option<Vec<CowStr<'a>>>,
    #[serde(default)]
    gs_citation: Option<i64>,
    #[serde(default)]
    rating_avg: Option<f64>,
}

#[derive(Deserialize)]
struct AbstractLine<'a> {
    #[serde(borrow)]
    venue: CowStr<'a>,
    year: i32,
    #[serde(borrow, default)]
    id: Option<CowStr<'a>>,
    #[serde(borrow)]
    title: CowStr<'a>,
    #[serde(borrow, rename = "abstract")]
    text: CowStr<'a>,
}

/// The key of a paperlists paper: by its id within venue and year, or by its title when the
/// source has no id (CVF and SIGGRAPH lists).
pub fn paper_key(venue: &str, year: i32, id: Option<&str>, title: &str) -> String {
    let venue = venue.trim().to_ascii_lowercase();
    match id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => format!("paperlists:{venue}:{year}:{id}"),
        None => format!(
            "paperlists:{venue}:{year}:title-{:016x}",
            fnv1a64(title_fingerprint(title).as_bytes())
        ),
    }
}

pub fn parse_paper(line: &[u8], limits: &Limits) -> Result<Work, ParseFailure> {
    let mut p: PaperLine = from_json(line)?;
    undouble_authors(&mut p);
    let title =
        tidy(p.title.as_str()).ok_or_else(|| ParseFailure::new(Some("title"), "title is empty"))?;
    check_len("title", &title, limits.max_title_bytes)?;
    let venue = p.venue.as_str().trim();
    if venue.is_empty() {
        return Err(ParseFailure::new(Some("venue"), "venue is empty"));
    }
    if !(1800..=2100).contains(&p.year) {
        return Err(ParseFailure::new(
            Some("year"),
            format!("year {} is out of range", p.year),
        ));
    }
    let key = paper_key(venue, p.year, p.id.as_ref().map(CowStr::as_str), &title);

    let given = p.authors.as_deref().unwrap_or_default();
    // Some source records carry the whole author list as one comma-joined entry; a single
    // "Last, First" has one comma, a list has several.
    let glued = given.iter().any(|a| a.as_str().matches(',').count() >= 2);
    let names: Vec<CowStr> = if glued {
        given
            .iter()
            .flat_map(|a| {
                a.as_str()
                    .split(',')
                    .map(|s| CowStr(s.to_string().into()))
                    .collect::<Vec<_>>()
            })
            .collect()
    } else {
        given.to_vec()
    };
    if names.len() > limits.max_authors {
        return Err(ParseFailure::new(
            Some("authors"),
            format!(
                "{} authors, over the limit of {}",
                names.len(),
                limits.max_authors
            ),
        ));
    }
    // Per-author lists describe the entries as given; after splitting they no longer align.
    let n = if glued { usize::MAX } else { names.len() };
    let aligned =
        |list: &Option<Vec<CowStr>>| -> bool { list.as_ref().is_some_and(|l| l.len() == n) };
    let per_author = |list: &Option<Vec<CowStr<'_>>>, i: usize| -> Option<String> {
        list.as_ref()
            .filter(|l| l.len() == n)
            .and_then(|l| tidy(l[i].as_str()))
    };

    let norms: Vec<std::borrow::Cow<str>> = p
        .aff_unique_norm
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|n| restore_lost_escapes(n.as_str()))
        .collect();
    let countries: Vec<&str> = p
        .aff_country_unique
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(CowStr::as_str)
        .collect();
    // A list scraped from the paper's first page (title, authors, abstract split at each
    // semicolon) names no affiliation: none of it is kept.
    let affs = p.affs.as_deref().unwrap_or_default();
    let scraped = scraped_first_page(affs, &title);
    let affs = if scraped { &[] } else { affs };
    let affs_aligned = !names.is_empty() && !scraped && aligned(&p.affs);

    // An index list that fits neither authors nor organisations but names one country only
    // still tells the country of everyone.
    let single_country = p.aff_country_unique_index.as_ref().and_then(|l| {
        let first = l.first()?.as_str().trim();
        let same = l.iter().all(|x| x.as_str().trim() == first);
        same.then(|| first.parse::<usize>().ok())
            .flatten()
            .and_then(|c| countries.get(c))
    });
    let mut authors = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let Some(name) = tidy(name.as_str()) else {
            continue;
        };
        check_len(&format!("authors[{i}]"), &name, limits.max_name_bytes)?;
        let mut author = Authorship {
            name,
            openreview_id: per_author(&p.openreview_ids, i).filter(|s| s.starts_with('~')),
            orcid: per_author(&p.orcid, i).and_then(|s| clean_orcid(&s)),
            dblp_id: per_author(&p.dblp, i).map(|s| clean_dblp(&s)),
            openalex_id: None,
            affiliations: Vec::new(),
        };
        if affs_aligned {
            let org_idx = indices(&p.aff_unique_index, i, n);
            let domains: Vec<String> = per_author(&p.aff_domains, i)
                .map(|d| d.split('+').filter_map(tidy).collect())
                .unwrap_or_default();
            let country_idx = indices(&p.aff_country_unique_index, i, n);
            let parts = entry_parts(affs[i].as_str());
            for (k, raw) in parts.iter().enumerate() {
                let org_index = org_idx.get(k).copied();
                let org = org_index.and_then(|j| norms.get(j)).and_then(|s| tidy(s));
                // Country indices are per author when aligned with authors, else per org.
                let country = country_idx
                    .get(k)
                    .and_then(|&j| countries.get(j))
                    .or_else(|| {
                        let per_org = p
                            .aff_country_unique_index
                            .as_ref()
                            .filter(|l| l.len() == norms.len())?;
                        let j = org_index?;
                        let c: usize = per_org.get(j)?.as_str().trim().parse().ok()?;
                        countries.get(c)
                    })
                    .or(single_country)
                    .and_then(|c| country_code(c));
                check_len(&format!("affs[{i}]"), raw, limits.max_abstract_bytes)?;
                author.affiliations.push(Affiliation {
                    raw: raw.clone(),
                    org,
                    domain: domains.get(k).or(domains.first()).cloned(),
                    country,
                    ..Affiliation::default()
                });
            }
        }
        authors.push(author);
    }

    let mut unaligned = Vec::new();
    if !affs_aligned && !affs.is_empty() {
        let idx_aligned = p
            .aff_unique_index
            .as_ref()
            .is_some_and(|l| l.len() == affs.len());
        for (i, entry) in affs.iter().enumerate() {
            let org_idx = if idx_aligned {
                indices(&p.aff_unique_index, i, affs.len())
            } else {
                Vec::new()
            };
            for (k, raw) in entry_parts(entry.as_str()).into_iter().enumerate() {
                check_len(&format!("affs[{i}]"), &raw, limits.max_abstract_bytes)?;
                let org = org_idx
                    .get(k)
                    .and_then(|&j| norms.get(j))
                    .and_then(|s| tidy(s));
                unaligned.push(Affiliation {
                    raw,
                    org,
                    ..Affiliation::default()
                });
            }
        }
    }

    let mut keywords: Vec<String> = p
        .keywords
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|k| tidy(k.as_str()))
        .collect();
    if let Some(area) = p
        .primary_area
        .as_ref()
        .and_then(|a| tidy(&a.as_str().replace('_', " ")))
    {
        keywords.push(area);
    }
    if keywords.len() > limits.max_keywords {
        return Err(ParseFailure::new(
            Some("keywords"),
            format!(
                "{} keywords, over the limit of {}",
                keywords.len(),
                limits.max_keywords
            ),
        ));
    }
    for (i, k) in keywords.iter().enumerate() {
        check_len(&format!("keywords[{i}]"), k, limits.max_title_bytes)?;
    }

    Ok(Work {
        key,
        source: Some(SourceKind::Paperlists),
        title,
        year: Some(p.year),
        venue: Some(venue.to_ascii_lowercase()),
        status: p.status.and_then(|s| tidy(s.as_str())),
        track: p.track.and_then(|s| tidy(s.as_str())),
        url: p.site.and_then(|s| tidy(s.as_str())),
        doi: None,
        arxiv: p.arxiv.and_then(|s| tidy(s.as_str())),
        work_type: Some("conference-paper".into()),
        citations: p.gs_citation.filter(|&c| c >= 0),
        rating: p.rating_avg.filter(|r| r.is_finite()),
        keywords,
        abstract_text: None,
        authors,
        unaligned_affiliations: unaligned,
        updated: None,
    })
}

/// Nearly every IEEE record of ICRA and IROS (35,771 of 35,796 in `paperlists`) gives the
/// author list twice over ("T. Puls, M. Kemper, R. Küke, A. Hein, T. Puls, M. Kemper, …") while
/// its affiliation lists have one entry per author; a few records elsewhere give a single author
/// twice. A list whose second half repeats its first, with any per-author id list agreeing, is
/// cut to its first half, and so is every per-author list that repeats itself the same way, so
/// the affiliations align with the authors again and nobody is their own co-author.
fn undouble_authors(p: &mut PaperLine) {
    let halves_equal = |list: &[CowStr]| {
        let h = list.len() / 2;
        list.len().is_multiple_of(2)
            && list[..h]
                .iter()
                .zip(&list[h..])
                .all(|(a, b)| a.as_str().trim() == b.as_str().trim())
    };
    let Some(names) = p.authors.as_mut() else {
        return;
    };
    let n = names.len();
    if n < 2 || !halves_equal(names) {
        return;
    }
    // Two people of one name as the only authors differ in their ids, when they have any.
    let ids_differ = [&p.openreview_ids, &p.orcid, &p.dblp]
        .into_iter()
        .flatten()
        .any(|l| l.len() == n && !halves_equal(l));
    if ids_differ {
        return;
    }
    names.truncate(n / 2);
    for list in [
        &mut p.openreview_ids,
        &mut p.orcid,
        &mut p.dblp,
        &mut p.affs,
        &mut p.aff_domains,
        &mut p.aff_unique_index,
        &mut p.aff_country_unique_index,
    ]
    .into_iter()
    .flatten()
    {
        if list.len() == n && halves_equal(list) {
            list.truncate(n / 2);
        }
    }
}

/// The affiliations of one entry of `affs` ("MIT+Google"), tidied, lost escapes restored.
fn entry_parts(entry: &str) -> Vec<String> {
    restore_lost_escapes(entry)
        .split('+')
        .filter_map(tidy)
        .collect()
}

/// Whether an affiliation entry holds the paper's title (letters and digits compared, so a
/// title whose words the PDF text split, "LoC alization", still counts): the list was scraped
/// from the first page of the paper rather than read from its affiliations. Such an entry keeps the page's line
/// breaks (all 142 in `paperlists` do), which no real affiliation has, so only entries with one
/// are searched: the check costs ingest next to nothing.
fn scraped_first_page(affs: &[CowStr], title: &str) -> bool {
    // A short title ("Dropout") could be a word of a real affiliation.
    if title.len() < 24 {
        return false;
    }
    let mut paged = affs
        .iter()
        .map(CowStr::as_str)
        .filter(|a| a.len() >= title.len() && a.contains('\n'))
        .peekable();
    if paged.peek().is_none() {
        return false;
    }
    let title = title_fingerprint(title);
    paged.any(|a| title_fingerprint(a).contains(&title))
}

/// `"0+1"` at position `i` of an index list that has one entry per author.
fn indices(list: &Option<Vec<CowStr>>, i: usize, n: usize) -> Vec<usize> {
    list.as_ref()
        .filter(|l| l.len() == n)
        .map(|l| {
            l[i].as_str()
                .split('+')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// DBLP person ids appear as `51/5332-4.html`, `h/FeiHuang.html` or full URLs.
fn clean_dblp(s: &str) -> String {
    let s = s
        .trim()
        .trim_start_matches("https://dblp.org/pid/")
        .trim_start_matches("https://dblp.org/pers/hd/");
    s.strip_suffix(".html").unwrap_or(s).to_string()
}

/// An ORCID iD (`0000-0002-1986-7750`), or `None` when the value is not one.
pub fn clean_orcid(s: &str) -> Option<String> {
    let s = s
        .trim()
        .trim_start_matches("https://orcid.org/")
        .trim_start_matches("http://orcid.org/");
    let ok = s.len() == 19
        && s.char_indices().all(|(i, c)| match i {
            4 | 9 | 14 => c == '-',
            18 => c.is_ascii_digit() || c == 'X' || c == 'x',
            _ => c.is_ascii_digit(),
        });
    ok.then(|| s.to_ascii_uppercase())
}

pub fn parse_abstract(line: &[u8], limits: &Limits) -> Result<AbstractRecord, ParseFailure> {
    let a: AbstractLine = from_json(line)?;
    let title =
        tidy(a.title.as_str()).ok_or_else(|| ParseFailure::new(Some("title"), "title is empty"))?;
    let text = tidy(a.text.as_str())
        .ok_or_else(|| ParseFailure::new(Some("abstract"), "abstract is empty"))?;
    check_len("abstract", &text, limits.max_abstract_bytes)?;
    Ok(AbstractRecord {
        work_key: paper_key(
            a.venue.as_str(),
            a.year,
            a.id.as_ref().map(CowStr::as_str),
            &title,
        ),
        title,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLM: &str = r#"{"venue": "colm", "year": 2024, "id": "0UK8c2kg7c", "title": "InstructAV: Instruction Fine-tuning Large Language Models for Authorship Verification", "status": "Poster", "track": "main", "site": "https://openreview.net/forum?id=0UK8c2kg7c", "authors": ["Yujia Hu", "Zhiqiang Hu", "Chun Wei Seah", "Roy Ka-Wei Lee"], "openreview_ids": ["~Yujia_Hu1", "~Zhiqiang_Hu3", "~Chun_Wei_Seah2", "~Roy_Ka-Wei_Lee1"], "dblp": ["", "", "", "139/2266"], "orcid": ["", "", "", "0000-0002-1986-7750"], "affs": ["Singapore University of Technology and Design", "Singapore University of Technology and Design", "DSO", "Singapore University of Technology and Design"], "aff_domains": ["sutd.edu.sg", "sutd.edu.sg", "dso.org.sg", "sutd.edu.sg"], "aff_unique_norm": ["Singapore University of Technology and Design", "DSO"], "aff_unique_index": ["0", "0", "1", "0"], "aff_country_unique": ["Singapore", ""], "aff_country_unique_index": ["0", "0", "0"], "keywords": ["Authorship Verification", "Parameter-Efficient Fine-Tuning (PEFT)", "InstructAV"], "gs_citation": 1, "rating_avg": 6.5}"#;

    #[test]
    fn parses_a_real_colm_record() -> Result<(), ParseFailure> {
        let w = parse_paper(COLM.as_bytes(), &Limits::default())?;
        assert_eq!(w.key, "paperlists:colm:2024:0UK8c2kg7c");
        assert_eq!(w.authors.len(), 4);
        let roy = &w.authors[3];
        assert_eq!(roy.openreview_id.as_deref(), Some("~Roy_Ka-Wei_Lee1"));
        assert_eq!(roy.dblp_id.as_deref(), Some("139/2266"));
        assert_eq!(roy.orcid.as_deref(), Some("0000-0002-1986-7750"));
        assert_eq!(w.authors[0].dblp_id, None);
        let aff = &w.authors[2].affiliations[0];
        assert_eq!(aff.org.as_deref(), Some("DSO"));
        assert_eq!(aff.domain.as_deref(), Some("dso.org.sg"));
        // The country index list here has 3 entries for 4 authors: not aligned, so per-org.
        assert_eq!(w.authors[0].affiliations[0].country.as_deref(), Some("SG"));
        assert_eq!(w.citations, Some(1));
        assert_eq!(w.keywords.len(), 3);
        Ok(())
    }

    #[test]
    fn splits_multiple_affiliations_of_one_author() -> Result<(), ParseFailure> {
        let line = r#"{"venue":"nips","year":2020,"id":"x","title":"T","authors":["A B","C D"],"affs":["Google+Stanford University","MIT"],"aff_unique_norm":["Google","Stanford University","Massachusetts Institute of Technology"],"aff_unique_index":["0+1","2"],"aff_country_unique":["United States"],"aff_country_unique_index":["0+0","0"]}"#;
        let w = parse_paper(line.as_bytes(), &Limits::default())?;
        let orgs: Vec<_> = w.authors[0]
            .affiliations
            .iter()
            .map(|a| a.org.clone())
            .collect();
        assert_eq!(
            orgs,
            [Some("Google".into()), Some("Stanford University".into())]
        );
        assert_eq!(
            w.authors[1].affiliations[0].org.as_deref(),
            Some("Massachusetts Institute of Technology")
        );
        assert_eq!(w.authors[1].affiliations[0].country.as_deref(), Some("US"));
        Ok(())
    }

    #[test]
    fn a_list_scraped_from_the_first_page_is_no_affiliation() -> Result<(), ParseFailure> {
        // CVPR 2022 as paperlists gives it (abstract shortened): the "affiliations" are the
        // paper's first page split at semicolons, as many entries as authors by chance.
        let line = r#"{"venue": "cvpr", "year": 2022, "title": "Towards Robust Adaptive Object Detection Under Noisy Annotations", "status": "Poster", "authors": ["Xinyu Liu", "Wuyang Li", "Qiushi Yang", "Baopu Li", "Yixuan Yuan"], "affs": ["Towards Robust Adaptive Object Detection under Noisy Annotations\nXinyu Liu1Wuyang Li1Qiushi Yang1Baopu Li2Yixuan Yuan1,*\n1City University of Hong Kong2Baidu USA LLC\nAbstract\nDomain Adaptive Object Detection (DAOD) models a", "2) Mor-\nphable Graph Relation Module (MGRM), which models the", "3) Entropy-Aware Gradi-\nent Reconcilement (EAGR), which incorporates the", "a", "b"]}"#;
        let w = parse_paper(line.as_bytes(), &Limits::default())?;
        assert_eq!(w.authors.len(), 5);
        assert!(w.authors.iter().all(|a| a.affiliations.is_empty()));
        assert!(w.unaligned_affiliations.is_empty());
        // A short title is not looked for: it may be words of a real affiliation.
        let line = r#"{"venue": "icml", "year": 2013, "title": "Learning Systems", "authors": ["A B"], "affs": ["Laboratory for Learning Systems, Some University"]}"#;
        let w = parse_paper(line.as_bytes(), &Limits::default())?;
        assert_eq!(w.authors[0].affiliations.len(), 1);
        Ok(())
    }

    #[test]
    fn an_author_list_given_twice_is_read_once() -> Result<(), ParseFailure> {
        // A real IROS 2009 record: eight names, four people; four affiliations, one per person.
        let line = r#"{"venue": "iros", "year": 2009, "id": "5354646", "title": "GPS-based position control and waypoint navigation system for quadrocopters", "status": "Poster", "track": "main", "site": "https://ieeexplore.ieee.org/document/5354646/", "authors": ["T. Puls", "M. Kemper", "R. Küke", "A. Hein", "T. Puls", "M. Kemper", "R. Küke", "A. Hein"], "affs": ["Inst. of the Univ. of Oldenburg, Germany", "Inst. of the Univ. of Oldenburg, Germany", "R. Küke", "Inst. of the Univ. of Oldenburg, Germany"], "aff_unique_norm": ["University of Oldenburg", ""], "aff_unique_index": ["0", "0", "0"], "aff_country_unique": ["Germany", ""], "aff_country_unique_index": ["0", "0", "0"], "gs_citation": 40}"#;
        let w = parse_paper(line.as_bytes(), &Limits::default())?;
        let names: Vec<&str> = w.authors.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["T. Puls", "M. Kemper", "R. Küke", "A. Hein"]);
        assert_eq!(
            w.authors[3].affiliations[0].raw,
            "Inst. of the Univ. of Oldenburg, Germany"
        );
        assert!(w.unaligned_affiliations.is_empty());
        // Two people of one name, told apart by their ids, stay two; a list that only
        // resembles a repetition stays as given.
        let two = r#"{"venue":"nips","year":2020,"id":"x","title":"T","authors":["Wei Wang","Wei Wang"],"openreview_ids":["~Wei_Wang1","~Wei_Wang2"]}"#;
        assert_eq!(
            parse_paper(two.as_bytes(), &Limits::default())?
                .authors
                .len(),
            2
        );
        let three = r#"{"venue":"icra","year":2000,"id":"y","title":"T","authors":["A B","C D","A B","E F"]}"#;
        assert_eq!(
            parse_paper(three.as_bytes(), &Limits::default())?
                .authors
                .len(),
            4
        );
        Ok(())
    }

    #[test]
    fn unaligned_affiliations_stay_paper_level() -> Result<(), ParseFailure> {
        let line = r#"{"venue": "icra", "year": 2000, "id": "845165", "title": "4-D/RCS reference model", "authors": ["J.S. Albus", "J.S. Albus", "X Y"], "affs": ["Intelligent Systems Division, NIST"], "aff_unique_norm": ["National Institute for Standards and Technology"], "aff_unique_index": ["0"], "gs_citation": 81}"#;
        let w = parse_paper(line.as_bytes(), &Limits::default())?;
        assert!(w.authors.iter().all(|a| a.affiliations.is_empty()));
        assert_eq!(w.unaligned_affiliations.len(), 1);
        assert_eq!(
            w.unaligned_affiliations[0].org.as_deref(),
            Some("National Institute for Standards and Technology")
        );
        Ok(())
    }

    #[test]
    fn papers_without_ids_are_keyed_by_title() -> Result<(), ParseFailure> {
        let a = parse_paper(
            br#"{"venue":"cvpr","year":2019,"title":"Deep  Learning!"}"#,
            &Limits::default(),
        )?;
        let b = parse_abstract(
            br#"{"venue":"cvpr","year":2019,"title":"deep learning","abstract":"We..."}"#,
            &Limits::default(),
        )?;
        assert!(a.key.starts_with("paperlists:cvpr:2019:title-"));
        assert_eq!(a.key, b.work_key);
        Ok(())
    }

    #[test]
    fn rejects_name_the_problem() {
        let limits = Limits {
            max_title_bytes: 10,
            ..Limits::default()
        };
        let cases: [(&str, Option<&str>, &str); 5] = [
            (
                r#"{"venue":"x","year":"2020","title":"t"}"#,
                Some("year"),
                "invalid type",
            ),
            (
                r#"{"venue":"x","year":2020}"#,
                None,
                "missing field `title`",
            ),
            (
                r#"{"venue":"x","year":2020,"title":"a very long title"}"#,
                Some("title"),
                "field `title` is 17 bytes",
            ),
            (
                r#"{"venue":"x","year":2020,"title":"t","authors":["a",1]}"#,
                Some("authors[1]"),
                "invalid type",
            ),
            (
                r#"{"venue":"x","year":20200,"title":"t"}"#,
                Some("year"),
                "year 20200 is out of range",
            ),
        ];
        for (line, field, reason) in cases {
            match parse_paper(line.as_bytes(), &limits) {
                Ok(_) => panic!("accepted {line}"),
                Err(e) => {
                    assert_eq!(e.field.as_deref(), field, "{line}: {e:?}");
                    assert!(e.reason.starts_with(reason), "{line}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn a_comma_joined_author_list_is_split() -> Result<(), ParseFailure> {
        let line = r#"{"venue":"nips","year":2024,"id":"x","title":"T","authors":["A One, B Two, C Three"],"openreview_ids":["~A_One1"]}"#;
        let w = parse_paper(line.as_bytes(), &Limits::default())?;
        let names: Vec<&str> = w.authors.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["A One", "B Two", "C Three"]);
        assert_eq!(w.authors[0].openreview_id, None);
        Ok(())
    }

    #[test]
    fn orcid_and_dblp_are_cleaned() {
        assert_eq!(
            clean_orcid("https://orcid.org/0000-0002-1825-009x").as_deref(),
            Some("0000-0002-1825-009X")
        );
        assert_eq!(clean_orcid("not-an-orcid"), None);
        assert_eq!(clean_dblp("51/5332-4.html"), "51/5332-4");
        assert_eq!(clean_dblp("h/FeiHuang.html"), "h/FeiHuang");
    }
}
