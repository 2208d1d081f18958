//! Inbound messages, stored before anything is done with them, and the
//! quarantine of those that failed a step.

use super::db::{self, on, Sql};
use super::names::ReadFrom;
use super::packed::{read_message, Packed, PackedMessage, StoredBytes};
use super::Conn;
use super::{MessageStatus, Store, StoreError};
use crate::core::kind::Kind;
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// The note on a stored message from someone with no standing on its case
/// (followed by the sender's address); the export labels such messages.
pub const THIRD_PARTY_NOTE: &str = "third party (not the complainant; changed nothing):";

/// PostgreSQL's spelling of [`message_parts_column!`](crate::message_parts_column):
/// the first byte of a BYTEA by `substring` (SQLite's `substr`; `get_byte`
/// would fail on an empty message) compared with the byte by `decode`
/// (`X'02'` is a bit string there, and a `'\x02'` literal depends on
/// `standard_conforming_strings`), `json_object_agg` for `json_group_object` (NULL
/// rather than `{}` over no rows: `read_message` reads both as no parts),
/// `encode(.., 'hex')` for `hex` (lower case: `read_message` takes either),
/// and the JSON cast to TEXT so it decodes as a string.
macro_rules! message_parts_column_pg {
    () => {
        "CASE WHEN substring(m.raw from 1 for 1) = decode('02', 'hex') THEN
           (SELECT json_object_agg(b.hash, encode(b.data, 'hex'))::text
            FROM message_blobs mb JOIN blobs b ON b.hash = mb.hash
            WHERE mb.message_row = m.id) END AS parts"
    };
}
pub(super) use message_parts_column_pg;

/// `SELECT` of the columns a [`StoredMessage`] is read from (a macro, so
/// `concat!` builds each query as a static string); `select_message!(postgres)`
/// is PostgreSQL's (the parts column differs: [`message_parts_column_pg!`]).
macro_rules! select_message {
    () => {
        concat!(
            "SELECT m.id, m.message_id, m.source, m.received_at, m.raw, m.from_addr, m.subject,
               m.kind, m.case_ref, m.status, m.note, ",
            crate::message_parts_column!(),
            " FROM messages m "
        )
    };
    (postgres) => {
        concat!(
            "SELECT m.id, m.message_id, m.source, m.received_at, m.raw, m.from_addr, m.subject,
               m.kind, m.case_ref, m.status, m.note, ",
            $crate::store::messages::message_parts_column_pg!(),
            " FROM messages m "
        )
    };
}
pub(super) use select_message;

/// A query of stored messages: [`select_message!`] in each backend's
/// spelling followed by the same `tail`.
macro_rules! messages_where {
    ($tail:expr) => {
        Sql::each(
            concat!(select_message!(), $tail),
            concat!(select_message!(postgres), $tail),
        )
    };
}

pub(super) use messages_where;

/// `SELECT` of the columns (and join) a [`QuarantineEntry`] is read from.
macro_rules! select_quarantine {
    () => {
        "SELECT q.id, q.message_row, q.reason, q.at, m.source, m.from_addr, m.subject, m.size
         FROM quarantine q JOIN messages m ON m.id = q.message_row "
    };
}

/// A raw inbound message to store.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Its Message-ID, if it had one.
    pub message_id: Option<&'a str>,
    /// sha256 of the raw bytes, hex.
    pub content_hash: &'a str,
    /// sha256 of the message without its trace fields, hex (see `ingest::content_key`).
    pub content_key: Option<&'a str>,
    /// Mailbox or path it came from.
    pub source: &'a str,
    /// When it was received (business time).
    pub received_at: DateTime<Utc>,
    /// The bytes.
    pub raw: &'a [u8],
    /// Sender address, if readable.
    pub from_addr: Option<&'a str>,
    /// Subject, if readable.
    pub subject: Option<&'a str>,
}

/// A stored inbound message (read by [`select_message!`], its attachment
/// parts put back).
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// Row id.
    pub id: i64,
    /// Message-ID.
    pub message_id: Option<String>,
    /// Mailbox or path.
    pub source: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// The bytes (kept compressed, large attachments apart: see `packed.rs`).
    pub raw: Vec<u8>,
    /// Sender.
    pub from_addr: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Kind, once classified.
    pub kind: Option<Kind>,
    /// Case, once threaded.
    pub case_ref: Option<CaseRef>,
    /// What became of it.
    pub status: MessageStatus,
    /// Why (for ignored and quarantined).
    pub note: Option<String>,
}

