//! Threading: which existing case, if any, an inbound message belongs to.
//!
//! Outlook and phones drop or rewrite headers, so several signals are used,
//! strongest first: a verified `In-Reply-To`/`References` Message-ID that
//! complaintd issued; a plus-address (`complaints+CMP-2026-0042@…`); a case
//! tag in the subject (`[CMP-2026-0042]`) behind any reply/forward prefixes.
//! A reference written anywhere else (in the subject without brackets, in the
//! body, in lower case, with spaces for hyphens) is only reported as a
//! mention: ingest decides what it means from who wrote (only the
//! complainant may join a case this way; anyone else's message is recorded
//! as a third party's) and what they wrote (a new matter opens a new case,
//! linked to the old one).

use super::handler_intent::Intent;
use super::mail::InboundMail;
use super::reference::CaseRef;
use super::token::Secret;
use regex::Regex;
use std::sync::LazyLock;

/// Which signal tied the message to its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// `In-Reply-To` or `References` held a Message-ID we issued for the case.
    IssuedMessageId(String),
    /// A recipient was `local+REF…@domain`.
    PlusAddress(String),
    /// The subject carried `[REF]`.
    SubjectTag,
}

/// The result of threading.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Thread {
    /// The case the message belongs to.
    pub case: Option<CaseRef>,
    /// The signals that agree on it.
    pub evidence: Vec<Evidence>,
    /// A handler token found in the plus-address or subject, if any.
    pub token: Option<String>,
    /// The intent the tokened plus-address names, if any (read only with
    /// its token: the token proves who chose it).
    pub intent: Option<Intent>,
    /// References written without brackets (mentions, not threading).
    pub mentioned: Vec<CaseRef>,
}

/// Reply/forward prefixes in the languages mail clients use, repeated and
/// mixed: `RE:`, `Re[2]:`, `FW:`, `Fwd:`, `AW:`, `WG:`, `SV:`, `VS:`,
/// `Antw:`, `RV:`, `Ynt:`, `TR:`, `Odp:`, `Vá:`, …
static PREFIXES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*((re|fw|fwd|aw|wg|sv|vs|antw|antwort|rv|ynt|tr|odp|vá|vs|res|enc|rif|i|r|ref|doorst|vb|fs|ant|atb|ateb|ymlaen)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*)+").expect("static regex")
});
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[\s*([A-Za-z][A-Za-z0-9]{0,7}-\d{4}-\d{4,9})(?:\s+#t([0-9a-fA-F]{16,40}))?\s*\]")
        .expect("static regex")
});
static BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Z][A-Z0-9]{0,7}-\d{4}-\d{4,9})\b").expect("static regex"));

/// A loosely written reference: a prefix standing alone, a year, a number
/// (4–9 digits), with up to two separators between the parts; no letter or
/// digit right before it, no digit right after.
static LOOSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\p{L}\p{N}+])([A-Za-z][A-Za-z0-9]{0,7}?)[ \t\-\u{2010}-\u{2014}_./]{0,2}(\d{4})[ \t\-\u{2010}-\u{2014}_./]{1,2}(\d{4,9})(?:$|[^\p{N}])")
        .expect("static regex")
});

static ANY_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([^<>\s]{3,250}@[^<>\s]{1,250})>").expect("static regex"));

/// A bounce or auto-reply often carries our original message only inside its
/// body (a returned `message/rfc822` part, or quoted headers). Find the first
/// Message-ID in the raw bytes that we issued, to record the bounce against
/// its case.
pub fn issued_id_in_raw(raw: &[u8], secret: &Secret) -> Option<CaseRef> {
    let text = String::from_utf8_lossy(raw);
    ANY_ID
        .captures_iter(&text)
        .find_map(|c| secret.verify_message_id(&c[1]))
}

/// The subject without reply/forward prefixes.
pub fn strip_prefixes(subject: &str) -> &str {
    match PREFIXES.find(subject) {
        Some(m) => subject[m.end()..].trim_start(),
        None => subject.trim(),
    }
}

/// The case tag in a subject, and a handler token beside it (`[REF #tTOKEN]`).
pub fn subject_tag(subject: &str, prefixes: &[String]) -> Option<(CaseRef, Option<String>)> {
    for c in TAG.captures_iter(subject) {
        if let Ok(r) = c[1].parse::<CaseRef>() {
            if prefixes.is_empty() || prefixes.iter().any(|p| p.eq_ignore_ascii_case(r.prefix())) {
                return Some((r, c.get(2).map(|t| t.as_str().to_ascii_lowercase())));
            }
        }
    }
    None
}

