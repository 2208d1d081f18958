//! Stages: who handles one, beginning one (acknowledgement, hand-offs, the
//! response clock), moving to the next, and closing.

use super::deadline::DeadlineKind;
use super::effect::{Actor, Contact, OutMail, Recipient};
use super::out::{mail, with_vars, Out};
use super::state::{Case, State};
use super::template::TemplateId;
use super::Ctx;
use crate::core::kind::Flag;
use crate::core::policy::{Anchor, Stage, When};
use chrono::{DateTime, Utc};

pub(super) fn stage_of<'a>(ctx: &Ctx<'a>, i: usize) -> Option<&'a Stage> {
    ctx.policy.stage(i)
}

/// The handler for the case's current stage: a routing rule's handler wins
/// over the stage's, and staff the complaint is about are never picked.
pub(super) fn choose_handler(case: &Case, ctx: &Ctx<'_>) -> Option<String> {
    let stage = stage_of(ctx, case.stage)?;
    let routed = ctx
        .policy
        .routes_for(&case.flags)
        .find_map(|r| r.handler.clone());
    let candidates: Vec<&String> = routed.iter().chain(stage.handler.iter()).collect();
    // Under independent stages, someone who handled an earlier stage is
    // passed over; if nobody else is in the role they are still returned,
    // and `begin_stage` refuses them for a decision.
    let mut independent = case.excluded_handlers.clone();
    if ctx.policy.records.independent_stages {
        independent.extend(
            case.records
                .stage_handlers
                .iter()
                .filter(|h| h.stage < case.stage)
                .map(|h| h.handler.clone()),
        );
    }
    for exclude in [&independent, &case.excluded_handlers] {
        for role in &candidates {
            if let Some(p) = ctx.directory.pick(role, exclude) {
                return Some(p.email.clone());
            }
        }
    }
    None
}

/// Contacts the stage response must give: the next stage's contact role, or
/// the external bodies of the next (external) stage.
pub(super) fn response_contacts(case: &Case, ctx: &Ctx<'_>) -> Vec<Contact> {
    let Some(stage) = stage_of(ctx, case.stage) else {
        return Vec::new();
    };
    let Some(role) = &stage.response_names else {
        return Vec::new();
    };
    if stage.names_external_bodies() {
        return stage_of(ctx, case.stage + 1)
            .map(external_contacts)
            .unwrap_or_default();
    }
    ctx.directory
        .in_role(role)
        .take(1)
        .map(|p| Contact {
            name: p.name.clone(),
            email: Some(p.email.clone()),
            phone: p.phone.clone(),
            address: None,
            url: None,
        })
        .collect()
}

/// The procedure's external bodies (of its external stage), for letters
/// that must name the complainant's right to go to them.
pub(super) fn external_bodies(ctx: &Ctx<'_>) -> Vec<Contact> {
    ctx.policy
        .stages
        .iter()
        .find(|s| !s.external_bodies.is_empty())
        .map(external_contacts)
        .unwrap_or_default()
}

fn external_contacts(stage: &Stage) -> Vec<Contact> {
    stage
        .external_bodies
        .iter()
        .map(|b| Contact {
            name: b.name.clone(),
            email: b.email.clone(),
            phone: b.phone.clone(),
            address: b.address.clone(),
            url: b.url.clone(),
        })
        .collect()
}

/// The complaint as recorded (`#define`) and the points that remain at the
/// case's stage, for the letters that restate it.
pub(super) fn restate(case: &Case, v: &mut super::vars::Vars) {
    let tidy = |s: &str| s.trim().trim_end_matches('.').to_string();
    if let Some(d) = &case.records.definition {
        v.issues = Some(tidy(&d.issues));
        v.outcome_sought = d.outcome_sought.as_deref().map(tidy);
    }
    v.remaining = case
        .records
        .remaining
        .iter()
        .find(|r| r.stage == case.stage)
        .map(|r| tidy(&r.points));
}

/// The stage that the case's handler handled before the current one, when
/// the procedure requires independent stages.
pub(super) fn independence_conflict(case: &Case, ctx: &Ctx<'_>) -> Option<usize> {
    if !ctx.policy.records.independent_stages {
        return None;
    }
    let h = case.handler.as_deref()?;
    case.records.handled_earlier(h, case.stage)
}

