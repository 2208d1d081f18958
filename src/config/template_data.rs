//! What templates are rendered with: one `Serialize` type per family of
//! templates. [`CaseMail`] for every mail about a case (built in
//! `work::effects`), [`DigestMail`] for the directors' digest (built in
//! `work::digest`). `complaintd check` renders each template with the
//! `sample()` of its family, so a template that uses a name the type does
//! not have fails the check instead of rendering as empty at send time.
//!
//! Adding a variable the state machine decides: a field of
//! `core::case::Vars` (and its `sample()`), set where the core builds the
//! mail, used in the `.hbs` file. A variable of the edge's (like `held`): a
//! field here and in `sample()`, set where the type is built.

use crate::core::case::TemplateId;
use serde::Serialize;

/// The organisation, as mail shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    /// Its name.
    pub name: String,
    /// Its phone number, or empty.
    pub phone: String,
    /// The address people write to.
    pub reply_address: String,
}

/// The procedure the case runs under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    /// Its name.
    pub name: String,
}

/// The case, its facts written out for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseFacts {
    /// `PREFIX-YYYY-NNNN`.
    pub reference: String,
    /// complaint, compliment, comment…
    pub kind: String,
    /// Its state's stored name.
    pub state: String,
    /// The current stage's name, or empty.
    pub stage_name: String,
    /// When the written response is due (local time), or empty.
    pub due: String,
    /// When it was opened (local time).
    pub opened: String,
    /// Its flags, comma-separated, or empty.
    pub flags: String,
    /// For staff: the language the complainant writes in and is answered
    /// in ("Welsh"), or empty when the organisation corresponds in one
    /// language only.
    pub language: String,
    /// For staff: no language is known yet, so the complainant is written
    /// to in every language of the organisation.
    pub bilingual: bool,
}

/// What the organisation's languages mean for a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Languages {
    /// The organisation corresponds in Welsh: complainant mail says that
    /// correspondence in Welsh is welcome.
    pub welsh_welcome: bool,
    /// The organisation corresponds in more than one language.
    pub several: bool,
    /// Their codes, for staff ("cy, en").
    pub codes: String,
}

/// A person: a name to address them by and their address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The name to use ("Sir or Madam" or "the complaints team" when none).
    pub name: String,
    /// Their address, or empty.
    pub address: String,
}

/// A contact for the next stage (an external body, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Its name.
    pub name: String,
    /// Email, or empty.
    pub email: String,
    /// Phone, or empty.
    pub phone: String,
    /// Postal address, or empty.
    pub address: String,
    /// Web address, or empty.
    pub url: String,
}

/// One-click `mailto:` links in mail to staff (empty in mail to anyone
/// else): each opens a new message to the case's plus-address with the
/// reader's token and an intent (`core::handler_intent`), a subject and a
/// short hint in the body, which is removed from what they send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Links {
    /// Send the formal stage response.
    pub respond: String,
    /// Ask the complainant a question (not the response).
    pub ask: String,
    /// Write to the complainant (an update, not the response).
    pub write: String,
    /// An internal note.
    pub note: String,
    /// Send the draft a confirmation is about as the formal response.
    pub draft_respond: String,
    /// Send that draft as a question.
    pub draft_ask: String,
    /// Send that draft as a message.
    pub draft_write: String,
    /// The policy pauses the response clock for a question.
    pub question_pauses: bool,
    /// How many days a draft can be confirmed for.
    pub draft_days: i64,
}

/// The variables of one mail: what the state machine decided for it, and
/// what the edge adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vars {
    /// The state machine's variables for this mail (the stage, a reason, a
    /// new date, whether to greet…).
    #[serde(flatten)]
    pub decided: crate::core::case::Vars,
    /// Mail to outside recipients that a flood limit held back in the same
    /// transition ("acknowledgement to jo@…"), told to staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    /// How long the complainant has to escalate, in the mail's language
    /// ("10 working days").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_window: Option<String>,
    /// The new deadline, written out in the mail's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_date: Option<String>,
    /// When a triaged case's kind must be confirmed by, written out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
}

