//! Classification of a person's message: complaint, compliment, comment or
//! other (enquiry), with flags, and the reasons a handler can read.
//!
//! Rule-based and explainable on purpose: every point of score comes from a
//! named cue that is recorded in `reasons`. Only the newly written text drives
//! the label: quoted history, signatures and legal disclaimers are removed
//! first (see `core::quote`); forwarded text counts at reduced weight.

mod languages;
mod lexicon;
mod score;

use super::kind::{Flag, Kind};
use super::lean_regex::Match;
use super::learned;
use super::mail::InboundMail;
use super::quote::{self, HistoryKind};
use super::screen::screen;
use super::text::{cut_bytes, fold_accents, normalise};
use languages::{Target, LANGUAGE_CUES};
use lexicon::{
    Class, ANON_SIGN_OFF, CONCERN, FLAG_CUES, FORWARD_SUBJECT, HANDLER_NAMED, LOOK_ALIKE,
    MANAGER_IN_SUBJECT, ORGANISATION_AFTER, OWN_MANAGER_BEFORE, PERSON_AFTER, STAFF_CONSENTS,
    SUBJECT_PREFIX, TITLE_NOT_SUBJECT, UNSAFE_PLACE, WELFARE_IDIOM,
};
use score::{score_text, Scores};
use serde::Serialize;
use std::collections::BTreeSet;

/// The classifier's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The label.
    pub kind: Kind,
    /// Flags, sorted.
    pub flags: BTreeSet<Flag>,
    /// Why, in words a handler can read.
    pub reasons: Vec<String>,
    /// A person's message the classifier is unsure about between complaint
    /// and anything else: the daemon opens it in triage (a neutral
    /// acknowledgement and a running clock while a handler confirms the
    /// kind). `kind` stays the best guess. Never true for machine mail.
    pub triage: bool,
}

/// How close (in score points) the complaint score may come to the winning
/// score of a message judged something else before the label counts as
/// unsure. Below one cue's weight: a margin this small is a coin toss.
pub const TRIAGE_MARGIN: f32 = 1.0;

/// The share of the winning score a complaint score must reach for its cues
/// to make the message unsure. Set on the repository's corpora
/// (tests/data/classify, shared-corpus, blind/triage-1): it keeps every
/// complaint the lexicon has any cue for while about one in nine
/// compliments, comments and enquiries lands in triage.
pub const TRIAGE_SHARE: f32 = 0.3;

/// Organisation-specific hints (from config): names of subcontracted
/// partners and of staff who handle complaints, which sharpen two flags.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// Names of subcontracted training partners, e.g. "Pennine Skills Partnership".
    pub subcontractors: Vec<String>,
    /// Names of complaint handlers and managers (for `staff_subject`).
    pub handler_names: Vec<String>,
    /// The organisation's own mailbox addresses.
    pub own_addresses: Vec<String>,
    /// The learned layer's model (the shipped one unless the organisation
    /// has refitted it with its corrections).
    pub learned: super::learned::Learned,
}

/// The text that should drive the label: the newly written part, plus any
/// forwarded part (forwards are the content, at reduced weight), plus the
/// text of attached documents.
pub struct Parts {
    /// Newly written text.
    pub new: String,
    /// Forwarded text (empty for replies: quoted history never counts).
    pub forwarded: String,
    /// Text read from attached documents (PDF, Word), each under a line
    /// naming its attachment. Never read for commands: only the body speaks.
    pub attached: String,
}

/// The line that separates a person's own words from what they forwarded,
/// in the text a case records. The reply reader stops at it: forwarded
/// words are evidence, not the sender's request.
pub const FORWARD_MARK: &str = "--- forwarded ---";

/// The line that opens the text read from an attached document, in the
/// text a case records (followed by the attachment's name).
pub const ATTACHED_MARK: &str = "--- text from ";

/// The words a sender wrote themselves in text a case recorded: up to the
/// first forwarded or attached marker line, without the `> ` lines that
/// quote our own mail above an interleaved answer. Everything that reads
/// a reply for what the sender means or asks (intent, consent addresses,
/// survey answers, language, the points restated to them) reads this.
pub fn own_words(text: &str) -> String {
    text.lines()
        .take_while(|l| {
            let l = l.trim();
            l != FORWARD_MARK && !l.starts_with(ATTACHED_MARK)
        })
        .filter(|l| !l.trim_start().starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Parts {
    /// What a case records of a message whose own words are `own` (the new
    /// text, or a handler's after copied mail is cut): those words, then
    /// what it forwarded and the text of its attached documents, each under
    /// its marker line, so the handler sees the evidence it carried.
    pub fn recorded(&self, own: &str) -> String {
        let mut text = own.to_string();
        if !self.forwarded.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(FORWARD_MARK);
            text.push('\n');
            text.push_str(&self.forwarded);
        }
        if !self.attached.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(&self.attached);
        }
        text
    }
}

/// Split a message into the parts the classifier reads.
pub fn parts(mail: &InboundMail) -> Parts {
    let split = quote::split(&mail.text);
    let is_forward = FORWARD_SUBJECT.is_match(&mail.subject) || split.kind == HistoryKind::Forward;
    let mut forwarded = if is_forward {
        split.history
    } else {
        String::new()
    };
    // A message attached whole is forwarded content whatever the subject
    // says: people forward a complaint as an attachment under any subject.
    for m in &mail.attached_messages {
        forwarded.push('\n');
        forwarded.push_str(&m.subject);
        forwarded.push('\n');
        forwarded.push_str(&m.text);
    }
    let mut attached = String::new();
    for e in &mail.extracted {
        if !e.text.trim().is_empty() {
            attached.push_str(&format!("{ATTACHED_MARK}{} ---\n", e.source));
            attached.push_str(&e.text);
            attached.push('\n');
        }
    }
    Parts {
        new: split.new,
        forwarded,
        attached,
    }
}

/// Where the text came from and what could not be read, for the reasons.
fn provenance(mail: &InboundMail) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(form), Some(from)) = (&mail.relayed_by, &mail.from) {
        out.push(format!(
            "relayed by the website contact form ({}): the sender is {}{}",
            form.address,
            from.name
                .as_deref()
                .map(|n| format!("{n} "))
                .unwrap_or_default(),
            from.address
        ));
    }
    for m in mail.attached_messages.iter().take(3) {
        let who = m
            .from
            .as_ref()
            .map(|f| f.address.as_str())
            .unwrap_or("an unknown sender");
        out.push(format!(
            "text from a forwarded message (originally from {who}, {:?})",
            super::text::one_line(&m.subject)
        ));
    }
    for e in &mail.extracted {
        if !e.text.trim().is_empty() {
            out.push(format!(
                "text from {} ({} characters)",
                e.source,
                e.text.chars().count()
            ));
        }
        for p in &e.problems {
            out.push(format!("could not read all of {}: {p}", e.source));
        }
    }
    out.extend(mail.unread.iter().map(|u| format!("could not read: {u}")));
    out
}

