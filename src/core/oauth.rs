//! OAuth2 for mail sign-in, the pure part: the SASL strings that carry a
//! bearer token (XOAUTH2, OAUTHBEARER), reading a token endpoint's answer into
//! a token or a named error, and when a cached token must be replaced.
//!
//! The HTTP calls, secret files and JWT signing live in `crate::mail::token_source`.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// The `XOAUTH2` initial response (Microsoft, Google), before base64.
pub fn xoauth2(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// The `OAUTHBEARER` initial response (RFC 7628), before base64. A comma
/// or `=` in the user name is escaped as the GS2 header requires.
pub fn oauthbearer(user: &str, token: &str, host: &str, port: u16) -> String {
    let user = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01")
}

/// Whether a failure is worth retrying soon or needs a person.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum FailureKind {
    /// The credentials, grant or token were refused, or a secret is missing:
    /// retrying will not help until someone fixes it.
    Auth,
    /// The endpoint or server was unreachable, slow or answered nonsense:
    /// retried with backoff.
    Transient,
}

impl FailureKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why no access token could be had. Messages name the cause in the
/// provider's own words where it gave any; they never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The endpoint answered with an OAuth2 error (RFC 6749 §5.2).
    #[error("token endpoint refused ({status} {error}): {description}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The `error` code, e.g. `invalid_client`.
        error: String,
        /// The `error_description` (Entra's AADSTS text).
        description: String,
    },
    /// The endpoint answered something that is not JSON (an HTML page: a
    /// wrong URL, a proxy's login page, an outage page).
    #[error("token endpoint answered HTTP {status} with {content_type}, not JSON: {excerpt}")]
    NotJson {
        /// HTTP status.
        status: u16,
        /// Its Content-Type.
        content_type: String,
        /// The page's title or first words.
        excerpt: String,
    },
    /// JSON, but not a usable token answer.
    #[error("token endpoint answered HTTP {status} with unusable JSON: {cause}")]
    Malformed {
        /// HTTP status.
        status: u16,
        /// What is wrong with it.
        cause: String,
    },
    /// The endpoint could not be reached.
    #[error("token endpoint unreachable: {0}")]
    Unreachable(String),
    /// The endpoint did not answer in time.
    #[error("token endpoint did not answer within {0} s")]
    Timeout(u64),
    /// A secret, key or certificate could not be read or used.
    #[error("{0}")]
    Secret(String),
    /// The refresh token could not be saved after rotation.
    #[error("cannot save the rotated refresh token: {0}")]
    Save(String),
}

impl TokenError {
    /// Retry soon, or needs a person?
    pub fn kind(&self) -> FailureKind {
        match self {
            TokenError::Rejected { error, status, .. } => {
                // RFC 6749 has no transient error codes, but Entra and Google
                // send these with 5xx/429 during outages.
                if matches!(error.as_str(), "temporarily_unavailable" | "server_error")
                    || *status >= 500
                    || *status == 429
                {
                    FailureKind::Transient
                } else {
                    FailureKind::Auth
                }
            }
            TokenError::NotJson { .. }
            | TokenError::Malformed { .. }
            | TokenError::Unreachable(_)
            | TokenError::Timeout(_) => FailureKind::Transient,
            TokenError::Secret(_) | TokenError::Save(_) => FailureKind::Auth,
        }
    }
}

/// A token as issued.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The bearer token.
    pub access_token: String,
    /// Seconds it lives, from when it was received (the local clock: a
    /// provider's `exp` is not compared with ours, so a skewed clock does not
    /// matter).
    pub expires_in: u64,
    /// A new refresh token, when the provider rotated it.
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a token.
        f.debug_struct("Issued")
            .field(
                "access_token",
                &format_args!("<{} bytes>", self.access_token.len()),
            )
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<rotated>"),
            )
            .finish()
    }
}

/// `expires_in` as a number or (older Entra v1) a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<Seconds>,
    refresh_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// When a provider leaves `expires_in` out: assume the shortest lifetime
/// either big provider uses.
const DEFAULT_LIFETIME: u64 = 3600;

