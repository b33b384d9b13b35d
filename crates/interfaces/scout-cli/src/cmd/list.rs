//! `scout list TOPIC`: the List — researchers ranked for a topic, with explanations.

use anyhow::Context as _;
use scout_corpus::orgs::OrgType;
use scout_corpus::researchers::CareerStage;
use scout_rank::{ListQuery, ListResult, RankError, rank};

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Free-text topic, e.g. "reinforcement learning for reasoning"
    #[arg(required_unless_present = "about", conflicts_with = "about")]
    topic: Option<String>,
    /// Rank for a long text instead of a topic: a role description or an abstract, read from
    /// FILE (`-`: standard input)
    #[arg(long, value_name = "FILE")]
    about: Option<std::path::PathBuf>,
    /// How many researchers to list
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Only researchers whose current organisation contains this text
    #[arg(long)]
    org: Option<String>,
    /// Only researchers whose current organisation is of this type
    #[arg(long, value_enum)]
    org_type: Option<OrgType>,
    /// Only researchers currently in this country (ISO code such as US, or a name)
    #[arg(long)]
    country: Option<String>,
    /// Career stage: early (≤ 6 years since the first paper), mid (7–12), senior (> 12); estimated
    /// when the corpus's coverage cuts the first year off, and the committee's override for
    /// candidates when the workspace database sits beside the corpus
    #[arg(long, value_enum)]
    stage: Option<CareerStage>,
    /// Only researchers inferred to have trained (early-career papers as a student-style author)
    /// at one of these organisations: ORG[,ORG…], e.g. "MIT,CMU,Berkeley"
    #[arg(long, value_name = "ORG[,ORG…]")]
    trained_at: Vec<String>,
    /// Only researchers with one of these organisations anywhere in their affiliation timeline
    #[arg(long, value_name = "ORG[,ORG…]")]
    worked_at: Vec<String>,
    /// Count only papers published in or after this year
    #[arg(long)]
    since: Option<i32>,
    /// Show the papers and factor values behind each score
    #[arg(long)]
    explain: bool,
    /// Papers shown per researcher with --explain
    #[arg(long, default_value_t = 3)]
    explain_papers: usize,
    /// Relevance: weight of BM25 against semantic similarity, 0–1 (1: BM25 only)
    #[arg(long, default_value_t = scout_corpus::RelevanceOptions::default().lexical_weight)]
    lexical_weight: f64,
    /// Relevance: papers below this fraction of the best paper's relevance do not count
    #[arg(long, default_value_t = scout_corpus::RelevanceOptions::default().floor)]
    floor: f64,
    /// Relevance: do not ask for learned acronyms / long forms together
    #[arg(long)]
    no_acronyms: bool,
    /// Relevance: measure BM25 against the best match over every field only, not also against
    /// the best title-and-keywords match (works without an abstract then read lower)
    #[arg(long)]
    no_title_share: bool,
    /// Relevance: when the topic names a research field ("computer vision"), every paper of the
    /// venues standing for it counts with at least this relevance, 0–1 (0: text relevance only)
    #[arg(long, default_value_t = scout_corpus::RelevanceOptions::default().field_relevance)]
    field_relevance: f64,
    /// Add the leak radius: how many others on this List are co-authors (1 hop) or share a
    /// co-author (2 hops) with each researcher
    #[arg(long)]
    radius: bool,
    /// Count rejected and withdrawn submissions too (× 0.25); left out by default
    #[arg(long)]
    include_rejected: bool,
}

#[derive(serde::Serialize)]
struct WithRadius<'a> {
    #[serde(flatten)]
    list: &'a ListResult,
    radius: Vec<scout_network::radius::Radius>,
}

/// The topic: the argument, or the text of `--about FILE` (`-`: standard input).
fn topic_text(args: &Args) -> anyhow::Result<String> {
    match (&args.topic, &args.about) {
        (Some(t), _) => Ok(t.clone()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("reading the text from standard input")?;
            Ok(text)
        }
        (None, Some(path)) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        }
        (None, None) => Ok(String::new()),
    }
}

