//! `scout eval`: ranking quality against expert lists, and identity quality against the
//! OpenReview-id labelled sample.

use std::path::PathBuf;

use scout_corpus::identity::ResolveConfig;
use scout_corpus::identity_eval;
use scout_rank::eval::{self, Half, Metrics, NameMatcher, Truth};
use scout_rank::{Factors, ImpactShape, ListQuery, RankModel, RoleShape, Shape, rank_with};
use serde::Serialize;

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Precision@10/50, NDCG@50 and MAP of the List against expert lists
    Experts(ExpertArgs),
    /// Precision and recall of identity resolution with strong ids hidden
    Identity(IdentityArgs),
    /// Award papers: where their impact (count or estimate) falls in their venue-year, where the
    /// middle authors of large-team award papers land, and the estimator's held-out check
    Awards(super::eval_awards::AwardArgs),
    /// Current affiliation and career stage against Scholar profiles, and the censoring test
    Facts(super::eval_facts::FactsArgs),
    /// Which works a topic finds, against works labelled with it (`scripts/eval_retrieval.py`
    /// makes the labels from OpenReview keywords held out of the index)
    Retrieval(super::eval_retrieval::RetrievalArgs),
}

#[derive(clap::Args)]
struct ExpertArgs {
    /// ArnetMiner expert lists (`list,name` CSV)
    #[arg(long, default_value = "../shared/data/aminer-expert-lists/experts.csv")]
    aminer: PathBuf,
    /// ACM Fellows (`name,year` CSV); used as relevance for broad AI topics
    #[arg(long, default_value = "../shared/data/csrankings/acm-fellows.csv")]
    fellows: PathBuf,
    /// Turing Award winners (`name,year` CSV), counted with the Fellows
    #[arg(long, default_value = "../shared/data/csrankings/turing.csv")]
    turing: PathBuf,
    /// Ranking depth for average precision
    #[arg(long, default_value_t = 1000)]
    depth: usize,
    /// Matching papers considered per topic (the List's default is 3000)
    #[arg(long)]
    candidates: Option<usize>,
    /// Which half of the expert names to judge against (split once by `scout_rank::eval::SPLIT_SEED`)
    #[arg(long, value_enum, default_value_t = Half::All)]
    half: Half,
    /// Also run the impact/role shapes compared when they were chosen
    #[arg(long)]
    shapes: bool,
    /// Run a grid over the score's parameters and relevance options (meant for the tuning
    /// half), one line per setting on stdout, best mean NDCG@50 last
    #[arg(long)]
    tune: bool,
    /// Run the List's defaults with each relevance a field's venues' papers may count with (0:
    /// text relevance only), one line per value (meant for the tuning half)
    #[arg(long)]
    tune_fields: bool,
}

#[derive(clap::Args)]
struct IdentityArgs {
    /// Which half of the labelled people to score (split once by OpenReview id with
    /// `scout_rank::eval::SPLIT_SEED`); repeat it to score several from one resolution
    #[arg(long, value_enum, default_values_t = [Half::All])]
    half: Vec<Half>,
    /// Also score the evidence a common name needs to merge (strength 1 to 4: a shared
    /// co-author counts 2, a shared organisation 1), meant for the tuning half
    #[arg(long)]
    tune: bool,
}

/// Broad topics judged against ACM Fellows and Turing laureates.
const FELLOW_TOPICS: [&str; 8] = [
    "machine learning",
    "artificial intelligence",
    "computer vision",
    "natural language processing",
    "robotics",
    "reinforcement learning",
    "information retrieval",
    "data mining",
];

#[derive(Serialize)]
struct TopicRow {
    ground_truth: String,
    topic: String,
    experts: usize,
    found_in_corpus: usize,
    metrics: Metrics,
}

#[derive(Serialize)]
struct Variant {
    variant: String,
    factors: Factors,
    topics: Vec<TopicRow>,
    mean_aminer: Metrics,
    mean_fellows: Metrics,
}

