//! A complaints procedure as data: stages, deadlines, routing, and the rules
//! for consent, anonymity, assessment appeals, compliments and closing.
//!
//! Loaded from TOML (`examples/*/policy.toml`); [`Policy::validate`] reports
//! every problem with the key it is about. Roles are names ("manager",
//! "head_of_quality", "directors"); the config maps people to roles.

use super::calendar::Span;
use super::kind::{Flag, Kind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a deadline is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// When the stage's complaint (the first message, or the escalation) arrived.
    Receipt,
    /// When the stage's acknowledgement was sent.
    Acknowledgement,
}

/// "Within `within` of `from`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// How long.
    pub within: Span,
    /// Counted from.
    #[serde(default = "default_anchor")]
    pub from: Anchor,
}

fn default_anchor() -> Anchor {
    Anchor::Receipt
}

/// When a hand-off applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Every case at this stage.
    #[default]
    Always,
    /// Only when the complaint is about the stage's own handler or a manager.
    StaffSubject,
}

/// Someone who must be told, or the case passed to, within a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handoff {
    /// The role to tell or pass the case to.
    pub to: String,
    /// How long there is.
    pub within: Span,
    /// When it applies.
    #[serde(default)]
    pub when: When,
    /// Whether the case is reassigned to that role (else they are only told).
    #[serde(default)]
    pub reassign: bool,
    /// What the seed says, for the notification and the audit trail.
    pub description: String,
}

/// An external body a complainant can go to at the last stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalBody {
    /// e.g. "Department for Education (DfE) complaints team".
    pub name: String,
    /// Email address, if any.
    #[serde(default)]
    pub email: Option<String>,
    /// Telephone, if any.
    #[serde(default)]
    pub phone: Option<String>,
    /// Postal address, if any.
    #[serde(default)]
    pub address: Option<String>,
    /// Web page, if any.
    #[serde(default)]
    pub url: Option<String>,
}

/// One stage of the procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Short id used in config and audit ("stage1", "appeal").
    pub id: String,
    /// Name shown to people ("Stage 2 – Formal"), in the working language.
    pub name: String,
    /// The name in other languages, by ISO 639-1 code (`names = { cy =
    /// "Cam 2 – Ffurfiol" }`); a language without one uses `name`.
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
    /// Role that handles cases at this stage (absent only for an external stage).
    #[serde(default)]
    pub handler: Option<String>,
    /// The acknowledgement deadline. complaintd acknowledges at once; the
    /// deadline still governs a case whose acknowledgement is held.
    #[serde(default)]
    pub acknowledge: Option<Limit>,
    /// The written-response deadline.
    #[serde(default)]
    pub respond: Option<Limit>,
    /// How long after the stage response the complainant may escalate to the
    /// next stage. Absent: the seed gives no limit, so any reply escalates.
    #[serde(default)]
    pub escalation_window: Option<Span>,
    /// Role whose contact details the stage response must give (the next
    /// stage's handler or contact), or [`EXTERNAL_BODIES`] for the next
    /// (external) stage's bodies.
    #[serde(default)]
    pub response_names: Option<String>,
    /// People to tell or pass the case to, within a time.
    #[serde(default)]
    pub handoffs: Vec<Handoff>,
    /// Roles told of the outcome when the stage response is sent.
    #[serde(default)]
    pub notify_on_response: Vec<String>,
    /// The last stage: cases are referred to these external bodies.
    #[serde(default)]
    pub external_bodies: Vec<ExternalBody>,
    /// The most working days `#extend` may add at this stage in all; more
    /// needs a second, recorded reason (`#extend DATE reason beyond-cap: why`).
    #[serde(default)]
    pub max_extension: Option<Span>,
    /// This stage's response needs its outcome recorded first (overrides
    /// `[records] require_outcome`).
    #[serde(default)]
    pub require_outcome: Option<bool>,
}

/// What `response_names` says to name the next stage's external bodies
/// instead of a role's holder.
pub const EXTERNAL_BODIES: &str = "external_bodies";

impl Stage {
    /// Its name in `lang`, else the working-language name.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.name, |n| n)
    }

    /// An external stage: the organisation co-operates, it does not respond.
    pub fn is_external(&self) -> bool {
        !self.external_bodies.is_empty() && self.handler.is_none()
    }

    /// The stage response names the next stage's external bodies (not a
    /// role's holder).
    pub fn names_external_bodies(&self) -> bool {
        self.response_names.as_deref() == Some(EXTERNAL_BODIES)
    }
}

