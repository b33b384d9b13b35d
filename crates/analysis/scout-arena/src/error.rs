//! The error type of the arena engine: every failure names what went wrong and where.

/// Errors from reading comparison files and fitting models.
#[derive(Debug, thiserror::Error)]
pub enum ArenaError {
    /// A JSON document could not be parsed (syntax, or a field of the wrong type or value).
    #[error("{format}: {message} (line {line}, column {column})")]
    Json {
        /// Which reader failed, e.g. `clean_battle JSON`.
        format: &'static str,
        /// The parser's message, including the offending field where known.
        message: String,
        /// 1-based line of the input where the parser stopped.
        line: usize,
        /// 1-based column of the input where the parser stopped.
        column: usize,
    },
    /// A CSV record could not be read.
    #[error("CSV line {line}: {message}")]
    Csv {
        /// 1-based physical line where the record starts (the header is line 1).
        line: usize,
        /// What is wrong, naming the column.
        message: String,
    },
    /// A comparison of an item with itself.
    #[error("item {item:?} is compared with itself ({context})")]
    SelfComparison {
        /// The item's name.
        item: String,
        /// Where the comparison came from (record number or index).
        context: String,
    },
    /// An item name that the comparisons do not contain (for example the anchor).
    #[error("unknown item {0:?}")]
    UnknownItem(String),
    /// An item index outside the item list.
    #[error("item index {index} out of range for {items} items ({context})")]
    ItemIndex {
        /// The offending index.
        index: usize,
        /// How many items there are.
        items: usize,
        /// Where the index came from.
        context: String,
    },
    /// There is nothing to fit.
    #[error("no comparisons to fit")]
    Empty,
    /// The comparison graph falls apart into several components and nothing ties their scales together.
    #[error(
        "the comparison graph has {} components (sizes {:?}); fit each separately or set an L2 penalty",
        .sizes.len(), .sizes
    )]
    Disconnected {
        /// Sizes of the connected components, largest first.
        sizes: Vec<usize>,
    },
    /// Some items never lose (or never win) against the rest, so the maximum-likelihood ratings are infinite.
    #[error(
        "no finite maximum-likelihood ratings: the wins graph has {groups} strongly connected groups; \
         e.g. {example:?} never lost to anyone outside its group (set an L2 penalty to regularise)"
    )]
    NoFiniteMle {
        /// Number of strongly connected groups of the wins graph.
        groups: usize,
        /// Items of one group that is unbeaten by everyone outside it.
        example: Vec<String>,
    },
    /// The Newton iterations hit the safety cap without meeting the tolerance.
    #[error(
        "fit did not converge in {iterations} iterations (last step {last_step:e}, gradient {gradient:e})"
    )]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// Largest absolute parameter change in the last iteration.
        last_step: f64,
        /// Largest absolute gradient entry at the end.
        gradient: f64,
    },
    /// A Hessian was not positive definite where it must be.
    #[error("singular system in {0}")]
    Singular(&'static str),
    /// An option value that makes no sense.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// Input arrays of mismatched shape.
    #[error("shape mismatch: {0}")]
    Shape(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = ArenaError> = std::result::Result<T, E>;

impl ArenaError {
    /// Wraps a `serde_json` error with the reader's name and the position it reports.
    pub(crate) fn json(format: &'static str, err: &serde_json::Error) -> Self {
        let mut message = err.to_string();
        // serde_json appends " at line L column C"; we report those separately.
        if let Some(pos) = message.rfind(" at line ") {
            message.truncate(pos);
        }
        ArenaError::Json {
            format,
            message,
            line: err.line(),
            column: err.column(),
        }
    }
}
