//! Synthetic corpora for scale tests (documented as synthetic wherever they are used).
//!
//! Real `paperlists` records are re-identified: every synthetic paper takes its title, keywords,
//! venue, status and abstract from a real paper (a template), gets a new id, a year drawn from
//! the real year distribution, and authors drawn from a synthetic population. The population
//! has real-looking names (first and family names drawn independently from the real ones, so
//! namesakes occur as in real data), an OpenReview-style id each, an organisation drawn from the
//! real organisation frequencies, and sometimes a move to a second organisation. Authors of a
//! paper come mostly from one team (a lab-sized group), with occasional outside collaborators,
//! and the number of authors follows the real distribution. Output is the paperlists JSON
//! Lines layout that `scout ingest` reads, split into gzip files written in parallel; the same
//! seed gives the same corpus.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;
use scout_formats::{InputFile, Item, Limits, Record, discover, read_file};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Format(#[from] scout_formats::FormatError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no usable paperlists records with authors in the template input")]
    NoTemplates,
}

type Result<T, E = SynthError> = std::result::Result<T, E>;

/// How to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub works: u64,
    pub seed: u64,
    /// Works per output file.
    pub works_per_file: u64,
    /// Researchers per work (the real corpus has about 1.3).
    pub researchers_per_work: f64,
    /// Average team size.
    pub team_size: usize,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            works: 1_000_000,
            seed: 1,
            works_per_file: 100_000,
            researchers_per_work: 1.3,
            team_size: 30,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct SynthReport {
    pub templates: usize,
    pub works: u64,
    pub abstracts: u64,
    pub researchers: u64,
    pub files: usize,
    pub bytes: u64,
    pub out: PathBuf,
}

/// A real paper used as a template.
struct Template {
    title: String,
    venue: String,
    status: Option<String>,
    keywords: Vec<String>,
    citations: Option<i64>,
    abstract_text: Option<String>,
}

/// Distributions read from the real corpus.
struct Real {
    templates: Vec<Template>,
    years: Vec<i32>,
    author_counts: Vec<usize>,
    first_names: Vec<String>,
    last_names: Vec<String>,
    /// Organisation name and country, repeated by frequency.
    orgs: Vec<(String, Option<String>)>,
}

/// SplitMix64: small, fast, and good enough for sampling.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn read_real(inputs: &[PathBuf]) -> Result<Real> {
    let found = discover(inputs)?;
    let mut real = Real {
        templates: Vec::new(),
        years: Vec::new(),
        author_counts: Vec::new(),
        first_names: Vec::new(),
        last_names: Vec::new(),
        orgs: Vec::new(),
    };
    let mut abstracts: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut keys: Vec<String> = Vec::new();
    let files: Vec<&InputFile> = found.files.iter().collect();
    for file in files {
        let mut sink = |item: Item| {
            let Item::Record { record, .. } = item else {
                return;
            };
            match record {
                Record::Abstract(a) => {
                    abstracts.insert(a.work_key, a.text);
                }
                Record::Work(w) if !w.authors.is_empty() => {
                    if let Some(y) = w.year {
                        real.years.push(y);
                    }
                    real.author_counts.push(w.authors.len());
                    for a in &w.authors {
                        let mut parts = a.name.split_whitespace();
                        if let (Some(first), Some(last)) =
                            (parts.next(), a.name.split_whitespace().last())
                            && first.chars().count() > 1
                            && first != last
                        {
                            real.first_names.push(first.to_string());
                            real.last_names.push(last.to_string());
                        }
                        for aff in &a.affiliations {
                            real.orgs.push((
                                aff.org.clone().unwrap_or_else(|| aff.raw.clone()),
                                aff.country.clone(),
                            ));
                        }
                    }
                    keys.push(w.key.clone());
                    real.templates.push(Template {
                        title: w.title,
                        venue: w.venue.unwrap_or_else(|| "synthetic".into()),
                        status: w.status,
                        keywords: w.keywords,
                        citations: w.citations,
                        abstract_text: None,
                    });
                }
                _ => {}
            }
        };
        read_file(file, &Limits::default(), Arc::default(), &mut sink)?;
    }
    for (template, key) in real.templates.iter_mut().zip(&keys) {
        template.abstract_text = abstracts.remove(key);
    }
    if real.templates.is_empty() || real.first_names.is_empty() || real.years.is_empty() {
        return Err(SynthError::NoTemplates);
    }
    if real.orgs.is_empty() {
        real.orgs
            .push(("Synthetic University".into(), Some("US".into())));
    }
    Ok(real)
}