/// Classify a parsed message. Pure: same input, same answer.
pub fn classify(mail: &InboundMail, hints: &Hints) -> Classification {
    classify_parts(mail, &parts(mail), hints)
}

/// Classify with the parts already split off (ingest needs them too, and
/// splitting a reply is the costly step, so it is done once).
pub fn classify_parts(mail: &InboundMail, p: &Parts, hints: &Hints) -> Classification {
    if let Some(s) = screen(mail, &hints.own_addresses) {
        return Classification {
            kind: s.kind,
            flags: BTreeSet::new(),
            reasons: s.reasons,
            triage: false,
        };
    }
    let mut c = classify_text(
        &mail.subject,
        cut_bytes(&p.new, CLASSIFY_MAX_BYTES),
        cut_bytes(&p.forwarded, CLASSIFY_MAX_BYTES),
        cut_bytes(&p.attached, CLASSIFY_MAX_BYTES),
        mail,
        hints,
    );
    c.reasons.extend(provenance(mail));
    c
}

/// How much of the new and of the forwarded text the lexicon reads. What a
/// message is about shows in its opening; reading megabytes of it with every
/// pattern (slow paths for non-ASCII text, e.g. invalid UTF-8) let one large
/// message stall ingest.
pub const CLASSIFY_MAX_BYTES: usize = 64 * 1024;

/// What the learned layer reads of a message: the same parts the lexicon
/// scores, with text read from attachments counted as written (an attached
/// letter is what the sender wrote). One builder for classifying and for
/// training, so the model is fitted on exactly what it is later shown.
pub fn learned_doc(
    subject: &str,
    new: &str,
    forwarded: &str,
    attached: &str,
    named: bool,
) -> learned::Doc {
    let new = if attached.trim().is_empty() {
        new.to_string()
    } else {
        format!("{new}\n{attached}")
    };
    learned::Doc {
        subject: subject.to_string(),
        new,
        forwarded: forwarded.to_string(),
        named,
    }
}

fn classify_text(
    subject: &str,
    new: &str,
    forwarded: &str,
    attached: &str,
    mail: &InboundMail,
    hints: &Hints,
) -> Classification {
    let mut s = Scores {
        other: 1.5,
        ..Scores::default()
    };
    s.reasons
        .push((1.5, "other: no strong signal yet (baseline)".into()));
    score_text(&mut s, new, 1.0, "text");
    if !forwarded.trim().is_empty() {
        score_text(&mut s, forwarded, 0.5, "forwarded text");
    }
    // An attached letter is what the sender wrote, as much as the body is.
    if !attached.trim().is_empty() {
        score_text(&mut s, attached, 1.0, "attachment");
    }
    // The subject is a hint, never the deciding voice: people joke in subjects
    // ("Complaint" over praise) and reply under old subjects.
    let subj = SUBJECT_PREFIX.replace(subject, "").to_string();
    if !subj.is_empty() {
        score_text(&mut s, &subj, 0.4, "subject");
    }
    // Dissatisfaction plus a request for a response is the definition of a
    // complaint both seed procedures use.
    let has = |s: &Scores, prefix: &str| s.reasons.iter().any(|(_, r)| r.starts_with(prefix));
    let problem = has(&s, "complaint: something")
        || has(&s, "complaint: no reply")
        || has(&s, "complaint: delay")
        || has(&s, "complaint: expresses")
        || has(&s, "complaint: politely")
        || has(&s, "complaint: said it")
        || has(&s, "complaint: describes poor treatment");
    let asks = has(&s, "complaint: asks for an explanation");
    if problem && asks {
        s.add(
            Class::Complaint,
            2.0,
            "complaint: reports a problem and asks for a response".into(),
        );
    }
    // "No need to reply" and "not a complaint" undo problem words about the past.
    if has(&s, "comment: expects no reply") || has(&s, "comment: says it is not a complaint") {
        s.complaint *= 0.5;
    }
    if has(&s, "compliment: says thank you") && !asks {
        s.complaint *= 0.6;
    }

    let candidates = [
        (Kind::Complaint, s.complaint),
        (Kind::Compliment, s.compliment),
        (Kind::Comment, s.comment),
        (Kind::Other, s.other),
    ];
    let mut kind = Kind::Other;
    let mut best = f32::MIN;
    for (k, v) in candidates {
        if v > best {
            best = v;
            kind = k;
        }
    }
    // A complaint must clear a bar: a stray "late" is not dissatisfaction.
    if kind == Kind::Complaint && s.complaint < 2.2 {
        kind = if s.comment >= s.compliment && s.comment >= 2.0 {
            Kind::Comment
        } else if s.compliment >= 2.0 {
            Kind::Compliment
        } else {
            Kind::Other
        };
    }

    let mut reasons: Vec<String> = vec![format!(
        "scores: complaint {:.1}, compliment {:.1}, comment {:.1}, other {:.1}",
        s.complaint, s.compliment, s.comment, s.other
    )];
    let triage = unsure(kind, &s, &mut reasons);
    let label = kind.as_str();
    let mut own: Vec<&(f32, String)> = s
        .reasons
        .iter()
        .filter(|(_, r)| r.starts_with(label) && !r.contains("baseline"))
        .collect();
    own.sort_by(|a, b| b.0.total_cmp(&a.0));
    reasons.extend(own.iter().take(6).map(|(_, r)| r.clone()));

    // The learned layer: overrules the lexicon's kind only when confident
    // (a message it makes a complaint leaves triage), and adds the flags its
    // recall-tuned thresholds raise.
    let prediction = hints.learned.model().map(|m| {
        m.predict(&learned_doc(
            subject,
            new,
            forwarded,
            attached,
            mail.from.as_ref().is_some_and(|f| f.name.is_some()),
        ))
    });
    let (kind, triage) = match &prediction {
        Some(p) => {
            let decided = learned::decide_kind(kind, p, &mut reasons);
            (decided, learned::triage(decided, triage, p))
        }
        None => (kind, triage),
    };
    let with_attached;
    let forwarded = if attached.trim().is_empty() {
        forwarded
    } else {
        with_attached = format!("{forwarded}\n{attached}");
        with_attached.as_str()
    };
    let mut flags = flags(
        kind,
        triage,
        subject,
        new,
        forwarded,
        mail,
        hints,
        &mut reasons,
    );
    if let Some(p) = &prediction {
        let mut raised = learned::flags(kind, triage, p, &mut reasons);
        // The model reads "manager" as a manager complained about; the
        // writer's own line manager (at their employer) is not one of the
        // organisation's, and alone is no reason for staff_subject.
        if raised.contains(&Flag::StaffSubject)
            && !flags.contains(&Flag::StaffSubject)
            && only_own_manager(&normalise(&format!("{subject}\n{new}\n{forwarded}")))
        {
            raised.remove(&Flag::StaffSubject);
            reasons.retain(|r| !r.starts_with("learned: flag staff_subject"));
            reasons.push(
                "learned: staff_subject left off: the only manager named is the writer's own"
                    .to_string(),
            );
        }
        flags.extend(raised);
    }
    Classification {
        kind,
        flags,
        reasons,
        triage,
    }
}

