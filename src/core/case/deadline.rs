//! Deadlines: what falls due, what happens when it does (breach alerts,
//! closing an expired window), and when to chase the handler before it.

use super::command::{owner_recipient, sync_remedy_deadline};
use super::effect::Recipient;
use super::effect::{Actor, Effect, OutMail};
use super::out::{mail, roles, with_vars, Out};
use super::stage::{close, close_or_ask_lessons};
use super::state::State;
use super::template::TemplateId;
use super::Ctx;
use crate::core::calendar::Calendar;
use crate::core::policy::Policy;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a deadline is for. Stored (the `deadlines.kind` column) by the
/// snake_case of the variant.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DeadlineKind {
    /// The stage acknowledgement (only pending when it was held back).
    Acknowledge,
    /// The stage's written response.
    Respond,
    /// The complainant may escalate until this.
    EscalationWindow,
    /// The directors' decision on an anonymous complaint (urgent flags).
    Decision,
    /// Permission to share a compliment: the case closes after this.
    Permission,
    /// A case in triage: the handler confirms its kind by this.
    ConfirmKind,
    /// The earliest outstanding remedy (`#remedy`) is due: its owner and
    /// the handler are chased before it and alerted after it. Kept when the
    /// case closes, until every remedy is done.
    Remedy,
    /// A data-protection complaint: the complainant's next progress update
    /// (`[data_protection] update_every`) goes out at this time.
    DataProtectionUpdate,
}

impl DeadlineKind {
    /// The name used in storage.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Someone must act by this deadline (acknowledge, respond, decide,
    /// confirm a triaged case's kind): it
    /// is chased before it falls due, and the digest reports it as due soon
    /// or breached. A window that merely closes (escalation, permission) is not.
    pub fn someone_must_act(self) -> bool {
        matches!(
            self,
            DeadlineKind::Respond
                | DeadlineKind::Decision
                | DeadlineKind::Acknowledge
                | DeadlineKind::ConfirmKind
                | DeadlineKind::Remedy
        )
    }
}

/// A deadline on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// What is due.
    pub kind: DeadlineKind,
    /// Stage index it belongs to.
    pub stage: usize,
    /// When the clock started.
    pub start: DateTime<Utc>,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// Already reported as breached.
    pub breached: bool,
}

pub(super) fn deadline_due(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, kind: DeadlineKind) {
    let Some(d) = out.case.deadlines.iter().find(|d| d.kind == kind).cloned() else {
        return;
    };
    if now < d.due {
        return;
    }
    match kind {
        DeadlineKind::EscalationWindow => {
            out.clear_deadline(kind);
            // An unclear reply still waiting for the handler's decision
            // keeps the case open: the decision, not the clock, ends it.
            if out.case.state == State::Responded
                && ctx.policy.closing.close_when_window_expires
                && !out.case.escalation_undecided
            {
                close_or_ask_lessons(out, ctx, now, "escalation window expired without a reply");
            }
        }
        DeadlineKind::DataProtectionUpdate => {
            out.clear_deadline(kind);
            super::data_protection::update_due(out, ctx, now);
        }
        DeadlineKind::Permission => {
            out.clear_deadline(kind);
            if out.case.state == State::AwaitingPermission {
                close(out, now, "no answer about sharing: not shared");
            }
        }
        DeadlineKind::Remedy => remedies_due(out, ctx, now),
        DeadlineKind::Respond
        | DeadlineKind::Acknowledge
        | DeadlineKind::Decision
        | DeadlineKind::ConfirmKind => {
            if d.breached {
                return;
            }
            for x in out.case.deadlines.iter_mut().filter(|x| x.kind == kind) {
                x.breached = true;
            }
            let breached = Deadline {
                breached: true,
                ..d.clone()
            };
            out.effects.push(Effect::SetDeadline(breached));
            let mut to = vec![Recipient::Handler];
            to.extend(roles(&ctx.policy.procedure.breach_alert));
            let m = with_vars(mail(TemplateId::BreachAlert, to), |v| {
                v.deadline = Some(format!("{kind:?}"))
            });
            out.send(confirm_by(m, ctx, &d));
            out.audit(
                Actor::System,
                "breached",
                format!(
                    "{kind:?} deadline {} passed",
                    ctx.calendar.to_local(d.due).format("%Y-%m-%d %H:%M")
                ),
                None,
            );
        }
    }
}

