//! The records the complaint-handling codes ask for: `#define`, `#outcome`,
//! `#remedy`, `#remedy-done`, `#refuse` and `#accept-late`.

use super::By;
use crate::core::case::deadline::{Deadline, DeadlineKind};
use crate::core::case::effect::{Actor, Effect, Recipient};
use crate::core::case::out::{mail, with_vars, Out};
use crate::core::case::records::{
    Definition, LateDecision, Outcome, Refusal, RefusalGround, Remaining, Remedy, RemedyKind,
    StageOutcome,
};
use crate::core::case::stage::{close, close_or_ask_lessons, external_bodies, stage_of};
use crate::core::case::state::State;
use crate::core::case::template::TemplateId;
use crate::core::case::Ctx;
use crate::core::commands::RemedyDue;
use chrono::{DateTime, Utc};

fn who(actor: &Actor) -> String {
    match actor {
        Actor::Staff(s) | Actor::Unverified(s) | Actor::Correspondent(s) | Actor::ThirdParty(s) => {
            s.to_ascii_lowercase()
        }
        Actor::System => "complaintd".into(),
        Actor::Complainant => "complainant".into(),
    }
}

fn stage_name(out: &Out, ctx: &Ctx<'_>) -> String {
    stage_of(ctx, out.case.stage)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "the stage".into())
}

/// `#define issues: …; outcome sought: …` / `#define remaining: …`.
pub(super) fn define(
    out: &mut Out,
    by: By<'_>,
    issues: Option<String>,
    outcome_sought: Option<String>,
    remaining: Option<String>,
) -> Result<(), String> {
    let By { now, actor, id, .. } = by;
    if out.case.state.is_final() {
        return Err(format!(
            "#define: the case is {}",
            out.case.state.as_str().replace('_', " ")
        ));
    }
    let by_whom = who(actor);
    if let Some(issues) = issues {
        let outcome_sought = outcome_sought.or_else(|| {
            out.case
                .records
                .definition
                .as_ref()
                .and_then(|d| d.outcome_sought.clone())
        });
        out.audit(
            actor.clone(),
            "complaint defined",
            format!(
                "issues: {issues}; outcome sought: {}",
                outcome_sought.as_deref().unwrap_or("not recorded")
            ),
            id,
        );
        out.case.records.definition = Some(Definition {
            issues,
            outcome_sought,
            by: by_whom.clone(),
            at: now,
        });
    }
    if let Some(points) = remaining {
        let stage = out.case.stage;
        out.audit(
            actor.clone(),
            "points remaining",
            format!("at {}: {points}", stage_name(out, by.ctx)),
            id,
        );
        out.case.records.remaining.retain(|r| r.stage != stage);
        out.case.records.remaining.push(Remaining {
            stage,
            points,
            by: by_whom,
            at: now,
        });
    }
    Ok(())
}

/// `#outcome KIND: reasons` for the current stage (replaced until its response goes).
pub(super) fn outcome(
    out: &mut Out,
    by: By<'_>,
    outcome: Outcome,
    reasons: String,
) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    let stage = out.case.stage;
    if out.case.state.is_final() {
        return Err(format!(
            "#outcome: the case is {}",
            out.case.state.as_str().replace('_', " ")
        ));
    }
    if out
        .case
        .records
        .outcome(stage)
        .is_some_and(|o| o.sent_at.is_some())
    {
        return Err(format!(
            "#outcome: the {} response has gone with its outcome already; it is not changed",
            stage_name(out, ctx)
        ));
    }
    out.case.records.outcomes.retain(|o| o.stage != stage);
    out.audit(
        actor.clone(),
        "outcome recorded",
        format!("{}: {}: {reasons}", stage_name(out, ctx), outcome.as_str()),
        id,
    );
    out.case.records.outcomes.push(StageOutcome {
        stage,
        outcome,
        reasons,
        by: who(actor),
        at: now,
        sent_at: None,
    });
    Ok(())
}

/// Who is chased for a remedy: an address, or everyone in a role.
pub(in crate::core::case) fn owner_recipient(owner: &str) -> Recipient {
    if owner.contains('@') {
        Recipient::Address(owner.to_string())
    } else {
        Recipient::Role(owner.to_string())
    }
}

/// `#remedy KIND owner WHO due WHEN: description`.
pub(super) fn remedy(
    out: &mut Out,
    by: By<'_>,
    kind: RemedyKind,
    owner: String,
    due: RemedyDue,
    description: String,
) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    if !matches!(
        out.case.state,
        State::Open
            | State::Responded
            | State::PendingLessons
            | State::Closed
            | State::LateEscalation
    ) {
        return Err(format!(
            "#remedy: no remedy while the case is {}",
            out.case.state.as_str().replace('_', " ")
        ));
    }
    let known = if owner.contains('@') {
        ctx.directory.by_email(&owner).is_some()
    } else {
        ctx.directory.in_role(&owner).next().is_some()
    };
    if !known {
        return Err(format!(
            "#remedy: the owner {owner:?} is neither in the staff list nor a role with anyone in it"
        ));
    }
    let today = ctx.calendar.to_local(now).date();
    let due = match due {
        RemedyDue::Date(d) => d,
        RemedyDue::WorkingDays(n) => ctx.calendar.add_working_days(today, n).at,
    };
    if due < today {
        return Err(format!("#remedy: {due} has passed"));
    }
    let number = out.case.records.remedies.len() as u32 + 1;
    out.audit(
        actor.clone(),
        "remedy recorded",
        format!(
            "remedy {number}: {} owner {owner} due {due}: {description}",
            kind.as_str()
        ),
        id,
    );
    out.case.records.remedies.push(Remedy {
        number,
        kind,
        owner,
        due,
        description,
        by: who(actor),
        at: now,
        done: None,
        alerted: false,
    });
    sync_remedy_deadline(out, ctx, now);
    Ok(())
}

