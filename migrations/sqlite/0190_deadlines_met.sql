-- Performance figures (issue 17): every deadline met (an acknowledgement
-- or a response sent, a decision made) is kept with its start and due
-- time, so that timeliness per deadline type and the working days taken
-- are counted for any period without reading cases. A deadline cleared for
-- another reason (a paused clock, a withdrawal) is not met and not kept.
-- No personal data: a case reference, a kind and times.
CREATE TABLE deadlines_met (
    id        INTEGER PRIMARY KEY,
    case_ref  TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('acknowledge', 'respond', 'escalation_window', 'decision', 'permission', 'confirm_kind',
                                            'remedy', 'data_protection_update')),
    stage     INTEGER NOT NULL,
    start     TEXT NOT NULL,
    due       TEXT NOT NULL,
    met_at    TEXT NOT NULL
) STRICT;
-- The period's deadlines met, by type, from the index alone.
CREATE INDEX deadlines_met_at ON deadlines_met (met_at, kind, stage, start, due);
