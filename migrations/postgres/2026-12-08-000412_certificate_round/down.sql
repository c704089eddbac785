DROP TRIGGER certificates_round_copied ON certificates;
DROP FUNCTION certificates_round_copy();
DROP INDEX certificates_round_number;
ALTER TABLE certificates DROP COLUMN round_id;
