//! The Rust side of the distributed identity job on real records (`data/demo`): components
//! piped through `resolve_stream` as Arrow IPC (what a Spark task does), the output stored as
//! Parquet and read back by `read_outcome`, assemble into the whole corpus's clustering; and
//! input the job must refuse is refused with a message naming the column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use scout_corpus::identity::partition::{PartitionRow, assemble, components};
use scout_corpus::identity::{ResolveConfig, load, resolve};
use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_parquet::identity_job::{read_outcome, resolve_stream};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn demo_corpus(dir: &Path) -> Result<Corpus> {
    let papers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo/paperlists/papers");
    let files: Vec<PathBuf> = ["iclr.jsonl.gz", "colm.jsonl.gz"]
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

/// The job's input rows as one Arrow batch, components in order (`component` as text).
fn input_batch(parts: &[Vec<PartitionRow>]) -> Result<RecordBatch> {
    let mut component = StringBuilder::new();
    let mut mention = Int64Builder::new();
    let mut work = Int64Builder::new();
    let mut name = StringBuilder::new();
    let mut own = BooleanBuilder::new();
    let mut ids: [StringBuilder; 4] = std::array::from_fn(|_| StringBuilder::new());
    let mut orgs = ListBuilder::new(StringBuilder::new());
    for (c, rows) in parts.iter().enumerate() {
        for row in rows {
            component.append_value(format!("c{c:08}"));
            mention.append_value(i64::try_from(row.ordinal)?);
            work.append_value(row.work);
            name.append_value(&row.name);
            own.append_value(row.own);
            for (builder, id) in ids.iter_mut().zip(&row.ids) {
                builder.append_option(id.as_deref());
            }
            for org in &row.orgs {
                orgs.values().append_value(org);
            }
            orgs.append(row.own);
        }
    }
    let [openreview, orcid, openalex, dblp] = ids;
    let text = |n: &str| Field::new(n, DataType::Utf8, true);
    let schema = Schema::new(vec![
        text("component"),
        Field::new("mention", DataType::Int64, true),
        Field::new("work_id", DataType::Int64, true),
        text("name"),
        Field::new("own", DataType::Boolean, true),
        text("openreview_id"),
        text("orcid"),
        text("openalex_id"),
        text("dblp_id"),
        Field::new(
            "org_keys",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(component.finish()),
        Arc::new(mention.finish()),
        Arc::new(work.finish()),
        Arc::new(name.finish()),
        Arc::new(own.finish()),
        Arc::new({ openreview }.finish()),
        Arc::new({ orcid }.finish()),
        Arc::new({ openalex }.finish()),
        Arc::new({ dblp }.finish()),
        Arc::new(orgs.finish()),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

fn ipc(batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batches[0].schema())?;
    for b in batches {
        writer.write(b)?;
    }
    writer.finish()?;
    drop(writer);
    Ok(bytes)
}

#[test]
fn piped_components_assemble_into_the_whole_clustering() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let corpus = demo_corpus(dir.path())?;
    let data = load(corpus.conn())?;
    let parts = components(&data);
    // Two input batches that split one component's rows: the stream groups by value.
    let batch = input_batch(&parts)?;
    let half = batch.num_rows() / 2;
    let input = ipc(&[
        batch.slice(0, half),
        batch.slice(half, batch.num_rows() - half),
    ])?;
    let mut output = Vec::new();
    let stats = resolve_stream(input.as_slice(), &mut output)?;
    assert_eq!(stats.components, parts.len() as u64);
    assert_eq!(stats.own_mentions, data.mentions.len() as u64);

    // Stored as Parquet the way the job writes it, then read back.
    let out_dir = dir.path().join("identity");
    std::fs::create_dir_all(&out_dir)?;
    let reader = arrow_ipc::reader::StreamReader::try_new(output.as_slice(), None)?;
    let file = std::fs::File::create(out_dir.join("part-00000.parquet"))?;
    let mut writer = ArrowWriter::try_new(file, reader.schema(), None)?;
    for batch in reader {
        writer.write(&batch?)?;
    }
    writer.close()?;
    let outcome = read_outcome(&out_dir)?;
    let assembled = assemble(&data, std::slice::from_ref(&outcome))?;
    let whole = resolve(&data, &ResolveConfig::default());
    assert_eq!(assembled.root, whole.root);
    let details = |c: &scout_corpus::identity::Clustering| {
        let mut v: Vec<(u32, u32, String)> = c
            .links
            .iter()
            .map(|l| (l.a, l.b, l.detail(&data)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(details(&assembled), details(&whole));
    assert_eq!(assembled.strong_id_links, whole.strong_id_links);
    assert_eq!(assembled.blocks.common, whole.blocks.common);
    Ok(())
}

#[test]
fn input_without_a_column_or_with_a_wrong_type_is_refused() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let corpus = demo_corpus(dir.path())?;
    let data = load(corpus.conn())?;
    let parts = components(&data);
    let batch = input_batch(&parts[..3])?;

    let without = batch.project(&[0, 1, 2, 3, 4, 5, 6, 7, 8])?;
    let err = resolve_stream(ipc(&[without])?.as_slice(), Vec::new()).expect_err("must be refused");
    assert!(err.to_string().contains("org_keys"), "{err}");

    // `mention` as text instead of Int64.
    let mut columns = batch.columns().to_vec();
    columns[1] = Arc::clone(&columns[0]);
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[1] = Field::new("mention", DataType::Utf8, true);
    let wrong = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    let err = resolve_stream(ipc(&[wrong])?.as_slice(), Vec::new()).expect_err("must be refused");
    assert!(err.to_string().contains("\"mention\" is Utf8"), "{err}");

    // Not an Arrow stream at all.
    assert!(resolve_stream(&b"mention,name\n1,x\n"[..], Vec::new()).is_err());
    Ok(())
}
