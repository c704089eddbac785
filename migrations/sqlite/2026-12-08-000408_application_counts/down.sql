DROP TRIGGER application_counts_removed;
DROP TRIGGER application_counts_moved;
DROP TRIGGER application_counts_added;
DROP TABLE application_counts;
