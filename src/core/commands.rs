//! Handler commands: lines such as `#extend 2026-12-10 waiting for the
//! employer's statement` in a handler's reply act on the case instead of
//! being sent to the complainant.

use super::case::records::{Outcome, RefusalGround, RemedyKind};
use super::kind::{Flag, Kind};
use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// One command from a handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// An internal note on the case.
    Note {
        /// The note.
        text: String,
    },
    /// Extend the response deadline; a delay notice goes to the complainant.
    Extend {
        /// The new date the response is due.
        until: NaiveDate,
        /// The reason given to the complainant.
        reason: String,
        /// A second reason for going past the stage's cap on extensions
        /// (`… beyond-cap: REASON`), never sent to the complainant.
        beyond_cap: Option<String>,
    },
    /// Record what the complaint is about and what the complainant wants
    /// (`#define issues: …; outcome sought: …`), or the points that remain
    /// at this stage (`#define remaining: …`).
    Define {
        /// What it is about (absent when only `remaining` is given).
        issues: Option<String>,
        /// What the complainant wants.
        outcome_sought: Option<String>,
        /// The points that remain at this stage.
        remaining: Option<String>,
    },
    /// Record the outcome of the current stage (`#outcome partly-upheld: …`).
    Outcome {
        /// The outcome.
        outcome: Outcome,
        /// Why.
        reasons: String,
    },
    /// Record a remedy with its owner and due date.
    Remedy {
        /// What kind.
        kind: RemedyKind,
        /// Who must do it: an address or a role.
        owner: String,
        /// When it is due.
        due: RemedyDue,
        /// What it is.
        description: String,
    },
    /// Remedy number N is done.
    RemedyDone {
        /// Its number on the case.
        number: u32,
    },
    /// Refuse to accept the complaint or to escalate it, with the ground
    /// and reason; the complainant is told of the external body.
    Refuse {
        /// The ground.
        ground: RefusalGround,
        /// The reason in the handler's words.
        reason: String,
    },
    /// Accept a complaint flagged as raised too late.
    AcceptLate {
        /// Why.
        reason: String,
    },
    /// Close the case.
    Close {
        /// Lessons learnt and changes made or recommended.
        lessons: Option<String>,
    },
    /// Give the case to someone else.
    Assign {
        /// Their address.
        to: String,
    },
    /// Change the kind.
    Reclassify {
        /// The new kind.
        kind: Kind,
    },
    /// Set a flag the classifier missed (`#flag safeguarding`).
    Flag {
        /// The flag.
        flag: Flag,
    },
    /// Clear a flag the classifier raised wrongly (`#unflag anonymous`).
    Unflag {
        /// The flag.
        flag: Flag,
    },
    /// The learner's written consent has been received.
    ConsentReceived,
    /// Send the consent request to the learner's own address; consent from
    /// it then counts without confirmation.
    AskConsent {
        /// The learner's address.
        to: String,
    },
    /// Let another address act for the complainant, or stop letting it.
    Contact {
        /// Add (`true`) or remove (`false`).
        add: bool,
        /// The address.
        address: String,
    },
    /// The complainant withdrew the complaint.
    Withdraw {
        /// Why, if given.
        reason: Option<String>,
    },
    /// Move the case to the next stage now (e.g. a late escalation accepted).
    Escalate {
        /// Why, if given.
        reason: Option<String>,
    },
    /// A decision to act: an anonymous complaint, a redirected appeal.
    Proceed {
        /// Why, if given.
        reason: Option<String>,
    },
    /// A decision not to act (anonymous complaint, late escalation).
    NoAction {
        /// Why, if given.
        reason: Option<String>,
    },
    /// The decision on an unclear reply after a response: it is not a
    /// request to take the complaint further (the case stays at its stage).
    NoEscalate {
        /// Why, if given.
        reason: Option<String>,
    },
    /// Place the case on legal hold: kept past its retention date and not
    /// erased until released.
    Hold {
        /// Why (recorded; required).
        reason: String,
    },
    /// Lift the legal hold.
    Release,
    /// Mark the case a complaint about the use of personal data (its own
    /// acknowledgement, updates and regulator), or (`false`) unmark it.
    DataProtection {
        /// Mark (`true`) or unmark.
        on: bool,
    },
    /// The complainant does not want the satisfaction survey (or any more
    /// mail that is not about their complaint).
    NoSurvey,
    /// The language the complainant is written to in from now on
    /// (`#language cy`).
    Language {
        /// ISO 639-1 code.
        code: String,
    },
}

