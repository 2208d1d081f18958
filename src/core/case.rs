//! The case state machine: `(case, event, policy, now) -> (case, effects)`.
//!
//! Pure. It never sends mail or writes rows: it returns [`Effect`]s (mails to
//! queue, deadlines to set or clear, audit entries) that the store applies in
//! the same transaction as the new case. Every path of both seed procedures
//! is here: acknowledgement, response, escalation through the stages, external
//! referral, consent, anonymous decisions, assessment-appeal redirects,
//! extensions with delay notices, reclassification, reassignment, late
//! escalation, withdrawal, and closing with lessons learnt.

use super::calendar::{Calendar, Span};
use super::classify::{Classification, Flag, Kind};
use super::commands::{Command, CommandError, Parsed};
use super::directory::Directory;
use super::intent::{read_reply, ReplyIntent};
use super::policy::{Anchor, Policy, Stage, When};
use super::reference::CaseRef;
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Where a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Acknowledged; the stage response is being prepared.
    Open,
    /// On behalf of a learner: waiting for the learner's written consent. The
    /// response clock does not run.
    AwaitingConsent,
    /// Anonymous: waiting for the directors' decision whether to act.
    AwaitingDecision,
    /// The stage response was sent; the escalation window is open.
    Responded,
    /// The complainant replied after the escalation window: recorded, waiting
    /// for a manager's decision. Never dropped.
    LateEscalation,
    /// Closing waits for the lessons-learnt record.
    PendingLessons,
    /// Compliment or comment: thanked, waiting for permission to share.
    AwaitingPermission,
    /// Finished.
    Closed,
    /// The last stage: referred to an external body.
    ReferredExternally,
    /// An assessment dispute sent to the appeals procedure.
    Redirected,
    /// Withdrawn by the complainant.
    Withdrawn,
}

impl State {
    /// No further action is expected (no deadline may be pending).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Closed | State::ReferredExternally | State::Redirected | State::Withdrawn
        )
    }

    /// The name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::AwaitingConsent => "awaiting_consent",
            State::AwaitingDecision => "awaiting_decision",
            State::Responded => "responded",
            State::LateEscalation => "late_escalation",
            State::PendingLessons => "pending_lessons",
            State::AwaitingPermission => "awaiting_permission",
            State::Closed => "closed",
            State::ReferredExternally => "referred_externally",
            State::Redirected => "redirected",
            State::Withdrawn => "withdrawn",
        }
    }
}

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
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

/// Consent for on-behalf complaints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Not an on-behalf complaint, or the policy does not require it.
    NotNeeded,
    /// Asked for, not yet received.
    Awaiting,
    /// Received.
    Received,
}

/// The person who wrote in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Address (lower-case).
    pub address: String,
    /// Display name, if given.
    pub name: Option<String>,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its reference.
    pub reference: CaseRef,
    /// Complaint, compliment, comment or other.
    pub kind: Kind,
    /// Flags from classification (and reclassification).
    pub flags: BTreeSet<Flag>,
    /// Where it is.
    pub state: State,
    /// Stage index into the policy.
    pub stage: usize,
    /// Who wrote in.
    pub complainant: Party,
    /// Current handler's address.
    pub handler: Option<String>,
    /// Staff the complaint is about: never picked as handler.
    pub excluded_handlers: Vec<String>,
    /// When the first message arrived.
    pub opened_at: DateTime<Utc>,
    /// When the current stage's complaint arrived.
    pub stage_received_at: DateTime<Utc>,
    /// When the current stage was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When the current stage's response was sent.
    pub responded_at: Option<DateTime<Utc>>,
    /// Pending and breached deadlines.
    pub deadlines: Vec<Deadline>,
    /// Consent status.
    pub consent: ConsentStatus,
    /// Lessons learnt, once recorded.
    pub lessons: Option<String>,
    /// Permission to share (compliments, comments).
    pub share_permission: Option<bool>,
    /// The state to return to if a late escalation is declined.
    pub resume_state: Option<State>,
    /// The Message-ID of the complainant's latest message (what we answer).
    pub last_inbound_id: Option<String>,
    /// When the case was closed, if it was.
    pub closed_at: Option<DateTime<Utc>>,
    /// Addresses a handler added (`#contact add`) that may act for the
    /// complainant (a representative, a second address of theirs).
    #[serde(default)]
    pub contacts: Vec<String>,
    /// Addresses other than the complainant's that complaintd itself sent the
    /// consent request to (given by the complainant or added by a handler):
    /// consent from one of them counts at once.
    #[serde(default)]
    pub consent_asked: Vec<String>,
}

