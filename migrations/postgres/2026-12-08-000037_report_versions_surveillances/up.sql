-- The programme report counts surveillances per part (planned, due, overdue, concluded), so
-- writing one must change its round's report version too (see 2026-12-08-000035).
CREATE CONSTRAINT TRIGGER report_versions_surveillance_written
    AFTER INSERT OR UPDATE OR DELETE ON surveillances
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION report_versions_application_row_written();
