//! The committee's career-stage overrides, read for the corpus side: the List's `--stage`
//! filter uses them in place of the corpus's estimate for candidates (CLI and server alike).

use std::collections::HashMap;

use super::handle::Store;
use crate::error::Result;
use crate::model::{Actor, CandidateFilter};

/// Candidates read per page.
const PAGE: i64 = 1000;

impl Store {
    /// Each candidate's career-stage override (`early`, `mid`, `senior`), by researcher key;
    /// candidates without a researcher key or an override are left out. Read through
    /// [`Store::list_candidates`], so every page is an audited read.
    pub async fn career_stage_overrides(&self, actor: &Actor) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        let mut offset = 0;
        loop {
            let page = self
                .list_candidates(
                    actor,
                    &CandidateFilter {
                        limit: Some(PAGE),
                        offset: Some(offset),
                        ..CandidateFilter::default()
                    },
                )
                .await?;
            let n = page.len() as i64;
            for c in page {
                if let (Some(key), Some(stage)) = (c.researcher_key, c.career_stage) {
                    out.insert(key, stage);
                }
            }
            offset += n;
            if n < PAGE {
                return Ok(out);
            }
        }
    }
}
