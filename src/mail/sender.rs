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

use crate::config::{SaslMechanism, SmtpConfig, TlsMode};
use crate::core::oauth::FailureKind;
use crate::mail::maildir;
use crate::mail::token_source::TokenSource;
use crate::store::{OutboxRow, Store, StoreError, Worker};
use chrono::{DateTime, Duration, Utc};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::future::Future;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::{info, info_span, warn, Instrument};

/// How long a claimed mail is leased. Short, because after a crash the mail
/// that was in flight waits this long before it is tried again; renewed every
/// [`LEASE_RENEW`] while a slow server is still working on it.
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

/// Why an SMTP transport could not be built.
#[derive(Debug, thiserror::Error)]
#[error("SMTP set-up: {0}")]
pub struct SmtpSetupError(pub String);

/// The template name of operator alerts in the outbox: these alone may go
/// through the alerts' own SMTP account when the main one fails.
pub const ALERT_TEMPLATE: &str = "operator_alert";

/// How long each step of an SMTP conversation may take. A server that stops
/// answering costs one of these per connection attempt, never one per mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpTimeouts {
    /// Opening the TCP connection.
    pub connect: std::time::Duration,
    /// The server's greeting (and, with implicit TLS, the handshake and EHLO).
    pub greeting: std::time::Duration,
    /// Each command: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT.
    pub command: std::time::Duration,
    /// Sending the message and the server's reply to its end.
    pub data: std::time::Duration,
}

impl SmtpTimeouts {
    /// From `[outbox.smtp]`: each step's own key, else `timeout_seconds`
    /// (four times that for the message itself).
    pub fn from_config(cfg: &SmtpConfig) -> SmtpTimeouts {
        let secs = |v: Option<u64>, default: u64| {
            std::time::Duration::from_secs(v.unwrap_or(default).max(1))
        };
        SmtpTimeouts {
            connect: secs(cfg.connect_timeout_seconds, cfg.timeout_seconds),
            greeting: secs(cfg.greeting_timeout_seconds, cfg.timeout_seconds),
            command: secs(cfg.command_timeout_seconds, cfg.timeout_seconds),
            data: secs(
                cfg.data_timeout_seconds,
                cfg.timeout_seconds.saturating_mul(4),
            ),
        }
    }
}

