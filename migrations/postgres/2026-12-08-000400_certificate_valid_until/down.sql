DROP INDEX certificates_valid_until;
ALTER TABLE certificates DROP COLUMN valid_until;
