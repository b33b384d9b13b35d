//! Derived network data, written by refresh in identity's transaction once researchers are
//! known: organisations, per-researcher affiliation timelines, moves between organisations,
//! the co-author graph and its communities.

use rusqlite::{Transaction, params};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::bulk;
use crate::error::{CorpusError, Result};
use crate::graph::{self, Edge, PaperAuthors, WeightedGraph};
use crate::identity::{MentionData, OrgTable};
use crate::moves::{self, Move, Stint};
use crate::organisations::OrgRegistry;

/// Each researcher's mentions, ascending, in two flat arrays.
struct MentionsByResearcher {
    start: Vec<usize>,
    mentions: Vec<u32>,
}

impl MentionsByResearcher {
    fn new(n_researchers: usize, rid_of: &[u32]) -> Self {
        let mut start = vec![0usize; n_researchers + 1];
        for &rid in rid_of.iter().filter(|&&r| r > 0) {
            start[rid as usize] += 1;
        }
        for r in 0..n_researchers {
            start[r + 1] += start[r];
        }
        let mut fill = start.clone();
        let mut mentions = vec![0u32; start[n_researchers]];
        for (m, &rid) in rid_of.iter().enumerate().filter(|(_, r)| **r > 0) {
            let slot = &mut fill[rid as usize - 1];
            mentions[*slot] = m as u32;
            *slot += 1;
        }
        MentionsByResearcher { start, mentions }
    }

    fn of(&self, researcher: usize) -> &[u32] {
        &self.mentions[self.start[researcher]..self.start[researcher + 1]]
    }
}

/// One researcher's papers at one organisation in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineCell {
    /// The organisation's id (`organisations.id`).
    pub org: u32,
    pub year: i32,
    /// The researcher's papers that year naming the organisation, each paper once.
    pub papers: u32,
    /// The first and the last of those papers in work key order, as work ids (not the smallest
    /// and largest id, which depend on the order the works were ingested in).
    pub first_work: i64,
    pub last_work: i64,
}

/// One researcher's affiliation timeline and moves, from their mentions: what `researcher_orgs`
/// and `moves` hold for them, organisations by their ids (`organisations.id`).
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// By (organisation, year); year 0 (unknown) included, though it is never written.
    pub cells: Vec<TimelineCell>,
    /// Every organisation named on the researcher's own (aligned, not generic) affiliations
    /// on a dated paper, as `researcher_orgs` holds them: what `organisations.researchers_ever`
    /// counts (an incremental refresh keeps that count by adding and removing researchers).
    pub orgs_seen: Vec<u32>,
    pub moves: Vec<Move>,
}

/// One mention of a researcher as a timeline reads it: what [`timeline_of`] needs of the paper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineEntry {
    pub year: i32,
    pub work: i64,
    /// The mention's place in the corpus's order (breaks ties within a year).
    pub order: u64,
    /// The researcher's own named organisations on the paper (aligned, not generic), by id, in
    /// the order given (a repeat counts twice), each with the institutional e-mail domain given
    /// with it (an id; 0: none).
    pub named: Vec<(u32, u32)>,
    /// Every named organisation on the paper, anyone's (aligned or paper-level), sorted and
    /// distinct, by id.
    pub paper_orgs: Vec<u32>,
}

/// The timeline of the researcher with `mentions` (indices into `data.mentions`, ascending:
/// work-key order); `org_id` gives the id of each organisation of the data (the ids written:
/// the timeline holds them). The full refresh and the incremental one both
/// call it, and the distributed job (`timeline_part.rs`) calls [`timeline_of`], so there
/// is one implementation of the rules.
pub fn researcher_timeline(
    data: &MentionData,
    mentions: &[u32],
    org_id: impl Fn(u32) -> u32,
) -> Timeline {
    // Written id → the data's organisation, for the organisation-name test of moves.
    let mut data_org: HashMap<u32, u32> = HashMap::default();
    let mut entries = Vec::with_capacity(mentions.len());
    for &m in mentions {
        let mention = &data.mentions[m as usize];
        let named: Vec<(u32, u32)> = data
            .affs_of(m as usize)
            .iter()
            .filter(|f| !f.generic && !f.paper_level)
            .map(|f| {
                let id = org_id(f.org);
                data_org.insert(id, f.org);
                (id, f.domain)
            })
            .collect();
        let paper_orgs = if named.is_empty() {
            Vec::new()
        } else {
            paper_orgs(data, m as usize, &org_id)
        };
        entries.push(TimelineEntry {
            year: mention.year,
            work: mention.work,
            order: u64::from(m),
            named,
            paper_orgs,
        });
    }
    timeline_of(&entries, |id| {
        data_org
            .get(&id)
            .map(|&x| data.org_tokens[x as usize].as_str())
    })
}

