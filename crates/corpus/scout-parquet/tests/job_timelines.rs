//! Timelines and moves through the job's Rust side on real records (`data/demo`): researchers'
//! mentions piped through `timeline_stream` as Arrow IPC (what a Spark task does), the output
//! stored as Parquet and read back by `read_timelines`, give every researcher the timeline and
//! moves the refresh computes; input the job must refuse is refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ArrowWriter;
use scout_corpus::identity::{OrgTable, ResolveConfig, load, resolve};
use scout_corpus::network::researcher_timeline;
use scout_corpus::timeline_part::{TimelineRow, rows_from, timelines_of_researchers};
use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_parquet::job_timelines::{read_timelines, timeline_files, timeline_stream};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn demo_corpus(dir: &Path) -> Result<Corpus> {
    let papers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo/paperlists/papers");
    let files: Vec<PathBuf> = ["iclr.jsonl.gz", "nips.jsonl.gz"]
        .iter()
        .map(|f| papers.join(f))
        .collect();
    let mut corpus = Corpus::open(&dir.join("c.sqlite"))?;
    corpus.ingest(
        &files,
        &IngestOptions::new(dir.join("rejects.jsonl")),
        &Progress::default(),
    )?;
    Ok(corpus)
}

fn texts(rows: &[TimelineRow], of: impl Fn(&TimelineRow) -> Vec<String>) -> ArrayRef {
    let mut list = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for v in of(r) {
            list.values().append_value(v);
        }
        list.append(true);
    }
    Arc::new(list.finish())
}

/// The job's input as one Arrow batch, rows grouped by researcher.
fn input_batch(rows: &[TimelineRow], year_column: &str) -> Result<RecordBatch> {
    let ints = |of: &dyn Fn(&TimelineRow) -> i64| -> ArrayRef {
        let mut b = Int64Builder::new();
        for r in rows {
            b.append_value(of(r));
        }
        Arc::new(b.finish())
    };
    Ok(RecordBatch::try_from_iter(vec![
        ("researcher", ints(&|r| r.researcher as i64)),
        ("mention", ints(&|r| r.ordinal as i64)),
        ("work_id", ints(&|r| r.work)),
        (year_column, ints(&|r| i64::from(r.year))),
        (
            "named_keys",
            texts(rows, |r| r.named.iter().map(|n| n.0.clone()).collect()),
        ),
        (
            "named_domains",
            texts(rows, |r| r.named.iter().map(|n| n.1.clone()).collect()),
        ),
        ("paper_orgs", texts(rows, |r| r.paper_orgs.clone())),
    ])?)
}

fn ipc(batch: &RecordBatch) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema())?;
    writer.write(batch)?;
    writer.finish()?;
    drop(writer);
    Ok(bytes)
}

#[test]
fn piped_researchers_get_the_refresh_timelines() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let corpus = demo_corpus(dir.path())?;
    let data = load(corpus.conn())?;
    let clustering = resolve(&data, &ResolveConfig::default());
    let mut rows = rows_from(&data, &clustering.root);
    rows.sort_by_key(|r| (r.researcher, r.ordinal));

    // Two Spark tasks: each a stream through `scout timeline-part`, written as Parquet.
    let out = dir.path().join("timelines");
    std::fs::create_dir_all(&out)?;
    let half = rows
        .iter()
        .position(|r| r.researcher >= rows[rows.len() / 2].researcher)
        .unwrap_or(0);
    let mut moves = 0;
    for (k, part) in [&rows[..half], &rows[half..]].into_iter().enumerate() {
        let mut piped = Vec::new();
        let stats = timeline_stream(ipc(&input_batch(part, "year")?)?.as_slice(), &mut piped)?;
        moves += stats.moves;
        let reader = arrow_ipc::reader::StreamReader::try_new(piped.as_slice(), None)?;
        let mut writer: Option<ArrowWriter<std::fs::File>> = None;
        for batch in reader {
            let batch = batch?;
            let w = match writer.as_mut() {
                Some(w) => w,
                None => writer.insert(ArrowWriter::try_new(
                    std::fs::File::create(out.join(format!("part-{k}.parquet")))?,
                    batch.schema(),
                    None,
                )?),
            };
            w.write(&batch)?;
        }
        if let Some(w) = writer {
            w.close()?;
        }
    }
    assert!(moves > 20, "{moves} moves");

    // Read back and mapped onto the rebuild's organisation ids and researcher numbering.
    let given = read_timelines(&timeline_files(&out)?)?;
    let mut roots = clustering.root.clone();
    roots.sort_unstable();
    roots.dedup();
    let rid_of: Vec<u32> = clustering
        .root
        .iter()
        .map(|r| roots.binary_search(r).map_or(0, |i| i as u32 + 1))
        .collect();
    let orgs = OrgTable::from_data(&data);
    let mapped = timelines_of_researchers(given, &rid_of, roots.len(), &orgs)?;
    let mut mentions_of: Vec<Vec<u32>> = vec![Vec::new(); roots.len()];
    for (m, &r) in rid_of.iter().enumerate() {
        mentions_of[r as usize - 1].push(m as u32);
    }
    for (r, ms) in mentions_of.iter().enumerate() {
        let whole = researcher_timeline(&data, ms, |o| o + 1);
        assert_eq!(whole.cells, mapped[r].cells, "researcher {}", r + 1);
        assert_eq!(whole.moves, mapped[r].moves, "researcher {}", r + 1);
    }

    // Refused: a missing column, and organisations without their domains.
    let mut piped = Vec::new();
    let err = timeline_stream(
        ipc(&input_batch(&rows[..10], "published")?)?.as_slice(),
        &mut piped,
    )
    .err()
    .ok_or("a missing column was accepted")?;
    assert!(err.to_string().contains("\"year\""), "{err}");
    let mut broken = rows[..10].to_vec();
    broken[3].named.push(("extra".into(), String::new()));
    let keys = input_batch(&broken, "year")?;
    let domains = input_batch(&rows[..10], "year")?;
    let mixed = RecordBatch::try_new(
        keys.schema(),
        keys.columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 {
                    domains.column(5).clone()
                } else {
                    c.clone()
                }
            })
            .collect(),
    )?;
    let mut piped = Vec::new();
    let err = timeline_stream(ipc(&mixed)?.as_slice(), &mut piped)
        .err()
        .ok_or("organisations without domains were accepted")?;
    assert!(err.to_string().contains("domains"), "{err}");
    Ok(())
}
