//! The outbox sender: claims one due mail at a time with a short lease,
//! hands it to the server, and commits the outcome the moment the server has
//! answered, so that a crash can resend at most the one mail in flight.
//!
//! Whose fault a failure is decides what happens to the mail. A server that
//! cannot be reached, does not greet, stalls, fails TLS or answers 421 is the
//! *account's* problem: it is recorded in the sign-in health table (status,
//! digest, operator alerts), every mail waits without using up its attempts,
//! and the daemon probes the server with a capped backoff until it answers.
//! Only the server's refusal of one particular message (a reply to its MAIL,
//! RCPT or DATA) counts against that mail: 5xx gives it up, 4xx retries it
//! with exponential backoff up to a cap.
//!
//! This module holds the claiming loop and the outcomes; the SMTP session
//! and its per-step timeouts are in `smtp`, and Maildir delivery is
//! [`crate::mail::maildir::deliver`].

mod smtp;

pub use smtp::{SignInFailure, SmtpAccount, SmtpSetupError, SmtpTimeouts};

use crate::mail::maildir;
use crate::store::{Store, StoreError, Worker};
use chrono::{DateTime, Duration, Utc};
use smtp::Session;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::{info, info_span, warn, Instrument};

/// How long a claimed mail is leased. Short, because after a crash the mail
/// that was in flight waits this long before it is tried again; renewed every
/// `LEASE_RENEW` while a slow server is still working on it.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(30);
/// How often a lease is renewed while its mail is being delivered.
const LEASE_RENEW: std::time::Duration = std::time::Duration::from_secs(10);
/// After a stop request, how long the mail in flight may still take before
/// it is abandoned and its lease released (well inside the daemon's grace).
pub const FINISH_IN_FLIGHT: std::time::Duration = std::time::Duration::from_secs(10);
/// Mails sent over one SMTP session before it is closed and a new one opened
/// (servers limit messages per connection).
const MAILS_PER_SESSION: usize = 50;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    /// Into a Maildir (the embedded default).
    Maildir(PathBuf),
    /// To an SMTP server.
    Smtp(Arc<SmtpAccount>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Maildir(p) => write!(f, "Maildir({})", p.display()),
            Transport::Smtp(a) => write!(f, "Smtp({} from {})", a.cfg.host, a.from),
        }
    }
}

/// The template name of operator alerts in the outbox: these alone may go
/// through the alerts' own SMTP account when the main one fails.
pub const ALERT_TEMPLATE: &str = "operator_alert";

/// The outbox SMTP account's name in the sign-in health table.
pub const OUTBOX_ACCOUNT: &str = "smtp:outbox";
/// The alerts' own SMTP account's name in the sign-in health table.
pub const ALERTS_ACCOUNT: &str = "smtp:alerts";

/// How a delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// This mail's temporary problem (a 4xx reply to it): retry, counted.
    Transient(String),
    /// Will never work (a 5xx reply to it).
    Permanent(String),
    /// The account could not be used (unreachable, stalled, 421, sign-in
    /// refused): the mail waits, uncounted.
    Account(SignInFailure),
    /// The session broke during this mail (the line dropped, a reply never
    /// came, 421): the account's problem too, but this mail steps back.
    Broken(SignInFailure),
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// Delivered.
    pub sent: usize,
    /// Scheduled for a retry.
    pub retried: usize,
    /// Given up.
    pub failed: usize,
    /// Whether the SMTP account could not be used (sign-in or server).
    pub signin_failed: bool,
    /// Why, when it could not.
    pub account_error: Option<String>,
    /// The pass stopped early on a stop request.
    pub stopped: bool,
    /// How long each delivered mail's delivery took (for the metrics).
    pub delivery_times: Vec<std::time::Duration>,
}

