//! The languages people write in: the one detected in each inbound
//! message, and each contact's remembered language (`contact_languages`).

use super::db::{self, on};
use super::Conn;
use super::{Store, StoreError};
use chrono::{DateTime, Utc};

/// Who set a contact's language (`contact_languages.set_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum LanguageSource {
    /// A message of theirs, clearly in that language.
    Detected,
    /// A handler's `#language`.
    Handler,
}

impl LanguageSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Store {
    /// Record the language detected in a stored message's new text.
    pub async fn set_message_language(
        tx: &mut Conn,
        row: i64,
        language: &str,
        sure: bool,
    ) -> Result<(), StoreError> {
        // `language_sure` is BOOLEAN on PostgreSQL, 0/1 on SQLite: a bound
        // `bool` is either.
        on!(tx, |c| {
            db::query("UPDATE messages SET language = ?, language_sure = ? WHERE id = ?")
                .bind(language)
                .bind(sure)
                .bind(row)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The language `address` is written to in, if one is known.
    pub async fn contact_language(
        tx: &mut Conn,
        address: &str,
    ) -> Result<Option<String>, StoreError> {
        let address = address.trim().to_ascii_lowercase();
        Ok(on!(tx, |c| {
            db::query_scalar("SELECT language FROM contact_languages WHERE address = ?")
                .bind(&address)
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    /// Remember that `address` is written to in `language` from now on.
    pub async fn set_contact_language(
        tx: &mut Conn,
        address: &str,
        language: &str,
        by: LanguageSource,
        message_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let address = address.trim().to_ascii_lowercase();
        on!(tx, |c| {
            db::query(
                "INSERT INTO contact_languages (address, language, set_by, message_id, set_at)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (address) DO UPDATE SET language = excluded.language,
                   set_by = excluded.set_by, message_id = excluded.message_id, set_at = excluded.set_at",
            )
            .bind(&address)
            .bind(language)
            .bind(by.as_str())
            .bind(message_id)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Forget the language remembered for `address` (an erasure request).
    pub async fn forget_contact_language(tx: &mut Conn, address: &str) -> Result<(), StoreError> {
        let address = address.trim().to_ascii_lowercase();
        on!(tx, |c| {
            db::query("DELETE FROM contact_languages WHERE address = ?")
                .bind(&address)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
