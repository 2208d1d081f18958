-- Counts per local day (issue 17): a year's `complaintd report` at a
-- million cases read about 1.3 million index entries (the year's cases,
-- deadlines met, outcomes sent and surveys) only to count them by day, and
-- took about a second. These tables hold those counts already grouped, one
-- row per local day and combination of what the figures group by, so a
-- year is a few thousand rows whatever the number of cases.
--
-- Each is the GROUP BY of its source, kept exactly so by triggers in the
-- same transaction as every write of the source: an insert adds one to its
-- group, a delete takes one away (a group at nought is removed), an update
-- does both. The sources are themselves written by the store and by 0200's
-- triggers (a case's record rows are deleted and written again with its
-- JSON), so corrections, reopenings, changes of kind and outcomes edited
-- after the fact move a case from one group to another. The sources stay
-- the truth: a test compares every table with the GROUP BY of its source.
--
-- Rows whose day is not known (a case stored before 0200 without one) are
-- never in a period and are not counted. A missing language or mailbox is
-- counted as 'unknown', as the figures name it.

-- The cases received per day by kind, stage, state, language and mailbox.
CREATE TABLE count_received (
    opened_day  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    stage       INTEGER NOT NULL,
    state       TEXT NOT NULL,
    language    TEXT NOT NULL,
    source      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (opened_day, kind, stage, state, language, source)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER count_received_insert AFTER INSERT ON cases WHEN NEW.opened_day IS NOT NULL BEGIN
    INSERT INTO count_received (opened_day, kind, stage, state, language, source, n)
        VALUES (NEW.opened_day, NEW.kind, NEW.stage, NEW.state,
                COALESCE(NEW.language, 'unknown'), COALESCE(NEW.source, 'unknown'), 1)
        ON CONFLICT (opened_day, kind, stage, state, language, source) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER count_received_delete AFTER DELETE ON cases WHEN OLD.opened_day IS NOT NULL BEGIN
    UPDATE count_received SET n = n - 1
        WHERE (opened_day, kind, stage, state, language, source)
            = (OLD.opened_day, OLD.kind, OLD.stage, OLD.state,
               COALESCE(OLD.language, 'unknown'), COALESCE(OLD.source, 'unknown'));
    DELETE FROM count_received
        WHERE (opened_day, kind, stage, state, language, source)
            = (OLD.opened_day, OLD.kind, OLD.stage, OLD.state,
               COALESCE(OLD.language, 'unknown'), COALESCE(OLD.source, 'unknown'))
          AND n = 0;
END;

-- Every save of a case writes these columns; only a change moves it.
CREATE TRIGGER count_received_update AFTER UPDATE OF opened_day, kind, stage, state, language, source ON cases
WHEN OLD.opened_day IS NOT NEW.opened_day OR OLD.kind IS NOT NEW.kind OR OLD.stage IS NOT NEW.stage
  OR OLD.state IS NOT NEW.state OR COALESCE(OLD.language, 'unknown') IS NOT COALESCE(NEW.language, 'unknown')
  OR COALESCE(OLD.source, 'unknown') IS NOT COALESCE(NEW.source, 'unknown') BEGIN
    UPDATE count_received SET n = n - 1
        WHERE OLD.opened_day IS NOT NULL
          AND (opened_day, kind, stage, state, language, source)
            = (OLD.opened_day, OLD.kind, OLD.stage, OLD.state,
               COALESCE(OLD.language, 'unknown'), COALESCE(OLD.source, 'unknown'));
    DELETE FROM count_received
        WHERE OLD.opened_day IS NOT NULL
          AND (opened_day, kind, stage, state, language, source)
            = (OLD.opened_day, OLD.kind, OLD.stage, OLD.state,
               COALESCE(OLD.language, 'unknown'), COALESCE(OLD.source, 'unknown'))
          AND n = 0;
    INSERT INTO count_received (opened_day, kind, stage, state, language, source, n)
        SELECT NEW.opened_day, NEW.kind, NEW.stage, NEW.state,
               COALESCE(NEW.language, 'unknown'), COALESCE(NEW.source, 'unknown'), 1
        WHERE NEW.opened_day IS NOT NULL
        ON CONFLICT (opened_day, kind, stage, state, language, source) DO UPDATE SET n = n + 1;
END;

-- Deadlines met per day of meeting by type, stage, day the clock started
-- and on time (the working days taken are counted from the two days).
CREATE TABLE count_met (
    met_day    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    stage      INTEGER NOT NULL,
    start_day  TEXT NOT NULL,
    on_time    INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (met_day, kind, stage, start_day, on_time)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER count_met_insert AFTER INSERT ON deadlines_met
WHEN NEW.met_day IS NOT NULL AND NEW.start_day IS NOT NULL AND NEW.on_time IS NOT NULL BEGIN
    INSERT INTO count_met (met_day, kind, stage, start_day, on_time, n)
        VALUES (NEW.met_day, NEW.kind, NEW.stage, NEW.start_day, NEW.on_time, 1)
        ON CONFLICT (met_day, kind, stage, start_day, on_time) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER count_met_delete AFTER DELETE ON deadlines_met
WHEN OLD.met_day IS NOT NULL AND OLD.start_day IS NOT NULL AND OLD.on_time IS NOT NULL BEGIN
    UPDATE count_met SET n = n - 1
        WHERE (met_day, kind, stage, start_day, on_time) = (OLD.met_day, OLD.kind, OLD.stage, OLD.start_day, OLD.on_time);
    DELETE FROM count_met
        WHERE (met_day, kind, stage, start_day, on_time) = (OLD.met_day, OLD.kind, OLD.stage, OLD.start_day, OLD.on_time)
          AND n = 0;
END;

CREATE TRIGGER count_met_update AFTER UPDATE OF met_day, kind, stage, start_day, on_time ON deadlines_met BEGIN
    UPDATE count_met SET n = n - 1
        WHERE OLD.met_day IS NOT NULL AND OLD.start_day IS NOT NULL AND OLD.on_time IS NOT NULL
          AND (met_day, kind, stage, start_day, on_time) = (OLD.met_day, OLD.kind, OLD.stage, OLD.start_day, OLD.on_time);
    DELETE FROM count_met
        WHERE OLD.met_day IS NOT NULL AND OLD.start_day IS NOT NULL AND OLD.on_time IS NOT NULL
          AND (met_day, kind, stage, start_day, on_time) = (OLD.met_day, OLD.kind, OLD.stage, OLD.start_day, OLD.on_time)
          AND n = 0;
    INSERT INTO count_met (met_day, kind, stage, start_day, on_time, n)
        SELECT NEW.met_day, NEW.kind, NEW.stage, NEW.start_day, NEW.on_time, 1
        WHERE NEW.met_day IS NOT NULL AND NEW.start_day IS NOT NULL AND NEW.on_time IS NOT NULL
        ON CONFLICT (met_day, kind, stage, start_day, on_time) DO UPDATE SET n = n + 1;
END;

-- Outcomes sent per day the case was received, by kind, stage and outcome.
CREATE TABLE count_outcomes (
    opened_day  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    stage       INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (opened_day, kind, stage, outcome)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER count_outcomes_insert AFTER INSERT ON case_outcomes WHEN NEW.opened_day IS NOT NULL BEGIN
    INSERT INTO count_outcomes (opened_day, kind, stage, outcome, n)
        VALUES (NEW.opened_day, NEW.kind, NEW.stage, NEW.outcome, 1)
        ON CONFLICT (opened_day, kind, stage, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER count_outcomes_delete AFTER DELETE ON case_outcomes WHEN OLD.opened_day IS NOT NULL BEGIN
    UPDATE count_outcomes SET n = n - 1
        WHERE (opened_day, kind, stage, outcome) = (OLD.opened_day, OLD.kind, OLD.stage, OLD.outcome);
    DELETE FROM count_outcomes
        WHERE (opened_day, kind, stage, outcome) = (OLD.opened_day, OLD.kind, OLD.stage, OLD.outcome) AND n = 0;
END;

CREATE TRIGGER count_outcomes_update AFTER UPDATE ON case_outcomes BEGIN
    UPDATE count_outcomes SET n = n - 1
        WHERE OLD.opened_day IS NOT NULL
          AND (opened_day, kind, stage, outcome) = (OLD.opened_day, OLD.kind, OLD.stage, OLD.outcome);
    DELETE FROM count_outcomes
        WHERE OLD.opened_day IS NOT NULL
          AND (opened_day, kind, stage, outcome) = (OLD.opened_day, OLD.kind, OLD.stage, OLD.outcome) AND n = 0;
    INSERT INTO count_outcomes (opened_day, kind, stage, outcome, n)
        SELECT NEW.opened_day, NEW.kind, NEW.stage, NEW.outcome, 1 WHERE NEW.opened_day IS NOT NULL
        ON CONFLICT (opened_day, kind, stage, outcome) DO UPDATE SET n = n + 1;
END;

-- Complaints' flags per day received, by kind and flag.
CREATE TABLE count_flags (
    opened_day  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    flag        TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (opened_day, kind, flag)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER count_flags_insert AFTER INSERT ON case_flags WHEN NEW.opened_day IS NOT NULL BEGIN
    INSERT INTO count_flags (opened_day, kind, flag, n) VALUES (NEW.opened_day, NEW.kind, NEW.flag, 1)
        ON CONFLICT (opened_day, kind, flag) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER count_flags_delete AFTER DELETE ON case_flags WHEN OLD.opened_day IS NOT NULL BEGIN
    UPDATE count_flags SET n = n - 1 WHERE (opened_day, kind, flag) = (OLD.opened_day, OLD.kind, OLD.flag);
    DELETE FROM count_flags WHERE (opened_day, kind, flag) = (OLD.opened_day, OLD.kind, OLD.flag) AND n = 0;
END;

CREATE TRIGGER count_flags_update AFTER UPDATE ON case_flags BEGIN
    UPDATE count_flags SET n = n - 1
        WHERE OLD.opened_day IS NOT NULL AND (opened_day, kind, flag) = (OLD.opened_day, OLD.kind, OLD.flag);
    DELETE FROM count_flags
        WHERE OLD.opened_day IS NOT NULL AND (opened_day, kind, flag) = (OLD.opened_day, OLD.kind, OLD.flag) AND n = 0;
    INSERT INTO count_flags (opened_day, kind, flag, n)
        SELECT NEW.opened_day, NEW.kind, NEW.flag, 1 WHERE NEW.opened_day IS NOT NULL
        ON CONFLICT (opened_day, kind, flag) DO UPDATE SET n = n + 1;
END;

-- The survey per day received and kind: surveys (n), sent, answered,
-- satisfied or not, scored and the sum of the scores.
CREATE TABLE count_surveys (
    opened_day     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    n              INTEGER NOT NULL,
    sent           INTEGER NOT NULL,
    answered       INTEGER NOT NULL,
    satisfied      INTEGER NOT NULL,
    not_satisfied  INTEGER NOT NULL,
    scored         INTEGER NOT NULL,
    score_sum      INTEGER NOT NULL,
    PRIMARY KEY (opened_day, kind)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER count_surveys_insert AFTER INSERT ON case_surveys WHEN NEW.opened_day IS NOT NULL BEGIN
    INSERT INTO count_surveys (opened_day, kind, n, sent, answered, satisfied, not_satisfied, scored, score_sum)
        VALUES (NEW.opened_day, NEW.kind, 1, NEW.sent_at IS NOT NULL, NEW.answered_at IS NOT NULL,
                COALESCE(NEW.satisfied = 1, 0), COALESCE(NEW.satisfied = 0, 0), NEW.score IS NOT NULL,
                COALESCE(NEW.score, 0))
        ON CONFLICT (opened_day, kind) DO UPDATE SET
            n = n + 1, sent = sent + excluded.sent, answered = answered + excluded.answered,
            satisfied = satisfied + excluded.satisfied, not_satisfied = not_satisfied + excluded.not_satisfied,
            scored = scored + excluded.scored, score_sum = score_sum + excluded.score_sum;
END;

CREATE TRIGGER count_surveys_delete AFTER DELETE ON case_surveys WHEN OLD.opened_day IS NOT NULL BEGIN
    UPDATE count_surveys SET
        n = n - 1, sent = sent - (OLD.sent_at IS NOT NULL), answered = answered - (OLD.answered_at IS NOT NULL),
        satisfied = satisfied - COALESCE(OLD.satisfied = 1, 0), not_satisfied = not_satisfied - COALESCE(OLD.satisfied = 0, 0),
        scored = scored - (OLD.score IS NOT NULL), score_sum = score_sum - COALESCE(OLD.score, 0)
        WHERE (opened_day, kind) = (OLD.opened_day, OLD.kind);
    DELETE FROM count_surveys WHERE (opened_day, kind) = (OLD.opened_day, OLD.kind) AND n = 0;
END;

CREATE TRIGGER count_surveys_update AFTER UPDATE ON case_surveys BEGIN
    UPDATE count_surveys SET
        n = n - 1, sent = sent - (OLD.sent_at IS NOT NULL), answered = answered - (OLD.answered_at IS NOT NULL),
        satisfied = satisfied - COALESCE(OLD.satisfied = 1, 0), not_satisfied = not_satisfied - COALESCE(OLD.satisfied = 0, 0),
        scored = scored - (OLD.score IS NOT NULL), score_sum = score_sum - COALESCE(OLD.score, 0)
        WHERE OLD.opened_day IS NOT NULL AND (opened_day, kind) = (OLD.opened_day, OLD.kind);
    DELETE FROM count_surveys WHERE OLD.opened_day IS NOT NULL AND (opened_day, kind) = (OLD.opened_day, OLD.kind) AND n = 0;
    INSERT INTO count_surveys (opened_day, kind, n, sent, answered, satisfied, not_satisfied, scored, score_sum)
        SELECT NEW.opened_day, NEW.kind, 1, NEW.sent_at IS NOT NULL, NEW.answered_at IS NOT NULL,
               COALESCE(NEW.satisfied = 1, 0), COALESCE(NEW.satisfied = 0, 0), NEW.score IS NOT NULL,
               COALESCE(NEW.score, 0)
        WHERE NEW.opened_day IS NOT NULL
        ON CONFLICT (opened_day, kind) DO UPDATE SET
            n = n + 1, sent = sent + excluded.sent, answered = answered + excluded.answered,
            satisfied = satisfied + excluded.satisfied, not_satisfied = not_satisfied + excluded.not_satisfied,
            scored = scored + excluded.scored, score_sum = score_sum + excluded.score_sum;
END;

-- Fill them for the rows stored before (from the covering indexes of 0200).
INSERT INTO count_received (opened_day, kind, stage, state, language, source, n)
    SELECT opened_day, kind, stage, state, COALESCE(language, 'unknown'), COALESCE(source, 'unknown'), COUNT(*)
    FROM cases WHERE opened_day IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO count_met (met_day, kind, stage, start_day, on_time, n)
    SELECT met_day, kind, stage, start_day, on_time, COUNT(*)
    FROM deadlines_met WHERE met_day IS NOT NULL AND start_day IS NOT NULL AND on_time IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;
INSERT INTO count_outcomes (opened_day, kind, stage, outcome, n)
    SELECT opened_day, kind, stage, outcome, COUNT(*)
    FROM case_outcomes WHERE opened_day IS NOT NULL
    GROUP BY 1, 2, 3, 4;
INSERT INTO count_flags (opened_day, kind, flag, n)
    SELECT opened_day, kind, flag, COUNT(*)
    FROM case_flags WHERE opened_day IS NOT NULL
    GROUP BY 1, 2, 3;
INSERT INTO count_surveys (opened_day, kind, n, sent, answered, satisfied, not_satisfied, scored, score_sum)
    SELECT opened_day, kind, COUNT(*), COUNT(sent_at), COUNT(answered_at), COALESCE(SUM(satisfied = 1), 0),
           COALESCE(SUM(satisfied = 0), 0), COUNT(score), COALESCE(SUM(score), 0)
    FROM case_surveys WHERE opened_day IS NOT NULL
    GROUP BY 1, 2;
