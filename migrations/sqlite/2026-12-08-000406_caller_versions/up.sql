-- One counter that changes whenever what a request learns about its caller changes:
-- a session or API token ended or changed, a user disabled or renamed, a role given or
-- taken. Triggers bump it in the very transaction that wrote the change, so a caller
-- remembered at one counter value is still right while the counter is unchanged,
-- whichever instance or command wrote it (workflow::callers::CallerCache).
-- A new session or token needs no bump: nothing remembers a credential before it exists.
CREATE TABLE caller_versions (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO caller_versions (id, version) VALUES (1, 1);

CREATE TRIGGER caller_versions_session_changed AFTER UPDATE ON sessions BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_session_ended AFTER DELETE ON sessions BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_token_changed AFTER UPDATE ON api_tokens BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_token_ended AFTER DELETE ON api_tokens BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_user_changed AFTER UPDATE OF email, display_name, disabled_at ON users
WHEN OLD.email IS NOT NEW.email OR OLD.display_name IS NOT NEW.display_name
    OR OLD.disabled_at IS NOT NEW.disabled_at
BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_user_removed AFTER DELETE ON users BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_role_added AFTER INSERT ON user_roles BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_role_changed AFTER UPDATE ON user_roles BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
CREATE TRIGGER caller_versions_role_removed AFTER DELETE ON user_roles BEGIN
    UPDATE caller_versions SET version = version + 1;
END;
