-- A counter per round that changes whenever something a round's programme report reads
-- changes, bumped by triggers in the very transaction that wrote it: a report cached at
-- one counter value is still right while the counter is unchanged, whichever instance
-- wrote the change (workflow::reports::ReportCache compares it on every read).
--
-- What the report reads: rounds, applications, part results, certificates, assessors'
-- names, and the summaries (report_applications, report_seats). The summaries have no
-- trigger of their own: db::models::reports::refresh, their only writer, first updates
-- the application's row (its lock), which bumps the counter.
CREATE TABLE report_versions (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    version BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO report_versions (round_id, version) SELECT id, 1 FROM rounds;

CREATE TRIGGER report_versions_round_added AFTER INSERT ON rounds BEGIN
    INSERT INTO report_versions (round_id, version) VALUES (NEW.id, 1);
END;
CREATE TRIGGER report_versions_round_changed AFTER UPDATE ON rounds BEGIN
    UPDATE report_versions SET version = version + 1 WHERE round_id = NEW.id;
END;

CREATE TRIGGER report_versions_application_added AFTER INSERT ON applications BEGIN
    UPDATE report_versions SET version = version + 1 WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER report_versions_application_changed AFTER UPDATE ON applications BEGIN
    UPDATE report_versions SET version = version + 1 WHERE round_id IN (OLD.round_id, NEW.round_id);
END;
CREATE TRIGGER report_versions_application_removed AFTER DELETE ON applications BEGIN
    UPDATE report_versions SET version = version + 1 WHERE round_id = OLD.round_id;
END;

CREATE TRIGGER report_versions_result_added AFTER INSERT ON part_results BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM applications WHERE id = NEW.application_id);
END;
CREATE TRIGGER report_versions_result_changed AFTER UPDATE ON part_results BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id IN (SELECT round_id FROM applications WHERE id IN (OLD.application_id, NEW.application_id));
END;
CREATE TRIGGER report_versions_result_removed AFTER DELETE ON part_results BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM applications WHERE id = OLD.application_id);
END;

CREATE TRIGGER report_versions_certificate_added AFTER INSERT ON certificates BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM applications WHERE id = NEW.application_id);
END;
CREATE TRIGGER report_versions_certificate_changed AFTER UPDATE ON certificates BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id IN (SELECT round_id FROM applications WHERE id IN (OLD.application_id, NEW.application_id));
END;
CREATE TRIGGER report_versions_certificate_removed AFTER DELETE ON certificates BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM applications WHERE id = OLD.application_id);
END;

-- The report names assessors; a renamed one changes every round's report (rare).
CREATE TRIGGER report_versions_user_renamed AFTER UPDATE OF display_name ON users
WHEN OLD.display_name IS NOT NEW.display_name BEGIN
    UPDATE report_versions SET version = version + 1;
END;
