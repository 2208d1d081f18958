//! What a verified handler's words (without commands) are for, as they said
//! it (`core::handler_intent`): the formal stage response, a question or an
//! update to the complainant, an internal note, or, when they did not say,
//! a draft that nothing sends until they confirm it.
//!
//! Nothing reaches the complainant as the formal response unless the
//! handler chose it (the "Send" link, or SEND to a draft's confirmation);
//! a formal response that lacks what the stage requires is refused with the
//! reason and nothing is sent; every action is confirmed to the handler
//! with a receipt saying what went to whom.

use super::deadline::DeadlineKind;
use super::effect::{is_machine_address, Actor, Recipient};
use super::out::{mail, roles, with_vars, Out};
use super::pause;
use super::stage::{
    close, close_or_ask_lessons, record_stage_handler, response_contacts, restate, stage_of,
};
use super::state::{Draft, State};
use super::template::TemplateId;
use super::{Ctx, Inbound};
use crate::core::handler_intent::{confirmation_word, strip_hint, Action, Intent};
use crate::core::kind::Kind;
use crate::core::quote::relayable;
use chrono::{DateTime, Duration, Utc};

/// How long a draft can still be confirmed: after this, SEND, ASK or WRITE
/// to it is refused (the text stays in the case record as a note).
pub const DRAFT_LIFETIME_DAYS: i64 = 14;

/// At most this many drafts wait on a case; older ones are dropped (they
/// stay in the audit as notes).
const MAX_DRAFTS: usize = 20;

/// A verified handler's message without commands.
pub(super) fn handler_wrote(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
    msg: &Inbound,
    intent: Option<Intent>,
) {
    let text = strip_hint(&msg.text);
    let by = By {
        ctx,
        now,
        actor,
        msg,
    };
    match intent {
        Some(Intent {
            action: Some(a),
            draft: None,
        }) => {
            if let Err(why) = act(out, &by, a, &text) {
                keep_draft(out, &by, &text, Some(why));
            }
        }
        Some(Intent {
            action: Some(a),
            draft: Some(n),
        }) => act_on_draft(out, &by, n, a),
        Some(Intent {
            action: None,
            draft: Some(n),
        }) => match confirmation_word(&text) {
            Some(a) => act_on_draft(out, &by, n, a),
            None => keep_draft(out, &by, &text, None),
        },
        _ => keep_draft(out, &by, &text, None),
    }
}

struct By<'a> {
    ctx: &'a Ctx<'a>,
    now: DateTime<Utc>,
    actor: &'a Actor,
    msg: &'a Inbound,
}

impl By<'_> {
    fn id(&self) -> Option<&str> {
        self.msg.message_id.as_deref()
    }

    fn writer(&self) -> String {
        self.msg.from.trim().to_ascii_lowercase()
    }
}

/// The complainant as a receipt names them: `Jo Learner <jo@…>`.
fn complainant(out: &Out) -> String {
    let c = &out.case.complainant;
    match c
        .name
        .as_deref()
        .map(crate::core::text::display_name)
        .filter(|n| !n.is_empty())
    {
        Some(n) => format!("{n} <{}>", c.address),
        None => c.address.clone(),
    }
}

fn stage_name(out: &Out, ctx: &Ctx<'_>) -> String {
    stage_of(ctx, out.case.stage)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "stage".into())
}

/// Whether a formal response can go now, and if not, why.
fn response_due(out: &Out, ctx: &Ctx<'_>) -> Result<(), String> {
    match (out.case.kind, out.case.state) {
        (Kind::Complaint, State::Open) => {
            let Some(stage) = stage_of(ctx, out.case.stage) else {
                return Err("the case is at no stage of the procedure".into());
            };
            if let Some(role) = &stage.response_names {
                if response_contacts(&out.case, ctx).is_empty() {
                    return Err(format!(
                        "the {} response must give the next stage's contact ({role}), and the configuration names nobody for it; nothing was sent (add the contact to the config, then send it again)",
                        stage.name
                    ));
                }
            }
            Ok(())
        }
        (Kind::Other, State::Open) => Ok(()),
        (_, State::Triage) => Err("the case is in triage: confirm its kind first (#reclassify complaint, or compliment, comment, other)".into()),
        (_, state) => Err(format!(
            "no formal response is due (the case is {}); to write to the complainant use the Write link",
            state.as_str().replace('_', " ")
        )),
    }
}