/// The plus-address form: `local+REF@domain` or `local+REF.tTOKEN@domain`
/// (and `local+REF.tTOKEN.INTENT@domain`, whose intent
/// [`plus_address_intent`] reads).
pub fn plus_address(address: &str) -> Option<(CaseRef, Option<String>)> {
    let (local, _domain) = address.rsplit_once('@')?;
    let (_, tag) = local.split_once('+')?;
    let (r, token) = match tag.split_once(".t") {
        Some((r, t)) => {
            let t = t.split_once('.').map_or(t, |(t, _)| t);
            (r, Some(t.to_ascii_lowercase()))
        }
        None => (tag, None),
    };
    Some((r.parse().ok()?, token))
}

/// The intent a tokened plus-address names after its token
/// (`local+REF.tTOKEN.send@domain`), if any.
pub fn plus_address_intent(address: &str) -> Option<Intent> {
    let (local, _domain) = address.rsplit_once('@')?;
    let (_, tag) = local.split_once('+')?;
    let (_, rest) = tag.split_once(".t")?;
    let (_, suffix) = rest.split_once('.')?;
    Intent::parse(suffix)
}

/// A tokened plus-address that names an intent: what the one-click links
/// in mail to staff write to.
pub fn make_intent_address(mailbox: &str, case: &CaseRef, token: &str, intent: Intent) -> String {
    let plain = make_plus_address(mailbox, case, Some(token));
    match plain.rsplit_once('@') {
        Some((local, domain)) => format!("{local}.{}@{domain}", intent.suffix()),
        None => plain,
    }
}

/// Build a plus-address for a case (and optionally a handler token).
pub fn make_plus_address(mailbox: &str, case: &CaseRef, token: Option<&str>) -> String {
    let Some((local, domain)) = mailbox.rsplit_once('@') else {
        return mailbox.to_string();
    };
    match token {
        Some(t) => format!("{local}+{case}.t{t}@{domain}"),
        None => format!("{local}+{case}@{domain}"),
    }
}

/// Case references written loosely, in the order they appear: without
/// brackets, in any case, with hyphens, spaces, dots, slashes or dashes
/// between the parts (`PAR 2026 0066`, `par-2026-0049`, `PAR/2026/0049`).
/// Only the organisation's own `prefixes` count (another organisation's
/// `ABC-2026-0001` is theirs); with none, only the strict upper-case form.
/// The prefix must stand alone (`PARIS-2026-0001` is not `PAR-…`), the year
/// must look like one, and a number with more digits around it is not a
/// reference (a phone or invoice number).
pub fn mentions(text: &str, prefixes: &[String]) -> Vec<CaseRef> {
    let mut out: Vec<CaseRef> = Vec::new();
    let mut push = |r: CaseRef| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    if prefixes.is_empty() {
        for c in BARE.captures_iter(text) {
            if let Ok(r) = c[1].parse::<CaseRef>() {
                push(r);
            }
        }
        return out;
    }
    for c in LOOSE.captures_iter(text) {
        let prefix = &c[1];
        if !prefixes.iter().any(|p| p.eq_ignore_ascii_case(prefix)) {
            continue;
        }
        let (Ok(year), Ok(number)) = (c[2].parse::<i32>(), c[3].parse::<u32>()) else {
            continue;
        };
        if !(2000..=2099).contains(&year) {
            continue;
        }
        push(CaseRef::new(prefix, year, number));
    }
    out
}

