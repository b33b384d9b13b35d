//! The downstream part of an incremental refresh (`incremental::downstream::apply`) on real
//! records (`data/demo`: the OpenAlex sample with its author profiles, and ACL and COLM from
//! `paperlists`, whose paper-level affiliation lists make the current organisation read
//! co-authors'): two copies of one corpus get a full refresh; in the second, the derived rows of
//! chosen researchers are damaged as an incremental identity step would leave them (facts blank
//! or wrong, timelines gone, stale moves, edges and organisation counts, an organisation
//! missing, a researcher renumbered), `apply` runs, and every derived table must equal the
//! first copy's, compared by key (ids of works and organisations differ between the copies).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scout_corpus::incremental::IdentityDelta;
use scout_corpus::incremental::downstream::{self, DownstreamReport};
use scout_corpus::rusqlite::Connection;
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn demo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../data/demo")
        .join(path)
}

/// The demo corpus in `dir`, ingested and fully refreshed.
fn build(dir: &Path) -> Result<Corpus> {
    let mut corpus = Corpus::open(&dir.join("c.sqlite"))?;
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus.ingest(
        &[
            demo("openalex/works_sample.json.gz"),
            demo("openalex/authors_sample.json.gz"),
            demo("openalex/institutions_sample.json.gz"),
            demo("paperlists/papers/acl.jsonl.gz"),
            demo("paperlists/papers/colm.jsonl.gz"),
        ],
        &opts,
        &Progress::default(),
    )?;
    corpus.refresh(false)?;
    Ok(corpus)
}

fn rows(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            let v: scout_corpus::rusqlite::types::Value = r.get(i)?;
            cells.push(format!("{v:?}"));
        }
        out.push(cells.join(" | "));
    }
    out.sort();
    Ok(out)
}

/// Every derived table downstream of identity, by key. `community` says whether researchers'
/// communities and the communities table are compared.
fn snapshot(conn: &Connection, community: bool) -> Result<Vec<(&'static str, Vec<String>)>> {
    let researchers = format!(
        "SELECT r.key, r.name, r.name_norm, r.openreview_id, r.orcid, r.openalex_id, r.dblp_id, r.n_works,
                r.first_year, r.last_year, r.citations, r.current_org, r.current_org_year, r.current_org_type,
                r.current_country, o.key, printf('%.17g', r.current_org_confidence), r.current_org_evidence,
                r.current_org_stale, r.stage, r.stage_at_least, r.stage_basis, t.key, r.trained_at,
                r.trained_evidence{}
         FROM researchers r LEFT JOIN organisations o ON o.id = r.current_org_id
         LEFT JOIN organisations t ON t.id = r.trained_org_id",
        if community { ", r.community" } else { "" }
    );
    let mut tables = vec![
        ("researchers", rows(conn, &researchers)?),
        (
            "organisations",
            rows(
                conn,
                "SELECT key, name, org_type, country, aliased, note, ror, current_researchers, researchers_ever
                 FROM organisations",
            )?,
        ),
        (
            "researcher_orgs",
            rows(
                conn,
                "SELECT r.key, o.key, t.year, t.papers, wf.key, wl.key FROM researcher_orgs t
                 JOIN researchers r ON r.id = t.researcher_id JOIN organisations o ON o.id = t.org_id
                 JOIN works wf ON wf.id = t.first_work JOIN works wl ON wl.id = t.last_work",
            )?,
        ),
        (
            "moves",
            rows(
                conn,
                "SELECT r.key, f.key, t.key, m.year, wf.key, m.from_last_year, wt.key, m.to_first_year
                 FROM moves m JOIN researchers r ON r.id = m.researcher_id
                 JOIN organisations f ON f.id = m.from_org JOIN organisations t ON t.id = m.to_org
                 JOIN works wf ON wf.id = m.from_last_work JOIN works wt ON wt.id = m.to_first_work",
            )?,
        ),
        (
            "coauthor_edges",
            rows(
                conn,
                "SELECT MIN(ra.key, rb.key), MAX(ra.key, rb.key), e.papers, printf('%.17g', e.weight),
                        e.first_year, e.last_year
                 FROM coauthor_edges e JOIN researchers ra ON ra.id = e.a JOIN researchers rb ON rb.id = e.b
                 WHERE e.a < e.b",
            )?,
        ),
        (
            "dangling",
            rows(
                conn,
                "SELECT 'edge', a, b FROM coauthor_edges WHERE a NOT IN (SELECT id FROM researchers)
                                                          OR b NOT IN (SELECT id FROM researchers)
                 UNION ALL SELECT 'timeline', researcher_id, org_id FROM researcher_orgs
                 WHERE researcher_id NOT IN (SELECT id FROM researchers)
                 UNION ALL SELECT 'move', researcher_id, year FROM moves
                 WHERE researcher_id NOT IN (SELECT id FROM researchers)",
            )?,
        ),
    ];
    if community {
        tables.push((
            "communities",
            rows(conn, "SELECT id, size, topics, orgs FROM communities")?,
        ));
    }
    Ok(tables)
}

