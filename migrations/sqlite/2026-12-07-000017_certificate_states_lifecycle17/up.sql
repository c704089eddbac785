-- Certificate states (lifecycle17): a scope reduction issues a successor certificate for
-- the same application, and the issuance log records suspensions, reinstatements,
-- supersessions and renewals with the date a suspension ends and the related number.
-- SQLite changes constraints by rebuilding the tables.
CREATE TABLE certificates_new (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL REFERENCES applications(id),
    year INTEGER NOT NULL,
    part_code TEXT NOT NULL,
    serial INTEGER NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys(id),
    issued_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT,
    -- Denormalised copies for lists; verification reads the log.
    suspended_until DATE,
    superseded_by TEXT,
    UNIQUE (year, part_code, serial)
);
INSERT INTO certificates_new (id, number, application_id, year, part_code, serial, payload,
    signature, key_id, issued_at, revoked_at, revoke_reason)
SELECT id, number, application_id, year, part_code, serial, payload, signature, key_id,
    issued_at, revoked_at, revoke_reason FROM certificates;
DROP TABLE certificates;
ALTER TABLE certificates_new RENAME TO certificates;
CREATE INDEX certificates_application ON certificates (application_id);

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
    prev_hash, hash)
SELECT idx, kind, certificate_number, payload_sha256, at, reason, prev_hash, hash
FROM issuance_log;
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

-- The enterprise's consent to list its certificates in the public directory.
ALTER TABLE applications ADD COLUMN directory_consent BOOLEAN NOT NULL DEFAULT 0;
