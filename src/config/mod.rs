//! The operator's configuration file (TOML) and the policy it points to.
//!
//! Loading is I/O and lives here, at the edge; what the values mean is
//! checked by [`crate::config::check`]. Secrets are never in the file: only where to
//! find them (a file such as a systemd credential, or an environment variable).

pub mod check;
pub mod template_data;
pub mod templates;

use crate::core::calendar::{Calendar, Nation};
use crate::core::classify::Hints;
use crate::core::directory::{Directory, Person};
use crate::core::policy::Policy;
use crate::core::token::Secret;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The organisation running the procedure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Its name, for mail and records.
    pub name: String,
    /// Its own mailbox addresses: mail from them never opens a case.
    pub addresses: Vec<String>,
    /// The address complaintd's mail replies from (plus-addressed per case).
    pub reply_address: String,
    /// Telephone, for templates.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Working days and hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Whose bank holidays.
    #[serde(default = "default_nation")]
    pub nation: Nation,
    /// Opening time, "HH:MM".
    #[serde(default = "default_open")]
    pub open: String,
    /// Closing time, "HH:MM": deadlines fall at this time.
    #[serde(default = "default_close")]
    pub close: String,
    /// The organisation's own closure days.
    #[serde(default)]
    pub closures: Vec<NaiveDate>,
    /// Bank holidays announced after this release.
    #[serde(default)]
    pub extra_holidays: Vec<NaiveDate>,
}

fn default_nation() -> Nation {
    Nation::EnglandAndWales
}
fn default_open() -> String {
    "09:00".into()
}
fn default_close() -> String {
    "17:00".into()
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            nation: default_nation(),
            open: default_open(),
            close: default_close(),
            closures: Vec::new(),
            extra_holidays: Vec::new(),
        }
    }
}

/// Where the policy is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    /// Path, relative to the config file.
    pub file: PathBuf,
}

/// Template overrides.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    /// A directory whose files override the built-in templates.
    #[serde(default)]
    pub dir: Option<PathBuf>,
}

/// Where secrets come from, and which servers are trusted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// A file holding the HMAC key (e.g. a systemd credential).
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// An environment variable holding the HMAC key.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// `Authentication-Results` from these server ids are trusted.
    #[serde(default)]
    pub trusted_authserv_id: Vec<String>,
    /// How long a handler's reply token works after its notification was
    /// sent (it also stops when the case closes). Every notification and
    /// reminder carries a fresh one, so this only needs to cover one round
    /// of replies.
    #[serde(default = "default_token_lifetime_days")]
    pub token_lifetime_days: u32,
}

fn default_token_lifetime_days() -> u32 {
    30
}

impl Default for Security {
    fn default() -> Self {
        Security {
            secret_file: None,
            secret_env: None,
            trusted_authserv_id: Vec::new(),
            token_lifetime_days: default_token_lifetime_days(),
        }
    }
}

/// The shortest HMAC key the daemon accepts, in bytes (after trimming).
pub const MIN_SECRET_BYTES: usize = 32;

impl Security {
    /// [`Security::token_lifetime_days`] as a duration.
    pub fn token_lifetime(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.token_lifetime_days))
    }
}

/// Classifier hints.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassifierConfig {
    /// Names of subcontracted partners.
    #[serde(default)]
    pub subcontractors: Vec<String>,
    /// The learned layer's model refitted with this organisation's
    /// corrections (`complaintd classify --learn` writes it), relative to the
    /// config file; default: beside the database, `<database>.classifier`.
    /// When the file does not exist the model shipped with the binary is used.
    #[serde(default)]
    pub model: Option<PathBuf>,
}

/// Where the database lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite file, relative to the config file.
    #[serde(default = "default_db")]
    pub path: PathBuf,
}

fn default_db() -> PathBuf {
    PathBuf::from("complaintd.sqlite")
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { path: default_db() }
    }
}

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

/// Who hears about failing sign-ins and expiring secrets, and how quickly.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Addresses of the people who keep complaintd running.
    #[serde(default)]
    pub operators: Vec<String>,
    /// Minutes a sign-in may keep failing (rejected credentials, a bad token)
    /// before the operators are told.
    #[serde(default = "default_grace")]
    pub grace_minutes: u64,
    /// Minutes a mailbox may stay unreachable for other reasons (network,
    /// token endpoint down) before the operators are told.
    #[serde(default = "default_outage_grace")]
    pub outage_grace_minutes: u64,
    /// A second SMTP account for alerts, used when the outbox's own one is failing.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
}