/// [`StoredMessage`] read from a row of either backend.
macro_rules! stored_message_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for StoredMessage {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                let packed: PackedMessage = row.try_get("raw")?;
                let parts: Option<String> = row.try_get("parts")?;
                let raw = read_message(packed.0, parts.as_deref()).map_err(|e| {
                    sqlx::Error::ColumnDecode {
                        index: "raw".into(),
                        source: Box::new(e),
                    }
                })?;
                Ok(StoredMessage {
                    id: row.try_get("id")?,
                    message_id: row.try_get("message_id")?,
                    source: row.try_get("source")?,
                    received_at: row.try_get("received_at")?,
                    raw,
                    from_addr: row.try_get("from_addr")?,
                    subject: row.try_get("subject")?,
                    kind: row.try_get("kind")?,
                    case_ref: row.try_get("case_ref")?,
                    status: row.try_get("status")?,
                    note: row.try_get("note")?,
                })
            }
        }
    };
}
stored_message_from_row!(SqliteRow);
stored_message_from_row!(PgRow);

/// A quarantined message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuarantineEntry {
    /// Quarantine id.
    pub id: i64,
    /// The message row.
    pub message_row: i64,
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Where it came from.
    pub source: String,
    /// Sender, if readable.
    pub from_addr: Option<String>,
    /// Subject, if readable.
    pub subject: Option<String>,
    /// Size in bytes.
    pub size: i64,
}

/// How a stored message is keyed, for telling a repeat from a different
/// message that reuses a Message-ID.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// Row id.
    pub id: i64,
    /// sha256 of its raw bytes.
    pub content_hash: String,
    /// Its content key (None: stored before keys existed).
    pub content_key: Option<String>,
    /// Its raw bytes, only when it has no content key.
    pub raw: Option<Vec<u8>>,
}

impl Store {
    /// Store a raw inbound message. `None` if it was already stored (same
    /// Message-ID, or same bytes when it has none): ingesting twice changes nothing.
    pub async fn insert_message(
        tx: &mut Conn,
        m: &NewMessage<'_>,
    ) -> Result<Option<i64>, StoreError> {
        Self::insert_stored_message(tx, m, &StoredBytes::of(m.raw)).await
    }

