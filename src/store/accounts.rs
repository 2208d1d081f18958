//! Sign-in health per mailbox and SMTP account, and the secret-expiry
//! warnings already sent.

use super::db::{self, on, Sql};
use super::names::ReadFrom;
use super::Conn;
use super::{Store, StoreError};
use crate::core::oauth::FailureKind;
use chrono::{DateTime, NaiveDate, Utc};

/// One account's sign-in health.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct AccountHealth {
    /// `mailbox:<name>`, `smtp:outbox` or `smtp:alerts`.
    pub account: String,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// The last sign-in error.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Since when sign-in has been failing (None: healthy).
    pub failing_since: Option<DateTime<Utc>>,
    /// Why it is failing (None: healthy).
    pub failure_kind: Option<FailureKind>,
    /// When operators were told about the current failure.
    pub alerted_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Record a successful sign-in: the account is healthy again. Cheap when
    /// nothing changes, so it can be called on every sign-in.
    pub async fn login_ok(&self, account: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query(
                "INSERT INTO account_health (account, last_login_at) VALUES (?, ?)
                 ON CONFLICT (account) DO UPDATE SET last_login_at = excluded.last_login_at,
                     failing_since = NULL, failure_kind = NULL",
            )
            .bind(account)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Record a failed sign-in. The failure run starts at the first failure;
    /// an authentication failure outranks a transient one within a run.
    pub async fn login_failed(
        &self,
        account: &str,
        at: DateTime<Utc>,
        kind: FailureKind,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        // Plain `?` placeholders, the authentication kind bound twice: a
        // numbered `?6` would not survive the numbering for PostgreSQL.
        on!(c, |c| {
            db::query(
                "INSERT INTO account_health (account, last_error, last_error_at, failing_since, failure_kind)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (account) DO UPDATE SET last_error = excluded.last_error,
                     last_error_at = excluded.last_error_at,
                     failing_since = COALESCE(account_health.failing_since, excluded.failing_since),
                     failure_kind = CASE WHEN account_health.failure_kind = ? THEN ?
                                         ELSE excluded.failure_kind END",
            )
            .bind(account)
            .bind(error)
            .bind(at)
            .bind(at)
            .bind(kind)
            .bind(FailureKind::Auth)
            .bind(FailureKind::Auth)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Every account's health, by name.
    pub async fn account_health(&self) -> Result<Vec<AccountHealth>, StoreError> {
        // Ordered by the bytes of the name on both backends, as SQLite
        // compares text (PostgreSQL would use the database's collation).
        const ALL: Sql = Sql::each(
            "SELECT account, last_login_at, last_error, last_error_at, failing_since, failure_kind, alerted_at
             FROM account_health ORDER BY account",
            "SELECT account, last_login_at, last_error, last_error_at, failing_since, failure_kind, alerted_at
             FROM account_health ORDER BY account COLLATE \"C\"",
        );
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(ALL)
                .fetch_all(&mut *c)
                .await
                .read_from("account_health")
        })
    }

    /// Mark (inside the transaction that queues the alert) that operators
    /// were told; `None` after the all-clear went out.
    pub async fn set_alerted(
        tx: &mut Conn,
        account: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("UPDATE account_health SET alerted_at = ? WHERE account = ?")
                .bind(at)
                .bind(account)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The expiry warnings (in days ahead) already sent for an account's secret.
    pub async fn secret_warnings(
        &self,
        account: &str,
        expires: NaiveDate,
    ) -> Result<Vec<i64>, StoreError> {
        // `expires` is TEXT (`YYYY-MM-DD`) on both backends, bound as text.
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar("SELECT days FROM secret_warnings WHERE account = ? AND expires = ?")
                .bind(account)
                .bind(expires.to_string())
                .fetch_all(&mut *c)
                .await?
        }))
    }

    /// Record an expiry warning (in the transaction that queues it).
    pub async fn secret_warned(
        tx: &mut Conn,
        account: &str,
        expires: NaiveDate,
        days: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query(
                "INSERT INTO secret_warnings (account, expires, days, sent_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT DO NOTHING",
            )
            .bind(account)
            .bind(expires.to_string())
            .bind(days)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }
}
