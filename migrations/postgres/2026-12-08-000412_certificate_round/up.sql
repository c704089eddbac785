-- A certificate's round as a column (issue #19): the round page lists a round's
-- certificates by number, one range of an index. Through the application, the list of a
-- round with few certificates walked every certificate in number order looking for its
-- round. A trigger copies the application's round when a certificate is written, so no
-- writer can forget it; rows issued before get it here.
--
-- The backfill comes last: it queues the deferred report_versions triggers of the
-- certificates it updates, and PostgreSQL refuses CREATE INDEX on a table with pending
-- trigger events in the same transaction.
ALTER TABLE certificates ADD COLUMN round_id TEXT REFERENCES rounds(id);
CREATE INDEX certificates_round_number ON certificates(round_id, number);
CREATE FUNCTION certificates_round_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.round_id := (SELECT round_id FROM applications WHERE id = NEW.application_id);
    RETURN NEW;
END $$;
CREATE TRIGGER certificates_round_copied BEFORE INSERT OR UPDATE OF application_id ON certificates
    FOR EACH ROW EXECUTE FUNCTION certificates_round_copy();
UPDATE certificates c SET round_id = a.round_id FROM applications a WHERE a.id = c.application_id;
