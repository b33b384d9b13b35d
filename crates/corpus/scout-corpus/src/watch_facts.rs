//! What the corpus shows about watched researchers, as the items the workspace's move radar
//! compares with what it has already seen (`scout_pipeline`'s `watches`): each of a
//! researcher's papers, each move (`moves.rs`: double affiliations and one-year visits are not
//! moves), each organisation on their papers that no move explains (a double affiliation or a
//! visit, told apart), and each first paper with a co-author at a rival organisation.
//!
//! Items are named by stable corpus keys (work keys, organisation keys, researcher keys), never
//! by internal integer ids, so that a rebuilt or re-ingested corpus names the same item the same
//! way and raises nothing new.

use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::organisations::OrgRegistry;

/// What kind of change an item reports.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A new paper.
    Paper,
    /// A likely move: the last paper at one organisation, then papers at another.
    Move,
    /// A new organisation on the researcher's papers that is not a move (a double affiliation,
    /// or a stint the history does not show as a move).
    Affiliation,
    /// A first paper with a co-author at a rival organisation.
    RivalCoauthor,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Paper => "paper",
            ItemKind::Move => "move",
            ItemKind::Affiliation => "affiliation",
            ItemKind::RivalCoauthor => "rival_coauthor",
        }
    }

    /// The kind stored under `name` (`as_str`).
    pub fn parse(name: &str) -> Option<ItemKind> {
        [
            ItemKind::Paper,
            ItemKind::Move,
            ItemKind::Affiliation,
            ItemKind::RivalCoauthor,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// A paper named as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaperRef {
    /// The corpus's stable work key.
    pub work_key: String,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
}

/// The evidence behind an item; which fields are set depends on its kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// The papers behind the item (a move: the last paper at the old organisation, then the
    /// first at the new one).
    pub papers: Vec<PaperRef>,
    /// A move's old organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A move's new organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The organisation of a new affiliation or of a rival co-author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// A rival co-author's name and researcher key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coauthor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coauthor_key: Option<String>,
    /// The reading of the evidence in words.
    pub reading: String,
}

/// One item the corpus shows about a researcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedItem {
    /// The item's stable name (`paper:WORK_KEY`, `move:FROM_KEY>TO_KEY`, `org:ORG_KEY`,
    /// `rival:COAUTHOR_KEY@ORG_KEY`), unique per researcher and kind.
    pub item: String,
    pub kind: ItemKind,
    /// The year the item happened (a paper's year, a move's first year at the new place).
    pub year: Option<i32>,
    /// One line saying what happened.
    pub summary: String,
    /// How sure the reading is, in percent (moves and affiliations).
    pub confidence_pct: Option<i64>,
    pub evidence: Evidence,
    /// Remembered as seen but raising no alert of its own: the organisation a move reports.
    pub quiet: bool,
}

/// Everything the corpus shows about one researcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub key: String,
    pub name: String,
    pub items: Vec<ObservedItem>,
}

/// Papers with more authors than this make no rival co-author item (the co-author graph's rule:
/// a consortium paper says little about who works with whom).
pub const MAX_TEAM: i64 = 50;

/// Organisation keys of the rival organisations named (by name or alias; a name the corpus does
/// not know matches nothing).
fn rival_org_ids(conn: &Connection, rivals: &[String]) -> Result<HashSet<i64>> {
    let registry = OrgRegistry::builtin();
    let mut ids = HashSet::default();
    let mut stmt = conn
        .prepare_cached("SELECT id FROM organisations WHERE key = ?1 OR lower(name) = lower(?2)")?;
    for name in rivals.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let key = registry.resolve(name).key;
        let found = stmt.query_map(params![key, name], |r| r.get::<_, i64>(0))?;
        for id in found {
            ids.insert(id?);
        }
    }
    Ok(ids)
}

/// What a radar run observes: [`follow`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The watched researchers whose items may have changed (all of them when `everyone`).
    pub keys: Vec<String>,
    pub everyone: bool,
    /// The latest refresh, to follow from next time (`None`: none logged yet).
    pub latest: Option<String>,
}

