//! The Rust side of the distributed identity job (`spark/identity_job.py`, issue 17):
//!
//! - [`export_mentions`] writes what identity reads, one row per author mention in the corpus's
//!   order (`mentions`: name, block, strong ids, named organisation keys) and one per
//!   affiliation (`mention_affiliations`: the string, its organisation key, ROR, country, type),
//!   plus `identity_input.json` naming the corpus state it came from;
//! - [`resolve_stream`] is `scout identity-part`: the job pipes each Spark partition through it
//!   as an Arrow IPC stream of [`PART_INPUT`] rows grouped by component, and reads back
//!   [`PART_OUTPUT`] rows (each mention's representative, the links, counts and block notes),
//!   resolved by `scout_corpus::identity::partition`, the one implementation of the rules;
//! - [`read_outcome`] reads the job's Parquet output back for `scout import-derived`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use scout_corpus::graph::{MAX_AUTHORS_FOR_EDGES, edge_tie};
use scout_corpus::identity::partition::{
    PartitionOutcome, PartitionRow, PortableEvidence, PortableLink, block_of, resolve_partition,
};
use scout_corpus::identity::{ID_KINDS, Rule};
use scout_corpus::rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{ExportError, Result};
use crate::progress::ExportProgress;
use crate::table::{Cell, Column, Kind, TableReport, TableWriter, col};

/// Columns of `mentions`: the corpus's mentions in the order identity loads them.
pub(crate) const MENTIONS: &[Column] = &[
    col("mention", Kind::Int),
    col("work_id", Kind::Int),
    col("position", Kind::Int32),
    col("year", Kind::Int32),
    col("name", Kind::Text),
    col("block", Kind::Text),
    col("openreview_id", Kind::Text),
    col("orcid", Kind::Text),
    col("openalex_id", Kind::Text),
    col("dblp_id", Kind::Text),
    col("org_keys", Kind::TextList),
];

/// Columns of `mention_affiliations`: every affiliation of every mention, resolved, with the
/// institutional e-mail domain given with it (`scout_corpus::mail_domains`; null: none).
pub(crate) const AFFILIATIONS: &[Column] = &[
    col("mention", Kind::Int),
    col("organisation", Kind::Text),
    col("org_key", Kind::Text),
    col("ror", Kind::Text),
    col("country", Kind::Text),
    col("org_type", Kind::Text),
    col("generic", Kind::Bool),
    col("weak", Kind::Bool),
    col("paper_level", Kind::Bool),
    col("domain", Kind::Text),
];

/// Columns of `paper_ties`: the weight a joint paper adds to a co-author edge
/// (`scout_corpus::graph::edge_tie`), for every author count that makes edges and every year of
/// the corpus (NULL: unknown), so that the job's edge aggregation computes no weight itself.
pub(crate) const PAPER_TIES: &[Column] = &[
    col("authors", Kind::Int32),
    col("year", Kind::Int32),
    col("tie", Kind::Float),
];

/// What `identity_input.json` says about the export, checked again at import.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityInput {
    pub format: u32,
    /// `corpus_generation` of the store when exported: ingest moves it.
    pub corpus_generation: i64,
    pub mentions: u64,
    /// The corpus's latest year, the "as of" of `paper_ties`.
    pub as_of: i32,
}

/// 2: `paper_ties` and `as_of` (the job aggregates co-author edges); 3: each affiliation's
/// e-mail `domain` (the job computes timelines and moves).
pub const INPUT_FORMAT: u32 = 3;
pub const INPUT_MANIFEST: &str = "identity_input.json";

fn text(value: Option<&String>) -> Cell {
    value.map_or(Cell::Null, |v| Cell::Text(v.clone()))
}

/// Writes only the identity job's input into `dir` (created if needed), in one read
/// transaction; reads the source tables only, so derived data need not be current.
pub fn export_identity_input(conn: &Connection, dir: &Path) -> Result<Vec<TableReport>> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    crate::snapshot::in_read_snapshot(conn, || {
        export_mentions(conn, dir, &ExportProgress::default())
    })
}

