//! `#flag` and `#unflag`: a handler corrects the classifier's flags. The
//! flag is set or cleared on the case (and the store keeps the correction as
//! a labelled example for the learned layer); setting one sends the policy's
//! alert for it, as a flag raised at the start would have. Steps already
//! taken for the old flags are not undone.

use super::By;
use crate::core::case::effect::Actor;
use crate::core::case::out::{mail, roles, with_vars, Out};
use crate::core::case::template::TemplateId;
use crate::core::kind::Flag;
use std::collections::BTreeSet;

/// Set a flag the classifier missed.
pub(super) fn flag(out: &mut Out, by: By<'_>, flag: Flag) -> Result<(), String> {
    if !out.case.flags.insert(flag) {
        return Err(format!("#flag: the case is already flagged {flag}"));
    }
    out.audit(
        by.actor.clone(),
        "flagged",
        format!("flag {flag} set"),
        by.id,
    );
    let only: BTreeSet<Flag> = [flag].into();
    for r in by.ctx.policy.routes_for(&only) {
        if !r.notify.is_empty() {
            out.send(with_vars(
                mail(TemplateId::FlagAlert, roles(&r.notify)),
                |v| v.flag = Some(r.flag.as_str().into()),
            ));
            out.audit(
                Actor::System,
                "alerted",
                format!("{} alert sent at once to {}", r.flag, r.notify.join(", ")),
                None,
            );
        }
    }
    Ok(())
}

/// Clear a flag the classifier raised wrongly.
pub(super) fn unflag(out: &mut Out, by: By<'_>, flag: Flag) -> Result<(), String> {
    if !out.case.flags.remove(&flag) {
        return Err(format!("#unflag: the case is not flagged {flag}"));
    }
    out.audit(
        by.actor.clone(),
        "unflagged",
        format!("flag {flag} cleared"),
        by.id,
    );
    Ok(())
}
