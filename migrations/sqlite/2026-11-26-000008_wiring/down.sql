ALTER TABLE clarifications DROP COLUMN reminded_at;
