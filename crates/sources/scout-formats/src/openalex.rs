//! OpenAlex entities (works, authors, institutions) as returned by the API and written in the
//! snapshot. Ids are reduced to their short form (`W123`, `A123`, `I123`); abstracts are
//! rebuilt from `abstract_inverted_index`.
//!
//! The `*Fields` structs are the fields Scout reads, borrowed from the input. JSON fills them
//! through serde; the Parquet reader (`scout-openalex-parquet`) fills them from columns; both
//! then go through the same `*_from_fields` functions, so the two editions cannot drift apart.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::paperlists::clean_orcid;
use crate::parse::{ParseFailure, from_json};
use crate::record::{
    Affiliation, AffiliationSpan, AuthorProfile, Authorship, Institution, SourceKind, Work,
};
use crate::text::{CowStr, Limits, check_len, strip_url_prefix, tidy};

/// Which OpenAlex entity an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Work,
    Author,
    Institution,
}

/// Short id (`W123`) from a full (`https://openalex.org/W123`) or short id.
pub fn short_id(id: &str) -> &str {
    strip_url_prefix(
        id.trim(),
        &["https://openalex.org/", "http://openalex.org/"],
    )
}

/// The entity an OpenAlex id names, from its letter.
pub fn entity_of(id: &str) -> Option<Entity> {
    let short = short_id(id);
    let mut chars = short.chars();
    let kind = match chars.next()?.to_ascii_uppercase() {
        'W' => Entity::Work,
        'A' => Entity::Author,
        'I' => Entity::Institution,
        _ => return None,
    };
    (chars.as_str().chars().all(|c| c.is_ascii_digit()) && short.len() > 1).then_some(kind)
}

/// The fields of an OpenAlex work that Scout reads (see the module doc).
#[derive(Deserialize, Default)]
pub struct WorkFields<'a> {
    #[serde(borrow)]
    pub id: CowStr<'a>,
    #[serde(borrow, default)]
    pub title: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub display_name: Option<CowStr<'a>>,
    #[serde(default)]
    pub publication_year: Option<i32>,
    #[serde(default)]
    pub cited_by_count: Option<i64>,
    #[serde(borrow, default)]
    pub doi: Option<CowStr<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub work_type: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub updated_date: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub primary_location: Option<LocationFields<'a>>,
    #[serde(borrow, default)]
    pub authorships: Option<Vec<AuthorshipFields<'a>>>,
    #[serde(borrow, default)]
    pub abstract_inverted_index: Option<InvertedIndex<'a>>,
    #[serde(borrow, default)]
    pub concepts: Option<Vec<ConceptFields<'a>>>,
    #[serde(borrow, default)]
    pub topics: Option<Vec<ConceptFields<'a>>>,
    #[serde(borrow, default)]
    pub keywords: Option<Vec<ConceptFields<'a>>>,
    #[serde(borrow, default)]
    pub ids: Option<WorkIdsFields<'a>>,
}

#[derive(Deserialize, Default)]
pub struct WorkIdsFields<'a> {
    #[serde(borrow, default)]
    pub arxiv: Option<CowStr<'a>>,
}

#[derive(Deserialize, Default)]
pub struct LocationFields<'a> {
    #[serde(borrow, default)]
    pub source: Option<SourceFields<'a>>,
    #[serde(borrow, default)]
    pub landing_page_url: Option<CowStr<'a>>,
}

#[derive(Deserialize, Default)]
pub struct SourceFields<'a> {
    #[serde(borrow, default)]
    pub display_name: Option<CowStr<'a>>,
}

#[derive(Deserialize, Default)]
pub struct AuthorshipFields<'a> {
    #[serde(borrow, default)]
    pub author: Option<AuthorRefFields<'a>>,
    #[serde(borrow, default)]
    pub raw_author_name: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub institutions: Option<Vec<InstitutionRefFields<'a>>>,
    #[serde(borrow, default)]
    pub raw_affiliation_strings: Option<Vec<CowStr<'a>>>,
}

#[derive(Deserialize, Default)]
pub struct AuthorRefFields<'a> {
    #[serde(borrow, default)]
    pub id: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub display_name: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub orcid: Option<CowStr<'a>>,
}

