-- One counter that changes whenever what the assignment board's proposal is computed
-- from changes: a round's applications (added, removed, moved between statuses), the
-- applicants' names and groups, the registry (profiles, organisations, declared
-- conflicts, employment, names), the assessors' preferences and the seats they hold.
-- A proposal computed at one counter value is still right while the counter is
-- unchanged, whichever instance or command wrote (workflow::panel_proposals::ProposalCache).
CREATE TABLE assignment_versions (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO assignment_versions (id, version) VALUES (1, 1);

CREATE TRIGGER assignment_versions_application_added AFTER INSERT ON applications
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_application_changed AFTER UPDATE OF status, round_id, enterprise_id, part_code ON applications
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_application_removed AFTER DELETE ON applications
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_enterprise_changed AFTER UPDATE OF name_zh, group_id ON enterprises
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_enterprise_removed AFTER DELETE ON enterprises
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_user_renamed AFTER UPDATE OF display_name ON users
WHEN OLD.display_name IS NOT NEW.display_name
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_organisation_added AFTER INSERT ON organisations
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_organisation_changed AFTER UPDATE ON organisations
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_organisation_removed AFTER DELETE ON organisations
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_profile_added AFTER INSERT ON assessor_profiles
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_profile_changed AFTER UPDATE ON assessor_profiles
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_profile_removed AFTER DELETE ON assessor_profiles
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_conflict_added AFTER INSERT ON declared_conflicts
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_conflict_changed AFTER UPDATE ON declared_conflicts
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_conflict_removed AFTER DELETE ON declared_conflicts
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_employment_added AFTER INSERT ON assessor_employment
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_employment_changed AFTER UPDATE ON assessor_employment
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_employment_removed AFTER DELETE ON assessor_employment
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_preference_added AFTER INSERT ON assessor_preferences
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_preference_changed AFTER UPDATE ON assessor_preferences
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_preference_removed AFTER DELETE ON assessor_preferences
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_seat_added AFTER INSERT ON panel_seats
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_seat_changed AFTER UPDATE OF application_id, assessor_id, is_lead ON panel_seats
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;

CREATE TRIGGER assignment_versions_seat_removed AFTER DELETE ON panel_seats
BEGIN
    UPDATE assignment_versions SET version = version + 1;
END;
