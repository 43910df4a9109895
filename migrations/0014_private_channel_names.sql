-- Channel names are unique among public channels only. A private channel's
-- name is known to its members alone, so a name taken by a private channel
-- must not be refused to someone outside it: that answer would tell them
-- the channel exists. Whether a name clashes with a channel the person can
-- see is checked by the service.
DROP INDEX channels_name;
CREATE UNIQUE INDEX channels_public_name ON channels (name) WHERE kind = 'public' AND name <> '';
CREATE INDEX channels_name ON channels (name) WHERE name <> '';
