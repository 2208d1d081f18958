//! Finished outgoing mail, one row per recipient, rendered when queued; the
//! sender claims one at a time under a lease.
//!
//! Rows are numbered by the store, each the next after the largest, not by
//! the database: the number in a mail's Message-ID and tokens is allocated
//! from the largest id before its row exists ([`Store::outbox_count`]), and
//! PostgreSQL's identity sequence skips the values a rolled-back pass took
//! (SQLite's rowid does not), so the same mail would get a different
//! Message-ID on each backend. Every writer holds the write lock
//! ([`Store::begin`]), so the next id is free when it is taken.

use super::db::{self, on, Sql};
use super::names::ReadFrom;
use super::packed::{Packed, StoredBytes};
use super::Conn;
use super::{OutboxStatus, Store, StoreError};
use crate::core::case::{Actor, Audit};
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};

/// The columns an [`OutboxRow`] is read from (a macro, so `concat!` builds
/// each query as a static string).
macro_rules! outbox_columns {
    () => {
        "id, case_ref, message_id, template, recipient, raw, attempts, created_at, status, last_error"
    };
}

/// A mail to queue.
#[derive(Debug)]
pub struct NewOutbox<'a> {
    /// The case it is about.
    pub case_ref: Option<&'a CaseRef>,
    /// Its fixed Message-ID.
    pub message_id: &'a str,
    /// Template name.
    pub template: &'a str,
    /// One recipient address.
    pub recipient: &'a str,
    /// Counts against per-recipient caps.
    pub automatic: bool,
    /// The finished RFC 5322 message, in its stored form.
    pub raw: &'a StoredBytes,
    /// When queued (business time).
    pub created_at: DateTime<Utc>,
}

/// A queued mail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_ref: Option<CaseRef>,
    /// Message-ID.
    pub message_id: String,
    /// Template name.
    pub template: String,
    /// Recipient.
    pub recipient: String,
    /// The finished message (empty where a listing leaves it out; kept
    /// compressed: see `packed.rs`).
    #[sqlx(try_from = "Packed")]
    pub raw: Vec<u8>,
    /// Attempts so far.
    pub attempts: i64,
    /// When queued.
    pub created_at: DateTime<Utc>,
    /// Where it is.
    pub status: OutboxStatus,
    /// Last error.
    pub last_error: Option<String>,
}

/// Outbox counts.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, sqlx::FromRow)]
pub struct OutboxCounts {
    /// Waiting to be sent.
    pub pending: i64,
    /// Delivered.
    pub sent: i64,
    /// Permanently failed.
    pub failed: i64,
}

