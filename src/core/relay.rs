//! Website contact-form relays: the organisation's own website sends the
//! form as mail `From: noreply@` its own domain, with the visitor's details
//! as fields in the body ("Name: …", "Email: …", "Message: …").
//!
//! The person who wrote is the visitor, not the website: without this, the
//! acknowledgement went to `noreply@` (or nowhere, when screening took the
//! no-reply sender for a machine) and the complainant never heard back.
//! The form's Email field becomes the sender only when it is a valid
//! address, and never when it is on the organisation's own domain (a form
//! anyone can fill in must not speak with a member of staff's address).

use super::mail::{InboundMail, Mailbox};
use regex::Regex;
use std::str::FromStr;
use std::sync::LazyLock;

static FORM_LOCAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(no-?reply|do-?not-?reply|website|web|webform|web-?forms?|forms?|contact-?form|wordpress|www|www-data|web-?enquir(y|ies))$")
        .expect("static regex")
});
static EMAIL_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^[ \t*]*(?:your |contact )?e-?mail(?: address)?[ \t*]*[:=][ \t]*(.*?)[ \t]*$")
        .expect("static regex")
});
static NAME_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^[ \t*]*(?:your |full |first )?name[ \t*]*[:=][ \t]*(.*?)[ \t]*$")
        .expect("static regex")
});
static LAST_NAME_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^[ \t*]*(?:last name|surname|family name)[ \t*]*[:=][ \t]*(.*?)[ \t]*$")
        .expect("static regex")
});
static OTHER_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^[ \t*]*(?:your )?(message|comments?|enquiry|details|feedback|complaint|phone|telephone|tel|mobile|subject|reason for contact|nature of enquiry)[ \t*]*[:=]")
        .expect("static regex")
});

fn domain(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// The organisation's domain seen two ways (`www.org.test`, `org.test`):
/// one is the other or a subdomain of it.
fn same_org(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    !a.is_empty()
        && !b.is_empty()
        && (a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}")))
}

/// A form's Email field as an address, if it is one.
fn valid_address(field: &str) -> Option<String> {
    let v = field
        .trim()
        .trim_start_matches("mailto:")
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if v.len() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let a = lettre::Address::from_str(v).ok()?;
    // A domain without a dot ("localhost", an IP literal) is not a
    // visitor's mailbox we should write to.
    if !a.domain().contains('.') || a.domain().starts_with('[') {
        return None;
    }
    Some(v.to_ascii_lowercase())
}

/// If `mail` is a contact-form relay, make the visitor its sender and keep
/// the form's address in `relayed_by`; otherwise return it unchanged. A
/// form whose Email field is missing or not an address stays as it came,
/// with a note saying why.
pub fn unwrap_contact_form(mut mail: InboundMail) -> InboundMail {
    let Some(from) = mail.from.clone() else {
        return mail;
    };
    if !FORM_LOCAL.is_match(from.local_part()) {
        return mail;
    }
    let from_domain = domain(&from.address);
    if !mail
        .recipients
        .iter()
        .any(|r| same_org(domain(&r.address), from_domain))
    {
        return mail;
    }
    let Some(field) = EMAIL_FIELD.captures(&mail.text).and_then(|c| c.get(1)) else {
        return mail;
    };
    if !OTHER_FIELD.is_match(&mail.text) && !NAME_FIELD.is_match(&mail.text) {
        return mail;
    }
    let Some(address) = valid_address(field.as_str()) else {
        mail.unread.push(format!(
            "contact form from {}: its Email field {:?} is not a valid address, so the form stays the sender",
            from.address,
            super::text::excerpt(field.as_str(), 80)
        ));
        return mail;
    };
    if same_org(domain(&address), from_domain) {
        mail.unread.push(format!(
            "contact form from {}: its Email field gives our own domain ({address}), so the form stays the sender",
            from.address
        ));
        return mail;
    }
    let first = NAME_FIELD
        .captures(&mail.text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim().to_string())
        .filter(|n| !n.is_empty());
    let last = LAST_NAME_FIELD
        .captures(&mail.text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim().to_string())
        .filter(|n| !n.is_empty());
    let name = match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    }
    .map(|n| {
        super::text::one_line(&n)
            .chars()
            .take(100)
            .collect::<String>()
    });
    mail.relayed_by = Some(from);
    mail.from = Some(Mailbox { name, address });
    mail
}

#[cfg(test)]
mod tests {
    use crate::core::mail::parse;

    fn form(from: &str, body: &str) -> crate::core::mail::InboundMail {
        let raw = format!(
            "From: Website <{from}>\r\nTo: complaints@org.test\r\nSubject: New contact form submission\r\nMessage-ID: <f@org.test>\r\n\r\n{body}"
        );
        parse(raw.as_bytes()).expect("parse")
    }

    #[test]
    fn the_visitor_becomes_the_sender() {
        let m = form(
            "noreply@www.org.test",
            "Name: Jo Bloggs\r\nEmail: Jo.Bloggs@mail.test\r\nPhone: 0123\r\nMessage: My course was cancelled twice.\r\n",
        );
        let from = m.from.expect("from");
        assert_eq!(from.address, "jo.bloggs@mail.test");
        assert_eq!(from.name.as_deref(), Some("Jo Bloggs"));
        assert_eq!(
            m.relayed_by.map(|r| r.address).as_deref(),
            Some("noreply@www.org.test")
        );
    }

    #[test]
    fn first_and_last_name_fields_are_joined() {
        let m = form(
            "website@org.test",
            "First name: Jo\r\nLast name: Bloggs\r\nEmail address: <jo@mail.test>\r\nMessage: Thanks!\r\n",
        );
        assert_eq!(m.from.and_then(|f| f.name).as_deref(), Some("Jo Bloggs"));
    }

    #[test]
    fn an_invalid_or_own_domain_email_field_leaves_the_form_as_sender() {
        for bad in [
            "not an address",
            "jo@localhost",
            "a@b@c.test",
            "jo @mail.test",
            "megan@org.test",
        ] {
            let m = form(
                "noreply@org.test",
                &format!("Name: Jo\r\nEmail: {bad}\r\nMessage: Please call me.\r\n"),
            );
            assert_eq!(m.from.expect("from").address, "noreply@org.test", "{bad}");
            assert!(m.relayed_by.is_none());
            assert_eq!(m.unread.len(), 1, "{bad}: {:?}", m.unread);
        }
    }

    #[test]
    fn noreply_mail_from_another_domain_is_not_a_form() {
        let m = form(
            "noreply@shop.test",
            "Name: Jo\r\nEmail: jo@mail.test\r\nMessage: Your order has shipped.\r\n",
        );
        assert_eq!(m.from.expect("from").address, "noreply@shop.test");
        assert!(m.relayed_by.is_none());
    }

    #[test]
    fn a_person_writing_email_colon_is_not_a_form() {
        let raw = "From: Jo <jo@org.test>\r\nTo: complaints@org.test\r\nSubject: x\r\n\r\nName: Sam\r\nEmail: sam@mail.test\r\nMessage: hi\r\n";
        let m = parse(raw.as_bytes()).expect("parse");
        assert_eq!(m.from.expect("from").address, "jo@org.test");
    }
}
