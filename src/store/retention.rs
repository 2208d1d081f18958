//! Retention, erasure and subject access (issue 16 item 10): finding the
//! cases due for anonymisation, removing people and words from every table
//! that holds them, and finding everything that concerns one address.
//!
//! The bytes really go on SQLite: the connection runs with `secure_delete`
//! on (freed space is overwritten with zeros, see `Store::open_with_cache`),
//! and [`Store::checkpoint`] folds the write-ahead log into the database
//! file and truncates it, so no earlier copy of a page survives in either
//! file. PostgreSQL has neither: a removed value stays in the table's dead
//! row versions until the tables are rewritten, which [`Store::checkpoint`]
//! does there (`VACUUM (FULL)`), and in its WAL until that ages out.
//!
//! Lists bound as one parameter are JSON arrays of text: SQLite reads them
//! with `json_each(?)`, PostgreSQL with
//! `jsonb_array_elements_text(CAST(? AS jsonb))` (text values: cast to
//! BIGINT where they are row ids). Addresses are matched in any ASCII case
//! with `lower(x) LIKE lower(?)` on both backends (SQLite's LIKE ignores
//! ASCII case, PostgreSQL's does not).

use super::cases::{AuditRow, CaseData};
use super::db::{self, on, Sql};
use super::messages::{messages_where, select_message};
use super::names::ReadFrom;
use super::Conn;
use super::{Capped, Store, StoreError, StoredMessage};
use crate::core::case::Case;
use crate::core::reference::CaseRef;
use crate::core::retention::{ANONYMISED, REMOVED_DETAIL};
use chrono::{DateTime, Utc};

/// What anonymising removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Inbound messages whose bytes, sender and subject were removed.
    pub messages: u64,
    /// Outgoing mails whose bytes were removed.
    pub sent: u64,
    /// Audit entries whose detail was removed.
    pub audit: u64,
}

// Plain `?` placeholders throughout (a numbered `?1` would not survive the
// numbering for PostgreSQL): a value used twice is bound twice.

/// Closed cases not yet anonymised closed at or before `?`, from the
/// `cases_retention` index.
pub(super) const RETENTION_DUE: &str = "SELECT reference, data FROM cases
     WHERE anonymised_at IS NULL AND closed_at IS NOT NULL AND closed_at <= ?
     ORDER BY closed_at, reference";

/// Complaints closed in (`?`, `?`], from the `cases_closed` index (the
/// survey step). A case already surveyed (a row in `case_surveys`, so no
/// case's JSON is read), or already recorded as passed over since it last
/// closed (its "no survey" audit line), is not offered again on the
/// window's later days; one closed again after a reopening is.
pub(super) const CLOSED_BETWEEN: &str = "SELECT reference FROM cases
     WHERE closed_at > ? AND closed_at <= ? AND kind = 'complaint'
       AND NOT EXISTS (SELECT 1 FROM case_surveys s WHERE s.case_ref = cases.reference)
       AND NOT EXISTS (SELECT 1 FROM audit a
                       WHERE a.case_ref = cases.reference AND a.action = 'no survey'
                         AND a.at >= cases.closed_at)
     ORDER BY closed_at, reference";

/// How many cases were anonymised at or after `?` (same index).
pub(super) const ANONYMISED_COUNT: &str = "SELECT COUNT(*) FROM cases WHERE anonymised_at >= ?";

/// The first `?` (second) of them, oldest first (same index).
pub(super) const ANONYMISED_LIST: &str =
    "SELECT reference FROM cases WHERE anonymised_at >= ? ORDER BY anonymised_at, reference LIMIT ?";

