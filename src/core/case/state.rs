//! The case and where it is: its states, consent status, the person who
//! wrote in, and who may act on it.

use super::deadline::Deadline;
use crate::core::kind::{Flag, Kind};
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Where a case is. Stored (the `cases.state` column, case JSON) by the
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
    /// The classifier was unsure whether this is a complaint: acknowledged
    /// neutrally, the first stage's response clock running from receipt,
    /// waiting for the handler to confirm the kind (`#reclassify KIND`).
    Triage,
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
        self.into()
    }

    /// The case waits for someone other than its handler (the learner's
    /// consent, the directors' decision, a late escalation to accept,
    /// lessons learnt to record): the digest lists it.
    pub fn awaits_someone(self) -> bool {
        matches!(
            self,
            State::AwaitingConsent
                | State::AwaitingDecision
                | State::LateEscalation
                | State::PendingLessons
        )
    }
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
    /// The complainant's reply after the stage response was unclear: the
    /// handler decides (`#escalate` / `#no-escalate`) by a `decision`
    /// deadline, and the escalation window does not close the case meanwhile.
    #[serde(default)]
    pub escalation_undecided: bool,
    /// Other cases a message tied to this one (a new matter from the same
    /// person, a case it mentions): each side names the other.
    #[serde(default)]
    pub linked: Vec<CaseRef>,
    /// Handlers' plain replies kept as drafts, waiting for them to say what
    /// to do (SEND, ASK, WRITE, or nothing: they stay notes).
    #[serde(default)]
    pub drafts: Vec<Draft>,
    /// The number the next draft gets (numbers are never reused, so a stale
    /// confirmation cannot name a newer draft).
    #[serde(default)]
    pub drafts_made: u32,
    /// The response clock is paused: a handler asked the complainant a
    /// question and the policy's `[conversation] question_pauses_clock`
    /// says the clock waits for the answer.
    #[serde(default)]
    pub paused: Option<Pause>,
    /// A legal hold (`#hold REASON`): the case is kept past its retention
    /// date, and cannot be erased, until `#release`.
    #[serde(default)]
    pub hold: Option<crate::core::retention::Hold>,
    /// When the case was anonymised under the retention policy or on an
    /// erasure request; its people and words are gone.
    #[serde(default)]
    pub anonymised_at: Option<DateTime<Utc>>,
    /// A complaint about the use of someone's personal data (classifier
    /// cue or `#data-protection`): acknowledged as one, updated on its own
    /// clock, and its response names the Information Commissioner.
    #[serde(default)]
    pub data_protection: bool,
    /// The satisfaction survey after closing (`[survey]`), once sent.
    #[serde(default)]
    pub survey: Option<crate::core::survey::Survey>,
    /// The complainant asked not to be emailed again (`#no-survey`, or a
    /// reply such as "please don't email me again"): no survey goes.
    #[serde(default)]
    pub no_survey: bool,
    /// What the complaint-handling codes ask to be recorded: the complaint
    /// defined, outcomes, remedies, extensions, refusals, who handled each stage.
    #[serde(default)]
    pub records: super::records::Records,
}

/// A handler's words kept back until they say what they mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Its number on the case (1, 2, …), named by the confirmation's links.
    pub number: u32,
    /// The words, as they would be sent.
    pub text: String,
    /// Who wrote them (lower-case address).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The stage it was written at: a draft is never sent as another
    /// stage's response.
    pub stage: usize,
}

/// A paused response clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When the question went.
    pub since: DateTime<Utc>,
    /// The response deadline as it stood then.
    pub due: DateTime<Utc>,
    /// Working days left then (counted as the deadline counts them); for a
    /// deadline in hours, `None` and the time left is kept exactly.
    pub working_days_left: Option<u32>,
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
