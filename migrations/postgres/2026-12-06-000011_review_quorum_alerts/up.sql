-- The secretariat was told that recusals leave an application's review panel short of
-- its quorum: once per application and panel formation (a re-formed panel is a new one,
-- so a panel still too small is reported again).
CREATE TABLE review_quorum_alerts (
    application_id TEXT NOT NULL REFERENCES applications(id),
    review_panel_id TEXT NOT NULL,
    alerted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, review_panel_id)
);
