//! OAuth2 access tokens for mail sign-in: the grants (client credentials
//! with a secret or a certificate, a stored refresh token with rotation, a
//! Google service account), a cache that replaces each token before it
//! expires, and a registry so that a mailbox and an SMTP account using the
//! same app share one token (and a rotating refresh token is never used
//! twice at once).
//!
//! Secrets are read from files or the environment when a token is needed and
//! never logged; errors name the file or variable, never its content.

use crate::config::{Grant, OAuth2Config};
use crate::core::oauth::{self, Issued, TokenError};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tracing::{info, warn};

/// A token ready to use, and until when.
#[derive(Clone)]
pub struct Bearer {
    /// The access token.
    pub token: String,
    /// Replace it after this instant (its expiry less a margin).
    pub use_until: DateTime<Utc>,
    /// When it expires (by our clock, from `expires_in`).
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bearer(<{} bytes>, until {})",
            self.token.len(),
            self.use_until
        )
    }
}

#[derive(Default)]
struct State {
    bearer: Option<Bearer>,
    /// The latest refresh token (after a rotation, kept even if saving failed,
    /// so the next try can save it again).
    refresh_token: Option<String>,
}

/// One app's (or, for Google, one mailbox's) tokens.
pub struct TokenSource {
    cfg: OAuth2Config,
    base: PathBuf,
    /// The mailbox signed in to (the Google service account's subject).
    user: String,
    timeout_seconds: u64,
    http: reqwest::Client,
    state: tokio::sync::Mutex<State>,
}

