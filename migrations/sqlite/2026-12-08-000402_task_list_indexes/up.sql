-- The task list's counts start from a person's panel seats and look each seated
-- application's status up (issue #19): both read from an index alone now. On SQLite
-- the national assessor's counts took half as long.
CREATE INDEX panel_seats_assessor_application ON panel_seats(assessor_id, application_id);
DROP INDEX panel_seats_assessor;
CREATE INDEX applications_id_status ON applications(id, status);
