-- Every enumerated column is checked by the database (issue 11 §3): the
-- lists below are the stored names of the Rust enums (core::case::State and
-- DeadlineKind, core::kind::Kind, store::ActorKind); a value outside
-- them is refused on write, and the store refuses to read one. (Also
-- store::Worker for heartbeat.name.)
--
-- SQLite cannot add a CHECK to an existing column, so each table is rebuilt
-- the documented way (https://sqlite.org/lang_altertable.html#otheralter):
-- create the new table, copy, drop the old, rename, recreate its indexes and
-- triggers. The migration runs in one transaction with foreign keys on, so
-- `quarantine` (which references `messages`) is parked without its foreign
-- key while `messages` is rebuilt, then rebuilt itself.
--
-- The lists already hold the names 0100_triage.sql adds ('triage',
-- 'confirm_kind'), so a database that took 0100 before this migration (one
-- made between the two landing) keeps its triage cases; 0100 rebuilds the
-- same lists again on a database that takes both in order.
--
-- The audit log gains `actor_kind`: who made an entry by standing (the
-- `actor` column keeps who in words). For entries written before it existed
-- the standing is read from the words: `complaintd`, `complainant`,
-- `UNVERIFIED …` and `THIRD PARTY …` say it outright; a bare address is a
-- correspondent when the case lists it as a contact or as the learner asked
-- for consent, and otherwise staff (the only other actor written as a bare
-- address).

-- messages: kind is a core::kind::Kind (NULL until classified).
CREATE TABLE quarantine_parked AS SELECT * FROM quarantine;
DROP TABLE quarantine;

CREATE TABLE messages_new (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT UNIQUE,                 -- NULL when the message had none
    content_hash  TEXT NOT NULL UNIQUE,        -- sha256 of the raw bytes
    source        TEXT NOT NULL,               -- mailbox name or file path
    received_at   TEXT NOT NULL,
    raw           BLOB NOT NULL,
    size          INTEGER NOT NULL,
    from_addr     TEXT,
    subject       TEXT,
    kind          TEXT CHECK (kind IN ('complaint', 'compliment', 'comment', 'other', 'auto_reply', 'bounce', 'bulk')),
    case_ref      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('received', 'processed', 'ignored', 'quarantined')),
    note          TEXT,
    content_key   TEXT                         -- see 0010_message_content_key.sql
) STRICT;
INSERT INTO messages_new (id, message_id, content_hash, source, received_at, raw, size, from_addr, subject, kind, case_ref, status, note, content_key)
    SELECT id, message_id, content_hash, source, received_at, raw, size, from_addr, subject, kind, case_ref, status, note, content_key
    FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_case ON messages (case_ref, received_at);
CREATE INDEX messages_content_key ON messages (content_key);

CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    message_row   INTEGER NOT NULL REFERENCES messages (id),
    reason        TEXT NOT NULL,
    at            TEXT NOT NULL,
    resolved_at   TEXT
) STRICT;
INSERT INTO quarantine (id, message_row, reason, at, resolved_at)
    SELECT id, message_row, reason, at, resolved_at FROM quarantine_parked;
DROP TABLE quarantine_parked;

-- cases: state is a core::case::State.
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

-- audit: actor_kind is a store::ActorKind (read from the old rows before
-- `cases` is swapped: the backfill looks at each case's contacts).
CREATE TABLE audit_new (
    id          INTEGER PRIMARY KEY,
    case_ref    TEXT,
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('system', 'complainant', 'staff', 'unverified', 'correspondent', 'third_party')),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    message_id  TEXT
) STRICT;
INSERT INTO audit_new (id, case_ref, at, actor_kind, actor, action, detail, message_id)
    SELECT a.id, a.case_ref, a.at,
           CASE
               WHEN a.actor = 'complaintd' THEN 'system'
               WHEN a.actor = 'complainant' THEN 'complainant'
               WHEN a.actor LIKE 'UNVERIFIED %' THEN 'unverified'
               WHEN a.actor LIKE 'THIRD PARTY %' THEN 'third_party'
               WHEN EXISTS (SELECT 1 FROM cases c, json_each(c.data, '$.contacts') j
                            WHERE c.reference = a.case_ref AND j.value = a.actor)
                 OR EXISTS (SELECT 1 FROM cases c, json_each(c.data, '$.consent_asked') j
                            WHERE c.reference = a.case_ref AND j.value = a.actor) THEN 'correspondent'
               ELSE 'staff'
           END,
           a.actor, a.action, a.detail, a.message_id
    FROM audit a;
DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
CREATE INDEX audit_case ON audit (case_ref, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_state ON cases (state);

-- deadlines and chases: kind is a core::case::DeadlineKind.
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

-- heartbeat: name is a store::Worker.
CREATE TABLE heartbeat_new (
    name  TEXT PRIMARY KEY CHECK (name IN ('scheduler', 'sender')),
    at    TEXT NOT NULL
) STRICT;
INSERT INTO heartbeat_new (name, at) SELECT name, at FROM heartbeat;
DROP TABLE heartbeat;
ALTER TABLE heartbeat_new RENAME TO heartbeat;
