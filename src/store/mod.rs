//! The store: the only module that writes SQL.
//!
//! SQLite through sqlx (runtime queries, not the compile-time macros, so the
//! PostgreSQL backend can mirror the same functions). Every function that is
//! part of a unit of work takes the open transaction; business time is always
//! a parameter.

mod accounts;
mod caps;
mod corrections;
mod rows;

pub use corrections::{Corrected, Correction, Label as CorrectionLabel};

pub use accounts::AccountHealth;
pub use caps::{Counted, HeldMail, NewCounted};
pub use rows::*;

use crate::core::case::{Audit, Case, Deadline, DeadlineKind};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored case could not be read back.
    #[error("case {reference}: stored data is unreadable: {message}")]
    Corrupt {
        /// Which case.
        reference: String,
        /// Why.
        message: String,
    },
    /// An enumerated column holds a value this build does not know (written
    /// by a newer build, or by hand): refused rather than skipped.
    #[error("{table}.{column}: unknown stored value {value:?}")]
    UnknownValue {
        /// The table read.
        table: &'static str,
        /// The column.
        column: String,
        /// What it held.
        value: String,
    },
}

/// The note on a stored message from someone with no standing on its case
/// (followed by the sender's address); the export labels such messages.
pub const THIRD_PARTY_NOTE: &str = "third party (not the complainant; changed nothing):";

/// A transaction on the store.
pub type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

fn actor_name(a: &crate::core::case::Actor) -> String {
    match a {
        crate::core::case::Actor::System => "complaintd".to_string(),
        crate::core::case::Actor::Complainant => "complainant".to_string(),
        crate::core::case::Actor::Staff(s) => s.clone(),
        crate::core::case::Actor::Unverified(s) => format!("UNVERIFIED {s}"),
        crate::core::case::Actor::Correspondent(s) => s.clone(),
        crate::core::case::Actor::ThirdParty(s) => format!("THIRD PARTY {s}"),
    }
}