/// The tables that differ, with a few rows of each side.
fn differences(a: &[(&str, Vec<String>)], b: &[(&str, Vec<String>)]) -> Vec<String> {
    let mut out = Vec::new();
    for ((name, ra), (_, rb)) in a.iter().zip(b) {
        let only_a: Vec<&String> = ra.iter().filter(|r| !rb.contains(r)).take(5).collect();
        let only_b: Vec<&String> = rb.iter().filter(|r| !ra.contains(r)).take(5).collect();
        if !only_a.is_empty() || !only_b.is_empty() || ra.len() != rb.len() {
            out.push(format!(
                "{name} differs ({} vs {} rows)\nfull refresh only: {only_a:#?}\nincremental only: {only_b:#?}",
                ra.len(),
                rb.len()
            ));
        }
    }
    out
}

fn assert_same(a: &[(&str, Vec<String>)], b: &[(&str, Vec<String>)]) {
    let differences = differences(a, b);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

fn ids(conn: &Connection, sql: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn as_of(conn: &Connection) -> Result<i32> {
    Ok(conn.query_row("SELECT MAX(year) FROM works", [], |r| r.get(0))?)
}

fn run(corpus: &mut Corpus, delta: &IdentityDelta) -> Result<DownstreamReport> {
    let year = as_of(corpus.conn())?;
    let tx = corpus.conn_mut().transaction()?;
    let report = downstream::apply(
        &tx,
        delta,
        year,
        &mut scout_corpus::identity::OrgResolver::default(),
    )?;
    tx.commit()?;
    Ok(report)
}

/// The researchers the test damages: those on the 60 works with the largest keys (what a new
/// ingest adds), and some with moves, facts inferred from co-authors, a training organisation
/// and a censored career.
fn chosen(conn: &Connection) -> Result<Vec<i64>> {
    let mut set: BTreeSet<i64> = BTreeSet::new();
    for sql in [
        "SELECT DISTINCT researcher_id FROM authorship_researcher
         WHERE work_id IN (SELECT id FROM works ORDER BY key DESC LIMIT 60)",
        "SELECT DISTINCT researcher_id FROM moves ORDER BY researcher_id LIMIT 5",
        "SELECT id FROM researchers WHERE current_org_evidence LIKE 'inferred from co-authors%' LIMIT 5",
        "SELECT id FROM researchers WHERE current_org_evidence LIKE '%newer than%' LIMIT 5",
        "SELECT id FROM researchers WHERE trained_at IS NOT NULL LIMIT 5",
        "SELECT id FROM researchers WHERE stage_at_least = 1 LIMIT 5",
        "SELECT id FROM researchers WHERE openalex_id IS NOT NULL AND current_org_evidence LIKE '%OpenAlex%' LIMIT 5",
    ] {
        set.extend(ids(conn, sql)?);
    }
    Ok(set.into_iter().collect())
}

/// Damages the derived rows of `changed` as an incremental identity step leaves them, and
/// worse: facts blank, timelines gone, moves and edges wrong, and one organisation only they
/// refer to deleted. The organisations' counts are then counted for that state, as the step
/// expects them: it changes stored counts by who leaves and joins, which keeps them exact only
/// from exact ones.
fn damage(conn: &Connection, changed: &[i64]) -> Result<()> {
    let list = changed
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    conn.execute_batch(&format!(
        "DELETE FROM organisations WHERE id = (
             SELECT org_id FROM researcher_orgs WHERE researcher_id IN ({list})
             AND org_id NOT IN (SELECT org_id FROM researcher_orgs WHERE researcher_id NOT IN ({list}))
             AND org_id NOT IN (SELECT from_org FROM moves WHERE researcher_id NOT IN ({list}))
             AND org_id NOT IN (SELECT to_org FROM moves WHERE researcher_id NOT IN ({list}))
             AND org_id NOT IN (SELECT current_org_id FROM researchers
                                WHERE id NOT IN ({list}) AND current_org_id IS NOT NULL)
             AND org_id NOT IN (SELECT trained_org_id FROM researchers
                                WHERE id NOT IN ({list}) AND trained_org_id IS NOT NULL)
             ORDER BY org_id LIMIT 1);
         UPDATE researchers SET n_works = 0, first_year = NULL, last_year = NULL, citations = 0,
                current_org = 'somewhere', current_org_year = 1999, current_org_type = NULL,
                current_country = 'XX', current_org_id = 1, current_org_confidence = 0.5,
                current_org_evidence = 'stale', current_org_stale = 1, stage = 'senior',
                stage_at_least = 1, stage_basis = 'stale', trained_org_id = 2, trained_at = 'x',
                trained_evidence = 'x'
         WHERE id IN ({list});
         DELETE FROM researcher_orgs WHERE researcher_id IN ({list});
         UPDATE moves SET year = year + 100 WHERE researcher_id IN ({list});
         UPDATE coauthor_edges SET weight = weight * 3, papers = papers + 1
         WHERE a IN ({list}) OR b IN ({list});
         UPDATE organisations SET
             current_researchers = (SELECT COUNT(*) FROM researchers r
                                    WHERE r.current_org_id = organisations.id),
             researchers_ever = (SELECT COUNT(DISTINCT researcher_id) FROM researcher_orgs t
                                 WHERE t.org_id = organisations.id);"
    ))?;
    Ok(())
}

#[test]
fn apply_restores_what_a_full_refresh_writes() -> Result<()> {
    let a_dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let b_dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let a = build(a_dir.path())?;
    let mut b = build(b_dir.path())?;
    let expected = snapshot(a.conn(), true)?;
    assert_same(&expected, &snapshot(b.conn(), true)?);
    let changed = chosen(b.conn())?;
    assert!(changed.len() >= 20, "{} researchers chosen", changed.len());
    damage(b.conn(), &changed)?;
    // The damage is seen: the test can fail.
    let damaged = differences(&expected, &snapshot(b.conn(), true)?);
    assert!(damaged.len() >= 4, "{damaged:#?}");
    let report = run(
        &mut b,
        &IdentityDelta {
            changed: changed.clone(),
            removed: Vec::new(),
            removed_orgs: Vec::new(),
            removed_communities: Vec::new(),
        },
    )?;
    eprintln!("{report:#?}");
    assert_eq!(report.researchers, changed.len() as u64);
    assert!(
        report.edges_inserted > 0 && report.moves_inserted > 0,
        "{report:?}"
    );
    assert_eq!(report.organisations_added, 1, "{report:?}");
    assert!(report.career_model_stored, "{report:?}");
    assert_same(&expected, &snapshot(b.conn(), true)?);
    // They weighed co-authors that did not change by their stored reading.
    assert!(report.coauthors_read > 0, "{report:?}");
    Ok(())
}

#[test]
fn a_renumbered_researcher_is_new_and_its_old_id_removed() -> Result<()> {
    let a_dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let b_dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let a = build(a_dir.path())?;
    let mut b = build(b_dir.path())?;
    let expected = snapshot(a.conn(), false)?;
    // The researchers with the most edges and with a move: each becomes a new row (its old id
    // removed, its old timeline, moves and edges left behind), as a merge in the identity step
    // would leave them.
    let mut old = ids(
        b.conn(),
        "SELECT id FROM (SELECT a AS id FROM coauthor_edges UNION ALL SELECT b FROM coauthor_edges)
         GROUP BY id ORDER BY COUNT(*) DESC, id LIMIT 2",
    )?;
    old.extend(ids(
        b.conn(),
        "SELECT researcher_id FROM moves ORDER BY researcher_id LIMIT 1",
    )?);
    old.sort_unstable();
    old.dedup();
    let max: i64 = b
        .conn()
        .query_row("SELECT MAX(id) FROM researchers", [], |r| r.get(0))?;
    let old_ids = old.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let removed_orgs = ids(
        b.conn(),
        &format!(
            "SELECT current_org_id FROM researchers WHERE id IN ({old_ids}) AND current_org_id IS NOT NULL"
        ),
    )?;
    let removed_communities = ids(
        b.conn(),
        &format!(
            "SELECT community FROM researchers WHERE id IN ({old_ids}) AND community IS NOT NULL"
        ),
    )?;
    let mut new = Vec::new();
    for (k, &id) in old.iter().enumerate() {
        let to = max + 1 + k as i64;
        b.conn().execute_batch(&format!(
            "INSERT INTO researchers (id, key, name, name_norm, openreview_id, orcid, openalex_id, dblp_id, n_works)
             SELECT {to}, key || '#tmp', name, name_norm, openreview_id, orcid, openalex_id, dblp_id, 0
             FROM researchers WHERE id = {id};
             DELETE FROM researchers WHERE id = {id};
             UPDATE researchers SET key = substr(key, 1, length(key) - 4) WHERE id = {to};
             UPDATE authorship_researcher SET researcher_id = {to} WHERE researcher_id = {id};
             DELETE FROM identity_links WHERE researcher_id = {id};"
        ))?;
        new.push(to);
    }
    // Without a stored career model, the model is fitted over the whole corpus: the same one.
    b.conn()
        .execute("DELETE FROM meta WHERE key = 'career_model'", [])?;
    let report = run(
        &mut b,
        &IdentityDelta {
            changed: new.clone(),
            removed: old.clone(),
            removed_orgs,
            removed_communities,
        },
    )?;
    assert!(!report.career_model_stored, "{report:?}");
    assert!(report.edges_deleted > 0, "{report:?}");
    // Communities are global: a new researcher joins its heaviest neighbour's.
    assert_eq!(report.community_joined, new.len() as u64, "{report:?}");
    let communities = ids(
        b.conn(),
        &format!(
            "SELECT community FROM researchers WHERE id IN ({}) AND community IS NOT NULL",
            new.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
    )?;
    assert_eq!(communities.len(), new.len());
    assert_same(&expected, &snapshot(b.conn(), false)?);
    // Community sizes count the members.
    let wrong: i64 = b.conn().query_row(
        "SELECT COUNT(*) FROM communities c
         WHERE size <> (SELECT COUNT(*) FROM researchers r WHERE r.community = c.id)",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(wrong, 0);
    Ok(())
}

#[test]
fn a_merge_leaves_no_trace_of_the_removed_researcher() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let mut b = build(dir.path())?;
    // Two researchers with edges and timelines merge: the second's mentions go to the first.
    let pair = ids(
        b.conn(),
        "SELECT researcher_id FROM researcher_orgs GROUP BY researcher_id
         HAVING researcher_id IN (SELECT a FROM coauthor_edges) ORDER BY researcher_id LIMIT 2",
    )?;
    let [keep, gone] = pair[..] else {
        panic!("two researchers with timelines and edges: {pair:?}")
    };
    let removed_orgs = ids(
        b.conn(),
        &format!(
            "SELECT current_org_id FROM researchers WHERE id = {gone} AND current_org_id IS NOT NULL"
        ),
    )?;
    assert_eq!(
        removed_orgs.len(),
        1,
        "the removed researcher has a current organisation"
    );
    let removed_communities = ids(
        b.conn(),
        &format!("SELECT community FROM researchers WHERE id = {gone} AND community IS NOT NULL"),
    )?;
    assert_eq!(
        removed_communities.len(),
        1,
        "the removed researcher is in a community"
    );
    b.conn().execute_batch(&format!(
        "UPDATE authorship_researcher SET researcher_id = {keep} WHERE researcher_id = {gone};
         DELETE FROM researchers WHERE id = {gone};
         DELETE FROM identity_links WHERE researcher_id = {gone};"
    ))?;
    let report = run(
        &mut b,
        &IdentityDelta {
            changed: vec![keep],
            removed: vec![gone],
            removed_orgs,
            removed_communities,
        },
    )?;
    assert!(report.edges_deleted > 0, "{report:?}");
    // Every organisation counts the researchers currently there, the removed one no longer.
    let miscounted: i64 = b.conn().query_row(
        "SELECT COUNT(*) FROM organisations o
         WHERE current_researchers <> (SELECT COUNT(*) FROM researchers r WHERE r.current_org_id = o.id)",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(miscounted, 0);
    let conn = b.conn();
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    // Nothing refers to the removed id.
    assert_eq!(
        count(&format!(
            "SELECT (SELECT COUNT(*) FROM coauthor_edges WHERE a = {gone} OR b = {gone})
                  + (SELECT COUNT(*) FROM researcher_orgs WHERE researcher_id = {gone})
                  + (SELECT COUNT(*) FROM moves WHERE researcher_id = {gone})"
        ))?,
        0
    );
    // The merged researcher's facts count both histories.
    assert_eq!(
        count(&format!(
            "SELECT n_works FROM researchers WHERE id = {keep}"
        ))?,
        count(&format!(
            "SELECT COUNT(DISTINCT work_id) FROM authorship_researcher WHERE researcher_id = {keep}"
        ))?
    );
    // Its edges are exactly its co-authors on papers of at most 50 authors, and every
    // organisation's and community's counts match the rows.
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) FROM coauthor_edges WHERE a = {keep} OR b = {keep}"
        ))?,
        count(&format!(
            "SELECT COUNT(DISTINCT o.researcher_id) FROM authorship_researcher m
             JOIN works w ON w.id = m.work_id AND w.n_authors <= 50
             JOIN authorship_researcher o ON o.work_id = m.work_id AND o.researcher_id <> {keep}
             WHERE m.researcher_id = {keep}"
        ))?
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM organisations o
             WHERE current_researchers <> (SELECT COUNT(*) FROM researchers r WHERE r.current_org_id = o.id)
                OR researchers_ever <> (SELECT COUNT(DISTINCT researcher_id) FROM researcher_orgs t
                                        WHERE t.org_id = o.id)"
        )?,
        0
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM communities c
             WHERE size <> (SELECT COUNT(*) FROM researchers r WHERE r.community = c.id)"
        )?,
        0
    );
    Ok(())
}

