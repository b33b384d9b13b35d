//! Reading one input file into records: detects the layout (JSON Lines, a JSON array, an
//! OpenAlex API page) and the record format, then streams records and rejects to a callback.
//! Memory use is bounded by the largest single record, never by the file size.

use std::cell::Cell;
use std::fmt;
use std::io::{BufRead, Read};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{FormatError, Reject};
use crate::input::{InputFile, open};
use crate::lines::{Line, LineReader, describe_read_error};
use crate::openalex::{self, Entity, entity_of};
use crate::paperlists;
use crate::parse::ParseFailure;
use crate::record::Record;
use crate::slice::SliceFilter;
use crate::text::Limits;

/// The record format of a file (all records of one file share it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    PaperlistsPapers,
    PaperlistsAbstracts,
    OpenAlexWorks,
    OpenAlexAuthors,
    OpenAlexInstitutions,
    /// OpenAlex API pages (`{"meta":…,"results":[…]}`), one per line or one per file.
    OpenAlexPages,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::PaperlistsPapers => "paperlists papers",
            Format::PaperlistsAbstracts => "paperlists abstracts",
            Format::OpenAlexWorks => "OpenAlex works",
            Format::OpenAlexAuthors => "OpenAlex authors",
            Format::OpenAlexInstitutions => "OpenAlex institutions",
            Format::OpenAlexPages => "OpenAlex API pages",
        })
    }
}

/// Recognises a record format from one JSON object.
pub fn detect(obj: &Map<String, Value>) -> Result<Format, String> {
    if obj.get("results").is_some_and(Value::is_array) {
        return Ok(Format::OpenAlexPages);
    }
    if obj.contains_key("venue") && obj.contains_key("year") && obj.contains_key("title") {
        let is_abstract = obj.contains_key("abstract")
            && !obj.contains_key("authors")
            && !obj.contains_key("status");
        return Ok(if is_abstract {
            Format::PaperlistsAbstracts
        } else {
            Format::PaperlistsPapers
        });
    }
    if let Some(id) = obj.get("id").and_then(Value::as_str) {
        match entity_of(id) {
            Some(Entity::Work) => return Ok(Format::OpenAlexWorks),
            Some(Entity::Author) => return Ok(Format::OpenAlexAuthors),
            Some(Entity::Institution) => return Ok(Format::OpenAlexInstitutions),
            None => {}
        }
    }
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).take(8).collect();
    keys.sort_unstable();
    Err(format!(
        "neither a paperlists nor an OpenAlex record (keys: {})",
        keys.join(", ")
    ))
}

/// Parses one record of a known format.
pub fn parse_record(format: Format, bytes: &[u8], limits: &Limits) -> Result<Record, ParseFailure> {
    Ok(match format {
        Format::PaperlistsPapers => Record::Work(Box::new(paperlists::parse_paper(bytes, limits)?)),
        Format::PaperlistsAbstracts => Record::Abstract(paperlists::parse_abstract(bytes, limits)?),
        Format::OpenAlexWorks => Record::Work(Box::new(openalex::parse_work(bytes, limits)?)),
        Format::OpenAlexAuthors => Record::Author(Box::new(openalex::parse_author(bytes, limits)?)),
        Format::OpenAlexInstitutions => {
            Record::Institution(Box::new(openalex::parse_institution(bytes, limits)?))
        }
        Format::OpenAlexPages => {
            return Err(ParseFailure::new(None, "an API page inside an API page"));
        }
    })
}

/// What the reader hands to its caller.
#[derive(Debug)]
pub enum Item {
    Record { line: u64, record: Record },
    Reject(Reject),
}

/// Totals for one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub format: Option<Format>,
    pub records: u64,
    pub rejects: u64,
    /// OpenAlex works left out by a [`SliceFilter`].
    pub filtered: u64,
}

struct Emitter<'f, F: FnMut(Item)> {
    file: String,
    sink: &'f mut F,
    summary: FileSummary,
    filter: Option<&'f SliceFilter>,
}

