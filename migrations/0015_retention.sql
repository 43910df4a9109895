-- Retention: policies, the limits an admin sets on them, the runs, and
-- what purging needs to find fast.

-- A retention policy: how long messages and files are kept, server-wide
-- (scope global, target ''), for one kind of conversation (scope kind,
-- target public | private | dm | group_dm) or for one channel (scope
-- channel, target the channel id). A period of 0 days is not set at this
-- level: the next less specific policy decides (channel > kind > global);
-- where none sets one, content is kept.
CREATE TABLE retention_policies (
    id           TEXT PRIMARY KEY,
    scope        TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    message_days BIGINT NOT NULL DEFAULT 0,
    file_days    BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (scope, target)
);

-- The shortest and longest period a policy may set, in days (0: no
-- bound); one row, set by admins.
CREATE TABLE retention_limits (
    id         INTEGER PRIMARY KEY,
    min_days   BIGINT NOT NULL DEFAULT 0,
    max_days   BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL DEFAULT 0
);

-- Every retention run: when, as of which time, and what it purged; the
-- daily job runs when the last run is a day old.
CREATE TABLE retention_runs (
    id          TEXT PRIMARY KEY,
    actor_id    TEXT NOT NULL DEFAULT '',    -- empty: the daily job
    as_of       BIGINT NOT NULL,             -- content older than its period at this time went
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0,
    messages    BIGINT NOT NULL DEFAULT 0,
    files       BIGINT NOT NULL DEFAULT 0,
    held        BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX retention_runs_started ON retention_runs (started_at);

-- Retention walks messages and files by age.
CREATE INDEX messages_created ON messages (created_at, id);
CREATE INDEX files_created ON files (created_at, id);

-- The message or file an event is about, so that purging a message also
-- removes what the event log told clients about it (its text in
-- message.created and message.updated). Events older than the event
-- retention (7 days by default) are pruned anyway; rows written before
-- this column existed keep it empty.
ALTER TABLE events ADD COLUMN subject_id TEXT NOT NULL DEFAULT '';
CREATE INDEX events_subject ON events (subject_id) WHERE subject_id <> '';

-- message_client_ids rows go with their message.
CREATE INDEX message_client_ids_message ON message_client_ids (message_id);
CREATE INDEX mentions_message ON mentions (message_id);
