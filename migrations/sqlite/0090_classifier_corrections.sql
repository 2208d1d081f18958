-- Handler corrections of the classifier (issue 12 item 4): every
-- `#reclassify`, `#flag` and `#unflag` that changed a case, with the message
-- that opened the case, so `complaintd classify --learn` can refit the learned
-- layer on the organisation's own mail. Append-only: a later correction of
-- the same message wins when learning, the earlier one stays for the record.
CREATE TABLE classifier_corrections (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    case_ref     TEXT NOT NULL,
    message_row  INTEGER NOT NULL REFERENCES messages (id),
    actor        TEXT NOT NULL,
    label        TEXT NOT NULL CHECK (label IN ('kind', 'flag', 'unflag')),
    name         TEXT NOT NULL          -- the kind or the flag, as stored elsewhere
) STRICT;
CREATE INDEX classifier_corrections_message ON classifier_corrections (message_row, id);
