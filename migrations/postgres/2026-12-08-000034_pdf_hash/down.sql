ALTER TABLE issuance_log DROP COLUMN pdf_sha256;