impl<F: FnMut(Item)> Emitter<'_, F> {
    /// Applies the slice filter to a raw OpenAlex work; counts what it leaves out.
    fn keep(&mut self, bytes: &[u8]) -> bool {
        let Some(filter) = self.filter else {
            return true;
        };
        let keep = filter.might_match(bytes) && filter.matches(bytes);
        if !keep {
            self.summary.filtered += 1;
        }
        keep
    }

    fn record(&mut self, line: u64, record: Record) {
        self.summary.records += 1;
        (self.sink)(Item::Record { line, record });
    }

    fn reject(&mut self, line: u64, element: Option<u64>, failure: ParseFailure, bytes: &[u8]) {
        self.summary.rejects += 1;
        (self.sink)(Item::Reject(Reject {
            file: self.file.clone(),
            line,
            row_group: None,
            element,
            field: failure.field,
            reason: failure.reason,
            excerpt: Reject::excerpt_of(bytes),
        }));
    }
}

/// Reads every record of `input`, calling `sink` for each record and each reject.
/// Only failures to open the file are returned as errors; everything else becomes a reject.
pub fn read_file<F: FnMut(Item)>(
    input: &InputFile,
    limits: &Limits,
    counter: Arc<AtomicU64>,
    sink: &mut F,
) -> Result<FileSummary, FormatError> {
    read_file_filtered(input, limits, None, counter, sink)
}

/// [`read_file`], keeping only the OpenAlex works that `filter` selects (other record
/// formats pass through).
pub fn read_file_filtered<F: FnMut(Item)>(
    input: &InputFile,
    limits: &Limits,
    filter: Option<&SliceFilter>,
    counter: Arc<AtomicU64>,
    sink: &mut F,
) -> Result<FileSummary, FormatError> {
    let reader = open(input, counter)?;
    Ok(read_stream(
        reader,
        &input.path.display().to_string(),
        limits,
        filter,
        sink,
    ))
}

/// [`read_file`] on bytes in memory (plain, or gzip when `gzip`): the same sniffing and
/// parsing without a file. `name` stands for the file in rejects.
pub fn read_bytes<F: FnMut(Item)>(
    name: &str,
    bytes: &[u8],
    gzip: bool,
    limits: &Limits,
    sink: &mut F,
) -> FileSummary {
    let cursor = std::io::Cursor::new(bytes.to_vec());
    let reader: Box<dyn BufRead + Send> = if gzip {
        Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
            cursor,
        )))
    } else {
        Box::new(cursor)
    };
    read_stream(reader, name, limits, None, sink)
}

fn read_stream<F: FnMut(Item)>(
    mut reader: Box<dyn BufRead + Send>,
    name: &str,
    limits: &Limits,
    filter: Option<&SliceFilter>,
    sink: &mut F,
) -> FileSummary {
    let mut emit = Emitter {
        file: name.to_string(),
        sink,
        summary: FileSummary::default(),
        filter: filter.filter(|f| !f.is_empty()),
    };
    match sniff(&mut reader) {
        Ok(Layout::Lines) => read_lines(reader, limits, &mut emit),
        Ok(Layout::Document) => read_document(reader, limits, &mut emit),
        Ok(Layout::Empty) => {}
        Err(e) => emit.reject(
            0,
            None,
            ParseFailure::new(None, describe_read_error(&e)),
            b"",
        ),
    }
    emit.summary
}

enum Layout {
    Lines,
    Document,
    Empty,
}

/// Looks at the start of the decompressed input: a `[` or a first line that is not a whole
/// JSON value means one JSON document; otherwise JSON Lines.
fn sniff(reader: &mut Box<dyn BufRead + Send>) -> std::io::Result<Layout> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(Layout::Empty);
        }
        let skip = buf
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(buf.len());
        let bom = buf[skip..].starts_with(b"\xEF\xBB\xBF");
        if skip == buf.len() {
            reader.consume(skip);
            continue;
        }
        if bom {
            reader.consume(skip + 3);
            continue;
        }
        let rest = &buf[skip..];
        if rest[0] == b'[' {
            return Ok(Layout::Document);
        }
        if rest[0] != b'{' {
            return Ok(Layout::Lines);
        }
        return Ok(match memchr::memchr(b'\n', rest) {
            Some(end) if serde_json::from_slice::<IgnoredAny>(&rest[..end]).is_err() => {
                Layout::Document
            }
            _ => Layout::Lines,
        });
    }
}

