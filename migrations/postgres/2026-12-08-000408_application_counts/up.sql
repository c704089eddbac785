-- How many applications each round has in each status, kept by triggers in the
-- transaction that adds, moves or removes an application (issue #19). The secretariat's
-- task list sums these few rows instead of counting thousands of index entries on every
-- home page. Code never writes this table; rows whose count fell to zero stay.
--
-- As with report_versions, the trigger is deferred to the commit: a counter row's lock is
-- taken last and held only while the transaction commits. Two commits that move
-- applications between the same two statuses in opposite directions can deadlock there;
-- PostgreSQL ends one, and db::write_tx runs it again.
CREATE TABLE application_counts (
    round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (round_id, status)
);
INSERT INTO application_counts (round_id, status, n)
    SELECT round_id, status, COUNT(*) FROM applications GROUP BY round_id, status;

CREATE FUNCTION application_counts_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.round_id IS NOT DISTINCT FROM NEW.round_id
        AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE application_counts SET n = n - 1
            WHERE round_id = OLD.round_id AND status = OLD.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO application_counts (round_id, status, n) VALUES (NEW.round_id, NEW.status, 1)
            ON CONFLICT (round_id, status) DO UPDATE SET n = application_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER application_counts_written
    AFTER INSERT OR UPDATE OF round_id, status OR DELETE ON applications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION application_counts_written();
