//! OpenAlex works from a batch of Parquet rows: the columns resolved once per batch, then each
//! row turned into the same [`WorkFields`] the JSON reader fills, and the slice filter's
//! fields read for rows that may be skipped without building anything.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, MapArray, RecordBatch};
use scout_formats::openalex::{
    AuthorRefFields, AuthorshipFields, ConceptFields, InstitutionRefFields, InvertedIndex,
    LocationFields, SourceFields, WorkFields, WorkIdsFields,
};
use scout_formats::{CowStr, ParseFailure};

use crate::columns::{Floats, IntList, Ints, StrList, Strs, Struct, StructList, TypeError};

pub fn cow(s: Option<&str>) -> Option<CowStr<'_>> {
    s.map(|s| CowStr(Cow::Borrowed(s)))
}

/// The columns of an institution reference (`authorships.institutions`,
/// `last_known_institutions`, `affiliations.institution`).
#[derive(Clone, Copy)]
pub struct InstitutionRefColumns<'a> {
    pub id: Strs<'a>,
    display_name: Strs<'a>,
    ror: Strs<'a>,
    country_code: Strs<'a>,
    kind: Strs<'a>,
}

impl<'a> InstitutionRefColumns<'a> {
    pub fn new(s: Struct<'a>, columns: [&'static str; 5]) -> Result<Self, TypeError> {
        Ok(InstitutionRefColumns {
            id: Strs::new(s.field("id"), columns[0])?,
            display_name: Strs::new(s.field("display_name"), columns[1])?,
            ror: Strs::new(s.field("ror"), columns[2])?,
            country_code: Strs::new(s.field("country_code"), columns[3])?,
            kind: Strs::new(s.field("type"), columns[4])?,
        })
    }

    pub fn fields(&self, j: usize) -> Result<InstitutionRefFields<'a>, ParseFailure> {
        Ok(InstitutionRefFields {
            id: cow(self.id.get(j)?),
            display_name: cow(self.display_name.get(j)?),
            ror: cow(self.ror.get(j)?),
            country_code: cow(self.country_code.get(j)?),
            kind: cow(self.kind.get(j)?),
        })
    }
}

/// The columns of a concept, topic or keyword list.
#[derive(Clone, Copy)]
pub struct ConceptColumns<'a> {
    pub list: StructList<'a>,
    pub id: Strs<'a>,
    display_name: Strs<'a>,
    score: Floats<'a>,
    level: Ints<'a>,
    column: &'static str,
}

impl<'a> ConceptColumns<'a> {
    pub fn new(array: Option<&'a ArrayRef>, columns: [&'static str; 5]) -> Result<Self, TypeError> {
        let list = StructList::new(array, columns[0])?;
        Ok(ConceptColumns {
            list,
            id: Strs::new(list.item.field("id"), columns[1])?,
            display_name: Strs::new(list.item.field("display_name"), columns[2])?,
            score: Floats::new(list.item.field("score"), columns[3])?,
            level: Ints::new(list.item.field("level"), columns[4])?,
            column: columns[0],
        })
    }

    pub fn fields(&self, row: usize) -> Result<Option<Vec<ConceptFields<'a>>>, ParseFailure> {
        let Some(range) = self.list.items(row, self.column)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(range.len());
        for j in range {
            out.push(ConceptFields {
                display_name: cow(self.display_name.get(j)?),
                score: self.score.get(j)?,
                level: self.level.get_i32(j, "level")?,
            });
        }
        Ok(Some(out))
    }
}

/// How `abstract_inverted_index` is stored. The OpenAlex documentation does not fix it; these
/// are the encodings a converter of the API format produces.
enum AbstractColumn<'a> {
    Absent,
    /// `map<string, list<int>>`.
    Map {
        map: &'a MapArray,
        words: Strs<'a>,
        positions: IntList<'a>,
    },
    /// The JSON object as text.
    Json(Strs<'a>),
    /// A struct with one field per word (what schema inference over the JSON makes of it).
    Struct {
        array: Struct<'a>,
        words: Vec<(&'a str, IntList<'a>)>,
    },
}

const ABSTRACT: &str = "abstract_inverted_index";
const ABSTRACT_EXPECTED: &str = "a map from words to position lists (map<string, list<int>>), its JSON text, or a struct of position lists";

