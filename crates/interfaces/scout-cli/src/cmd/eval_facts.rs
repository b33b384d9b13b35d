//! `scout eval facts`: how far the researcher facts can be trusted.
//!
//! - Current affiliation against Google Scholar profiles (the person's own affiliation text):
//!   people found, and agreement of the current organisation with the text (whole words, the
//!   alias table, acronyms such as MIT or CMU, the distinctive words of the name); "unknown"
//!   counts as a disagreement.
//! - Career stage on the same profiles: the share of the senior ones (first citation more than
//!   12 years before the crawl) called senior.
//! - The censoring test: researchers whose history starts where their venues are well covered
//!   have everything before a cut year hidden; the stage from what remains is compared with the
//!   stage from their full history (balanced accuracy over early / mid / senior), for the
//!   refresh's estimate and for the rule it replaced (years since the first remaining paper).
//!
//! Every set is split once into a tuning and a reporting half by a seeded hash of the person's
//! name (Scholar) or researcher id (censoring test). The database is measured as stored (no
//! refresh), so a copy of a database built by an older scout measures that scout's facts.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use scout_corpus::career::{self, StageRules};
use scout_corpus::names::fold;
use scout_corpus::organisations::{OrgRegistry, org_key};
use scout_corpus::researchers::{self, CareerStage};
use scout_rank::eval::{Half, NameMatcher};
use serde::Serialize;

use super::Context;
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct FactsArgs {
    /// Google Scholar profiles (CSV with name, affiliation and first_citation_year columns)
    #[arg(
        long,
        default_value = "../shared/data/eval-scholar-profiles/google_scholar_profiles.csv"
    )]
    scholar: PathBuf,
    /// Seed of the tuning / reporting split
    #[arg(long, default_value_t = 12)]
    seed: u64,
    /// Which half to measure
    #[arg(long, value_enum, default_value_t = Half::Reporting)]
    half: Half,
    /// Cut year of the censoring test: papers before it are hidden
    #[arg(long, default_value_t = 2021)]
    cut: i32,
    /// Year the Scholar profiles were crawled (their first citation year is counted from it)
    #[arg(long, default_value_t = 2026)]
    crawl_year: i32,
    /// Also search the stage rules on the tuning half of the censoring test
    #[arg(long)]
    tune: bool,
}

#[derive(Serialize, Default)]
struct Affiliation {
    profiles: usize,
    found: usize,
    agree: usize,
    unknown: usize,
    /// Profiles whose text names an organisation at all, and agreement among those found.
    text_names_org: usize,
    found_naming_org: usize,
    agree_naming_org: usize,
    agreement: f64,
    agreement_naming_org: f64,
}

#[derive(Serialize, Default)]
struct Seniority {
    senior_profiles_found: usize,
    called_senior: usize,
    share: f64,
}

#[derive(Serialize, Default)]
struct Censoring {
    cut: i32,
    researchers: usize,
    truth: [usize; 3],
    estimate_recall: [f64; 3],
    estimate_balanced_accuracy: f64,
    baseline_recall: [f64; 3],
    baseline_balanced_accuracy: f64,
}

#[derive(Serialize)]
struct Report {
    half: String,
    seed: u64,
    affiliation: Affiliation,
    seniority: Seniority,
    censoring: Censoring,
}

