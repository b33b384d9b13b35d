//! One module per subcommand.

pub mod affinity;
pub mod arena;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod community;
pub mod demo;
pub mod eval;
pub mod eval_awards;
pub mod eval_facts;
pub mod eval_retrieval;
pub mod export;
pub mod fetch;
pub mod flows;
pub mod identity_job;
pub mod ingest;
pub mod keys;
pub mod list;
pub mod orgs;
pub mod overrides;
pub mod path;
pub mod pipeline;
pub mod radius;
mod refresh_report;
pub mod serve;
pub mod show;
pub mod synth;
pub mod user;
pub mod watch;
pub mod why_same;

use std::path::PathBuf;

use anyhow::Context as _;
use scout_corpus::Corpus;

use crate::output::{self, Format, Table};

/// Settings every command receives.
pub struct Context {
    pub db: PathBuf,
    pub format: Format,
}

impl Context {
    pub fn open(&self) -> anyhow::Result<Corpus> {
        Corpus::open(&self.db).with_context(|| format!("opening corpus {}", self.db.display()))
    }

    /// Opens the corpus for reading; refuses a database that was never filled.
    pub fn open_existing(&self) -> anyhow::Result<Corpus> {
        let mut corpus = self.open_as_is()?;
        if corpus.is_stale()? {
            eprintln!(
                "note: the corpus changed since it was last indexed; updating identity and index…"
            );
            corpus.refresh(false)?;
        }
        Ok(corpus)
    }

    /// Opens a filled corpus without bringing derived data up to date: for commands that read
    /// only the source tables or rebuild derived data themselves.
    pub fn open_as_is(&self) -> anyhow::Result<Corpus> {
        if !self.db.exists() {
            anyhow::bail!(
                "no corpus at {} — run `scout ingest PATH…` first (or pass --db)",
                self.db.display()
            );
        }
        Corpus::open_existing(&self.db)
            .with_context(|| format!("opening corpus {}", self.db.display()))
    }
}

/// `scout refresh`
pub fn refresh(ctx: &Context, rebuild: bool) -> anyhow::Result<u8> {
    if !ctx.db.exists() {
        anyhow::bail!("no corpus at {}", ctx.db.display());
    }
    let mut corpus = Corpus::open_existing(&ctx.db)
        .with_context(|| format!("opening corpus {}", ctx.db.display()))?;
    let report = corpus.refresh(rebuild)?;
    print_refresh(ctx, &report)?;
    Ok(0)
}

/// Prints what a refresh did (a table of lines, or JSON).
pub fn print_refresh(ctx: &Context, report: &scout_corpus::RefreshReport) -> anyhow::Result<()> {
    if ctx.format == Format::Json {
        output::json(report)?;
    } else {
        match &report.identity {
            Some(id) => {
                println!(
                    "identity: {} mentions → {} researchers in {:.2} s",
                    id.mentions, id.researchers, report.identity_seconds
                );
                if id.keys_merged + id.keys_split + id.keys_retired > 0 {
                    println!(
                        "researcher keys: {} merged into another, {} split, {} retired (scout keys changes)",
                        id.keys_merged, id.keys_split, id.keys_retired
                    );
                }
            }
            None if report.incremental.is_some() => {}
            None => println!("identity: up to date"),
        }
        refresh_report::print_incremental(report);
        match &report.index {
            Some(ix) => println!(
                "index: {} documents written in {:.2} s",
                ix.documents_written, ix.seconds
            ),
            None => println!("index: up to date"),
        }
    }
    Ok(())
}

/// `scout status`
pub fn status(ctx: &Context) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let counts = corpus.counts()?;
    let latest = corpus.latest_year()?;
    if ctx.format == Format::Json {
        output::json(&serde_json::json!({
            "db": corpus.path(), "index": corpus.index_dir(), "counts": counts, "latest_year": latest,
        }))?;
        return Ok(0);
    }
    let mut t = Table::new(&["what", "count"]).right_align(&[1]);
    for (k, v) in [
        ("works", counts.works),
        ("authorships", counts.authorships),
        ("abstracts", counts.abstracts),
        ("researchers", counts.researchers),
        ("OpenAlex authors", counts.openalex_authors),
        ("institutions", counts.institutions),
    ] {
        t.row(vec![k.to_string(), v.to_string()]);
    }
    println!(
        "corpus {}  (latest year {})",
        corpus.path().display(),
        latest.map_or("-".into(), |y| y.to_string())
    );
    print!("{}", t.render());
    Ok(0)
}
