//! Affiliation timelines and moves in parts, for the distributed job (`spark/identity_job.py`,
//! issue 17): once identity is resolved, each researcher's timeline reads only their own
//! mentions and, of each paper, the organisations named on it. So the job sends every
//! researcher's mentions with named organisations (and each paper's organisations) to
//! [`timelines_of_part`], which runs [`network::timeline_of`] — the refresh's own rules — and
//! answers with organisation keys and corpus-wide ordinals, never with this part's ids.
//! `network::write` takes the answers in place of computing them ([`GivenTimeline`]).

use rustc_hash::FxHashMap as HashMap;

use crate::error::{CorpusError, Result};
use crate::identity::{MentionData, OrgTable};
use crate::network::{self, TimelineEntry};

/// One mention of a researcher, as the job gives it.
#[derive(Debug, Clone, Default)]
pub struct TimelineRow {
    /// The researcher: the ordinal of their cluster's representative mention.
    pub researcher: u64,
    /// Place of the mention in the corpus's order.
    pub ordinal: u64,
    pub work: i64,
    /// Publication year (0: unknown).
    pub year: i32,
    /// The researcher's own named organisations on the paper (aligned, not generic) as keys, in
    /// the order given, each with its institutional e-mail domain ("" for none).
    pub named: Vec<(String, String)>,
    /// Every named organisation on the paper, anyone's (aligned or paper-level), as keys.
    pub paper_orgs: Vec<String>,
}

/// One researcher's timeline with organisations by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenTimeline {
    /// The ordinal of the researcher's representative mention.
    pub researcher: u64,
    /// (organisation, year, papers, first work, last work).
    pub cells: Vec<(String, i32, u32, i64, i64)>,
    /// (from, to, year, from's last work, its year, to's first work, its year).
    pub moves: Vec<GivenMove>,
}

/// A move with organisations by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenMove {
    pub from: String,
    pub to: String,
    pub year: i32,
    pub from_last_work: i64,
    pub from_last_year: i32,
    pub to_first_work: i64,
    pub to_first_year: i32,
}

/// The rows the job sends, from a full load: for every mention with named organisations of its
/// own, its researcher as `root` gives it (the representative mention of each mention's cluster),
/// its organisations and its paper's, by key. What the tests compare the job's path with.
pub fn rows_from(data: &MentionData, root: &[u32]) -> Vec<TimelineRow> {
    let mut rows = Vec::new();
    for (m, mention) in data.mentions.iter().enumerate() {
        let named: Vec<(String, String)> = data
            .affs_of(m)
            .iter()
            .filter(|f| !f.generic && !f.paper_level)
            .map(|f| {
                let domain = match f.domain {
                    0 => String::new(),
                    d => data.domains[d as usize].clone(),
                };
                (data.org_tokens[f.org as usize].clone(), domain)
            })
            .collect();
        if named.is_empty() {
            continue;
        }
        let mut paper_orgs: Vec<String> = data
            .paper_of(m)
            .flat_map(|j| data.affs_of(j).iter().filter(|f| !f.generic))
            .map(|f| data.org_tokens[f.org as usize].clone())
            .collect();
        paper_orgs.sort();
        paper_orgs.dedup();
        rows.push(TimelineRow {
            researcher: u64::from(root[m]),
            ordinal: m as u64,
            work: mention.work,
            year: mention.year,
            named,
            paper_orgs,
        });
    }
    rows
}