/// Every mail about a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseMail {
    /// The organisation.
    pub org: Org,
    /// The procedure.
    pub procedure: Procedure,
    /// The case.
    pub case: CaseFacts,
    /// The complainant.
    pub complainant: Person,
    /// The handler.
    pub handler: Person,
    /// The handler token of this mail; empty in mail to anyone but staff.
    pub token: String,
    /// The words the mail quotes or relays.
    pub text: String,
    /// Contacts for the next stage.
    pub contacts: Vec<Contact>,
    /// This mail's variables.
    pub vars: Vars,
    /// One-click links (mail to staff only).
    pub links: Links,
    /// The organisation's languages.
    pub languages: Languages,
}

/// One titled list of the digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestSection {
    /// Heading.
    pub title: String,
    /// Lines.
    pub lines: Vec<String>,
    /// Part of "needs action today" at the top (breaches, what is due,
    /// triage and decisions waiting, sign-in failures), not the routine lists.
    pub action: bool,
    /// Something is wrong now (a breach, a sign-in failure): the HTML part
    /// marks it red. Only set on a section that has lines.
    pub alarm: bool,
}

/// One row of the month's figures: this month so far and the same days of
/// the month before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestFigure {
    /// What is counted.
    pub label: String,
    /// This month so far.
    pub current: String,
    /// The same days of last month.
    pub previous: String,
    /// A part of the row above (a kind, a stage): indented.
    pub sub: bool,
}

/// This month so far against the same days of the month before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestMonth {
    /// Heading ("This month so far: 1–24 November against 1–24 October").
    pub title: String,
    /// Column heading of this month ("1–24 Nov").
    pub this_label: String,
    /// Column heading of the month before ("1–24 Oct").
    pub last_label: String,
    /// The rows.
    pub rows: Vec<DigestFigure>,
    /// The rows as aligned plain-text lines, for the text part.
    pub text: Vec<String>,
    /// What the figures count, under the table.
    pub note: String,
}

/// The digest's chart, attached inline (`cid:`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestChart {
    /// Its Content-ID: the HTML part shows `cid:` this.
    pub cid: String,
    /// Its alt text: the same figures in words, for readers whose client
    /// blocks images and for screen readers.
    pub alt: String,
    /// Heading above it.
    pub title: String,
    /// Width in pixels (Outlook needs it on the tag).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The digest itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestFacts {
    /// The local date it is for, written out.
    pub date: String,
    /// Its sections, in order: those needing action first.
    pub sections: Vec<DigestSection>,
    /// How many cases and accounts need action today (the sum of the
    /// action sections' counts).
    pub action_count: usize,
    /// This month so far against last month (absent for an organisation
    /// whose templates do not show it).
    pub month: Option<DigestMonth>,
    /// The chart of the last weeks.
    pub chart: Option<DigestChart>,
}

/// The directors' daily digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestMail {
    /// The organisation.
    pub org: Org,
    /// The digest.
    pub digest: DigestFacts,
}

impl Org {
    /// The organisation of the config.
    pub fn of(o: &crate::config::Organisation) -> Org {
        Org {
            name: o.name.clone(),
            phone: o.phone.clone().unwrap_or_default(),
            reply_address: o.reply_address.clone(),
        }
    }

    /// Sample data for `check`.
    pub fn sample() -> Org {
        Org {
            name: "Example Training Ltd".into(),
            phone: "029 2000 0000".into(),
            reply_address: "complaints@example.test".into(),
        }
    }
}