fn read_lines<F: FnMut(Item)>(
    reader: Box<dyn BufRead + Send>,
    limits: &Limits,
    emit: &mut Emitter<F>,
) {
    let mut lines = LineReader::new(reader, limits.max_line_bytes);
    let mut format: Option<Format> = None;
    while let Some((line_no, line)) = lines.next_line() {
        match line {
            Line::Complete(bytes) => {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let fmt = match format {
                    Some(f) => f,
                    None => match detect_bytes(bytes) {
                        Ok(f) => {
                            format = Some(f);
                            emit.summary.format = Some(f);
                            f
                        }
                        Err(failure) => {
                            emit.reject(line_no, None, failure, bytes);
                            continue;
                        }
                    },
                };
                if fmt == Format::OpenAlexPages {
                    read_page_line(bytes, line_no, limits, emit);
                    continue;
                }
                if fmt == Format::OpenAlexWorks && !emit.keep(bytes) {
                    continue;
                }
                match parse_record(fmt, bytes, limits) {
                    Ok(record) => emit.record(line_no, record),
                    Err(failure) => emit.reject(line_no, None, failure, bytes),
                }
            }
            Line::TooLong { bytes } => emit.reject(
                line_no,
                None,
                ParseFailure::new(
                    None,
                    format!(
                        "line is {bytes} bytes, over the limit of {}",
                        limits.max_line_bytes
                    ),
                ),
                b"",
            ),
            Line::Broken { partial, error } => {
                let partial = partial.to_vec();
                emit.reject(
                    line_no,
                    None,
                    ParseFailure::new(
                        None,
                        format!(
                            "{error}; the rest of the file after line {} is unreadable",
                            line_no - 1
                        ),
                    ),
                    &partial,
                );
            }
        }
    }
}

fn detect_bytes(bytes: &[u8]) -> Result<Format, ParseFailure> {
    match crate::parse::from_json::<Map<String, Value>>(bytes) {
        Ok(obj) => detect(&obj).map_err(|reason| ParseFailure::new(None, reason)),
        Err(failure) => Err(ParseFailure::new(
            failure.field.as_deref(),
            format!("not a JSON object: {}", failure.reason),
        )),
    }
}

#[derive(serde::Deserialize)]
struct PageLine<'a> {
    #[serde(borrow)]
    results: Vec<&'a RawValue>,
}

fn read_page_line<F: FnMut(Item)>(
    bytes: &[u8],
    line_no: u64,
    limits: &Limits,
    emit: &mut Emitter<F>,
) {
    let page: PageLine = match crate::parse::from_json(bytes) {
        Ok(page) => page,
        Err(failure) => return emit.reject(line_no, None, failure, bytes),
    };
    let mut element_format = None;
    for (i, raw) in page.results.iter().enumerate() {
        handle_element(
            raw.get().as_bytes(),
            line_no,
            i as u64,
            &mut element_format,
            limits,
            emit,
        );
    }
}

fn handle_element<F: FnMut(Item)>(
    bytes: &[u8],
    line: u64,
    element: u64,
    format: &mut Option<Format>,
    limits: &Limits,
    emit: &mut Emitter<F>,
) {
    let fmt = match *format {
        Some(f) => f,
        None => match detect_bytes(bytes) {
            Ok(Format::OpenAlexPages) => {
                return emit.reject(
                    line,
                    Some(element),
                    ParseFailure::new(None, "nested API page"),
                    bytes,
                );
            }
            Ok(f) => {
                *format = Some(f);
                emit.summary.format.get_or_insert(f);
                f
            }
            Err(failure) => return emit.reject(line, Some(element), failure, bytes),
        },
    };
    if fmt == Format::OpenAlexWorks && !emit.keep(bytes) {
        return;
    }
    match parse_record(fmt, bytes, limits) {
        Ok(record) => emit.record(line, record),
        Err(failure) => emit.reject(line, Some(element), failure, bytes),
    }
}

/// Counts newlines as serde_json pulls bytes, so that document elements can be located.
struct LineCounter<R> {
    inner: R,
    newlines: Rc<Cell<u64>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let count = memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        self.newlines.set(self.newlines.get() + count);
        Ok(n)
    }
}

