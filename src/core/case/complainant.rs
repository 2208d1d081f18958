//! A message from the complainant (or someone with standing on the case), and
//! from someone with none.

use super::consent::{ask_consent_of, consent_received, learner_addresses};
use super::deadline::DeadlineKind;
use super::effect::{Actor, OutMail, Recipient};
use super::effect::{Audit, Effect};
use super::out::{mail, roles, with_vars, Out};
use super::records::Remaining;
use super::stage::{close, escalate};
use super::state::Case;
use super::state::{ConsentStatus, State};
use super::template::TemplateId;
use super::Transition;
use super::{Ctx, Inbound};
use crate::core::intent::{read_reply, Reading, ReplyContext, ReplyIntent};
use crate::core::kind::Kind;
use crate::core::reference::CaseRef;
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

/// Whether a reply read as `intent` moves a responded case (inside its
/// escalation window) to the next stage: only a request to take it further
/// or dissatisfaction with the response does. `reply-text --eval` counts
/// with this too, so its figures are the case machine's.
pub fn escalates(intent: ReplyIntent) -> bool {
    intent == ReplyIntent::Escalate
}

/// Where `case` stands, as the reply reader needs it.
fn context(case: &Case) -> ReplyContext {
    ReplyContext {
        responded: case.responded_at.is_some()
            && matches!(
                case.state,
                State::Responded | State::Closed | State::PendingLessons
            ),
        asked_permission: case.state == State::AwaitingPermission,
        awaiting_consent: case.consent == ConsentStatus::Awaiting,
        // Only a closed case waits for a survey answer: once reopened
        // (a late escalation accepted), its replies are read as any other.
        survey_asked: case.state == State::Closed
            && case
                .survey
                .as_ref()
                .is_some_and(|s| s.answered_at.is_none()),
    }
}

/// How a reply from the complainant of `case` reads where the case stands
/// (ingest asks before it decides whether a message opens a new matter).
pub fn reading(case: &Case, text: &str) -> Reading {
    read_reply(text, &context(case))
}

/// A message that named or answered `other` opened this new case (a
/// different matter): the new case says so on its record and in its
/// handler's notification, so a second case is never opened silently.
pub fn link_on_open(tr: &mut Transition, other: &CaseRef, why: &str) {
    if !tr.case.linked.contains(other) {
        tr.case.linked.push(other.clone());
    }
    let note =
        format!("Linked to {other}: {why}. That case is unchanged and its handler has been told.");
    for e in tr.effects.iter_mut() {
        if let Effect::Send(m) = e {
            if m.template == TemplateId::HandlerNotification {
                m.vars.note = Some(note.clone());
            }
        }
    }
    tr.effects.push(Effect::Audit(Audit {
        actor: Actor::System,
        action: "linked".into(),
        detail: format!("to {other}: {why}"),
        message_id: None,
    }));
}

pub(super) fn linked_to_new_case(out: &mut Out, other: &CaseRef, why: &str, msg: Inbound) {
    if !out.case.linked.contains(other) {
        out.case.linked.push(other.clone());
    }
    out.audit(
        Actor::System,
        "linked",
        format!("to {other}, opened for a message from the complainant: {why}; nothing on this case changed"),
        msg.message_id.as_deref(),
    );
    forward_to_handler(
        out,
        &msg,
        &format!("the complainant wrote about a different matter ({why}); it opened a new case, {other}, linked to this one. Nothing on this case changed"),
    );
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
    // What the sender wrote themselves: not the evidence they forwarded or
    // attached, not our words quoted above their answers.
    let own = crate::core::classify::own_words(&msg.text);
    let reading = reading(&out.case, &own);
    let intent = reading.intent;
    out.audit(
        actor.clone(),
        "replied",
        format!("read as {}: {}", intent.as_str(), reading.reason),
        id.as_deref(),
    );
    if awaiting_consent && !consent_counts {
        let who = if is_complainant {
            "the complainant".to_string()
        } else {
            from.clone()
        };
        for a in learner_addresses(&out.case, ctx, &from, &own) {
            ask_consent_of(out, &a, &who);
        }
    }
    let writer = if is_complainant {
        "the complainant".to_string()
    } else {
        from.clone()
    };
    // "Please don't email me again": no survey will go (recorded once).
    if !out.case.no_survey {
        if let Some(words) = crate::core::survey::opts_out(&own) {
            out.case.no_survey = true;
            out.audit(
                actor.clone(),
                "opted out",
                format!("asked not to be emailed again ({words:?}): no satisfaction survey"),
                id.as_deref(),
            );
        }
    }
    match (out.case.state, intent) {
        (_, ReplyIntent::SurveyAnswer) => {
            super::survey::record(out, now, &own, id.as_deref(), actor);
            forward_to_handler(
                out,
                &msg,
                &format!("{writer} answered the satisfaction survey; it is recorded and nothing on the case changed"),
            );
        }
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
            match intent {
                i if escalates(i) && late => late_escalation(out, ctx, &msg, State::Responded),
                i if escalates(i) => {
                    // The complainant's own words say which points remain
                    // (a handler can restate them with `#define remaining:`).
                    let before = out.case.stage;
                    out.case.records.remaining.retain(|r| r.stage != before + 1);
                    out.case.records.remaining.push(Remaining {
                        stage: before + 1,
                        points: crate::core::text::one_line(own.trim()).into_owned(),
                        by: "complainant".into(),
                        at: now,
                    });
                    escalate(
                        out,
                        ctx,
                        now,
                        id,
                        &format!(
                            "escalated on the reply of {writer}, which {}",
                            reading.reason
                        ),
                    );
                    if out.case.stage == before {
                        out.case.records.remaining.retain(|r| r.stage != before + 1);
                    }
                }
                ReplyIntent::Unclear if !late => ask_decision(out, ctx, now, &msg, &writer),
                _ => forward_to_handler(out, &msg, &what_it_is(intent, &writer)),
            }
        }
        (State::Closed | State::PendingLessons, i)
            if escalates(i)
                && out.case.kind == Kind::Complaint
                && out.case.responded_at.is_some() =>
        {
            let resume = out.case.state;
            late_escalation(out, ctx, &msg, resume);
        }
        _ => forward_to_handler(out, &msg, &what_it_is(intent, &writer)),
    }
}

