-- Remedies (issue 16 item 3) are chased like deadlines: a case's earliest
-- outstanding remedy is its 'remedy' deadline, chased before it and
-- alerted after it, and kept when the case closes until every remedy is
-- done. The name joins the deadlines' and chases' CHECK lists (0060, 0100),
-- so both tables are rebuilt the documented way
-- (https://sqlite.org/lang_altertable.html#otheralter) with the list
-- extended; the columns and indexes are 0130's, unchanged. Nothing
-- references these tables by foreign key.
--
-- A later migration that rebuilds these tables again must keep 'remedy' in
-- its lists.

CREATE TABLE deadlines_new (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind', 'remedy')),
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
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind', 'remedy')),
    at        TEXT NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_ref, kind, at)
) STRICT;
INSERT INTO chases_new (case_ref, kind, at, done)
    SELECT case_ref, kind, at, done FROM chases;
DROP TABLE chases;
ALTER TABLE chases_new RENAME TO chases;
CREATE INDEX chases_due ON chases (at) WHERE done = 0;
