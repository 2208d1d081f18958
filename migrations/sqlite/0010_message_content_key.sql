-- Idempotence keys on the content as well as the Message-ID: a message whose
-- Message-ID is already stored is a repeat only if its content is the same.
-- content_key is the sha256 of the message without its trace fields
-- (Received, Return-Path, Delivered-To, ...), so one message delivered to two
-- mailboxes is still one message, while a different message that reuses a
-- Message-ID is stored (with message_id NULL) and processed.
-- NULL for messages stored before this migration (computed from raw when needed).
ALTER TABLE messages ADD COLUMN content_key TEXT;
CREATE INDEX messages_content_key ON messages (content_key);