/// Recall first: a message judged something other than a complaint is
/// unsure when a dissatisfaction cue spoke for "complaint" and the complaint
/// score reached [`TRIAGE_SHARE`] of the winner's, or when the complaint
/// score came within [`TRIAGE_MARGIN`] of the winner. Against an enquiry's
/// baseline that is any dissatisfaction cue at all; in an effusive
/// compliment one stray "mistake" is drowned out (triage is a safety net,
/// not a dumping ground). Asking for an explanation or action is not
/// dissatisfaction on its own ("could you tell me when the course starts"):
/// it makes a message unsure only by the margin. A complaint is never
/// unsure in this sense: it already gets an acknowledgement and a clock, and
/// a wrong one costs a handler one `#reclassify`.
fn unsure(kind: Kind, s: &Scores, reasons: &mut Vec<String>) -> bool {
    if kind == Kind::Complaint || s.complaint <= 0.0 {
        return false;
    }
    let strongest = |dissatisfaction_only: bool| {
        s.reasons
            .iter()
            .filter(|(w, r)| {
                *w > 0.0
                    && r.starts_with("complaint:")
                    && !(dissatisfaction_only && r.starts_with("complaint: asks for"))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, r)| r.clone())
    };
    let winner = s.compliment.max(s.comment).max(s.other);
    let close = winner - s.complaint < TRIAGE_MARGIN;
    let cue = match strongest(true) {
        Some(cue) if s.complaint >= TRIAGE_SHARE * winner => Some(cue),
        _ if close => strongest(false),
        _ => None,
    };
    let Some(cue) = cue else {
        return false;
    };
    reasons.push(format!(
        "triage: unsure whether a complaint (complaint {:.1} against {kind} {winner:.1}; {cue})",
        s.complaint
    ));
    true
}

/// Whether a flag applies to a message of `kind`: safeguarding whatever
/// the kind; a hazard in a complaint or a suggestion; who writes (for a
/// learner, unnamed) in any person's message and a subcontracted partner's
/// teaching in praise and suggestions too, since they are recorded with
/// those; the flags that change how a complaint is
/// run (an assessment appeal, a complaint about a manager) in a complaint.
/// A message in triage may be a complaint, so every flag applies to it:
/// neither a hazard nor a subcontractor or a named manager may wait for a
/// handler to confirm the kind.
pub(crate) fn flag_applies(flag: Flag, kind: Kind, triage: bool) -> bool {
    match flag {
        Flag::Safeguarding => true,
        Flag::HealthSafety => triage || matches!(kind, Kind::Complaint | Kind::Comment),
        Flag::OnBehalf | Flag::Anonymous => triage || !kind.is_machine(),
        Flag::Subcontractor => {
            triage || matches!(kind, Kind::Complaint | Kind::Compliment | Kind::Comment)
        }
        _ => triage || kind == Kind::Complaint,
    }
}

/// Whether the learned model may raise a flag on a message of `kind`: as
/// [`flag_applies`], except that outside a complaint (or triage) it raises
/// only the hazards. The lexicon reads who writes from words that say so
/// ("my son", "on behalf of"); the model leans on words that are common in
/// praise and questions too ("his", "partner"): cross-validated on the
/// 1,982 labelled messages of the sixth session, letting it raise
/// on_behalf outside complaints took 56 more flags for 6 more right ones.
pub(crate) fn model_may_raise(flag: Flag, kind: Kind, triage: bool) -> bool {
    flag_applies(flag, kind, triage) && (triage || kind == Kind::Complaint || flag.is_hazard())
}

#[allow(clippy::too_many_arguments)]
fn flags(
    kind: Kind,
    triage: bool,
    subject: &str,
    new: &str,
    forwarded: &str,
    mail: &InboundMail,
    hints: &Hints,
    reasons: &mut Vec<String>,
) -> BTreeSet<Flag> {
    let mut out = BTreeSet::new();
    let text = normalise(&format!("{subject}\n{new}\n{forwarded}"));
    let folded = fold_accents(&text);
    let by_language = LANGUAGE_CUES.iter().filter_map(|c| match c.target {
        Target::Flag(flag) => Some((flag, c.name.as_str(), &c.re, folded.as_str())),
        Target::Kind(..) => None,
    });
    let cues = FLAG_CUES
        .iter()
        .map(|(flag, why, re)| (*flag, *why, re, text.as_str()))
        .chain(by_language);
    let has_hazard = cues
        .clone()
        .any(|(flag, _, re, text)| flag == Flag::HealthSafety && re.is_match(text));
    for (flag, why, re, text) in cues {
        if !flag_applies(flag, kind, triage) || out.contains(&flag) {
            continue;
        }
        // The first cue that is not the name of a course ("safeguarding
        // module", "health and safety quiz").
        // The word "safeguarding" alone outside a complaint (a job
        // application, thanks to the team) with no worry beside it.
        // The word "anonymous" alone outside a complaint is as often about
        // others ("responses to my survey will be anonymous", "an anonymous
        // feedback form") as about the writer.
        let passing_mention = |m: &Match| {
            kind != Kind::Complaint
                && !triage
                && match flag {
                    Flag::Safeguarding => {
                        m.as_str().trim() == "safeguarding" && !CONCERN.is_match(text)
                    }
                    Flag::Anonymous => m.as_str().trim().starts_with("anonymous"),
                    _ => false,
                }
        };
        // Training "held at the ALS training centre", written to ALS, is
        // the organisation's own.
        let our_own =
            |m: &Match| flag == Flag::Subcontractor && names_us(m.as_str(), &hints.own_addresses);
        // "My line manager is happy for me to raise this": a colleague's
        // leave, not a learner's consent.
        let staff_consents =
            |m: &Match| flag == Flag::OnBehalf && STAFF_CONSENTS.is_match(m.as_str());
        // "On behalf of Dunmore Logistics Group": for an organisation.
        let for_an_organisation = |m: &Match| {
            flag == Flag::OnBehalf
                && m.as_str().trim() == "on behalf of"
                && ORGANISATION_AFTER.is_match(&text[m.end()..])
                && !PERSON_AFTER.is_match(&text[m.end()..])
        };
        // A welfare word used as an idiom ("not going to be bullied into
        // hiring", "told her to stop crying"), or feeling unsafe in a place
        // beside a hazard (a blocked fire exit: "I don't feel safe there").
        let not_a_person_at_risk = |m: &Match| {
            flag == Flag::Safeguarding
                && (WELFARE_IDIOM.is_match(around(text, m.start(), m.end(), 40))
                    || (m.as_str().contains("safe") || m.as_str().contains("ddiogel"))
                        && UNSAFE_PLACE.is_match(&text[m.end()..])
                        && has_hazard)
        };
        let found = re.find_iter(text).find(|m| {
            !LOOK_ALIKE.is_match(&text[m.end()..])
                && !passing_mention(m)
                && !not_a_person_at_risk(m)
                && !our_own(m)
                && !for_an_organisation(m)
                && !staff_consents(m)
        });
        if let Some(m) = found {
            out.insert(flag);
            reasons.push(format!("flag {flag}: {why} (\"{}\")", quote_of(m.as_str())));
        }
    }
    if flag_applies(Flag::Subcontractor, kind, triage) {
        for name in &hints.subcontractors {
            if !name.trim().is_empty() && text.contains(&normalise(name)) {
                out.insert(Flag::Subcontractor);
                reasons.push(format!(
                    "flag subcontractor: names the subcontractor {name:?}"
                ));
            }
        }
        if !out.contains(&Flag::Subcontractor) {
            if let Some(why) = another_place_delivers(&text, &folded, &hints.own_addresses) {
                out.insert(Flag::Subcontractor);
                reasons.push(format!(
                    "flag subcontractor: training or assessment at another place ({why})"
                ));
            }
        }
    }
    if kind == Kind::Complaint || triage {
        for name in &hints.handler_names {
            let n = normalise(name);
            if !n.is_empty()
                && text.contains(&n)
                && text.contains("complaint")
                && text.contains("handl")
            {
                out.insert(Flag::StaffSubject);
                reasons.push(format!(
                    "flag staff_subject: complains about the handling by {name:?}"
                ));
            }
        }
        // Whom a complaint is about is often said in its subject alone
        // ("complaint about manager", "Cwyn am y Cyfarwyddwr").
        let subj = normalise(subject);
        if kind == Kind::Complaint && !out.contains(&Flag::StaffSubject) {
            if let Some(m) = MANAGER_IN_SUBJECT.find(&subj) {
                if !TITLE_NOT_SUBJECT.is_match(&subj) {
                    out.insert(Flag::StaffSubject);
                    reasons.push(format!(
                        "flag staff_subject: its subject names a manager (\"{}\")",
                        m.as_str()
                    ));
                }
            }
        }
    }
    // No name anywhere: no display name and a sign-off that is not a name.
    if flag_applies(Flag::Anonymous, kind, triage) && !out.contains(&Flag::Anonymous) {
        // A display name that is itself a sign-off of nobody in particular
        // ("Disgruntled of Swansea") is no name either.
        let no_display = mail.from.as_ref().is_none_or(|f| {
            f.name
                .as_ref()
                .is_none_or(|n| ANON_SIGN_OFF.is_match(&n.to_lowercase()))
        });
        let signs_anon = ANON_SIGN_OFF.is_match(&new.to_lowercase());
        if no_display && signs_anon {
            out.insert(Flag::Anonymous);
            reasons
                .push("flag anonymous: no name given, signs as nobody in particular".to_string());
        }
    }
    // Safeguarding takes precedence over a workshop hazard described with
    // words like "hurt", but both can be true.
    out
}