/// A triage deadline's mail says by when the kind was to be confirmed (the
/// case's `due` is the response date promised to the writer).
fn confirm_by(m: OutMail, ctx: &Ctx<'_>, d: &Deadline) -> OutMail {
    if d.kind != DeadlineKind::ConfirmKind {
        return m;
    }
    let by = ctx
        .calendar
        .to_local(d.due)
        .format("%A %-d %B %Y, %H:%M")
        .to_string();
    with_vars(m, |v| v.confirm_by = Some(by))
}

/// The outstanding remedies due by `by`, one a line, and who owns them.
fn remedy_lines(out: &Out, by: DateTime<Utc>, ctx: &Ctx<'_>) -> (String, Vec<Recipient>) {
    let mut lines = Vec::new();
    let mut to = vec![Recipient::Handler];
    for r in out.case.records.outstanding() {
        if ctx.calendar.end_of_business(r.due) <= by {
            lines.push(format!(
                "{}. {} (owner {}, due {}): {}",
                r.number,
                r.kind.as_str(),
                r.owner,
                r.due,
                r.description
            ));
            let o = owner_recipient(&r.owner);
            if !to.contains(&o) {
                to.push(o);
            }
        }
    }
    (lines.join("\n"), to)
}

/// Remedies fell due undone: their owners and the handler are alerted once
/// each, and the deadline moves to the next remedy.
fn remedies_due(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    let (lines, to) = remedy_lines(out, now, ctx);
    if !lines.is_empty() {
        out.send(with_vars(mail(TemplateId::RemedyReminder, to), |v| {
            v.remedy = Some(lines.clone());
            v.urgent = true;
            v.deadline = Some("overdue".into());
        }));
        out.audit(Actor::System, "remedy overdue", lines, None);
    }
    for r in out.case.records.remedies.iter_mut() {
        if r.done.is_none() && ctx.calendar.end_of_business(r.due) <= now {
            r.alerted = true;
        }
    }
    sync_remedy_deadline(out, ctx, now);
}

pub(super) fn chase(out: &mut Out, ctx: &Ctx<'_>, kind: DeadlineKind) {
    if kind == DeadlineKind::Remedy {
        let Some(d) = out
            .case
            .deadlines
            .iter()
            .find(|d| d.kind == kind && !d.breached)
            .cloned()
        else {
            return;
        };
        let (lines, to) = remedy_lines(out, d.due, ctx);
        if !lines.is_empty() {
            out.send(with_vars(mail(TemplateId::RemedyReminder, to), |v| {
                v.remedy = Some(lines.clone());
                v.deadline = Some("due soon".into());
            }));
            out.audit(
                Actor::System,
                "chased",
                format!("remedy due {}: {lines}", d.due.to_rfc3339()),
                None,
            );
        }
        return;
    }
    let Some(d) = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == kind && !d.breached)
        .cloned()
    else {
        return;
    };
    let m = with_vars(mail(TemplateId::ChaseUp, vec![Recipient::Handler]), |v| {
        v.deadline = Some(format!("{kind:?}"))
    });
    out.send(confirm_by(m, ctx, &d));
    out.audit(
        Actor::System,
        "chased",
        format!("{kind:?} due {}", d.due.to_rfc3339()),
        None,
    );
}

/// A chase point outside business hours moves *back* to an hour before the
/// previous close: it lands while the handler is at work, and never gives
/// them less notice than the policy asks for.
fn into_working_hours(t: DateTime<Utc>, calendar: &Calendar) -> DateTime<Utc> {
    if calendar.is_working_time(t) {
        return t;
    }
    let l = calendar.to_local(t);
    let d = l.date();
    let day = if calendar.is_working_day(d) && l.time() >= calendar.close() {
        d
    } else {
        calendar.previous_working_day(d)
    };
    let close = calendar.end_of_business(day);
    (close - chrono::Duration::hours(1)).max(calendar.start_of_business(day))
}

/// When to chase the handler before a deadline: each policy offset before
/// the due time, moved into working hours (a chase never lands at night) and
/// never after the deadline itself. Sorted, without duplicates.
pub fn chase_times(
    due: DateTime<Utc>,
    start: DateTime<Utc>,
    policy: &Policy,
    calendar: &Calendar,
) -> Vec<DateTime<Utc>> {
    let mut out: Vec<DateTime<Utc>> = policy
        .procedure
        .chase_before
        .iter()
        .map(|s| calendar.before(due, *s))
        .map(|t| into_working_hours(t, calendar))
        .filter(|t| *t > start && *t < due)
        .collect();
    out.sort();
    out.dedup();
    out
}
