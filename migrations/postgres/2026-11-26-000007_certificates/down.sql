DROP TRIGGER IF EXISTS issuance_log_append_only ON issuance_log;
DROP FUNCTION IF EXISTS issuance_log_append_only();
DROP TABLE issuance_log;
DROP TABLE certificates;
DROP TABLE signing_keys;
