-- Data-protection complaints (issue 16 item 8): a case flagged
-- data_protection gets a progress update to the complainant every
-- `[data_protection] update_every` while it is open, driven by a
-- 'data_protection_update' deadline. The name joins the deadline kinds'
-- CHECK lists (0100, 0160), so both tables are rebuilt the documented way
-- (https://sqlite.org/lang_altertable.html#otheralter) with the lists
-- extended; the columns and indexes are 0160's, unchanged.

CREATE TABLE deadlines_new (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind',
                                            'remedy', 'data_protection_update')),
    stage     INTEGER NOT NULL,
    start     TEXT NOT NULL,
    due       TEXT NOT NULL,
    breached  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_ref, kind)
) STRICT;
INSERT INTO deadlines_new (case_ref, kind, stage, start, due, breached)
    SELECT case_ref, kind, stage, start, due, breached FROM deadlines;
DROP TABLE deadlines;
ALTER TABLE deadlines_new RENAME TO deadlines;
CREATE INDEX deadlines_due ON deadlines (breached, due, kind, case_ref);

CREATE TABLE chases_new (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind',
                                            'remedy', 'data_protection_update')),
    at        TEXT NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_ref, kind, at)
) STRICT;
INSERT INTO chases_new (case_ref, kind, at, done)
    SELECT case_ref, kind, at, done FROM chases;
DROP TABLE chases;
ALTER TABLE chases_new RENAME TO chases;
CREATE INDEX chases_due ON chases (at) WHERE done = 0;
