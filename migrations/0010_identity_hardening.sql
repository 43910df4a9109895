-- A sign-in attempt reserves its place in the limit before the password is
-- checked: its rows carry the attempt's id so that a right password can
-- take them back (a wrong one leaves them as failures).
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_attempt ON login_failures (attempt);

-- Browsers a person has signed in from (the device cookie, stored hashed).
-- Sign-ins from a known device are throttled on their own and keep working
-- while strangers guessing that person's password are held back.
CREATE TABLE known_devices (
    token_hash   TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (token_hash, user_id)
);
CREATE INDEX known_devices_user ON known_devices (user_id);

-- What a personal API token may do: read, write, admin (space-separated).
-- Tokens made before scopes existed keep the rights they had.
ALTER TABLE sessions ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
UPDATE sessions SET scopes = 'read write admin' WHERE kind = 'token';