/// One synthetic researcher, derived from its index by a seeded generator (no table is kept).
struct Person {
    name: String,
    openreview_id: String,
    orgs: [(usize, Option<i32>); 2],
}

fn person(real: &Real, seed: u64, index: u64) -> Person {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let first = rng.pick(&real.first_names).clone();
    let last = rng.pick(&real.last_names).clone();
    let org = rng.below(real.orgs.len());
    let moved = rng.chance(0.25);
    let second = rng.below(real.orgs.len());
    let year = *rng.pick(&real.years);
    Person {
        openreview_id: format!(
            "~{}_{}{}",
            first.replace(['~', ' '], ""),
            last.replace(['~', ' '], ""),
            index + 1
        ),
        name: format!("{first} {last}"),
        orgs: [(org, None), (second, moved.then_some(year))],
    }
}

#[derive(Serialize)]
struct Line<'a> {
    venue: &'a str,
    year: i32,
    id: String,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    authors: Vec<String>,
    openreview_ids: Vec<String>,
    affs: Vec<String>,
    aff_unique_norm: Vec<String>,
    aff_unique_index: Vec<String>,
    aff_country_unique: Vec<String>,
    aff_country_unique_index: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gs_citation: Option<i64>,
}

#[derive(Serialize)]
struct AbstractLine<'a> {
    venue: &'a str,
    year: i32,
    id: String,
    title: &'a str,
    #[serde(rename = "abstract")]
    text: &'a str,
}

