//! The mail accounts in the configuration: the mailboxes complaintd reads
//! (Maildir or IMAP), the SMTP servers it hands mail to, how each signs in
//! (a password named by file or environment variable, or OAuth2), and the
//! outbox's retry schedule.

use super::relative_to;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    #[default]
    Implicit,
    /// Plain, upgraded with STARTTLS before anything else is said.
    Starttls,
    /// No TLS at all: only when the config says so, e.g. on loopback.
    Plain,
}

/// A password, read from a file (systemd credential) or the environment; never
/// written in the config itself.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// A file holding it.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding it.
    #[serde(default)]
    pub password_env: Option<String>,
}

impl SecretRef {
    /// Read the password. The error names where it looked, never the value.
    pub fn read(&self, base: &Path) -> Result<String, String> {
        self.read_named(base, "password")
    }

    /// Read the secret, calling it `what` in errors.
    pub fn read_named(&self, base: &Path, what: &str) -> Result<String, String> {
        if let Some(f) = &self.password_file {
            let p = relative_to(base, f);
            return std::fs::read_to_string(&p)
                .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                .map_err(|e| format!("cannot read {what} file {}: {e}", p.display()));
        }
        if let Some(v) = &self.password_env {
            return std::env::var(v)
                .map_err(|_| format!("environment variable {v} ({what}) is not set"));
        }
        Err(format!("no {what} file or environment variable given"))
    }
}

/// An IMAP mailbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// Server host name (also the TLS name checked).
    pub host: String,
    /// Port (default 993 for implicit TLS, else 143).
    #[serde(default)]
    pub port: Option<u16>,
    /// TLS mode.
    #[serde(default)]
    pub tls: TlsMode,
    /// A PEM CA file to trust (private servers); default: the system's roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Login name.
    pub username: String,
    /// Where the password is (password sign-in).
    #[serde(flatten)]
    pub password: SecretRef,
    /// OAuth2 sign-in (XOAUTH2 / OAUTHBEARER) instead of a password.
    #[serde(default)]
    pub oauth2: Option<OAuth2Config>,
    /// The folder to read.
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Use IDLE when the server offers it.
    #[serde(default = "yes")]
    pub idle: bool,
    /// Seconds between polls without IDLE, and between reconciliations with it.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    /// Seconds allowed for any one network step.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// After a message is committed: add this keyword (e.g. "$Complaintd").
    #[serde(default)]
    pub keyword_after: Option<String>,
    /// After a message is committed: move it to this folder.
    #[serde(default)]
    pub move_after: Option<String>,
}

fn default_folder() -> String {
    "INBOX".into()
}
fn yes() -> bool {
    true
}
fn default_poll() -> u64 {
    60
}
fn default_timeout() -> u64 {
    30
}

/// A mailbox complaintd reads: a Maildir (the embedded default) or IMAP.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// A short name for logs and the digest ("complaints", "info").
    pub name: String,
    /// A Maildir to read.
    #[serde(default)]
    pub maildir: Option<PathBuf>,
    /// An IMAP mailbox to read.
    #[serde(default)]
    pub imap: Option<ImapConfig>,
}

/// The SMTP server outgoing mail is handed to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name (also the TLS name checked).
    pub host: String,
    /// Port (default 465 for implicit TLS, 587 for STARTTLS, 25 plain).
    #[serde(default)]
    pub port: Option<u16>,
    /// TLS mode.
    #[serde(default = "starttls")]
    pub tls: TlsMode,
    /// A PEM CA file to trust.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Login name, if the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Where the password is (password sign-in).
    #[serde(flatten)]
    pub password: SecretRef,
    /// OAuth2 sign-in (XOAUTH2) instead of a password; needs `username`.
    #[serde(default)]
    pub oauth2: Option<OAuth2Config>,
    /// Seconds allowed for any one step of a session, unless a step below has its own.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Seconds allowed to open the TCP connection (default `timeout_seconds`).
    #[serde(default)]
    pub connect_timeout_seconds: Option<u64>,
    /// Seconds allowed for the server's greeting (default `timeout_seconds`).
    #[serde(default)]
    pub greeting_timeout_seconds: Option<u64>,
    /// Seconds allowed for the reply to each command (default `timeout_seconds`).
    #[serde(default)]
    pub command_timeout_seconds: Option<u64>,
    /// Seconds allowed to send a message and get the reply to its end
    /// (default four times `timeout_seconds`).
    #[serde(default)]
    pub data_timeout_seconds: Option<u64>,
}

fn starttls() -> TlsMode {
    TlsMode::Starttls
}

/// Which OAuth2 grant obtains the access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// App-only (Microsoft 365): client id plus a client secret or certificate.
    ClientCredentials,
    /// A stored refresh token (delegated consent), rotated and saved on every change.
    RefreshToken,
    /// A Google service account with domain-wide delegation (JWT bearer grant).
    GoogleServiceAccount,
}

/// The SASL mechanism that carries the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, Hash)]
#[serde(rename_all = "lowercase")]
pub enum SaslMechanism {
    /// `XOAUTH2` (Microsoft 365, Gmail): the default.
    #[default]
    Xoauth2,
    /// `OAUTHBEARER` (RFC 7628), where the server offers it (IMAP only).
    Oauthbearer,
}

