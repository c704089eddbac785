-- How many applications each round has in each status, kept by triggers in the
-- transaction that adds, moves or removes an application (issue #19). The secretariat's
-- task list sums these few rows instead of counting thousands of index entries on every
-- home page (at national scale that count was two thirds of the page's CPU). Code never
-- writes this table; rows whose count fell to zero stay.
CREATE TABLE application_counts (
    round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (round_id, status)
) WITHOUT ROWID;
INSERT INTO application_counts (round_id, status, n)
    SELECT round_id, status, COUNT(*) FROM applications GROUP BY round_id, status;

CREATE TRIGGER application_counts_added AFTER INSERT ON applications BEGIN
    INSERT OR IGNORE INTO application_counts (round_id, status, n)
        VALUES (NEW.round_id, NEW.status, 0);
    UPDATE application_counts SET n = n + 1
        WHERE round_id = NEW.round_id AND status = NEW.status;
END;
CREATE TRIGGER application_counts_moved AFTER UPDATE OF round_id, status ON applications
WHEN OLD.round_id IS NOT NEW.round_id OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE application_counts SET n = n - 1
        WHERE round_id = OLD.round_id AND status = OLD.status;
    INSERT OR IGNORE INTO application_counts (round_id, status, n)
        VALUES (NEW.round_id, NEW.status, 0);
    UPDATE application_counts SET n = n + 1
        WHERE round_id = NEW.round_id AND status = NEW.status;
END;
CREATE TRIGGER application_counts_removed AFTER DELETE ON applications BEGIN
    UPDATE application_counts SET n = n - 1
        WHERE round_id = OLD.round_id AND status = OLD.status;
END;
