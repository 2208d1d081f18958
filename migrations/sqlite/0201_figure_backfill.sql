-- Fill 0200's columns and tables for the cases and deadlines met stored
-- before it; from now on the store writes them with each change. Setting
-- `opened_day` fires `cases_records_update`, which fills the record tables
-- from each case's JSON.
--
-- The local day is the date in Europe/London: British Summer Time (UTC+1)
-- from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
-- of October (the rule since 1996; the last Sunday of March is the Sunday
-- of the week before 1 April). The store computes the same day with the
-- time zone database for every new row (`core::report::local_day`); a test
-- checks the two agree around every change of the clocks.
UPDATE cases SET
    opened_day = date(opened_at,
        CASE WHEN opened_at >= date(substr(opened_at, 1, 4) || '-04-01', 'weekday 0', '-7 days') || 'T01:00:00'
              AND opened_at <  date(substr(opened_at, 1, 4) || '-11-01', 'weekday 0', '-7 days') || 'T01:00:00'
             THEN '+1 hours' ELSE '+0 hours' END),
    language = data ->> '$.language',
    source = (SELECT m.source FROM messages m WHERE m.case_ref = cases.reference
              ORDER BY m.received_at, m.id LIMIT 1);

UPDATE deadlines_met SET
    start_day = date(start,
        CASE WHEN start >= date(substr(start, 1, 4) || '-04-01', 'weekday 0', '-7 days') || 'T01:00:00'
              AND start <  date(substr(start, 1, 4) || '-11-01', 'weekday 0', '-7 days') || 'T01:00:00'
             THEN '+1 hours' ELSE '+0 hours' END),
    met_day = date(met_at,
        CASE WHEN met_at >= date(substr(met_at, 1, 4) || '-04-01', 'weekday 0', '-7 days') || 'T01:00:00'
              AND met_at <  date(substr(met_at, 1, 4) || '-11-01', 'weekday 0', '-7 days') || 'T01:00:00'
             THEN '+1 hours' ELSE '+0 hours' END),
    on_time = met_at <= due;
