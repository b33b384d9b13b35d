//! The checks of the free-text fields the store accepts: trimmed, bounded in length, one line
//! or many, and the career-stage override and tag forms.

use scout_corpus::researchers::CareerStage;

use crate::error::{Error, Result};
use crate::text::Lines;

/// Limits on free-text fields.
pub(super) const MAX_NAME: usize = 200;
pub(super) const MAX_TEXT: usize = 20_000;

/// Trims and checks a required one-line text field (see `text`).
pub(crate) fn required_text(field: &str, v: &str, max: usize) -> Result<String> {
    crate::text::required(field, v, max, Lines::One)
}

/// Trims an optional one-line text field; empty means absent.
pub(super) fn optional_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    crate::text::optional(field, v, max, Lines::One)
}

/// A required text that may span lines (notes, messages, reasons).
pub(super) fn required_lines(field: &str, v: &str, max: usize) -> Result<String> {
    crate::text::required(field, v, max, Lines::Many)
}

/// An optional text that may span lines.
pub(super) fn optional_lines(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    crate::text::optional(field, v, max, Lines::Many)
}

/// A career-stage override: a [`CareerStage`] (the type the corpus estimates and the List
/// filters by), stored in its lowercase name, or empty for none.
pub(super) fn career_stage(v: Option<&str>) -> Result<Option<String>> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match CareerStage::parse(s) {
        Some(stage) => Ok(Some(stage.as_str().to_string())),
        None => Err(Error::Invalid(format!(
            "career_stage must be one of early, mid, senior (or empty to remove it), not {:?}",
            s.to_ascii_lowercase()
        ))),
    }
}

pub(super) fn clean_tag(tag: &str) -> Result<String> {
    Ok(required_text("tag", tag, 64)?.to_lowercase())
}
