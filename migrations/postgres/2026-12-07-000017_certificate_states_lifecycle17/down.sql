ALTER TABLE applications DROP COLUMN directory_consent;
ALTER TABLE issuance_log DROP COLUMN related_number;
ALTER TABLE issuance_log DROP COLUMN effective_until;
ALTER TABLE issuance_log DROP CONSTRAINT issuance_log_kind_check;
ALTER TABLE issuance_log ADD CONSTRAINT issuance_log_kind_check CHECK (kind IN ('issued', 'revoked'));
ALTER TABLE certificates DROP COLUMN superseded_by;
ALTER TABLE certificates DROP COLUMN suspended_until;
DROP INDEX certificates_application;
ALTER TABLE certificates ADD CONSTRAINT certificates_application_id_key UNIQUE (application_id);
