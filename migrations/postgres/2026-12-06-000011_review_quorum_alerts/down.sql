DROP TABLE review_quorum_alerts;
