-- A panel seat carries its application's status (issue #19): an assessor's task list
-- counts and lists the seats in the working statuses from one index range, instead of
-- looking each of the assessor's seated applications up (120 lookups a count at national
-- scale, where a handful are in assessment). Triggers keep the copy: a new seat takes the
-- status of its application, a status change is copied to the application's seats, in
-- the same transaction.
ALTER TABLE panel_seats ADD COLUMN application_status TEXT NOT NULL DEFAULT '';
UPDATE panel_seats SET application_status =
  (SELECT status FROM applications WHERE applications.id = panel_seats.application_id);

CREATE TRIGGER panel_seats_take_status AFTER INSERT ON panel_seats BEGIN
  UPDATE panel_seats SET application_status =
    (SELECT status FROM applications WHERE id = NEW.application_id)
  WHERE application_id = NEW.application_id AND assessor_id = NEW.assessor_id;
END;
CREATE TRIGGER panel_seats_follow_status AFTER UPDATE OF status ON applications
WHEN NEW.status IS NOT OLD.status BEGIN
  UPDATE panel_seats SET application_status = NEW.status WHERE application_id = NEW.id;
END;

CREATE INDEX panel_seats_assessor_status ON panel_seats(assessor_id, application_status, application_id);
DROP INDEX panel_seats_assessor_application;