/// A language as a handler names it (`cy`, `Welsh`, `Cymraeg`): its ISO
/// 639-1 code.
fn language_code(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let code = match s.as_str() {
        "welsh" | "cymraeg" => "cy",
        "english" | "saesneg" | "english." => "en",
        c if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_lowercase()) => c,
        _ => return None,
    };
    Some(code.to_string())
}

/// When a remedy is due, as the handler wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemedyDue {
    /// A date.
    Date(NaiveDate),
    /// N working days from today.
    WorkingDays(u32),
}

/// A command line that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// The line as written.
    pub line: String,
    /// What is wrong and how to write it.
    pub message: String,
}

/// A handler's reply, split into commands and the remaining text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Parsed {
    /// Commands in the order written.
    pub commands: Vec<Command>,
    /// Lines that looked like commands but were not valid.
    pub errors: Vec<CommandError>,
    /// The text with command lines (and their continuation) removed.
    pub text: String,
}

impl Parsed {
    /// Did the handler write any command line (valid or not)? If so the reply
    /// is never relayed to the complainant.
    pub fn has_commands(&self) -> bool {
        !self.commands.is_empty() || !self.errors.is_empty()
    }
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Dates as handlers type them: 2026-12-10, 10/12/2026, 10-12-2026, 10.12.2026.
fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

/// Words that stand for a value in help texts and templates (`#note TEXT`,
/// `#extend YYYY-MM-DD REASON`). A command whose argument holds one was
/// copied from an example, not written: it is refused, never carried out.
const PLACEHOLDERS: [&str; 13] = [
    "TEXT",
    "REASON",
    "ADDRESS",
    "KIND",
    "DATE",
    "YYYY-MM-DD",
    "DD/MM/YYYY",
    "NAME",
    "EMAIL",
    "LESSONS",
    "WHAT",
    "...",
    "…",
];

/// Where a `#close` line's lessons start, whatever their case.
static LESSONS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)lessons").expect("static regex"));

static COMMAND_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[^\w#])#(note|extend|close|assign|reclassify|flag|unflag|consent|contact|withdrawn?|escalate|proceed|investigate|no-action|noaction|no_action|decline|no-escalate|noescalate|no_escalate|define|outcome|remedy|remedy-done|refuse|accept-late|hold|release|data-protection|data_protection|no-survey|no_survey|language|iaith)(?-u:\b)")
        .expect("static regex")
});

/// Why an argument looks copied from an example rather than written, if it does.
fn placeholder_in(rest: &str) -> Option<String> {
    let t = rest.trim();
    if t.starts_with(['/', '|']) {
        return Some(format!(
            "{t:?} looks like a list of commands, not an argument"
        ));
    }
    if COMMAND_WORD.is_match(t) {
        return Some("write one command per line".into());
    }
    if let Some(w) = t
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | ';' | '(' | ')'))
        .find(|w| PLACEHOLDERS.contains(w))
    {
        return Some(format!(
            "{w:?} is a placeholder from an example: write the real value"
        ));
    }
    // `<your note>`, `[reason]`: brackets around words, not an address.
    let bracketed = (t.starts_with('<') && t.ends_with('>') && !t.contains('@'))
        || (t.starts_with('[') && t.ends_with(']'));
    bracketed.then(|| format!("{t:?} is a placeholder from an example: write the real value"))
}

fn address_arg(rest: &str) -> Option<String> {
    let a = rest
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_ascii_lowercase();
    (a.contains('@')
        && !a.contains(char::is_whitespace)
        && !a.starts_with('@')
        && !a.ends_with('@'))
    .then_some(a)
}

