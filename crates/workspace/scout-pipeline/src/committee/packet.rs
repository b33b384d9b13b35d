//! Ballot packets: what each side of a ballot shows, so that a member has something to judge.
//!
//! A **named** packet (blinding off, or an owner) shows the finalist's top papers with the
//! List's factors for the session's topic, their funnel and career stage, the scorecard
//! averages the member may see and the notes.
//!
//! A **blind** packet shows only what cannot identify the finalist, and its types have no
//! field that could hold identifying text:
//! * the career stage (early, mid or senior: three values shared by many people);
//! * the scorecard averages per attribute (template names, which every candidate shares),
//!   rounded to the nearest half point, so they do not match the exact means on a candidate
//!   page;
//! * an impact band: the median of the papers' citations relative to their venue-year mean
//!   (the List's impact measure) in one of four bands, never a count;
//! * the List's factor summary by venue tier — how the venue received the paper (highlight,
//!   main track, workshop, rejected: the List's status factor), never the venue's name — with
//!   the number of papers and of first-, last- and middle-author papers in bands (0, 1, 2–3,
//!   4–7, 8+) and each tier's share of the topic score to the nearest 10%. No title, venue,
//!   year, exact count or score appears, so the packet cannot be matched against the List,
//!   a profile or a paper's page.
//!
//! The corpus facts come from the server (this crate never opens the corpus), as
//! [`CorpusFacts`]; which packet a side gets is decided here, from the session and the member.

use serde::Serialize;

use scout_corpus::researchers::CareerStage;

use crate::model::Note;
use crate::stage::Stage;
use crate::store::{AttributeAverage, StageScorecards};

/// Papers a named packet lists.
pub const TOP_PAPERS: usize = 5;

/// How a venue received a paper: the List's status factor in words (oral, spotlight or best
/// paper; accepted; workshop; rejected or withdrawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VenueTier {
    Highlight,
    MainTrack,
    Workshop,
    Rejected,
}

/// The List's factors of one paper for the session's topic (their product is the paper's
/// contribution to the score).
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct PaperFactors {
    pub relevance: f64,
    pub impact: f64,
    pub role: f64,
    pub recency: f64,
    pub contribution: f64,
}

/// One paper of a finalist, as the server reads it from the corpus.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PacketPaper {
    pub title: String,
    pub venue: Option<String>,
    pub year: Option<i32>,
    pub tier: VenueTier,
    /// 1-based author position, and the number of authors.
    pub position: i64,
    pub n_authors: i64,
    /// Citations relative to the mean of the paper's venue and year (estimated when no
    /// count exists).
    pub relative_impact: Option<f64>,
    pub impact_estimated: bool,
    /// The List's factors for the session's topic; absent when the session has none.
    pub factors: Option<PaperFactors>,
}

/// Whether the corpus could say anything about a finalist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CorpusStatus {
    /// The server has no corpus.
    #[default]
    NoCorpus,
    /// The candidate is not linked to a researcher.
    NotLinked,
    /// The linked researcher is not in the corpus.
    NotInCorpus,
    /// The corpus could not be read just now (loading, or an ingest job rewriting it).
    Unavailable,
    Found,
}

/// What the corpus says about one side's researcher, gathered by the server.
#[derive(Debug, Clone, Default)]
pub struct CorpusFacts {
    pub status: CorpusStatus,
    /// The corpus's estimate; "at least" when the first covered year censors the first paper.
    pub career_stage: Option<CareerStage>,
    pub career_stage_at_least: bool,
    /// The papers the List counts for the session's topic, with their factors; every paper
    /// when the session has no topic.
    pub papers: Vec<PacketPaper>,
}

/// One stage's scorecards in a packet: how many members submitted, and the averages the
/// asking member may see (none until their own for the stage is in).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PacketScorecards {
    pub stage: Stage,
    pub submitted: i64,
    /// Others' scorecards exist but stay hidden until the member submits theirs.
    pub hidden: bool,
    pub averages: Vec<AttributeAverage>,
}

