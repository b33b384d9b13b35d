//! OpenAlex authors and institutions from a batch of Parquet rows, into the same
//! [`AuthorFields`] and [`InstitutionFields`] the JSON reader fills.

use std::borrow::Cow;

use arrow_array::RecordBatch;
use scout_formats::openalex::{
    AffiliationFields, AuthorFields, InstitutionFields, SummaryStatsFields,
};
use scout_formats::{CowStr, ParseFailure};

use crate::columns::{IntList, Ints, StrList, Strs, Struct, StructList, TypeError};
use crate::works::{ConceptColumns, InstitutionRefColumns, cow};

fn cows(v: Option<Vec<&str>>) -> Option<Vec<CowStr<'_>>> {
    v.map(|v| v.into_iter().map(|s| CowStr(Cow::Borrowed(s))).collect())
}

fn required<'a>(value: Option<&'a str>, field: &str) -> Result<CowStr<'a>, ParseFailure> {
    value
        .map(|s| CowStr(Cow::Borrowed(s)))
        .ok_or_else(|| ParseFailure::new(Some(field), format!("missing field `{field}`")))
}

/// Every column of an authors batch that Scout reads.
pub struct AuthorColumns<'a> {
    pub id: Strs<'a>,
    display_name: Strs<'a>,
    alternatives: StrList<'a>,
    orcid: Strs<'a>,
    works_count: Ints<'a>,
    cited_by_count: Ints<'a>,
    summary_stats: Struct<'a>,
    h_index: Ints<'a>,
    affiliations: StructList<'a>,
    affiliation_institution: Struct<'a>,
    affiliation_ref: InstitutionRefColumns<'a>,
    affiliation_years: IntList<'a>,
    last_known: StructList<'a>,
    last_known_ref: InstitutionRefColumns<'a>,
    topics: ConceptColumns<'a>,
    updated_date: Strs<'a>,
}

impl<'a> AuthorColumns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Result<Self, TypeError> {
        let col = |name: &str| batch.column_by_name(name);
        let summary_stats = Struct::new(col("summary_stats"), "summary_stats")?;
        let affiliations = StructList::new(col("affiliations"), "affiliations")?;
        let affiliation_institution = Struct::new(
            affiliations.item.field("institution"),
            "affiliations.institution",
        )?;
        let last_known =
            StructList::new(col("last_known_institutions"), "last_known_institutions")?;
        Ok(AuthorColumns {
            id: Strs::new(col("id"), "id")?,
            display_name: Strs::new(col("display_name"), "display_name")?,
            alternatives: StrList::new(
                col("display_name_alternatives"),
                "display_name_alternatives",
            )?,
            orcid: Strs::new(col("orcid"), "orcid")?,
            works_count: Ints::new(col("works_count"), "works_count")?,
            cited_by_count: Ints::new(col("cited_by_count"), "cited_by_count")?,
            h_index: Ints::new(summary_stats.field("h_index"), "summary_stats.h_index")?,
            summary_stats,
            affiliation_ref: InstitutionRefColumns::new(
                affiliation_institution,
                [
                    "affiliations.institution.id",
                    "affiliations.institution.display_name",
                    "affiliations.institution.ror",
                    "affiliations.institution.country_code",
                    "affiliations.institution.type",
                ],
            )?,
            affiliation_institution,
            affiliation_years: IntList::new(
                affiliations.item.field("years"),
                "affiliations.years",
            )?,
            affiliations,
            last_known_ref: InstitutionRefColumns::new(
                last_known.item,
                [
                    "last_known_institutions.id",
                    "last_known_institutions.display_name",
                    "last_known_institutions.ror",
                    "last_known_institutions.country_code",
                    "last_known_institutions.type",
                ],
            )?,
            last_known,
            topics: ConceptColumns::new(
                col("topics"),
                [
                    "topics",
                    "topics.id",
                    "topics.display_name",
                    "topics.score",
                    "topics.level",
                ],
            )?,
            updated_date: Strs::new(col("updated_date"), "updated_date")?,
        })
    }

    pub fn fields(&self, row: usize) -> Result<AuthorFields<'a>, ParseFailure> {
        let affiliations = match self.affiliations.items(row, "affiliations")? {
            Some(range) => {
                let mut out = Vec::with_capacity(range.len());
                for j in range {
                    if !self.affiliation_institution.valid(j) {
                        return Err(ParseFailure::new(
                            Some("affiliations.institution"),
                            "missing field `institution`",
                        ));
                    }
                    let years = self
                        .affiliation_years
                        .get(j, |v| i32::try_from(v).ok(), "i32")?
                        .unwrap_or_default();
                    out.push(AffiliationFields {
                        institution: self.affiliation_ref.fields(j)?,
                        years,
                    });
                }
                Some(out)
            }
            None => None,
        };
        let last_known = match self.last_known.items(row, "last_known_institutions")? {
            Some(range) => Some(
                range
                    .map(|j| self.last_known_ref.fields(j))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        Ok(AuthorFields {
            id: required(self.id.get(row)?, "id")?,
            display_name: required(self.display_name.get(row)?, "display_name")?,
            display_name_alternatives: cows(self.alternatives.get(row)?),
            orcid: cow(self.orcid.get(row)?),
            works_count: self.works_count.get(row)?,
            cited_by_count: self.cited_by_count.get(row)?,
            summary_stats: if self.summary_stats.valid(row) {
                Some(SummaryStatsFields {
                    h_index: self.h_index.get(row)?,
                })
            } else {
                None
            },
            affiliations,
            last_known_institutions: last_known,
            topics: self.topics.fields(row)?,
            updated_date: cow(self.updated_date.get(row)?),
        })
    }
}