/// Carry out `action` with `text`. Err: refused, with the reason, nothing sent.
fn act(out: &mut Out, by: &By<'_>, action: Action, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(match action {
            Action::Note => "the note is empty: nothing was recorded".into(),
            _ => "the message is empty: nothing was sent (write the text above the line in the message the link opens)".into(),
        });
    }
    let receipt = match action {
        Action::Respond => respond(out, by, text)?,
        Action::Ask | Action::Write => write(out, by, action, text)?,
        Action::Note => {
            out.audit(by.actor.clone(), "note", text.to_string(), by.id());
            format!(
                "Kept as an internal note on {}. Nothing was sent outside the organisation.",
                out.case.reference
            )
        }
    };
    let m = with_vars(
        mail(
            TemplateId::SendReceipt,
            vec![Recipient::Address(by.writer())],
        ),
        |v| v.receipt = Some(receipt),
    );
    out.send(super::effect::OutMail {
        text: Some(text.to_string()),
        ..m
    });
    Ok(())
}

/// The formal stage response (or an enquiry's answer).
fn respond(out: &mut Out, by: &By<'_>, text: &str) -> Result<String, String> {
    response_due(out, by.ctx)?;
    // The handler's own signature stays off what the complainant gets.
    let text = &relayable(by.ctx.directory, &by.msg.from, text);
    if text.trim().is_empty() {
        return Err("the message is only a signature: nothing was sent".into());
    }
    let (ctx, now, id) = (by.ctx, by.now, by.id());
    let reply_to = out.case.last_inbound_id.clone();
    let to = complainant(out);
    if out.case.kind == Kind::Other {
        let mut m = mail(TemplateId::Correspondence, vec![Recipient::Complainant]);
        m.text = Some(text.to_string());
        m.in_reply_to = reply_to;
        out.send(m);
        out.audit(by.actor.clone(), "answered", "enquiry answered", id);
        close(out, now, "enquiry answered");
        return Ok(format!(
            "Sent to {to} as the answer to their enquiry; the case is closed."
        ));
    }
    let Some(stage) = stage_of(ctx, out.case.stage) else {
        return Err("the case is at no stage of the procedure".into());
    };
    let stage_index = out.case.stage;
    let outcome = out.case.records.outcome(stage_index).cloned();
    let required = stage
        .require_outcome
        .unwrap_or(ctx.policy.records.require_outcome);
    if outcome.is_none() && required {
        return Err(format!(
            "the {} response needs its outcome recorded first: nothing was sent. Reply with a line such as `#outcome partly-upheld: the reasons` (upheld, partly-upheld, not-upheld, resolved or withdrawn), then send the response again",
            stage.name
        ));
    }
    let contacts = response_contacts(&out.case, ctx);
    let mut m = with_vars(
        mail(TemplateId::StageResponse, vec![Recipient::Complainant]),
        |v| {
            v.stage = Some(stage.name.clone());
            restate(&out.case, v);
            if let Some(o) = &outcome {
                v.outcome = Some(o.outcome.words());
                v.outcome_reasons = Some(o.reasons.clone());
            }
        },
    );
    m.text = Some(text.to_string());
    m.in_reply_to = reply_to;
    m.contacts = contacts.clone();
    if let Some(w) = stage.escalation_window {
        m.vars.escalation_window = Some(w);
    }
    if out.case.data_protection {
        m.vars.regulator = Some(super::data_protection::regulator(ctx));
    }
    out.send(m);
    // A response while the clock is paused meets the deadline the pause kept.
    if let Some(p) = out.case.paused.clone() {
        out.met_now(DeadlineKind::Respond, out.case.stage_received_at, p.due);
    }
    pause::end(out);
    out.case.responded_at = Some(now);
    out.meet_deadline(DeadlineKind::Respond, Some(out.case.stage_received_at));
    // The response is the outcome the updates led up to.
    out.clear_deadline(DeadlineKind::DataProtectionUpdate);
    out.audit(
        by.actor.clone(),
        "responded",
        match &outcome {
            Some(o) => format!(
                "{} written response sent; outcome {}",
                stage.name,
                o.outcome.as_str()
            ),
            None => format!("{} written response sent", stage.name),
        },
        id,
    );
    if let Some(o) = out
        .case
        .records
        .outcomes
        .iter_mut()
        .find(|o| o.stage == stage_index)
    {
        o.sent_at = Some(now);
    }
    record_stage_handler(&mut out.case);
    if !stage.notify_on_response.is_empty() {
        out.send(mail(
            TemplateId::OutcomeNotice,
            roles(&stage.notify_on_response),
        ));
    }
    let has_next = stage_of(ctx, out.case.stage + 1).is_some();
    out.case.state = State::Responded;
    let mut receipt = format!("Sent to {to} as the {} written response", stage.name);
    if !contacts.is_empty() {
        let names: Vec<&str> = contacts.iter().map(|c| c.name.as_str()).collect();
        receipt.push_str(&format!(
            ", with the next stage's contact added ({})",
            names.join(", ")
        ));
    }
    receipt.push('.');
    match (stage.escalation_window, has_next) {
        (Some(w), true) => {
            let due = ctx.calendar.deadline(now, w);
            out.set_deadline(DeadlineKind::EscalationWindow, now, due.at);
            receipt.push_str(&format!(" They have {w} to take it further."));
        }
        (None, true) => {}
        (_, false) => close_or_ask_lessons(out, ctx, now, "final stage responded"),
    }
    // Drafts of this stage can no longer be its response.
    out.case.drafts.retain(|d| d.stage != stage_index);
    Ok(receipt)
}

