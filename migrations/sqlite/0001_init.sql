-- complaintd schema (SQLite). The PostgreSQL schema mirrors it table for table.
-- Times are UTC, written by the application (business time is always a
-- parameter; no SQL now()).

-- Every inbound message, stored before anything is done with it.
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT UNIQUE,                 -- NULL when the message had none
    content_hash  TEXT NOT NULL UNIQUE,        -- sha256 of the raw bytes
    source        TEXT NOT NULL,               -- mailbox name or file path
    received_at   TEXT NOT NULL,
    raw           BLOB NOT NULL,
    size          INTEGER NOT NULL,
    from_addr     TEXT,
    subject       TEXT,
    kind          TEXT,
    case_ref      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('received', 'processed', 'ignored', 'quarantined')),
    note          TEXT
) STRICT;
CREATE INDEX messages_case ON messages (case_ref, received_at);

-- Messages that failed a step, with the reason; replayable.
CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    message_row   INTEGER NOT NULL REFERENCES messages (id),
    reason        TEXT NOT NULL,
    at            TEXT NOT NULL,
    resolved_at   TEXT
) STRICT;

CREATE TABLE cases (
    reference         TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('complaint', 'compliment', 'comment', 'other', 'auto_reply', 'bounce', 'bulk')),
    state             TEXT NOT NULL,
    stage             INTEGER NOT NULL,
    complainant       TEXT NOT NULL,
    complainant_name  TEXT,
    handler           TEXT,
    opened_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    closed_at         TEXT,
    data              TEXT NOT NULL           -- the whole core::case::Case as JSON
) STRICT;
CREATE INDEX cases_state ON cases (state);

-- Case numbers per prefix and year.
CREATE TABLE case_numbers (
    prefix  TEXT NOT NULL,
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
) STRICT;

-- Append-only: who did what, when, because of which message.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    case_ref    TEXT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    message_id  TEXT
) STRICT;
CREATE INDEX audit_case ON audit (case_ref, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE deadlines (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    stage     INTEGER NOT NULL,
    start     TEXT NOT NULL,
    due       TEXT NOT NULL,
    breached  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_ref, kind)
) STRICT;
CREATE INDEX deadlines_due ON deadlines (breached, due);

-- Chase-up points before deadlines, one row each so none fires twice.
CREATE TABLE chases (
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    at        TEXT NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_ref, kind, at)
) STRICT;

-- Finished outgoing mail, one row per recipient, rendered when queued.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    case_ref         TEXT,
    message_id       TEXT NOT NULL UNIQUE,
    template         TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    automatic        INTEGER NOT NULL,        -- counts against per-recipient caps
    raw              BLOB NOT NULL,
    created_at       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    last_error       TEXT,
    sent_at          TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);

-- Per-mailbox fetch state (IMAP: UIDVALIDITY and last UID; Maildir: last scan).
CREATE TABLE fetch_state (
    mailbox          TEXT PRIMARY KEY,
    uidvalidity      INTEGER,
    last_uid         INTEGER,
    last_success_at  TEXT,
    last_error       TEXT,
    last_error_at    TEXT
) STRICT;

-- One digest per working day.
CREATE TABLE digests (
    day      TEXT PRIMARY KEY,
    sent_at  TEXT NOT NULL
) STRICT;
