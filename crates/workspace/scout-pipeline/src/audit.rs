//! The audit hash chain: each entry's hash covers the previous entry's hash and its own
//! fields, so changing, removing or reordering a stored entry breaks the chain.
//!
//! Redaction: an entry whose detail held personal text (tag text, before migration 0005) has
//! its detail replaced by [`REDACTED_DETAIL`], keeping its stored hash so that the chain and any
//! kept anchor stay valid. A later entry with action [`REDACT_ACTION`] lists each redacted
//! entry's sequence number, hash and [`fields_hash`] (its time, actor, action and candidate), and
//! the verifier accepts a redacted entry only when such a listing matches: everything but the
//! redacted detail is still checked, and the listing itself is a chained entry.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct AuditEntry {
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub candidate_id: Option<i64>,
    /// JSON text, hashed exactly as stored.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 (hex) of the JSON array of its fields. JSON encoding makes
/// field boundaries unambiguous.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    candidate_id: Option<i64>,
    detail: &str,
) -> String {
    let canonical = serde_json::json!([prev_hash, seq, at, actor, action, candidate_id, detail]);
    hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

/// The detail of a redacted entry.
pub const REDACTED_DETAIL: &str =
    r#"{"redacted":"personal text removed; see the audit.redact entry"}"#;

/// The action of the entry that lists redactions.
pub const REDACT_ACTION: &str = "audit.redact";

/// The hash of an entry's fields other than its detail and links.
pub fn fields_hash(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    candidate_id: Option<i64>,
) -> String {
    let canonical = serde_json::json!([seq, at, actor, action, candidate_id]);
    hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

/// One redacted entry as an `audit.redact` entry lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Redaction {
    pub seq: i64,
    pub hash: String,
    pub fields: String,
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// True when every entry links to the one before and hashes to its stored hash.
    pub ok: bool,
    /// The first broken entry and why.
    pub first_problem: Option<Problem>,
    /// The hash of the last entry (an anchor to keep outside the database: truncating the
    /// tail of the log can only be detected against a kept anchor).
    pub head_hash: String,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    pub seq: i64,
    pub reason: String,
}

/// Incremental verifier: feed entries in `seq` order.
pub struct Verifier {
    expected_seq: i64,
    prev: String,
    entries: u64,
    problem: Option<Problem>,
    redactions: HashMap<i64, Redaction>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            expected_seq: 1,
            prev: GENESIS.to_string(),
            entries: 0,
            problem: None,
            redactions: HashMap::new(),
        }
    }
}

impl Verifier {
    /// A verifier that knows the redactions listed by the chain's `audit.redact` entries (their
    /// own integrity is checked as they are pushed).
    pub fn with_redactions(redactions: impl IntoIterator<Item = Redaction>) -> Verifier {
        Verifier {
            redactions: redactions.into_iter().map(|r| (r.seq, r)).collect(),
            ..Verifier::default()
        }
    }

    pub fn push(&mut self, e: &AuditEntry) {
        self.entries += 1;
        if self.problem.is_some() {
            return;
        }
        let reason = if e.seq != self.expected_seq {
            Some(format!(
                "sequence gap: expected {}, found {} (entries removed)",
                self.expected_seq, e.seq
            ))
        } else if e.prev_hash != self.prev {
            Some("prev_hash does not match the previous entry's hash".to_string())
        } else if e.detail == REDACTED_DETAIL {
            let fields = fields_hash(e.seq, e.at, &e.actor, &e.action, e.candidate_id);
            match self.redactions.get(&e.seq) {
                Some(r) if r.hash == e.hash && r.fields == fields => None,
                Some(_) => Some(
                    "redacted entry does not match its audit.redact listing (changed)".to_string(),
                ),
                None => Some("redacted entry without an audit.redact listing".to_string()),
            }
        } else {
            let h = entry_hash(
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                e.candidate_id,
                &e.detail,
            );
            (h != e.hash).then(|| "stored hash does not match the entry's contents".to_string())
        };
        if let Some(reason) = reason {
            self.problem = Some(Problem { seq: e.seq, reason });
        }
        self.expected_seq = e.seq + 1;
        self.prev = e.hash.clone();
    }

    pub fn finish(self) -> VerifyReport {
        VerifyReport {
            entries: self.entries,
            ok: self.problem.is_none(),
            first_problem: self.problem,
            head_hash: self.prev,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let detail = format!("{{\"n\":{seq}}}");
                let hash = entry_hash(
                    &prev,
                    seq,
                    1000 + seq,
                    "ann",
                    "candidate.read",
                    Some(7),
                    &detail,
                );
                let e = AuditEntry {
                    seq,
                    at: 1000 + seq,
                    actor: "ann".into(),
                    action: "candidate.read".into(),
                    candidate_id: Some(7),
                    detail,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry]) -> VerifyReport {
        let mut v = Verifier::default();
        entries.iter().for_each(|e| v.push(e));
        v.finish()
    }

    #[test]
    fn intact_chain_verifies() {
        let r = verify(&chain(5));
        assert!(r.ok);
        assert_eq!(r.entries, 5);
    }

    #[test]
    fn every_kind_of_tampering_is_found() {
        let mut edited = chain(5);
        edited[2].actor = "mallory".into();
        assert_eq!(verify(&edited).first_problem.map(|p| p.seq), Some(3));

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify(&removed).first_problem.map(|p| p.seq), Some(3));

        let mut rehashed = chain(5);
        rehashed[1].detail = "{}".into();
        rehashed[1].hash = entry_hash(GENESIS, 2, 1002, "ann", "candidate.read", Some(7), "{}");
        assert_eq!(verify(&rehashed).first_problem.map(|p| p.seq), Some(2));
    }

    #[test]
    fn a_listed_redaction_verifies_and_nothing_else_does() {
        let mut entries = chain(5);
        let e = &entries[1];
        let listing = Redaction {
            seq: e.seq,
            hash: e.hash.clone(),
            fields: fields_hash(e.seq, e.at, &e.actor, &e.action, e.candidate_id),
        };
        entries[1].detail = REDACTED_DETAIL.into();
        let run = |entries: &[AuditEntry], listing: Vec<Redaction>| {
            let mut v = Verifier::with_redactions(listing);
            entries.iter().for_each(|e| v.push(e));
            v.finish()
        };
        assert!(run(&entries, vec![listing.clone()]).ok);
        // Unlisted, or listed but with another actor: broken at that entry.
        assert_eq!(run(&entries, vec![]).first_problem.map(|p| p.seq), Some(2));
        entries[1].actor = "mallory".into();
        assert_eq!(
            run(&entries, vec![listing]).first_problem.map(|p| p.seq),
            Some(2)
        );
    }
}
