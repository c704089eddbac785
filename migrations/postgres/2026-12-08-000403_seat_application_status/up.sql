-- A panel seat carries its application's status (issue #19): an assessor's task list
-- counts and lists the seats in the working statuses from one index range, instead of
-- looking each of the assessor's seated applications up (120 lookups a count at national
-- scale, where a handful are in assessment). Triggers keep the copy: a new seat takes the
-- status of its application, a status change is copied to the application's seats, in
-- the same transaction.
ALTER TABLE panel_seats ADD COLUMN application_status TEXT NOT NULL DEFAULT '';
UPDATE panel_seats SET application_status = a.status
  FROM applications a WHERE a.id = panel_seats.application_id;

CREATE FUNCTION panel_seats_take_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT status INTO NEW.application_status FROM applications WHERE id = NEW.application_id;
  RETURN NEW;
END $$;
CREATE TRIGGER panel_seats_take_status BEFORE INSERT ON panel_seats
  FOR EACH ROW EXECUTE FUNCTION panel_seats_take_status();

CREATE FUNCTION panel_seats_follow_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE panel_seats SET application_status = NEW.status WHERE application_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER panel_seats_follow_status AFTER UPDATE OF status ON applications
  FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION panel_seats_follow_status();

CREATE INDEX panel_seats_assessor_status ON panel_seats(assessor_id, application_status, application_id);
DROP INDEX panel_seats_assessor_application;