impl<'a> AbstractColumn<'a> {
    fn new(array: Option<&'a ArrayRef>) -> Result<Self, TypeError> {
        let Some(array) = array else {
            return Ok(AbstractColumn::Absent);
        };
        let wrong = || TypeError {
            column: ABSTRACT,
            expected: ABSTRACT_EXPECTED,
            found: array.data_type().to_string(),
        };
        if let Some(map) = array.as_map_opt() {
            return Ok(AbstractColumn::Map {
                map,
                words: Strs::new(Some(map.keys()), "abstract_inverted_index.key")
                    .map_err(|_| wrong())?,
                positions: IntList::new(Some(map.values()), "abstract_inverted_index.value")
                    .map_err(|_| wrong())?,
            });
        }
        if let Ok(s) = Struct::new(Some(array), ABSTRACT) {
            if s.is_absent() {
                return Ok(AbstractColumn::Absent);
            }
            let mut words = Vec::new();
            if let Some(inner) = s.inner() {
                for (field, column) in inner.fields().iter().zip(inner.columns()) {
                    let positions = IntList::new(Some(column), ABSTRACT).map_err(|_| wrong())?;
                    words.push((field.name().as_str(), positions));
                }
            }
            return Ok(AbstractColumn::Struct { array: s, words });
        }
        Strs::new(Some(array), ABSTRACT)
            .map(AbstractColumn::Json)
            .map_err(|_| wrong())
    }

    fn get(&self, row: usize) -> Result<Option<InvertedIndex<'a>>, ParseFailure> {
        let to_u32 = |v: i64| u32::try_from(v).ok();
        match self {
            AbstractColumn::Absent => Ok(None),
            AbstractColumn::Map {
                map,
                words,
                positions,
            } => {
                if map.is_null(row) {
                    return Ok(None);
                }
                let offsets = map.offsets();
                let range = offsets[row] as usize..offsets[row + 1] as usize;
                let mut pairs = Vec::with_capacity(range.len());
                for j in range {
                    let word = words.get(j)?.ok_or_else(|| {
                        ParseFailure::new(Some(ABSTRACT), "a word (map key) is null")
                    })?;
                    let at = positions.get(j, to_u32, "u32")?.ok_or_else(|| {
                        ParseFailure::new(
                            Some(ABSTRACT),
                            format!("the positions of `{word}` are null"),
                        )
                    })?;
                    pairs.push((CowStr(Cow::Borrowed(word)), at));
                }
                Ok(Some(InvertedIndex(pairs)))
            }
            AbstractColumn::Json(text) => match text.get(row)? {
                Some(text) => InvertedIndex::from_json_text(text).map(Some),
                None => Ok(None),
            },
            AbstractColumn::Struct { array, words } => {
                if !array.valid(row) {
                    return Ok(None);
                }
                let mut pairs = Vec::new();
                for (word, positions) in words {
                    // A word absent from this abstract is a null field.
                    if let Some(at) = positions.get(row, to_u32, "u32")? {
                        pairs.push((CowStr(Cow::Borrowed(*word)), at));
                    }
                }
                Ok(Some(InvertedIndex(pairs)))
            }
        }
    }
}

/// Every column of a works batch that Scout reads.
pub struct WorkColumns<'a> {
    id: Strs<'a>,
    title: Strs<'a>,
    display_name: Strs<'a>,
    publication_year: Ints<'a>,
    cited_by_count: Ints<'a>,
    doi: Strs<'a>,
    work_type: Strs<'a>,
    updated_date: Strs<'a>,
    location: Struct<'a>,
    location_source: Struct<'a>,
    source_name: Strs<'a>,
    landing_page_url: Strs<'a>,
    authorships: StructList<'a>,
    author: Struct<'a>,
    author_id: Strs<'a>,
    author_name: Strs<'a>,
    author_orcid: Strs<'a>,
    raw_author_name: Strs<'a>,
    institutions: StructList<'a>,
    institution: InstitutionRefColumns<'a>,
    raw_affiliations: StrList<'a>,
    abstract_index: AbstractColumn<'a>,
    concepts: ConceptColumns<'a>,
    topics: ConceptColumns<'a>,
    keywords: ConceptColumns<'a>,
    ids: Struct<'a>,
    arxiv: Strs<'a>,
    // Filter-only columns.
    topic_subfield: Strs<'a>,
    topic_field: Strs<'a>,
    topic_domain: Strs<'a>,
    primary_topic: Struct<'a>,
    primary_topic_id: Strs<'a>,
}

