//! The running application's context: config, policy, calendar, staff,
//! templates, the secret and the store, built once and shared by ingest, the
//! scheduler and the sender.

use crate::config::templates::{TemplateError, Templates};
use crate::config::{ConfigError, Loaded};
use crate::core::calendar::Calendar;
use crate::core::case::Ctx;
use crate::core::classify::Hints;
use crate::core::directory::Directory;
use crate::core::token::Secret;
use crate::store::{Store, StoreError};
use std::path::Path;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Config or policy problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Template problems.
    #[error("templates: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Templates(Vec<TemplateError>),
    /// Database problem.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Open the store the configuration names: `[store] url` (PostgreSQL) or
/// the SQLite file at `[store] path`.
pub async fn open_store(loaded: &Loaded) -> Result<Store, AppError> {
    let c = &loaded.config.store;
    Ok(match &c.url {
        Some(url) => {
            let password = loaded.store_password()?;
            Store::open_postgres(url, password.as_deref(), c.max_connections).await?
        }
        None => Store::open_with_cache(&loaded.resolve(&c.path), c.cache_mib).await?,
    })
}

/// Everything the workers need.
pub struct App {
    /// Config and policy.
    pub loaded: Loaded,
    /// Working days.
    pub calendar: Calendar,
    /// Staff.
    pub directory: Directory,
    /// Classifier hints.
    pub hints: Hints,
    /// Mail templates.
    pub templates: Templates,
    /// The languages complainants are written to in, the first the default
    /// (`[organisation] languages`, else the working language).
    pub languages: Vec<String>,
    /// The HMAC key.
    pub secret: Secret,
    /// The database.
    pub store: Store,
    /// OAuth2 token sources, shared by mailboxes and SMTP accounts.
    pub tokens: crate::mail::token_source::Registry,
    /// Rung when an account fails to sign in, so the scheduler can alert
    /// without waiting for its next pass.
    pub health_changed: tokio::sync::Notify,
    /// This process's counters and liveness (`/metrics`, `/healthz`).
    pub metrics: crate::observe::Metrics,
}

impl App {
    /// Build from a loaded config: read the secret, load templates, open the store.
    pub async fn new(loaded: Loaded) -> Result<App, AppError> {
        let secret = loaded.secret()?;
        Self::with_secret(loaded, secret).await
    }

    /// Build with a given secret (the demo and tests bring their own).
    pub async fn with_secret(loaded: Loaded, secret: Secret) -> Result<App, AppError> {
        let dir = loaded
            .config
            .templates
            .dir
            .as_ref()
            .map(|d| loaded.resolve(d));
        let templates = Templates::load(dir.as_deref(), &loaded.config.organisation.languages())
            .map_err(AppError::Templates)?;
        let store = open_store(&loaded).await?;
        Ok(App {
            calendar: loaded.calendar(),
            directory: loaded.directory(),
            hints: loaded.hints_with_model()?,
            templates,
            languages: loaded.config.organisation.languages(),
            secret,
            store,
            loaded,
            tokens: crate::mail::token_source::Registry::default(),
            health_changed: tokio::sync::Notify::new(),
            metrics: crate::observe::Metrics::new(),
        })
    }

    /// Load config from a file and build.
    pub async fn from_config(path: &Path) -> Result<App, AppError> {
        let loaded = crate::config::load(path)?;
        Self::new(loaded).await
    }

    /// The state machine's context.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            policy: &self.loaded.policy,
            calendar: &self.calendar,
            directory: &self.directory,
            languages: &self.languages,
        }
    }

    /// The domain of the reply address (for Message-IDs).
    pub fn mail_domain(&self) -> &str {
        self.loaded
            .config
            .organisation
            .reply_address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("localhost")
    }

    /// Is this one of the organisation's own addresses?
    pub fn is_own_address(&self, address: &str) -> bool {
        let a = address.to_ascii_lowercase();
        let base = match a.split_once('+') {
            // complaints+REF@domain is still ours.
            Some((local, rest)) => format!(
                "{local}@{}",
                rest.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
            ),
            None => a.clone(),
        };
        self.hints
            .own_addresses
            .iter()
            .any(|o| *o == a || *o == base)
    }
}
