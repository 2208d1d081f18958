//! The case state machine: `(case, event, policy, now) -> (case, effects)`.
//!
//! Pure. It never sends mail or writes rows: it returns [`Effect`]s (mails to
//! queue, deadlines to set or clear, audit entries) that the store applies in
//! the same transaction as the new case. Every path of both seed procedures
//! is here: acknowledgement, response, escalation through the stages, external
//! referral, consent, anonymous decisions, assessment-appeal redirects,
//! extensions with delay notices, reclassification, reassignment, late
//! escalation, withdrawal, and closing with lessons learnt.

mod deadline;
mod effect;
mod out;
mod state;
mod template;

pub use deadline::{chase_times, Deadline, DeadlineKind};
pub use effect::{is_machine_address, Actor, Audit, Contact, Effect, OutMail, Recipient};
pub use state::{standing, Case, ConsentStatus, Party, Standing, State};
pub use template::TemplateId;

use super::calendar::{Calendar, Span};
use super::classify::{Classification, Flag, Kind};
use super::commands::{Command, CommandError, Parsed};
use super::directory::Directory;
use super::intent::{read_reply, ReplyIntent};
use super::policy::{Anchor, Policy, Stage, When};
use super::reference::CaseRef;
use chrono::{DateTime, Utc};
use deadline::{chase, deadline_due};
use out::{mail, roles, with_var, Out};
use regex::Regex;
use std::sync::LazyLock;

/// The result of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The case after the event.
    pub case: Case,
    /// What to do, in order.
    pub effects: Vec<Effect>,
}

/// What the state machine needs besides the case: policy, calendar, staff.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The procedure.
    pub policy: &'a Policy,
    /// Working days.
    pub calendar: &'a Calendar,
    /// Staff and roles.
    pub directory: &'a Directory,
}

/// An inbound message, reduced to what the state machine needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Its Message-ID.
    pub message_id: Option<String>,
    /// Sender address (lower-case).
    pub from: String,
    /// Sender display name.
    pub name: Option<String>,
    /// The newly written text (quotes and signatures stripped).
    pub text: String,
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The complainant wrote again, or someone with standing on the case
    /// (see [`standing`]); the audit names them when they are not the complainant.
    ComplainantReplied(Inbound),
    /// Someone with no standing wrote about the case: recorded against it as
    /// a third party's message and shown to the handler; nothing changes.
    ThirdPartyWrote(Inbound),
    /// A member of staff wrote. `verified` says whether the sender proved who
    /// they are (token or authenticated server); `parsed` holds their commands.
    StaffReplied {
        /// The message.
        message: Inbound,
        /// Proof of sender.
        verified: bool,
        /// Commands and remaining text.
        parsed: Parsed,
    },
    /// A deadline of this kind is due now.
    Due(DeadlineKind),
    /// A chase-up point before a deadline of this kind.
    Chase(DeadlineKind),
}

fn stage_of<'a>(ctx: &Ctx<'a>, i: usize) -> Option<&'a Stage> {
    ctx.policy.stage(i)
}

/// The handler for the case's current stage: a routing rule's handler wins
/// over the stage's, and staff the complaint is about are never picked.
fn choose_handler(case: &Case, ctx: &Ctx<'_>) -> Option<String> {
    let stage = stage_of(ctx, case.stage)?;
    let routed = ctx
        .policy
        .routes_for(&case.flags)
        .find_map(|r| r.handler.clone());
    let candidates = routed.iter().chain(stage.handler.iter());
    for role in candidates {
        if let Some(p) = ctx.directory.pick(role, &case.excluded_handlers) {
            return Some(p.email.clone());
        }
    }
    None
}

/// Contacts the stage response must give: the next stage's contact role, or
/// the external bodies of the next (external) stage.
fn response_contacts(case: &Case, ctx: &Ctx<'_>) -> Vec<Contact> {
    let Some(stage) = stage_of(ctx, case.stage) else {
        return Vec::new();
    };
    let Some(role) = &stage.response_names else {
        return Vec::new();
    };
    if role == "external_bodies" {
        return stage_of(ctx, case.stage + 1)
            .map(external_contacts)
            .unwrap_or_default();
    }
    ctx.directory
        .in_role(role)
        .take(1)
        .map(|p| Contact {
            name: p.name.clone(),
            email: Some(p.email.clone()),
            phone: p.phone.clone(),
            address: None,
            url: None,
        })
        .collect()
}

fn external_contacts(stage: &Stage) -> Vec<Contact> {
    stage
        .external_bodies
        .iter()
        .map(|b| Contact {
            name: b.name.clone(),
            email: b.email.clone(),
            phone: b.phone.clone(),
            address: b.address.clone(),
            url: b.url.clone(),
        })
        .collect()
}

