DROP TABLE report_seats;
DROP TABLE report_applications;
