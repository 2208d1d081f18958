//! Who handles the case and who may act for the complainant: `#assign`
//! and `#contact`.

use super::By;
use crate::core::case::effect::Recipient;
use crate::core::case::out::{mail, with_vars, Out};
use crate::core::case::stage::stage_of;
use crate::core::case::template::TemplateId;

/// Give the case to another member of staff (never one the complaint names).
pub(super) fn assign(out: &mut Out, by: By<'_>, to: String) -> Result<(), String> {
    let By { ctx, actor, id, .. } = by;
    let Some(p) = ctx.directory.by_email(&to) else {
        return Err(format!("#assign: {to} is not in the staff list"));
    };
    if out.case.excluded_handlers.iter().any(|x| x == &p.email) {
        return Err(format!(
            "#assign: {} is named in the complaint and cannot handle it",
            p.name
        ));
    }
    if ctx.policy.records.independent_stages {
        if let Some(earlier) = out.case.records.handled_earlier(&p.email, out.case.stage) {
            return Err(format!(
                "#assign: {} handled {} of this case, and the procedure requires each stage to be handled by someone who did not handle an earlier one",
                p.name,
                stage_of(ctx, earlier).map(|s| s.name.clone()).unwrap_or_default()
            ));
        }
    }
    out.case.handler = Some(p.email.clone());
    out.send(with_vars(
        mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
        |v| {
            v.stage = Some(
                stage_of(ctx, out.case.stage)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            )
        },
    ));
    out.audit(
        actor.clone(),
        "reassigned",
        format!("now handled by {}", p.email),
        id,
    );
    Ok(())
}

/// Let another address act for the complainant, or stop letting it.
pub(super) fn contact(out: &mut Out, by: By<'_>, add: bool, address: String) -> Result<(), String> {
    let By { actor, id, .. } = by;
    if address == out.case.complainant.address {
        return Err(format!(
            "#contact: {address} is the complainant's own address"
        ));
    }
    let known = out.case.contacts.contains(&address);
    match (add, known) {
        (true, true) => Err(format!("#contact add: {address} is already a contact")),
        (false, false) => Err(format!("#contact remove: {address} is not a contact")),
        (true, false) => {
            out.case.contacts.push(address.clone());
            out.audit(
                actor.clone(),
                "contact added",
                format!("{address} may now act for the complainant"),
                id,
            );
            Ok(())
        }
        (false, true) => {
            out.case.contacts.retain(|c| *c != address);
            out.audit(
                actor.clone(),
                "contact removed",
                format!("{address} may no longer act on the case"),
                id,
            );
            Ok(())
        }
    }
}

/// Write to the complainant in `code` from now on (`#language cy`): one of
/// the organisation's languages.
pub(super) fn language(out: &mut Out, by: By<'_>, code: String) -> Result<(), String> {
    let By { ctx, actor, id, .. } = by;
    if !ctx.languages.contains(&code) {
        return Err(format!(
            "#language: the organisation writes in {} (got {code:?})",
            ctx.languages.join(", ")
        ));
    }
    let address = out.case.complainant.address.clone();
    out.case.language = Some(code.clone());
    out.effects.push(crate::core::case::Effect::SetLanguage {
        address: address.clone(),
        language: code.clone(),
    });
    out.audit(
        actor.clone(),
        "language set",
        format!("{address} is written to in {code} from now on"),
        id,
    );
    Ok(())
}
