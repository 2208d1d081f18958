//! Consent for complaints made on behalf of a learner: whom to ask, and what
//! happens when it arrives.

use super::effect::is_machine_address;
use super::effect::{Actor, Recipient};
use super::out::{mail, with_vars, Out};
use super::stage::begin_stage_after_hold;
use super::state::{Case, ConsentStatus, State};
use super::template::TemplateId;
use super::Ctx;
use chrono::{DateTime, Utc};
use regex::Regex;
use std::sync::LazyLock;

static ADDRESS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z0-9][a-z0-9._%+'-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z]{2,24}(?-u:\b)")
        .expect("static regex")
});

/// Addresses written in a complainant's reply that may be the learner's:
/// not the writer's own, not staff, not a machine, not asked already. At
/// most two, so a reply cannot make complaintd write to a list of strangers.
pub(super) fn learner_addresses(case: &Case, ctx: &Ctx<'_>, from: &str, text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for m in ADDRESS_IN_TEXT.find_iter(text) {
        let a = m.as_str().trim_end_matches('.').to_ascii_lowercase();
        if a == from
            || a == case.complainant.address
            || ctx.directory.by_email(&a).is_some()
            || is_machine_address(&a)
            || case.consent_asked.contains(&a)
            || found.contains(&a)
        {
            continue;
        }
        found.push(a);
        if found.len() == 2 {
            break;
        }
    }
    found
}

/// Send the consent request to an address given for the learner; consent
/// from that address then counts without a handler's confirmation.
pub(super) fn ask_consent_of(out: &mut Out, address: &str, given_by: &str) {
    if !out.case.consent_asked.iter().any(|a| a == address) {
        out.case.consent_asked.push(address.to_string());
    }
    let m = with_vars(
        mail(
            TemplateId::ConsentRequest,
            vec![Recipient::Address(address.to_string())],
        ),
        |v| v.to_learner = true,
    );
    out.send(m);
    out.audit(
        Actor::System,
        "consent asked",
        format!("consent request sent to {address}, the learner's address as {given_by} gave it"),
        None,
    );
}

pub(super) fn consent_received(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, actor: Actor) {
    out.case.consent = ConsentStatus::Received;
    out.audit(
        actor,
        "consent received",
        "the learner's written consent is on file",
        None,
    );
    if out.case.state == State::AwaitingConsent {
        // The response clock starts now.
        out.case.stage_received_at = now;
        begin_stage_after_hold(out, ctx, now);
    }
}
