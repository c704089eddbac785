-- What a review expert's task list counts, kept by triggers in the transaction that
-- changes it (issue #19): counting the applications in review without the expert's vote,
-- and the decisions of the expert's rounds, read thousands of rows per home page at
-- national scale (0.2 % of the bare handler). Code never writes these tables.
--
-- review_open_votes: each expert's votes, per round, in the open cycle of an application
-- that is in review. The open cycle is one past the application's decisions (as
-- workflow::review numbers it). A vote opens when cast on an application in review; it
-- closes when its cycle is decided or the application leaves review some other way (a
-- reopening on appeal), and opens again if the application comes back to review in the
-- same cycle. Whichever of "decision" and "status change" is written first closes it;
-- the second finds nothing open.
CREATE TABLE review_open_votes (
    member_id TEXT NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    PRIMARY KEY (member_id, round_id)
) WITHOUT ROWID;
-- The votes of each application's open cycle, whatever its status.
CREATE VIEW review_open_cycle_votes AS
    SELECT v.application_id, v.member_id FROM review_votes v
    WHERE v.cycle = (SELECT COUNT(*) + 1 FROM review_decisions d
                     WHERE d.application_id = v.application_id);

INSERT INTO review_open_votes (member_id, round_id, n)
    SELECT v.member_id, a.round_id, COUNT(*)
    FROM review_open_cycle_votes v JOIN applications a ON a.id = v.application_id
    WHERE a.status = 'in_review'
    GROUP BY v.member_id, a.round_id;

CREATE TRIGGER review_open_votes_cast AFTER INSERT ON review_votes
WHEN (SELECT status FROM applications WHERE id = NEW.application_id) = 'in_review'
    AND NEW.cycle = (SELECT COUNT(*) + 1 FROM review_decisions WHERE application_id = NEW.application_id)
BEGIN
    INSERT OR IGNORE INTO review_open_votes (member_id, round_id, n)
        SELECT NEW.member_id, round_id, 0 FROM applications WHERE id = NEW.application_id;
    UPDATE review_open_votes SET n = n + 1
        WHERE member_id = NEW.member_id
          AND round_id = (SELECT round_id FROM applications WHERE id = NEW.application_id);
END;
CREATE TRIGGER review_open_votes_decided AFTER INSERT ON review_decisions
WHEN (SELECT status FROM applications WHERE id = NEW.application_id) = 'in_review'
BEGIN
    UPDATE review_open_votes SET n = n - 1
        WHERE round_id = (SELECT round_id FROM applications WHERE id = NEW.application_id)
          AND member_id IN (SELECT member_id FROM review_votes
                            WHERE application_id = NEW.application_id AND cycle = NEW.cycle);
END;
CREATE TRIGGER review_open_votes_left_review AFTER UPDATE OF status ON applications
WHEN OLD.status = 'in_review' AND NEW.status <> 'in_review'
BEGIN
    UPDATE review_open_votes SET n = n - 1
        WHERE round_id = NEW.round_id
          AND member_id IN (SELECT member_id FROM review_open_cycle_votes
                            WHERE application_id = NEW.id);
END;
CREATE TRIGGER review_open_votes_back_in_review AFTER UPDATE OF status ON applications
WHEN NEW.status = 'in_review' AND OLD.status <> 'in_review'
BEGIN
    INSERT OR IGNORE INTO review_open_votes (member_id, round_id, n)
        SELECT member_id, NEW.round_id, 0 FROM review_open_cycle_votes
        WHERE application_id = NEW.id;
    UPDATE review_open_votes SET n = n + 1
        WHERE round_id = NEW.round_id
          AND member_id IN (SELECT member_id FROM review_open_cycle_votes
                            WHERE application_id = NEW.id);
END;

-- review_decision_counts: the review decisions of each round's applications.
CREATE TABLE review_decision_counts (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO review_decision_counts (round_id, n)
    SELECT a.round_id, COUNT(*)
    FROM review_decisions d JOIN applications a ON a.id = d.application_id
    GROUP BY a.round_id;

CREATE TRIGGER review_decision_counts_added AFTER INSERT ON review_decisions BEGIN
    INSERT OR IGNORE INTO review_decision_counts (round_id, n)
        SELECT round_id, 0 FROM applications WHERE id = NEW.application_id;
    UPDATE review_decision_counts SET n = n + 1
        WHERE round_id = (SELECT round_id FROM applications WHERE id = NEW.application_id);
END;
CREATE TRIGGER review_decision_counts_removed AFTER DELETE ON review_decisions BEGIN
    UPDATE review_decision_counts SET n = n - 1
        WHERE round_id = (SELECT round_id FROM applications WHERE id = OLD.application_id);
END;