pub fn query_from(args: &Args) -> anyhow::Result<ListQuery> {
    let mut q = ListQuery::new(topic_text(args)?);
    q.limit = args.limit;
    q.org = args.org.clone();
    q.org_type = args.org_type;
    q.country = match &args.country {
        Some(c) => Some(
            scout_corpus::country_code(c)
                .with_context(|| format!("unknown country {c:?}; use an ISO code such as US"))?,
        ),
        None => None,
    };
    q.stage = args.stage;
    q.trained_at = scout_rank::org_filter::OrgMatcher::new(&args.trained_at);
    q.worked_at = scout_rank::org_filter::OrgMatcher::new(&args.worked_at);
    q.since = args.since;
    q.explain_papers = args.explain_papers.max(1);
    q.include_rejected = args.include_rejected;
    if !(0.0..=1.0).contains(&args.lexical_weight)
        || !(0.0..1.0).contains(&args.floor)
        || !(0.0..=1.0).contains(&args.field_relevance)
    {
        anyhow::bail!(
            "--lexical-weight and --field-relevance must be in [0, 1] and --floor in [0, 1)"
        );
    }
    q.relevance.field_relevance = args.field_relevance;
    q.relevance.lexical_weight = args.lexical_weight;
    q.relevance.floor = args.floor;
    q.relevance.acronyms = !args.no_acronyms;
    q.relevance.title_share = !args.no_title_share;
    Ok(q)
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let mut query = query_from(&args)?;
    if query.stage.is_some() {
        query.stage_overrides = super::overrides::stage_overrides(ctx)?;
    }
    query.set_employers = super::overrides::set_employers(ctx)?;
    let result = match rank(corpus.conn(), &index, as_of, &query) {
        Ok(result) => result,
        Err(e @ RankError::EmptyTopic(_)) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
        Err(e) => return Err(e.into()),
    };
    let radius = if args.radius {
        let graph = scout_network::Graph::load(corpus.conn())?;
        let ids: Vec<u32> = result.rows.iter().map(|r| r.researcher.id as u32).collect();
        Some(scout_network::radius::radius(&graph, &ids))
    } else {
        None
    };
    match (ctx.format, &radius) {
        (Format::Json, Some(radius)) => output::json(&WithRadius {
            list: &result,
            radius: radius.clone(),
        })?,
        (Format::Json, None) => output::json(&result)?,
        (Format::Csv, _) => print!(
            "{}",
            with_radius(table(&result, false), &result, radius.as_deref()).csv()
        ),
        (Format::Table, _) if args.explain => print_table(&result, true),
        (Format::Table, _) => {
            print_heading(&result);
            print!(
                "{}",
                with_radius(table(&result, false), &result, radius.as_deref()).render()
            );
        }
    }
    Ok(0)
}

/// Adds a "radius" column: others on the List within one / two hops.
fn with_radius(
    mut t: Table,
    result: &ListResult,
    radius: Option<&[scout_network::radius::Radius]>,
) -> Table {
    let Some(radius) = radius else { return t };
    let cells: Vec<String> = result
        .rows
        .iter()
        .map(|row| {
            radius
                .iter()
                .find(|r| i64::from(r.target) == row.researcher.id)
                .map_or_else(String::new, |r| {
                    format!("{}/{}", r.within_one.len(), r.within_two.len())
                })
        })
        .collect();
    t.add_column("radius 1/2", cells, true);
    t
}

fn print_heading(result: &ListResult) {
    println!(
        "The List for \"{}\" — {} matching papers, {} researchers considered, as of {} ({:.1} ms)",
        shorten(
            result
                .topic
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_str(),
            100
        ),
        result.matching_papers,
        result.candidates,
        result.as_of_year,
        result.milliseconds
    );
    if !result.expansions.is_empty() {
        println!("(also searched: {})", result.expansions.join("; "));
    }
    if let Some(field) = &result.field {
        println!(
            "(a field: the {} papers of {} count with relevance ≥ {})",
            field.papers,
            field.venues.join(", "),
            field.relevance
        );
    }
    if let Some(reason) = &result.reason {
        println!("{reason}");
    }
}

