-- Keyset pagination of the lists (issue #19): each index matches a list's order
-- (newest first by created_at, then id) after its equality filter, so a page reads
-- only its own rows.
CREATE INDEX applications_created ON applications(created_at, id);
CREATE INDEX applications_enterprise_created ON applications(enterprise_id, created_at, id);
CREATE INDEX applications_status_created ON applications(status, created_at, id);
CREATE INDEX applications_round_created ON applications(round_id, created_at, id);
CREATE INDEX enterprises_created ON enterprises(created_at, id);
CREATE INDEX outbox_created ON outbox(created_at, id);
CREATE INDEX outbox_status_created ON outbox(status, created_at, id);
CREATE INDEX notifications_user_id ON notifications(user_id, id);
