DROP TABLE evidence_reopenings;
DROP INDEX evidence_files_content;
ALTER TABLE evidence_files DROP COLUMN zip_entries;
