//! The store: the only module that writes SQL.
//!
//! SQLite through sqlx (runtime queries, not the compile-time macros, so the
//! PostgreSQL backend can mirror the same functions). Business time is
//! always a parameter. One file per group of tables: `messages.rs`
//! (messages, quarantine), `cases.rs` (cases, case numbers, audit),
//! `deadlines.rs` (deadlines, chase points), `outbox.rs`, `fetch.rs` (fetch
//! state, heartbeats), `accounts.rs` (sign-in health, secret warnings),
//! `digests.rs`, `caps.rs` (cap ledger, held mail); `names.rs` holds the
//! stored names of enumerated columns and how they are read and written.
//!
//! # Two kinds of function: in the caller's transaction, or on the pool
//!
//! The signature says which:
//!
//! - **`Store::f(tx: &mut SqliteConnection, …)`**, an associated function
//!   with no `self` whose first parameter is named `tx`: one step of the
//!   caller's unit of work. It runs on the connection it is given (a [`Tx`]
//!   from [`Store::begin`], passed as `&mut tx`), never begins, commits or
//!   rolls back, so everything the caller does between `begin` and `commit`
//!   lands together or not at all.
//! - **`store.f(&self, …)`**, a method: a unit of work by itself: one
//!   statement, or a transaction it begins and commits before it returns
//!   ([`Store::outbox_failed`]). A method that reads runs on a pooled reader
//!   connection; one that writes on the store's one writer connection, the
//!   connection every [`Tx`] holds. Never call a writing method while
//!   holding a [`Tx`]: it would wait for the caller's own connection.
//!
//! A read needed both ways is written once, in the transaction form, and the
//! method acquires a connection and calls it (`store.case(r)` is
//! `Store::load_case(&mut conn, r)`). Case references go in and come out as
//! [`CaseRef`](crate::core::reference::CaseRef); enumerated columns as their
//! enums (see `names.rs`); rows are read by name into `sqlx::FromRow` types.

mod accounts;
mod caps;
mod cases;
mod copy;
mod corrections;
pub(crate) mod db;
mod deadlines;
mod digests;
mod fetch;
mod figures;
mod instances;
mod languages;
mod messages;
mod names;
mod outbox;
mod packed;
mod retention;

pub use copy::{copy, Copied, CopyError};
pub use corrections::{Corrected, Correction, Label as CorrectionLabel};
pub use db::{Conn, Tx};

pub use accounts::AccountHealth;
pub use caps::{Counted, HeldMail, NewCounted};
pub use cases::AuditRow;
pub use digests::{Capped, DueItem, OutboxBacklog};
pub use fetch::FetchState;
pub use figures::ReportFigures;
pub use instances::{Fence, InstanceRow, LeaseView, MailboxLease};
pub use languages::LanguageSource;
pub use messages::{NewMessage, QuarantineEntry, StoredKey, StoredMessage, THIRD_PARTY_NOTE};
pub use names::{ActorKind, MessageStatus, OutboxStatus, Worker};
pub use outbox::{NewOutbox, OutboxCounts, OutboxRow};
pub use packed::{PackError, StoredBytes};
pub use retention::{Removed, SentTo};