/// The timeline and moves of one researcher's `entries` (in the corpus's order); `key` gives
/// each organisation id's normalised key (`organisations.key`), which the organisation-name
/// test of moves and their tie-breaks read.
pub fn timeline_of<'k>(
    entries: &[TimelineEntry],
    key: impl Fn(u32) -> Option<&'k str>,
) -> Timeline {
    // (papers, first (order, work), last (order, work)).
    type Cell = (u32, (u64, i64), (u64, i64));
    let mut cells: HashMap<(u32, i32), Cell> = HashMap::default();
    let mut org_lists: Vec<Vec<u32>> = Vec::new();
    let mut paper_org_lists: Vec<&[u32]> = Vec::new();
    let mut years_works: Vec<(i32, i64, u64)> = Vec::new();
    // Id → the institutional e-mail domains the researcher gave there, each with the first
    // year they did.
    let mut domains_at: HashMap<u32, Vec<(u32, i32)>> = HashMap::default();
    for entry in entries {
        for (i, &(id, domain)) in entry.named.iter().enumerate() {
            if domain != 0 {
                let seen = domains_at.entry(id).or_default();
                match seen.iter_mut().find(|(d, _)| *d == domain) {
                    Some((_, first)) => *first = (*first).min(entry.year),
                    None => seen.push((domain, entry.year)),
                }
            }
            // A paper naming one organisation twice (two of its units, or one spelt two ways)
            // is one paper there.
            if entry.named[..i].iter().any(|&(earlier, _)| earlier == id) {
                continue;
            }
            let at = (entry.order, entry.work);
            let e = cells.entry((id, entry.year)).or_insert((0, at, at));
            e.0 += 1;
            e.1 = e.1.min(at);
            e.2 = e.2.max(at);
        }
        if !entry.named.is_empty() {
            org_lists.push(entry.named.iter().map(|&(id, _)| id).collect());
            paper_org_lists.push(&entry.paper_orgs);
            years_works.push((entry.year, entry.work, entry.order));
        }
    }
    let mut cells: Vec<TimelineCell> = cells
        .into_iter()
        .map(
            |((org, year), (papers, (_, first_work), (_, last_work)))| TimelineCell {
                org,
                year,
                papers,
                first_work,
                last_work,
            },
        )
        .collect();
    cells.sort_unstable_by_key(|c| (c.org, c.year));
    let mut orgs_seen: Vec<u32> = cells.iter().filter(|c| c.year > 0).map(|c| c.org).collect();
    orgs_seen.sort_unstable();
    orgs_seen.dedup();
    let history: Vec<Stint> = years_works
        .iter()
        .zip(org_lists.iter().zip(&paper_org_lists))
        .map(|(&(year, work, order), (orgs, paper_orgs))| Stint {
            year,
            work,
            order,
            orgs,
            paper_orgs,
        })
        .collect();
    let one_organisation = |a: u32, b: u32| match (key(a), key(b)) {
        (Some(x), Some(y)) => crate::org_names::one_organisation(x, y),
        _ => false,
    };
    // The researcher wrote from no address at B that they had not used at A before B began
    // (a paper of A's work that appears after the move is often sent from the new address).
    let first_year = |org: u32| {
        cells
            .iter()
            .filter(|c| c.org == org && c.year > 0)
            .map(|c| c.year)
            .min()
    };
    let same_address = |a: u32, b: u32| {
        let (Some(at_a), Some(at_b), Some(began)) =
            (domains_at.get(&a), domains_at.get(&b), first_year(b))
        else {
            return false;
        };
        let before: Vec<u32> = at_a
            .iter()
            .filter(|(_, first)| *first > 0 && *first < began)
            .map(|(d, _)| *d)
            .collect();
        !before.is_empty() && at_b.iter().all(|(d, _)| before.contains(d))
    };
    let moves = moves::detect(
        &history,
        |a, b| one_organisation(a, b) || same_address(a, b),
        &key,
    );
    Timeline {
        cells,
        orgs_seen,
        moves,
    }
}

