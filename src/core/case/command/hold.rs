//! `#hold REASON` and `#release`: a legal hold keeps a case (and every
//! message on it) past its retention date and out of reach of an erasure
//! request until it is released. Allowed in any state: holds are most often
//! needed after a case has closed (a claim, an ombudsman's investigation).

use super::By;
use crate::core::case::effect::Actor;
use crate::core::case::out::Out;
use crate::core::retention::Hold;

fn who(actor: &Actor) -> String {
    match actor {
        Actor::Staff(s) => s.clone(),
        // Commands run only for verified staff; anything else is the system.
        _ => "complaintd".into(),
    }
}

/// Place the case on legal hold.
pub(super) fn hold(out: &mut Out, by: By<'_>, reason: String) -> Result<(), String> {
    if out.case.anonymised_at.is_some() {
        return Err("#hold: the case has already been anonymised".into());
    }
    if let Some(h) = &out.case.hold {
        return Err(format!(
            "#hold: the case is already on legal hold ({})",
            h.reason
        ));
    }
    out.audit(by.actor.clone(), "legal hold", reason.clone(), by.id);
    out.case.hold = Some(Hold {
        reason,
        by: who(by.actor),
        at: by.now,
    });
    Ok(())
}

/// Lift the legal hold.
pub(super) fn release(out: &mut Out, by: By<'_>) -> Result<(), String> {
    let Some(h) = out.case.hold.take() else {
        return Err("#release: the case is not on legal hold".into());
    };
    out.audit(
        by.actor.clone(),
        "legal hold released",
        format!("hold placed for: {}", h.reason),
        by.id,
    );
    Ok(())
}
