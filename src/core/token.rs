//! Secrets that prove where a message came from, verifiable without a database.
//!
//! - Message-IDs that complaintd issues carry the case reference and an HMAC,
//!   so a reply's `In-Reply-To`/`References` can be matched to its case even
//!   when the subject was rewritten.
//! - Each handler's notification carries a per-case token bound to that
//!   handler's address; a command is executed only when the sender is
//!   configured staff and the message proves it: such a token, or a DKIM/SPF
//!   pass in the trusted server's `Authentication-Results`. Email is
//!   spoofable, so a staff address alone proves nothing.

use super::reference::CaseRef;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::borrow::Cow;
use std::sync::LazyLock;

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

    /// The token put in the subject and reply address of one notification
    /// to `handler` about `case`: it names that notification (`notice`, the
    /// number in its Message-ID) and the time it was issued, and is signed
    /// over both with the case and the handler's address. Format: issue time
    /// (8 hex digits, Unix seconds), the notice number (hex), then 16 hex
    /// digits of HMAC.
    pub fn handler_token(
        &self,
        case: &CaseRef,
        handler: &str,
        notice: u64,
        issued: DateTime<Utc>,
    ) -> String {
        let secs = u32::try_from(issued.timestamp().max(0)).unwrap_or(u32::MAX);
        format!(
            "{secs:08x}{notice:x}{}",
            self.handler_mac(case, handler, secs, notice)
        )
    }

    fn handler_mac(&self, case: &CaseRef, handler: &str, secs: u32, notice: u64) -> String {
        self.mac_hex(
            &[
                "handler-v2",
                &case.to_string(),
                &handler.trim().to_ascii_lowercase(),
                &secs.to_string(),
                &notice.to_string(),
            ],
            8,
        )
    }

    /// If `token` was issued by this secret to `sender` for `case`, what it
    /// claims (which notification, when). Says nothing about expiry: see
    /// [`check_handler_token`].
    pub fn verify_handler_token(
        &self,
        case: &CaseRef,
        sender: &str,
        token: &str,
    ) -> Option<TokenClaims> {
        let token = token.trim().to_ascii_lowercase();
        if !(TOKEN_MIN..=TOKEN_MAX).contains(&token.len())
            || !token.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let (head, mac) = token.split_at(token.len() - 16);
        let (secs, notice) = head.split_at(8);
        let secs = u32::from_str_radix(secs, 16).ok()?;
        let notice = u64::from_str_radix(notice, 16).ok()?;
        let expected = self.handler_mac(case, sender, secs, notice);
        if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
            return None;
        }
        Some(TokenClaims {
            notice,
            issued: DateTime::from_timestamp(i64::from(secs), 0)?,
        })
    }
}

/// Shortest and longest handler token: 8 (time) + 1..=16 (notice) + 16 (MAC).
const TOKEN_MIN: usize = 25;
const TOKEN_MAX: usize = 40;

/// What a genuine handler token says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClaims {
    /// The notification it was issued in (the number in its Message-ID).
    pub notice: u64,
    /// When that notification was made (to the second).
    pub issued: DateTime<Utc>,
}

/// Whether a handler's token lets their message act on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Genuine and current.
    Valid(TokenClaims),
    /// Not issued by us to this sender for this case.
    Invalid,
    /// Genuine but no longer usable, and why (for the audit).
    Expired(String),
}

/// Check a token found in a reply from `sender` about `case` at `now`.
///
/// A token stops working `lifetime` after it was issued, and when the case
/// is closed: `tokens_valid_from` is the latest time the case was closed (the
/// store keeps it even after a reopening), and a token issued at or before it
/// is dead for good. Notifications sent after that carry new tokens.
pub fn check_handler_token(
    secret: &Secret,
    case: &CaseRef,
    sender: &str,
    token: &str,
    now: DateTime<Utc>,
    tokens_valid_from: Option<DateTime<Utc>>,
    lifetime: Duration,
) -> TokenCheck {
    let Some(claims) = secret.verify_handler_token(case, sender, token) else {
        return TokenCheck::Invalid;
    };
    if let Some(closed) = tokens_valid_from {
        // Issue times are whole seconds: compare at that precision.
        if claims.issued.timestamp() <= closed.timestamp() {
            return TokenCheck::Expired(format!(
                "token of notification {} was issued before the case was closed",
                claims.notice
            ));
        }
    }
    if now - claims.issued > lifetime {
        return TokenCheck::Expired(format!(
            "token of notification {} is older than {} day(s)",
            claims.notice,
            lifetime.num_days()
        ));
    }
    TokenCheck::Valid(claims)
}

/// A handler token in a subject tag (`[REF #tTOKEN]`) or a plus-address
/// (`local+REF.tTOKEN@…`, and with an intent after it,
/// `local+REF.tTOKEN.send@…`), current form or the older 16-digit one. The
/// token is ASCII hex, so its end is an ASCII word boundary; a Unicode `\b`
/// sent the regex engine to its slowest path on non-ASCII text, and every
/// mail to a complainant carries their whole text through this (8 MB of
/// invalid UTF-8 spent most of a second here).
static TOKEN_IN_TEXT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)(\s*#t|(\+[A-Z][A-Z0-9]{0,7}-\d{4}-\d{4,9})\.t)[0-9a-f]{16,40}(?:\.(?:send|ask|write|note|draft)(?:-\d{1,9})?)?(?-u:\b)")
        .expect("static regex")
});
static TOKEN_IN_BYTES: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"(?i)(\s*#t|(\+[A-Z][A-Z0-9]{0,7}-\d{4}-\d{4,9})\.t)[0-9a-f]{16,40}(?:\.(?:send|ask|write|note|draft)(?:-\d{1,9})?)?(?-u:\b)",
    )
    .expect("static regex")
});

