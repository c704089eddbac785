-- The lists' remaining orders after their filters (issue #19), as in
-- 2026-12-08-000032_list_indexes: the directory by number within a part, the assessor
-- registry by name (within an organisation), the audit log newest first within a kind,
-- a person or an object.
CREATE INDEX certificates_part_number ON certificates(part_code, number);
CREATE INDEX users_display_name ON users(display_name, id);
CREATE INDEX assessor_profiles_organisation ON assessor_profiles(organisation_id, user_id);
CREATE INDEX audit_log_kind_seq ON audit_log(kind, seq);
CREATE INDEX audit_log_actor_seq ON audit_log(actor_user_id, seq);
CREATE INDEX audit_log_object_seq ON audit_log(object_type, object_id, seq);
DROP INDEX audit_log_actor;
DROP INDEX audit_log_object;
