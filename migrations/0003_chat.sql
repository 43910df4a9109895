-- Chat: channels, direct messages, membership and read state, messages,
-- their earlier versions, threads, reactions, mentions.

CREATE TABLE channels (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,                 -- public | private | dm | group
    name            TEXT NOT NULL DEFAULT '',      -- URL-safe, unique; empty for DMs
    display_name    TEXT NOT NULL DEFAULT '',
    topic           TEXT NOT NULL DEFAULT '',
    purpose         TEXT NOT NULL DEFAULT '',
    announcement    BOOLEAN NOT NULL DEFAULT FALSE,
    dm_key          TEXT NOT NULL DEFAULT '',      -- DMs: the sorted member ids, unique
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    archived_at     BIGINT NOT NULL DEFAULT 0,
    last_seq        BIGINT NOT NULL DEFAULT 0,     -- per-channel message counter
    last_message_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX channels_name ON channels (name) WHERE name <> '';
CREATE UNIQUE INDEX channels_dm_key ON channels (dm_key) WHERE dm_key <> '';
CREATE INDEX channels_kind ON channels (kind);

CREATE TABLE channel_members (
    channel_id    TEXT NOT NULL REFERENCES channels (id),
    user_id       TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'member',  -- member | admin
    joined_at     BIGINT NOT NULL,
    last_read_seq BIGINT NOT NULL DEFAULT 0,
    notify        TEXT NOT NULL DEFAULT 'all',     -- all | mentions | none
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user ON channel_members (user_id);

CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    channel_id    TEXT NOT NULL REFERENCES channels (id),
    seq           BIGINT NOT NULL,
    user_id       TEXT NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    root_id       TEXT NOT NULL DEFAULT '',        -- thread root, empty for top-level messages
    reply_count   BIGINT NOT NULL DEFAULT 0,
    last_reply_at BIGINT NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    edited_at     BIGINT NOT NULL DEFAULT 0,
    deleted_at    BIGINT NOT NULL DEFAULT 0,
    expires_at    BIGINT NOT NULL DEFAULT 0,       -- self-destructing messages
    expired_at    BIGINT NOT NULL DEFAULT 0,
    pinned_at     BIGINT NOT NULL DEFAULT 0,
    pinned_by     TEXT NOT NULL DEFAULT '',
    attachments   TEXT NOT NULL DEFAULT '[]',      -- JSON from the files module
    mentions      TEXT NOT NULL DEFAULT '',        -- mentioned user ids, space-separated
    mention_all   BOOLEAN NOT NULL DEFAULT FALSE,  -- @channel / @all
    created_at    BIGINT NOT NULL,
    UNIQUE (channel_id, seq)
);
CREATE INDEX messages_root ON messages (root_id, seq) WHERE root_id <> '';
CREATE INDEX messages_expires ON messages (expires_at) WHERE expires_at > 0 AND expired_at = 0;
CREATE INDEX messages_pinned ON messages (channel_id, pinned_at) WHERE pinned_at > 0;

-- Earlier versions of edited messages, for compliance.
CREATE TABLE message_versions (
    message_id TEXT NOT NULL REFERENCES messages (id),
    version    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL,                    -- when this version was written
    PRIMARY KEY (message_id, version)
);

CREATE TABLE reactions (
    message_id TEXT NOT NULL REFERENCES messages (id),
    user_id    TEXT NOT NULL,
    emoji      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

-- One row per user mentioned by a message (@username, @channel, @here),
-- so unread mention counts follow read positions (mark as unread too).
CREATE TABLE mentions (
    channel_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (user_id, channel_id, seq)
);

CREATE TABLE thread_followers (
    root_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (root_id, user_id)
);

-- Per-person chat preferences.
CREATE TABLE chat_user_settings (
    user_id       TEXT PRIMARY KEY,
    read_receipts TEXT NOT NULL DEFAULT 'default'  -- default | on | off
);

-- Settings admins and compliance officers change at run time.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
