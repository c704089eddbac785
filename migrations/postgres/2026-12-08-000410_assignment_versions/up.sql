-- One counter that changes whenever what the assignment board's proposal is computed
-- from changes: a round's applications (added, removed, moved between statuses), the
-- applicants' names and groups, the registry (profiles, organisations, declared
-- conflicts, employment, names), the assessors' preferences and the seats they hold.
-- A proposal computed at one counter value is still right while the counter is
-- unchanged, whichever instance or command wrote (workflow::panel_proposals::ProposalCache).
--
-- As with caller_versions, the triggers are deferred to the commit and bump once per
-- transaction, so the counter's row lock is held only while a transaction commits.
CREATE TABLE assignment_versions (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    bumped_by BIGINT
);
INSERT INTO assignment_versions (id, version) VALUES (1, 1);

CREATE FUNCTION assignment_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assignment_versions SET version = version + 1, bumped_by = txid_current()
    WHERE id = 1 AND bumped_by IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER assignment_versions_application_written
    AFTER INSERT OR DELETE OR UPDATE OF status, round_id, enterprise_id, part_code ON applications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_enterprise_written
    AFTER DELETE OR UPDATE OF name_zh, group_id ON enterprises
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_user_renamed
    AFTER UPDATE OF display_name ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_organisation_written
    AFTER INSERT OR UPDATE OR DELETE ON organisations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_profile_written
    AFTER INSERT OR UPDATE OR DELETE ON assessor_profiles
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_conflict_written
    AFTER INSERT OR UPDATE OR DELETE ON declared_conflicts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_employment_written
    AFTER INSERT OR UPDATE OR DELETE ON assessor_employment
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_preference_written
    AFTER INSERT OR UPDATE OR DELETE ON assessor_preferences
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
CREATE CONSTRAINT TRIGGER assignment_versions_seat_written
    AFTER INSERT OR DELETE OR UPDATE OF application_id, assessor_id, is_lead ON panel_seats
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION assignment_versions_bump();
