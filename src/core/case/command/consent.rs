//! `#consent received` and `#consent request`.

use super::By;
use crate::core::case::consent::{self, ask_consent_of};
use crate::core::case::effect::Actor;
use crate::core::case::out::Out;
use crate::core::case::state::ConsentStatus;

/// The learner's written consent is on file (confirmed by a handler).
pub(super) fn consent_received(out: &mut Out, by: By<'_>) -> Result<(), String> {
    let By {
        ctx, now, actor, ..
    } = by;
    if out.case.consent != ConsentStatus::Awaiting {
        return Err("#consent: this case is not waiting for consent".into());
    }
    consent::consent_received(out, ctx, now, actor.clone());
    Ok(())
}

/// Send the consent request to the learner's own address.
pub(super) fn ask_consent(out: &mut Out, by: By<'_>, to: String) -> Result<(), String> {
    let By { actor, .. } = by;
    if out.case.consent != ConsentStatus::Awaiting {
        return Err("#consent request: this case is not waiting for consent".into());
    }
    if to == out.case.complainant.address {
        return Err(format!(
            "#consent request: {to} is the complainant's own address; give the learner's"
        ));
    }
    ask_consent_of(out, &to, &format!("{} (staff)", actor_label(actor)));
    Ok(())
}

fn actor_label(a: &Actor) -> String {
    match a {
        Actor::System => "complaintd".into(),
        Actor::Complainant => "the complainant".into(),
        Actor::Staff(s) | Actor::Unverified(s) | Actor::Correspondent(s) | Actor::ThirdParty(s) => {
            s.clone()
        }
    }
}
