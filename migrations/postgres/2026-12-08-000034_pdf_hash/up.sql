-- The certificate PDF carries its credential (pdf18): each issuance entry records the
-- SHA-256 of the PDF as issued, under the entry's hash, so that verifying an uploaded PDF
-- can tell the issued document from another file carrying the same signed payload.
-- Entries written before stay without it and hash as they did.
ALTER TABLE issuance_log ADD COLUMN pdf_sha256 TEXT;