/// Words that point back to the writer's own earlier complaint or to our
/// answer to it ("further to my complaint of Monday", "I sent a complaint
/// last week", "I got your letter yesterday", "it's Shannon again, about my
/// …"), in English and Welsh. Narrow on purpose: "my complaint about the
/// canteen" and "it's happening again" open new complaints.
static REFERS_BACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b((further|following) (to |up on |up )?my (complaint|email|e-mail|message|letter) (of|from|last|about|on|dated|to you)|following up (on )?my complaint|my complaint (from|of) (last|yesterday|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d)|i (sent|made|lodged|submitted|put in) (a|my|in a) complaint (last|on|yesterday|earlier|a (few|couple of) (days|weeks))|(writing|emailing) (again|once more) about my complaint|it'?s \w+ again,? (i|about my)|i forgot to (say|mention|add|tell you) in my (complaint|email|message)|as i said in my (email|e-mail|message|complaint|letter)|(i|we) (got|received|had) your (letter|response|reply|answer|outcome|decision) (about|to|on|yesterday|today|this)|(your|the) (letter|response|reply|answer|outcome|decision) (about|to|on) my complaint|(ysgrifennu|e-bostio|cysylltu) eto (am|ynglŷn â) fy nghwyn|i (sent|made|lodged|submitted|put in) (a|my|in a) complaint (about |around |roughly )?(a (few|couple of)|two|three|four|\d+) (days|weeks) ago|(had|got|received) (a|an|your) (letter|email|e-mail|reply|response) from \w+( \w+)? (\w+ ){0,3}about my complaint|(spoke|talked|spoken) (to|with) [^.]{0,60}\babout my complaint|you asked (me )?(on the phone|when we spoke|this morning|yesterday|earlier))\b",
    )
    .expect("static regex")
});

/// The words of `new_text` that point back to its writer's own earlier
/// complaint, if any: a message with no reference and no threading headers
/// may then belong to the one recent case of its sender (ingest decides).
pub fn refers_back(new_text: &str) -> Option<String> {
    REFERS_BACK
        .find_iter(new_text)
        .find(|m| !SPOKE_TO_SOMEONE_ELSE.is_match(m.as_str()))
        .map(|m| m.as_str().trim().to_string())
}

/// "I spoke to my tutor about my complaint": the writer's own first step,
/// not a conversation with us about the case (that names the handler or
/// "you").
static SPOKE_TO_SOMEONE_ELSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(spoke|talked|spoken) (to|with) (my|a|an|the|our|his|her|their) ")
        .expect("static regex")
});