impl SendReport {
    /// Nothing was due.
    pub fn is_empty(&self) -> bool {
        self.sent + self.retried + self.failed == 0
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

/// How long to wait before probing an account that failed `failures` times
/// in a row: every 5 s for the first minute, then 10 s for two more, then
/// doubling, never more than 5 minutes apart. A short outage is over within
/// seconds of the server answering; a long one costs a probe every 5 minutes.
pub(crate) fn probe_delay(failures: u32) -> std::time::Duration {
    let step = failures.saturating_sub(1) / 12;
    let secs = 5u64.saturating_mul(1u64 << step.min(10));
    std::time::Duration::from_secs(secs.min(300))
}

/// Send everything due at `now`, retrying per `retry` (one pass on a fixed
/// clock: the `send` command, the demo and the embedded tests).
pub async fn run_once(
    store: &Store,
    transport: &Transport,
    now: DateTime<Utc>,
    retry: RetryPolicy,
) -> Result<SendReport, StoreError> {
    deliver_due(store, transport, &|| now, retry, &CancellationToken::new()).await
}

/// Deliver due mail one at a time until none is due, the account fails, or
/// `stop` is cancelled. `clock` gives the business time of each step.
///
/// Each mail is claimed with a [`LEASE`], renewed while it is in flight, and
/// its outcome committed as soon as the server has answered. On a stop
/// request no new mail is claimed; the one in flight gets up to
/// [`FINISH_IN_FLIGHT`] to finish, else it is abandoned and its lease released.
pub(crate) async fn deliver_due(
    store: &Store,
    transport: &Transport,
    clock: &(dyn Fn() -> DateTime<Utc> + Sync),
    retry: RetryPolicy,
    stop: &CancellationToken,
) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    let mut session: Option<Session> = None;
    // Fires FINISH_IN_FLIGHT after a stop request.
    let give_up = async {
        stop.cancelled().await;
        tokio::time::sleep(FINISH_IN_FLIGHT).await;
    };
    tokio::pin!(give_up);
    loop {
        if stop.is_cancelled() {
            report.stopped = true;
            break;
        }
        let now = clock();
        let lease = Duration::from_std(LEASE).unwrap_or(Duration::seconds(30));
        let Some(row) = store.claim_outbox(now, now + lease, 1).await?.pop() else {
            break;
        };
        let case_name = row.case_ref.as_ref().map(|r| r.to_string());
        let case = case_name.as_deref().unwrap_or("-");
        let span = info_span!(
            "deliver",
            case,
            message_id = %row.message_id
        );
        // The delivery itself, with the session opened on demand.
        let attempt = async {
            match transport {
                Transport::Maildir(dir) => match maildir::deliver(dir, &row.message_id, &row.raw) {
                    Ok(_) => Outcome::Sent,
                    // A full disk or a permissions slip can be fixed: retry.
                    Err(e) => Outcome::Transient(format!("maildir {}: {e}", dir.display())),
                },
                Transport::Smtp(account) => {
                    if session.is_none() {
                        match account.open().await {
                            Ok(s) => session = Some(s),
                            Err(f) => return Outcome::Account(f),
                        }
                    }
                    match session.as_mut() {
                        Some(s) => s.send(&account.from, &row).await,
                        None => Outcome::Account(SignInFailure::transient("no session".into())),
                    }
                }
            }
        }
        .instrument(span);
        let began = std::time::Instant::now();
        let outcome = {
            tokio::pin!(attempt);
            let mut renew = tokio::time::interval(LEASE_RENEW);
            renew.tick().await; // the first tick is immediate
            loop {
                tokio::select! {
                    o = &mut attempt => break Some(o),
                    _ = renew.tick() => {
                        let now = clock();
                        store.renew_lease(row.id, now + lease).await?;
                    }
                    _ = &mut give_up => break None,
                }
            }
        };
        let Some(outcome) = outcome else {
            // Stopping, and the server is too slow: let the mail go back, untouched.
            warn!(case, message_id = %row.message_id, "stopping: the mail in flight was abandoned and goes out after the restart");
            session = None;
            store.outbox_release(row.id).await?;
            report.stopped = true;
            break;
        };
        let now = clock();
        let broken = matches!(outcome, Outcome::Broken(_));
        match outcome {
            Outcome::Sent => {
                store.outbox_sent(row.id, now).await?;
                info!(case, message_id = %row.message_id, template = %row.template, "sent");
                report.sent += 1;
                report.delivery_times.push(began.elapsed());
                if let (Transport::Smtp(account), Some(s)) = (transport, &session) {
                    if s.sent == 1 {
                        // The first mail of a session proves the account works.
                        store.login_ok(&account.account, now).await?;
                    }
                }
            }
            Outcome::Account(f) | Outcome::Broken(f) => {
                // The account, not the mail: it waits without using up an
                // attempt. A mail whose own transaction broke steps back (still
                // uncounted) so that, were it what breaks the connection, it
                // could not hold up the rest of the queue.
                session = None;
                if broken {
                    store
                        .outbox_defer(row.id, now + retry.backoff(row.attempts), &f.message)
                        .await?;
                } else {
                    store.outbox_waiting(row.id, &f.message).await?;
                }
                report.retried += 1;
                report.signin_failed = true;
                report.account_error = Some(f.message.clone());
                if let Transport::Smtp(account) = transport {
                    warn!(account = %account.account, case, message_id = %row.message_id, error = %f.message, "SMTP account unusable; outgoing mail waits, nothing counted against it");
                    store
                        .login_failed(&account.account, now, f.kind, &f.message)
                        .await?;
                    if let Some(fallback) = &account.alert_fallback {
                        report.sent += send_alerts(store, fallback, clock, stop).await?;
                    }
                }
                break;
            }
            Outcome::Transient(e) if row.attempts + 1 < i64::from(retry.max_attempts) => {
                warn!(case, message_id = %row.message_id, error = %e, "delivery will be retried");
                end_session(&mut session).await;
                store
                    .outbox_retry(row.id, now + retry.backoff(row.attempts), &e)
                    .await?;
                report.retried += 1;
            }
            Outcome::Transient(e) | Outcome::Permanent(e) => {
                warn!(case, message_id = %row.message_id, error = %e, "delivery failed");
                end_session(&mut session).await;
                store.outbox_failed(&row, &e, now).await?;
                report.failed += 1;
            }
        }
        if session
            .as_ref()
            .is_some_and(|s| s.sent >= MAILS_PER_SESSION)
        {
            end_session(&mut session).await;
        }
    }
    end_session(&mut session).await;
    store.heartbeat(Worker::Sender, clock()).await?;
    Ok(report)
}

/// Close a session (a refused mail leaves it mid-transaction: start afresh).
async fn end_session(session: &mut Option<Session>) {
    if let Some(mut s) = session.take() {
        s.quit().await;
    }
}

/// The main account is down: operator alerts due now go through the alerts'
/// own account, one at a time, each recorded as it goes.
async fn send_alerts(
    store: &Store,
    fallback: &SmtpAccount,
    clock: &(dyn Fn() -> DateTime<Utc> + Sync),
    stop: &CancellationToken,
) -> Result<usize, StoreError> {
    let mut sent = 0;
    let mut session: Option<Session> = None;
    while !stop.is_cancelled() {
        let now = clock();
        let lease = Duration::from_std(LEASE).unwrap_or(Duration::seconds(30));
        let Some(row) = store
            .claim_outbox_template(now, now + lease, ALERT_TEMPLATE)
            .await?
        else {
            break;
        };
        if session.is_none() {
            match fallback.open().await {
                Ok(s) => session = Some(s),
                Err(f) => {
                    warn!(account = %fallback.account, error = %f.message, "the alerts' own SMTP account is unusable too");
                    store.outbox_release(row.id).await?;
                    break;
                }
            }
        }
        let Some(s) = session.as_mut() else { break };
        match s.send(&fallback.from, &row).await {
            Outcome::Sent => {
                store.outbox_sent(row.id, now).await?;
                warn!(message_id = %row.message_id, "alert went through the alerts' own SMTP account");
                sent += 1;
            }
            other => {
                warn!(message_id = %row.message_id, outcome = ?other, "alert could not go through the alerts' own SMTP account either");
                store.outbox_release(row.id).await?;
                break;
            }
        }
    }
    end_session(&mut session).await;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_back_off_from_5_seconds_to_at_most_5_minutes() {
        let secs = |n| probe_delay(n).as_secs();
        assert_eq!(secs(1), 5);
        assert_eq!(secs(12), 5, "every 5 s for the first minute");
        assert_eq!(secs(13), 10);
        assert_eq!(secs(25), 20);
        assert_eq!(secs(1000), 300, "never more than 5 minutes apart");
        let mut total = 0;
        for n in 1..=24 {
            total += secs(n);
        }
        assert_eq!(total, 180, "the first 3 minutes probe at least every 10 s");
    }
}
