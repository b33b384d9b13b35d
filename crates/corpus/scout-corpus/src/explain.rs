//! `why-same`: explains whether two author mentions (or researchers) were resolved to one
//! person, as a chain of reasons from one mention to the other, or why they were kept apart.

use std::collections::VecDeque;

use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use crate::error::{CorpusError, Result};
use crate::identity::{ID_KINDS, org_token};
use crate::names::{PersonName, name_key};
use crate::researchers::{self, Researcher};
use crate::stored::{StoredAuthor, decode_authors};

/// One author mention, described for people.
#[derive(Debug, Clone, Serialize)]
pub struct MentionInfo {
    pub work_id: i64,
    pub position: i64,
    pub name: String,
    pub work_key: String,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    /// Strong ids on this mention: `(kind, value)`.
    pub ids: Vec<(String, String)>,
    pub affiliations: Vec<String>,
}

/// One hop of a chain: why `from` and `to` are the same person.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub from: MentionInfo,
    pub to: MentionInfo,
    pub rule: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhySame {
    pub a: MentionInfo,
    pub b: MentionInfo,
    pub researcher_a: Researcher,
    pub researcher_b: Researcher,
    pub same: bool,
    /// When `same`: the chain of reasons from `a` to `b`.
    pub chain: Vec<Step>,
    /// When not `same`: what kept them apart.
    pub apart: Vec<String>,
}

struct Loaded {
    info: MentionInfo,
    author: StoredAuthor,
    coauthors: Vec<String>,
}

