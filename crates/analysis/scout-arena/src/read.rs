//! Readers for comparison files: pure parsing of text already in memory, with errors that name the
//! line and field.
//!
//! * [`parse_clean_battle`]: FastChat / Chatbot Arena `clean_battle_*.json` (a JSON array of battles
//!   `{model_a, model_b, winner, anony, judge, tstamp, ...}`), streamed element by element.
//! * [`parse_pair_counts`]: the aggregated `{"models": [...], "X": [[i, j]...], "Y": [[i_wins, j_wins,
//!   tie, tie_bothbad]...]}` file (leaderbot's `chatbotarena_20240814.json`).
//! * [`parse_pairwise_csv`]: CSV with a header naming `left`, `right` and `winner` columns (in any
//!   position, other columns ignored), `winner` ∈ `left|right|tie` (also `tie (bothbad)`,
//!   `both_bad`). evalica's and llmfao's files have this shape; llmfao's `worker` column is taken as
//!   the voter.
//!
//! A record comparing an item with itself is skipped and counted
//! ([`VoteLog::self_comparisons_skipped`]); GenAI-Arena's log has one.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use crate::data::{Comparisons, ComparisonsBuilder, Outcome, VoteLog};
use crate::error::{ArenaError, Result};

/// Which battles of a `clean_battle` file to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BattleFilter {
    /// Every battle (FastChat's "full" leaderboard).
    #[default]
    All,
    /// Only battles with `anony == true` (FastChat's default leaderboard).
    AnonymousOnly,
}

/// Parses a FastChat `clean_battle` JSON array into a vote log (voter = the `judge` field).
///
/// `winner` must be `model_a`, `model_b`, `tie` or `tie (bothbad)` (`both_bad` is also accepted).
pub fn parse_clean_battle(text: &str, filter: BattleFilter) -> Result<VoteLog> {
    const FORMAT: &str = "clean_battle JSON";
    let mut log = VoteLog::new();
    let mut de = serde_json::Deserializer::from_str(text);
    BattlesSeed {
        log: &mut log,
        filter,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| ArenaError::json(FORMAT, &e))?;
    Ok(log)
}

#[derive(Deserialize)]
struct RawBattle<'a> {
    #[serde(borrow)]
    model_a: Cow<'a, str>,
    #[serde(borrow)]
    model_b: Cow<'a, str>,
    #[serde(borrow)]
    winner: Cow<'a, str>,
    #[serde(default)]
    anony: Option<bool>,
    #[serde(default, borrow)]
    judge: Option<Cow<'a, str>>,
}

struct BattlesSeed<'l> {
    log: &'l mut VoteLog,
    filter: BattleFilter,
}

impl<'de> DeserializeSeed<'de> for BattlesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

fn strip_position(message: String) -> String {
    match message.rfind(" at line ") {
        Some(pos) => message[..pos].to_owned(),
        None => message,
    }
}

impl<'de> Visitor<'de> for BattlesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of battles")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            let battle = seq.next_element::<RawBattle<'de>>().map_err(|e| {
                de::Error::custom(format!("battle {index}: {}", strip_position(e.to_string())))
            })?;
            let Some(b) = battle else { break };
            let outcome = match b.winner.as_ref() {
                "model_a" => Outcome::LeftWins,
                "model_b" => Outcome::RightWins,
                "tie" => Outcome::Tie,
                "tie (bothbad)" | "both_bad" => Outcome::TieBothBad,
                other => {
                    return Err(de::Error::custom(format!(
                        "battle {index}: field `winner`: unknown value {other:?} \
                         (expected model_a, model_b, tie, tie (bothbad))"
                    )));
                }
            };
            let keep = match self.filter {
                BattleFilter::All => true,
                BattleFilter::AnonymousOnly => b.anony.ok_or_else(|| {
                    de::Error::custom(format!("battle {index}: field `anony` is missing"))
                })?,
            };
            if !keep {
                self.log.skip_filtered();
            } else if b.model_a == b.model_b {
                self.log.skip_self_comparison();
            } else {
                self.log
                    .push(&b.model_a, &b.model_b, outcome, b.judge.as_deref(), || {
                        format!("battle {index}")
                    })
                    .map_err(|e| de::Error::custom(e.to_string()))?;
            }
            index += 1;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairCountsFile {
    models: Vec<String>,
    #[serde(rename = "X")]
    x: Vec<[usize; 2]>,
    #[serde(rename = "Y")]
    y: Vec<[u64; 4]>,
}

