//! Funnel analytics computed from the stage history: counts and conversion per stage, per
//! source organisation (spellings merged by the corpus's organisation normalisation, largest
//! first) and per owner; time in stage; offer acceptance against offer value and against
//! counteroffers; optionally only for the candidates who entered in a date range. Pure
//! functions over rows, so both databases give the same answer.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use scout_corpus::organisations::OrgRegistry;

use serde::Serialize;

use crate::stage::Stage;

/// A candidate as analytics sees it (no personal data).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: i64,
    pub stage: Stage,
    pub source_org: Option<String>,
    pub owner: Option<String>,
    pub created_at: i64,
}

/// One stage move (the first has `from = None`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoveRow {
    pub candidate_id: i64,
    #[sqlx(rename = "from_stage")]
    pub from: Option<Stage>,
    #[sqlx(rename = "to_stage")]
    pub to: Stage,
    #[sqlx(rename = "moved_at")]
    pub at: i64,
}

/// The latest offer revision of a candidate.
#[derive(Debug, Clone)]
pub struct OfferRow {
    pub candidate_id: i64,
    pub currency: String,
    pub annualised_value: i64,
}

/// Everything analytics reads.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub candidates: Vec<CandidateRow>,
    pub moves: Vec<MoveRow>,
    pub offers: Vec<OfferRow>,
    /// (candidate id, counteroffer value)
    pub counteroffers: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct FunnelStep {
    pub stage: Stage,
    /// Candidates that ever reached this stage.
    pub reached: u64,
    /// Candidates in this stage now.
    pub current: u64,
    /// reached / reached at the previous funnel stage.
    pub conversion_from_previous: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct GroupFunnel {
    pub group: String,
    pub candidates: u64,
    /// Per funnel stage: how many of this group reached it.
    pub reached: BTreeMap<Stage, u64>,
    /// accepted / (accepted + declined), when any decided.
    pub acceptance_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct StageTime {
    pub stage: Stage,
    /// Completed stays in this stage.
    pub stays: u64,
    pub mean_days: Option<f64>,
    pub median_days: Option<f64>,
    /// Candidates in this stage now, and their mean days so far.
    pub open: u64,
    pub open_mean_days: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct AcceptanceBucket {
    pub label: String,
    pub offers: u64,
    pub accepted: u64,
    pub declined: u64,
    pub acceptance_rate: Option<f64>,
}

/// Offer analytics (compensation: owners only).
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct OfferAnalytics {
    /// Decided offers by annualised value, quartiles within each currency.
    pub by_value: Vec<AcceptanceBucket>,
    /// Decided offers with and without a counteroffer, and whether ours beat the best rival.
    pub by_counteroffer: Vec<AcceptanceBucket>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Report {
    pub candidates: u64,
    pub funnel: Vec<FunnelStep>,
    pub by_source_org: Vec<GroupFunnel>,
    pub by_owner: Vec<GroupFunnel>,
    pub time_in_stage: Vec<StageTime>,
    pub outcomes: BTreeMap<Stage, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offers: Option<OfferAnalytics>,
}

const DAY_MS: f64 = 86_400_000.0;

/// The corpus's organisation normalisation (alias table, spelling variants).
static ORGS: LazyLock<OrgRegistry> = LazyLock::new(OrgRegistry::builtin);

/// The normalised key of a source organisation and its display name: "Facebook AI Research"
/// and "Meta" are one organisation, as are the spellings of one university.
fn source_key(source_org: Option<&str>) -> (String, String) {
    match source_org.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let r = ORGS.resolve(s);
            (r.key, r.name)
        }
        None => (String::new(), "(unknown)".into()),
    }
}

/// Each candidate's source group: one label per normalised organisation (its canonical name,
/// else the spelling most candidates carry, ties by name).
fn source_groups(candidates: &[CandidateRow]) -> HashMap<i64, String> {
    let keyed: Vec<(i64, String, String)> = candidates
        .iter()
        .map(|c| {
            let (key, name) = source_key(c.source_org.as_deref());
            (c.id, key, name)
        })
        .collect();
    let mut spellings: HashMap<&str, BTreeMap<&str, usize>> = HashMap::new();
    for (_, key, name) in &keyed {
        *spellings.entry(key).or_default().entry(name).or_default() += 1;
    }
    let label: HashMap<&str, String> = spellings
        .iter()
        .map(|(key, names)| {
            let best = names
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map_or_else(String::new, |(n, _)| (*n).to_string());
            (*key, best)
        })
        .collect();
    keyed
        .iter()
        .map(|(id, key, _)| (*id, label.get(key.as_str()).cloned().unwrap_or_default()))
        .collect()
}

impl Input {
    /// Only the candidates who entered the pipeline in `[from, to)` (Unix ms; either end open),
    /// with their moves and offers.
    pub fn entered_between(mut self, from: Option<i64>, to: Option<i64>) -> Input {
        self.candidates.retain(|c| {
            from.is_none_or(|f| c.created_at >= f) && to.is_none_or(|t| c.created_at < t)
        });
        let kept: std::collections::HashSet<i64> = self.candidates.iter().map(|c| c.id).collect();
        self.moves.retain(|m| kept.contains(&m.candidate_id));
        self.offers.retain(|o| kept.contains(&o.candidate_id));
        self.counteroffers.retain(|(id, _)| kept.contains(id));
        self
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn bucket(label: String, outcomes: &[Stage]) -> AcceptanceBucket {
    let accepted = outcomes.iter().filter(|s| **s == Stage::Accepted).count() as u64;
    let declined = outcomes.iter().filter(|s| **s == Stage::Declined).count() as u64;
    AcceptanceBucket {
        label,
        offers: outcomes.len() as u64,
        accepted,
        declined,
        acceptance_rate: ratio(accepted, accepted + declined),
    }
}

/// Computes the report. `with_offers` adds compensation analytics; `now` closes open stays.
pub fn compute(input: &Input, with_offers: bool, now: i64) -> Report {
    let mut reached: HashMap<i64, Vec<Stage>> = HashMap::new();
    let mut by_cand: HashMap<i64, Vec<&MoveRow>> = HashMap::new();
    for m in &input.moves {
        reached.entry(m.candidate_id).or_default().push(m.to);
        by_cand.entry(m.candidate_id).or_default().push(m);
    }
    let has = |id: i64, s: Stage| reached.get(&id).is_some_and(|v| v.contains(&s));

    let mut funnel = Vec::new();
    let mut prev: Option<u64> = None;
    for s in Stage::FUNNEL {
        let r = input.candidates.iter().filter(|c| has(c.id, s)).count() as u64;
        let current = input.candidates.iter().filter(|c| c.stage == s).count() as u64;
        funnel.push(FunnelStep {
            stage: s,
            reached: r,
            current,
            conversion_from_previous: prev.and_then(|p| ratio(r, p)),
        });
        prev = Some(r);
    }

    let group = |key: &dyn Fn(&CandidateRow) -> String| {
        let mut groups: BTreeMap<String, Vec<&CandidateRow>> = BTreeMap::new();
        for c in &input.candidates {
            groups.entry(key(c)).or_default().push(c);
        }
        let mut out = groups
            .into_iter()
            .map(|(g, cs)| {
                let reached = Stage::FUNNEL
                    .iter()
                    .map(|s| (*s, cs.iter().filter(|c| has(c.id, *s)).count() as u64))
                    .collect();
                let acc = cs.iter().filter(|c| c.stage == Stage::Accepted).count() as u64;
                let dec = cs.iter().filter(|c| c.stage == Stage::Declined).count() as u64;
                GroupFunnel {
                    group: g,
                    candidates: cs.len() as u64,
                    reached,
                    acceptance_rate: ratio(acc, acc + dec),
                }
            })
            .collect::<Vec<_>>();
        // Largest first (the head of recruiting reads the top rows); ties by name.
        out.sort_by(|a, b| {
            b.candidates
                .cmp(&a.candidates)
                .then_with(|| a.group.cmp(&b.group))
        });
        out
    };
    let sources = source_groups(&input.candidates);
    let by_source_org = group(&|c| sources.get(&c.id).cloned().unwrap_or_default());
    let by_owner = group(&|c| c.owner.clone().unwrap_or_else(|| "(unassigned)".into()));

    let mut stays: HashMap<Stage, Vec<f64>> = HashMap::new();
    let mut open: HashMap<Stage, Vec<f64>> = HashMap::new();
    for moves in by_cand.values() {
        for w in moves.windows(2) {
            stays
                .entry(w[0].to)
                .or_default()
                .push((w[1].at - w[0].at) as f64 / DAY_MS);
        }
        if let Some(last) = moves.last()
            && !last.to.is_outcome()
        {
            open.entry(last.to)
                .or_default()
                .push((now - last.at).max(0) as f64 / DAY_MS);
        }
    }
    let time_in_stage = Stage::ALL
        .iter()
        .filter(|s| !s.is_outcome())
        .map(|s| {
            let mut v = stays.get(s).cloned().unwrap_or_default();
            let o = open.get(s).cloned().unwrap_or_default();
            StageTime {
                stage: *s,
                stays: v.len() as u64,
                mean_days: mean(&v),
                median_days: median(&mut v),
                open: o.len() as u64,
                open_mean_days: mean(&o),
            }
        })
        .collect();

    let outcomes = [Stage::Accepted, Stage::Declined, Stage::Withdrawn]
        .into_iter()
        .map(|s| {
            (
                s,
                input.candidates.iter().filter(|c| c.stage == s).count() as u64,
            )
        })
        .collect();

    let offers = with_offers.then(|| offer_analytics(input));
    Report {
        candidates: input.candidates.len() as u64,
        funnel,
        by_source_org,
        by_owner,
        time_in_stage,
        outcomes,
        offers,
    }
}

fn offer_analytics(input: &Input) -> OfferAnalytics {
    let stage_of: HashMap<i64, Stage> = input.candidates.iter().map(|c| (c.id, c.stage)).collect();
    let mut best_counter: HashMap<i64, i64> = HashMap::new();
    for (cid, v) in &input.counteroffers {
        let e = best_counter.entry(*cid).or_insert(*v);
        *e = (*e).max(*v);
    }
    // Decided offers only (accepted or declined after an offer).
    let decided: Vec<(&OfferRow, Stage)> = input
        .offers
        .iter()
        .filter_map(|o| {
            let s = *stage_of.get(&o.candidate_id)?;
            matches!(s, Stage::Accepted | Stage::Declined).then_some((o, s))
        })
        .collect();

    let mut by_value = Vec::new();
    let mut currencies: BTreeMap<&str, Vec<(i64, Stage)>> = BTreeMap::new();
    for (o, s) in &decided {
        currencies
            .entry(o.currency.as_str())
            .or_default()
            .push((o.annualised_value, *s));
    }
    for (cur, mut rows) in currencies {
        rows.sort_by_key(|r| r.0);
        let n = rows.len();
        let parts = n.min(4);
        for q in 0..parts {
            let lo = q * n / parts;
            let hi = (q + 1) * n / parts;
            let slice = &rows[lo..hi];
            let (Some(first), Some(last)) = (slice.first(), slice.last()) else {
                continue;
            };
            let outcomes: Vec<Stage> = slice.iter().map(|r| r.1).collect();
            by_value.push(bucket(
                format!("{cur} {}–{} per year (quartile {})", first.0, last.0, q + 1),
                &outcomes,
            ));
        }
    }

    let mut none = Vec::new();
    let mut beat = Vec::new();
    let mut below = Vec::new();
    for (o, s) in &decided {
        match best_counter.get(&o.candidate_id) {
            None => none.push(*s),
            Some(v) if o.annualised_value >= *v => beat.push(*s),
            Some(_) => below.push(*s),
        }
    }
    OfferAnalytics {
        by_value,
        by_counteroffer: vec![
            bucket("no counteroffer".into(), &none),
            bucket("counteroffer, ours ≥ best rival (annualised)".into(), &beat),
            bucket(
                "counteroffer, ours < best rival (annualised)".into(),
                &below,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(id: i64, stages: &[Stage], t0: i64) -> Vec<MoveRow> {
        let mut out = Vec::new();
        let mut from = None;
        for (i, s) in stages.iter().enumerate() {
            out.push(MoveRow {
                candidate_id: id,
                from,
                to: *s,
                at: t0 + i as i64 * 86_400_000,
            });
            from = Some(*s);
        }
        out
    }

    #[test]
    fn funnel_conversion_and_time_in_stage() {
        use Stage::*;
        let full = [
            Sourced,
            Shortlisted,
            Finalist,
            Contacted,
            Responded,
            Meeting,
            Offer,
        ];
        let mut input = Input::default();
        let mut add = |id: i64, stages: &[Stage], org: &str| {
            input.moves.extend(path(id, stages, 0));
            input.candidates.push(CandidateRow {
                id,
                stage: *stages.last().unwrap_or(&Sourced),
                source_org: Some(org.into()),
                owner: None,
                created_at: 0,
            });
        };
        add(1, &[Sourced], "A");
        add(2, &[Sourced, Shortlisted], "A");
        add(3, &[&full[..], &[Accepted]].concat(), "B");
        add(4, &[&full[..], &[Declined]].concat(), "B");
        input.offers.push(OfferRow {
            candidate_id: 3,
            currency: "USD".into(),
            annualised_value: 500,
        });
        input.offers.push(OfferRow {
            candidate_id: 4,
            currency: "USD".into(),
            annualised_value: 400,
        });
        input.counteroffers.push((4, 450));
        let r = compute(&input, true, 10 * 86_400_000);
        assert_eq!(r.funnel[0].reached, 4);
        assert_eq!(r.funnel[1].reached, 3);
        assert_eq!(r.funnel[1].conversion_from_previous, Some(0.75));
        assert_eq!(r.funnel[7].reached, 1); // accepted
        let b = r
            .by_source_org
            .iter()
            .find(|g| g.group == "B")
            .map(|g| g.acceptance_rate);
        assert_eq!(b, Some(Some(0.5)));
        let sourced = &r.time_in_stage[0];
        assert_eq!(sourced.stays, 3);
        assert_eq!(sourced.median_days, Some(1.0));
        assert_eq!(sourced.open, 1);
        let offers = r
            .offers
            .as_ref()
            .map(|o| o.by_counteroffer.clone())
            .unwrap_or_default();
        assert_eq!(offers[0].accepted, 1);
        assert_eq!(offers[2].declined, 1);
        assert!(compute(&input, false, 0).offers.is_none());
    }

    #[test]
    fn source_organisations_merge_by_the_corpus_normalisation_largest_first() {
        let mut input = Input::default();
        for (id, org, created) in [
            (1, "Meta", 10),
            (2, "Facebook AI Research", 20),
            (3, "FAIR", 30),
            (4, "Albert-Ludwigs-Universität Freiburg", 40),
            (5, "University of Freiburg", 50),
            (6, "Anthropic", 60),
        ] {
            input.moves.extend(path(id, &[Stage::Sourced], created));
            input.candidates.push(CandidateRow {
                id,
                stage: Stage::Sourced,
                source_org: Some(org.into()),
                owner: None,
                created_at: created,
            });
        }
        let r = compute(&input, false, 100);
        let groups: Vec<(&str, u64)> = r
            .by_source_org
            .iter()
            .map(|g| (g.group.as_str(), g.candidates))
            .collect();
        assert_eq!(groups[0], ("Meta", 3));
        assert_eq!(groups[1].1, 2, "{groups:?}");
        assert!(groups[1].0.contains("Freiburg"), "{groups:?}");
        assert_eq!(groups[2], ("Anthropic", 1));
        // The date range keeps the candidates who entered in [from, to).
        let r = compute(
            &input.clone().entered_between(Some(20), Some(50)),
            false,
            100,
        );
        assert_eq!(r.candidates, 3);
        assert_eq!(r.funnel[0].reached, 3);
    }
}
