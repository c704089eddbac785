DROP INDEX enterprises_group;
ALTER TABLE enterprises DROP COLUMN group_id;
DROP TABLE enterprise_groups;
