//! Where the List reads paper facts and authorships from: straight from SQLite ([`SqlFacts`],
//! a one-off query from the CLI) or from a [`RankModel`] held in memory (a server, a benchmark,
//! the evaluations), and, for a topic that names a research field, the works of the venues
//! standing for it.

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::RelevanceOptions;
use scout_corpus::rusqlite::{Connection, OptionalExtension};
use scout_corpus::venue_fields::VenueFields;

use crate::error::{RankError, Result};
use crate::field_sums::FieldSums;
use crate::impact::{Shape, is_rejected, status_factor};
pub use crate::paper::PaperFacts;
use crate::paper::title_key;

/// Where scoring reads paper facts and authorships from: straight from SQLite (a one-off
/// query from the CLI) or from a [`RankModel`] held in memory (a server, a benchmark).
pub trait FactSource {
    fn paper(&mut self, work_id: i64) -> Result<Option<PaperFacts>>;
    /// `(0-based position, researcher id)` of each author of the work.
    fn authors(&mut self, work_id: i64, out: &mut Vec<(i64, i64)>) -> Result<()>;
    /// One more than the largest researcher id [`FactSource::authors`] can return, when known:
    /// scores are then summed in an array rather than a hash map.
    fn researcher_bound(&self) -> Option<usize> {
        None
    }
    /// The works (from `since` on) of the venues standing for the field `topic` names, in `out`;
    /// returns those venues as stored (none: the topic is not a field's name).
    fn field_works(
        &mut self,
        topic: &str,
        since: Option<i32>,
        out: &mut Vec<i64>,
    ) -> Result<Vec<String>>;
    /// The in-memory model behind this source, if any (field topics are then scored from its
    /// sums: `field_sums.rs`).
    fn model(&self) -> Option<&RankModel> {
        None
    }
}

/// The corpus's venues (every venue with a dated paper: the impact cohorts), with their fields.
fn venue_fields(conn: &Connection) -> Result<VenueFields> {
    let mut stmt = conn.prepare("SELECT DISTINCT venue FROM cohorts ORDER BY venue")?;
    let venues = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(VenueFields::new(venues))
}

/// Reads facts with SQL, one paper at a time.
pub struct SqlFacts<'c> {
    conn: &'c Connection,
    /// Read on the first topic that asks.
    venues: Option<VenueFields>,
}

impl<'c> SqlFacts<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(SqlFacts { conn, venues: None })
    }
}

/// Paper facts from one row of `works` joined to `work_impact`.
const FACTS_SQL_ROW: &str =
    "SELECT w.id, w.year, w.status, i.relative, w.n_authors, w.title, i.estimated, w.key";
const FACTS_SQL_FROM: &str = "FROM works w LEFT JOIN work_impact i ON i.work_id = w.id";

fn facts_from_row(
    r: &scout_corpus::rusqlite::Row<'_>,
) -> scout_corpus::rusqlite::Result<PaperFacts> {
    let status: Option<String> = r.get(2)?;
    Ok(PaperFacts {
        title_key: title_key(r.get_ref(5)?.as_str().unwrap_or_default()),
        key_hash: xxhash_rust::xxh3::xxh3_64(r.get_ref(7)?.as_bytes().unwrap_or_default()),
        twin: true,
        year: r.get(1)?,
        relative: r.get(3)?,
        estimated: r.get::<_, Option<i64>>(6)?.unwrap_or(0) != 0,
        status_factor: status_factor(status.as_deref()),
        rejected: is_rejected(status.as_deref()),
        n_authors: r.get(4)?,
    })
}

