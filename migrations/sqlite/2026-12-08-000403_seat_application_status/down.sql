CREATE INDEX panel_seats_assessor_application ON panel_seats(assessor_id, application_id);
DROP INDEX panel_seats_assessor_status;
DROP TRIGGER panel_seats_follow_status;
DROP TRIGGER panel_seats_take_status;
ALTER TABLE panel_seats DROP COLUMN application_status;
