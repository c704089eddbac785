-- Evidence: the entries of an uploaded ZIP archive (JSON list of name and size), the
-- lookup of a stored file's references, and items reopened by a clarification request.
ALTER TABLE evidence_files ADD COLUMN zip_entries TEXT;
CREATE INDEX evidence_files_content ON evidence_files(content_sha256);

-- Each reopening of an item: uploads until `open_until` become `version`.
CREATE TABLE evidence_reopenings (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    open_until TIMESTAMP NOT NULL,
    reopened_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, item_code, version)
);