impl FactSource for SqlFacts<'_> {
    fn paper(&mut self, work_id: i64) -> Result<Option<PaperFacts>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{FACTS_SQL_ROW} {FACTS_SQL_FROM} WHERE w.id = ?1"))?
            .query_row([work_id], facts_from_row)
            .optional()?)
    }

    fn authors(&mut self, work_id: i64, out: &mut Vec<(i64, i64)>) -> Result<()> {
        out.clear();
        let mut stmt = self.conn.prepare_cached(
            "SELECT position, researcher_id FROM authorship_researcher WHERE work_id = ?1",
        )?;
        let rows = stmt.query_map([work_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for row in rows {
            out.push(row?);
        }
        Ok(())
    }

    fn field_works(
        &mut self,
        topic: &str,
        since: Option<i32>,
        out: &mut Vec<i64>,
    ) -> Result<Vec<String>> {
        out.clear();
        if self.venues.is_none() {
            self.venues = Some(venue_fields(self.conn)?);
        }
        let venues: Vec<String> = self
            .venues
            .as_ref()
            .map(|v| {
                v.field_venues(topic)
                    .into_iter()
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if venues.is_empty() {
            return Ok(venues);
        }
        let list = serde_json::to_string(&venues).map_err(|e| RankError::Invalid(e.to_string()))?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM works WHERE venue IN (SELECT value FROM json_each(?1))
               AND (?2 IS NULL OR year >= ?2) ORDER BY id",
        )?;
        for id in stmt.query_map(scout_corpus::rusqlite::params![list, since], |r| r.get(0))? {
            out.push(id?);
        }
        Ok(venues)
    }
}

/// Paper facts and authorships of the whole corpus in memory (a few bytes per paper and per
/// authorship), for answering many List queries quickly.
pub struct RankModel {
    papers: Vec<Option<PaperFacts>>,
    offsets: Vec<u32>,
    authors: Vec<(u16, u32)>,
    venue_fields: VenueFields,
    /// Each work's venue: an index into `venues` (`u32::MAX`: none).
    venue_of: Vec<u32>,
    venues: Vec<String>,
    /// One more than the largest researcher id in `authors`.
    researcher_bound: usize,
    /// Field topics' sums per venue and year, and each researcher's works.
    pub(crate) field_sums: FieldSums,
}

impl RankModel {
    pub fn load(conn: &Connection) -> Result<RankModel> {
        let max_id: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?;
        let mut papers = vec![None; max_id as usize + 1];
        let mut venue_of = vec![u32::MAX; papers.len()];
        let mut venues: Vec<String> = Vec::new();
        let mut venue_ids: HashMap<String, u32> = HashMap::default();
        let mut stmt = conn.prepare(&format!("{FACTS_SQL_ROW}, w.venue {FACTS_SQL_FROM}"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if let Some(slot) = papers.get_mut(id as usize) {
                *slot = Some(facts_from_row(r)?);
                if let scout_corpus::rusqlite::types::ValueRef::Text(bytes) = r.get_ref(8)?
                    && let Ok(venue) = std::str::from_utf8(bytes)
                {
                    let next = venues.len() as u32;
                    let v = *venue_ids.entry(venue.to_string()).or_insert(next);
                    if v == next {
                        venues.push(venue.to_string());
                    }
                    venue_of[id as usize] = v;
                }
            }
        }
        // Venue indices in name order, not in the order works meet them (work ids are the
        // ingest's arrival order): the field sums' buckets, and sums over them, follow them.
        let mut by_name: Vec<u32> = (0..venues.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| venues[a as usize].cmp(&venues[b as usize]));
        let mut renumbered = vec![0u32; venues.len()];
        for (new, &old) in by_name.iter().enumerate() {
            renumbered[old as usize] = new as u32;
        }
        for v in venue_of.iter_mut().filter(|v| **v != u32::MAX) {
            *v = renumbered[*v as usize];
        }
        let venues: Vec<String> = by_name
            .iter()
            .map(|&old| std::mem::take(&mut venues[old as usize]))
            .collect();
        // Authorships in compressed-row form: the authors of work `w` are
        // `authors[offsets[w]..offsets[w + 1]]`.
        let mut offsets = vec![0u32; papers.len() + 1];
        let mut authors = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT work_id, position, researcher_id FROM authorship_researcher ORDER BY work_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut current = 0usize;
        while let Some(r) = rows.next()? {
            let work = r.get::<_, i64>(0)? as usize;
            if work >= papers.len() {
                continue;
            }
            while current < work {
                current += 1;
                offsets[current] = authors.len() as u32;
            }
            let position: i64 = r.get(1)?;
            let researcher: i64 = r.get(2)?;
            authors.push((position.min(i64::from(u16::MAX)) as u16, researcher as u32));
        }
        while current < papers.len() {
            current += 1;
            offsets[current] = authors.len() as u32;
        }
        mark_twins(&mut papers, &offsets, &authors);
        let researcher_bound = authors
            .iter()
            .map(|&(_, r)| r as usize + 1)
            .max()
            .unwrap_or(0);
        let field_sums = FieldSums::build(
            Shape::default(),
            &papers,
            &offsets,
            &authors,
            &venue_of,
            researcher_bound,
        );
        let mut model = RankModel {
            papers,
            offsets,
            authors,
            venue_fields: venue_fields(conn)?,
            venue_of,
            venues,
            researcher_bound,
            field_sums,
        };
        // Totals of the large fields, for the as-of year the List uses by default.
        let fields: Vec<Vec<bool>> = model
            .venue_fields
            .known_field_venues()
            .iter()
            .map(|venues| model.venue_mask(venues))
            .collect();
        let least = RelevanceOptions::default().field_relevance.clamp(0.0, 1.0) as f32;
        let as_of = scout_corpus::latest_year(conn)?.unwrap_or(2025);
        let works = model.papers.iter().flatten().count();
        model
            .field_sums
            .add_totals(fields, least, as_of, works, model.researcher_bound);
        Ok(model)
    }

    pub fn facts(&self) -> ModelFacts<'_> {
        ModelFacts { model: self }
    }

    /// The venues standing for the field `topic` names: their stored names, and a mask over
    /// the model's venue indices.
    pub(crate) fn field_venues(&self, topic: &str) -> (Vec<String>, Vec<bool>) {
        let venues: Vec<String> = self
            .venue_fields
            .field_venues(topic)
            .into_iter()
            .map(String::from)
            .collect();
        let mask = self.venue_mask(&venues);
        (venues, mask)
    }

    /// The facts of one paper.
    pub(crate) fn paper(&self, work_id: i64) -> Option<PaperFacts> {
        usize::try_from(work_id)
            .ok()
            .and_then(|w| self.papers.get(w).copied().flatten())
    }

    /// The `(position, researcher)` authorships of `work_id`.
    fn authors_of(&self, work_id: i64) -> &[(u16, u32)] {
        usize::try_from(work_id).map_or(&[], |w| {
            crate::paper::authors_of(&self.offsets, &self.authors, w)
        })
    }

    /// A mask over the model's venue indices: the venues named in `names` (as stored).
    fn venue_mask<S: AsRef<str>>(&self, names: &[S]) -> Vec<bool> {
        self.venues
            .iter()
            .map(|v| names.iter().any(|n| n.as_ref() == v))
            .collect()
    }

    /// The best (lowest) position of `researcher` among the authors of `work_id`.
    pub(crate) fn position_of(&self, work_id: i64, researcher: i64) -> Option<i64> {
        self.authors_of(work_id)
            .iter()
            .filter(|&&(_, r)| i64::from(r) == researcher)
            .map(|&(p, _)| i64::from(p))
            .min()
    }

    /// Whether work `work_id` is a paper of a venue in `mask` from `since` on.
    pub(crate) fn in_field(&self, work_id: i64, mask: &[bool], since: Option<i32>) -> bool {
        let Ok(w) = usize::try_from(work_id) else {
            return false;
        };
        self.venue_of
            .get(w)
            .and_then(|&v| mask.get(v as usize))
            .copied()
            .unwrap_or(false)
            && self
                .papers
                .get(w)
                .copied()
                .flatten()
                .is_some_and(|p| since.is_none_or(|s| p.year.is_some_and(|y| y >= s)))
    }
}

/// Marks the papers whose title key another paper of one of their authors shares (a workshop
/// and a main-track version of one paper); the others skip the per-title bookkeeping when
/// scored, which only changes a score when one researcher holds two papers of one title.
/// `offsets` and `authors` are the model's authorships in compressed-row form.
fn mark_twins(papers: &mut [Option<PaperFacts>], offsets: &[u32], authors: &[(u16, u32)]) {
    let mut keyed: Vec<(u64, usize)> = papers
        .iter()
        .enumerate()
        .filter_map(|(id, p)| p.map(|p| (p.title_key, id)))
        .collect();
    keyed.sort_unstable();
    for paper in papers.iter_mut().flatten() {
        paper.twin = false;
    }
    let authors_of = |work: usize| crate::paper::authors_of(offsets, authors, work);
    let mut seen: Vec<(u32, usize)> = Vec::new();
    for group in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // (researcher, work) of every authorship in the group: a researcher on two of its
        // works makes both of those works twins.
        seen.clear();
        for &(_, work) in group {
            seen.extend(authors_of(work).iter().map(|&(_, r)| (r, work)));
        }
        seen.sort_unstable();
        seen.dedup();
        for pair in seen.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
            for &(_, work) in pair {
                if let Some(Some(p)) = papers.get_mut(work) {
                    p.twin = true;
                }
            }
        }
    }
}

