//! Screening: recognise machine mail (bounces, auto-replies, bulk and list
//! mail, our own mail) from headers and structure before any content rule runs.
//! Machine mail never opens a case and is never answered: this is what stops
//! mail loops with auto-responders.

use super::kind::Kind;
use super::mail::InboundMail;
use crate::core::lean_regex::Regex;
use std::collections::BTreeSet;
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
static FORWARD_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(fw|fwd|wg|tr|rv|doorst|vb|vs|i)\s*:").expect("static regex")
});
static REPLY_SUBJECT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(re|aw|sv|antw|ynt)\s*:").expect("static regex"));
static MACHINE_LOCAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(mailer-daemon|postmaster|post_master|mail-daemon|maildaemon|microsoftexchange[0-9a-f]+|bounces?|bounce-.*|no-?reply|do-?not-?reply)$").expect("static regex")
});

/// What mail systems write at the top of a bounce or delay notice, whatever
/// the MTA: Postfix, Sendmail, qmail, Exim, Exchange, Gmail, Lotus/Domino,
/// appliances. Matched at the start of a line in the opening of the newly
/// written text, so a person quoting or forwarding one is not caught.
static DSN_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?mi)^[ \t>*]*(",
        r"hi\. this is the qmail-send program at|",
        r"this is the mail system at host|",
        r"this is the mail delivery agent at|",
        r"the original message was received at|",
        r"this message was created automatically by mail delivery software|",
        r"this is an automatically generated delivery status notification|",
        r"this is an automatically generated message from the mail delivery|",
        r"there was an error delivering your (mail|message|e-?mail)|",
        r"delivery has failed to these recipients or groups|",
        r"delivery to the following recipients? (failed|has been delayed|was delayed)|",
        r"delivery to these recipients or groups is delayed|",
        r"your message (did not reach|couldn'?t be delivered|could not be delivered|wasn'?t delivered|was not delivered|has not (yet )?been delivered)|",
        r"the following message could not be delivered|",
        r"the following (recipient|address)\(?(es|s)?\)? failed|",
        r"your message to .{1,200} (could not|couldn'?t|was not|wasn'?t) (be )?delivered|",
        r"a message that you sent could not be delivered|",
        r"a message that you sent has not yet been delivered|",
        r"i'?m sorry to have to inform you that your message could not|",
        r"sorry, we were unable to deliver your message|",
        r"message delivery to .{1,200} (failed|was delayed|has been delayed)|",
        r"\*\* (address not found|message not delivered|message blocked|delivery incomplete) \*\*|",
        r"-+ ?the following addresses had (permanent fatal|transient non-fatal) errors ?-+|",
        r"undelivered mail returned to sender|",
        r"mail delivery (failed|failure)[:.]|",
        r"warning: message .{1,200} delayed|",
        r"this is a warning message only\.|",
        r"your message .{0,120}\b(is|has been) (delayed|deferred)\b|",
        r"# this is a (permanent|temporary) error|",
        // Amazon SES bounce/complaint notifications delivered by mail (SNS):
        // the body is the JSON notification itself.
        r#"\{\s*"notificationtype"\s*:\s*"(bounce|complaint|delivery)""#,
        r")"
    ))
    .expect("static regex")
});

/// The tell-tale structure further down a bounce: returned headers, SMTP
/// status codes and DSN fields. Two of them, with a machine sender, make a
/// bounce even without an opening we know.
static DSN_STRUCTURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?mi)(",
        r"^[ \t-]*(message headers follow|original message headers|returned message|",
        r"original message follows|below this line is a copy of the message|",
        r"the original message follows|undelivered message headers|the text of the original message|",
        r"transcript of session follows)|",
        r"^(final-recipient|original-recipient|action|diagnostic-code|remote-mta|reporting-mta|status):[ \t]|",
        r"\b[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b|",
        r"\b(user unknown|mailbox unavailable|no such user|recipient address rejected|host or domain name not found|mailbox full|over quota|quota exceeded|relay access denied)\b",
        r")"
    ))
    .expect("static regex")
});

