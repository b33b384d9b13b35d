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
//! name (Scholar) or researcher key (censoring test; not the id, which shifts for everyone after
//! a researcher that identity merges or splits). The database is measured as stored (no
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
    /// Print every affiliation disagreement to stderr: the researcher, our organisation with
    /// its evidence, their organisation timeline, and the Scholar text; and every senior profile
    /// not called senior, with the stage's basis
    #[arg(long)]
    show_misses: bool,
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
    /// Researchers with one paper or more left after the cut.
    wide_researchers: usize,
    wide_recall: [f64; 3],
    wide_balanced_accuracy: f64,
    wide_rules_only_balanced_accuracy: f64,
    researchers: usize,
    truth: [usize; 3],
    estimate_recall: [f64; 3],
    estimate_balanced_accuracy: f64,
    /// The thresholds without the learned model (the estimate before stop 22).
    rules_only_recall: [f64; 3],
    rules_only_balanced_accuracy: f64,
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

/// Each researcher id's key, hashed: what the censoring test's halves are drawn by.
struct KeyHashes(std::collections::HashMap<i64, u64>);

impl KeyHashes {
    fn load(conn: &scout_corpus::rusqlite::Connection) -> anyhow::Result<KeyHashes> {
        let mut stmt = conn.prepare("SELECT id, key FROM researchers")?;
        let map = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, text_hash(&r.get::<_, String>(1)?)))
            })?
            .collect::<Result<_, _>>()?;
        Ok(KeyHashes(map))
    }

    /// Whether researcher `id` is in `half`.
    fn in_half(&self, half: Half, seed: u64, id: i64) -> bool {
        in_half(half, seed, self.0.get(&id).copied().unwrap_or(id as u64))
    }
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
    if !distinctive.is_empty()
        && distinctive
            .iter()
            .all(|w| text_words.contains(&format!(" {w} ")))
    {
        return true;
    }
    // A clipped abbreviation of the name: "Caltech", "Georgia Tech".
    let words: Vec<&str> = text_words.split_whitespace().collect();
    (0..words.len()).any(|i| {
        (i + 1..=(i + 3).min(words.len())).any(|j| abbreviates(&words[i..j].concat(), &org_words))
    })
}

