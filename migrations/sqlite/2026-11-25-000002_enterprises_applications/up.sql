CREATE TABLE enterprises (
    id TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    credit_code TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    verified_at TIMESTAMP,
    verified_by TEXT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

-- A person belongs to at most one enterprise.
CREATE TABLE enterprise_members (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    is_admin BOOLEAN NOT NULL,
    joined_at TIMESTAMP NOT NULL
);
CREATE INDEX enterprise_members_enterprise ON enterprise_members(enterprise_id);

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    part_code TEXT NOT NULL,
    target_level INTEGER NOT NULL,
    scope TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, enterprise_id, part_code)
);
CREATE INDEX applications_enterprise ON applications(enterprise_id);

-- Every status change: who, when, why.
CREATE TABLE application_events (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    event TEXT NOT NULL,
    reason TEXT,
    actor_user_id TEXT NOT NULL REFERENCES users(id),
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX application_events_application ON application_events(application_id);

-- Items the enterprise declares not applicable, with the reason.
CREATE TABLE item_exemptions (
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    declared_by TEXT NOT NULL REFERENCES users(id),
    declared_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, item_code)
);

CREATE TABLE evidence_files (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    display_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content_sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_files_application ON evidence_files(application_id, item_code);
