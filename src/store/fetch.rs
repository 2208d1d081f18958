//! Per-mailbox fetch state (IMAP: UIDVALIDITY and the last UID taken in;
//! every source: the last success and error) and the workers' heartbeats.

use super::db::{self, on, Sql};
use super::names::ReadFrom;
use super::Conn;
use super::{Store, StoreError, Worker};
use chrono::{DateTime, Utc};

/// A mailbox's fetch health.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct FetchState {
    /// Mailbox name.
    pub mailbox: String,
    /// Last successful fetch.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<DateTime<Utc>>,
}

/// An IMAP checkpoint as stored.
#[derive(sqlx::FromRow)]
struct Checkpoint {
    uidvalidity: Option<i64>,
    last_uid: Option<i64>,
}

impl Store {
    /// The last UID taken in for (mailbox, UIDVALIDITY). A different
    /// UIDVALIDITY means the server renumbered the folder: start again from 0
    /// (Message-ID deduplication keeps that from doubling anything).
    pub async fn imap_checkpoint(
        &self,
        mailbox: &str,
        uidvalidity: u32,
    ) -> Result<u32, StoreError> {
        let mut c = self.reader().await?;
        let row: Option<Checkpoint> = on!(c, |c| {
            db::query_as("SELECT uidvalidity, last_uid FROM fetch_state WHERE mailbox = ?")
                .bind(mailbox)
                .fetch_optional(&mut *c)
                .await?
        });
        match row {
            Some(c) if c.uidvalidity == Some(i64::from(uidvalidity)) => {
                Ok(c.last_uid.unwrap_or(0) as u32)
            }
            _ => {
                let mut c = self.writer().await?;
                on!(c, |c| {
                    db::query(
                        "INSERT INTO fetch_state (mailbox, uidvalidity, last_uid) VALUES (?, ?, 0)
                         ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = 0",
                    )
                    .bind(mailbox)
                    .bind(i64::from(uidvalidity))
                    .execute(&mut *c)
                    .await?;
                });
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
        let mut conn = self.writer().await?;
        Store::advance_imap_checkpoint(&mut conn, mailbox, uidvalidity, uid).await
    }

    /// [`Store::set_imap_checkpoint`] in the caller's transaction: a batch
    /// writes it in the commit that stores the messages it covers.
    pub async fn advance_imap_checkpoint(
        tx: &mut Conn,
        mailbox: &str,
        uidvalidity: u32,
        uid: u32,
    ) -> Result<(), StoreError> {
        // The larger of two values: SQLite's scalar MAX, PostgreSQL's GREATEST.
        const ADVANCE: Sql = Sql::each(
            "INSERT INTO fetch_state (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?)
             ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,
               last_uid = MAX(COALESCE(fetch_state.last_uid, 0), excluded.last_uid)
             WHERE fetch_state.uidvalidity IS NULL OR fetch_state.uidvalidity = excluded.uidvalidity",
            "INSERT INTO fetch_state (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?)
             ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,
               last_uid = GREATEST(COALESCE(fetch_state.last_uid, 0), excluded.last_uid)
             WHERE fetch_state.uidvalidity IS NULL OR fetch_state.uidvalidity = excluded.uidvalidity",
        );
        on!(tx, |c| {
            db::query(ADVANCE)
                .bind(mailbox)
                .bind(i64::from(uidvalidity))
                .bind(i64::from(uid))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Record a successful fetch of a mailbox.
    pub async fn fetch_ok(&self, mailbox: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query(
                "INSERT INTO fetch_state (mailbox, last_success_at) VALUES (?, ?)
                 ON CONFLICT (mailbox) DO UPDATE SET last_success_at = excluded.last_success_at",
            )
            .bind(mailbox)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Record a failed fetch of a mailbox.
    pub async fn fetch_error(
        &self,
        mailbox: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query(
                "INSERT INTO fetch_state (mailbox, last_error, last_error_at) VALUES (?, ?, ?)
                 ON CONFLICT (mailbox) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at",
            )
            .bind(mailbox)
            .bind(error)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Fetch state of every mailbox.
    pub async fn fetch_states(&self) -> Result<Vec<FetchState>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_as(
                "SELECT mailbox, last_success_at, last_error, last_error_at FROM fetch_state ORDER BY mailbox",
            )
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// Record that a worker completed a pass.
    pub async fn heartbeat(&self, name: Worker, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query("INSERT INTO heartbeat (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at")
                .bind(name)
                .bind(at)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// When each worker last completed a pass.
    pub async fn heartbeats(&self) -> Result<Vec<(Worker, DateTime<Utc>)>, StoreError> {
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as("SELECT name, at FROM heartbeat ORDER BY name")
                .fetch_all(&mut *c)
                .await
                .read_from("heartbeat")
        })
    }
}
