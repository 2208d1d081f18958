//! Data-protection complaints (issue 16 item 8): a complaint about the use
//! of someone's personal data is acknowledged as one at once, with the
//! statutory limit (`[data_protection] acknowledge_within`, default 30
//! calendar days from the day after receipt) recorded and checked; the
//! complainant gets a progress update every `update_every` while it is open
//! (a `data_protection_update` deadline); and every stage response names the
//! regulator (`[data_protection] regulator`, default the ICO).

use super::deadline::DeadlineKind;
use super::effect::{Actor, Recipient};
use super::out::{mail, with_vars, Out};
use super::template::TemplateId;
use super::Ctx;
pub use crate::core::classify::data_protection_cue;
use crate::core::kind::Kind;
use chrono::{DateTime, Utc};

/// The regulator, in one line for a template.
pub(super) fn regulator(ctx: &Ctx<'_>) -> String {
    let r = &ctx.policy.data_protection.regulator;
    let mut parts = vec![r.name.clone()];
    parts.extend(
        [&r.email, &r.phone, &r.address, &r.url]
            .into_iter()
            .flatten()
            .cloned(),
    );
    parts.join(", ")
}

/// Mark the case a data-protection complaint (`why`: the cue or the
/// handler's command) and start its clock: the acknowledgement goes now,
/// the limit it had is recorded, the first update is due `update_every`
/// from now. A case that is not a complaint, or is already marked, is left.
pub(super) fn start(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    actor: Actor,
    why: &str,
) -> bool {
    if out.case.data_protection || out.case.kind != Kind::Complaint || out.case.state.is_final() {
        return false;
    }
    out.case.data_protection = true;
    let dp = &ctx.policy.data_protection;
    let limit = ctx
        .calendar
        .deadline(out.case.opened_at, dp.acknowledge_within);
    let local = |t: DateTime<Utc>| {
        ctx.calendar
            .to_local(t)
            .format("%A %-d %B %Y, %H:%M")
            .to_string()
    };
    let late = now > limit.at;
    out.audit(
        actor,
        "data protection",
        format!(
            "handled as a data-protection complaint ({why}); acknowledged {} the limit of {} ({} from the day after receipt)",
            if late { "AFTER" } else { "within" },
            local(limit.at),
            dp.acknowledge_within
        ),
        None,
    );
    let reply_to = out.case.last_inbound_id.clone();
    let mut ack = with_vars(
        mail(
            TemplateId::DataProtectionAcknowledgement,
            vec![Recipient::Complainant],
        ),
        |v| {
            v.regulator = Some(regulator(ctx));
            v.within = Some(dp.update_every.to_string());
        },
    );
    ack.in_reply_to = reply_to;
    out.send(ack);
    if out.case.responded_at.is_none() {
        arm_update(out, ctx, now);
    }
    true
}

/// The next progress update: `update_every` from `now`, while the current
/// stage waits for its response.
pub(super) fn arm_update(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    let due = ctx
        .calendar
        .deadline(now, ctx.policy.data_protection.update_every);
    out.set_deadline(DeadlineKind::DataProtectionUpdate, now, due.at);
}

/// The update is due: tell the complainant how it stands and arm the next,
/// while the stage waits for its response.
pub(super) fn update_due(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    // Updates lead up to a stage's response: none after it (an escalation
    // arms them again) and none once the case is closed.
    if !out.case.data_protection || out.case.state.is_final() || out.case.responded_at.is_some() {
        return;
    }
    out.send(with_vars(
        mail(
            TemplateId::DataProtectionUpdate,
            vec![Recipient::Complainant],
        ),
        |v| {
            v.regulator = Some(regulator(ctx));
            v.within = Some(ctx.policy.data_protection.update_every.to_string());
        },
    ));
    out.audit(
        Actor::System,
        "data protection update",
        "progress update sent to the complainant",
        None,
    );
    arm_update(out, ctx, now);
}

#[cfg(test)]
mod tests {
    use super::data_protection_cue;

    #[test]
    fn cues_name_the_use_of_personal_data_in_english_and_welsh() {
        for text in [
            "You shared my personal details with my employer without asking.",
            "This is a data protection complaint.",
            "Under GDPR I want to know why my address was given out.",
            "My personal data was disclosed to another learner.",
            "I will be going to the Information Commissioner.",
            "Please delete all my data.",
            "Rydych wedi rhannu fy manylion heb ganiatâd: mae hyn yn fater diogelu data.",
            "Cwyn am fy nata personol.",
        ] {
            assert!(data_protection_cue(text).is_some(), "{text}");
        }
        for text in [
            "My coach cancelled three sessions and I want them rebooked.",
            "The data on my certificate is wrong.",
            "Diolch am y diogelu a'r gefnogaeth.",
            "I sent my details to the enrolment team last week.",
        ] {
            assert!(data_protection_cue(text).is_none(), "{text}");
        }
    }
}
