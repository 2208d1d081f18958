//! Handler corrections of the classifier, kept as labelled examples for the
//! learned layer (`complaintd classify --learn`).

use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};

/// What a correction said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Label {
    /// The case's kind was set (`#reclassify`).
    Kind,
    /// A flag was set (`#flag`).
    Flag,
    /// A flag was cleared (`#unflag`).
    Unflag,
}

impl Label {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One correction with the raw message it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// The message's row in `messages`.
    pub message_row: i64,
    /// The case.
    pub case_ref: String,
    /// What was corrected.
    pub label: Label,
    /// The kind or the flag.
    pub name: String,
    /// The raw message.
    pub raw: Vec<u8>,
}

impl Store {
    /// Record a handler's correction of the classifier about the message
    /// that opened `case_ref`. A case with no stored message (one opened by
    /// hand) has nothing to learn from and records nothing.
    pub async fn record_correction(
        tx: &mut SqliteConnection,
        at: DateTime<Utc>,
        case_ref: &str,
        actor: &str,
        label: Label,
        name: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO classifier_corrections (at, case_ref, message_row, actor, label, name)
             SELECT ?, ?, id, ?, ?, ? FROM messages WHERE case_ref = ? ORDER BY id LIMIT 1",
        )
        .bind(at)
        .bind(case_ref)
        .bind(actor)
        .bind(label.as_str())
        .bind(name)
        .bind(case_ref)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Every correction, oldest first, with its message.
    pub async fn corrections(&self) -> Result<Vec<Correction>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.message_row, c.case_ref, c.label, c.name, m.raw
             FROM classifier_corrections c JOIN messages m ON m.id = c.message_row
             ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let label: String = r.get(2);
                Ok(Correction {
                    message_row: r.get(0),
                    case_ref: r.get(1),
                    label: label.parse().map_err(|_| StoreError::Unknown {
                        table: "classifier_corrections",
                        column: "label",
                        value: label.clone(),
                    })?,
                    name: r.get(3),
                    raw: r.get(4),
                })
            })
            .collect()
    }
}
