DROP INDEX notifications_user_id;
DROP INDEX outbox_status_created;
DROP INDEX outbox_created;
DROP INDEX enterprises_created;
DROP INDEX applications_round_created;
DROP INDEX applications_status_created;
DROP INDEX applications_enterprise_created;
DROP INDEX applications_created;