/// `#remedy-done N`.
pub(super) fn remedy_done(out: &mut Out, by: By<'_>, number: u32) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    let by_whom = who(actor);
    let Some(r) = out
        .case
        .records
        .remedies
        .iter_mut()
        .find(|r| r.number == number)
    else {
        return Err(format!("#remedy-done: the case has no remedy {number}"));
    };
    if r.done.is_some() {
        return Err(format!("#remedy-done: remedy {number} is done already"));
    }
    r.done = Some((now, by_whom));
    let r = r.clone();
    out.audit(
        actor.clone(),
        "remedy done",
        format!("remedy {number}: {}: {}", r.kind.as_str(), r.description),
        id,
    );
    if ctx.policy.records.tell_complainant_remedy_done {
        out.send(with_vars(
            mail(TemplateId::RemedyDone, vec![Recipient::Complainant]),
            |v| v.remedy = Some(r.description.clone()),
        ));
    }
    sync_remedy_deadline(out, ctx, now);
    Ok(())
}

/// Keep the case's one `remedy` deadline on the earliest outstanding remedy
/// not yet alerted; once every outstanding one is overdue it stays as a
/// breached deadline (the digest lists it) until they are done.
pub(in crate::core::case) fn sync_remedy_deadline(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
) {
    let outstanding: Vec<&Remedy> = out.case.records.outstanding().collect();
    let next = outstanding
        .iter()
        .filter(|r| !r.alerted)
        .map(|r| r.due)
        .min();
    let overdue = outstanding
        .iter()
        .filter(|r| r.alerted)
        .map(|r| r.due)
        .min();
    let current = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Remedy)
        .cloned();
    match (next, overdue) {
        (Some(d), _) => {
            let due = ctx.calendar.end_of_business(d);
            if !current.is_some_and(|c| c.due == due && !c.breached) {
                out.set_deadline(DeadlineKind::Remedy, now.min(due), due);
            }
        }
        (None, Some(d)) => {
            if !current.as_ref().is_some_and(|c| c.breached) {
                let due = ctx.calendar.end_of_business(d);
                let dl = Deadline {
                    kind: DeadlineKind::Remedy,
                    stage: out.case.stage,
                    start: now.min(due),
                    due,
                    breached: true,
                };
                out.case
                    .deadlines
                    .retain(|x| x.kind != DeadlineKind::Remedy);
                out.case.deadlines.push(dl.clone());
                out.effects.push(Effect::SetDeadline(dl));
            }
        }
        (None, None) => out.clear_deadline(DeadlineKind::Remedy),
    }
}

/// `#refuse GROUND: reason`: accepting (a new or triaged complaint) or
/// escalating (after a response, a late escalation) is refused; the
/// complainant is told why and that they may go to the external body.
pub(super) fn refuse(
    out: &mut Out,
    by: By<'_>,
    ground: RefusalGround,
    reason: String,
) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    // At a later stage, refusing the case is refusing its escalation.
    let escalation = match out.case.state {
        State::Open | State::AwaitingDecision | State::AwaitingConsent => out.case.stage > 0,
        State::Triage => false,
        State::Responded | State::LateEscalation => true,
        s => {
            return Err(format!(
                "#refuse: nothing to refuse while the case is {}",
                s.as_str().replace('_', " ")
            ))
        }
    };
    let what = if escalation { "escalate" } else { "accept" };
    out.audit(
        actor.clone(),
        if escalation {
            "refused to escalate"
        } else {
            "refused to accept"
        },
        format!("{}: {reason}", ground.as_str()),
        id,
    );
    out.case.records.refusals.push(Refusal {
        stage: out.case.stage,
        escalation,
        ground,
        reason: reason.clone(),
        by: who(actor),
        at: now,
    });
    if let Some(late) = out.case.records.late.as_mut() {
        if late.decision.is_none() {
            late.decision = Some(LateDecision {
                accepted: false,
                reason: reason.clone(),
                by: who(actor),
                at: now,
            });
        }
    }
    let mut m = with_vars(
        mail(TemplateId::RefusalNotice, vec![Recipient::Complainant]),
        |v| {
            v.reason = Some(reason.clone());
            v.ground = Some(ground.words().to_string());
            v.escalation = escalation;
        },
    );
    m.in_reply_to = out.case.last_inbound_id.clone();
    m.contacts = external_bodies(ctx);
    out.send(m);
    out.case.escalation_undecided = false;
    out.case.resume_state = None;
    let why = format!("refused to {what}: {}", ground.as_str());
    if escalation {
        close_or_ask_lessons(out, ctx, now, &why);
    } else {
        close(out, now, &why);
    }
    Ok(())
}

/// `#accept-late reason`: a complaint flagged as raised too late goes ahead.
pub(super) fn accept_late(out: &mut Out, by: By<'_>, reason: String) -> Result<(), String> {
    let By { now, actor, id, .. } = by;
    let by_whom = who(actor);
    let Some(late) = out.case.records.late.as_mut() else {
        return Err("#accept-late: the case is not flagged as raised too late".into());
    };
    if let Some(d) = &late.decision {
        return Err(format!(
            "#accept-late: decided already ({} by {})",
            if d.accepted { "accepted" } else { "refused" },
            d.by
        ));
    }
    late.decision = Some(LateDecision {
        accepted: true,
        reason: reason.clone(),
        by: by_whom,
        at: now,
    });
    out.audit(actor.clone(), "late complaint accepted", reason, id);
    Ok(())
}
