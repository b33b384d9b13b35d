//! The [`Store`] itself: the database pool and the erasure ledger, and opening them.

use std::path::{Path, PathBuf};

use super::ledger::default_ledger;
use crate::db::{Db, StoreConfig};
use crate::error::Result;

/// The pipeline store.
pub struct Store {
    pub(super) db: Db,
    /// The erasure ledger (`erasure`), if any.
    ledger: Option<PathBuf>,
}

impl Store {
    /// Opens (and migrates) the database at `config.url`, then re-applies the erasures of the
    /// ledger the database does not show (after a restore), before anyone can read it.
    pub async fn open(config: &StoreConfig) -> Result<Store> {
        let store = Store {
            db: Db::open(config).await?,
            ledger: config
                .erasure_ledger
                .clone()
                .or_else(|| default_ledger(&config.url)),
        };
        let again = store.reapply_erasures().await?;
        if !again.is_empty() {
            eprintln!(
                "note: re-applied {} erasure(s) from the erasure ledger (a restored backup): candidates {:?}",
                again.len(),
                again
            );
        }
        Ok(store)
    }

    /// The erasure ledger's path.
    pub fn ledger(&self) -> Option<&Path> {
        self.ledger.as_deref()
    }

    /// The database the store runs on.
    pub fn db(&self) -> &Db {
        &self.db
    }
}
