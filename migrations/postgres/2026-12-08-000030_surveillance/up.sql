-- Surveillance of certificates in force (issue #17): a lighter assessment of selected
-- capability items by one or two assessors, yearly or at short notice after a complaint.
CREATE TABLE surveillances (
    id TEXT PRIMARY KEY NOT NULL,
    -- The certificate as it was when planned (a narrowing outcome supersedes it).
    certificate_number TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    -- scheduled or complaint (short notice).
    origin TEXT NOT NULL,
    complaint_id TEXT REFERENCES complaints(id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    planned_by TEXT NOT NULL REFERENCES users(id),
    planned_at TIMESTAMP NOT NULL,
    -- maintain, narrow or suspend, once concluded.
    outcome TEXT,
    outcome_reason TEXT,
    -- The issuance-log entry its outcome wrote, and the successor of a narrowing.
    log_index BIGINT,
    successor_number TEXT,
    concluded_by TEXT REFERENCES users(id),
    concluded_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX surveillances_certificate ON surveillances(certificate_number);
CREATE INDEX surveillances_status ON surveillances(status, due_on);

-- The selected items; evidence for them is the application's evidence of this version.
CREATE TABLE surveillance_items (
    surveillance_id TEXT NOT NULL REFERENCES surveillances(id),
    item_code TEXT NOT NULL,
    evidence_version INTEGER NOT NULL,
    PRIMARY KEY (surveillance_id, item_code)
);

CREATE TABLE surveillance_assessors (
    surveillance_id TEXT NOT NULL REFERENCES surveillances(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (surveillance_id, user_id)
);
CREATE INDEX surveillance_assessors_user ON surveillance_assessors(user_id);

CREATE TABLE surveillance_scores (
    surveillance_id TEXT NOT NULL REFERENCES surveillances(id),
    item_code TEXT NOT NULL,
    assessor_id TEXT NOT NULL REFERENCES users(id),
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    note TEXT NOT NULL,
    scored_at TIMESTAMP NOT NULL,
    PRIMARY KEY (surveillance_id, item_code, assessor_id)
);

-- A maintaining outcome is recorded in the issuance log.
ALTER TABLE issuance_log DROP CONSTRAINT issuance_log_kind_check;
ALTER TABLE issuance_log ADD CONSTRAINT issuance_log_kind_check
    CHECK (kind IN ('issued', 'revoked', 'suspended', 'reinstated', 'superseded', 'renewed',
        'surveillance_maintained'));
