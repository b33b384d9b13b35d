//! Writing records into the source tables, idempotently: each record carries a content hash,
//! and a record whose hash is already stored under its key changes nothing.

use rusqlite::{Connection, OptionalExtension, Statement, params};
use scout_formats::{AbstractRecord, Affiliation, AuthorProfile, Institution, Record, Work};

use crate::error::Result;
use crate::stored::{encode_affiliations, encode_authors};

/// What writing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Inserted,
    Updated,
    Unchanged,
}

/// Content hash of a record: xxh3 over its fields with length prefixes (so that field
/// boundaries matter). xxh3 is a fixed, documented algorithm, safe to store.
struct ContentHash(xxhash_rust::xxh3::Xxh3);

impl ContentHash {
    fn new() -> Self {
        ContentHash(xxhash_rust::xxh3::Xxh3::new())
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.update(&(b.len() as u64).to_le_bytes());
        self.0.update(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn opt(&mut self, s: &Option<String>) {
        match s {
            Some(s) => self.str(s),
            None => self.0.update(&[0xff]),
        }
    }
    fn num(&mut self, n: Option<i64>) {
        match n {
            Some(n) => self.0.update(&n.to_le_bytes()),
            None => self.0.update(&[0xfe]),
        }
    }
    fn list(&mut self, l: &[String]) {
        self.num(Some(l.len() as i64));
        for s in l {
            self.str(s);
        }
    }
    fn affiliation(&mut self, a: &Affiliation) {
        self.str(&a.raw);
        self.opt(&a.org);
        self.opt(&a.domain);
        self.opt(&a.country);
        self.opt(&a.openalex_id);
        self.opt(&a.ror);
        self.opt(&a.org_type);
    }
    fn finish(&self) -> i64 {
        self.0.digest() as i64
    }
}

fn work_hash(w: &Work) -> i64 {
    let mut h = ContentHash::new();
    h.str(&w.key);
    h.str(&w.title);
    h.num(w.year.map(i64::from));
    for s in [
        &w.venue,
        &w.status,
        &w.track,
        &w.url,
        &w.doi,
        &w.arxiv,
        &w.work_type,
        &w.abstract_text,
        &w.updated,
    ] {
        h.opt(s);
    }
    h.num(w.citations);
    h.num(w.rating.map(|r| r.to_bits() as i64));
    h.list(&w.keywords);
    h.num(Some(w.authors.len() as i64));
    for a in &w.authors {
        h.str(&a.name);
        for s in [&a.openreview_id, &a.orcid, &a.dblp_id, &a.openalex_id] {
            h.opt(s);
        }
        h.num(Some(a.affiliations.len() as i64));
        for aff in &a.affiliations {
            h.affiliation(aff);
        }
    }
    h.num(Some(w.unaligned_affiliations.len() as i64));
    for aff in &w.unaligned_affiliations {
        h.affiliation(aff);
    }
    h.finish()
}

/// A work reduced to its column values, ready to bind.
pub struct PreparedWork {
    key: String,
    source: &'static str,
    title: String,
    year: Option<i32>,
    venue: Option<String>,
    status: Option<String>,
    track: Option<String>,
    url: Option<String>,
    doi: Option<String>,
    arxiv: Option<String>,
    work_type: Option<String>,
    citations: Option<i64>,
    rating: Option<f64>,
    keywords: Option<String>,
    abstract_text: Option<String>,
    n_authors: i64,
    updated: Option<String>,
    hash: i64,
    authors: String,
    affiliations: Option<String>,
}

/// A record with its content hash and encodings computed. Preparing is the expensive,
/// parallel part of storing; [`write`] only binds values, so one writer keeps up with many
/// parser threads.
pub enum Prepared {
    Work(Box<PreparedWork>),
    Abstract {
        record: AbstractRecord,
        hash: i64,
    },
    Author {
        record: Box<AuthorProfile>,
        hash: i64,
    },
    Institution {
        record: Box<Institution>,
        hash: i64,
    },
}

pub fn prepare(record: Record) -> Prepared {
    match record {
        Record::Work(w) => {
            let hash = work_hash(&w);
            let w = *w;
            Prepared::Work(Box::new(PreparedWork {
                source: w.source.map_or("unknown", |s| s.as_str()),
                keywords: (!w.keywords.is_empty()).then(|| w.keywords.join("\n")),
                n_authors: w.authors.len() as i64,
                authors: encode_authors(&w.authors),
                affiliations: encode_affiliations(&w.unaligned_affiliations),
                hash,
                key: w.key,
                title: w.title,
                year: w.year,
                venue: w.venue,
                status: w.status,
                track: w.track,
                url: w.url,
                doi: w.doi,
                arxiv: w.arxiv,
                work_type: w.work_type,
                citations: w.citations,
                rating: w.rating,
                abstract_text: w.abstract_text,
                updated: w.updated,
            }))
        }
        Record::Abstract(a) => {
            let mut h = ContentHash::new();
            h.str(&a.work_key);
            h.str(&a.title);
            h.str(&a.text);
            Prepared::Abstract {
                hash: h.finish(),
                record: a,
            }
        }
        Record::Author(a) => Prepared::Author {
            hash: author_hash(&a),
            record: a,
        },
        Record::Institution(i) => Prepared::Institution {
            hash: institution_hash(&i),
            record: i,
        },
    }
}

/// Writes prepared records, holding its hot statements prepared for the whole run (a
/// statement-cache lookup per record costs more than the insert itself).
pub struct Writer<'c> {
    conn: &'c Connection,
    insert_work: Statement<'c>,
    find_work: Statement<'c>,
    find_work_id: Statement<'c>,
    find_abstract: Statement<'c>,
    upsert_abstract: Statement<'c>,
}

impl<'c> Writer<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(Writer {
            conn,
            insert_work: conn.prepare(
                "INSERT INTO works (key, source, title, year, venue, status, track, url, doi, arxiv, work_type,
                                    citations, rating, keywords, abstract, n_authors, updated, content_hash,
                                    authors, affiliations)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                 ON CONFLICT (key) DO NOTHING",
            )?,
            find_work: conn.prepare("SELECT id, content_hash, updated FROM works WHERE key = ?1")?,
            find_work_id: conn.prepare("SELECT id FROM works WHERE key = ?1")?,
            find_abstract: conn.prepare("SELECT content_hash FROM abstracts WHERE work_key = ?1")?,
            upsert_abstract: conn.prepare(
                "INSERT INTO abstracts (work_key, title, text, content_hash) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (work_key) DO UPDATE SET title = excluded.title, text = excluded.text,
                                                     content_hash = excluded.content_hash",
            )?,
        })
    }

    /// Writes one prepared record. Must run inside a transaction (see [`crate::ingest`]).
    pub fn write(&mut self, prepared: &Prepared) -> Result<WriteOutcome> {
        match prepared {
            Prepared::Work(w) => self.write_work(w),
            Prepared::Abstract { record, hash } => self.write_abstract(record, *hash),
            Prepared::Author { record, hash } => write_author(self.conn, record, *hash),
            Prepared::Institution { record, hash } => write_institution(self.conn, record, *hash),
        }
    }

    fn write_work(&mut self, w: &PreparedWork) -> Result<WriteOutcome> {
        let inserted = self.insert_work.execute(params![
            w.key,
            w.source,
            w.title,
            w.year,
            w.venue,
            w.status,
            w.track,
            w.url,
            w.doi,
            w.arxiv,
            w.work_type,
            w.citations,
            w.rating,
            w.keywords,
            w.abstract_text,
            w.n_authors,
            w.updated,
            w.hash,
            w.authors,
            w.affiliations
        ])?;
        if inserted == 1 {
            // New works are indexed by id watermark (see index.rs); no queue entry needed.
            return Ok(WriteOutcome::Inserted);
        }
        let (id, old_hash, old_updated): (i64, i64, Option<String>) = self
            .find_work
            .query_row([&w.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if old_hash == w.hash {
            return Ok(WriteOutcome::Unchanged);
        }
        // An older copy of a record never replaces a newer one (OpenAlex `updated_date`).
        if let (Some(new), Some(old)) = (&w.updated, &old_updated)
            && new < old
        {
            return Ok(WriteOutcome::Unchanged);
        }
        // Whether what identity, timelines and the network read of the work stays as it was.
        let same_evidence: bool = self
            .conn
            .prepare_cached(
                "SELECT title IS ?2 AND year IS ?3 AND venue IS ?4 AND source IS ?5
                        AND n_authors IS ?6 AND authors IS ?7 AND affiliations IS ?8
                 FROM works WHERE id = ?1",
            )?
            .query_row(
                params![
                    id,
                    w.title,
                    w.year,
                    w.venue,
                    w.source,
                    w.n_authors,
                    w.authors,
                    w.affiliations
                ],
                |r| r.get(0),
            )?;
        self.conn
            .prepare_cached(
                "UPDATE works SET source = ?2, title = ?3, year = ?4, venue = ?5, status = ?6, track = ?7,
                        url = ?8, doi = ?9, arxiv = ?10, work_type = ?11, citations = ?12, rating = ?13,
                        keywords = ?14, abstract = ?15, n_authors = ?16, updated = ?17, content_hash = ?18,
                        authors = ?19, affiliations = ?20
                 WHERE id = ?1",
            )?
            .execute(params![
                id, w.source, w.title, w.year, w.venue, w.status, w.track, w.url, w.doi, w.arxiv, w.work_type,
                w.citations, w.rating, w.keywords, w.abstract_text, w.n_authors, w.updated, w.hash, w.authors,
                w.affiliations
            ])?;
        queue_for_index(self.conn, id)?;
        // A work whose identity evidence changed sends the next refresh the full way; one whose
        // metadata alone changed can be refreshed incrementally (`incremental::plan`).
        self.conn
            .prepare_cached(
                "INSERT INTO derive_queue (work_id, identity) VALUES (?1, ?2)
                 ON CONFLICT (work_id) DO UPDATE SET identity = MAX(identity, excluded.identity)",
            )?
            .execute(params![id, i64::from(!same_evidence)])?;
        Ok(WriteOutcome::Updated)
    }

    fn write_abstract(&mut self, a: &AbstractRecord, hash: i64) -> Result<WriteOutcome> {
        let old: Option<i64> = self
            .find_abstract
            .query_row([&a.work_key], |r| r.get(0))
            .optional()?;
        if old == Some(hash) {
            return Ok(WriteOutcome::Unchanged);
        }
        self.upsert_abstract
            .execute(params![a.work_key, a.title, a.text, hash])?;
        let work: Option<i64> = self
            .find_work_id
            .query_row([&a.work_key], |r| r.get(0))
            .optional()?;
        if let Some(id) = work {
            queue_for_index(self.conn, id)?;
        }
        Ok(if old.is_some() {
            WriteOutcome::Updated
        } else {
            WriteOutcome::Inserted
        })
    }
}

fn queue_for_index(conn: &Connection, work_id: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO index_queue (work_id) VALUES (?1)")?
        .execute([work_id])?;
    Ok(())
}

fn author_hash(a: &AuthorProfile) -> i64 {
    let mut h = ContentHash::new();
    h.str(&a.openalex_id);
    h.str(&a.display_name);
    h.list(&a.alternative_names);
    h.opt(&a.orcid);
    h.num(a.works_count);
    h.num(a.cited_by_count);
    h.num(a.h_index);
    h.list(&a.topics);
    h.opt(&a.updated);
    for span in &a.affiliations {
        h.affiliation(&span.affiliation);
        for y in &span.years {
            h.num(Some(i64::from(*y)));
        }
    }
    for aff in &a.last_known {
        h.affiliation(aff);
    }
    h.finish()
}

fn write_author(conn: &Connection, a: &AuthorProfile, hash: i64) -> Result<WriteOutcome> {
    let old: Option<(i64, Option<String>)> = conn
        .prepare_cached("SELECT content_hash, updated FROM oa_authors WHERE openalex_id = ?1")?
        .query_row([&a.openalex_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((old_hash, old_updated)) = &old
        && (*old_hash == hash || matches!((&a.updated, old_updated), (Some(n), Some(o)) if n < o))
    {
        return Ok(WriteOutcome::Unchanged);
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO oa_authors (openalex_id, display_name, alternatives, orcid, works_count,
                                            cited_by_count, h_index, topics, updated, content_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        a.openalex_id,
        a.display_name,
        a.alternative_names.join("\n"),
        a.orcid,
        a.works_count,
        a.cited_by_count,
        a.h_index,
        a.topics.join("\n"),
        a.updated,
        hash
    ])?;
    conn.prepare_cached("DELETE FROM oa_author_affiliations WHERE openalex_id = ?1")?
        .execute([&a.openalex_id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO oa_author_affiliations (openalex_id, seq, last_known, institution_id, name, country, ror,
                                             org_type, years)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let spans = a
        .affiliations
        .iter()
        .map(|s| (false, &s.affiliation, s.years.as_slice()))
        .chain(a.last_known.iter().map(|aff| (true, aff, &[][..])));
    for (seq, (last_known, aff, years)) in spans.enumerate() {
        let years: Vec<String> = years.iter().map(i32::to_string).collect();
        stmt.execute(params![
            a.openalex_id,
            seq as i64,
            last_known,
            aff.openalex_id,
            aff.org.as_deref().unwrap_or(&aff.raw),
            aff.country,
            aff.ror,
            aff.org_type,
            years.join(",")
        ])?;
    }
    // Profiles feed every researcher's ORCID and current organisation: the next refresh is full.
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('profiles_changed', '1')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([])?;
    Ok(if old.is_some() {
        WriteOutcome::Updated
    } else {
        WriteOutcome::Inserted
    })
}

fn institution_hash(i: &Institution) -> i64 {
    let mut h = ContentHash::new();
    h.str(&i.openalex_id);
    h.str(&i.display_name);
    for s in [&i.ror, &i.country, &i.org_type, &i.homepage, &i.updated] {
        h.opt(s);
    }
    h.list(&i.acronyms);
    h.list(&i.alternative_names);
    h.list(&i.lineage);
    h.num(i.works_count);
    h.num(i.cited_by_count);
    h.finish()
}

fn write_institution(conn: &Connection, i: &Institution, hash: i64) -> Result<WriteOutcome> {
    let old: Option<(i64, Option<String>)> = conn
        .prepare_cached("SELECT content_hash, updated FROM institutions WHERE openalex_id = ?1")?
        .query_row([&i.openalex_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((old_hash, old_updated)) = &old
        && (*old_hash == hash || matches!((&i.updated, old_updated), (Some(n), Some(o)) if n < o))
    {
        return Ok(WriteOutcome::Unchanged);
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO institutions (openalex_id, display_name, ror, country, org_type, acronyms,
                                              alternatives, lineage, homepage, works_count, cited_by_count,
                                              updated, content_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        i.openalex_id,
        i.display_name,
        i.ror,
        i.country,
        i.org_type,
        i.acronyms.join("\n"),
        i.alternative_names.join("\n"),
        i.lineage.join("\n"),
        i.homepage,
        i.works_count,
        i.cited_by_count,
        i.updated,
        hash
    ])?;
    Ok(if old.is_some() {
        WriteOutcome::Updated
    } else {
        WriteOutcome::Inserted
    })
}