/// Out-of-office replies written by systems that set no header at all: the
/// body opens with the absence. A return date or another contact must follow,
/// so "I am out of the office today but want to complain" stays a person.
/// In English and in the languages our users' correspondents write, matched
/// on the opening with accents removed.
static OOO_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*((thank you for your (e-?mail|message)|thanks for your (e-?mail|message)|diolch am eich (e-?bost|neges)|dziekuje za (wiadomosc|e-?mail)|gracias por su (correo|mensaje)|obrigad[oa] pel[ao] (sua )?(mensagem|e-?mail)|va multumesc pentru (mesaj|e-?mail))[.!,]?\s*)?((i am|i'm|i will be|i'll be)\s+(currently\s+|now\s+)?(out of (the )?office|away from (the |my )?(office|desk|e-?mail)|on (annual |parental |maternity |paternity |sick )?leave|on holiday|on vacation|travell?ing|not in the office|working away)\b|(rydw i|rwyf i?|dw i|byddaf)\s*(allan o'?r swyddfa|ar wyliau|i ffwrdd|ar absenoldeb)|(obecnie )?(jestem|bede) (poza biurem|na urlopie|nieobecn\w*)|(actualmente )?(estoy|estare|me encuentro) (fuera de la oficina|de vacaciones|ausente)|(estou|estarei|encontro-me) (fora do escritorio|de ferias|ausente)|(sunt|voi fi) (in concediu|plecat\w* din birou|absent\w*)|je suis (actuellement )?absent|ich bin (derzeit |bis |nicht im buro|abwesend)|(the |our )?(office|shop|team|business|practice) (is|are|will be) (now )?(closed|shut) (until|for the|over the|from \d)\b)")
        .expect("static regex")
});
static OOO_DETAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(until|return(ing)? on|back (on|in the office)|limited access|in my absence|please contact|for (anything )?urgent|will (reply|respond|get back)|upon my return|when i return|returning (on )?(mon|tues|wednes|thurs|fri|satur|sun)day|returning \d|hyd at|tan (ddydd|y |\d)|yn ol (ar|yn y swyddfa)|ffoniwch|cysylltwch (a|ag)|(materion|achosion) brys|yn achlysurol|do (dnia )?\d|po powrocie|w pilnych sprawach|hasta el|a mi regreso|en caso de urgencia|ate (ao )?dia|no meu regresso|em caso de urgencia|pana (la|pe|in)|la intoarcere|in caz de urgenta|jusqu'?au|bis zum|in dringenden)\b")
        .expect("static regex")
});

/// Phones' automatic "I'm driving" answers, which set no header.
static DRIVING_REPLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(i'?m|i am) driving( right now)?( with (do not disturb|focus)[^.]{0,40})?[.,—-]+\s*(i'?ll|i will) (see your message|get back to you|reply|respond)|\bthis (is an? )?(automatic|auto-?generated) (reply|response|message) sent (from|by) my (phone|car)\b")
        .expect("static regex")
});

/// Read receipts written as plain mail (Outlook's "Your message … was read
/// on …", Thunderbird's "This is a Return Receipt …"), without the
/// multipart/report structure or any header saying so.
static READ_RECEIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\W*(your message\b.{0,400}?\bwas (read|deleted without being read) on\b|this is a return receipt for the (mail|message)|the message you sent to .{0,120} was displayed|(return|read) receipt \((displayed|read)\))")
        .expect("static regex")
});

/// A person writing about marketing mail ("I unsubscribed and you still send
/// me offers") quotes its footer words; a mailing does not complain.
static PERSON_OBJECTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(i('m| am)? (want|wish|would like|writing) to (complain|make a complaint)|my complaint|i (am|'m) (not happy|unhappy|disgusted|appalled|furious|fed up)|unacceptable|stop (sending|emailing|contacting)|(keep|still) (getting|receiving|being sent)|i (have |'ve )?(already )?unsubscribed|(unsubscribed|opted out) (but|and|twice|three times|several times))")
        .expect("static regex")
});