/// An institution as referenced from a work's authorship or an author's affiliation.
#[derive(Deserialize, Default)]
pub struct InstitutionRefFields<'a> {
    #[serde(borrow, default)]
    pub id: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub display_name: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub ror: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub country_code: Option<CowStr<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<CowStr<'a>>,
}

/// A concept, topic or keyword of a work (or topic of an author).
#[derive(Deserialize, Default)]
pub struct ConceptFields<'a> {
    #[serde(borrow, default)]
    pub display_name: Option<CowStr<'a>>,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub level: Option<i32>,
}

/// `{"word": [positions…], …}`, kept as pairs in input order.
#[derive(Default)]
pub struct InvertedIndex<'a>(pub Vec<(CowStr<'a>, Vec<u32>)>);

impl<'a> InvertedIndex<'a> {
    /// The index from JSON text (an edition that stores `abstract_inverted_index` as a JSON
    /// string rather than as a map).
    pub fn from_json_text(text: &'a str) -> Result<Self, ParseFailure> {
        from_json(text.as_bytes()).map_err(|failure| {
            let field = match failure.field {
                Some(inner) => format!("abstract_inverted_index.{inner}"),
                None => "abstract_inverted_index".to_string(),
            };
            ParseFailure {
                field: Some(field),
                reason: failure.reason,
            }
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for InvertedIndex<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IndexVisitor;
        impl<'de> Visitor<'de> for IndexVisitor {
            type Value = InvertedIndex<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from words to position lists")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(64));
                while let Some((word, positions)) = map.next_entry::<CowStr<'de>, Vec<u32>>()? {
                    pairs.push((word, positions));
                }
                Ok(InvertedIndex(pairs))
            }
        }
        deserializer.deserialize_map(IndexVisitor)
    }
}

/// Rebuilds abstract text from an inverted index (word → positions). Returns an error when a
/// position is beyond `max_words` (a corrupt or hostile record).
fn rebuild_abstract(
    index: &InvertedIndex,
    max_words: usize,
) -> Result<Option<String>, ParseFailure> {
    let mut slots: Vec<Option<&str>> = Vec::new();
    for (word, positions) in &index.0 {
        for &p in positions {
            let p = p as usize;
            if p >= max_words {
                return Err(ParseFailure::new(
                    Some("abstract_inverted_index"),
                    format!("word position {p} is over the limit of {max_words}"),
                ));
            }
            if p >= slots.len() {
                slots.resize(p + 1, None);
            }
            slots[p] = Some(word.as_str());
        }
    }
    let words: Vec<&str> = slots.into_iter().flatten().collect();
    Ok(tidy(&words.join(" ")))
}

fn opt(s: &Option<CowStr>) -> Option<String> {
    s.as_ref().and_then(|s| tidy(s.as_str()))
}

fn institution_ref(inst: &InstitutionRefFields) -> Option<Affiliation> {
    let name = opt(&inst.display_name)?;
    Some(Affiliation {
        raw: name.clone(),
        org: Some(name),
        domain: None,
        country: opt(&inst.country_code).map(|c| c.to_ascii_uppercase()),
        openalex_id: inst.id.as_ref().map(|i| short_id(i.as_str()).to_string()),
        ror: inst.ror.as_ref().map(|r| {
            strip_url_prefix(r.as_str().trim(), &["https://ror.org/", "http://ror.org/"])
                .to_string()
        }),
        org_type: opt(&inst.kind),
    })
}

/// The work from one JSON record.
pub fn parse_work(bytes: &[u8], limits: &Limits) -> Result<Work, ParseFailure> {
    let w: WorkFields = from_json(bytes)?;
    work_from_fields(w, limits)
}