/// Whether every manager `text` names is the writer's own ("my line
/// manager", "my boss"): true only when at least one is named and no one
/// who handled a complaint is (they are staff_subject's other subject).
fn only_own_manager(text: &str) -> bool {
    if HANDLER_NAMED.is_match(text) {
        return false;
    }
    let mut named = false;
    for m in MANAGER_IN_SUBJECT.find_iter(text) {
        named = true;
        let before = &text[..m.start()];
        if !OWN_MANAGER_BEFORE.is_match(before) {
            return false;
        }
    }
    named
}

/// A cue's words for a reason, its ends only when the cue spans a
/// paragraph (an age and, sentences later, what happened).
fn quote_of(m: &str) -> String {
    let m = m.trim();
    let chars: Vec<char> = m.chars().collect();
    if chars.len() <= 100 {
        return m.to_string();
    }
    let head: String = chars[..45].iter().collect();
    let tail: String = chars[chars.len() - 45..].iter().collect();
    format!("{} … {}", head.trim_end(), tail.trim_start())
}

/// The text of a match with up to `pad` bytes either side, cut at
/// character boundaries.
fn around(text: &str, start: usize, end: usize, pad: usize) -> &str {
    let mut from = start.saturating_sub(pad);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + pad).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    &text[from..to]
}

