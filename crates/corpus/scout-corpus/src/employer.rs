//! A current employer set by the workspace's owners, applied to a corpus researcher. The
//! workspace stores who set what and when (`scout_pipeline`); this is how the corpus side shows
//! it: it replaces the inferred current organisation (with full confidence and "set by … on …"
//! as its evidence), so the List's organisation filters, profiles and exports all honour it.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::organisations::OrgRegistry;
use crate::researchers::Researcher;

/// An employer an owner set for one researcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetEmployer {
    pub organisation: String,
    /// The owner's name (`None` once that user is gone).
    pub set_by: Option<String>,
    /// RFC 3339.
    pub set_at: String,
}

/// Replaces `r`'s current organisation with the one set. The text an owner typed is resolved
/// like an affiliation string (aliases, university name variants), so "Google DeepMind" set
/// here is the corpus's own organisation, with its id, type and country; a name the corpus
/// does not hold stays as typed, typed by the alias table when it knows it.
pub fn apply(
    conn: &Connection,
    registry: &OrgRegistry,
    r: &mut Researcher,
    set: &SetEmployer,
) -> Result<()> {
    let resolved = registry.resolve(&set.organisation);
    let stored: Option<(i64, String, String, Option<String>)> = conn
        .prepare_cached("SELECT id, name, org_type, country FROM organisations WHERE key = ?1")?
        .query_row([&resolved.key], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    match stored {
        Some((id, name, org_type, country)) => {
            r.current_org = Some(name);
            r.current_org_id = Some(id);
            r.current_org_type = Some(org_type);
            r.current_country = country;
        }
        None => {
            let canonical = resolved.canonical.map(|i| registry.canonical(i));
            r.current_org = Some(resolved.name.clone());
            r.current_org_id = None;
            r.current_org_type = canonical.map(|c| c.org_type.as_str().to_string());
            r.current_country = canonical.and_then(|c| c.country.clone());
        }
    }
    let who = set.set_by.as_deref().unwrap_or("a former user");
    let day = set.set_at.get(..10).unwrap_or(&set.set_at);
    r.current_org_confidence = Some(1.0);
    r.current_org_evidence = Some(format!("set by {who} on {day}"));
    r.current_org_stale = false;
    r.current_org_year = None;
    r.current_org_set_by = Some(who.to_string());
    r.current_org_set_at = Some(set.set_at.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn researcher() -> Researcher {
        Researcher {
            id: 1,
            key: "openreview:~Ada_Lovelace1".into(),
            name: "Ada Lovelace".into(),
            openreview_id: None,
            orcid: None,
            dblp_id: None,
            openalex_id: None,
            n_works: 3,
            first_year: Some(2019),
            last_year: Some(2021),
            citations: 0,
            current_org: Some("University of Oxford".into()),
            current_org_year: Some(2021),
            current_org_type: Some("education".into()),
            current_country: Some("GB".into()),
            current_org_id: Some(9),
            community: None,
            current_org_confidence: Some(0.4),
            current_org_evidence: Some("2 papers".into()),
            current_org_stale: true,
            career_stage: None,
            stage_at_least: false,
            stage_basis: None,
            trained_at: None,
            trained_org_id: None,
            trained_evidence: None,
            current_org_set_by: None,
            current_org_set_at: None,
        }
    }

    fn corpus() -> Connection {
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(
            "CREATE TABLE organisations (id INTEGER PRIMARY KEY, key TEXT, name TEXT, org_type TEXT, country TEXT);
             INSERT INTO organisations VALUES (4, 'google deepmind', 'Google DeepMind', 'company', 'GB');",
        )
        .expect("organisations table");
        conn
    }

    #[test]
    fn a_set_employer_resolves_through_the_alias_table_to_the_corpus_organisation() {
        let conn = corpus();
        let registry = OrgRegistry::builtin();
        let mut r = researcher();
        let set = SetEmployer {
            organisation: "DeepMind".into(),
            set_by: Some("chair".into()),
            set_at: "2026-12-03T18:00:00Z".into(),
        };
        apply(&conn, &registry, &mut r, &set).expect("applied");
        assert_eq!(r.current_org.as_deref(), Some("Google DeepMind"));
        assert_eq!(r.current_org_id, Some(4));
        assert_eq!(r.current_org_type.as_deref(), Some("company"));
        assert!(!r.current_org_stale);
        assert_eq!(r.current_org_confidence, Some(1.0));
        assert_eq!(
            r.current_org_evidence.as_deref(),
            Some("set by chair on 2026-12-03")
        );
        assert_eq!(r.current_org_set_by.as_deref(), Some("chair"));
    }

    #[test]
    fn an_organisation_the_corpus_lacks_stays_as_typed() {
        let conn = corpus();
        let registry = OrgRegistry::builtin();
        let mut r = researcher();
        let set = SetEmployer {
            organisation: "  Tiny Stealth Lab ".into(),
            set_by: None,
            set_at: "2026-12-01T09:00:00Z".into(),
        };
        apply(&conn, &registry, &mut r, &set).expect("applied");
        assert_eq!(r.current_org.as_deref(), Some("Tiny Stealth Lab"));
        assert_eq!(r.current_org_id, None);
        assert_eq!(r.current_country, None);
        assert_eq!(
            r.current_org_evidence.as_deref(),
            Some("set by a former user on 2026-12-01")
        );
    }
}
