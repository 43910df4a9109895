-- Taking files down, and GDPR erasure.
--
-- A file taken down by moderation (moderated_at > 0) is gone for members:
-- downloads, previews, the channel's files list and search refuse it, and
-- the messages that carried it show a placeholder. Its row, its bytes and
-- its journal entries stay on the record; moderations keeps who took it
-- down and why (subject_type 'file').
ALTER TABLE files ADD COLUMN moderated_at BIGINT NOT NULL DEFAULT 0;

-- An erased account (GDPR) keeps its id, so the record's entries still
-- point somewhere, under a pseudonym; erased_at > 0 says it was erased and
-- may never be enabled or linked to the directory again.
ALTER TABLE users ADD COLUMN erased_at BIGINT NOT NULL DEFAULT 0;

-- Erasure finds everything one person wrote.
CREATE INDEX messages_by_user ON messages (user_id, id);
