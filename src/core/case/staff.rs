//! A message from a member of staff: unverified (reported, never acted on),
//! commands (run, then reported and confirmed), or text to relay.

use super::command::{command, decisive, By};
use super::deadline::DeadlineKind;
use super::effect::{Actor, Recipient};
use super::out::{mail, roles, with_vars, Out};
use super::stage::{close, close_or_ask_lessons, response_contacts, stage_of};
use super::state::State;
use super::template::TemplateId;
use super::{Ctx, Inbound};
use crate::core::commands::{CommandError, Parsed};
use crate::core::kind::Kind;
use chrono::{DateTime, Utc};

fn report(out: &mut Out, errors: Vec<String>) {
    if errors.is_empty() {
        return;
    }
    // No line of the report starts with `#`: quoted back unmarked, it
    // would otherwise read as a command.
    let lines: Vec<String> = errors
        .into_iter()
        .map(|e| {
            if e.trim_start().starts_with('#') {
                format!("Not carried out: {e}")
            } else {
                e
            }
        })
        .collect();
    let m = with_vars(
        mail(TemplateId::CommandReport, vec![Recipient::Handler]),
        |v| v.errors = Some(lines.join("\n")),
    );
    out.send(m);
}

pub(super) fn staff_replied(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    msg: Inbound,
    verified: bool,
    parsed: Parsed,
) {
    let id = msg.message_id.clone();
    if !verified {
        // Email is spoofable: nothing is executed or relayed. The real
        // handler is told, and the attempt is on the record.
        out.audit(
            Actor::Unverified(msg.from.clone()),
            "unverified staff message",
            format!(
                "from {} without a valid token or authenticated sender: {} command(s) not executed, text not relayed",
                msg.from,
                parsed.commands.len() + parsed.errors.len()
            ),
            id.as_deref(),
        );
        let m = with_vars(
            mail(TemplateId::UnverifiedSender, vec![Recipient::Handler]),
            |v| v.claimed_sender = Some(msg.from.clone()),
        );
        out.send(m);
        return;
    }
    let actor = Actor::Staff(msg.from.clone());
    if parsed.has_commands() {
        let mut errors: Vec<String> = parsed
            .errors
            .iter()
            // Quoted, so a line echoed back never starts with `#` and cannot
            // run again if the handler's reply quotes this report unmarked.
            .map(|CommandError { line, message }| format!("“{line}”: {message}"))
            .collect();
        let mut done = Vec::new();
        for c in parsed.commands {
            let decisive = decisive(&c);
            let by = By {
                ctx,
                now,
                actor: &actor,
                id: id.as_deref(),
            };
            match command(out, by, c) {
                Ok(()) => {
                    if let Some(what) = decisive {
                        let stage = stage_of(ctx, out.case.stage)
                            .map(|s| format!(", {}", s.name))
                            .unwrap_or_default();
                        done.push(format!(
                            "{what}: the case is now {}{stage}",
                            out.case.state.as_str().replace('_', " ")
                        ));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !parsed.text.trim().is_empty() {
            out.audit(actor.clone(), "note", parsed.text.clone(), id.as_deref());
        }
        report(out, errors);
        if !done.is_empty() {
            // A decision is confirmed to whoever made it, so a command that
            // ran by mistake (a quoted example, a wrong case) is seen at once.
            out.send(with_vars(
                mail(
                    TemplateId::CommandDone,
                    vec![Recipient::Address(msg.from.to_ascii_lowercase())],
                ),
                |v| v.done = Some(done.join("\n")),
            ));
        }
        return;
    }
    relay(out, ctx, now, &actor, &msg);
}

/// A handler's reply without commands: the stage response when one is due,
/// otherwise further correspondence.
fn relay(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, actor: &Actor, msg: &Inbound) {
    let id = msg.message_id.as_deref();
    // The handler's own signature stays off what the complainant gets.
    let text = crate::core::quote::relayable(ctx.directory, &msg.from, &msg.text);
    if text.trim().is_empty() {
        out.audit(actor.clone(), "empty reply", "nothing to relay", id);
        return;
    }
    let reply_to = out.case.last_inbound_id.clone();
    match (out.case.kind, out.case.state) {
        (Kind::Complaint, State::Open) => {
            let Some(stage) = stage_of(ctx, out.case.stage) else {
                return;
            };
            let mut m = with_vars(
                mail(TemplateId::StageResponse, vec![Recipient::Complainant]),
                |v| v.stage = Some(stage.name.clone()),
            );
            m.text = Some(text.clone());
            m.in_reply_to = reply_to;
            m.contacts = response_contacts(&out.case, ctx);
            if let Some(w) = stage.escalation_window {
                m.vars.escalation_window = Some(w.to_string());
            }
            out.send(m);
            out.case.responded_at = Some(now);
            out.clear_deadline(DeadlineKind::Respond);
            out.audit(
                actor.clone(),
                "responded",
                format!("{} written response sent", stage.name),
                id,
            );
            if !stage.notify_on_response.is_empty() {
                out.send(mail(
                    TemplateId::OutcomeNotice,
                    roles(&stage.notify_on_response),
                ));
            }
            let has_next = stage_of(ctx, out.case.stage + 1).is_some();
            out.case.state = State::Responded;
            match (stage.escalation_window, has_next) {
                (Some(w), true) => {
                    let due = ctx.calendar.deadline(now, w);
                    out.set_deadline(DeadlineKind::EscalationWindow, now, due.at);
                }
                // No window in the policy: the case stays open to escalation
                // until a handler closes it.
                (None, true) => {}
                (_, false) => close_or_ask_lessons(out, ctx, now, "final stage responded"),
            }
        }
        (Kind::Other, State::Open) => {
            let mut m = mail(TemplateId::Correspondence, vec![Recipient::Complainant]);
            m.text = Some(text.clone());
            m.in_reply_to = reply_to;
            out.send(m);
            out.audit(actor.clone(), "answered", "enquiry answered", id);
            close(out, now, "enquiry answered");
        }
        _ => {
            let mut m = mail(TemplateId::Correspondence, vec![Recipient::Complainant]);
            m.text = Some(text.clone());
            m.in_reply_to = reply_to;
            out.send(m);
            out.audit(
                actor.clone(),
                "correspondence",
                "handler's message relayed",
                id,
            );
        }
    }
}