impl Store {
    /// Closed cases not yet anonymised that closed at or before `cutoff`,
    /// oldest first (holds are decided by the caller, from the case). Reads
    /// through `cases_retention`.
    pub async fn retention_candidates(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<Case>, StoreError> {
        let mut c = self.reader().await?;
        let rows: Vec<CaseData> = on!(c, |c| {
            db::query_as(RETENTION_DUE)
                .bind(cutoff)
                .fetch_all(&mut *c)
                .await?
        });
        rows.into_iter().map(CaseData::case).collect()
    }

    /// Complaints closed after `from` and at or before `until` that have
    /// not been sent a survey nor passed over (the daily survey step).
    pub async fn closed_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<CaseRef>, StoreError> {
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_scalar(CLOSED_BETWEEN)
                .bind(from)
                .bind(until)
                .fetch_all(&mut *c)
                .await
                .read_from("cases")
        })
    }

    /// Every case with a satisfaction survey (`complaintd survey`; a rare
    /// command, it reads every case that has one).
    pub async fn surveyed_cases(&self) -> Result<Vec<Case>, StoreError> {
        // JSON: SQLite's json_extract, PostgreSQL's `->>` on the text cast
        // to jsonb (`->>` gives SQL NULL for a JSON null, as json_extract
        // does). A case with a survey is closed, but should one not be, its
        // NULL `closed_at` comes first on both (PostgreSQL sorts NULLs last);
        // ties by the reference's bytes, as SQLite compares text.
        const SURVEYED: Sql = Sql::each(
            "SELECT reference, data FROM cases WHERE json_extract(data, '$.survey') IS NOT NULL
             ORDER BY closed_at, reference",
            "SELECT reference, data FROM cases WHERE (data::jsonb ->> 'survey') IS NOT NULL
             ORDER BY closed_at NULLS FIRST, reference COLLATE \"C\"",
        );
        let mut c = self.reader().await?;
        let rows: Vec<CaseData> = on!(c, |c| db::query_as(SURVEYED).fetch_all(&mut *c).await?);
        rows.into_iter().map(CaseData::case).collect()
    }

    /// Cases anonymised at or after `since` (the digest's section): how
    /// many, and the first `limit` references.
    pub async fn anonymised_since(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Capped<CaseRef>, StoreError> {
        let mut c = self.reader().await?;
        let total: i64 = on!(c, |c| {
            db::query_scalar(ANONYMISED_COUNT)
                .bind(since)
                .fetch_one(&mut *c)
                .await?
        });
        let items: Vec<CaseRef> = if total == 0 {
            Vec::new()
        } else {
            on!(c, |c| {
                db::query_scalar(ANONYMISED_LIST)
                    .bind(since)
                    .bind(limit as i64)
                    .fetch_all(&mut *c)
                    .await
                    .read_from("cases")?
            })
        };
        Ok(Capped {
            total: total as usize,
            items,
        })
    }

    /// Replace a case by its anonymised form (`core::retention::anonymise`)
    /// and remove its people and words from every table: message bytes,
    /// senders, subjects and sources; outgoing mail bytes and the addresses
    /// of `parties` (the complainant, contacts and anyone consent was asked
    /// of, as the case held them before); audit details and outsiders' names;
    /// held mail and the flood-cap ledger; quarantine reasons.
    pub async fn anonymise_case(
        tx: &mut Conn,
        anonymised: &Case,
        parties: &[String],
    ) -> Result<Removed, StoreError> {
        const SENT: Sql = Sql::each(
            // Mail still waiting to go is not sent empty: it fails, saying
            // why (SET reads the row as it was, so `status` is the old one).
            "UPDATE outbox SET raw = ?,
               last_error = CASE WHEN status = 'pending' THEN 'not sent: the case was anonymised' ELSE NULL END,
               status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
               recipient = CASE WHEN recipient IN (SELECT value FROM json_each(?)) THEN ? ELSE recipient END
             WHERE case_ref = ?",
            "UPDATE outbox SET raw = ?,
               last_error = CASE WHEN status = 'pending' THEN 'not sent: the case was anonymised' ELSE NULL END,
               status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
               recipient = CASE WHEN recipient IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb))) THEN ? ELSE recipient END
             WHERE case_ref = ?",
        );
        // The language remembered for its people is about them too, unless
        // they still complain on another case that is not anonymised (its
        // mail must keep going out in their language). The case itself was
        // rewritten first, so it no longer names them.
        const LANGUAGES: Sql = Sql::each(
            "DELETE FROM contact_languages WHERE address IN (SELECT value FROM json_each(?))
               AND NOT EXISTS (SELECT 1 FROM cases c
                                WHERE c.complainant = contact_languages.address
                                  AND c.reference <> ?)",
            "DELETE FROM contact_languages WHERE address IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))
               AND NOT EXISTS (SELECT 1 FROM cases c
                                WHERE c.complainant = contact_languages.address
                                  AND c.reference <> ?)",
        );
        let data = serde_json::to_string(anonymised).map_err(|e| StoreError::Corrupt {
            reference: anonymised.reference.to_string(),
            message: e.to_string(),
        })?;
        let parties = serde_json::Value::from(parties.to_vec()).to_string();
        let r = &anonymised.reference;
        on!(tx, |c| {
            db::query(
                "UPDATE cases SET complainant = ?, complainant_name = NULL, data = ?, anonymised_at = ?
                 WHERE reference = ?",
            )
            .bind(ANONYMISED)
            .bind(&data)
            .bind(anonymised.anonymised_at)
            .bind(r)
            .execute(&mut *c)
            .await?;
            db::query(
                "UPDATE quarantine SET reason = ? WHERE message_row IN (SELECT id FROM messages WHERE case_ref = ?)",
            )
            .bind(REMOVED_DETAIL)
            .bind(r)
            .execute(&mut *c)
            .await?;
        });
        let parts: Vec<String> = on!(tx, |c| {
            db::query_scalar(
                "DELETE FROM message_blobs
                 WHERE message_row IN (SELECT id FROM messages WHERE case_ref = ?) RETURNING hash",
            )
            .bind(r)
            .fetch_all(&mut *c)
            .await?
        });
        Self::drop_unneeded_parts(tx, &parts).await?;
        let (messages, sent, audit) = on!(tx, |c| {
            let messages = db::query(
                "UPDATE messages SET raw = ?, from_addr = NULL, subject = NULL, note = NULL,
                   message_id = NULL, source = ?
                 WHERE case_ref = ?",
            )
            .bind(EMPTY)
            .bind(ANONYMISED)
            .bind(r)
            .execute(&mut *c)
            .await?
            .rows_affected();
            let sent = db::query(SENT)
                .bind(EMPTY)
                .bind(&parties)
                .bind(ANONYMISED)
                .bind(r)
                .execute(&mut *c)
                .await?
                .rows_affected();
            let audit = db::query(
                "UPDATE audit SET detail = ?, message_id = NULL,
                   actor = CASE WHEN actor_kind IN ('unverified', 'correspondent', 'third_party') THEN ? ELSE actor END
                 WHERE case_ref = ? AND detail <> ?",
            )
            .bind(REMOVED_DETAIL)
            .bind(ANONYMISED)
            .bind(r)
            .bind(REMOVED_DETAIL)
            .execute(&mut *c)
            .await?
            .rows_affected();
            db::query(
                "UPDATE held_mail SET recipient = ?, key = ?, reason = '' WHERE case_ref = ?",
            )
            .bind(ANONYMISED)
            .bind(ANONYMISED)
            .bind(r)
            .execute(&mut *c)
            .await?;
            db::query("UPDATE cap_ledger SET recipient = ?, cause = NULL WHERE case_ref = ?")
                .bind(ANONYMISED)
                .bind(r)
                .execute(&mut *c)
                .await?;
            db::query(LANGUAGES)
                .bind(&parties)
                .bind(r)
                .execute(&mut *c)
                .await?;
            (messages, sent, audit)
        });
        Ok(Removed {
            messages,
            sent,
            audit,
        })
    }

    /// Remove the bytes, sender and subject of single inbound messages (an
    /// erasure request reaching messages on no case, or on someone else's
    /// closed case).
    pub async fn erase_messages(tx: &mut Conn, ids: &[i64]) -> Result<u64, StoreError> {
        const QUARANTINE: Sql = Sql::each(
            "UPDATE quarantine SET reason = ? WHERE message_row IN (SELECT value FROM json_each(?))",
            "UPDATE quarantine SET reason = ?
             WHERE message_row IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT))",
        );
        const PARTS: Sql = Sql::each(
            "DELETE FROM message_blobs
             WHERE message_row IN (SELECT value FROM json_each(?)) RETURNING hash",
            "DELETE FROM message_blobs
             WHERE message_row IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT)) RETURNING hash",
        );
        const MESSAGES: Sql = Sql::each(
            "UPDATE messages SET raw = ?, from_addr = NULL, subject = NULL, note = NULL,
               message_id = NULL, source = ?
             WHERE id IN (SELECT value FROM json_each(?))",
            "UPDATE messages SET raw = ?, from_addr = NULL, subject = NULL, note = NULL,
               message_id = NULL, source = ?
             WHERE id IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT))",
        );
        let ids = serde_json::Value::from(ids.to_vec()).to_string();
        let parts: Vec<String> = on!(tx, |c| {
            db::query(QUARANTINE)
                .bind(REMOVED_DETAIL)
                .bind(&ids)
                .execute(&mut *c)
                .await?;
            db::query_scalar(PARTS)
                .bind(&ids)
                .fetch_all(&mut *c)
                .await?
        });
        Self::drop_unneeded_parts(tx, &parts).await?;
        Ok(on!(tx, |c| {
            db::query(MESSAGES)
                .bind(EMPTY)
                .bind(ANONYMISED)
                .bind(&ids)
                .execute(&mut *c)
                .await?
                .rows_affected()
        }))
    }

    /// Redact the audit entries that name `address` (as actor or in their
    /// detail) on no case or on one of `cases` (an erasure request reaching
    /// someone else's closed case): the detail becomes the fixed text, the
    /// actor `anonymised` where it named them. Returns how many.
    pub async fn erase_audit_naming(
        tx: &mut Conn,
        address: &str,
        cases: &[CaseRef],
    ) -> Result<u64, StoreError> {
        const ERASE: Sql = Sql::each(
            "UPDATE audit SET detail = ?, message_id = NULL,
               actor = CASE WHEN lower(actor) LIKE lower(?) ESCAPE '\\' THEN ? ELSE actor END
             WHERE (lower(actor) LIKE lower(?) ESCAPE '\\' OR lower(detail) LIKE lower(?) ESCAPE '\\')
               AND detail <> ?
               AND (case_ref IS NULL OR case_ref IN (SELECT value FROM json_each(?)))",
            "UPDATE audit SET detail = ?, message_id = NULL,
               actor = CASE WHEN lower(actor) LIKE lower(?) ESCAPE '\\' THEN ? ELSE actor END
             WHERE (lower(actor) LIKE lower(?) ESCAPE '\\' OR lower(detail) LIKE lower(?) ESCAPE '\\')
               AND detail <> ?
               AND (case_ref IS NULL OR case_ref IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb))))",
        );
        let pattern = like_pattern(address);
        let cases =
            serde_json::Value::from(cases.iter().map(|c| c.to_string()).collect::<Vec<_>>())
                .to_string();
        Ok(on!(tx, |c| {
            db::query(ERASE)
                .bind(REMOVED_DETAIL)
                .bind(&pattern)
                .bind(ANONYMISED)
                .bind(&pattern)
                .bind(&pattern)
                .bind(REMOVED_DETAIL)
                .bind(&cases)
                .execute(&mut *c)
                .await?
                .rows_affected()
        }))
    }

    /// Remove the bytes and the recipient of outgoing mails.
    pub async fn erase_sent(tx: &mut Conn, ids: &[i64]) -> Result<u64, StoreError> {
        const ERASE: Sql = Sql::each(
            "UPDATE outbox SET raw = ?, recipient = ?, last_error = NULL
             WHERE id IN (SELECT value FROM json_each(?)) AND status <> 'pending'",
            "UPDATE outbox SET raw = ?, recipient = ?, last_error = NULL
             WHERE id IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT))
               AND status <> 'pending'",
        );
        let ids = serde_json::Value::from(ids.to_vec()).to_string();
        Ok(on!(tx, |c| {
            db::query(ERASE)
                .bind(EMPTY)
                .bind(ANONYMISED)
                .bind(&ids)
                .execute(&mut *c)
                .await?
                .rows_affected()
        }))
    }

    /// Delete each of the attachment parts `hashes` (just released by the
    /// messages whose bytes were removed) that no message needs any more; a
    /// part another message still carries stays for it.
    async fn drop_unneeded_parts(tx: &mut Conn, hashes: &[String]) -> Result<(), StoreError> {
        const DROP: Sql = Sql::each(
            "DELETE FROM blobs WHERE hash IN (SELECT value FROM json_each(?))
               AND NOT EXISTS (SELECT 1 FROM message_blobs mb WHERE mb.hash = blobs.hash)",
            "DELETE FROM blobs WHERE hash IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))
               AND NOT EXISTS (SELECT 1 FROM message_blobs mb WHERE mb.hash = blobs.hash)",
        );
        if hashes.is_empty() {
            return Ok(());
        }
        let hashes = serde_json::Value::from(hashes.to_vec()).to_string();
        on!(tx, |c| {
            db::query(DROP).bind(&hashes).execute(&mut *c).await?;
        });
        Ok(())
    }

    /// Make bytes just removed leave the database's files.
    ///
    /// SQLite: fold the write-ahead log into the database file and truncate
    /// it (`secure_delete` has already overwritten the freed space), so they
    /// survive in neither file.
    ///
    /// PostgreSQL: `VACUUM (FULL)` of every table of the schema, which
    /// writes each table and its TOAST anew without the dead row versions
    /// that still hold the removed values (a plain VACUUM only marks their
    /// space free). Each table is locked while it is rewritten, so this runs
    /// only after a retention step or an erasure that removed something;
    /// the removed values may still be in PostgreSQL's WAL, its archives
    /// and backups until those age out (the operator's retention of them).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        let mut c = self.writer().await?;
        match c.db() {
            db::Db::Sqlite(c) => {
                db::query::<sqlx::Sqlite>("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut *c)
                    .await?;
            }
            db::Db::Pg(c) => {
                let tables: Vec<String> = db::query_scalar::<sqlx::Postgres, String>(
                    "SELECT quote_ident(tablename) FROM pg_tables
                     WHERE schemaname = current_schema() ORDER BY tablename",
                )
                .fetch_all(&mut *c)
                .await?;
                // VACUUM cannot run in a transaction block, nor take bound
                // parameters: the names are the catalogue's own, quoted by it.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "VACUUM (FULL) {}",
                    tables.join(", ")
                )))
                .execute(&mut *c)
                .await?;
            }
        }
        Ok(())
    }

    /// Cases on which `address` is the complainant, a contact or someone the
    /// consent request went to, oldest first. A subject-access or erasure
    /// request is rare: this reads every case.
    pub async fn cases_of(&self, address: &str) -> Result<Vec<Case>, StoreError> {
        // The case's JSON arrays: SQLite's json_each with a path,
        // PostgreSQL's jsonb_array_elements_text of the member (no rows
        // when the member is missing); ties by the reference's bytes, as
        // SQLite compares text.
        const OF: Sql = Sql::each(
            "SELECT reference, data FROM cases
             WHERE complainant = ?
                OR EXISTS (SELECT 1 FROM json_each(data, '$.contacts') WHERE value = ?)
                OR EXISTS (SELECT 1 FROM json_each(data, '$.consent_asked') WHERE value = ?)
             ORDER BY opened_at, reference",
            "SELECT reference, data FROM cases
             WHERE complainant = ?
                OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(data::jsonb -> 'contacts') AS j (value)
                           WHERE j.value = ?)
                OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(data::jsonb -> 'consent_asked') AS j (value)
                           WHERE j.value = ?)
             ORDER BY opened_at, reference COLLATE \"C\"",
        );
        let mut c = self.reader().await?;
        let rows: Vec<CaseData> = on!(c, |c| {
            db::query_as(OF)
                .bind(address)
                .bind(address)
                .bind(address)
                .fetch_all(&mut *c)
                .await?
        });
        rows.into_iter().map(CaseData::case).collect()
    }

    /// Inbound messages from `address` (any case or none), oldest first.
    ///
    /// SQLite: one query with [`select_message!`]. PostgreSQL: the rows are
    /// found here and each is read by [`Store::message`] (a primary-key
    /// lookup each; a subject-access request is rare), because reading a
    /// stored message on PostgreSQL (its parts column and row decoding)
    /// belongs to `messages.rs`, converted beside this module: once it
    /// gives `select_message!` a PostgreSQL spelling, this becomes one
    /// query on both.
    pub async fn messages_from(&self, address: &str) -> Result<Vec<StoredMessage>, StoreError> {
        const FROM: Sql = messages_where!("WHERE from_addr = ? ORDER BY received_at, id");
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(FROM)
                .bind(address)
                .fetch_all(&mut *c)
                .await
                .read_from("messages")
        })
    }

    /// Inbound messages from `address` as an erasure needs them, read in
    /// its transaction: row id and case only, so no stored message is
    /// decoded (an attachment's bytes are not read, and one damaged part
    /// cannot stop the erasure). An erased message has no sender left.
    pub async fn message_rows_from(
        tx: &mut Conn,
        address: &str,
    ) -> Result<Vec<(i64, Option<CaseRef>)>, StoreError> {
        on!(tx, |c| {
            db::query_as(
                "SELECT id, case_ref FROM messages WHERE from_addr = ? ORDER BY received_at, id",
            )
            .bind(address)
            .fetch_all(&mut *c)
            .await
            .read_from("messages")
        })
    }

    /// Outgoing mails to `address` as an erasure needs them, read in its
    /// transaction: row id and case.
    pub async fn sent_rows_to(
        tx: &mut Conn,
        address: &str,
    ) -> Result<Vec<(i64, Option<CaseRef>)>, StoreError> {
        on!(tx, |c| {
            db::query_as(
                "SELECT id, case_ref FROM outbox WHERE recipient = ? ORDER BY created_at, id",
            )
            .bind(address)
            .fetch_all(&mut *c)
            .await
            .read_from("outbox")
        })
    }

    /// The cases whose audit names `address` (as actor or in a detail),
    /// read in an erasure's transaction.
    pub async fn cases_naming(tx: &mut Conn, address: &str) -> Result<Vec<CaseRef>, StoreError> {
        let pattern = like_pattern(address);
        on!(tx, |c| {
            db::query_scalar(
                "SELECT DISTINCT case_ref FROM audit
                 WHERE case_ref IS NOT NULL
                   AND (lower(actor) LIKE lower(?) ESCAPE '\\' OR lower(detail) LIKE lower(?) ESCAPE '\\')",
            )
            .bind(&pattern)
            .bind(&pattern)
            .fetch_all(&mut *c)
            .await
            .read_from("audit")
        })
    }

    /// Outgoing mails to `address`: (row id, case, created, template, bytes).
    pub async fn sent_to(&self, address: &str) -> Result<Vec<SentTo>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_as(
                "SELECT id, case_ref, created_at, template, raw FROM outbox
                 WHERE recipient = ? ORDER BY created_at, id",
            )
            .bind(address)
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// Audit entries whose actor or detail names `address` (case-insensitive),
    /// with their case, oldest first.
    pub async fn audit_naming(
        &self,
        address: &str,
    ) -> Result<Vec<(Option<CaseRef>, AuditRow)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            case_ref: Option<CaseRef>,
            #[sqlx(flatten)]
            row: AuditRow,
        }
        let pattern = like_pattern(address);
        let mut c = self.reader().await?;
        let rows: Vec<Row> = on!(c, |c| {
            db::query_as(
                "SELECT case_ref, at, actor_kind, actor, action, detail, message_id FROM audit
                 WHERE lower(actor) LIKE lower(?) ESCAPE '\\' OR lower(detail) LIKE lower(?) ESCAPE '\\'
                 ORDER BY id",
            )
            .bind(&pattern)
            .bind(&pattern)
            .fetch_all(&mut *c)
            .await
            .read_from("audit")?
        });
        Ok(rows.into_iter().map(|r| (r.case_ref, r.row)).collect())
    }
}

/// The bytes left in a row whose message was removed: an empty BLOB/BYTEA,
/// bound (SQLite's `X''` is a bit string in PostgreSQL).
const EMPTY: &[u8] = &[];

/// A `LIKE` pattern matching `s` anywhere, its own `%`, `_` and `\\`
/// escaped (with `ESCAPE '\\'`).
fn like_pattern(s: &str) -> String {
    format!(
        "%{}%",
        s.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// An outgoing mail to one address, for subject access and erasure.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentTo {
    /// Row id.
    pub id: i64,
    /// Its case, if any.
    pub case_ref: Option<CaseRef>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Which template.
    pub template: String,
    /// The bytes.
    #[sqlx(try_from = "super::packed::Packed")]
    pub raw: Vec<u8>,
}