/// Writes a synthetic corpus of `opts.works` papers into `out` (papers/ and abstracts/).
pub fn generate(inputs: &[PathBuf], out: &Path, opts: &SynthOptions) -> Result<SynthReport> {
    let real = read_real(inputs)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SynthError::Io { path, source }
    };
    std::fs::create_dir_all(out.join("papers")).map_err(io(out))?;
    std::fs::create_dir_all(out.join("abstracts")).map_err(io(out))?;
    let population =
        ((opts.works as f64 * opts.researchers_per_work) as u64).max(opts.team_size as u64);
    let teams = (population / opts.team_size as u64).max(1);
    let files = opts.works.div_ceil(opts.works_per_file.max(1)) as usize;
    let results: Vec<Result<(u64, u64)>> = (0..files)
        .into_par_iter()
        .map(|f| {
            let start = f as u64 * opts.works_per_file;
            let end = (start + opts.works_per_file).min(opts.works);
            let paper_path = out
                .join("papers")
                .join(format!("synthetic-{f:05}.jsonl.gz"));
            let abstract_path = out
                .join("abstracts")
                .join(format!("synthetic-{f:05}.jsonl.gz"));
            let mut papers = GzEncoder::new(
                BufWriter::new(File::create(&paper_path).map_err(io(&paper_path))?),
                Compression::fast(),
            );
            let mut abstracts = GzEncoder::new(
                BufWriter::new(File::create(&abstract_path).map_err(io(&abstract_path))?),
                Compression::fast(),
            );
            let mut written_abstracts = 0u64;
            let mut rng = Rng::new(
                opts.seed
                    .wrapping_add(f as u64)
                    .wrapping_mul(0xA24B_AED4_963E_E407),
            );
            for w in start..end {
                let t = &real.templates[rng.below(real.templates.len())];
                let year = *rng.pick(&real.years);
                let n = (*rng.pick(&real.author_counts)).clamp(1, 60);
                // Mostly one team (a skewed pick, so some teams are big producers), sometimes
                // an outside collaborator.
                let team = (rng.below(teams as usize) as u64 * rng.below(teams as usize) as u64)
                    / teams.max(1);
                let mut members: Vec<u64> = Vec::with_capacity(n);
                while members.len() < n {
                    let p = if rng.chance(0.15) {
                        rng.below(population as usize) as u64
                    } else {
                        (team * opts.team_size as u64 + rng.below(opts.team_size) as u64)
                            .min(population - 1)
                    };
                    if !members.contains(&p) {
                        members.push(p);
                    }
                }
                let mut line = Line {
                    venue: &t.venue,
                    year,
                    id: format!("syn{w}"),
                    title: &t.title,
                    status: t.status.as_deref(),
                    authors: Vec::with_capacity(n),
                    openreview_ids: Vec::with_capacity(n),
                    affs: Vec::with_capacity(n),
                    aff_unique_norm: Vec::new(),
                    aff_unique_index: Vec::with_capacity(n),
                    aff_country_unique: Vec::new(),
                    aff_country_unique_index: Vec::with_capacity(n),
                    keywords: t.keywords.iter().map(String::as_str).collect(),
                    gs_citation: t.citations,
                };
                for p in members {
                    let person = person(&real, opts.seed, p);
                    let (org, country) = match person.orgs[1] {
                        (second, Some(moved)) if year >= moved => &real.orgs[second],
                        _ => &real.orgs[person.orgs[0].0],
                    };
                    let org_index = match line.aff_unique_norm.iter().position(|o| o == org) {
                        Some(i) => i,
                        None => {
                            line.aff_unique_norm.push(org.clone());
                            line.aff_unique_norm.len() - 1
                        }
                    };
                    let country = country.clone().unwrap_or_default();
                    let country_index =
                        match line.aff_country_unique.iter().position(|c| *c == country) {
                            Some(i) => i,
                            None => {
                                line.aff_country_unique.push(country);
                                line.aff_country_unique.len() - 1
                            }
                        };
                    line.authors.push(person.name);
                    line.openreview_ids.push(person.openreview_id);
                    line.affs.push(org.clone());
                    line.aff_unique_index.push(org_index.to_string());
                    line.aff_country_unique_index
                        .push(country_index.to_string());
                }
                let json = serde_json::to_string(&line).unwrap_or_default();
                writeln!(papers, "{json}").map_err(io(&paper_path))?;
                if let Some(text) = &t.abstract_text {
                    let a = AbstractLine {
                        venue: &t.venue,
                        year,
                        id: format!("syn{w}"),
                        title: &t.title,
                        text,
                    };
                    writeln!(
                        abstracts,
                        "{}",
                        serde_json::to_string(&a).unwrap_or_default()
                    )
                    .map_err(io(&abstract_path))?;
                    written_abstracts += 1;
                }
            }
            papers
                .finish()
                .and_then(|mut w| w.flush())
                .map_err(io(&paper_path))?;
            abstracts
                .finish()
                .and_then(|mut w| w.flush())
                .map_err(io(&abstract_path))?;
            let bytes = std::fs::metadata(&paper_path).map(|m| m.len()).unwrap_or(0)
                + std::fs::metadata(&abstract_path)
                    .map(|m| m.len())
                    .unwrap_or(0);
            Ok((written_abstracts, bytes))
        })
        .collect();
    let mut report = SynthReport {
        templates: real.templates.len(),
        works: opts.works,
        abstracts: 0,
        researchers: population,
        files: files * 2,
        bytes: 0,
        out: out.to_path_buf(),
    };
    for r in results {
        let (a, b) = r?;
        report.abstracts += a;
        report.bytes += b;
    }
    let readme = out.join("SYNTHETIC.md");
    std::fs::write(
        &readme,
        format!(
            "# Synthetic corpus — not real data\n\nGenerated by `scout synth` (seed {}) from {} real paperlists records used as templates: \
             titles, keywords, venues and abstracts are real papers' but every id, year, author, co-authorship and affiliation \
             is synthetic. {} works, {} synthetic researchers.\n",
            opts.seed, report.templates, opts.works, population
        ),
    )
    .map_err(io(&readme))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_reproducible_corpus_that_parses() -> Result<()> {
        let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../data/demo/paperlists/papers/colm.jsonl.gz");
        let dir = tempfile::tempdir().map_err(|source| SynthError::Io {
            path: "tmp".into(),
            source,
        })?;
        let opts = SynthOptions {
            works: 2_500,
            works_per_file: 1_000,
            ..SynthOptions::default()
        };
        let a = generate(std::slice::from_ref(&demo), &dir.path().join("a"), &opts)?;
        let b = generate(std::slice::from_ref(&demo), &dir.path().join("b"), &opts)?;
        assert_eq!(a.files, 6);
        assert_eq!((a.abstracts, a.researchers), (b.abstracts, b.researchers));
        let read = |p: &Path| std::fs::read(p).unwrap_or_default();
        let f = "papers/synthetic-00001.jsonl.gz";
        assert_eq!(
            read(&dir.path().join("a").join(f)),
            read(&dir.path().join("b").join(f)),
            "same seed, same corpus"
        );
        // Every line parses as a paperlists record, with aligned ids and affiliations.
        let found = discover(&[dir.path().join("a")])?;
        let mut works = 0;
        let mut rejects = 0;
        for file in &found.files {
            read_file(
                file,
                &Limits::default(),
                Arc::default(),
                &mut |item| match item {
                    Item::Record {
                        record: Record::Work(w),
                        ..
                    } => {
                        works += 1;
                        assert!(
                            w.authors
                                .iter()
                                .all(|a| a.openreview_id.is_some() && !a.affiliations.is_empty())
                        );
                    }
                    Item::Record { .. } => {}
                    Item::Reject(_) => rejects += 1,
                },
            )?;
        }
        assert_eq!((works, rejects), (2_500, 0));
        Ok(())
    }
}
