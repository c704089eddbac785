DROP TRIGGER IF EXISTS issuance_log_no_delete;
DROP TRIGGER IF EXISTS issuance_log_no_update;
DROP TABLE issuance_log;
DROP TABLE certificates;
DROP TABLE signing_keys;
