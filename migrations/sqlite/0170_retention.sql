-- Retention, legal hold and erasure (issue 16 item 10).
--
-- `anonymised_at`: when the case's people and words were removed (under the
-- retention policy or on an erasure request). One index serves both daily
-- questions: which closed cases are not yet anonymised and closed before the
-- cut-off (anonymised_at IS NULL, closed_at <= ?), and how many were
-- anonymised since the last digest (anonymised_at >= ?).
ALTER TABLE cases ADD COLUMN anonymised_at TEXT;
CREATE INDEX cases_retention ON cases (anonymised_at, closed_at);

-- The audit log stays append-only with one exception: an entry's detail may
-- be replaced by the fixed text below and an outsider's name by
-- 'anonymised', nothing else (its case, time, kind of actor and action stay
-- for reporting). Any other change is refused as before.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (
    NEW.id = OLD.id
    AND NEW.case_ref IS OLD.case_ref
    AND NEW.at = OLD.at
    AND NEW.actor_kind = OLD.actor_kind
    AND NEW.action = OLD.action
    AND NEW.detail = '[removed under the retention policy]'
    AND (NEW.actor = OLD.actor OR NEW.actor = 'anonymised')
    AND (NEW.message_id IS OLD.message_id OR NEW.message_id IS NULL)
)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