/// Whether `short` (letters without spaces) is a clipped abbreviation of the organisation name
/// `long` (a normalised key): its letters are, in order, prefixes of successive words of the
/// name — each at least three letters long or the whole word, at least one of them clipped —
/// starting with the name's first word; only generic words may be skipped, and every
/// distinctive word of the name is used. So "caltech" abbreviates "california institute of
/// technology" and "georgiatech" "georgia institute of technology"; "tech" alone, or
/// "georgiastate", does not.
fn abbreviates(short: &str, long: &str) -> bool {
    fn rest(short: &str, words: &[&str], clipped: bool) -> bool {
        let Some((word, tail)) = words.split_first() else {
            return short.is_empty() && clipped;
        };
        let generic = GENERIC_WORDS.contains(word);
        if short.is_empty() {
            return generic && rest(short, tail, clipped);
        }
        let whole = short.starts_with(word) && rest(&short[word.len()..], tail, clipped);
        let prefixes = (3..word.len().min(short.len() + 1))
            .filter(|&k| word.is_char_boundary(k) && short.is_char_boundary(k))
            .any(|k| short[..k] == word[..k] && rest(&short[k..], tail, true));
        whole || prefixes || (generic && rest(short, tail, clipped))
    }
    let words: Vec<&str> = long.split(' ').filter(|w| !w.is_empty()).collect();
    let Some((first, tail)) = words.split_first() else {
        return false;
    };
    if short.len() < 4 || GENERIC_WORDS.contains(first) {
        return false;
    }
    let whole = short.starts_with(first) && rest(&short[first.len()..], tail, false);
    whole
        || (3..first.len().min(short.len() + 1))
            .filter(|&k| first.is_char_boundary(k) && short.is_char_boundary(k))
            .any(|k| short[..k] == first[..k] && rest(&short[k..], tail, true))
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

/// One affiliation disagreement on stderr, tab-separated: the researcher, our organisation with
/// its confidence and evidence, the organisation timeline (organisation, papers, years; `*` when
/// it agrees with the Scholar text), and the Scholar text.
fn show_miss(
    conn: &scout_corpus::rusqlite::Connection,
    registry: &OrgRegistry,
    r: &researchers::Researcher,
    text: &str,
    names_org: bool,
) -> anyhow::Result<()> {
    // The profile's timeline, most papers first.
    let mut periods = researchers::affiliation_periods(conn, r.id)?;
    periods.sort_by(|a, b| b.papers.cmp(&a.papers).then_with(|| a.org.cmp(&b.org)));
    let timeline: Vec<String> = periods
        .iter()
        .map(|p| {
            let mark = if agrees(registry, &p.org, text) {
                "*"
            } else {
                ""
            };
            format!(
                "{mark}{} {}p {}-{}",
                p.org, p.papers, p.first_year, p.last_year
            )
        })
        .collect();
    eprintln!(
        "miss\t{}\t{} works {}-{}\tours: {} ({}, conf {:.2}{}) [{}]\ttimeline: {}\tscholar{}: {}",
        r.name,
        r.n_works,
        r.first_year.unwrap_or(0),
        r.last_year.unwrap_or(0),
        r.current_org.as_deref().unwrap_or("unknown"),
        r.current_org_year.unwrap_or(0),
        r.current_org_confidence.unwrap_or(0.0),
        if r.current_org_stale { ", stale" } else { "" },
        r.current_org_evidence.as_deref().unwrap_or(""),
        timeline.join("; "),
        if names_org { "" } else { " (no org)" },
        text
    );
    Ok(())
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
    let mut senior_ids: Vec<i64> = Vec::new();
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
            Some(_) if args.show_misses => show_miss(conn, &registry, &r, text, names_org)?,
            Some(_) => {}
        }
        if r.current_org.is_none() && args.show_misses {
            show_miss(conn, &registry, &r, text, names_org)?;
        }
        let first_citation: Option<i32> = rec.get(c_first).and_then(|y| y.trim().parse().ok());
        if first_citation.is_some_and(|y| args.crawl_year - y > 12) {
            senior.senior_profiles_found += 1;
            senior_ids.push(r.id);
            let called = r.stage(as_of) == Some(CareerStage::Senior);
            senior.called_senior += usize::from(called);
            if !called && args.show_misses {
                eprintln!(
                    "stage-miss\t{}\t{:?}\t{} works {:?}–{:?}\t{}",
                    r.name,
                    r.stage(as_of),
                    r.n_works,
                    r.first_year,
                    r.last_year,
                    r.stage_basis.as_deref().unwrap_or("")
                );
            }
        }
    }
    aff.agreement = aff.agree as f64 / aff.found.max(1) as f64;
    aff.agreement_naming_org = aff.agree_naming_org as f64 / aff.found_naming_org.max(1) as f64;
    senior.share = senior.called_senior as f64 / senior.senior_profiles_found.max(1) as f64;

    // The censoring test. The stage model is fitted on the tuning half only, whichever half is
    // measured (on the tuning half the figure is in-sample).
    let full = career::load_papers(conn, None)?;
    let hidden = career::hidden_view(&full, args.cut);
    let seed = args.seed;
    let keys = KeyHashes::load(conn)?;
    let rules = StageRules::default();
    let model = career::fit_model(
        &full,
        &hidden,
        as_of,
        rules.model_training_min_papers,
        |id| keys.in_half(Half::Tuning, seed, id),
    );
    let hidden_features = career::model::features(&hidden, as_of);
    let sample: Vec<(CareerStage, &Vec<career::CareerPaper>, Option<CareerStage>)> =
        career::censoring_sample(&full, &hidden, as_of, 3, |id| {
            keys.in_half(args.half, seed, id)
        })
        .into_iter()
        .map(|(id, truth)| {
            let learned = model.as_ref().and_then(|m| {
                Some(m.predict(hidden_features.get(&id)?, rules.model_senior_weight))
            });
            (truth, &hidden[&id], learned)
        })
        .collect();
    let measure = |rules: &StageRules, with_model: bool| {
        let (mut truth, mut est, mut base) = ([0usize; 3], [0usize; 3], [0usize; 3]);
        for (t, papers, learned) in &sample {
            let ti = stage_index(*t);
            truth[ti] += 1;
            let learned = if with_model { *learned } else { None };
            if let Some(e) = career::estimate(papers, as_of, None, rules, learned) {
                est[ti] += usize::from(e.stage == *t);
            }
            let first = papers.iter().map(|p| p.year).min().unwrap_or(as_of);
            base[ti] += usize::from(CareerStage::from_years(as_of - first) == *t);
        }
        (truth, est, base)
    };
    let (truth, est, base) = measure(&StageRules::default(), true);
    let (estimate_recall, estimate_ba) = balanced(&est, &truth);
    let (baseline_recall, baseline_ba) = balanced(&base, &truth);
    let (_, rules_est, _) = measure(&StageRules::default(), false);
    let (rules_recall, rules_ba) = balanced(&rules_est, &truth);
    // The wider sample: one paper or more left after the cut (the model also stages those).
    let (mut wide_truth, mut wide_est, mut wide_rules) = ([0usize; 3], [0usize; 3], [0usize; 3]);
    for (id, t) in career::censoring_sample(&full, &hidden, as_of, 1, |id| {
        keys.in_half(args.half, seed, id)
    }) {
        let ti = stage_index(t);
        wide_truth[ti] += 1;
        let learned = model
            .as_ref()
            .and_then(|m| Some(m.predict(hidden_features.get(&id)?, rules.model_senior_weight)));
        let papers = &hidden[&id];
        let called = |learned| {
            career::estimate(papers, as_of, None, &rules, learned).is_some_and(|e| e.stage == t)
        };
        wide_est[ti] += usize::from(called(learned));
        wide_rules[ti] += usize::from(called(None));
    }
    let (wide_recall, wide_ba) = balanced(&wide_est, &wide_truth);
    let (_, wide_rules_ba) = balanced(&wide_rules, &wide_truth);
    let censoring = Censoring {
        cut: args.cut,
        wide_researchers: wide_truth.iter().sum(),
        wide_recall,
        wide_balanced_accuracy: wide_ba,
        wide_rules_only_balanced_accuracy: wide_rules_ba,
        researchers: sample.len(),
        truth,
        estimate_recall,
        estimate_balanced_accuracy: estimate_ba,
        rules_only_recall: rules_recall,
        rules_only_balanced_accuracy: rules_ba,
        baseline_recall,
        baseline_balanced_accuracy: baseline_ba,
    };
    if args.tune {
        tune_model(
            &args,
            as_of,
            &full,
            &hidden,
            &hidden_features,
            &senior_ids,
            &keys,
        );
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
                                ..StageRules::default()
                            };
                            let (t, e, _) = measure(&rules, false);
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
        "Censoring test (papers before {} hidden; {} researchers, truth early/mid/senior {:?}): balanced accuracy {:.1} % (recall {:.2}/{:.2}/{:.2}); thresholds without the model: {:.1} % (recall {:.2}/{:.2}/{:.2}); years since first remaining paper: {:.1} % (recall {:.2}/{:.2}/{:.2})",
        c.cut,
        c.researchers,
        c.truth,
        100.0 * c.estimate_balanced_accuracy,
        c.estimate_recall[0],
        c.estimate_recall[1],
        c.estimate_recall[2],
        100.0 * c.rules_only_balanced_accuracy,
        c.rules_only_recall[0],
        c.rules_only_recall[1],
        c.rules_only_recall[2],
        100.0 * c.baseline_balanced_accuracy,
        c.baseline_recall[0],
        c.baseline_recall[1],
        c.baseline_recall[2]
    );
    println!(
        "Censoring test with one paper or more left ({} researchers): balanced accuracy {:.1} % (recall {:.2}/{:.2}/{:.2}); thresholds without the model: {:.1} %",
        c.wide_researchers,
        100.0 * c.wide_balanced_accuracy,
        c.wide_recall[0],
        c.wide_recall[1],
        c.wide_recall[2],
        100.0 * c.wide_rules_only_balanced_accuracy
    );
    let mut stmt = conn.prepare(
        "SELECT n_works >= 3, COALESCE(stage, ''), COUNT(*) FROM researchers GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let counts: Vec<String> = stmt
        .query_map([], |r| {
            let many: bool = r.get(0)?;
            let stage: String = r.get(1)?;
            let n: i64 = r.get(2)?;
            Ok(format!(
                "{} {stage}: {n}",
                if many { "3+ papers" } else { "1-2 papers" }
            ))
        })?
        .collect::<Result<_, _>>()?;
    println!("Stored stages: {}", counts.join(", "));
    Ok(0)
}