/// Writes `mentions`, `mention_affiliations`, `paper_ties` and the manifest into `dir`,
/// streaming: the mentions are never all in memory (only the distinct organisations, countries
/// and years are).
pub(crate) fn export_mentions(
    conn: &Connection,
    dir: &Path,
    progress: &ExportProgress,
) -> Result<Vec<TableReport>> {
    progress.check()?;
    let mut mentions = TableWriter::new(dir, "mentions", MENTIONS);
    let mut affiliations = TableWriter::new(dir, "mention_affiliations", AFFILIATIONS);
    let mut ordinal: i64 = 0;
    let mut years: std::collections::BTreeSet<i32> = std::collections::BTreeSet::new();
    let mut failure: Option<ExportError> = None;
    let mut row: Vec<Cell> = Vec::with_capacity(MENTIONS.len());
    let scanned = scout_corpus::identity::for_each_mention(conn, |m, orgs| {
        let written = (|| -> Result<()> {
            if ordinal % 4096 == 0 {
                progress.check()?;
            }
            years.insert(m.year);
            row.clear();
            row.extend([
                Cell::Int(ordinal),
                Cell::Int(m.work),
                Cell::Int(m.position),
                if m.year == 0 {
                    Cell::Null
                } else {
                    Cell::Int(i64::from(m.year))
                },
                Cell::Text(m.name.to_string()),
                Cell::Text(block_of(m.name)),
            ]);
            for id in m.ids {
                row.push(id.map_or(Cell::Null, |v| Cell::Text(v.to_string())));
            }
            row.push(Cell::List(
                m.orgs
                    .iter()
                    .map(|&o| orgs.tokens[o as usize].clone())
                    .collect(),
            ));
            mentions.push("", &row)?;
            for aff in m.affs {
                let org = aff.org as usize;
                affiliations.push(
                    "",
                    &[
                        Cell::Int(ordinal),
                        text(orgs.names.get(org)),
                        text(orgs.tokens.get(org)),
                        text(orgs.rors.get(org).and_then(Option::as_ref)),
                        if aff.country == 0 {
                            Cell::Null
                        } else {
                            text(orgs.countries.get(aff.country as usize))
                        },
                        Cell::Text(aff.org_type.as_str().to_string()),
                        Cell::Int(i64::from(aff.generic)),
                        Cell::Int(i64::from(aff.weak)),
                        Cell::Int(i64::from(aff.paper_level)),
                        if aff.domain == 0 {
                            Cell::Null
                        } else {
                            text(orgs.domains.get(aff.domain as usize))
                        },
                    ],
                )?;
            }
            ordinal += 1;
            Ok(())
        })();
        // The corpus's error type carries no export error: keep it, stop the scan.
        written.map_err(|e| {
            let message = e.to_string();
            failure = Some(e);
            scout_corpus::CorpusError::Invalid(message)
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    scanned?;
    // The latest year of any mention, as `MentionData::latest_year` reads it at import.
    let as_of = years.last().copied().unwrap_or(0);
    let mut ties = TableWriter::new(dir, "paper_ties", PAPER_TIES);
    for authors in 1..=MAX_AUTHORS_FOR_EDGES {
        for &year in &years {
            ties.push(
                "",
                &[
                    Cell::Int(authors as i64),
                    if year == 0 {
                        Cell::Null
                    } else {
                        Cell::Int(i64::from(year))
                    },
                    Cell::Float(edge_tie(authors, year, as_of)),
                ],
            )?;
        }
    }
    let manifest = IdentityInput {
        format: INPUT_FORMAT,
        corpus_generation: scout_corpus::derive::corpus_generation(conn)?,
        mentions: u64::try_from(ordinal).unwrap_or(0),
        as_of,
    };
    let path = dir.join(INPUT_MANIFEST);
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| ExportError::Invalid(format!("{}: {e}", path.display())))?;
    std::fs::write(&path, json).map_err(|source| ExportError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(vec![
        mentions.finish()?,
        affiliations.finish()?,
        ties.finish()?,
    ])
}

/// Columns `scout identity-part` reads: the rows of one Spark partition, each component's rows
/// together (own mentions and their co-authors from other components as context). `component`
/// is text (the job names a component by its least block key), `mention` and `work_id` Int64,
/// `own` Boolean, the ids text and `org_keys` a list of text.
pub const PART_INPUT: &[&str] = &[
    "component",
    "mention",
    "work_id",
    "name",
    "own",
    "openreview_id",
    "orcid",
    "openalex_id",
    "dblp_id",
    "org_keys",
];

/// Columns `scout identity-part` writes: `kind` is `root` (a = mention, b = its cluster's
/// representative), `link` (a, b, rule, evidence, number = shared or max givens, text = the
/// example), `count` (text = counter, number), `common` (text = block), `capped` (text =
/// block, text2 = token, number = 1 for an organisation) or `cost` (text = component, a = its
/// own mentions, b = its rows with the co-author context, number = nanoseconds its resolution
/// took: what the job's per-component cost model is fitted on; `import-derived` skips it).
pub const PART_OUTPUT: &[&str] = &[
    "kind", "a", "b", "rule", "evidence", "number", "text", "text2",
];

fn output_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("kind", DataType::Utf8, true),
        Field::new("a", DataType::Int64, true),
        Field::new("b", DataType::Int64, true),
        Field::new("rule", DataType::Utf8, true),
        Field::new("evidence", DataType::Utf8, true),
        Field::new("number", DataType::Int64, true),
        Field::new("text", DataType::Utf8, true),
        Field::new("text2", DataType::Utf8, true),
    ]))
}

