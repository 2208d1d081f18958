//! The directors' digest: one per working day.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

impl Store {
    /// Whether the digest for `day` has gone out.
    pub async fn digest_sent(&self, day: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM digests WHERE day = ?)")
                .bind(day)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Claim the digest for `day`, inside the transaction that queues it (so
    /// that a digest that fails is not lost): false if it was already claimed.
    pub async fn claim_digest(
        tx: &mut SqliteConnection,
        day: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let r =
            sqlx::query("INSERT INTO digests (day, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(day)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The most recent digest day sent, if any.
    pub async fn last_digest(&self) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT day, sent_at FROM digests ORDER BY day DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
