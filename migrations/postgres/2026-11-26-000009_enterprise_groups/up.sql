-- A group of enterprises (a parent and its subsidiaries, say). A tie of an assessor or
-- reviewer to any member, or a declared conflict with the group itself, is a tie to
-- every member's application.
CREATE TABLE enterprise_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT,
    created_at TIMESTAMP NOT NULL
);

-- An enterprise belongs to at most one group.
ALTER TABLE enterprises ADD COLUMN group_id TEXT REFERENCES enterprise_groups(id);
CREATE INDEX enterprises_group ON enterprises(group_id);