/// OAuth2 sign-in for one IMAP mailbox or SMTP account. Secrets are named
/// here (files or environment variables), never written here.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Config {
    /// Which grant.
    pub grant: Grant,
    /// SASL mechanism.
    #[serde(default)]
    pub mechanism: SaslMechanism,
    /// Microsoft Entra tenant (directory) id or domain: the token endpoint is
    /// `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`.
    #[serde(default)]
    pub tenant: Option<String>,
    /// The token endpoint, when not Microsoft's (Google: from the key file;
    /// tests: a local one). Overrides `tenant`.
    #[serde(default)]
    pub token_url: Option<String>,
    /// Application (client) id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// A file holding the client secret (a systemd credential).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// An environment variable holding the client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// PEM certificate registered on the app (certificate credentials instead of a secret).
    #[serde(default)]
    pub certificate_file: Option<PathBuf>,
    /// PEM private key of that certificate.
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    /// Where the refresh token lives; rewritten atomically whenever the
    /// provider rotates it. Must be writable by the daemon.
    #[serde(default)]
    pub refresh_token_file: Option<PathBuf>,
    /// Google service account key (JSON) file.
    #[serde(default)]
    pub service_account_file: Option<PathBuf>,
    /// Requested scope; default by grant (`https://outlook.office365.com/.default`
    /// for client credentials, `https://mail.google.com/` for Google).
    #[serde(default)]
    pub scope: Option<String>,
    /// When the client secret or certificate expires ("YYYY-MM-DD"): operators
    /// are warned 30, 7 and 1 days ahead.
    #[serde(default, deserialize_with = "date")]
    pub secret_expires: Option<chrono::NaiveDate>,
}

/// A date written either as a TOML date (`2027-05-01`) or a string.
fn date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Either::deserialize(d)? {
        Either::Toml(t) => t.to_string(),
        Either::Text(s) => s,
    };
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("{text:?} is not a date YYYY-MM-DD: {e}")))
}

/// The Microsoft 365 scope for app-only IMAP and SMTP.
pub const M365_SCOPE: &str = "https://outlook.office365.com/.default";
/// The Google scope for IMAP and SMTP.
pub const GOOGLE_SCOPE: &str = "https://mail.google.com/";

impl OAuth2Config {
    /// The token endpoint this config names, if it names one (a Google grant
    /// may take it from its key file instead).
    pub fn endpoint(&self) -> Option<String> {
        self.token_url.clone().or_else(|| {
            self.tenant
                .as_ref()
                .map(|t| format!("https://login.microsoftonline.com/{t}/oauth2/v2.0/token"))
        })
    }

    /// The scope to ask for (None: the refresh token's own).
    pub fn scope(&self) -> Option<&str> {
        match (&self.scope, self.grant) {
            (Some(s), _) => Some(s),
            (None, Grant::ClientCredentials) => Some(M365_SCOPE),
            (None, Grant::GoogleServiceAccount) => Some(GOOGLE_SCOPE),
            (None, Grant::RefreshToken) => None,
        }
    }

    /// The client secret reference (file or environment).
    pub fn client_secret(&self) -> SecretRef {
        SecretRef {
            password_file: self.client_secret_file.clone(),
            password_env: self.client_secret_env.clone(),
        }
    }

    /// What is missing or contradictory, as `key: cause` lines (for `check`).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let has_secret = self.client_secret_file.is_some() || self.client_secret_env.is_some();
        let has_cert = self.certificate_file.is_some() || self.private_key_file.is_some();
        match self.grant {
            Grant::ClientCredentials => {
                if self.endpoint().is_none() {
                    p.push("tenant: give the tenant id (or token_url)".into());
                }
                if self.client_id.is_none() {
                    p.push("client_id: missing (the application (client) id)".into());
                }
                match (has_secret, has_cert) {
                    (false, false) => p.push(
                        "client_secret_file: give client_secret_file/client_secret_env, or certificate_file and private_key_file".into(),
                    ),
                    (true, true) => p.push(
                        "client_secret_file: give a client secret or a certificate, not both".into(),
                    ),
                    (false, true)
                        if self.certificate_file.is_none() || self.private_key_file.is_none() =>
                    {
                        p.push("certificate_file: a certificate needs both certificate_file and private_key_file".into())
                    }
                    _ => {}
                }
            }
            Grant::RefreshToken => {
                if self.endpoint().is_none() {
                    p.push("tenant: give the tenant id (or token_url)".into());
                }
                if self.client_id.is_none() {
                    p.push("client_id: missing".into());
                }
                if self.refresh_token_file.is_none() {
                    p.push("refresh_token_file: missing (where the refresh token is kept)".into());
                }
            }
            Grant::GoogleServiceAccount => {
                if self.service_account_file.is_none() {
                    p.push("service_account_file: missing (the service account's JSON key)".into());
                }
            }
        }
        p
    }
}

/// How outgoing mail leaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConfig {
    /// Hand mail to this SMTP server (takes precedence over `maildir`).
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// Deliver into this Maildir (the embedded default), relative to the config file.
    #[serde(default)]
    pub maildir: Option<PathBuf>,
    /// Give up on a mail after this many attempts.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// First retry delay in seconds; it doubles per attempt.
    #[serde(default = "default_retry_base")]
    pub retry_base_seconds: u64,
    /// Longest retry delay in seconds.
    #[serde(default = "default_retry_max")]
    pub retry_max_seconds: u64,
}

fn default_retry_base() -> u64 {
    60
}
fn default_retry_max() -> u64 {
    3600
}

fn default_attempts() -> u32 {
    8
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            smtp: None,
            maildir: None,
            max_attempts: default_attempts(),
            retry_base_seconds: default_retry_base(),
            retry_max_seconds: default_retry_max(),
        }
    }
}
