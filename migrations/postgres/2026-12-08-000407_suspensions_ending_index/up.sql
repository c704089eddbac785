-- The secretariat's count of suspensions ending soon (issue #19) read every certificate.
-- Only suspended certificates in force are in this index, and it holds all the count
-- asks, so PostgreSQL estimates the count from the index alone. (With every certificate
-- in the estimate it planned the task counts afresh for each request, at more than the
-- counting cost.)
CREATE INDEX certificates_suspended_until ON certificates(suspended_until)
  WHERE suspended_until IS NOT NULL AND revoked_at IS NULL AND superseded_by IS NULL;
