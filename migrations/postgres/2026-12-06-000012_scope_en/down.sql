ALTER TABLE applications DROP COLUMN scope_en;
