DROP TRIGGER enterprises_name_to_applications ON enterprises;
DROP FUNCTION enterprises_name_to_applications();
DROP TRIGGER applications_enterprise_name_copied ON applications;
DROP FUNCTION applications_enterprise_name_copy();
ALTER TABLE applications DROP COLUMN enterprise_name_zh;
