//! The IMAP source: one task per configured mailbox.
//!
//! New UIDs above a checkpoint keyed by (mailbox, UIDVALIDITY) are fetched and
//! ingested, each in its own transaction; the checkpoint advances only after
//! the commit. A UIDVALIDITY change restarts from the beginning and relies on
//! Message-ID deduplication, so nothing is lost or doubled. `\Seen` is never
//! read or set (people read the same inbox). IDLE is used where offered and
//! renewed before 29 minutes, with UID SEARCH as the truth on every wake-up
//! and a periodic reconciliation; every other network step has a timeout.
//!
//! `connect` gets a token, connects, secures and signs in; `fetch` runs
//! one signed-in session (catch up, IDLE or poll, renewal); this module keeps
//! the mailbox's task, which reconnects with backoff and records its health.

mod connect;
mod fetch;

pub use connect::probe;

use crate::app::App;
use crate::config::MailboxConfig;
use crate::core::oauth::{self, FailureKind, TokenError};
use crate::store::{Fence, StoreError};
use chrono::Utc;
use connect::connect;
use fetch::{session_loop, Ended};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{info_span, warn, Instrument};

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

/// One network step under its own time limit.
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

/// The account name a mailbox's sign-in health is kept under.
pub fn account_name(mailbox: &str) -> String {
    format!("mailbox:{mailbox}")
}

/// Run one mailbox until shutdown, reconnecting with capped exponential
/// backoff and jitter after any failure. Failures are logged and recorded
/// (sign-in health for alerts, fetch state for the digest and `status`); they
/// never stop other mailboxes. Under a mailbox lease, `fence` is the lease:
/// every checkpoint write checks it, and `stop` is cancelled when it is lost.
pub async fn run(
    app: Arc<App>,
    mb: MailboxConfig,
    wake: Arc<Notify>,
    stop: CancellationToken,
    fence: Option<Fence>,
) {
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
            let (result, signed_in) =
                match connect(&cfg, app.loaded.base_dir(), tokens.as_deref()).await {
                    Err(e) => {
                        warn!(error = %e, kind = e.kind().as_str(), "cannot sign in");
                        app.metrics.signin_failed(&account);
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
                            session_loop(
                                &app,
                                &mb,
                                &cfg,
                                tokens.as_deref(),
                                conn,
                                &wake,
                                &stop,
                                fence.as_ref(),
                            )
                            .await,
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
