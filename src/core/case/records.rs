//! The records the complaint-handling codes ask for (issue 16): what the
//! complaint is about and what the complainant wants, the outcome of each
//! stage with its reasons, remedies followed to completion, extensions,
//! refusals, a late complaint's decision, and who handled each stage. Kept
//! in the case (its JSON), shown by `cases show` and `cases export`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// All of a case's records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Records {
    /// What the complaint is about and what the complainant wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Definition>,
    /// The points that remain at each escalation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remaining: Vec<Remaining>,
    /// The outcome of each stage (one per stage; replaced until it is sent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<StageOutcome>,
    /// Remedies, numbered from 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remedies: Vec<Remedy>,
    /// Extensions of the response date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// Refusals to accept or escalate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<Refusal>,
    /// The complaint reads as older than the policy allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late: Option<Late>,
    /// Who handled each stage (the handler when its response went).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_handlers: Vec<StageHandler>,
}

/// `#define issues: …; outcome sought: …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// What the complaint is about.
    pub issues: String,
    /// What the complainant wants.
    pub outcome_sought: Option<String>,
    /// Who recorded it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The points that remain when a case moves to a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remaining {
    /// The stage index they are for.
    pub stage: usize,
    /// The points, in the complainant's words or the handler's.
    pub points: String,
    /// Who: `complainant` (their escalation text) or a handler's address.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// How a stage ended for the complainant. Stored by its kebab-case name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Outcome {
    /// The complaint was found to be justified.
    Upheld,
    /// Some of it was.
    PartlyUpheld,
    /// None of it was.
    NotUpheld,
    /// Settled without a finding.
    Resolved,
    /// The complainant withdrew it.
    Withdrawn,
}

impl Outcome {
    /// The stored name (`partly-upheld`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// In words for a letter ("partly upheld").
    pub fn words(self) -> String {
        self.as_str().replace('-', " ")
    }
}

/// The outcome of one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageOutcome {
    /// The stage index.
    pub stage: usize,
    /// The outcome.
    pub outcome: Outcome,
    /// Why.
    pub reasons: String,
    /// Who recorded it.
    pub by: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// When the stage response carrying it went (until then it may be replaced).
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// A kind of remedy. Stored by its kebab-case name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RemedyKind {
    /// An apology.
    Apology,
    /// An explanation.
    Explanation,
    /// A record put right.
    CorrectedRecord,
    /// A refund or a payment.
    Refund,
    /// A decision changed.
    ChangedDecision,
    /// A policy or process changed.
    PolicyChange,
}

impl RemedyKind {
    /// The stored name (`corrected-record`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A remedy and whether it was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remedy {
    /// Its number on the case (1, 2, …).
    pub number: u32,
    /// What kind.
    pub kind: RemedyKind,
    /// Who must do it: an address or a role.
    pub owner: String,
    /// The date it is due.
    pub due: NaiveDate,
    /// What it is.
    pub description: String,
    /// Who recorded it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// When it was done, and by whom.
    #[serde(default)]
    pub done: Option<(DateTime<Utc>, String)>,
    /// Its owner and handler were told it is overdue.
    #[serde(default)]
    pub alerted: bool,
}

/// An extension of the response date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The stage index.
    pub stage: usize,
    /// The new date.
    pub until: NaiveDate,
    /// The reason the complainant was given.
    pub reason: String,
    /// Working days added by this extension.
    pub working_days: u32,
    /// Working days added at this stage in all, this one included.
    pub total_working_days: u32,
    /// Past the stage's cap: the second reason the handler recorded.
    #[serde(default)]
    pub beyond_cap: Option<String>,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a complaint or an escalation was refused. Stored by kebab-case name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RefusalGround {
    /// Raised or escalated too late.
    OutOfTime,
    /// Answered already at this stage or before.
    AlreadyAnswered,
    /// Not a complaint under the procedure.
    NotAComplaint,
}

impl RefusalGround {
    /// The stored name (`out-of-time`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// In words for a letter.
    pub fn words(self) -> &'static str {
        match self {
            RefusalGround::OutOfTime => "it was made outside the time our procedure allows",
            RefusalGround::AlreadyAnswered => "it has already been answered",
            RefusalGround::NotAComplaint => "it is not a complaint our procedure covers",
        }
    }
}

