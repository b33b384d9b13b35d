//! `scout show NAME-OR-ID`: a researcher's profile.

use scout_corpus::researchers::{self, Profile};
use scout_rank::{ListQuery, rank};

use super::Context;
use super::list::shorten;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// A name ("Yoshua Bengio", "Bengio, Yoshua"), researcher key, OpenReview id, ORCID or numeric id
    who: String,
    /// Also show the score breakdown for this topic
    #[arg(long)]
    topic: Option<String>,
    /// Papers listed (most recent first)
    #[arg(long, default_value_t = 20)]
    papers: usize,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let mut corpus = ctx.open_existing()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let mut matches = researchers::find(corpus.conn(), &args.who)?;
    let Some(first) = matches.first().cloned() else {
        return Err(researchers::no_researcher(corpus.conn(), &args.who)?.into());
    };
    let mut profile = researchers::profile(corpus.conn(), first, as_of, 15)?;
    let sets = super::overrides::set_employers(ctx)?;
    super::overrides::apply_set_employers(
        corpus.conn(),
        &sets,
        std::iter::once(&mut profile.researcher).chain(matches.iter_mut().skip(1)),
    )?;
    let breakdown = match &args.topic {
        Some(topic) => {
            let index = corpus.text_index()?;
            let mut q = ListQuery::new(topic.clone());
            q.set_employers = sets;
            q.limit = usize::MAX;
            q.explain_papers = 10;
            let result = rank(corpus.conn(), &index, as_of, &q)?;
            result
                .rows
                .into_iter()
                .find(|r| r.researcher.id == profile.researcher.id)
        }
        None => None,
    };
    if ctx.format == Format::Json {
        output::json(&serde_json::json!({
            "profile": profile,
            "topic": args.topic,
            "topic_breakdown": breakdown,
            "other_matches": matches.iter().skip(1).collect::<Vec<_>>(),
        }))?;
        return Ok(0);
    }
    print_profile(&profile, args.papers);
    if matches.len() > 1 {
        println!("\nOther researchers with this name (different people or unresolved):");
        for m in matches.iter().skip(1).take(10) {
            println!(
                "  {}  {} papers  {}  [{}]",
                m.name,
                m.n_works,
                m.current_org.as_deref().unwrap_or("-"),
                m.key
            );
        }
    }
    if let Some(topic) = &args.topic {
        match breakdown {
            Some(row) => {
                println!(
                    "\nScore for \"{topic}\": {:.3} (rank {}) from {} papers",
                    row.score, row.rank, row.papers
                );
                for p in &row.top_papers {
                    println!(
                        "  {:.3} = {:.2} relevance × {:.2} impact × {:.2} role × {:.2} recency  {} ({})",
                        p.contribution,
                        p.relevance,
                        p.impact,
                        p.role,
                        p.recency,
                        shorten(&p.title, 70),
                        p.year.map_or("-".into(), |y| y.to_string())
                    );
                }
            }
            None => println!("\nNo papers matching \"{topic}\"."),
        }
    }
    Ok(0)
}

pub fn print_profile(p: &Profile, max_papers: usize) {
    let r = &p.researcher;
    println!("{}  [{}]", r.name, r.key);
    let ids: Vec<String> = [
        ("OpenReview", &r.openreview_id),
        ("ORCID", &r.orcid),
        ("OpenAlex", &r.openalex_id),
        ("DBLP", &r.dblp_id),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .collect();
    if !ids.is_empty() {
        println!("ids: {}", ids.join(" · "));
    }
    match r.current_org_label() {
        Some(org) => println!(
            "current affiliation: {org}{}{}",
            r.current_org_confidence
                .map_or(String::new(), |c| format!(" — confidence {c:.2}")),
            r.current_org_evidence
                .as_deref()
                .map_or(String::new(), |e| format!("; evidence: {e}"))
        ),
        None => println!("current affiliation: unknown"),
    }
    let stage = p.stage.map(|s| {
        if r.stage_at_least && s != scout_corpus::researchers::CareerStage::Senior {
            format!("at least {}", s.as_str())
        } else {
            s.as_str().to_string()
        }
    });
    println!(
        "{} papers, {} citations, first paper {}, career stage {}{}",
        r.n_works,
        r.citations,
        r.first_year.map_or("-".into(), |y| y.to_string()),
        stage.as_deref().unwrap_or("-"),
        r.stage_basis
            .as_deref()
            .map_or(String::new(), |b| format!(" ({b})"))
    );
    match (&r.trained_at, &r.trained_evidence) {
        (Some(org), Some(e)) => println!("trained at: {org} — {e}"),
        (Some(org), None) => println!("trained at: {org} (inferred)"),
        _ => println!(
            "trained at: unknown (no early papers at a university as a student-style author)"
        ),
    }
    let worked: Vec<&str> = p.affiliations.iter().map(|a| a.org.as_str()).collect();
    if !worked.is_empty() {
        println!("worked at: {}", worked.join(" · "));
    }
    if p.name_variants.len() > 1 {
        let v: Vec<String> = p
            .name_variants
            .iter()
            .map(|(n, c)| format!("{n} ({c})"))
            .collect();
        println!("written as: {}", v.join(", "));
    }
    println!("\nPapers by year:");
    let max = p
        .papers_by_year
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(1)
        .max(1);
    for (year, n) in &p.papers_by_year {
        let bar = "█".repeat(((*n as f64 / max as f64) * 40.0).ceil() as usize);
        println!("  {year}  {bar} {n}");
    }
    if !p.affiliations.is_empty() {
        println!("\nAffiliations over time:");
        let mut t = Table::new(&["organisation", "from", "to", "papers"]).right_align(&[1, 2, 3]);
        for a in p.affiliations.iter().take(12) {
            t.row(vec![
                shorten(&a.org, 60),
                a.first_year.to_string(),
                a.last_year.to_string(),
                a.papers.to_string(),
            ]);
        }
        for line in t.render().lines() {
            println!("  {line}");
        }
    }
    if !p.coauthors.is_empty() {
        println!("\nTop co-authors:");
        let mut t = Table::new(&["co-author", "joint papers", "last"]).right_align(&[1, 2]);
        for c in &p.coauthors {
            t.row(vec![
                c.name.clone(),
                c.joint_papers.to_string(),
                c.last_year.map_or("-".into(), |y| y.to_string()),
            ]);
        }
        for line in t.render().lines() {
            println!("  {line}");
        }
    }
    if !p.venues.is_empty() {
        let v: Vec<String> = p
            .venues
            .iter()
            .take(10)
            .map(|(v, n)| format!("{} {n}", v.to_uppercase()))
            .collect();
        println!("\nVenues: {}", v.join(" · "));
    }
    println!("\nPapers (most recent first):");
    for paper in p.papers.iter().take(max_papers) {
        println!(
            "  {}  {}  {}  (author {}/{}{}{}){}",
            paper.year.map_or("----".into(), |y| y.to_string()),
            paper.venue.as_deref().unwrap_or("-").to_uppercase(),
            shorten(&paper.title, 80),
            paper.position + 1,
            paper.n_authors,
            paper
                .citations
                .map_or(String::new(), |c| format!(", {c} citations")),
            paper
                .status
                .as_deref()
                .map_or(String::new(), |s| format!(", {s}")),
            if paper.not_accepted {
                " — not accepted: not counted in scores"
            } else {
                ""
            }
        );
    }
    if p.papers.len() > max_papers {
        println!(
            "  … {} more (use --papers N or --format json)",
            p.papers.len() - max_papers
        );
    }
}
