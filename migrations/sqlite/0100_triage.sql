-- Triage (issue 12 §1): a case the classifier was unsure about waits in
-- state 'triage' for a handler to confirm its kind by a 'confirm_kind'
-- deadline. Both names join the enumerated columns' CHECK lists (0060), so
-- the three tables holding them are rebuilt the documented way
-- (https://sqlite.org/lang_altertable.html#otheralter) with the lists
-- extended; the columns are 0060's, unchanged. Nothing references these
-- tables by foreign key.

CREATE TABLE cases_new (
    reference          TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('complaint', 'compliment', 'comment', 'other', 'auto_reply', 'bounce', 'bulk')),
    state              TEXT NOT NULL CHECK (state IN ('open', 'awaiting_consent', 'awaiting_decision', 'responded', 'late_escalation',
                                                      'pending_lessons', 'awaiting_permission', 'closed', 'referred_externally',
                                                      'redirected', 'withdrawn', 'triage')),
    stage              INTEGER NOT NULL,
    complainant        TEXT NOT NULL,
    complainant_name   TEXT,
    handler            TEXT,
    opened_at          TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    closed_at          TEXT,
    data               TEXT NOT NULL,          -- the whole core::case::Case as JSON
    tokens_valid_from  TEXT                    -- see 0030_token_epoch.sql
) STRICT;
INSERT INTO cases_new (reference, kind, state, stage, complainant, complainant_name, handler, opened_at, updated_at, closed_at, data, tokens_valid_from)
    SELECT reference, kind, state, stage, complainant, complainant_name, handler, opened_at, updated_at, closed_at, data, tokens_valid_from
    FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_state ON cases (state);

CREATE TABLE deadlines_new (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind')),
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
CREATE INDEX deadlines_due ON deadlines (breached, due);

CREATE TABLE chases_new (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind')),
    at        TEXT NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_ref, kind, at)
) STRICT;
INSERT INTO chases_new (case_ref, kind, at, done)
    SELECT case_ref, kind, at, done FROM chases;
DROP TABLE chases;
ALTER TABLE chases_new RENAME TO chases;