/// The footers of newsletters and marketing mail, which a list server or a
/// marketing platform writes even when it sets no List-* header. One alone
/// is a person mentioning it ("I clicked unsubscribe"); two distinct ones
/// are a mailing.
static BULK_FOOTER: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("unsubscribe link", r"(?i)\b(if you (would prefer not|no longer wish|do not wish|don'?t want|would rather not) to receive|nie chc\w* (panstwo )?otrzymywac|si no desea recibir|se nao (deseja|quiser) receber|daca nu (mai )?doriti sa primiti|unsubscribe|opt[- ]out of (these|our|future) e-?mails|dad-?danysgrifio|wypisz sie|rezygnacja z subskrypcji|darse de baja|cancelar (la |a )?(suscripcion|subscricao)|dezabonare|se desabonner)\b"),
        ("view in browser", r"(?i)\b(view (this|it|the) (e-?mail|message|newsletter)? ?(in|on) (your|a|the) (web )?browser|(having )?trouble (viewing|reading) this (e-?mail|message)|view (the )?online version|view as a web ?page)\b"),
        ("why you receive it", r"(?i)\b(you (are |were )?receiv(ed|ing) this (e-?mail|message|newsletter|update)|this (e-?mail|message|newsletter) was sent (to|by)|you('re| are) (receiving|getting) this because|you (signed|subscribed) up (to|for))\b"),
        ("manage preferences", r"(?i)\b((manage|update|change|edit) (your )?(e-?mail |subscription |communication |contact )?(preferences|subscriptions?|settings)|preference centre|preference center)\b"),
        ("all rights reserved", r"(?i)\ball rights reserved\b"),
        ("a sales pitch", r"(?i)\b((book|schedule|request|arrange) (a|your) (free )?(\d+[- ]minute )?(demo|call|consultation|trial)|free (\d+[- ]minute )?(online )?(trial|demo|briefings?|webinars?|consultation|masterclass)|(limited|special|exclusive) offer|\d+ ?% (off|discount)|rabat \d+|promo(tion(al)?)? code|(book|reserve|secure) (your|a) (place|seat|spot)|(places|spaces|seats) are limited)"),
        ("sender's postal footer", r"(?i)\b(our mailing address is|add us to your address book|forward to a friend|(follow|find) us on (facebook|twitter|linkedin|instagram|x\b))"),
    ]
    .into_iter()
    .map(|(name, p)| (name, Regex::new(p).expect("static regex")))
    .collect()
});

/// A person who mentions being away and then complains is a person.
/// Absences that people also mention in their own mail ("I'm out on site
/// until Friday, so please ring my mobile: our apprentice…"): a notice only
/// under an automatic reply's subject.
static OOO_AWAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(i am|i'm|i will be|i'll be)\s+(currently\s+|now\s+)?(out on site|out of the country|at a conference|on site|away)\b")
        .expect("static regex")
});

static NOT_OOO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(complain\w*|complaint|unhappy|not happy|disappoint\w*|unacceptable|appalled|explain why|why (has|have|did|is|was|were))\b")
        .expect("static regex")
});

/// Ticketing and helpdesk auto-acknowledgements: a ticket number plus words
/// that say no person wrote it.
static TICKET_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(ticket|request|case|incident|reference|ref)\s*(number|no\.?|id|#)?\s*(is\s*)?[:#]?\s*\[?#?[A-Z]{0,6}-?\d{3,}")
        .expect("static regex")
});
static TICKET_AUTO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(this is an? (automated|automatic|auto-generated|automatically generated) (response|message|reply|e-?mail|notification|acknowledge?ment)|automatically generated|(please )?do not reply (to|directly to) this (e-?mail|message)|this (mailbox|address) is not monitored|(has been|was|have been) (received|logged|created|opened|raised) (and|in our|by our|with)|we have received your (request|e-?mail|message|enquiry|query)|your (request|ticket|enquiry|query) (has been|was) (received|logged|created|opened))")
        .expect("static regex")
});

