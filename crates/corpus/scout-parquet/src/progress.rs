//! Live counters of an export, readable from another thread, with its cancel flag.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::{ExportError, Result};

/// Live counters of an export, readable from another thread. The pass over the works is
/// most of the time; the other tables are small beside it.
#[derive(Debug, Default)]
pub struct ExportProgress {
    /// Works in the corpus (known once the export starts).
    pub works_total: AtomicU64,
    pub works_done: AtomicU64,
    /// Tables finished, out of [`crate::TABLES`].
    pub tables_done: AtomicU64,
    /// Set from another thread to stop the export ([`ExportError::Cancelled`]); the files
    /// written so far stay in the folder.
    pub cancel: AtomicBool,
}

impl ExportProgress {
    pub(crate) fn check(&self) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(ExportError::Cancelled)
        } else {
            Ok(())
        }
    }
}