/// Read a token endpoint's answer.
pub fn parse_token_response(
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<Issued, TokenError> {
    let answer: Answer = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let looks_json = content_type.contains("json") || text.trim_start().starts_with('{');
            return Err(if looks_json {
                TokenError::Malformed {
                    status,
                    cause: format!("{e}"),
                }
            } else {
                TokenError::NotJson {
                    status,
                    content_type: if content_type.is_empty() {
                        "no content type".into()
                    } else {
                        content_type.into()
                    },
                    excerpt: excerpt(&text),
                }
            });
        }
    };
    if let Some(error) = answer.error {
        return Err(TokenError::Rejected {
            status,
            error,
            description: answer
                .error_description
                .map(|d| d.lines().next().unwrap_or("").trim().to_string())
                .unwrap_or_else(|| "(no description)".into()),
        });
    }
    if !(200..300).contains(&status) {
        return Err(TokenError::Malformed {
            status,
            cause: "an error status without an OAuth2 error code".into(),
        });
    }
    let Some(access_token) = answer.access_token.filter(|t| !t.trim().is_empty()) else {
        return Err(TokenError::Malformed {
            status,
            cause: "no access_token in the answer".into(),
        });
    };
    if access_token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(TokenError::Malformed {
            status,
            cause: "the access_token contains spaces or control characters".into(),
        });
    }
    if let Some(t) = &answer.token_type {
        if !t.eq_ignore_ascii_case("bearer") {
            return Err(TokenError::Malformed {
                status,
                cause: format!("token_type is {t:?}, not Bearer"),
            });
        }
    }
    let expires_in = match answer.expires_in {
        None => DEFAULT_LIFETIME,
        Some(Seconds::Number(n)) => n,
        Some(Seconds::Text(t)) => t.trim().parse().map_err(|_| TokenError::Malformed {
            status,
            cause: format!("expires_in {t:?} is not a number of seconds"),
        })?,
    };
    if expires_in == 0 {
        return Err(TokenError::Malformed {
            status,
            cause: "expires_in is 0".into(),
        });
    }
    Ok(Issued {
        access_token,
        expires_in,
        refresh_token: answer.refresh_token.filter(|t| !t.trim().is_empty()),
    })
}

/// A page's `<title>`, or its first words with tags removed, at most 120
/// characters: enough to recognise an outage page or a login form.
pub fn excerpt(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>")) {
        if b > a + 7 {
            let t = text[a + 7..b]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if !t.is_empty() {
                return format!("page titled {:?}", cut(&t, 120));
            }
        }
    }
    // The project's own HTML-to-text conversion (plain text passes through).
    let plain = crate::core::text::html_to_text(text);
    let words = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        "an empty body".into()
    } else {
        format!("{:?}", cut(&words, 120))
    }
}

fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// How long before its expiry a token is replaced: a quarter of its
/// lifetime, at most five minutes, at least one second. Mail sessions are
/// ended and reopened by then, because Exchange closes an IMAP session whose
/// token has expired.
pub fn refresh_margin(lifetime_secs: u64) -> Duration {
    Duration::seconds((lifetime_secs / 4).clamp(1, 300) as i64)
}

/// A day: no mail token lives longer, and a silly `expires_in` must not keep
/// a token cached for ever.
const LONGEST_LIFE: u64 = 86_400;

/// When a token received at `received` expires.
pub fn expiry(received: DateTime<Utc>, expires_in: u64) -> DateTime<Utc> {
    received + Duration::seconds(expires_in.min(LONGEST_LIFE) as i64)
}

/// Until when a token received at `received` is used.
pub fn use_until(received: DateTime<Utc>, expires_in: u64) -> DateTime<Utc> {
    expiry(received, expires_in) - refresh_margin(expires_in.min(LONGEST_LIFE))
}

/// Does a server's text say the session's token expired or its sign-in was
/// withdrawn? (Exchange: `* BYE Session invalidated - AccessTokenExpired`.)
pub fn says_token_expired(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "accesstokenexpired",
        "session invalidated",
        "token expired",
        "authenticationfailed",
    ]
    .iter()
    .any(|k| t.contains(k))
}

/// Make a server's XOAUTH2 error challenge readable: Google and Microsoft
/// send base64 JSON such as `{"status":"401","schemes":"bearer","scope":"…"}`.
pub fn describe_sasl_challenge(challenge: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Challenge {
        status: Option<String>,
        scope: Option<String>,
    }
    let c: Challenge = serde_json::from_slice(challenge).ok()?;
    let status = c.status?;
    let meaning = match status.as_str() {
        "400" => "bad request",
        "401" => "the token is invalid or expired",
        "403" => "the token lacks the needed permission",
        _ => "refused",
    };
    Some(match c.scope {
        Some(s) if !s.is_empty() => format!("status {status} ({meaning}; scope wanted: {s})"),
        _ => format!("status {status} ({meaning})"),
    })
}

/// Which secret-expiry warnings are due `days_left` days before expiry, of
/// the 30/7/1-day marks not yet `sent`: only the nearest mark passed, so a
/// daemon started five days ahead sends the 7-day warning, not three.
pub fn expiry_warning_due(days_left: i64, sent: &[i64]) -> Option<i64> {
    const MARKS: [i64; 3] = [1, 7, 30];
    let mark = MARKS.into_iter().find(|m| days_left <= *m)?;
    if sent.iter().any(|s| *s <= mark) {
        return None;
    }
    Some(mark)
}