/// Whether `words` (a place's name as written) name the organisation
/// itself, judged by its mail domains: "als training" or "alstraining"
/// for `info@alstraining.org.uk`, "pareto" for `feedback@pareto.co.uk`,
/// and a name whose initials are the domain ("Cardiff and Vale College"
/// for `info@cavc.ac.uk`).
fn names_us(words: &str, own_addresses: &[String]) -> bool {
    let joined: String = words.split_whitespace().collect();
    // The initials of each run of words that ends the name (a flag cue's
    // match starts with words before the name: "held at cardiff and vale
    // college"), with and without "and", "of", "the".
    let list: Vec<&str> = words.split_whitespace().collect();
    let initials = |from: usize, skip_small: bool| -> String {
        list[from..]
            .iter()
            .filter(|w| !skip_small || !matches!(**w, "and" | "of" | "the" | "for" | "a"))
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let by_initials: Vec<String> = (0..list.len().saturating_sub(1))
        .flat_map(|i| [initials(i, false), initials(i, true)])
        .collect();
    own_addresses
        .iter()
        .filter_map(|a| a.rsplit_once('@').map(|(_, d)| d))
        .filter_map(|d| d.split('.').next())
        .map(str::to_lowercase)
        .filter(|d| d.len() >= 2)
        .any(|n| {
            words.split_whitespace().any(|w| w == n)
                || joined.starts_with(n.as_str())
                || (joined.len() >= 3 && n.starts_with(joined.as_str()))
                || joined.contains(n.as_str())
                || (n.len() >= 3 && by_initials.contains(&n))
        })
}

/// Where `text` (and its accent-folded form) places training or assessment
/// with another organisation, the words that say so; a place named with the
/// organisation's own name ("the ALS training centre", given mail to
/// `info@alstraining.org.uk`) is its own provision, not a subcontractor's.
fn another_place_delivers(text: &str, folded: &str, own: &[String]) -> Option<String> {
    let is_own = |org: &str| names_us(org, own);
    for c in lexicon::OTHER_PLACE_DELIVERS.captures_iter(text) {
        let org = c
            .name("org")
            .or_else(|| c.name("org2"))
            .or_else(|| c.name("org3"))
            .or_else(|| c.name("org4"))
            .map_or("", |m| m.as_str());
        // "at the college", "by a training": no name, nothing to tell.
        let named = org.split_whitespace().rev().skip(1).any(|w| {
            !matches!(
                w,
                "the"
                    | "a"
                    | "an"
                    | "my"
                    | "our"
                    | "your"
                    | "their"
                    | "this"
                    | "that"
                    | "same"
                    | "local"
                    | "own"
            )
        });
        if org.is_empty() || (named && !is_own(org)) {
            return c.get(0).map(|m| format!("\"{}\"", m.as_str().trim()));
        }
    }
    lexicon::OTHER_PLACE_DELIVERS_ABROAD
        .find(folded)
        .or_else(|| lexicon::OTHER_PLACE_DELIVERS_ABROAD.find(text))
        .map(|m| format!("\"{}\"", m.as_str().trim()))
}

/// Why `text` looks like a complaint about the use of someone's personal
/// data (the words that said so), if it does: the case is then marked
/// `data_protection` (core::case's data-protection clock).
pub fn data_protection_cue(text: &str) -> Option<String> {
    lexicon::DATA_PROTECTION_CUE.find(text).map(|m| {
        format!(
            "a complaint about the use of personal data (\"{}\")",
            m.as_str().trim()
        )
    })
}

/// Classify raw message bytes; unreadable input is an error the caller reports.
pub fn classify_raw(raw: &[u8], hints: &Hints) -> Result<Classification, super::mail::MailError> {
    let mail = super::mail::parse(raw)?;
    Ok(classify(&mail, hints))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kind and flags of a message to an organisation whose name the
    /// learned layer has never seen (so the rules under test decide).
    fn flags_of(subject: &str, body: &str) -> (Kind, BTreeSet<Flag>) {
        let raw = format!(
            "From: Jo Bloggs <jo@mail.test>\r\nTo: info@westfieldlearning.org.uk\r\nSubject: {subject}\r\nMessage-ID: <f@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\nJo Bloggs\r\n"
        );
        let hints = Hints {
            own_addresses: vec!["info@westfieldlearning.org.uk".into()],
            ..Hints::default()
        };
        let c = classify_raw(raw.as_bytes(), &hints).expect("parses");
        (c.kind, c.flags)
    }

    const UNHAPPY: &str = "I am very unhappy and want to make a formal complaint. Please explain what you will do about it.";

    #[test]
    fn a_manager_named_in_the_subject_is_whom_the_complaint_is_about() {
        let (kind, flags) = flags_of("Complaint about your operations manager", UNHAPPY);
        assert_eq!(kind, Kind::Complaint);
        assert!(flags.contains(&Flag::StaffSubject), "{flags:?}");
        // A course named after the job, or the writer's own manager, is not.
        // (The learned layer may still weigh the word "manager"; the rule
        // under test must not fire.)
        for subject in [
            "Complaint - Team Leader L3 apprenticeship",
            "Complaint: my line manager was told I lied",
            "Complaint from the Registered Manager",
        ] {
            let raw = format!(
                "From: Jo <jo@mail.test>\r\nTo: info@westfieldlearning.org.uk\r\nSubject: {subject}\r\nMessage-ID: <g@mail.test>\r\n\r\n{UNHAPPY}\r\n"
            );
            let c = classify_raw(raw.as_bytes(), &Hints::default()).expect("parses");
            assert!(
                !c.reasons
                    .iter()
                    .any(|r| r.contains("subject names a manager")),
                "{subject}: {:?}",
                c.reasons
            );
        }
    }

    #[test]
    fn training_at_another_named_place_is_subcontracted_provision_but_our_own_centre_is_not() {
        let other = format!(
            "{UNHAPPY} The practical sessions are run by Westgate Skills Academy and the tutor never turns up."
        );
        let (_, flags) = flags_of("Complaint", &other);
        assert!(flags.contains(&Flag::Subcontractor), "{flags:?}");
        let own = format!(
            "{UNHAPPY} The practical sessions are held at the Westfield Learning centre and the tutor never turns up."
        );
        let (_, flags) = flags_of("Complaint", &own);
        assert!(!flags.contains(&Flag::Subcontractor), "{flags:?}");
        // A college whose mail domain is its initials names itself in full.
        let raw = format!(
            "From: Jo Bloggs <jo@mail.test>\r\nTo: info@cavc.ac.uk\r\nSubject: Complaint\r\nMessage-ID: <f@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{UNHAPPY} My practical sessions are held at Cardiff and Vale College and the tutor never turns up.\r\n\r\nJo Bloggs\r\n"
        );
        let hints = Hints {
            own_addresses: vec!["info@cavc.ac.uk".into()],
            ..Hints::default()
        };
        let c = classify_raw(raw.as_bytes(), &hints).expect("parses");
        assert!(!c.flags.contains(&Flag::Subcontractor), "{:?}", c.reasons);
        let unnamed = format!("{UNHAPPY} My classes at the college keep being cancelled.");
        let (_, flags) = flags_of("Complaint", &unnamed);
        assert!(!flags.contains(&Flag::Subcontractor), "{flags:?}");
    }

    /// Indicators a safeguarding lead would want to see that name no
    /// "abuse" or "bullying" (written for this test, not from a batch).
    #[test]
    fn quieter_safeguarding_indicators_are_flagged() {
        for body in [
            "My daughter is 16. Her supervisor keeps her late on her own after everyone has gone and insists on driving her home.",
            "The assessor sat really close to my son and asked if he had a girlfriend, then told him to add him on Snapchat.",
            "I have a restraining order against my ex-partner and your reception told him my class times. He was waiting outside.",
            "He has lost his tenancy and is sleeping in his car most nights, and his bursary still has not been paid.",
            "The trainer who drives the minibus to site smelt of alcohol again on Monday morning.",
            "She told her mum she would be better off not being here after what the group did to her.",
            "The back door is always propped open so anyone can walk straight in to where the 16 year olds have lunch.",
        ] {
            let (_, flags) = flags_of("Complaint", &format!("{UNHAPPY} {body}"));
            assert!(flags.contains(&Flag::Safeguarding), "{body}: {flags:?}");
        }
        for body in [
            "The tutor was smelling of drink at the Christmas party, which I thought was unprofessional.",
            "The driving theory sessions were cancelled twice.",
            "My assessor hasn't touched them in three months, my units are still unmarked.",
            "I had not drunk anything all day because the minibus left at 6am.",
            "The drink-driving awareness session was cancelled.",
            "I slept in my car to make the 8am exam because the bus was cancelled.",
        ] {
            let (_, flags) = flags_of("Complaint", &format!("{UNHAPPY} {body}"));
            assert!(!flags.contains(&Flag::Safeguarding), "{body}: {flags:?}");
        }
    }

    #[test]
    fn a_manager_who_hung_up_and_a_handler_replaced_are_whom_it_is_about() {
        for body in [
            "When I rang, your finance manager said it was not his problem and put the phone down on me.",
            "I am now complaining about how my complaint is being handled. Can someone other than Dafydd please pick this up?",
            "The delivery manager told me to backdate my off-the-job hours so I could go through gateway.",
            "My line manager had a copy of my letter: the Stage 2 handler sent it to HR without asking me.",
        ] {
            let (_, flags) = flags_of("Complaint", &format!("{UNHAPPY} {body}"));
            assert!(flags.contains(&Flag::StaffSubject), "{body}: {flags:?}");
        }
    }

    /// Words the new flag cues share with ordinary complaints.
    #[test]
    fn look_alikes_of_the_newer_flag_cues() {
        for (body, flag) in [
            (
                "My line manager is under a lot of pressure to get me through EPA.",
                Flag::StaffSubject,
            ),
            (
                "I have provided my portfolio three times for you to mark.",
                Flag::Subcontractor,
            ),
            (
                "My tutor, the one who teaches the Level 3 course, never replies.",
                Flag::Subcontractor,
            ),
            (
                "No estoy contenta: las clases impartidas por el profesor empiezan tarde.",
                Flag::Subcontractor,
            ),
            (
                "Me and my fellow apprentices were told the review was cancelled.",
                Flag::OnBehalf,
            ),
        ] {
            let (_, flags) = flags_of("Complaint", &format!("{UNHAPPY} {body}"));
            assert!(!flags.contains(&flag), "{body}: {flags:?}");
        }
    }

    #[test]
    fn provision_run_for_the_provider_by_a_partner_is_subcontracted() {
        for body in [
            "The residential week run for you by Harbourside Sales Academy was a shambles.",
            "The placement is with the supported internship that Westfield runs with Tawe Skills Partnership.",
            "Sou aprendiz e as aulas são dadas pela Ribeira Training, o vosso parceiro.",
        ] {
            let (_, flags) = flags_of("Complaint", &format!("{UNHAPPY} {body}"));
            assert!(flags.contains(&Flag::Subcontractor), "{body}: {flags:?}");
        }
    }

    #[test]
    fn a_form_says_what_its_message_is() {
        let c = classify_text_of(
            "Website <noreply@org.test>",
            "Website feedback form submission",
            "Your name: Sam Price\nType of feedback: Compliment\nYour feedback: My coach Priya explains everything clearly.",
            "",
        );
        assert_eq!(c.kind, Kind::Compliment, "{:?}", c.reasons);
        let (_, flags) = flags_of(
            "Website feedback",
            &format!("Your name: Prefer not to say\nType of feedback: Complaint\n{UNHAPPY}"),
        );
        assert!(flags.contains(&Flag::Anonymous), "{flags:?}");
        let c = classify_text_of(
            "Molly <molly@mail.test>",
            "Thank you",
            "Dear Mr Ahmed, thank you for the way you dealt with my complaint about my exam booking. The new date is perfect.",
            "",
        );
        assert_eq!(c.kind, Kind::Compliment, "{:?}", c.reasons);
    }

    #[test]
    fn the_word_safeguarding_alone_flags_a_complaint_or_a_worry_not_a_job_application() {
        let (kind, flags) = flags_of(
            "Application - Safeguarding Officer post",
            "Please find attached my CV for the Safeguarding Officer post advertised on your website. I have five years in a similar role.",
        );
        assert_ne!(kind, Kind::Complaint);
        assert!(!flags.contains(&Flag::Safeguarding), "{flags:?}");
        let (_, flags) = flags_of(
            "Question",
            "I have a safeguarding concern about a learner in my son's group and do not know who to tell.",
        );
        assert!(flags.contains(&Flag::Safeguarding), "{flags:?}");
        let (_, flags) = flags_of(
            "Request",
            "Could your designated safeguarding lead phone me today about my daughter's placement? Sam Jones",
        );
        assert!(flags.contains(&Flag::Safeguarding), "{flags:?}");
    }

    #[test]
    fn a_complaint_followed_by_megabytes_is_still_a_complaint() {
        let mut text = String::from(
            "I am not happy and want to complain: my course was cancelled. Please explain why.\n",
        );
        text.push_str(&"\u{fffd}\u{fffd}( bad\n".repeat(200_000));
        let raw = format!(
            "From: Jo <jo@mail.test>\r\nTo: complaints@org.test\r\nSubject: Course\r\nMessage-ID: <c@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
        );
        let mail = crate::core::mail::parse(raw.as_bytes()).expect("parse");
        let c = classify(&mail, &Hints::default());
        assert_eq!(c.kind, Kind::Complaint, "{:?}", c.reasons);
    }

    fn classify_text_of(from: &str, subject: &str, body: &str, extra: &str) -> Classification {
        let raw = format!(
            "From: {from}\r\nTo: complaints@org.test\r\nSubject: {subject}\r\nMessage-ID: <t@mail.test>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        );
        let mail = crate::core::mail::parse(raw.as_bytes()).expect("parse");
        // These tests are about the lexicon's own decisions (its triage
        // rule): the learned layer, which may overrule them, is off.
        let hints = Hints {
            learned: crate::core::learned::Learned::Off,
            ..Hints::default()
        };
        classify(&mail, &hints)
    }

    #[test]
    fn an_enquiry_with_a_complaint_cue_is_unsure() {
        let c = classify_text_of(
            "Sam <sam@mail.test>",
            "Certificate",
            "Hello, my certificate is still missing. Is there a form I need to fill in to get a copy?",
            "",
        );
        assert_eq!(c.kind, Kind::Other, "{:?}", c.reasons);
        assert!(c.triage, "{:?}", c.reasons);
        assert!(c.reasons.iter().any(|r| r.starts_with("triage: unsure")));
    }

    #[test]
    fn a_plain_enquiry_and_a_clear_complaint_are_not_unsure() {
        let c = classify_text_of(
            "Sam <sam@mail.test>",
            "Course dates",
            "Hello, could you tell me when the next bricklaying course starts? I would like to know the dates.",
            "",
        );
        assert_eq!((c.kind, c.triage), (Kind::Other, false), "{:?}", c.reasons);
        let c = classify_text_of(
            "Sam <sam@mail.test>",
            "Complaint",
            "I am not happy and want to complain: my course was cancelled. Please explain why.",
            "",
        );
        assert_eq!(
            (c.kind, c.triage),
            (Kind::Complaint, false),
            "{:?}",
            c.reasons
        );
    }

    #[test]
    fn praise_framed_against_a_past_worry_is_a_compliment() {
        for body in [
            "I expected the usual box-ticking, and I was wrong. Priya turned up every month and the lad has come on leaps and bounds. Fair play to you all.",
            "People only write in when something goes wrong, so here is the other kind of email. Our assessor never once made my son feel stupid. Please thank him.",
            "Dewi stayed behind twice to help me with my portfolio and was so patient. An absolute star.",
        ] {
            let c = classify_text_of("Jo <jo@mail.test>", "Thank you", body, "");
            assert_eq!(c.kind, Kind::Compliment, "{body}: {:?}", c.reasons);
        }
    }

    #[test]
    fn requests_for_data_invoices_and_pointers_are_not_complaints() {
        let c = classify_text_of(
            "Lee & Co <dp@leeco.test>",
            "Our client Ms Ames",
            "We act for Ms Ames. Please treat this as a subject access request and send copies of all personal data you hold about her.",
            "",
        );
        assert_eq!(c.kind, Kind::Other, "{:?}", c.reasons);
        let c = classify_text_of(
            "Accounts <accounts@paper.test>",
            "Invoice 5521",
            "Dear customer, please find attached our invoice 5521 for your order. Payment is due within 30 days.",
            "",
        );
        assert_eq!(c.kind, Kind::Other, "{:?}", c.reasons);
        let c = classify_text_of(
            "Ann <ann@mail.test>",
            "Your website",
            "FYI the bus timetable link on your open day page is out of date. Thought you'd want to know.",
            "",
        );
        assert_eq!(c.kind, Kind::Comment, "{:?}", c.reasons);
        let c = classify_text_of(
            "Ann <ann@mail.test>",
            "Idea",
            "Have you thought about running the maths sessions in the evening too? It would be a good way to reach people who work days.",
            "",
        );
        assert_eq!(c.kind, Kind::Comment, "{:?}", c.reasons);
    }

    #[test]
    fn machine_mail_is_never_unsure() {
        let c = classify_text_of(
            "Sam <sam@mail.test>",
            "Automatic reply: Complaint",
            "I am out of the office. My complaint about the late certificate still stands, please explain.",
            "Auto-Submitted: auto-replied\r\n",
        );
        assert!(c.kind.is_machine(), "{:?}", c.reasons);
        assert!(!c.triage);
    }

    fn classified(body: &str) -> Classification {
        let raw = format!(
            "From: Jo Bloggs <jo@mail.test>\r\nTo: complaints@org.test\r\nSubject: Apprenticeship\r\nMessage-ID: <f@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
        );
        let mail = crate::core::mail::parse(raw.as_bytes()).expect("parse");
        // The lexicon alone: these are its cues, not the model's.
        let hints = Hints {
            learned: learned::Learned::Off,
            ..Hints::default()
        };
        classify(&mail, &hints)
    }

    #[test]
    fn unsafe_work_is_health_and_safety_and_a_company_is_not_a_learner() {
        for body in [
            "I am not happy. My placement has me lifting residents with the hoist and I have never been trained how to use it. Please explain why.",
            "I am not happy. They leave my son on the bench saw unsupervised all afternoon. Please look into this.",
        ] {
            let c = classified(body);
            assert!(c.flags.contains(&Flag::HealthSafety), "{body}: {:?}", c.reasons);
        }
        let c = classified(
            "I am writing on behalf of Harlow Freight Group Ltd to complain about your invoices, which are wrong again. Please explain why.",
        );
        assert_eq!(c.kind, Kind::Complaint, "{:?}", c.reasons);
        assert!(!c.flags.contains(&Flag::OnBehalf), "{:?}", c.reasons);
        for body in [
            "I am writing on behalf of my nephew Tom to complain: his assessor has not turned up three times. Please explain why.",
            "I am writing on behalf of my son at Parkway Services Group to complain: his assessor has not turned up three times. Please explain why.",
        ] {
            let c = classified(body);
            assert!(c.flags.contains(&Flag::OnBehalf), "{body}: {:?}", c.reasons);
        }
    }

    #[test]
    fn each_kind_of_safeguarding_concern_is_flagged_even_in_passing() {
        for body in [
            "His boss takes £200 a month off his wages as a training fee and says he'll sack him if he tells you. I am not happy about this.",
            "The review was cancelled again. Some days I don't see the point in being here at all and I have thought about ending it. Please explain why nobody rang.",
            "A lad in our group keeps sharing far-right videos and trying to recruit others into their group. Nobody has done anything.",
            "I missed the assessment because I was in a women's refuge; my ex was hurting me. Now I've been withdrawn and I want this reviewed.",
            "My son is 16 and they had him working on a roof with no harness. The manager told him not to tell the college.",
        ] {
            let c = classified(body);
            assert!(c.flags.contains(&Flag::Safeguarding), "{body}: {:?}", c.reasons);
        }
    }

    #[test]
    fn a_course_named_after_a_hazard_is_not_a_hazard() {
        let c = classified(
            "I passed my safeguarding module and the health and safety quiz last week. Could you tell me when the next unit starts?",
        );
        assert!(
            !c.flags.contains(&Flag::Safeguarding) && !c.flags.contains(&Flag::HealthSafety),
            "{:?}",
            c.reasons
        );
    }

    #[test]
    fn procedural_flags_from_generic_wording() {
        let c = classified(
            "I'm Kieran's employer. The training is run by a partner college you farm the teaching out to, and it has been cancelled three times. I want an explanation.",
        );
        assert!(c.flags.contains(&Flag::OnBehalf), "{:?}", c.reasons);
        assert!(c.flags.contains(&Flag::Subcontractor), "{:?}", c.reasons);
        let c = classified(
            "I want my complaint handled by someone other than Joanne: she closed it without speaking to me. This is unacceptable.",
        );
        assert!(c.flags.contains(&Flag::StaffSubject), "{:?}", c.reasons);
        let c = classified(
            "I'd rather not say who I am. Our coach signs off hours nobody did and it is not right. Please look into it.",
        );
        assert!(c.flags.contains(&Flag::Anonymous), "{:?}", c.reasons);
    }

    /// A complaint about Welsh-language provision is flagged so it can be
    /// reported (issue 15), in English and in Welsh; a complaint merely
    /// written in Welsh, or one that mentions Welsh in passing, is not.
    #[test]
    fn complaints_about_welsh_language_provision_are_flagged() {
        for body in [
            "There was no Welsh-speaking assessor at my review even though I asked for one. This is not acceptable.",
            "I couldn't do my assessment in Welsh. I asked three times and was told nobody was available. I want to complain.",
            "I am not happy: the course materials were only available in English although your website says you offer a Welsh language service.",
            "My son asked to be assessed through the medium of Welsh and was refused. Please explain why.",
            "Nid oedd aseswr sy'n siarad Cymraeg ar gael, er i mi ofyn. Dydw i ddim yn fodlon.",
            "Dim aseswr sy'n siarad Cymraeg eto. Rwyf am gwyno am hyn.",
            "Gofynnais am gael fy asesu yn Gymraeg ond cefais wybod nad oedd hynny'n bosibl. Mae hyn yn annerbyniol.",
            "Roedd y llythyr yn uniaith Saesneg er fy mod wedi gofyn am ohebiaeth Gymraeg. Rwy'n siomedig iawn.",
        ] {
            let c = classified(body);
            assert!(c.flags.contains(&Flag::WelshLanguage), "{body}: {:?}", c.reasons);
        }
        for body in [
            "Rwyf wedi aros tair wythnos am fy nhystysgrif ac nid oes neb wedi cysylltu â mi. Dydw i ddim yn fodlon.",
            "My daughter is learning Welsh at school and her apprenticeship review was cancelled again. I want to complain.",
            "I live in Welshpool and the centre is too far away. I am not happy about the travel.",
            "Thank you for arranging a Welsh-speaking assessor, it made all the difference.",
        ] {
            let c = classified(body);
            assert!(!c.flags.contains(&Flag::WelshLanguage), "{body}: {:?}", c.reasons);
        }
    }

    #[test]
    fn thanks_in_plain_words_are_a_compliment() {
        for body in [
            "Hi,\n\nI just wanted to let someone know how good Ceri has been this year. I don't think I'd still be on the course without her.\n\nKirsty",
            "Hoffwn ddiolch i Gethin am ei waith gyda'n prentisiaid eleni.",
            "I'd like to thank Dewi for the first aid course: we have had nothing but positive feedback from our staff.",
        ] {
            let c = classified(body);
            assert_eq!(c.kind, Kind::Compliment, "{body}: {:?}", c.reasons);
        }
    }

    /// The quiet signs a safeguarding lead wants to see, by family and in
    /// words not taken from any labelled batch: an unsafe home or a
    /// controlling partner, a young person without food or a bed, a staff
    /// member's private contact with a young learner, an under-18 worked
    /// long or left alone. And their look-alikes: an idiom, a course, a
    /// fire exit that makes a room feel unsafe, a confidence kept.
    #[test]
    fn quiet_signs_of_risk_are_safeguarding_and_their_look_alikes_are_not() {
        for body in [
            "Can I hand the unit in late? Stuff at home isn't great at the moment so I'm at my aunt's for a bit.",
            "Please only email. My boyfriend goes through my messages and I'm not allowed out most evenings.",
            "The learner asked that her family must not know she is on the course, so please never ring her home number.",
            "My bursary hasn't come for two months and I've been going without meals most days.",
            "He is couch surfing with friends at the moment, which is why he has been late.",
            "The coach keeps saying we should do the catch-ups round at his flat in the evening. My daughter is 16.",
            "The trainer texts the girls in the group from his personal mobile and told them it stays between them.",
            "Our lad is only 15 and on placement they have him on twelve-hour shifts and left alone on the saw.",
        ] {
            let (_, flags) = flags_of("My course", body);
            assert!(flags.contains(&Flag::Safeguarding), "{body}: {flags:?}");
        }
        // The cues alone: the learned layer weighs its own words apart.
        let lexicon_flags = |body: &str| {
            let raw = format!(
                "From: Jo Bloggs <jo@mail.test>\r\nTo: info@westfieldlearning.org.uk\r\nSubject: My course\r\nMessage-ID: <f@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\nJo Bloggs\r\n"
            );
            let hints = Hints {
                own_addresses: vec!["info@westfieldlearning.org.uk".into()],
                learned: learned::Learned::Off,
                ..Hints::default()
            };
            classify_raw(raw.as_bytes(), &hints).expect("parses").flags
        };
        for body in [
            "I run a small firm and I won't be bullied into taking on three more apprentices by your sales team.",
            "When is the safeguarding module due? The fire exit in room 2 is blocked and I don't feel safe there.",
            "I told my coach about my diagnosis and asked her to keep it private, but she copied it to my manager.",
            "We volunteer at the food bank in town and would like to put a poster up at reception.",
            "My assessor left our call after 10 minutes and has not rebooked it.",
        ] {
            let flags = lexicon_flags(body);
            assert!(!flags.contains(&Flag::Safeguarding), "{body}: {flags:?}");
        }
    }

    /// Safeguarding in shapes the cues did not read before: a threat and a
    /// demand for money, a young or vulnerable person left without care,
    /// a hint of self-harm inside an ordinary request (written for this
    /// test, in the shapes of the sixteenth blind batch).
    #[test]
    fn threats_people_left_alone_and_hints_of_self_harm_are_safeguarding() {
        for body in [
            "A man rang me saying he is from the course office. He says if I not pay 300 pound he will tell immigration my papers are fake.",
            "Our group was let out at nine and the tutor told my daughter to walk to the station alone in the dark. She is 16.",
            "Nobody waited with him when his taxi did not come, and he was found by a member of the public walking towards the main road.",
            "Could I have an extension for unit 4? I've started doing what I used to do at school again and I don't really trust myself at the moment.",
            "My portfolio has gone and nobody can explain why. Honestly I don't really see the point in anything anymore.",
        ] {
            let (_, flags) = flags_of("A problem", body);
            assert!(flags.contains(&Flag::Safeguarding), "{body}: {flags:?}");
        }
        // Everyday complaints with the same words (the cues'; the learned
        // layer weighs its own words apart).
        for body in [
            "The resit fee you charge is extortionate and nobody told me about it. I want it refunded.",
            "They know my address because I updated it, yet the certificate went to the old one. I want it resent.",
            "If I don't pay the resit fee they will not book my exam, which nobody told me at enrolment.",
            "Nobody checked that my coursework had been uploaded and now it is lost. I want this put right.",
            "We were walking around the campus lost because nobody told us the room had changed. Very poor.",
            "My instructor booked me on the motorway lesson but I don't trust myself to drive on the motorway yet and asked to wait. He refused.",
        ] {
            let (_, flags) = flags_of("My course", body);
            assert!(!flags.contains(&Flag::Safeguarding), "{body}: {flags:?}");
        }
    }

    /// Who writes, unnamed writers and a partner's teaching are recorded
    /// on praise and suggestions too; the word "anonymous" about someone
    /// else's survey is not the writer withholding a name.
    #[test]
    fn on_behalf_anonymous_and_subcontractor_outside_complaints() {
        let (kind, flags) = flags_of(
            "Thank you",
            "I am the guardian of my granddaughter Amber who is 17. Your tutors have been so patient with her and she passed. Thank you so much.",
        );
        assert_eq!(kind, Kind::Compliment);
        assert!(flags.contains(&Flag::OnBehalf), "{flags:?}");
        let (_, flags) = flags_of(
            "Suggestion",
            "My son Luke (16) is on your motor vehicle course. Would it be possible to email the worksheets the night before? It would help him a lot.",
        );
        assert!(flags.contains(&Flag::OnBehalf), "{flags:?}");
        let (_, flags) = flags_of(
            "Well done",
            "I do my maths sessions at Valleys Skills Partnership in Pontypridd and the tutor there is brilliant. I passed! Please thank her.",
        );
        assert!(flags.contains(&Flag::Subcontractor), "{flags:?}");
        // Learners writing for themselves, and a colleague's leave.
        for body in [
            "I'm a support worker at a care home and I'm doing my Level 3 with you. My assessor has not visited since June and I want to know why.",
            "My line manager is happy for me to raise this: my coach has cancelled four reviews and I want it sorted.",
        ] {
            let (_, flags) = flags_of("My apprenticeship", body);
            assert!(!flags.contains(&Flag::OnBehalf), "{body}: {flags:?}");
        }
        let (_, flags) = flags_of(
            "Research request",
            "I am a student researching apprenticeships. Would your learners fill in my survey? All responses will be anonymous.",
        );
        assert!(!flags.contains(&Flag::Anonymous), "{flags:?}");
        let (_, flags) = flags_of(
            "Suggestion",
            "Another microwave in the learner kitchen would help a lot. (Not leaving my name, it's not important who it's from.)",
        );
        assert!(flags.contains(&Flag::Anonymous), "{flags:?}");
    }
}
