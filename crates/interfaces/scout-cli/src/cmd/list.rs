//! `scout list TOPIC`: the List — researchers ranked for a topic, with explanations.

use anyhow::Context as _;
use scout_corpus::orgs::OrgType;
use scout_corpus::researchers::Stage;
use scout_rank::{ListQuery, ListResult, rank};

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Free-text topic, e.g. "reinforcement learning for reasoning"
    topic: String,
    /// How many researchers to list
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Only researchers whose current organisation contains this text
    #[arg(long)]
    org: Option<String>,
    /// Only researchers whose current organisation is of this type
    #[arg(long, value_parser = ["company", "education", "facility", "government", "nonprofit", "healthcare", "other"])]
    org_type: Option<String>,
    /// Only researchers currently in this country (ISO code such as US, or a name)
    #[arg(long)]
    country: Option<String>,
    /// Career stage from the first paper: early (≤ 6 years), mid (7–12), senior (> 12)
    #[arg(long, value_parser = ["early", "mid", "senior"])]
    stage: Option<String>,
    /// Count only papers published in or after this year
    #[arg(long)]
    since: Option<i32>,
    /// Show the papers and factor values behind each score
    #[arg(long)]
    explain: bool,
    /// Papers shown per researcher with --explain
    #[arg(long, default_value_t = 3)]
    explain_papers: usize,
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

pub fn query_from(args: &Args) -> anyhow::Result<ListQuery> {
    let mut q = ListQuery::new(args.topic.clone());
    q.limit = args.limit;
    q.org = args.org.clone();
    q.org_type = args.org_type.as_deref().and_then(OrgType::parse);
    q.country = match &args.country {
        Some(c) => Some(
            scout_corpus::country_code(c)
                .with_context(|| format!("unknown country {c:?}; use an ISO code such as US"))?,
        ),
        None => None,
    };
    q.stage = args.stage.as_deref().and_then(Stage::parse);
    q.since = args.since;
    q.explain_papers = args.explain_papers.max(1);
    q.include_rejected = args.include_rejected;
    Ok(q)
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let query = query_from(&args)?;
    let result = rank(corpus.conn(), &index, as_of, &query)?;
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
        result.topic,
        result.matching_papers,
        result.candidates,
        result.as_of_year,
        result.milliseconds
    );
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
            (Some(o), Some(y)) => format!("{} ({y})", shorten(o, if wide { 80 } else { 40 })),
            (Some(o), None) => shorten(o, 40),
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
            row.stage.map_or("-", Stage::as_str).to_string(),
            format!("{:.2}", row.score),
            row.papers.to_string(),
            top,
        ]);
    }
    t
}

pub fn print_table(result: &ListResult, explain: bool) {
    println!(
        "The List for \"{}\" — {} matching papers, {} researchers considered, as of {} ({:.1} ms)",
        result.topic,
        result.matching_papers,
        result.candidates,
        result.as_of_year,
        result.milliseconds
    );
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
        if let Some(org) = &r.current_org {
            println!(
                "     current: {org}{}",
                r.current_org_year
                    .map_or(String::new(), |y| format!(" (most recent evidence: {y})"))
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

/// Where a paper's impact comes from: the count, its source and window against the cohort
/// mean, or "estimated from …" (never shown as a count).
pub fn impact_note(p: &scout_rank::Contribution) -> String {
    if p.impact_estimated {
        return format!(
            "no count; estimated {} from {}",
            p.relative_impact
                .map_or("impact".to_string(), |r| format!("{r:.2}× mean")),
            p.impact_basis.as_deref().unwrap_or("the corpus")
        );
    }
    let relative = p
        .relative_impact
        .map_or(String::new(), |r| format!(" = {r:.2}× mean"));
    let source = p.citation_source.as_deref().unwrap_or("unknown source");
    let window = p
        .citation_window_days
        .map_or(String::new(), |d| format!(" within {d} days"));
    match (p.citations, p.cohort_mean_citations) {
        (Some(c), Some(m)) => format!("{c} cit.{window} ({source}) vs {m:.1} mean{relative}"),
        (Some(c), None) => format!("{c} cit.{window} ({source})"),
        _ => "no impact data".into(),
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