/// Providers' notices about a mailbox: quota warnings, held (quarantined)
/// mail. They come from a machine address; the phishing that imitates them
/// asks for a password or a click to "verify", and stays a person's message
/// (the classifier calls it other).
static PROVIDER_NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(your mailbox is (almost |nearly )?full|mailbox (size|storage) (warning|limit)|has (reached|exceeded) (its|the) (storage|size) (limit|quota)|messages? (held|waiting) in (your )?quarantine|quarantine (notification|summary|digest)|spam quarantine|you have \d+ (new )?messages? in quarantine|messages? (were|was|have been) quarantined|end user (spam )?digest)")
        .expect("static regex")
});
static CREDENTIAL_BAIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(verify your (account|identity|e-?mail|mailbox|password)|confirm your (password|credentials|account)|(enter|update|re-?enter) your password|click (here|below) to (keep|retain|upgrade|increase|validate|restore)|account will be (suspended|deactivated|closed|deleted))")
        .expect("static regex")
});
static NOTICE_SENDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(quarantine|postmaster|no-?reply|noreply|do-?not-?reply|donotreply|notifications?|alerts?|system|admin|mailer|mail-?admin|spam|msonlineservicesteam|o365mc)([-._].*)?$")
        .expect("static regex")
});

/// DMARC aggregate reports (RFC 7489 §7.2.1.1): "Report domain: … Submitter: …"
/// and a file named `receiver!domain!begin!end.xml[.gz|.zip]`.
static DMARC_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\breport[ -]domain:\s*\S+.*\bsubmitter:").expect("static regex")
});
static DMARC_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[^!/\s]+![^!/\s]+!\d{9,}!\d{9,}(![^.\s]+)?\.(xml|xml\.gz|gz|zip)$")
        .expect("static regex")
});

