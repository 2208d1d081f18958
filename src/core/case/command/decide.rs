//! Decisions on a held case: `#proceed` and `#no-action`.

use super::By;
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
