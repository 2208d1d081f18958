-- Stored message bytes say their form (src/store/packed.rs): a first byte of
-- 0x00 is the bytes as they are, 0x01 a DEFLATE stream, an empty blob an
-- empty message. New rows are written compressed (0x01). Every row written
-- before this migration is marked as kept as it is (0x00) here, in this
-- migration's transaction, so no row is ever of unknown form; the store then
-- compresses those rows in small batches when it opens the database
-- (Store::pack_existing), which can stop and resume at any point.
UPDATE messages SET raw = CAST(X'00' || raw AS BLOB) WHERE length(raw) > 0;
UPDATE outbox SET raw = CAST(X'00' || raw AS BLOB) WHERE length(raw) > 0;
