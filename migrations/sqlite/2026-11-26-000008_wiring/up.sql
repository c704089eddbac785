-- When the enterprise was reminded of a clarification's deadline (at most once).
ALTER TABLE clarifications ADD COLUMN reminded_at TIMESTAMP;