/// Every named organisation on the paper of mention `m`, anyone's (aligned or paper-level),
/// sorted and distinct, by written id.
fn paper_orgs(data: &MentionData, m: usize, org_id: &impl Fn(u32) -> u32) -> Vec<u32> {
    let mut orgs = Vec::new();
    for j in data.paper_of(m) {
        orgs.extend(
            data.affs_of(j)
                .iter()
                .filter(|f| !f.generic)
                .map(|f| org_id(f.org)),
        );
    }
    orgs.sort_unstable();
    orgs.dedup();
    orgs
}

/// The prepared inserts of timelines and moves.
pub(crate) struct TimelineStatements<'t> {
    timeline: rusqlite::Statement<'t>,
    moves: rusqlite::Statement<'t>,
}

impl<'t> TimelineStatements<'t> {
    pub(crate) fn prepare(tx: &'t Transaction) -> Result<Self> {
        Ok(TimelineStatements {
            timeline: tx.prepare(
                "INSERT INTO researcher_orgs (researcher_id, org_id, year, papers, first_work, last_work)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            moves: tx.prepare(
                "INSERT OR IGNORE INTO moves (researcher_id, from_org, to_org, year, from_last_work, from_last_year,
                                              to_first_work, to_first_year)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
        })
    }

    /// Inserts researcher `rid`'s timeline (years known) and moves. Returns the moves detected.
    pub(crate) fn insert(&mut self, rid: i64, timeline: &Timeline) -> Result<u64> {
        for c in timeline.cells.iter().filter(|c| c.year > 0) {
            self.timeline.execute(params![
                rid,
                c.org,
                c.year,
                c.papers,
                c.first_work,
                c.last_work
            ])?;
        }
        for m in &timeline.moves {
            self.moves.execute(params![
                rid,
                m.from,
                m.to,
                m.year,
                m.from_last_work,
                m.from_last_year,
                m.to_first_work,
                m.to_first_year
            ])?;
        }
        Ok(timeline.moves.len() as u64)
    }
}

/// The prepared insert of organisations.
pub(crate) struct OrganisationInsert<'t> {
    stmt: rusqlite::Statement<'t>,
    registry: OrgRegistry,
}

impl<'t> OrganisationInsert<'t> {
    pub(crate) fn prepare(tx: &'t Transaction) -> Result<Self> {
        Ok(OrganisationInsert {
            stmt: tx.prepare(
                "INSERT INTO organisations (id, key, name, org_type, country, aliased, note, current_researchers,
                                            researchers_ever, ror)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?,
            registry: OrgRegistry::builtin(),
        })
    }

    /// Inserts organisation `i` of `orgs` as `id`, with its researcher counts.
    pub(crate) fn insert(
        &mut self,
        id: i64,
        orgs: &OrgTable,
        i: usize,
        current_researchers: u32,
        researchers_ever: u32,
    ) -> Result<()> {
        let note = orgs.aliased[i]
            .map(|c| self.registry.canonical(c).note.clone())
            .filter(|n| !n.is_empty());
        self.stmt.execute(params![
            id,
            orgs.keys[i],
            orgs.names[i],
            orgs.types[i].as_str(),
            orgs.countries[i],
            orgs.aliased[i].is_some(),
            note,
            current_researchers,
            researchers_ever,
            orgs.rors[i]
        ])?;
        Ok(())
    }
}

/// A co-author edge aggregated outside this process (the distributed job, `spark/identity_job.py`),
/// its two researchers named by a mention of each (the job uses their clusters' roots), as
/// mention ordinals: positions in the corpus's load order, as `scout export` numbers them.
/// Laid out as [`Edge`], so that mapping a list onto researchers reuses its memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MentionEdge {
    pub a: u32,
    pub b: u32,
    pub papers: u32,
    pub weight: f64,
    pub first_year: i32,
    pub last_year: i32,
}

