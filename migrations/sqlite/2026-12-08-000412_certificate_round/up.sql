-- A certificate's round as a column (issue #19): the round page lists a round's
-- certificates by number, one range of an index. Through the application, the list of a
-- round with few certificates walked every certificate in number order looking for its
-- round. A trigger copies the application's round when a certificate is written, so no
-- writer can forget it; rows issued before get it here.
ALTER TABLE certificates ADD COLUMN round_id TEXT;
UPDATE certificates
SET round_id = (SELECT round_id FROM applications WHERE applications.id = certificates.application_id);
CREATE INDEX certificates_round_number ON certificates(round_id, number);
CREATE TRIGGER certificates_round_copied AFTER INSERT ON certificates
WHEN NEW.round_id IS NULL
BEGIN
    UPDATE certificates
    SET round_id = (SELECT round_id FROM applications WHERE applications.id = NEW.application_id)
    WHERE id = NEW.id;
END;
