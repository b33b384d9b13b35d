//! The impact and role terms of the List's score, and the shapes the evaluation compared.
//!
//! A paper's impact comes from `work_impact` (refresh): its citation count relative to the
//! typical count of the same measure in its venue-year cohort (the geometric mean of 1 + count,
//! so the typical paper reads about 1), or, where no count exists, an estimate of it (see
//! `scout_corpus::impact`). The shape turns that relative value `r` into a weight:
//!
//! - [`ImpactShape::Log`] (before issue 12): `1 + ln(1 + r)` — a paper at 100× its cohort's
//!   typical count weighs only 3.3× an average one, so many marginal matches outweigh one landmark;
//! - [`ImpactShape::Power`]`(p)`: `(1 + r)^p / 2^p` — a typical paper (`r = 1`) weighs 1, an
//!   uncited one `2^-p`, a paper at 100× the typical count `(101/2)^p` (p = 0.5, the default:
//!   7.1×; p = 0.75: 19×).
//!
//! Role weighs author positions. [`RoleShape::Before`] is the original table (0.5 / 0.3 / 0.15 for
//! middle authors of ≤ 5 / ≤ 12 / more authors), which gives the 19th of 20 authors of a landmark
//! paper 0.15; [`RoleShape::Flat`] gives every middle author the same weight whatever the team
//! size. docs/quality.md has what each choice measured; the defaults are the chosen ones.

use scout_corpus::rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;

/// How relative citations become an impact weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImpactShape {
    /// `1 + ln(1 + r)` (before issue 12).
    Log,
    /// `((1 + r) / 2)^p`.
    Power { p: f64 },
}

/// How author positions are weighed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoleShape {
    /// 1 first or sole, 0.8 last, 0.5 / 0.3 / 0.15 middle (≤ 5 / ≤ 12 / more authors).
    Before,
    /// 1 first or sole, `last` for the last author, `middle` for every other position.
    Flat { middle: f64, last: f64 },
}

/// The shape of the impact, role and recency terms of a List query.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shape {
    pub impact: ImpactShape,
    pub role: RoleShape,
    /// Use impact estimates where no count exists (off: such papers weigh as an average paper
    /// under `Power`, 1 under `Log` — the List before issue 12).
    pub estimates: bool,
    /// A paper's weight halves every this many years before the as-of year.
    pub recency_half_life: f64,
}

impl Shape {
    /// The List before issue 12 (for before → after figures).
    pub const BEFORE: Shape = Shape {
        impact: ImpactShape::Log,
        role: RoleShape::Before,
        estimates: false,
        recency_half_life: 5.0,
    };
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            impact: ImpactShape::Power { p: 0.5 },
            role: RoleShape::Flat {
                middle: 0.5,
                last: 0.8,
            },
            estimates: true,
            recency_half_life: 5.0,
        }
    }
}

impl ImpactShape {
    /// The weight of a paper at `relative` times its cohort's typical count (`None`: no impact
    /// data at all, weighed as a typical paper).
    pub fn weight(self, relative: Option<f64>) -> f64 {
        let r = relative.unwrap_or(1.0).max(0.0);
        match self {
            ImpactShape::Log => match relative {
                Some(_) => 1.0 + r.ln_1p(),
                None => 1.0,
            },
            ImpactShape::Power { p } => ((1.0 + r) / 2.0).powf(p),
        }
    }
}

impl RoleShape {
    /// Weight of an author position (0-based) among `n` authors.
    pub fn weight(self, position: i64, n: i64) -> f64 {
        if position == 0 || n <= 1 {
            return 1.0;
        }
        match self {
            RoleShape::Before => {
                if position == n - 1 {
                    0.8
                } else if n <= 5 {
                    0.5
                } else if n <= 12 {
                    0.3
                } else {
                    0.15
                }
            }
            RoleShape::Flat { middle, last } => {
                if position == n - 1 {
                    last
                } else {
                    middle
                }
            }
        }
    }
}

/// What `work_impact` says about one paper's impact, for explanations.
#[derive(Debug, Clone, Default)]
pub struct ImpactSource {
    pub estimated: bool,
    pub source: Option<String>,
    pub window_days: Option<i64>,
    pub count: Option<i64>,
    pub cohort_mean: Option<f64>,
}

/// Reads the provenance of a paper's impact measure.
pub fn impact_source(conn: &Connection, work_id: i64) -> Result<ImpactSource> {
    Ok(conn
        .prepare_cached(
            "SELECT estimated, source, window_days, count, cohort_mean FROM work_impact WHERE work_id = ?1",
        )?
        .query_row([work_id], |r| {
            Ok(ImpactSource {
                estimated: r.get::<_, i64>(0)? != 0,
                source: r.get(1)?,
                window_days: r.get(2)?,
                count: r.get(3)?,
                cohort_mean: r.get(4)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// True for a rejected or withdrawn submission (left out of scores unless asked for).
pub fn is_rejected(status: Option<&str>) -> bool {
    status.is_some_and(scout_corpus::researchers::is_not_accepted)
}

/// The status part of a paper's impact: a rejected or withdrawn submission × 0.25 (when counted
/// at all), a workshop paper × 0.5, an oral, spotlight or best paper × 1.15.
pub fn status_factor(status: Option<&str>) -> f64 {
    let s = status.map(str::to_ascii_lowercase).unwrap_or_default();
    if s.contains("reject") || s.contains("withdraw") {
        0.25
    } else if s.contains("workshop") {
        0.5
    } else if s.contains("oral") || s.contains("spotlight") || s.contains("best paper") {
        1.15
    } else {
        1.0
    }
}

/// The recency weight of a paper from `year`: it halves every `half_life` years before `as_of`.
pub fn recency(year: Option<i32>, as_of: i32, half_life: f64) -> f64 {
    match year {
        Some(y) => 0.5_f64.powf(f64::from((as_of - y).max(0)) / half_life),
        None => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_halves_every_half_life_and_statuses_weigh_as_documented() {
        assert!((recency(Some(2024), 2024, 5.0) - 1.0).abs() < 1e-12);
        assert!((recency(Some(2019), 2024, 5.0) - 0.5).abs() < 1e-12);
        assert_eq!(status_factor(Some("Reject")), 0.25);
        assert_eq!(status_factor(Some("Workshop")), 0.5);
        assert_eq!(status_factor(Some("Oral")), 1.15);
    }

    #[test]
    fn a_landmark_outweighs_many_average_papers() {
        let power = ImpactShape::Power { p: 0.75 };
        assert!((power.weight(Some(1.0)) - 1.0).abs() < 1e-12);
        assert!(power.weight(Some(100.0)) / power.weight(Some(1.0)) > 15.0);
        let log = ImpactShape::Log;
        let ratio = log.weight(Some(100.0)) / log.weight(Some(1.0));
        assert!((ratio - 3.33).abs() < 0.05, "{ratio}");
        assert_eq!(log.weight(None), 1.0);
    }

    #[test]
    fn middle_authors_of_large_teams_keep_their_weight() {
        let flat = Shape::default().role;
        assert_eq!(flat.weight(18, 20), 0.5);
        assert_eq!(flat.weight(19, 20), 0.8);
        assert_eq!(flat.weight(0, 20), 1.0);
        assert_eq!(RoleShape::Before.weight(18, 20), 0.15);
        assert!(is_rejected(Some("Withdrawn")));
        assert!(is_rejected(Some("Reject")));
        assert!(!is_rejected(Some("Accept (Oral)")));
    }
}