/// Maps edges named by mentions onto researcher indexes (`rid_of`: 1-based researcher id of each
/// mention), smaller first, sorted as [`graph::stream_edges`] emits them. Refuses an edge with
/// an end outside the corpus, both ends on one researcher, or a pair given twice: the job's
/// output then does not belong to this clustering.
pub fn edges_of_researchers(given: Vec<MentionEdge>, rid_of: &[u32]) -> Result<Vec<Edge>> {
    let stale = |what: String| {
        CorpusError::Invalid(format!(
            "the job's co-author edges do not match this corpus ({what}): export the corpus again and rerun the job"
        ))
    };
    let researcher = |m: u32| -> Result<u32> {
        rid_of
            .get(m as usize)
            .filter(|&&rid| rid > 0)
            .map(|&rid| rid - 1)
            .ok_or_else(|| stale(format!("mention {m} of {}", rid_of.len())))
    };
    let mut edges = given
        .into_iter()
        .map(|e| {
            let (ra, rb) = (researcher(e.a)?, researcher(e.b)?);
            if ra == rb {
                return Err(stale(format!(
                    "mentions {} and {} are one researcher",
                    e.a, e.b
                )));
            }
            Ok(Edge {
                a: ra.min(rb),
                b: ra.max(rb),
                papers: e.papers,
                weight: e.weight,
                first_year: e.first_year,
                last_year: e.last_year,
            })
        })
        .collect::<Result<Vec<Edge>>>()?;
    edges.sort_unstable_by_key(|e| (e.a, e.b));
    if let Some(pair) = edges
        .windows(2)
        .find(|w| (w[0].a, w[0].b) == (w[1].a, w[1].b))
    {
        return Err(stale(format!(
            "researchers {} and {} have two edges",
            pair[0].a + 1,
            pair[0].b + 1
        )));
    }
    Ok(edges)
}

const INSERT_EDGE: &str = "INSERT INTO coauthor_edges (a, b, papers, weight, first_year, last_year) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

fn insert_edge(stmt: &mut rusqlite::Statement<'_>, e: &Edge) -> Result<()> {
    stmt.execute(params![
        e.a + 1,
        e.b + 1,
        e.papers,
        e.weight,
        e.first_year,
        e.last_year
    ])?;
    Ok(())
}

/// Counts reported after a network rebuild.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct NetworkReport {
    pub organisations: u64,
    pub moves: u64,
    pub edges: u64,
    pub communities: u64,
    /// Communities with at least [`LABELLED_COMMUNITY_SIZE`] members.
    pub labelled_communities: u64,
    pub modularity: f64,
}

/// Papers whose titles are read for community labels, at most.
pub const LABEL_SAMPLE: u64 = 200_000;

/// Communities smaller than this get no topic labels.
pub const LABELLED_COMMUNITY_SIZE: usize = 5;

/// What [`write`] produced: its counts, and each researcher's community for the researchers
/// table.
#[derive(Debug, Clone, Default)]
pub struct NetworkWritten {
    pub report: NetworkReport,
    /// The community id of each researcher (index = researcher id − 1); `None` without edges.
    pub community: Vec<Option<i64>>,
}

/// What the distributed job computed, for [`write`] to take in place of its own steps.
#[derive(Debug, Default)]
pub struct GivenByJob {
    /// The co-author edges aggregated elsewhere ([`edges_of_researchers`]), written and
    /// clustered.
    pub edges: Option<Vec<Edge>>,
    /// Each researcher's timeline and moves (index = id − 1).
    pub timelines: Option<Vec<Timeline>>,
}