fn mean(rows: &[&TopicRow]) -> Metrics {
    let n = rows.len().max(1) as f64;
    Metrics {
        p_at_10: rows.iter().map(|r| r.metrics.p_at_10).sum::<f64>() / n,
        p_at_50: rows.iter().map(|r| r.metrics.p_at_50).sum::<f64>() / n,
        ndcg_at_50: rows.iter().map(|r| r.metrics.ndcg_at_50).sum::<f64>() / n,
        average_precision: rows
            .iter()
            .map(|r| r.metrics.average_precision)
            .sum::<f64>()
            / n,
    }
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    match args.what {
        What::Experts(a) => experts(ctx, a),
        What::Identity(args) => identity(ctx, args),
        What::Awards(a) => super::eval_awards::run(ctx, a),
        What::Facts(a) => super::eval_facts::run(ctx, a),
        What::Retrieval(a) => super::eval_retrieval::run(ctx, a),
    }
}

/// What every variant of `eval experts` is judged against.
struct ExpertSets {
    lists: Vec<(String, String, Truth)>,
    fellows: Truth,
}

/// One `eval experts` run: the corpus, its index and the sets every scoring is judged against.
struct ExpertRun<'a> {
    corpus: &'a scout_corpus::Corpus,
    index: &'a scout_corpus::TextIndex,
    as_of: i32,
    args: &'a ExpertArgs,
    sets: ExpertSets,
}

/// One way of scoring the List, as `eval experts` compares them.
struct Scoring {
    factors: Factors,
    shape: Shape,
    relevance: scout_corpus::RelevanceOptions,
    include_rejected: bool,
}

impl Scoring {
    fn new(factors: Factors, shape: Shape, include_rejected: bool) -> Scoring {
        Scoring {
            factors,
            shape,
            relevance: scout_corpus::RelevanceOptions::default(),
            include_rejected,
        }
    }
}

impl ExpertRun<'_> {
    /// The List's metrics for every AMiner list and Fellows topic under one scoring.
    fn judge_all(
        &self,
        facts: &mut impl scout_rank::FactSource,
        scoring: &Scoring,
    ) -> anyhow::Result<Vec<TopicRow>> {
        let ExpertRun {
            corpus,
            index,
            as_of,
            args,
            sets,
        } = self;
        let mut rows = Vec::new();
        let mut judge = |gt: String, topic: &str, truth: &Truth| -> anyhow::Result<()> {
            let mut q = ListQuery::new(topic);
            q.limit = args.depth;
            q.explain_papers = 1;
            q.factors = scoring.factors;
            q.shape = scoring.shape;
            q.relevance = scoring.relevance;
            q.include_rejected = scoring.include_rejected;
            if let Some(c) = args.candidates {
                q.candidate_papers = c;
            }
            let result = rank_with(corpus.conn(), index, facts, *as_of, &q)?;
            let relevant = truth.judge(&eval::ranked_ids(&result));
            rows.push(TopicRow {
                ground_truth: gt,
                topic: topic.to_string(),
                experts: truth.experts,
                found_in_corpus: truth.found,
                metrics: eval::metrics(&relevant, truth.found),
            });
            Ok(())
        };
        for (name, query, truth) in &sets.lists {
            judge(format!("AMiner {name}"), query, truth)?;
        }
        for topic in FELLOW_TOPICS {
            judge("ACM Fellows + Turing".into(), topic, &sets.fellows)?;
        }
        Ok(rows)
    }
}

/// Mean metrics of the AMiner lists and of the Fellows topics.
fn means(rows: &[TopicRow]) -> (Metrics, Metrics) {
    let (aminer, fellows): (Vec<&TopicRow>, Vec<&TopicRow>) = rows
        .iter()
        .partition(|r| r.ground_truth.starts_with("AMiner"));
    (mean(&aminer), mean(&fellows))
}

