DROP INDEX applications_status_round;
DROP INDEX certificates_in_force_issued;
DROP INDEX enterprises_to_verify;
