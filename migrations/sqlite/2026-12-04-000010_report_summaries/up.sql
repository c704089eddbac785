-- The programme report's own rows, kept by db::models::report::refresh in every
-- transaction that changes an application's status, submitted scores, panel or
-- consolidation: a national round's report then reads one row per application and
-- per seat instead of every status change and score.

-- What the report needs of an application's history (domain::report::summarise).
CREATE TABLE report_applications (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id),
    -- Seconds from registration to the first entry into each later stage (seconds, not
    -- timestamps: the report computes in them and need not parse 100,000 timestamps).
    seconds_to_submitted BIGINT,
    seconds_to_accepted BIGINT,
    seconds_to_in_assessment BIGINT,
    seconds_to_scored BIGINT,
    seconds_to_in_review BIGINT,
    seconds_to_approved BIGINT,
    seconds_to_certified BIGINT,
    -- Items with at least one submitted level, by spread (highest - lowest level).
    items_spread_0 INTEGER NOT NULL,
    items_spread_1 INTEGER NOT NULL,
    items_spread_2 INTEGER NOT NULL,
    items_spread_3 INTEGER NOT NULL,
    items_spread_4 INTEGER NOT NULL,
    items_spread_5 INTEGER NOT NULL,
    consolidated_items INTEGER NOT NULL,
    flagged_items INTEGER NOT NULL
) WITHOUT ROWID;

-- A panel seat with its round (a round's seats are read together) and the seconds from
-- the panel's confirmation to the assessor's last submitted score on the application.
CREATE TABLE report_seats (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    application_id TEXT NOT NULL REFERENCES applications(id),
    assessor_id TEXT NOT NULL REFERENCES users(id),
    is_lead BOOLEAN NOT NULL,
    turnaround_seconds BIGINT,
    PRIMARY KEY (round_id, application_id, assessor_id)
) WITHOUT ROWID;
CREATE INDEX report_seats_application ON report_seats(application_id);
