//! Who may read a mailbox, and whether an instance is alive: pure decisions
//! on the database's clock (`now`, read with the rows) and the rows as read.
//! The store carries a decision out with a conditional write on the fence it
//! saw, so two instances deciding at once cannot both win.

use chrono::{DateTime, Duration, Utc};

/// A mailbox's lease row as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    /// The instance holding it; `None` once released.
    pub holder: Option<String>,
    /// Grows by one at every change of hands.
    pub fence: i64,
    /// Until when the holder may read without renewing.
    pub expires_at: DateTime<Utc>,
}

/// What an instance that wants a mailbox should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Take it, on the condition that its fence is still `seen` (`None`: no
    /// row yet).
    Take {
        /// The fence read, which the write must still find.
        seen: Option<i64>,
    },
    /// Another instance holds it: ask again at `until` at the latest.
    Wait {
        /// When the holder's lease runs out.
        until: DateTime<Utc>,
    },
}

/// Whether `me` may take the mailbox whose lease is `row`, at `now`.
/// `holder_gone`: the holder is known to have ended (it released on stop,
/// or it ran on this host under a process id that no longer exists), so its
/// lease need not run out first.
pub fn decide(row: Option<&LeaseRow>, me: &str, now: DateTime<Utc>, holder_gone: bool) -> Decision {
    let Some(row) = row else {
        return Decision::Take { seen: None };
    };
    let take = Decision::Take {
        seen: Some(row.fence),
    };
    match row.holder.as_deref() {
        None => take,
        // Ours from before (a session ended): taking it again moves the
        // fence, so anything still in flight from the old session is refused.
        Some(h) if h == me => take,
        Some(_) if holder_gone || row.expires_at <= now => take,
        Some(_) => Decision::Wait {
            until: row.expires_at,
        },
    }
}

/// How often a holder renews a lease of `lease`: at a third of its life,
/// so two renewals can fail before it runs out.
pub fn renew_every(lease: Duration) -> Duration {
    lease / 3
}

/// Whether an instance whose last heartbeat was at `heartbeat` is alive at
/// `now`: it beats every third of `lease`, so a whole lease without a beat
/// means it is dead, paused or cut off.
pub fn alive(heartbeat: DateTime<Utc>, stopped: bool, now: DateTime<Utc>, lease: Duration) -> bool {
    !stopped && now - heartbeat < lease
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn held(by: &str, fence: i64, until: &str) -> LeaseRow {
        LeaseRow {
            holder: Some(by.into()),
            fence,
            expires_at: at(until),
        }
    }

    #[test]
    fn a_mailbox_nobody_has_held_is_taken() {
        let now = at("2026-12-01T10:00:00Z");
        assert_eq!(decide(None, "a", now, false), Decision::Take { seen: None });
    }

    #[test]
    fn a_live_lease_of_another_instance_is_waited_for_until_it_runs_out() {
        let row = held("b", 7, "2026-12-01T10:00:30Z");
        let before = at("2026-12-01T10:00:29.999Z");
        assert_eq!(
            decide(Some(&row), "a", before, false),
            Decision::Wait {
                until: row.expires_at
            }
        );
        let after = at("2026-12-01T10:00:30Z");
        assert_eq!(
            decide(Some(&row), "a", after, false),
            Decision::Take { seen: Some(7) }
        );
    }

    #[test]
    fn a_released_lease_or_a_holder_known_dead_is_taken_at_once() {
        let now = at("2026-12-01T10:00:00Z");
        let row = held("b", 3, "2026-12-01T10:00:30Z");
        assert_eq!(
            decide(Some(&row), "a", now, true),
            Decision::Take { seen: Some(3) }
        );
        let released = LeaseRow {
            holder: None,
            ..row
        };
        assert_eq!(
            decide(Some(&released), "a", now, false),
            Decision::Take { seen: Some(3) }
        );
    }

    #[test]
    fn renewal_comes_at_a_third_and_death_after_a_whole_lease() {
        let lease = Duration::seconds(30);
        assert_eq!(renew_every(lease), Duration::seconds(10));
        let beat = at("2026-12-01T10:00:00Z");
        assert!(alive(beat, false, at("2026-12-01T10:00:29Z"), lease));
        assert!(!alive(beat, false, at("2026-12-01T10:00:30Z"), lease));
        assert!(!alive(beat, true, at("2026-12-01T10:00:01Z"), lease));
    }
}