/// What [`resolve_stream`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartStats {
    pub components: u64,
    pub rows: u64,
    pub own_mentions: u64,
    pub links: u64,
}

pub(crate) fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| ExportError::Invalid(format!("input has no column {name:?}")))
}

pub(crate) fn int_at(array: &ArrayRef, name: &str, i: usize) -> Result<i64> {
    let values = array.as_primitive_opt::<Int64Type>().ok_or_else(|| {
        ExportError::Invalid(format!(
            "column {name:?} is {}, not Int64",
            array.data_type()
        ))
    })?;
    if values.is_null(i) {
        return Err(ExportError::Invalid(format!(
            "column {name:?} is null in row {i}"
        )));
    }
    Ok(values.value(i))
}

pub(crate) fn str_at(array: &ArrayRef, i: usize) -> Result<Option<String>> {
    if array.is_null(i) {
        return Ok(None);
    }
    match array.data_type() {
        DataType::Utf8 => Ok(Some(array.as_string::<i32>().value(i).to_string())),
        DataType::LargeUtf8 => Ok(Some(array.as_string::<i64>().value(i).to_string())),
        other => Err(ExportError::Invalid(format!(
            "a text column is {other}, not Utf8"
        ))),
    }
}

pub(crate) fn list_at(array: &ArrayRef, i: usize) -> Result<Vec<String>> {
    if array.is_null(i) {
        return Ok(Vec::new());
    }
    let values = match array.data_type() {
        DataType::List(_) => array.as_list::<i32>().value(i),
        DataType::LargeList(_) => array.as_list::<i64>().value(i),
        other => {
            return Err(ExportError::Invalid(format!(
                "org_keys is {other}, not a list of text"
            )));
        }
    };
    (0..values.len())
        .filter_map(|k| str_at(&values, k).transpose())
        .collect()
}