fn parse_line(word: &str, rest: &str, continuation: &str) -> Result<Command, String> {
    if let Some(why) = placeholder_in(rest) {
        return Err(format!("#{word} not carried out: {why}"));
    }
    let full = |rest: &str| {
        let mut t = rest.trim().to_string();
        if !continuation.trim().is_empty() {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(continuation.trim());
        }
        t
    };
    match word {
        "note" => {
            let text = full(rest);
            if text.is_empty() {
                Err("#note needs text: `#note spoke to the learner by phone`".into())
            } else {
                Ok(Command::Note { text })
            }
        }
        "extend" => {
            let mut it = rest.trim().splitn(2, char::is_whitespace);
            let date = it.next().unwrap_or("");
            let reason = full(it.next().unwrap_or(""));
            let (reason, beyond_cap) = split_beyond_cap(&reason);
            let until = parse_date(date).ok_or_else(|| {
                format!("#extend needs a date first: `#extend 2026-12-10 waiting for the employer's statement` (got {date:?})")
            })?;
            if reason.is_empty() {
                return Err("#extend needs a reason, which goes to the complainant in the delay notice".into());
            }
            if beyond_cap.as_deref() == Some("") {
                return Err("#extend … beyond-cap: needs the reason for going past the cap after it".into());
            }
            Ok(Command::Extend { until, reason, beyond_cap })
        }
        "close" => {
            let t = full(rest);
            // Found in `t` itself: an index into a lower-cased copy may not
            // fall on a character boundary of `t` ("İ" lower-cases longer).
            let lessons = if let Some(i) = LESSONS.find(&t).map(|m| m.start()) {
                // "lessons:", "lessons learnt:", "lessons learned -"
                let after = &t[i..];
                let after = after
                    .split_once([':', '-'])
                    .map(|(_, a)| a)
                    .unwrap_or(after.trim_start_matches(|c: char| c.is_alphabetic()));
                opt(after)
            } else {
                opt(&t)
            };
            Ok(Command::Close { lessons })
        }
        "assign" => {
            let to = rest.trim().trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase();
            if to.contains('@') && !to.contains(char::is_whitespace) {
                Ok(Command::Assign { to })
            } else {
                Err(format!("#assign needs an email address: `#assign name@example.org` (got {:?})", rest.trim()))
            }
        }
        "reclassify" => rest
            .trim()
            .parse::<Kind>()
            .ok()
            .filter(|k| !k.is_machine())
            .map(|kind| Command::Reclassify { kind })
            .ok_or_else(|| {
                format!("#reclassify needs one of complaint, compliment, comment, other (got {:?})", rest.trim())
            }),
        "flag" | "unflag" => {
            let flag = rest.trim().parse::<Flag>().map_err(|_| {
                let names: Vec<&str> = <Flag as strum::IntoEnumIterator>::iter().map(|f| f.as_str()).collect();
                format!("#{word} needs one of {} (got {:?})", names.join(", "), rest.trim())
            })?;
            Ok(if word == "flag" { Command::Flag { flag } } else { Command::Unflag { flag } })
        }
        "consent" => {
            let r = rest.trim().to_lowercase();
            let (verb, arg) = r.split_once(char::is_whitespace).unwrap_or((r.as_str(), ""));
            if matches!(verb, "request" | "ask" | "from") {
                return address_arg(arg).map(|to| Command::AskConsent { to }).ok_or_else(|| {
                    format!("#consent request needs the learner's email address, e.g. `#consent request learner@example.org` (got {:?})", arg.trim())
                });
            }
            if r.starts_with("received") || r.starts_with("given") || r.starts_with("ok") || r.is_empty() {
                Ok(Command::ConsentReceived)
            } else {
                Err("write `#consent received` once the learner's written consent is on file, or `#consent request` and the learner's address".into())
            }
        }
        "contact" | "contacts" => {
            let r = rest.trim();
            let (verb, arg) = r.split_once(char::is_whitespace).unwrap_or((r, ""));
            let add = match verb.to_ascii_lowercase().as_str() {
                "add" => true,
                "remove" | "delete" | "rm" => false,
                _ => return Err(format!("#contact needs add or remove and an address, e.g. `#contact add name@example.org` (got {r:?})")),
            };
            address_arg(arg)
                .map(|address| Command::Contact { add, address })
                .ok_or_else(|| format!("#contact {verb} needs an email address (got {:?})", arg.trim()))
        }
        "withdraw" | "withdrawn" => Ok(Command::Withdraw { reason: opt(&full(rest)) }),
        "escalate" => Ok(Command::Escalate { reason: opt(&full(rest)) }),
        "proceed" | "investigate" => Ok(Command::Proceed { reason: opt(&full(rest)) }),
        "no-action" | "noaction" | "no_action" | "decline" => Ok(Command::NoAction { reason: opt(&full(rest)) }),
        "no-escalate" | "noescalate" | "no_escalate" => Ok(Command::NoEscalate { reason: opt(&full(rest)) }),
        "language" | "iaith" => language_code(rest)
            .map(|code| Command::Language { code })
            .ok_or_else(|| format!("#{word} needs a language code, e.g. `#language cy` or `#language en` (got {:?})", rest.trim())),
        "hold" => opt(&full(rest))
            .map(|reason| Command::Hold { reason })
            .ok_or_else(|| "#hold needs a reason, e.g. `#hold claim issued in the county court`".to_string()),
        "release" => Ok(Command::Release),
        "data-protection" | "data_protection" | "dataprotection" => match rest.trim().to_ascii_lowercase().as_str() {
            "" | "on" | "yes" => Ok(Command::DataProtection { on: true }),
            "off" | "no" => Ok(Command::DataProtection { on: false }),
            other => Err(format!("#data-protection takes nothing, or `off` to unmark (got {other:?})")),
        },
        "no-survey" | "no_survey" | "nosurvey" => Ok(Command::NoSurvey),
        "define" => parse_define(&full(rest)),
        "outcome" => {
            let t = full(rest);
            let (o, reasons) = t.split_once(':').unwrap_or((&t, ""));
            let names: Vec<&str> = <Outcome as strum::IntoEnumIterator>::iter().map(Outcome::as_str).collect();
            let outcome = o.trim().to_ascii_lowercase().replace([' ', '_'], "-").parse::<Outcome>().map_err(|_| {
                format!("#outcome needs one of {} (got {:?}), e.g. `#outcome partly-upheld: the sessions were cancelled; the notice rules were followed`", names.join(", "), o.trim())
            })?;
            let reasons = reasons.trim().to_string();
            if reasons.is_empty() {
                return Err(format!("#outcome {outcome} needs the reasons after a colon: `#outcome {outcome}: …`"));
            }
            Ok(Command::Outcome { outcome, reasons })
        }
        "remedy" => parse_remedy(rest),
        "remedy-done" => rest
            .trim()
            .trim_start_matches('#')
            .parse::<u32>()
            .map(|number| Command::RemedyDone { number })
            .map_err(|_| format!("#remedy-done needs the remedy's number, e.g. `#remedy-done 1` (got {:?})", rest.trim())),
        "refuse" => {
            let t = full(rest);
            let (g, reason) = t.split_once(':').unwrap_or((&t, ""));
            let names: Vec<&str> = <RefusalGround as strum::IntoEnumIterator>::iter().map(RefusalGround::as_str).collect();
            let ground = g.trim().to_ascii_lowercase().replace([' ', '_'], "-").parse::<RefusalGround>().map_err(|_| {
                format!("#refuse needs one of {} (got {:?}), e.g. `#refuse out-of-time: the events were in 2023`", names.join(", "), g.trim())
            })?;
            let reason = reason.trim().to_string();
            if reason.is_empty() {
                return Err(format!("#refuse {ground} needs the reason after a colon: `#refuse {ground}: …`"));
            }
            Ok(Command::Refuse { ground, reason })
        }
        "accept-late" => match opt(&full(rest)) {
            Some(reason) => Ok(Command::AcceptLate { reason }),
            None => Err("#accept-late needs the reason: `#accept-late the learner was in hospital until May`".into()),
        },
        other => Err(format!(
            "unknown command #{other}: use #note, #extend, #close, #assign, #reclassify, #flag, #unflag, #consent, #contact, #withdraw, #escalate, #no-escalate, #proceed, #no-action, #define, #outcome, #remedy, #remedy-done, #refuse, #accept-late, #hold, #release, #data-protection, #no-survey or #language"
        )),
    }
}