impl TokenSource {
    /// A source for `cfg`, signing in as `user`; relative paths resolve from `base`.
    pub fn new(cfg: &OAuth2Config, base: &Path, user: &str, timeout_seconds: u64) -> TokenSource {
        let timeout = std::time::Duration::from_secs(timeout_seconds.max(1));
        let http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("complaintd/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        TokenSource {
            cfg: cfg.clone(),
            base: base.to_path_buf(),
            user: user.to_string(),
            timeout_seconds: timeout_seconds.max(1),
            http,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    /// A token that is good for a while yet: the cached one, or a new one.
    /// Callers sharing the source wait for one fetch rather than each making one.
    pub async fn token(&self) -> Result<Bearer, TokenError> {
        let mut st = self.state.lock().await;
        let now = Utc::now();
        if let Some(b) = &st.bearer {
            if now < b.use_until {
                return Ok(b.clone());
            }
        }
        let issued = self.fetch(&mut st).await?;
        let received = Utc::now();
        let bearer = Bearer {
            token: issued.access_token,
            use_until: oauth::use_until(received, issued.expires_in),
            expires_at: oauth::expiry(received, issued.expires_in),
        };
        info!(
            grant = ?self.cfg.grant,
            expires_in = issued.expires_in,
            use_until = %bearer.use_until,
            "access token obtained"
        );
        st.bearer = Some(bearer.clone());
        Ok(bearer)
    }

    /// Forget the cached token, whatever it is: the next `token()` fetches a
    /// new one.
    pub async fn forget(&self) {
        self.state.lock().await.bearer = None;
    }

    fn path(&self, p: &Path) -> PathBuf {
        crate::config::relative_to(&self.base, p)
    }

    fn endpoint(&self) -> Result<String, TokenError> {
        self.cfg
            .endpoint()
            .ok_or_else(|| TokenError::Secret("no token endpoint: set tenant or token_url".into()))
    }

    async fn fetch(&self, st: &mut State) -> Result<Issued, TokenError> {
        match self.cfg.grant {
            Grant::ClientCredentials => {
                let url = self.endpoint()?;
                let client_id = self.client_id()?;
                let mut form = vec![
                    ("grant_type", "client_credentials".to_string()),
                    ("client_id", client_id.clone()),
                    ("scope", self.cfg.scope().unwrap_or_default().to_string()),
                ];
                if self.cfg.certificate_file.is_some() {
                    form.push((
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                    ));
                    form.push(("client_assertion", self.client_assertion(&url, &client_id)?));
                } else {
                    form.push(("client_secret", self.client_secret()?));
                }
                self.post(&url, &form).await
            }
            Grant::RefreshToken => {
                let url = self.endpoint()?;
                let file =
                    self.path(self.cfg.refresh_token_file.as_deref().ok_or_else(|| {
                        TokenError::Secret("refresh_token_file is not set".into())
                    })?);
                let current = match &st.refresh_token {
                    Some(t) => t.clone(),
                    None => read_secret_file(&file, "refresh token file")?,
                };
                let mut form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("client_id", self.client_id()?),
                    ("refresh_token", current.clone()),
                ];
                if let Some(scope) = self.cfg.scope() {
                    form.push(("scope", scope.to_string()));
                }
                if self.cfg.client_secret_file.is_some() || self.cfg.client_secret_env.is_some() {
                    form.push(("client_secret", self.client_secret()?));
                }
                let issued = self.post(&url, &form).await?;
                if let Some(new) = issued.refresh_token.as_ref().filter(|n| **n != current) {
                    // Keep it in memory first: if saving fails, the next attempt
                    // still holds the only refresh token that works.
                    st.refresh_token = Some(new.clone());
                    save_atomically(&file, new)
                        .map_err(|e| TokenError::Save(format!("{}: {e}", file.display())))?;
                    info!(file = %file.display(), "rotated refresh token saved");
                }
                Ok(issued)
            }
            Grant::GoogleServiceAccount => {
                let key = self.service_account()?;
                let url = self
                    .cfg
                    .token_url
                    .clone()
                    .or(key.token_uri.clone())
                    .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into());
                let assertion = google_assertion(
                    &key,
                    &self.user,
                    self.cfg.scope().unwrap_or(crate::config::GOOGLE_SCOPE),
                    &url,
                    Utc::now(),
                )?;
                let form = vec![
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:jwt-bearer".to_string(),
                    ),
                    ("assertion", assertion),
                ];
                self.post(&url, &form).await
            }
        }
    }

    fn client_id(&self) -> Result<String, TokenError> {
        self.cfg
            .client_id
            .clone()
            .ok_or_else(|| TokenError::Secret("client_id is not set".into()))
    }

    fn client_secret(&self) -> Result<String, TokenError> {
        self.cfg
            .client_secret()
            .read_named(&self.base, "client secret")
            .map_err(TokenError::Secret)
            .and_then(|s| {
                if s.trim().is_empty() {
                    Err(TokenError::Secret("the client secret is empty".into()))
                } else {
                    Ok(s)
                }
            })
    }

    fn client_assertion(&self, audience: &str, client_id: &str) -> Result<String, TokenError> {
        let cert = self.path(
            self.cfg
                .certificate_file
                .as_deref()
                .ok_or_else(|| TokenError::Secret("certificate_file is not set".into()))?,
        );
        let key = self.path(
            self.cfg
                .private_key_file
                .as_deref()
                .ok_or_else(|| TokenError::Secret("private_key_file is not set".into()))?,
        );
        let cert_pem = read_secret_file(&cert, "certificate file")?;
        let key_pem = read_secret_file(&key, "private key file")?;
        certificate_assertion(&cert_pem, &key_pem, client_id, audience, Utc::now())
    }

    fn service_account(&self) -> Result<ServiceAccount, TokenError> {
        let p = self.path(
            self.cfg
                .service_account_file
                .as_deref()
                .ok_or_else(|| TokenError::Secret("service_account_file is not set".into()))?,
        );
        let text = read_secret_file(&p, "service account key file")?;
        serde_json::from_str(&text).map_err(|e| {
            TokenError::Secret(format!(
                "service account key file {} is not a Google JSON key: {e}",
                p.display()
            ))
        })
    }

    async fn post(&self, url: &str, form: &[(&str, String)]) -> Result<Issued, TokenError> {
        let r = self.http.post(url).form(form).send().await;
        let resp = match r {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(TokenError::Timeout(self.timeout_seconds)),
            Err(e) => return Err(TokenError::Unreachable(chain(&e))),
        };
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return Err(TokenError::Timeout(self.timeout_seconds)),
            Err(e) => return Err(TokenError::Unreachable(chain(&e))),
        };
        let r = oauth::parse_token_response(status, &content_type, &body);
        if let Err(e) = &r {
            warn!(url, error = %e, "token request failed");
        }
        r
    }
}