/// A message to the complainant that is not the response.
fn write(out: &mut Out, by: &By<'_>, action: Action, text: &str) -> Result<String, String> {
    // The handler's own signature stays off what the complainant gets.
    let text = &relayable(by.ctx.directory, &by.msg.from, text);
    if text.trim().is_empty() {
        return Err("the message is only a signature: nothing was sent".into());
    }
    let c = &out.case;
    if c.kind.is_machine() || is_machine_address(&c.complainant.address) {
        return Err("the case has no address to write to".into());
    }
    if c.state.is_final() {
        return Err(format!(
            "the case is {}: nothing was sent",
            c.state.as_str().replace('_', " ")
        ));
    }
    let mut m = mail(TemplateId::Correspondence, vec![Recipient::Complainant]);
    m.text = Some(text.to_string());
    m.in_reply_to = out.case.last_inbound_id.clone();
    out.send(m);
    let to = complainant(out);
    let stage = stage_name(out, by.ctx);
    let (action_name, what) = match action {
        Action::Ask => ("question to the complainant", "a question"),
        _ => ("update to the complainant", "a message"),
    };
    out.audit(by.actor.clone(), action_name, text.to_string(), by.id());
    let mut receipt = format!("Sent to {to} as {what}; it is not the {stage} response.");
    let response_clock = out.case.paused.is_some()
        || out
            .case
            .deadlines
            .iter()
            .any(|d| d.kind == DeadlineKind::Respond);
    if action == Action::Ask && response_clock {
        if out.case.state == State::Triage {
            // The writer was promised a date before anyone knew the kind.
            receipt.push_str(" The response date stays as it is while the case is in triage.");
        } else if by.ctx.policy.conversation.question_pauses_clock {
            match pause::pause(out, by.ctx, by.now) {
                Some(p) => receipt.push_str(&format!(" The {p}.")),
                None => receipt
                    .push_str(" The response date has passed, so there is no clock to pause."),
            }
        } else {
            receipt.push_str(" The response date stays as it is (the procedure does not pause the clock for questions).");
        }
    }
    Ok(receipt)
}

