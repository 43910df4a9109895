-- The event log clients replay after a reconnect, and the compliance journal.

-- Events delivered to clients in real time. seq comes from counters
-- 'events' inside the writing transaction: commit order, no gaps.
CREATE TABLE events (
    seq        BIGINT PRIMARY KEY,
    type       TEXT NOT NULL,
    channel_id TEXT NOT NULL DEFAULT '',   -- audience: the channel's members
    user_id    TEXT NOT NULL DEFAULT '',   -- audience: this user only
    payload    TEXT NOT NULL,              -- JSON
    at         BIGINT NOT NULL
);
CREATE INDEX events_at ON events (at);

-- The journal: an append-only record of every change that matters, each
-- entry a leaf of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog).
CREATE TABLE journal_entries (
    seq          BIGINT PRIMARY KEY,        -- 1-based; the Merkle leaf index is seq-1
    at           BIGINT NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    channel_id   TEXT NOT NULL DEFAULT '',
    subject_id   TEXT NOT NULL DEFAULT '',
    meta         TEXT NOT NULL DEFAULT '{}', -- JSON, never purged
    content_hash TEXT NOT NULL,             -- hex SHA-256 of the content bytes
    leaf_hash    TEXT NOT NULL              -- hex tlog record hash of the canonical entry
);
CREATE INDEX journal_entries_channel ON journal_entries (channel_id, seq);
CREATE INDEX journal_entries_subject ON journal_entries (subject_id, seq);

-- Content is kept apart so that retention can purge it; the entry keeps
-- the hash, so the tree still verifies and the purge itself is on record.
CREATE TABLE journal_content (
    seq       BIGINT PRIMARY KEY,
    content   BYTEA,
    purged_at BIGINT NOT NULL DEFAULT 0
);

-- The Merkle tree's stored hashes (tlog.StoredHashIndex order).
CREATE TABLE journal_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

-- Signed tree heads: "after N entries the tree's root was H", signed with
-- the server's Ed25519 key (and optionally an RFC 3161 timestamp).
CREATE TABLE journal_checkpoints (
    size       BIGINT PRIMARY KEY,
    root_hash  TEXT NOT NULL,
    at         BIGINT NOT NULL,
    note       TEXT NOT NULL,               -- signed note (golang.org/x/mod/sumdb/note)
    timestamp  BYTEA                        -- RFC 3161 token, when a TSA is configured
);
