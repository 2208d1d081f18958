//! `#hold REASON` and `#release`: a legal hold keeps a case (and every
//! message on it) past its retention date and out of reach of an erasure
//! request until it is released. Allowed in any state: holds are often
//! needed after a case has closed (a claim, an ombudsman's investigation),
//! which `complaintd cases hold` covers once handler tokens have expired.

use super::By;
use crate::core::case::effect::Actor;
use crate::core::case::out::Out;
use crate::core::retention;

/// Place the case on legal hold.
pub(super) fn hold(out: &mut Out, by: By<'_>, reason: String) -> Result<(), String> {
    let who = match by.actor {
        Actor::Staff(s) => s.clone(),
        // Commands run only for verified staff; anything else is the system.
        _ => "complaintd".into(),
    };
    let detail = retention::place_hold(&mut out.case, reason, &who, by.now)?;
    out.audit(by.actor.clone(), "legal hold", detail, by.id);
    Ok(())
}

/// Lift the legal hold.
pub(super) fn release(out: &mut Out, by: By<'_>) -> Result<(), String> {
    let detail = retention::release_hold(&mut out.case)?;
    out.audit(by.actor.clone(), "legal hold released", detail, by.id);
    Ok(())
}
