DROP TABLE status_lists;
DROP TABLE certificate_credentials;
