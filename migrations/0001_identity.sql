-- Identity: users, their avatars, sessions and API tokens, the audit log.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,       -- lowercase
    display_name  TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    -- lowercase name, display name, email and department joined, for the
    -- directory search (SQLite's lower() only folds ASCII).
    search_text   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'active',   -- active | disabled
    source        TEXT NOT NULL DEFAULT 'local',    -- local | ldap
    ldap_dn       TEXT NOT NULL DEFAULT '',
    roles         TEXT NOT NULL DEFAULT '',         -- space-separated: admin compliance
    password_hash TEXT NOT NULL DEFAULT '',
    has_avatar    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL DEFAULT 0,
    disabled_at   BIGINT NOT NULL DEFAULT 0,
    disabled_by   TEXT NOT NULL DEFAULT ''          -- admin | directory
);
CREATE INDEX users_status ON users (status);
CREATE INDEX users_source ON users (source);

CREATE TABLE user_avatars (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    content_type TEXT NOT NULL,
    etag         TEXT NOT NULL,
    data         BYTEA NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Browser sessions and personal API tokens. Only the SHA-256 of a token is kept.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,                  -- session | token
    name         TEXT NOT NULL DEFAULT '',       -- tokens: what the user called it
    token_hash   TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL DEFAULT 0,      -- 0: never (tokens without expiry)
    last_used_at BIGINT NOT NULL DEFAULT 0,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id, kind);

-- Who did what to whom, when and from where: every administrative action.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,              -- from counters 'audit': commit order
    id          TEXT NOT NULL UNIQUE,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}',      -- JSON
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

-- Named counters that must advance in commit order without gaps.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
