//! Which OpenAlex entity a fetch asks for: its API path, its output folder and the kind of id
//! its records carry.

use std::fmt;

/// The OpenAlex entities `scout ingest` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Works,
    Authors,
    Institutions,
}

impl Entity {
    /// The API path and the output sub-directory.
    pub fn path(self) -> &'static str {
        match self {
            Entity::Works => "works",
            Entity::Authors => "authors",
            Entity::Institutions => "institutions",
        }
    }

    /// The kind of id its records carry.
    pub fn kind(self) -> scout_formats::openalex::Entity {
        match self {
            Entity::Works => scout_formats::openalex::Entity::Work,
            Entity::Authors => scout_formats::openalex::Entity::Author,
            Entity::Institutions => scout_formats::openalex::Entity::Institution,
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

impl std::str::FromStr for Entity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "works" => Ok(Entity::Works),
            "authors" => Ok(Entity::Authors),
            "institutions" => Ok(Entity::Institutions),
            other => Err(format!(
                "unknown entity {other:?} (works, authors or institutions)"
            )),
        }
    }
}
