-- Assessor organisations: CAICT itself or a certified-assessor organisation.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('caict', 'external')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE assessor_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    certification_number TEXT NOT NULL UNIQUE,
    certification_expires_on DATE NOT NULL,
    -- Part codes, comma-separated.
    parts TEXT NOT NULL,
    -- Language codes, comma-separated.
    languages TEXT NOT NULL,
    max_load INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Declared conflicts of any person (assessor or reviewer) with an enterprise or an
-- organisation (by its id).
CREATE TABLE declared_conflicts (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    with_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    declared_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, with_id)
);

CREATE TABLE assessor_employment (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    employed_from DATE NOT NULL,
    employed_until DATE
);
CREATE INDEX assessor_employment_user ON assessor_employment(user_id);

CREATE TABLE assessor_preferences (
    user_id TEXT NOT NULL REFERENCES users(id),
    application_id TEXT NOT NULL REFERENCES applications(id),
    preference TEXT NOT NULL CHECK (preference IN ('prefer', 'avoid')),
    PRIMARY KEY (user_id, application_id)
);

CREATE TABLE panels (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id),
    confirmed_at TIMESTAMP NOT NULL,
    confirmed_by TEXT NOT NULL REFERENCES users(id)
);

CREATE TABLE panel_seats (
    application_id TEXT NOT NULL REFERENCES panels(application_id),
    assessor_id TEXT NOT NULL REFERENCES users(id),
    is_lead BOOLEAN NOT NULL,
    PRIMARY KEY (application_id, assessor_id)
);
CREATE INDEX panel_seats_assessor ON panel_seats(assessor_id);

CREATE TABLE scores (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    assessor_id TEXT NOT NULL REFERENCES users(id),
    item_code TEXT NOT NULL,
    -- NULL when the item is not applicable; then the reason is set.
    level INTEGER CHECK (level BETWEEN 0 AND 5),
    not_applicable_reason TEXT,
    comment TEXT NOT NULL,
    -- JSON array of evidence file ids of this application.
    evidence_ids TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at TIMESTAMP,
    reopened_by TEXT REFERENCES users(id),
    reopened_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, assessor_id, item_code)
);

CREATE TABLE clarifications (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    -- JSON array of item codes reopened for upload.
    items TEXT NOT NULL,
    message TEXT NOT NULL,
    deadline TIMESTAMP NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by TEXT REFERENCES users(id),
    answered_at TIMESTAMP
);
CREATE INDEX clarifications_application ON clarifications(application_id);

CREATE TABLE consolidated_items (
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_code TEXT NOT NULL,
    level INTEGER CHECK (level BETWEEN 0 AND 5),
    not_applicable_reason TEXT,
    rationale TEXT NOT NULL,
    flagged BOOLEAN NOT NULL,
    -- JSON array of the flag reasons.
    flag_reasons TEXT NOT NULL,
    PRIMARY KEY (application_id, item_code)
);

-- What a certificate needs: the achieved level and the level per capability domain.
CREATE TABLE part_results (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id),
    achieved_level INTEGER NOT NULL,
    target_level INTEGER NOT NULL,
    basis TEXT NOT NULL,
    -- JSON array of item codes.
    capping_items TEXT NOT NULL,
    -- JSON object: domain code -> level.
    domain_levels TEXT NOT NULL,
    consolidated_by TEXT NOT NULL REFERENCES users(id),
    consolidated_at TIMESTAMP NOT NULL
);

CREATE TABLE review_panels (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL UNIQUE REFERENCES rounds(id),
    quorum INTEGER NOT NULL,
    majority_numerator INTEGER NOT NULL,
    majority_denominator INTEGER NOT NULL,
    formed_by TEXT NOT NULL REFERENCES users(id),
    formed_at TIMESTAMP NOT NULL
);

CREATE TABLE review_members (
    review_panel_id TEXT NOT NULL REFERENCES review_panels(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    -- The evaluated enterprise the member comes from.
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    PRIMARY KEY (review_panel_id, user_id)
);

-- cycle: the how-many-th time the application is in review.
CREATE TABLE review_votes (
    application_id TEXT NOT NULL REFERENCES applications(id),
    cycle INTEGER NOT NULL,
    member_id TEXT NOT NULL REFERENCES users(id),
    approve BOOLEAN NOT NULL,
    reasons TEXT NOT NULL,
    voted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, cycle, member_id)
);

-- One decision per review cycle: the unique key makes concurrent deciders lose.
CREATE TABLE review_decisions (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    cycle INTEGER NOT NULL,
    approved BOOLEAN NOT NULL,
    reasons TEXT NOT NULL,
    votes_for INTEGER NOT NULL,
    votes_against INTEGER NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, cycle)
);
