//! The corpus facts behind a ballot's packets: for each finalist linked to a researcher, the
//! papers the List counts for the session's topic with their factors (the List's own
//! explanation, `scout_rank::explain_researchers`), or every paper with its relative impact
//! when the session has no topic, and the career stage. The pipeline decides what of it a
//! member sees (`scout_pipeline::committee::packet`); this module only reads the loaded corpus.

use std::sync::Arc;

use rustc_hash::FxHashSet;
use scout_corpus::researchers::{self, Researcher};
use scout_pipeline::committee::{
    CorpusFacts, CorpusStatus, IssuedBallot, PacketPaper, PaperFactors, VenueTier,
};
use scout_rank::rank::status_factor;
use scout_rank::{Contribution, FactSource, ListQuery, RankError, explain_researchers};

use super::claims::normalise_title;
use super::loaded::{CorpusApi, Inner, corpus_err, rank_err};
use crate::error::ApiResult;

/// The venue tier of a paper: the List's status factor (1.15 highlight, 1 accepted, 0.5
/// workshop, 0.25 rejected or withdrawn) in words.
fn tier(status: Option<&str>) -> VenueTier {
    let f = status_factor(status);
    if f > 1.0 {
        VenueTier::Highlight
    } else if f >= 1.0 {
        VenueTier::MainTrack
    } else if f >= 0.5 {
        VenueTier::Workshop
    } else {
        VenueTier::Rejected
    }
}

/// The facts of the ballot's left and right finalist. A corpus that cannot be read just now
/// gives `unavailable` sides rather than no ballot: the vote does not wait for the corpus.
pub(crate) async fn ballot_facts(api: &Arc<CorpusApi>, issued: &IssuedBallot) -> [CorpusFacts; 2] {
    let status = |s| CorpusFacts {
        status: s,
        ..CorpusFacts::default()
    };
    if !api.path().is_some_and(std::path::Path::exists) {
        return [
            status(CorpusStatus::NoCorpus),
            status(CorpusStatus::NoCorpus),
        ];
    }
    let keys = issued.researcher_keys().clone();
    if keys.iter().all(Option::is_none) {
        return [
            status(CorpusStatus::NotLinked),
            status(CorpusStatus::NotLinked),
        ];
    }
    let topic = issued.topic().map(str::to_string);
    match api.with(move |c| gather(c, &keys, topic.as_deref())).await {
        Ok(facts) => facts,
        Err(e) => {
            tracing::warn!(error = %e.message, "ballot packets without corpus facts");
            [
                status(CorpusStatus::Unavailable),
                status(CorpusStatus::Unavailable),
            ]
        }
    }
}

fn gather(
    c: &mut Inner,
    keys: &[Option<String>; 2],
    topic: Option<&str>,
) -> ApiResult<[CorpusFacts; 2]> {
    let mut found: Vec<Option<Researcher>> = Vec::with_capacity(2);
    for key in keys {
        found.push(match key {
            Some(k) => researchers::find(c.corpus.conn(), k)
                .map_err(corpus_err)?
                .into_iter()
                .next(),
            None => None,
        });
    }
    let ids: Vec<i64> = found.iter().flatten().map(|r| r.id).collect();
    let mut explained = match topic {
        Some(t) => {
            let mut q = ListQuery::new(t);
            q.explain_papers = usize::MAX;
            match explain_researchers(
                c.corpus.conn(),
                &c.index,
                &mut c.model.facts(),
                c.as_of,
                &q,
                &ids,
            ) {
                Ok(map) => Some(map),
                // A topic of stop words only: the papers by impact, as without a topic.
                Err(RankError::EmptyTopic(_)) => None,
                Err(e) => return Err(rank_err(e)),
            }
        }
        None => None,
    };
    let mut out: [CorpusFacts; 2] = Default::default();
    for ((slot, key), researcher) in out.iter_mut().zip(keys).zip(found) {
        *slot = match (key, researcher) {
            (None, _) => CorpusFacts {
                status: CorpusStatus::NotLinked,
                ..CorpusFacts::default()
            },
            (Some(_), None) => CorpusFacts {
                status: CorpusStatus::NotInCorpus,
                ..CorpusFacts::default()
            },
            (Some(_), Some(r)) => {
                let papers = match explained.as_mut() {
                    Some(map) => map
                        .remove(&r.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(on_topic)
                        .collect(),
                    None => every_paper(c, r.id)?,
                };
                CorpusFacts {
                    status: CorpusStatus::Found,
                    career_stage: r.stage(c.as_of),
                    career_stage_at_least: r.stage_at_least,
                    papers,
                }
            }
        };
    }
    Ok(out)
}

/// A paper of the List's explanation.
fn on_topic(p: Contribution) -> PacketPaper {
    PacketPaper {
        tier: tier(p.status.as_deref()),
        title: p.title,
        venue: p.venue,
        year: p.year,
        position: p.position,
        n_authors: p.n_authors,
        relative_impact: p.relative_impact,
        impact_estimated: p.impact_estimated,
        factors: Some(PaperFactors {
            relevance: p.relevance,
            impact: p.impact,
            role: p.role,
            recency: p.recency,
            contribution: p.contribution,
        }),
    }
}

/// Every paper of a researcher with its relative impact (the same paper at two venues once).
fn every_paper(c: &Inner, researcher: i64) -> ApiResult<Vec<PacketPaper>> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<i32>,
        Option<String>,
        i64,
    );
    let rows: Vec<Row> = {
        let mut stmt = c
            .corpus
            .conn()
            .prepare_cached(
                "SELECT w.id, w.title, w.venue, w.year, w.status, MIN(ar.position) \
                 FROM authorship_researcher ar JOIN works w ON w.id = ar.work_id \
                 WHERE ar.researcher_id = ?1 GROUP BY w.id ORDER BY w.id",
            )
            .map_err(|e| corpus_err(e.into()))?;
        stmt.query_map([researcher], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .map_err(|e| corpus_err(e.into()))?
        .collect::<Result<_, _>>()
        .map_err(|e: scout_corpus::rusqlite::Error| corpus_err(e.into()))?
    };
    let mut facts = c.model.facts();
    let mut seen: FxHashSet<String> = FxHashSet::default();
    let mut out = Vec::with_capacity(rows.len());
    for (id, title, venue, year, status, position) in rows {
        if !seen.insert(normalise_title(&title)) {
            continue;
        }
        let paper = facts.paper(id).map_err(rank_err)?;
        out.push(PacketPaper {
            tier: tier(status.as_deref()),
            title,
            venue,
            year,
            position: position + 1,
            n_authors: paper.map_or(0, |p| p.n_authors),
            relative_impact: paper.and_then(|p| p.relative),
            impact_estimated: paper.is_some_and(|p| p.estimated),
            factors: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_lists_status_factor() {
        assert_eq!(tier(Some("ICLR 2024 oral")), VenueTier::Highlight);
        assert_eq!(tier(Some("Spotlight")), VenueTier::Highlight);
        assert_eq!(tier(Some("Poster")), VenueTier::MainTrack);
        assert_eq!(tier(None), VenueTier::MainTrack);
        assert_eq!(tier(Some("Workshop paper")), VenueTier::Workshop);
        assert_eq!(tier(Some("Reject")), VenueTier::Rejected);
        assert_eq!(tier(Some("Withdrawn")), VenueTier::Rejected);
    }
}
