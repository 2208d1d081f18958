//! The response clock paused while the complainant is asked a question,
//! when the policy says so (`[conversation] question_pauses_clock`).
//!
//! Pausing keeps what was left of the stage's response deadline (working
//! days, counted as the deadline counts them: day 1 is the first working
//! day after the day; or the exact time left for a deadline in hours) and
//! takes the deadline off the case, so nothing is chased or breached while
//! the complainant has the question. Their answer gives the days back from
//! the day it arrives. A handler's formal response, a new stage, `#extend`
//! or closing ends the pause.

use super::deadline::DeadlineKind;
use super::effect::Actor;
use super::out::Out;
use super::state::Pause;
use super::Ctx;
use crate::core::calendar::Span;
use chrono::{DateTime, Utc};

/// Pause the response clock at `now`, if it runs and has not passed. Says
/// what happened, for the handler's receipt.
pub(super) fn pause(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) -> Option<String> {
    if out.case.paused.is_some() {
        return Some(
            "the response clock was already paused, and stays paused until they answer".into(),
        );
    }
    let due = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Respond && !d.breached)
        .map(|d| d.due)?;
    if due <= now {
        return None;
    }
    let hours = ctx
        .policy
        .stage(out.case.stage)
        .and_then(|s| s.respond)
        .is_some_and(|l| matches!(l.within, Span::Hours(_) | Span::WorkingHours(_)));
    let left = (!hours).then(|| {
        ctx.calendar.working_days_between(
            ctx.calendar.to_local(now).date(),
            ctx.calendar.to_local(due).date(),
        )
    });
    out.case.paused = Some(Pause {
        since: now,
        due,
        working_days_left: left,
    });
    out.clear_deadline(DeadlineKind::Respond);
    let kept = match left {
        Some(n) => format!("{n} working day(s) left"),
        None => format!("{} minute(s) left", (due - now).num_minutes()),
    };
    let what = format!(
        "response clock paused until the complainant answers ({kept}; it was due {})",
        ctx.calendar.to_local(due).format("%Y-%m-%d %H:%M")
    );
    out.audit(Actor::System, "clock paused", what.clone(), None);
    Some(what)
}

/// The complainant answered: the response clock runs again from `now` with
/// what was left when it paused.
pub(super) fn resume(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    let Some(p) = out.case.paused.take() else {
        return;
    };
    let due = match p.working_days_left {
        Some(n) => ctx.calendar.deadline(now, Span::WorkingDays(n)).at,
        None => now + (p.due - p.since),
    };
    // Never earlier than it was: an answer on the day of the question
    // changes nothing.
    let due = due.max(p.due);
    out.set_deadline(
        DeadlineKind::Respond,
        out.case.stage_received_at.min(now),
        due,
    );
    out.audit(
        Actor::System,
        "clock resumed",
        format!(
            "the complainant answered; the response is now due {}",
            ctx.calendar.to_local(due).format("%Y-%m-%d %H:%M")
        ),
        None,
    );
}

/// End a pause without giving the time back (a response went, a new date
/// was set, the stage changed).
pub(super) fn end(out: &mut Out) {
    out.case.paused = None;
}
