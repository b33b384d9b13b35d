//! The co-author edges the distributed job aggregates (`spark/identity_job.py`, issue 17), read
//! back for `scout import-derived`: one row per pair of researchers, each named by the root
//! mention of their cluster, with the joint papers, the weight and the first and last year.

use std::path::{Path, PathBuf};

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use scout_corpus::network::MentionEdge;

use crate::error::Result;
use crate::identity_job::{column, for_each_batch, int_at, parquet_files};

/// Columns of the job's `coauthor_edges` output: `a`, `b` (mention ordinals), `papers`,
/// `first_year` and `last_year` Int64 (0: no year known), `weight` Float64.
pub const EDGE_COLUMNS: &[&str] = &["a", "b", "papers", "weight", "first_year", "last_year"];

/// The `*.parquet` files under `dir` (the job's `coauthor_edges/` folder), sorted; none is an
/// error.
pub fn edge_files(dir: &Path) -> Result<Vec<PathBuf>> {
    parquet_files(dir, "the job's co-author edges")
}

/// Reads the edges in `files` ([`edge_files`]).
pub fn read_edges(files: &[PathBuf]) -> Result<Vec<MentionEdge>> {
    let mut edges = Vec::new();
    for_each_batch(files, |batch, bad| {
        let cols = EDGE_COLUMNS
            .iter()
            .map(|c| column(batch, c).map_err(|e| bad(e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        let weights = cols[3]
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| bad(format!("weight is {}, not Float64", cols[3].data_type())))?;
        for i in 0..batch.num_rows() {
            let int =
                |k: usize| int_at(cols[k], EDGE_COLUMNS[k], i).map_err(|e| bad(e.to_string()));
            let ordinal = |k: usize| {
                int(k).and_then(|v| {
                    u32::try_from(v)
                        .map_err(|_| bad(format!("{} is {v} in row {i}", EDGE_COLUMNS[k])))
                })
            };
            let small = |k: usize| -> Result<i32> {
                let v = int(k)?;
                i32::try_from(v).map_err(|_| bad(format!("{} is {v} in row {i}", EDGE_COLUMNS[k])))
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
        Ok(())
    })?;
    Ok(edges)
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
    use parquet::arrow::ArrowWriter;

    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    /// One Parquet file of edges, as the job writes them (Spark's `long` and `double`).
    fn write(dir: &Path, name: &str, columns: Vec<(&str, ArrayRef)>) -> TestResult {
        let batch = RecordBatch::try_from_iter(columns)?;
        let file = File::create(dir.join(name))?;
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None)?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(())
    }

    fn ints(values: &[i64]) -> ArrayRef {
        Arc::new(Int64Array::from(values.to_vec()))
    }

    fn edges(a: &[i64], weight: &[f64]) -> Vec<(&'static str, ArrayRef)> {
        vec![
            ("a", ints(a)),
            ("b", ints(&[7, 9])),
            ("papers", ints(&[1, 3])),
            ("weight", Arc::new(Float64Array::from(weight.to_vec()))),
            ("first_year", ints(&[0, 2019])),
            ("last_year", ints(&[0, 2024])),
        ]
    }

    #[test]
    fn edges_are_read_from_every_file_and_bad_rows_are_refused() -> TestResult {
        let dir = tempfile::tempdir()?;
        assert!(edge_files(dir.path()).is_err(), "no files is an error");
        write(dir.path(), "part-0.parquet", edges(&[1, 2], &[0.25, 1.5]))?;
        std::fs::create_dir(dir.path().join("more"))?;
        write(
            &dir.path().join("more"),
            "part-1.parquet",
            edges(&[3, 4], &[0.5, 0.125]),
        )?;
        let mut read = read_edges(&edge_files(dir.path())?)?;
        assert_eq!(read.len(), 4);
        read.sort_by_key(|e| e.a);
        assert_eq!(
            read[1],
            MentionEdge {
                a: 2,
                b: 9,
                papers: 3,
                weight: 1.5,
                first_year: 2019,
                last_year: 2024,
            }
        );
        assert_eq!(read[3].a, 4);

        let refused = |columns: Vec<(&'static str, ArrayRef)>| -> String {
            let bad = match tempfile::tempdir() {
                Ok(bad) => bad,
                Err(e) => return e.to_string(),
            };
            if let Err(e) = write(bad.path(), "part-0.parquet", columns) {
                return e.to_string();
            }
            match edge_files(bad.path()).and_then(|files| read_edges(&files)) {
                Ok(edges) => format!("accepted {edges:?}"),
                Err(e) => e.to_string(),
            }
        };
        let err = refused(edges(&[-1, 2], &[0.25, 1.5]));
        assert!(err.contains("a is -1 in row 0"), "{err}");
        let err = refused(edges(&[1, 2], &[0.25, 0.0]));
        assert!(err.contains("weight 0 in row 1"), "{err}");
        let err = refused(edges(&[1, 2], &[f64::NAN, 1.0]));
        assert!(err.contains("weight NaN in row 0"), "{err}");
        let mut no_papers = edges(&[1, 2], &[0.25, 1.5]);
        no_papers.remove(2);
        let err = refused(no_papers);
        assert!(err.contains("no column \"papers\""), "{err}");
        let mut float_ids = edges(&[1, 2], &[0.25, 1.5]);
        float_ids[0].1 = Arc::new(Float64Array::from(vec![1.0, 2.0]));
        let err = refused(float_ids);
        assert!(err.contains("not Int64"), "{err}");
        Ok(())
    }
}