/// `text` with every handler token removed: `[REF #tTOKEN]` becomes `[REF]`
/// and `local+REF.tTOKEN@…` becomes `local+REF@…`, so the reference still
/// threads but nothing in it can act on the case. For anything a complainant
/// can receive and for exports.
pub fn redact_tokens(text: &str) -> Cow<'_, str> {
    TOKEN_IN_TEXT.replace_all(text, "$2")
}

/// [`redact_tokens`] on raw message bytes (headers and 7/8-bit bodies; a
/// token inside base64, quoted-printable or an RFC 2047 encoded word is not
/// seen: `core::redact::redact_message` decodes those).
pub fn redact_tokens_bytes(raw: &[u8]) -> Cow<'_, [u8]> {
    TOKEN_IN_BYTES.replace_all(raw, &b"$2"[..])
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

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn handler_tokens_bind_case_address_and_notification() {
        let s = Secret::new(b"k".repeat(32));
        let issued = at("2026-11-23T10:00:00Z");
        let t = s.handler_token(&r(), "Megan@Org.test", 42, issued);
        assert_eq!(
            s.verify_handler_token(&r(), "megan@org.test", &t),
            Some(TokenClaims { notice: 42, issued })
        );
        assert_eq!(s.verify_handler_token(&r(), "mallory@org.test", &t), None);
        let other: CaseRef = "CMP-2026-0041".parse().unwrap();
        assert_eq!(s.verify_handler_token(&other, "megan@org.test", &t), None);
        assert_eq!(
            s.verify_handler_token(&r(), "megan@org.test", "00000000"),
            None
        );
        // Claiming another notification or another time breaks the MAC.
        let mac = &t[t.len() - 16..];
        let forged_time = format!("{:08x}{:x}{mac}", issued.timestamp() + 86_400, 42);
        assert_eq!(
            s.verify_handler_token(&r(), "megan@org.test", &forged_time),
            None
        );
        let forged_notice = format!("{:08x}{:x}{mac}", issued.timestamp(), 43);
        assert_eq!(
            s.verify_handler_token(&r(), "megan@org.test", &forged_notice),
            None
        );
        // Each notification gets its own token.
        assert_ne!(t, s.handler_token(&r(), "megan@org.test", 43, issued));
        // The old form (16 hex digits, no time) is not accepted.
        assert_eq!(
            s.verify_handler_token(&r(), "megan@org.test", "0123456789abcdef"),
            None
        );
    }

    #[test]
    fn handler_tokens_expire_after_their_lifetime_and_at_closing() {
        let s = Secret::new(b"k".repeat(32));
        let issued = at("2026-11-23T10:00:00Z");
        let t = s.handler_token(&r(), "megan@org.test", 7, issued);
        let life = Duration::days(30);
        let check = |now: &str, closed: Option<&str>| {
            check_handler_token(
                &s,
                &r(),
                "megan@org.test",
                &t,
                at(now),
                closed.map(at),
                life,
            )
        };
        assert!(matches!(
            check("2026-12-01T10:00:00Z", None),
            TokenCheck::Valid(_)
        ));
        assert!(matches!(
            check("2026-12-23T10:00:01Z", None),
            TokenCheck::Expired(_)
        ));
        // Closed after it was issued (even if reopened since): dead.
        assert!(matches!(
            check("2026-11-24T10:00:00Z", Some("2026-11-23T12:00:00Z")),
            TokenCheck::Expired(_)
        ));
        // Issued in the closing transition itself: dead too.
        assert!(matches!(
            check("2026-11-24T10:00:00Z", Some("2026-11-23T10:00:00.5Z")),
            TokenCheck::Expired(_)
        ));
        // Issued after the last closing (a late-escalation notice): fine.
        assert!(matches!(
            check("2026-11-24T10:00:00Z", Some("2026-11-20T10:00:00Z")),
            TokenCheck::Valid(_)
        ));
        assert_eq!(
            check_handler_token(&s, &r(), "mallory@org.test", &t, issued, None, life),
            TokenCheck::Invalid
        );
    }

    #[test]
    fn tokens_are_redacted_from_text_and_raw_mail() {
        let s = Secret::new(b"k".repeat(32));
        let t = s.handler_token(&r(), "megan@org.test", 7, at("2026-11-23T10:00:00Z"));
        let text = format!(
            "Subject: RE: [CMP-2026-0042 #t{t}] Complaint for you\nReply-To: complaints+CMP-2026-0042.t{t}@org.test\nold: [CMP-2026-0042 #t0123456789abcdef]"
        );
        let red = redact_tokens(&text);
        assert!(
            !red.contains(&t) && !red.contains("0123456789abcdef"),
            "{red}"
        );
        assert!(
            red.contains("RE: [CMP-2026-0042] Complaint for you"),
            "{red}"
        );
        assert!(red.contains("complaints+CMP-2026-0042@org.test"), "{red}");
        let raw = redact_tokens_bytes(text.as_bytes());
        assert_eq!(&*raw, red.as_bytes());
        assert_eq!(redact_tokens("nothing here #tag"), "nothing here #tag");
    }
}
