//! The satisfaction survey on a case: sent once after closing when the
//! complainant may be asked (`core::survey::not_eligible`), and its answer
//! recorded. Neither changes the case's state.

use super::effect::{Actor, Recipient};
use super::out::{mail, Out};
use super::template::TemplateId;
use crate::core::survey::{not_eligible, read_answer, Survey};
use chrono::{DateTime, Utc};

/// Send the survey, or record why not.
pub(super) fn send(out: &mut Out, now: DateTime<Utc>) {
    if let Some(why) = not_eligible(&out.case) {
        // Only worth a line when a closed complaint was passed over.
        if out.case.survey.is_none() && out.case.state == super::State::Closed {
            out.audit(
                Actor::System,
                "no survey",
                format!("satisfaction survey not sent: {why}"),
                None,
            );
        }
        return;
    }
    out.send(mail(
        TemplateId::SatisfactionSurvey,
        vec![Recipient::Complainant],
    ));
    out.case.survey = Some(Survey {
        sent_at: now,
        answered_at: None,
        answer: None,
    });
    out.audit(
        Actor::System,
        "survey sent",
        "satisfaction survey about the handling sent",
        None,
    );
}

/// Record the answer the reply reader found in the sender's own words
/// (`own`: not our survey quoted above their answers).
pub(super) fn record(
    out: &mut Out,
    now: DateTime<Utc>,
    own: &str,
    message_id: Option<&str>,
    actor: Actor,
) {
    let Some(answer) = read_answer(own) else {
        return;
    };
    let Some(s) = out.case.survey.as_mut() else {
        return;
    };
    let detail = format!(
        "score {}, {}",
        answer
            .score
            .map(|n| n.to_string())
            .unwrap_or_else(|| "none".into()),
        match answer.satisfied {
            Some(true) => "satisfied",
            Some(false) => "not satisfied",
            None => "neither",
        }
    );
    s.answered_at = Some(now);
    s.answer = Some(answer);
    out.audit(actor, "survey answer", detail, message_id);
}