fn default_grace() -> u64 {
    10
}
fn default_outage_grace() -> u64 {
    60
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            operators: Vec::new(),
            grace_minutes: default_grace(),
            outage_grace_minutes: default_outage_grace(),
            smtp: None,
        }
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

/// Loop and flood protection. Each limit counts over the last hour and the
/// last 24 hours; see `core::caps` for what each one counts and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Automatic mails to one outside recipient per hour.
    #[serde(default = "default_per_hour")]
    pub auto_per_hour: u32,
    /// Automatic mails to one outside recipient per day.
    #[serde(default = "default_per_day")]
    pub auto_per_day: u32,
    /// Automatic replies to one outside domain per hour.
    #[serde(default = "default_domain_per_hour")]
    pub auto_per_domain_per_hour: u32,
    /// Automatic replies to one outside domain per day.
    #[serde(default = "default_domain_per_day")]
    pub auto_per_domain_per_day: u32,
    /// Automatic replies to one free-mail domain per hour.
    #[serde(default = "default_consumer_per_hour")]
    pub auto_per_consumer_domain_per_hour: u32,
    /// Automatic replies to one free-mail domain per day.
    #[serde(default = "default_consumer_per_day")]
    pub auto_per_consumer_domain_per_day: u32,
    /// Free-mail domains (replaces the built-in list when given).
    #[serde(default = "default_consumer_domains")]
    pub consumer_domains: Vec<String>,
    /// Notifications to one member of staff about one case per hour.
    #[serde(default = "default_staff_case_per_hour")]
    pub staff_per_case_per_hour: u32,
    /// Notifications to one member of staff about one case per day.
    #[serde(default = "default_staff_case_per_day")]
    pub staff_per_case_per_day: u32,
    /// Notifications to one member of staff caused by one sender per hour.
    #[serde(default = "default_staff_sender_per_hour")]
    pub staff_per_sender_per_hour: u32,
    /// Notifications to one member of staff caused by one sender per day.
    #[serde(default = "default_staff_sender_per_day")]
    pub staff_per_sender_per_day: u32,
    /// Messages larger than this are recorded from their headers only, on
    /// every path (IMAP, the Maildir mailbox, `complaintd ingest`).
    #[serde(default = "default_max_bytes")]
    pub max_message_bytes: u64,
    /// At most this many characters of a complainant's text are quoted into
    /// mail to staff; the rest is in the case record, and the mail says so.
    #[serde(default = "default_max_quoted_chars")]
    pub max_quoted_chars: usize,
    /// Milliseconds one message may take to process before it is
    /// quarantined with that reason instead of being answered.
    #[serde(default = "default_processing_budget_ms")]
    pub processing_budget_ms: u64,
}

fn default_per_hour() -> u32 {
    5
}
fn default_per_day() -> u32 {
    20
}
fn default_domain_per_hour() -> u32 {
    20
}
fn default_domain_per_day() -> u32 {
    60
}
fn default_consumer_per_hour() -> u32 {
    200
}
fn default_consumer_per_day() -> u32 {
    1000
}
fn default_consumer_domains() -> Vec<String> {
    crate::core::caps::CONSUMER_DOMAINS
        .iter()
        .map(|d| d.to_string())
        .collect()
}
fn default_staff_case_per_hour() -> u32 {
    5
}
fn default_staff_case_per_day() -> u32 {
    20
}
fn default_staff_sender_per_hour() -> u32 {
    10
}
fn default_staff_sender_per_day() -> u32 {
    30
}
fn default_max_bytes() -> u64 {
    25 * 1024 * 1024
}
fn default_max_quoted_chars() -> usize {
    20_000
}
fn default_processing_budget_ms() -> u64 {
    10_000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            auto_per_hour: default_per_hour(),
            auto_per_day: default_per_day(),
            auto_per_domain_per_hour: default_domain_per_hour(),
            auto_per_domain_per_day: default_domain_per_day(),
            auto_per_consumer_domain_per_hour: default_consumer_per_hour(),
            auto_per_consumer_domain_per_day: default_consumer_per_day(),
            consumer_domains: default_consumer_domains(),
            staff_per_case_per_hour: default_staff_case_per_hour(),
            staff_per_case_per_day: default_staff_case_per_day(),
            staff_per_sender_per_hour: default_staff_sender_per_hour(),
            staff_per_sender_per_day: default_staff_sender_per_day(),
            max_message_bytes: default_max_bytes(),
            max_quoted_chars: default_max_quoted_chars(),
            processing_budget_ms: default_processing_budget_ms(),
        }
    }
}

