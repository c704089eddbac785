-- A DevSecOps self-assessment of one enterprise, on the model version it started with.
CREATE TABLE self_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    model_version_id TEXT NOT NULL REFERENCES model_versions(id),
    started_by TEXT NOT NULL REFERENCES users(id),
    started_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    -- Quarters of the roadmap (4 to 6) once targets are set.
    roadmap_quarters INTEGER
);
CREATE INDEX self_assessments_enterprise ON self_assessments(enterprise_id, started_at);

-- Competency code -> stage (1 Beginner .. 4 Expert).
CREATE TABLE self_assessment_answers (
    assessment_id TEXT NOT NULL REFERENCES self_assessments(id) ON DELETE CASCADE,
    competency_code TEXT NOT NULL,
    stage INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 4),
    answered_by TEXT NOT NULL REFERENCES users(id),
    answered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (assessment_id, competency_code)
);

-- Target stage per competency for the next 12 to 18 months, with its owner.
CREATE TABLE self_assessment_targets (
    assessment_id TEXT NOT NULL REFERENCES self_assessments(id) ON DELETE CASCADE,
    competency_code TEXT NOT NULL,
    target_stage INTEGER NOT NULL CHECK (target_stage BETWEEN 1 AND 4),
    owner TEXT,
    PRIMARY KEY (assessment_id, competency_code)
);

-- Owner per competency area.
CREATE TABLE self_assessment_area_owners (
    assessment_id TEXT NOT NULL REFERENCES self_assessments(id) ON DELETE CASCADE,
    area_code TEXT NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (assessment_id, area_code)
);

-- The quarterly roadmap: one competency raised by one stage in one quarter.
CREATE TABLE self_assessment_roadmap_steps (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES self_assessments(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    competency_code TEXT NOT NULL,
    from_stage INTEGER NOT NULL,
    to_stage INTEGER NOT NULL,
    owner TEXT
);
CREATE INDEX self_assessment_roadmap_steps_assessment ON self_assessment_roadmap_steps(assessment_id, position);

-- Programme reports read applications per round.
CREATE INDEX applications_round ON applications(round_id, part_code, status);
