//! `#extend`: a later response date, with a delay notice to the complainant.

use super::By;
use crate::core::calendar::Span;
use crate::core::case::deadline::DeadlineKind;
use crate::core::case::effect::Actor;
use crate::core::case::effect::{OutMail, Recipient};
use crate::core::case::out::{mail, with_vars, Out};
use crate::core::case::records::Extension;
use crate::core::case::stage::{external_bodies, stage_of};
use crate::core::case::template::TemplateId;
use chrono::NaiveDate;

/// Move the response deadline later; the complainant is always told the new date and the reason.
pub(super) fn extend(
    out: &mut Out,
    by: By<'_>,
    until: NaiveDate,
    reason: String,
    beyond_cap: Option<String>,
) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    // A clock paused for a question counts with the date it had.
    let paused = out
        .case
        .paused
        .as_ref()
        .map(|p| crate::core::case::Deadline {
            kind: DeadlineKind::Respond,
            stage: out.case.stage,
            start: out.case.stage_received_at,
            due: p.due,
            breached: false,
        });
    let Some(current) = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Respond)
        .cloned()
        .or(paused)
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
    // The stage's cap counts every extension at this stage, this one included.
    let stage_index = out.case.stage;
    let added = ctx
        .calendar
        .working_days_between(ctx.calendar.to_local(current.due).date(), until);
    let before: u32 = out
        .case
        .records
        .extensions
        .iter()
        .filter(|e| e.stage == stage_index)
        .map(|e| e.working_days)
        .sum();
    let total = before + added;
    let cap = stage_of(ctx, stage_index).and_then(|s| match s.max_extension {
        Some(Span::WorkingDays(n)) => Some(n),
        _ => None,
    });
    let past_cap = cap.is_some_and(|c| total > c);
    if past_cap && beyond_cap.is_none() {
        return Err(format!(
            "#extend: {until} brings this stage's extensions to {total} working days, past the procedure's cap of {} working days: nothing was changed and no notice was sent. To go past the cap, give a second reason: `#extend {until} {reason} beyond-cap: why the cap cannot be kept`",
            cap.unwrap_or_default()
        ));
    }
    let beyond_cap = if past_cap { beyond_cap } else { None };
    let late = now > current.due;
    // The complainant is always told the new date and the reason.
    let m = with_vars(
        mail(TemplateId::DelayNotice, vec![Recipient::Complainant]),
        |v| {
            v.reason = Some(reason.clone());
            v.new_date = Some(until);
        },
    );
    let contacts = if ctx.policy.records.extension_names_external_body {
        external_bodies(ctx)
    } else {
        Vec::new()
    };
    out.send(OutMail {
        in_reply_to: out.case.last_inbound_id.clone(),
        contacts,
        ..m
    });
    out.case.records.extensions.push(Extension {
        stage: stage_index,
        until,
        reason: reason.clone(),
        working_days: added,
        total_working_days: total,
        beyond_cap: beyond_cap.clone(),
        by: match actor {
            Actor::Staff(s) => s.to_ascii_lowercase(),
            _ => "complaintd".into(),
        },
        at: now,
    });
    if let Some(why) = &beyond_cap {
        out.audit(
            actor.clone(),
            "extended beyond cap",
            format!(
                "{total} working days at this stage, cap {}: {why}",
                cap.unwrap_or_default()
            ),
            id,
        );
    }
    out.set_deadline(DeadlineKind::Respond, current.start, new_due);
    // A date the handler set replaces a paused clock.
    out.case.paused = None;
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
