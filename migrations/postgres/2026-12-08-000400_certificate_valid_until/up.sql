-- A certificate's last day of validity as a column (issue #19): the renewal job, the
-- directory and the reports find certificates by expiry through an index instead of
-- reading it out of each signed payload. It is a copy of the payload's `valid_until`,
-- written when the certificate is issued; rows issued before get it from their payload.
-- The table is altered before it is updated: the deferred report-version trigger of
-- certificates forbids ALTER TABLE once a row changed in the transaction.
ALTER TABLE certificates ADD COLUMN valid_until DATE NOT NULL DEFAULT '0001-01-01';
ALTER TABLE certificates ALTER COLUMN valid_until DROP DEFAULT;
CREATE INDEX certificates_valid_until ON certificates(valid_until);
UPDATE certificates SET valid_until = (payload::json ->> 'valid_until')::date;
