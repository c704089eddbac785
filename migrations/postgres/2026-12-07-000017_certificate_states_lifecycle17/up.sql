-- Certificate states (lifecycle17): a scope reduction issues a successor certificate for
-- the same application, and the issuance log records suspensions, reinstatements,
-- supersessions and renewals with the date a suspension ends and the related number.
ALTER TABLE certificates DROP CONSTRAINT certificates_application_id_key;
CREATE INDEX certificates_application ON certificates (application_id);
-- Denormalised copies for lists; verification reads the log.
ALTER TABLE certificates ADD COLUMN suspended_until DATE;
ALTER TABLE certificates ADD COLUMN superseded_by TEXT;

ALTER TABLE issuance_log DROP CONSTRAINT issuance_log_kind_check;
ALTER TABLE issuance_log ADD CONSTRAINT issuance_log_kind_check
    CHECK (kind IN ('issued', 'revoked', 'suspended', 'reinstated', 'superseded', 'renewed'));
ALTER TABLE issuance_log ADD COLUMN effective_until DATE;
ALTER TABLE issuance_log ADD COLUMN related_number TEXT;

-- The enterprise's consent to list its certificates in the public directory.
ALTER TABLE applications ADD COLUMN directory_consent BOOLEAN NOT NULL DEFAULT FALSE;