/// A routing rule: a flag changes who handles the case, or who else is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The flag that triggers the rule.
    pub flag: Flag,
    /// Role that handles the case instead of the stage's handler.
    #[serde(default)]
    pub handler: Option<String>,
    /// Roles told at once when the case opens.
    #[serde(default)]
    pub notify: Vec<String>,
}

/// Procedure-wide settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Name of the procedure, for mail and records (working language).
    pub name: String,
    /// The name in other languages, by ISO 639-1 code; a language without
    /// one uses `name`.
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
    /// Case references look like `PREFIX-2026-0042`.
    pub reference_prefix: String,
    /// Roles told when any complaint arrives.
    #[serde(default)]
    pub notify_on_new_complaint: Vec<String>,
    /// Roles alerted when a deadline is breached (besides the handler).
    #[serde(default)]
    pub breach_alert: Vec<String>,
    /// Chase the handler this long before each deadline (several allowed).
    #[serde(default)]
    pub chase_before: Vec<Span>,
    /// A handler who extends must send a delay notice before the deadline expires.
    #[serde(default = "yes")]
    pub delay_notice_required: bool,
}

impl Procedure {
    /// Its name in `lang`, else the working-language name.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.name, |n| n)
    }
}

fn yes() -> bool {
    true
}

/// Closing rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// Closing needs a "lessons learnt and changes made or recommended" record.
    #[serde(default)]
    pub require_lessons: bool,
    /// After the escalation window runs out with no reply, the case closes
    /// pending lessons learnt, and the handler is asked for them.
    #[serde(default = "yes")]
    pub close_when_window_expires: bool,
}

/// Complaints made on behalf of a learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// No investigation until the learner's written consent arrives.
    #[serde(default)]
    pub required_for_on_behalf: bool,
    /// Roles told when a case waits for consent.
    #[serde(default)]
    pub notify: Vec<String>,
}

/// Anonymous complaints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anonymous {
    /// Role that decides whether to act (absent: handled like any complaint).
    #[serde(default)]
    pub decided_by: Option<String>,
    /// The flags that make a case urgent (see [`Policy::is_urgent`]).
    /// Absent: safeguarding and health and safety.
    #[serde(default = "default_urgent_flags")]
    pub urgent_flags: Vec<Flag>,
}

fn default_urgent_flags() -> Vec<Flag> {
    vec![Flag::Safeguarding, Flag::HealthSafety]
}

impl Default for Anonymous {
    fn default() -> Self {
        Anonymous {
            decided_by: None,
            urgent_flags: default_urgent_flags(),
        }
    }
}

/// Disputes about assessment decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AssessmentAppeals {
    /// Redirect to a separate appeals procedure instead of the complaints one.
    #[serde(default)]
    pub redirect: bool,
    /// Its name, for the redirect mail.
    #[serde(default)]
    pub procedure_name: Option<String>,
    /// How to reach it (address or page).
    #[serde(default)]
    pub contact: Option<String>,
}

/// Compliments and comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    /// Thank the writer and ask permission to share (case study, social media).
    #[serde(default)]
    pub ask_permission_to_share: bool,
    /// Roles told of each one.
    #[serde(default)]
    pub notify: Vec<String>,
}

/// Triage: a person's message the classifier is unsure about (it may be a
/// complaint) opens with a neutral acknowledgement and the complaint's clock
/// running from receipt, and the handler confirms the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triage {
    /// Open unsure messages in triage (off: the best guess is taken as it is).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The handler confirms the kind (`#reclassify KIND`) within this; chased
    /// before it and alerted as a breach after it.
    #[serde(default = "one_working_day")]
    pub confirm_within: Span,
}

fn one_working_day() -> Span {
    Span::WorkingDays(1)
}

impl Default for Triage {
    fn default() -> Self {
        Triage {
            enabled: true,
            confirm_within: one_working_day(),
        }
    }
}

/// Complainants' replies: an unclear reply after a stage response (neither
/// a request to take it further nor thanks) goes to the handler to decide
/// (`#escalate` or `#no-escalate`) within `decide_unclear_within` (and by
/// the end of the escalation window, if that comes first); they are
/// chased before it like any deadline, and the escalation window does not
/// close the case while the decision is open, so the complainant is never
/// left without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replies {
    /// How long the handler has to decide on an unclear reply.
    #[serde(default = "two_working_days")]
    pub decide_unclear_within: Span,
}

fn two_working_days() -> Span {
    Span::WorkingDays(2)
}

impl Default for Replies {
    fn default() -> Self {
        Replies {
            decide_unclear_within: two_working_days(),
        }
    }
}