/// Streams the elements of a JSON document: the items of a top-level array, the `results` of
/// an API page, or the document itself when it is a single record.
fn read_document<F: FnMut(Item)>(
    reader: Box<dyn BufRead + Send>,
    limits: &Limits,
    emit: &mut Emitter<F>,
) {
    let newlines = Rc::new(Cell::new(0));
    let counted = LineCounter {
        inner: reader,
        newlines: Rc::clone(&newlines),
    };
    let mut de = serde_json::Deserializer::from_reader(counted);
    let mut state = DocState {
        emit,
        limits,
        newlines: Rc::clone(&newlines),
        format: None,
        elements: 0,
    };
    let result = (&mut de).deserialize_any(TopVisitor { state: &mut state });
    let outcome = result.and_then(|()| de.end());
    if let Err(e) = outcome {
        let reason = if e.is_io() {
            format!("{}; elements after #{} are unreadable", e, state.elements)
        } else {
            format!(
                "malformed JSON document: {e}; elements after #{} are unreadable",
                state.elements
            )
        };
        let line = newlines.get() + 1;
        state.emit.reject(
            line,
            Some(state.elements),
            ParseFailure::new(None, reason),
            b"",
        );
    }
}

struct DocState<'s, 'f, F: FnMut(Item)> {
    emit: &'s mut Emitter<'f, F>,
    limits: &'s Limits,
    newlines: Rc<Cell<u64>>,
    format: Option<Format>,
    elements: u64,
}

impl<F: FnMut(Item)> DocState<'_, '_, F> {
    fn element(&mut self, raw: &RawValue) {
        let line = self.newlines.get() + 1;
        let index = self.elements;
        self.elements += 1;
        handle_element(
            raw.get().as_bytes(),
            line,
            index,
            &mut self.format,
            self.limits,
            self.emit,
        );
    }
}

struct TopVisitor<'a, 's, 'f, F: FnMut(Item)> {
    state: &'a mut DocState<'s, 'f, F>,
}

impl<'de, F: FnMut(Item)> Visitor<'de> for TopVisitor<'_, '_, '_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of records or an OpenAlex API page")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        ElementsVisitor { state: self.state }.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut other = Map::new();
        let mut saw_results = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "results" {
                saw_results = true;
                map.next_value_seed(ElementsSeed { state: self.state })?;
            } else {
                let value: Value = map.next_value()?;
                other.insert(key, value);
            }
        }
        if !saw_results {
            // A single record written as one pretty-printed object.
            let bytes =
                serde_json::to_vec(&Value::Object(other)).map_err(serde::de::Error::custom)?;
            match serde_json::from_slice::<Box<RawValue>>(&bytes) {
                Ok(raw) => self.state.element(&raw),
                Err(e) => return Err(serde::de::Error::custom(e)),
            }
        }
        Ok(())
    }
}

struct ElementsSeed<'a, 's, 'f, F: FnMut(Item)> {
    state: &'a mut DocState<'s, 'f, F>,
}

impl<'de, F: FnMut(Item)> DeserializeSeed<'de> for ElementsSeed<'_, '_, '_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(ElementsVisitor { state: self.state })
    }
}

struct ElementsVisitor<'a, 's, 'f, F: FnMut(Item)> {
    state: &'a mut DocState<'s, 'f, F>,
}

