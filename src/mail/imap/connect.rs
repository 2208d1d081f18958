//! Connecting to a mailbox: the token (OAuth2) first, then TCP, TLS or
//! STARTTLS, the greeting, the sign-in (password, XOAUTH2, OAUTHBEARER) and
//! the folder's selection, each step under its own timeout.

use super::{timed, ImapError};
use crate::config::{ImapConfig, SaslMechanism, TlsMode};
use crate::core::oauth::{self, TokenError};
use crate::mail::token_source::TokenSource;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

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

pub(super) trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

pub(super) type Session = async_imap::Session<Box<dyn Stream>>;

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
pub(super) struct Connected {
    pub(super) session: Session,
    pub(super) mailbox: async_imap::types::Mailbox,
    pub(super) idle: bool,
    /// With OAuth2: renew by then, and end the session before the token
    /// expires at the latest (Exchange closes sessions whose token has expired).
    pub(super) until: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Get a token (OAuth2), connect, secure, sign in and select the folder.
pub(super) async fn connect(
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
