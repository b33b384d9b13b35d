//! When the semantic model is learned again, and what a refresh does in between (issue 16).
//!
//! A fit (vocabulary, idf and SIF weights, term vectors, common direction, acronyms, every
//! work's vector) reads every work several times; a daily update adding 0.1 % of works must not
//! pay for it. So a refresh **folds in**: it computes the vectors of the works added since the
//! model's highest work id and of the works whose title, abstract or year changed (the
//! `semantic_changes` log, filled by triggers; migration 0007) with the model as it is — the
//! same function a full vectorisation pass uses, so a folded-in vector is bit for bit the one
//! that pass would give — and rewrites the file. It **refits** when there is no model, the file
//! cannot be read or predates the fit record, `scout refresh --rebuild` runs, or the works
//! folded in since the fit (counting this update's) would exceed [`REFIT_FRACTION`] of the works
//! the model was fitted on.
//!
//! Staleness between fits: the vocabulary, idf, term vectors, common direction and acronyms are
//! those of the fit; a term first seen in the works folded in has no vector (and the largest idf)
//! until the next fit, and a new acronym is not expanded until then. At most
//! [`REFIT_FRACTION`] of the fitted corpus is described by a model that did not see it.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::Connection;

use super::{
    FitInfo, SemanticMode, SemanticModel, SemanticReport, build, for_each_batch_where,
    max_change_seq, max_work_id,
};
use crate::error::Result;

/// Refit when the works folded in since the fit exceed this share of the works fitted on.
pub const REFIT_FRACTION: f64 = 0.05;

/// When [`update`] refits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdatePolicy {
    /// Refit whatever the model holds (`scout refresh --rebuild`).
    pub force: bool,
    /// Refit when the works folded in since the fit would exceed this share of the works the
    /// model was fitted on.
    pub refit_fraction: f64,
}

impl Default for UpdatePolicy {
    fn default() -> Self {
        UpdatePolicy {
            force: false,
            refit_fraction: REFIT_FRACTION,
        }
    }
}

impl UpdatePolicy {
    /// The default schedule, refitting regardless when `force`.
    pub fn forced(force: bool) -> Self {
        UpdatePolicy {
            force,
            ..UpdatePolicy::default()
        }
    }
}

/// True when the model of `index_dir` lacks works or changes the corpus holds (or there is no
/// readable model): what a refresh checks before running [`update`]. Reads the file's header only.
pub fn is_behind(conn: &Connection, index_dir: &Path) -> Result<bool> {
    let Some(fit) = SemanticModel::stored_fit(index_dir) else {
        return Ok(true);
    };
    Ok(max_work_id(conn)? > fit.max_work_id || max_change_seq(conn)? > fit.changes_seq)
}

/// Brings the model of `index_dir` up to date with the corpus: a fold-in of the new and changed
/// works, or a refit when `policy` says so (see the module documentation).
pub fn update(
    conn: &Connection,
    index_dir: &Path,
    policy: &UpdatePolicy,
) -> Result<SemanticReport> {
    let started = Instant::now();
    let (model, fit) = match loaded(index_dir, policy) {
        Ok(found) => found,
        Err(reason) => return refit(conn, index_dir, reason),
    };
    // Read before the works, so what changes during the update is taken in by the next one.
    let changes_seq = max_change_seq(conn)?.max(fit.changes_seq);
    let max_id = max_work_id(conn)?.max(fit.max_work_id);
    let generation = crate::db::meta_get_i64(conn, "corpus_generation")?;
    let new: i64 = conn.query_row(
        "SELECT COUNT(*) FROM works WHERE id > ?1 AND id <= ?2",
        [fit.max_work_id, max_id],
        |r| r.get(0),
    )?;
    let changed: i64 = conn.query_row(
        "SELECT COUNT(DISTINCT work_id) FROM semantic_changes
         WHERE seq > ?1 AND seq <= ?2 AND work_id <= ?3",
        [fit.changes_seq, changes_seq, fit.max_work_id],
        |r| r.get(0),
    )?;
    let pending = u64::try_from(new + changed).unwrap_or(0);
    let limit = policy.refit_fraction * fit.fitted_works as f64;
    if (fit.folded_works + pending) as f64 > limit {
        return refit(
            conn,
            index_dir,
            format!(
                "{} works folded in since the fit at generation {} ({} now) would exceed {} % \
                 of the {} works fitted on",
                fit.folded_works + pending,
                fit.fitted_generation,
                pending,
                policy.refit_fraction * 100.0,
                fit.fitted_works
            ),
        );
    }
    let works: i64 = conn.query_row("SELECT COUNT(*) FROM works", [], |r| r.get(0))?;
    let mut report = SemanticReport {
        mode: SemanticMode::Current,
        works: usize::try_from(works).unwrap_or(0),
        fit,
        training_works: usize::try_from(fit.training_works).unwrap_or(0),
        vocabulary: model.vocabulary(),
        acronyms: model.acronyms().len(),
        ..SemanticReport::default()
    };
    if pending > 0 {
        let upto = FoldUpTo {
            changes_seq,
            max_id,
            generation,
        };
        let (folded, fit, bytes) = fold_in(conn, index_dir, model, fit, upto)?;
        report.mode = SemanticMode::FoldIn;
        report.folded_in = folded;
        report.fit = fit;
        report.bytes = bytes;
    }
    report.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        mode = ?report.mode,
        folded_in = report.folded_in,
        folded_since_fit = report.fit.folded_works,
        fitted_works = report.fit.fitted_works,
        fitted_generation = report.fit.fitted_generation,
        "semantic model: brought up to date without a refit"
    );
    Ok(report)
}