/// The opening of the newly written text: its first `lines` non-empty lines.
fn opening(new_text: &str, lines: usize) -> String {
    new_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(lines)
        .collect::<Vec<_>>()
        .join("\n")
}

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
    // The website's contact form relays what a visitor typed; form plugins
    // mark their mail automatic (Auto-Submitted, Precedence: bulk), which
    // is true of the relay and not of the message it carries.
    if mail.relayed_by.is_some() {
        return None;
    }
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
    // `From: MAILER-DAEMON <>` or `From: <>`: a From field with no address
    // in it. Only mail systems send that; a person's client cannot.
    let empty_from = mail.from.is_none() && mail.header("from").is_some();
    let machine_from = MACHINE_LOCAL.is_match(&from_local)
        && (from_local.contains("daemon")
            || from_local.starts_with("postmaster")
            || from_local.starts_with("post_master")
            || from_local.starts_with("microsoftexchange"));
    let forwarded_by_person = FORWARD_SUBJECT.is_match(&mail.subject)
        || REPLY_SUBJECT.is_match(&mail.subject)
        // A reply from a person (a mail system's reply has a null or empty sender).
        || !(mail.in_reply_to.is_empty() || empty_from || null_sender || machine_from);
    let head = super::text::cut_bytes(&mail.text, 16 * 1024);
    // The newly written part of the opening, split once: the body-shape
    // rules below read only what was written above any quote or forward.
    let new_text = super::quote::split(head).new;

    // Bounces (DSNs) first: they usually carry Auto-Submitted too.
    if mail.content_type == "multipart/report" {
        match mail.report_type.as_deref() {
            Some("disposition-notification") => {
                auto.push("read receipt (multipart/report; disposition-notification)".to_string())
            }
            Some("feedback-report") => bounce
                .push("abuse/feedback report (multipart/report; feedback-report, ARF)".to_string()),
            Some(t) => bounce.push(format!(
                "delivery status report (multipart/report; {})",
                super::text::one_line(t)
            )),
            None => bounce.push("multipart/report".to_string()),
        }
    } else if let Some(part) = mail.report_parts.first() {
        if part.contains("disposition-notification") {
            auto.push(format!("contains a {part} part (read receipt)"));
        } else {
            bounce.push(format!("contains a {part} part (machine report)"));
        }
    }
    if empty_from {
        let raw = mail.header("from").unwrap_or("");
        bounce.push(format!(
            "From has an empty address ({:?}): only mail systems send that",
            super::text::one_line(raw)
                .chars()
                .take(60)
                .collect::<String>()
        ));
    }
    if machine_from {
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
    // A DSN-shaped body: a mail system's opening words at the top of what
    // was newly written, not under a person's own words or in a forward.
    if !forwarded_by_person {
        // A mail system's own address may open with a title line or two; a
        // person's address must open with the report itself, so someone who
        // writes "I got this back:" above a pasted bounce stays a person.
        let lines =
            if empty_from || null_sender || machine_from || NOTICE_SENDER.is_match(&from_local) {
                8
            } else {
                1
            };
        if let Some(m) = DSN_OPENING.find(&opening(&new_text, lines)) {
            bounce.push(format!(
                "the text opens like a delivery report ({:?})",
                m.as_str().trim()
            ));
        } else if empty_from
            || null_sender
            || machine_from
            || BOUNCE_SUBJECT.is_match(&mail.subject)
        {
            let signs: BTreeSet<String> = DSN_STRUCTURE
                .find_iter(head)
                .map(|m| m.as_str().trim().to_ascii_lowercase())
                .take(8)
                .collect();
            if signs.len() >= 2 {
                bounce.push(format!(
                    "delivery-report structure from a machine sender ({})",
                    signs.into_iter().take(3).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    // Provider notices about the mailbox (quota, quarantine), from a
    // machine address and without the credential bait of their imitations.
    if bounce.is_empty()
        && !forwarded_by_person
        && (NOTICE_SENDER.is_match(&from_local) || null_sender || empty_from)
        && !CREDENTIAL_BAIT.is_match(head)
    {
        let subject_and_head = format!("{}\n{}", mail.subject, opening(&new_text, 12));
        if let Some(m) = PROVIDER_NOTICE.find(&subject_and_head) {
            bounce.push(format!(
                "a mail provider's notice about the mailbox ({:?}) from {from_local}",
                m.as_str().trim()
            ));
        }
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
    // How many of the automatic signs only say "generated, answers
    // nothing" (RFC 3834 auto-generated or auto-notified, Exchange's
    // X-Auto-Response-Suppress): a notification, unless anything else is
    // automatic about it.
    let mut generated = 0;
    for (name, v) in &mail.headers {
        if name == "auto-submitted" && auto_submitted(v) {
            auto.push(format!("Auto-Submitted: {} (RFC 3834)", v.trim()));
            if !v.to_ascii_lowercase().contains("auto-replied") {
                generated += 1;
            }
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
        generated += 1;
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
    // Auto-replies that set no header: the body opens with the absence,
    // or with a ticket system's acknowledgement.
    if !FORWARD_SUBJECT.is_match(&mail.subject) {
        let open = opening(&new_text, 3);
        let new_len = new_text.trim().len();
        // A greeting line ("Hello,") before the notice is not part of it.
        let notice = match new_text.trim_start().split_once('\n') {
            Some((first, rest))
                if first.trim().len() < 60 && super::text::opens_with_greeting(first) =>
            {
                rest
            }
            _ => new_text.as_str(),
        };
        let folded = |lines| super::text::fold_accents(&opening(notice, lines));
        // "I'm out on site until Friday" opens an employer's complaint as
        // readily as an absence notice: only under an automatic reply's
        // subject ("Out of Office") is it one.
        let away = AUTO_SUBJECT.is_match(&mail.subject) && OOO_AWAY.is_match(&folded(3));
        if new_len < 1500
            && (OOO_OPENING.is_match(&folded(3)) || away)
            && OOO_DETAIL.is_match(&folded(8))
            && !NOT_OOO.is_match(&opening(&new_text, 12))
        {
            auto.push(format!(
                "the text is an out-of-office notice ({:?})",
                super::text::excerpt(&open, 80)
            ));
        }
        if new_len < 600 && DRIVING_REPLY.is_match(&open) {
            auto.push(format!(
                "a phone's automatic \"I'm driving\" reply ({:?})",
                super::text::excerpt(&open, 80)
            ));
        }
        if new_len < 3000 {
            if let Some(m) = READ_RECEIPT.find(&opening(&new_text, 8)) {
                auto.push(format!(
                    "a read receipt written as text ({:?})",
                    super::text::excerpt(m.as_str(), 80)
                ));
            }
        }
        let open = opening(&new_text, 12);
        if new_len < 3000 {
            let with_subject = format!("{}\n{open}", mail.subject);
            if let (Some(t), Some(a)) = (TICKET_NUMBER.find(&with_subject), TICKET_AUTO.find(&open))
            {
                auto.push(format!(
                    "a ticket system's acknowledgement ({:?}, {:?})",
                    t.as_str().trim(),
                    a.as_str().trim()
                ));
            }
        }
    }
    let strong_auto = auto.iter().any(|r| !r.starts_with("subject"));
    // RFC 3834: `auto-generated` is mail that answers nothing (a
    // notification: a calendar, a learning platform, a SaaS alert), and
    // Exchange marks its own with X-Auto-Response-Suppress. With nothing
    // else automatic about it (no auto-replied, no reply headers, no
    // out-of-office or ticket text, no automatic-reply subject) it is a
    // mailing, not an automatic reply.
    let notification_only = !answers && !auto.is_empty() && generated == auto.len();
    if notification_only {
        bulk.push(format!(
            "an automatic notification that answers no message ({})",
            auto.join("; ")
        ));
    } else if strong_auto || (!auto.is_empty() && null_sender && mail.has_header("return-path")) {
        return Some(Screened {
            kind: Kind::AutoReply,
            reasons: auto,
        });
    }
    if DMARC_SUBJECT.is_match(&mail.subject)
        || mail
            .attachments
            .iter()
            .filter_map(|a| a.name.as_deref())
            .any(|n| DMARC_FILE.is_match(n.trim()))
    {
        bulk.push("DMARC aggregate report (RFC 7489)".to_string());
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
    // A mailing without list headers: two distinct footer cues in newly
    // written text that answers nothing of ours and is not a forward.
    if bulk.is_empty() && !forwarded_by_person && !PERSON_OBJECTS.is_match(&new_text) {
        let undisclosed = mail
            .header("to")
            .is_some_and(|t| t.to_ascii_lowercase().contains("undisclosed"));
        let folded = super::text::fold_accents(&new_text);
        let mut footers: Vec<&str> = BULK_FOOTER
            .iter()
            .filter(|(_, re)| re.is_match(&folded))
            .map(|(name, _)| *name)
            .collect();
        // Sent from a mail client to many people at once by Bcc.
        if undisclosed {
            footers.push("sent to undisclosed recipients");
        }
        if footers.len() >= 2 {
            bulk.push(format!(
                "a newsletter's or marketing mail's footer without list headers ({})",
                footers.join(", ")
            ));
        }
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
    fn a_notification_that_answers_nothing_is_a_mailing_a_reply_is_automatic() {
        let raw = "From: Calendar <calendar-notification@tool.test>\r\nTo: info@org.test\r\nSubject: Reminder: team review at 10:00\r\nAuto-Submitted: auto-generated\r\nMessage-ID: <n@tool.test>\r\n\r\nYou have an event today at 10:00.\r\n";
        let s = screen(&parse(raw.as_bytes()).expect("parse"), &[]).expect("screened");
        assert_eq!(s.kind, Kind::Bulk, "{:?}", s.reasons);
        let s = screened("Subject: Re: Course\r\nAuto-Submitted: auto-generated\r\nIn-Reply-To: <ack@org.test>\r\n")
            .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply, "it answers our mail");
        let s = screened("Subject: Course\r\nAuto-Submitted: auto-replied\r\n").expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
    }

    #[test]
    fn a_website_form_that_marks_its_mail_automatic_still_carries_a_person() {
        let raw = "From: Website <noreply@org.test>\r\nTo: complaints@org.test\r\nSubject: New contact form submission\r\nAuto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\nPrecedence: bulk\r\nMessage-ID: <f@org.test>\r\n\r\nName: Jo Learner\r\nEmail: jo@mail.test\r\nMessage: My assessor has not turned up twice and I want to complain.\r\n";
        let mail = parse(raw.as_bytes()).expect("parse");
        assert!(mail.relayed_by.is_some(), "read as a form relay");
        assert_eq!(
            screen(&mail, &[]),
            None,
            "a person's message, not machine mail"
        );
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

    fn with_body(from: &str, subject: &str, body: &str) -> Option<Screened> {
        let raw = format!(
            "From: {from}\r\nTo: complaints@org.test\r\nSubject: {subject}\r\nMessage-ID: <b@mail.test>\r\n\r\n{body}\r\n"
        );
        screen(&parse(raw.as_bytes()).expect("parse"), &[])
    }

    #[test]
    fn dsn_shaped_bodies_from_any_mta_are_bounces() {
        for (from, body) in [
            ("mail@mx.test", "Hi. This is the qmail-send program at mx.test.\nI'm afraid I wasn't able to deliver your message."),
            ("Mail System <mail@mx.test>", "The original message was received at Mon, 30 Nov 2026 05:01:12 GMT\nfrom localhost"),
            ("bounces@mx.test", "This is the mail system at host mx.test.\n\nI'm sorry to have to inform you"),
            ("it@corp.test", "There was an error delivering your mail to jo@corp.test."),
            ("Exchange <exch@corp.test>", "Delivery has failed to these recipients or groups:\n\njo@corp.test"),
            ("mail@mx.test", "----- The following addresses had permanent fatal errors -----\n<jo@x.test>"),
            ("no-reply@sns.provider.test", "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\"}}"),
        ] {
            let s = with_body(from, "Message status", body).expect(body);
            assert_eq!(s.kind, Kind::Bounce, "{body}");
        }
    }

    #[test]
    fn post_master_is_the_mail_system() {
        let s = with_body(
            "post_master@sms.test",
            "Re: Hello",
            "Message could not be sent.",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::Bounce);
    }

    #[test]
    fn an_empty_from_address_is_a_mail_system() {
        let s = with_body(
            "MAILER-DAEMON <>",
            "Returned mail",
            "Reason: 550 User unknown",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::Bounce);
        assert!(s.reasons[0].contains("empty address"), "{:?}", s.reasons);
    }

    #[test]
    fn people_who_mention_or_forward_bounces_are_people() {
        assert_eq!(
            with_body(
                "Jo <jo@mail.test>",
                "my email bounced",
                "My email bounced. There was an error delivering your mail, it said. What is the right address?"
            ),
            None
        );
        assert_eq!(
            with_body(
                "Jo <jo@mail.test>",
                "Re: your complaint",
                "I got this back:\n\nDelivery has failed to these recipients or groups:\ntutor@org.test"
            ),
            None
        );
        assert_eq!(
            with_body(
                "Jo <jo@mail.test>",
                "Fwd: Undelivered Mail Returned to Sender",
                "This keeps bouncing and nobody answers me.\n\n---------- Forwarded message ---------\nFrom: MAILER-DAEMON@mx.test\n\nThis is the mail system at host mx.test."
            ),
            None
        );
    }

    #[test]
    fn out_of_office_without_headers_but_not_a_person_on_leave_who_complains() {
        let s = with_body(
            "Phil <phil@b.test>",
            "Re: Review",
            "I am currently out of the office until Friday with limited access to email.",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
        let s = with_body(
            "Sheds <office@sheds.test>",
            "Out of Office",
            "Hi,\nThanks for your email. The office is closed until Monday 9th November. For orders please ring Dai.",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
        let s = with_body(
            "Gethin <gethin@sparks.test>",
            "Out of Office",
            "Hi,\n\nThanks for your email. I'm out on site until Thursday 3 December with very little signal so replies will be slow.\n\nFor anything urgent please ring the office.",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
        // The same absence opening a person's own mail, under their own
        // subject, is theirs to tell.
        for (subject, body) in [
            ("Timesheets", "Hi,\n\nI'm out on site until Friday so please contact me on my mobile. Our apprentice Dan has not had his timesheet signed off for three weeks and his pay is wrong."),
            ("Certificate", "I am out of the country until 14 January but I wanted to ask whether my son's certificate has been posted. Please contact his dad."),
            ("Supervision", "I am at a conference until Thursday, but wanted to let you know your assessor left our apprentice with no supervisor on site."),
        ] {
            assert_eq!(with_body("Sam <sam@b.test>", subject, body), None, "{body}");
        }
        // A closed centre in a complaint is not a notice.
        assert_eq!(
            with_body(
                "Lee <lee@b.test>",
                "Timetable",
                "The centre is closed on Fridays until 1pm, but my timetable says my class starts at 9. I have stood outside three weeks running. Please contact me to sort this out."
            ),
            None
        );
        assert_eq!(
            with_body(
                "Dana <dana@b.test>",
                "Visits",
                "I am on leave until Monday but the assessor did not turn up again. This is unacceptable."
            ),
            None
        );
    }

    #[test]
    fn provider_notices_but_not_their_phishing_imitations() {
        let s = with_body(
            "quarantine@messaging.provider.test",
            "Spam Quarantine Notification",
            "You have 3 new messages in quarantine.",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::Bounce);
        assert_eq!(
            with_body(
                "no-reply@mailbox-support.test",
                "Your mailbox is almost full",
                "Your mailbox is almost full. Verify your account or it will be closed."
            ),
            None
        );
    }

    #[test]
    fn out_of_office_in_other_languages_typed_with_or_without_accents() {
        for (subject, body) in [
            ("Cwrs", "Diolch am eich e-bost. Rwyf allan o'r swyddfa hyd at ddydd Llun 7 Rhagfyr."),
            ("Kurs", "Dziękuję za wiadomość. Jestem na urlopie do 4 grudnia. W pilnych sprawach proszę pisać do biura."),
            ("Curso", "Estoy fuera de la oficina hasta el lunes. En caso de urgencia llame a recepción."),
            ("Curs", "Sunt in concediu pana la 3 decembrie."),
            ("Re: Cwrs", "Diolch am eich neges. Dw i ar wyliau tan 9 Ionawr. Os yw'n fater brys, cysylltwch a'r swyddfa."),
        ] {
            let s = with_body("Staff <s@b.test>", subject, body).expect(body);
            assert_eq!(s.kind, Kind::AutoReply, "{body}");
        }
    }

    #[test]
    fn phones_driving_replies_and_text_read_receipts_are_automatic() {
        for body in [
            "I'm driving with Do Not Disturb While Driving turned on. I'll see your message when I get where I'm going.",
            "Your message\r\n\r\n  To: Complaints\r\n  Subject: Your complaint\r\n  Sent: 02/11/2026 09:12\r\n\r\nwas read on 02/11/2026 10:40.",
            "This is a Return Receipt for the mail that you sent to jo@b.test.",
        ] {
            let s = with_body("Jo <jo@b.test>", "Re: Your complaint", body).expect(body);
            assert_eq!(s.kind, Kind::AutoReply, "{body}");
        }
        // A person who is driving and writes about it is a person.
        assert_eq!(
            with_body(
                "Jo <jo@b.test>",
                "Lessons",
                "I was driving to the centre when the tutor rang to cancel again. Why does this keep happening?"
            ),
            None
        );
    }

    #[test]
    fn a_mailing_without_list_headers_is_bulk_but_a_person_mentioning_unsubscribe_is_not() {
        let s = with_body(
            "FE News <news@fenews.test>",
            "This week: complaints handling in FE",
            "Five lessons from Ombudsman complaints.\r\n\r\nYou are receiving this email because you signed up at our website.\r\nUnsubscribe | Manage your preferences",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::Bulk);
        assert_eq!(
            with_body(
                "Sam <sam@b.test>",
                "Emails",
                "I clicked unsubscribe three times and you still send me adverts. I want this stopped."
            ),
            None
        );
    }

    #[test]
    fn an_out_of_office_after_a_greeting_and_marketing_without_list_headers() {
        let s = with_body(
            "Gary <gary@b.test>",
            "Re: Your review",
            "Hello,\r\n\r\nI am currently on annual leave returning Monday 7th December. For anything urgent please contact Julie.",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::AutoReply);
        let s = with_body(
            "Hannah at ResolveHQ <hannah@resolvehq.test>",
            "Are complaints slipping through the cracks?",
            "How many complaints missed the 5-day deadline? Book a 20-minute demo.\r\n\r\nResolveHQ Ltd. Unsubscribe",
        )
        .expect("screened");
        assert_eq!(s.kind, Kind::Bulk);
        assert_eq!(
            with_body(
                "Sam <sam@b.test>",
                "Offers",
                "I have already unsubscribed twice and you still send me your 20% off offers. Unsubscribe means stop."
            ),
            None
        );
    }
}
