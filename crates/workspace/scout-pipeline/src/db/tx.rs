//! The SQL [`Dialect`] a pipeline database speaks and the [`WriteTx`] every change runs in: the
//! types the migrations (`db::migrate`) and the store share, kept apart from opening the
//! database so that neither imports the other through `db`.

use std::str::FromStr;

use sqlx::{Any, Transaction};
use tokio::sync::MutexGuard;

use crate::error::{Error, Result};

/// Which SQL dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A write transaction (holding the in-process write lock on SQLite).
pub struct WriteTx<'a> {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) dialect: Dialect,
    _guard: Option<MutexGuard<'a, ()>>,
}

impl<'a> WriteTx<'a> {
    /// A write transaction over `tx`, holding `guard` (SQLite's in-process write lock) until it
    /// ends.
    pub(super) fn new(
        tx: Transaction<'static, Any>,
        dialect: Dialect,
        guard: Option<MutexGuard<'a, ()>>,
    ) -> WriteTx<'a> {
        WriteTx {
            tx,
            dialect,
            _guard: guard,
        }
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl FromStr for Dialect {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" => Ok(Dialect::Postgres),
            other => Err(Error::BadUrl(other.to_string())),
        }
    }
}
