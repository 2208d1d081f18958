//! The outbox sender: claims due mail with a lease, delivers it, and records
//! the outcome. Transient failures are retried with exponential backoff up to
//! a cap; permanent ones are recorded against the case and shown in the digest.

use crate::config::{SaslMechanism, SmtpConfig, TlsMode};
use crate::core::oauth::FailureKind;
use crate::maildir;
use crate::oauth::TokenSource;
use crate::store::{OutboxRow, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use tracing::{info, warn};

/// Deliveries in flight at once (few: real servers limit connections per client).
const CONCURRENCY: usize = 4;

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

/// Why an SMTP transport could not be built.
#[derive(Debug, thiserror::Error)]
#[error("SMTP set-up: {0}")]
pub struct SmtpSetupError(pub String);

/// The template name of operator alerts in the outbox: these alone may go
/// through the alerts' own SMTP account when the main one fails.
pub const ALERT_TEMPLATE: &str = "operator_alert";

/// One SMTP account: its pooled lettre transport, rebuilt whenever its OAuth2
/// token changes (lettre fixes credentials when a transport is built).
pub struct SmtpAccount {
    cfg: SmtpConfig,
    base: PathBuf,
    /// Envelope sender (bounces come back here).
    from: String,
    /// Its name in the sign-in health table (`smtp:outbox`, `smtp:alerts`).
    pub account: String,
    tokens: Option<Arc<TokenSource>>,
    /// The transport and the token it was built with.
    current: tokio::sync::Mutex<Option<(Option<String>, AsyncSmtpTransport<Tokio1Executor>)>>,
    /// Where operator alerts go when this account cannot send them.
    pub alert_fallback: Option<Arc<SmtpAccount>>,
}

/// Why an account could not be used: sign-in, or the server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFailure {
    /// Needs a person, or worth retrying.
    pub kind: FailureKind,
    /// What went wrong, in the provider's words.
    pub message: String,
}

impl SmtpAccount {
    /// An account from config; `tokens` is its OAuth2 source when it has one.
    /// TLS settings are checked now; secrets are read at sign-in.
    pub fn new(
        cfg: &SmtpConfig,
        base: &Path,
        from: &str,
        account: &str,
        tokens: Option<Arc<TokenSource>>,
    ) -> Result<SmtpAccount, SmtpSetupError> {
        if cfg.oauth2.is_some() && tokens.is_none() {
            return Err(SmtpSetupError(
                "OAuth2 is configured but no token source was given".into(),
            ));
        }
        if cfg.oauth2.is_some() && cfg.username.is_none() {
            return Err(SmtpSetupError(
                "OAuth2 sign-in needs username (the mailbox address)".into(),
            ));
        }
        if cfg
            .oauth2
            .as_ref()
            .is_some_and(|o| o.mechanism != SaslMechanism::Xoauth2)
        {
            return Err(SmtpSetupError(
                "SMTP signs in with XOAUTH2 only (lettre offers no OAUTHBEARER)".into(),
            ));
        }
        let a = SmtpAccount {
            cfg: cfg.clone(),
            base: base.to_path_buf(),
            from: from.to_string(),
            account: account.to_string(),
            tokens,
            current: tokio::sync::Mutex::new(None),
            alert_fallback: None,
        };
        a.builder()?; // TLS and CA problems show at start-up, not at the first mail
        Ok(a)
    }

