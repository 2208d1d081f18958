-- A message with no threading headers and no reference, from someone who
-- writes about "my complaint": ingest looks up that sender's recent cases
-- (work::mentioned), by this index rather than by reading every case.
CREATE INDEX cases_complainant ON cases (complainant, opened_at);