fn experts(ctx: &Context, args: ExpertArgs) -> anyhow::Result<u8> {
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let half = args.half;
    let matcher = NameMatcher::load(corpus.conn())?;
    let mut fellows = eval::load_names_csv(&args.fellows)?;
    fellows.extend(eval::load_names_csv(&args.turing)?);
    fellows.retain(|n| half.holds(n));
    let sets = ExpertSets {
        lists: eval::load_aminer(&args.aminer)?
            .into_iter()
            .map(|mut list| {
                list.experts.retain(|n| half.holds(n));
                let truth = Truth::build(&matcher, &list.experts);
                (list.name, list.query, truth)
            })
            .collect(),
        fellows: Truth::build(&matcher, &fellows),
    };
    let model = RankModel::load(corpus.conn())?;
    let mut facts = model.facts();
    let run = ExpertRun {
        corpus: &corpus,
        index: &index,
        as_of,
        args: &args,
        sets,
    };
    if args.tune {
        return run.tune(&mut facts);
    }
    if args.tune_fields {
        return run.tune_fields(&mut facts);
    }

    let mut out = Vec::new();
    for (name, factors, shape, include_rejected) in variants(args.shapes) {
        let scoring = Scoring::new(factors, shape, include_rejected);
        let rows = run.judge_all(&mut facts, &scoring)?;
        let (mean_aminer, mean_fellows) = means(&rows);
        out.push(Variant {
            variant: name,
            factors,
            mean_aminer,
            mean_fellows,
            topics: rows,
        });
    }
    if ctx.format == Format::Json {
        output::json(&out)?;
        return Ok(0);
    }
    let full = &out[0];
    let mut t = Table::new(&[
        "ground truth",
        "topic query",
        "experts",
        "in corpus",
        "P@10",
        "P@50",
        "NDCG@50",
        "AP",
    ])
    .right_align(&[2, 3, 4, 5, 6, 7]);
    for r in &full.topics {
        t.row(vec![
            r.ground_truth.clone(),
            r.topic.clone(),
            r.experts.to_string(),
            r.found_in_corpus.to_string(),
            format!("{:.2}", r.metrics.p_at_10),
            format!("{:.2}", r.metrics.p_at_50),
            format!("{:.3}", r.metrics.ndcg_at_50.max(0.0)),
            format!("{:.3}", r.metrics.average_precision),
        ]);
    }
    println!("Per topic (full score):");
    print!("{}", t.render());
    println!(
        "\nMeans by variant (AMiner: {} lists; Fellows: {} topics):",
        full.topics.len() - FELLOW_TOPICS.len(),
        FELLOW_TOPICS.len()
    );
    let mut v = Table::new(&[
        "variant",
        "AMiner P@10",
        "P@50",
        "NDCG@50",
        "MAP",
        "Fellows P@10",
        "P@50",
        "NDCG@50",
        "MAP",
    ])
    .right_align(&[1, 2, 3, 4, 5, 6, 7, 8]);
    for var in &out {
        let (a, f) = (&var.mean_aminer, &var.mean_fellows);
        v.row(vec![
            var.variant.clone(),
            format!("{:.3}", a.p_at_10),
            format!("{:.3}", a.p_at_50),
            format!("{:.3}", a.ndcg_at_50),
            format!("{:.3}", a.average_precision),
            format!("{:.3}", f.p_at_10),
            format!("{:.3}", f.p_at_50),
            format!("{:.3}", f.ndcg_at_50),
            format!("{:.3}", f.average_precision),
        ]);
    }
    print!("{}", v.render());
    println!(
        "\nACM Fellows + Turing: {} names, {} found in the corpus.",
        run.sets.fellows.experts, run.sets.fellows.found
    );
    Ok(0)
}

