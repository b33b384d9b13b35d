//! One API list page: `{"meta":{"count","next_cursor",…},"results":[…]}`. A page that does not
//! parse completely (a truncated or garbled body) is an error, so it is retried, never written.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::entity::Entity;

#[derive(Deserialize)]
struct RawPage<'a> {
    meta: Meta,
    #[serde(borrow)]
    results: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct Meta {
    count: Option<u64>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
}

/// A checked page: each record as one line of compact JSON.
#[derive(Debug)]
pub struct Page {
    pub count: Option<u64>,
    pub next_cursor: Option<String>,
    /// One JSON object per entry, without newlines.
    pub lines: Vec<Vec<u8>>,
}

/// Parses and checks a page body: valid JSON, a `meta` and a `results` array, every result an
/// object whose `id` names an entity of the kind asked for.
pub fn parse_page(body: &[u8], entity: Entity) -> Result<Page, String> {
    let raw: RawPage = serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            format!("body ends early ({} bytes): {e}", body.len())
        } else {
            format!("not an API page: {e}")
        }
    })?;
    let mut lines = Vec::with_capacity(raw.results.len());
    for (i, record) in raw.results.iter().enumerate() {
        let text = record.get();
        let id = serde_json::from_str::<IdOnly>(text)
            .map_err(|e| format!("result #{i} is not an object: {e}"))?
            .id
            .ok_or_else(|| format!("result #{i} has no id"))?;
        if scout_formats::openalex::entity_of(&id) != Some(entity.kind()) {
            return Err(format!("result #{i} ({id}) is not one of the {entity}"));
        }
        // The API writes compact JSON; anything else is re-encoded to fit on one line.
        let line = if text.bytes().any(|b| b == b'\n' || b == b'\r') {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("result #{i}: {e}"))?;
            serde_json::to_vec(&value).map_err(|e| format!("result #{i}: {e}"))?
        } else {
            text.as_bytes().to_vec()
        };
        lines.push(line);
    }
    Ok(Page {
        count: raw.meta.count,
        next_cursor: raw.meta.next_cursor.filter(|c| !c.is_empty()),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"meta":{"count":2,"per_page":2,"next_cursor":"abc"},"results":[
        {"id":"https://openalex.org/W1","title":"a"},
        {"id":"https://openalex.org/W2",
         "title":"b"}],"group_by":[]}"#;

    #[test]
    fn parses_and_flattens() -> Result<(), String> {
        let page = parse_page(PAGE.as_bytes(), Entity::Works)?;
        assert_eq!(page.count, Some(2));
        assert_eq!(page.next_cursor.as_deref(), Some("abc"));
        assert_eq!(page.lines.len(), 2);
        assert_eq!(
            page.lines[0],
            br#"{"id":"https://openalex.org/W1","title":"a"}"#
        );
        assert!(!page.lines[1].contains(&b'\n'));
        Ok(())
    }

    #[test]
    fn rejects_truncated_wrong_entity_and_shapeless() {
        for cut in [1, 10, PAGE.len() / 2, PAGE.len() - 1] {
            let err = parse_page(&PAGE.as_bytes()[..cut], Entity::Works);
            assert!(err.is_err(), "cut at {cut}");
        }
        assert!(parse_page(PAGE.as_bytes(), Entity::Authors).is_err());
        assert!(parse_page(br#"{"results":[]}"#, Entity::Works).is_err());
        assert!(parse_page(br#"{"meta":{},"results":[1]}"#, Entity::Works).is_err());
        assert!(parse_page(br#"{"meta":{},"results":[{"x":1}]}"#, Entity::Works).is_err());
        let end = parse_page(
            br#"{"meta":{"next_cursor":null},"results":[]}"#,
            Entity::Works,
        );
        assert!(end.is_ok_and(|p| p.next_cursor.is_none() && p.lines.is_empty()));
    }
}
