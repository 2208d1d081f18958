-- `Store::pack_existing` runs at every open and looked for rows still in
-- the plain form of before 0140 (first byte 0x00) by reading every row of
-- messages and of the outbox: three million rows at a million cases before
-- any command (`digest`, `tick`, `report`) began. These partial indexes hold
-- only such rows (none once they are packed; new rows are never plain), so
-- the look reads an empty index.
CREATE INDEX messages_unpacked ON messages (id) WHERE substr(raw, 1, 1) = X'00';
CREATE INDEX outbox_unpacked ON outbox (id) WHERE substr(raw, 1, 1) = X'00';

-- The digest's lists of open cases whose clock a question paused and of
-- open cases with an extension past the cap read each open case's JSON (30,000
-- of them at a million cases, a third of a second each). Partial indexes
-- hold only such cases; the second list reads `case_extensions` (0200).
CREATE INDEX cases_paused ON cases (state, opened_at) WHERE json_extract(data, '$.paused') IS NOT NULL;
CREATE INDEX case_extensions_beyond ON case_extensions (case_ref) WHERE beyond_cap = 1;
