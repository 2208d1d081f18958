//! Secrets that prove where a message came from, verifiable without a database.
//!
//! - Message-IDs that complaintd issues carry the case reference and an HMAC,
//!   so a reply's `In-Reply-To`/`References` can be matched to its case even
//!   when the subject was rewritten.
//! - Each handler's notification carries a per-case token bound to that
//!   handler's address; a command is executed only with a valid token (or an
//!   authenticated sender, see DESIGN §5).

use super::reference::CaseRef;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The HMAC key (from a file or the environment; never logged).
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// Wrap key bytes. Short keys are rejected by config validation, not here.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(bytes.into())
    }

    /// Length in bytes (for validation messages).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Is the key empty?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn mac(&self, parts: &[&str]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut m = match HmacSha256::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => return Vec::new(),
        };
        for p in parts {
            m.update(p.as_bytes());
            m.update(b"\x1f");
        }
        m.finalize().into_bytes().to_vec()
    }

    fn mac_hex(&self, parts: &[&str], bytes: usize) -> String {
        self.mac(parts)
            .iter()
            .take(bytes)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A Message-ID for mail about `case`: `<REF.PURPOSE.NONCE.MAC@domain>`.
    /// `nonce` makes each ID unique (the outbox row id, say).
    pub fn message_id(&self, case: &CaseRef, purpose: &str, nonce: &str, domain: &str) -> String {
        let purpose: String = purpose
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let nonce: String = nonce
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let mac = self.mac_hex(&["mid", &case.to_string(), &purpose, &nonce], 10);
        format!("{case}.{purpose}.{nonce}.{mac}@{domain}")
    }

    /// If `id` (brackets optional) is a Message-ID this secret issued, its case.
    pub fn verify_message_id(&self, id: &str) -> Option<CaseRef> {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let (local, _domain) = id.rsplit_once('@')?;
        let mut parts = local.rsplitn(4, '.');
        let mac = parts.next()?;
        let nonce = parts.next()?;
        let purpose = parts.next()?;
        let case: CaseRef = parts.next()?.parse().ok()?;
        let expected = self.mac_hex(&["mid", &case.to_string(), purpose, nonce], 10);
        constant_time_eq(expected.as_bytes(), mac.to_ascii_lowercase().as_bytes()).then_some(case)
    }

    /// The per-case token proving a reply answers the notification sent to `handler`.
    pub fn handler_token(&self, case: &CaseRef, handler: &str) -> String {
        self.mac_hex(
            &[
                "handler",
                &case.to_string(),
                &handler.trim().to_ascii_lowercase(),
            ],
            8,
        )
    }

    /// Does `token` prove that `sender` is the handler the notification went to?
    pub fn verify_handler_token(&self, case: &CaseRef, sender: &str, token: &str) -> bool {
        let expected = self.handler_token(case, sender);
        constant_time_eq(
            expected.as_bytes(),
            token.trim().to_ascii_lowercase().as_bytes(),
        )
    }
}

/// Compare without leaking where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> CaseRef {
        "CMP-2026-0042".parse().unwrap()
    }

    #[test]
    fn message_ids_verify_and_resist_tampering() {
        let s = Secret::new(b"k".repeat(32));
        let id = s.message_id(&r(), "ack", "17", "org.test");
        assert_eq!(s.verify_message_id(&format!("<{id}>")), Some(r()));
        let forged = id.replace("CMP-2026-0042", "CMP-2026-0043");
        assert_eq!(s.verify_message_id(&forged), None);
        let other = Secret::new(b"x".repeat(32));
        assert_eq!(other.verify_message_id(&id), None);
        assert_eq!(s.verify_message_id("random@gmail.com"), None);
        assert_eq!(s.verify_message_id(""), None);
    }

    #[test]
    fn handler_tokens_bind_case_and_address() {
        let s = Secret::new(b"k".repeat(32));
        let t = s.handler_token(&r(), "Megan@Org.test");
        assert!(s.verify_handler_token(&r(), "megan@org.test", &t));
        assert!(!s.verify_handler_token(&r(), "mallory@org.test", &t));
        assert!(!s.verify_handler_token(&"CMP-2026-0041".parse().unwrap(), "megan@org.test", &t));
        assert!(!s.verify_handler_token(&r(), "megan@org.test", "00000000"));
    }
}