/// Handlers' messages to the complainant that are not the stage response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Conversation {
    /// A handler's question to the complainant (the "Ask" link, or ASK to a
    /// draft) pauses the stage's response clock until the complainant
    /// answers; the working days left then are given back from the answer.
    /// Off (the default): the response date stays where it is.
    #[serde(default)]
    pub question_pauses_clock: bool,
}

/// How long after the events a complaint may be raised ("12 months",
/// "1 year"), in whole months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months(pub u32);

impl std::fmt::Display for Months {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} months", self.0)
    }
}

impl std::str::FromStr for Months {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        let (n, unit) = t.split_once(char::is_whitespace).unwrap_or((&t, ""));
        let n: u32 = n
            .parse()
            .map_err(|_| format!("cannot read {s:?}: write e.g. \"12 months\" or \"1 year\""))?;
        match unit.trim() {
            "month" | "months" => Ok(Months(n)),
            "year" | "years" => Ok(Months(n * 12)),
            _ => Err(format!(
                "cannot read {s:?}: write e.g. \"12 months\" or \"1 year\""
            )),
        }
    }
}

impl Serialize for Months {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Months {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What the complaint-handling codes ask to be recorded and enforced
/// (issue 16). Everything is off unless set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Records {
    /// A stage response cannot go until its outcome is recorded
    /// (`#outcome upheld|partly-upheld|not-upheld|resolved|withdrawn: reasons`).
    #[serde(default)]
    pub require_outcome: bool,
    /// A stage's handler may not be someone who handled an earlier stage of
    /// the same case: `#assign` is refused, and an escalation that would
    /// pick them is left unassigned for a decision.
    #[serde(default)]
    pub independent_stages: bool,
    /// The complainant is told when a remedy is done (`#remedy-done N`).
    #[serde(default)]
    pub tell_complainant_remedy_done: bool,
    /// A delay notice names the external body the complainant may go to.
    #[serde(default)]
    pub extension_names_external_body: bool,
    /// How long after the events a complaint may be raised; a complaint whose
    /// text says its events are older is flagged for the handler's decision.
    #[serde(default)]
    pub raise_within: Option<Months>,
}

/// Retention of closed cases (issue 16 item 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// How long after closing a case is anonymised (`"6 years"`, the
    /// default; `"18 months"`; `"90 days"`). Cases on legal hold are kept.
    #[serde(default)]
    pub period: crate::core::retention::Period,
}

/// Complaints about the use of someone's personal data (issue 16 item 8;
/// the Data (Use and Access) Act 2025's complaints duty): their own
/// acknowledgement limit, progress updates, and the regulator named in
/// every response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataProtection {
    /// The limit for acknowledging one, counted from the day after receipt
    /// (default `"30 calendar days"`). complaintd acknowledges at once; the
    /// limit is recorded, and a late `#data-protection` says it was missed.
    #[serde(default = "thirty_calendar_days")]
    pub acknowledge_within: Span,
    /// How often the complainant is told how it is going while it is open
    /// (default `"30 calendar days"`).
    #[serde(default = "thirty_calendar_days")]
    pub update_every: Span,
    /// Who they may complain to (default: the Information Commissioner's Office).
    #[serde(default = "ico")]
    pub regulator: ExternalBody,
}

fn thirty_calendar_days() -> Span {
    Span::CalendarDays(30)
}

/// The Information Commissioner's Office, as its complaints pages give it.
/// The built-in data-protection regulator's name, as English letters
/// write it (a Welsh letter gives its Welsh name: `locale::regulator_name`).
pub const ICO_NAME: &str = "the Information Commissioner's Office (ICO)";

fn ico() -> ExternalBody {
    ExternalBody {
        name: ICO_NAME.into(),
        email: None,
        phone: Some("0303 123 1113".into()),
        address: None,
        url: Some("https://ico.org.uk/make-a-complaint/".into()),
    }
}

impl Default for DataProtection {
    fn default() -> Self {
        DataProtection {
            acknowledge_within: thirty_calendar_days(),
            update_every: thirty_calendar_days(),
            regulator: ico(),
        }
    }
}

/// The satisfaction survey (issue 16 item 9): off unless enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyPolicy {
    /// Send one short survey about how the complaint was handled after a
    /// complaint closes (default false).
    #[serde(default)]
    pub enabled: bool,
    /// How long after closing it goes (default `"1 working day"`: apart
    /// from the outcome, never with it).
    #[serde(default = "one_working_day")]
    pub after: Span,
}

impl Default for SurveyPolicy {
    fn default() -> Self {
        SurveyPolicy {
            enabled: false,
            after: one_working_day(),
        }
    }
}

