//! One Parquet file: its plan (footer, entity, projection, the type check, row-group
//! statistics) and the reading of its row groups into records and rejects.
//!
//! A plan is made once per file; its row groups can then be read independently (the ingest
//! pipeline hands them to different threads). Only the columns the entity needs are decoded;
//! with a year filter, row groups whose `publication_year` statistics rule every row out are
//! skipped without decoding anything.

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::{RecordBatch, RecordBatchReader};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::statistics::Statistics;
use scout_formats::openalex::{
    Entity, author_from_fields, entity_of, institution_from_fields, work_from_fields,
};
use scout_formats::{FileSummary, Format, Item, Limits, ParseFailure, Record, Reject, SliceFilter};

use crate::columns::{Strs, TypeError};
use crate::entities::{AuthorColumns, InstitutionColumns};
use crate::error::ParquetError;
use crate::schema::{leaf_count, leaves_under, needed_paths};
use crate::works::WorkColumns;

/// Rows per decoded batch: large enough to amortise per-batch work, small enough that a batch
/// of works with long author lists stays a few megabytes.
const BATCH_ROWS: usize = 2048;

/// What is known about one row group before reading it.
#[derive(Debug, Clone)]
struct RowGroupPlan {
    rows: u64,
    /// Rows of the file before this row group.
    first_row: u64,
    /// Bytes of the file this row group stands for (its column chunks; the footer is added to
    /// the first), so that progress over all row groups adds up to the file size.
    bytes: u64,
    /// `publication_year` min and max from the statistics, when written.
    years: Option<(i64, i64)>,
}

/// A Parquet file ready to be read.
pub struct FilePlan {
    path: PathBuf,
    size: u64,
    entity: Option<Entity>,
    metadata: ArrowReaderMetadata,
    mask: ProjectionMask,
    row_groups: Vec<RowGroupPlan>,
    filter: Option<SliceFilter>,
}

impl std::fmt::Debug for FilePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePlan")
            .field("path", &self.path)
            .field("entity", &self.entity)
            .field("row_groups", &self.row_groups.len())
            .finish_non_exhaustive()
    }
}

/// Outcome of reading part of a file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    pub file: FileSummary,
    /// Row groups skipped by their `publication_year` statistics.
    pub row_groups_skipped: u64,
}

