-- Welsh and bilingual correspondence (issue 15).

-- The language of each inbound message's newly written text (ISO 639-1),
-- as the detector found it; NULL when nothing was detected. `language_sure`
-- is 1 when the text was long and clear enough to go by.
ALTER TABLE messages ADD COLUMN language TEXT;
ALTER TABLE messages ADD COLUMN language_sure INTEGER NOT NULL DEFAULT 0 CHECK (language_sure IN (0, 1));

-- The language each contact (by address) is written to in: set by their
-- first clear message, changed by a later clear message in another
-- language, or set by a handler's `#language`.
CREATE TABLE contact_languages (
    address     TEXT PRIMARY KEY,          -- lower case
    language    TEXT NOT NULL,             -- ISO 639-1
    set_by      TEXT NOT NULL CHECK (set_by IN ('detected', 'handler')),
    message_id  TEXT,                      -- the message that set it, if it had one
    set_at      TEXT NOT NULL
) STRICT;