/// An error and its causes on one line (reqwest hides the useful part in `source`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

fn read_secret_file(p: &Path, what: &str) -> Result<String, TokenError> {
    match std::fs::read_to_string(p) {
        Ok(s) if s.trim().is_empty() => Err(TokenError::Secret(format!(
            "{what} {} is empty",
            p.display()
        ))),
        Ok(s) => Ok(s.trim().to_string()),
        Err(e) => Err(TokenError::Secret(format!(
            "cannot read {what} {}: {e}",
            p.display()
        ))),
    }
}

/// Replace `path`'s content so that a crash leaves either the old token or
/// the new one, never a torn file: write a temporary file beside it, flush
/// it to disk, rename it over, then flush the directory.
pub fn save_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "token".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(content.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// A Google service account key (the fields used).
#[derive(Deserialize)]
pub struct ServiceAccount {
    /// The account's address: the assertion's issuer.
    pub client_email: String,
    /// PKCS#8 PEM private key.
    pub private_key: String,
    /// Key id, sent as `kid`.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// Google's token endpoint.
    #[serde(default)]
    pub token_uri: Option<String>,
}

/// How far back assertions are dated, so that a clock a few minutes fast
/// does not make them "not yet valid" at the provider.
const SKEW: i64 = 300;

#[derive(serde::Serialize)]
struct GoogleClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

/// The signed JWT of Google's JWT bearer grant (RFC 7523) for domain-wide
/// delegation: issued by the service account, for the mailbox `sub`.
/// Google allows at most an hour between `iat` and `exp`.
pub fn google_assertion(
    key: &ServiceAccount,
    subject: &str,
    scope: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    let iat = now.timestamp() - SKEW;
    let claims = GoogleClaims {
        iss: &key.client_email,
        sub: subject,
        scope,
        aud: audience,
        iat,
        exp: iat + 3600,
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = key.private_key_id.clone();
    let enc = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes()).map_err(|e| {
        TokenError::Secret(format!(
            "the service account's private_key is unusable: {e}"
        ))
    })?;
    jsonwebtoken::encode(&header, &claims, &enc)
        .map_err(|e| TokenError::Secret(format!("cannot sign the assertion: {e}")))
}

#[derive(serde::Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

/// Microsoft Entra certificate credentials: a JWT signed with the
/// certificate's key, naming the certificate by its SHA-1 (`x5t`) and
/// SHA-256 (`x5t#S256`) thumbprints.
pub fn certificate_assertion(
    cert_pem: &str,
    key_pem: &str,
    client_id: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    use rustls::pki_types::pem::PemObject;
    let der =
        rustls::pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes()).map_err(|e| {
            TokenError::Secret(format!(
                "the certificate file holds no PEM certificate: {e}"
            ))
        })?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der.as_ref());
    let sha256 = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t = Some(b64.encode(sha1.as_ref()));
    header.x5t_s256 = Some(b64.encode(sha256.as_ref()));
    let t = now.timestamp();
    let claims = AssertionClaims {
        aud: audience,
        iss: client_id,
        sub: client_id,
        jti: format!("{:032x}", rand::random::<u128>()),
        nbf: t - SKEW,
        iat: t - SKEW,
        exp: t + 600,
    };
    let enc = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes())
        .map_err(|e| TokenError::Secret(format!("the private key is not an RSA PEM key: {e}")))?;
    jsonwebtoken::encode(&header, &claims, &enc)
        .map_err(|e| TokenError::Secret(format!("cannot sign the client assertion: {e}")))
}

/// What a token source is shared by: its settings, plus the mailbox for Google.
type SourceKey = (OAuth2Config, Option<String>);

/// The token sources of one running daemon, shared between mailboxes and
/// SMTP accounts that use the same app (and, for Google, the same mailbox).
#[derive(Default)]
pub struct Registry {
    sources: Mutex<HashMap<SourceKey, Arc<TokenSource>>>,
}

