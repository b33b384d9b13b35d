//! The distributed job's commands (`spark/identity_job.py`, docs/scale.md): `scout
//! identity-part` resolves the components piped through it by a Spark task (Arrow IPC in,
//! Arrow IPC out), `scout timeline-part` computes the timelines and moves of the researchers
//! piped through it, and `scout import-derived DIR` rebuilds the derived tables from the job's
//! clustering, co-author edges, timelines and moves instead of computing them itself.

use std::io::{BufReader, BufWriter};
use std::path::PathBuf;

use anyhow::Context as _;
use scout_corpus::derive::JobOutput;
use scout_corpus::identity::partition::assemble;
use scout_parquet::identity_job::{read_manifest, read_outcome, resolve_stream};
use scout_parquet::job_edges::{edge_files, read_edges};
use scout_parquet::job_timelines::{read_timelines, timeline_files, timeline_stream};

use super::Context;

#[derive(clap::Args)]
pub struct PartArgs {}

/// `scout identity-part`: stdin → stdout, statistics on stderr (with `-v`).
pub fn part(_ctx: &Context, _args: PartArgs) -> anyhow::Result<u8> {
    let input = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
    let output = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let stats = resolve_stream(input, output).context("resolving identity components")?;
    tracing::info!(
        components = stats.components,
        rows = stats.rows,
        own_mentions = stats.own_mentions,
        links = stats.links,
        "identity-part: done"
    );
    Ok(0)
}

#[derive(clap::Args)]
pub struct TimelinePartArgs {}

/// `scout timeline-part`: stdin → stdout, statistics on stderr (with `-v`).
pub fn timeline_part(_ctx: &Context, _args: TimelinePartArgs) -> anyhow::Result<u8> {
    let input = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
    let output = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let stats = timeline_stream(input, output).context("computing timelines and moves")?;
    tracing::info!(
        researchers = stats.researchers,
        rows = stats.rows,
        moves = stats.moves,
        "timeline-part: done"
    );
    Ok(0)
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The job's output: `identity_input.json`, `identity/`, `coauthor_edges/` and `timelines/`
    dir: PathBuf,
}

/// `scout import-derived DIR`.
pub fn import(ctx: &Context, args: ImportArgs) -> anyhow::Result<u8> {
    // No refresh first: this is the rebuild.
    let mut corpus = ctx.open_as_is()?;
    let manifest = read_manifest(&args.dir)?;
    let generation = scout_corpus::derive::corpus_generation(corpus.conn())?;
    if manifest.corpus_generation != generation {
        anyhow::bail!(
            "{} was exported at corpus generation {}, and the corpus is at {} now (data was ingested since): export again and rerun the job",
            args.dir.display(),
            manifest.corpus_generation,
            generation
        );
    }
    let outcome = read_outcome(&args.dir.join("identity"))?;
    let edges = edge_files(&args.dir.join("coauthor_edges"))?;
    let read_edges =
        || read_edges(&edges).map_err(|e| scout_corpus::CorpusError::Invalid(e.to_string()));
    let timelines = timeline_files(&args.dir.join("timelines"))?;
    let read_timelines = || {
        read_timelines(&timelines).map_err(|e| scout_corpus::CorpusError::Invalid(e.to_string()))
    };
    let mentions = manifest.mentions;
    let as_of = manifest.as_of;
    let resolver = |data: &scout_corpus::identity::MentionData| {
        if data.mentions.len() as u64 != mentions || data.latest_year() != as_of {
            return Err(scout_corpus::CorpusError::Invalid(format!(
                "the export holds {mentions} mentions as of {as_of}, and the corpus {} as of {}",
                data.mentions.len(),
                data.latest_year()
            )));
        }
        assemble(data, std::slice::from_ref(&outcome))
    };
    let report = corpus.rebuild_with_clustering(JobOutput {
        resolver: &resolver,
        edges: Some(&read_edges),
        timelines: Some(&read_timelines),
    })?;
    super::print_refresh(ctx, &report)?;
    Ok(0)
}