/// Computes and writes organisations, timelines, moves, edges and communities.
/// `rid_of` is the researcher id (1-based, 0 = none) of each mention; `current_org` the current
/// organisation id (index into `orgs`) of each researcher (index = id − 1). What `given` holds
/// is taken instead of being computed from the papers.
pub fn write(
    tx: &Transaction,
    data: &MentionData,
    orgs: &OrgTable,
    rid_of: &[u32],
    current_org: &[Option<usize>],
    as_of: i32,
    given: GivenByJob,
) -> Result<NetworkWritten> {
    let GivenByJob {
        edges: given_edges,
        timelines: given_timelines,
    } = given;
    let started = std::time::Instant::now();
    let n_researchers = current_org.len();
    let mut report = NetworkReport::default();
    // Bulk rewrite: indexes dropped, rows deleted, indexes built once at the end.
    let cleared = bulk::clear(
        tx,
        &[
            "organisations",
            "researcher_orgs",
            "moves",
            "coauthor_edges",
            "communities",
        ],
    )?;

    // Mentions of each researcher.
    let by_researcher = MentionsByResearcher::new(n_researchers, rid_of);

    // Timelines and moves.
    let mut ever: Vec<u32> = vec![0; orgs.keys.len()];
    let mut now: Vec<u32> = vec![0; orgs.keys.len()];
    for org in current_org.iter().flatten() {
        now[*org] += 1;
    }
    {
        let mut stmts = TimelineStatements::prepare(tx)?;
        if let Some(given) = &given_timelines {
            tracing::info!(
                researchers = given.len(),
                "network: timelines and moves as the job gave them"
            );
        }
        let mut given = given_timelines.map(Vec::into_iter);
        for r in 0..n_researchers {
            let timeline = match given.as_mut() {
                Some(given) => given.next().unwrap_or_default(),
                None => researcher_timeline(data, by_researcher.of(r), |o| o + 1),
            };
            for &o in &timeline.orgs_seen {
                ever[o as usize - 1] += 1;
            }
            report.moves += stmts.insert(r as i64 + 1, &timeline)?;
        }
    }
    drop(by_researcher);
    {
        let mut insert = OrganisationInsert::prepare(tx)?;
        for i in 0..orgs.keys.len() {
            insert.insert(i as i64 + 1, orgs, i, now[i], ever[i])?;
        }
        report.organisations = orgs.keys.len() as u64;
    }

    crate::memory::log_phase("network: timelines, moves, organisations", started);
    let graph = match given_edges {
        Some(edges) => {
            let mut stmt = tx.prepare(INSERT_EDGE)?;
            for e in &edges {
                insert_edge(&mut stmt, e)?;
            }
            WeightedGraph::from_edge_rows(n_researchers, &edges)
        }
        None => {
            // Co-author edges from each paper's distinct researchers, streamed researcher by
            // researcher into the table and into the graph for Louvain.
            let mut papers = PaperAuthors::new();
            for paper in data.papers() {
                papers.push(
                    data.mentions[paper.start].year,
                    paper.len(),
                    paper.filter(|&m| rid_of[m] > 0).map(|m| rid_of[m] - 1),
                );
            }
            let mut stmt = tx.prepare(INSERT_EDGE)?;
            WeightedGraph::from_papers(n_researchers, &papers, as_of, |e| {
                insert_edge(&mut stmt, e)
            })?
        }
    };
    report.edges = graph.edges() as u64;
    tracing::info!(edges = report.edges, "network: edges");
    crate::memory::log_phase("network: edges written", started);

    // Communities (Louvain), over researchers with at least one edge.
    let labels = graph::louvain_graph(&graph);
    report.modularity = graph::modularity_graph(&graph, &labels);
    let has_edge: Vec<bool> = (0..n_researchers).map(|r| graph.has_edges(r)).collect();
    drop(graph);
    // Renumber communities by size (largest first) so ids read naturally.
    let mut sizes: HashMap<u32, usize> = HashMap::default();
    for (r, &c) in labels.iter().enumerate() {
        if has_edge[r] {
            *sizes.entry(c).or_default() += 1;
        }
    }
    let mut order: Vec<(u32, usize)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let renumber: HashMap<u32, i64> = order
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (*c, i as i64 + 1))
        .collect();
    report.communities = order.len() as u64;
    let community: Vec<Option<i64>> = (0..n_researchers)
        .map(|r| {
            has_edge[r]
                .then(|| renumber.get(&labels[r]).copied())
                .flatten()
        })
        .collect();
    crate::memory::log_phase("network: communities", started);
    // Labels: the most characteristic title terms of the community's papers, and the current
    // organisations of its members.
    let big: HashSet<i64> = order
        .iter()
        .filter(|(_, size)| *size >= LABELLED_COMMUNITY_SIZE)
        .filter_map(|(c, _)| renumber.get(c).copied())
        .collect();
    report.labelled_communities = big.len() as u64;
    let community_of = |rid: i64| -> Option<i64> {
        let r = (rid - 1) as usize;
        has_edge[r]
            .then(|| renumber.get(&labels[r]).copied())
            .flatten()
            .filter(|c| big.contains(c))
    };
    // Title terms are counted over at most LABEL_SAMPLE papers — every k-th in work-key order,
    // so the sample does not depend on database ids — which keeps memory bounded on large
    // corpora and is plenty for labels.
    let mut work_order: Vec<i64> = Vec::new();
    for (m, mention) in data.mentions.iter().enumerate() {
        if m == 0 || data.mentions[m - 1].work != mention.work {
            work_order.push(mention.work);
        }
    }
    let stride = (work_order.len() as u64 / LABEL_SAMPLE).max(1) as usize;
    let mut titles: HashMap<i64, String> = HashMap::default();
    {
        let mut stmt = tx.prepare("SELECT title FROM works WHERE id = ?1")?;
        for &w in work_order.iter().step_by(stride) {
            titles.insert(w, stmt.query_row([w], |r| r.get(0))?);
        }
    }
    let mut document_frequency: HashMap<String, u32> = HashMap::default();
    let mut community_terms: HashMap<i64, HashMap<String, u32>> = HashMap::default();
    for paper in data.papers() {
        let work = data.mentions[paper.start].work;
        let terms = titles
            .get(&work)
            .map(|t| graph::title_terms(t))
            .unwrap_or_default();
        for t in &terms {
            *document_frequency.entry(t.clone()).or_default() += 1;
        }
        let mut cs: Vec<i64> = paper
            .filter(|&m| rid_of[m] > 0)
            .filter_map(|m| community_of(i64::from(rid_of[m])))
            .collect();
        cs.sort_unstable();
        cs.dedup();
        for c in cs {
            let counts = community_terms.entry(c).or_default();
            for t in &terms {
                *counts.entry(t.clone()).or_default() += 1;
            }
        }
    }
    let total_docs = titles.len().max(1) as f64;
    let mut community_orgs: HashMap<i64, HashMap<usize, u32>> = HashMap::default();
    for (r, org) in current_org.iter().enumerate() {
        if let (Some(c), Some(o)) = (community_of(r as i64 + 1), *org) {
            *community_orgs.entry(c).or_default().entry(o).or_default() += 1;
        }
    }
    {
        let mut stmt =
            tx.prepare("INSERT INTO communities (id, size, topics, orgs) VALUES (?1, ?2, ?3, ?4)")?;
        for (c, size) in &order {
            let Some(&id) = renumber.get(c) else { continue };
            let (topics, top_orgs) = if big.contains(&id) {
                let mut scored: Vec<(f64, &String)> = community_terms
                    .get(&id)
                    .map(|counts| {
                        counts
                            .iter()
                            .filter(|(_, n)| **n >= 2)
                            .map(|(t, n)| {
                                let df = f64::from(document_frequency.get(t).copied().unwrap_or(1));
                                let phrase = if t.contains(' ') { 1.5 } else { 1.0 };
                                (f64::from(*n) * (total_docs / df).ln() * phrase, t)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
                let mut picked: Vec<&str> = Vec::new();
                for (_, t) in scored {
                    // Skip a word already inside a picked phrase and vice versa.
                    if picked
                        .iter()
                        .any(|p| p.contains(t.as_str()) || t.contains(p))
                    {
                        continue;
                    }
                    picked.push(t);
                    if picked.len() == 6 {
                        break;
                    }
                }
                let mut os: Vec<(usize, u32)> = community_orgs
                    .get(&id)
                    .map(|m| m.iter().map(|(o, n)| (*o, *n)).collect())
                    .unwrap_or_default();
                os.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let orgs_text: Vec<String> = os
                    .iter()
                    .take(5)
                    .map(|(o, n)| format!("{}\t{n}", orgs.names[*o]))
                    .collect();
                (picked.join("\n"), orgs_text.join("\n"))
            } else {
                (String::new(), String::new())
            };
            stmt.execute(params![id, *size as i64, topics, top_orgs])?;
        }
    }
    cleared.restore_indexes(tx)?;
    crate::memory::log_phase("network: done", started);
    Ok(NetworkWritten { report, community })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(year: i32, work: i64, named: &[u32]) -> TimelineEntry {
        TimelineEntry {
            year,
            work,
            order: work as u64,
            named: named.iter().map(|&id| (id, 0)).collect(),
            paper_orgs: named.to_vec(),
        }
    }

    #[test]
    fn a_paper_naming_one_organisation_twice_counts_once() {
        // Work 1 names organisation 7 twice (say "Meta AI" and "FAIR", both Meta) and 9 once.
        let entries = [
            entry(2020, 1, &[7, 7, 9]),
            entry(2020, 2, &[7]),
            entry(2021, 3, &[9, 9]),
        ];
        let timeline = timeline_of(&entries, |_| None);
        let cells: Vec<(u32, i32, u32, i64, i64)> = timeline
            .cells
            .iter()
            .map(|c| (c.org, c.year, c.papers, c.first_work, c.last_work))
            .collect();
        assert_eq!(
            cells,
            vec![(7, 2020, 2, 1, 2), (9, 2020, 1, 1, 1), (9, 2021, 1, 3, 3)]
        );
        assert_eq!(timeline.orgs_seen, vec![7, 9]);
    }
}
