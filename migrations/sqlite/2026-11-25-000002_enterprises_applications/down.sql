DROP TABLE evidence_files;
DROP TABLE item_exemptions;
DROP TABLE application_events;
DROP TABLE applications;
DROP TABLE enterprise_members;
DROP TABLE enterprises;
