//! Screening: recognise machine mail (bounces, auto-replies, bulk and list
//! mail, our own mail) from headers and structure before any content rule runs.
//! Machine mail never opens a case and is never answered: this is what stops
//! mail loops with auto-responders.

use super::kind::Kind;
use super::mail::InboundMail;
use regex::Regex;
use std::sync::LazyLock;

/// The verdict on a machine message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// `Bounce`, `AutoReply` or `Bulk`.
    pub kind: Kind,
    /// Why, in words a handler can read.
    pub reasons: Vec<String>,
}

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(undeliverable|undelivered mail|undeliverable mail|mail delivery (failed|failure|subsystem)|delivery (status notification|failure|has failed|failed|notification)|returned mail|failure notice|non-?delivery|message not delivered|unzustellbar|non remis|no se puede entregar|onbestelbaar)").expect("static regex")
});
static AUTO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(automatic reply|auto(matic)?[- ]?reply|autoreply|auto:|auto response|out of (the )?office|ooo\b|abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|ateb awtomatig|allan o'r swyddfa|on (annual )?leave|away from (the )?office)").expect("static regex")
});
static MACHINE_LOCAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(mailer-daemon|postmaster|mail-daemon|maildaemon|microsoftexchange[0-9a-f]+|bounces?|bounce-.*|no-?reply|do-?not-?reply)$").expect("static regex")
});

/// Does an `Auto-Submitted` value say the message is automatic? RFC 3834
/// §5: every keyword but `no` does (`auto-generated`, `auto-replied`,
/// `auto-notified`, extensions); parameters after `;` and comments in
/// parentheses are not part of the keyword.
fn auto_submitted(value: &str) -> bool {
    let mut keyword = String::new();
    let mut depth = 0usize;
    for ch in value.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => break,
            c if depth == 0 && !c.is_whitespace() => keyword.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    !keyword.is_empty() && keyword != "no"
}

