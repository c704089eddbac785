-- The optional English scope of an application, printed on its certificate beside the
-- Chinese one; none means the certificate prints the Chinese scope alone.
ALTER TABLE applications ADD COLUMN scope_en TEXT;