/// Reads component-grouped rows from `input` (an Arrow IPC stream), resolves each component
/// and writes the outcome to `output` (an Arrow IPC stream of [`PART_OUTPUT`]).
pub fn resolve_stream(input: impl Read, output: impl Write) -> Result<PartStats> {
    let reader = arrow_ipc::reader::StreamReader::try_new(input, None)?;
    let schema = output_schema();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(output, &schema)?;
    let mut stats = PartStats::default();
    let mut current: Option<String> = None;
    let mut rows: Vec<PartitionRow> = Vec::new();
    let mut out = OutputRows::default();
    for batch in reader {
        let batch = batch?;
        let [
            component,
            mention,
            work,
            name,
            own,
            openreview,
            orcid,
            openalex,
            dblp,
            orgs,
        ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(|k| column(&batch, PART_INPUT[k]));
        let (component, mention, work, name, own, orgs) =
            (component?, mention?, work?, name?, own?, orgs?);
        let ids = [openreview?, orcid?, openalex?, dblp?];
        let own: &BooleanArray = own.as_boolean_opt().ok_or_else(|| {
            ExportError::Invalid(format!(
                "column \"own\" is {}, not Boolean",
                own.data_type()
            ))
        })?;
        for i in 0..batch.num_rows() {
            let c = str_at(component, i)?.unwrap_or_default();
            if let Some(done) = current.as_ref().filter(|x| **x != c) {
                out.push_timed(done, &rows, &mut stats)?;
                rows.clear();
                if out.len() >= 16 * 1024 {
                    writer.write(&out.finish(&schema)?)?;
                }
            }
            current = Some(c);
            let is_own = own.is_valid(i) && own.value(i);
            rows.push(PartitionRow {
                ordinal: u64::try_from(int_at(mention, "mention", i)?)
                    .map_err(|_| ExportError::Invalid(format!("negative mention in row {i}")))?,
                work: int_at(work, "work_id", i)?,
                name: str_at(name, i)?.unwrap_or_default(),
                ids: [
                    str_at(ids[0], i)?,
                    str_at(ids[1], i)?,
                    str_at(ids[2], i)?,
                    str_at(ids[3], i)?,
                ],
                orgs: list_at(orgs, i)?,
                own: is_own,
            });
            stats.rows += 1;
            stats.own_mentions += u64::from(is_own);
        }
    }
    if let Some(done) = current.as_ref().filter(|_| !rows.is_empty()) {
        out.push_timed(done, &rows, &mut stats)?;
    }
    if out.len() > 0 {
        writer.write(&out.finish(&schema)?)?;
    }
    writer.finish()?;
    Ok(stats)
}

/// Output rows being collected for one batch.
#[derive(Default)]
struct OutputRows {
    kind: StringBuilder,
    a: Int64Builder,
    b: Int64Builder,
    rule: StringBuilder,
    evidence: StringBuilder,
    number: Int64Builder,
    text: StringBuilder,
    text2: StringBuilder,
    rows: usize,
}

fn ordinal(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl OutputRows {
    fn len(&self) -> usize {
        self.rows
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        kind: &str,
        a: Option<i64>,
        b: Option<i64>,
        rule: Option<&str>,
        evidence: Option<&str>,
        number: Option<i64>,
        text: Option<&str>,
        text2: Option<&str>,
    ) {
        self.kind.append_value(kind);
        self.a.append_option(a);
        self.b.append_option(b);
        self.rule.append_option(rule);
        self.evidence.append_option(evidence);
        self.number.append_option(number);
        self.text.append_option(text);
        self.text2.append_option(text2);
        self.rows += 1;
    }

    /// Resolves one component's rows and pushes the outcome, then the component's cost.
    fn push_timed(
        &mut self,
        component: &str,
        rows: &[PartitionRow],
        stats: &mut PartStats,
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let outcome = resolve_partition(rows)?;
        let nanos = i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX);
        self.push(outcome, stats);
        let own = rows.iter().filter(|r| r.own).count();
        self.row(
            "cost",
            Some(ordinal(own as u64)),
            Some(ordinal(rows.len() as u64)),
            None,
            None,
            Some(nanos),
            Some(component),
            None,
        );
        Ok(())
    }

    fn push(&mut self, outcome: PartitionOutcome, stats: &mut PartStats) {
        stats.components += 1;
        for (m, r) in outcome.roots {
            self.row(
                "root",
                Some(ordinal(m)),
                Some(ordinal(r)),
                None,
                None,
                None,
                None,
                None,
            );
        }
        for l in outcome.links {
            stats.links += 1;
            let (evidence, number, text) = match &l.evidence {
                PortableEvidence::Repeated { name } => ("repeated", None, Some(name.as_str())),
                PortableEvidence::Coauthors { shared, key } => {
                    ("coauthors", Some(i64::from(*shared)), key.as_deref())
                }
                PortableEvidence::Organisations { shared, token } => (
                    "organisations",
                    Some(i64::from(*shared)),
                    Some(token.as_str()),
                ),
                PortableEvidence::RareFullName { name, max_givens } => (
                    "rare-full-name",
                    Some(i64::from(*max_givens)),
                    Some(name.as_str()),
                ),
            };
            self.row(
                "link",
                Some(ordinal(l.a)),
                Some(ordinal(l.b)),
                Some(l.rule.as_str()),
                Some(evidence),
                number,
                text,
                None,
            );
        }
        let mut counts: Vec<(String, u64)> = vec![
            ("refused_conflicts".into(), outcome.refused_conflicts),
            ("namesakes_kept_apart".into(), outcome.namesakes_kept_apart),
        ];
        for (kind, name) in ID_KINDS.iter().enumerate() {
            counts.push((
                format!("strong_id_links:{name}"),
                outcome.strong_id_links[kind],
            ));
            counts.push((
                format!("inconsistent_ids:{name}"),
                outcome.inconsistent_ids[kind],
            ));
        }
        for (name, value) in counts {
            if value > 0 {
                self.row(
                    "count",
                    None,
                    None,
                    None,
                    None,
                    Some(ordinal(value)),
                    Some(&name),
                    None,
                );
            }
        }
        for block in &outcome.notes.common {
            self.row("common", None, None, None, None, None, Some(block), None);
        }
        for (block, is_org, token) in &outcome.notes.capped {
            self.row(
                "capped",
                None,
                None,
                None,
                None,
                Some(i64::from(*is_org)),
                Some(block),
                Some(token),
            );
        }
    }

    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(self.kind.finish()),
            Arc::new(self.a.finish()),
            Arc::new(self.b.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.evidence.finish()),
            Arc::new(self.number.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.text2.finish()),
        ];
        self.rows = 0;
        Ok(RecordBatch::try_new(Arc::clone(schema), arrays)?)
    }
}

