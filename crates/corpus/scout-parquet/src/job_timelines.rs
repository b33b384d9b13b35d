//! Affiliation timelines and moves in the distributed job (`spark/identity_job.py`, issue 17):
//! [`timeline_stream`] is `scout timeline-part`, which the job pipes each Spark partition of
//! researchers' mentions through (Arrow IPC in, [`TIMELINE_INPUT`]; Arrow IPC out, the rows of
//! [`TIMELINE_OUTPUT`]), computed by `scout_corpus::timeline_part`, the refresh's own rules;
//! [`read_timelines`] reads the job's Parquet output back for `scout import-derived`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use scout_corpus::timeline_part::{GivenMove, GivenTimeline, TimelineRow, timelines_of_part};
use serde::Serialize;
use std::collections::HashMap;

use crate::error::{ExportError, Result};
use crate::identity_job::{column, for_each_batch, int_at, list_at, parquet_files, str_at};

/// Columns `scout timeline-part` reads, rows grouped by researcher: the researcher (the
/// ordinal of their representative mention), the mention's ordinal, work and year (0:
/// unknown), the researcher's own named organisations on it (`named_keys`, with
/// `named_domains` beside them, "" for no domain) and every organisation named on the paper.
pub const TIMELINE_INPUT: [&str; 7] = [
    "researcher",
    "mention",
    "work_id",
    "year",
    "named_keys",
    "named_domains",
    "paper_orgs",
];

/// Columns of the output: `kind` "cell" (org, year, a = papers, b = first work, c = last work)
/// or "move" (org → org2, year, a = the last work at org, b = its year, c = the first work at
/// org2, d = its year).
pub const TIMELINE_OUTPUT: [&str; 9] = [
    "kind",
    "researcher",
    "org",
    "org2",
    "year",
    "a",
    "b",
    "c",
    "d",
];

fn output_schema() -> SchemaRef {
    let text = |n: &str, null| Field::new(n, DataType::Utf8, null);
    let int = |n: &str, null| Field::new(n, DataType::Int64, null);
    Arc::new(Schema::new(vec![
        text("kind", false),
        int("researcher", false),
        text("org", false),
        text("org2", true),
        int("year", false),
        int("a", false),
        int("b", false),
        int("c", false),
        int("d", true),
    ]))
}

/// What [`timeline_stream`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TimelineStats {
    pub researchers: u64,
    pub rows: u64,
    pub moves: u64,
}

/// Reads researcher-grouped rows from `input`, computes each researcher's timeline and moves,
/// and writes them to `output`.
pub fn timeline_stream(input: impl Read, output: impl Write) -> Result<TimelineStats> {
    let reader = arrow_ipc::reader::StreamReader::try_new(input, None)?;
    let schema = output_schema();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(output, &schema)?;
    let mut stats = TimelineStats::default();
    let mut rows: Vec<TimelineRow> = Vec::new();
    let mut out = Output::default();
    for batch in reader {
        let batch = batch?;
        let cols = TIMELINE_INPUT.map(|c| column(&batch, c));
        let [researcher, mention, work, year, keys, domains, paper] = cols;
        let (researcher, mention, work, year) = (researcher?, mention?, work?, year?);
        let (keys, domains, paper) = (keys?, domains?, paper?);
        for i in 0..batch.num_rows() {
            let r = unsigned(int_at(researcher, "researcher", i)?, "researcher", i)?;
            if rows.last().is_some_and(|last| last.researcher != r) {
                out.push(&rows, &mut stats)?;
                rows.clear();
                if out.rows >= 16 * 1024 {
                    writer.write(&out.finish(&schema)?)?;
                }
            }
            let named_keys = list_at(keys, i)?;
            let named_domains = list_at(domains, i)?;
            if named_keys.len() != named_domains.len() {
                return Err(ExportError::Invalid(format!(
                    "row {i}: {} organisations and {} domains",
                    named_keys.len(),
                    named_domains.len()
                )));
            }
            rows.push(TimelineRow {
                researcher: r,
                ordinal: unsigned(int_at(mention, "mention", i)?, "mention", i)?,
                work: int_at(work, "work_id", i)?,
                year: i32::try_from(int_at(year, "year", i)?)
                    .map_err(|_| ExportError::Invalid(format!("year out of range in row {i}")))?,
                named: named_keys.into_iter().zip(named_domains).collect(),
                paper_orgs: list_at(paper, i)?,
            });
            stats.rows += 1;
        }
    }
    if !rows.is_empty() {
        out.push(&rows, &mut stats)?;
    }
    if out.rows > 0 {
        writer.write(&out.finish(&schema)?)?;
    }
    writer.finish()?;
    Ok(stats)
}

