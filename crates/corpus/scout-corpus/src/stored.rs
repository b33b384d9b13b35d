//! How authorships are stored inside a work row: compact JSON with short keys. This is a
//! storage format (read by identity, statistics and profiles), separate from the parsers'
//! record types and from any wire format.

use scout_formats::{Affiliation, Authorship};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredAffiliation {
    #[serde(rename = "r")]
    pub raw: String,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub openalex_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ror: Option<String>,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub org_type: Option<String>,
}

impl StoredAffiliation {
    /// The organisation name to show: the normalised one when known, else the raw string.
    pub fn display(&self) -> &str {
        self.org.as_deref().unwrap_or(&self.raw)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredAuthor {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "or", default, skip_serializing_if = "Option::is_none")]
    pub openreview_id: Option<String>,
    #[serde(rename = "oc", default, skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
    #[serde(rename = "db", default, skip_serializing_if = "Option::is_none")]
    pub dblp_id: Option<String>,
    #[serde(rename = "oa", default, skip_serializing_if = "Option::is_none")]
    pub openalex_id: Option<String>,
    #[serde(rename = "af", default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<StoredAffiliation>,
}

impl From<&Affiliation> for StoredAffiliation {
    fn from(a: &Affiliation) -> Self {
        StoredAffiliation {
            raw: a.raw.clone(),
            org: a.org.clone(),
            domain: a.domain.clone(),
            country: a.country.clone(),
            openalex_id: a.openalex_id.clone(),
            ror: a.ror.clone(),
            org_type: a.org_type.clone(),
        }
    }
}

/// Serialises authorships for the `works.authors` column.
pub fn encode_authors(authors: &[Authorship]) -> String {
    let stored: Vec<StoredAuthor> = authors
        .iter()
        .map(|a| StoredAuthor {
            name: a.name.clone(),
            openreview_id: a.openreview_id.clone(),
            orcid: a.orcid.clone(),
            dblp_id: a.dblp_id.clone(),
            openalex_id: a.openalex_id.clone(),
            affiliations: a.affiliations.iter().map(StoredAffiliation::from).collect(),
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_string())
}

pub fn encode_affiliations(affs: &[Affiliation]) -> Option<String> {
    if affs.is_empty() {
        return None;
    }
    let stored: Vec<StoredAffiliation> = affs.iter().map(StoredAffiliation::from).collect();
    serde_json::to_string(&stored).ok()
}

/// Reads the `works.authors` column. A value this crate did not write gives an empty list.
pub fn decode_authors(json: &str) -> Vec<StoredAuthor> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn decode_affiliations(json: Option<&str>) -> Vec<StoredAffiliation> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_omits_empty_fields() {
        let authors = vec![Authorship {
            name: "Ada Lovelace".into(),
            orcid: Some("0000-0001-2345-6789".into()),
            affiliations: vec![Affiliation {
                raw: "Analytical Engine Co.".into(),
                country: Some("GB".into()),
                ..Affiliation::default()
            }],
            ..Authorship::default()
        }];
        let json = encode_authors(&authors);
        assert_eq!(
            json,
            r#"[{"n":"Ada Lovelace","oc":"0000-0001-2345-6789","af":[{"r":"Analytical Engine Co.","c":"GB"}]}]"#
        );
        let back = decode_authors(&json);
        assert_eq!(back[0].name, "Ada Lovelace");
        assert_eq!(back[0].affiliations[0].display(), "Analytical Engine Co.");
        assert!(decode_authors("not json").is_empty());
    }
}
