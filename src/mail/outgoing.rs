//! Building finished outgoing messages (RFC 5322 bytes) with lettre.
//!
//! Every automatic message says so (`Auto-Submitted`, RFC 3834) and asks
//! other systems not to answer (`X-Auto-Response-Suppress: All`): together
//! with screening on the way in, that is what prevents mail loops.

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// `Auto-Submitted` (RFC 3834).
#[derive(Debug, Clone)]
pub struct AutoSubmitted(pub String);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `X-Auto-Response-Suppress` (Microsoft): no out-of-office replies to us.
#[derive(Debug, Clone)]
pub struct AutoResponseSuppress;

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoResponseSuppress)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".to_string())
    }
}

/// What goes into one outgoing message.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Display name of the sender (the organisation).
    pub from_name: String,
    /// The sender address (the organisation's reply address).
    pub from_address: String,
    /// Where replies go (plus-addressed per case, with a token for staff).
    pub reply_to: String,
    /// The one recipient.
    pub to: String,
    /// Rendered subject (one line).
    pub subject: String,
    /// text/plain part.
    pub text: String,
    /// text/html part.
    pub html: String,
    /// Fixed Message-ID, without brackets.
    pub message_id: String,
    /// The message this answers, without brackets.
    pub in_reply_to: Option<String>,
    /// `auto-replied` for automatic answers to a person's message,
    /// `auto-generated` for other automatic mail, `None` for a person's own
    /// words relayed (a handler's response is not automatic mail).
    pub auto_submitted: Option<&'static str>,
    /// Business time for the Date header.
    pub date: DateTime<Utc>,
    /// Images the HTML part shows by `cid:` (the digest's chart): with any,
    /// the HTML and its images go together in a multipart/related part.
    pub inline: Vec<InlineImage>,
}

/// An image inside a message, shown by the HTML part as `cid:CONTENT_ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// Its Content-ID, without angle brackets.
    pub content_id: String,
    /// Its MIME type (`image/png`).
    pub content_type: String,
    /// The image.
    pub bytes: Vec<u8>,
}

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An address does not parse.
    #[error("invalid address {0:?}: {1}")]
    Address(String, String),
    /// lettre refused the message.
    #[error("cannot build message: {0}")]
    Message(String),
}

fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, BuildError> {
    let addr = address
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            BuildError::Address(address.to_string(), e.to_string())
        })?;
    Ok(Mailbox::new(name.map(String::from), addr))
}

/// `text` with every line ending (`\n`, `\r\n` or a lone `\r`) as CRLF, in
/// one pass. lettre converts a body's bare `\n` itself, but inserts one `\r`
/// at a time (quadratic: a megabyte of short lines took seconds); handed
/// text that is already CRLF it finds nothing to insert.
pub fn crlf(text: &str) -> String {
    let extra = text.bytes().filter(|b| *b == b'\n').count();
    let mut out = String::with_capacity(text.len() + extra);
    let mut rest = text;
    while let Some(i) = rest.find(['\r', '\n']) {
        out.push_str(&rest[..i]);
        out.push_str("\r\n");
        // `\r` and `\n` are ASCII, so these cuts are on character boundaries.
        let step = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + step..];
    }
    out.push_str(rest);
    out
}

/// RFC 5322 §2.1.1: a line is at most 998 octets. lettre folds headers at
/// spaces, which is enough for everything but one very long word.
const MAX_LINE: usize = 998;

/// The longest subject sent: with `Subject: ` in front even a subject that
/// is one unbroken word stays within [`MAX_LINE`]. A subject is a person's
/// name or their words at most; the case record keeps them whole.
const MAX_SUBJECT: usize = 900;

/// A Message-ID cannot be folded (it has no whitespace), so one that would
/// not fit on an `In-Reply-To:` line is not echoed: the reply then threads
/// by its subject tag instead of making an unlawful header.
const MAX_ECHOED_ID: usize = MAX_LINE - "In-Reply-To: <>".len();

fn subject_within_limit(subject: &str) -> String {
    if subject.len() <= MAX_SUBJECT {
        return subject.to_string();
    }
    let cut = crate::core::text::cut_bytes(subject, MAX_SUBJECT - '…'.len_utf8());
    format!("{cut}…")
}

