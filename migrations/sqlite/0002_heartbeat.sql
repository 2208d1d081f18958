-- When each worker last completed a pass (for `complaintd status`).
CREATE TABLE heartbeat (
    name  TEXT PRIMARY KEY,
    at    TEXT NOT NULL
) STRICT;