/// A whole procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Procedure-wide settings.
    pub procedure: Procedure,
    /// The stages in order.
    #[serde(rename = "stage")]
    pub stages: Vec<Stage>,
    /// Routing rules by flag.
    #[serde(default, rename = "route")]
    pub routes: Vec<Route>,
    /// Closing rules.
    #[serde(default)]
    pub closing: Closing,
    /// Consent for on-behalf complaints.
    #[serde(default)]
    pub consent: Consent,
    /// Anonymous complaints.
    #[serde(default)]
    pub anonymous: Anonymous,
    /// Assessment appeals.
    #[serde(default)]
    pub assessment_appeals: AssessmentAppeals,
    /// Compliments.
    #[serde(default)]
    pub compliments: Feedback,
    /// Comments.
    #[serde(default)]
    pub comments: Feedback,
    /// Unsure messages (recall first).
    #[serde(default)]
    pub triage: Triage,
    /// Complainants' replies.
    #[serde(default)]
    pub replies: Replies,
    /// Handlers' questions and updates to the complainant.
    #[serde(default)]
    pub conversation: Conversation,
    /// Records and limits the complaint-handling codes ask for.
    #[serde(default)]
    pub records: Records,
    /// How long closed cases are kept before they are anonymised.
    #[serde(default)]
    pub retention: Retention,
    /// Complaints about the use of someone's personal data.
    #[serde(default)]
    pub data_protection: DataProtection,
    /// The satisfaction survey after closing.
    #[serde(default)]
    pub survey: SurveyPolicy,
}