/// The work from its fields (however they were read: JSON here, Parquet columns elsewhere), so
/// that every edition of OpenAlex gives the same records.
pub fn work_from_fields(w: WorkFields, limits: &Limits) -> Result<Work, ParseFailure> {
    let id = short_id(w.id.as_str());
    if entity_of(id) != Some(Entity::Work) {
        return Err(ParseFailure::new(
            Some("id"),
            format!("`{id}` is not an OpenAlex work id"),
        ));
    }
    let title = opt(&w.title)
        .or_else(|| opt(&w.display_name))
        .ok_or_else(|| ParseFailure::new(Some("title"), "work has no title"))?;
    check_len("title", &title, limits.max_title_bytes)?;
    let authorships = w.authorships.unwrap_or_default();
    if authorships.len() > limits.max_authors {
        return Err(ParseFailure::new(
            Some("authorships"),
            format!(
                "{} authors, over the limit of {}",
                authorships.len(),
                limits.max_authors
            ),
        ));
    }
    let mut authors = Vec::with_capacity(authorships.len());
    for (i, a) in authorships.iter().enumerate() {
        let author = a.author.as_ref();
        let Some(name) = author
            .and_then(|r| opt(&r.display_name))
            .or_else(|| opt(&a.raw_author_name))
        else {
            continue;
        };
        check_len(
            &format!("authorships[{i}].author.display_name"),
            &name,
            limits.max_name_bytes,
        )?;
        let mut affiliations: Vec<Affiliation> = a
            .institutions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(institution_ref)
            .collect();
        if affiliations.is_empty() {
            for raw in a.raw_affiliation_strings.as_deref().unwrap_or_default() {
                if let Some(raw) = tidy(raw.as_str()) {
                    check_len(
                        &format!("authorships[{i}].raw_affiliation_strings"),
                        &raw,
                        limits.max_abstract_bytes,
                    )?;
                    affiliations.push(Affiliation {
                        raw,
                        ..Affiliation::default()
                    });
                }
            }
        } else if let Some(raw) = a.raw_affiliation_strings.as_deref().and_then(|r| r.first()) {
            // Keep the author's own wording of the affiliation next to the resolved institution.
            if affiliations.len() == 1
                && let Some(raw) = tidy(raw.as_str())
            {
                check_len(
                    &format!("authorships[{i}].raw_affiliation_strings"),
                    &raw,
                    limits.max_abstract_bytes,
                )?;
                affiliations[0].raw = raw;
            }
        }
        authors.push(Authorship {
            name,
            openreview_id: None,
            orcid: author
                .and_then(|r| r.orcid.as_ref())
                .and_then(|o| clean_orcid(o.as_str())),
            dblp_id: None,
            openalex_id: author
                .and_then(|r| r.id.as_ref())
                .map(|id| short_id(id.as_str()).to_string())
                .filter(|id| entity_of(id) == Some(Entity::Author)),
            affiliations,
        });
    }

    let mut keywords: Vec<String> = Vec::new();
    for k in w.keywords.iter().flatten().chain(w.topics.iter().flatten()) {
        if let Some(name) = opt(&k.display_name) {
            keywords.push(name);
        }
    }
    for c in w.concepts.iter().flatten() {
        if c.level.unwrap_or(0) >= 1
            && c.score.unwrap_or(0.0) >= 0.3
            && let Some(name) = opt(&c.display_name)
        {
            keywords.push(name);
        }
    }
    keywords.dedup();
    keywords.truncate(limits.max_keywords);

    let abstract_text = match &w.abstract_inverted_index {
        Some(index) => rebuild_abstract(index, limits.max_abstract_words)?,
        None => None,
    };
    if let Some(text) = &abstract_text {
        check_len("abstract_inverted_index", text, limits.max_abstract_bytes)?;
    }
    let location = w.primary_location.as_ref();
    Ok(Work {
        key: format!("openalex:{id}"),
        source: Some(SourceKind::OpenAlex),
        title,
        year: w.publication_year.filter(|y| (1800..=2100).contains(y)),
        venue: location
            .and_then(|l| l.source.as_ref())
            .and_then(|s| opt(&s.display_name)),
        status: None,
        track: None,
        url: location.and_then(|l| opt(&l.landing_page_url)),
        doi: w.doi.as_ref().map(|d| {
            strip_url_prefix(d.as_str().trim(), &["https://doi.org/", "http://doi.org/"])
                .to_ascii_lowercase()
        }),
        arxiv: w.ids.as_ref().and_then(|i| opt(&i.arxiv)),
        work_type: opt(&w.work_type),
        citations: w.cited_by_count.filter(|&c| c >= 0),
        rating: None,
        keywords,
        abstract_text,
        authors,
        unaligned_affiliations: Vec::new(),
        updated: opt(&w.updated_date),
    })
}