/// The timelines of the researchers of `rows` (any order; each mention once), by researcher.
pub fn timelines_of_part(rows: &[TimelineRow]) -> Result<Vec<GivenTimeline>> {
    let mut ordinals: Vec<u64> = rows.iter().map(|r| r.ordinal).collect();
    ordinals.sort_unstable();
    if let Some(w) = ordinals.windows(2).find(|w| w[0] == w[1]) {
        return Err(CorpusError::Invalid(format!(
            "mention {} appears twice in one part",
            w[0]
        )));
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by_key(|&i| (rows[i].researcher, rows[i].ordinal));
    // Keys and domains interned from 1 (0 is "no domain").
    let mut keys: Vec<&str> = vec![""];
    let mut key_ids: HashMap<&str, u32> = HashMap::default();
    let mut domain_ids: HashMap<&str, u32> = HashMap::default();
    let mut out = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let researcher = rows[order[start]].researcher;
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| rows[i].researcher == researcher)
                .count();
        let mut entries = Vec::with_capacity(end - start);
        for &i in &order[start..end] {
            let row: &TimelineRow = &rows[i];
            let mut named: Vec<(u32, u32)> = Vec::with_capacity(row.named.len());
            for (k, d) in &row.named {
                let domain = if d.is_empty() {
                    0
                } else {
                    let next = domain_ids.len() as u32 + 1;
                    *domain_ids.entry(d.as_str()).or_insert(next)
                };
                named.push((intern(&mut key_ids, &mut keys, k), domain));
            }
            let mut paper_orgs: Vec<u32> = row
                .paper_orgs
                .iter()
                .map(|k| intern(&mut key_ids, &mut keys, k))
                .collect();
            paper_orgs.sort_unstable();
            paper_orgs.dedup();
            entries.push(TimelineEntry {
                year: row.year,
                work: row.work,
                order: row.ordinal,
                named,
                paper_orgs,
            });
        }
        let timeline = network::timeline_of(&entries, |id| keys.get(id as usize).copied());
        let key = |id: u32| keys[id as usize].to_string();
        out.push(GivenTimeline {
            researcher,
            cells: timeline
                .cells
                .iter()
                .map(|c| (key(c.org), c.year, c.papers, c.first_work, c.last_work))
                .collect(),
            moves: timeline
                .moves
                .iter()
                .map(|m| GivenMove {
                    from: key(m.from),
                    to: key(m.to),
                    year: m.year,
                    from_last_work: m.from_last_work,
                    from_last_year: m.from_last_year,
                    to_first_work: m.to_first_work,
                    to_first_year: m.to_first_year,
                })
                .collect(),
        });
        start = end;
    }
    Ok(out)
}

fn intern<'a>(ids: &mut HashMap<&'a str, u32>, values: &mut Vec<&'a str>, key: &'a str) -> u32 {
    *ids.entry(key).or_insert_with(|| {
        values.push(key);
        values.len() as u32 - 1
    })
}

/// The job's timelines as each researcher's [`network::Timeline`] (index = researcher id − 1),
/// organisations by the ids `orgs` gives them (`organisations.id` = index + 1): `rid_of` is the
/// researcher of each mention. A researcher the job gave nothing has an empty timeline. A
/// timeline of a mention outside the corpus or of no researcher, two for one researcher, or an
/// organisation the corpus does not hold is an error.
pub fn timelines_of_researchers(
    given: Vec<GivenTimeline>,
    rid_of: &[u32],
    n_researchers: usize,
    orgs: &OrgTable,
) -> Result<Vec<network::Timeline>> {
    let mut out: Vec<Option<network::Timeline>> = vec![None; n_researchers];
    for t in given {
        let rid = usize::try_from(t.researcher)
            .ok()
            .and_then(|m| rid_of.get(m))
            .copied()
            .filter(|&r| r > 0 && (r as usize) <= n_researchers)
            .ok_or_else(|| {
                CorpusError::Invalid(format!(
                    "a timeline names mention {}, which is no researcher's",
                    t.researcher
                ))
            })?;
        let slot = &mut out[rid as usize - 1];
        if slot.is_some() {
            return Err(CorpusError::Invalid(format!(
                "two timelines for the researcher of mention {}",
                t.researcher
            )));
        }
        let id = |key: &str| -> Result<u32> {
            orgs.id_of(key).map(|i| i as u32 + 1).ok_or_else(|| {
                CorpusError::Invalid(format!(
                    "a timeline names organisation {key:?}, which the corpus does not hold"
                ))
            })
        };
        let mut cells = Vec::with_capacity(t.cells.len());
        for (key, year, papers, first_work, last_work) in &t.cells {
            cells.push(network::TimelineCell {
                org: id(key)?,
                year: *year,
                papers: *papers,
                first_work: *first_work,
                last_work: *last_work,
            });
        }
        cells.sort_unstable_by_key(|c| (c.org, c.year));
        let mut orgs_seen: Vec<u32> = cells.iter().filter(|c| c.year > 0).map(|c| c.org).collect();
        orgs_seen.sort_unstable();
        orgs_seen.dedup();
        let mut moves = Vec::with_capacity(t.moves.len());
        for m in &t.moves {
            moves.push(crate::moves::Move {
                from: id(&m.from)?,
                to: id(&m.to)?,
                year: m.year,
                from_last_work: m.from_last_work,
                from_last_year: m.from_last_year,
                to_first_work: m.to_first_work,
                to_first_year: m.to_first_year,
            });
        }
        *slot = Some(network::Timeline {
            cells,
            orgs_seen,
            moves,
        });
    }
    Ok(out.into_iter().map(Option::unwrap_or_default).collect())
}