/// Act on draft `n`: only that text, only while it waits.
fn act_on_draft(out: &mut Out, by: &By<'_>, n: u32, action: Action) {
    let Some(d) = out.case.drafts.iter().find(|d| d.number == n).cloned() else {
        refuse(
            out,
            by,
            format!("draft {n} is no longer waiting (it was sent already, or expired): nothing was sent"),
        );
        return;
    };
    if d.stage != out.case.stage {
        refuse(
            out,
            by,
            format!("draft {n} was written at an earlier stage: nothing was sent"),
        );
        return;
    }
    if by.now - d.at > Duration::days(DRAFT_LIFETIME_DAYS) {
        out.case.drafts.retain(|x| x.number != n);
        refuse(
            out,
            by,
            format!(
                "draft {n} is older than {DRAFT_LIFETIME_DAYS} days: nothing was sent (it stays in the case record)"
            ),
        );
        return;
    }
    // The draft's own author's signature comes off, whoever confirms it
    // (`act` takes off the confirmer's).
    let text = relayable(by.ctx.directory, &d.by, &d.text);
    match act(out, by, action, &text) {
        Ok(()) => {
            out.case.drafts.retain(|x| x.number != n);
            out.audit(
                by.actor.clone(),
                "draft confirmed",
                format!("draft {n}: {}", action.as_str()),
                by.id(),
            );
        }
        Err(why) => refuse(out, by, format!("draft {n}: {why}")),
    }
}

fn refuse(out: &mut Out, by: &By<'_>, why: String) {
    out.audit(by.actor.clone(), "refused", why.clone(), by.id());
    out.send(with_vars(
        mail(
            TemplateId::CommandReport,
            vec![Recipient::Address(by.writer())],
        ),
        |v| v.errors = Some(format!("Not sent: {why}")),
    ));
}

/// Keep the words as a numbered draft and ask the handler what to do with
/// it; `refused` says why an explicit action could not be carried out.
fn keep_draft(out: &mut Out, by: &By<'_>, text: &str, refused: Option<String>) {
    if text.trim().is_empty() {
        match refused {
            Some(why) => refuse(out, by, why),
            None => out.audit(by.actor.clone(), "empty reply", "nothing to keep", by.id()),
        }
        return;
    }
    out.case.drafts_made += 1;
    let n = out.case.drafts_made;
    out.case.drafts.push(Draft {
        number: n,
        text: text.to_string(),
        by: by.writer(),
        at: by.now,
        stage: out.case.stage,
    });
    let excess = out.case.drafts.len().saturating_sub(MAX_DRAFTS);
    out.case.drafts.drain(..excess);
    let detail = match &refused {
        Some(why) => format!("draft {n} kept, not sent ({why}): {text}"),
        None => format!("draft {n} kept, not sent: {text}"),
    };
    out.audit(by.actor.clone(), "draft", detail, by.id());
    let can_respond = response_due(out, by.ctx).is_ok();
    let stage = stage_name(out, by.ctx);
    let can_write =
        !out.case.kind.is_machine() && !is_machine_address(&out.case.complainant.address);
    let m = with_vars(
        mail(
            TemplateId::DraftConfirmation,
            vec![Recipient::Address(by.writer())],
        ),
        |v| {
            v.draft = Some(n);
            v.stage = Some(stage);
            v.can_respond = can_respond;
            v.can_write = can_write;
            v.errors = refused.clone();
        },
    );
    out.send(super::effect::OutMail {
        text: Some(text.to_string()),
        ..m
    });
}