/// Start the clock for the stage response.
fn start_response_clock(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    let Some(stage) = stage_of(ctx, out.case.stage) else {
        return;
    };
    if let Some(limit) = stage.respond {
        let start = match limit.from {
            // After a hold (consent, decision) the caller moves
            // `stage_received_at` to when the case may proceed.
            Anchor::Receipt => out.case.stage_received_at,
            Anchor::Acknowledgement => out.case.acknowledged_at.unwrap_or(now),
        };
        let due = ctx.calendar.deadline(start, limit.within);
        for w in due.warnings {
            out.audit(Actor::System, "calendar warning", w, None);
        }
        out.set_deadline(DeadlineKind::Respond, start, due.at);
    }
}

/// Acknowledge the current stage, notify the handler and everyone the stage
/// and routing rules name, and start the response clock.
fn begin_stage(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, in_reply_to: Option<String>) {
    let stage_index = out.case.stage;
    let Some(stage) = stage_of(ctx, stage_index) else {
        return;
    };
    out.case.state = State::Open;
    out.case.responded_at = None;
    out.case.handler = choose_handler(&out.case, ctx);
    match &out.case.handler {
        Some(h) => out.audit(
            Actor::System,
            "assigned",
            format!("{} handles {}", h, stage.name),
            None,
        ),
        None => out.audit(
            Actor::System,
            "unassigned",
            format!(
                "nobody in the handler role for {}: add staff to the role in config",
                stage.name
            ),
            None,
        ),
    }
    // complaintd acknowledges at once, which meets every acknowledgement deadline.
    let ack = mail(TemplateId::Acknowledgement, vec![Recipient::Complainant]);
    let ack = with_var(ack, "stage", stage.name.clone());
    out.send(OutMail {
        in_reply_to: in_reply_to.clone(),
        ..ack
    });
    out.case.acknowledged_at = Some(now);
    out.clear_deadline(DeadlineKind::Acknowledge);
    out.audit(
        Actor::System,
        "acknowledged",
        format!("{} acknowledged", stage.name),
        None,
    );
    let note = mail(TemplateId::HandlerNotification, vec![Recipient::Handler]);
    out.send(with_var(note, "stage", stage.name.clone()));
    for (i, h) in stage.handoffs.iter().enumerate() {
        let applies = match h.when {
            When::Always => true,
            When::StaffSubject => out.case.flags.contains(&Flag::StaffSubject),
        };
        if !applies {
            continue;
        }
        if h.reassign {
            if let Some(p) = ctx.directory.pick(&h.to, &out.case.excluded_handlers) {
                out.case.handler = Some(p.email.clone());
                out.send(with_var(
                    mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                    "stage",
                    stage.name.clone(),
                ));
            }
        }
        let m = with_var(
            mail(
                TemplateId::HandoffNotice,
                vec![Recipient::Role(h.to.clone())],
            ),
            "description",
            h.description.clone(),
        );
        out.send(with_var(m, "within", h.within.to_string()));
        out.audit(
            Actor::System,
            "handed off",
            format!(
                "hand-off {i} to {} done at once (allowed {}): {}",
                h.to, h.within, h.description
            ),
            None,
        );
    }
    start_response_clock(out, ctx, now);
}

