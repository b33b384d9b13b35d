//! The Parquet reader against the JSON reader on real OpenAlex records: the fixtures in
//! `tests/data` (made by `scripts/parquet_fixture.py` from `data/demo/openalex`) must give
//! exactly the records, filter decisions and counts that the same records give as JSON; corrupt
//! files and unexpected column types must fail with errors that say where.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use proptest::prelude::*;
use scout_formats::{
    Encoding, FileSummary, InputFile, Item, Limits, Record, Reject, SliceFilter, read_file_filtered,
};
use scout_openalex_parquet::{FilePlan, ParquetError, ReadSummary, read_file};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

struct Read {
    summary: ReadSummary,
    records: BTreeMap<String, Record>,
    /// Row number of each record in the file.
    lines: BTreeMap<String, u64>,
    rejects: Vec<Reject>,
}

fn key(record: &Record) -> String {
    match record {
        Record::Work(w) => w.key.clone(),
        Record::Author(a) => a.openalex_id.clone(),
        Record::Institution(i) => i.openalex_id.clone(),
        Record::Abstract(a) => a.work_key.clone(),
    }
}

#[allow(clippy::type_complexity)]
fn collect(items: Vec<Item>) -> (BTreeMap<String, Record>, BTreeMap<String, u64>, Vec<Reject>) {
    let mut records = BTreeMap::new();
    let mut lines = BTreeMap::new();
    let mut rejects = Vec::new();
    for item in items {
        match item {
            Item::Record { record, line } => {
                lines.insert(key(&record), line);
                records.insert(key(&record), record);
            }
            Item::Reject(r) => rejects.push(r),
        }
    }
    (records, lines, rejects)
}

fn read_parquet(path: &Path, filter: Option<&SliceFilter>) -> Result<Read, ParquetError> {
    let mut items = Vec::new();
    let counter = AtomicU64::new(0);
    let summary = read_file(path, &Limits::default(), filter, &counter, &mut |i| {
        items.push(i)
    })?;
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    assert_eq!(
        counter.load(std::sync::atomic::Ordering::Relaxed),
        size,
        "progress adds up to the file size"
    );
    let (records, lines, rejects) = collect(items);
    Ok(Read {
        summary,
        records,
        lines,
        rejects,
    })
}