/// A [`FactSource`] over a [`RankModel`].
pub struct ModelFacts<'m> {
    model: &'m RankModel,
}

impl FactSource for ModelFacts<'_> {
    fn paper(&mut self, work_id: i64) -> Result<Option<PaperFacts>> {
        Ok(self.model.papers.get(work_id as usize).copied().flatten())
    }

    fn authors(&mut self, work_id: i64, out: &mut Vec<(i64, i64)>) -> Result<()> {
        out.clear();
        out.extend(
            self.model
                .authors_of(work_id)
                .iter()
                .map(|&(p, r)| (i64::from(p), i64::from(r))),
        );
        Ok(())
    }

    fn researcher_bound(&self) -> Option<usize> {
        Some(self.model.researcher_bound)
    }

    fn field_works(
        &mut self,
        topic: &str,
        since: Option<i32>,
        out: &mut Vec<i64>,
    ) -> Result<Vec<String>> {
        out.clear();
        let m = self.model;
        let (venues, wanted) = m.field_venues(topic);
        if !wanted.contains(&true) {
            return Ok(venues);
        }
        for id in 0..m.venue_of.len() as i64 {
            if m.in_field(id, &wanted, since) {
                out.push(id);
            }
        }
        Ok(venues)
    }

    fn model(&self) -> Option<&RankModel> {
        Some(self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_are_the_papers_sharing_a_title_and_an_author() {
        let paper = |title: &str| {
            Some(PaperFacts {
                title_key: title_key(title),
                twin: true,
                ..PaperFacts::default()
            })
        };
        let mut papers = vec![
            None,
            paper("Attention Is All You Need"),
            paper("A paper of its own"),
            paper("attention is all you need."),
            paper("Attention is all you need"),
        ];
        // Work 1: researchers 7, 8; work 2: 7; work 3: 9, 8; work 4: 10 (same title, nobody
        // else's): 1 and 3 share researcher 8, 4 shares no one.
        let offsets = [0, 0, 2, 3, 5, 6];
        let authors = [(0, 7), (1, 8), (0, 7), (0, 9), (1, 8), (0, 10)];
        mark_twins(&mut papers, &offsets, &authors);
        let twins: Vec<bool> = papers.iter().flatten().map(|p| p.twin).collect();
        assert_eq!(twins, [true, false, true, false]);
    }
}
