-- The programme report counts surveillances per part (planned, due, overdue, concluded), so
-- writing one must change its round's report version too (see 2026-12-08-000035).
CREATE TRIGGER report_versions_surveillance_added AFTER INSERT ON surveillances BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM applications WHERE id = NEW.application_id);
END;
CREATE TRIGGER report_versions_surveillance_changed AFTER UPDATE ON surveillances BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id IN (SELECT round_id FROM applications WHERE id IN (OLD.application_id, NEW.application_id));
END;
CREATE TRIGGER report_versions_surveillance_removed AFTER DELETE ON surveillances BEGIN
    UPDATE report_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM applications WHERE id = OLD.application_id);
END;
