//! `instances` and `mailbox_leases` (issue 18): the `run` processes sharing
//! the database, their heartbeats, and the one reader of each mailbox with
//! its fencing counter. Every time here is the database's clock.

use super::db::{self, on, Sql};
use super::Conn;
use super::{Store, StoreError};
use crate::core::lease::LeaseRow;
use chrono::{DateTime, Utc};

// The database's clock is written out in each statement, so every
// statement here has a text per backend (`Sql::each`):
//
// - SQLite: `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` (with `printf('%+.3f
//   seconds', ?)` added for an expiry): one format for every time in these
//   tables, so they compare as text;
// - PostgreSQL: `statement_timestamp()` (TIMESTAMPTZ columns), not `now()`,
//   which is the transaction's start where SQLite's 'now' is the
//   statement's; an expiry adds `make_interval(secs => ?)`, `?` the same
//   f64 seconds.
//
// Stopped and dead instances are kept for `status` for seven days after
// their last heartbeat.

/// One `run` process as registered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InstanceRow {
    /// Random per process.
    pub id: String,
    /// The machine's host name.
    pub host: String,
    /// The process id on that host.
    pub pid: i64,
    /// complaintd's version.
    pub version: String,
    /// When it registered.
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub heartbeat_at: DateTime<Utc>,
    /// When it stopped cleanly, if it did.
    pub stopped_at: Option<DateTime<Utc>>,
}

/// The lease an instance holds on a mailbox: what its checkpoint writes
/// must still find in `mailbox_leases`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The mailbox.
    pub mailbox: String,
    /// The holding instance.
    pub holder: String,
    /// The fence it took the lease with.
    pub fence: i64,
}

/// A mailbox's lease row, with its mailbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MailboxLease {
    /// The mailbox.
    pub mailbox: String,
    /// The holder, `None` once released.
    pub holder: Option<String>,
    /// The fencing counter.
    pub fence: i64,
    /// When the holder took it.
    pub acquired_at: DateTime<Utc>,
    /// When it runs out unless renewed.
    pub expires_at: DateTime<Utc>,
}

impl MailboxLease {
    /// The part the lease decision reads.
    pub fn row(&self) -> LeaseRow {
        LeaseRow {
            holder: self.holder.clone(),
            fence: self.fence,
            expires_at: self.expires_at,
        }
    }
}

/// The lease of one mailbox as read for a decision: the database's clock,
/// the row, and its holder's registration.
#[derive(Debug, Clone)]
pub struct LeaseView {
    /// The database's clock when read.
    pub now: DateTime<Utc>,
    /// The lease row, if the mailbox was ever held.
    pub lease: Option<MailboxLease>,
    /// The holder's registration, if it has one.
    pub holder: Option<InstanceRow>,
}

