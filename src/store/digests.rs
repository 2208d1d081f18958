//! The directors' digest: one per working day.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};

impl Store {
    /// Claim the digest for a day: true the first time only.
    pub async fn claim_digest(&self, day: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let r =
            sqlx::query("INSERT INTO digests (day, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(day)
                .bind(at)
                .execute(&self.pool)
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
