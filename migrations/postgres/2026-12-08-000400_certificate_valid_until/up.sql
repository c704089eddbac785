-- A certificate's last day of validity as a column (issue #19): the renewal job, the
-- directory and the reports find certificates by expiry through an index instead of
-- reading it out of each signed payload. It is a copy of the payload's `valid_until`,
-- written when the certificate is issued; rows issued before get it from their payload.
ALTER TABLE certificates ADD COLUMN valid_until DATE;
UPDATE certificates SET valid_until = (payload::json ->> 'valid_until')::date;
ALTER TABLE certificates ALTER COLUMN valid_until SET NOT NULL;
CREATE INDEX certificates_valid_until ON certificates(valid_until);
