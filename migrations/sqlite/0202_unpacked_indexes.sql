-- `Store::pack_existing` runs at every open and looked for rows still in
-- the plain form of before 0140 (first byte 0x00) by reading every row of
-- messages and of the outbox: three million rows at a million cases before
-- any command (`digest`, `tick`, `report`) began. These partial indexes hold
-- only such rows (none once they are packed; new rows are never plain), so
-- the look reads an empty index.
CREATE INDEX messages_unpacked ON messages (id) WHERE substr(raw, 1, 1) = X'00';
CREATE INDEX outbox_unpacked ON outbox (id) WHERE substr(raw, 1, 1) = X'00';