/// What an administrator should check, for the sign-in errors the
/// providers give most often (their codes are stable; their wording is not).
pub fn hint(error: &str) -> Option<&'static str> {
    const HINTS: &[(&str, &str)] = &[
        ("AADSTS7000222", "The client secret has expired: add a new one under the app registration's Certificates & secrets and put it in the client secret file."),
        ("AADSTS7000215", "The client secret is wrong: copy the secret's Value (not its Secret ID) into the client secret file."),
        ("AADSTS700016", "No such application in this tenant: check client_id (Application (client) ID) and tenant (Directory (tenant) ID)."),
        ("AADSTS90002", "No such tenant: check tenant (Directory (tenant) ID)."),
        ("AADSTS7000112", "The application is disabled in this tenant: an administrator must enable it under Enterprise applications."),
        ("AADSTS700027", "The certificate assertion was refused: upload this certificate (.cer) to the app registration, and check the key matches it."),
        ("AADSTS1002012", "Wrong scope: app-only sign-in needs scope https://outlook.office365.com/.default."),
        ("AADSTS65001", "Admin consent is missing: grant admin consent for IMAP.AccessAsApp and SMTP.SendAsApp."),
        ("AADSTS70008", "The refresh token has expired or was revoked: sign in again to get a new one and write it to the refresh token file."),
        ("AADSTS50173", "The refresh token was revoked (password change or admin action): sign in again for a new one."),
        ("5.7.139", "SMTP AUTH is disabled for this mailbox or tenant: Set-CASMailbox -SmtpClientAuthenticationDisabled $false."),
        ("5.7.3", "Exchange refused the token: check the service principal and Add-MailboxPermission for this mailbox."),
        ("unauthorized_client", "The client is not authorised for this grant: for Google, add the service account's client ID and scope https://mail.google.com/ under domain-wide delegation."),
        ("invalid_grant", "The grant was refused: a revoked or expired refresh token, or (Google) a mailbox that does not exist or a clock far off."),
        ("invalid_client", "The client credentials were refused: check client_id and the secret or certificate."),
        ("AUTHENTICATIONFAILED", "The mail server refused the token: for Microsoft 365, check New-ServicePrincipal and Add-MailboxPermission for this mailbox, and that the token's scope is outlook.office365.com."),
        // Exchange Online's wording for the same refusal.
        ("AUTHENTICATE failed", "The mail server refused the token: for Microsoft 365, check the IMAP.AccessAsApp permission and its admin consent, New-ServicePrincipal and Add-MailboxPermission for this mailbox."),
        ("unreachable", "The token endpoint cannot be reached: check DNS, the proxy and the firewall for login.microsoftonline.com or oauth2.googleapis.com."),
        ("not JSON", "The token endpoint answered with a web page: check token_url or tenant."),
        ("cannot read", "A secret file is missing or unreadable: check the path and that the daemon's user (or LoadCredential=) can read it."),
        ("cannot save the rotated refresh token", "The refresh token file is not writable: fix its directory's permissions now, before the daemon restarts."),
    ];
    HINTS
        .iter()
        .find(|(k, _)| error.contains(k))
        .map(|(_, h)| *h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// An account's last failure is stored by these names.
    #[test]
    fn failure_kind_names_are_stable() {
        let names: Vec<&str> = FailureKind::iter().map(FailureKind::as_str).collect();
        assert_eq!(names, ["auth", "transient"]);
        for k in FailureKind::iter() {
            assert_eq!(k.as_str().parse::<FailureKind>(), Ok(k));
            assert_eq!(serde_json::json!(k), serde_json::json!(k.as_str()));
        }
    }

    #[test]
    fn sasl_strings_match_the_providers_documents() {
        assert_eq!(
            xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
            "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
        );
        assert_eq!(
            oauthbearer("user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", 143),
            "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
        );
        assert!(oauthbearer("a,b=c", "t", "h", 1).starts_with("n,a=a=2Cb=3Dc,"));
    }

    #[test]
    fn a_good_answer_is_a_token() {
        let t = parse_token_response(
            200,
            "application/json; charset=utf-8",
            br#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAi"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token, "eyJ0eXAi");
        assert_eq!(t.expires_in, 3599);
        assert_eq!(t.refresh_token, None);
        let t = parse_token_response(
            200,
            "",
            br#"{"access_token":"a","expires_in":"3600","refresh_token":"r2"}"#,
        )
        .unwrap();
        assert_eq!(
            (t.expires_in, t.refresh_token.as_deref()),
            (3600, Some("r2"))
        );
        assert_eq!(
            parse_token_response(200, "", br#"{"access_token":"a"}"#)
                .unwrap()
                .expires_in,
            3600
        );
        assert!(!format!("{t:?}").contains("r2"), "Debug never shows tokens");
    }

    #[test]
    fn an_oauth_error_is_rejected_in_the_providers_words() {
        let e = parse_token_response(
            401,
            "application/json",
            br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), FailureKind::Auth);
        assert_eq!(
            e.to_string(),
            "token endpoint refused (401 invalid_client): AADSTS7000215: Invalid client secret provided."
        );
        let e = parse_token_response(
            503,
            "application/json",
            br#"{"error":"temporarily_unavailable"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), FailureKind::Transient);
    }

    #[test]
    fn html_and_garbage_are_named_not_parsed() {
        let e = parse_token_response(
            200,
            "text/html",
            b"<html><head><title>Sign in to your account</title></head><body>...</body></html>",
        )
        .unwrap_err();
        assert_eq!(e.kind(), FailureKind::Transient);
        assert!(e.to_string().contains("\"Sign in to your account\""), "{e}");
        let e = parse_token_response(502, "text/plain", b"").unwrap_err();
        assert!(e.to_string().contains("an empty body"), "{e}");
        let e = parse_token_response(200, "application/json", b"{\"access_token\": ").unwrap_err();
        assert!(matches!(e, TokenError::Malformed { .. }), "{e}");
        for bad in [
            &br#"{"expires_in":3600}"#[..],
            br#"{"access_token":"","expires_in":3600}"#,
            br#"{"access_token":"a b","expires_in":3600}"#,
            br#"{"access_token":"a","expires_in":"soon"}"#,
            br#"{"access_token":"a","expires_in":0}"#,
            br#"{"access_token":"a","token_type":"mac"}"#,
            br#"[1,2]"#,
        ] {
            let e = parse_token_response(200, "application/json", bad).unwrap_err();
            assert!(matches!(e, TokenError::Malformed { .. }), "{e}");
        }
        let e =
            parse_token_response(500, "application/json", br#"{"access_token":"a"}"#).unwrap_err();
        assert!(matches!(e, TokenError::Malformed { .. }));
    }

    #[test]
    fn tokens_are_replaced_before_they_expire() {
        let t0: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        assert_eq!(use_until(t0, 3599), t0 + Duration::seconds(3599 - 300));
        assert_eq!(use_until(t0, 20), t0 + Duration::seconds(15));
        assert_eq!(use_until(t0, 1), t0);
        assert!(use_until(t0, u64::MAX) > t0);
    }

    #[test]
    fn expiry_texts() {
        assert!(says_token_expired(
            "* BYE Session invalidated - AccessTokenExpired"
        ));
        assert!(says_token_expired(
            "NO [AUTHENTICATIONFAILED] Authentication failed."
        ));
        assert!(!says_token_expired("BYE Server shutting down."));
        assert_eq!(
            describe_sasl_challenge(br#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#).as_deref(),
            Some("status 401 (the token is invalid or expired; scope wanted: https://mail.google.com/)")
        );
        assert_eq!(describe_sasl_challenge(b"not json"), None);
    }

    #[test]
    fn hints_for_common_errors() {
        assert!(hint("token endpoint refused (401 invalid_client): AADSTS7000215: Invalid client secret provided.").unwrap().contains("Value"));
        assert!(
            hint("No Response: [AUTHENTICATIONFAILED] Authentication failed.")
                .unwrap()
                .contains("Add-MailboxPermission")
        );
        assert!(hint("NO AUTHENTICATE failed.")
            .unwrap()
            .contains("IMAP.AccessAsApp"));
        assert_eq!(hint("connection reset"), None);
    }

    #[test]
    fn secret_expiry_warnings_at_30_7_1_days() {
        assert_eq!(expiry_warning_due(45, &[]), None);
        assert_eq!(expiry_warning_due(30, &[]), Some(30));
        assert_eq!(expiry_warning_due(12, &[30]), None);
        assert_eq!(expiry_warning_due(7, &[30]), Some(7));
        assert_eq!(expiry_warning_due(5, &[]), Some(7));
        assert_eq!(expiry_warning_due(1, &[30, 7]), Some(1));
        assert_eq!(expiry_warning_due(0, &[30, 7]), Some(1));
        assert_eq!(expiry_warning_due(-3, &[30, 7, 1]), None);
        assert_eq!(
            expiry_warning_due(20, &[7]),
            None,
            "a nearer mark already sent covers it"
        );
    }
}
