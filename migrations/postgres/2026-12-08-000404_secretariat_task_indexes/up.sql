-- The secretariat's task counts (issue #19) read from indexes that hold only what they
-- count: the enterprises still to verify, the certificates in force by issue day, and
-- the applications' rounds by status (the rounds whose scored results wait for a review
-- panel). At national scale these counts scanned 5,000 enterprises, 3,000 certificates
-- and looked 1,800 applications up for their round on every home page.
CREATE INDEX enterprises_to_verify ON enterprises(id) WHERE verified_at IS NULL;
CREATE INDEX certificates_in_force_issued ON certificates(issued_at)
  WHERE revoked_at IS NULL AND superseded_by IS NULL;
CREATE INDEX applications_status_round ON applications(status, round_id);