impl Limits {
    /// The limits as the core's flood caps take them.
    pub fn caps(&self) -> crate::core::caps::Caps {
        crate::core::caps::Caps {
            per_recipient: (self.auto_per_hour, self.auto_per_day),
            per_domain: (self.auto_per_domain_per_hour, self.auto_per_domain_per_day),
            per_consumer_domain: (
                self.auto_per_consumer_domain_per_hour,
                self.auto_per_consumer_domain_per_day,
            ),
            consumer_domains: self
                .consumer_domains
                .iter()
                .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                .collect(),
            staff_per_case: (self.staff_per_case_per_hour, self.staff_per_case_per_day),
            staff_per_sender: (
                self.staff_per_sender_per_hour,
                self.staff_per_sender_per_day,
            ),
        }
    }

    /// Each hour/day pair by its key names, for `check`.
    pub fn pairs(&self) -> [(&'static str, &'static str, u32, u32); 5] {
        [
            (
                "auto_per_hour",
                "auto_per_day",
                self.auto_per_hour,
                self.auto_per_day,
            ),
            (
                "auto_per_domain_per_hour",
                "auto_per_domain_per_day",
                self.auto_per_domain_per_hour,
                self.auto_per_domain_per_day,
            ),
            (
                "auto_per_consumer_domain_per_hour",
                "auto_per_consumer_domain_per_day",
                self.auto_per_consumer_domain_per_hour,
                self.auto_per_consumer_domain_per_day,
            ),
            (
                "staff_per_case_per_hour",
                "staff_per_case_per_day",
                self.staff_per_case_per_hour,
                self.staff_per_case_per_day,
            ),
            (
                "staff_per_sender_per_hour",
                "staff_per_sender_per_day",
                self.staff_per_sender_per_hour,
                self.staff_per_sender_per_day,
            ),
        ]
    }
}

/// The directors' digest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Local time on working days, "HH:MM".
    #[serde(default = "default_digest_time")]
    pub time: String,
    /// Roles that receive it.
    #[serde(default = "default_digest_roles")]
    pub to: Vec<String>,
}

fn default_digest_time() -> String {
    "08:00".into()
}
fn default_digest_roles() -> Vec<String> {
    vec!["directors".into()]
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            time: default_digest_time(),
            to: default_digest_roles(),
        }
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The organisation.
    pub organisation: Organisation,
    /// Working days.
    #[serde(default)]
    pub calendar: CalendarConfig,
    /// The policy file.
    pub policy: PolicyRef,
    /// Template overrides.
    #[serde(default)]
    pub templates: TemplatesConfig,
    /// Secrets and trust.
    #[serde(default)]
    pub security: Security,
    /// Classifier hints.
    #[serde(default)]
    pub classifier: ClassifierConfig,
    /// Staff and their roles.
    #[serde(default)]
    pub staff: Vec<Person>,
    /// The database.
    #[serde(default)]
    pub store: StoreConfig,
    /// Mailboxes to read.
    #[serde(default, rename = "mailbox")]
    pub mailboxes: Vec<MailboxConfig>,
    /// Outgoing mail.
    #[serde(default)]
    pub outbox: OutboxConfig,
    /// Loop and flood protection.
    #[serde(default)]
    pub limits: Limits,
    /// The digest.
    #[serde(default)]
    pub digest: DigestConfig,
    /// Operator alerts.
    #[serde(default)]
    pub alerts: AlertsConfig,
}

/// A problem in a file: which file, which key (or line), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {key}: {message}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// The key path or `line N`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// Build one.
    pub fn new(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.display().to_string(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// A TOML error as file, line and message (toml reports a byte span).
fn toml_error(file: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let key = match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}")
        }
        None => "(file)".to_string(),
    };
    ConfigError::new(file, key, e.message().trim().to_string())
}

/// A loaded configuration with its policy.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The config file's path.
    pub path: PathBuf,
    /// The config.
    pub config: Config,
    /// The policy file's path.
    pub policy_path: PathBuf,
    /// The policy.
    pub policy: Policy,
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(path, "(file)", format!("cannot read: {e}")))
}

/// Read and parse the config and the policy it names.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = read(path)?;
    let config = parse_config(path, &text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let policy_path = relative_to(base, &config.policy.file);
    let ptext = read(&policy_path)?;
    with_policy(path, config, &policy_path, &ptext)
}

fn parse_config(path: &Path, text: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|e| toml_error(path, text, &e))
}

fn with_policy(
    path: &Path,
    config: Config,
    policy_path: &Path,
    ptext: &str,
) -> Result<Loaded, ConfigError> {
    let policy = Policy::from_toml(ptext).map_err(|e| toml_error(policy_path, ptext, &e))?;
    Ok(Loaded {
        path: path.to_path_buf(),
        config,
        policy_path: policy_path.to_path_buf(),
        policy,
    })
}