/// The fields of an OpenAlex author that Scout reads.
#[derive(Deserialize, Default)]
pub struct AuthorFields<'a> {
    #[serde(borrow)]
    pub id: CowStr<'a>,
    #[serde(borrow)]
    pub display_name: CowStr<'a>,
    #[serde(borrow, default)]
    pub display_name_alternatives: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    pub orcid: Option<CowStr<'a>>,
    #[serde(default)]
    pub works_count: Option<i64>,
    #[serde(default)]
    pub cited_by_count: Option<i64>,
    #[serde(default)]
    pub summary_stats: Option<SummaryStatsFields>,
    #[serde(borrow, default)]
    pub affiliations: Option<Vec<AffiliationFields<'a>>>,
    #[serde(borrow, default)]
    pub last_known_institutions: Option<Vec<InstitutionRefFields<'a>>>,
    #[serde(borrow, default)]
    pub topics: Option<Vec<ConceptFields<'a>>>,
    #[serde(borrow, default)]
    pub updated_date: Option<CowStr<'a>>,
}

#[derive(Deserialize, Default)]
pub struct SummaryStatsFields {
    #[serde(default)]
    pub h_index: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct AffiliationFields<'a> {
    #[serde(borrow)]
    pub institution: InstitutionRefFields<'a>,
    #[serde(default)]
    pub years: Vec<i32>,
}

pub fn parse_author(bytes: &[u8], limits: &Limits) -> Result<AuthorProfile, ParseFailure> {
    author_from_fields(from_json(bytes)?, limits)
}

/// The author profile from its fields (however they were read).
pub fn author_from_fields(a: AuthorFields, limits: &Limits) -> Result<AuthorProfile, ParseFailure> {
    let id = short_id(a.id.as_str());
    if entity_of(id) != Some(Entity::Author) {
        return Err(ParseFailure::new(
            Some("id"),
            format!("`{id}` is not an OpenAlex author id"),
        ));
    }
    let display_name = tidy(a.display_name.as_str())
        .ok_or_else(|| ParseFailure::new(Some("display_name"), "author has no name"))?;
    check_len("display_name", &display_name, limits.max_name_bytes)?;
    let alternative_names: Vec<String> = a
        .display_name_alternatives
        .iter()
        .flatten()
        .filter_map(|n| tidy(n.as_str()))
        .filter(|n| n.len() <= limits.max_name_bytes)
        .collect();
    Ok(AuthorProfile {
        openalex_id: id.to_string(),
        display_name,
        alternative_names,
        orcid: a.orcid.as_ref().and_then(|o| clean_orcid(o.as_str())),
        works_count: a.works_count,
        cited_by_count: a.cited_by_count,
        h_index: a.summary_stats.and_then(|s| s.h_index),
        affiliations: a
            .affiliations
            .iter()
            .flatten()
            .filter_map(|s| {
                Some(AffiliationSpan {
                    affiliation: institution_ref(&s.institution)?,
                    years: s.years.clone(),
                })
            })
            .collect(),
        last_known: a
            .last_known_institutions
            .iter()
            .flatten()
            .filter_map(institution_ref)
            .collect(),
        topics: a
            .topics
            .iter()
            .flatten()
            .filter_map(|t| opt(&t.display_name))
            .collect(),
        updated: opt(&a.updated_date),
    })
}

/// The fields of an OpenAlex institution that Scout reads.
#[derive(Deserialize, Default)]
pub struct InstitutionFields<'a> {
    #[serde(borrow)]
    pub id: CowStr<'a>,
    #[serde(borrow)]
    pub display_name: CowStr<'a>,
    #[serde(borrow, default)]
    pub ror: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub country_code: Option<CowStr<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub display_name_acronyms: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    pub display_name_alternatives: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    pub lineage: Option<Vec<CowStr<'a>>>,
    #[serde(borrow, default)]
    pub homepage_url: Option<CowStr<'a>>,
    #[serde(default)]
    pub works_count: Option<i64>,
    #[serde(default)]
    pub cited_by_count: Option<i64>,
    #[serde(borrow, default)]
    pub updated_date: Option<CowStr<'a>>,
}