/// Record who handled the case's current stage.
pub(super) fn record_stage_handler(case: &mut Case) {
    let Some(h) = case.handler.clone() else {
        return;
    };
    let stage = case.stage;
    if !case
        .records
        .stage_handlers
        .iter()
        .any(|x| x.stage == stage && x.handler == h)
    {
        case.records
            .stage_handlers
            .push(super::records::StageHandler { stage, handler: h });
    }
}

/// Start the clock for the stage response.
fn start_response_clock(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    let Some(stage) = stage_of(ctx, out.case.stage) else {
        return;
    };
    if let Some(limit) = stage.respond {
        let start = match limit.from {
            // After a hold (consent, decision) the caller moves
            // `stage_received_at` to when the case may proceed.
            Anchor::Receipt => out.case.stage_received_at,
            Anchor::Acknowledgement => out.case.acknowledged_at.unwrap_or(now),
        };
        let due = ctx.calendar.deadline(start, limit.within);
        for w in due.warnings {
            out.audit(Actor::System, "calendar warning", w, None);
        }
        out.set_deadline(DeadlineKind::Respond, start, due.at);
    }
}

/// Acknowledge the current stage, notify the handler and everyone the stage
/// and routing rules name, and start the response clock.
pub(super) fn begin_stage(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    in_reply_to: Option<String>,
) {
    let stage_index = out.case.stage;
    let Some(stage) = stage_of(ctx, stage_index) else {
        return;
    };
    out.case.state = State::Open;
    out.case.responded_at = None;
    // A new stage has its own clock: a question at the last one paused nothing here.
    out.case.paused = None;
    out.case.handler = choose_handler(&out.case, ctx);
    if let Some(earlier) = independence_conflict(&out.case, ctx) {
        // Never silently: the stage waits for someone to assign a handler
        // who did not handle an earlier stage.
        let h = out.case.handler.take().unwrap_or_default();
        out.audit(
            Actor::System,
            "assignment refused",
            format!(
                "{h} handled {} of this case and the procedure requires stages to be handled independently: assign someone else with #assign",
                stage_of(ctx, earlier).map(|s| s.name.clone()).unwrap_or_default()
            ),
            None,
        );
        let mut to = super::out::roles(&ctx.policy.procedure.breach_alert);
        if to.is_empty() {
            to.push(Recipient::Address(h.clone()));
        }
        out.send(with_vars(mail(TemplateId::HandlerNeeded, to), |v| {
            v.note = Some(format!(
                "{h}, the only person the procedure picks for {}, handled an earlier stage of this case, and the procedure requires each stage to be handled independently. Nobody has been assigned.",
                stage.name
            ));
        }));
    }
    match &out.case.handler {
        Some(h) => out.audit(
            Actor::System,
            "assigned",
            format!("{} handles {}", h, stage.name),
            None,
        ),
        None => out.audit(
            Actor::System,
            "unassigned",
            format!(
                "nobody in the handler role for {}: add staff to the role in config",
                stage.name
            ),
            None,
        ),
    }
    // complaintd acknowledges at once, which meets every acknowledgement deadline.
    let ack = mail(TemplateId::Acknowledgement, vec![Recipient::Complainant]);
    let ack = with_vars(ack, |v| {
        v.stage = Some(stage.name.clone());
        if stage_index > 0 {
            restate(&out.case, v);
        }
    });
    out.send(OutMail {
        in_reply_to: in_reply_to.clone(),
        ..ack
    });
    out.acknowledged(now);
    out.audit(
        Actor::System,
        "acknowledged",
        format!("{} acknowledged", stage.name),
        None,
    );
    let note = mail(TemplateId::HandlerNotification, vec![Recipient::Handler]);
    out.send(with_vars(note, |v| v.stage = Some(stage.name.clone())));
    for (i, h) in stage.handoffs.iter().enumerate() {
        let applies = match h.when {
            When::Always => true,
            When::StaffSubject => out.case.flags.contains(&Flag::StaffSubject),
        };
        if !applies {
            continue;
        }
        if h.reassign {
            if let Some(p) = ctx.directory.pick(&h.to, &out.case.excluded_handlers) {
                out.case.handler = Some(p.email.clone());
                out.send(with_vars(
                    mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                    |v| v.stage = Some(stage.name.clone()),
                ));
            }
        }
        let m = with_vars(
            mail(
                TemplateId::HandoffNotice,
                vec![Recipient::Role(h.to.clone())],
            ),
            |v| v.description = Some(h.description.clone()),
        );
        out.send(with_vars(m, |v| v.within = Some(h.within.to_string())));
        out.audit(
            Actor::System,
            "handed off",
            format!(
                "hand-off {i} to {} done at once (allowed {}): {}",
                h.to, h.within, h.description
            ),
            None,
        );
    }
    start_response_clock(out, ctx, now);
    // A data-protection complaint taken to a new stage: updates again until
    // this stage's response.
    if out.case.data_protection {
        super::data_protection::arm_update(out, ctx, now);
    }
}

