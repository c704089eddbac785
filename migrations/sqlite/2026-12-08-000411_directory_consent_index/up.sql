-- The directory lists the certificates of consenting applications: without an index the
-- consenting applications were found by reading all of them (12,000 at national scale,
-- 5 ms twice on each view of /directory on PostgreSQL).
CREATE INDEX applications_directory_consent ON applications(directory_consent, id);