impl<'de, F: FnMut(Item)> Visitor<'de> for ElementsVisitor<'_, '_, '_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            self.state.element(&raw);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    const PAPER: &str =
        r#"{"venue":"iclr","year":2021,"id":"abc","title":"A paper","authors":["Ada Lovelace"]}"#;

    fn read(path: &Path) -> (FileSummary, Vec<Item>) {
        let gzip = path.extension().is_some_and(|e| e == "gz");
        let input = InputFile {
            path: path.to_path_buf(),
            encoding: if gzip {
                crate::Encoding::Gzip
            } else {
                crate::Encoding::Plain
            },
            size: 0,
        };
        let mut items = Vec::new();
        let summary = read_file(&input, &Limits::default(), Arc::default(), &mut |i| {
            items.push(i)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        (summary, items)
    }

    fn rejects(items: &[Item]) -> Vec<&Reject> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Reject(r) => Some(r),
                Item::Record { .. } => None,
            })
            .collect()
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        enc.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn json_lines_with_bad_lines_keep_the_good_ones() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.jsonl");
        let mut content = Vec::new();
        content.extend(PAPER.as_bytes());
        content.extend(b"\n\n{\"venue\":\"iclr\",\"year\":\"x\",\"title\":\"t\"}\n");
        content.extend(b"{\"venue\":\"iclr\",\"year\":2021,\"title\":\"bad \xff byte\"}\n");
        content.extend(b"not json\n");
        content.extend(PAPER.replace("abc", "def").as_bytes());
        std::fs::write(&path, content)?;
        let (summary, items) = read(&path);
        assert_eq!(summary.format, Some(Format::PaperlistsPapers));
        assert_eq!(summary.records, 2);
        let r = rejects(&items);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].line, r[0].field.as_deref()), (3, Some("year")));
        assert_eq!(r[1].line, 4);
        assert!(r[1].reason.starts_with("invalid UTF-8"), "{}", r[1].reason);
        assert_eq!(r[2].line, 5);
        Ok(())
    }

    #[test]
    fn truncated_gzip_keeps_complete_lines_and_rejects_the_rest() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.jsonl.gz");
        let lines: String = (0..2000)
            .map(|i| PAPER.replace("abc", &format!("id{i}")) + "\n")
            .collect();
        let full = gz(lines.as_bytes());
        std::fs::write(&path, &full[..full.len() / 2])?;
        let (summary, items) = read(&path);
        assert!(summary.records > 0 && summary.records < 2000, "{summary:?}");
        let r = rejects(&items);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].line, summary.records + 1);
        assert!(r[0].reason.contains("truncated"), "{}", r[0].reason);
        Ok(())
    }

    #[test]
    fn huge_lines_are_rejected_without_stopping() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.jsonl");
        let huge = PAPER.replace("A paper", &"x".repeat(100_000));
        std::fs::write(&path, format!("{huge}\n{PAPER}\n"))?;
        let (summary, items) = read(&path);
        assert_eq!(summary.records, 1);
        let r = rejects(&items);
        assert_eq!(r[0].field.as_deref(), Some("title"));
        assert!(r[0].reason.contains("over the limit"));
        Ok(())
    }

    #[test]
    fn openalex_page_array_and_pretty_document() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let work = |id: u32| {
            format!(r#"{{"id":"https://openalex.org/W{id}","title":"Work {id}","authorships":[]}}"#)
        };
        let page = format!(
            r#"{{"meta":{{"count":2}},"results":[{},{}]}}"#,
            work(1),
            work(2)
        );
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&page)?)?;
        let array = format!("[\n{},\n{{\"id\":\"W3\"}},\n{}\n]", work(3), work(4));
        for (name, content, records, rejected) in [
            ("page.json", page.clone(), 2, 0),
            ("pretty.json", pretty, 2, 0),
            ("pages.jsonl", format!("{page}\n{page}\n"), 4, 0),
            ("array.json", array, 2, 1),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, content)?;
            let (summary, items) = read(&path);
            assert_eq!(
                (summary.records, summary.rejects),
                (records, rejected),
                "{name}"
            );
            if rejected > 0 {
                let r = rejects(&items);
                assert_eq!(r[0].element, Some(1));
                assert_eq!(r[0].line, 3, "{:?}", r[0]);
            }
        }
        Ok(())
    }

    #[test]
    fn malformed_document_reports_where_it_broke() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("bad.json");
        std::fs::write(
            &path,
            "[\n{\"id\":\"W1\",\"title\":\"a\"},\n{\"id\":\"W2\",\n",
        )?;
        let (summary, items) = read(&path);
        assert_eq!(summary.records, 1);
        let r = rejects(&items);
        assert_eq!(r.len(), 1);
        assert!(r[0].reason.contains("elements after #1"), "{}", r[0].reason);
        Ok(())
    }

    #[test]
    fn unknown_records_are_rejected_with_their_keys() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, "{\"foo\":1}\n")?;
        let (_, items) = read(&path);
        assert!(rejects(&items)[0].reason.contains("keys: foo"));
        Ok(())
    }
}
