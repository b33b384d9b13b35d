//! The co-author edges the distributed job aggregates (`spark/identity_job.py`, issue 17), read
//! back for `scout import-derived`: one row per pair of researchers, each named by the root
//! mention of their cluster, with the joint papers, the weight and the first and last year.

use std::fs::File;
use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use scout_corpus::network::MentionEdge;

use crate::error::{ExportError, Result};
use crate::identity_job::{collect_parquet, column, int_at};

/// Columns of the job's `coauthor_edges` output: `a`, `b` (mention ordinals), `papers`,
/// `first_year` and `last_year` Int64 (0: no year known), `weight` Float64.
pub const EDGE_COLUMNS: &[&str] = &["a", "b", "papers", "weight", "first_year", "last_year"];

/// Reads every `*.parquet` file under `dir` (the job's `coauthor_edges/` folder).
pub fn read_edges(dir: &Path) -> Result<Vec<MentionEdge>> {
    let mut files = Vec::new();
    collect_parquet(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(ExportError::Invalid(format!(
            "{}: no Parquet files (the job's co-author edges)",
            dir.display()
        )));
    }
    let mut edges = Vec::new();
    for path in files {
        let file = File::open(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        let bad = |what: String| ExportError::Invalid(format!("{}: {what}", path.display()));
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
            let batch = batch?;
            let cols = EDGE_COLUMNS
                .iter()
                .map(|c| column(&batch, c).map_err(|e| bad(e.to_string())))
                .collect::<Result<Vec<_>>>()?;
            let weights = cols[3]
                .as_primitive_opt::<Float64Type>()
                .ok_or_else(|| bad(format!("weight is {}, not Float64", cols[3].data_type())))?;
            for i in 0..batch.num_rows() {
                let int =
                    |k: usize| int_at(cols[k], EDGE_COLUMNS[k], i).map_err(|e| bad(e.to_string()));
                let ordinal = |k: usize| {
                    int(k).and_then(|v| {
                        u64::try_from(v)
                            .map_err(|_| bad(format!("{} is {v} in row {i}", EDGE_COLUMNS[k])))
                    })
                };
                let small = |k: usize| -> Result<i32> {
                    let v = int(k)?;
                    i32::try_from(v)
                        .map_err(|_| bad(format!("{} is {v} in row {i}", EDGE_COLUMNS[k])))
                };
                if weights.is_null(i) {
                    return Err(bad(format!("weight is null in row {i}")));
                }
                let weight = weights.value(i);
                let papers = u32::try_from(int(2)?)
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or_else(|| bad(format!("papers is not a positive count in row {i}")))?;
                if !(weight.is_finite() && weight > 0.0) {
                    return Err(bad(format!("weight {weight} in row {i}")));
                }
                edges.push(MentionEdge {
                    a: ordinal(0)?,
                    b: ordinal(1)?,
                    papers,
                    weight,
                    first_year: small(4)?,
                    last_year: small(5)?,
                });
            }
        }
    }
    Ok(edges)
}