/// How far a message's sender may act on the case it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The complainant.
    Complainant,
    /// A contact a handler added, an address the consent request went to, or
    /// someone answering mail complaintd sent to that very address.
    Correspondent,
    /// Anyone else: the message is recorded and changes nothing.
    ThirdParty,
}

/// Who may act on `case`: its complainant, its contacts and the addresses
/// complaintd wrote to about it. References are sequential and guessable, so
/// naming a case (`[REF]` in the subject, `complaints+REF@`) is no proof;
/// `answers_mail_to_sender` says whether the message's `In-Reply-To` or
/// `References` hold a Message-ID complaintd issued to the sender's address.
pub fn standing(case: &Case, from: &str, answers_mail_to_sender: bool) -> Standing {
    let from = from.trim().to_ascii_lowercase();
    if from == case.complainant.address {
        Standing::Complainant
    } else if answers_mail_to_sender
        || case.contacts.contains(&from)
        || case.consent_asked.contains(&from)
    {
        Standing::Correspondent
    } else {
        Standing::ThirdParty
    }
}

/// Who mail goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The person who wrote in.
    Complainant,
    /// The case's current handler.
    Handler,
    /// Everyone in a role.
    Role(String),
    /// A specific address.
    Address(String),
}

/// The templates the state machine asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TemplateId {
    /// Acknowledgement of a complaint at a stage.
    Acknowledgement,
    /// Thanks for a compliment (asks permission to share when the policy says so).
    ComplimentThanks,
    /// Thanks for a comment (asks permission to share when the policy says so).
    CommentThanks,
    /// The handler's notification of a case (carries the reply token).
    HandlerNotification,
    /// The handler's text wrapped as the stage's written response.
    StageResponse,
    /// Further correspondence from the handler, relayed.
    Correspondence,
    /// A delay notice: new date and reason.
    DelayNotice,
    /// Reminder to the handler before a deadline.
    ChaseUp,
    /// A deadline passed.
    BreachAlert,
    /// Ask for the learner's written consent.
    ConsentRequest,
    /// Ask the directors whether to act on an anonymous complaint.
    AnonymousDecisionRequest,
    /// Point an assessment dispute to the appeals procedure.
    AppealsRedirect,
    /// To the handler and manager: a late escalation needs a decision.
    LateEscalationNotice,
    /// To the complainant: the late reply was received and will be considered.
    LateEscalationReceived,
    /// To a role: a new complaint arrived.
    NewCaseNotice,
    /// To a role: a flagged case (safeguarding, health & safety, …).
    FlagAlert,
    /// To a role: a hand-off the policy requires.
    HandoffNotice,
    /// To the handler: the complainant wrote again.
    ComplainantUpdate,
    /// To a role: the outcome of a stage.
    OutcomeNotice,
    /// To the handler: a command was refused or not understood.
    CommandReport,
    /// To the handler: someone sent a message in their name without proof.
    UnverifiedSender,
    /// To the handler: the case waits for lessons learnt.
    LessonsRequest,
    /// To the complainant: the external bodies to go to.
    ExternalReferral,
    /// To the complainant: the withdrawal is confirmed.
    WithdrawalConfirmation,
    /// To the complainant: the case is closed.
    ClosureNotice,
    /// The directors' daily digest.
    DailyDigest,
    /// To the handler: someone with no standing wrote about the case.
    ThirdPartyMessage,
    /// To the member of staff who sent it: a decisive command (close,
    /// withdraw, escalate, decide) was carried out, and what it did.
    CommandDone,
}

impl TemplateId {
    /// Every template, for `check`.
    pub const ALL: [TemplateId; 28] = [
        TemplateId::Acknowledgement,
        TemplateId::ComplimentThanks,
        TemplateId::CommentThanks,
        TemplateId::HandlerNotification,
        TemplateId::StageResponse,
        TemplateId::Correspondence,
        TemplateId::DelayNotice,
        TemplateId::ChaseUp,
        TemplateId::BreachAlert,
        TemplateId::ConsentRequest,
        TemplateId::AnonymousDecisionRequest,
        TemplateId::AppealsRedirect,
        TemplateId::LateEscalationNotice,
        TemplateId::LateEscalationReceived,
        TemplateId::NewCaseNotice,
        TemplateId::FlagAlert,
        TemplateId::HandoffNotice,
        TemplateId::ComplainantUpdate,
        TemplateId::OutcomeNotice,
        TemplateId::CommandReport,
        TemplateId::UnverifiedSender,
        TemplateId::LessonsRequest,
        TemplateId::ExternalReferral,
        TemplateId::WithdrawalConfirmation,
        TemplateId::ClosureNotice,
        TemplateId::DailyDigest,
        TemplateId::ThirdPartyMessage,
        TemplateId::CommandDone,
    ];

