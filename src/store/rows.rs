//! Row types read from and written to the store.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

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

/// A stored inbound message.
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
    /// The bytes.
    pub raw: Vec<u8>,
    /// Sender.
    pub from_addr: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Kind, once classified.
    pub kind: Option<String>,
    /// Case, once threaded.
    pub case_ref: Option<String>,
    /// received, processed, ignored or quarantined.
    pub status: String,
    /// Why (for ignored and quarantined).
    pub note: Option<String>,
}

impl StoredMessage {
    pub(crate) fn from_row(r: &SqliteRow) -> StoredMessage {
        StoredMessage {
            id: r.get("id"),
            message_id: r.get("message_id"),
            source: r.get("source"),
            received_at: r.get("received_at"),
            raw: r.get("raw"),
            from_addr: r.get("from_addr"),
            subject: r.get("subject"),
            kind: r.get("kind"),
            case_ref: r.get("case_ref"),
            status: r.get("status"),
            note: r.get("note"),
        }
    }
}

/// A quarantined message.
#[derive(Debug, Clone)]
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

impl QuarantineEntry {
    pub(crate) fn from_row(r: &SqliteRow) -> QuarantineEntry {
        QuarantineEntry {
            id: r.get(0),
            message_row: r.get(1),
            reason: r.get(2),
            at: r.get(3),
            source: r.get(4),
            from_addr: r.get(5),
            subject: r.get(6),
            size: r.get(7),
        }
    }
}

/// An audit entry as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details.
    pub detail: String,
    /// Which message.
    pub message_id: Option<String>,
}

impl AuditRow {
    pub(crate) fn from_row(r: &SqliteRow) -> AuditRow {
        AuditRow {
            at: r.get(0),
            actor: r.get(1),
            action: r.get(2),
            detail: r.get(3),
            message_id: r.get(4),
        }
    }
}

/// A mail to queue.
#[derive(Debug)]
pub struct NewOutbox<'a> {
    /// The case it is about.
    pub case_ref: Option<&'a str>,
    /// Its fixed Message-ID.
    pub message_id: &'a str,
    /// Template name.
    pub template: &'a str,
    /// One recipient address.
    pub recipient: &'a str,
    /// Counts against per-recipient caps.
    pub automatic: bool,
    /// The finished RFC 5322 message.
    pub raw: &'a [u8],
    /// When queued (business time).
    pub created_at: DateTime<Utc>,
}

/// A queued mail.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_ref: Option<String>,
    /// Message-ID.
    pub message_id: String,
    /// Template name.
    pub template: String,
    /// Recipient.
    pub recipient: String,
    /// The finished message.
    pub raw: Vec<u8>,
    /// Attempts so far.
    pub attempts: i64,
    /// When queued.
    pub created_at: DateTime<Utc>,
    /// pending, sent or failed (when read with status).
    pub status: Option<String>,
    /// Last error.
    pub last_error: Option<String>,
}

impl OutboxRow {
    pub(crate) fn from_row(r: &SqliteRow) -> OutboxRow {
        OutboxRow {
            id: r.get(0),
            case_ref: r.get(1),
            message_id: r.get(2),
            template: r.get(3),
            recipient: r.get(4),
            raw: r.get(5),
            attempts: r.get(6),
            created_at: r.get(7),
            status: r.try_get(8).ok(),
            last_error: r.try_get(9).ok().flatten(),
        }
    }
}

/// Outbox counts.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct OutboxCounts {
    /// Waiting to be sent.
    pub pending: i64,
    /// Delivered.
    pub sent: i64,
    /// Permanently failed.
    pub failed: i64,
}

/// A mailbox's fetch health.
#[derive(Debug, Clone, serde::Serialize)]
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

impl FetchState {
    pub(crate) fn from_row(r: &SqliteRow) -> FetchState {
        FetchState {
            mailbox: r.get(0),
            last_success_at: r.get(1),
            last_error: r.get(2),
            last_error_at: r.get(3),
        }
    }
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
