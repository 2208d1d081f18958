//! What a message is ([`Kind`]) and the flags that change how the procedure
//! runs its case ([`Flag`]). Their own module because both the classifier
//! and the screening of machine mail produce them, and the case machine,
//! the policy and the commands read them.
//!
//! Each name is spelled once, by the derives: `as_str`, `Display` and
//! `FromStr` (strum) and JSON (serde) all use the snake_case of the variant,
//! which is what the database and the golden files hold.

use serde::{Deserialize, Serialize};

/// What kind of message this is: the four kinds of the procedure (complaint,
/// compliment, comment, other) plus the three machine kinds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownName,
    parse_err_fn = unknown_kind
)]
pub enum Kind {
    /// An expression of dissatisfaction that requires a response.
    Complaint,
    /// Praise.
    Compliment,
    /// A suggestion.
    Comment,
    /// Anything else from a person: an enquiry, a request, spam.
    Other,
    /// An automatic reply (out of office, auto-acknowledgement, read receipt).
    #[strum(to_string = "auto_reply", serialize = "auto-reply")]
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// Bulk, list or marketing mail.
    Bulk,
}

impl Kind {
    /// The label used in JSON, config and the database.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Machine mail: never opens a case, never answered.
    pub fn is_machine(self) -> bool {
        matches!(self, Kind::AutoReply | Kind::Bounce | Kind::Bulk)
    }
}

/// Error for an unknown kind or flag name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} {name:?}")]
pub struct UnknownName {
    /// "kind" or "flag".
    pub what: &'static str,
    /// What was given.
    pub name: String,
}

fn unknown_kind(name: &str) -> UnknownName {
    UnknownName {
        what: "kind",
        name: name.to_string(),
    }
}

fn unknown_flag(name: &str) -> UnknownName {
    UnknownName {
        what: "flag",
        name: name.to_string(),
    }
}

/// Flags that change how the procedure runs a case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownName,
    parse_err_fn = unknown_flag
)]
pub enum Flag {
    /// A risk to a learner's or anyone's welfare: goes to the head of quality at once.
    Safeguarding,
    /// A health and safety risk.
    #[strum(to_string = "health_safety", serialize = "health-safety")]
    HealthSafety,
    /// The writer withholds their identity: held for a director's decision.
    Anonymous,
    /// Written on behalf of a learner (parent, employer): needs the learner's consent.
    #[strum(to_string = "on_behalf", serialize = "on-behalf")]
    OnBehalf,
    /// Disputes an assessment decision: redirected to the appeals procedure.
    #[strum(to_string = "assessment_appeal", serialize = "assessment-appeal")]
    AssessmentAppeal,
    /// About subcontracted provision: goes to the head of contracts.
    Subcontractor,
    /// About the complaint handler or a manager: must go to someone else.
    #[strum(to_string = "staff_subject", serialize = "staff-subject")]
    StaffSubject,
    /// About Welsh-language provision (no Welsh-speaking assessor, an
    /// assessment or letter not offered in Welsh): the Welsh Language
    /// Standards ask for these to be reported. Routes like any flag; it
    /// changes nothing else in the procedure.
    #[strum(to_string = "welsh_language", serialize = "welsh-language")]
    WelshLanguage,
}

impl Flag {
    /// The label used in JSON, config and the database.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A hazard to someone (safeguarding, health and safety), as against a
    /// flag that says who writes or how a complaint is run: read on more
    /// kinds of message, alerted at once wherever it is found, and a new
    /// one is a new matter.
    pub fn is_hazard(self) -> bool {
        matches!(self, Flag::Safeguarding | Flag::HealthSafety)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// The derives spell each name as the stored snake_case, and parsing
    /// takes it back, whatever the case and with `-` for `_` (how a handler
    /// may type `#reclassify`).
    #[test]
    fn names_round_trip_and_match_serde() {
        for k in Kind::iter() {
            let json = serde_json::to_string(&k).expect("json");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
            assert_eq!(k.as_str().to_uppercase().parse::<Kind>(), Ok(k));
            assert_eq!(k.as_str().replace('_', "-").parse::<Kind>(), Ok(k));
        }
        for f in Flag::iter() {
            let json = serde_json::to_string(&f).expect("json");
            assert_eq!(json, format!("\"{}\"", f.as_str()));
            assert_eq!(f.to_string(), f.as_str());
            assert_eq!(f.as_str().parse::<Flag>(), Ok(f));
            assert_eq!(f.as_str().replace('_', "-").parse::<Flag>(), Ok(f));
        }
        assert_eq!(Kind::AutoReply.as_str(), "auto_reply");
        assert_eq!(Flag::HealthSafety.as_str(), "health_safety");
        assert_eq!(Flag::WelshLanguage.as_str(), "welsh_language");
        assert_eq!(
            "spam".parse::<Kind>(),
            Err(UnknownName {
                what: "kind",
                name: "spam".into()
            })
        );
        assert_eq!("nope".parse::<Flag>().map_err(|e| e.what), Err("flag"));
    }
}