/// Open a case for a newly received message.
pub fn open(
    reference: CaseRef,
    msg: &Inbound,
    class: &Classification,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
) -> Transition {
    let case = Case {
        reference,
        kind: class.kind,
        flags: class.flags.clone(),
        state: State::Open,
        stage: 0,
        complainant: Party {
            address: msg.from.to_ascii_lowercase(),
            name: msg.name.clone(),
        },
        handler: None,
        excluded_handlers: ctx.directory.mentioned_in(&msg.text),
        opened_at: now,
        stage_received_at: now,
        acknowledged_at: None,
        responded_at: None,
        deadlines: Vec::new(),
        consent: ConsentStatus::NotNeeded,
        lessons: None,
        share_permission: None,
        resume_state: None,
        last_inbound_id: msg.message_id.clone(),
        closed_at: None,
        contacts: Vec::new(),
        consent_asked: Vec::new(),
    };
    let mut out = Out {
        case,
        effects: Vec::new(),
    };
    out.audit(
        Actor::Complainant,
        "received",
        format!(
            "classified {}{}: {}",
            class.kind,
            if class.flags.is_empty() {
                String::new()
            } else {
                format!(
                    " [{}]",
                    class
                        .flags
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            class.reasons.join("; ")
        ),
        msg.message_id.as_deref(),
    );
    start_kind(&mut out, ctx, now);
    out.finish()
}

/// The opening path for the case's kind (also used after reclassification).
fn start_kind(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    let reply_to = out.case.last_inbound_id.clone();
    match out.case.kind {
        Kind::AutoReply | Kind::Bounce | Kind::Bulk => {
            out.case.state = State::Closed;
            out.case.closed_at = Some(now);
            out.audit(
                Actor::System,
                "ignored",
                "machine mail: no case action, never answered",
                None,
            );
        }
        Kind::Other => {
            // An enquiry: the stage-1 handler answers it; no acknowledgement,
            // because spam and phishing land here too and must not be answered.
            out.case.state = State::Open;
            out.case.handler = choose_handler(&out.case, ctx);
            out.send(with_var(
                mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                "stage",
                "Enquiry",
            ));
        }
        Kind::Compliment | Kind::Comment => {
            let (template, feedback) = if out.case.kind == Kind::Compliment {
                (TemplateId::ComplimentThanks, &ctx.policy.compliments)
            } else {
                (TemplateId::CommentThanks, &ctx.policy.comments)
            };
            out.case.handler = choose_handler(&out.case, ctx);
            let thanks = with_var(
                mail(template, vec![Recipient::Complainant]),
                "ask_permission",
                if feedback.ask_permission_to_share {
                    "yes"
                } else {
                    ""
                },
            );
            out.send(OutMail {
                in_reply_to: reply_to,
                ..thanks
            });
            if !feedback.notify.is_empty() {
                out.send(mail(TemplateId::NewCaseNotice, roles(&feedback.notify)));
            }
            if feedback.ask_permission_to_share {
                out.case.state = State::AwaitingPermission;
                let due = ctx.calendar.deadline(now, Span::WorkingDays(10));
                out.set_deadline(DeadlineKind::Permission, now, due.at);
                out.audit(
                    Actor::System,
                    "permission asked",
                    "asked permission to share",
                    None,
                );
            } else {
                close(out, now, "thanked; nothing more to do");
            }
            flag_alerts(out, ctx);
        }
        Kind::Complaint => start_complaint(out, ctx, now, reply_to),
    }
}

fn flag_alerts(out: &mut Out, ctx: &Ctx<'_>) {
    let flags = out.case.flags.clone();
    for r in ctx.policy.routes_for(&flags) {
        if !r.notify.is_empty() {
            let m = with_var(
                mail(TemplateId::FlagAlert, roles(&r.notify)),
                "flag",
                r.flag.as_str(),
            );
            out.send(m);
            out.audit(
                Actor::System,
                "alerted",
                format!("{} alert sent at once to {}", r.flag, r.notify.join(", ")),
                None,
            );
        }
    }
}

fn start_complaint(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, reply_to: Option<String>) {
    let policy = ctx.policy;
    if !policy.procedure.notify_on_new_complaint.is_empty() {
        out.send(mail(
            TemplateId::NewCaseNotice,
            roles(&policy.procedure.notify_on_new_complaint),
        ));
    }
    flag_alerts(out, ctx);
    let flags = &out.case.flags;
    let urgent = flags.contains(&Flag::Safeguarding) || flags.contains(&Flag::HealthSafety);

    if flags.contains(&Flag::AssessmentAppeal) && policy.assessment_appeals.redirect {
        out.case.state = State::Redirected;
        out.case.handler = choose_handler(&out.case, ctx);
        let mut m = mail(TemplateId::AppealsRedirect, vec![Recipient::Complainant]);
        m.in_reply_to = reply_to;
        m.contacts = vec![Contact {
            name: policy
                .assessment_appeals
                .procedure_name
                .clone()
                .unwrap_or_else(|| "Appeals procedure".into()),
            email: policy.assessment_appeals.contact.clone(),
            phone: None,
            address: None,
            url: None,
        }];
        out.send(m);
        out.send(with_var(
            mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
            "stage",
            "Redirected to the appeals procedure",
        ));
        out.audit(
            Actor::System,
            "redirected",
            "disputes an assessment decision: redirected to the appeals procedure (a handler can #proceed to treat it as a complaint)",
            None,
        );
        out.case.closed_at = Some(now);
        return;
    }

    if flags.contains(&Flag::Anonymous) {
        if let Some(role) = &policy.anonymous.decided_by {
            out.case.state = State::AwaitingDecision;
            out.case.handler = choose_handler(&out.case, ctx);
            let is_urgent = policy
                .anonymous
                .urgent_flags
                .iter()
                .any(|f| flags.contains(f));
            let m = with_var(
                mail(
                    TemplateId::AnonymousDecisionRequest,
                    vec![Recipient::Role(role.clone())],
                ),
                "urgent",
                if is_urgent { "yes" } else { "" },
            );
            out.send(m);
            let ack = with_var(
                mail(TemplateId::Acknowledgement, vec![Recipient::Complainant]),
                "anonymous",
                "yes",
            );
            out.send(OutMail {
                in_reply_to: reply_to,
                ..ack
            });
            out.case.acknowledged_at = Some(now);
            if is_urgent {
                let due = ctx.calendar.deadline(now, Span::WorkingDays(1));
                out.set_deadline(DeadlineKind::Decision, now, due.at);
            }
            out.audit(
                Actor::System,
                "held for decision",
                format!(
                    "anonymous: {role} decide whether to act{}",
                    if is_urgent { " (urgent)" } else { "" }
                ),
                None,
            );
            return;
        }
    }

    if flags.contains(&Flag::OnBehalf) && policy.consent.required_for_on_behalf {
        out.case.consent = ConsentStatus::Awaiting;
        // Safeguarding never waits: the investigation starts and consent is
        // asked for in parallel.
        if !urgent {
            out.case.state = State::AwaitingConsent;
            out.case.handler = choose_handler(&out.case, ctx);
            let ack = mail(TemplateId::Acknowledgement, vec![Recipient::Complainant]);
            out.send(OutMail {
                in_reply_to: reply_to.clone(),
                ..ack
            });
            out.case.acknowledged_at = Some(now);
            out.send(mail(
                TemplateId::ConsentRequest,
                vec![Recipient::Complainant],
            ));
            out.send(with_var(
                mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                "stage",
                "Awaiting the learner's consent",
            ));
            if !policy.consent.notify.is_empty() {
                out.send(mail(
                    TemplateId::NewCaseNotice,
                    roles(&policy.consent.notify),
                ));
            }
            out.audit(
                Actor::System,
                "awaiting consent",
                "on behalf of a learner: no investigation until the learner's written consent (the response clock is stopped)",
                None,
            );
            return;
        }
        out.send(mail(
            TemplateId::ConsentRequest,
            vec![Recipient::Complainant],
        ));
        out.audit(
            Actor::System,
            "consent asked",
            "consent requested; safeguarding proceeds without waiting",
            None,
        );
    }
    begin_stage(out, ctx, now, reply_to);
}

fn close(out: &mut Out, now: DateTime<Utc>, why: &str) {
    out.clear_all();
    out.case.state = State::Closed;
    out.case.closed_at = Some(now);
    out.audit(Actor::System, "closed", why, None);
}

/// Close after the stage response, or ask for lessons first.
fn close_or_ask_lessons(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, why: &str) {
    if ctx.policy.closing.require_lessons && out.case.lessons.is_none() {
        out.clear_all();
        out.case.state = State::PendingLessons;
        out.send(mail(TemplateId::LessonsRequest, vec![Recipient::Handler]));
        out.audit(
            Actor::System,
            "lessons requested",
            format!("{why}; closing waits for lessons learnt"),
            None,
        );
    } else {
        close(out, now, why);
    }
}

fn escalate(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    in_reply_to: Option<String>,
    why: &str,
) {
    let next = out.case.stage + 1;
    let Some(stage) = stage_of(ctx, next) else {
        // The procedure is exhausted: record, tell the handler, change nothing.
        out.audit(
            Actor::System,
            "escalation impossible",
            format!("{why}; there is no further stage"),
            None,
        );
        out.send(with_var(
            mail(TemplateId::ComplainantUpdate, vec![Recipient::Handler]),
            "note",
            "no further stage",
        ));
        return;
    };
    out.clear_all();
    out.case.stage = next;
    out.case.stage_received_at = now;
    out.case.resume_state = None;
    out.case.closed_at = None;
    if stage.is_external() {
        out.case.state = State::ReferredExternally;
        let mut m = mail(TemplateId::ExternalReferral, vec![Recipient::Complainant]);
        m.in_reply_to = in_reply_to;
        m.contacts = external_contacts(stage);
        out.send(m);
        out.send(with_var(
            mail(TemplateId::ComplainantUpdate, vec![Recipient::Handler]),
            "note",
            "referred externally",
        ));
        out.audit(
            Actor::System,
            "referred externally",
            format!("{why}: {}", stage.name),
            None,
        );
        out.case.closed_at = Some(now);
        return;
    }
    out.audit(
        Actor::System,
        "escalated",
        format!("{why}: now {}", stage.name),
        None,
    );
    begin_stage(out, ctx, now, in_reply_to);
}

/// Apply an event to a case.
pub fn step(case: &Case, event: Event, ctx: &Ctx<'_>, now: DateTime<Utc>) -> Transition {
    let mut out = Out {
        case: case.clone(),
        effects: Vec::new(),
    };
    match event {
        Event::ComplainantReplied(msg) => complainant_replied(&mut out, ctx, now, msg),
        Event::ThirdPartyWrote(msg) => third_party_wrote(&mut out, msg),
        Event::StaffReplied {
            message,
            verified,
            parsed,
        } => staff_replied(&mut out, ctx, now, message, verified, parsed),
        Event::Due(kind) => deadline_due(&mut out, ctx, now, kind),
        Event::Chase(kind) => chase(&mut out, kind),
    }
    out.finish()
}

fn forward_to_handler(out: &mut Out, msg: &Inbound, note: &str) {
    let mut m = with_var(
        mail(TemplateId::ComplainantUpdate, vec![Recipient::Handler]),
        "note",
        note,
    );
    let from = msg.from.trim().to_ascii_lowercase();
    if from != out.case.complainant.address {
        // The subject says who wrote, not "<complainant> wrote again".
        m.vars.insert("writer".into(), from);
    }
    m.text = Some(msg.text.clone());
    out.send(m);
}

static ADDRESS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z0-9][a-z0-9._%+'-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z]{2,24}(?-u:\b)")
        .expect("static regex")
});