/// `REASON beyond-cap: SECOND REASON` split in two.
fn split_beyond_cap(reason: &str) -> (String, Option<String>) {
    let lower = reason.to_ascii_lowercase();
    match lower.find("beyond-cap") {
        Some(i) => {
            let after = reason[i + "beyond-cap".len()..].trim_start_matches([':', ' ']);
            (
                reason[..i]
                    .trim()
                    .trim_end_matches([';', ','])
                    .trim()
                    .to_string(),
                Some(after.trim().to_string()),
            )
        }
        None => (reason.to_string(), None),
    }
}

/// `issues: …; outcome sought: …` or `remaining: …`.
fn parse_define(t: &str) -> Result<Command, String> {
    let help = "#define needs `issues: …; outcome sought: …` (what the complaint is about and what the complainant wants) or `remaining: …` (the points that remain at this stage)";
    let mut issues = None;
    let mut outcome_sought = None;
    let mut remaining = None;
    for part in t.split(';') {
        let Some((key, value)) = part.split_once(':') else {
            if part.trim().is_empty() {
                continue;
            }
            return Err(help.into());
        };
        let value = opt(value);
        match key
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], " ")
            .as_str()
        {
            "issues" | "issue" | "about" => issues = value,
            "outcome sought" | "outcome" | "wants" | "sought" => outcome_sought = value,
            "remaining" | "remains" => remaining = value,
            _ => return Err(help.into()),
        }
    }
    if issues.is_none() && remaining.is_none() {
        return Err(help.into());
    }
    Ok(Command::Define {
        issues,
        outcome_sought,
        remaining,
    })
}

