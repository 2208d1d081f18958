//! `#extend`: a later response date, with a delay notice to the complainant.

use super::By;
use crate::core::case::deadline::DeadlineKind;
use crate::core::case::effect::{OutMail, Recipient};
use crate::core::case::out::{mail, with_vars, Out};
use crate::core::case::template::TemplateId;
use chrono::NaiveDate;

/// Move the response deadline later; the complainant is always told the new date and the reason.
pub(super) fn extend(
    out: &mut Out,
    by: By<'_>,
    until: NaiveDate,
    reason: String,
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
    let late = now > current.due;
    // The complainant is always told the new date and the reason.
    let m = with_vars(
        mail(TemplateId::DelayNotice, vec![Recipient::Complainant]),
        |v| {
            v.reason = Some(reason.clone());
            v.new_date = Some(until);
        },
    );
    out.send(OutMail {
        in_reply_to: out.case.last_inbound_id.clone(),
        ..m
    });
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
