DROP TABLE surveillance_scores;
DROP TABLE surveillance_assessors;
DROP TABLE surveillance_items;
DROP TABLE surveillances;
DROP TRIGGER issuance_log_no_update;
DROP TRIGGER issuance_log_no_delete;
CREATE TABLE issuance_log_new (
    idx BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('issued', 'revoked', 'suspended', 'reinstated', 'superseded', 'renewed')),
    certificate_number TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    effective_until DATE,
    related_number TEXT
);
INSERT INTO issuance_log_new (idx, kind, certificate_number, payload_sha256, at, reason,
    prev_hash, hash, effective_until, related_number)
SELECT idx, kind, certificate_number, payload_sha256, at, reason, prev_hash, hash,
    effective_until, related_number
FROM issuance_log
WHERE kind <> 'surveillance_maintained';
DROP TABLE issuance_log;
ALTER TABLE issuance_log_new RENAME TO issuance_log;
CREATE TRIGGER issuance_log_no_update BEFORE UPDATE ON issuance_log
BEGIN
    SELECT RAISE(ABORT, 'issuance_log is append-only');
END;
CREATE TRIGGER issuance_log_no_delete BEFORE DELETE ON issuance_log
BEGIN
    SELECT RAISE(ABORT, 'issuance_log is append-only');
END;
