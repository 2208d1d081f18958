//! Handler corrections of the classifier, kept as labelled examples for the
//! learned layer (`complaintd classify --learn`).

use super::db::{self, on, Sql};
use super::messages::message_parts_column_pg;
use super::packed::{read_message, PackedMessage};
use super::Conn;
use super::{Store, StoreError};
use crate::core::kind::{Flag, Kind};
use chrono::{DateTime, Utc};

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

/// What a handler said the message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corrected {
    /// Its kind.
    Kind(Kind),
    /// A flag that applies (`true`) or does not (`false`).
    Flag(Flag, bool),
}

/// One correction with the raw message it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// The message's row in `messages`.
    pub message_row: i64,
    /// The case.
    pub case_ref: String,
    /// What was corrected.
    pub corrected: Corrected,
    /// The raw message.
    pub raw: Vec<u8>,
}

impl Store {
    /// Record a handler's correction of the classifier about the message
    /// that opened `case_ref`. A case with no stored message (one opened by
    /// hand) has nothing to learn from and records nothing.
    pub async fn record_correction(
        tx: &mut Conn,
        at: DateTime<Utc>,
        case_ref: &str,
        actor: &str,
        label: Label,
        name: &str,
    ) -> Result<(), StoreError> {
        // The bound values in the SELECT list take their types from the
        // binds (TIMESTAMPTZ and TEXT on PostgreSQL).
        on!(tx, |c| {
            db::query(
                "INSERT INTO classifier_corrections (at, case_ref, message_row, actor, label, name)
                 SELECT ?, ?, id, ?, ?, ? FROM messages WHERE case_ref = ? ORDER BY id LIMIT 1",
            )
            .bind(at)
            .bind(case_ref)
            .bind(actor)
            .bind(label.as_str())
            .bind(name)
            .bind(case_ref)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Every correction, oldest first, with its message.
    pub async fn corrections(&self) -> Result<Vec<Correction>, StoreError> {
        // The message's parts column is spelled per backend (see
        // `message_parts_column_pg!`).
        const ALL: Sql = Sql::each(
            concat!(
                "SELECT c.message_row, c.case_ref, c.label, c.name, m.raw, ",
                crate::message_parts_column!(),
                " FROM classifier_corrections c JOIN messages m ON m.id = c.message_row
                 ORDER BY c.id"
            ),
            concat!(
                "SELECT c.message_row, c.case_ref, c.label, c.name, m.raw, ",
                message_parts_column_pg!(),
                " FROM classifier_corrections c JOIN messages m ON m.id = c.message_row
                 ORDER BY c.id"
            ),
        );
        type Row = (i64, String, String, String, PackedMessage, Option<String>);
        let mut c = self.reader().await?;
        let rows: Vec<Row> = on!(c, |c| db::query_as(ALL).fetch_all(&mut *c).await?);
        let unknown = |column: &str, value: String| StoreError::UnknownValue {
            table: "classifier_corrections",
            column: column.into(),
            value,
        };
        rows.into_iter()
            .map(|(message_row, case_ref, label, name, packed, parts)| {
                let label: Label = label.parse().map_err(|_| unknown("label", label))?;
                let corrected = match label {
                    Label::Kind => {
                        Corrected::Kind(name.parse().map_err(|_| unknown("name", name.clone()))?)
                    }
                    Label::Flag | Label::Unflag => Corrected::Flag(
                        name.parse().map_err(|_| unknown("name", name.clone()))?,
                        label == Label::Flag,
                    ),
                };
                Ok(Correction {
                    message_row,
                    case_ref,
                    corrected,
                    raw: read_message(packed.0, parts.as_deref()).map_err(|e| {
                        sqlx::Error::ColumnDecode {
                            index: "raw".into(),
                            source: Box::new(e),
                        }
                    })?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store_with(label: &str, name: &str) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite"))
            .await
            .expect("store");
        sqlx::query(
            "INSERT INTO messages (id, content_hash, source, received_at, raw, size, case_ref, status)
             VALUES (1, 'h', 'test', '2026-11-30T10:00:00Z', X'004869', 2, 'PAR-2026-0001', 'processed')",
        )
        .execute(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("message");
        sqlx::query(
            "INSERT INTO classifier_corrections (at, case_ref, message_row, actor, label, name)
             VALUES ('2026-11-30T10:00:00Z', 'PAR-2026-0001', 1, 'sam@org.test', ?, ?)",
        )
        .bind(label)
        .bind(name)
        .execute(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("correction");
        (dir, store)
    }

    #[tokio::test]
    async fn corrections_read_back_typed() {
        let (_dir, store) = store_with("unflag", "on_behalf").await;
        let got = store.corrections().await.expect("read");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].corrected, Corrected::Flag(Flag::OnBehalf, false));
        assert_eq!(got[0].raw, b"Hi");
    }

    #[tokio::test]
    async fn an_unknown_stored_name_is_an_error_naming_it() {
        let (_dir, store) = store_with("kind", "grumble").await;
        match store.corrections().await {
            Err(StoreError::UnknownValue {
                table,
                column,
                value,
            }) => {
                assert_eq!(
                    (table, column.as_str(), value.as_str()),
                    ("classifier_corrections", "name", "grumble")
                );
            }
            other => panic!("expected an unknown-value error, got {other:?}"),
        }
    }
}