fn nested_id<'a>(s: Struct<'a>, name: &str, column: &'static str) -> Result<Strs<'a>, TypeError> {
    let inner = Struct::new(s.field(name), column)?;
    Strs::new(inner.field("id"), column)
}

impl<'a> WorkColumns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Result<Self, TypeError> {
        let col = |name: &str| batch.column_by_name(name);
        let location = Struct::new(col("primary_location"), "primary_location")?;
        let location_source = Struct::new(location.field("source"), "primary_location.source")?;
        let authorships = StructList::new(col("authorships"), "authorships")?;
        let author = Struct::new(authorships.item.field("author"), "authorships.author")?;
        let institutions = StructList::new(
            authorships.item.field("institutions"),
            "authorships.institutions",
        )?;
        let topics = ConceptColumns::new(
            col("topics"),
            [
                "topics",
                "topics.id",
                "topics.display_name",
                "topics.score",
                "topics.level",
            ],
        )?;
        let ids = Struct::new(col("ids"), "ids")?;
        let primary_topic = Struct::new(col("primary_topic"), "primary_topic")?;
        Ok(WorkColumns {
            id: Strs::new(col("id"), "id")?,
            title: Strs::new(col("title"), "title")?,
            display_name: Strs::new(col("display_name"), "display_name")?,
            publication_year: Ints::new(col("publication_year"), "publication_year")?,
            cited_by_count: Ints::new(col("cited_by_count"), "cited_by_count")?,
            doi: Strs::new(col("doi"), "doi")?,
            work_type: Strs::new(col("type"), "type")?,
            updated_date: Strs::new(col("updated_date"), "updated_date")?,
            location,
            location_source,
            source_name: Strs::new(
                location_source.field("display_name"),
                "primary_location.source.display_name",
            )?,
            landing_page_url: Strs::new(
                location.field("landing_page_url"),
                "primary_location.landing_page_url",
            )?,
            authorships,
            author,
            author_id: Strs::new(author.field("id"), "authorships.author.id")?,
            author_name: Strs::new(
                author.field("display_name"),
                "authorships.author.display_name",
            )?,
            author_orcid: Strs::new(author.field("orcid"), "authorships.author.orcid")?,
            raw_author_name: Strs::new(
                authorships.item.field("raw_author_name"),
                "authorships.raw_author_name",
            )?,
            institutions,
            institution: InstitutionRefColumns::new(
                institutions.item,
                [
                    "authorships.institutions.id",
                    "authorships.institutions.display_name",
                    "authorships.institutions.ror",
                    "authorships.institutions.country_code",
                    "authorships.institutions.type",
                ],
            )?,
            raw_affiliations: StrList::new(
                authorships.item.field("raw_affiliation_strings"),
                "authorships.raw_affiliation_strings",
            )?,
            abstract_index: AbstractColumn::new(col(ABSTRACT))?,
            concepts: ConceptColumns::new(
                col("concepts"),
                [
                    "concepts",
                    "concepts.id",
                    "concepts.display_name",
                    "concepts.score",
                    "concepts.level",
                ],
            )?,
            topic_subfield: nested_id(topics.list.item, "subfield", "topics.subfield.id")?,
            topic_field: nested_id(topics.list.item, "field", "topics.field.id")?,
            topic_domain: nested_id(topics.list.item, "domain", "topics.domain.id")?,
            topics,
            keywords: ConceptColumns::new(
                col("keywords"),
                [
                    "keywords",
                    "keywords.id",
                    "keywords.display_name",
                    "keywords.score",
                    "keywords.level",
                ],
            )?,
            ids,
            arxiv: Strs::new(ids.field("arxiv"), "ids.arxiv")?,
            primary_topic_id: Strs::new(primary_topic.field("id"), "primary_topic.id")?,
            primary_topic,
        })
    }

    /// The id of row `row`, for locating a reject.
    pub fn id(&self, row: usize) -> Option<&'a str> {
        self.id.get(row).ok().flatten()
    }

    /// The work's fields, borrowed from the batch.
    pub fn fields(&self, row: usize) -> Result<WorkFields<'a>, ParseFailure> {
        let id = self
            .id
            .get(row)?
            .ok_or_else(|| ParseFailure::new(Some("id"), "work has no id"))?;
        let location = if self.location.valid(row) {
            Some(LocationFields {
                source: if self.location_source.valid(row) {
                    Some(SourceFields {
                        display_name: cow(self.source_name.get(row)?),
                    })
                } else {
                    None
                },
                landing_page_url: cow(self.landing_page_url.get(row)?),
            })
        } else {
            None
        };
        let authorships = match self.authorships.items(row, "authorships")? {
            Some(range) => {
                let mut out = Vec::with_capacity(range.len());
                for j in range {
                    out.push(self.authorship(j)?);
                }
                Some(out)
            }
            None => None,
        };
        Ok(WorkFields {
            id: CowStr(Cow::Borrowed(id)),
            title: cow(self.title.get(row)?),
            display_name: cow(self.display_name.get(row)?),
            publication_year: self.publication_year.get_i32(row, "publication_year")?,
            cited_by_count: self.cited_by_count.get(row)?,
            doi: cow(self.doi.get(row)?),
            work_type: cow(self.work_type.get(row)?),
            updated_date: cow(self.updated_date.get(row)?),
            primary_location: location,
            authorships,
            abstract_inverted_index: self.abstract_index.get(row)?,
            concepts: self.concepts.fields(row)?,
            topics: self.topics.fields(row)?,
            keywords: self.keywords.fields(row)?,
            ids: if self.ids.valid(row) {
                Some(WorkIdsFields {
                    arxiv: cow(self.arxiv.get(row)?),
                })
            } else {
                None
            },
        })
    }

    fn authorship(&self, j: usize) -> Result<AuthorshipFields<'a>, ParseFailure> {
        let author = if self.author.valid(j) {
            Some(AuthorRefFields {
                id: cow(self.author_id.get(j)?),
                display_name: cow(self.author_name.get(j)?),
                orcid: cow(self.author_orcid.get(j)?),
            })
        } else {
            None
        };
        let institutions = match self.institutions.items(j, "authorships.institutions")? {
            Some(range) => {
                let mut out = Vec::with_capacity(range.len());
                for k in range {
                    out.push(self.institution.fields(k)?);
                }
                Some(out)
            }
            None => None,
        };
        Ok(AuthorshipFields {
            author,
            raw_author_name: cow(self.raw_author_name.get(j)?),
            institutions,
            raw_affiliation_strings: self
                .raw_affiliations
                .get(j)?
                .map(|v| v.into_iter().map(|s| CowStr(Cow::Borrowed(s))).collect()),
        })
    }

    /// The slice filter's verdict on row `row`. A row whose filter fields cannot be read is
    /// kept, so that building its record rejects it with the reason (as the JSON reader does).
    pub fn matches(&self, row: usize, filter: &scout_formats::SliceFilter) -> bool {
        self.filter_fields(row)
            .is_none_or(|(year, topics, institutions)| {
                filter.matches_ids(year, topics, institutions)
            })
    }

    #[allow(clippy::type_complexity)]
    fn filter_fields(&self, row: usize) -> Option<(Option<i32>, Vec<&'a str>, Vec<&'a str>)> {
        let year = self
            .publication_year
            .get_i32(row, "publication_year")
            .ok()?;
        let mut topics = Vec::new();
        if let Some(range) = self.topics.list.list.range(row) {
            for j in range {
                if !self.topics.list.item.valid(j) {
                    return None;
                }
                for ids in [
                    &self.topics.id,
                    &self.topic_subfield,
                    &self.topic_field,
                    &self.topic_domain,
                ] {
                    topics.extend(ids.get(j).ok()?);
                }
            }
        }
        if self.primary_topic.valid(row) {
            topics.extend(self.primary_topic_id.get(row).ok()?);
        }
        if let Some(range) = self.concepts.list.list.range(row) {
            for j in range {
                topics.extend(self.concepts.id.get(j).ok()?);
            }
        }
        let mut institutions = Vec::new();
        if let Some(range) = self.authorships.list.range(row) {
            for j in range {
                let Some(inner) = self.institutions.list.range(j) else {
                    continue;
                };
                for k in inner {
                    institutions.extend(self.institution.id.get(k).ok()?);
                }
            }
        }
        Some((year, topics, institutions))
    }
}