/// Addresses written in a complainant's reply that may be the learner's:
/// not the writer's own, not staff, not a machine, not asked already. At
/// most two, so a reply cannot make complaintd write to a list of strangers.
fn learner_addresses(case: &Case, ctx: &Ctx<'_>, from: &str, text: &str) -> Vec<String> {
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
fn ask_consent_of(out: &mut Out, address: &str, given_by: &str) {
    if !out.case.consent_asked.iter().any(|a| a == address) {
        out.case.consent_asked.push(address.to_string());
    }
    let m = with_var(
        mail(
            TemplateId::ConsentRequest,
            vec![Recipient::Address(address.to_string())],
        ),
        "to_learner",
        "yes",
    );
    out.send(m);
    out.audit(
        Actor::System,
        "consent asked",
        format!("consent request sent to {address}, the learner's address as {given_by} gave it"),
        None,
    );
}

fn complainant_replied(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, msg: Inbound) {
    let id = msg.message_id.clone();
    let from = msg.from.trim().to_ascii_lowercase();
    let is_complainant = from == out.case.complainant.address;
    let actor = if is_complainant {
        Actor::Complainant
    } else {
        Actor::Correspondent(from.clone())
    };
    // Mail to the complainant answers the complainant's own latest message.
    if is_complainant && id.is_some() {
        out.case.last_inbound_id = id.clone();
    }
    let awaiting_consent = out.case.consent == ConsentStatus::Awaiting;
    // Consent counts at once only from an address complaintd itself sent
    // the consent request to; anyone else's goes to the handler to confirm.
    let consent_counts = out.case.consent_asked.contains(&from);
    let intent = read_reply(
        &msg.text,
        out.case.state == State::AwaitingPermission,
        awaiting_consent,
    );
    out.audit(
        actor.clone(),
        "replied",
        format!("read as {intent:?}"),
        id.as_deref(),
    );
    if awaiting_consent && !consent_counts {
        let who = if is_complainant {
            "the complainant".to_string()
        } else {
            from.clone()
        };
        for a in learner_addresses(&out.case, ctx, &from, &msg.text) {
            ask_consent_of(out, &a, &who);
        }
    }
    let writer = if is_complainant {
        "the complainant".to_string()
    } else {
        from.clone()
    };
    match (out.case.state, intent) {
        (_, ReplyIntent::Consent) if awaiting_consent && consent_counts => {
            forward_to_handler(
                out,
                &msg,
                &format!(
                    "consent arrived from {from}, the address the consent request was sent to"
                ),
            );
            consent_received(out, ctx, now, actor);
        }
        (_, ReplyIntent::Consent) if awaiting_consent => {
            out.audit(
                actor,
                "consent not confirmed",
                format!("consent written by {from}, not from an address the consent request was sent to: waiting for a handler to confirm"),
                id.as_deref(),
            );
            forward_to_handler(
                out,
                &msg,
                &format!("{from} sent consent, but not from an address complaintd sent the consent request to. If it is the learner's own written consent, reply with the line `#consent received`; nothing changes until then"),
            );
        }
        (
            State::AwaitingPermission,
            ReplyIntent::PermissionGranted | ReplyIntent::PermissionRefused,
        ) => {
            let granted = intent == ReplyIntent::PermissionGranted;
            out.case.share_permission = Some(granted);
            out.audit(
                actor,
                "permission",
                if granted {
                    "may be shared"
                } else {
                    "must not be shared"
                },
                id.as_deref(),
            );
            close(out, now, "permission to share answered");
        }
        (State::Responded, _) => {
            let window = out
                .case
                .deadlines
                .iter()
                .find(|d| d.kind == DeadlineKind::EscalationWindow)
                .map(|d| d.due);
            let late = window.is_some_and(|w| now > w);
            if intent == ReplyIntent::Satisfied {
                forward_to_handler(out, &msg, &format!("{writer} says they are satisfied"));
            } else if late {
                late_escalation(out, ctx, &msg, State::Responded);
            } else {
                escalate(
                    out,
                    ctx,
                    now,
                    id,
                    &format!("{writer} is not satisfied with the response"),
                );
            }
        }
        (
            State::Closed | State::PendingLessons,
            ReplyIntent::Dissatisfied | ReplyIntent::Unclear,
        ) if out.case.kind == Kind::Complaint && out.case.responded_at.is_some() => {
            let resume = out.case.state;
            late_escalation(out, ctx, &msg, resume);
        }
        _ if is_complainant => forward_to_handler(out, &msg, "the complainant wrote again"),
        _ => forward_to_handler(out, &msg, &format!("{from} wrote about the case")),
    }
}

/// Someone with no standing named the case (a guessed reference in the
/// subject or plus-address, a forwarded thread): their message is on the
/// record, labelled with the real sender, and changes nothing.
fn third_party_wrote(out: &mut Out, msg: Inbound) {
    let from = msg.from.trim().to_ascii_lowercase();
    out.audit(
        Actor::ThirdParty(from.clone()),
        "third-party message",
        format!(
            "from {from}, who is neither the complainant nor a contact on the case: recorded, nothing changed"
        ),
        msg.message_id.as_deref(),
    );
    let mut m = with_var(
        mail(TemplateId::ThirdPartyMessage, vec![Recipient::Handler]),
        "sender",
        from,
    );
    m.text = Some(msg.text);
    out.send(m);
}

/// A late reply goes to the handler and to whoever the policy alerts about
/// missed deadlines (the handler's manager, directors): they decide.
fn late_escalation(out: &mut Out, ctx: &Ctx<'_>, msg: &Inbound, resume: State) {
    out.case.resume_state = Some(resume);
    out.case.state = State::LateEscalation;
    out.clear_deadline(DeadlineKind::EscalationWindow);
    let mut to = vec![Recipient::Handler];
    to.extend(roles(&ctx.policy.procedure.breach_alert));
    let mut m = mail(TemplateId::LateEscalationNotice, to);
    m.text = Some(msg.text.clone());
    out.send(m);
    out.send(OutMail {
        in_reply_to: msg.message_id.clone(),
        ..mail(
            TemplateId::LateEscalationReceived,
            vec![Recipient::Complainant],
        )
    });
    out.audit(
        Actor::System,
        "late escalation",
        "reply after the escalation window: recorded and routed for a decision (#escalate or #no-action)",
        msg.message_id.as_deref(),
    );
}

fn consent_received(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, actor: Actor) {
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

/// Start the stage after a hold (consent, decision): the acknowledgement was
/// already sent, so only the handler is notified and the clock started.
fn begin_stage_after_hold(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>) {
    out.case.state = State::Open;
    out.case.handler = choose_handler(&out.case, ctx).or(out.case.handler.clone());
    if let Some(stage) = stage_of(ctx, out.case.stage) {
        out.send(with_var(
            mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
            "stage",
            stage.name.clone(),
        ));
    }
    out.clear_deadline(DeadlineKind::Decision);
    start_response_clock(out, ctx, now);
}

fn report(out: &mut Out, errors: Vec<String>) {
    if errors.is_empty() {
        return;
    }
    // No line of the report starts with `#`: quoted back unmarked, it
    // would otherwise read as a command.
    let lines: Vec<String> = errors
        .into_iter()
        .map(|e| {
            if e.trim_start().starts_with('#') {
                format!("Not carried out: {e}")
            } else {
                e
            }
        })
        .collect();
    let m = with_var(
        mail(TemplateId::CommandReport, vec![Recipient::Handler]),
        "errors",
        lines.join("\n"),
    );
    out.send(m);
}

fn staff_replied(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    msg: Inbound,
    verified: bool,
    parsed: Parsed,
) {
    let id = msg.message_id.clone();
    if !verified {
        // Email is spoofable: nothing is executed or relayed. The real
        // handler is told, and the attempt is on the record.
        out.audit(
            Actor::Unverified(msg.from.clone()),
            "unverified staff message",
            format!(
                "from {} without a valid token or authenticated sender: {} command(s) not executed, text not relayed",
                msg.from,
                parsed.commands.len() + parsed.errors.len()
            ),
            id.as_deref(),
        );
        let m = with_var(
            mail(TemplateId::UnverifiedSender, vec![Recipient::Handler]),
            "claimed_sender",
            msg.from.clone(),
        );
        out.send(m);
        return;
    }
    let actor = Actor::Staff(msg.from.clone());
    if parsed.has_commands() {
        let mut errors: Vec<String> = parsed
            .errors
            .iter()
            // Quoted, so a line echoed back never starts with `#` and cannot
            // run again if the handler's reply quotes this report unmarked.
            .map(|CommandError { line, message }| format!("“{line}”: {message}"))
            .collect();
        let mut done = Vec::new();
        for c in parsed.commands {
            let decisive = decisive(&c);
            match command(out, ctx, now, &actor, c, id.as_deref()) {
                Ok(()) => {
                    if let Some(what) = decisive {
                        let stage = stage_of(ctx, out.case.stage)
                            .map(|s| format!(", {}", s.name))
                            .unwrap_or_default();
                        done.push(format!(
                            "{what}: the case is now {}{stage}",
                            out.case.state.as_str().replace('_', " ")
                        ));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !parsed.text.trim().is_empty() {
            out.audit(actor.clone(), "note", parsed.text.clone(), id.as_deref());
        }
        report(out, errors);
        if !done.is_empty() {
            // A decision is confirmed to whoever made it, so a command that
            // ran by mistake (a quoted example, a wrong case) is seen at once.
            out.send(with_var(
                mail(
                    TemplateId::CommandDone,
                    vec![Recipient::Address(msg.from.to_ascii_lowercase())],
                ),
                "done",
                done.join("\n"),
            ));
        }
        return;
    }
    relay(out, ctx, now, &actor, &msg);
}

/// A handler's reply without commands: the stage response when one is due,
/// otherwise further correspondence.
fn relay(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, actor: &Actor, msg: &Inbound) {
    let id = msg.message_id.as_deref();
    if msg.text.trim().is_empty() {
        out.audit(actor.clone(), "empty reply", "nothing to relay", id);
        return;
    }
    let reply_to = out.case.last_inbound_id.clone();
    match (out.case.kind, out.case.state) {
        (Kind::Complaint, State::Open) => {
            let Some(stage) = stage_of(ctx, out.case.stage) else {
                return;
            };
            let mut m = with_var(
                mail(TemplateId::StageResponse, vec![Recipient::Complainant]),
                "stage",
                stage.name.clone(),
            );
            m.text = Some(msg.text.clone());
            m.in_reply_to = reply_to;
            m.contacts = response_contacts(&out.case, ctx);
            if let Some(w) = stage.escalation_window {
                m.vars.insert("escalation_window".into(), w.to_string());
            }
            out.send(m);
            out.case.responded_at = Some(now);
            out.clear_deadline(DeadlineKind::Respond);
            out.audit(
                actor.clone(),
                "responded",
                format!("{} written response sent", stage.name),
                id,
            );
            if !stage.notify_on_response.is_empty() {
                out.send(mail(
                    TemplateId::OutcomeNotice,
                    roles(&stage.notify_on_response),
                ));
            }
            let has_next = stage_of(ctx, out.case.stage + 1).is_some();
            out.case.state = State::Responded;
            match (stage.escalation_window, has_next) {
                (Some(w), true) => {
                    let due = ctx.calendar.deadline(now, w);
                    out.set_deadline(DeadlineKind::EscalationWindow, now, due.at);
                }
                // No window in the policy: the case stays open to escalation
                // until a handler closes it.
                (None, true) => {}
                (_, false) => close_or_ask_lessons(out, ctx, now, "final stage responded"),
            }
        }
        (Kind::Other, State::Open) => {
            let mut m = mail(TemplateId::Correspondence, vec![Recipient::Complainant]);
            m.text = Some(msg.text.clone());
            m.in_reply_to = reply_to;
            out.send(m);
            out.audit(actor.clone(), "answered", "enquiry answered", id);
            close(out, now, "enquiry answered");
        }
        _ => {
            let mut m = mail(TemplateId::Correspondence, vec![Recipient::Complainant]);
            m.text = Some(msg.text.clone());
            m.in_reply_to = reply_to;
            out.send(m);
            out.audit(
                actor.clone(),
                "correspondence",
                "handler's message relayed",
                id,
            );
        }
    }
}

/// Commands that close, withdraw, escalate or decide a case: what they
/// did is confirmed back to the sender by email (in words, never as a line
/// starting with `#` that a quoted copy could run again).
fn decisive(c: &Command) -> Option<&'static str> {
    match c {
        Command::Close { .. } => Some("Closed"),
        Command::Withdraw { .. } => Some("Withdrawn"),
        Command::Escalate { .. } => Some("Escalated"),
        Command::Proceed { .. } => Some("Decided to act"),
        Command::NoAction { .. } => Some("Decided on no action"),
        _ => None,
    }
}

fn command(
    out: &mut Out,
    ctx: &Ctx<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
    c: Command,
    id: Option<&str>,
) -> Result<(), String> {
    match c {
        Command::Note { text } => {
            out.audit(actor.clone(), "note", text, id);
            Ok(())
        }
        Command::Extend { until, reason } => {
            let Some(current) = out
                .case
                .deadlines
                .iter()
                .find(|d| d.kind == DeadlineKind::Respond)
                .cloned()
            else {
                return Err("#extend: this case has no response deadline to extend".into());
            };
            let new_due = ctx.calendar.end_of_business(until);
            if new_due <= current.due || new_due <= now {
                return Err(format!(
                    "#extend: {until} is not later than the current deadline ({})",
                    ctx.calendar.to_local(current.due).format("%Y-%m-%d %H:%M")
                ));
            }
            let late = now > current.due;
            // The complainant is always told the new date and the reason.
            let m = with_var(
                with_var(
                    mail(TemplateId::DelayNotice, vec![Recipient::Complainant]),
                    "reason",
                    reason.clone(),
                ),
                "new_date",
                until.format("%A %-d %B %Y").to_string(),
            );
            out.send(OutMail {
                in_reply_to: out.case.last_inbound_id.clone(),
                ..m
            });
            out.set_deadline(DeadlineKind::Respond, current.start, new_due);
            out.audit(
                actor.clone(),
                "extended",
                format!(
                    "response now due {until}: {reason}{}",
                    match (late, ctx.policy.procedure.delay_notice_required) {
                        (true, true) => " (BREACH: the procedure requires the delay notice before the deadline, which had passed)",
                        (true, false) => " (after the deadline had passed)",
                        (false, _) => "; delay notice sent before the deadline",
                    }
                ),
                id,
            );
            Ok(())
        }
        Command::Close { lessons } => {
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
                    close(out, now, "closed by the handler");
                    Ok(())
                }
            }
        }
        Command::Assign { to } => {
            let Some(p) = ctx.directory.by_email(&to) else {
                return Err(format!("#assign: {to} is not in the staff list"));
            };
            if out.case.excluded_handlers.iter().any(|x| x == &p.email) {
                return Err(format!(
                    "#assign: {} is named in the complaint and cannot handle it",
                    p.name
                ));
            }
            out.case.handler = Some(p.email.clone());
            out.send(with_var(
                mail(TemplateId::HandlerNotification, vec![Recipient::Handler]),
                "stage",
                stage_of(ctx, out.case.stage)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            ));
            out.audit(
                actor.clone(),
                "reassigned",
                format!("now handled by {}", p.email),
                id,
            );
            Ok(())
        }
        Command::Reclassify { kind } => {
            if kind == out.case.kind {
                return Err(format!("#reclassify: the case is already a {kind}"));
            }
            let old = out.case.kind;
            out.clear_all();
            out.case.kind = kind;
            out.case.stage = 0;
            out.case.stage_received_at = now;
            out.case.closed_at = None;
            out.audit(actor.clone(), "reclassified", format!("{old} → {kind}"), id);
            start_kind(out, ctx, now);
            Ok(())
        }
        Command::ConsentReceived => {
            if out.case.consent != ConsentStatus::Awaiting {
                return Err("#consent: this case is not waiting for consent".into());
            }
            consent_received(out, ctx, now, actor.clone());
            Ok(())
        }
        Command::AskConsent { to } => {
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
        Command::Contact { add, address } => {
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
        Command::Withdraw { reason } => {
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
        Command::Escalate { reason } => {
            if out.case.kind != Kind::Complaint {
                return Err("#escalate: only complaints have stages".into());
            }
            let why = reason.unwrap_or_else(|| "escalated by staff".into());
            escalate(out, ctx, now, out.case.last_inbound_id.clone(), &why);
            Ok(())
        }
        Command::Proceed { reason } => {
            let why = reason.unwrap_or_else(|| "decided to act".into());
            match out.case.state {
                State::AwaitingDecision => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("act on the anonymous complaint: {why}"),
                        id,
                    );
                    out.case.stage_received_at = now;
                    begin_stage_after_hold(out, ctx, now);
                    Ok(())
                }
                State::LateEscalation => {
                    escalate(
                        out,
                        ctx,
                        now,
                        out.case.last_inbound_id.clone(),
                        &format!("late escalation accepted: {why}"),
                    );
                    Ok(())
                }
                State::Redirected => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("treat as a complaint, not an appeal: {why}"),
                        id,
                    );
                    out.case.flags.remove(&Flag::AssessmentAppeal);
                    out.case.closed_at = None;
                    out.case.stage_received_at = now;
                    let reply_to = out.case.last_inbound_id.clone();
                    begin_stage(out, ctx, now, reply_to);
                    Ok(())
                }
                s => Err(format!(
                    "#proceed: nothing to decide while the case is {}",
                    s.as_str()
                )),
            }
        }
        Command::NoAction { reason } => {
            let why = reason.unwrap_or_else(|| "no action".into());
            match out.case.state {
                State::AwaitingDecision => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("no action on the anonymous complaint: {why}"),
                        id,
                    );
                    close(
                        out,
                        now,
                        "anonymous complaint: no action, as the directors decided",
                    );
                    Ok(())
                }
                State::LateEscalation => {
                    out.audit(
                        actor.clone(),
                        "decision",
                        format!("late escalation declined: {why}"),
                        id,
                    );
                    out.case.resume_state = None;
                    close_or_ask_lessons(out, ctx, now, "late escalation declined");
                    Ok(())
                }
                s => Err(format!(
                    "#no-action: nothing to decide while the case is {}",
                    s.as_str()
                )),
            }
        }
    }
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
