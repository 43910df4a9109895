-- Failed sign-ins by key (a username, a client address), counted in the
-- database so that every node of a cluster sees the same ones.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
