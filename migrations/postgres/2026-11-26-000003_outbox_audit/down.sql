DROP TABLE invitations;
DROP TABLE password_resets;
DROP TABLE notifications;
DROP TABLE outbox;
DROP TABLE audit_head;
DROP TABLE audit_log;