fn load_mention(conn: &Connection, work_id: i64, position: i64) -> Result<Option<Loaded>> {
    type WorkRow = (String, String, Option<i32>, Option<String>, String);
    let row: Option<WorkRow> = conn
        .prepare_cached("SELECT key, title, year, venue, authors FROM works WHERE id = ?1")?
        .query_row([work_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((work_key, title, year, venue, authors_json)) = row else {
        return Ok(None);
    };
    let authors = decode_authors(&authors_json);
    let Some(author) = authors.get(position as usize).cloned() else {
        return Ok(None);
    };
    let ids = [
        &author.openreview_id,
        &author.orcid,
        &author.openalex_id,
        &author.dblp_id,
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(k, v)| v.as_ref().map(|v| (ID_KINDS[k].to_string(), v.clone())))
    .collect();
    let coauthors = authors
        .iter()
        .enumerate()
        .filter(|(i, _)| *i as i64 != position)
        .map(|(_, a)| name_key(&a.name))
        .collect();
    Ok(Some(Loaded {
        info: MentionInfo {
            work_id,
            position,
            name: author.name.clone(),
            work_key,
            title,
            year,
            venue,
            ids,
            affiliations: author
                .affiliations
                .iter()
                .map(|a| a.display().to_string())
                .collect(),
        },
        author,
        coauthors,
    }))
}

/// Parses `WORK_KEY#POSITION` or `work:ID#POSITION` (position is 0-based).
fn parse_mention_ref(conn: &Connection, s: &str) -> Result<Option<(i64, i64)>> {
    let Some((work, pos)) = s.rsplit_once('#') else {
        return Ok(None);
    };
    let Ok(position) = pos.parse::<i64>() else {
        return Ok(None);
    };
    let work_id = match work
        .strip_prefix("work:")
        .and_then(|id| id.parse::<i64>().ok())
    {
        Some(id) => Some(id),
        None => conn
            .prepare_cached("SELECT id FROM works WHERE key = ?1")?
            .query_row([work], |r| r.get(0))
            .optional()?,
    };
    Ok(work_id.map(|w| (w, position)))
}

/// Resolves one side of the question to a mention and its researcher.
fn resolve_side(conn: &Connection, query: &str) -> Result<(Loaded, Researcher)> {
    if let Some((work_id, position)) = parse_mention_ref(conn, query)? {
        let mention = load_mention(conn, work_id, position)?.ok_or_else(|| {
            CorpusError::Invalid(format!("no author #{position} on work {work_id}"))
        })?;
        let rid: i64 = conn
            .prepare_cached("SELECT researcher_id FROM authorship_researcher WHERE work_id = ?1 AND position = ?2")?
            .query_row(params![work_id, position], |r| r.get(0))?;
        let researcher = researchers::by_id(conn, rid)?
            .ok_or_else(|| CorpusError::UnknownResearcher(query.into()))?;
        return Ok((mention, researcher));
    }
    let researcher = researchers::resolve_one(conn, query)?;
    // The mention that best matches the query's spelling (or the first one).
    let wanted = name_key(query);
    let mut first: Option<Loaded> = None;
    let mut stmt = conn.prepare_cached(
        "SELECT work_id, position FROM authorship_researcher WHERE researcher_id = ?1 ORDER BY work_id, position",
    )?;
    let refs: Vec<(i64, i64)> = stmt
        .query_map([researcher.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (w, p) in refs {
        if let Some(m) = load_mention(conn, w, p)? {
            if name_key(&m.info.name) == wanted || m.info.name == query {
                return Ok((m, researcher));
            }
            if first.is_none() {
                first = Some(m);
            }
        }
    }
    let mention = first.ok_or_else(|| CorpusError::UnknownResearcher(query.into()))?;
    Ok((mention, researcher))
}

/// Explains whether `a` and `b` are the same person. Each side is a mention reference
/// (`WORK_KEY#POSITION`), a researcher key or id, or a name.
pub fn why_same(conn: &Connection, a: &str, b: &str) -> Result<WhySame> {
    let (ma, ra) = resolve_side(conn, a)?;
    let (mb, rb) = resolve_side(conn, b)?;
    if ra.id == rb.id {
        let chain = chain(
            conn,
            ra.id,
            (ma.info.work_id, ma.info.position),
            (mb.info.work_id, mb.info.position),
        )?;
        return Ok(WhySame {
            a: ma.info,
            b: mb.info,
            researcher_a: ra.clone(),
            researcher_b: rb,
            same: true,
            chain,
            apart: Vec::new(),
        });
    }
    let apart = reasons_apart(conn, &ra, &rb, &ma, &mb)?;
    Ok(WhySame {
        a: ma.info,
        b: mb.info,
        researcher_a: ra,
        researcher_b: rb,
        same: false,
        chain: Vec::new(),
        apart,
    })
}

/// Shortest chain of recorded reasons between two mentions of one researcher.
fn chain(
    conn: &Connection,
    researcher_id: i64,
    from: (i64, i64),
    to: (i64, i64),
) -> Result<Vec<Step>> {
    if from == to {
        return Ok(Vec::new());
    }
    let refs: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT work_id, position FROM authorship_researcher WHERE researcher_id = ?1",
        )?
        .query_map([researcher_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut mentions: HashMap<(i64, i64), Loaded> = HashMap::default();
    for &(w, p) in &refs {
        if let Some(m) = load_mention(conn, w, p)? {
            mentions.insert((w, p), m);
        }
    }
    type Key = (i64, i64);
    let mut edges: HashMap<Key, Vec<(Key, String, String)>> = HashMap::default();
    let mut add = |a: Key, b: Key, rule: &str, detail: String| {
        edges
            .entry(a)
            .or_default()
            .push((b, rule.to_string(), detail.clone()));
        edges
            .entry(b)
            .or_default()
            .push((a, rule.to_string(), detail));
    };
    // Strong ids, in the order resolution trusts them.
    let mut keys: Vec<Key> = mentions.keys().copied().collect();
    keys.sort_unstable();
    for (kind, rule) in ID_KINDS.iter().zip([
        "same-openreview-id",
        "same-orcid",
        "same-openalex-id",
        "same-dblp-id",
    ]) {
        let mut first: HashMap<String, Key> = HashMap::default();
        for k in &keys {
            let m = &mentions[k];
            if let Some((_, v)) = m.info.ids.iter().find(|(kk, _)| kk == kind) {
                match first.get(v) {
                    Some(&f) => add(f, *k, rule, format!("{kind} {v}")),
                    None => {
                        first.insert(v.clone(), *k);
                    }
                }
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT a_work, a_position, b_work, b_position, rule, detail FROM identity_links WHERE researcher_id = ?1",
    )?;
    let links = stmt.query_map([researcher_id], |r| {
        Ok((
            (r.get(0)?, r.get(1)?),
            (r.get(2)?, r.get(3)?),
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    for link in links {
        let (a, b, rule, detail) = link?;
        add(a, b, &rule, detail);
    }
    // Breadth-first search.
    let mut previous: HashMap<Key, (Key, String, String)> = HashMap::default();
    let mut seen: HashSet<Key> = HashSet::default();
    let mut queue = VecDeque::from([from]);
    seen.insert(from);
    while let Some(k) = queue.pop_front() {
        if k == to {
            break;
        }
        for (next, rule, detail) in edges.get(&k).map(Vec::as_slice).unwrap_or_default() {
            if seen.insert(*next) {
                previous.insert(*next, (k, rule.clone(), detail.clone()));
                queue.push_back(*next);
            }
        }
    }
    let mut steps = Vec::new();
    let mut cur = to;
    while let Some((prev, rule, detail)) = previous.get(&cur) {
        let (Some(f), Some(t)) = (mentions.get(prev), mentions.get(&cur)) else {
            break;
        };
        steps.push(Step {
            from: f.info.clone(),
            to: t.info.clone(),
            rule: rule.clone(),
            detail: detail.clone(),
        });
        cur = *prev;
    }
    steps.reverse();
    Ok(steps)
}

fn reasons_apart(
    conn: &Connection,
    ra: &Researcher,
    rb: &Researcher,
    ma: &Loaded,
    mb: &Loaded,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let pairs = [
        ("OpenReview ids", &ra.openreview_id, &rb.openreview_id),
        ("ORCIDs", &ra.orcid, &rb.orcid),
        ("OpenAlex ids", &ra.openalex_id, &rb.openalex_id),
        ("DBLP ids", &ra.dblp_id, &rb.dblp_id),
    ];
    for (what, x, y) in pairs {
        if let (Some(x), Some(y)) = (x, y)
            && x != y
        {
            out.push(format!(
                "different {what}: {x} vs {y} (two different strong ids are never merged)"
            ));
        }
    }
    let (pa, pb) = (
        PersonName::parse(&ma.author.name),
        PersonName::parse(&mb.author.name),
    );
    match (&pa, &pb) {
        (Some(x), Some(y)) if !x.compatible(y) => {
            out.push(format!(
                "names are not compatible: \"{}\" vs \"{}\"",
                ma.author.name, mb.author.name
            ));
        }
        (Some(x), Some(y)) if x.block_key() != y.block_key() => {
            out.push(
                "names differ in family name or first initial, so they were never compared"
                    .to_string(),
            );
        }
        _ => {}
    }
    // Evidence across all mentions of both researchers.
    let evidence = |r: &Researcher| -> Result<(HashSet<String>, HashSet<String>)> {
        let refs: Vec<(i64, i64)> = conn
            .prepare_cached(
                "SELECT work_id, position FROM authorship_researcher WHERE researcher_id = ?1",
            )?
            .query_map([r.id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut co = HashSet::default();
        let mut orgs = HashSet::default();
        for (w, p) in refs {
            if let Some(m) = load_mention(conn, w, p)? {
                co.extend(m.coauthors);
                orgs.extend(m.author.affiliations.iter().map(|a| org_token(a.display())));
            }
        }
        Ok((co, orgs))
    };
    let (ca, oa) = evidence(ra)?;
    let (cb, ob) = evidence(rb)?;
    let shared_co: Vec<&String> = ca.intersection(&cb).collect();
    let shared_org: Vec<&String> = oa.intersection(&ob).filter(|o| !o.is_empty()).collect();
    if out.is_empty() {
        if shared_co.is_empty() && shared_org.is_empty() {
            out.push("no shared co-author and no shared organisation: a compatible name alone is not enough".into());
        } else {
            out.push(format!(
                "they share {} co-author name(s) and {} organisation(s), but the evidence was ambiguous (an initial only, \
                 or a namesake with a strong id was a better match)",
                shared_co.len(),
                shared_org.len()
            ));
        }
    } else if !shared_co.is_empty() || !shared_org.is_empty() {
        out.push(format!(
            "(they do share {} co-author name(s) and {} organisation(s): namesakes in the same community)",
            shared_co.len(),
            shared_org.len()
        ));
    }
    Ok(out)
}
