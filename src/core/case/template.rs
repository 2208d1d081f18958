//! The templates the state machine asks for: a table of names, nothing to do
//! with transitions.

use serde::{Deserialize, Serialize};

/// The templates the state machine asks for. The snake_case of the variant
/// is the file stem under `templates/` and the name stored with queued mail.
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
    /// To the handler: the complaint may be older than the policy allows;
    /// accept it (`#accept-late`) or refuse it (`#refuse out-of-time`).
    LateComplaint,
    /// To the breach-alert roles: a stage has no handler because the only
    /// one the procedure picks handled an earlier stage.
    HandlerNeeded,
    /// To a remedy's owner and the handler: it is due soon, or overdue.
    RemedyReminder,
    /// To the complainant: a remedy we promised is done.
    RemedyDone,
    /// To the complainant: their complaint or escalation is refused, why,
    /// and the external body they may go to.
    RefusalNotice,
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
    /// To the handler: a message in the complainant's name found the case
    /// by its sender alone and nothing proves it is theirs; nothing was
    /// taken from it.
    UnprovenMessage,
    /// To the member of staff who sent it: a decisive command (close,
    /// withdraw, escalate, decide) was carried out, and what it did.
    CommandDone,
    /// To the writer of a message that may be a complaint (triage): received,
    /// the reference, and the date a complaint would be answered by.
    TriageAcknowledgement,
    /// To a member of staff: their reply named no intent, so it is kept as
    /// a draft; reply SEND, ASK or WRITE (or use a link) to send it.
    DraftConfirmation,
    /// To a member of staff: what their words did (sent to whom, as what;
    /// or kept as a note that never left the organisation).
    SendReceipt,
    /// To the complainant: their complaint is handled as one about the use
    /// of their personal data; when to expect updates; the regulator.
    DataProtectionAcknowledgement,
    /// To the complainant: a data-protection complaint's progress update.
    DataProtectionUpdate,
    /// To the complainant, after closing: how was the complaint handled?
    SatisfactionSurvey,
}

impl TemplateId {
    /// The file stem under `templates/`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// A handler's own words relayed to the complainant: not automatic mail,
    /// so it carries no `Auto-Submitted`.
    pub fn is_relayed(self) -> bool {
        matches!(self, TemplateId::StageResponse | TemplateId::Correspondence)
    }

    /// Mail a complainant (or a learner, a writer) can receive: it exists
    /// in every language the organisation corresponds in and goes out in
    /// the contact's. Everything else is staff mail, in the working language.
    pub fn is_complainant_facing(self) -> bool {
        matches!(
            self,
            TemplateId::Acknowledgement
                | TemplateId::TriageAcknowledgement
                | TemplateId::ComplimentThanks
                | TemplateId::CommentThanks
                | TemplateId::StageResponse
                | TemplateId::Correspondence
                | TemplateId::DelayNotice
                | TemplateId::ConsentRequest
                | TemplateId::AppealsRedirect
                | TemplateId::LateEscalationReceived
                | TemplateId::ExternalReferral
                | TemplateId::WithdrawalConfirmation
                | TemplateId::ClosureNotice
                | TemplateId::RefusalNotice
                | TemplateId::RemedyDone
                | TemplateId::DataProtectionAcknowledgement
                | TemplateId::DataProtectionUpdate
                | TemplateId::SatisfactionSurvey
        )
    }

    /// Mail to the complainant that answers them automatically is
    /// `Auto-Submitted: auto-replied`; everything else is `auto-generated`.
    pub fn is_auto_reply(self) -> bool {
        matches!(
            self,
            TemplateId::Acknowledgement
                | TemplateId::TriageAcknowledgement
                | TemplateId::ComplimentThanks
                | TemplateId::CommentThanks
                | TemplateId::LateEscalationReceived
                | TemplateId::ConsentRequest
                | TemplateId::AppealsRedirect
        )
    }
}