/// The stored model and its fit record, or why it must be fitted anew.
fn loaded(
    index_dir: &Path,
    policy: &UpdatePolicy,
) -> std::result::Result<(SemanticModel, FitInfo), String> {
    if policy.force {
        return Err("a rebuild was asked for".into());
    }
    match SemanticModel::load(index_dir) {
        Ok(None) => Err("there was no model".into()),
        Err(e) => Err(format!("the model could not be read ({e})")),
        Ok(Some(model)) => match model.fit() {
            Some(fit) => Ok((model, fit)),
            None => Err(
                "the model file predates the current fit (version 1: no fit record; version 2: \
                 a training sample by work id)"
                    .into(),
            ),
        },
    }
}

fn refit(conn: &Connection, index_dir: &Path, reason: String) -> Result<SemanticReport> {
    let mut report = build(conn, index_dir)?;
    tracing::info!(
        reason = %reason,
        works = report.works,
        training_works = report.training_works,
        vocabulary = report.vocabulary,
        generation = report.fit.fitted_generation,
        "semantic model: refit"
    );
    report.refit_reason = Some(reason);
    Ok(report)
}

/// What a fold-in takes in: works up to `max_id`, changes up to `changes_seq`, the corpus at
/// `generation`.
struct FoldUpTo {
    changes_seq: i64,
    max_id: i64,
    generation: i64,
}

/// Computes the vectors of the works above the model's highest id and of the changed ones,
/// stores them in `model` and writes it: the works folded in, the new fit record and the bytes
/// written.
fn fold_in(
    conn: &Connection,
    index_dir: &Path,
    mut model: SemanticModel,
    mut fit: FitInfo,
    upto: FoldUpTo,
) -> Result<(usize, FitInfo, u64)> {
    let FoldUpTo {
        changes_seq,
        max_id,
        generation,
    } = upto;
    let dim = model.dim;
    let slots = usize::try_from(max_id).unwrap_or(0) + 1;
    model.years.resize(slots.max(model.years.len()), 0);
    model.papers.resize(model.years.len() * dim, 0);
    let mut folded = 0usize;
    for_each_batch_where(
        conn,
        "w.id <= ?1 AND (w.id > ?2 OR w.id IN
             (SELECT work_id FROM semantic_changes WHERE seq > ?3 AND seq <= ?4))",
        [max_id, fit.max_work_id, fit.changes_seq, changes_seq],
        |batch| {
            let vectors: Vec<Vec<i8>> = batch
                .par_iter()
                .map(|d| model.final_vector(&model.raw_vector(&d.text)))
                .collect();
            for (d, v) in batch.iter().zip(vectors) {
                if let Some(slot) = usize::try_from(d.id).ok().filter(|&s| s < slots) {
                    model.years[slot] = d.year;
                    model.papers[slot * dim..(slot + 1) * dim].copy_from_slice(&v);
                    folded += 1;
                }
            }
            Ok(())
        },
    )?;
    fit.max_work_id = max_id;
    fit.changes_seq = changes_seq;
    fit.updated_generation = generation;
    fit.folded_works += folded as u64;
    model.fit = Some(fit);
    let bytes = model.save(index_dir)?;
    Ok((folded, fit, bytes))
}

/// Deletes the changed-works rows the model file already covers (after a refresh wrote it;
/// on the refresh's own connection, once identity's long transaction is over).
pub fn forget_folded(conn: &Connection, report: &SemanticReport) -> Result<()> {
    conn.execute(
        "DELETE FROM semantic_changes WHERE seq <= ?1",
        [report.fit.changes_seq],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