impl Registry {
    /// The source for `cfg` signing in as `user`.
    pub fn source(
        &self,
        cfg: &OAuth2Config,
        base: &Path,
        user: &str,
        timeout_seconds: u64,
    ) -> Arc<TokenSource> {
        // App-only tokens serve every mailbox the app may open; Google's are
        // issued per mailbox; a refresh token belongs to its file.
        let key = match cfg.grant {
            Grant::GoogleServiceAccount => (cfg.clone(), Some(user.to_ascii_lowercase())),
            _ => (cfg.clone(), None),
        };
        let mut map = match self.sources.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(key)
            .or_insert_with(|| Arc::new(TokenSource::new(cfg, base, user, timeout_seconds)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_save_replaces_the_file_and_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("refresh-token");
        std::fs::write(&p, "old\n").unwrap();
        save_atomically(&p, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let ro = d.path().join("missing-dir").join("t");
        assert!(save_atomically(&ro, "x").is_err());
    }

    const KEY: &str = include_str!("../../tests/data/oauth/test-app.key");
    const CERT: &str = include_str!("../../tests/data/oauth/test-app.crt");
    const PUB: &str = include_str!("../../tests/data/oauth/test-app.pub");

    fn verify(jwt: &str, aud: &str) -> (jsonwebtoken::Header, serde_json::Value) {
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUB.as_bytes()).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.set_audience(&[aud]);
        v.set_required_spec_claims(&["exp", "aud"]);
        let d = jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &v).unwrap();
        (d.header, d.claims)
    }

    #[test]
    fn certificate_assertion_is_signed_and_names_the_certificate() {
        let now = Utc::now();
        let aud = "https://login.microsoftonline.com/t/oauth2/v2.0/token";
        let jwt = certificate_assertion(CERT, KEY, "app-id", aud, now).unwrap();
        let (h, c) = verify(&jwt, aud);
        assert_eq!(h.alg, jsonwebtoken::Algorithm::RS256);
        // The thumbprint is the base64url SHA-1 of the certificate's DER form.
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(CERT.as_bytes()).unwrap();
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der.as_ref());
        assert_eq!(
            h.x5t.as_deref(),
            Some(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha1.as_ref())
                    .as_str()
            )
        );
        assert!(h.x5t_s256.is_some());
        assert_eq!(
            (c["iss"].as_str(), c["sub"].as_str()),
            (Some("app-id"), Some("app-id"))
        );
        // Dated back for a clock that runs fast; short-lived.
        assert!(c["nbf"].as_i64().unwrap() <= now.timestamp() - 60);
        assert!(c["exp"].as_i64().unwrap() <= now.timestamp() + 600);
        let jti = c["jti"].as_str().unwrap().to_string();
        let again = certificate_assertion(CERT, KEY, "app-id", aud, now).unwrap();
        assert_ne!(
            verify(&again, aud).1["jti"].as_str().unwrap(),
            jti,
            "jti is unique"
        );
        let e = certificate_assertion("not a cert", KEY, "a", aud, now).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let e = certificate_assertion(CERT, "junk", "a", aud, now).unwrap_err();
        assert!(e.to_string().contains("private key"), "{e}");
    }

    #[test]
    fn google_assertion_delegates_to_the_mailbox() {
        let now = Utc::now();
        let sa = ServiceAccount {
            client_email: "complaintd@project.iam.gserviceaccount.com".into(),
            private_key: KEY.into(),
            private_key_id: Some("k1".into()),
            token_uri: None,
        };
        let aud = "https://oauth2.googleapis.com/token";
        let jwt = google_assertion(
            &sa,
            "complaints@provider.org.uk",
            crate::config::GOOGLE_SCOPE,
            aud,
            now,
        )
        .unwrap();
        let (h, c) = verify(&jwt, aud);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(c["sub"], "complaints@provider.org.uk");
        assert_eq!(c["iss"], "complaintd@project.iam.gserviceaccount.com");
        assert_eq!(c["scope"], "https://mail.google.com/");
        let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
        assert_eq!(exp - iat, 3600, "Google allows an hour at most");
        assert!(iat < now.timestamp());
    }

    #[test]
    fn a_missing_secret_is_named_not_shown() {
        let e =
            read_secret_file(Path::new("/nonexistent/secret"), "client secret file").unwrap_err();
        assert_eq!(e.kind(), oauth::FailureKind::Auth);
        assert!(e.to_string().contains("/nonexistent/secret"), "{e}");
    }
}