impl ExpertRun<'_> {
    /// A grid over the List's score parameters: every combination of the recency half-life, the
    /// relevance floor, the impact power, the last author's weight, the lexical weight and the
    /// semantic sharpness, one line per setting (stdout, sorted by the mean of the two NDCG@50s,
    /// best last; stderr as they run).
    fn tune(&self, facts: &mut impl scout_rank::FactSource) -> anyhow::Result<u8> {
        let mut lines = Vec::new();
        let mut grid = Vec::new();
        for half_life in [5.0, 10.0, 20.0] {
            for floor in [0.1, 0.2, 0.3, 0.5] {
                for p in [0.5, 0.25, 0.0] {
                    for last in [0.8, 1.0] {
                        for lexical_weight in [0.5, 0.8] {
                            for sharpness in [4.0, 8.0] {
                                grid.push((half_life, floor, p, last, lexical_weight, sharpness));
                            }
                        }
                    }
                }
            }
        }
        for (half_life, floor, p, last, lexical_weight, sharpness) in grid {
            let mut scoring = Scoring::new(Factors::default(), Shape::default(), false);
            scoring.shape.recency_half_life = half_life;
            scoring.shape.impact = ImpactShape::Power { p };
            scoring.shape.role = RoleShape::Flat { middle: 0.5, last };
            scoring.relevance.floor = floor;
            scoring.relevance.lexical_weight = lexical_weight;
            scoring.relevance.sharpness = sharpness;
            let rows = self.judge_all(facts, &scoring)?;
            let (a, f) = means(&rows);
            let line = format!(
                "half-life {half_life:>4} floor {floor:.2} power {p:.2} last {last:.1} lexical {lexical_weight:.1} \
             sharpness {sharpness:.0}  AMiner NDCG@50 {:.3} P@50 {:.3}  Fellows NDCG@50 {:.3} P@50 {:.3}",
                a.ndcg_at_50, a.p_at_50, f.ndcg_at_50, f.p_at_50
            );
            eprintln!("{line}");
            lines.push(((a.ndcg_at_50 + f.ndcg_at_50) / 2.0, line));
        }
        lines.sort_by(|x, y| x.0.total_cmp(&y.0));
        for (_, line) in lines {
            println!("{line}");
        }
        Ok(0)
    }

    /// The product's scoring with each least relevance of a field's venues' papers.
    fn tune_fields(&self, facts: &mut impl scout_rank::FactSource) -> anyhow::Result<u8> {
        for field_relevance in [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0] {
            let mut scoring = Scoring::new(Factors::default(), Shape::default(), false);
            scoring.relevance.field_relevance = field_relevance;
            let rows = self.judge_all(facts, &scoring)?;
            let (a, f) = means(&rows);
            println!(
                "field relevance {field_relevance:.2}  AMiner NDCG@50 {:.3} P@50 {:.3}  Fellows NDCG@50 {:.3} P@50 {:.3}",
                a.ndcg_at_50, a.p_at_50, f.ndcg_at_50, f.p_at_50
            );
        }
        Ok(0)
    }
}

/// `(name, factors, shape, include rejected)` of each variant: the product default first, then
/// the List before issue 12, each factor switched off, and (with `--shapes`) the shapes compared.
fn variants(shapes: bool) -> Vec<(String, Factors, Shape, bool)> {
    let on = Factors::default();
    let default = Shape::default();
    let mut out = vec![
        ("full score".to_string(), on, default, false),
        (
            "before issue 12 (log impact, no estimates, position role, rejected × 0.25)".into(),
            on,
            Shape::BEFORE,
            true,
        ),
        (
            "without impact".into(),
            Factors {
                impact: false,
                ..on
            },
            default,
            false,
        ),
        (
            "without role".into(),
            Factors { role: false, ..on },
            default,
            false,
        ),
        (
            "without recency".into(),
            Factors {
                recency: false,
                ..on
            },
            default,
            false,
        ),
        (
            "relevance only".into(),
            Factors {
                impact: false,
                role: false,
                recency: false,
            },
            default,
            false,
        ),
    ];
    if shapes {
        let flat = |middle| RoleShape::Flat { middle, last: 0.8 };
        for (name, impact, role, estimates) in [
            (
                "shape: log impact, estimates, flat 0.5 role",
                ImpactShape::Log,
                flat(0.5),
                true,
            ),
            (
                "shape: power 0.75, flat 0.5",
                ImpactShape::Power { p: 0.75 },
                flat(0.5),
                true,
            ),
            (
                "shape: power 1.0, flat 0.5",
                ImpactShape::Power { p: 1.0 },
                flat(0.5),
                true,
            ),
            (
                "shape: power 0.5, flat 0.3",
                ImpactShape::Power { p: 0.5 },
                flat(0.3),
                true,
            ),
            (
                "shape: power 0.5, flat 0.7",
                ImpactShape::Power { p: 0.5 },
                flat(0.7),
                true,
            ),
            (
                "shape: power 0.5, position role",
                ImpactShape::Power { p: 0.5 },
                RoleShape::Before,
                true,
            ),
            (
                "shape: power 0.5, flat 0.5, no estimates",
                ImpactShape::Power { p: 0.5 },
                flat(0.5),
                false,
            ),
        ] {
            out.push((
                name.to_string(),
                on,
                Shape {
                    impact,
                    role,
                    estimates,
                    ..default
                },
                false,
            ));
        }
        out.push(("full score, rejected included".into(), on, default, true));
    }
    out
}

