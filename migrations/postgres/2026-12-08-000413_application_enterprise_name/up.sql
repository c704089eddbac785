-- The applicant's Chinese name on each of its applications (issue #19): the applications
-- list shows it on every row, and reading it through the enterprises cost the list one
-- index lookup a row (half the query's time). Triggers keep the copy: it is written with
-- the application and follows a change of enterprise or of the enterprise's name, so no
-- writer can forget it.
--
-- The backfill comes last: it queues the applications' deferred triggers, and nothing
-- after it may need the table free of pending trigger events (see 000412).
ALTER TABLE applications ADD COLUMN enterprise_name_zh TEXT NOT NULL DEFAULT '';
CREATE FUNCTION applications_enterprise_name_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.enterprise_name_zh := (SELECT name_zh FROM enterprises WHERE id = NEW.enterprise_id);
    RETURN NEW;
END $$;
CREATE TRIGGER applications_enterprise_name_copied
    BEFORE INSERT OR UPDATE OF enterprise_id ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_enterprise_name_copy();
CREATE FUNCTION enterprises_name_to_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications SET enterprise_name_zh = NEW.name_zh WHERE enterprise_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER enterprises_name_to_applications AFTER UPDATE OF name_zh ON enterprises
    FOR EACH ROW WHEN (OLD.name_zh IS DISTINCT FROM NEW.name_zh)
    EXECUTE FUNCTION enterprises_name_to_applications();
UPDATE applications a SET enterprise_name_zh = e.name_zh FROM enterprises e WHERE e.id = a.enterprise_id;
