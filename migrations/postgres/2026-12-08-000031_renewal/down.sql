DROP TABLE appeal_attachments;
DROP TABLE certificate_reminders;
DROP TABLE renewal_applications;