pub(super) fn close(out: &mut Out, now: DateTime<Utc>, why: &str) {
    out.clear_all();
    out.case.escalation_undecided = false;
    out.case.state = State::Closed;
    out.case.closed_at = Some(now);
    out.audit(Actor::System, "closed", why, None);
}

/// Close after the stage response, or ask for lessons first.
pub(super) fn close_or_ask_lessons(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, why: &str) {
    if ctx.policy.closing.require_lessons && out.case.lessons.is_none() {
        out.clear_all();
        out.case.state = State::PendingLessons;
        out.send(mail(TemplateId::LessonsRequest, vec![Recipient::Handler]));
        out.audit(
            Actor::System,
            "lessons requested",
            format!("{why}; closing waits for lessons learnt"),
            None,
        );
    } else {
        close(out, now, why);
    }
}

pub(super) fn escalate(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    in_reply_to: Option<String>,
    why: &str,
) {
    let next = out.case.stage + 1;
    let Some(stage) = stage_of(ctx, next) else {
        // The procedure is exhausted: record, tell the handler, change nothing.
        out.audit(
            Actor::System,
            "escalation impossible",
            format!("{why}; there is no further stage"),
            None,
        );
        out.send(with_vars(
            mail(TemplateId::ComplainantUpdate, vec![Recipient::Handler]),
            |v| v.note = Some("no further stage".into()),
        ));
        return;
    };
    record_stage_handler(&mut out.case);
    out.clear_all();
    out.case.escalation_undecided = false;
    out.case.stage = next;
    out.case.stage_received_at = now;
    out.case.resume_state = None;
    out.case.closed_at = None;
    if stage.is_external() {
        out.case.state = State::ReferredExternally;
        let mut m = mail(TemplateId::ExternalReferral, vec![Recipient::Complainant]);
        m.in_reply_to = in_reply_to;
        m.contacts = external_contacts(stage);
        out.send(m);
        out.send(with_vars(
            mail(TemplateId::ComplainantUpdate, vec![Recipient::Handler]),
            |v| v.note = Some("referred externally".into()),
        ));
        out.audit(
            Actor::System,
            "referred externally",
            format!("{why}: {}", stage.name),
            None,
        );
        out.case.closed_at = Some(now);
        return;
    }
    out.audit(
        Actor::System,
        "escalated",
        format!("{why}: now {}", stage.name),
        None,
    );
    begin_stage(out, ctx, now, in_reply_to);
}

/// Start the stage after a hold (consent, decision): the acknowledgement was
/// already sent, so only the handler is notified and the clock started.
pub(super) fn begin_stage_after_hold(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    out.case.state = State::Open;
    out.case.handler = choose_handler(&out.case, ctx).or(out.case.handler.clone());
    if let Some(stage) = stage_of(ctx, out.case.stage) {
        out.send(with_vars(
            mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
            |v| v.stage = Some(stage.name.clone()),
        ));
    }
    out.meet_deadline(DeadlineKind::Decision, None);
    start_response_clock(out, ctx, now);
}