/// One problem found in a policy: which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path, e.g. `stage[2].respond.within`.
    pub key: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Policy {
    /// A case with these flags is urgent: nothing waits for anyone. An
    /// anonymous complaint's decision is asked at once and marked urgent;
    /// an on-behalf complaint's investigation starts while the learner's
    /// consent is asked for. The flags are `[anonymous] urgent_flags`.
    pub fn is_urgent(&self, flags: &BTreeSet<Flag>) -> bool {
        self.anonymous
            .urgent_flags
            .iter()
            .any(|f| flags.contains(f))
    }

    /// Parse TOML text.
    pub fn from_toml(text: &str) -> Result<Policy, toml::de::Error> {
        toml::from_str(text)
    }

    /// Every role the policy names, with the key naming it.
    pub fn roles(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut add = |key: String, r: &str| out.push((key, r.to_string()));
        for r in &self.procedure.notify_on_new_complaint {
            add("procedure.notify_on_new_complaint".into(), r);
        }
        for r in &self.procedure.breach_alert {
            add("procedure.breach_alert".into(), r);
        }
        for (i, s) in self.stages.iter().enumerate() {
            if let Some(h) = &s.handler {
                add(format!("stage[{i}].handler"), h);
            }
            if let Some(h) = &s.response_names {
                add(format!("stage[{i}].response_names"), h);
            }
            for (j, h) in s.handoffs.iter().enumerate() {
                add(format!("stage[{i}].handoffs[{j}].to"), &h.to);
            }
            for r in &s.notify_on_response {
                add(format!("stage[{i}].notify_on_response"), r);
            }
        }
        for (i, r) in self.routes.iter().enumerate() {
            if let Some(h) = &r.handler {
                add(format!("route[{i}].handler"), h);
            }
            for n in &r.notify {
                add(format!("route[{i}].notify"), n);
            }
        }
        for r in &self.consent.notify {
            add("consent.notify".into(), r);
        }
        if let Some(r) = &self.anonymous.decided_by {
            add("anonymous.decided_by".into(), r);
        }
        for r in &self.compliments.notify {
            add("compliments.notify".into(), r);
        }
        for r in &self.comments.notify {
            add("comments.notify".into(), r);
        }
        out
    }

    /// Check the policy's internal consistency.
    pub fn validate(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        let mut problem = |key: &str, message: String| {
            p.push(Problem {
                key: key.to_string(),
                message,
            })
        };
        if self.stages.is_empty() {
            problem("stage", "a procedure needs at least one stage".into());
        }
        let prefix = &self.procedure.reference_prefix;
        if prefix.is_empty()
            || prefix.len() > 8
            || !prefix
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            problem(
                "procedure.reference_prefix",
                format!("{prefix:?} must be 1–8 capital letters or digits (it goes into subjects and addresses)"),
            );
        }
        let mut ids = BTreeSet::new();
        let last = self.stages.len().saturating_sub(1);
        for (i, s) in self.stages.iter().enumerate() {
            let key = format!("stage[{i}]");
            if let Some(m) = s.max_extension {
                if !matches!(m, Span::WorkingDays(_)) {
                    problem(
                        &format!("{key}.max_extension"),
                        format!("{m} must be a number of working days, e.g. \"10 working days\""),
                    );
                }
            }
            if !ids.insert(s.id.clone()) {
                problem(
                    &format!("{key}.id"),
                    format!("stage id {:?} is used twice", s.id),
                );
            }
            if s.id.is_empty()
                || !s
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                problem(
                    &format!("{key}.id"),
                    format!("{:?}: use letters, digits, - and _", s.id),
                );
            }
            if s.handler.is_none() && s.external_bodies.is_empty() {
                problem(
                    &format!("{key}.handler"),
                    "a stage needs a handler role, or external_bodies if it is an external referral".into(),
                );
            }
            if s.handler.is_some() && s.respond.is_none() {
                problem(
                    &format!("{key}.respond"),
                    "a handled stage needs a response deadline".into(),
                );
            }
            if s.is_external() && i != last {
                problem(&key, "an external stage must be the last one".into());
            }
            if i == 0 && s.is_external() {
                problem(&key, "the first stage cannot be external".into());
            }
            if let Some(r) = &s.respond {
                if r.from == Anchor::Acknowledgement && s.acknowledge.is_none() {
                    problem(
                        &format!("{key}.respond.from"),
                        "counts from the acknowledgement, but the stage has no acknowledge deadline".into(),
                    );
                }
            }
        }
        for (i, r) in self.routes.iter().enumerate() {
            if r.handler.is_none() && r.notify.is_empty() {
                problem(
                    &format!("route[{i}]"),
                    format!(
                        "the rule for {} neither assigns a handler nor notifies anyone",
                        r.flag
                    ),
                );
            }
        }
        if self.triage.enabled
            && matches!(
                self.triage.confirm_within,
                Span::WorkingDays(0) | Span::Hours(0) | Span::WorkingHours(0)
            )
        {
            problem(
                "triage.confirm_within",
                "must give the handler some time to confirm the kind (e.g. \"1 working day\")"
                    .into(),
            );
        }
        if matches!(
            self.replies.decide_unclear_within,
            Span::WorkingDays(0) | Span::Hours(0) | Span::WorkingHours(0)
        ) {
            problem(
                "replies.decide_unclear_within",
                "must give the handler some time to decide on an unclear reply (e.g. \"2 working days\")"
                    .into(),
            );
        }
        if self.triage.enabled && self.stages.first().is_none_or(|s| s.respond.is_none()) {
            problem(
                "triage.enabled",
                "triage counts the first stage's response deadline from receipt, but stage[0] has none".into(),
            );
        }
        if self.assessment_appeals.redirect && self.assessment_appeals.contact.is_none() {
            problem(
                "assessment_appeals.contact",
                "redirecting appeals needs the appeals procedure's contact".into(),
            );
        }
        p
    }

    /// The stage at `index`, if any.
    pub fn stage(&self, index: usize) -> Option<&Stage> {
        self.stages.get(index)
    }

    /// The routing rules that apply to these flags, in policy order.
    pub fn routes_for<'a>(
        &'a self,
        flags: &'a BTreeSet<Flag>,
    ) -> impl Iterator<Item = &'a Route> + 'a {
        self.routes.iter().filter(move |r| flags.contains(&r.flag))
    }

    /// Does a kind open a case that follows the stages?
    pub fn is_procedural(kind: Kind) -> bool {
        kind == Kind::Complaint
    }
}

#[cfg(test)]
mod records_tests {
    use super::{Months, Policy};

    fn provider_b(extra_stage1: &str, records: &str) -> Result<Policy, toml::de::Error> {
        let text = include_str!("../../examples/provider-b/policy.toml").replacen(
            "name = \"Stage 1\"\n",
            &format!("name = \"Stage 1\"\n{extra_stage1}\n"),
            1,
        );
        Policy::from_toml(&format!("{text}\n[records]\n{records}\n"))
    }

    #[test]
    fn records_keys_are_read_and_checked() {
        let p = provider_b(
            "max_extension = \"12 hours\"",
            "require_outcome = true\nraise_within = \"1 year\"",
        )
        .expect("parses");
        assert!(p.records.require_outcome && !p.records.independent_stages);
        assert_eq!(p.records.raise_within, Some(Months(12)));
        let problems = p.validate();
        assert!(
            problems.iter().any(|x| x.key == "stage[0].max_extension"),
            "{problems:?}"
        );
        assert!(provider_b("", "raise_within = \"soon\"").is_err());
        assert!(provider_b("", "require_outcomes = true").is_err());
        assert_eq!("6 months".parse::<Months>(), Ok(Months(6)));
    }
}