pub fn table(result: &ListResult, wide: bool) -> Table {
    let mut t = Table::new(&[
        "rank",
        "researcher",
        "current affiliation",
        "stage",
        "score",
        "papers",
        "top paper",
    ])
    .right_align(&[0, 4, 5]);
    for row in &result.rows {
        let r = &row.researcher;
        let org = match (&r.current_org, r.current_org_year) {
            (Some(o), Some(y)) if r.current_org_stale => format!(
                "{} (last evidence {y})",
                shorten(o, if wide { 80 } else { 40 })
            ),
            (Some(o), _) => shorten(o, if wide { 80 } else { 40 }),
            _ => "-".into(),
        };
        let top = row.top_papers.first().map_or_else(String::new, |p| {
            format!(
                "{} ({})",
                shorten(&p.title, if wide { 200 } else { 60 }),
                p.year.map_or("-".into(), |y| y.to_string())
            )
        });
        t.row(vec![
            row.rank.to_string(),
            r.name.clone(),
            org,
            stage_cell(row, result.as_of_year),
            format!("{:.2}", row.score),
            row.papers.to_string(),
            top,
        ]);
    }
    t
}

pub fn print_table(result: &ListResult, explain: bool) {
    print_heading(result);
    if !explain {
        print!("{}", table(result, false).render());
        return;
    }
    for row in &result.rows {
        let r = &row.researcher;
        println!();
        println!(
            "{:>3}. {}  score {:.3} from {} papers  [{}]",
            row.rank, r.name, row.score, row.papers, r.key
        );
        if let Some(org) = r.current_org_label() {
            println!(
                "     current: {org}{}{}",
                r.current_org_confidence
                    .map_or(String::new(), |c| format!(", confidence {c:.2}")),
                r.current_org_evidence
                    .as_deref()
                    .map_or(String::new(), |e| format!(" — {e}"))
            );
        }
        if let Some(stage) = r.stage_label(result.as_of_year) {
            println!(
                "     stage: {stage}{}",
                r.stage_basis
                    .as_deref()
                    .map_or(String::new(), |b| format!(" — {b}"))
            );
        }
        let mut t = Table::new(&[
            "contribution",
            "= relevance",
            "× impact",
            "× role",
            "× recency",
            "paper",
        ])
        .right_align(&[0, 1, 2, 3, 4]);
        for p in &row.top_papers {
            let impact_note = impact_note(p);
            t.row(vec![
                format!("{:.3}", p.contribution),
                format!("{:.2}", p.relevance),
                format!("{:.2}", p.impact),
                format!("{:.2}", p.role),
                format!("{:.2}", p.recency),
                format!(
                    "{} — {} {} · author {}/{} · {}{}",
                    shorten(&p.title, 70),
                    p.venue.as_deref().unwrap_or("-").to_uppercase(),
                    p.year.map_or("-".into(), |y| y.to_string()),
                    p.position,
                    p.n_authors,
                    impact_note,
                    p.status
                        .as_deref()
                        .map_or(String::new(), |s| format!(" · {s}"))
                ),
            ]);
        }
        for line in t.render().lines() {
            println!("     {line}");
        }
    }
}

/// Where a paper's impact comes from: the count, its source and window against its cohort's
/// typical count (the geometric mean of 1 + count), or "estimated from …" (never a count).
pub fn impact_note(p: &scout_rank::Contribution) -> String {
    if p.impact_estimated {
        return format!(
            "no count; estimated {} from {}",
            p.relative_impact
                .map_or("impact".to_string(), |r| format!("{r:.2}× typical")),
            p.impact_basis.as_deref().unwrap_or("the corpus")
        );
    }
    let relative = p
        .relative_impact
        .map_or(String::new(), |r| format!(" = {r:.2}× typical"));
    let source = p.citation_source.as_deref().unwrap_or("unknown source");
    let window = p
        .citation_window_days
        .map_or(String::new(), |d| format!(" within {d} days"));
    match (p.citations, p.cohort_mean_citations) {
        (Some(c), Some(m)) => {
            format!("{c} cit.{window} ({source}) vs {m:.1} typical of its venue-year{relative}")
        }
        (Some(c), None) => format!("{c} cit.{window} ({source})"),
        _ => "no impact data".into(),
    }
}

/// The row's stage: the committee's override as is, else the corpus's ("at least mid").
fn stage_cell(row: &scout_rank::ListRow, as_of: i32) -> String {
    let corpus = row.researcher.stage(as_of);
    match row.stage {
        Some(s) if Some(s) != corpus => format!("{} (committee)", s.as_str()),
        Some(_) => row
            .researcher
            .stage_label(as_of)
            .unwrap_or_else(|| "-".into()),
        None => "-".into(),
    }
}

pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