/// Screen a message. `own_addresses` are the organisation's own mailboxes
/// (lower-case); mail from them is never treated as a person's message.
pub fn screen(mail: &InboundMail, own_addresses: &[String]) -> Option<Screened> {
    let mut bounce = Vec::new();
    let mut auto = Vec::new();
    let mut bulk = Vec::new();

    let from_local = mail
        .from
        .as_ref()
        .map(|f| f.local_part().to_string())
        .unwrap_or_default();
    let return_path = mail.header("return-path").unwrap_or("x");
    let null_sender = return_path.trim() == "<>" || return_path.trim().is_empty();

    // Bounces (DSNs) first: they usually carry Auto-Submitted too.
    if mail.content_type == "multipart/report" {
        match mail.report_type.as_deref() {
            Some("disposition-notification") => {
                auto.push("read receipt (multipart/report; disposition-notification)".to_string())
            }
            Some(t) => bounce.push(format!("delivery status report (multipart/report; {t})")),
            None => bounce.push("multipart/report".to_string()),
        }
    } else if mail.has_status_part {
        bounce.push("contains a message/delivery-status part".to_string());
    }
    if MACHINE_LOCAL.is_match(&from_local)
        && (from_local.contains("daemon")
            || from_local.starts_with("postmaster")
            || from_local.starts_with("microsoftexchange"))
    {
        bounce.push(format!("sent by the mail system ({from_local})"));
    }
    if mail.has_header("x-failed-recipients") {
        bounce.push("X-Failed-Recipients header".to_string());
    }
    if BOUNCE_SUBJECT.is_match(&mail.subject)
        && (null_sender || !bounce.is_empty() || mail.header("auto-submitted").is_some())
    {
        bounce.push(format!("subject says delivery failed ({:?})", mail.subject));
    }
    if !bounce.is_empty() {
        return Some(Screened {
            kind: Kind::Bounce,
            reasons: bounce,
        });
    }

    if let Some(from) = &mail.from {
        if own_addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&from.address))
        {
            return Some(Screened {
                kind: Kind::AutoReply,
                reasons: vec![format!("sent from our own address {}", from.address)],
            });
        }
    }

    // Every Auto-Submitted field counts, not only the first: a message with
    // "no" above "auto-replied" (a second field added on the way, or a
    // crafted one) is still automatic.
    for (name, v) in &mail.headers {
        if name == "auto-submitted" && auto_submitted(v) {
            auto.push(format!("Auto-Submitted: {} (RFC 3834)", v.trim()));
        }
    }
    for h in [
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-auto-reply",
    ] {
        if let Some(v) = mail.header(h) {
            auto.push(format!("{h}: {v}"));
        }
    }
    if let Some(v) = mail.header("x-auto-response-suppress") {
        auto.push(format!(
            "X-Auto-Response-Suppress: {v} (sent by an automatic system)"
        ));
    }
    let precedence = mail.header("precedence").map(|p| p.to_ascii_lowercase());
    if precedence.as_deref() == Some("auto_reply") {
        auto.push("Precedence: auto_reply".to_string());
    }
    if AUTO_SUBJECT.is_match(&mail.subject) {
        auto.push(format!(
            "subject of an automatic reply ({:?})",
            mail.subject
        ));
    }
    if null_sender && mail.has_header("return-path") && auto.is_empty() {
        auto.push("null return path (<>): sent by a machine".to_string());
    }
    // A subject alone is weak ("Out of office hours support?" is a person
    // starting a conversation): an automatic reply needs a header, or a
    // subject plus a null sender, or a subject that answers an earlier
    // message. Auto-responders that set no header at all still answer with
    // In-Reply-To and "Automatic reply: <our subject>", and a person replying
    // does not begin their subject that way: without this, each one reached
    // the handler as "the complainant wrote again".
    let answers = !mail.in_reply_to.is_empty() || !mail.references.is_empty();
    if answers && AUTO_SUBJECT.is_match(&mail.subject) {
        auto.push(
            "an automatic reply's subject in answer to an earlier message (In-Reply-To/References)"
                .to_string(),
        );
    }
    let strong_auto = auto.iter().any(|r| !r.starts_with("subject"));
    if strong_auto || (!auto.is_empty() && null_sender && mail.has_header("return-path")) {
        return Some(Screened {
            kind: Kind::AutoReply,
            reasons: auto,
        });
    }
    if let Some(p) = precedence.as_deref() {
        if matches!(p, "bulk" | "list" | "junk") {
            bulk.push(format!("Precedence: {p}"));
        }
    }
    if mail.has_header("list-id") {
        bulk.push("List-Id header (mailing list)".to_string());
    }
    if mail.has_header("list-unsubscribe") {
        bulk.push("List-Unsubscribe header".to_string());
    }
    if mail.has_header("feedback-id") && !bulk.is_empty() {
        bulk.push("Feedback-ID (bulk sender)".to_string());
    }
    if !bulk.is_empty() {
        return Some(Screened {
            kind: Kind::Bulk,
            reasons: bulk,
        });
    }
    if MACHINE_LOCAL.is_match(&from_local) && null_sender {
        return Some(Screened {
            kind: Kind::AutoReply,
            reasons: vec![format!(
                "no-reply sender ({from_local}) with a null return path"
            )],
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::mail::parse;

    fn screened(headers: &str) -> Option<Screened> {
        let raw = format!(
            "From: Jo <jo@mail.test>\r\nTo: complaints@org.test\r\nMessage-ID: <x@mail.test>\r\n{headers}\r\nI am not happy with my course and want an explanation.\r\n"
        );
        screen(&parse(raw.as_bytes()).expect("parse"), &[])
    }

    #[test]
    fn auto_submitted_keywords() {
        assert!(!auto_submitted("no"));
        assert!(!auto_submitted(" No (a person wrote this)"));
        assert!(!auto_submitted(""));
        assert!(auto_submitted("auto-replied; owner-email=\"jo@mail.test\""));
        assert!(auto_submitted("auto-generated"));
        assert!(auto_submitted("(no) auto-notified"));
        assert!(auto_submitted("notification"));
    }

    #[test]
    fn every_auto_submitted_field_is_read() {
        assert_eq!(screened("Subject: Course\r\nAuto-Submitted: no\r\n"), None);
        let s =
            screened("Subject: Course\r\nAuto-Submitted: no\r\nAuto-Submitted: auto-replied\r\n")
                .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
    }

    #[test]
    fn an_automatic_subject_is_enough_only_in_answer_to_a_message() {
        assert_eq!(
            screened("Subject: Out of office hours support is useless\r\n"),
            None,
            "a person starting a conversation"
        );
        let s = screened(
            "Subject: Automatic reply: [PAR-2026-0001] Your complaint\r\nIn-Reply-To: <ack@org.test>\r\n",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
        assert_eq!(
            screened("Subject: Re: Out of office hours support\r\nIn-Reply-To: <ack@org.test>\r\n"),
            None,
            "a person replying under such a subject"
        );
    }
}
