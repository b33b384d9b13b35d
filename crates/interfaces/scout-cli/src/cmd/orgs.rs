//! `scout orgs TOPIC`: organisations ranked by the talent they hold on a topic.

use scout_corpus::orgs::OrgType;
use scout_network::orgs::{OrgQuery, rank_orgs};
use scout_rank::RankModel;

use super::Context;
use super::list::shorten;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Free-text topic
    topic: String,
    /// Only organisations of this type
    #[arg(long = "type", value_enum)]
    org_type: Option<OrgType>,
    /// Only organisations with at most this many current researchers (ranks by density)
    #[arg(long)]
    max_size: Option<i64>,
    /// Only organisations with at least this many people on the topic
    #[arg(long, default_value_t = 1)]
    min_people: usize,
    /// Count only papers from this year on
    #[arg(long)]
    since: Option<i32>,
    #[arg(long, default_value_t = 25)]
    limit: usize,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let model = RankModel::load(corpus.conn())?;
    let mut q = OrgQuery::new(args.topic.clone());
    q.org_type = args.org_type;
    q.max_size = args.max_size;
    q.min_people = args.min_people;
    q.limit = args.limit;
    q.since = args.since;
    let rows = rank_orgs(corpus.conn(), &index, &mut model.facts(), as_of, &q)?;
    if ctx.format == Format::Json {
        output::json(&rows)?;
        return Ok(0);
    }
    let mut t = Table::new(&[
        "rank",
        "organisation",
        "type",
        "size",
        "people",
        "talent",
        "density",
        "density (lower)",
        "size trend",
        "joined/left",
        "top people",
    ])
    .right_align(&[0, 3, 4, 5, 6, 7, 9]);
    for r in &rows {
        let top: Vec<String> = r
            .top_people
            .iter()
            .map(|p| format!("{} (#{})", p.name, p.rank))
            .collect();
        t.row(vec![
            r.rank.to_string(),
            shorten(&r.name, 45),
            r.org_type.clone(),
            r.size.to_string(),
            r.people.to_string(),
            format!("{:.2}", r.talent),
            format!("{:.3}", r.density),
            format!("{:.3}", r.density_lower),
            r.size_trend
                .iter()
                .map(|y| y.researchers.to_string())
                .collect::<Vec<_>>()
                .join("→"),
            format!("{}/{}", r.joined.len(), r.left.len()),
            top.join(", "),
        ]);
    }
    match &ctx.format {
        Format::Csv => print!("{}", t.csv()),
        _ => {
            println!(
                "Organisations by talent on \"{}\" (talent = sum of List scores of current researchers; density = talent / size; density (lower) = density shrunk towards the mean by {} average people, minus one standard error){}",
                args.topic,
                scout_network::orgs::PRIOR_PEOPLE,
                if args.max_size.is_some() {
                    ", ranked by density (lower)"
                } else {
                    ""
                }
            );
            print!("{}", t.render());
            println!(
                "size trend: researchers with papers there per year, the last {} years; joined/left: moves in the last {} years (--format json lists them)",
                scout_network::orgs::TREND_YEARS,
                scout_network::orgs::RECENT_YEARS
            );
        }
    }
    Ok(0)
}
