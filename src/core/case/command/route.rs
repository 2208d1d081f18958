//! The commands that change the path a case takes: `#reclassify` and
//! `#escalate`.

use super::By;
use crate::core::case::open::start_kind;
use crate::core::case::out::Out;
use crate::core::case::stage;
use crate::core::kind::Kind;

/// Change the kind and start the case again on that kind's path.
pub(super) fn reclassify(out: &mut Out, by: By<'_>, kind: Kind) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
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
    start_kind(out, ctx, now);
    Ok(())
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
