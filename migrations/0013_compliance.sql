-- The compliance desk: moderation.
--
-- A message taken down by moderation stays in the channel as a placeholder
-- ("removed by moderation"): moderated_at keeps it listed although it is
-- deleted. Its text and files are gone from members' view; the journal
-- keeps what it said, and moderations keeps who took it down and why.
ALTER TABLE messages ADD COLUMN moderated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE moderations (
    subject_id   TEXT PRIMARY KEY,          -- the message taken down
    subject_type TEXT NOT NULL,             -- message
    channel_id   TEXT NOT NULL DEFAULT '',
    actor_id     TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX moderations_at ON moderations (at);

-- Legal holds, by matter. A hold covers what its custodians said or shared
-- (any author when empty) in its channels (any channel when empty) between
-- starts_at and ends_at (0: open). While a hold is active (released_at = 0)
-- the journal refuses to purge what it covers; releasing deletes nothing.
CREATE TABLE legal_holds (
    id          TEXT PRIMARY KEY,
    matter      TEXT NOT NULL,
    custodians  TEXT NOT NULL DEFAULT '',  -- user ids, space-separated
    channels    TEXT NOT NULL DEFAULT '',  -- channel ids, space-separated
    starts_at   BIGINT NOT NULL DEFAULT 0,
    ends_at     BIGINT NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    released_by TEXT NOT NULL DEFAULT '',
    released_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX legal_holds_active ON legal_holds (released_at);
