//! Flood caps: the counts each cap takes, and the mail caps held back.

use super::db::{self, on};
use super::names::ReadFrom;
use super::Conn;
use super::{Store, StoreError};
use crate::core::caps::{Cap, Check, Counts};
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};

/// What the cap ledger records a queued mail as (`cap_ledger.kind`; the
/// queries below spell `auto` and `staff` in SQL too, because a partial
/// index is only used when its condition is written out literally).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Counted {
    /// An automatic mail to an outside address.
    Auto,
    /// A handler's words relayed to an outside address.
    Relayed,
    /// A staff notification that an outside message caused.
    Staff,
}

impl Counted {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One queued mail for the cap ledger.
#[derive(Debug, Clone, Copy)]
pub struct NewCounted<'a> {
    /// When it was queued.
    pub at: DateTime<Utc>,
    /// Its case.
    pub case_ref: &'a CaseRef,
    /// Its recipient (lower-case).
    pub recipient: &'a str,
    /// The recipient's domain (lower-case).
    pub domain: &'a str,
    /// What it counts as.
    pub kind: Counted,
    /// The outside sender whose message caused it.
    pub cause: Option<&'a str>,
}

/// A mail a cap held back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HeldMail {
    /// When.
    pub at: DateTime<Utc>,
    /// Its case.
    pub case_ref: Option<CaseRef>,
    /// Its template.
    pub template: String,
    /// Its recipient.
    pub recipient: String,
    /// Which cap.
    pub cap: Cap,
    /// What the cap counted per.
    pub key: String,
    /// Why, in words.
    pub reason: String,
}

impl Store {
    /// How many mails the check's key had since `hour` and since `day`
    /// (`recipient` is the mail's recipient: staff limits count per person).
    pub async fn cap_counts(
        tx: &mut Conn,
        check: &Check,
        recipient: &str,
        hour: DateTime<Utc>,
        day: DateTime<Utc>,
    ) -> Result<Counts, StoreError> {
        // Each WHERE repeats its partial index's condition so SQLite uses it.
        // The last hour by COUNT(*) FILTER rather than SUM of a comparison:
        // PostgreSQL has no SUM of a boolean, and COUNT is BIGINT on both.
        let sql = match check.cap {
            Cap::Recipient => {
                "SELECT COUNT(*) FILTER (WHERE at > ?), COUNT(*) FROM cap_ledger
                 WHERE recipient = ? AND kind <> 'staff' AND at > ?"
            }
            Cap::Domain => {
                "SELECT COUNT(*) FILTER (WHERE at > ?), COUNT(*) FROM cap_ledger
                 WHERE domain = ? AND kind = 'auto' AND at > ?"
            }
            Cap::Case => {
                "SELECT COUNT(*) FILTER (WHERE at > ?), COUNT(*) FROM cap_ledger
                 WHERE case_ref = ? AND recipient = ? AND kind = 'staff' AND at > ?"
            }
            Cap::Sender => {
                "SELECT COUNT(*) FILTER (WHERE at > ?), COUNT(*) FROM cap_ledger
                 WHERE cause = ? AND recipient = ? AND kind = 'staff' AND at > ?"
            }
        };
        let staff = check.cap.is_staff();
        let (hour, day): (i64, i64) = on!(tx, |c| {
            let mut q = db::query_as(sql).bind(hour).bind(check.key.as_str());
            if staff {
                q = q.bind(recipient);
            }
            q.bind(day).fetch_one(&mut *c).await?
        });
        Ok(Counts { hour, day })
    }

    /// Count a queued mail against the caps.
    pub async fn count_mail(tx: &mut Conn, m: &NewCounted<'_>) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query(
                "INSERT INTO cap_ledger (at, case_ref, recipient, domain, kind, cause)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(m.at)
            .bind(m.case_ref)
            .bind(m.recipient)
            .bind(m.domain)
            .bind(m.kind)
            .bind(m.cause)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Was anything held back for this recipient under this cap and key
    /// since `since`? (If so, they already have a summary notice.)
    pub async fn held_since_for(
        tx: &mut Conn,
        recipient: &str,
        cap: Cap,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // EXISTS is BOOLEAN on PostgreSQL, 0/1 on SQLite: bool reads both.
        Ok(on!(tx, |c| {
            db::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM held_mail WHERE recipient = ? AND cap = ? AND key = ? AND at > ?)",
            )
            .bind(recipient)
            .bind(cap)
            .bind(key)
            .bind(since)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Forget counted mail older than `before`: no limit looks back further
    /// than a day, and the ledger would otherwise grow with every mail.
    pub async fn prune_cap_ledger(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut c = self.writer().await?;
        Ok(on!(c, |c| {
            db::query("DELETE FROM cap_ledger WHERE at < ?")
                .bind(before)
                .execute(&mut *c)
                .await?
                .rows_affected()
        }))
    }

    /// Record a mail a cap held back.
    pub async fn hold_mail(tx: &mut Conn, m: &HeldMail, summary: bool) -> Result<(), StoreError> {
        // `summary` is bound as a bool: BOOLEAN on PostgreSQL, 0/1 on SQLite.
        on!(tx, |c| {
            db::query(
                "INSERT INTO held_mail (at, case_ref, template, recipient, cap, key, reason, summary)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(m.at)
            .bind(&m.case_ref)
            .bind(&m.template)
            .bind(&m.recipient)
            .bind(m.cap)
            .bind(&m.key)
            .bind(&m.reason)
            .bind(summary)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Mail held back since `since`, oldest first (for the digest).
    pub async fn held_mail_since(&self, since: DateTime<Utc>) -> Result<Vec<HeldMail>, StoreError> {
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(
                "SELECT at, case_ref, template, recipient, cap, key, reason FROM held_mail
                 WHERE at >= ? ORDER BY id",
            )
            .bind(since)
            .fetch_all(&mut *c)
            .await
            .read_from("held_mail")
        })
    }
}