/// A packet with identities shown.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NamedPacket {
    pub corpus: CorpusStatus,
    /// The funnel stage.
    pub stage: Stage,
    pub career_stage: Option<CareerStage>,
    pub career_stage_at_least: bool,
    /// The committee set the career stage (it overrides the corpus's estimate).
    pub career_stage_set: bool,
    /// The List score for the session's topic (the sum of the papers' contributions).
    pub score: Option<f64>,
    /// Papers behind the packet: on the topic, or all of them without one.
    pub papers: usize,
    /// The strongest papers: by contribution for the topic, else by relative impact.
    pub top_papers: Vec<PacketPaper>,
    pub scorecards: Vec<PacketScorecards>,
    pub notes: Vec<Note>,
}

/// A count in a band: "0", "1", "2-3", "4-7" or "8+".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum CountBand {
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "1")]
    One,
    #[serde(rename = "2-3")]
    Few,
    #[serde(rename = "4-7")]
    Several,
    #[serde(rename = "8+")]
    Many,
}

impl CountBand {
    pub fn of(n: usize) -> CountBand {
        match n {
            0 => CountBand::Zero,
            1 => CountBand::One,
            2..=3 => CountBand::Few,
            4..=7 => CountBand::Several,
            _ => CountBand::Many,
        }
    }
}

/// The median of a finalist's relative impact (citations ÷ the venue-year mean) in a band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImpactBand {
    /// Under 0.75 × the venue-year mean.
    BelowVenueAverage,
    /// 0.75–1.5 ×.
    AroundVenueAverage,
    /// 1.5–3 ×.
    AboveVenueAverage,
    /// 3 × or more.
    FarAboveVenueAverage,
}

impl ImpactBand {
    pub fn of(median: f64) -> ImpactBand {
        if median < 0.75 {
            ImpactBand::BelowVenueAverage
        } else if median < 1.5 {
            ImpactBand::AroundVenueAverage
        } else if median < 3.0 {
            ImpactBand::AboveVenueAverage
        } else {
            ImpactBand::FarAboveVenueAverage
        }
    }
}

/// The List's factors summed over one venue tier, in bands.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TierSummary {
    pub tier: VenueTier,
    pub papers: CountBand,
    pub first_author: CountBand,
    pub last_author: CountBand,
    pub middle_author: CountBand,
    /// The tier's share of the topic score, in percent, to the nearest 10 (absent without a
    /// topic).
    pub score_share: Option<u8>,
}

/// A packet that cannot identify the finalist (see the module documentation).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlindPacket {
    pub corpus: CorpusStatus,
    pub career_stage: Option<CareerStage>,
    pub career_stage_at_least: bool,
    pub impact_band: Option<ImpactBand>,
    pub tiers: Vec<TierSummary>,
    pub scorecards: Vec<PacketScorecards>,
}

/// One side's packet.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Packet {
    Named(NamedPacket),
    Blind(BlindPacket),
}

/// The career stage a packet shows: the committee's override, else the corpus's estimate.
fn career_stage(set: Option<CareerStage>, facts: &CorpusFacts) -> (Option<CareerStage>, bool) {
    match set {
        Some(s) => (Some(s), false),
        None => (facts.career_stage, facts.career_stage_at_least),
    }
}

/// The stages with submitted scorecards; `coarse` rounds the means to the nearest half point.
fn scorecard_summary(cards: Vec<StageScorecards>, coarse: bool) -> Vec<PacketScorecards> {
    cards
        .into_iter()
        .filter(|c| c.submitted > 0)
        .map(|c| PacketScorecards {
            stage: c.stage,
            submitted: c.submitted,
            hidden: c.hidden,
            averages: c
                .averages
                .into_iter()
                .map(|a| AttributeAverage {
                    mean: if coarse {
                        (a.mean * 2.0).round() / 2.0
                    } else {
                        a.mean
                    },
                    ..a
                })
                .collect(),
        })
        .collect()
}

