//! Decisions on a held case: `#proceed` and `#no-action`; and on an
//! unclear reply after a response: `#no-escalate` (`#escalate` is in `route`).

use super::By;
use crate::core::case::deadline::DeadlineKind;
use crate::core::case::out::Out;
use crate::core::case::stage::{
    begin_stage, begin_stage_after_hold, close, close_or_ask_lessons, escalate,
};
use crate::core::case::state::State;
use crate::core::kind::Flag;

/// Act on a held case: an anonymous complaint, a late escalation, a redirected appeal.
pub(super) fn proceed(out: &mut Out, by: By<'_>, reason: Option<String>) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
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

/// Do not act on a held case: an anonymous complaint or a late escalation.
pub(super) fn no_action(out: &mut Out, by: By<'_>, reason: Option<String>) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
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

/// An unclear reply after a response was not a request to take the
/// complaint further: the case stays at its stage. If the escalation window
/// ran out while the decision was open, the case now closes as the policy
/// says it does when a window expires.
pub(super) fn no_escalate(out: &mut Out, by: By<'_>, reason: Option<String>) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    if !out.case.escalation_undecided {
        return Err("#no-escalate: no unclear reply is waiting for a decision on this case".into());
    }
    let why = reason.unwrap_or_else(|| "not a request to take it further".into());
    out.case.escalation_undecided = false;
    out.meet_deadline(DeadlineKind::Decision, None);
    out.audit(
        actor.clone(),
        "decision",
        format!("the unclear reply is not an escalation: {why}"),
        id,
    );
    // The window has run out (its deadline is gone) in a stage that has one.
    let window_gone = ctx
        .policy
        .stages
        .get(out.case.stage)
        .is_some_and(|s| s.escalation_window.is_some())
        && !out
            .case
            .deadlines
            .iter()
            .any(|d| d.kind == DeadlineKind::EscalationWindow);
    if window_gone
        && out.case.state == State::Responded
        && ctx.policy.closing.close_when_window_expires
    {
        close_or_ask_lessons(
            out,
            ctx,
            now,
            "escalation window expired; the unclear reply was not an escalation",
        );
    }
    Ok(())
}