/// One SMTP account: where it is, how it signs in, and its timeouts. Each
/// delivery pass opens its own session (or a few), so every step can be timed
/// and every failure attributed to the account or to one mail.
pub struct SmtpAccount {
    cfg: SmtpConfig,
    base: PathBuf,
    /// Envelope sender (bounces come back here).
    from: String,
    /// Its name in the sign-in health table (`smtp:outbox`, `smtp:alerts`).
    pub account: String,
    tokens: Option<Arc<TokenSource>>,
    tls: Option<TlsParameters>,
    port: u16,
    /// Per-step timeouts.
    pub timeouts: SmtpTimeouts,
    /// A hash of the OAuth2 token the last session signed in with (to log a
    /// new one; the token itself stays in its source).
    last_token: std::sync::Mutex<Option<u64>>,
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

impl SignInFailure {
    fn transient(message: String) -> SignInFailure {
        SignInFailure {
            kind: FailureKind::Transient,
            message,
        }
    }
}

/// An open SMTP session, signed in and ready for mail.
struct Session {
    conn: AsyncSmtpConnection,
    timeouts: SmtpTimeouts,
    /// `host:port`, for messages.
    server: String,
    /// Mails sent on it so far.
    sent: usize,
}

/// Run one SMTP step under its timeout; a timeout reads as what was awaited.
async fn step<T>(
    limit: std::time::Duration,
    what: &str,
    server: &str,
    f: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, StepError> {
    match tokio::time::timeout(limit, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(StepError::Smtp(e)),
        Err(_) => Err(StepError::Timeout(format!(
            "timed out after {}s waiting for {what} from {server}",
            limit.as_secs()
        ))),
    }
}

/// A step that failed: the server said no (or the line broke), or it never answered.
enum StepError {
    Smtp(lettre::transport::smtp::Error),
    Timeout(String),
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
        // TLS and CA problems show at start-up, not at the first mail.
        let tls = if cfg.tls == TlsMode::Plain {
            None
        } else {
            let err = |e: &dyn std::fmt::Display| SmtpSetupError(e.to_string());
            let mut params = TlsParameters::builder(cfg.host.clone());
            if let Some(ca) = &cfg.ca_file {
                let ca = crate::config::relative_to(base, ca);
                let pem = std::fs::read(&ca)
                    .map_err(|e| SmtpSetupError(format!("CA file {}: {e}", ca.display())))?;
                params =
                    params.add_root_certificate(Certificate::from_pem(&pem).map_err(|e| err(&e))?);
            }
            Some(params.build_rustls().map_err(|e| err(&e))?)
        };
        let port = cfg.port.unwrap_or(match cfg.tls {
            TlsMode::Implicit => 465,
            TlsMode::Starttls => 587,
            TlsMode::Plain => 25,
        });
        Ok(SmtpAccount {
            cfg: cfg.clone(),
            base: base.to_path_buf(),
            from: from.to_string(),
            account: account.to_string(),
            tokens,
            tls,
            port,
            timeouts: SmtpTimeouts::from_config(cfg),
            last_token: std::sync::Mutex::new(None),
            alert_fallback: None,
        })
    }

    fn server(&self) -> String {
        format!("{}:{}", self.cfg.host, self.port)
    }

    /// The credentials to sign in with, if the account signs in: the current
    /// OAuth2 token, or the password.
    async fn credentials(&self) -> Result<Option<(Credentials, Mechanism)>, SignInFailure> {
        let Some(user) = &self.cfg.username else {
            return Ok(None);
        };
        match &self.tokens {
            Some(src) => {
                let t = src.token().await.map_err(|e| SignInFailure {
                    kind: e.kind(),
                    message: e.to_string(),
                })?;
                let hash = {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    t.token.hash(&mut h);
                    h.finish()
                };
                if let Ok(mut last) = self.last_token.lock() {
                    if *last != Some(hash) {
                        tracing::debug!(account = %self.account, "SMTP signs in with a new token");
                    }
                    *last = Some(hash);
                }
                Ok(Some((
                    Credentials::new(user.clone(), t.token),
                    Mechanism::Xoauth2,
                )))
            }
            None => {
                let password = self
                    .cfg
                    .password
                    .read(&self.base)
                    .map_err(|e| SignInFailure {
                        kind: FailureKind::Auth,
                        message: e,
                    })?;
                // PLAIN where offered, else LOGIN (lettre's own preference).
                Ok(Some((
                    Credentials::new(user.clone(), password),
                    Mechanism::Plain,
                )))
            }
        }
    }

    /// Connect, read the greeting, STARTTLS and sign in, each step timed.
    /// Any failure here is the account's, never a mail's.
    async fn open(&self) -> Result<Session, SignInFailure> {
        let server = self.server();
        let creds = self.credentials().await?;
        let t = self.timeouts;
        let hello = ClientId::default();
        let wrapper = match self.cfg.tls {
            TlsMode::Implicit => self.tls.clone(),
            _ => None,
        };
        let account_error = |e: StepError, what: &str| match e {
            StepError::Timeout(m) => SignInFailure::transient(m),
            StepError::Smtp(e) => {
                SignInFailure::transient(format!("{what} {server}: {}", describe_smtp_error(&e)))
            }
        };
        let mut conn = match wrapper {
            // Implicit TLS: lettre connects (timing the TCP connect itself)
            // and shakes hands; the outer limit adds the greeting and EHLO.
            Some(_) => step(
                t.connect + t.greeting,
                "the greeting",
                &server,
                AsyncSmtpConnection::connect_tokio1(
                    (self.cfg.host.as_str(), self.port),
                    Some(t.connect),
                    &hello,
                    wrapper,
                    None,
                ),
            )
            .await
            .map_err(|e| account_error(e, "cannot connect to"))?,
            None => {
                let tcp = match tokio::time::timeout(
                    t.connect,
                    tokio::net::TcpStream::connect((self.cfg.host.as_str(), self.port)),
                )
                .await
                {
                    Ok(Ok(tcp)) => tcp,
                    Ok(Err(e)) => {
                        return Err(SignInFailure::transient(format!(
                            "cannot connect to {server}: {e}"
                        )))
                    }
                    Err(_) => {
                        return Err(SignInFailure::transient(format!(
                            "timed out after {}s connecting to {server}",
                            t.connect.as_secs()
                        )))
                    }
                };
                // Commands and the message go out in several small writes:
                // with Nagle's algorithm each mail would wait on a delayed
                // ACK (about 40 ms on Linux).
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "TCP_NODELAY not set");
                }
                step(
                    t.greeting,
                    "the greeting",
                    &server,
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello),
                )
                .await
                .map_err(|e| account_error(e, "no greeting from"))?
            }
        };
        if self.cfg.tls == TlsMode::Starttls {
            let params = self.tls.clone().ok_or_else(|| {
                SignInFailure::transient("STARTTLS without TLS parameters".into())
            })?;
            step(
                t.command,
                "STARTTLS",
                &server,
                conn.starttls(params, &hello),
            )
            .await
            .map_err(|e| account_error(e, "TLS with"))?;
        }
        if let Some((creds, mechanism)) = creds {
            let mechanisms: &[Mechanism] = match mechanism {
                Mechanism::Xoauth2 => &[Mechanism::Xoauth2],
                _ => &[Mechanism::Plain, Mechanism::Login],
            };
            match step(t.command, "AUTH", &server, conn.auth(mechanisms, &creds)).await {
                Ok(_) => {}
                Err(StepError::Smtp(e)) => {
                    conn.abort().await;
                    return Err(match sign_in_error(&e) {
                        Some(kind) => {
                            self.reset().await;
                            SignInFailure {
                                kind,
                                message: describe_smtp_error(&e),
                            }
                        }
                        None => SignInFailure::transient(format!(
                            "sign-in to {server}: {}",
                            describe_smtp_error(&e)
                        )),
                    });
                }
                Err(e) => return Err(account_error(e, "sign-in to")),
            }
        }
        Ok(Session {
            conn,
            timeouts: t,
            server,
            sent: 0,
        })
    }

    /// After a refused sign-in: drop the token so the next attempt fetches a new one.
    async fn reset(&self) {
        if let Some(src) = &self.tokens {
            src.forget().await;
        }
    }

    /// Open a session and sign in (for `check`).
    pub async fn test(&self) -> Result<(), String> {
        let mut s = self.open().await.map_err(|e| e.message)?;
        s.quit().await;
        Ok(())
    }
}

