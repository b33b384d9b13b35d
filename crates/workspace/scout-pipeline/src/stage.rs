//! Pipeline stages and the transition table the server enforces.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A candidate's stage. The order is the funnel order; the last three are outcomes.
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
pub enum Stage {
    Sourced,
    Shortlisted,
    Finalist,
    Contacted,
    Responded,
    Meeting,
    Offer,
    Accepted,
    Declined,
    Withdrawn,
}

impl Stage {
    /// All stages in funnel order.
    pub const ALL: [Stage; 10] = [
        Stage::Sourced,
        Stage::Shortlisted,
        Stage::Finalist,
        Stage::Contacted,
        Stage::Responded,
        Stage::Meeting,
        Stage::Offer,
        Stage::Accepted,
        Stage::Declined,
        Stage::Withdrawn,
    ];

    /// The stages before the outcomes, in order (the funnel).
    pub const FUNNEL: [Stage; 8] = [
        Stage::Sourced,
        Stage::Shortlisted,
        Stage::Finalist,
        Stage::Contacted,
        Stage::Responded,
        Stage::Meeting,
        Stage::Offer,
        Stage::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Sourced => "sourced",
            Stage::Shortlisted => "shortlisted",
            Stage::Finalist => "finalist",
            Stage::Contacted => "contacted",
            Stage::Responded => "responded",
            Stage::Meeting => "meeting",
            Stage::Offer => "offer",
            Stage::Accepted => "accepted",
            Stage::Declined => "declined",
            Stage::Withdrawn => "withdrawn",
        }
    }

    /// Outcomes end the pipeline: nothing moves out of them.
    pub fn is_outcome(self) -> bool {
        matches!(self, Stage::Accepted | Stage::Declined | Stage::Withdrawn)
    }

    /// Position in the funnel (outcomes after `offer`).
    pub fn rank(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The stages a candidate may move to from `self`.
    ///
    /// Forward one step; back one step before contact (a committee may reconsider); skip
    /// `finalist` → `contacted` is the normal path, so no skipping is allowed beyond that.
    /// `declined` (the candidate said no) from `contacted` onwards; `withdrawn` (we stopped)
    /// from any open stage; `accepted` only from `offer`.
    pub fn allowed_next(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Sourced => &[Shortlisted, Withdrawn],
            Shortlisted => &[Finalist, Sourced, Withdrawn],
            Finalist => &[Contacted, Shortlisted, Withdrawn],
            Contacted => &[Responded, Declined, Withdrawn],
            Responded => &[Meeting, Declined, Withdrawn],
            Meeting => &[Offer, Declined, Withdrawn],
            Offer => &[Accepted, Declined, Withdrawn],
            Accepted | Declined | Withdrawn => &[],
        }
    }

    pub fn can_move_to(self, to: Stage) -> bool {
        self.allowed_next().contains(&to)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown stage {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_final_and_open_stages_can_withdraw() {
        for s in Stage::ALL {
            if s.is_outcome() {
                assert!(s.allowed_next().is_empty(), "{s}");
            } else {
                assert!(s.can_move_to(Stage::Withdrawn), "{s}");
                assert!(!s.can_move_to(s), "{s} to itself");
            }
        }
    }

    #[test]
    fn only_offer_reaches_accepted() {
        for s in Stage::ALL {
            assert_eq!(s.can_move_to(Stage::Accepted), s == Stage::Offer, "{s}");
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>(), Ok(s));
        }
        assert!("hired".parse::<Stage>().is_err());
    }
}