/// A named packet.
pub(super) fn named(
    stage: Stage,
    set_stage: Option<CareerStage>,
    facts: CorpusFacts,
    scorecards: Vec<StageScorecards>,
    notes: Vec<Note>,
) -> NamedPacket {
    let (career_stage, at_least) = career_stage(set_stage, &facts);
    let mut papers = facts.papers;
    let on_topic = papers.iter().any(|p| p.factors.is_some());
    let score = on_topic.then(|| {
        papers
            .iter()
            .filter_map(|p| p.factors.map(|f| f.contribution))
            .sum()
    });
    let count = papers.len();
    if on_topic {
        let c = |p: &PacketPaper| p.factors.map_or(0.0, |f| f.contribution);
        papers.sort_by(|a, b| c(b).total_cmp(&c(a)));
    } else {
        let i = |p: &PacketPaper| p.relative_impact.unwrap_or(f64::NEG_INFINITY);
        papers.sort_by(|a, b| i(b).total_cmp(&i(a)).then(b.year.cmp(&a.year)));
    }
    papers.truncate(TOP_PAPERS);
    NamedPacket {
        corpus: facts.status,
        stage,
        career_stage,
        career_stage_at_least: at_least,
        career_stage_set: set_stage.is_some(),
        score,
        papers: count,
        top_papers: papers,
        scorecards: scorecard_summary(scorecards, false),
        notes,
    }
}

