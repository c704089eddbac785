-- A counter per round that changes whenever something a round's programme report reads
-- changes, bumped by triggers in the very transaction that wrote it: a report cached at
-- one counter value is still right while the counter is unchanged, whichever instance
-- wrote the change (workflow::reports::ReportCache compares it on every read).
--
-- What the report reads: rounds, applications, part results, certificates, assessors'
-- names, and the summaries (report_applications, report_seats). The summaries have no
-- trigger of their own: db::models::reports::refresh, their only writer, first updates
-- the application's row (its lock), which bumps the counter.
--
-- The triggers are deferred to the commit: the round's row lock is then the last lock a
-- transaction takes and is held only while it commits, and a transaction bumps a round
-- once however many rows it wrote (`bumped_by`), so a bulk load does not pile up
-- thousands of versions of one row.
CREATE TABLE report_versions (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    bumped_by BIGINT
);
INSERT INTO report_versions (round_id, version) SELECT id, 1 FROM rounds;

CREATE FUNCTION report_versions_bump(round TEXT) RETURNS void LANGUAGE sql AS $$
    UPDATE report_versions SET version = version + 1, bumped_by = txid_current()
    WHERE round_id = round AND bumped_by IS DISTINCT FROM txid_current();
$$;

CREATE FUNCTION report_versions_round_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_versions (round_id, version) VALUES (NEW.id, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER report_versions_round_added AFTER INSERT ON rounds
    FOR EACH ROW EXECUTE FUNCTION report_versions_round_added();

CREATE FUNCTION report_versions_round_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_versions_bump(NEW.id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER report_versions_round_changed AFTER UPDATE ON rounds
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION report_versions_round_changed();

CREATE FUNCTION report_versions_application_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM report_versions_bump(OLD.round_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM report_versions_bump(NEW.round_id);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER report_versions_application_written
    AFTER INSERT OR UPDATE OR DELETE ON applications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION report_versions_application_written();

-- Rows of part_results and certificates name their application, whose round is bumped.
CREATE FUNCTION report_versions_application_row_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM report_versions_bump((SELECT round_id FROM applications WHERE id = OLD.application_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM report_versions_bump((SELECT round_id FROM applications WHERE id = NEW.application_id));
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER report_versions_result_written
    AFTER INSERT OR UPDATE OR DELETE ON part_results
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION report_versions_application_row_written();
CREATE CONSTRAINT TRIGGER report_versions_certificate_written
    AFTER INSERT OR UPDATE OR DELETE ON certificates
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION report_versions_application_row_written();

-- The report names assessors; a renamed one changes every round's report (rare).
CREATE FUNCTION report_versions_user_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_versions SET version = version + 1, bumped_by = txid_current()
    WHERE bumped_by IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER report_versions_user_renamed AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION report_versions_user_renamed();
