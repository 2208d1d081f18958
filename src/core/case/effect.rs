//! What a step asks the caller to do: mails to queue (and to whom), deadlines
//! to set or clear, audit entries.

use super::deadline::{Deadline, DeadlineKind};
use super::template::TemplateId;
use super::vars::Vars;
use serde::{Deserialize, Serialize};

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
    pub vars: Box<Vars>,
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
    /// The deadline was met now (the acknowledgement or response went, the
    /// decision was made): clear it as [`Effect::ClearDeadline`] does, and
    /// keep its start and due date for the performance figures (a deadline
    /// cleared for another reason, a pause or a withdrawal, is not met).
    Met(Deadline),
    /// Append to the audit log.
    Audit(Audit),
    /// Write to `address` in `language` (ISO 639-1) from now on.
    SetLanguage {
        /// The contact.
        address: String,
        /// The language.
        language: String,
    },
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
