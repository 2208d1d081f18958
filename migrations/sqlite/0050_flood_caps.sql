-- Flood caps (issue 9 item 6). Every mail a cap counts, and every mail a cap
-- held back, so the caps can count per domain, per case and per sender, and
-- the digest can list what was held back.

-- One row per queued mail that a cap counts: automatic mail to outside
-- addresses, and staff notifications an outside message caused. Rows older
-- than a day are never read again.
CREATE TABLE cap_ledger (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    case_ref   TEXT,
    recipient  TEXT NOT NULL,
    domain     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('auto', 'relayed', 'staff')),
    cause      TEXT                      -- the outside sender whose message caused it
) STRICT;
CREATE INDEX cap_ledger_recipient ON cap_ledger (recipient, at) WHERE kind <> 'staff';
CREATE INDEX cap_ledger_domain ON cap_ledger (domain, at) WHERE kind = 'auto';
CREATE INDEX cap_ledger_case ON cap_ledger (case_ref, recipient, at) WHERE kind = 'staff';
CREATE INDEX cap_ledger_cause ON cap_ledger (cause, recipient, at) WHERE kind = 'staff';

-- Mail a cap held back: recorded in the case's audit as well, listed in the
-- digest so a person can send it by hand if it was genuine.
CREATE TABLE held_mail (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    case_ref   TEXT,
    template   TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    cap        TEXT NOT NULL CHECK (cap IN ('recipient', 'domain', 'case', 'sender')),
    key        TEXT NOT NULL,            -- the address, domain, case or sender counted
    reason     TEXT NOT NULL,
    summary    INTEGER NOT NULL DEFAULT 0 -- a summary notice went to the recipient for it
) STRICT;
CREATE INDEX held_mail_at ON held_mail (at);
CREATE INDEX held_mail_key ON held_mail (recipient, cap, key, at);
