-- The latest time each case was closed, kept when the case is reopened:
-- handler reply tokens issued at or before it never work again.
ALTER TABLE cases ADD COLUMN tokens_valid_from TEXT;
UPDATE cases SET tokens_valid_from = closed_at;
