//! Handler commands (`#extend`, `#close`, …): [`command`] dispatches each to
//! its own function, grouped by what they do to the case.

mod close;
mod consent;
mod decide;
mod extend;
mod flag;
mod hold;
mod people;
mod record;
mod route;

use super::effect::Actor;
use super::out::Out;
use super::Ctx;
use crate::core::commands::Command;
use chrono::{DateTime, Utc};

pub(super) use record::owner_recipient;
pub(super) use record::sync_remedy_deadline;

/// What every command needs besides its own arguments: the procedure, when,
/// who ran it, and the message it came in.
#[derive(Clone, Copy)]
pub(super) struct By<'a> {
    /// Policy, calendar, staff.
    pub(super) ctx: &'a Ctx<'a>,
    /// When the command runs.
    pub(super) now: DateTime<Utc>,
    /// The member of staff who sent it.
    pub(super) actor: &'a Actor,
    /// The Message-ID of the message that carried it.
    pub(super) id: Option<&'a str>,
}

/// Run one command. `Err` is the line for the handler's command report.
pub(super) fn command(out: &mut Out, by: By<'_>, c: Command) -> Result<(), String> {
    match c {
        Command::Note { text } => {
            out.audit(by.actor.clone(), "note", text, by.id);
            Ok(())
        }
        Command::Extend {
            until,
            reason,
            beyond_cap,
        } => extend::extend(out, by, until, reason, beyond_cap),
        Command::Define {
            issues,
            outcome_sought,
            remaining,
        } => record::define(out, by, issues, outcome_sought, remaining),
        Command::Outcome { outcome, reasons } => record::outcome(out, by, outcome, reasons),
        Command::Remedy {
            kind,
            owner,
            due,
            description,
        } => record::remedy(out, by, kind, owner, due, description),
        Command::RemedyDone { number } => record::remedy_done(out, by, number),
        Command::Refuse { ground, reason } => record::refuse(out, by, ground, reason),
        Command::AcceptLate { reason } => record::accept_late(out, by, reason),
        Command::Close { lessons } => close::close(out, by, lessons),
        Command::Withdraw { reason } => close::withdraw(out, by, reason),
        Command::Assign { to } => people::assign(out, by, to),
        Command::Contact { add, address } => people::contact(out, by, add, address),
        Command::ConsentReceived => consent::consent_received(out, by),
        Command::AskConsent { to } => consent::ask_consent(out, by, to),
        Command::Reclassify { kind } => route::reclassify(out, by, kind),
        Command::Flag { flag } => flag::flag(out, by, flag),
        Command::Unflag { flag } => flag::unflag(out, by, flag),
        Command::Escalate { reason } => route::escalate(out, by, reason),
        Command::Proceed { reason } => decide::proceed(out, by, reason),
        Command::NoAction { reason } => decide::no_action(out, by, reason),
        Command::NoEscalate { reason } => decide::no_escalate(out, by, reason),
        Command::Hold { reason } => hold::hold(out, by, reason),
        Command::Release => hold::release(out, by),
        Command::NoSurvey => {
            if out.case.no_survey {
                return Err("#no-survey: the complainant has already opted out".into());
            }
            out.case.no_survey = true;
            out.audit(
                by.actor.clone(),
                "opted out",
                "no satisfaction survey (recorded by the handler)",
                by.id,
            );
            Ok(())
        }
        Command::DataProtection { on } => {
            if on {
                if crate::core::case::data_protection::start(
                    out,
                    by.ctx,
                    by.now,
                    by.actor.clone(),
                    "marked by the handler",
                ) {
                    Ok(())
                } else if out.case.data_protection {
                    Err("#data-protection: the case is already a data-protection complaint".into())
                } else {
                    Err("#data-protection: only an open complaint can be marked".into())
                }
            } else if out.case.data_protection {
                out.case.data_protection = false;
                out.clear_deadline(crate::core::case::DeadlineKind::DataProtectionUpdate);
                out.audit(
                    by.actor.clone(),
                    "data protection",
                    "unmarked: not a data-protection complaint",
                    by.id,
                );
                Ok(())
            } else {
                Err("#data-protection off: the case is not marked".into())
            }
        }
    }
}

/// Commands that close, withdraw, escalate or decide a case: what they
/// did is confirmed back to the sender by email (in words, never as a line
/// starting with `#` that a quoted copy could run again).
pub(super) fn decisive(c: &Command) -> Option<&'static str> {
    match c {
        Command::Close { .. } => Some("Closed"),
        Command::Withdraw { .. } => Some("Withdrawn"),
        Command::Escalate { .. } => Some("Escalated"),
        Command::Proceed { .. } => Some("Decided to act"),
        Command::NoAction { .. } => Some("Decided on no action"),
        Command::NoEscalate { .. } => Some("Decided not to escalate"),
        Command::Refuse { .. } => Some("Refused"),
        _ => None,
    }
}