fn identity(ctx: &Context, args: IdentityArgs) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let variants: Vec<(String, ResolveConfig)> = if args.tune {
        let mut v: Vec<(String, ResolveConfig)> = (1..=4)
            .map(|strength| {
                (
                    format!("strong ids hidden, common names need evidence {strength}"),
                    ResolveConfig {
                        common_min_strength: strength,
                        ..ResolveConfig::default()
                    },
                )
            })
            .collect();
        for givens in [0, 2, 4, 8, 12] {
            v.push((
                format!("strong ids hidden, rare names: at most {givens} given names"),
                ResolveConfig {
                    rare_name_max_givens: givens,
                    ..ResolveConfig::default()
                },
            ));
        }
        v
    } else {
        Vec::new()
    };
    let halves = args.half;
    let keeps: Vec<_> = halves
        .iter()
        .map(|&half| move |id: &str| half.holds(id))
        .collect();
    let keep_refs: Vec<&dyn Fn(&str) -> bool> =
        keeps.iter().map(|k| k as &dyn Fn(&str) -> bool).collect();
    let results = identity_eval::evaluate(corpus.conn(), &keep_refs, &variants)?;
    if ctx.format == Format::Json {
        // One half: its object, as before; several: an array in the order asked.
        match results.as_slice() {
            [one] => output::json(one)?,
            many => output::json(&many)?,
        }
        return Ok(0);
    }
    for (half, result) in halves.iter().zip(&results) {
        if halves.len() > 1 {
            match half {
                Half::All => println!("-- all labelled people"),
                half => println!("-- {} half (people split by OpenReview id)", half.as_str()),
            }
        }
        print_identity(result, args.tune);
    }
    Ok(0)
}

/// One subset's identity scores as tables (with `tune`, the wrong links too).
fn print_identity(result: &identity_eval::IdentityEval, tune: bool) {
    println!(
        "Labelled sample: {} mentions carrying an OpenReview id, {} people, {} same-person pairs.",
        result.labelled_mentions, result.true_people, result.true_pairs
    );
    let mut t = Table::new(&[
        "method", "pair P", "pair R", "pair F1", "B³ P", "B³ R", "B³ F1",
    ])
    .right_align(&[1, 2, 3, 4, 5, 6]);
    for s in &result.results {
        t.row(vec![
            s.method.clone(),
            format!("{:.4}", s.pairwise_precision),
            format!("{:.4}", s.pairwise_recall),
            format!("{:.4}", s.pairwise_f1),
            format!("{:.4}", s.bcubed_precision),
            format!("{:.4}", s.bcubed_recall),
            format!("{:.4}", s.bcubed_f1),
        ]);
    }
    print!("{}", t.render());
    if tune {
        println!(
            "\nJudgement links of the ids-hidden run between two labelled mentions (wrong: different OpenReview ids):"
        );
        let mut t = Table::new(&["rule", "shared", "name", "links", "wrong", "wrong %"])
            .right_align(&[3, 4, 5]);
        for k in &result.links {
            t.row(vec![
                k.rule.clone(),
                k.shared.clone(),
                if k.common_name { "common" } else { "rare" }.to_string(),
                k.labelled.to_string(),
                k.wrong.to_string(),
                format!("{:.1}", 100.0 * k.wrong as f64 / k.labelled.max(1) as f64),
            ]);
        }
        print!("{}", t.render());
    }
}
