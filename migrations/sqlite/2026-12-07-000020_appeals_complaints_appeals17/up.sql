-- Appeals of an enterprise against a decision on its application or certificate, heard
-- by a panel of people who took no part in the case.
CREATE TABLE appeals (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    -- returned_result, level or certificate_decision.
    subject_kind TEXT NOT NULL,
    -- A certificate decision: the certificate and its issuance-log entry.
    certificate_number TEXT,
    log_index BIGINT,
    -- When the appealed decision was taken (the window counts from it).
    decision_at TIMESTAMP NOT NULL,
    reasons TEXT NOT NULL,
    status TEXT NOT NULL,
    lodged_by TEXT NOT NULL REFERENCES users(id),
    lodged_at TIMESTAMP NOT NULL,
    panel_formed_at TIMESTAMP,
    -- The panel's decision (upheld or dismissed) or the enterprise's withdrawal.
    outcome_reasons TEXT,
    remedy TEXT,
    closed_by TEXT REFERENCES users(id),
    closed_at TIMESTAMP,
    -- Upheld appeals whose consequence the secretariat still has to carry out.
    follow_up_done_at TIMESTAMP
);
CREATE INDEX appeals_application ON appeals(application_id);
CREATE INDEX appeals_status ON appeals(status);

CREATE TABLE appeal_panel_members (
    appeal_id TEXT NOT NULL REFERENCES appeals(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (appeal_id, user_id)
);
CREATE INDEX appeal_panel_members_user ON appeal_panel_members(user_id);

-- Complaints from anyone; registered once the complainant confirms by the mailed link.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    -- SHA-256 of the complainant's private link token.
    token_hash TEXT NOT NULL UNIQUE,
    complainant_name TEXT NOT NULL,
    complainant_email TEXT NOT NULL,
    lang TEXT NOT NULL,
    -- enterprise or programme.
    about TEXT NOT NULL,
    certificate_number TEXT,
    enterprise_name TEXT,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The client address it came from, for the rate limit.
    address TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    triage_reason TEXT,
    answer TEXT,
    answered_at TIMESTAMP,
    surveillance_requested_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX complaints_address ON complaints(address, created_at);
CREATE INDEX complaints_status ON complaints(status);

CREATE TABLE complaint_notes (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_notes_complaint ON complaint_notes(complaint_id);
