ALTER TABLE rounds DROP COLUMN published_at;
DROP TABLE calendar_days;
DROP TABLE calendar_years;
