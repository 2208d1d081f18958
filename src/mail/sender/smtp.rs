//! The SMTP side of the sender: an account from config, a session opened and
//! signed in (password or XOAUTH2) with its own timeout for every step, one
//! mail handed over on it, and the reading of the server's replies as whose
//! fault a failure is (this mail's, or the account's).

use super::Outcome;
use crate::config::{SaslMechanism, SmtpConfig, TlsMode};
use crate::core::oauth::FailureKind;
use crate::mail::token_source::TokenSource;
use crate::store::OutboxRow;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::future::Future;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

/// Why an SMTP transport could not be built.
#[derive(Debug, thiserror::Error)]
#[error("SMTP set-up: {0}")]
pub struct SmtpSetupError(pub String);

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
    pub(super) cfg: SmtpConfig,
    base: PathBuf,
    /// Envelope sender (bounces come back here).
    pub(super) from: String,
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
    pub(super) fn transient(message: String) -> SignInFailure {
        SignInFailure {
            kind: FailureKind::Transient,
            message,
        }
    }
}

/// An open SMTP session, signed in and ready for mail.
pub(super) struct Session {
    conn: AsyncSmtpConnection,
    timeouts: SmtpTimeouts,
    /// `host:port`, for messages.
    server: String,
    /// Mails sent on it so far.
    pub(super) sent: usize,
}

/// Run one SMTP step under its timeout; a timeout reads as what was awaited.
async fn timed<T>(
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
    pub(super) async fn open(&self) -> Result<Session, SignInFailure> {
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
            Some(_) => timed(
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
                timed(
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
            timed(
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
            match timed(t.command, "AUTH", &server, conn.auth(mechanisms, &creds)).await {
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
    pub(super) async fn send(&mut self, from: &str, row: &OutboxRow) -> Outcome {
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
            timed(
                t.command,
                "the reply to MAIL",
                &server,
                self.conn.command(Mail::new(Some(from), options)),
            )
            .await?;
            timed(
                t.command,
                "the reply to RCPT",
                &server,
                self.conn.command(Rcpt::new(to, vec![])),
            )
            .await?;
            timed(
                t.command,
                "the reply to DATA",
                &server,
                self.conn.command(Data),
            )
            .await?;
            timed(
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
    pub(super) async fn quit(&mut self) {
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
