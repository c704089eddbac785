DROP TABLE complaint_notes;
DROP TABLE complaints;
DROP TABLE appeal_panel_members;
DROP TABLE appeals;