/// Every case a message mentions, subject first, then its newly written
/// text (not the quoted history, which may name other cases), without the
/// case it already threads to.
pub fn mentioned_anywhere(thread: &Thread, new_text: &str, prefixes: &[String]) -> Vec<CaseRef> {
    let mut out = thread.mentioned.clone();
    for r in mentions(new_text, prefixes) {
        if Some(&r) != thread.case.as_ref() && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// Thread a message. `prefixes` are the policies' reference prefixes.
pub fn thread(mail: &InboundMail, secret: &Secret, prefixes: &[String]) -> Thread {
    let mut t = Thread::default();
    let consider = |r: CaseRef, e: Evidence, t: &mut Thread| match &t.case {
        None => {
            t.case = Some(r);
            t.evidence.push(e);
        }
        Some(c) if *c == r => t.evidence.push(e),
        // A conflicting weaker signal is ignored: the stronger came first.
        Some(_) => {}
    };
    // In-Reply-To first, then References newest first.
    let ids = mail.in_reply_to.iter().chain(mail.references.iter().rev());
    for id in ids {
        if let Some(r) = secret.verify_message_id(id) {
            consider(r, Evidence::IssuedMessageId(id.clone()), &mut t);
            break;
        }
    }
    let mut addresses: Vec<&str> = mail.recipients.iter().map(|m| m.address.as_str()).collect();
    for h in ["delivered-to", "x-original-to", "envelope-to"] {
        for (n, v) in &mail.headers {
            if n == h {
                addresses.push(v.trim().trim_start_matches('<').trim_end_matches('>'));
            }
        }
    }
    // A token, and the intent its address carries, count only for the case
    // the message is threaded to: a `.send` address naming another case than
    // the one an issued Message-ID chose must not send anything on either.
    for a in addresses {
        if let Some((r, token)) = plus_address(a) {
            consider(r.clone(), Evidence::PlusAddress(a.to_string()), &mut t);
            if token.is_some() && t.token.is_none() && t.case.as_ref() == Some(&r) {
                t.token = token;
                t.intent = plus_address_intent(a);
            }
        }
    }
    if let Some((r, token)) = subject_tag(&mail.subject, prefixes) {
        consider(r.clone(), Evidence::SubjectTag, &mut t);
        if token.is_some() && t.token.is_none() && t.case.as_ref() == Some(&r) {
            t.token = token;
        }
    }
    for r in mentions(&mail.subject, prefixes) {
        if Some(&r) != t.case.as_ref() && !t.mentioned.contains(&r) {
            t.mentioned.push(r);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::mail::{InboundMail, Mailbox};

    fn mail(subject: &str) -> InboundMail {
        InboundMail {
            subject: subject.to_string(),
            ..InboundMail::default()
        }
    }

    #[test]
    fn strips_mixed_repeated_prefixes() {
        for s in [
            "RE: Re[2]: FW: Fwd: AW: WG: SV: VS: Antw: RV: Ynt: Your complaint",
            "Re: RE:Your complaint",
            "Aw: Wg: Your complaint",
            "Your complaint",
        ] {
            assert_eq!(strip_prefixes(s), "Your complaint", "{s}");
        }
    }

    #[test]
    fn finds_tags_behind_prefixes_and_tokens() {
        let secret = Secret::new(b"k".repeat(32));
        let p = vec!["CMP".to_string()];
        let t = thread(
            &mail("RE: Re[3]: FW: [CMP-2026-0042] Your complaint"),
            &secret,
            &p,
        );
        assert_eq!(t.case.unwrap().to_string(), "CMP-2026-0042");
        let t = thread(
            &mail("Antw: [CMP-2026-0042 #t0123456789abcdef] New case"),
            &secret,
            &p,
        );
        assert_eq!(t.token.as_deref(), Some("0123456789abcdef"));
        // Another organisation's prefix is not ours.
        assert!(thread(&mail("Re: [ZZZ-2026-0001] x"), &secret, &p)
            .case
            .is_none());
    }

    #[test]
    fn a_tokened_intent_for_another_case_than_the_thread_is_ignored() {
        let secret = Secret::new(b"k".repeat(32));
        let x: CaseRef = "CMP-2026-0001".parse().expect("a reference");
        let mut m = mail("RE: your case");
        m.in_reply_to = vec![secret.message_id(&x, "notify", "n1", "org.test")];
        m.recipients = vec![Mailbox {
            name: None,
            address: "complaints+cmp-2026-0002.t0123456789abcdef.send@org.test".into(),
        }];
        let t = thread(&m, &secret, &["CMP".into()]);
        assert_eq!(t.case, Some(x), "the issued Message-ID decides the case");
        assert_eq!(t.token, None, "another case's token is not this case's");
        assert_eq!(t.intent, None, "another case's .send sends nothing here");
        // The same address alone threads to its own case, with its intent.
        let mut m = mail("Stage 1 response");
        m.recipients = vec![Mailbox {
            name: None,
            address: "complaints+cmp-2026-0002.t0123456789abcdef.send@org.test".into(),
        }];
        let t = thread(&m, &secret, &["CMP".into()]);
        assert_eq!(
            t.case.map(|c| c.to_string()).as_deref(),
            Some("CMP-2026-0002")
        );
        assert!(t.intent.is_some());
    }

    #[test]
    fn words_pointing_back_to_an_earlier_complaint() {
        for t in [
            "Further to my complaint of last month, here are the receipts.",
            "Hi, I made a complaint on Monday about the room.",
            "It's Priya again, about my review. Any news?",
            "I forgot to say in my complaint that it happened twice.",
            "I got your letter yesterday and it does not mention the fees.",
            "Rwy'n ysgrifennu eto am fy nghwyn.",
            "I made a complaint about two weeks ago about my assessor.",
            "I had a letter from Rhian Morgan on Tuesday about my complaint.",
            "I spoke to Marcus Bell on the telephone on 4 December about my complaint.",
            "You asked me on the phone this morning for my manager's details.",
        ] {
            assert!(refers_back(t).is_some(), "{t}");
        }
        // How a new complaint opens, which must not join an old one.
        for t in [
            "I want to make a complaint about the canteen.",
            "My daughter's coach never turned up again.",
            "My complaint is about the placement: the supervisor keeps me behind.",
            "My concern about the new timetable is that I cannot get there.",
            "It's happening again, nobody rebooked my review.",
            "The email I got from the assessor was rude.",
            "I raised a concern with my tutor in September.",
            "Dyma fy nghwyn am y cwrs.",
            "I spoke to my tutor about my complaint before writing this one.",
            "I had a letter from the bank about my loan.",
        ] {
            assert!(refers_back(t).is_none(), "{t}");
        }
    }

    #[test]
    fn bare_reference_is_a_mention_not_a_thread() {
        let secret = Secret::new(b"k".repeat(32));
        let t = thread(
            &mail("Formal complaint - handling of my previous complaint (CMP-2026-0088)"),
            &secret,
            &["CMP".into()],
        );
        assert!(t.case.is_none());
        assert_eq!(t.mentioned.len(), 1);
    }

    #[test]
    fn references_written_loosely_are_mentions() {
        let p = vec!["PAR".to_string()];
        let refs =
            |t: &str| -> Vec<String> { mentions(t, &p).iter().map(|r| r.to_string()).collect() };
        assert_eq!(
            refs("what is happening with complaint PAR 2026 0066?"),
            ["PAR-2026-0066"]
        );
        assert_eq!(
            refs("Re my complaint par-2026-0049. I got your reply"),
            ["PAR-2026-0049"]
        );
        assert_eq!(
            refs("ref: PAR/2026/0049 and PAR\u{2013}2026\u{2013}0050"),
            ["PAR-2026-0049", "PAR-2026-0050"]
        );
        assert_eq!(
            refs("(PAR-2026-0080) and again PAR-2026-0080"),
            ["PAR-2026-0080"]
        );
        // False matches: another organisation's prefix, a longer word, a
        // number that looks like one, a year that is not one, too many digits.
        for t in [
            "our supplier's ticket ABC-2026-0001",
            "PARIS 2026 0001",
            "SPAR-2026-0001",
            "call 07700 900233 or invoice 2026-0001",
            "PAR-1850-0001",
            "PAR-2026-0001234567890",
        ] {
            assert!(refs(t).is_empty(), "{t}: {:?}", refs(t));
        }
        // With no prefixes configured, only the strict form.
        assert_eq!(mentions("x CMP-2026-0042 y cmp-2026-0043", &[]).len(), 1);
    }

    #[test]
    fn issued_ids_are_found_in_returned_messages() {
        let secret = Secret::new(b"k".repeat(32));
        let r: CaseRef = "CMP-2026-0007".parse().unwrap();
        let raw = format!(
            "Content-Type: message/rfc822\r\n\r\nMessage-ID: <{}>\r\nSubject: x\r\n",
            secret.message_id(&r, "ack", "3", "org.test")
        );
        assert_eq!(issued_id_in_raw(raw.as_bytes(), &secret), Some(r));
        assert_eq!(
            issued_id_in_raw(b"Message-ID: <abc@gmail.test>", &secret),
            None
        );
    }

    #[test]
    fn plus_address_and_issued_message_ids() {
        let secret = Secret::new(b"k".repeat(32));
        let r: CaseRef = "CMP-2026-0007".parse().unwrap();
        let mut m = mail("RE: hello");
        m.recipients.push(Mailbox {
            name: None,
            address: make_plus_address("complaints@org.test", &r, Some("aaaabbbbccccdddd")),
        });
        let t = thread(&m, &secret, &[]);
        assert_eq!(t.case.as_ref(), Some(&r));
        assert_eq!(t.token.as_deref(), Some("aaaabbbbccccdddd"));
        assert_eq!(t.intent, None);

        // A one-click link's address: the token, then the intent.
        let mut m = mail("[CMP-2026-0007] Stage 1 response");
        let send = Intent::parse("send-3").expect("intent");
        m.recipients.push(Mailbox {
            name: None,
            address: make_intent_address("complaints@org.test", &r, "aaaabbbbccccdddd", send),
        });
        let t = thread(&m, &secret, &[]);
        assert_eq!(t.case.as_ref(), Some(&r));
        assert_eq!(t.token.as_deref(), Some("aaaabbbbccccdddd"));
        assert_eq!(t.intent, Some(send));
        assert_eq!(
            crate::core::token::redact_tokens(&m.recipients[0].address),
            "complaints+CMP-2026-0007@org.test"
        );

        let mut m = mail("RE: subject rewritten by Outlook");
        m.references = vec![
            "unrelated@x".into(),
            secret.message_id(&r, "ack", "1", "org.test"),
        ];
        let t = thread(&m, &secret, &[]);
        assert_eq!(t.case, Some(r));
        assert!(matches!(t.evidence[0], Evidence::IssuedMessageId(_)));
    }
}
