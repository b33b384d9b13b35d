//! Which Parquet columns to read: the leaves under the fields an entity needs, named by their
//! path in the JSON record (`authorships.institutions.id`), whatever the writer called the
//! wrapper groups of its lists and maps (`list.element`, `array`, `key_value`, …).

use arrow_schema::{DataType, Field, Schema};

use scout_formats::SliceFilter;

use scout_formats::openalex::Entity;

/// Fields a work needs (a path selects everything below it).
const WORK_FIELDS: &[&str] = &[
    "id",
    "title",
    "display_name",
    "publication_year",
    "cited_by_count",
    "doi",
    "type",
    "updated_date",
    "primary_location.source.display_name",
    "primary_location.landing_page_url",
    "authorships.author.id",
    "authorships.author.display_name",
    "authorships.author.orcid",
    "authorships.raw_author_name",
    "authorships.institutions.id",
    "authorships.institutions.display_name",
    "authorships.institutions.ror",
    "authorships.institutions.country_code",
    "authorships.institutions.type",
    "authorships.raw_affiliation_strings",
    "abstract_inverted_index",
    "concepts.display_name",
    "concepts.score",
    "concepts.level",
    "topics.display_name",
    "topics.score",
    "topics.level",
    "keywords.display_name",
    "keywords.score",
    "keywords.level",
    "ids.arxiv",
];

/// Fields a topic filter reads on top of those.
const WORK_TOPIC_FILTER_FIELDS: &[&str] = &[
    "topics.id",
    "topics.subfield.id",
    "topics.field.id",
    "topics.domain.id",
    "primary_topic.id",
    "concepts.id",
];

const INSTITUTION_REF: &[&str] = &["id", "display_name", "ror", "country_code", "type"];

const AUTHOR_FIELDS: &[&str] = &[
    "id",
    "display_name",
    "display_name_alternatives",
    "orcid",
    "works_count",
    "cited_by_count",
    "summary_stats.h_index",
    "affiliations.years",
    "topics.display_name",
    "topics.score",
    "topics.level",
    "updated_date",
];

const INSTITUTION_FIELDS: &[&str] = &[
    "id",
    "display_name",
    "ror",
    "country_code",
    "type",
    "display_name_acronyms",
    "display_name_alternatives",
    "lineage",
    "homepage_url",
    "works_count",
    "cited_by_count",
    "updated_date",
];

/// The record paths to read for `entity` (and for `filter`, on works).
pub fn needed_paths(entity: Entity, filter: Option<&SliceFilter>) -> Vec<String> {
    let mut paths: Vec<String> = match entity {
        Entity::Work => WORK_FIELDS.iter().map(|p| p.to_string()).collect(),
        Entity::Author => {
            let mut p: Vec<String> = AUTHOR_FIELDS.iter().map(|p| p.to_string()).collect();
            for f in INSTITUTION_REF {
                p.push(format!("affiliations.institution.{f}"));
                p.push(format!("last_known_institutions.{f}"));
            }
            p
        }
        Entity::Institution => INSTITUTION_FIELDS.iter().map(|p| p.to_string()).collect(),
    };
    if entity == Entity::Work && filter.is_some_and(|f| !f.topics.is_empty()) {
        paths.extend(WORK_TOPIC_FILTER_FIELDS.iter().map(|p| p.to_string()));
    }
    paths
}

/// Indices (in Parquet leaf order) of the leaf columns under `paths`. A leaf also counts when a
/// path goes deeper than it (a field expected to be a struct but stored as a scalar), so that
/// the type check sees it and says so instead of the field silently reading as absent.
pub fn leaves_under(schema: &Schema, paths: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut next_leaf = 0;
    let mut path = Vec::new();
    for field in schema.fields() {
        path.push(field.name().as_str());
        walk(field, &mut path, paths, &mut next_leaf, &mut out);
        path.pop();
    }
    out
}

/// Number of leaf columns of a schema (must equal the Parquet file's column count for
/// [`leaves_under`] to be trusted).
pub fn leaf_count(schema: &Schema) -> usize {
    let mut n = 0;
    let mut path = Vec::new();
    let mut ignored = Vec::new();
    for field in schema.fields() {
        walk(field, &mut path, &[], &mut n, &mut ignored);
    }
    n
}

fn walk<'s>(
    field: &'s Field,
    path: &mut Vec<&'s str>,
    wanted: &[String],
    next_leaf: &mut usize,
    out: &mut Vec<usize>,
) {
    match field.data_type() {
        DataType::Struct(children) => {
            for child in children {
                path.push(child.name().as_str());
                walk(child, path, wanted, next_leaf, out);
                path.pop();
            }
        }
        // List and map wrappers are not part of the record path.
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::ListView(item)
        | DataType::LargeListView(item)
        | DataType::FixedSizeList(item, _)
        | DataType::Map(item, _) => walk(item, path, wanted, next_leaf, out),
        _ => {
            if is_wanted(path, wanted) {
                out.push(*next_leaf);
            }
            *next_leaf += 1;
        }
    }
}

fn is_wanted(leaf: &[&str], wanted: &[String]) -> bool {
    wanted.iter().any(|w| {
        let mut parts = w.split('.');
        let mut leaf_parts = leaf.iter();
        loop {
            match (parts.next(), leaf_parts.next()) {
                // The wanted path ended: the leaf is below it.
                (None, _) => return true,
                // The leaf ended first: a scalar where a struct was expected.
                (Some(_), None) => return true,
                (Some(a), Some(b)) if a == *b => {}
                _ => return false,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_schema::Fields;

    use super::*;

    fn strings(name: &str) -> Field {
        Field::new(name, DataType::Utf8, true)
    }

    #[test]
    fn leaves_are_selected_through_list_and_map_wrappers() {
        let institution = Field::new(
            "element",
            DataType::Struct(Fields::from(vec![strings("id"), strings("lineage_x")])),
            true,
        );
        let authorship = Field::new(
            "element",
            DataType::Struct(Fields::from(vec![
                strings("author_position"),
                Field::new("institutions", DataType::List(Arc::new(institution)), true),
            ])),
            true,
        );
        let entries = Field::new(
            "key_value",
            DataType::Struct(Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                Field::new(
                    "value",
                    DataType::List(Arc::new(Field::new("element", DataType::Int32, true))),
                    true,
                ),
            ])),
            false,
        );
        let schema = Schema::new(vec![
            strings("id"),                                                         // 0
            Field::new("authorships", DataType::List(Arc::new(authorship)), true), // 1, 2, 3
            Field::new(
                "abstract_inverted_index",
                DataType::Map(Arc::new(entries), false),
                true,
            ), // 4, 5
            strings("referenced_works"),                                           // 6
            strings("primary_location"), // 7: a scalar, not a struct
        ]);
        assert_eq!(leaf_count(&schema), 8);
        let paths: Vec<String> = [
            "id",
            "authorships.institutions.id",
            "abstract_inverted_index",
            "primary_location.source.display_name",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(leaves_under(&schema, &paths), vec![0, 2, 4, 5, 7]);
    }
}