fn unsigned(v: i64, name: &str, i: usize) -> Result<u64> {
    u64::try_from(v).map_err(|_| ExportError::Invalid(format!("negative {name} in row {i}")))
}

/// Output rows being collected for one batch.
#[derive(Default)]
struct Output {
    kind: StringBuilder,
    researcher: Int64Builder,
    org: StringBuilder,
    org2: StringBuilder,
    year: Int64Builder,
    a: Int64Builder,
    b: Int64Builder,
    c: Int64Builder,
    d: Int64Builder,
    rows: usize,
}

impl Output {
    /// Computes the timelines of one researcher's rows and appends them.
    fn push(&mut self, rows: &[TimelineRow], stats: &mut TimelineStats) -> Result<()> {
        let timelines = timelines_of_part(rows).map_err(|e| ExportError::Invalid(e.to_string()))?;
        for t in timelines {
            stats.researchers += 1;
            let researcher = i64::try_from(t.researcher).unwrap_or(i64::MAX);
            for (org, year, papers, first, last) in &t.cells {
                self.kind.append_value("cell");
                self.researcher.append_value(researcher);
                self.org.append_value(org);
                self.org2.append_null();
                self.year.append_value(i64::from(*year));
                self.a.append_value(i64::from(*papers));
                self.b.append_value(*first);
                self.c.append_value(*last);
                self.d.append_null();
                self.rows += 1;
            }
            for m in &t.moves {
                stats.moves += 1;
                self.kind.append_value("move");
                self.researcher.append_value(researcher);
                self.org.append_value(&m.from);
                self.org2.append_value(&m.to);
                self.year.append_value(i64::from(m.year));
                self.a.append_value(m.from_last_work);
                self.b.append_value(i64::from(m.from_last_year));
                self.c.append_value(m.to_first_work);
                self.d.append_value(i64::from(m.to_first_year));
                self.rows += 1;
            }
        }
        Ok(())
    }

    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.kind.finish()),
            Arc::new(self.researcher.finish()),
            Arc::new(self.org.finish()),
            Arc::new(self.org2.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.a.finish()),
            Arc::new(self.b.finish()),
            Arc::new(self.c.finish()),
            Arc::new(self.d.finish()),
        ];
        self.rows = 0;
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

/// The `*.parquet` files under `dir` (the job's `timelines/` folder), sorted.
pub fn timeline_files(dir: &Path) -> Result<Vec<PathBuf>> {
    parquet_files(dir, "the job's timelines and moves")
}

/// Reads the timelines in `files` ([`timeline_files`]), one per researcher.
pub fn read_timelines(files: &[PathBuf]) -> Result<Vec<GivenTimeline>> {
    let mut by_researcher: HashMap<u64, GivenTimeline> = HashMap::default();
    for_each_batch(files, |batch, bad| {
        let cols = TIMELINE_OUTPUT
            .iter()
            .map(|c| column(batch, c).map_err(|e| bad(e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        for i in 0..batch.num_rows() {
            let int =
                |k: usize| int_at(cols[k], TIMELINE_OUTPUT[k], i).map_err(|e| bad(e.to_string()));
            let year = |k: usize| -> Result<i32> {
                let v = int(k)?;
                i32::try_from(v).map_err(|_| bad(format!("year {v} in row {i}")))
            };
            let text = |k: usize| -> Result<String> {
                str_at(cols[k], i)?
                    .ok_or_else(|| bad(format!("{} is null in row {i}", TIMELINE_OUTPUT[k])))
            };
            let researcher = u64::try_from(int(1)?)
                .map_err(|_| bad(format!("negative researcher in row {i}")))?;
            let t = by_researcher
                .entry(researcher)
                .or_insert_with(|| GivenTimeline {
                    researcher,
                    ..GivenTimeline::default()
                });
            match text(0)?.as_str() {
                "cell" => {
                    let papers = u32::try_from(int(5)?)
                        .ok()
                        .filter(|&p| p > 0)
                        .ok_or_else(|| bad(format!("papers is not a count in row {i}")))?;
                    t.cells.push((text(2)?, year(4)?, papers, int(6)?, int(7)?));
                }
                "move" => t.moves.push(GivenMove {
                    from: text(2)?,
                    to: text(3)?,
                    year: year(4)?,
                    from_last_work: int(5)?,
                    from_last_year: year(6)?,
                    to_first_work: int(7)?,
                    to_first_year: year(8)?,
                }),
                other => return Err(bad(format!("unknown kind {other:?} in row {i}"))),
            }
        }
        Ok(())
    })?;
    let mut out: Vec<GivenTimeline> = by_researcher.into_values().collect();
    out.sort_unstable_by_key(|t| t.researcher);
    Ok(out)
}