/// The furthest a remedy may be due, in working days (about two years): a
/// typo such as `due 100000000 working days` is refused, not counted out
/// day by day past the calendar's end.
pub const MAX_REMEDY_WORKING_DAYS: u32 = 520;

/// `KIND owner WHO due DATE|N working days: DESCRIPTION`.
fn parse_remedy(rest: &str) -> Result<Command, String> {
    let help = "#remedy needs `KIND owner ADDRESS-OR-ROLE due DATE-OR-N-working-days: description`, e.g. `#remedy refund owner finance due 10 working days: refund the exam fee`; kinds: apology, explanation, corrected-record, refund, changed-decision, policy-change";
    let (head, description) = rest.split_once(':').ok_or(help)?;
    let description = description.trim().to_string();
    let words: Vec<&str> = head.split_whitespace().collect();
    let [kind, owner_word, owner, due_word, due @ ..] = words.as_slice() else {
        return Err(help.into());
    };
    if !owner_word.eq_ignore_ascii_case("owner")
        || !due_word.eq_ignore_ascii_case("due")
        || description.is_empty()
    {
        return Err(help.into());
    }
    let kind = match kind.to_ascii_lowercase().trim_end_matches(',') {
        "apology" => RemedyKind::Apology,
        "explanation" => RemedyKind::Explanation,
        "corrected-record" | "correction" | "record" => RemedyKind::CorrectedRecord,
        "refund" | "payment" | "refund-or-payment" => RemedyKind::Refund,
        "changed-decision" | "decision" => RemedyKind::ChangedDecision,
        "policy-change" | "process-change" | "policy" | "process" => RemedyKind::PolicyChange,
        other => {
            return Err(format!(
                "#remedy: {other:?} is not a kind of remedy. {help}"
            ))
        }
    };
    let due = match due {
        [d] => parse_date(d).map(RemedyDue::Date),
        [n, w, d]
            if w.eq_ignore_ascii_case("working") && d.to_ascii_lowercase().starts_with("day") =>
        {
            n.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_REMEDY_WORKING_DAYS).contains(n))
                .map(RemedyDue::WorkingDays)
        }
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "#remedy: the due date must be a date (2026-12-10) or `N working days`, N at most {MAX_REMEDY_WORKING_DAYS} (got {:?})",
            due.join(" ")
        )
    })?;
    Ok(Command::Remedy {
        kind,
        owner: owner
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_ascii_lowercase(),
        due,
        description,
    })
}

