DROP INDEX applications_id_status;
CREATE INDEX panel_seats_assessor ON panel_seats(assessor_id);
DROP INDEX panel_seats_assessor_application;
