//! A message from a member of staff: unverified (reported, never acted on),
//! commands (run, then reported and confirmed), or words whose use the
//! handler said (`said`: the response, a question, an update, a note, or a
//! draft kept until they confirm it).

use super::command::{command, decisive, By};
use super::effect::{Actor, Recipient};
use super::out::{mail, with_vars, Out};
use super::said::handler_wrote;
use super::stage::stage_of;
use super::template::TemplateId;
use super::{Ctx, Inbound};
use crate::core::commands::{Command, CommandError, Parsed};
use crate::core::handler_intent::{confirmation_word, Action, Intent};
use chrono::{DateTime, Utc};

fn report(out: &mut Out, errors: Vec<String>, from: &str) {
    if errors.is_empty() {
        return;
    }
    // A case with no handler (an independent stage waiting for one) reports
    // to whoever wrote the commands.
    let to = if out.case.handler.is_some() {
        Recipient::Handler
    } else {
        Recipient::Address(from.to_ascii_lowercase())
    };
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
    let m = with_vars(mail(TemplateId::CommandReport, vec![to]), |v| {
        v.errors = Some(lines.join("\n"))
    });
    out.send(m);
}

pub(super) fn staff_replied(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    msg: Inbound,
    verified: bool,
    parsed: Parsed,
    intent: Option<Intent>,
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
    // `#define` and `#outcome` lines above the words of a formal response
    // (the Send link, or SEND to a draft) are recorded first and the words
    // then go as the response, carrying them: the outcome belongs to the
    // response it is sent with. Any other command, or a line that is not
    // understood, keeps the usual rule: nothing is sent.
    let records_then_respond = parsed.errors.is_empty()
        && !parsed.commands.is_empty()
        && parsed
            .commands
            .iter()
            .all(|c| matches!(c, Command::Define { .. } | Command::Outcome { .. }))
        && intent.is_some_and(|i| {
            i.action == Some(Action::Respond)
                || (i.action.is_none()
                    && i.draft.is_some()
                    && confirmation_word(&parsed.text) == Some(Action::Respond))
        });
    if records_then_respond {
        let mut errors = Vec::new();
        for c in parsed.commands {
            let by = By {
                ctx,
                now,
                actor: &actor,
                id: id.as_deref(),
            };
            if let Err(e) = command(out, by, c) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            let msg = Inbound {
                text: parsed.text,
                ..msg
            };
            handler_wrote(out, ctx, now, &actor, &msg, intent);
        } else {
            report(out, errors, &msg.from);
        }
        return;
    }
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
        report(out, errors, &msg.from);
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
    handler_wrote(out, ctx, now, &actor, &msg, intent);
}