    fn builder(
        &self,
    ) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, SmtpSetupError> {
        let cfg = &self.cfg;
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
                let ca = crate::config::relative_to(&self.base, ca);
                let pem = std::fs::read(&ca)
                    .map_err(|e| SmtpSetupError(format!("CA file {}: {e}", ca.display())))?;
                params =
                    params.add_root_certificate(Certificate::from_pem(&pem).map_err(|e| err(&e))?);
            }
            let params = params.build_rustls().map_err(|e| err(&e))?;
            builder = builder.tls(match cfg.tls {
                TlsMode::Implicit => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        Ok(builder)
    }

    /// The transport to send with: built once for a password, rebuilt when
    /// the OAuth2 token has been replaced.
    async fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, SignInFailure> {
        let token = match &self.tokens {
            Some(src) => Some(src.token().await.map_err(|e| SignInFailure {
                kind: e.kind(),
                message: e.to_string(),
            })?),
            None => None,
        };
        let token = token.map(|b| b.token);
        let mut cur = self.current.lock().await;
        if let Some((built_with, t)) = cur.as_ref() {
            if *built_with == token {
                return Ok(t.clone());
            }
        }
        let setup = |e: SmtpSetupError| SignInFailure {
            kind: FailureKind::Transient,
            message: e.to_string(),
        };
        let mut builder = self.builder().map_err(setup)?;
        if let Some(user) = &self.cfg.username {
            match &token {
                Some(t) => {
                    builder = builder
                        .credentials(Credentials::new(user.clone(), t.clone()))
                        .authentication(vec![Mechanism::Xoauth2]);
                }
                None => {
                    let password =
                        self.cfg
                            .password
                            .read(&self.base)
                            .map_err(|e| SignInFailure {
                                kind: FailureKind::Auth,
                                message: e,
                            })?;
                    builder = builder.credentials(Credentials::new(user.clone(), password));
                }
            }
        }
        let t = builder.build();
        if token.is_some() {
            tracing::debug!(account = %self.account, "SMTP transport rebuilt with a new token");
        }
        *cur = Some((token, t.clone()));
        Ok(t)
    }

    /// After a refused sign-in: drop the token and the transport built with it.
    async fn reset(&self) {
        if let Some(src) = &self.tokens {
            src.forget().await;
        }
        *self.current.lock().await = None;
    }

    /// Open a session and sign in (for `check`).
    pub async fn test(&self) -> Result<(), String> {
        let t = self.transport().await.map_err(|e| e.message)?;
        match t.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("{} did not accept a session", self.cfg.host)),
            Err(e) => {
                self.reset().await;
                Err(describe_smtp_error(&e))
            }
        }
    }

    async fn send(&self, row: &OutboxRow) -> Outcome {
        let envelope = match (self.from.parse(), row.recipient.parse()) {
            (Ok(f), Ok(t)) => match lettre::address::Envelope::new(Some(f), vec![t]) {
                Ok(e) => e,
                Err(e) => return Outcome::Permanent(format!("envelope: {e}")),
            },
            _ => {
                return Outcome::Permanent(format!(
                    "unusable address {} or {}",
                    self.from, row.recipient
                ))
            }
        };
        let transport = match self.transport().await {
            Ok(t) => t,
            Err(f) => return Outcome::SignIn(f),
        };
        match transport.send_raw(&envelope, &row.raw).await {
            Ok(_) => Outcome::Sent,
            Err(e) => match sign_in_error(&e) {
                Some(kind) => {
                    self.reset().await;
                    Outcome::SignIn(SignInFailure {
                        kind,
                        message: describe_smtp_error(&e),
                    })
                }
                // 5xx: the server will never take it. 4xx and I/O: try again.
                None if e.is_permanent() => Outcome::Permanent(e.to_string()),
                None => Outcome::Transient(e.to_string()),
            },
        }
    }
}

/// Was this a refused sign-in rather than a refused message, and of which
/// kind? 530/534/535/538 are SMTP AUTH's refusals and 454 its temporary
/// failure; lettre reports an XOAUTH2 error challenge as a client error
/// ("does not expect a challenge") instead of the 535 that follows. Anything
/// else is about the message and is counted against it as before, so that a
/// mail can never be deferred for ever on a misreading.
fn sign_in_error(e: &lettre::transport::smtp::Error) -> Option<FailureKind> {
    match e.status().map(|c| c.to_string()).as_deref() {
        Some("530" | "534" | "535" | "538") => return Some(FailureKind::Auth),
        Some("454") => return Some(FailureKind::Transient),
        _ => {}
    }
    let t = e.to_string().to_ascii_lowercase();
    (t.contains("does not expect a challenge")
        || t.contains("no compatible authentication mechanism"))
    .then_some(FailureKind::Auth)
}

fn describe_smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let t = e.to_string();
    if t.contains("does not expect a challenge") {
        format!("the server refused the XOAUTH2 token ({t})")
    } else {
        t
    }
}

