//! TLS client configuration shared by IMAP and SMTP: rustls on the `ring`
//! provider (never aws-lc-rs: two providers in one process panic at start),
//! trusting either a configured CA file (private servers) or the system's roots.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;
use std::sync::Arc;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA file could not be read or held no certificate.
    #[error("CA file {0}: {1}")]
    CaFile(String, String),
    /// rustls refused the configuration.
    #[error("TLS setup: {0}")]
    Config(String),
}

/// Certificates from a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| TlsError::CaFile(path.display().to_string(), e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::CaFile(path.display().to_string(), e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::CaFile(
            path.display().to_string(),
            "no certificate in the file".into(),
        ));
    }
    Ok(certs)
}

/// A client configuration trusting `ca_file` if given, else the system's roots.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(p) => {
            for c in load_certs(p)? {
                roots
                    .add(c)
                    .map_err(|e| TlsError::CaFile(p.display().to_string(), e.to_string()))?;
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            for c in native.certs {
                // A broken system certificate is skipped, not fatal.
                let _ = roots.add(c);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
