-- Sign-in health of every mailbox and SMTP account, for alerts, the digest
-- and `complaintd status`. One row per account ("mailbox:<name>", "smtp:outbox",
-- "smtp:alerts").
CREATE TABLE account_health (
    account        TEXT PRIMARY KEY,
    last_login_at  TEXT,              -- last successful sign-in
    last_error     TEXT,              -- the last sign-in error, in the provider's words
    last_error_at  TEXT,
    failing_since  TEXT,              -- first failure of the current run; NULL when healthy
    failure_kind   TEXT CHECK (failure_kind IN ('auth', 'transient')),
    alerted_at     TEXT               -- when operators were told of the current run
) STRICT;

-- Client-secret expiry warnings already sent (30, 7 and 1 days ahead), per
-- account and expiry date, so each goes out once.
CREATE TABLE secret_warnings (
    account    TEXT NOT NULL,
    expires    TEXT NOT NULL,
    days       INTEGER NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (account, expires, days)
) STRICT;