/// Build the SMTP transport for the outbox from config. `base` resolves
/// relative paths; `tokens` is the account's OAuth2 source, if it has one.
pub fn smtp_transport(
    cfg: &SmtpConfig,
    base: &Path,
    from: &str,
    tokens: Option<Arc<TokenSource>>,
) -> Result<Transport, SmtpSetupError> {
    Ok(Transport::Smtp(Arc::new(SmtpAccount::new(
        cfg,
        base,
        from,
        OUTBOX_ACCOUNT,
        tokens,
    )?)))
}

/// The outbox SMTP account's name in the sign-in health table.
pub const OUTBOX_ACCOUNT: &str = "smtp:outbox";
/// The alerts' own SMTP account's name in the sign-in health table.
pub const ALERTS_ACCOUNT: &str = "smtp:alerts";

/// How a delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Try again later.
    Transient(String),
    /// Will never work.
    Permanent(String),
    /// The account could not sign in: the mail waits, uncounted.
    SignIn(SignInFailure),
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
    /// Whether the SMTP account could not sign in.
    pub signin_failed: bool,
}

impl SendReport {
    /// Nothing was due.
    pub fn is_empty(&self) -> bool {
        self.sent + self.retried + self.failed == 0
    }
}

/// What one delivery said about the main SMTP account's sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MainAccount {
    /// Not an SMTP delivery, or the server refused the mail itself.
    Unknown,
    /// It signed in and the mail went.
    Worked,
    /// It could not sign in.
    SignInFailed(SignInFailure),
}

async fn deliver(transport: &Transport, row: &OutboxRow) -> (Outcome, MainAccount) {
    match transport {
        Transport::Maildir(dir) => match maildir::deliver(dir, &row.message_id, &row.raw) {
            Ok(_) => (Outcome::Sent, MainAccount::Unknown),
            // A full disk or a permissions slip can be fixed: retry.
            Err(e) => (
                Outcome::Transient(format!("maildir {}: {e}", dir.display())),
                MainAccount::Unknown,
            ),
        },
        Transport::Smtp(account) => {
            let first = account.send(row).await;
            let main = match &first {
                Outcome::Sent => MainAccount::Worked,
                Outcome::SignIn(f) => MainAccount::SignInFailed(f.clone()),
                _ => MainAccount::Unknown,
            };
            match (&first, &account.alert_fallback) {
                // An operator alert must get out even when the account it is
                // about is this one.
                (Outcome::SignIn(_) | Outcome::Transient(_), Some(fallback))
                    if row.template == ALERT_TEMPLATE =>
                {
                    warn!(message_id = %row.message_id, "alert goes through the alerts' own SMTP account");
                    (fallback.send(row).await, main)
                }
                _ => (first, main),
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
        let outcomes: Vec<(OutboxRow, (Outcome, MainAccount))> = futures::stream::iter(batch)
            .map(|row| async move {
                let o = deliver(transport, &row).await;
                (row, o)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut signin_failed = None;
        let mut main_worked = false;
        for (row, (outcome, main)) in outcomes {
            match main {
                MainAccount::Worked => main_worked = true,
                MainAccount::SignInFailed(f) => signin_failed = Some(f),
                MainAccount::Unknown => {}
            }
            match outcome {
                Outcome::SignIn(f) => {
                    // The account, not the mail: wait without using up attempts.
                    store
                        .outbox_defer(row.id, now + retry.base, &f.message)
                        .await?;
                    report.retried += 1;
                }
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
        if let Transport::Smtp(account) = transport {
            if let Some(f) = &signin_failed {
                warn!(account = %account.account, error = %f.message, "SMTP sign-in failed; outgoing mail waits");
                store
                    .login_failed(&account.account, now, f.kind, &f.message)
                    .await?;
                report.signin_failed = true;
                // Trying the rest of the queue now would only fail the same way.
                break;
            }
            if main_worked {
                store.login_ok(&account.account, now).await?;
            }
        }
    }
    store.heartbeat("sender", now).await?;
    Ok(report)
}