impl Store {
    /// Queue a finished mail.
    pub async fn enqueue(tx: &mut Conn, m: &NewOutbox<'_>) -> Result<i64, StoreError> {
        // The id given explicitly, the next after the largest (see the module's
        // doc), and read back by RETURNING (PostgreSQL has no
        // last_insert_rowid). `automatic` is bound as a bool: BOOLEAN on
        // PostgreSQL, 0/1 on SQLite.
        Ok(on!(tx, |c| {
            db::query_scalar(
                "INSERT INTO outbox (id, case_ref, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at)
                 VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM outbox), ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 RETURNING id",
            )
            .bind(m.case_ref)
            .bind(m.message_id)
            .bind(m.template)
            .bind(m.recipient)
            .bind(m.automatic)
            .bind(m.raw.as_slice())
            .bind(m.created_at)
            .bind(OutboxStatus::Pending)
            .bind(m.created_at)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Queue several finished mails in one statement.
    pub async fn enqueue_many(tx: &mut Conn, rows: &[NewOutbox<'_>]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let last = Self::outbox_count(tx).await?;
        // Built inside on! so the backend is inferred (push_bind numbers
        // PostgreSQL's placeholders itself). Ids explicit: see the module's doc.
        on!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO outbox (id, case_ref, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at) ",
            );
            q.push_values(rows.iter().zip(1..), |mut b, (m, n)| {
                b.push_bind(last + n)
                    .push_bind(m.case_ref)
                    .push_bind(m.message_id)
                    .push_bind(m.template)
                    .push_bind(m.recipient)
                    .push_bind(m.automatic)
                    .push_bind(m.raw.as_slice())
                    .push_bind(m.created_at)
                    .push_bind(OutboxStatus::Pending)
                    .push_bind(m.created_at);
            });
            q.build().execute(&mut *c).await?;
        });
        Ok(())
    }

    /// A unique number for a Message-ID, allocated before the row exists.
    pub async fn outbox_count(tx: &mut Conn) -> Result<i64, StoreError> {
        // MAX of a BIGINT is BIGINT, and COALESCE takes its type from it.
        Ok(on!(tx, |c| {
            db::query_scalar("SELECT COALESCE(MAX(id), 0) FROM outbox")
                .fetch_one(&mut *c)
                .await?
        }))
    }

    /// Claim up to `limit` mails due at `now`, leasing them until `lease_until`
    /// so a second sender (or a restart) does not send them twice.
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        // PostgreSQL: senders of several instances claim at once, and a
        // second UPDATE waiting on a row the first leased would not look at
        // the subquery's lease condition again; `FOR UPDATE SKIP LOCKED`
        // leaves rows another claim holds to it. SQLite has one writer and
        // no FOR UPDATE.
        const CLAIM: Sql = Sql::each(
            concat!(
                "UPDATE outbox SET lease_until = ?
                 WHERE id IN (SELECT id FROM outbox WHERE status = ? AND next_attempt_at <= ?
                              AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?)
                 RETURNING ",
                outbox_columns!()
            ),
            concat!(
                "UPDATE outbox SET lease_until = ?
                 WHERE id IN (SELECT id FROM outbox WHERE status = ? AND next_attempt_at <= ?
                              AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?
                              FOR UPDATE SKIP LOCKED)
                 RETURNING ",
                outbox_columns!()
            ),
        );
        let mut c = self.writer().await?;
        let mut rows: Vec<OutboxRow> = on!(c, |c| {
            db::query_as(CLAIM)
                .bind(lease_until)
                .bind(OutboxStatus::Pending)
                .bind(now)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *c)
                .await
                .read_from("outbox")
        })?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Claim the oldest due mail of one template (operator alerts, when they
    /// must go another way), leased until `lease_until`.
    pub async fn claim_outbox_template(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        template: &str,
    ) -> Result<Option<OutboxRow>, StoreError> {
        // `FOR UPDATE SKIP LOCKED` on PostgreSQL, as in claim_outbox.
        const CLAIM_TEMPLATE: Sql = Sql::each(
            concat!(
                "UPDATE outbox SET lease_until = ?
                 WHERE id = (SELECT id FROM outbox WHERE status = ? AND template = ? AND next_attempt_at <= ?
                             AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT 1)
                 RETURNING ",
                outbox_columns!()
            ),
            concat!(
                "UPDATE outbox SET lease_until = ?
                 WHERE id = (SELECT id FROM outbox WHERE status = ? AND template = ? AND next_attempt_at <= ?
                             AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT 1
                             FOR UPDATE SKIP LOCKED)
                 RETURNING ",
                outbox_columns!()
            ),
        );
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query_as(CLAIM_TEMPLATE)
                .bind(lease_until)
                .bind(OutboxStatus::Pending)
                .bind(template)
                .bind(now)
                .bind(now)
                .fetch_optional(&mut *c)
                .await
                .read_from("outbox")
        })
    }

    /// Extend the lease of a mail still being delivered.
    pub async fn renew_lease(&self, id: i64, lease_until: DateTime<Utc>) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query("UPDATE outbox SET lease_until = ? WHERE id = ? AND status = ?")
                .bind(lease_until)
                .bind(id)
                .bind(OutboxStatus::Pending)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The account could not be used: give the mail back with the reason,
    /// its attempts and its schedule untouched (it goes as soon as the
    /// account works again).
    pub async fn outbox_waiting(&self, id: i64, error: &str) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query("UPDATE outbox SET lease_until = NULL, last_error = ? WHERE id = ?")
                .bind(error)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Give a claimed mail back untouched (a stop, or no way to send it now).
    pub async fn outbox_release(&self, id: i64) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query("UPDATE outbox SET lease_until = NULL WHERE id = ?")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Mails currently leased by a sender (none once the daemon has stopped).
    pub async fn leased_outbox(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE status = ? AND lease_until IS NOT NULL AND lease_until >= ?",
            )
            .bind(OutboxStatus::Pending)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Record a delivery.
    pub async fn outbox_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query("UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1, lease_until = NULL WHERE id = ?")
                .bind(OutboxStatus::Sent)
                .bind(now)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
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
        let mut c = self.writer().await?;
        on!(c, |c| {
            db::query("UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ?, lease_until = NULL WHERE id = ?")
                .bind(attempts)
                .bind(next)
                .bind(error)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Record a permanent failure, against the case in the audit log too
    /// (its own transaction: both or neither).
    pub async fn outbox_failed(
        &self,
        row: &OutboxRow,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on!(tx, |c| {
            db::query("UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, lease_until = NULL WHERE id = ?")
                .bind(OutboxStatus::Failed)
                .bind(error)
                .bind(row.id)
                .execute(&mut *c)
                .await?;
        });
        let audit = Audit {
            actor: Actor::System,
            action: "delivery failed".into(),
            detail: format!(
                "{} to {} could not be delivered: {error}",
                row.template, row.recipient
            ),
            message_id: Some(row.message_id.clone()),
        };
        Self::append_audit(&mut tx, row.case_ref.as_ref(), now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Was any of `message_ids` a mail complaintd queued to `recipient`?
    /// A reply that answers mail sent to its own sender has standing on the
    /// case; one that answers mail sent to someone else (a forward) has not.
    pub async fn issued_to(
        tx: &mut Conn,
        message_ids: &[String],
        recipient: &str,
    ) -> Result<bool, StoreError> {
        for id in message_ids {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>');
            // EXISTS is BOOLEAN on PostgreSQL, 0/1 on SQLite: bool reads both.
            let issued: bool = on!(tx, |c| {
                db::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM outbox WHERE message_id = ? AND recipient = ?)",
                )
                .bind(id)
                .bind(recipient)
                .fetch_one(&mut *c)
                .await?
            });
            if issued {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The newest `limit` finished mails of a case to `recipient`, newest
    /// first: what a reply from them may quote.
    pub async fn recent_mail_to(
        tx: &mut Conn,
        case_ref: &CaseRef,
        recipient: &str,
        limit: i64,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows: Vec<Packed> = on!(tx, |c| {
            db::query_scalar(
                "SELECT raw FROM outbox WHERE case_ref = ? AND recipient = ? ORDER BY id DESC LIMIT ?",
            )
            .bind(case_ref)
            .bind(recipient)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
        });
        Ok(rows.into_iter().map(Vec::from).collect())
    }

    /// Outbox rows of a case (or all when `None`), oldest first.
    pub async fn outbox(&self, case_ref: Option<&CaseRef>) -> Result<Vec<OutboxRow>, StoreError> {
        // The case bound twice to plain `?` (PostgreSQL's text is numbered
        // from them; `?1` would not be).
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE (? IS NULL OR case_ref = ?) ORDER BY id"
            ))
            .bind(case_ref)
            .bind(case_ref)
            .fetch_all(&mut *c)
            .await
            .read_from("outbox")
        })
    }

    /// The most recent permanent failures, without their message bytes (for
    /// the digest: it must not read the whole outbox to find them).
    pub async fn failed_outbox(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        // An empty blob: `X''` on SQLite is a bit string on PostgreSQL.
        const FAILED: Sql = Sql::each(
            "SELECT id, case_ref, message_id, template, recipient, X'' AS raw, attempts, created_at, status, last_error
             FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?",
            "SELECT id, case_ref, message_id, template, recipient, ''::bytea AS raw, attempts, created_at, status, last_error
             FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?",
        );
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(FAILED)
                .bind(OutboxStatus::Failed)
                .bind(limit)
                .fetch_all(&mut *c)
                .await
                .read_from("outbox")
        })
    }

    /// Outbox rows queued after row `id`, oldest first.
    pub async fn outbox_after(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE id > ? ORDER BY id"
            ))
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .read_from("outbox")
        })
    }

    /// Counts of outbox rows by status.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        // COUNT(*) FILTER rather than SUM of a comparison: PostgreSQL has
        // no SUM of a boolean, and COUNT is BIGINT on both (never NULL).
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_as(
                "SELECT COUNT(*) FILTER (WHERE status = ?) AS pending,
                        COUNT(*) FILTER (WHERE status = ?) AS sent,
                        COUNT(*) FILTER (WHERE status = ?) AS failed FROM outbox",
            )
            .bind(OutboxStatus::Pending)
            .bind(OutboxStatus::Sent)
            .bind(OutboxStatus::Failed)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// The earliest time a pending mail may be tried (a leased one: when its
    /// lease runs out, so a mail left leased by a crash is not polled for).
    pub async fn next_outbox_attempt(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        // A NULL lease compares as unknown, so the CASE gives
        // next_attempt_at on both backends.
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar(
                "SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)
                 FROM outbox WHERE status = ?",
            )
            .bind(OutboxStatus::Pending)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// The oldest mail still waiting to be sent.
    pub async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar("SELECT MIN(created_at) FROM outbox WHERE status = ?")
                .bind(OutboxStatus::Pending)
                .fetch_one(&mut *c)
                .await?
        }))
    }
}