#[test]
fn a_merged_researchers_organisation_is_counted_again() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let mut b = build(dir.path())?;
    // A researcher whose current organisation is not in their timeline (paper-level lists only,
    // or co-authors) merges into another: only the step's record of it finds that organisation.
    let gone = ids(
        b.conn(),
        "SELECT r.id FROM researchers r WHERE r.current_org_id IS NOT NULL
           AND r.current_org_id NOT IN (SELECT org_id FROM researcher_orgs WHERE researcher_id = r.id)
         ORDER BY r.id LIMIT 1",
    )?;
    let [gone] = gone[..] else {
        panic!("a researcher whose current organisation is outside their timeline")
    };
    let (org, community): (i64, Option<i64>) = b.conn().query_row(
        "SELECT current_org_id, community FROM researchers WHERE id = ?1",
        [gone],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let keep: i64 = b.conn().query_row(
        "SELECT MIN(id) FROM researchers WHERE id <> ?1 AND current_org_id IS NOT ?2",
        [gone, org],
        |r| r.get(0),
    )?;
    b.conn().execute_batch(&format!(
        "UPDATE authorship_researcher SET researcher_id = {keep} WHERE researcher_id = {gone};
         DELETE FROM researchers WHERE id = {gone};
         DELETE FROM identity_links WHERE researcher_id = {gone};"
    ))?;
    run(
        &mut b,
        &IdentityDelta {
            changed: vec![keep],
            removed: vec![gone],
            removed_orgs: vec![org],
            removed_communities: community.into_iter().collect(),
        },
    )?;
    let (stored, counted): (i64, i64) = b.conn().query_row(
        "SELECT current_researchers, (SELECT COUNT(*) FROM researchers WHERE current_org_id = ?1)
         FROM organisations WHERE id = ?1",
        [org],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(stored, counted);
    Ok(())
}