/// Parse a config and a policy already read (the policy path is taken as
/// given, not from the config): [`load`] without the file system, for the
/// fuzz target and for tools that hold the text.
pub fn from_texts(
    path: &Path,
    text: &str,
    policy_path: &Path,
    ptext: &str,
) -> Result<Loaded, ConfigError> {
    let config = parse_config(path, text)?;
    with_policy(path, config, policy_path, ptext)
}

/// Parse "HH:MM".
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// A path written in the config: absolute as given, else relative to `base`
/// (the config file's directory).
pub fn relative_to(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

impl Loaded {
    /// The directory config paths are relative to (the config file's own).
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// A path from the config, relative to the config file's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        relative_to(self.base_dir(), p)
    }

    /// The working-day calendar the config describes (invalid hours fall
    /// back to 09:00–17:00; `check` reports them).
    pub fn calendar(&self) -> Calendar {
        let c = &self.config.calendar;
        let cal = Calendar::new(c.nation)
            .with_closures(c.closures.iter().copied())
            .with_extra_holidays(c.extra_holidays.iter().copied());
        match (parse_time(&c.open), parse_time(&c.close)) {
            (Some(o), Some(cl)) if o < cl => cal.with_hours(o, cl),
            _ => cal,
        }
    }

    /// The staff directory.
    pub fn directory(&self) -> Directory {
        Directory::new(self.config.staff.clone())
    }

    /// Classifier hints from config.
    pub fn hints(&self) -> Hints {
        Hints {
            subcontractors: self.config.classifier.subcontractors.clone(),
            handler_names: self.config.staff.iter().map(|p| p.name.clone()).collect(),
            own_addresses: self
                .config
                .organisation
                .addresses
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .collect(),
            learned: Default::default(),
        }
    }

    /// Where the organisation's refitted classifier model lives.
    pub fn model_path(&self) -> PathBuf {
        match &self.config.classifier.model {
            Some(p) => self.resolve(p),
            None => self
                .resolve(&self.config.store.path)
                .with_extension("classifier"),
        }
    }

    /// Hints with the organisation's refitted model when there is one (an
    /// unreadable model file is an error: silently falling back would hide
    /// the organisation's corrections).
    pub fn hints_with_model(&self) -> Result<Hints, ConfigError> {
        let mut hints = self.hints();
        let path = self.model_path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let model = crate::core::learned::Model::from_bytes(&bytes)
                    .map_err(|e| ConfigError::new(&path, "classifier.model", e.to_string()))?;
                hints.learned = crate::core::learned::Learned::Model(std::sync::Arc::new(model));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ConfigError::new(&path, "classifier.model", e.to_string())),
        }
        Ok(hints)
    }

    /// Read the HMAC secret from the file or environment variable named in
    /// config, and check it is long enough.
    pub fn secret(&self) -> Result<Secret, ConfigError> {
        let bytes = self.secret_bytes()?;
        self.validate_secret(bytes)
    }

    /// The raw secret, unchecked (an error only when it cannot be read).
    pub fn secret_bytes(&self) -> Result<Vec<u8>, ConfigError> {
        let s = &self.config.security;
        let bytes = if let Some(f) = &s.secret_file {
            // Relative to the config file like every other path in it (the
            // demo writes `secret_file = "secret"` next to its config).
            let f = self.resolve(f);
            std::fs::read(&f).map_err(|e| {
                ConfigError::new(
                    &self.path,
                    "security.secret_file",
                    format!("cannot read {}: {e}", f.display()),
                )
            })?
        } else if let Some(v) = &s.secret_env {
            std::env::var(v)
                .map_err(|_| {
                    ConfigError::new(
                        &self.path,
                        "security.secret_env",
                        format!("environment variable {v} is not set"),
                    )
                })?
                .into_bytes()
        } else {
            return Err(ConfigError::new(
                &self.path,
                "security",
                "set secret_file or secret_env: the HMAC key for reply tokens",
            ));
        };
        Ok(bytes)
    }

    /// The secret as the daemon uses it, or why it is refused: `check`
    /// applies the same rule, offline or not.
    pub fn validate_secret(&self, bytes: Vec<u8>) -> Result<Secret, ConfigError> {
        let trimmed: Vec<u8> = bytes.trim_ascii().to_vec();
        if trimmed.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::new(
                &self.path,
                "security",
                format!(
                    "the secret is {} bytes; use at least {MIN_SECRET_BYTES} random bytes",
                    trimmed.len()
                ),
            ));
        }
        Ok(Secret::new(trimmed))
    }
}