fn read_json(path: &Path, filter: Option<&SliceFilter>) -> (FileSummary, BTreeMap<String, Record>) {
    let input = InputFile {
        path: path.to_path_buf(),
        encoding: if path.extension().is_some_and(|e| e == "gz") {
            Encoding::Gzip
        } else {
            Encoding::Plain
        },
        size: 0,
    };
    let mut items = Vec::new();
    let summary = read_file_filtered(
        &input,
        &Limits::default(),
        filter,
        Arc::default(),
        &mut |i| items.push(i),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (records, _, rejects) = collect(items);
    assert!(rejects.is_empty(), "{rejects:?}");
    (summary, records)
}

/// The demo JSON records of one entity, by key.
fn demo(entity: &str) -> BTreeMap<String, Record> {
    read_json(
        &repo().join(format!("data/demo/openalex/{entity}_sample.json.gz")),
        None,
    )
    .1
}

/// The raw demo JSON objects of works with the given keys, as JSON Lines in `dir`.
fn jsonl_of(keys: &BTreeSet<String>, dir: &Path) -> PathBuf {
    let bytes = std::fs::read(repo().join("data/demo/openalex/works_sample.json.gz"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = std::io::read_to_string(flate2::read::GzDecoder::new(&bytes[..]))
        .unwrap_or_else(|e| panic!("{e}"));
    let works: Vec<serde_json::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("works.jsonl");
    let mut out = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    for w in works {
        let id = w["id"].as_str().unwrap_or_default();
        let k = format!(
            "openalex:{}",
            id.trim_start_matches("https://openalex.org/")
        );
        if keys.contains(&k) {
            writeln!(out, "{w}").unwrap_or_else(|e| panic!("{e}"));
        }
    }
    path
}

#[test]
fn every_fixture_gives_exactly_the_records_of_the_json_edition() {
    let cases = [
        ("works_map.parquet", "works", 39),
        ("works_json_text.parquet", "works", 12),
        ("works_struct.parquet", "works", 3),
        ("authors.parquet", "authors", 6),
        ("institutions.parquet", "institutions", 6),
    ];
    for (file, entity, rows) in cases {
        let read = read_parquet(&fixture(file), None).unwrap_or_else(|e| panic!("{e}"));
        assert!(read.rejects.is_empty(), "{file}: {:?}", read.rejects);
        assert_eq!(read.records.len(), rows, "{file}");
        assert_eq!(read.summary.file.records, rows as u64, "{file}");
        let json = demo(entity);
        for (k, record) in &read.records {
            assert_eq!(Some(record), json.get(k), "{file}: {k}");
        }
        if entity == "works" {
            let with_abstract = read
                .records
                .values()
                .filter(|r| matches!(r, Record::Work(w) if w.abstract_text.is_some()))
                .count();
            assert_eq!(
                with_abstract, rows,
                "{file}: every sample work has an abstract"
            );
        }
    }
}

/// The most common concept of the fixture's works that not all of them carry.
fn common_concept(works: &BTreeSet<String>) -> String {
    let bytes = std::fs::read(repo().join("data/demo/openalex/works_sample.json.gz"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = std::io::read_to_string(flate2::read::GzDecoder::new(&bytes[..]))
        .unwrap_or_else(|e| panic!("{e}"));
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for w in &all {
        let id = w["id"].as_str().unwrap_or_default();
        if !works.contains(&format!(
            "openalex:{}",
            id.trim_start_matches("https://openalex.org/")
        )) {
            continue;
        }
        for c in w["concepts"].as_array().into_iter().flatten() {
            *counts
                .entry(c["id"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n < works.len())
        .max_by_key(|(c, n)| (*n, c.clone()))
        .map(|(c, _)| c)
        .unwrap_or_default()
}

#[test]
fn filters_agree_with_the_json_filter_path() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = fixture("works_map.parquet");
    let all = read_parquet(&path, None).unwrap_or_else(|e| panic!("{e}"));
    let keys: BTreeSet<String> = all.records.keys().cloned().collect();
    let jsonl = jsonl_of(&keys, dir.path());
    let concept = common_concept(&keys);
    let institution = all
        .records
        .values()
        .filter_map(|r| match r {
            Record::Work(w) => w
                .authors
                .iter()
                .flat_map(|a| &a.affiliations)
                .find_map(|a| a.openalex_id.clone()),
            _ => None,
        })
        .next()
        .unwrap_or_default();
    let filter = |topics: &str, institutions: &str, years: &str| {
        let (from_year, to_year) = SliceFilter::years(years).unwrap_or_default();
        SliceFilter {
            topics: SliceFilter::ids(topics),
            institutions: SliceFilter::ids(institutions),
            from_year,
            to_year,
        }
    };
    let cases = [
        (filter(&concept, "", "x"), 0),
        (filter(&concept, "", "2019-"), 2),
        (filter("", &institution, "x"), 0),
        (filter("", "", "2014-2018"), 3),
        (filter("", "", "1990"), 3),
        (filter("C1", "", "x"), 0),
        (filter(&concept, &institution, "-2020"), 1),
    ];
    for (f, skipped) in cases {
        let parquet = read_parquet(&path, Some(&f)).unwrap_or_else(|e| panic!("{e}"));
        let (json_summary, json) = read_json(&jsonl, Some(&f));
        assert_eq!(
            parquet.records.keys().collect::<Vec<_>>(),
            json.keys().collect::<Vec<_>>(),
            "{f:?}"
        );
        assert_eq!(parquet.records, json, "{f:?}");
        for (k, line) in &parquet.lines {
            assert_eq!(Some(line), all.lines.get(k), "{f:?}: row number of {k}");
        }
        assert_eq!(
            parquet.summary.file.filtered, json_summary.filtered,
            "{f:?}"
        );
        assert_eq!(
            parquet.summary.row_groups_skipped, skipped,
            "row groups skipped by statistics for {f:?}"
        );
    }
    // The cases are not trivial: the concept keeps some works and leaves others.
    let (_, kept) = read_json(&jsonl, Some(&filter(&concept, "", "x")));
    assert!(
        !kept.is_empty() && kept.len() < keys.len(),
        "{}",
        kept.len()
    );
}

#[test]
fn row_groups_read_one_by_one_add_up_to_the_file() {
    let plan =
        FilePlan::open(&fixture("works_map.parquet"), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.row_groups(), 4);
    let counter = AtomicU64::new(0);
    let mut lines = Vec::new();
    let mut total = 0;
    // In reverse order, as another thread might take them.
    for i in (0..plan.row_groups()).rev() {
        let part = plan
            .read_row_group(i, &Limits::default(), &counter, &mut |item| {
                if let Item::Record { line, .. } = item {
                    lines.push(line);
                }
            })
            .unwrap_or_else(|e| panic!("{e}"));
        total += part.file.records;
    }
    lines.sort_unstable();
    assert_eq!(total, 39);
    assert_eq!(
        lines,
        (1..=39).collect::<Vec<u64>>(),
        "rows are numbered in the file"
    );
}

fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"));
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let mut writer =
        ArrowWriter::try_new(file, batch.schema(), None).unwrap_or_else(|e| panic!("{e}"));
    writer.write(&batch).unwrap_or_else(|e| panic!("{e}"));
    writer.close().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_unexpected_column_type_names_the_file_and_the_column() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["https://openalex.org/W1", "W2"]));
    let titles: ArrayRef = Arc::new(StringArray::from(vec!["A", "B"]));
    let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    let words: ArrayRef = Arc::new(StringArray::from(vec!["x", "y"]));
    let cases = [
        ("abstract_inverted_index", numbers.clone(), "Int64"),
        ("authorships", words.clone(), "Utf8"),
        ("publication_year", words, "Utf8"),
        ("title", numbers, "Int64"),
    ];
    for (column, values, found) in cases {
        let path = dir.path().join(format!("{column}.parquet"));
        let mut columns = vec![("id", ids.clone())];
        if column != "title" {
            columns.push(("title", titles.clone()));
        }
        columns.push((column, values));
        write_parquet(&path, columns);
        let err = FilePlan::open(&path, None).err();
        match &err {
            Some(ParquetError::ColumnType {
                column: c,
                found: f,
                ..
            }) => {
                assert_eq!((*c, f.as_str()), (column, found));
            }
            other => panic!("{column}: {other:?}"),
        }
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains(&path.display().to_string())
                && message.contains(&format!("`{column}`"))
                && message.contains("none of its 1 row groups was read"),
            "{message}"
        );
    }
    // A file that is not OpenAlex at all.
    let path = dir.path().join("other.parquet");
    write_parquet(&path, vec![("name", titles)]);
    let err = FilePlan::open(&path, None)
        .map(drop)
        .map_err(|e| e.to_string());
    assert!(
        matches!(&err, Err(m) if m.contains("no `id` column; columns: name")),
        "{err:?}"
    );
}

#[test]
fn truncated_and_corrupt_files_fail_with_the_file_and_row_group() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(fixture("works_map.parquet")).unwrap_or_else(|e| panic!("{e}"));

    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let err = FilePlan::open(&truncated, None)
        .map(drop)
        .map_err(|e| e.to_string());
    assert!(
        matches!(&err, Err(m) if m.contains("truncated.parquet: not a readable Parquet file")),
        "{err:?}"
    );

    // Garbage over the data of the second row group (the footer is intact).
    let (start, end) = row_group_range(&fixture("works_map.parquet"), 1);
    let mut corrupt = bytes.clone();
    for b in &mut corrupt[start..end] {
        *b = 0xA5;
    }
    let path = dir.path().join("corrupt.parquet");
    std::fs::write(&path, &corrupt).unwrap_or_else(|e| panic!("{e}"));
    let read = read_parquet(&path, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.records.len(), 29, "the other row groups are read");
    assert_eq!(read.rejects.len(), 1, "{:?}", read.rejects);
    let r = &read.rejects[0];
    assert_eq!((r.row_group, r.line), (Some(1), 11));
    assert!(
        r.reason
            .starts_with("row group 1 cannot be decoded from row 11 on (10 of its 10 rows unread)"),
        "{}",
        r.reason
    );
    assert!(r.file.ends_with("corrupt.parquet"));
}

/// Byte range of the column chunks of row group `index`.
fn row_group_range(path: &Path, index: usize) -> (usize, usize) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
    let reader = SerializedFileReader::new(file).unwrap_or_else(|e| panic!("{e}"));
    let rg = reader.metadata().row_group(index);
    let ranges: Vec<(u64, u64)> = rg.columns().iter().map(|c| c.byte_range()).collect();
    let start = ranges.iter().map(|r| r.0).min().unwrap_or(0);
    let end = ranges.iter().map(|r| r.0 + r.1).max().unwrap_or(0);
    (start as usize, end as usize)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever bytes are damaged, reading ends in an error or in records and rejects that
    /// account for at most the file's rows; never in a panic.
    #[test]
    fn damaged_files_never_panic(position in 0usize..220_633, value in any::<u8>(), cut in proptest::option::of(0usize..220_633)) {
        let mut bytes = std::fs::read(fixture("works_map.parquet")).unwrap_or_default();
        let position = position % bytes.len();
        bytes[position] = value;
        if let Some(cut) = cut {
            bytes.truncate(cut % bytes.len());
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("damaged.parquet");
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let mut items = 0u64;
        let counter = AtomicU64::new(0);
        if let Ok(summary) = read_file(&path, &Limits::default(), None, &counter, &mut |_| items += 1) {
            prop_assert_eq!(items, summary.file.records + summary.file.rejects);
            prop_assert!(summary.file.records <= 39);
        }
    }
}