    /// [`Store::insert_message`] with its bytes already in their stored
    /// form: `stored` must be `StoredBytes::of(m.raw)` or
    /// `StoredBytes::of_message(m.raw, …)` (its large attachments go to
    /// `blobs`, once each).
    pub async fn insert_stored_message(
        tx: &mut Conn,
        m: &NewMessage<'_>,
        stored: &StoredBytes,
    ) -> Result<Option<i64>, StoreError> {
        // The new row's id by RETURNING (PostgreSQL has no
        // last_insert_rowid); no row when the message was already stored.
        let id: Option<i64> = on!(tx, |c| {
            db::query_scalar(
                "INSERT INTO messages (message_id, content_hash, content_key, source, received_at, raw, size, from_addr, subject, status)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT DO NOTHING
                 RETURNING id",
            )
            .bind(m.message_id)
            .bind(m.content_hash)
            .bind(m.content_key)
            .bind(m.source)
            .bind(m.received_at)
            .bind(stored.as_slice())
            .bind(m.raw.len() as i64)
            .bind(m.from_addr)
            .bind(m.subject)
            .bind(MessageStatus::Received)
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(id) = id else {
            return Ok(None);
        };
        // Its large attachments, each kept once whatever message brings it.
        for (hash, data) in stored.parts() {
            on!(tx, |c| {
                db::query(
                    "INSERT INTO blobs (hash, data) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
                )
                .bind(hash)
                .bind(data)
                .execute(&mut *c)
                .await?;
                db::query(
                    "INSERT INTO message_blobs (message_row, hash) VALUES (?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(hash)
                .execute(&mut *c)
                .await?;
            });
        }
        Ok(Some(id))
    }

    /// Stored messages that `insert_message` found in the way: the same
    /// bytes, the same content key, or the same Message-ID. Each with its
    /// content hash, its content key, and (when it has no key, having been
    /// stored before keys existed) its raw bytes to compute one from.
    pub async fn messages_like(
        tx: &mut Conn,
        message_id: Option<&str>,
        content_hash: &str,
        content_key: &str,
    ) -> Result<Vec<StoredKey>, StoreError> {
        let rows: Vec<(i64, String, Option<String>, Option<Packed>)> = on!(tx, |c| {
            db::query_as(
                "SELECT id, content_hash, content_key, CASE WHEN content_key IS NULL THEN raw END AS raw
                 FROM messages WHERE content_hash = ? OR content_key = ? OR (message_id IS NOT NULL AND message_id = ?)",
            )
            .bind(content_hash)
            .bind(content_key)
            .bind(message_id)
            .fetch_all(&mut *c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, content_hash, content_key, raw)| StoredKey {
                id,
                content_hash,
                content_key,
                raw: raw.map(Vec::from),
            })
            .collect())
    }

    /// Record what became of a message.
    pub async fn mark_message(
        tx: &mut Conn,
        id: i64,
        status: MessageStatus,
        kind: Option<Kind>,
        case_ref: Option<&CaseRef>,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query(
                "UPDATE messages SET status = ?, kind = ?, case_ref = ?, note = ? WHERE id = ?",
            )
            .bind(status)
            .bind(kind)
            .bind(case_ref)
            .bind(note)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Quarantine a stored message with the reason.
    pub async fn quarantine(
        tx: &mut Conn,
        message_row: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let quarantined = MessageStatus::Quarantined;
        Self::mark_message(tx, message_row, quarantined, None, None, Some(reason)).await?;
        // RETURNING: PostgreSQL has no last_insert_rowid.
        Ok(on!(tx, |c| {
            db::query_scalar(
                "INSERT INTO quarantine (message_row, reason, at) VALUES (?, ?, ?) RETURNING id",
            )
            .bind(message_row)
            .bind(reason)
            .bind(at)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// The stored message row for a Message-ID or content hash, if any.
    pub async fn find_message(
        &self,
        message_id: Option<&str>,
        hash: &str,
    ) -> Result<Option<StoredMessage>, StoreError> {
        const FIND: Sql = messages_where!(
            "WHERE content_hash = ? OR (message_id IS NOT NULL AND message_id = ?) LIMIT 1"
        );
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(FIND)
                .bind(hash)
                .bind(message_id)
                .fetch_optional(&mut *c)
                .await
                .read_from("messages")
        })
    }

    /// A stored message by row id.
    pub async fn message(&self, id: i64) -> Result<Option<StoredMessage>, StoreError> {
        const BY_ID: Sql = messages_where!("WHERE id = ?");
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(BY_ID)
                .bind(id)
                .fetch_optional(&mut *c)
                .await
                .read_from("messages")
        })
    }

    /// Messages of a case, oldest first.
    pub async fn case_messages(
        &self,
        reference: &CaseRef,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        const OF_CASE: Sql = messages_where!("WHERE case_ref = ? ORDER BY received_at, id");
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(OF_CASE)
                .bind(reference)
                .fetch_all(&mut *c)
                .await
                .read_from("messages")
        })
    }

    /// Messages left in `received` (a crash between storing and finishing):
    /// they are processed again on start.
    pub async fn unfinished_messages(&self) -> Result<Vec<i64>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar("SELECT id FROM messages WHERE status = ? ORDER BY id")
                .bind(MessageStatus::Received)
                .fetch_all(&mut *c)
                .await?
        }))
    }

    /// How many inbound messages are stored (for progress and benchmarks).
    pub async fn message_count(&self) -> Result<i64, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar("SELECT COUNT(*) FROM messages")
                .fetch_one(&mut *c)
                .await?
        }))
    }

    /// Unresolved quarantine entries.
    pub async fn quarantine_list(&self) -> Result<Vec<QuarantineEntry>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_as(concat!(
                select_quarantine!(),
                "WHERE q.resolved_at IS NULL ORDER BY q.id"
            ))
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// One quarantine entry.
    pub async fn quarantine_get(&self, id: i64) -> Result<Option<QuarantineEntry>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_as(concat!(select_quarantine!(), "WHERE q.id = ?"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    /// Mark a quarantine entry resolved (after a successful replay).
    pub async fn quarantine_resolve(
        tx: &mut Conn,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("UPDATE quarantine SET resolved_at = ? WHERE id = ?")
                .bind(at)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Put a quarantined message back to `received` so it can be processed again.
    pub async fn reset_message(tx: &mut Conn, id: i64) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("UPDATE messages SET status = ?, note = NULL WHERE id = ?")
                .bind(MessageStatus::Received)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