use db::on;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
#[cfg(test)]
use sqlx::SqliteConnection;
use sqlx::{PgPool, SqlitePool};
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
    /// A checkpoint write by an instance that no longer holds the
    /// mailbox's lease: refused, with everything in its transaction.
    #[error("mailbox {mailbox}: the lease taken with fence {fence} is no longer held (fence now {now:?}); nothing was written")]
    Fenced {
        /// The mailbox.
        mailbox: String,
        /// The fence the writer held.
        fence: i64,
        /// The fence in the database, if the mailbox has a lease row.
        now: Option<i64>,
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

/// The page cache per connection unless configured: small, because every
/// read on the hot paths goes through an index (issue 14: at 64 MiB each,
/// the pool alone could hold 256 MiB).
pub const DEFAULT_CACHE_MIB: u32 = 4;

/// Connections in the read pool: the sender, the scheduler, a command or
/// health check. Each has its own page cache. Writes go through one more
/// connection of their own (see [`Store`]).
pub const POOL_SIZE: u32 = 3;

/// Rows a reader's worker thread may run ahead of the task reading them.
/// sqlx hands each row from the thread that steps the statement to the
/// reading task through a channel of 50 by default, so a long read (a
/// year's lessons register at a million cases: 100,000 rows) switched
/// threads every few rows and, on a busy machine, waited for a core at
/// each switch: two seconds of wall time for 0.1 s of work. A deeper
/// channel lets the statement run on: the figures read their rows into
/// memory anyway (`fetch_all`), and a streamed read holds at most this
/// many rows more.
const READ_ROWS_AHEAD: usize = 4096;

/// How long a writer waits for SQLite's write lock (another process's
/// transaction) and, in this process, for the one writer connection.
///
/// Longer than any transaction may take on a loaded machine: a message's
/// pass may run for up to its processing budget (`[limits]
/// processing_budget_ms`, 10 s by default) with the lock held, and a batch
/// runs many passes in one transaction. At 10 s, a second writer beside a
/// large message failed with "database is locked" whenever the machine was
/// busy enough to stretch that pass past 10 s (measured: the first pass of
/// a 400,000-line message held the lock 8–9 s with four test processes on
/// two cores, 12–16 s with the one writer connection). Waiting costs a
/// background writer nothing; failing costs a retry or a quarantine.
pub const WRITE_WAIT: Duration = Duration::from_secs(120);

/// The database.
///
/// Every write goes through one connection, `writer`, opened with the store
/// and held for its life (issue 14): SQLite has one writer at a time anyway,
/// so writers queue here for the connection rather than in SQLite's busy
/// loop, and the writer's page cache and prepared statements stay warm
/// across the daemon's transactions. Reads outside a transaction go to
/// `pool`, which WAL lets run beside the writer.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

/// The pools of one backend.
#[derive(Clone, Debug)]
enum Backend {
    /// SQLite: readers beside the one writer connection.
    Sqlite {
        /// Readers.
        pool: SqlitePool,
        /// The one writer connection.
        writer: SqlitePool,
    },
    /// PostgreSQL: one pool; writers serialise on a transaction-level
    /// advisory lock instead (see [`Store::begin`]).
    Postgres {
        /// Every connection.
        pool: PgPool,
    },
}

/// Rows of `messages` still in the plain form, from the partial index
/// `messages_unpacked` (0202): read at every open, so never a scan.
pub(crate) const UNPACKED_MESSAGES: &str =
    "SELECT id, raw FROM messages WHERE substr(raw, 1, 1) = X'00' AND id > ? ORDER BY id LIMIT ?";

/// The same for `outbox` (`outbox_unpacked`).
pub(crate) const UNPACKED_OUTBOX: &str =
    "SELECT id, raw FROM outbox WHERE substr(raw, 1, 1) = X'00' AND id > ? ORDER BY id LIMIT ?";

impl Store {
    /// Open (creating if missing) a SQLite database file and apply
    /// migrations, with the default page cache ([`DEFAULT_CACHE_MIB`]).
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with_cache(path, DEFAULT_CACHE_MIB).await
    }

    /// [`Store::open`] with a page cache of `cache_mib` MiB per connection
    /// (`[store] cache_mib`). The read pool holds at most [`POOL_SIZE`]
    /// connections and the writer one, so the caches together never exceed
    /// `(POOL_SIZE + 1) × cache_mib`.
    pub async fn open_with_cache(path: &Path, cache_mib: u32) -> Result<Store, StoreError> {
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
            // Negative: KiB rather than pages. The digest and scheduler read
            // through indexes, so a few MiB hold what they touch.
            .pragma(
                "cache_size",
                format!("-{}", u64::from(cache_mib.max(1)) * 1024),
            )
            .pragma("temp_store", "memory")
            // The database holds people's mail: bytes removed under the
            // retention policy or on an erasure request are overwritten,
            // not left in free pages (store/retention.rs).
            .pragma("secure_delete", "on")
            .foreign_keys(true)
            .busy_timeout(WRITE_WAIT);
        Self::with_options(opts).await
    }

    /// Open from a `sqlite:` URL naming a file (not `sqlite::memory:`: the
    /// writer and the readers would each get a database of their own).
    pub async fn open_url(url: &str) -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(WRITE_WAIT);
        Self::with_options(opts).await
    }

    async fn with_options(opts: SqliteConnectOptions) -> Result<Store, StoreError> {
        // The writer first: it creates the file and the WAL. One connection,
        // opened now and never closed for idleness or age, so the daemon
        // writes through the same connection for its whole life.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            // Writers of this process queue here rather than on SQLite's
            // lock: as long as they would wait there.
            .acquire_timeout(WRITE_WAIT)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.clone())
            .await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(opts.row_buffer_size(READ_ROWS_AHEAD))
            .await?;
        let store = Store {
            backend: Backend::Sqlite { pool, writer },
        };
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

    /// Open a PostgreSQL database (`[store] url = "postgres://…"`), with
    /// `password` from the configuration's file or environment when the
    /// URL carries none, and apply migrations.
    pub async fn open_postgres(
        url: &str,
        password: Option<&str>,
        max_connections: u32,
    ) -> Result<Store, StoreError> {
        let mut opts = PgConnectOptions::from_str(url)?;
        if let Some(p) = password {
            opts = opts.password(p);
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(WRITE_WAIT)
            .connect_with(opts)
            .await?;
        let store = Store {
            backend: Backend::Postgres { pool },
        };
        // sqlx's PostgreSQL migrator holds an advisory lock while it runs,
        // so instances starting together apply each migration once.
        store.migrate().await?;
        Ok(store)
    }

    /// Whether this store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    /// A pooled connection for reads outside a transaction.
    pub async fn reader(&self) -> Result<Conn, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite { pool, .. } => Conn::SqlitePooled(pool.acquire().await?),
            Backend::Postgres { pool } => Conn::PgPooled(pool.acquire().await?),
        })
    }

    /// A connection for one writing statement outside a transaction: on
    /// SQLite the one writer connection (wait for it as for a [`Tx`]).
    pub async fn writer(&self) -> Result<Conn, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite { writer, .. } => Conn::SqlitePooled(writer.acquire().await?),
            Backend::Postgres { pool } => Conn::PgPooled(pool.acquire().await?),
        })
    }

    /// Whether the database answers and every migration this build knows is
    /// applied (readiness: a daemon of an older build beside a newer schema
    /// is still ready; one whose migrations failed is not).
    pub async fn schema_current(&self) -> Result<bool, StoreError> {
        const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success = TRUE";
        Ok(match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let applied: Vec<i64> = sqlx::query_scalar(APPLIED).fetch_all(pool).await?;
                sqlx::migrate!("./migrations/sqlite")
                    .iter()
                    .all(|m| applied.contains(&m.version))
            }
            Backend::Postgres { pool } => {
                let applied: Vec<i64> = sqlx::query_scalar(APPLIED).fetch_all(pool).await?;
                sqlx::migrate!("./migrations/postgres")
                    .iter()
                    .all(|m| applied.contains(&m.version))
            }
        })
    }

    /// Apply pending migrations (`migrations/sqlite` or
    /// `migrations/postgres`), then compress the message bytes of rows
    /// written before they were kept compressed.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                sqlx::migrate!("./migrations/sqlite").run(writer).await?
            }
            Backend::Postgres { pool } => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        self.pack_existing().await?;
        Ok(())
    }

    /// Compress `messages.raw` and `outbox.raw` of rows still kept as they
    /// are (form byte `0x00`, see `packed.rs`): a batch of rows per short
    /// transaction, so a large database is converted without holding the
    /// write lock for long, and a conversion that stops resumes at the next
    /// open. Returns how many rows it compressed; 0 once all are done.
    pub async fn pack_existing(&self) -> Result<u64, StoreError> {
        const BATCH: i64 = 200;
        // Rows kept plain exist only in SQLite databases written before
        // 0140; `store copy` opens its source through `Store::open`, which
        // compresses them before a row is copied.
        if self.is_postgres() {
            return Ok(0);
        }
        let mut done = 0;
        for (select, update) in [
            (
                UNPACKED_MESSAGES,
                "UPDATE messages SET raw = ? WHERE id = ?",
            ),
            (UNPACKED_OUTBOX, "UPDATE outbox SET raw = ? WHERE id = ?"),
        ] {
            let mut after = 0i64;
            loop {
                let mut tx = self.begin().await?;
                let rows: Vec<(i64, Vec<u8>)> = on!(tx, |c| db::query_as(select)
                    .bind(after)
                    .bind(BATCH)
                    .fetch_all(&mut *c)
                    .await?);
                let Some((last, _)) = rows.last() else {
                    tx.rollback().await?;
                    break;
                };
                after = *last;
                for (id, stored) in &rows {
                    if !packed::is_plain(stored) {
                        continue;
                    }
                    let packed = packed::pack(&stored[1..]);
                    on!(tx, |c| {
                        db::query(update)
                            .bind(&packed)
                            .bind(id)
                            .execute(&mut *c)
                            .await?;
                    });
                    done += 1;
                }
                tx.commit().await?;
            }
        }
        if done > 0 {
            tracing::info!(rows = done, "compressed stored message bytes");
        }
        Ok(done)
    }

    /// Start a unit of work. It takes the write lock at once, so a
    /// concurrent writer waits instead of failing when it first read and
    /// then wants to write.
    ///
    /// SQLite: `BEGIN IMMEDIATE` on the store's one writer connection: a
    /// second `begin` waits until the first commits or rolls back.
    ///
    /// PostgreSQL: a transaction holding [`WRITE_LOCK`], a transaction-level
    /// advisory lock, taken before its first statement: units of work of
    /// every instance run one after another, as SQLite's do, so what the
    /// daemon decides from what it read (the next case number, whether a
    /// message was seen) still holds when it commits. Work that must run
    /// beside it (claiming outbox rows) uses [`Store::begin_shared`].
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                Ok(Tx::sqlite(writer.begin_with("BEGIN IMMEDIATE").await?))
            }
            Backend::Postgres { pool } => {
                let mut t = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *t)
                    .await?;
                Ok(Tx::postgres(t))
            }
        }
    }

    /// A transaction that does not take [`WRITE_LOCK`] on PostgreSQL: for
    /// short work that locks only the rows it touches (`FOR UPDATE SKIP
    /// LOCKED`). On SQLite the same as [`Store::begin`].
    pub async fn begin_shared(&self) -> Result<Tx, StoreError> {
        match &self.backend {
            Backend::Sqlite { .. } => self.begin().await,
            Backend::Postgres { pool } => Ok(Tx::postgres(pool.begin().await?)),
        }
    }

    /// Open a savepoint in `tx` (a batch's message: `crate::work::batch`);
    /// it ends with [`Store::release`] (keep its writes) or
    /// [`Store::rollback_to`] (undo them).
    pub async fn savepoint(tx: &mut Conn) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("SAVEPOINT message").execute(&mut *c).await?;
        });
        Ok(())
    }

    /// End the innermost savepoint keeping what was written since it opened.
    pub async fn release(tx: &mut Conn) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("RELEASE SAVEPOINT message")
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// End the innermost savepoint undoing what was written since it opened.
    pub async fn rollback_to(tx: &mut Conn) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("ROLLBACK TO SAVEPOINT message")
                .execute(&mut *c)
                .await?;
            db::query("RELEASE SAVEPOINT message")
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Close the readers, then the writer (the last connection to close
    /// folds SQLite's WAL into the database).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { pool, writer } => {
                pool.close().await;
                writer.close().await;
            }
            Backend::Postgres { pool } => pool.close().await,
        }
    }

    /// Make every commit so far survive a power cut: SQLite writes its WAL
    /// into the database file and syncs it; PostgreSQL's commits are
    /// already durable (its own WAL, `synchronous_commit`).
    pub async fn sync(&self) -> Result<(), StoreError> {
        if let Backend::Sqlite { writer, .. } = &self.backend {
            sqlx::query("PRAGMA wal_checkpoint(FULL)")
                .execute(writer)
                .await?;
        }
        Ok(())
    }

    /// Size of the database in bytes (SQLite: pages × page size;
    /// PostgreSQL: `pg_database_size` of the current database).
    pub async fn size_bytes(&self) -> Result<i64, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite { pool, .. } => {
                sqlx::query_scalar(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                )
                .fetch_one(pool)
                .await?
            }
            Backend::Postgres { pool } => {
                sqlx::query_scalar("SELECT pg_database_size(current_database())")
                    .fetch_one(pool)
                    .await?
            }
        })
    }
}

/// The advisory lock every writing transaction holds on PostgreSQL
/// ([`Store::begin`]): an arbitrary constant, "cpd1" in ASCII.
pub const WRITE_LOCK: i64 = 0x6370_6431;

/// Direct access to SQLite for the store's own unit tests, which read and
/// tamper with the file behind the store's back (the integration tests do
/// the same on both backends through their own connection).
#[cfg(test)]
impl Store {
    /// The SQLite read pool (`None` on PostgreSQL).
    pub(crate) fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite { pool, .. } => Some(pool),
            Backend::Postgres { .. } => None,
        }
    }

    /// The SQLite writer connection's pool (`None` on PostgreSQL).
    pub(crate) fn sqlite_writer(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => Some(writer),
            Backend::Postgres { .. } => None,
        }
    }
}

#[cfg(test)]
impl Conn {
    /// The SQLite connection underneath (`None` on PostgreSQL).
    pub(crate) fn sqlite(&mut self) -> Option<&mut SqliteConnection> {
        match self.db() {
            db::Db::Sqlite(c) => Some(c),
            db::Db::Pg(_) => None,
        }
    }
}

#[cfg(test)]
mod plans;
#[cfg(test)]
mod tests;
