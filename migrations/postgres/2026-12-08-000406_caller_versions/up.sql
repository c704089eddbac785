-- One counter that changes whenever what a request learns about its caller changes:
-- a session or API token ended or changed, a user disabled or renamed, a role given or
-- taken. Triggers bump it in the very transaction that wrote the change, so a caller
-- remembered at one counter value is still right while the counter is unchanged,
-- whichever instance or command wrote it (workflow::callers::CallerCache).
-- A new session or token needs no bump: nothing remembers a credential before it exists.
--
-- As with report_versions, the triggers are deferred to the commit and bump once per
-- transaction: the counter's row lock is the last one a transaction takes and is held
-- only while it commits, so sign-outs do not queue behind each other's work.
CREATE TABLE caller_versions (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    bumped_by BIGINT
);
INSERT INTO caller_versions (id, version) VALUES (1, 1);

CREATE FUNCTION caller_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE caller_versions SET version = version + 1, bumped_by = txid_current()
    WHERE id = 1 AND bumped_by IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER caller_versions_session_written AFTER UPDATE OR DELETE ON sessions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION caller_versions_bump();
CREATE CONSTRAINT TRIGGER caller_versions_token_written AFTER UPDATE OR DELETE ON api_tokens
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION caller_versions_bump();
CREATE CONSTRAINT TRIGGER caller_versions_user_changed
    AFTER UPDATE OF email, display_name, disabled_at ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email
        OR OLD.display_name IS DISTINCT FROM NEW.display_name
        OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
    EXECUTE FUNCTION caller_versions_bump();
CREATE CONSTRAINT TRIGGER caller_versions_user_removed AFTER DELETE ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION caller_versions_bump();
CREATE CONSTRAINT TRIGGER caller_versions_role_written
    AFTER INSERT OR UPDATE OR DELETE ON user_roles
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION caller_versions_bump();
