//! A message from the complainant (or someone with standing on the case), and
//! from someone with none.

use super::consent::{ask_consent_of, consent_received, learner_addresses};
use super::deadline::DeadlineKind;
use super::effect::{Actor, OutMail, Recipient};
use super::out::{mail, roles, with_vars, Out};
use super::stage::{close, escalate};
use super::state::{ConsentStatus, State};
use super::template::TemplateId;
use super::{Ctx, Inbound};
use crate::core::intent::{read_reply, ReplyIntent};
use crate::core::kind::Kind;
use chrono::{DateTime, Utc};

fn forward_to_handler(out: &mut Out, msg: &Inbound, note: &str) {
    let mut m = with_vars(
        mail(TemplateId::ComplainantUpdate, vec![Recipient::Handler]),
        |v| v.note = Some(note.into()),
    );
    let from = msg.from.trim().to_ascii_lowercase();
    if from != out.case.complainant.address {
        // The subject says who wrote, not "<complainant> wrote again".
        m.vars.writer = Some(from);
    }
    m.text = Some(msg.text.clone());
    out.send(m);
}

pub(super) fn complainant_replied(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, msg: Inbound) {
    let id = msg.message_id.clone();
    let from = msg.from.trim().to_ascii_lowercase();
    let is_complainant = from == out.case.complainant.address;
    let actor = if is_complainant {
        Actor::Complainant
    } else {
        Actor::Correspondent(from.clone())
    };
    // Mail to the complainant answers the complainant's own latest message.
    if is_complainant && id.is_some() {
        out.case.last_inbound_id = id.clone();
    }
    // An answer to a handler's question gives the response clock back.
    super::pause::resume(out, ctx, now);
    let awaiting_consent = out.case.consent == ConsentStatus::Awaiting;
    // Consent counts at once only from an address complaintd itself sent
    // the consent request to; anyone else's goes to the handler to confirm.
    let consent_counts = out.case.consent_asked.contains(&from);
    let intent = read_reply(
        &msg.text,
        out.case.state == State::AwaitingPermission,
        awaiting_consent,
    );
    out.audit(
        actor.clone(),
        "replied",
        format!("read as {intent:?}"),
        id.as_deref(),
    );
    if awaiting_consent && !consent_counts {
        let who = if is_complainant {
            "the complainant".to_string()
        } else {
            from.clone()
        };
        for a in learner_addresses(&out.case, ctx, &from, &msg.text) {
            ask_consent_of(out, &a, &who);
        }
    }
    let writer = if is_complainant {
        "the complainant".to_string()
    } else {
        from.clone()
    };
    match (out.case.state, intent) {
        (_, ReplyIntent::Consent) if awaiting_consent && consent_counts => {
            forward_to_handler(
                out,
                &msg,
                &format!(
                    "consent arrived from {from}, the address the consent request was sent to"
                ),
            );
            consent_received(out, ctx, now, actor);
        }
        (_, ReplyIntent::Consent) if awaiting_consent => {
            out.audit(
                actor,
                "consent not confirmed",
                format!("consent written by {from}, not from an address the consent request was sent to: waiting for a handler to confirm"),
                id.as_deref(),
            );
            forward_to_handler(
                out,
                &msg,
                &format!("{from} sent consent, but not from an address complaintd sent the consent request to. If it is the learner's own written consent, reply with the line `#consent received`; nothing changes until then"),
            );
        }
        (
            State::AwaitingPermission,
            ReplyIntent::PermissionGranted | ReplyIntent::PermissionRefused,
        ) => {
            let granted = intent == ReplyIntent::PermissionGranted;
            out.case.share_permission = Some(granted);
            out.audit(
                actor,
                "permission",
                if granted {
                    "may be shared"
                } else {
                    "must not be shared"
                },
                id.as_deref(),
            );
            close(out, now, "permission to share answered");
        }
        (State::Responded, _) => {
            let window = out
                .case
                .deadlines
                .iter()
                .find(|d| d.kind == DeadlineKind::EscalationWindow)
                .map(|d| d.due);
            let late = window.is_some_and(|w| now > w);
            if intent == ReplyIntent::Satisfied {
                forward_to_handler(out, &msg, &format!("{writer} says they are satisfied"));
            } else if late {
                late_escalation(out, ctx, &msg, State::Responded);
            } else {
                escalate(
                    out,
                    ctx,
                    now,
                    id,
                    &format!("{writer} is not satisfied with the response"),
                );
            }
        }
        (
            State::Closed | State::PendingLessons,
            ReplyIntent::Dissatisfied | ReplyIntent::Unclear,
        ) if out.case.kind == Kind::Complaint && out.case.responded_at.is_some() => {
            let resume = out.case.state;
            late_escalation(out, ctx, &msg, resume);
        }
        _ if is_complainant => forward_to_handler(out, &msg, "the complainant wrote again"),
        _ => forward_to_handler(out, &msg, &format!("{from} wrote about the case")),
    }
}

/// Someone with no standing named the case (a guessed reference in the
/// subject or plus-address, a forwarded thread): their message is on the
/// record, labelled with the real sender, and changes nothing.
pub(super) fn third_party_wrote(out: &mut Out, msg: Inbound) {
    let from = msg.from.trim().to_ascii_lowercase();
    out.audit(
        Actor::ThirdParty(from.clone()),
        "third-party message",
        format!(
            "from {from}, who is neither the complainant nor a contact on the case: recorded, nothing changed"
        ),
        msg.message_id.as_deref(),
    );
    let mut m = with_vars(
        mail(TemplateId::ThirdPartyMessage, vec![Recipient::Handler]),
        |v| v.sender = Some(from),
    );
    m.text = Some(msg.text);
    out.send(m);
}

/// A late reply goes to the handler and to whoever the policy alerts about
/// missed deadlines (the handler's manager, directors): they decide.
fn late_escalation(out: &mut Out, ctx: &Ctx<'_>, msg: &Inbound, resume: State) {
    out.case.resume_state = Some(resume);
    out.case.state = State::LateEscalation;
    out.clear_deadline(DeadlineKind::EscalationWindow);
    let mut to = vec![Recipient::Handler];
    to.extend(roles(&ctx.policy.procedure.breach_alert));
    let mut m = mail(TemplateId::LateEscalationNotice, to);
    m.text = Some(msg.text.clone());
    out.send(m);
    out.send(OutMail {
        in_reply_to: msg.message_id.clone(),
        ..mail(
            TemplateId::LateEscalationReceived,
            vec![Recipient::Complainant],
        )
    });
    out.audit(
        Actor::System,
        "late escalation",
        "reply after the escalation window: recorded and routed for a decision (#escalate or #no-action)",
        msg.message_id.as_deref(),
    );
}
