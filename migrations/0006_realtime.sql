-- Presence that outlives a connection: a status the person set
-- (do not disturb) and when they were last seen online.
CREATE TABLE user_presence (
    user_id      TEXT PRIMARY KEY,
    manual       TEXT NOT NULL DEFAULT '',   -- '' (automatic) | dnd
    last_seen_at BIGINT NOT NULL DEFAULT 0
);
