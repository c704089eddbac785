-- A certificate's last day of validity as a column (issue #19): the renewal job, the
-- directory and the reports find certificates by expiry through an index instead of
-- reading it out of each signed payload. It is a copy of the payload's `valid_until`,
-- written when the certificate is issued; rows issued before get it from their payload.
ALTER TABLE certificates ADD COLUMN valid_until DATE NOT NULL DEFAULT '0001-01-01';
UPDATE certificates SET valid_until = json_extract(payload, '$.valid_until');
CREATE INDEX certificates_valid_until ON certificates(valid_until);