/// Parses the aggregated pair-count JSON: `Y[k] = [i_wins, j_wins, tie, tie_bothbad]` for the pair
/// `X[k] = [i, j]` of indices into `models`.
pub fn parse_pair_counts(text: &str) -> Result<Comparisons> {
    const FORMAT: &str = "pair-count JSON";
    let file: PairCountsFile =
        serde_json::from_str(text).map_err(|e| ArenaError::json(FORMAT, &e))?;
    if file.x.len() != file.y.len() {
        return Err(ArenaError::Shape(format!(
            "{FORMAT}: `X` has {} rows but `Y` has {}",
            file.x.len(),
            file.y.len()
        )));
    }
    let n = file.models.len();
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = file.models.iter().find(|m| !seen.insert(m.as_str())) {
        return Err(ArenaError::Shape(format!(
            "{FORMAT}: model {dup:?} is listed twice in `models`"
        )));
    }
    let mut builder = ComparisonsBuilder::with_items(file.models.iter().map(String::as_str));
    for (k, (&[i, j], counts)) in file.x.iter().zip(&file.y).enumerate() {
        for idx in [i, j] {
            if idx >= n {
                return Err(ArenaError::ItemIndex {
                    index: idx,
                    items: n,
                    context: format!("X[{k}]"),
                });
            }
        }
        if i == j {
            return Err(ArenaError::SelfComparison {
                item: file.models[i].clone(),
                context: format!("X[{k}]"),
            });
        }
        for (outcome, &count) in Outcome::ALL.iter().zip(counts) {
            if count > 0 {
                builder.add_indexed(i as u32, j as u32, *outcome, count, count as f64);
            }
        }
    }
    Ok(builder.build())
}

/// Parses a pairwise CSV (see the module docs) into a vote log.
pub fn parse_pairwise_csv(text: &str) -> Result<VoteLog> {
    let mut reader = CsvReader::new(text);
    let mut fields: Vec<String> = Vec::new();
    let Some(_) = reader.next_record(&mut fields)? else {
        return Err(ArenaError::Csv {
            line: 1,
            message: "empty input: no header".into(),
        });
    };
    let header = fields.clone();
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let missing = |name: &str| ArenaError::Csv {
        line: 1,
        message: format!("header has no `{name}` column"),
    };
    let left = column("left").ok_or_else(|| missing("left"))?;
    let right = column("right").ok_or_else(|| missing("right"))?;
    let winner = column("winner").ok_or_else(|| missing("winner"))?;
    let voter = ["worker", "judge", "voter", "annotator"]
        .iter()
        .find_map(|c| column(c));
    let width = header.len();
    let mut log = VoteLog::new();
    while let Some(line) = reader.next_record(&mut fields)? {
        if fields.len() == 1 && fields[0].is_empty() {
            continue; // blank line
        }
        if fields.len() != width {
            return Err(ArenaError::Csv {
                line,
                message: format!(
                    "expected {width} fields as in the header, found {}",
                    fields.len()
                ),
            });
        }
        let outcome = match fields[winner].trim() {
            "left" => Outcome::LeftWins,
            "right" => Outcome::RightWins,
            "tie" => Outcome::Tie,
            "tie (bothbad)" | "both_bad" => Outcome::TieBothBad,
            other => {
                return Err(ArenaError::Csv {
                    line,
                    message: format!(
                        "column `winner`: unknown value {other:?} (expected left, right, tie)"
                    ),
                });
            }
        };
        for (col, name) in [(left, "left"), (right, "right")] {
            if fields[col].is_empty() {
                return Err(ArenaError::Csv {
                    line,
                    message: format!("column `{name}` is empty"),
                });
            }
        }
        if fields[left] == fields[right] {
            log.skip_self_comparison();
            continue;
        }
        let who = voter.map(|v| fields[v].as_str()).filter(|v| !v.is_empty());
        log.push(&fields[left], &fields[right], outcome, who, || {
            format!("CSV line {line}")
        })?;
    }
    Ok(log)
}

