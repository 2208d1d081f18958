//! Loading: reading the config and the policy it names, errors that name
//! file, key and cause, paths relative to the config file, and the values
//! derived from a loaded config (calendar, directory, classifier hints, the
//! HMAC secret from its file or environment variable).

use super::{Config, MIN_SECRET_BYTES};
use crate::core::calendar::Calendar;
use crate::core::classify::Hints;
use crate::core::directory::Directory;
use crate::core::policy::Policy;
use crate::core::token::Secret;
use chrono::NaiveTime;
use std::path::{Path, PathBuf};

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
pub(crate) fn from_texts(
    path: &Path,
    text: &str,
    policy_path: &Path,
    ptext: &str,
) -> Result<Loaded, ConfigError> {
    let config = parse_config(path, text)?;
    with_policy(path, config, policy_path, ptext)
}

/// Parse "HH:MM".
pub(crate) fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// A path written in the config: absolute as given, else relative to `base`
/// (the config file's directory).
pub(crate) fn relative_to(base: &Path, p: &Path) -> PathBuf {
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

    /// Hints with the organisation's refitted model when there is one, the
    /// shipped model otherwise, held so that a running daemon can replace it
    /// (`work::model_watch`). An unreadable model file is an error: silently
    /// falling back would hide the organisation's corrections.
    pub fn hints_with_model(&self) -> Result<Hints, ConfigError> {
        use crate::core::learned::{shipped, Learned, SharedModel};
        let mut hints = self.hints();
        let path = self.model_path();
        let model = match std::fs::read(&path) {
            Ok(bytes) => Some(std::sync::Arc::new(
                crate::core::learned::Model::from_bytes(&bytes)
                    .map_err(|e| ConfigError::new(&path, "classifier.model", e.to_string()))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => shipped(),
            Err(e) => return Err(ConfigError::new(&path, "classifier.model", e.to_string())),
        };
        hints.learned = Learned::Shared(SharedModel::new(model));
        Ok(hints)
    }

    /// Read the HMAC secret from the file or environment variable named in
    /// config, and check it is long enough.
    pub fn secret(&self) -> Result<Secret, ConfigError> {
        let bytes = self.secret_bytes()?;
        self.validate_secret(bytes)
    }

    /// The PostgreSQL password from `[store] password_file` or
    /// `password_env`, if either is set (the URL then carries none).
    pub fn store_password(&self) -> Result<Option<String>, ConfigError> {
        let s = &self.config.store;
        if let Some(f) = &s.password_file {
            let f = self.resolve(f);
            let text = std::fs::read_to_string(&f).map_err(|e| {
                ConfigError::new(
                    &self.path,
                    "store.password_file",
                    format!("cannot read {}: {e}", f.display()),
                )
            })?;
            // The first line, as PostgreSQL's own password files: a trailing
            // newline written by an editor is not part of the password.
            return Ok(Some(text.lines().next().unwrap_or("").to_string()));
        }
        if let Some(v) = &s.password_env {
            return std::env::var(v).map(Some).map_err(|_| {
                ConfigError::new(
                    &self.path,
                    "store.password_env",
                    format!("environment variable {v} is not set"),
                )
            });
        }
        Ok(None)
    }

    /// Where the store is, for messages: the PostgreSQL URL without its
    /// password, or the SQLite file.
    pub fn store_location(&self) -> String {
        match &self.config.store.url {
            Some(url) => redact_password(url),
            None => self.resolve(&self.config.store.path).display().to_string(),
        }
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

/// `url` with any password replaced by `***`, for messages and logs
/// (`scheme://user:password@host/…`).
fn redact_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let authority = rest.find(['/', '?']).map_or(rest, |end| &rest[..end]);
    match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..start],
                &authority[..colon],
                &url[start + at..]
            ),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod redact_tests {
    use super::redact_password;

    #[test]
    fn a_password_in_a_database_url_is_never_shown() {
        assert_eq!(
            redact_password("postgres://cd:s3cr@t@db.example:5432/cd?sslmode=require"),
            "postgres://cd:***@db.example:5432/cd?sslmode=require"
        );
        assert_eq!(
            redact_password("postgres://cd@127.0.0.1:15432/cd"),
            "postgres://cd@127.0.0.1:15432/cd"
        );
    }
}
