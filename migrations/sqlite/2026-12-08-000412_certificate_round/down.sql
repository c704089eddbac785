DROP TRIGGER certificates_round_copied;
DROP INDEX certificates_round_number;
ALTER TABLE certificates DROP COLUMN round_id;