impl CaseMail {
    /// Data with every field set, for `check` and previews.
    pub fn sample() -> CaseMail {
        CaseMail {
            org: Org::sample(),
            procedure: Procedure {
                name: "Complaints, Compliments and Comments Procedure".into(),
            },
            case: CaseFacts {
                reference: "CMP-2026-0042".into(),
                kind: "complaint".into(),
                state: "open".into(),
                stage_name: "Stage 1".into(),
                due: "Friday 27 November 2026, 17:00".into(),
                opened: "Monday 23 November 2026, 10:15".into(),
                flags: "safeguarding".into(),
                language: "Welsh".into(),
                bilingual: true,
            },
            complainant: Person {
                name: "Jennifer Saunders".into(),
                address: "jennifer@example.test".into(),
            },
            handler: Person {
                name: "Rhian Price".into(),
                address: "rhian@example.test".into(),
            },
            token: "0123456789abcdef".into(),
            text: "The text a person wrote <with> & characters.".into(),
            contacts: vec![Contact {
                name: "Gareth Owen".into(),
                email: "gareth@example.test".into(),
                phone: "029 2000 0001".into(),
                address: String::new(),
                url: String::new(),
            }],
            vars: Vars {
                decided: crate::core::case::Vars::sample(),
                held: Some("acknowledgement to jennifer@example.test".into()),
                escalation_window: Some("10 working days".into()),
                new_date: Some("Thursday 10 December 2026".into()),
                confirm_by: Some("Tuesday 24 November 2026, 17:30".into()),
            },
            links: Links {
                respond: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.send@example.test?subject=%5BCMP-2026-0042%5D".into(),
                ask: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.ask@example.test".into(),
                write: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.write@example.test".into(),
                note: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.note@example.test".into(),
                draft_respond: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.send-3@example.test".into(),
                draft_ask: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.ask-3@example.test".into(),
                draft_write: "mailto:complaints+CMP-2026-0042.t0123456789abcdef.write-3@example.test".into(),
                question_pauses: true,
                draft_days: 14,
            },
            languages: Languages {
                welsh_welcome: true,
                several: true,
                codes: "cy, en".into(),
            },
        }
    }
}

impl DigestMail {
    /// Data with every field set, for `check` and previews.
    pub fn sample() -> DigestMail {
        DigestMail {
            org: Org::sample(),
            digest: DigestFacts {
                date: "Monday 23 November 2026".into(),
                sections: vec![
                    DigestSection {
                        title: "Breached".into(),
                        lines: vec![
                            "CMP-2026-0040 response was due Fri 20 Nov 17:00; held by Rhian Price since Mon 9 Nov 10:15".into(),
                        ],
                        action: true,
                        alarm: true,
                    },
                    DigestSection {
                        title: "New in the last 24 hours".into(),
                        lines: vec!["CMP-2026-0042 complaint".into()],
                        action: false,
                        alarm: false,
                    },
                ],
                action_count: 1,
                month: Some(DigestMonth {
                    title: "This month so far: 1–23 November against 1–23 October".into(),
                    this_label: "1–23 Nov".into(),
                    last_label: "1–23 Oct".into(),
                    rows: vec![DigestFigure {
                        label: "Complaints received".into(),
                        current: "12".into(),
                        previous: "9".into(),
                        sub: false,
                    }],
                    text: vec!["Complaints received     12     9".into()],
                    note: "Open cases are counted now.".into(),
                }),
                chart: Some(DigestChart {
                    cid: "chart.digest@example.test".into(),
                    alt: "Cases received per week: 3, 4, 5.".into(),
                    title: "The last 12 weeks".into(),
                    width: 600,
                    height: 260,
                }),
            },
        }
    }
}

/// The sample data of `id`'s family, for `check`.
pub fn sample(id: TemplateId) -> serde_json::Value {
    let data = match id {
        TemplateId::DailyDigest => serde_json::to_value(DigestMail::sample()),
        _ => serde_json::to_value(CaseMail::sample()),
    };
    // Plain structs of strings, lists and flags always serialise.
    data.unwrap_or_default()
}
