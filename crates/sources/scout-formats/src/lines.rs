//! A line reader with a length limit: a line longer than the limit is skipped (and reported)
//! without ever being held in memory, so one huge record cannot exhaust memory.

use std::io::{self, BufRead};

/// What the reader found at the next line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete line, without its line terminator.
    Complete(&'a [u8]),
    /// A line longer than the limit; only its length is known.
    TooLong { bytes: u64 },
    /// The input ended in the middle of a line because of a read error (for example a
    /// truncated gzip stream). Holds what was read of the line and the error.
    Broken { partial: &'a [u8], error: String },
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    max_bytes: usize,
    line_no: u64,
    failed: bool,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_bytes: usize) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(1 << 12),
            max_bytes,
            line_no: 0,
            failed: false,
        }
    }

    /// Returns the next line with its 1-based number, or `None` at the end of input (or after
    /// a read error was reported once as [`Line::Broken`]).
    pub fn next_line(&mut self) -> Option<(u64, Line<'_>)> {
        if self.failed {
            return None;
        }
        self.buf.clear();
        let mut skipped: u64 = 0;
        let mut too_long = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = true;
                    self.line_no += 1;
                    let error = describe_read_error(&e);
                    if too_long {
                        return Some((self.line_no, Line::TooLong { bytes: skipped }));
                    }
                    return Some((
                        self.line_no,
                        Line::Broken {
                            partial: &self.buf,
                            error,
                        },
                    ));
                }
            };
            if available.is_empty() {
                // End of input.
                if self.buf.is_empty() && !too_long {
                    return None;
                }
                self.line_no += 1;
                if too_long {
                    return Some((self.line_no, Line::TooLong { bytes: skipped }));
                }
                return Some((self.line_no, Line::Complete(trim_cr(&self.buf))));
            }
            let (take, found_newline) = match memchr::memchr(b'\n', available) {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            if too_long {
                skipped += take as u64;
            } else if self.buf.len() + take > self.max_bytes {
                too_long = true;
                skipped = (self.buf.len() + take) as u64;
                self.buf.clear();
            } else {
                self.buf.extend_from_slice(&available[..take]);
            }
            let consumed = if found_newline { take + 1 } else { take };
            self.inner.consume(consumed);
            if found_newline {
                self.line_no += 1;
                if too_long {
                    return Some((self.line_no, Line::TooLong { bytes: skipped }));
                }
                return Some((self.line_no, Line::Complete(trim_cr(&self.buf))));
            }
        }
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Turns decompression errors into a message a user can act on.
pub fn describe_read_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            format!("input ended early (truncated or incomplete gzip stream): {e}")
        }
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("corrupt compressed data: {e}")
        }
        _ => format!("read error: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            out.push(match line.1 {
                Line::Complete(l) => String::from_utf8_lossy(l).into_owned(),
                Line::TooLong { bytes } => format!("<too long {bytes}>"),
                Line::Broken { .. } => "<broken>".into(),
            });
        }
        out
    }

    #[test]
    fn splits_lines_and_handles_crlf_and_missing_final_newline() {
        assert_eq!(collect(b"a\r\nbb\nccc", 10), ["a", "bb", "ccc"]);
        assert_eq!(collect(b"a\n\nb\n", 10), ["a", "", "b"]);
        assert!(collect(b"", 10).is_empty());
    }

    #[test]
    fn skips_lines_over_the_limit_and_keeps_counting() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend(b"\nafter\n");
        assert_eq!(collect(&input, 10), ["ok", "<too long 100>", "after"]);
        let mut reader = LineReader::new(&input[..], 10);
        let mut last = 0;
        while let Some((n, _)) = reader.next_line() {
            last = n;
        }
        assert_eq!(last, 3);
    }

    #[test]
    fn limit_applies_across_buffer_refills() {
        let input: Vec<u8> = std::iter::repeat_n(b'y', 5000).chain(*b"\nz\n").collect();
        let reader = io::BufReader::with_capacity(64, &input[..]);
        let mut lines = LineReader::new(reader, 4096);
        assert_eq!(lines.next_line(), Some((1, Line::TooLong { bytes: 5000 })));
        assert_eq!(lines.next_line(), Some((2, Line::Complete(b"z"))));
        assert_eq!(lines.next_line(), None);
    }
}
