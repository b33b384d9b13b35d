//! CSV on the `csv` crate: the one formula-safe writer behind every CSV that Scout writes (the
//! CLI's `--format csv` tables, the server's exports), and a reader of delimited text that keeps
//! the line each record starts on.
//!
//! Formula safety: a spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and
//! some also after a tab or carriage return), so a text cell starting with one of those gets a
//! leading `'` and is shown as text. A number — an optional minus, digits, an optional fraction
//! and exponent, as Rust and JSON print them (`-3.5`, `-12`, `1e-9`) — stays as it is, so
//! negative scores and amounts are still numbers in the sheet.

use std::borrow::Cow;
use std::io::Write;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as a spreadsheet should see it: text starting like a formula gets a leading `'`,
/// numbers and everything else are unchanged.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !is_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `-?digits[.digits][(e|E)[+-]digits]`, or with the integer part left out (`-.5`).
pub fn is_number(s: &str) -> bool {
    let b = s.strip_prefix('-').unwrap_or(s).as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(0);
    let mut i = int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        frac = digits(i + 1);
        i += 1 + frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// Writes CSV records (RFC 4180 quoting, `\n` line ends) with every cell passed through
/// [`defuse`].
pub struct CsvWriter<W: Write> {
    inner: ::csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        CsvWriter {
            inner: ::csv::WriterBuilder::new().flexible(true).from_writer(out),
        }
    }

    /// Writes one record.
    pub fn write_row<I, S>(&mut self, cells: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut record = ::csv::StringRecord::new();
        for cell in cells {
            record.push_field(&defuse(cell.as_ref()));
        }
        self.inner.write_record(&record)?;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> std::io::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.error().to_string()))
    }
}

/// Rows written to a string (the CLI's `--format csv` tables).
pub fn to_string<R, I, S>(rows: R) -> String
where
    R: IntoIterator<Item = I>,
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut w = CsvWriter::new(Vec::new());
    for row in rows {
        // Writing to memory fails only on allocation, which aborts anyway.
        if w.write_row(row).is_err() {
            break;
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    // Every cell was UTF-8 and quoting adds ASCII only.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One record of delimited text: the 1-based line it starts on, and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// The records of a delimited text (`,` for CSV, `\t` for TSV): quoted fields may hold the
/// delimiter, `""` and line breaks; a leading byte-order mark is dropped and blank lines are
/// skipped. Records may have different numbers of fields; the caller judges that.
pub fn rows(text: &str, delimiter: u8) -> impl Iterator<Item = Row> + '_ {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = ::csv::ByteRecord::new();
    // The csv crate's own line count leaves out the blank lines it skips, so lines are counted
    // here from the byte where each record starts (past the line ends before it).
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1u64);
    std::iter::from_fn(move || {
        // Reading from memory has no I/O error; a record ends where the text ends.
        if !reader.read_byte_record(&mut record).ok()? {
            return None;
        }
        let mut start = record
            .position()
            .map_or(counted_to, |p| {
                usize::try_from(p.byte()).unwrap_or(counted_to)
            })
            .clamp(counted_to, bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..start]).count() as u64;
        counted_to = start;
        // Fields are split at ASCII bytes of valid UTF-8, so they are UTF-8.
        let fields = record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        Some(Row { line, fields })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_defused_and_numbers_are_not() {
        for (cell, want) in [
            ("plain", "plain"),
            ("", ""),
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-", "'-"),
            ("-1+2", "'-1+2"),
            ("-inf", "'-inf"),
            ("-1e", "'-1e"),
            ("\tx", "'\tx"),
            ("\r", "'\r"),
            ("-3.5", "-3.5"),
            ("-12", "-12"),
            ("-.5", "-.5"),
            ("-1e-9", "-1e-9"),
            ("3", "3"),
        ] {
            assert_eq!(defuse(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn cells_are_quoted_when_needed() {
        let text = to_string([
            vec!["plain", "a,b", "say \"hi\""],
            vec!["two\nlines", "=1+1", "-12"],
        ]);
        assert_eq!(
            text,
            "plain,\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",'=1+1,-12\n"
        );
    }

    #[test]
    fn rows_keep_their_start_lines() {
        let text = "\u{feff}a,b\n\n\"x\ny\",2\r\nlast,\"q\"\"\"";
        let got: Vec<Row> = rows(text, b',').collect();
        let row = |line, f: &[&str]| Row {
            line,
            fields: f.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            got,
            [
                row(1, &["a", "b"]),
                row(3, &["x\ny", "2"]),
                row(5, &["last", "q\""])
            ]
        );
        let tsv: Vec<Row> = rows("a\tb,c\n", b'\t').collect();
        assert_eq!(tsv, [row(1, &["a", "b,c"])]);
    }

    proptest! {
        #[test]
        fn written_rows_read_back(
            table in proptest::collection::vec(
                proptest::collection::vec("[-=+@\t\r\n,\" a-z0-9.é]{0,8}", 1..5),
                1..6,
            )
        ) {
            let text = to_string(&table);
            let back: Vec<Vec<String>> = rows(&text, b',').map(|r| r.fields).collect();
            prop_assert_eq!(back.len(), table.len());
            for (row, read) in table.iter().zip(&back) {
                prop_assert_eq!(row.len(), read.len());
                for (cell, got) in row.iter().zip(read) {
                    if cell.starts_with(FORMULA_STARTS) && !is_number(cell) {
                        prop_assert_eq!(got, &format!("'{cell}"));
                    } else {
                        prop_assert_eq!(got, cell);
                    }
                    // What a spreadsheet sees never starts a formula unless it is a number.
                    prop_assert!(!got.starts_with(FORMULA_STARTS) || is_number(got));
                }
            }
        }

        #[test]
        fn numbers_pass_through(n in any::<f64>().prop_filter("finite", |n| n.is_finite()), i in any::<i64>()) {
            for s in [n.to_string(), i.to_string()] {
                prop_assert!(is_number(&s), "{}", s);
                prop_assert_eq!(defuse(&s), s.as_str());
            }
        }
    }
}