impl FilePlan {
    /// Reads the footer, finds the entity from the first `id`, chooses the columns and checks
    /// their types. `filter` (works only) adds the columns it needs and enables skipping.
    pub fn open(path: &Path, filter: Option<&SliceFilter>) -> Result<FilePlan, ParquetError> {
        let file = File::open(path).map_err(|source| ParquetError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let size = file
            .metadata()
            .map_err(|source| ParquetError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        let metadata_error = |source| ParquetError::Metadata {
            path: path.to_path_buf(),
            source,
        };
        // Types from the Parquet schema alone (an embedded Arrow schema could add dictionary
        // or large variants; the values are the same).
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
        let metadata = guard(|| ArrowReaderMetadata::load(&file, options))
            .map_err(|message| metadata_error(parquet::errors::ParquetError::General(message)))?
            .map_err(metadata_error)?;
        let parquet_meta = Arc::clone(metadata.metadata());
        let mut row_groups = Vec::with_capacity(parquet_meta.num_row_groups());
        let year_column = parquet_meta
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .position(|c| c.path().parts() == ["publication_year"]);
        let mut first_row = 0u64;
        for rg in parquet_meta.row_groups() {
            let rows = u64::try_from(rg.num_rows()).unwrap_or(0);
            let bytes = u64::try_from(rg.compressed_size()).unwrap_or(0);
            let years = year_column
                .and_then(|c| rg.columns().get(c))
                .and_then(|c| c.statistics())
                .and_then(year_range);
            row_groups.push(RowGroupPlan {
                rows,
                first_row,
                bytes,
                years,
            });
            first_row += rows;
        }
        let chunk_bytes: u64 = row_groups.iter().map(|r| r.bytes).sum();
        if let Some(first) = row_groups.first_mut() {
            first.bytes += size.saturating_sub(chunk_bytes);
        }

        let mut plan = FilePlan {
            path: path.to_path_buf(),
            size,
            entity: None,
            mask: ProjectionMask::all(),
            metadata,
            row_groups,
            filter: filter.filter(|f| !f.is_empty()).cloned(),
        };
        if plan.row_groups.iter().all(|r| r.rows == 0) {
            return Ok(plan);
        }
        let entity = plan.detect_entity(&file)?;
        if entity != Entity::Work {
            plan.filter = None;
        }
        plan.entity = Some(entity);
        let schema = plan.metadata.schema();
        let descr = plan.metadata.metadata().file_metadata().schema_descr_ptr();
        if leaf_count(schema) == descr.num_columns() {
            let paths = needed_paths(entity, plan.filter.as_ref());
            plan.mask = ProjectionMask::leaves(&descr, leaves_under(schema, &paths));
        }
        plan.check_types(file)?;
        Ok(plan)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The record format, or `None` for a file without rows.
    pub fn format(&self) -> Option<Format> {
        self.entity.map(|e| match e {
            Entity::Work => Format::OpenAlexWorks,
            Entity::Author => Format::OpenAlexAuthors,
            Entity::Institution => Format::OpenAlexInstitutions,
        })
    }

    pub fn row_groups(&self) -> usize {
        self.row_groups.len()
    }

    /// Bytes of the file row group `i` stands for (for ordering work and for progress).
    pub fn row_group_bytes(&self, i: usize) -> u64 {
        self.row_groups.get(i).map_or(0, |r| r.bytes)
    }

    fn detect_entity(&self, file: &File) -> Result<Entity, ParquetError> {
        let not_openalex = |detail: String| ParquetError::NotOpenAlex {
            path: self.path.clone(),
            detail,
        };
        let descr = self.metadata.metadata().file_metadata().schema_descr_ptr();
        let Some(id_leaf) = descr
            .columns()
            .iter()
            .position(|c| c.path().parts() == ["id"])
        else {
            let names: Vec<String> = self
                .metadata
                .schema()
                .fields()
                .iter()
                .take(8)
                .map(|f| f.name().clone())
                .collect();
            return Err(not_openalex(format!(
                "no `id` column; columns: {}",
                names.join(", ")
            )));
        };
        for (index, rg) in self.row_groups.iter().enumerate() {
            if rg.rows == 0 {
                continue;
            }
            let file = file.try_clone().map_err(|source| ParquetError::Io {
                path: self.path.clone(),
                source,
            })?;
            let row_group_error = |source| ParquetError::RowGroup {
                path: self.path.clone(),
                row_group: index,
                source,
            };
            let found = guard(|| -> Result<Option<String>, ParquetError> {
                let reader =
                    ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                        .with_projection(ProjectionMask::leaves(&descr, [id_leaf]))
                        .with_row_groups(vec![index])
                        .with_batch_size(256)
                        .build()
                        .map_err(row_group_error)?;
                for batch in reader {
                    let batch = batch.map_err(|e| row_group_error(e.into()))?;
                    let ids = Strs::new(batch.column_by_name("id"), "id")
                        .map_err(|e| self.type_error(e))?;
                    for row in 0..batch.num_rows() {
                        if let Ok(Some(id)) = ids.get(row) {
                            return Ok(Some(id.to_string()));
                        }
                    }
                }
                Ok(None)
            })
            .map_err(|message| {
                row_group_error(parquet::errors::ParquetError::General(message))
            })??;
            if let Some(id) = found {
                return entity_of(&id).ok_or_else(|| {
                    not_openalex(format!(
                        "the first id, `{id}`, is not an OpenAlex work, author or institution id"
                    ))
                });
            }
        }
        Err(not_openalex("every `id` is null".into()))
    }

    fn type_error(&self, e: TypeError) -> ParquetError {
        ParquetError::ColumnType {
            path: self.path.clone(),
            column: e.column,
            expected: e.expected,
            found: e.found,
            row_groups: self.row_groups.len(),
        }
    }

    /// Resolves the columns on an empty batch of the projected schema: a type the reader
    /// does not accept is found before any row is decoded.
    fn check_types(&self, file: File) -> Result<(), ParquetError> {
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(Vec::new())
                .build()
                .map_err(|source| ParquetError::Metadata {
                    path: self.path.clone(),
                    source,
                })?;
        let empty = RecordBatch::new_empty(reader.schema());
        let checked = match self.entity {
            Some(Entity::Work) => WorkColumns::new(&empty).map(drop),
            Some(Entity::Author) => AuthorColumns::new(&empty).map(drop),
            Some(Entity::Institution) => InstitutionColumns::new(&empty).map(drop),
            None => Ok(()),
        };
        checked.map_err(|e| self.type_error(e))
    }

    /// Reads every row group in order.
    pub fn read_all<F: FnMut(Item)>(
        &self,
        limits: &Limits,
        counter: &AtomicU64,
        sink: &mut F,
    ) -> Result<ReadSummary, ParquetError> {
        let mut total = ReadSummary::default();
        for i in 0..self.row_groups.len() {
            let part = self.read_row_group(i, limits, counter, sink)?;
            total.add(&part);
        }
        total.file.format = self.format();
        Ok(total)
    }

    /// Reads row group `i`: each row becomes a record or a reject; a row group that stops
    /// decoding part-way is one reject naming the row group and the first row not read.
    pub fn read_row_group<F: FnMut(Item)>(
        &self,
        i: usize,
        limits: &Limits,
        counter: &AtomicU64,
        sink: &mut F,
    ) -> Result<ReadSummary, ParquetError> {
        let mut summary = ReadSummary {
            file: FileSummary {
                format: self.format(),
                ..FileSummary::default()
            },
            row_groups_skipped: 0,
        };
        let Some(rg) = self.row_groups.get(i) else {
            return Ok(summary);
        };
        let Some(entity) = self.entity.filter(|_| rg.rows > 0) else {
            counter.fetch_add(rg.bytes, Ordering::Relaxed);
            return Ok(summary);
        };
        if let (Some(filter), Some((min, max))) = (&self.filter, rg.years)
            && !filter.years_may_match(clamp_year(min), clamp_year(max))
        {
            summary.file.filtered += rg.rows;
            summary.row_groups_skipped += 1;
            counter.fetch_add(rg.bytes, Ordering::Relaxed);
            return Ok(summary);
        }
        let file = File::open(&self.path).map_err(|source| ParquetError::Io {
            path: self.path.clone(),
            source,
        })?;
        let mut next_row = rg.first_row;
        let outcome = guard(|| {
            self.decode(
                file,
                i,
                entity,
                limits,
                &mut next_row,
                &mut summary.file,
                sink,
            )
        });
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => Some(reason),
            Err(panic) => Some(format!("the Parquet decoder failed ({panic})")),
        };
        if let Some(reason) = failure {
            let unread = rg.first_row + rg.rows - next_row;
            summary.file.rejects += 1;
            sink(Item::Reject(Reject {
                file: self.path.display().to_string(),
                line: next_row + 1,
                row_group: Some(i as u64),
                element: None,
                field: None,
                reason: format!(
                    "row group {i} cannot be decoded from row {} on ({unread} of its {} rows unread): {reason}",
                    next_row + 1,
                    rg.rows
                ),
                excerpt: String::new(),
            }));
        }
        counter.fetch_add(rg.bytes, Ordering::Relaxed);
        Ok(summary)
    }

    /// Decodes row group `index`; `next_row` follows the rows handled, so that a failure can
    /// say where reading stopped.
    #[allow(clippy::too_many_arguments)]
    fn decode<F: FnMut(Item)>(
        &self,
        file: File,
        index: usize,
        entity: Entity,
        limits: &Limits,
        next_row: &mut u64,
        summary: &mut FileSummary,
        sink: &mut F,
    ) -> Result<(), String> {
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(vec![index])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())?;
        let name = self.path.display().to_string();
        let mut emit =
            |row: u64, result: Result<Record, ParseFailure>, id: Option<&str>| match result {
                Ok(record) => {
                    summary.records += 1;
                    sink(Item::Record { line: row, record });
                }
                Err(failure) => {
                    summary.rejects += 1;
                    sink(Item::Reject(Reject {
                        file: name.clone(),
                        line: row,
                        row_group: Some(index as u64),
                        element: None,
                        field: failure.field,
                        reason: failure.reason,
                        excerpt: id.map(|id| format!("id {id}")).unwrap_or_default(),
                    }));
                }
            };
        for batch in reader {
            let batch = batch.map_err(|e| e.to_string())?;
            let rows = batch.num_rows();
            let first = *next_row;
            match entity {
                Entity::Work => {
                    let columns = WorkColumns::new(&batch).map_err(describe)?;
                    for r in 0..rows {
                        if let Some(filter) = &self.filter
                            && !columns.matches(r, filter)
                        {
                            summary.filtered += 1;
                            continue;
                        }
                        let result = columns
                            .fields(r)
                            .and_then(|w| work_from_fields(w, limits))
                            .map(|w| Record::Work(Box::new(w)));
                        emit(first + r as u64 + 1, result, columns.id(r));
                    }
                }
                Entity::Author => {
                    let columns = AuthorColumns::new(&batch).map_err(describe)?;
                    for r in 0..rows {
                        let result = columns
                            .fields(r)
                            .and_then(|a| author_from_fields(a, limits))
                            .map(|a| Record::Author(Box::new(a)));
                        emit(
                            first + r as u64 + 1,
                            result,
                            columns.id.get(r).ok().flatten(),
                        );
                    }
                }
                Entity::Institution => {
                    let columns = InstitutionColumns::new(&batch).map_err(describe)?;
                    for r in 0..rows {
                        let result = columns
                            .fields(r)
                            .and_then(|i| institution_from_fields(i, limits))
                            .map(|i| Record::Institution(Box::new(i)));
                        emit(
                            first + r as u64 + 1,
                            result,
                            columns.id.get(r).ok().flatten(),
                        );
                    }
                }
            }
            *next_row += rows as u64;
        }
        Ok(())
    }
}

impl ReadSummary {
    pub fn add(&mut self, other: &ReadSummary) {
        self.file.records += other.file.records;
        self.file.rejects += other.file.rejects;
        self.file.filtered += other.file.filtered;
        self.file.format = self.file.format.or(other.file.format);
        self.row_groups_skipped += other.row_groups_skipped;
    }
}

fn describe(e: TypeError) -> String {
    format!(
        "column `{}` is {}, expected {}",
        e.column, e.found, e.expected
    )
}

fn clamp_year(y: i64) -> i32 {
    y.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

fn year_range(stats: &Statistics) -> Option<(i64, i64)> {
    match stats {
        Statistics::Int32(s) => Some((i64::from(*s.min_opt()?), i64::from(*s.max_opt()?))),
        Statistics::Int64(s) => Some((*s.min_opt()?, *s.max_opt()?)),
        _ => None,
    }
}

/// Runs `f`, turning a panic inside the Parquet decoder (a corrupt file can trigger one) into
/// an error message, so that one bad file never takes the ingest down.
fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string())
    })
}

/// Reads a whole file (plan, then every row group in order).
pub fn read_file<F: FnMut(Item)>(
    path: &Path,
    limits: &Limits,
    filter: Option<&SliceFilter>,
    counter: &AtomicU64,
    sink: &mut F,
) -> Result<ReadSummary, ParquetError> {
    FilePlan::open(path, filter)?.read_all(limits, counter, sink)
}
