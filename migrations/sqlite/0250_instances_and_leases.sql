-- Issue 18: the `complaintd run` processes sharing this database, and which
-- of them reads each mailbox. Times here come from the database's clock
-- (strftime '%Y-%m-%dT%H:%M:%fZ'), never a process's, so instances on
-- machines whose clocks disagree still agree on who is alive and who holds what.

-- One row per `run` process, kept after it stops (for `status`) and pruned
-- a week after its last heartbeat.
CREATE TABLE instances (
    id            TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    version       TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL,
    stopped_at    TEXT
) STRICT;

-- One reader per mailbox: the holder (an instance id, NULL once released)
-- until `expires_at`, renewed at a third of the lease's life. `fence` grows
-- by one each time the lease changes hands and is never reset (the row is
-- never deleted): every checkpoint write checks it in its own transaction,
-- so a holder that lost the lease (paused, partitioned) can write nothing.
CREATE TABLE mailbox_leases (
    mailbox      TEXT PRIMARY KEY,
    holder       TEXT,
    fence        INTEGER NOT NULL CHECK (fence > 0),
    acquired_at  TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;