/// Of the `watched` researchers (sorted keys), those whose items may have changed since the
/// refresh `from` (`refresh_log`): the researchers the refreshes rewrote, and — for the rival
/// co-author items, which read a co-author's organisations and key — the co-authors of those
/// rewritten researchers on their papers (of at most [`MAX_TEAM`] authors) from a year they
/// were at a rival organisation: the only papers through which they can raise a new item.
/// Everyone when the log cannot tell (`from` unknown here, or a full refresh since).
pub fn follow(
    conn: &Connection,
    from: Option<&str>,
    mut watched: Vec<String>,
    rivals: &[String],
) -> Result<Followed> {
    // One snapshot: the caller's transaction, or one of its own.
    let own = conn
        .is_autocommit()
        .then(|| conn.unchecked_transaction())
        .transpose()?;
    let latest = crate::refresh_log::latest(conn)?;
    let since = crate::refresh_log::changed_since(conn, from)?;
    let crate::refresh_log::Since::Only(mut changed) = since else {
        if let Some(tx) = own {
            tx.finish()?;
        }
        return Ok(Followed {
            keys: watched,
            everyone: true,
            latest,
        });
    };
    let rival_ids = rival_org_ids(conn, rivals)?;
    if !rival_ids.is_empty() && !changed.is_empty() {
        crate::db::fill_temp_ids(conn, "radar_rivals", "INTEGER", rival_ids)?;
        crate::db::fill_temp_ids(conn, "radar_changed", "TEXT", &changed)?;
        let mut stmt = conn.prepare(
            // CROSS JOIN keeps this order: SQLite would otherwise scan every authorship.
            "SELECT DISTINCT co.key FROM temp.radar_changed k
             CROSS JOIN researchers r ON r.key = k.id
             CROSS JOIN researcher_orgs ro ON ro.researcher_id = r.id
                    AND ro.org_id IN (SELECT id FROM temp.radar_rivals)
             CROSS JOIN authorship_researcher a1 ON a1.researcher_id = r.id
             CROSS JOIN works w ON w.id = a1.work_id AND w.n_authors <= ?1 AND w.year = ro.year
             CROSS JOIN authorship_researcher a2 ON a2.work_id = a1.work_id
             CROSS JOIN researchers co ON co.id = a2.researcher_id",
        )?;
        let coauthors = stmt
            .query_map([MAX_TEAM], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        conn.execute_batch("DELETE FROM temp.radar_rivals; DELETE FROM temp.radar_changed;")?;
        changed.extend(coauthors);
        changed.sort_unstable();
        changed.dedup();
    }
    if let Some(tx) = own {
        tx.finish()?;
    }
    watched.retain(|k| changed.binary_search(k).is_ok());
    Ok(Followed {
        keys: watched,
        everyone: false,
        latest,
    })
}

/// What a radar run after the refresh `from` observes of the `watched` researchers
/// ([`follow`], then [`observe`]), and the latest refresh, to follow from next time.
pub fn observe_since(
    conn: &Connection,
    from: Option<&str>,
    watched: Vec<String>,
    rivals: &[String],
) -> Result<(Vec<Observed>, Option<String>)> {
    let followed = follow(conn, from, watched, rivals)?;
    Ok((observe(conn, &followed.keys, rivals)?, followed.latest))
}

/// A paper as the statements below read it.
fn paper(r: &rusqlite::Row, at: usize) -> rusqlite::Result<PaperRef> {
    Ok(PaperRef {
        work_key: r.get(at)?,
        title: r.get(at + 1)?,
        year: r.get(at + 2)?,
        venue: r.get(at + 3)?,
    })
}

/// A move's confidence in percent, as the hand-checked alerts of docs/radar.md read: one paper
/// at the new organisation 70, or 40 when it shares a co-author with the last paper at the old
/// one (often one group's paper with its affiliation list rotated against its authors: 60 % of
/// such moves were real in the tuning samples, 14 % and 38 % in two reporting draws, against
/// 85 %, 71 % and 76 % without); two papers 70, three or more 85; the new organisation being the
/// researcher's inferred current one adds 10.
fn move_confidence(papers_there: i64, shared_coauthor: bool, current_there: bool) -> i64 {
    let base = match papers_there {
        i64::MIN..=1 if shared_coauthor => 40,
        i64::MIN..=1 => 70,
        2 => 70,
        _ => 85,
    };
    base + if current_there { 10 } else { 0 }
}

/// What the corpus shows about each researcher in `keys` (keys the corpus does not know are
/// left out), with rival co-author items for the organisations named in `rivals`.
pub fn observe(conn: &Connection, keys: &[String], rivals: &[String]) -> Result<Vec<Observed>> {
    let rival_ids = rival_org_ids(conn, rivals)?;
    let mut researcher =
        conn.prepare_cached("SELECT id, name, current_org FROM researchers WHERE key = ?1")?;
    let mut papers = conn.prepare_cached(
        "SELECT w.key, w.title, w.year, w.venue, w.status FROM authorship_researcher ar \
         JOIN works w ON w.id = ar.work_id WHERE ar.researcher_id = ?1 ORDER BY w.year, w.key",
    )?;
    let mut moves = conn.prepare_cached(
        "SELECT fo.key, fo.name, t.key, t.name, t.id, m.year, \
                fw.key, fw.title, fw.year, fw.venue, tw.key, tw.title, tw.year, tw.venue \
         FROM moves m JOIN organisations fo ON fo.id = m.from_org \
         JOIN organisations t ON t.id = m.to_org \
         JOIN works fw ON fw.id = m.from_last_work JOIN works tw ON tw.id = m.to_first_work \
         WHERE m.researcher_id = ?1 ORDER BY m.year, fo.key, t.key",
    )?;
    let mut papers_since = conn.prepare_cached(
        "SELECT COALESCE(SUM(papers), 0) FROM researcher_orgs \
         WHERE researcher_id = ?1 AND org_id = ?2 AND year >= ?3",
    )?;
    // A co-author of both evidence papers of a move (the last at the old place, the first at
    // the new one), by name.
    let mut shared_coauthor = conn.prepare_cached(
        "SELECT r.name FROM authorship_researcher a \
         JOIN authorship_researcher b ON b.researcher_id = a.researcher_id \
         JOIN researchers r ON r.id = a.researcher_id \
         WHERE a.work_id = (SELECT id FROM works WHERE key = ?1) \
           AND b.work_id = (SELECT id FROM works WHERE key = ?2) AND a.researcher_id <> ?3 \
         ORDER BY r.key LIMIT 1",
    )?;
    let mut orgs = conn.prepare_cached(
        "SELECT ro.org_id, o.key, o.name, ro.year, ro.papers, w.key, w.title, w.year, w.venue \
         FROM researcher_orgs ro JOIN organisations o ON o.id = ro.org_id \
         JOIN works w ON w.id = ro.first_work \
         WHERE ro.researcher_id = ?1 ORDER BY ro.year, o.key",
    )?;
    let mut coauthors_at_rivals = conn.prepare_cached(
        "SELECT w.key, w.title, w.year, w.venue, c.key, c.name, o.id, o.key, o.name \
         FROM authorship_researcher me \
         JOIN works w ON w.id = me.work_id AND w.n_authors <= ?2 \
         JOIN authorship_researcher co ON co.work_id = me.work_id AND co.researcher_id <> me.researcher_id \
         JOIN researcher_orgs ro ON ro.researcher_id = co.researcher_id AND ro.year = w.year \
         JOIN organisations o ON o.id = ro.org_id \
         JOIN researchers c ON c.id = co.researcher_id \
         WHERE me.researcher_id = ?1 ORDER BY w.year, w.key, c.key, o.key",
    )?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let Some((id, name, current_org)) = researcher
            .query_row(params![key], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .optional()?
        else {
            continue;
        };
        let mut items = Vec::new();
        let rows = papers.query_map(params![id], |r| {
            Ok((paper(r, 0)?, r.get::<_, Option<String>>(4)?))
        })?;
        for row in rows {
            let (p, status) = row?;
            if status
                .as_deref()
                .is_some_and(crate::researchers::is_not_accepted)
            {
                continue;
            }
            items.push(ObservedItem {
                item: format!("paper:{}", p.work_key),
                kind: ItemKind::Paper,
                year: p.year,
                summary: format!(
                    "New paper: {}{}",
                    p.title,
                    p.venue
                        .as_deref()
                        .map_or(String::new(), |v| format!(" ({v})"))
                ),
                confidence_pct: None,
                evidence: Evidence {
                    papers: vec![p],
                    reading: "a paper the corpus lists under this researcher".into(),
                    ..Evidence::default()
                },
                quiet: false,
            });
        }

        // Organisation timeline: (org id) → (key, name, years with their paper counts, first paper).
        struct OrgYears {
            key: String,
            name: String,
            years: Vec<(i32, i64)>,
            first: PaperRef,
        }
        let mut timeline: HashMap<i64, OrgYears> = HashMap::default();
        let mut order: Vec<i64> = Vec::new();
        let rows = orgs.query_map(params![id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i32>(3)?,
                r.get::<_, i64>(4)?,
                paper(r, 5)?,
            ))
        })?;
        for row in rows {
            let (org, okey, oname, year, n, first) = row?;
            let entry = timeline.entry(org).or_insert_with(|| {
                order.push(org);
                OrgYears {
                    key: okey,
                    name: oname,
                    years: Vec::new(),
                    first,
                }
            });
            entry.years.push((year, n));
        }

        let mut move_targets: HashSet<i64> = HashSet::default();
        let rows = moves.query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i32>(5)?,
                paper(r, 6)?,
                paper(r, 10)?,
            ))
        })?;
        let mut found_moves = Vec::new();
        for row in rows {
            found_moves.push(row?);
        }
        for (from_key, from, to_key, to, to_id, year, last_at_from, first_at_to) in found_moves {
            move_targets.insert(to_id);
            let there: i64 = papers_since.query_row(params![id, to_id, year], |r| r.get(0))?;
            let current_there = current_org.as_deref() == Some(to.as_str());
            let shared: Option<String> = shared_coauthor
                .query_row(
                    params![last_at_from.work_key, first_at_to.work_key, id],
                    |r| r.get(0),
                )
                .optional()?;
            items.push(ObservedItem {
                item: format!("move:{from_key}>{to_key}@{year}"),
                kind: ItemKind::Move,
                year: Some(year),
                summary: format!("Likely move: {from} → {to} ({year})"),
                confidence_pct: Some(move_confidence(there, shared.is_some(), current_there)),
                evidence: Evidence {
                    papers: vec![last_at_from, first_at_to],
                    from: Some(from.clone()),
                    to: Some(to.clone()),
                    reading: format!(
                        "the last paper at {from}, then {there} paper(s) at {to} from {year} on, \
                         none listing both{}{}",
                        match (&shared, there <= 1) {
                            (Some(name), true) => format!(
                                "; {name} wrote both papers: the one at {to} may be a shared \
                                 group's paper with its affiliations misread"
                            ),
                            _ => String::new(),
                        },
                        if current_there {
                            format!("; {to} is now the researcher's current organisation")
                        } else {
                            String::new()
                        }
                    ),
                    ..Evidence::default()
                },
                quiet: false,
            });
        }

        for org in &order {
            let Some(o) = timeline.get(org) else { continue };
            let first_year = o.years.first().map_or(0, |y| y.0);
            let last_year = o.years.last().map_or(0, |y| y.0);
            let papers_here: i64 = o.years.iter().map(|y| y.1).sum();
            // Other organisations with papers in this organisation's years: a double
            // affiliation; with papers only after a one-year stint here: a visit.
            let alongside: Vec<&str> = order
                .iter()
                .filter(|other| *other != org)
                .filter_map(|other| timeline.get(other))
                .filter(|t| {
                    t.years
                        .iter()
                        .any(|y| y.0 >= first_year && y.0 <= last_year)
                })
                .map(|t| t.name.as_str())
                .collect();
            let earlier = order
                .iter()
                .filter_map(|other| timeline.get(other))
                .any(|t| t.years.first().is_some_and(|y| y.0 < first_year));
            let later_elsewhere = order
                .iter()
                .filter(|other| *other != org)
                .filter_map(|other| timeline.get(other))
                .any(|t| t.years.last().is_some_and(|y| y.0 > last_year));
            let reading = if move_targets.contains(org) {
                format!("{}: the destination of a move", o.name)
            } else if !earlier {
                format!(
                    "{}: among the first organisations on the researcher's papers",
                    o.name
                )
            } else if !alongside.is_empty() {
                format!(
                    "double affiliation: {} paper(s) at {} in {}–{}, alongside {}",
                    papers_here,
                    o.name,
                    first_year,
                    last_year,
                    alongside.join(", ")
                )
            } else if first_year == last_year && later_elsewhere {
                format!(
                    "a visit: one year at {} ({first_year}), then papers elsewhere",
                    o.name
                )
            } else {
                format!(
                    "new affiliation: {} paper(s) at {} from {first_year}, no move detected",
                    papers_here, o.name
                )
            };
            items.push(ObservedItem {
                item: format!("org:{}", o.key),
                kind: ItemKind::Affiliation,
                year: Some(first_year),
                summary: format!("New affiliation: {} ({first_year})", o.name),
                confidence_pct: None,
                evidence: Evidence {
                    papers: vec![o.first.clone()],
                    organisation: Some(o.name.clone()),
                    reading,
                    ..Evidence::default()
                },
                quiet: move_targets.contains(org),
            });
        }

        if !rival_ids.is_empty() {
            let own_years: HashSet<(i64, i32)> = timeline
                .iter()
                .flat_map(|(org, t)| t.years.iter().map(move |y| (*org, y.0)))
                .collect();
            let mut seen: HashSet<String> = HashSet::default();
            let rows = coauthors_at_rivals.query_map(params![id, MAX_TEAM], |r| {
                Ok((
                    paper(r, 0)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })?;
            for row in rows {
                let (p, ckey, cname, org, okey, oname) = row?;
                let year = p.year.unwrap_or(0);
                // Colleagues at the researcher's own organisation that year are no news.
                if !rival_ids.contains(&org) || own_years.contains(&(org, year)) {
                    continue;
                }
                let item = format!("rival:{ckey}@{okey}");
                if !seen.insert(item.clone()) {
                    continue;
                }
                items.push(ObservedItem {
                    item,
                    kind: ItemKind::RivalCoauthor,
                    year: p.year,
                    summary: format!("First paper with {cname} ({oname}, a rival)"),
                    confidence_pct: None,
                    evidence: Evidence {
                        reading: format!(
                            "{cname} has papers at {oname} in {year}, the year of this joint paper"
                        ),
                        papers: vec![p],
                        organisation: Some(oname),
                        coauthor: Some(cname),
                        coauthor_key: Some(ckey),
                        ..Evidence::default()
                    },
                    quiet: false,
                });
            }
        }
        out.push(Observed {
            key: key.clone(),
            name,
            items,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::move_confidence;

    /// The readings of docs/radar.md's checked alerts: one paper at the new place sharing a
    /// co-author with the last paper at the old one is the least sure; more papers there, and
    /// the new place being the current organisation, make a move likelier.
    #[test]
    fn a_move_is_less_sure_on_one_paper_shared_with_the_old_group() {
        assert!(move_confidence(1, true, false) < move_confidence(1, false, false));
        assert!(move_confidence(1, true, true) < move_confidence(1, false, false));
        assert_eq!(
            move_confidence(1, false, true),
            move_confidence(1, false, false) + 10
        );
        // Two papers or more at the new place: a shared co-author no longer lowers it.
        assert_eq!(
            move_confidence(2, true, false),
            move_confidence(2, false, false)
        );
        assert!(move_confidence(3, false, false) > move_confidence(2, false, false));
        assert!((40..=95).contains(&move_confidence(1, true, false)));
        assert!((40..=95).contains(&move_confidence(5, false, true)));
    }
}