/// Build the finished message.
pub fn build(e: &Envelope) -> Result<Vec<u8>, BuildError> {
    let mut b = Message::builder()
        .from(mailbox(Some(&e.from_name), &e.from_address)?)
        .reply_to(mailbox(Some(&e.from_name), &e.reply_to)?)
        .to(mailbox(None, &e.to)?)
        .subject(subject_within_limit(&e.subject))
        .message_id(Some(format!("<{}>", e.message_id)))
        .date(std::time::SystemTime::from(e.date))
        .header(AutoResponseSuppress);
    if let Some(a) = e.auto_submitted {
        b = b.header(AutoSubmitted(a.to_string()));
    }
    if let Some(id) = e
        .in_reply_to
        .as_ref()
        .filter(|id| id.len() <= MAX_ECHOED_ID)
    {
        b = b
            .in_reply_to(format!("<{id}>"))
            .references(format!("<{id}>"));
    }
    let body = if e.inline.is_empty() {
        MultiPart::alternative_plain_html(crlf(&e.text), crlf(&e.html))
    } else {
        // text | (HTML + its images): the structure mail clients write
        // themselves, so none of them lists the chart as an attachment.
        let mut related = MultiPart::related().singlepart(SinglePart::html(crlf(&e.html)));
        for i in &e.inline {
            let ct = ContentType::parse(&i.content_type)
                .map_err(|err| BuildError::Message(format!("{}: {err}", i.content_type)))?;
            related = related
                .singlepart(Attachment::new_inline(i.content_id.clone()).body(i.bytes.clone(), ct));
        }
        MultiPart::alternative()
            .singlepart(SinglePart::plain(crlf(&e.text)))
            .multipart(related)
    };
    let m = b
        .multipart(body)
        .map_err(|err| BuildError::Message(err.to_string()))?;
    Ok(m.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_threaded_automatic_message() {
        let e = Envelope {
            from_name: "Example Training".into(),
            from_address: "complaints@example.test".into(),
            reply_to: "complaints+CMP-2026-0001@example.test".into(),
            to: "jo@example.test".into(),
            subject: "[CMP-2026-0001] We have received your message".into(),
            text: "Dear Jo".into(),
            html: "<p>Dear Jo</p>".into(),
            message_id: "CMP-2026-0001.ack.1.abc@example.test".into(),
            in_reply_to: Some("first@jo.test".into()),
            auto_submitted: Some("auto-replied"),
            date: DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            inline: Vec::new(),
        };
        let raw = String::from_utf8(build(&e).unwrap()).unwrap();
        for h in [
            "Auto-Submitted: auto-replied",
            "X-Auto-Response-Suppress: All",
            "In-Reply-To: <first@jo.test>",
            "References: <first@jo.test>",
            "Message-ID: <CMP-2026-0001.ack.1.abc@example.test>",
            "Date: Mon, 23 Nov 2026 10:00:00 +0000",
            "multipart/alternative",
        ] {
            assert!(raw.contains(h), "missing {h} in\n{raw}");
        }
        let parsed = crate::core::mail::parse(raw.as_bytes()).unwrap();
        assert_eq!(
            parsed.subject,
            "[CMP-2026-0001] We have received your message"
        );
    }

    #[test]
    fn line_endings_become_crlf_in_one_pass() {
        assert_eq!(crlf("a\nb\r\nc\rd\n\n"), "a\r\nb\r\nc\r\nd\r\n\r\n");
        assert_eq!(crlf("\u{e9}\n\u{1f600}\r"), "\u{e9}\r\n\u{1f600}\r\n");
        assert_eq!(crlf(""), "");
        assert_eq!(crlf("no newline"), "no newline");
    }

    /// Issue 9: lettre's own conversion inserted one `\r` at a time, so a
    /// quoted megabyte of short lines cost seconds (quadratic). The bound is
    /// generous (a debug build on a busy machine); the real figure is the
    /// `large` benchmark.
    #[test]
    fn a_megabyte_of_short_lines_builds_quickly() {
        let text = "ab\n".repeat(400_000);
        let e = Envelope {
            from_name: "X".into(),
            from_address: "complaints@example.test".into(),
            reply_to: "complaints@example.test".into(),
            to: "c@d.test".into(),
            subject: "s".into(),
            html: text.clone(),
            text,
            message_id: "m@x".into(),
            in_reply_to: None,
            auto_submitted: Some("auto-generated"),
            date: Utc::now(),
            inline: Vec::new(),
        };
        let started = std::time::Instant::now();
        let raw = build(&e).unwrap();
        let took = started.elapsed();
        assert!(raw.len() > 2 * 1_200_000, "both parts are in the message");
        assert!(
            took < std::time::Duration::from_secs(10),
            "building took {took:?}"
        );
    }

    /// Building is linear in the text: eight times the short lines take
    /// about eight times as long (a quadratic conversion, as lettre's own
    /// was, takes sixty-four times). Best of three each, so a busy machine
    /// does not decide it; the bound leaves room for noise, not for a square.
    #[test]
    fn building_time_grows_linearly_with_short_lines() {
        let best = |lines: usize| {
            let text = "ab\n".repeat(lines);
            let e = Envelope {
                from_name: "X".into(),
                from_address: "complaints@example.test".into(),
                reply_to: "complaints@example.test".into(),
                to: "c@d.test".into(),
                subject: "s".into(),
                html: text.clone(),
                text,
                message_id: "m@x".into(),
                in_reply_to: None,
                auto_submitted: Some("auto-generated"),
                date: Utc::now(),
                inline: Vec::new(),
            };
            (0..3)
                .map(|_| {
                    let started = std::time::Instant::now();
                    let raw = build(&e).unwrap();
                    assert!(raw.len() > 2 * 3 * lines);
                    started.elapsed()
                })
                .min()
                .unwrap()
        };
        let small = best(50_000);
        let large = best(400_000);
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
        assert!(
            ratio < 24.0,
            "8x the lines took {ratio:.1}x as long ({small:?} -> {large:?})"
        );
    }

    #[test]
    fn no_header_line_exceeds_998_octets() {
        let e = Envelope {
            from_name: "Example Training".into(),
            from_address: "complaints@example.test".into(),
            reply_to: "complaints+CMP-2026-0001@example.test".into(),
            to: "jo@example.test".into(),
            subject: format!("[CMP-2026-0001] {} wrote again", "J".repeat(3000)),
            text: "Dear Jo".into(),
            html: "<p>Dear Jo</p>".into(),
            message_id: "CMP-2026-0001.ack.1.abc@example.test".into(),
            in_reply_to: Some(format!("{}@jo.test", "x".repeat(3000))),
            auto_submitted: Some("auto-replied"),
            date: Utc::now(),
            inline: Vec::new(),
        };
        let raw = build(&e).unwrap();
        let text = String::from_utf8(raw).unwrap();
        for line in text.split("\r\n") {
            assert!(
                line.len() <= MAX_LINE,
                "{} octets: {}…",
                line.len(),
                &line[..40]
            );
        }
        assert!(
            !text.contains("In-Reply-To"),
            "an unfoldable id is not echoed"
        );
        let parsed = crate::core::mail::parse(text.as_bytes()).unwrap();
        assert!(parsed.subject.starts_with("[CMP-2026-0001] JJJ"));
        assert!(parsed.subject.ends_with('…'));
        // An ordinary long id is still echoed.
        let e = Envelope {
            in_reply_to: Some(format!("{}@jo.test", "x".repeat(900))),
            ..e
        };
        let text = String::from_utf8(build(&e).unwrap()).unwrap();
        assert!(text.contains("In-Reply-To: <xxx"));
    }

    #[test]
    fn bad_addresses_are_errors() {
        let e = Envelope {
            from_name: "X".into(),
            from_address: "not an address".into(),
            reply_to: "a@b.test".into(),
            to: "c@d.test".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
            message_id: "m@x".into(),
            in_reply_to: None,
            auto_submitted: Some("auto-generated"),
            date: Utc::now(),
            inline: Vec::new(),
        };
        assert!(build(&e).is_err());
    }
}