/// The learned model's options on the tuning half: the censoring test's balanced accuracy, and
/// the senior Scholar profiles called senior when their stage is recomputed as refresh would
/// (the model fitted on every well-covered researcher).
fn tune_model(
    args: &FactsArgs,
    as_of: i32,
    full: &career::PaperMap,
    hidden: &career::PaperMap,
    hidden_features: &career::model::FeatureMap,
    senior_ids: &[i64],
    keys: &KeyHashes,
) {
    let full_features = career::model::features(full, as_of);
    let in_tuning = |id: i64| keys.in_half(Half::Tuning, args.seed, id);
    let sample = career::censoring_sample(full, hidden, as_of, 3, |id| {
        keys.in_half(args.half, args.seed, id)
    });
    let wide = career::censoring_sample(full, hidden, as_of, 1, |id| {
        keys.in_half(args.half, args.seed, id)
    });
    for (model_training_min_papers, model_min_papers) in [(1, 1), (1, 3), (3, 3)] {
        let Some(model) =
            career::fit_model(full, hidden, as_of, model_training_min_papers, in_tuning)
        else {
            continue;
        };
        let Some(refresh_model) =
            career::fit_model(full, hidden, as_of, model_training_min_papers, |_| true)
        else {
            continue;
        };
        for model_or_rules in [false, true] {
            for model_uncensored in [false, true] {
                for (model_senior_weight, supervisor_only_stage) in
                    [1.0, 1.5, 2.0, 3.0].into_iter().flat_map(|w| {
                        [None, Some(CareerStage::Mid), Some(CareerStage::Senior)].map(|s| (w, s))
                    })
                {
                    let rules = StageRules {
                        model_min_papers,
                        model_training_min_papers,
                        model_or_rules,
                        model_uncensored,
                        model_senior_weight,
                        supervisor_only_stage,
                        ..StageRules::default()
                    };
                    let score = |sample: &[(i64, CareerStage)]| {
                        let (mut truth, mut hits) = ([0usize; 3], [0usize; 3]);
                        for (id, t) in sample {
                            let learned = hidden_features
                                .get(id)
                                .map(|x| model.predict(x, model_senior_weight));
                            truth[stage_index(*t)] += 1;
                            if let Some(e) =
                                career::estimate(&hidden[id], as_of, None, &rules, learned)
                            {
                                hits[stage_index(*t)] += usize::from(e.stage == *t);
                            }
                        }
                        balanced(&hits, &truth)
                    };
                    let (recall, ba) = score(&sample);
                    let (wide_recall, wide_ba) = score(&wide);
                    let called = senior_ids
                        .iter()
                        .filter(|id| {
                            let Some(papers) = full.get(id) else {
                                return false;
                            };
                            let learned = full_features
                                .get(id)
                                .map(|x| refresh_model.predict(x, model_senior_weight));
                            career::estimate(papers, as_of, None, &rules, learned)
                                .is_some_and(|e| e.stage == CareerStage::Senior)
                        })
                        .count();
                    eprintln!(
                        "tune model ({} half): training min papers {model_training_min_papers} min papers {model_min_papers} or_rules {model_or_rules} uncensored {model_uncensored} senior weight {model_senior_weight} supervisor-only {supervisor_only_stage:?}: censoring {:.1} % (recall {:.2}/{:.2}/{:.2}), with 1+ papers left {:.1} % (recall {:.2}/{:.2}/{:.2}), Scholar seniors called senior {:.1} % ({called} of {})",
                        args.half.as_str(),
                        100.0 * ba,
                        recall[0],
                        recall[1],
                        recall[2],
                        100.0 * wide_ba,
                        wide_recall[0],
                        wide_recall[1],
                        wide_recall[2],
                        100.0 * called as f64 / senior_ids.len().max(1) as f64,
                        senior_ids.len()
                    );
                }
            }
        }
    }
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
        // Clipped abbreviations.
        assert!(agrees(
            &reg,
            "California Institute of Technology",
            "Professor of Computing, Caltech"
        ));
        assert!(agrees(
            &reg,
            "Georgia Institute of Technology",
            "Chair, College of Computing, Georgia Tech"
        ));
        // Spellings the organisation normalisation folds.
        assert!(agrees(
            &reg,
            "Technion - Israel Institute of Technology",
            "Professor of Computer Science, Technion"
        ));
    }

    #[test]
    fn clipped_abbreviations_need_every_distinctive_word() {
        assert!(abbreviates("caltech", "california institute of technology"));
        assert!(abbreviates(
            "georgiatech",
            "georgia institute of technology"
        ));
        assert!(!abbreviates("tech", "georgia institute of technology"));
        assert!(!abbreviates("georgia", "georgia institute of technology"));
        assert!(!abbreviates("caltech", "california state university"));
        assert!(!abbreviates("calmed", "california institute of technology"));
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