fn rule_named(name: &str) -> Option<Rule> {
    [
        Rule::DuplicateOnPaper,
        Rule::SameOpenReviewId,
        Rule::SameOrcid,
        Rule::SameOpenAlexId,
        Rule::SameDblpId,
        Rule::NameAndCoauthor,
        Rule::NameAndOrganisation,
        Rule::RareFullName,
    ]
    .into_iter()
    .find(|r| r.as_str() == name)
}

/// Reads the job's output (every `*.parquet` file under `dir`, in [`PART_OUTPUT`] columns)
/// into one outcome, for `identity::partition::assemble`.
pub fn read_outcome(dir: &Path) -> Result<PartitionOutcome> {
    let files = parquet_files(dir, "the identity job's output")?;
    let mut outcome = PartitionOutcome::default();
    for_each_batch(&files, |batch, bad| {
        let cols: Vec<&ArrayRef> = PART_OUTPUT
            .iter()
            .map(|c| column(batch, c))
            .collect::<Result<_>>()?;
        let int = |k: usize, i: usize| -> Option<i64> {
            cols[k]
                .as_primitive_opt::<Int64Type>()
                .and_then(|a| a.is_valid(i).then(|| a.value(i)))
        };
        for i in 0..batch.num_rows() {
            let kind = str_at(cols[0], i)?.unwrap_or_default();
            let text = str_at(cols[6], i)?;
            let need = |v: Option<i64>, what: &str| {
                v.and_then(|v| u64::try_from(v).ok())
                    .ok_or_else(|| bad(format!("row {i} ({kind}) has no {what}")))
            };
            match kind.as_str() {
                "root" => outcome
                    .roots
                    .push((need(int(1, i), "a")?, need(int(2, i), "b")?)),
                "link" => {
                    let rule_text = str_at(cols[3], i)?.unwrap_or_default();
                    let rule = rule_named(&rule_text)
                        .ok_or_else(|| bad(format!("unknown rule {rule_text:?}")))?;
                    let number = int(5, i).unwrap_or(0);
                    let shared = u32::try_from(number).unwrap_or(u32::MAX);
                    let evidence = match str_at(cols[4], i)?.as_deref() {
                        Some("repeated") => PortableEvidence::Repeated {
                            name: text.clone().unwrap_or_default(),
                        },
                        Some("coauthors") => PortableEvidence::Coauthors {
                            shared,
                            key: text.clone(),
                        },
                        Some("organisations") => PortableEvidence::Organisations {
                            shared,
                            token: text.clone().unwrap_or_default(),
                        },
                        Some("rare-full-name") => PortableEvidence::RareFullName {
                            name: text.clone().unwrap_or_default(),
                            max_givens: shared,
                        },
                        other => return Err(bad(format!("unknown evidence {other:?}"))),
                    };
                    outcome.links.push(PortableLink {
                        a: need(int(1, i), "a")?,
                        b: need(int(2, i), "b")?,
                        rule,
                        evidence,
                    });
                }
                "count" => {
                    let value = need(int(5, i), "number")?;
                    let name = text.unwrap_or_default();
                    match name.split_once(':') {
                        None if name == "refused_conflicts" => outcome.refused_conflicts += value,
                        None if name == "namesakes_kept_apart" => {
                            outcome.namesakes_kept_apart += value
                        }
                        Some((counter, id_kind)) => {
                            let k = ID_KINDS
                                .iter()
                                .position(|x| *x == id_kind)
                                .ok_or_else(|| bad(format!("unknown id kind {id_kind:?}")))?;
                            match counter {
                                "strong_id_links" => outcome.strong_id_links[k] += value,
                                "inconsistent_ids" => outcome.inconsistent_ids[k] += value,
                                _ => return Err(bad(format!("unknown counter {name:?}"))),
                            }
                        }
                        None => return Err(bad(format!("unknown counter {name:?}"))),
                    }
                }
                "common" => outcome.notes.common.push(text.unwrap_or_default()),
                "capped" => outcome.notes.capped.push((
                    text.unwrap_or_default(),
                    int(5, i) == Some(1),
                    str_at(cols[7], i)?.unwrap_or_default(),
                )),
                // The job's measurement of itself, not part of the outcome.
                "cost" => {}
                other => return Err(bad(format!("unknown row kind {other:?}"))),
            }
        }
        Ok(())
    })?;
    Ok(outcome)
}

