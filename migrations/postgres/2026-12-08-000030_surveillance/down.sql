DROP TABLE surveillance_scores;
DROP TABLE surveillance_assessors;
DROP TABLE surveillance_items;
DROP TABLE surveillances;
ALTER TABLE issuance_log DROP CONSTRAINT issuance_log_kind_check;
ALTER TABLE issuance_log ADD CONSTRAINT issuance_log_kind_check
    CHECK (kind IN ('issued', 'revoked', 'suspended', 'reinstated', 'superseded', 'renewed'));
