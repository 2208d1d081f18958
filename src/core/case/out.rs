//! The effect builder every transition writes through: it keeps the case's
//! deadline list in step with the effects, and never mails a machine.

use super::deadline::{Deadline, DeadlineKind};
use super::effect::{is_machine_address, Actor, Audit, Effect, OutMail, Recipient};
use super::state::Case;
use super::template::TemplateId;
use super::vars::Vars;
use super::Transition;
use chrono::{DateTime, Utc};

/// Builds effects and keeps the case's deadline list in step with them.
pub(super) struct Out {
    pub(super) case: Case,
    pub(super) effects: Vec<Effect>,
}

impl Out {
    pub(super) fn audit(
        &mut self,
        actor: Actor,
        action: &str,
        detail: impl Into<String>,
        message_id: Option<&str>,
    ) {
        self.effects.push(Effect::Audit(Audit {
            actor,
            action: action.to_string(),
            detail: detail.into(),
            message_id: message_id.map(String::from),
        }));
    }

    pub(super) fn send(&mut self, mail: OutMail) {
        // Never mail a machine: a complainant address that is a bounce or
        // no-reply address is dropped from the recipients, and a mail left
        // with no recipient is not queued.
        let machine =
            self.case.kind.is_machine() || is_machine_address(&self.case.complainant.address);
        let to: Vec<Recipient> = mail
            .to
            .into_iter()
            .filter(|r| match r {
                Recipient::Complainant => !machine,
                Recipient::Address(a) => !is_machine_address(a),
                Recipient::Handler => self.case.handler.is_some(),
                Recipient::Role(_) => true,
            })
            .collect();
        if to.is_empty() {
            return;
        }
        let mut mail = OutMail { to, ..mail };
        // Handlers usually write their own "Dear …"; a mail relaying their
        // words adds one only when they did not.
        mail.vars.greet =
            !crate::core::text::opens_with_greeting(mail.text.as_deref().unwrap_or(""));
        mail.vars.many_contacts = mail.contacts.len() > 1;
        self.effects.push(Effect::Send(mail));
    }

    pub(super) fn set_deadline(
        &mut self,
        kind: DeadlineKind,
        start: DateTime<Utc>,
        due: DateTime<Utc>,
    ) {
        // No deadline before its start: a span of zero still ends at or after it.
        let due = due.max(start);
        let d = Deadline {
            kind,
            stage: self.case.stage,
            start,
            due,
            breached: false,
        };
        self.case.deadlines.retain(|x| x.kind != kind);
        self.case.deadlines.push(d.clone());
        self.effects.push(Effect::SetDeadline(d));
    }

    pub(super) fn clear_deadline(&mut self, kind: DeadlineKind) {
        if self.case.deadlines.iter().any(|d| d.kind == kind) {
            self.case.deadlines.retain(|d| d.kind != kind);
            self.effects.push(Effect::ClearDeadline(kind));
        }
    }

    /// The pending deadline of this kind was met now: cleared, and recorded
    /// for the figures. `start` replaces its start when given (a response
    /// is timed from the stage's receipt, not from a resumed pause).
    pub(super) fn meet_deadline(&mut self, kind: DeadlineKind, start: Option<DateTime<Utc>>) {
        if let Some(mut d) = self.case.deadlines.iter().find(|d| d.kind == kind).cloned() {
            self.case.deadlines.retain(|d| d.kind != kind);
            if let Some(s) = start {
                d.start = s;
            }
            self.effects.push(Effect::Met(d));
        }
    }

    /// A deadline of this kind that was not pending (an acknowledgement
    /// sent at once, a response while the clock was paused) was met now:
    /// recorded for the figures with the `start` and `due` it had.
    pub(super) fn met_now(&mut self, kind: DeadlineKind, start: DateTime<Utc>, due: DateTime<Utc>) {
        self.case.deadlines.retain(|d| d.kind != kind);
        self.effects.push(Effect::Met(Deadline {
            kind,
            stage: self.case.stage,
            start,
            due,
            breached: false,
        }));
    }

    /// The stage's acknowledgement went now: a held acknowledgement's
    /// deadline is met; one sent at once is on time whatever the limit,
    /// and counted so.
    pub(super) fn acknowledged(&mut self, now: DateTime<Utc>) {
        self.case.acknowledged_at = Some(now);
        if self
            .case
            .deadlines
            .iter()
            .any(|d| d.kind == DeadlineKind::Acknowledge)
        {
            self.meet_deadline(DeadlineKind::Acknowledge, None);
        } else {
            self.met_now(DeadlineKind::Acknowledge, self.case.stage_received_at, now);
        }
    }

    pub(super) fn clear_all(&mut self) {
        // A paused response clock is a deadline too.
        self.case.paused = None;
        // Remedies outlive the stage and the case: they are chased until done.
        let kinds: Vec<DeadlineKind> = self
            .case
            .deadlines
            .iter()
            .map(|d| d.kind)
            .filter(|k| *k != DeadlineKind::Remedy)
            .collect();
        for k in kinds {
            self.clear_deadline(k);
        }
    }

    pub(super) fn finish(self) -> Transition {
        Transition {
            case: self.case,
            effects: self.effects,
        }
    }
}

pub(super) fn mail(template: TemplateId, to: Vec<Recipient>) -> OutMail {
    OutMail {
        template,
        to,
        in_reply_to: None,
        text: None,
        contacts: Vec::new(),
        vars: Box::default(),
    }
}

/// `m` with some of its template variables set.
pub(super) fn with_vars(mut m: OutMail, set: impl FnOnce(&mut Vars)) -> OutMail {
    set(&mut m.vars);
    m
}

pub(super) fn roles(list: &[String]) -> Vec<Recipient> {
    list.iter().map(|r| Recipient::Role(r.clone())).collect()
}
