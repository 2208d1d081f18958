//! The outbox sender: claims due mail with a lease, delivers it, and records
//! the outcome. Transient failures are retried with exponential backoff up to
//! a cap; permanent ones are recorded against the case and shown in the digest.

use crate::maildir;
use crate::store::{OutboxRow, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;
use tracing::{info, warn};

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Transport {
    /// Into a Maildir (the embedded default).
    Maildir(PathBuf),
}

/// How a delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Try again later.
    Transient(String),
    /// Will never work.
    Permanent(String),
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    /// Delivered.
    pub sent: usize,
    /// Scheduled for a retry.
    pub retried: usize,
    /// Given up.
    pub failed: usize,
}

impl SendReport {
    /// Nothing was due.
    pub fn is_empty(&self) -> bool {
        self.sent + self.retried + self.failed == 0
    }
}

fn deliver(transport: &Transport, row: &OutboxRow) -> Outcome {
    match transport {
        Transport::Maildir(dir) => match maildir::deliver(dir, &row.message_id, &row.raw) {
            Ok(_) => Outcome::Sent,
            // A full disk or a permissions slip can be fixed: retry.
            Err(e) => Outcome::Transient(format!("maildir {}: {e}", dir.display())),
        },
    }
}

/// Backoff before attempt `n + 1`: 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let minutes = 1i64 << attempts.clamp(0, 6);
    Duration::minutes(minutes.min(60))
}

/// Send everything due at `now`. `max_attempts` caps retries.
pub async fn run_once(
    store: &Store,
    transport: &Transport,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    loop {
        let batch = store
            .claim_outbox(now, now + Duration::minutes(5), 50)
            .await?;
        if batch.is_empty() {
            break;
        }
        for row in batch {
            match deliver(transport, &row) {
                Outcome::Sent => {
                    store.outbox_sent(row.id, now).await?;
                    info!(case = row.case_ref.as_deref().unwrap_or("-"), message_id = %row.message_id, template = %row.template, "sent");
                    report.sent += 1;
                }
                Outcome::Transient(e) if row.attempts + 1 < i64::from(max_attempts) => {
                    warn!(case = row.case_ref.as_deref().unwrap_or("-"), message_id = %row.message_id, error = %e, "delivery will be retried");
                    store
                        .outbox_retry(row.id, now + backoff(row.attempts), &e)
                        .await?;
                    report.retried += 1;
                }
                Outcome::Transient(e) | Outcome::Permanent(e) => {
                    warn!(case = row.case_ref.as_deref().unwrap_or("-"), message_id = %row.message_id, error = %e, "delivery failed");
                    store.outbox_failed(&row, &e, now).await?;
                    report.failed += 1;
                }
            }
        }
    }
    Ok(report)
}