fn seconds(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

/// The database's clock (see above).
const NOW: Sql = Sql::each(
    "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    "SELECT statement_timestamp()",
);

/// The columns of an [`InstanceRow`].
macro_rules! instance_columns {
    () => {
        "SELECT id, host, pid, version, started_at, heartbeat_at, stopped_at FROM instances "
    };
}

/// The columns of a [`MailboxLease`].
macro_rules! lease_columns {
    () => {
        "SELECT mailbox, holder, fence, acquired_at, expires_at FROM mailbox_leases "
    };
}

impl Store {
    /// The database's clock.
    pub async fn db_now(&self) -> Result<DateTime<Utc>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| db::query_scalar(NOW).fetch_one(&mut *c).await?))
    }

    /// Register a starting `run` process (and forget instances silent for
    /// a week).
    pub async fn register_instance(
        &self,
        id: &str,
        host: &str,
        pid: u32,
        version: &str,
    ) -> Result<(), StoreError> {
        const FORGET: Sql = Sql::each(
            "DELETE FROM instances WHERE heartbeat_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')",
            "DELETE FROM instances WHERE heartbeat_at < statement_timestamp() - interval '7 days'",
        );
        const REGISTER: Sql = Sql::each(
            "INSERT INTO instances (id, host, pid, version, started_at, heartbeat_at)
             VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            "INSERT INTO instances (id, host, pid, version, started_at, heartbeat_at)
             VALUES (?, ?, ?, ?, statement_timestamp(), statement_timestamp())",
        );
        let mut tx = self.begin().await?;
        on!(tx, |c| {
            db::query(FORGET).execute(&mut *c).await?;
            db::query(REGISTER)
                .bind(id)
                .bind(host)
                .bind(i64::from(pid))
                .bind(version)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// Record that instance `id` is alive now.
    pub async fn instance_heartbeat(&self, id: &str) -> Result<(), StoreError> {
        const BEAT: Sql = Sql::each(
            "UPDATE instances SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            "UPDATE instances SET heartbeat_at = statement_timestamp() WHERE id = ?",
        );
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query(BEAT).bind(id).execute(&mut *c).await?;
        });
        Ok(())
    }

    /// Instance `id` stops cleanly: marked stopped, and its leases released
    /// so another instance (or its own restart) reads on at once.
    pub async fn instance_stopped(&self, id: &str) -> Result<(), StoreError> {
        const STOPPED: Sql = Sql::each(
            "UPDATE instances SET stopped_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
               heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            "UPDATE instances SET stopped_at = statement_timestamp(),
               heartbeat_at = statement_timestamp() WHERE id = ?",
        );
        const RELEASE: Sql = Sql::each(
            "UPDATE mailbox_leases SET holder = NULL, expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE holder = ?",
            "UPDATE mailbox_leases SET holder = NULL, expires_at = statement_timestamp() WHERE holder = ?",
        );
        let mut tx = self.begin().await?;
        on!(tx, |c| {
            db::query(STOPPED).bind(id).execute(&mut *c).await?;
            db::query(RELEASE).bind(id).execute(&mut *c).await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// Every registered instance, newest first, and the database's clock.
    pub async fn instances(&self) -> Result<(DateTime<Utc>, Vec<InstanceRow>), StoreError> {
        // Ties in the id by its bytes on both backends, as SQLite compares
        // text (PostgreSQL would use the database's collation).
        const ALL: Sql = Sql::each(
            concat!(instance_columns!(), "ORDER BY started_at DESC, id"),
            concat!(
                instance_columns!(),
                "ORDER BY started_at DESC, id COLLATE \"C\""
            ),
        );
        let now = self.db_now().await?;
        let mut c = self.reader().await?;
        let rows = on!(c, |c| db::query_as(ALL).fetch_all(&mut *c).await?);
        Ok((now, rows))
    }

    /// Every mailbox lease row.
    pub async fn mailbox_leases(&self) -> Result<Vec<MailboxLease>, StoreError> {
        // By the mailbox's bytes on both backends (as `instances`).
        const ALL: Sql = Sql::each(
            concat!(lease_columns!(), "ORDER BY mailbox"),
            concat!(lease_columns!(), "ORDER BY mailbox COLLATE \"C\""),
        );
        let mut c = self.reader().await?;
        Ok(on!(c, |c| db::query_as(ALL).fetch_all(&mut *c).await?))
    }

    /// One mailbox's lease, its holder and the clock, for a decision.
    pub async fn lease_view(&self, mailbox: &str) -> Result<LeaseView, StoreError> {
        let mut c = self.reader().await?;
        let now = on!(c, |c| db::query_scalar(NOW).fetch_one(&mut *c).await?);
        let lease: Option<MailboxLease> = on!(c, |c| {
            db::query_as(concat!(lease_columns!(), "WHERE mailbox = ?"))
                .bind(mailbox)
                .fetch_optional(&mut *c)
                .await?
        });
        let holder = match lease.as_ref().and_then(|l| l.holder.as_deref()) {
            Some(h) => on!(c, |c| {
                db::query_as(concat!(instance_columns!(), "WHERE id = ?"))
                    .bind(h)
                    .fetch_optional(&mut *c)
                    .await?
            }),
            None => None,
        };
        Ok(LeaseView { now, lease, holder })
    }

    /// Take `mailbox` for `me` for `lease`, on the condition that its fence
    /// is still `seen` (`None`: no row yet). The new fence, or `None` when
    /// another instance moved it first.
    pub async fn take_mailbox_lease(
        &self,
        mailbox: &str,
        me: &str,
        seen: Option<i64>,
        lease: chrono::Duration,
    ) -> Result<Option<i64>, StoreError> {
        const TAKE_NEW: Sql = Sql::each(
            "INSERT INTO mailbox_leases (mailbox, holder, fence, acquired_at, expires_at)
             VALUES (?, ?, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', ?)))
             ON CONFLICT (mailbox) DO NOTHING RETURNING fence",
            "INSERT INTO mailbox_leases (mailbox, holder, fence, acquired_at, expires_at)
             VALUES (?, ?, 1, statement_timestamp(), statement_timestamp() + make_interval(secs => ?))
             ON CONFLICT (mailbox) DO NOTHING RETURNING fence",
        );
        const TAKE_OVER: Sql = Sql::each(
            "UPDATE mailbox_leases SET holder = ?, fence = fence + 1,
               acquired_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', ?))
             WHERE mailbox = ? AND fence = ? RETURNING fence",
            "UPDATE mailbox_leases SET holder = ?, fence = fence + 1,
               acquired_at = statement_timestamp(), expires_at = statement_timestamp() + make_interval(secs => ?)
             WHERE mailbox = ? AND fence = ? RETURNING fence",
        );
        let mut c = self.writer().await?;
        let fence = match seen {
            None => on!(c, |c| {
                db::query_scalar(TAKE_NEW)
                    .bind(mailbox)
                    .bind(me)
                    .bind(seconds(lease))
                    .fetch_optional(&mut *c)
                    .await?
            }),
            Some(f) => on!(c, |c| {
                db::query_scalar(TAKE_OVER)
                    .bind(me)
                    .bind(seconds(lease))
                    .bind(mailbox)
                    .bind(f)
                    .fetch_optional(&mut *c)
                    .await?
            }),
        };
        Ok(fence)
    }

    /// Extend a held lease to `lease` from now. `false`: it is no longer
    /// ours (another instance took it), and reading must stop.
    pub async fn renew_mailbox_lease(
        &self,
        f: &Fence,
        lease: chrono::Duration,
    ) -> Result<bool, StoreError> {
        const RENEW: Sql = Sql::each(
            "UPDATE mailbox_leases SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', ?))
             WHERE mailbox = ? AND holder = ? AND fence = ?",
            "UPDATE mailbox_leases SET expires_at = statement_timestamp() + make_interval(secs => ?)
             WHERE mailbox = ? AND holder = ? AND fence = ?",
        );
        let mut c = self.writer().await?;
        let n = on!(c, |c| {
            db::query(RENEW)
                .bind(seconds(lease))
                .bind(&f.mailbox)
                .bind(&f.holder)
                .bind(f.fence)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Give a held lease back (a session ends on a stop): the next reader
    /// need not wait for it to run out.
    pub async fn release_mailbox_lease(&self, f: &Fence) -> Result<(), StoreError> {
        const RELEASE: Sql = Sql::each(
            "UPDATE mailbox_leases SET holder = NULL, expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE mailbox = ? AND holder = ? AND fence = ?",
            "UPDATE mailbox_leases SET holder = NULL, expires_at = statement_timestamp()
             WHERE mailbox = ? AND holder = ? AND fence = ?",
        );
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query(RELEASE)
                .bind(&f.mailbox)
                .bind(&f.holder)
                .bind(f.fence)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// In the caller's transaction: refuse unless `f` still holds its
    /// mailbox, so a checkpoint write (and everything committed with it)
    /// by an instance that lost the lease never lands. Only the fence
    /// counts, not the clock: a lease run out that nobody took is still
    /// safely ours.
    pub async fn check_fence(tx: &mut Conn, f: &Fence) -> Result<(), StoreError> {
        let current: Option<(Option<String>, i64)> = on!(tx, |c| {
            db::query_as("SELECT holder, fence FROM mailbox_leases WHERE mailbox = ?")
                .bind(&f.mailbox)
                .fetch_optional(&mut *c)
                .await?
        });
        match current {
            Some((Some(h), fence)) if h == f.holder && fence == f.fence => Ok(()),
            other => Err(StoreError::Fenced {
                mailbox: f.mailbox.clone(),
                fence: f.fence,
                now: other.map(|(_, n)| n),
            }),
        }
    }
}
