-- Files: uploads and their previews, where they are shared, per-user
-- usage and quotas, and blobs that may exist in the store without a file.

-- One row per uploaded file. The bytes live in the blob store under
-- blob_key (made from the id, never from the name).
CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL,
    name          TEXT NOT NULL,                  -- sanitised for display and download
    content_type  TEXT NOT NULL,                  -- sniffed from the bytes
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,                  -- hex
    blob_key      TEXT NOT NULL,
    voice         BOOLEAN NOT NULL DEFAULT FALSE, -- a voice message (audio)
    duration_ms   BIGINT NOT NULL DEFAULT 0,
    width         BIGINT NOT NULL DEFAULT 0,      -- images, after EXIF orientation
    height        BIGINT NOT NULL DEFAULT 0,
    preview_state TEXT NOT NULL DEFAULT 'none',   -- none | pending | working | ready | failed
    preview_at    BIGINT NOT NULL DEFAULT 0,      -- when the state last changed
    preview_type  TEXT NOT NULL DEFAULT '',       -- image/jpeg or image/png
    created_at    BIGINT NOT NULL,
    deleted_at    BIGINT NOT NULL DEFAULT 0,
    deleted_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX files_owner ON files (owner_id, id);
CREATE INDEX files_preview_state ON files (preview_state, preview_at);

-- A file shared in a channel by a message. seq counts the channel's
-- shares in commit order (counters 'file_shares:<channel>'); the channel's
-- files list pages by it, newest first.
CREATE TABLE file_shares (
    id         TEXT PRIMARY KEY,
    file_id    TEXT NOT NULL REFERENCES files (id),
    channel_id TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    shared_by  TEXT NOT NULL,
    shared_at  BIGINT NOT NULL,
    UNIQUE (message_id, file_id),
    UNIQUE (channel_id, seq)
);
CREATE INDEX file_shares_file ON file_shares (file_id);

-- What each user stores (originals, not previews) and their quota.
CREATE TABLE file_usage (
    user_id TEXT PRIMARY KEY,
    files   BIGINT NOT NULL DEFAULT 0,
    bytes   BIGINT NOT NULL DEFAULT 0,
    quota   BIGINT NOT NULL DEFAULT -1      -- bytes; 0: unlimited; -1: the configured default
);
CREATE INDEX file_usage_bytes ON file_usage (bytes, user_id);

-- Blob keys that may hold an object no live file refers to: an upload in
-- flight (removed when its file row commits), previews being made, and
-- the blobs of deleted files. The cleanup job deletes what is left here.
CREATE TABLE file_blob_trash (
    blob_key TEXT PRIMARY KEY,
    reason   TEXT NOT NULL,                 -- upload | preview | deleted
    since    BIGINT NOT NULL
);
