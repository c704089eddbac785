-- What a review expert's task list counts, kept by triggers in the transaction that
-- changes it (issue #19): counting the applications in review without the expert's vote,
-- and the decisions of the expert's rounds, read thousands of rows per home page at
-- national scale (0.1 % of the bare handler). Code never writes these tables.
--
-- review_open_votes: each expert's votes, per round, in the open cycle of an application
-- that is in review. The open cycle is one past the application's decisions (as
-- workflow::review numbers it). A vote opens when cast on an application in review; it
-- closes when its cycle is decided or the application leaves review some other way (a
-- reopening on appeal), and opens again if the application comes back to review in the
-- same cycle. Whichever of "decision" and "status change" is written first closes it;
-- the second finds nothing open. So these triggers run at once, not deferred like
-- application_counts': each must see the other's change as it was made.
CREATE TABLE review_open_votes (
    member_id TEXT NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    PRIMARY KEY (member_id, round_id)
);
INSERT INTO review_open_votes (member_id, round_id, n)
    SELECT v.member_id, a.round_id, COUNT(*)
    FROM review_votes v JOIN applications a ON a.id = v.application_id
    WHERE a.status = 'in_review'
      AND v.cycle = (SELECT COUNT(*) + 1 FROM review_decisions d WHERE d.application_id = a.id)
    GROUP BY v.member_id, a.round_id;

-- Adds `delta` to the open votes of each expert who voted in `cycle` of `application`.
CREATE FUNCTION review_open_votes_add(application TEXT, round TEXT, vote_cycle INTEGER, delta INTEGER)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO review_open_votes (member_id, round_id, n)
        SELECT member_id, round, delta FROM review_votes
        WHERE application_id = application AND cycle = vote_cycle
        ORDER BY member_id
        ON CONFLICT (member_id, round_id) DO UPDATE SET n = review_open_votes.n + delta;
END $$;

CREATE FUNCTION review_open_votes_cast() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    app applications%ROWTYPE;
BEGIN
    SELECT * INTO app FROM applications WHERE id = NEW.application_id;
    IF app.status = 'in_review' AND NEW.cycle =
        (SELECT COUNT(*) + 1 FROM review_decisions WHERE application_id = NEW.application_id) THEN
        INSERT INTO review_open_votes (member_id, round_id, n) VALUES (NEW.member_id, app.round_id, 1)
            ON CONFLICT (member_id, round_id) DO UPDATE SET n = review_open_votes.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER review_open_votes_cast AFTER INSERT ON review_votes
    FOR EACH ROW EXECUTE FUNCTION review_open_votes_cast();

CREATE FUNCTION review_open_votes_decided() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    app applications%ROWTYPE;
BEGIN
    SELECT * INTO app FROM applications WHERE id = NEW.application_id;
    IF app.status = 'in_review' THEN
        PERFORM review_open_votes_add(NEW.application_id, app.round_id, NEW.cycle, -1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER review_open_votes_decided AFTER INSERT ON review_decisions
    FOR EACH ROW EXECUTE FUNCTION review_open_votes_decided();

CREATE FUNCTION review_open_votes_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    open_cycle INTEGER;
BEGIN
    IF (OLD.status = 'in_review') = (NEW.status = 'in_review') THEN
        RETURN NULL;
    END IF;
    open_cycle := (SELECT COUNT(*) + 1 FROM review_decisions WHERE application_id = NEW.id);
    PERFORM review_open_votes_add(NEW.id, NEW.round_id, open_cycle,
        CASE WHEN NEW.status = 'in_review' THEN 1 ELSE -1 END);
    RETURN NULL;
END $$;
CREATE TRIGGER review_open_votes_moved AFTER UPDATE OF status ON applications
    FOR EACH ROW EXECUTE FUNCTION review_open_votes_moved();

-- review_decision_counts: the review decisions of each round's applications.
CREATE TABLE review_decision_counts (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    n INTEGER NOT NULL
);
INSERT INTO review_decision_counts (round_id, n)
    SELECT a.round_id, COUNT(*)
    FROM review_decisions d JOIN applications a ON a.id = d.application_id
    GROUP BY a.round_id;

CREATE FUNCTION review_decision_counts_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO review_decision_counts (round_id, n)
            SELECT round_id, 1 FROM applications WHERE id = NEW.application_id
            ON CONFLICT (round_id) DO UPDATE SET n = review_decision_counts.n + 1;
    ELSE
        UPDATE review_decision_counts SET n = n - 1
            WHERE round_id = (SELECT round_id FROM applications WHERE id = OLD.application_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER review_decision_counts_written AFTER INSERT OR DELETE ON review_decisions
    FOR EACH ROW EXECUTE FUNCTION review_decision_counts_written();
