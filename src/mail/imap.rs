//! The IMAP source: one task per configured mailbox.
//!
//! New UIDs above a checkpoint keyed by (mailbox, UIDVALIDITY) are fetched and
//! ingested, each in its own transaction; the checkpoint advances only after
//! the commit. A UIDVALIDITY change restarts from the beginning and relies on
//! Message-ID deduplication, so nothing is lost or doubled. `\Seen` is never
//! read or set (people read the same inbox). IDLE is used where offered and
//! renewed before 29 minutes, with UID SEARCH as the truth on every wake-up
//! and a periodic reconciliation; every other network step has a timeout.

use crate::app::App;
use crate::config::{ImapConfig, MailboxConfig, SaslMechanism, TlsMode};
use crate::core::oauth::{self, FailureKind, TokenError};
use crate::mail::token_source::TokenSource;
use crate::store::StoreError;
use crate::work::ingest::{self, Ingested};
use async_imap::extensions::idle::IdleResponse;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{info, info_span, warn, Instrument};

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// A network step took too long.
    #[error("timed out during {0}")]
    Timeout(&'static str),
    /// The connection failed.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    /// The server said no, or answered something unexpected.
    #[error("IMAP: {0}")]
    Imap(#[from] async_imap::error::Error),
    /// Login refused.
    #[error("login refused for {user}: {message}")]
    Login {
        /// The user name.
        user: String,
        /// What the server said.
        message: String,
    },
    /// TLS could not be set up or negotiated.
    #[error("TLS: {0}")]
    Tls(String),
    /// The password could not be read.
    #[error("password: {0}")]
    Password(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server does not report UIDVALIDITY.
    #[error("the server reported no UIDVALIDITY for {0}")]
    NoUidValidity(String),
    /// No access token could be had.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The server ended the session (`* BYE …`), in its words.
    #[error("the server ended the session: {0}")]
    Bye(String),
}

impl ImapError {
    /// Whether a failure to sign in needs a person (credentials, token,
    /// secret) or is worth retrying (network, server, token endpoint down).
    pub fn kind(&self) -> FailureKind {
        match self {
            ImapError::Token(e) => e.kind(),
            ImapError::Login { .. } | ImapError::Password(_) => FailureKind::Auth,
            _ => FailureKind::Transient,
        }
    }
}

/// A server's refusal in its own words: async-imap keeps a NO or BAD as the
/// debug form of the parsed response (`code: …, info: Some("…")`); the
/// operator wants `NO [AUTHENTICATIONFAILED] Authentication failed.`.
fn server_words(e: &async_imap::error::Error) -> String {
    let (status, text) = match e {
        async_imap::error::Error::No(t) => ("NO", t),
        async_imap::error::Error::Bad(t) => ("BAD", t),
        other => return other.to_string(),
    };
    match text
        .split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
    {
        Some((info, _)) => format!("{status} {}", info.replace("\\\"", "\"")),
        None => format!("{status} {text}"),
    }
}

/// Answers a server's SASL exchange for XOAUTH2 / OAUTHBEARER: the initial
/// response to the first (empty) challenge, and an empty reply to an error
/// challenge, which is kept so the failure can be explained.
struct Sasl {
    response: String,
    sent: bool,
    said: Arc<std::sync::Mutex<Option<String>>>,
}

impl async_imap::Authenticator for Sasl {
    type Response = String;
    fn process(&mut self, challenge: &[u8]) -> String {
        if !self.sent {
            self.sent = true;
            return self.response.clone();
        }
        let text = oauth::describe_sasl_challenge(challenge).unwrap_or_else(|| {
            String::from_utf8_lossy(challenge)
                .chars()
                .take(200)
                .collect()
        });
        if let Ok(mut s) = self.said.lock() {
            *s = Some(text);
        }
        // RFC 7628: the client answers an error challenge with a dummy reply
        // and the server then finishes with NO.
        String::new()
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

type Session = async_imap::Session<Box<dyn Stream>>;

async fn timed<T, E: Into<ImapError>>(
    what: &'static str,
    secs: u64,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(ImapError::Timeout(what)),
    }
}

async fn tls_wrap<S: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug + 'static>(
    stream: S,
    cfg: &ImapConfig,
    base: &Path,
) -> Result<Box<dyn Stream>, ImapError> {
    let ca = cfg
        .ca_file
        .as_ref()
        .map(|p| crate::config::relative_to(base, p));
    let config = crate::mail::tls::client_config(ca.as_deref())
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    let name = rustls::pki_types::ServerName::try_from(cfg.host.clone())
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    Ok(Box::new(tls))
}

/// Sign in to a mailbox and select its folder, then log out: what `check`
/// does online. The error is the server's own words where it gave any.
pub async fn probe(
    cfg: &ImapConfig,
    base: &Path,
    tokens: Option<&TokenSource>,
) -> Result<(u32, bool), ImapError> {
    let mut c = connect(cfg, base, tokens).await?;
    let _ = timed("LOGOUT", cfg.timeout_seconds, c.session.logout()).await;
    Ok((c.mailbox.exists, c.idle))
}

/// A signed-in session with its folder selected.
struct Connected {
    session: Session,
    mailbox: async_imap::types::Mailbox,
    idle: bool,
    /// With OAuth2: renew by then, and end the session before the token
    /// expires at the latest (Exchange closes sessions whose token has expired).
    until: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Get a token (OAuth2), connect, secure, sign in and select the folder.
async fn connect(
    cfg: &ImapConfig,
    base: &Path,
    tokens: Option<&TokenSource>,
) -> Result<Connected, ImapError> {
    let t = cfg.timeout_seconds;
    // The token first: a token endpoint that is down is told apart from a
    // mail server that is down, and no connection idles while we wait.
    let bearer = match (&cfg.oauth2, tokens) {
        (Some(_), Some(src)) => Some(src.token().await?),
        (Some(_), None) => {
            return Err(ImapError::Token(TokenError::Secret(
                "OAuth2 is configured but no token source was given".into(),
            )))
        }
        (None, _) => None,
    };
    let port = cfg.port.unwrap_or(if cfg.tls == TlsMode::Implicit {
        993
    } else {
        143
    });
    let tcp = timed("connect", t, TcpStream::connect((cfg.host.as_str(), port))).await?;
    tcp.set_nodelay(true)?;
    let stream: Box<dyn Stream> = match cfg.tls {
        TlsMode::Implicit => timed("TLS handshake", t, tls_wrap(tcp, cfg, base)).await?,
        TlsMode::Plain => Box::new(tcp),
        TlsMode::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            timed("greeting", t, async {
                client.read_response().await.map_err(ImapError::from)
            })
            .await?;
            timed(
                "STARTTLS",
                t,
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            timed("TLS handshake", t, tls_wrap(client.into_inner(), cfg, base)).await?
        }
    };
    let mut client = async_imap::Client::new(stream);
    if cfg.tls != TlsMode::Starttls {
        timed("greeting", t, async {
            client.read_response().await.map_err(ImapError::from)
        })
        .await?;
    }
    // Servers delay sign-ins from an address that recently failed (Dovecot
    // up to 15 s, Exchange similar), so a short step timeout would turn one
    // failure into an endless run of timeouts.
    let sign_in_limit = Duration::from_secs(t.max(30));
    let signed_in = match (&bearer, &cfg.oauth2) {
        (Some(b), Some(o)) => {
            let (mechanism, response) = match o.mechanism {
                SaslMechanism::Xoauth2 => ("XOAUTH2", oauth::xoauth2(&cfg.username, &b.token)),
                SaslMechanism::Oauthbearer => (
                    "OAUTHBEARER",
                    oauth::oauthbearer(&cfg.username, &b.token, &cfg.host, port),
                ),
            };
            let said = Arc::new(std::sync::Mutex::new(None));
            let sasl = Sasl {
                response,
                sent: false,
                said: said.clone(),
            };
            tokio::time::timeout(sign_in_limit, client.authenticate(mechanism, sasl))
                .await
                .map(|r| {
                    r.map_err(|(e, _)| {
                        let e = server_words(&e);
                        let detail = said.lock().ok().and_then(|mut s| s.take());
                        match detail {
                            Some(d) => format!("{e} ({mechanism}: {d})"),
                            None => format!("{e} ({mechanism})"),
                        }
                    })
                })
        }
        _ => {
            let password = cfg.password.read(base).map_err(ImapError::Password)?;
            tokio::time::timeout(sign_in_limit, client.login(&cfg.username, &password))
                .await
                .map(|r| r.map_err(|(e, _)| server_words(&e)))
        }
    };
    let mut session = match signed_in {
        Err(_) => return Err(ImapError::Timeout("sign-in")),
        Ok(Err(message)) => {
            return Err(ImapError::Login {
                user: cfg.username.clone(),
                message,
            })
        }
        Ok(Ok(s)) => s,
    };
    let caps = timed("CAPABILITY", t, session.capabilities()).await?;
    let idle = cfg.idle && caps.has_str("IDLE");
    let mailbox = timed("SELECT", t, session.select(&cfg.folder)).await?;
    Ok(Connected {
        session,
        mailbox,
        idle,
        until: bearer.map(|b| (b.use_until, b.expires_at)),
    })
}

/// Fetch and ingest every message above the checkpoint. Returns how many were taken in.
async fn fetch_new(
    app: &App,
    session: &mut Session,
    mb: &MailboxConfig,
    cfg: &ImapConfig,
    uidvalidity: u32,
) -> Result<usize, ImapError> {
    let t = cfg.timeout_seconds;
    let last = app.store.imap_checkpoint(&mb.name, uidvalidity).await?;
    // UID SEARCH is the truth: unsolicited EXISTS responses can be lost.
    let found = timed(
        "UID SEARCH",
        t,
        session.uid_search(format!("UID {}:*", last + 1)),
    )
    .await?;
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last).collect();
    uids.sort_unstable();
    let mut taken = 0;
    let limit = app.loaded.config.limits.max_message_bytes;
    for chunk in uids.chunks(100) {
        let set = chunk
            .iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // Sizes first, so an oversized message is never downloaded whole.
        let sizes: Vec<(u32, u32)> = timed("UID FETCH sizes", t, async {
            let s = session.uid_fetch(&set, "(UID RFC822.SIZE)").await?;
            let v: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(v)
        })
        .await?
        .iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
        .collect();
        let mut sizes = sizes;
        sizes.sort_unstable();
        let (small, big): (Vec<_>, Vec<_>) =
            sizes.into_iter().partition(|(_, s)| u64::from(*s) <= limit);
        let mut bodies: Vec<(u32, Vec<u8>)> = Vec::new();
        if !small.is_empty() {
            let set = small
                .iter()
                .map(|(u, _)| u.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let fetched: Vec<_> = timed("UID FETCH bodies", t * 4, async {
                let s = session.uid_fetch(&set, "(UID BODY.PEEK[])").await?;
                let v: Vec<_> = s.try_collect().await?;
                Ok::<_, async_imap::error::Error>(v)
            })
            .await?;
            for f in &fetched {
                if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                    bodies.push((uid, body.to_vec()));
                }
            }
        }
        for (uid, size) in &big {
            // Record it from its headers, with a notice in place of the body.
            let fetched: Vec<_> = timed("UID FETCH header", t, async {
                let s = session
                    .uid_fetch(uid.to_string(), "(UID BODY.PEEK[HEADER])")
                    .await?;
                let v: Vec<_> = s.try_collect().await?;
                Ok::<_, async_imap::error::Error>(v)
            })
            .await?;
            let header = fetched
                .iter()
                .find_map(|f| f.header().map(|h| h.to_vec()))
                .unwrap_or_default();
            let source = format!("the {} mailbox, folder {}, UID {uid}", mb.name, cfg.folder);
            let raw = ingest::oversize_notice(&header, u64::from(*size), limit, &source);
            bodies.push((*uid, raw));
        }
        bodies.sort_by_key(|(u, _)| *u);
        for (uid, raw) in bodies {
            let outcome = ingest::ingest(app, &raw, &mb.name, Utc::now())
                .await
                .map_err(|e| ImapError::Store(e.0))?;
            // Only after the commit.
            app.store
                .set_imap_checkpoint(&mb.name, uidvalidity, uid)
                .await?;
            if outcome != Ingested::Duplicate {
                taken += 1;
            }
            after_commit(session, cfg, uid).await;
        }
    }
    Ok(taken)
}

/// Optional bookkeeping on the server after a commit (a keyword or a move).
/// Failures are logged and do not stop the mailbox: the message is safe.
async fn after_commit(session: &mut Session, cfg: &ImapConfig, uid: u32) {
    let t = cfg.timeout_seconds;
    if let Some(k) = &cfg.keyword_after {
        let r = timed("UID STORE", t, async {
            let s = session
                .uid_store(uid.to_string(), format!("+FLAGS.SILENT ({k})"))
                .await?;
            let _: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(())
        })
        .await;
        if let Err(e) = r {
            warn!(uid, error = %e, "could not set the keyword");
        }
    }
    if let Some(folder) = &cfg.move_after {
        if let Err(e) = timed("UID MOVE", t, session.uid_mv(uid.to_string(), folder)).await {
            warn!(uid, error = %e, "could not move the message");
        }
    }
}

/// How a session ended without an error.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// Shutdown was asked for.
    Stopped,
    /// The token is about to expire: sign in again with a new one.
    Renew,
}

/// One signed-in session: catch up, then wait (IDLE or poll) and catch up
/// again, until shutdown or until the token must be renewed.
async fn session_loop(
    app: &App,
    mb: &MailboxConfig,
    cfg: &ImapConfig,
    tokens: Option<&TokenSource>,
    conn: Connected,
    wake: &Notify,
    stop: &CancellationToken,
) -> Result<Ended, ImapError> {
    let Connected {
        mut session,
        mailbox: selected,
        idle,
        until,
    } = conn;
    let (mut renew_at, expires_at) = match until {
        Some((r, e)) => (Some(r), Some(e)),
        None => (None, None),
    };
    let mut uidvalidity = selected
        .uid_validity
        .ok_or_else(|| ImapError::NoUidValidity(cfg.folder.clone()))?;
    info!(uidvalidity, idle, renew_at = ?renew_at, "connected");
    let t = cfg.timeout_seconds;
    let mut first = true;
    // Renew IDLE well before the 29 minutes RFC 2177 allows, and reconcile
    // at least every poll interval even when the server is silent.
    let poll = Duration::from_secs(cfg.poll_seconds.clamp(5, 25 * 60));
    loop {
        if !first {
            // Select again on every wake-up: it is cheap, and it is how a
            // folder that was deleted and recreated (a new UIDVALIDITY) shows.
            let state = timed("SELECT", t, session.select(&cfg.folder)).await?;
            let now_validity = state
                .uid_validity
                .ok_or_else(|| ImapError::NoUidValidity(cfg.folder.clone()))?;
            if now_validity != uidvalidity {
                warn!(
                    old = uidvalidity,
                    new = now_validity,
                    "UIDVALIDITY changed: reading the folder again (duplicates are recognised)"
                );
                uidvalidity = now_validity;
            }
        }
        first = false;
        let n = fetch_new(app, &mut session, mb, cfg, uidvalidity).await?;
        app.store.fetch_ok(&mb.name, Utc::now()).await?;
        if n > 0 {
            info!(messages = n, "taken in");
            wake.notify_one();
        }
        if stop.is_cancelled() {
            let _ = timed("LOGOUT", t, session.logout()).await;
            return Ok(Ended::Stopped);
        }
        // With OAuth2, wake up in time to leave before the token expires.
        let left = renew_at.map(|u| (u - Utc::now()).to_std().unwrap_or(Duration::ZERO));
        if left == Some(Duration::ZERO) {
            // The new token first: if the endpoint is down, this session
            // carries on until the old token really expires, and only then
            // does the mailbox go through a failed sign-in.
            let renewed = match tokens {
                Some(src) => {
                    src.forget().await;
                    src.token().await.map(|_| ())
                }
                None => Ok(()),
            };
            let hard_stop = expires_at.is_some_and(|e| Utc::now() >= e);
            match renewed {
                Ok(()) => {
                    info!("access token due for renewal: signing in again");
                    let _ = timed("LOGOUT", t, session.logout()).await;
                    return Ok(Ended::Renew);
                }
                Err(e) if hard_stop => {
                    let _ = timed("LOGOUT", t, session.logout()).await;
                    return Err(ImapError::Token(e));
                }
                Err(e) => {
                    warn!(error = %e, "cannot renew the access token yet; keeping the session until it expires");
                    renew_at = Some(
                        (Utc::now() + chrono::Duration::seconds(5))
                            .min(expires_at.unwrap_or_else(Utc::now)),
                    );
                    continue;
                }
            }
        }
        let wait_for = left.map_or(poll, |l| poll.min(l));
        if idle {
            let mut handle = session.idle();
            timed("IDLE", t, handle.init()).await?;
            let r = {
                let (fut, _interrupt) = handle.wait_with_timeout(wait_for);
                tokio::select! {
                    r = fut => r.map_err(ImapError::from)?,
                    _ = tokio::time::sleep(wait_for) => IdleResponse::Timeout,
                    _ = stop.cancelled() => IdleResponse::ManualInterrupt,
                }
            };
            // A BYE during IDLE (Exchange: "Session invalidated -
            // AccessTokenExpired") carries the reason; DONE would only say
            // the connection was lost.
            if let IdleResponse::NewData(data) = &r {
                if let async_imap::imap_proto::Response::Data {
                    status: async_imap::imap_proto::Status::Bye,
                    outcome,
                } = data.parsed()
                {
                    return Err(ImapError::Bye(
                        outcome
                            .information
                            .as_deref()
                            .unwrap_or("no reason given")
                            .to_string(),
                    ));
                }
            }
            session = timed("DONE", t, handle.done()).await?;
            tracing::debug!(?r, "idle ended");
        } else {
            tokio::select! {
                _ = tokio::time::sleep(wait_for) => {}
                _ = stop.cancelled() => {}
            }
            timed("NOOP", t, session.noop()).await?;
        }
    }
}

/// The account name a mailbox's sign-in health is kept under.
pub fn account_name(mailbox: &str) -> String {
    format!("mailbox:{mailbox}")
}

/// Run one mailbox until shutdown, reconnecting with capped exponential
/// backoff and jitter after any failure. Failures are logged and recorded
/// (sign-in health for alerts, fetch state for the digest and `status`); they
/// never stop other mailboxes.
pub async fn run(app: Arc<App>, mb: MailboxConfig, wake: Arc<Notify>, stop: CancellationToken) {
    let Some(cfg) = mb.imap.clone() else { return };
    let span = info_span!("mailbox", name = %mb.name);
    let account = account_name(&mb.name);
    let tokens = cfg.oauth2.as_ref().map(|o| {
        app.tokens
            .source(o, app.loaded.base_dir(), &cfg.username, cfg.timeout_seconds)
    });
    async move {
        let mut failures: u32 = 0;
        loop {
            let (result, signed_in) = match connect(&cfg, app.loaded.base_dir(), tokens.as_deref())
                .await
            {
                Err(e) => {
                    warn!(error = %e, kind = e.kind().as_str(), "cannot sign in");
                    if let Err(db) = app
                        .store
                        .login_failed(&account, Utc::now(), e.kind(), &e.to_string())
                        .await
                    {
                        warn!(error = %db, "cannot record the sign-in failure");
                    }
                    app.health_changed.notify_one();
                    (Err(e), false)
                }
                Ok(conn) => {
                    if let Err(db) = app.store.login_ok(&account, Utc::now()).await {
                        warn!(error = %db, "cannot record the sign-in");
                    }
                    failures = 0;
                    (
                        session_loop(&app, &mb, &cfg, tokens.as_deref(), conn, &wake, &stop).await,
                        true,
                    )
                }
            };
            match result {
                Ok(Ended::Stopped) => return,
                // The new token is already cached: sign in again at once.
                Ok(Ended::Renew) => continue,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    // Whatever ended the session, the next sign-in uses a new
                    // token: the server may have withdrawn this one (expiry,
                    // revocation) and a token request is cheap.
                    if let Some(src) = &tokens {
                        src.forget().await;
                    }
                    if signed_in {
                        warn!(error = %e, failures, "mailbox session failed; reconnecting");
                    }
                    if let Err(db) = app
                        .store
                        .fetch_error(&mb.name, Utc::now(), &e.to_string())
                        .await
                    {
                        warn!(error = %db, "cannot record the mailbox error");
                    }
                    // A session ended because its token expired comes back at once.
                    if matches!(&e, ImapError::Bye(t) if oauth::says_token_expired(t))
                        && failures == 1
                    {
                        continue;
                    }
                }
            }
            // Capped exponential backoff with jitter: servers (Dovecot,
            // Exchange) also slow down repeated failed sign-ins, so trying
            // harder would not help.
            let cap_ms: u64 = 300_000;
            let base = 1u64 << failures.min(9);
            let delay =
                Duration::from_millis((base * 500).min(cap_ms) + rand::random_range(0..1000));
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.cancelled() => return,
            }
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_the_server_said_them() {
        let e = async_imap::error::Error::No(
            "code: None, info: Some(\"[AUTHENTICATIONFAILED] Authentication failed.\")".into(),
        );
        assert_eq!(
            server_words(&e),
            "NO [AUTHENTICATIONFAILED] Authentication failed."
        );
        let e = async_imap::error::Error::Bad("odd".into());
        assert_eq!(server_words(&e), "BAD odd");
        assert_eq!(
            server_words(&async_imap::error::Error::ConnectionLost),
            "connection lost"
        );
    }
}