/// The note above a forwarded reply: what it was read as, and that nothing
/// changed because of it.
fn what_it_is(intent: ReplyIntent, writer: &str) -> String {
    let what = match intent {
        ReplyIntent::Thanks => "says thank you (or that it is sorted)",
        ReplyIntent::Withdraw => {
            "asks to withdraw the complaint: if so, reply with the line `#withdraw` and the reason, and complaintd confirms it to them"
        }
        ReplyIntent::Chase => "asks for news",
        ReplyIntent::Answer => "wrote with more information",
        ReplyIntent::NewMatter => "raises what looks like a different matter",
        ReplyIntent::Escalate => {
            "asks to take it further, but there is no stage response to escalate from yet"
        }
        ReplyIntent::Unclear => "wrote again",
        ReplyIntent::SurveyAnswer => "answered the satisfaction survey",
        ReplyIntent::Consent | ReplyIntent::PermissionGranted | ReplyIntent::PermissionRefused => {
            "wrote again"
        }
    };
    format!("{writer} {what} (nothing on the case changed)")
}

/// An unclear reply after a stage response: the handler decides by a
/// deadline (chased like any other), and the escalation window does not
/// close the case meanwhile.
fn ask_decision(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, msg: &Inbound, writer: &str) {
    // Decided within the policy's span, and no later than the end of the
    // escalation window: the handler is chased while the complainant could
    // still have escalated, and the answer does not wait beyond it.
    let within = ctx
        .calendar
        .deadline(now, ctx.policy.replies.decide_unclear_within)
        .at;
    let window = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::EscalationWindow)
        .map(|d| d.due)
        .filter(|w| *w > now);
    let due = window.map_or(within, |w| w.min(within));
    if !out.case.escalation_undecided {
        out.case.escalation_undecided = true;
        out.set_deadline(DeadlineKind::Decision, now, due);
    }
    let by = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Decision)
        .map_or(due, |d| d.due);
    let by = ctx
        .calendar
        .to_local(by)
        .format("%A %-d %B %Y, %H:%M")
        .to_string();
    out.audit(
        Actor::System,
        "escalation decision asked",
        format!("an unclear reply after the response: the handler decides by {by} (#escalate or #no-escalate)"),
        msg.message_id.as_deref(),
    );
    forward_to_handler(
        out,
        msg,
        &format!("{writer} replied to the response, and it is not clear whether they want to take it further. Please decide by {by}: reply with a line `#escalate` to move the complaint to the next stage, or `#no-escalate` to keep it at this stage. Until you do, the case stays open to escalation and you will be reminded"),
    );
}

/// Someone with no standing named the case (a guessed reference in the
/// subject or plus-address, a forwarded thread): their message is on the
/// record, labelled with the real sender, and changes nothing.
pub(super) fn third_party_wrote(out: &mut Out, msg: Inbound) {
    let from = msg.from.trim().to_ascii_lowercase();
    recorded_for_the_handler(
        out,
        Actor::ThirdParty(from.clone()),
        "third-party message",
        format!(
            "from {from}, who is neither the complainant nor a contact on the case: recorded, nothing changed"
        ),
        TemplateId::ThirdPartyMessage,
        msg,
    );
}

/// A message in the complainant's name that nothing proves is theirs (found
/// by its sender alone, not vouched for by their mail server): on the
/// record and in front of the handler, who can ask the complainant; it acts
/// on nothing, since anyone could have written it.
pub(super) fn unproven_reply(out: &mut Out, msg: Inbound) {
    let from = msg.from.trim().to_ascii_lowercase();
    recorded_for_the_handler(
        out,
        Actor::Correspondent(from.clone()),
        "unproven message",
        format!(
            "from {from}, the complainant's address, found by its sender alone; their mail server did not vouch for the address: recorded, nothing changed"
        ),
        TemplateId::UnprovenMessage,
        msg,
    );
}

/// A message that changes nothing: on the record as `action` by `actor`,
/// and its words sent to the handler in `template`, which names its sender.
fn recorded_for_the_handler(
    out: &mut Out,
    actor: Actor,
    action: &str,
    detail: String,
    template: TemplateId,
    msg: Inbound,
) {
    out.audit(actor, action, detail, msg.message_id.as_deref());
    let from = msg.from.trim().to_ascii_lowercase();
    let mut m = with_vars(mail(template, vec![Recipient::Handler]), |v| {
        v.sender = Some(from)
    });
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