    /// The file stem under `templates/`.
    pub fn name(self) -> &'static str {
        match self {
            TemplateId::Acknowledgement => "acknowledgement",
            TemplateId::ComplimentThanks => "compliment_thanks",
            TemplateId::CommentThanks => "comment_thanks",
            TemplateId::HandlerNotification => "handler_notification",
            TemplateId::StageResponse => "stage_response",
            TemplateId::Correspondence => "correspondence",
            TemplateId::DelayNotice => "delay_notice",
            TemplateId::ChaseUp => "chase_up",
            TemplateId::BreachAlert => "breach_alert",
            TemplateId::ConsentRequest => "consent_request",
            TemplateId::AnonymousDecisionRequest => "anonymous_decision_request",
            TemplateId::AppealsRedirect => "appeals_redirect",
            TemplateId::LateEscalationNotice => "late_escalation_notice",
            TemplateId::LateEscalationReceived => "late_escalation_received",
            TemplateId::NewCaseNotice => "new_case_notice",
            TemplateId::FlagAlert => "flag_alert",
            TemplateId::HandoffNotice => "handoff_notice",
            TemplateId::ComplainantUpdate => "complainant_update",
            TemplateId::OutcomeNotice => "outcome_notice",
            TemplateId::CommandReport => "command_report",
            TemplateId::UnverifiedSender => "unverified_sender",
            TemplateId::LessonsRequest => "lessons_request",
            TemplateId::ExternalReferral => "external_referral",
            TemplateId::WithdrawalConfirmation => "withdrawal_confirmation",
            TemplateId::ClosureNotice => "closure_notice",
            TemplateId::DailyDigest => "daily_digest",
            TemplateId::ThirdPartyMessage => "third_party_message",
            TemplateId::CommandDone => "command_done",
        }
    }

    /// A handler's own words relayed to the complainant: not automatic mail,
    /// so it carries no `Auto-Submitted`.
    pub fn is_relayed(self) -> bool {
        matches!(self, TemplateId::StageResponse | TemplateId::Correspondence)
    }

    /// Mail to the complainant that answers them automatically is
    /// `Auto-Submitted: auto-replied`; everything else is `auto-generated`.
    pub fn is_auto_reply(self) -> bool {
        matches!(
            self,
            TemplateId::Acknowledgement
                | TemplateId::ComplimentThanks
                | TemplateId::CommentThanks
                | TemplateId::LateEscalationReceived
                | TemplateId::ConsentRequest
                | TemplateId::AppealsRedirect
        )
    }
}

/// Contact details to put in a mail (next-stage handler, external body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Name of the person or body.
    pub name: String,
    /// Email, if any.
    pub email: Option<String>,
    /// Phone, if any.
    pub phone: Option<String>,
    /// Postal address, if any.
    pub address: Option<String>,
    /// Web page, if any.
    pub url: Option<String>,
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutMail {
    /// Which template.
    pub template: TemplateId,
    /// To whom.
    pub to: Vec<Recipient>,
    /// The Message-ID this answers, if any (for In-Reply-To/References).
    pub in_reply_to: Option<String>,
    /// Text written by a person to carry inside the template (handler reply,
    /// complainant update, note).
    pub text: Option<String>,
    /// Contacts to list (next stage, external bodies).
    pub contacts: Vec<Contact>,
    /// Other values for the template (reasons, dates, errors).
    pub vars: BTreeMap<String, String>,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// complaintd itself.
    System,
    /// The person who wrote in.
    Complainant,
    /// A verified member of staff.
    Staff(String),
    /// Someone claiming to be staff without proof.
    Unverified(String),
    /// Someone other than the complainant who may act on the case (a
    /// contact, the learner the consent request went to).
    Correspondent(String),
    /// Someone with no standing on the case: recorded, never acted on.
    ThirdParty(String),
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// Who.
    pub actor: Actor,
    /// What (a short verb phrase, stable for filtering).
    pub action: String,
    /// Details a reader needs.
    pub detail: String,
    /// The message that caused it, if any.
    pub message_id: Option<String>,
}

/// What the caller must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Queue a mail.
    Send(OutMail),
    /// Set (or replace) the deadline of this kind.
    SetDeadline(Deadline),
    /// Clear the pending deadline of this kind.
    ClearDeadline(DeadlineKind),
    /// Append to the audit log.
    Audit(Audit),
}

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

