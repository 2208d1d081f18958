-- Performance figures from indexes (issues 14 and 17): what the digest and
-- `complaintd report` count about the cases received in a period was read
-- out of each case's JSON (`json_extract`/`json_each`) over every case of
-- the period, and the mailbox through a subquery on messages per case: 58 s
-- for a year's report at a million cases. The facts they group and filter
-- by now have their own columns and small tables, each with an index that
-- starts with the local day the case was received, so a period's figures
-- are index ranges read in order and counted with GROUP BY.
--
-- Written in the same transaction as the case: `opened_day` and `language`
-- by `Store::save_case`, `source` by the triggers on messages below (and by
-- `save_case` for a case whose first message was stored before it), and the
-- record tables by the triggers on cases, which rebuild a case's rows from
-- its JSON whenever the JSON is written. They are copies: the JSON stays
-- the truth, and 0201 fills them for the cases stored before.

-- The local day (Europe/London) the case was received, its language (the
-- JSON's `language`) and the mailbox its first message came from.
ALTER TABLE cases ADD COLUMN opened_day TEXT;
ALTER TABLE cases ADD COLUMN language TEXT;
ALTER TABLE cases ADD COLUMN source TEXT;
-- Received by day, kind, stage, state, language and mailbox, from the index alone.
CREATE INDEX cases_received ON cases (opened_day, kind, stage, state, language, source);

-- Deadlines met by the local days of their start and of their meeting and
-- whether on time, written by `Store::record_met`: the period's groups in
-- index order, with no date arithmetic per row.
ALTER TABLE deadlines_met ADD COLUMN start_day TEXT;
ALTER TABLE deadlines_met ADD COLUMN met_day TEXT;
ALTER TABLE deadlines_met ADD COLUMN on_time INTEGER;
DROP INDEX deadlines_met_at;
CREATE INDEX deadlines_met_day ON deadlines_met (met_day, kind, stage, start_day, on_time);

-- A case's records, one row each, with the case's received day and kind.
-- Names are the JSON's (parsed on reading; an unknown one is an error).
CREATE TABLE case_flags (
    case_ref    TEXT NOT NULL,
    flag        TEXT NOT NULL,
    opened_day  TEXT,
    kind        TEXT NOT NULL,
    PRIMARY KEY (case_ref, flag)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_flags_day ON case_flags (opened_day, kind, flag);

-- Outcomes sent (a recorded outcome is replaceable until its response goes).
CREATE TABLE case_outcomes (
    case_ref    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    opened_day  TEXT,
    kind        TEXT NOT NULL,
    stage       INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (case_ref, n)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_outcomes_day ON case_outcomes (opened_day, kind, stage, outcome);

CREATE TABLE case_extensions (
    case_ref    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    opened_day  TEXT,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    beyond_cap  INTEGER NOT NULL,
    PRIMARY KEY (case_ref, n)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_extensions_day ON case_extensions (opened_day, kind, reason, beyond_cap, case_ref);

-- `done_at` is the instant it was marked done; `due` the local day it was due.
CREATE TABLE case_remedies (
    case_ref    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    opened_day  TEXT,
    kind        TEXT NOT NULL,
    remedy      TEXT NOT NULL,
    due         TEXT,
    done_at     TEXT,
    PRIMARY KEY (case_ref, n)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_remedies_day ON case_remedies (opened_day, kind, remedy, due, done_at);

CREATE TABLE case_refusals (
    case_ref    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    opened_day  TEXT,
    kind        TEXT NOT NULL,
    ground      TEXT NOT NULL,
    escalation  INTEGER NOT NULL,
    PRIMARY KEY (case_ref, n)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_refusals_day ON case_refusals (opened_day, kind, ground, escalation);

-- The satisfaction survey of a case that was sent one.
CREATE TABLE case_surveys (
    case_ref     TEXT PRIMARY KEY,
    opened_day   TEXT,
    kind         TEXT NOT NULL,
    sent_at      TEXT,
    answered_at  TEXT,
    satisfied    INTEGER,
    score        INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX case_surveys_day ON case_surveys (opened_day, kind, sent_at, answered_at, satisfied, score);

-- The lessons-learnt register, kept in the order the report lists it (a
-- period's lessons are one range of the table itself, row after row).
CREATE TABLE case_lessons (
    opened_day  TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    case_ref    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    closed_at   TEXT,
    lesson      TEXT NOT NULL,
    PRIMARY KEY (opened_day, opened_at, case_ref)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_lessons_case ON case_lessons (case_ref);

-- A case's record rows from its JSON: the same statements on insert and on
-- update (SQLite triggers cannot share a body).
CREATE TRIGGER cases_records_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_flags (case_ref, flag, opened_day, kind)
        SELECT NEW.reference, value, NEW.opened_day, NEW.kind FROM json_each(NEW.data, '$.flags');
    INSERT INTO case_outcomes (case_ref, n, opened_day, kind, stage, outcome)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.stage', value ->> '$.outcome'
        FROM json_each(NEW.data, '$.records.outcomes') WHERE value ->> '$.sent_at' IS NOT NULL;
    INSERT INTO case_extensions (case_ref, n, opened_day, kind, reason, beyond_cap)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.reason', value ->> '$.beyond_cap' IS NOT NULL
        FROM json_each(NEW.data, '$.records.extensions');
    INSERT INTO case_remedies (case_ref, n, opened_day, kind, remedy, due, done_at)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.kind', value ->> '$.due', value ->> '$.done[0]'
        FROM json_each(NEW.data, '$.records.remedies');
    INSERT INTO case_refusals (case_ref, n, opened_day, kind, ground, escalation)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.ground', value ->> '$.escalation'
        FROM json_each(NEW.data, '$.records.refusals');
    INSERT INTO case_surveys (case_ref, opened_day, kind, sent_at, answered_at, satisfied, score)
        SELECT NEW.reference, NEW.opened_day, NEW.kind, NEW.data ->> '$.survey.sent_at', NEW.data ->> '$.survey.answered_at',
               NEW.data ->> '$.survey.answer.satisfied', NEW.data ->> '$.survey.answer.score'
        WHERE NEW.data ->> '$.survey' IS NOT NULL;
    INSERT INTO case_lessons (case_ref, opened_day, kind, opened_at, closed_at, lesson)
        SELECT NEW.reference, NEW.opened_day, NEW.kind, NEW.opened_at, NEW.closed_at, NEW.data ->> '$.lessons'
        WHERE NEW.data ->> '$.lessons' IS NOT NULL AND NEW.opened_day IS NOT NULL;
END;

CREATE TRIGGER cases_records_update AFTER UPDATE OF kind, opened_at, closed_at, opened_day, data ON cases BEGIN
    DELETE FROM case_flags WHERE case_ref = OLD.reference;
    DELETE FROM case_outcomes WHERE case_ref = OLD.reference;
    DELETE FROM case_extensions WHERE case_ref = OLD.reference;
    DELETE FROM case_remedies WHERE case_ref = OLD.reference;
    DELETE FROM case_refusals WHERE case_ref = OLD.reference;
    DELETE FROM case_surveys WHERE case_ref = OLD.reference;
    DELETE FROM case_lessons WHERE case_ref = OLD.reference;
    INSERT INTO case_flags (case_ref, flag, opened_day, kind)
        SELECT NEW.reference, value, NEW.opened_day, NEW.kind FROM json_each(NEW.data, '$.flags');
    INSERT INTO case_outcomes (case_ref, n, opened_day, kind, stage, outcome)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.stage', value ->> '$.outcome'
        FROM json_each(NEW.data, '$.records.outcomes') WHERE value ->> '$.sent_at' IS NOT NULL;
    INSERT INTO case_extensions (case_ref, n, opened_day, kind, reason, beyond_cap)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.reason', value ->> '$.beyond_cap' IS NOT NULL
        FROM json_each(NEW.data, '$.records.extensions');
    INSERT INTO case_remedies (case_ref, n, opened_day, kind, remedy, due, done_at)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.kind', value ->> '$.due', value ->> '$.done[0]'
        FROM json_each(NEW.data, '$.records.remedies');
    INSERT INTO case_refusals (case_ref, n, opened_day, kind, ground, escalation)
        SELECT NEW.reference, key, NEW.opened_day, NEW.kind, value ->> '$.ground', value ->> '$.escalation'
        FROM json_each(NEW.data, '$.records.refusals');
    INSERT INTO case_surveys (case_ref, opened_day, kind, sent_at, answered_at, satisfied, score)
        SELECT NEW.reference, NEW.opened_day, NEW.kind, NEW.data ->> '$.survey.sent_at', NEW.data ->> '$.survey.answered_at',
               NEW.data ->> '$.survey.answer.satisfied', NEW.data ->> '$.survey.answer.score'
        WHERE NEW.data ->> '$.survey' IS NOT NULL;
    INSERT INTO case_lessons (case_ref, opened_day, kind, opened_at, closed_at, lesson)
        SELECT NEW.reference, NEW.opened_day, NEW.kind, NEW.opened_at, NEW.closed_at, NEW.data ->> '$.lessons'
        WHERE NEW.data ->> '$.lessons' IS NOT NULL AND NEW.opened_day IS NOT NULL;
END;

-- The mailbox of a case's first message (by received time, then row),
-- kept when a message joins a case, leaves it or is stored with it.
CREATE TRIGGER messages_source_insert AFTER INSERT ON messages WHEN NEW.case_ref IS NOT NULL BEGIN
    UPDATE cases SET source = (SELECT m.source FROM messages m WHERE m.case_ref = NEW.case_ref
                               ORDER BY m.received_at, m.id LIMIT 1)
    WHERE reference = NEW.case_ref;
END;

CREATE TRIGGER messages_source_update AFTER UPDATE OF case_ref, source, received_at ON messages
WHEN NEW.case_ref IS NOT OLD.case_ref OR NEW.source IS NOT OLD.source OR NEW.received_at IS NOT OLD.received_at BEGIN
    UPDATE cases SET source = (SELECT m.source FROM messages m WHERE m.case_ref = NEW.case_ref
                               ORDER BY m.received_at, m.id LIMIT 1)
    WHERE reference = NEW.case_ref;
    UPDATE cases SET source = (SELECT m.source FROM messages m WHERE m.case_ref = OLD.case_ref
                               ORDER BY m.received_at, m.id LIMIT 1)
    WHERE reference = OLD.case_ref AND OLD.case_ref IS NOT NEW.case_ref;
END;
