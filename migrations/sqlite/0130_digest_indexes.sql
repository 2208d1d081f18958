-- The digest and the scheduler read only what matters (issue 14): every
-- section and scheduler query is driven by an index and bounded, so that a
-- million closed cases cost nothing at 08:00.

-- Open complaints by stage, and the cases waiting for someone or in triage,
-- are counted from this index alone (state, kind and stage are in it).
DROP INDEX cases_state;
CREATE INDEX cases_state ON cases (state, kind, stage, opened_at);
-- "New in the last 24 hours".
CREATE INDEX cases_opened ON cases (opened_at);
-- "Closed in the last 24 hours" and compliments cleared to share.
CREATE INDEX cases_closed ON cases (closed_at) WHERE closed_at IS NOT NULL;

-- Due and breached deadlines by kind without reading the table.
DROP INDEX deadlines_due;
CREATE INDEX deadlines_due ON deadlines (breached, due, kind, case_ref);

-- Pending chase points (done ones pile up forever and are never read).
CREATE INDEX chases_due ON chases (at) WHERE done = 0;