impl Store {
    /// Open (creating if missing) a SQLite database file and apply migrations.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        // The database holds people's mail: owner-only from the start (a
        // file SQLite creates itself gets 0644 less the umask).
        crate::private_fs::create_if_missing(path)
            .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed message or outbox row survives power loss.
            // NORMAL in WAL mode: a commit survives a crash of the process;
            // after a power cut the last commits may roll back together with
            // the IMAP checkpoint stored beside them, so the mail is fetched
            // again (the Maildir source forces a checkpoint before it moves files).
            .synchronous(SqliteSynchronous::Normal)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        Self::with_options(opts).await
    }

    /// Open from a `sqlite:` URL (e.g. `sqlite::memory:` in tests).
    pub async fn open_url(url: &str) -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        Self::with_options(opts).await
    }

    async fn with_options(opts: SqliteConnectOptions) -> Result<Store, StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        let store = Store { pool };
        // Two processes opening a fresh database at once (the daemon and a
        // `cases list`) race to create the schema; the loser retries and
        // finds the work done.
        let mut attempt = 0;
        loop {
            match store.migrate().await {
                Ok(()) => return Ok(store),
                Err(e) if attempt < 5 => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "migration raced; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Apply pending migrations from `migrations/sqlite`.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// Start a unit of work. It takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a concurrent writer waits for the busy timeout
    /// instead of failing when it first read and then wants to write.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Close the pool (flushes WAL on the last connection).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ------------------------------------------------------------ messages

    /// Store a raw inbound message. `None` if it was already stored (same
    /// Message-ID, or same bytes when it has none): ingesting twice changes nothing.
    pub async fn insert_message(
        tx: &mut SqliteConnection,
        m: &NewMessage<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let r = sqlx::query(
            "INSERT INTO messages (message_id, content_hash, content_key, source, received_at, raw, size, from_addr, subject, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received')
             ON CONFLICT DO NOTHING",
        )
        .bind(m.message_id)
        .bind(m.content_hash)
        .bind(m.content_key)
        .bind(m.source)
        .bind(m.received_at)
        .bind(m.raw)
        .bind(m.raw.len() as i64)
        .bind(m.from_addr)
        .bind(m.subject)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(r.last_insert_rowid()))
    }

    /// Stored messages that `insert_message` found in the way: the same
    /// bytes, the same content key, or the same Message-ID. Each with its
    /// content hash, its content key, and (when it has no key, having been
    /// stored before keys existed) its raw bytes to compute one from.
    pub async fn messages_like(
        tx: &mut SqliteConnection,
        message_id: Option<&str>,
        content_hash: &str,
        content_key: &str,
    ) -> Result<Vec<StoredKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, content_hash, content_key, CASE WHEN content_key IS NULL THEN raw END
             FROM messages WHERE content_hash = ? OR content_key = ? OR (message_id IS NOT NULL AND message_id = ?)",
        )
        .bind(content_hash)
        .bind(content_key)
        .bind(message_id)
        .fetch_all(&mut *tx)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StoredKey {
                id: r.get(0),
                content_hash: r.get(1),
                content_key: r.get(2),
                raw: r.get(3),
            })
            .collect())
    }

    /// Record what became of a message.
    pub async fn mark_message(
        tx: &mut SqliteConnection,
        id: i64,
        status: &str,
        kind: Option<&str>,
        case_ref: Option<&str>,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE messages SET status = ?, kind = ?, case_ref = ?, note = ? WHERE id = ?",
        )
        .bind(status)
        .bind(kind)
        .bind(case_ref)
        .bind(note)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Quarantine a stored message with the reason.
    pub async fn quarantine(
        tx: &mut SqliteConnection,
        message_row: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        Self::mark_message(tx, message_row, "quarantined", None, None, Some(reason)).await?;
        let r = sqlx::query("INSERT INTO quarantine (message_row, reason, at) VALUES (?, ?, ?)")
            .bind(message_row)
            .bind(reason)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        Ok(r.last_insert_rowid())
    }

    /// The stored message row for a Message-ID or content hash, if any.
    pub async fn find_message(
        &self,
        message_id: Option<&str>,
        hash: &str,
    ) -> Result<Option<StoredMessage>, StoreError> {
        let row = sqlx::query(
            "SELECT id, message_id, source, received_at, raw, from_addr, subject, kind, case_ref, status, note
             FROM messages WHERE content_hash = ? OR (message_id IS NOT NULL AND message_id = ?) LIMIT 1",
        )
        .bind(hash)
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| StoredMessage::from_row(&r)))
    }

    /// A stored message by row id.
    pub async fn message(&self, id: i64) -> Result<Option<StoredMessage>, StoreError> {
        let row = sqlx::query(
            "SELECT id, message_id, source, received_at, raw, from_addr, subject, kind, case_ref, status, note
             FROM messages WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| StoredMessage::from_row(&r)))
    }

    /// Messages of a case, oldest first.
    pub async fn case_messages(&self, reference: &str) -> Result<Vec<StoredMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, message_id, source, received_at, raw, from_addr, subject, kind, case_ref, status, note
             FROM messages WHERE case_ref = ? ORDER BY received_at, id",
        )
        .bind(reference)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(StoredMessage::from_row).collect())
    }

    /// Messages left in `received` (a crash between storing and finishing):
    /// they are processed again on start.
    pub async fn unfinished_messages(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT id FROM messages WHERE status = 'received' ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
    }

    // ------------------------------------------------------------ quarantine

    /// Unresolved quarantine entries.
    pub async fn quarantine_list(&self) -> Result<Vec<QuarantineEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.id, q.message_row, q.reason, q.at, m.source, m.from_addr, m.subject, m.size
             FROM quarantine q JOIN messages m ON m.id = q.message_row
             WHERE q.resolved_at IS NULL ORDER BY q.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(QuarantineEntry::from_row).collect())
    }

    /// One quarantine entry.
    pub async fn quarantine_get(&self, id: i64) -> Result<Option<QuarantineEntry>, StoreError> {
        let row = sqlx::query(
            "SELECT q.id, q.message_row, q.reason, q.at, m.source, m.from_addr, m.subject, m.size
             FROM quarantine q JOIN messages m ON m.id = q.message_row WHERE q.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(QuarantineEntry::from_row))
    }

    /// Mark a quarantine entry resolved (after a successful replay).
    pub async fn quarantine_resolve(
        tx: &mut SqliteConnection,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE quarantine SET resolved_at = ? WHERE id = ?")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Put a quarantined message back to `received` so it can be processed again.
    pub async fn reset_message(tx: &mut SqliteConnection, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE messages SET status = 'received', note = NULL WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    // ------------------------------------------------------------ cases

    /// The next case number for a prefix and year.
    pub async fn next_case_number(
        tx: &mut SqliteConnection,
        prefix: &str,
        year: i32,
    ) -> Result<u32, StoreError> {
        let row = sqlx::query(
            "INSERT INTO case_numbers (prefix, year, last) VALUES (?, ?, 1)
             ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1
             RETURNING last",
        )
        .bind(prefix)
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        Ok(row.get::<i64, _>(0) as u32)
    }

    /// Load a case.
    pub async fn load_case(
        tx: &mut SqliteConnection,
        reference: &str,
    ) -> Result<Option<Case>, StoreError> {
        let row = sqlx::query("SELECT data FROM cases WHERE reference = ?")
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let data: String = r.get(0);
                serde_json::from_str(&data)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt {
                        reference: reference.to_string(),
                        message: e.to_string(),
                    })
            }
        }
    }

    /// Load a case outside a transaction.
    pub async fn case(&self, reference: &str) -> Result<Option<Case>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::load_case(&mut conn, reference).await
    }

    /// Insert or update a case.
    pub async fn save_case(
        tx: &mut SqliteConnection,
        c: &Case,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let data = serde_json::to_string(c).map_err(|e| StoreError::Corrupt {
            reference: c.reference.to_string(),
            message: e.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO cases (reference, kind, state, stage, complainant, complainant_name, handler, opened_at, updated_at, closed_at, tokens_valid_from, data)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (reference) DO UPDATE SET kind = excluded.kind, state = excluded.state, stage = excluded.stage,
               handler = excluded.handler, updated_at = excluded.updated_at, closed_at = excluded.closed_at,
               tokens_valid_from = COALESCE(excluded.closed_at, cases.tokens_valid_from), data = excluded.data",
        )
        .bind(c.reference.to_string())
        .bind(c.kind.as_str())
        .bind(c.state.as_str())
        .bind(c.stage as i64)
        .bind(&c.complainant.address)
        .bind(&c.complainant.name)
        .bind(&c.handler)
        .bind(c.opened_at)
        .bind(now)
        .bind(c.closed_at)
        .bind(c.closed_at)
        .bind(data)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// The latest time the case was ever closed (kept across reopening):
    /// handler tokens issued at or before it are dead.
    pub async fn tokens_valid_from(
        tx: &mut SqliteConnection,
        reference: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query("SELECT tokens_valid_from FROM cases WHERE reference = ?")
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?;
        Ok(row.and_then(|r| r.get::<Option<DateTime<Utc>>, _>(0)))
    }

    /// All cases, newest first, optionally only those in a state.
    pub async fn list_cases(&self, state: Option<&str>) -> Result<Vec<Case>, StoreError> {
        let rows = match state {
            Some(s) => sqlx::query("SELECT reference, data FROM cases WHERE state = ? ORDER BY opened_at DESC, reference DESC")
                .bind(s)
                .fetch_all(&self.pool)
                .await?,
            None => sqlx::query("SELECT reference, data FROM cases ORDER BY opened_at DESC, reference DESC")
                .fetch_all(&self.pool)
                .await?,
        };
        rows.iter()
            .map(|r| {
                let reference: String = r.get(0);
                let data: String = r.get(1);
                serde_json::from_str(&data).map_err(|e| StoreError::Corrupt {
                    reference,
                    message: e.to_string(),
                })
            })
            .collect()
    }

    // ------------------------------------------------------------ audit

    /// Append an audit entry.
    pub async fn append_audit(
        tx: &mut SqliteConnection,
        case_ref: Option<&str>,
        at: DateTime<Utc>,
        a: &Audit,
    ) -> Result<(), StoreError> {
        let actor = actor_name(&a.actor);
        sqlx::query("INSERT INTO audit (case_ref, at, actor, action, detail, message_id) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(case_ref)
            .bind(at)
            .bind(actor)
            .bind(&a.action)
            .bind(&a.detail)
            .bind(&a.message_id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Append several audit entries in one statement (one round trip).
    pub async fn append_audits(
        tx: &mut SqliteConnection,
        case_ref: Option<&str>,
        at: DateTime<Utc>,
        entries: &[Audit],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO audit (case_ref, at, actor, action, detail, message_id) ",
        );
        q.push_values(entries, |mut b, a| {
            b.push_bind(case_ref)
                .push_bind(at)
                .push_bind(actor_name(&a.actor))
                .push_bind(&a.action)
                .push_bind(&a.detail)
                .push_bind(&a.message_id);
        });
        q.build().execute(&mut *tx).await?;
        Ok(())
    }

    /// The audit trail of a case, oldest first.
    pub async fn case_audit(&self, reference: &str) -> Result<Vec<AuditRow>, StoreError> {
        let rows = sqlx::query("SELECT at, actor, action, detail, message_id FROM audit WHERE case_ref = ? ORDER BY id")
            .bind(reference)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(AuditRow::from_row).collect())
    }

    // ------------------------------------------------------------ deadlines

    /// Set (or replace) a deadline.
    pub async fn set_deadline(
        tx: &mut SqliteConnection,
        case_ref: &str,
        d: &Deadline,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO deadlines (case_ref, kind, stage, start, due, breached) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (case_ref, kind) DO UPDATE SET stage = excluded.stage, start = excluded.start,
               due = excluded.due, breached = excluded.breached",
        )
        .bind(case_ref)
        .bind(d.kind.as_str())
        .bind(d.stage as i64)
        .bind(d.start)
        .bind(d.due)
        .bind(d.breached)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Clear a deadline and its pending chases.
    pub async fn clear_deadline(
        tx: &mut SqliteConnection,
        case_ref: &str,
        kind: DeadlineKind,
    ) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM deadlines WHERE case_ref = ? AND kind = ?",
            "DELETE FROM chases WHERE case_ref = ? AND kind = ? AND done = 0",
        ] {
            sqlx::query(sql)
                .bind(case_ref)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    /// Replace the pending chase points of a deadline.
    pub async fn set_chases(
        tx: &mut SqliteConnection,
        case_ref: &str,
        kind: DeadlineKind,
        at: &[DateTime<Utc>],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM chases WHERE case_ref = ? AND kind = ? AND done = 0")
            .bind(case_ref)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await?;
        for t in at {
            sqlx::query(
                "INSERT INTO chases (case_ref, kind, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(case_ref)
            .bind(kind.as_str())
            .bind(*t)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Deadlines due at `now` that have not been handled (not breached), oldest first.
    pub async fn due_deadlines(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DeadlineKind)>, StoreError> {
        let rows = sqlx::query("SELECT case_ref, kind FROM deadlines WHERE breached = 0 AND due <= ? ORDER BY due, case_ref")
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                r.get::<&str, _>(1)
                    .parse::<DeadlineKind>()
                    .ok()
                    .map(|k| (r.get::<String, _>(0), k))
            })
            .collect())
    }

    /// Chase points due at `now`, oldest first.
    pub async fn due_chases(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DeadlineKind, DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query("SELECT case_ref, kind, at FROM chases WHERE done = 0 AND at <= ? ORDER BY at, case_ref")
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                r.get::<&str, _>(1)
                    .parse::<DeadlineKind>()
                    .ok()
                    .map(|k| (r.get::<String, _>(0), k, r.get(2)))
            })
            .collect())
    }

    /// Mark a chase point done.
    pub async fn chase_done(
        tx: &mut SqliteConnection,
        case_ref: &str,
        kind: DeadlineKind,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE chases SET done = 1 WHERE case_ref = ? AND kind = ? AND at = ?")
            .bind(case_ref)
            .bind(kind.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// The earliest pending deadline or chase time (for the scheduler's sleep).
    pub async fn next_timer(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(t) FROM (SELECT MIN(due) AS t FROM deadlines WHERE breached = 0
                                 UNION ALL SELECT MIN(at) FROM chases WHERE done = 0)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<DateTime<Utc>>, _>(0).ok().flatten())
    }

    // ------------------------------------------------------------ outbox

    /// Queue a finished mail.
    pub async fn enqueue(tx: &mut SqliteConnection, m: &NewOutbox<'_>) -> Result<i64, StoreError> {
        let r = sqlx::query(
            "INSERT INTO outbox (case_ref, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        )
        .bind(m.case_ref)
        .bind(m.message_id)
        .bind(m.template)
        .bind(m.recipient)
        .bind(m.automatic)
        .bind(m.raw)
        .bind(m.created_at)
        .bind(m.created_at)
        .execute(&mut *tx)
        .await?;
        Ok(r.last_insert_rowid())
    }

    /// Queue several finished mails in one statement.
    pub async fn enqueue_many(
        tx: &mut SqliteConnection,
        rows: &[NewOutbox<'_>],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO outbox (case_ref, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at) ",
        );
        q.push_values(rows, |mut b, m| {
            b.push_bind(m.case_ref)
                .push_bind(m.message_id)
                .push_bind(m.template)
                .push_bind(m.recipient)
                .push_bind(m.automatic)
                .push_bind(m.raw)
                .push_bind(m.created_at)
                .push_bind("pending")
                .push_bind(m.created_at);
        });
        q.build().execute(&mut *tx).await?;
        Ok(())
    }

    /// A unique number for a Message-ID, allocated before the row exists.
    pub async fn outbox_count(tx: &mut SqliteConnection) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM outbox")
            .fetch_one(&mut *tx)
            .await?;
        Ok(row.get(0))
    }

    /// Claim up to `limit` mails due at `now`, leasing them until `lease_until`
    /// so a second sender (or a restart) does not send them twice.
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "UPDATE outbox SET lease_until = ?
             WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                          AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?)
             RETURNING id, case_ref, message_id, template, recipient, raw, attempts, created_at",
        )
        .bind(lease_until)
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<OutboxRow> = rows.iter().map(OutboxRow::from_row).collect();
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// Claim the oldest due mail of one template (operator alerts, when they
    /// must go another way), leased until `lease_until`.
    pub async fn claim_outbox_template(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        template: &str,
    ) -> Result<Option<OutboxRow>, StoreError> {
        let row = sqlx::query(
            "UPDATE outbox SET lease_until = ?
             WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND template = ? AND next_attempt_at <= ?
                         AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT 1)
             RETURNING id, case_ref, message_id, template, recipient, raw, attempts, created_at",
        )
        .bind(lease_until)
        .bind(template)
        .bind(now)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(OutboxRow::from_row))
    }

    /// Extend the lease of a mail still being delivered.
    pub async fn renew_lease(&self, id: i64, lease_until: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET lease_until = ? WHERE id = ? AND status = 'pending'")
            .bind(lease_until)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account could not be used: give the mail back with the reason,
    /// its attempts and its schedule untouched (it goes as soon as the
    /// account works again).
    pub async fn outbox_waiting(&self, id: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET lease_until = NULL, last_error = ? WHERE id = ?")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Give a claimed mail back untouched (a stop, or no way to send it now).
    pub async fn outbox_release(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET lease_until = NULL WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Mails currently leased by a sender (none once the daemon has stopped).
    pub async fn leased_outbox(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until >= ?",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Record a delivery.
    pub async fn outbox_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, lease_until = NULL WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record a transient failure and when to try again.
    pub async fn outbox_retry(
        &self,
        id: i64,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.reschedule(id, next, error, 1).await
    }

    /// Put a mail back for later without counting an attempt: the sending
    /// account itself is failing (sign-in), not this mail.
    pub async fn outbox_defer(
        &self,
        id: i64,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.reschedule(id, next, error, 0).await
    }

    async fn reschedule(
        &self,
        id: i64,
        next: DateTime<Utc>,
        error: &str,
        attempts: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ?, lease_until = NULL WHERE id = ?")
            .bind(attempts)
            .bind(next)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record a permanent failure, against the case in the audit log too.
    pub async fn outbox_failed(
        &self,
        row: &OutboxRow,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, lease_until = NULL WHERE id = ?")
            .bind(error)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        let audit = Audit {
            actor: crate::core::case::Actor::System,
            action: "delivery failed".into(),
            detail: format!(
                "{} to {} could not be delivered: {error}",
                row.template, row.recipient
            ),
            message_id: Some(row.message_id.clone()),
        };
        Self::append_audit(&mut tx, row.case_ref.as_deref(), now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Was any of `message_ids` a mail complaintd queued to `recipient`?
    /// A reply that answers mail sent to its own sender has standing on the
    /// case; one that answers mail sent to someone else (a forward) has not.
    pub async fn issued_to(
        tx: &mut SqliteConnection,
        message_ids: &[String],
        recipient: &str,
    ) -> Result<bool, StoreError> {
        for id in message_ids {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>');
            let row = sqlx::query(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE message_id = ? AND recipient = ?)",
            )
            .bind(id)
            .bind(recipient)
            .fetch_one(&mut *tx)
            .await?;
            if row.get::<bool, _>(0) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The newest `limit` finished mails of a case to `recipient`, newest
    /// first: what a reply from them may quote.
    pub async fn recent_mail_to(
        tx: &mut SqliteConnection,
        case_ref: &str,
        recipient: &str,
        limit: i64,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows = sqlx::query(
            "SELECT raw FROM outbox WHERE case_ref = ? AND recipient = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(case_ref)
        .bind(recipient)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        Ok(rows.iter().map(|r| r.get::<Vec<u8>, _>(0)).collect())
    }

    /// Outbox rows of a case (or all when `None`), oldest first.
    pub async fn outbox(&self, case_ref: Option<&str>) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_ref, message_id, template, recipient, raw, attempts, created_at, status, last_error
             FROM outbox WHERE (?1 IS NULL OR case_ref = ?1) ORDER BY id",
        )
        .bind(case_ref)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(OutboxRow::from_row).collect())
    }

    /// The most recent permanent failures, without their message bytes (for
    /// the digest: it must not read the whole outbox to find them).
    pub async fn failed_outbox(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_ref, message_id, template, recipient, X'' AS raw, attempts, created_at, status, last_error
             FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(OutboxRow::from_row).collect())
    }

    /// Outbox rows queued after row `id`, oldest first.
    pub async fn outbox_after(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_ref, message_id, template, recipient, raw, attempts, created_at, status, last_error
             FROM outbox WHERE id > ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(OutboxRow::from_row).collect())
    }

    /// Counts of outbox rows by status.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'sent'), 0), COALESCE(SUM(status = 'failed'), 0) FROM outbox",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(OutboxCounts {
            pending: row.get(0),
            sent: row.get(1),
            failed: row.get(2),
        })
    }

    /// The earliest time a pending mail may be tried (a leased one: when its
    /// lease runs out, so a mail left leased by a crash is not polled for).
    pub async fn next_outbox_attempt(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)
             FROM outbox WHERE status = 'pending'",
        )
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<DateTime<Utc>>, _>(0).ok().flatten())
    }

    // ------------------------------------------------------------ fetch state, digest

    /// The last UID taken in for (mailbox, UIDVALIDITY). A different
    /// UIDVALIDITY means the server renumbered the folder: start again from 0
    /// (Message-ID deduplication keeps that from doubling anything).
    pub async fn imap_checkpoint(
        &self,
        mailbox: &str,
        uidvalidity: u32,
    ) -> Result<u32, StoreError> {
        let row = sqlx::query("SELECT uidvalidity, last_uid FROM fetch_state WHERE mailbox = ?")
            .bind(mailbox)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) if r.get::<Option<i64>, _>(0) == Some(i64::from(uidvalidity)) => {
                Ok(r.get::<Option<i64>, _>(1).unwrap_or(0) as u32)
            }
            _ => {
                sqlx::query(
                    "INSERT INTO fetch_state (mailbox, uidvalidity, last_uid) VALUES (?, ?, 0)
                     ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = 0",
                )
                .bind(mailbox)
                .bind(i64::from(uidvalidity))
                .execute(&self.pool)
                .await?;
                Ok(0)
            }
        }
    }

    /// Advance the checkpoint after a message's commit.
    pub async fn set_imap_checkpoint(
        &self,
        mailbox: &str,
        uidvalidity: u32,
        uid: u32,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO fetch_state (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?)
             ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,
               last_uid = MAX(COALESCE(fetch_state.last_uid, 0), excluded.last_uid)
             WHERE fetch_state.uidvalidity IS NULL OR fetch_state.uidvalidity = excluded.uidvalidity",
        )
        .bind(mailbox)
        .bind(i64::from(uidvalidity))
        .bind(i64::from(uid))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a successful fetch of a mailbox.
    pub async fn fetch_ok(&self, mailbox: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO fetch_state (mailbox, last_success_at) VALUES (?, ?)
             ON CONFLICT (mailbox) DO UPDATE SET last_success_at = excluded.last_success_at",
        )
        .bind(mailbox)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a failed fetch of a mailbox.
    pub async fn fetch_error(
        &self,
        mailbox: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO fetch_state (mailbox, last_error, last_error_at) VALUES (?, ?, ?)
             ON CONFLICT (mailbox) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at",
        )
        .bind(mailbox)
        .bind(error)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Fetch state of every mailbox.
    pub async fn fetch_states(&self) -> Result<Vec<FetchState>, StoreError> {
        let rows = sqlx::query("SELECT mailbox, last_success_at, last_error, last_error_at FROM fetch_state ORDER BY mailbox")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(FetchState::from_row).collect())
    }

    /// Claim the digest for a day: true the first time only.
    pub async fn claim_digest(&self, day: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let r =
            sqlx::query("INSERT INTO digests (day, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(day)
                .bind(at)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// All deadlines, for the digest.
    pub async fn all_deadlines(&self) -> Result<Vec<(String, Deadline)>, StoreError> {
        let rows = sqlx::query(
            "SELECT case_ref, kind, stage, start, due, breached FROM deadlines ORDER BY due",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let kind = r.get::<&str, _>(1).parse::<DeadlineKind>().ok()?;
                Some((
                    r.get::<String, _>(0),
                    Deadline {
                        kind,
                        stage: r.get::<i64, _>(2) as usize,
                        start: r.get(3),
                        due: r.get(4),
                        breached: r.get(5),
                    },
                ))
            })
            .collect())
    }

    /// Audit entries between two instants (for the digest).
    pub async fn audit_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(Option<String>, AuditRow)>, StoreError> {
        let rows = sqlx::query("SELECT case_ref, at, actor, action, detail, message_id FROM audit WHERE at >= ? AND at < ? ORDER BY id")
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get::<Option<String>, _>(0),
                    AuditRow {
                        at: r.get(1),
                        actor: r.get(2),
                        action: r.get(3),
                        detail: r.get(4),
                        message_id: r.get(5),
                    },
                )
            })
            .collect())
    }

    /// Write the WAL into the database file and sync it: after this, every
    /// commit so far survives a power cut.
    pub async fn sync(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(FULL)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record that a worker completed a pass.
    pub async fn heartbeat(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO heartbeat (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at")
            .bind(name)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When each worker last completed a pass.
    pub async fn heartbeats(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query("SELECT name, at FROM heartbeat ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The most recent digest day sent, if any.
    pub async fn last_digest(&self) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row = sqlx::query("SELECT day, sent_at FROM digests ORDER BY day DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// The oldest mail still waiting to be sent.
    pub async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<DateTime<Utc>>, _>(0).ok().flatten())
    }

    /// How many inbound messages are stored (for progress and benchmarks).
    pub async fn message_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM messages")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get(0))
    }

    /// Size of the database file in bytes (pages × page size).
    pub async fn size_bytes(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }
}
