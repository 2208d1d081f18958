//! The commands that change the path a case takes: `#reclassify` and
//! `#escalate`.

use super::By;
use crate::core::case::deadline::DeadlineKind;
use crate::core::case::effect::Actor;
use crate::core::case::open::start_kind;
use crate::core::case::out::Out;
use crate::core::case::stage;
use crate::core::case::state::State;
use crate::core::kind::Kind;

/// Change the kind and start the case again on that kind's path.
pub(super) fn reclassify(out: &mut Out, by: By<'_>, kind: Kind) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    if out.case.state == State::Triage {
        confirm_kind(out, by, kind);
        return Ok(());
    }
    if kind == out.case.kind {
        return Err(format!("#reclassify: the case is already a {kind}"));
    }
    let old = out.case.kind;
    out.clear_all();
    out.case.kind = kind;
    out.case.stage = 0;
    out.case.stage_received_at = now;
    out.case.closed_at = None;
    out.audit(actor.clone(), "reclassified", format!("{old} → {kind}"), id);
    start_kind(out, ctx, now, &[]);
    Ok(())
}

/// A case in triage: the handler's `#reclassify KIND` confirms the kind (the
/// best guess too). A complaint continues on the complaint path with the
/// clock that has run since receipt; any other kind ends the triage
/// deadlines and takes that kind's path.
fn confirm_kind(out: &mut Out, by: By<'_>, kind: Kind) {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    let guess = out.case.kind;
    let clock = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Respond && d.stage == 0)
        .cloned();
    out.clear_all();
    out.case.kind = kind;
    out.case.stage = 0;
    out.case.closed_at = None;
    out.audit(
        actor.clone(),
        "kind confirmed",
        format!("triage ended: {kind} (best guess was {guess})"),
        id,
    );
    if kind == Kind::Complaint {
        // Received when it arrived, not when the handler confirmed it.
        out.case.stage_received_at = out.case.opened_at;
        stage_from_triage(out, ctx, now, clock);
    } else {
        out.case.stage_received_at = now;
        start_kind(out, ctx, now, &[]);
    }
}

/// The complaint path after triage, keeping the response deadline the
/// triage acknowledgement promised (the stage may count from the
/// acknowledgement, which triage sent, so recomputing could move it).
fn stage_from_triage(
    out: &mut Out,
    ctx: &crate::core::case::Ctx<'_>,
    now: chrono::DateTime<chrono::Utc>,
    clock: Option<crate::core::case::Deadline>,
) {
    let reply_to = out.case.last_inbound_id.clone();
    crate::core::case::open::start_complaint(out, ctx, now, reply_to, true);
    let restarted = out
        .case
        .deadlines
        .iter()
        .any(|d| d.kind == DeadlineKind::Respond && d.stage == 0);
    if let (true, Some(c)) = (restarted, clock) {
        out.set_deadline(DeadlineKind::Respond, c.start, c.due);
        out.audit(
            Actor::System,
            "clock kept",
            format!(
                "the response clock runs from receipt ({})",
                c.start.to_rfc3339()
            ),
            None,
        );
    }
}

/// Move a complaint to the next stage now.
pub(super) fn escalate(out: &mut Out, by: By<'_>, reason: Option<String>) -> Result<(), String> {
    let By { ctx, now, .. } = by;
    if out.case.kind != Kind::Complaint {
        return Err("#escalate: only complaints have stages".into());
    }
    let why = reason.unwrap_or_else(|| "escalated by staff".into());
    stage::escalate(out, ctx, now, out.case.last_inbound_id.clone(), &why);
    Ok(())
}
