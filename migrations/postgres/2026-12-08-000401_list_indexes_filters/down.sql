CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id);
DROP INDEX audit_log_object_seq;
DROP INDEX audit_log_actor_seq;
DROP INDEX audit_log_kind_seq;
DROP INDEX assessor_profiles_organisation;
DROP INDEX users_display_name;
DROP INDEX certificates_part_number;
