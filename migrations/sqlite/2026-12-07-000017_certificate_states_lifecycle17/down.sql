ALTER TABLE applications DROP COLUMN directory_consent;
DROP TRIGGER issuance_log_no_update;
DROP TRIGGER issuance_log_no_delete;
CREATE TABLE issuance_log_old (
    idx BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('issued', 'revoked')),
    certificate_number TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO issuance_log_old SELECT idx, kind, certificate_number, payload_sha256, at, reason,
    prev_hash, hash FROM issuance_log WHERE kind IN ('issued', 'revoked');
DROP TABLE issuance_log;
ALTER TABLE issuance_log_old RENAME TO issuance_log;
CREATE TRIGGER issuance_log_no_update BEFORE UPDATE ON issuance_log
BEGIN
    SELECT RAISE(ABORT, 'issuance_log is append-only');
END;
CREATE TRIGGER issuance_log_no_delete BEFORE DELETE ON issuance_log
BEGIN
    SELECT RAISE(ABORT, 'issuance_log is append-only');
END;
DROP INDEX certificates_application;
ALTER TABLE certificates DROP COLUMN superseded_by;
ALTER TABLE certificates DROP COLUMN suspended_until;
