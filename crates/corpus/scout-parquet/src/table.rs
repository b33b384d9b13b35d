//! Writing one table as Parquet files: typed columns, cells, batches, an optional Hive-style
//! partition per row, a new file every [`FILE_ROWS`] rows.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use crate::error::{ExportError, Result};

pub const ROW_GROUP: usize = 128 * 1024;
const BATCH: usize = 16 * 1024;
/// Rows per file in unpartitioned tables.
const FILE_ROWS: usize = 4 * 1024 * 1024;

/// Rows and files written per table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Int32,
    Float,
    Text,
    Bool,
    /// A list of text values.
    TextList,
}

pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
}

pub(crate) const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// Column builders for one batch.
enum Builder {
    Int(Int64Builder),
    Int32(Int32Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    Bool(BooleanBuilder),
    TextList(ListBuilder<StringBuilder>),
}

/// A cell value pulled from SQLite (or computed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    List(Vec<String>),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Int32 => Builder::Int32(Int32Builder::new()),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Text => Builder::Text(StringBuilder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::TextList => Builder::TextList(ListBuilder::new(StringBuilder::new())),
        }
    }

    fn push(&mut self, cell: &Cell) {
        match (self, cell) {
            (Builder::Int(b), Cell::Int(v)) => b.append_value(*v),
            (Builder::Int(b), Cell::Float(v)) => b.append_value(*v as i64),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Int32(b), Cell::Int(v)) => b.append_value(*v as i32),
            (Builder::Int32(b), _) => b.append_null(),
            (Builder::Float(b), Cell::Float(v)) => b.append_value(*v),
            (Builder::Float(b), Cell::Int(v)) => b.append_value(*v as f64),
            (Builder::Float(b), _) => b.append_null(),
            (Builder::Text(b), Cell::Text(v)) => b.append_value(v),
            (Builder::Text(b), Cell::Int(v)) => b.append_value(v.to_string()),
            (Builder::Text(b), _) => b.append_null(),
            (Builder::Bool(b), Cell::Int(v)) => b.append_value(*v != 0),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::TextList(b), Cell::List(values)) => {
                for v in values {
                    b.values().append_value(v);
                }
                b.append(true);
            }
            (Builder::TextList(b), _) => b.append(false),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Int32(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::TextList(b) => Arc::new(b.finish()),
        }
    }
}

fn schema(columns: &[Column]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| {
                let t = match c.kind {
                    Kind::Int => DataType::Int64,
                    Kind::Int32 => DataType::Int32,
                    Kind::Float => DataType::Float64,
                    Kind::Text => DataType::Utf8,
                    Kind::Bool => DataType::Boolean,
                    Kind::TextList => {
                        DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
                    }
                };
                Field::new(c.name, t, true)
            })
            .collect::<Vec<_>>(),
    ))
}

/// Writes one table, partitioned by an optional key, in batches.
pub(crate) struct TableWriter {
    dir: PathBuf,
    columns: &'static [Column],
    schema: SchemaRef,
    props: WriterProperties,
    partitions: BTreeMap<String, Partition>,
    report: TableReport,
}

struct Partition {
    writer: ArrowWriter<File>,
    builders: Vec<Builder>,
    rows_in_batch: usize,
    rows_in_file: usize,
    file_index: usize,
    path: PathBuf,
}

impl TableWriter {
    pub(crate) fn new(root: &Path, table: &str, columns: &'static [Column]) -> TableWriter {
        TableWriter {
            dir: root.join(table),
            columns,
            schema: schema(columns),
            props: WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_max_row_group_row_count(Some(ROW_GROUP))
                .build(),
            partitions: BTreeMap::new(),
            report: TableReport {
                table: table.to_string(),
                ..TableReport::default()
            },
        }
    }

    fn open(&self, partition: &str, index: usize) -> Result<(ArrowWriter<File>, PathBuf)> {
        let dir = if partition.is_empty() {
            self.dir.clone()
        } else {
            self.dir.join(partition)
        };
        std::fs::create_dir_all(&dir).map_err(|source| ExportError::Io {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(format!("part-{index:05}.parquet"));
        let file = File::create(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok((
            ArrowWriter::try_new(file, Arc::clone(&self.schema), Some(self.props.clone()))?,
            path,
        ))
    }

    pub(crate) fn push(&mut self, partition: &str, row: &[Cell]) -> Result<()> {
        if !self.partitions.contains_key(partition) {
            let (writer, path) = self.open(partition, 0)?;
            self.partitions.insert(
                partition.to_string(),
                Partition {
                    writer,
                    builders: self.columns.iter().map(|c| Builder::new(c.kind)).collect(),
                    rows_in_batch: 0,
                    rows_in_file: 0,
                    file_index: 0,
                    path,
                },
            );
            self.report.files += 1;
        }
        let Some(p) = self.partitions.get_mut(partition) else {
            return Ok(());
        };
        for (b, cell) in p.builders.iter_mut().zip(row) {
            b.push(cell);
        }
        p.rows_in_batch += 1;
        p.rows_in_file += 1;
        self.report.rows += 1;
        if p.rows_in_batch >= BATCH {
            flush(p, &self.schema)?;
        }
        if p.rows_in_file >= FILE_ROWS {
            flush(p, &self.schema)?;
            p.file_index += 1;
            let dir = if partition.is_empty() {
                self.dir.clone()
            } else {
                self.dir.join(partition)
            };
            let path = dir.join(format!("part-{:05}.parquet", p.file_index));
            let file = File::create(&path).map_err(|source| ExportError::Io {
                path: path.clone(),
                source,
            })?;
            let next =
                ArrowWriter::try_new(file, Arc::clone(&self.schema), Some(self.props.clone()))?;
            let done = std::mem::replace(&mut p.writer, next);
            done.close()?;
            self.report.bytes += std::fs::metadata(&p.path).map(|m| m.len()).unwrap_or(0);
            p.path = path;
            p.rows_in_file = 0;
            self.report.files += 1;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<TableReport> {
        for (_, mut p) in std::mem::take(&mut self.partitions) {
            flush(&mut p, &self.schema)?;
            p.writer.close()?;
            self.report.bytes += std::fs::metadata(&p.path).map(|m| m.len()).unwrap_or(0);
        }
        if self.report.rows == 0 {
            // An empty table still gets one file, so that readers see its schema.
            let (writer, path) = self.open("", 0)?;
            writer.close()?;
            self.report.files = 1;
            self.report.bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        }
        Ok(self.report)
    }
}

fn flush(p: &mut Partition, schema: &SchemaRef) -> Result<()> {
    if p.rows_in_batch == 0 {
        return Ok(());
    }
    let arrays: Vec<ArrayRef> = p.builders.iter_mut().map(Builder::finish).collect();
    let batch = RecordBatch::try_new(Arc::clone(schema), arrays)?;
    p.writer.write(&batch)?;
    p.rows_in_batch = 0;
    Ok(())
}