/// Addresses that are machines: nothing is ever sent to them.
pub fn is_machine_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
    address.trim().is_empty()
        || !address.contains('@')
        || matches!(
            local.as_str(),
            "mailer-daemon"
                | "postmaster"
                | "noreply"
                | "no-reply"
                | "donotreply"
                | "do-not-reply"
                | "bounce"
                | "bounces"
        )
        || local.starts_with("bounce-")
        || local.starts_with("bounces+")
        || local.starts_with("no-reply")
        || local.starts_with("noreply")
}

/// Builds effects and keeps the case's deadline list in step with them.
struct Out {
    case: Case,
    effects: Vec<Effect>,
}

impl Out {
    fn audit(
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

    fn send(&mut self, mail: OutMail) {
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
        self.effects.push(Effect::Send(OutMail { to, ..mail }));
    }

    fn set_deadline(&mut self, kind: DeadlineKind, start: DateTime<Utc>, due: DateTime<Utc>) {
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

    fn clear_deadline(&mut self, kind: DeadlineKind) {
        if self.case.deadlines.iter().any(|d| d.kind == kind) {
            self.case.deadlines.retain(|d| d.kind != kind);
            self.effects.push(Effect::ClearDeadline(kind));
        }
    }

    fn clear_all(&mut self) {
        let kinds: Vec<DeadlineKind> = self.case.deadlines.iter().map(|d| d.kind).collect();
        for k in kinds {
            self.clear_deadline(k);
        }
    }

    fn finish(self) -> Transition {
        Transition {
            case: self.case,
            effects: self.effects,
        }
    }
}

fn mail(template: TemplateId, to: Vec<Recipient>) -> OutMail {
    OutMail {
        template,
        to,
        in_reply_to: None,
        text: None,
        contacts: Vec::new(),
        vars: BTreeMap::new(),
    }
}

fn with_var(mut m: OutMail, k: &str, v: impl Into<String>) -> OutMail {
    m.vars.insert(k.to_string(), v.into());
    m
}

fn roles(list: &[String]) -> Vec<Recipient> {
    list.iter().map(|r| Recipient::Role(r.clone())).collect()
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
        // A flag corrected by hand: recorded on the case (and, by the store,
        // as a labelled example for the learned layer); setting one sends the
        // policy's alert for it as a raised flag would have at the start.
        // Steps already taken for the old flags are not undone.
        Command::Flag { flag } => {
            if !out.case.flags.insert(flag) {
                return Err(format!("#flag: the case is already flagged {flag}"));
            }
            out.audit(actor.clone(), "flagged", format!("flag {flag} set"), id);
            let only: BTreeSet<Flag> = [flag].into();
            for r in ctx.policy.routes_for(&only) {
                if !r.notify.is_empty() {
                    out.send(with_var(
                        mail(TemplateId::FlagAlert, roles(&r.notify)),
                        "flag",
                        r.flag.as_str(),
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
        Command::Unflag { flag } => {
            if !out.case.flags.remove(&flag) {
                return Err(format!("#unflag: the case is not flagged {flag}"));
            }
            out.audit(
                actor.clone(),
                "unflagged",
                format!("flag {flag} cleared"),
                id,
            );
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

fn deadline_due(out: &mut Out, ctx: &Ctx<'_>, now: DateTime<Utc>, kind: DeadlineKind) {
    let Some(d) = out.case.deadlines.iter().find(|d| d.kind == kind).cloned() else {
        return;
    };
    if now < d.due {
        return;
    }
    match kind {
        DeadlineKind::EscalationWindow => {
            out.clear_deadline(kind);
            if out.case.state == State::Responded && ctx.policy.closing.close_when_window_expires {
                close_or_ask_lessons(out, ctx, now, "escalation window expired without a reply");
            }
        }
        DeadlineKind::Permission => {
            out.clear_deadline(kind);
            if out.case.state == State::AwaitingPermission {
                close(out, now, "no answer about sharing: not shared");
            }
        }
        DeadlineKind::Respond | DeadlineKind::Acknowledge | DeadlineKind::Decision => {
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
            let m = with_var(
                mail(TemplateId::BreachAlert, to),
                "deadline",
                format!("{kind:?}"),
            );
            out.send(m);
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

fn chase(out: &mut Out, kind: DeadlineKind) {
    let Some(d) = out
        .case
        .deadlines
        .iter()
        .find(|d| d.kind == kind && !d.breached)
        .cloned()
    else {
        return;
    };
    let m = with_var(
        mail(TemplateId::ChaseUp, vec![Recipient::Handler]),
        "deadline",
        format!("{kind:?}"),
    );
    out.send(m);
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
