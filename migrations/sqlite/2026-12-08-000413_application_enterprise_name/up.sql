-- The applicant's Chinese name on each of its applications (issue #19): the applications
-- list shows it on every row, and reading it through the enterprises cost the list one
-- index lookup a row (on PostgreSQL half the query's time). Triggers keep the copy: it is
-- written with the application and follows a change of enterprise or of the enterprise's
-- name, so no writer can forget it.
ALTER TABLE applications ADD COLUMN enterprise_name_zh TEXT NOT NULL DEFAULT '';
UPDATE applications
SET enterprise_name_zh = (SELECT name_zh FROM enterprises WHERE enterprises.id = applications.enterprise_id);
CREATE TRIGGER applications_enterprise_name_copied AFTER INSERT ON applications
BEGIN
    UPDATE applications
    SET enterprise_name_zh = (SELECT name_zh FROM enterprises WHERE enterprises.id = NEW.enterprise_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER applications_enterprise_name_moved AFTER UPDATE OF enterprise_id ON applications
BEGIN
    UPDATE applications
    SET enterprise_name_zh = (SELECT name_zh FROM enterprises WHERE enterprises.id = NEW.enterprise_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER enterprises_name_to_applications AFTER UPDATE OF name_zh ON enterprises
WHEN OLD.name_zh IS NOT NEW.name_zh
BEGIN
    UPDATE applications SET enterprise_name_zh = NEW.name_zh WHERE enterprise_id = NEW.id;
END;
