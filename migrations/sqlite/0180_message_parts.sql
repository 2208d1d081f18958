-- Issue 14: large attachment bodies of inbound messages kept once, keyed by
-- the sha256 of their bytes as they stand in the message (compressed, in
-- the form `packed.rs` names), however many messages carry them: the same
-- PDF sent to two addresses, or forwarded down a chain. A message stored so
-- has form byte 0x02 in `messages.raw` and one `message_blobs` row per part
-- it needs; erasure and retention delete a part once no message needs it.
CREATE TABLE blobs (
    id    INTEGER PRIMARY KEY,
    hash  TEXT NOT NULL UNIQUE,
    data  BLOB NOT NULL
) STRICT;

CREATE TABLE message_blobs (
    message_row INTEGER NOT NULL REFERENCES messages (id),
    hash        TEXT NOT NULL REFERENCES blobs (hash),
    PRIMARY KEY (message_row, hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_blobs_hash ON message_blobs (hash);
