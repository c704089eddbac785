DROP TRIGGER application_counts_written ON applications;
DROP FUNCTION application_counts_written();
DROP TABLE application_counts;
