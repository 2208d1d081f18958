//! The commands that end a case: `#close` and `#withdraw`.

use super::By;
use crate::core::case::effect::Recipient;
use crate::core::case::out::{mail, Out};
use crate::core::case::stage;
use crate::core::case::state::State;
use crate::core::case::template::TemplateId;
use crate::core::kind::Kind;

/// Close the case, recording lessons learnt when the procedure requires them.
pub(super) fn close(out: &mut Out, by: By<'_>, lessons: Option<String>) -> Result<(), String> {
    let By {
        ctx,
        now,
        actor,
        id,
    } = by;
    if out.case.state.is_final() && out.case.state != State::Redirected {
        return Err(format!(
            "#close: the case is already {}",
            out.case.state.as_str()
        ));
    }
    let needs = ctx.policy.closing.require_lessons && out.case.kind == Kind::Complaint;
    match (needs, lessons) {
        (true, None) => Err(
            "#close refused: this procedure requires a lessons-learnt record. Write `#close lessons: what we learnt and changed or recommend`"
                .into(),
        ),
        (_, lessons) => {
            if let Some(l) = lessons {
                out.audit(actor.clone(), "lessons learnt", l.clone(), id);
                out.case.lessons = Some(l);
            }
            stage::close(out, now, "closed by the handler");
            Ok(())
        }
    }
}

/// The complainant withdrew: every deadline goes and they get a confirmation.
pub(super) fn withdraw(out: &mut Out, by: By<'_>, reason: Option<String>) -> Result<(), String> {
    let By { now, actor, id, .. } = by;
    out.clear_all();
    out.case.state = State::Withdrawn;
    out.case.closed_at = Some(now);
    out.send(mail(
        TemplateId::WithdrawalConfirmation,
        vec![Recipient::Complainant],
    ));
    out.audit(
        actor.clone(),
        "withdrawn",
        reason.unwrap_or_else(|| "withdrawn by the complainant".into()),
        id,
    );
    Ok(())
}
