//! Handler commands (`#extend`, `#close`, …): one function each.

use super::consent::{ask_consent_of, consent_received};
use super::deadline::DeadlineKind;
use super::effect::{Actor, OutMail, Recipient};
use super::open::start_kind;
use super::out::{mail, with_var, Out};
use super::stage::{
    begin_stage, begin_stage_after_hold, close, close_or_ask_lessons, escalate, stage_of,
};
use super::state::{ConsentStatus, State};
use super::template::TemplateId;
use super::Ctx;
use crate::core::classify::{Flag, Kind};
use crate::core::commands::Command;
use chrono::{DateTime, Utc};

pub(super) fn command(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
    c: Command,
    id: Option<&str>,
) -> Result<(), String> {
    match c {
        Command::Note { text } => {
            out.audit(actor.clone(), "note", text, id);
            Ok(())
        }
        Command::Extend { until, reason } => {
            let Some(current) = out
                .case
                .deadlines
                .iter()
                .find(|d| d.kind == DeadlineKind::Respond)
                .cloned()
            else {
                return Err("#extend: this case has no response deadline to extend".into());
            };
            let new_due = ctx.calendar.end_of_business(until);
            if new_due <= current.due || new_due <= now {
                return Err(format!(
                    "#extend: {until} is not later than the current deadline ({})",
                    ctx.calendar.to_local(current.due).format("%Y-%m-%d %H:%M")
                ));
            }
            let late = now > current.due;
            // The complainant is always told the new date and the reason.
            let m = with_var(
                with_var(
                    mail(TemplateId::DelayNotice, vec![Recipient::Complainant]),
                    "reason",
                    reason.clone(),
                ),
                "new_date",
                until.format("%A %-d %B %Y").to_string(),
            );
            out.send(OutMail {
                in_reply_to: out.case.last_inbound_id.clone(),
                ..m
            });
            out.set_deadline(DeadlineKind::Respond, current.start, new_due);
            out.audit(
                actor.clone(),
                "extended",
                format!(
                    "response now due {until}: {reason}{}",
                    match (late, ctx.policy.procedure.delay_notice_required) {
                        (true, true) => " (BREACH: the procedure requires the delay notice before the deadline, which had passed)",
                        (true, false) => " (after the deadline had passed)",
                        (false, _) => "; delay notice sent before the deadline",
                    }
                ),
                id,
            );
            Ok(())
        }
        Command::Close { lessons } => {
            if out.case.state.is_final() && out.case.state != State::Redirected {
                return Err(format!(
                    "#close: the case is already {}",
                    out.case.state.as_str()
                ));
            }
            let needs = ctx.policy.closing.require_lessons && out.case.kind == Kind::Complaint;
            match (needs, lessons) {
                (true, None) => Err(
                    "#close refused: this procedure requires a lessons-learnt record. Write `#close lessons: what we learnt and changed or recommend`"
                        .into(),
                ),
                (_, lessons) => {
                    if let Some(l) = lessons {
                        out.audit(actor.clone(), "lessons learnt", l.clone(), id);
                        out.case.lessons = Some(l);
                    }
                    close(out, now, "closed by the handler");
                    Ok(())
                }
            }
        }
        Command::Assign { to } => {
            let Some(p) = ctx.directory.by_email(&to) else {
                return Err(format!("#assign: {to} is not in the staff list"));
            };
            if out.case.excluded_handlers.iter().any(|x| x == &p.email) {
                return Err(format!(
                    "#assign: {} is named in the complaint and cannot handle it",
                    p.name
                ));
            }
            out.case.handler = Some(p.email.clone());
            out.send(with_var(
                mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                "stage",
                stage_of(ctx, out.case.stage)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            ));
            out.audit(
                actor.clone(),
                "reassigned",
                format!("now handled by {}", p.email),
                id,
            );
            Ok(())
        }
        Command::Reclassify { kind } => {
            if kind == out.case.kind {
                return Err(format!("#reclassify: the case is already a {kind}"));
            }
            let old = out.case.kind;
            out.clear_all();
            out.case.kind = kind;
            out.case.stage = 0;
            out.case.stage_received_at = now;
            out.case.closed_at = None;
            out.audit(actor.clone(), "reclassified", format!("{old} → {kind}"), id);
            start_kind(out, ctx, now);
            Ok(())
        }
        Command::ConsentReceived => {
            if out.case.consent != ConsentStatus::Awaiting {
                return Err("#consent: this case is not waiting for consent".into());
            }
            consent_received(out, ctx, now, actor.clone());
            Ok(())
        }
        Command::AskConsent { to } => {
            if out.case.consent != ConsentStatus::Awaiting {
                return Err("#consent request: this case is not waiting for consent".into());
            }
            if to == out.case.complainant.address {
                return Err(format!(
                    "#consent request: {to} is the complainant's own address; give the learner's"
                ));
            }
            ask_consent_of(out, &to, &format!("{} (staff)", actor_label(actor)));
            Ok(())
        }
        Command::Contact { add, address } => {
            if address == out.case.complainant.address {
                return Err(format!(
                    "#contact: {address} is the complainant's own address"
                ));
            }
            let known = out.case.contacts.contains(&address);
            match (add, known) {
                (true, true) => Err(format!("#contact add: {address} is already a contact")),
                (false, false) => Err(format!("#contact remove: {address} is not a contact")),
                (true, false) => {
                    out.case.contacts.push(address.clone());
                    out.audit(
                        actor.clone(),
                        "contact added",
                        format!("{address} may now act for the complainant"),
                        id,
                    );
                    Ok(())
                }
                (false, true) => {
                    out.case.contacts.retain(|c| *c != address);
                    out.audit(
                        actor.clone(),
                        "contact removed",
                        format!("{address} may no longer act on the case"),
                        id,
                    );
                    Ok(())
                }
            }
        }
        Command::Withdraw { reason } => {
            out.clear_all();
            out.case.state = State::Withdrawn;
            out.case.closed_at = Some(now);
            out.send(mail(
                TemplateId::WithdrawalConfirmation,
                vec![Recipient::Complainant],
            ));
            out.audit(
                actor.clone(),
                "withdrawn",
                reason.unwrap_or_else(|| "withdrawn by the complainant".into()),
                id,
            );
            Ok(())
        }
        Command::Escalate { reason } => {
            if out.case.kind != Kind::Complaint {
                return Err("#escalate: only complaints have stages".into());
            }
            let why = reason.unwrap_or_else(|| "escalated by staff".into());
            escalate(out, ctx, now, out.case.last_inbound_id.clone(), &why);
            Ok(())
        }
        Command::Proceed { reason } => {
            let why = reason.unwrap_or_else(|| "decided to act".into());
            match out.case.state {
                State::AwaitingDecision => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("act on the anonymous complaint: {why}"),
                        id,
                    );
                    out.case.stage_received_at = now;
                    begin_stage_after_hold(out, ctx, now);
                    Ok(())
                }
                State::LateEscalation => {
                    escalate(
                        out,
                        ctx,
                        now,
                        out.case.last_inbound_id.clone(),
                        &format!("late escalation accepted: {why}"),
                    );
                    Ok(())
                }
                State::Redirected => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("treat as a complaint, not an appeal: {why}"),
                        id,
                    );
                    out.case.flags.remove(&Flag::AssessmentAppeal);
                    out.case.closed_at = None;
                    out.case.stage_received_at = now;
                    let reply_to = out.case.last_inbound_id.clone();
                    begin_stage(out, ctx, now, reply_to);
                    Ok(())
                }
                s => Err(format!(
                    "#proceed: nothing to decide while the case is {}",
                    s.as_str()
                )),
            }
        }
        Command::NoAction { reason } => {
            let why = reason.unwrap_or_else(|| "no action".into());
            match out.case.state {
                State::AwaitingDecision => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("no action on the anonymous complaint: {why}"),
                        id,
                    );
                    close(
                        out,
                        now,
                        "anonymous complaint: no action, as the directors decided",
                    );
                    Ok(())
                }
                State::LateEscalation => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("late escalation declined: {why}"),
                        id,
                    );
                    out.case.resume_state = None;
                    close_or_ask_lessons(out, ctx, now, "late escalation declined");
                    Ok(())
                }
                s => Err(format!(
                    "#no-action: nothing to decide while the case is {}",
                    s.as_str()
                )),
            }
        }
    }
}

fn actor_label(a: &Actor) -> String {
    match a {
        Actor::System => "complaintd".into(),
        Actor::Complainant => "the complainant".into(),
        Actor::Staff(s) | Actor::Unverified(s) | Actor::Correspondent(s) | Actor::ThirdParty(s) => {
            s.clone()
        }
    }
}