/// Parse the newly written text of a handler's reply.
///
/// A command is a line starting with `#` and a word. `#note` and `#close`
/// take the following lines too, up to the next command or a blank line
/// followed by a sign-off, so a note can run over several lines.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        // Outlook sometimes turns "#" lines into bullets or bold: tolerate "* #note".
        let line = line.trim_start_matches(['*', '-', '•', ' ']);
        let is_cmd = line.starts_with('#')
            && line[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic());
        if !is_cmd {
            kept.push(lines[i]);
            i += 1;
            continue;
        }
        let body = &line[1..];
        let (word, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let word = word.trim_end_matches(':').to_ascii_lowercase();
        // Multi-line commands take the following lines up to a blank line.
        let mut continuation = String::new();
        if matches!(
            word.as_str(),
            "note" | "close" | "outcome" | "refuse" | "define" | "accept-late"
        ) {
            let mut j = i + 1;
            while j < lines.len()
                && !lines[j].trim().is_empty()
                && !lines[j].trim_start().starts_with('#')
            {
                continuation.push_str(lines[j].trim());
                continuation.push('\n');
                j += 1;
            }
            i = j;
        } else {
            i += 1;
        }
        match parse_line(&word, rest, &continuation) {
            Ok(c) => parsed.commands.push(c),
            Err(message) => parsed.errors.push(CommandError {
                line: line.to_string(),
                message,
            }),
        }
    }
    parsed.text = kept.join("\n").trim().to_string();
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        let p = parse("#note rang the learner\n#extend 2026-12-10 waiting for the employer's statement\n#close lessons: check rotas before booking\n#assign <Sam@Org.test>\n#reclassify compliment\n#consent received\n#withdraw learner sorted it\n#escalate late but valid\n#proceed safeguarding\n#no-action duplicate");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.commands.len(), 10);
        assert_eq!(
            p.commands[1],
            Command::Extend {
                until: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
                reason: "waiting for the employer's statement".into(),
                beyond_cap: None,
            }
        );
        assert_eq!(
            p.commands[2],
            Command::Close {
                lessons: Some("check rotas before booking".into())
            }
        );
        assert_eq!(
            p.commands[3],
            Command::Assign {
                to: "sam@org.test".into()
            }
        );
    }

    #[test]
    fn language_takes_a_code_or_a_name() {
        let p = parse("Diolch am hyn.\n#language cy\n#iaith English");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.commands,
            [
                Command::Language { code: "cy".into() },
                Command::Language { code: "en".into() }
            ]
        );
        assert_eq!(p.text, "Diolch am hyn.");
        let bad = parse("#language Klingon-ish");
        assert!(bad.commands.is_empty());
        assert_eq!(bad.errors.len(), 1);
    }

    #[test]
    fn bad_commands_are_reported_not_guessed() {
        let p = parse(
            "#extend soon\n#extend 2026-12-10\n#reclassify bounce\n#frobnicate\n#assign nobody",
        );
        assert_eq!(p.commands.len(), 0);
        assert_eq!(p.errors.len(), 5);
        assert!(p.has_commands());
    }

    /// "İ" lower-cases to three bytes: an index found in a lower-cased copy
    /// sliced the original off a character boundary (a panic on a
    /// handler's reply) or in the wrong place.
    #[test]
    fn close_lessons_after_letters_that_lower_case_longer() {
        let p = parse("#close İİİİİ İİİİİ İstanbul visit. Lessons: check the rota\n");
        assert_eq!(
            p.commands,
            vec![Command::Close {
                lessons: Some("check the rota".into())
            }]
        );
        let p = parse("#close İİİİİİİİ Lessons—brief the cover tutor\n");
        assert_eq!(
            p.commands,
            vec![Command::Close {
                lessons: Some("—brief the cover tutor".into())
            }]
        );
    }

    #[test]
    fn close_without_lessons_and_multiline_note() {
        let p = parse("#close\n");
        assert_eq!(p.commands, vec![Command::Close { lessons: None }]);
        let p = parse("Hi\n#note first line\nsecond line\n\nKind regards");
        assert_eq!(
            p.commands,
            vec![Command::Note {
                text: "first line\nsecond line".into()
            }]
        );
        assert_eq!(p.text, "Hi\n\nKind regards");
    }

    #[test]
    fn example_lines_from_help_texts_never_run() {
        // The lines an older notification listed, as a reply that quotes it
        // without `>` would carry them.
        let p = parse("Thanks, will look.\n\n  #note TEXT                  an internal note\n  #extend YYYY-MM-DD REASON   extend the deadline\n  #close lessons: TEXT        close the case with lessons learnt\n  #assign ADDRESS             pass the case to a colleague\n  #reclassify KIND            complaint, compliment, comment or other\n  #withdraw / #escalate / #proceed / #no-action\n#close lessons: WHAT WE LEARNT AND WHAT WE CHANGED OR RECOMMEND\n#escalate REASON\n#no-action <reason>\n#note ...");
        assert!(p.commands.is_empty(), "{:?}", p.commands);
        assert_eq!(p.errors.len(), 10, "{:?}", p.errors);
        // Ordinary capitals and dots in real commands still work.
        let p = parse(
            "#note rang the EPA team... no answer\n#close lessons: check the ESFA rules first",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.commands.len(), 2);
    }

    #[test]
    fn flag_and_unflag_name_one_flag() {
        let p = parse("#flag safeguarding\n#unflag Health-Safety\n#flag urgent");
        assert_eq!(
            p.commands,
            vec![
                Command::Flag {
                    flag: Flag::Safeguarding
                },
                Command::Unflag {
                    flag: Flag::HealthSafety
                }
            ]
        );
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].message.contains("staff_subject"),
            "{:?}",
            p.errors
        );
    }

    #[test]
    fn contacts_and_consent_requests() {
        let p = parse("#contact add <Rep@Union.test>\n#contact remove rep@union.test\n#consent request ellie@mail.test\n#contact someone\n#consent request nobody");
        assert_eq!(
            p.commands,
            vec![
                Command::Contact {
                    add: true,
                    address: "rep@union.test".into()
                },
                Command::Contact {
                    add: false,
                    address: "rep@union.test".into()
                },
                Command::AskConsent {
                    to: "ellie@mail.test".into()
                },
            ]
        );
        assert_eq!(p.errors.len(), 2);
    }

    #[test]
    fn hold_needs_a_reason_and_release_none() {
        let p = parse("#hold claim issued in the county court\n#release\n#hold");
        assert_eq!(
            p.commands,
            vec![
                Command::Hold {
                    reason: "claim issued in the county court".into()
                },
                Command::Release
            ]
        );
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(parse("#hold REASON").commands.is_empty());
    }

    #[test]
    fn data_protection_marks_and_unmarks() {
        let p = parse("#data-protection\n#data-protection off\n#data-protection maybe");
        assert_eq!(
            p.commands,
            vec![
                Command::DataProtection { on: true },
                Command::DataProtection { on: false }
            ]
        );
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    }

    #[test]
    fn a_remedy_due_beyond_two_years_of_working_days_is_refused() {
        let p = parse("#remedy refund owner finance due 100000000 working days: refund");
        assert!(p.commands.is_empty(), "{:?}", p.commands);
        assert!(
            p.errors.iter().any(|e| e.message.contains("at most 520")),
            "{:?}",
            p.errors
        );
        let p = parse("#remedy refund owner finance due 520 working days: refund");
        assert_eq!(p.commands.len(), 1, "{:?}", p.errors);
    }

    #[test]
    fn records_commands() {
        let p = parse("#define issues: three sessions cancelled; outcome sought: sessions rebooked\n#define remaining: the apology\n#outcome Partly upheld: the sessions were cancelled\n#remedy refund owner finance due 10 working days: refund the exam fee\n#remedy apology owner <Sam@Org.test> due 2026-12-01: written apology\n#remedy-done 2\n#refuse out of time: the events were in 2023\n#accept-late the learner was in hospital\n#extend 2026-12-10 waiting for the employer beyond-cap: the employer is closed until then");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.commands[0],
            Command::Define {
                issues: Some("three sessions cancelled".into()),
                outcome_sought: Some("sessions rebooked".into()),
                remaining: None
            }
        );
        assert_eq!(
            p.commands[2],
            Command::Outcome {
                outcome: Outcome::PartlyUpheld,
                reasons: "the sessions were cancelled".into()
            }
        );
        assert_eq!(
            p.commands[3],
            Command::Remedy {
                kind: RemedyKind::Refund,
                owner: "finance".into(),
                due: RemedyDue::WorkingDays(10),
                description: "refund the exam fee".into()
            }
        );
        assert_eq!(p.commands[5], Command::RemedyDone { number: 2 });
        assert_eq!(
            p.commands[6],
            Command::Refuse {
                ground: RefusalGround::OutOfTime,
                reason: "the events were in 2023".into()
            }
        );
        assert_eq!(
            p.commands[8],
            Command::Extend {
                until: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
                reason: "waiting for the employer".into(),
                beyond_cap: Some("the employer is closed until then".into())
            }
        );
        // Missing reasons, kinds and owners are reported, never guessed.
        let p = parse("#outcome upheld\n#outcome great: yes\n#remedy hug owner x due 2026-12-01: a hug\n#remedy refund due 2026-12-01: money\n#refuse busy: no\n#accept-late\n#define nothing\n#remedy-done one");
        assert!(p.commands.is_empty(), "{:?}", p.commands);
        assert_eq!(p.errors.len(), 8, "{:?}", p.errors);
    }

    #[test]
    fn hashtags_in_prose_are_not_commands() {
        let p = parse("We are #1 in Wales.\nPlease see below.");
        assert!(!p.has_commands());
        let p = parse("# heading");
        assert!(!p.has_commands());
    }
}
