-- Public-holiday calendars kept by the secretariat: one row per year (seeded from
-- fixtures/calendars for a year not yet here), and its closed days and make-up working days.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE calendar_days (
    year INTEGER NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
    day DATE NOT NULL,
    -- 'closed' (a public holiday, named) or 'workday' (a make-up working day).
    kind TEXT NOT NULL CHECK (kind IN ('closed', 'workday')),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    PRIMARY KEY (year, day)
);
-- A round is a draft only the secretariat sees until it is published; rounds made before
-- drafts existed were visible at once, so they count as published when they were created.
ALTER TABLE rounds ADD COLUMN published_at TIMESTAMP;
UPDATE rounds SET published_at = created_at;
