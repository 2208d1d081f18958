//! The outbox sender: claims due mail with a lease, delivers it, and records
//! the outcome. Transient failures are retried with exponential backoff up to
//! a cap; permanent ones are recorded against the case and shown in the digest.

use crate::config::{SmtpConfig, TlsMode};
use crate::maildir;
use crate::store::{OutboxRow, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::Path;
use std::path::PathBuf;
use tracing::{info, warn};

/// Deliveries in flight at once (few: real servers limit connections per client).
const CONCURRENCY: usize = 4;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    /// Into a Maildir (the embedded default).
    Maildir(PathBuf),
    /// To an SMTP server (pooled connections), with the envelope sender.
    Smtp {
        /// The pooled transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// Envelope sender (bounces come back here).
        from: String,
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Maildir(p) => write!(f, "Maildir({})", p.display()),
            Transport::Smtp { from, .. } => write!(f, "Smtp(from {from})"),
        }
    }
}

/// Why an SMTP transport could not be built.
#[derive(Debug, thiserror::Error)]
#[error("SMTP set-up: {0}")]
pub struct SmtpSetupError(pub String);

/// Build the pooled SMTP transport from config. `base` resolves relative paths.
pub fn smtp_transport(
    cfg: &SmtpConfig,
    base: &Path,
    from: &str,
) -> Result<Transport, SmtpSetupError> {
    let err = |e: &dyn std::fmt::Display| SmtpSetupError(e.to_string());
    let port = cfg.port.unwrap_or(match cfg.tls {
        TlsMode::Implicit => 465,
        TlsMode::Starttls => 587,
        TlsMode::Plain => 25,
    });
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
        .port(port)
        .timeout(Some(std::time::Duration::from_secs(cfg.timeout_seconds)));
    if cfg.tls != TlsMode::Plain {
        let mut params = TlsParameters::builder(cfg.host.clone());
        if let Some(ca) = &cfg.ca_file {
            let ca = crate::config::relative_to(base, ca);
            let pem = std::fs::read(&ca)
                .map_err(|e| SmtpSetupError(format!("CA file {}: {e}", ca.display())))?;
            params = params.add_root_certificate(Certificate::from_pem(&pem).map_err(|e| err(&e))?);
        }
        let params = params.build_rustls().map_err(|e| err(&e))?;
        builder = builder.tls(match cfg.tls {
            TlsMode::Implicit => Tls::Wrapper(params),
            _ => Tls::Required(params),
        });
    }
    if let Some(user) = &cfg.username {
        let password = cfg.password.read(base).map_err(SmtpSetupError)?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(Transport::Smtp {
        transport: builder.build(),
        from: from.to_string(),
    })
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

async fn deliver(transport: &Transport, row: &OutboxRow) -> Outcome {
    match transport {
        Transport::Maildir(dir) => match maildir::deliver(dir, &row.message_id, &row.raw) {
            Ok(_) => Outcome::Sent,
            // A full disk or a permissions slip can be fixed: retry.
            Err(e) => Outcome::Transient(format!("maildir {}: {e}", dir.display())),
        },
        Transport::Smtp { transport, from } => {
            let envelope = match (from.parse(), row.recipient.parse()) {
                (Ok(f), Ok(t)) => match lettre::address::Envelope::new(Some(f), vec![t]) {
                    Ok(e) => e,
                    Err(e) => return Outcome::Permanent(format!("envelope: {e}")),
                },
                _ => {
                    return Outcome::Permanent(format!(
                        "unusable address {} or {}",
                        from, row.recipient
                    ))
                }
            };
            match transport.send_raw(&envelope, &row.raw).await {
                Ok(_) => Outcome::Sent,
                // 5xx: the server will never take it. 4xx and I/O: try again.
                Err(e) if e.is_permanent() => Outcome::Permanent(e.to_string()),
                Err(e) => Outcome::Transient(e.to_string()),
            }
        }
    }
}

/// How retries are spaced and capped.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts before a mail is given up.
    pub max_attempts: u32,
    /// First delay.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::minutes(1),
            max: Duration::hours(1),
        }
    }
}

impl RetryPolicy {
    /// From the `[outbox]` config.
    pub fn from_config(c: &crate::config::OutboxConfig) -> RetryPolicy {
        RetryPolicy {
            max_attempts: c.max_attempts,
            base: Duration::seconds(c.retry_base_seconds as i64),
            max: Duration::seconds(c.retry_max_seconds as i64),
        }
    }

    /// Delay before the attempt after `attempts` failed ones: base × 2ⁿ, capped.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let factor = 1i64 << attempts.clamp(0, 20);
        (self.base * factor as i32).min(self.max)
    }
}

/// Send everything due at `now`, retrying per `retry`.
pub async fn run_once(
    store: &Store,
    transport: &Transport,
    now: DateTime<Utc>,
    retry: RetryPolicy,
) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    loop {
        let batch = store
            .claim_outbox(now, now + Duration::minutes(5), 50)
            .await?;
        if batch.is_empty() {
            break;
        }
        // Several deliveries in flight: SMTP round trips dominate, and the
        // pooled transport reuses its connections.
        let outcomes: Vec<(OutboxRow, Outcome)> = futures::stream::iter(batch)
            .map(|row| async move {
                let o = deliver(transport, &row).await;
                (row, o)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (row, outcome) in outcomes {
            match outcome {
                Outcome::Sent => {
                    store.outbox_sent(row.id, now).await?;
                    info!(case = row.case_ref.as_deref().unwrap_or("-"), message_id = %row.message_id, template = %row.template, "sent");
                    report.sent += 1;
                }
                Outcome::Transient(e) if row.attempts + 1 < i64::from(retry.max_attempts) => {
                    warn!(case = row.case_ref.as_deref().unwrap_or("-"), message_id = %row.message_id, error = %e, "delivery will be retried");
                    store
                        .outbox_retry(row.id, now + retry.backoff(row.attempts), &e)
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
    store.heartbeat("sender", now).await?;
    Ok(report)
}
