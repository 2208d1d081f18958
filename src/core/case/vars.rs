//! What the state machine tells a mail's template beyond the case itself:
//! one typed field per variable (`{{vars.NAME}}` in a template), flags as
//! real booleans. Unset text is left out of the template data, as an empty
//! value would be.

use serde::{Deserialize, Serialize};

/// The variables of one mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vars {
    /// The stage's name, or what stands for it ("Enquiry", "Awaiting the
    /// learner's consent"…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The complaint was made anonymously.
    #[serde(default)]
    pub anonymous: bool,
    /// Ask the person whether their words may be shared.
    #[serde(default)]
    pub ask_permission: bool,
    /// How long the complainant has to escalate ("10 working days").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_window: Option<String>,
    /// Why a deadline moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The new deadline, written out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_date: Option<String>,
    /// Which deadline (chase-ups, breach alerts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// The case carries an urgent flag ([`crate::core::policy`]'s
    /// `urgent_flags`).
    #[serde(default)]
    pub urgent: bool,
    /// The flag that raised an alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// What a hand-off is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How long a hand-off may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// A note to the handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Commands that failed, one a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<String>,
    /// Who a message claimed to be from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_sender: Option<String>,
    /// Who wrote, when it was not the complainant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
    /// A third party's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The mail goes to the learner, not the complainant.
    #[serde(default)]
    pub to_learner: bool,
    /// What a handler's commands did, one a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<String>,
    /// Open with "Dear …": the words relayed do not greet already.
    #[serde(default)]
    pub greet: bool,
    /// More than one contact is listed.
    #[serde(default)]
    pub many_contacts: bool,
    /// A flag alert for a case in triage: the flag is possible, not certain.
    #[serde(default)]
    pub possible: bool,
    /// When a triaged case's kind must be confirmed by, written out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
    /// What in the message raised a flag (the classifier's cue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<String>,
    /// The draft a confirmation is about (its number on the case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<u32>,
    /// A formal response can be sent now (the draft's SEND is offered).
    #[serde(default)]
    pub can_respond: bool,
    /// The complainant can be written to (the draft's ASK and WRITE are offered).
    #[serde(default)]
    pub can_write: bool,
    /// What a handler's words did, for their receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// A data-protection complaint: who the complainant may complain to
    /// about the use of their data (name, phone, web page, one line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regulator: Option<String>,
    /// What the complaint is about, as recorded (`#define`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<String>,
    /// What the complainant wants, as recorded (`#define`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_sought: Option<String>,
    /// The points that remain at this stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<String>,
    /// The stage's outcome in words ("partly upheld").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The reasons for the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_reasons: Option<String>,
    /// A remedy, described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The ground of a refusal, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
    /// A refusal is of an escalation (not of the complaint).
    #[serde(default)]
    pub escalation: bool,
}

impl Vars {
    /// Every field set, for `check` and previews.
    pub fn sample() -> Vars {
        let s = |v: &str| Some(v.to_string());
        Vars {
            stage: s("Stage 1"),
            anonymous: false,
            ask_permission: true,
            escalation_window: s("10 working days"),
            reason: s("waiting for the employer's statement"),
            new_date: s("Thursday 10 December 2026"),
            deadline: s("Respond"),
            urgent: true,
            flag: s("safeguarding"),
            description: s("The manager is told"),
            within: s("12 hours"),
            note: s("the complainant wrote again"),
            errors: s("#frobnicate: unknown command"),
            claimed_sender: s("mallory@example.test"),
            writer: s("ellie@example.test"),
            sender: s("stranger@example.test"),
            to_learner: true,
            done: s("Closed: the case is now closed, Stage 1"),
            greet: true,
            many_contacts: false,
            possible: true,
            confirm_by: s("Tuesday 24 November 2026, 17:30"),
            cue: s("a safeguarding cue (\"unsafe\")"),
            draft: Some(3),
            can_respond: true,
            can_write: true,
            receipt: s("Sent to Jennifer Saunders <jennifer@example.test> as the Stage 1 written response."),
            regulator: s("the Information Commissioner's Office (ICO), 0303 123 1113, https://ico.org.uk/make-a-complaint/"),
            issues: s("three coaching sessions cancelled without notice"),
            outcome_sought: s("the sessions rebooked and an apology"),
            remaining: s("the sessions were still not rebooked"),
            outcome: s("partly upheld"),
            outcome_reasons: s("the sessions were cancelled without notice; the coach's illness was genuine"),
            remedy: s("the three sessions are rebooked"),
            ground: s("it was made outside the time our procedure allows"),
            escalation: false,
        }
    }
}