impl Session {
    /// Hand one mail to the server. The outcome says whose fault a failure is.
    async fn send(&mut self, from: &str, row: &OutboxRow) -> Outcome {
        let (Ok(from), Ok(to)) = (from.parse(), row.recipient.parse()) else {
            return Outcome::Permanent(format!("unusable address {from} or {}", row.recipient));
        };
        let t = self.timeouts;
        let server = self.server.clone();
        let mut options = Vec::new();
        if !row.raw.is_ascii() {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::EightBitMime)
            {
                return Outcome::Permanent(format!(
                    "the message is 8-bit and {server} does not accept 8BITMIME"
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let r = async {
            step(
                t.command,
                "the reply to MAIL",
                &server,
                self.conn.command(Mail::new(Some(from), options)),
            )
            .await?;
            step(
                t.command,
                "the reply to RCPT",
                &server,
                self.conn.command(Rcpt::new(to, vec![])),
            )
            .await?;
            step(
                t.command,
                "the reply to DATA",
                &server,
                self.conn.command(Data),
            )
            .await?;
            step(
                t.data,
                "the reply to the message",
                &server,
                self.conn.message(&row.raw),
            )
            .await
        }
        .await;
        match r {
            Ok(_) => {
                self.sent += 1;
                Outcome::Sent
            }
            Err(StepError::Timeout(m)) => Outcome::Broken(SignInFailure::transient(m)),
            Err(StepError::Smtp(e)) => classify_reply(&e, &server),
        }
    }

    /// End the session politely (bounded: a server that stalls now changes nothing).
    async fn quit(&mut self) {
        let _ = tokio::time::timeout(self.timeouts.command, self.conn.quit()).await;
    }
}

/// What a failed MAIL/RCPT/DATA means. A 5xx refuses this mail for good; a
/// 4xx other than 421 is this mail's temporary problem; 421 (the server is
/// closing the channel) and a broken line are the server's.
fn classify_reply(e: &lettre::transport::smtp::Error, server: &str) -> Outcome {
    let text = describe_smtp_error(e);
    match e.status().map(|c| c.to_string()) {
        Some(code) if code == "421" => {
            Outcome::Broken(SignInFailure::transient(format!("{server}: {text}")))
        }
        Some(_) if e.is_permanent() => Outcome::Permanent(text),
        Some(_) => Outcome::Transient(text),
        None if e.is_client() => Outcome::Permanent(text),
        None => Outcome::Broken(SignInFailure::transient(format!(
            "connection to {server} failed: {text}"
        ))),
    }
}

/// Was this a refused sign-in rather than a server problem, and of which
/// kind? 530/534/535/538 are SMTP AUTH's refusals and 454 its temporary
/// failure; lettre reports an XOAUTH2 error challenge as a client error
/// ("does not expect a challenge") instead of the 535 that follows.
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
pub fn probe_delay(failures: u32) -> std::time::Duration {
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
pub async fn deliver_due(
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