pub fn parse_institution(bytes: &[u8], limits: &Limits) -> Result<Institution, ParseFailure> {
    institution_from_fields(from_json(bytes)?, limits)
}

/// The institution from its fields (however they were read).
pub fn institution_from_fields(
    i: InstitutionFields,
    limits: &Limits,
) -> Result<Institution, ParseFailure> {
    let id = short_id(i.id.as_str());
    if entity_of(id) != Some(Entity::Institution) {
        return Err(ParseFailure::new(
            Some("id"),
            format!("`{id}` is not an OpenAlex institution id"),
        ));
    }
    let display_name = tidy(i.display_name.as_str())
        .ok_or_else(|| ParseFailure::new(Some("display_name"), "institution has no name"))?;
    check_len("display_name", &display_name, limits.max_title_bytes)?;
    let names = |v: &Option<Vec<CowStr>>| -> Vec<String> {
        v.iter()
            .flatten()
            .filter_map(|n| tidy(n.as_str()))
            .filter(|n| n.len() <= limits.max_title_bytes)
            .collect()
    };
    Ok(Institution {
        openalex_id: id.to_string(),
        display_name,
        ror: i.ror.as_ref().map(|r| {
            strip_url_prefix(r.as_str().trim(), &["https://ror.org/", "http://ror.org/"])
                .to_string()
        }),
        country: opt(&i.country_code).map(|c| c.to_ascii_uppercase()),
        org_type: opt(&i.kind),
        acronyms: names(&i.display_name_acronyms),
        alternative_names: names(&i.display_name_alternatives),
        lineage: i
            .lineage
            .iter()
            .flatten()
            .map(|l| short_id(l.as_str()).to_string())
            .collect(),
        homepage: opt(&i.homepage_url),
        works_count: i.works_count,
        cited_by_count: i.cited_by_count,
        updated: opt(&i.updated_date),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_shortened_and_classified() {
        assert_eq!(short_id("https://openalex.org/W3140854437"), "W3140854437");
        assert_eq!(
            entity_of("https://openalex.org/A5086419494"),
            Some(Entity::Author)
        );
        assert_eq!(entity_of("I82880672"), Some(Entity::Institution));
        assert_eq!(entity_of("W"), None);
        assert_eq!(entity_of("X12"), None);
        assert_eq!(entity_of("W12a"), None);
    }

    #[test]
    fn abstract_is_rebuilt_in_word_order() -> Result<(), ParseFailure> {
        let line = br#"{"id":"https://openalex.org/W1","title":"T","abstract_inverted_index":{"world":[1],"hello":[0,2]}}"#;
        let w = parse_work(line, &Limits::default())?;
        assert_eq!(w.abstract_text.as_deref(), Some("hello world hello"));
        Ok(())
    }

    #[test]
    fn hostile_inverted_index_is_rejected() {
        let line = br#"{"id":"W1","title":"T","abstract_inverted_index":{"x":[4000000000]}}"#;
        let err = parse_work(line, &Limits::default()).err();
        assert_eq!(
            err.and_then(|e| e.field).as_deref(),
            Some("abstract_inverted_index")
        );
    }

    #[test]
    fn work_without_id_or_title_is_rejected() {
        let no_id = parse_work(br#"{"title":"T"}"#, &Limits::default());
        assert!(matches!(no_id, Err(e) if e.reason.contains("missing field `id`")));
        let no_title = parse_work(br#"{"id":"W1","title":null}"#, &Limits::default());
        assert!(matches!(no_title, Err(e) if e.reason == "work has no title"));
        let wrong = parse_work(br#"{"id":"A1","title":"x"}"#, &Limits::default());
        assert!(matches!(wrong, Err(e) if e.field.as_deref() == Some("id")));
    }
}
