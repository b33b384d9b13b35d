//! The works as impact reads them from the store (each with its chosen count: the documented
//! precedence of citation files over the record's own count), and the citation cohorts table.

use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;

use crate::error::Result;

pub(super) struct Work {
    pub(super) id: i64,
    pub(super) key: String,
    pub(super) venue: Option<String>,
    pub(super) year: Option<i32>,
    pub(super) status: String,
    pub(super) rating: Option<f64>,
    pub(super) n_authors: i64,
    /// The count the work's own record carried (`works.citations`), as stored.
    pub(super) citations: Option<i64>,
    /// Chosen count: (source, window days, count).
    pub(super) count: Option<(String, u32, i64)>,
}

pub(super) fn source_rank(source: &str) -> u8 {
    match source {
        "openalex" => 0,
        "semantic_scholar" => 1,
        _ => 2,
    }
}

/// The `cohorts` rows of some venue-years, counted from every work of them, and their latest
/// year.
pub(super) struct CohortRows {
    /// (venue, year, papers, papers with a count, their mean count)
    rows: Vec<(String, i32, i64, i64, Option<f64>)>,
    latest: Option<i32>,
}

impl CohortRows {
    pub(super) fn count<'w>(works: impl IntoIterator<Item = &'w Work>) -> CohortRows {
        #[derive(Default)]
        struct Cohort {
            papers: i64,
            with_citations: i64,
            sum: i64,
        }
        let mut cohorts: HashMap<(&str, i32), Cohort> = HashMap::default();
        let mut latest: Option<i32> = None;
        for w in works {
            latest = latest.max(w.year);
            let (Some(venue), Some(year)) = (w.venue.as_deref(), w.year) else {
                continue;
            };
            let c = cohorts.entry((venue, year)).or_default();
            c.papers += 1;
            if let Some(n) = w.citations {
                c.with_citations += 1;
                c.sum = c.sum.saturating_add(n);
            }
        }
        let rows = cohorts
            .into_iter()
            .map(|((venue, year), c)| {
                let mean = (c.with_citations > 0).then(|| c.sum as f64 / c.with_citations as f64);
                (venue.to_string(), year, c.papers, c.with_citations, mean)
            })
            .collect();
        CohortRows { rows, latest }
    }

    /// Writes the rows (replacing those of the same venue-years) and sets `meta.latest_year` to
    /// the latest year, or only raises it to that year with `raise_only`.
    pub(super) fn write(&self, conn: &Connection, raise_only: bool) -> Result<()> {
        let mut insert = conn.prepare(
            "INSERT OR REPLACE INTO cohorts (venue, year, papers, with_citations, mean_citations)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (venue, year, papers, with_citations, mean) in &self.rows {
            insert.execute(params![venue, year, papers, with_citations, mean])?;
        }
        if let Some(y) = self.latest {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('latest_year', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = CASE
                   WHEN ?2 AND CAST(value AS INTEGER) >= CAST(excluded.value AS INTEGER) THEN value
                   ELSE excluded.value END",
                params![y.to_string(), raise_only],
            )?;
        }
        Ok(())
    }
}

/// The works `clause` (what follows `FROM works`) selects, each with its own record's count.
pub(super) fn load_works_where(
    conn: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Work>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, key, venue, year, status, rating, n_authors, citations, source FROM works {clause}"
    ))?;
    let rows = stmt.query_map(params, |r| {
        let citations: Option<i64> = r.get(7)?;
        let source: String = r.get(8)?;
        Ok(Work {
            id: r.get(0)?,
            key: r.get(1)?,
            venue: r.get(2)?,
            year: r.get(3)?,
            status: r
                .get::<_, Option<String>>(4)?
                .unwrap_or_default()
                .to_ascii_lowercase(),
            rating: r.get(5)?,
            n_authors: r.get(6)?,
            citations,
            count: citations.filter(|c| *c >= 0).map(|c| (source, 0, c)),
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Applies the documented precedence: file totals, then the record's own count, then the
/// longest windowed count. `sql` selects the citation-file rows of `works`
/// (`work_id, source, window_days, count, as_of`, in that order of keys).
pub(super) fn choose_counts(
    conn: &Connection,
    works: &mut [Work],
    index: &HashMap<i64, usize>,
    sql: &str,
) -> Result<()> {
    // Per work the best file total and the best windowed count: (rank key, source, window, count).
    type Best = (u8, String, u32, i64, Option<String>);
    let mut totals: HashMap<usize, Best> = HashMap::default();
    let mut windowed: HashMap<usize, Best> = HashMap::default();
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let source: String = r.get(1)?;
        let window: u32 = r.get(2)?;
        let count: i64 = r.get(3)?;
        let as_of: Option<String> = r.get(4)?;
        let candidate = (source_rank(&source), source, window, count, as_of);
        if window == 0 {
            let better = match totals.get(&i) {
                None => true,
                Some(b) => {
                    (candidate.0, std::cmp::Reverse(&candidate.4)) < (b.0, std::cmp::Reverse(&b.4))
                }
            };
            if better {
                totals.insert(i, candidate);
            }
        } else {
            let better = match windowed.get(&i) {
                None => true,
                Some(b) => {
                    (std::cmp::Reverse(candidate.2), candidate.0) < (std::cmp::Reverse(b.2), b.0)
                }
            };
            if better {
                windowed.insert(i, candidate);
            }
        }
    }
    for (i, w) in works.iter_mut().enumerate() {
        if let Some((_, src, win, c, _)) = totals.remove(&i) {
            w.count = Some((src, win, c));
        } else if w.count.is_none()
            && let Some((_, src, win, c, _)) = windowed.remove(&i)
        {
            w.count = Some((src, win, c));
        }
    }
    Ok(())
}
