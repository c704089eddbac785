-- Certificates (feature: certs). Private keys live in the data dir, not here.
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications(id),
    year INTEGER NOT NULL,
    part_code TEXT NOT NULL,
    serial INTEGER NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys(id),
    issued_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT,
    UNIQUE (year, part_code, serial)
);

-- Append-only, hash-chained; `idx` starts at 0.
CREATE TABLE issuance_log (
    idx BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('issued', 'revoked')),
    certificate_number TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TRIGGER issuance_log_no_update BEFORE UPDATE ON issuance_log
BEGIN
    SELECT RAISE(ABORT, 'issuance_log is append-only');
END;

CREATE TRIGGER issuance_log_no_delete BEFORE DELETE ON issuance_log
BEGIN
    SELECT RAISE(ABORT, 'issuance_log is append-only');
END;
