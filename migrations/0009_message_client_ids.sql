-- The id a client gives a message it posts, so that posting again after a
-- lost answer returns the message instead of making a second one.
CREATE TABLE message_client_ids (
    channel_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, user_id, client_id)
);
