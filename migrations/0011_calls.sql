-- Calls: a call lives in the memory of the node that runs it (the SFU);
-- this row lets every node show it in its channel while it runs and keeps
-- who took part once it ended. At most one call runs per channel.
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    started_by TEXT NOT NULL,
    node TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    -- heartbeat_at is renewed by the node that runs the call; a running
    -- call whose node stopped renewing it is ended by the others.
    heartbeat_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL DEFAULT 0,
    ended_by TEXT NOT NULL DEFAULT '',
    -- JSON array of the user ids who joined at any time, in join order.
    participants TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX calls_running ON calls (channel_id) WHERE ended_at = 0;
CREATE INDEX calls_channel ON calls (channel_id, started_at);
