-- Erasure that erases (issue 18). Each candidate gets a random key for the keyed hashes the
-- audit log uses instead of free text (a tag is logged as HMAC(key, tag)); erasing the candidate
-- deletes the key, so nothing in the log can be linked to the erased text any more. Existing
-- entries with tag text are redacted by the migration's Rust step (`store::erasure`), recorded
-- in an `audit.redact` entry that `audit verify` checks.
CREATE TABLE candidate_audit_keys (
    candidate_id BIGINT PRIMARY KEY REFERENCES candidates(id),
    audit_key TEXT NOT NULL
);