/// A blind packet: built from the facts without copying any text out of them.
pub(super) fn blind(
    set_stage: Option<CareerStage>,
    facts: &CorpusFacts,
    scorecards: Vec<StageScorecards>,
) -> BlindPacket {
    let (career_stage, at_least) = career_stage(set_stage, facts);
    let mut impacts: Vec<f64> = facts
        .papers
        .iter()
        .filter_map(|p| p.relative_impact)
        .filter(|x| x.is_finite())
        .collect();
    impacts.sort_by(f64::total_cmp);
    let median = match impacts.len() {
        0 => None,
        n if n % 2 == 1 => Some(impacts[n / 2]),
        n => Some((impacts[n / 2 - 1] + impacts[n / 2]) / 2.0),
    };
    let total: f64 = facts
        .papers
        .iter()
        .filter_map(|p| p.factors.map(|f| f.contribution))
        .sum();
    let mut tiers = Vec::new();
    for tier in [
        VenueTier::Highlight,
        VenueTier::MainTrack,
        VenueTier::Workshop,
        VenueTier::Rejected,
    ] {
        let of: Vec<&PacketPaper> = facts.papers.iter().filter(|p| p.tier == tier).collect();
        if of.is_empty() {
            continue;
        }
        let first = of.iter().filter(|p| p.position == 1).count();
        let last = of
            .iter()
            .filter(|p| p.position > 1 && p.position == p.n_authors)
            .count();
        let share = of
            .iter()
            .filter_map(|p| p.factors.map(|f| f.contribution))
            .sum::<f64>();
        tiers.push(TierSummary {
            tier,
            papers: CountBand::of(of.len()),
            first_author: CountBand::of(first),
            last_author: CountBand::of(last),
            middle_author: CountBand::of(of.len() - first - last),
            score_share: (total > 0.0).then(|| ((share / total * 10.0).round() * 10.0) as u8),
        });
    }
    BlindPacket {
        corpus: facts.status,
        career_stage,
        career_stage_at_least: at_least,
        impact_band: median.map(ImpactBand::of),
        tiers,
        scorecards: scorecard_summary(scorecards, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(title: &str, tier: VenueTier, position: i64, n: i64, impact: f64) -> PacketPaper {
        PacketPaper {
            title: title.into(),
            venue: Some("ICLR 2019 Oral".into()),
            year: Some(2019),
            tier,
            position,
            n_authors: n,
            relative_impact: Some(impact),
            impact_estimated: false,
            factors: Some(PaperFactors {
                relevance: 3.3,
                impact,
                role: 1.0,
                recency: 0.7,
                contribution: impact * 2.0,
            }),
        }
    }

    fn facts() -> CorpusFacts {
        CorpusFacts {
            status: CorpusStatus::Found,
            career_stage: Some(CareerStage::Mid),
            career_stage_at_least: true,
            papers: vec![
                paper("Deep Quokka Networks", VenueTier::Highlight, 1, 3, 4.0),
                paper("Quokkas at Scale", VenueTier::MainTrack, 3, 3, 1.0),
                paper("A Quokka Workshop Note", VenueTier::Workshop, 2, 4, 0.5),
                paper("Quokkas Revisited", VenueTier::MainTrack, 1, 1, 2.0),
            ],
        }
    }

    fn cards() -> Vec<StageScorecards> {
        vec![StageScorecards {
            stage: Stage::Finalist,
            attributes: vec!["depth".into()],
            submitted: 3,
            mine: None,
            others: Vec::new(),
            hidden: false,
            averages: vec![AttributeAverage {
                attribute: "depth".into(),
                mean: 10.0 / 3.0,
                ratings: 3,
            }],
        }]
    }

    #[test]
    fn a_blind_packet_carries_bands_and_no_text_of_the_papers() {
        let p = blind(None, &facts(), cards());
        let text = serde_json::to_string(&Packet::Blind(p.clone())).expect("json");
        for secret in ["Quokka", "ICLR", "2019", "3.333"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(p.career_stage, Some(CareerStage::Mid));
        assert!(p.career_stage_at_least);
        // Impacts 0.5, 1, 2, 4: the median 1.5 is above the venue average.
        assert_eq!(p.impact_band, Some(ImpactBand::AboveVenueAverage));
        let tiers: Vec<VenueTier> = p.tiers.iter().map(|t| t.tier).collect();
        assert_eq!(
            tiers,
            [
                VenueTier::Highlight,
                VenueTier::MainTrack,
                VenueTier::Workshop
            ]
        );
        let main = &p.tiers[1];
        assert_eq!(main.papers, CountBand::Few);
        // Sole author counts as first author; third of three as last.
        assert_eq!(
            (main.first_author, main.last_author, main.middle_author),
            (CountBand::One, CountBand::One, CountBand::Zero)
        );
        // Contributions 8, 2 + 4, 1 of 15: 53% → 50, 40% → 40, 7% → 10.
        let shares: Vec<Option<u8>> = p.tiers.iter().map(|t| t.score_share).collect();
        assert_eq!(shares, [Some(50), Some(40), Some(10)]);
        assert_eq!(p.scorecards[0].averages[0].mean, 3.5);
        assert!(text.contains(r#""kind":"blind""#));
    }

    #[test]
    fn a_named_packet_lists_the_strongest_papers_for_the_topic() {
        let p = named(
            Stage::Finalist,
            Some(CareerStage::Senior),
            facts(),
            cards(),
            Vec::new(),
        );
        let titles: Vec<&str> = p.top_papers.iter().map(|x| x.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Deep Quokka Networks",
                "Quokkas Revisited",
                "Quokkas at Scale",
                "A Quokka Workshop Note"
            ]
        );
        assert_eq!(p.score, Some(15.0));
        assert_eq!(p.papers, 4);
        // The committee's stage wins, without "at least".
        assert_eq!(
            (p.career_stage, p.career_stage_at_least, p.career_stage_set),
            (Some(CareerStage::Senior), false, true)
        );
        assert!((p.scorecards[0].averages[0].mean - 10.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn without_a_topic_papers_go_by_impact_and_shares_are_absent() {
        let mut f = facts();
        for p in &mut f.papers {
            p.factors = None;
        }
        let n = named(Stage::Finalist, None, f.clone(), Vec::new(), Vec::new());
        assert_eq!(n.score, None);
        assert_eq!(n.top_papers[0].title, "Deep Quokka Networks");
        assert_eq!(n.top_papers[1].title, "Quokkas Revisited");
        let b = blind(None, &f, Vec::new());
        assert!(b.tiers.iter().all(|t| t.score_share.is_none()));
        assert!(b.scorecards.is_empty());
    }

    #[test]
    fn bands() {
        let bands: Vec<CountBand> = [0, 1, 2, 3, 4, 7, 8, 100]
            .into_iter()
            .map(CountBand::of)
            .collect();
        use CountBand::*;
        assert_eq!(bands, [Zero, One, Few, Few, Several, Several, Many, Many]);
        assert_eq!(ImpactBand::of(0.74), ImpactBand::BelowVenueAverage);
        assert_eq!(ImpactBand::of(0.75), ImpactBand::AroundVenueAverage);
        assert_eq!(ImpactBand::of(1.5), ImpactBand::AboveVenueAverage);
        assert_eq!(ImpactBand::of(3.0), ImpactBand::FarAboveVenueAverage);
        let empty = blind(None, &CorpusFacts::default(), Vec::new());
        assert_eq!(
            (empty.corpus, empty.impact_band),
            (CorpusStatus::NoCorpus, None)
        );
    }
}