/// A refusal to accept or escalate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The stage index when refused.
    pub stage: usize,
    /// Accepting (`false`) or escalating (`true`) was refused.
    pub escalation: bool,
    /// The ground.
    pub ground: RefusalGround,
    /// The reason in the handler's words.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A complaint whose text says its events are older than the policy allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Late {
    /// What in the text said so ("in March 2024").
    pub evidence: String,
    /// The policy's limit, as written ("12 months").
    pub limit: String,
    /// The handler's decision: accepted (`#accept-late`) or refused (`#refuse`).
    #[serde(default)]
    pub decision: Option<LateDecision>,
}

/// The handler's decision on a late complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateDecision {
    /// Accepted despite its age.
    pub accepted: bool,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Who handled a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageHandler {
    /// The stage index.
    pub stage: usize,
    /// Their address.
    pub handler: String,
}

impl Records {
    /// The recorded outcome of `stage`, if any.
    pub fn outcome(&self, stage: usize) -> Option<&StageOutcome> {
        self.outcomes.iter().find(|o| o.stage == stage)
    }

    /// Remedies not yet done.
    pub fn outstanding(&self) -> impl Iterator<Item = &Remedy> {
        self.remedies.iter().filter(|r| r.done.is_none())
    }

    /// Did `who` handle a stage before `stage`?
    pub fn handled_earlier(&self, who: &str, stage: usize) -> Option<usize> {
        self.stage_handlers
            .iter()
            .find(|h| h.stage < stage && h.handler.eq_ignore_ascii_case(who))
            .map(|h| h.stage)
    }

    /// The records as lines for `cases show` and the exported case record;
    /// `stage` names a stage index, `at` writes a time, values from outside
    /// pass through `clean` (one line each, so none can forge a line).
    pub fn lines(
        &self,
        stage: &dyn Fn(usize) -> String,
        at: &dyn Fn(DateTime<Utc>) -> String,
        clean: &dyn Fn(&str) -> String,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = &self.definition {
            out.push(format!("Complaint about: {}", clean(&d.issues)));
            out.push(format!(
                "Outcome sought: {}",
                clean(d.outcome_sought.as_deref().unwrap_or("not recorded"))
            ));
        }
        for r in &self.remaining {
            out.push(format!(
                "Points remaining at {}: {} (recorded by {})",
                stage(r.stage),
                clean(&r.points),
                clean(&r.by)
            ));
        }
        if let Some(l) = &self.late {
            let decision = match &l.decision {
                None => "waiting for the handler's decision".to_string(),
                Some(d) => format!(
                    "{} by {} on {}: {}",
                    if d.accepted { "accepted" } else { "refused" },
                    clean(&d.by),
                    at(d.at),
                    clean(&d.reason)
                ),
            };
            out.push(format!(
                "Late complaint (limit {}; the text says {:?}): {decision}",
                l.limit,
                clean(&l.evidence)
            ));
        }
        for h in &self.stage_handlers {
            out.push(format!("Handled {}: {}", stage(h.stage), clean(&h.handler)));
        }
        for e in &self.extensions {
            out.push(format!(
                "Extension at {}: to {} (+{} working days, {} in all) by {} on {}: {}{}",
                stage(e.stage),
                e.until,
                e.working_days,
                e.total_working_days,
                clean(&e.by),
                at(e.at),
                clean(&e.reason),
                e.beyond_cap
                    .as_deref()
                    .map(|r| format!("; BEYOND THE CAP: {}", clean(r)))
                    .unwrap_or_default()
            ));
        }
        for o in &self.outcomes {
            out.push(format!(
                "Outcome of {}: {} ({}, by {}): {}",
                stage(o.stage),
                o.outcome.as_str(),
                match o.sent_at {
                    Some(t) => format!("sent {}", at(t)),
                    None => "not sent yet".into(),
                },
                clean(&o.by),
                clean(&o.reasons)
            ));
        }
        for r in &self.remedies {
            out.push(format!(
                "Remedy {}: {} owner {} due {}: {} ({})",
                r.number,
                r.kind.as_str(),
                clean(&r.owner),
                r.due,
                clean(&r.description),
                match &r.done {
                    Some((t, by)) => format!("done {} by {}", at(*t), clean(by)),
                    None => "outstanding".into(),
                }
            ));
        }
        for r in &self.refusals {
            out.push(format!(
                "Refused to {} at {}: {} (by {} on {}): {}",
                if r.escalation { "escalate" } else { "accept" },
                stage(r.stage),
                r.ground.as_str(),
                clean(&r.by),
                at(r.at),
                clean(&r.reason)
            ));
        }
        out
    }
}
