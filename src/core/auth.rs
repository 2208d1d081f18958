//! Reading `Authentication-Results` (RFC 8601) from a trusted server: did
//! DKIM (or DMARC, or SPF for the From domain) pass for the sender's domain?
//!
//! Only headers whose authserv-id is configured as trusted count; the
//! receiving server is expected to remove such headers arriving from outside.

use super::mail::InboundMail;

/// Does the message carry a pass for the sender's own domain from a trusted server?
pub fn sender_authenticated(mail: &InboundMail, trusted: &[String]) -> bool {
    let Some(from) = &mail.from else { return false };
    let Some((_, domain)) = from.address.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    mail.headers
        .iter()
        .filter(|(n, _)| n == "authentication-results")
        .any(|(_, v)| result_passes(v, &domain, trusted))
}

fn result_passes(value: &str, domain: &str, trusted: &[String]) -> bool {
    let value = value.replace(['\r', '\n', '\t'], " ");
    let mut parts = value.split(';');
    let authserv = parts
        .next()
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !trusted.iter().any(|t| t.eq_ignore_ascii_case(&authserv)) {
        return false;
    }
    for method in parts {
        let m = method.trim().to_ascii_lowercase();
        let prop = |key: &str| {
            m.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .map(|v| v.trim_matches(|c| c == '"' || c == ';').to_string())
        };
        let ok = |d: Option<String>| {
            d.is_some_and(|d| {
                let d = d.rsplit('@').next().unwrap_or("").to_string();
                d == domain
            })
        };
        if m.starts_with("dkim=pass") && ok(prop("header.d=")) {
            return true;
        }
        if m.starts_with("dmarc=pass") && ok(prop("header.from=")) {
            return true;
        }
        if m.starts_with("spf=pass") && ok(prop("smtp.mailfrom=")) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::mail::Mailbox;

    fn mail(from: &str, ar: &str) -> InboundMail {
        InboundMail {
            from: Some(Mailbox {
                name: None,
                address: from.into(),
            }),
            headers: vec![("authentication-results".into(), ar.into())],
            ..InboundMail::default()
        }
    }

    #[test]
    fn trusts_only_configured_servers_and_matching_domains() {
        let trusted = vec!["mx.org.test".to_string()];
        assert!(sender_authenticated(
            &mail("sam@org.test", "mx.org.test; dkim=pass header.d=org.test"),
            &trusted
        ));
        assert!(sender_authenticated(
            &mail(
                "sam@org.test",
                "mx.org.test;\r\n spf=pass smtp.mailfrom=sam@org.test"
            ),
            &trusted
        ));
        assert!(!sender_authenticated(
            &mail("sam@org.test", "evil.test; dkim=pass header.d=org.test"),
            &trusted
        ));
        assert!(!sender_authenticated(
            &mail("sam@org.test", "mx.org.test; dkim=pass header.d=evil.test"),
            &trusted
        ));
        assert!(!sender_authenticated(
            &mail("sam@org.test", "mx.org.test; dkim=fail header.d=org.test"),
            &trusted
        ));
    }
}
