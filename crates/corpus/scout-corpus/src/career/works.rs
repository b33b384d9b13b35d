//! What the stage estimate reads of each work, held in memory so that a full refresh builds every
//! researcher's papers from its own mention → researcher map instead of reading them back.
//!
//! The rebuild writes the identity tables in one transaction; once that transaction has written
//! gigabytes, every page SQLite reads goes through a write-ahead-log lookup that grows with it
//! (one wal-index hash table per 4,096 frames is probed for a page that is not in the log).
//! Reading every authorship back inside it (as `load_papers` does), with the mentions still held,
//! made career stages take 1,404 s at 10M works; built this way they take 169 s (docs/scale.md).
//! The works table is not written by the rebuild, so reading it when the transaction begins
//! gives the same rows as reading it at the end.

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::paper::{CareerPaper, PaperMap, sort_papers};
use crate::error::Result;

/// Year, venue and team size of one dated work.
#[derive(Debug, Clone, Copy)]
struct WorkFact {
    year: i32,
    /// Index into [`WorkFacts::venue_first`].
    venue: u32,
    n_authors: i64,
}

/// Every dated work (year ≥ 1) with its venue's first year in the corpus: what
/// [`super::load_papers`] joins each authorship to.
pub struct WorkFacts {
    by_id: HashMap<i64, WorkFact>,
    /// First year of each venue in the corpus.
    venue_first: Vec<i32>,
}

impl WorkFacts {
    /// Reads the works table once.
    pub fn load(conn: &Connection) -> Result<WorkFacts> {
        let mut venue_index: HashMap<String, u32> = HashMap::default();
        let mut venue_first: Vec<i32> = Vec::new();
        let mut by_id = HashMap::default();
        let mut stmt = conn.prepare(
            "SELECT id, year, COALESCE(venue, ''), n_authors FROM works WHERE year >= 1",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let year: i32 = r.get(1)?;
            let name = r.get_ref(2)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
            })?;
            let venue = match venue_index.get(name) {
                Some(v) => *v,
                None => {
                    let v = venue_first.len() as u32;
                    venue_index.insert(name.to_owned(), v);
                    venue_first.push(year);
                    v
                }
            };
            venue_first[venue as usize] = venue_first[venue as usize].min(year);
            let fact = WorkFact {
                year,
                venue,
                n_authors: r.get(3)?,
            };
            by_id.insert(r.get(0)?, fact);
        }
        Ok(WorkFacts { by_id, venue_first })
    }

    /// Every researcher's papers from `authorships` — (work, position, researcher) — as
    /// [`super::load_papers`] reads them from `authorship_researcher`: undated works left out,
    /// each researcher's papers in (year, work, position) order.
    pub fn papers(&self, authorships: impl Iterator<Item = (i64, i64, i64)>) -> PaperMap {
        let mut out: PaperMap = HashMap::default();
        for (work, position, researcher) in authorships {
            let Some(w) = self.by_id.get(&work) else {
                continue;
            };
            out.entry(researcher).or_default().push(CareerPaper {
                work,
                year: w.year,
                venue_first_year: self.venue_first[w.venue as usize],
                position,
                n_authors: w.n_authors,
            });
        }
        sort_papers(&mut out);
        out
    }
}
