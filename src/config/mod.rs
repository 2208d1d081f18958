//! The operator's configuration file (TOML) and the policy it points to.
//!
//! Loading is I/O and lives here, at the edge; what the values mean is
//! checked by `check`. Secrets are never in the file: only where to
//! find them (a file such as a systemd credential, or an environment variable).
//!
//! This module holds the file's top-level tables and [`Config`] itself; the
//! mail accounts (mailboxes, SMTP, OAuth2, outbox) are in `mail`, the
//! `[limits]` table in `limits`, and reading files, errors and the values
//! derived from a loaded config (calendar, secret) in `load`.

pub(crate) mod check;
mod limits;
mod load;
mod mail;
pub(crate) mod template_data;
pub(crate) mod templates;
#[cfg(test)]
mod welsh_text;

pub use limits::Limits;
pub(crate) use load::{from_texts, parse_time, relative_to};
pub use load::{load, ConfigError, Loaded};
pub use mail::{
    Grant, ImapConfig, MailboxConfig, OAuth2Config, OutboxConfig, SaslMechanism, SecretRef,
    SmtpConfig, TlsMode, GOOGLE_SCOPE, M365_SCOPE,
};

use crate::core::calendar::Nation;
use crate::core::directory::Person;
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::PathBuf;

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
    /// The languages the organisation corresponds in (ISO 639-1 codes),
    /// the first the default of bilingual mail: `["cy", "en"]`. Empty: the
    /// working language only.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// The organisation's working language: staff mail, records, and the flat
/// template override directory are in it.
pub const WORKING_LANGUAGE: &str = "en";

impl Organisation {
    /// The languages complainants are written to in, the first the default
    /// (first in bilingual mail); the working language alone when none are
    /// configured.
    pub fn languages(&self) -> Vec<String> {
        if self.languages.is_empty() {
            vec![WORKING_LANGUAGE.to_string()]
        } else {
            self.languages.clone()
        }
    }
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
    /// config file; default: beside the SQLite database, `<database>.classifier`
    /// (with PostgreSQL, `complaintd.classifier` beside the config file: each
    /// instance reads its own copy, so deploy it with the config).
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
    /// SQLite page cache per pooled connection, in MiB (the pool has four).
    #[serde(default = "default_cache_mib")]
    pub cache_mib: u32,
    /// A PostgreSQL database instead of the SQLite file, for several
    /// instances sharing one database (issue 18):
    /// `postgres://USER@HOST:PORT/DATABASE`, with TLS as the URL's own
    /// parameters (`?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem`,
    /// `sslcert`/`sslkey` for a client certificate). The password does not
    /// belong in the URL: see `password_file` and `password_env`.
    #[serde(default)]
    pub url: Option<String>,
    /// A file whose first line is the PostgreSQL password (relative to the
    /// config file; keep it owner-only).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the PostgreSQL password (used when
    /// `password_file` is not set).
    #[serde(default)]
    pub password_env: Option<String>,
    /// PostgreSQL connections this instance may hold.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

fn default_max_connections() -> u32 {
    8
}

fn default_cache_mib() -> u32 {
    crate::store::DEFAULT_CACHE_MIB
}

fn default_db() -> PathBuf {
    PathBuf::from("complaintd.sqlite")
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: default_db(),
            cache_mib: default_cache_mib(),
            url: None,
            password_file: None,
            password_env: None,
            max_connections: default_max_connections(),
        }
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

/// The health and metrics listener of `complaintd run` (off unless `listen`
/// is set).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserveConfig {
    /// Address to serve `/healthz` and `/metrics` on, e.g. "127.0.0.1:9464".
    #[serde(default)]
    pub listen: Option<std::net::SocketAddr>,
    /// Allow an address other than loopback (there is no sign-in: put a
    /// proxy or a network policy in front).
    #[serde(default)]
    pub allow_non_loopback: bool,
    /// The daemon counts as live while its run loop made a pass within this
    /// many seconds (the loop passes at least every 30 s).
    #[serde(default = "default_live_within")]
    pub live_within_seconds: u64,
}

fn default_live_within() -> u64 {
    120
}

impl Default for ObserveConfig {
    fn default() -> Self {
        ObserveConfig {
            listen: None,
            allow_non_loopback: false,
            live_within_seconds: default_live_within(),
        }
    }
}

impl ObserveConfig {
    /// What is wrong with these settings, as (key, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let Some(a) = self.listen {
            if !a.ip().is_loopback() && !self.allow_non_loopback {
                p.push((
                    "observe.listen",
                    format!("{a} is not a loopback address; the endpoints have no sign-in, so set observe.allow_non_loopback = true only behind a proxy or network policy"),
                ));
            }
        }
        if self.live_within_seconds < 60 {
            p.push((
                "observe.live_within_seconds",
                format!(
                    "{} is too short: the run loop may wait 30 s between passes; use 60 or more",
                    self.live_within_seconds
                ),
            ));
        }
        p
    }
}

/// Several `complaintd run` processes on one database (issue 18).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstancesConfig {
    /// Seconds a mailbox lease lasts unless renewed (renewed at a third of
    /// that); an instance that dies is replaced at its mailboxes within
    /// this time, and counts as dead after this long without a heartbeat.
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: u64,
}

fn default_lease_seconds() -> u64 {
    30
}

impl Default for InstancesConfig {
    fn default() -> Self {
        InstancesConfig {
            lease_seconds: default_lease_seconds(),
        }
    }
}

impl InstancesConfig {
    /// The lease as a duration.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.lease_seconds).unwrap_or(i64::MAX / 1000))
    }

    /// What is wrong with these settings, as (key, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        if (3..=3600).contains(&self.lease_seconds) {
            Vec::new()
        } else {
            vec![(
                "instances.lease_seconds",
                format!(
                    "{} is out of range: 3 to 3600 (a lease is renewed every third of it)",
                    self.lease_seconds
                ),
            )]
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
    /// The health and metrics endpoints.
    #[serde(default)]
    pub observe: ObserveConfig,
    /// Instances and mailbox leases.
    #[serde(default)]
    pub instances: InstancesConfig,
}
