//! Enumerated columns: the store's own stored names, spelled once by a
//! derive, and how every enumerated value (the core's too) goes into a column
//! and comes out of one.
//!
//! Each type is written with its `as_str()` (a case reference with its
//! `Display`) and read with `parse()`; a value this build does not know is
//! an error naming the table, the column and the value
//! ([`StoreError::UnknownValue`]), never dropped or defaulted. The schema's
//! `CHECK` constraints hold the same lists, so such a value can only come
//! from a newer build or a hand edit.

use super::StoreError;
use crate::core::caps::Cap;
use crate::core::case::{DeadlineKind, State};
use crate::core::kind::{Flag, Kind};
use crate::core::oauth::FailureKind;
use crate::core::reference::CaseRef;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;

/// What became of a stored inbound message (`messages.status`).
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
pub enum MessageStatus {
    /// Stored, not yet finished (processed again on start).
    Received,
    /// Took part in a case.
    Processed,
    /// Recorded and deliberately not acted on (auto-replies, bounces, …).
    Ignored,
    /// Failed a step: waits in quarantine for a person.
    Quarantined,
}

impl MessageStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where a queued mail is (`outbox.status`).
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
    serde::Serialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting to be sent (or being sent, under a lease).
    Pending,
    /// Delivered.
    Sent,
    /// Permanently failed.
    Failed,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who made an audit entry, by standing (`audit.actor_kind`); `audit.actor`
/// holds who in words.
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
pub enum ActorKind {
    /// complaintd itself.
    System,
    /// The person who wrote in.
    Complainant,
    /// A verified member of staff.
    Staff,
    /// Someone claiming to be staff without proof.
    Unverified,
    /// Someone other than the complainant who may act on the case.
    Correspondent,
    /// Someone with no standing on the case.
    ThirdParty,
}

impl ActorKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A worker that records its passes (`heartbeat.name`), for `status`.
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
pub enum Worker {
    /// Deadlines, chase-ups, alerts and the digest.
    Scheduler,
    /// The outbox drain.
    Sender,
}

impl Worker {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A stored value that does not name a variant; [`ReadFrom::read_from`]
/// turns it into [`StoreError::UnknownValue`] with the table's name.
#[derive(Debug, thiserror::Error)]
#[error("unknown stored value {0:?}")]
pub(crate) struct UnknownName(pub String);

/// Give a read's decoding failure the table it read from.
pub(crate) trait ReadFrom<T> {
    /// The result, or the error with an unknown stored value named in full.
    fn read_from(self, table: &'static str) -> Result<T, StoreError>;
}

impl<T> ReadFrom<T> for Result<T, sqlx::Error> {
    fn read_from(self, table: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| match e {
            sqlx::Error::ColumnDecode { index, source } => match source.downcast::<UnknownName>() {
                Ok(unknown) => StoreError::UnknownValue {
                    table,
                    column: index.trim_matches('"').to_string(),
                    value: unknown.0,
                },
                Err(source) => StoreError::Db(sqlx::Error::ColumnDecode { index, source }),
            },
            e => StoreError::Db(e),
        })
    }
}

/// Store a type as the text its `$write` gives and read it back with `parse`,
/// on either backend (a TEXT column on both).
macro_rules! stored_as_text {
    ($($t:ty => $write:expr),* $(,)?) => {$(
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $t
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                let write: fn(&$t) -> String = $write;
                <String as sqlx::Encode<'q, DB>>::encode(write(self), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as sqlx::Decode<'r, DB>>::decode(value)?;
                text.parse::<$t>()
                    .map_err(|_| Box::new(UnknownName(text.to_string())) as BoxDynError)
            }
        }
    )*};
}

stored_as_text!(
    MessageStatus => |v| v.as_str().to_string(),
    OutboxStatus => |v| v.as_str().to_string(),
    ActorKind => |v| v.as_str().to_string(),
    Worker => |v| v.as_str().to_string(),
    State => |v| v.as_str().to_string(),
    Kind => |v| v.as_str().to_string(),
    Flag => |v| v.as_str().to_string(),
    DeadlineKind => |v| v.as_str().to_string(),
    FailureKind => |v| v.as_str().to_string(),
    Cap => |v| v.as_str().to_string(),
    super::Counted => |v| v.as_str().to_string(),
    CaseRef => |v| v.to_string(),
);

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// The stored spellings are the database's: they must never change.
    #[test]
    fn stored_spellings_are_fixed() {
        let names = |it: &mut dyn Iterator<Item = &'static str>| it.collect::<Vec<_>>();
        assert_eq!(
            names(&mut MessageStatus::iter().map(MessageStatus::as_str)),
            ["received", "processed", "ignored", "quarantined"]
        );
        assert_eq!(
            names(&mut OutboxStatus::iter().map(OutboxStatus::as_str)),
            ["pending", "sent", "failed"]
        );
        assert_eq!(
            names(&mut ActorKind::iter().map(ActorKind::as_str)),
            [
                "system",
                "complainant",
                "staff",
                "unverified",
                "correspondent",
                "third_party"
            ]
        );
        assert_eq!(
            names(&mut Worker::iter().map(Worker::as_str)),
            ["scheduler", "sender"]
        );
        for s in OutboxStatus::iter() {
            assert_eq!(s.as_str().parse::<OutboxStatus>().ok(), Some(s));
        }
        assert!("Pending".parse::<OutboxStatus>().is_err());
    }
}
