//! Output helpers: the `--format` switch, aligned text tables, CSV and JSON.

use std::io::Write;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A simple text table: header plus rows, columns padded to their widest cell.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; header.len()],
        }
    }

    /// Right-aligns the given columns (numbers).
    pub fn right_align(mut self, columns: &[usize]) -> Self {
        for &c in columns {
            if c < self.right.len() {
                self.right[c] = true;
            }
        }
        self
    }

    /// Appends a column (one cell per existing row).
    pub fn add_column(&mut self, name: &str, cells: Vec<String>, right: bool) {
        self.header.push(name.to_string());
        self.right.push(right);
        for (row, cell) in self.rows.iter_mut().zip(cells) {
            row.push(cell);
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut width = vec![0usize; cols];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate().take(cols) {
                width[i] = width[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::with_capacity(cols);
            for (i, w) in width.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = w.saturating_sub(cell.chars().count());
                parts.push(if self.right[i] {
                    format!("{}{}", " ".repeat(pad), cell)
                } else if i + 1 == cols {
                    cell.to_string()
                } else {
                    format!("{cell}{}", " ".repeat(pad))
                });
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule, &mut out);
        for row in &self.rows {
            line(row, &mut out);
        }
        out
    }

    /// The table as CSV, formula-safe (`scout_formats::csv`).
    pub fn csv(&self) -> String {
        scout_formats::csv::to_string(std::iter::once(&self.header).chain(&self.rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_csv_quotes() {
        let mut t = Table::new(&["name", "score"]).right_align(&[1]);
        t.row(vec!["Ada".into(), "1.5".into()]);
        t.row(vec!["Grace, H.".into(), "12.25".into()]);
        assert_eq!(
            t.render(),
            "name       score\n---------  -----\nAda          1.5\nGrace, H.  12.25\n"
        );
        t.row(vec!["=cmd()".into(), "-0.5".into()]);
        assert_eq!(
            t.csv(),
            "name,score\nAda,1.5\n\"Grace, H.\",12.25\n'=cmd(),-0.5\n"
        );
    }
}