/// splitmix64 of the seed and a value: the split.
fn mix(seed: u64, value: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(value)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn text_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn in_half(half: Half, seed: u64, value: u64) -> bool {
    let tuning = mix(seed, value).is_multiple_of(2);
    match half {
        Half::Tuning => tuning,
        Half::Reporting => !tuning,
        Half::All => true,
    }
}

/// Records of a CSV file with quoted fields (RFC 4180).
fn read_csv(path: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(scout_formats::csv::rows(&text, b',')
        .map(|r| r.fields)
        .collect())
}

/// Words that do not tell one organisation from another.
const GENERIC_WORDS: &[&str] = &[
    "university",
    "of",
    "the",
    "and",
    "for",
    "at",
    "de",
    "institute",
    "technology",
    "college",
    "school",
    "department",
    "inc",
    "research",
    "national",
    "laboratory",
    "lab",
    "center",
    "centre",
    "sciences",
    "science",
    "academy",
    "state",
    "ai",
];

/// Whether the organisation `org` agrees with a free affiliation text.
pub fn agrees(registry: &OrgRegistry, org: &str, text: &str) -> bool {
    let text_words = format!(" {} ", org_key(text));
    let org_words = org_key(org);
    if org_words.is_empty() {
        return false;
    }
    if text_words.contains(&format!(" {org_words} ")) {
        return true;
    }
    let org_ref = registry.resolve(org).key;
    let segments = text
        .split([',', ';', '&', '/', '|', '(', ')'])
        .chain(std::iter::once(text));
    for seg in segments {
        let seg = seg.trim();
        if !seg.is_empty() && registry.resolve(seg).key == org_ref {
            return true;
        }
    }
    // Acronyms: "MIT" for Massachusetts Institute of Technology, "CMU" for Carnegie Mellon University.
    let initials: String = org_words
        .split(' ')
        .filter(|w| !matches!(*w, "of" | "the" | "and" | "for" | "at" | "de" | "in"))
        .filter_map(|w| w.chars().next())
        .collect();
    if initials.len() >= 2 && text_words.contains(&format!(" {initials} ")) {
        return true;
    }
    let distinctive: Vec<&str> = org_words
        .split(' ')
        .filter(|w| !GENERIC_WORDS.contains(w) && w.len() > 1)
        .collect();
    !distinctive.is_empty()
        && distinctive
            .iter()
            .all(|w| text_words.contains(&format!(" {w} ")))
}

/// Whether an affiliation text names an organisation at all (not only a title or prize).
fn names_organisation(registry: &OrgRegistry, text: &str) -> bool {
    text.split([',', ';', '&', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .any(|seg| {
            registry.resolve(seg).canonical.is_some()
                || scout_corpus::orgs::classify(seg, None, None)
                    != scout_corpus::orgs::OrgType::Other
        })
}

fn stage_index(s: CareerStage) -> usize {
    s as usize
}

fn balanced(hits: &[usize; 3], totals: &[usize; 3]) -> ([f64; 3], f64) {
    let mut recall = [0.0; 3];
    let mut sum = 0.0;
    let mut classes = 0.0;
    for i in 0..3 {
        if totals[i] > 0 {
            recall[i] = hits[i] as f64 / totals[i] as f64;
            sum += recall[i];
            classes += 1.0;
        }
    }
    (recall, if classes > 0.0 { sum / classes } else { 0.0 })
}

pub fn run(ctx: &Context, args: FactsArgs) -> anyhow::Result<u8> {
    if !ctx.db.exists() {
        anyhow::bail!("no corpus at {}", ctx.db.display());
    }
    // As stored: no refresh (a copy of an older scout's database measures that scout).
    let corpus = ctx.open()?;
    let conn = corpus.conn();
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let registry = OrgRegistry::builtin();

    // Scholar profiles.
    let records = read_csv(&args.scholar)?;
    let header = records.first().context("empty Scholar file")?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("no {name} column in {}", args.scholar.display()))
    };
    let (c_name, c_aff, c_first) = (
        col("name")?,
        col("affiliation")?,
        col("first_citation_year")?,
    );
    let matcher = NameMatcher::load(conn)?;
    let mut aff = Affiliation::default();
    let mut senior = Seniority::default();
    for rec in records.iter().skip(1) {
        let (Some(name), Some(text)) = (rec.get(c_name), rec.get(c_aff)) else {
            continue;
        };
        if name.trim().is_empty() || !in_half(args.half, args.seed, text_hash(&fold(name))) {
            continue;
        }
        aff.profiles += 1;
        let names_org = names_organisation(&registry, text);
        aff.text_names_org += usize::from(names_org);
        // Namesakes: the most prolific researcher of that name.
        let mut best: Option<researchers::Researcher> = None;
        for id in matcher.matches(name) {
            if let Some(r) = researchers::by_id(conn, id)?
                && best.as_ref().is_none_or(|b| r.n_works > b.n_works)
            {
                best = Some(r);
            }
        }
        let Some(r) = best else { continue };
        aff.found += 1;
        aff.found_naming_org += usize::from(names_org);
        match r.current_org.as_deref() {
            None => aff.unknown += 1,
            Some(org) if agrees(&registry, org, text) => {
                aff.agree += 1;
                aff.agree_naming_org += usize::from(names_org);
            }
            Some(_) => {}
        }
        let first_citation: Option<i32> = rec.get(c_first).and_then(|y| y.trim().parse().ok());
        if first_citation.is_some_and(|y| args.crawl_year - y > 12) {
            senior.senior_profiles_found += 1;
            senior.called_senior += usize::from(r.stage(as_of) == Some(CareerStage::Senior));
        }
    }
    aff.agreement = aff.agree as f64 / aff.found.max(1) as f64;
    aff.agreement_naming_org = aff.agree_naming_org as f64 / aff.found_naming_org.max(1) as f64;
    senior.share = senior.called_senior as f64 / senior.senior_profiles_found.max(1) as f64;

    // The censoring test.
    let full = career::load_papers(conn, None)?;
    let hidden = career::load_papers(conn, Some(args.cut))?;
    let sample: Vec<(CareerStage, &Vec<career::CareerPaper>)> = {
        let mut ids: Vec<&i64> = hidden.keys().collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter(|id| in_half(args.half, args.seed, **id as u64))
            .filter_map(|id| {
                let all = full.get(id)?;
                let after = &hidden[id];
                let truth = career::estimate(all, as_of, None, &StageRules::default())?;
                // Well covered from the first paper, with enough left to judge from.
                (!truth.at_least && all.len() >= 3 && after.len() >= 3)
                    .then_some((truth.stage, after))
            })
            .collect()
    };
    let measure = |rules: &StageRules| {
        let (mut truth, mut est, mut base) = ([0usize; 3], [0usize; 3], [0usize; 3]);
        for (t, papers) in &sample {
            let ti = stage_index(*t);
            truth[ti] += 1;
            if let Some(e) = career::estimate(papers, as_of, None, rules) {
                est[ti] += usize::from(e.stage == *t);
            }
            let first = papers.iter().map(|p| p.year).min().unwrap_or(as_of);
            base[ti] += usize::from(CareerStage::from_years(as_of - first) == *t);
        }
        (truth, est, base)
    };
    let (truth, est, base) = measure(&StageRules::default());
    let (estimate_recall, estimate_ba) = balanced(&est, &truth);
    let (baseline_recall, baseline_ba) = balanced(&base, &truth);
    let censoring = Censoring {
        cut: args.cut,
        researchers: sample.len(),
        truth,
        estimate_recall,
        estimate_balanced_accuracy: estimate_ba,
        baseline_recall,
        baseline_balanced_accuracy: baseline_ba,
    };
    if args.tune {
        let mut grid: Vec<(f64, StageRules)> = Vec::new();
        for min_multi_author in [2, 3, 4, 6] {
            for senior_last_share in [0.3, 0.4, 0.5, 0.6] {
                for mid_last_share in [0.1, 0.15, 0.2, 0.25, 0.3] {
                    for mid_papers_per_year in [1.0, 1.5, 2.0, 3.0] {
                        for senior_papers_per_year in [2.0, 3.0, 4.0, 5.0] {
                            let rules = StageRules {
                                min_multi_author,
                                senior_last_share,
                                mid_last_share,
                                mid_papers_per_year,
                                senior_papers_per_year,
                            };
                            let (t, e, _) = measure(&rules);
                            grid.push((balanced(&e, &t).1, rules));
                        }
                    }
                }
            }
        }
        grid.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (ba, r) in grid.iter().take(8) {
            eprintln!(
                "tune ({} half): balanced accuracy {ba:.3} with {r:?}",
                args.half.as_str()
            );
        }
    }
    let report = Report {
        half: args.half.as_str().to_string(),
        seed: args.seed,
        affiliation: aff,
        seniority: senior,
        censoring,
    };
    if ctx.format == Format::Json {
        output::json(&report)?;
        return Ok(0);
    }
    let a = &report.affiliation;
    println!(
        "Current affiliation vs Google Scholar ({} half, seed {}): {} profiles, {} found; agreement {:.1} % ({} agree, {} unknown); among profiles whose text names an organisation: {:.1} % of {}",
        report.half,
        report.seed,
        a.profiles,
        a.found,
        100.0 * a.agreement,
        a.agree,
        a.unknown,
        100.0 * a.agreement_naming_org,
        a.found_naming_org
    );
    let s = &report.seniority;
    println!(
        "Senior Scholar profiles called senior: {:.1} % ({} of {})",
        100.0 * s.share,
        s.called_senior,
        s.senior_profiles_found
    );
    let c = &report.censoring;
    println!(
        "Censoring test (papers before {} hidden; {} researchers, truth early/mid/senior {:?}): balanced accuracy {:.1} % (recall {:.2}/{:.2}/{:.2}); years since first remaining paper: {:.1} % (recall {:.2}/{:.2}/{:.2})",
        c.cut,
        c.researchers,
        c.truth,
        100.0 * c.estimate_balanced_accuracy,
        c.estimate_recall[0],
        c.estimate_recall[1],
        c.estimate_recall[2],
        100.0 * c.baseline_balanced_accuracy,
        c.baseline_recall[0],
        c.baseline_recall[1],
        c.baseline_recall[2]
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affiliation_texts_agree_through_aliases_acronyms_and_words() {
        let reg = OrgRegistry::builtin();
        assert!(agrees(
            &reg,
            "Massachusetts Institute of Technology",
            "Professor, MIT"
        ));
        assert!(agrees(
            &reg,
            "Carnegie Mellon University",
            "Professor of CS, CMU"
        ));
        assert!(agrees(
            &reg,
            "Google DeepMind",
            "Research Scientist, Google"
        ));
        assert!(agrees(
            &reg,
            "Stanford University",
            "Professor of Computer Science, Stanford"
        ));
        assert!(agrees(
            &reg,
            "Purdue University",
            "Professor of Computer Science, Purdue University"
        ));
        assert!(!agrees(
            &reg,
            "Stanford University",
            "Professor, Harvard University"
        ));
        assert!(!agrees(
            &reg,
            "University of Oxford",
            "Professor, University of Cambridge"
        ));
    }

    #[test]
    fn quoted_csv_fields_keep_their_commas() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.csv");
        std::fs::write(
            &path,
            "name,affiliation\nA B,\"Professor, \"\"X\"\" University\"\n",
        )?;
        let rows = read_csv(&path)?;
        assert_eq!(
            rows[1],
            vec!["A B".to_string(), "Professor, \"X\" University".to_string()]
        );
        Ok(())
    }
}
