//! The case state machine: `(case, event, policy, now) -> (case, effects)`.
//!
//! Pure. It never sends mail or writes rows: it returns [`Effect`]s (mails to
//! queue, deadlines to set or clear, audit entries) that the store applies in
//! the same transaction as the new case. Every path of both seed procedures
//! is here: acknowledgement, response, escalation through the stages, external
//! referral, consent, anonymous decisions, assessment-appeal redirects,
//! extensions with delay notices, reclassification, reassignment, late
//! escalation, withdrawal, and closing with lessons learnt.
//!
//! Layout: the case and its states (`state`), the effects a step returns
//! (`effect`) and their builder (`out`), the template-id table (`template`),
//! deadlines and chase times (`deadline`); then one module per path:
//! opening a case (`open`), a complainant's reply (`complainant`), consent
//! (`consent`), a member of staff's reply (`staff`), one function per handler
//! command (`command/`), and stages, escalation and closing (`stage`).

mod command;
mod complainant;
mod consent;
mod data_protection;
mod deadline;
mod effect;
mod open;
mod out;
mod pause;
pub mod records;
mod said;
mod staff;
mod stage;
mod state;
mod survey;
mod template;
mod vars;

pub use complainant::{escalates, link_on_open, reading};
pub use data_protection::data_protection_cue;
pub use deadline::{chase_times, Deadline, DeadlineKind};
pub use effect::{is_machine_address, Actor, Audit, Contact, Effect, OutMail, Recipient};
pub use open::open;
pub use said::DRAFT_LIFETIME_DAYS;
pub use state::{standing, Case, ConsentStatus, Draft, Party, Pause, Standing, State};
pub use template::TemplateId;
pub use vars::Vars;

use super::calendar::Calendar;
use super::commands::Parsed;
use super::directory::Directory;
use super::handler_intent::Intent;
use super::policy::Policy;
use super::reference::CaseRef;
use chrono::{DateTime, Utc};
use complainant::{complainant_replied, linked_to_new_case, third_party_wrote, unproven_reply};
use deadline::{chase, deadline_due};
use out::Out;
use staff::staff_replied;

/// The result of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The case after the event.
    pub case: Case,
    /// What to do, in order.
    pub effects: Vec<Effect>,
}

/// What the state machine needs besides the case: policy, calendar, staff.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The procedure.
    pub policy: &'a Policy,
    /// Working days.
    pub calendar: &'a Calendar,
    /// Staff and roles.
    pub directory: &'a Directory,
    /// The languages complainants are written to in (ISO 639-1), the
    /// first the default: what `#language` may choose.
    pub languages: &'a [String],
}

/// An inbound message, reduced to what the state machine needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Its Message-ID.
    pub message_id: Option<String>,
    /// Sender address (lower-case).
    pub from: String,
    /// Sender display name.
    pub name: Option<String>,
    /// The newly written text (quotes and signatures stripped).
    pub text: String,
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The complainant wrote again, or someone with standing on the case
    /// (see [`standing`]); the audit names them when they are not the complainant.
    ComplainantReplied(Inbound),
    /// Someone with no standing wrote about the case: recorded against it as
    /// a third party's message and shown to the handler; nothing changes.
    ThirdPartyWrote(Inbound),
    /// A message from the complainant's address that found the case by its
    /// sender alone, whose mail server did not vouch for the From address:
    /// recorded and shown to the handler; nothing changes (no escalation,
    /// withdrawal, consent or permission is taken from it).
    UnprovenReply(Inbound),
    /// A member of staff wrote. `verified` says whether the sender proved who
    /// they are (token or authenticated server); `parsed` holds their commands.
    StaffReplied {
        /// The message.
        message: Inbound,
        /// Proof of sender.
        verified: bool,
        /// Commands and remaining text.
        parsed: Parsed,
        /// What the address they wrote to says they mean (one of the
        /// links in mail to staff), if it says.
        intent: Option<Intent>,
    },
    /// A deadline of this kind is due now.
    Due(DeadlineKind),
    /// A chase-up point before a deadline of this kind.
    Chase(DeadlineKind),
    /// The satisfaction survey may go now (the daily step found the case
    /// closed `[survey] after` ago): sent if the complainant may be asked.
    SurveyDue,
    /// The complainant wrote about a different matter, naming or answering
    /// this case: it opened case `other`. Recorded on both, and this case's
    /// handler is told; nothing else changes here.
    Linked {
        /// The new case.
        other: CaseRef,
        /// Why the message opened a new case, in words.
        why: String,
        /// The message.
        message: Inbound,
    },
}

/// Apply an event to a case.
pub fn step(case: &Case, event: Event, ctx: &Ctx<'_>, now: DateTime<Utc>) -> Transition {
    let mut out = Out {
        case: case.clone(),
        effects: Vec::new(),
    };
    match event {
        Event::ComplainantReplied(msg) => complainant_replied(&mut out, ctx, now, msg),
        Event::ThirdPartyWrote(msg) => third_party_wrote(&mut out, msg),
        Event::UnprovenReply(msg) => unproven_reply(&mut out, msg),
        Event::StaffReplied {
            message,
            verified,
            parsed,
            intent,
        } => staff_replied(&mut out, ctx, now, message, verified, parsed, intent),
        Event::Due(kind) => deadline_due(&mut out, ctx, now, kind),
        Event::Chase(kind) => chase(&mut out, ctx, kind),
        Event::SurveyDue => survey::send(&mut out, now),
        Event::Linked {
            other,
            why,
            message,
        } => linked_to_new_case(&mut out, &other, &why, message),
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::{DeadlineKind, State, TemplateId};
    use strum::IntoEnumIterator;

    /// The database holds these names: a renamed variant must not rename
    /// them. The JSON of a case (serde) and the columns (strum) agree.
    #[test]
    fn stored_names_are_stable_and_agree_with_json() {
        let states: Vec<&str> = State::iter().map(State::as_str).collect();
        assert_eq!(
            states,
            [
                "open",
                "awaiting_consent",
                "awaiting_decision",
                "responded",
                "late_escalation",
                "pending_lessons",
                "awaiting_permission",
                "closed",
                "referred_externally",
                "redirected",
                "withdrawn",
                "triage"
            ]
        );
        let kinds: Vec<&str> = DeadlineKind::iter().map(DeadlineKind::as_str).collect();
        assert_eq!(
            kinds,
            [
                "acknowledge",
                "respond",
                "escalation_window",
                "decision",
                "permission",
                "confirm_kind",
                "remedy",
                "data_protection_update"
            ]
        );
        let json = |v: serde_json::Value| v.as_str().map(String::from);
        for s in State::iter() {
            assert_eq!(s.as_str().parse::<State>(), Ok(s));
            assert_eq!(json(serde_json::json!(s)).as_deref(), Some(s.as_str()));
        }
        for k in DeadlineKind::iter() {
            assert_eq!(k.as_str().parse::<DeadlineKind>(), Ok(k));
            assert_eq!(json(serde_json::json!(k)).as_deref(), Some(k.as_str()));
        }
        for t in TemplateId::iter() {
            assert_eq!(t.name().parse::<TemplateId>(), Ok(t));
            assert_eq!(json(serde_json::json!(t)).as_deref(), Some(t.name()));
        }
        assert_eq!(TemplateId::iter().count(), 40);
        assert_eq!(TemplateId::UnprovenMessage.name(), "unproven_message");
        assert_eq!(
            TemplateId::AnonymousDecisionRequest.name(),
            "anonymous_decision_request"
        );
    }
}