/// Every column of an institutions batch that Scout reads.
pub struct InstitutionColumns<'a> {
    pub id: Strs<'a>,
    display_name: Strs<'a>,
    ror: Strs<'a>,
    country_code: Strs<'a>,
    kind: Strs<'a>,
    acronyms: StrList<'a>,
    alternatives: StrList<'a>,
    lineage: StrList<'a>,
    homepage_url: Strs<'a>,
    works_count: Ints<'a>,
    cited_by_count: Ints<'a>,
    updated_date: Strs<'a>,
}

impl<'a> InstitutionColumns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Result<Self, TypeError> {
        let col = |name: &str| batch.column_by_name(name);
        Ok(InstitutionColumns {
            id: Strs::new(col("id"), "id")?,
            display_name: Strs::new(col("display_name"), "display_name")?,
            ror: Strs::new(col("ror"), "ror")?,
            country_code: Strs::new(col("country_code"), "country_code")?,
            kind: Strs::new(col("type"), "type")?,
            acronyms: StrList::new(col("display_name_acronyms"), "display_name_acronyms")?,
            alternatives: StrList::new(
                col("display_name_alternatives"),
                "display_name_alternatives",
            )?,
            lineage: StrList::new(col("lineage"), "lineage")?,
            homepage_url: Strs::new(col("homepage_url"), "homepage_url")?,
            works_count: Ints::new(col("works_count"), "works_count")?,
            cited_by_count: Ints::new(col("cited_by_count"), "cited_by_count")?,
            updated_date: Strs::new(col("updated_date"), "updated_date")?,
        })
    }

    pub fn fields(&self, row: usize) -> Result<InstitutionFields<'a>, ParseFailure> {
        Ok(InstitutionFields {
            id: required(self.id.get(row)?, "id")?,
            display_name: required(self.display_name.get(row)?, "display_name")?,
            ror: cow(self.ror.get(row)?),
            country_code: cow(self.country_code.get(row)?),
            kind: cow(self.kind.get(row)?),
            display_name_acronyms: cows(self.acronyms.get(row)?),
            display_name_alternatives: cows(self.alternatives.get(row)?),
            lineage: cows(self.lineage.get(row)?),
            homepage_url: cow(self.homepage_url.get(row)?),
            works_count: self.works_count.get(row)?,
            cited_by_count: self.cited_by_count.get(row)?,
            updated_date: cow(self.updated_date.get(row)?),
        })
    }
}
