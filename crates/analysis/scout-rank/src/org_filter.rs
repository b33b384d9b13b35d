//! The List's organisation-history filters: `--trained-at` (the university inferred from a
//! researcher's early papers) and `--worked-at` (any organisation in their timeline). A wanted
//! organisation matches by the alias table ("MIT", "CMU", "Berkeley" name their universities)
//! or as whole words inside the organisation's name ("DeepMind" in "Google DeepMind").

use scout_corpus::organisations::{OrgRegistry, org_key};
use scout_corpus::rusqlite::Connection;

use crate::error::Result;

/// One or more wanted organisations, any of which matches.
#[derive(Debug, Clone, Default)]
pub struct OrgMatcher {
    /// (normalised words, alias-table key) per wanted organisation.
    wanted: Vec<(String, String)>,
}

impl OrgMatcher {
    /// From `ORG[,ORG…]` values (empty parts are ignored).
    pub fn new<S: AsRef<str>>(values: &[S]) -> OrgMatcher {
        let registry = OrgRegistry::builtin();
        let wanted = values
            .iter()
            .flat_map(|v| v.as_ref().split(','))
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| (format!(" {} ", org_key(w)), registry.resolve(w).key))
            .collect();
        OrgMatcher { wanted }
    }

    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// Whether an organisation name is one of the wanted ones.
    pub fn matches(&self, registry: &OrgRegistry, name: &str) -> bool {
        let words = format!(" {} ", org_key(name));
        let key = registry.resolve(name).key;
        self.wanted
            .iter()
            .any(|(text, wanted_key)| words.contains(text.as_str()) || key == *wanted_key)
    }
}

/// Every organisation in a researcher's affiliation timeline.
pub fn timeline_orgs(conn: &Connection, researcher_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT o.name FROM researcher_orgs ro JOIN organisations o ON o.id = ro.org_id
         WHERE ro.researcher_id = ?1",
    )?;
    let names = stmt
        .query_map([researcher_id], |r| r.get::<_, String>(0))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_and_words_inside_names_match() {
        let reg = OrgRegistry::builtin();
        let m = OrgMatcher::new(&["MIT, Berkeley", "DeepMind"]);
        assert!(m.matches(&reg, "Massachusetts Institute of Technology"));
        assert!(m.matches(&reg, "University of California, Berkeley"));
        assert!(m.matches(&reg, "Google DeepMind"));
        assert!(!m.matches(&reg, "Stanford University"));
        assert!(!m.matches(&reg, "Smithsonian Institution"));
        assert!(OrgMatcher::new(&[" , "]).is_empty());
    }
}