/// Calls `each` with every record batch of the Parquet `files` and a function that turns a
/// complaint into an error naming the file.
pub(crate) fn for_each_batch(
    files: &[PathBuf],
    mut each: impl FnMut(&RecordBatch, &dyn Fn(String) -> ExportError) -> Result<()>,
) -> Result<()> {
    for path in files {
        let file = File::open(path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        let bad = |what: String| ExportError::Invalid(format!("{}: {what}", path.display()));
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
            each(&batch?, &bad)?;
        }
    }
    Ok(())
}

/// Every `*.parquet` file under `dir` (a Spark output folder), sorted; none is an error naming
/// `what` the folder should hold.
pub(crate) fn parquet_files(dir: &Path, what: &str) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    collect_parquet(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(ExportError::Invalid(format!(
            "{}: no Parquet files ({what})",
            dir.display()
        )));
    }
    Ok(files)
}

fn collect_parquet(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| ExportError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_parquet(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "parquet") {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads and checks `identity_input.json` of an export.
pub fn read_manifest(dir: &Path) -> Result<IdentityInput> {
    let path = dir.join(INPUT_MANIFEST);
    let bytes = std::fs::read(&path).map_err(|source| ExportError::Io {
        path: path.clone(),
        source,
    })?;
    let manifest: IdentityInput = serde_json::from_slice(&bytes)
        .map_err(|e| ExportError::Invalid(format!("{}: {e}", path.display())))?;
    if manifest.format != INPUT_FORMAT {
        return Err(ExportError::Invalid(format!(
            "{}: format {} (this scout reads {INPUT_FORMAT})",
            path.display(),
            manifest.format
        )));
    }
    Ok(manifest)
}