/// A minimal RFC 4180 reader: comma-separated, `"` quoting with `""` escapes, quoted newlines,
/// LF or CRLF line ends.
struct CsvReader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> CsvReader<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        CsvReader {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Reads the next record into `fields`; returns the line it started on, or `None` at the end.
    fn next_record(&mut self, fields: &mut Vec<String>) -> Result<Option<usize>> {
        fields.clear();
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let start_line = self.line;
        let mut field = String::new();
        loop {
            // Start of a field.
            if self.bytes.get(self.pos) == Some(&b'"') {
                self.pos += 1;
                loop {
                    let Some(rel) = self.text[self.pos..].find('"') else {
                        return Err(ArenaError::Csv {
                            line: start_line,
                            message: "unterminated quoted field".into(),
                        });
                    };
                    let chunk = &self.text[self.pos..self.pos + rel];
                    self.line += chunk.matches('\n').count();
                    field.push_str(chunk);
                    self.pos += rel + 1;
                    if self.bytes.get(self.pos) == Some(&b'"') {
                        field.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                match self.bytes.get(self.pos) {
                    None | Some(b',') | Some(b'\n') | Some(b'\r') => {}
                    Some(_) => {
                        return Err(ArenaError::Csv {
                            line: self.line,
                            message: "unexpected character after a closing quote".into(),
                        });
                    }
                }
            } else {
                let rest = &self.text[self.pos..];
                let end = rest.find([',', '\n', '\r']).unwrap_or(rest.len());
                field.push_str(&rest[..end]);
                self.pos += end;
            }
            fields.push(std::mem::take(&mut field));
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') => {
                    self.pos += 1;
                    if self.bytes.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    self.line += 1;
                    return Ok(Some(start_line));
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(Some(start_line));
                }
                _ => return Ok(Some(start_line)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_battle_with_filter_and_voters() {
        let text = r#"[
          {"model_a": "x", "model_b": "y", "winner": "model_a", "anony": true, "judge": "j1", "tstamp": 1.0},
          {"model_a": "y", "model_b": "z", "winner": "tie (bothbad)", "anony": false, "judge": "j2"},
          {"model_a": "x", "model_b": "z", "winner": "tie", "anony": true}
        ]"#;
        let all = parse_clean_battle(text, BattleFilter::All).expect("parse");
        assert_eq!(all.votes().len(), 3);
        assert_eq!(all.voters(), ["j1", "j2"]);
        let anony = parse_clean_battle(text, BattleFilter::AnonymousOnly).expect("parse");
        assert_eq!(anony.votes().len(), 2);
        assert_eq!(anony.votes()[1].outcome, Outcome::Tie);
        assert_eq!(anony.votes()[1].voter, None);
    }

    #[test]
    fn clean_battle_errors_name_battle_field_and_line() {
        let text = "[\n{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"},\n{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"draw\"}\n]";
        let err = parse_clean_battle(text, BattleFilter::All).expect_err("bad winner");
        let msg = err.to_string();
        assert!(
            msg.contains("battle 1") && msg.contains("`winner`") && msg.contains("\"draw\""),
            "{msg}"
        );
        // The position is where the parser stood after the offending battle.
        assert!(
            matches!(err, ArenaError::Json { line: 3 | 4, .. }),
            "{err:?}"
        );
        let err = parse_clean_battle(
            "[{\"model_a\": \"x\", \"winner\": \"tie\"}]",
            BattleFilter::All,
        )
        .expect_err("missing field");
        assert!(
            err.to_string()
                .contains("battle 0: missing field `model_b`"),
            "{err}"
        );
        let err = parse_clean_battle(
            "[{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"tie\"}]",
            BattleFilter::AnonymousOnly,
        )
        .expect_err("missing anony");
        assert!(err.to_string().contains("`anony`"), "{err}");
    }

    #[test]
    fn pair_counts_expand_to_rows() {
        let text = r#"{"models": ["a", "b", "c"], "X": [[0, 1], [2, 1]], "Y": [[3, 1, 0, 2], [5, 0, 1, 0]]}"#;
        let c = parse_pair_counts(text).expect("parse");
        assert_eq!(c.total_votes(), 12);
        assert_eq!(c.votes_per_item(), [6, 12, 6]);
        // [2, 1] is stored as (1, 2) with the outcome flipped: c's 5 wins are RightWins.
        let r = c
            .rows()
            .iter()
            .find(|r| r.left == 1 && r.right == 2 && r.outcome == Outcome::RightWins);
        assert_eq!(r.map(|r| r.votes), Some(5));
        let err = parse_pair_counts(r#"{"models": ["a"], "X": [[0, 3]], "Y": [[1, 0, 0, 0]]}"#)
            .expect_err("index");
        assert!(err.to_string().contains("X[0]"), "{err}");
        let err = parse_pair_counts(r#"{"models": ["a", "b"], "X": [[0, 1]], "Y": [[1, 0, 0]]}"#)
            .expect_err("short");
        assert!(matches!(err, ArenaError::Json { .. }), "{err}");
    }

    #[test]
    fn csv_with_extra_columns_quotes_and_voters() {
        let text = "id,prompt,model_x,model_y,worker,winner,left,right\r\n\
                    0,8,97,98,58,tie,Airoboros L2 70B,Weaver 12k\r\n\
                    1,8,97,98,14,right,\"Model, with comma\",\"Say \"\"hi\"\"\"\r\n";
        let log = parse_pairwise_csv(text).expect("parse");
        assert_eq!(
            log.items(),
            [
                "Airoboros L2 70B",
                "Weaver 12k",
                "Model, with comma",
                "Say \"hi\""
            ]
        );
        assert_eq!(log.voters(), ["58", "14"]);
        assert_eq!(log.votes()[1].outcome, Outcome::RightWins);
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let err = parse_pairwise_csv("left,right,winner\na,b,left\na,b,draw\n").expect_err("bad");
        assert_eq!(
            err.to_string(),
            "CSV line 3: column `winner`: unknown value \"draw\" (expected left, right, tie)"
        );
        let err = parse_pairwise_csv("left,right\na,b\n").expect_err("no winner");
        assert!(err.to_string().contains("`winner`"), "{err}");
        let err = parse_pairwise_csv("left,right,winner\na,b\n").expect_err("short row");
        assert!(err.to_string().starts_with("CSV line 2"), "{err}");
        let log =
            parse_pairwise_csv("left,right,winner\na,a,tie\na,b,left\n").expect("self is skipped");
        assert_eq!((log.votes().len(), log.self_comparisons_skipped()), (1, 1));
    }
}
