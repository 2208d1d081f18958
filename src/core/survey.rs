//! Satisfaction with the handling (issue 16 item 9): after a complaint is
//! closed, one short survey mail asks how it was handled (not about the
//! outcome); the reply is read for a score of 1 to 5 or satisfied / not
//! satisfied and a comment, recorded on the case and counted by
//! `complaintd survey`. It never reopens or escalates the case. Nobody
//! anonymous, no machine address and nobody who opted out is asked.

use super::case::{is_machine_address, Case, State};
use super::kind::{Flag, Kind};
use super::text::{fold_accents, normalise};
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The survey on a case: when it went, and the answer once it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// When the survey mail was queued.
    pub sent_at: DateTime<Utc>,
    /// When the answer came, if it has.
    #[serde(default)]
    pub answered_at: Option<DateTime<Utc>>,
    /// The answer.
    #[serde(default)]
    pub answer: Option<Answer>,
}

/// A reply to the survey, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// 1 (very dissatisfied) to 5 (very satisfied), if a number was given.
    pub score: Option<u8>,
    /// Satisfied or not: said in words, or read from the score (4 and 5
    /// are satisfied, 1 and 2 not, 3 neither).
    pub satisfied: Option<bool>,
    /// The rest of what they wrote, as one line (at most 500 characters).
    pub comment: Option<String>,
}

/// "4", "4/5", "4 out of 5", "score: 4", alone or at the start of a line.
static SCORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*(?:score\s*[:=-]?\s*|rating\s*[:=-]?\s*|i (?:would )?(?:give|rate) (?:it|you|the handling)?\s*(?:a\s*)?)?([1-5])(?:\s*(?:/\s*5|out of (?:5|five)))?\b")
        .expect("static regex")
});
static NOT_SATISFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(not (very |at all )?satisfied|dissatisfied|unsatisfied|not happy|unhappy|badly handled|handled badly|poor(ly)?|terrible|awful|dim yn fodlon|anfodlon)\b")
        .expect("static regex")
});
static SATISFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((very |quite |fairly )?satisfied|happy with (how|the way|the handling)|handled (very )?well|well handled|good|excellent|fodlon iawn|fodlon)\b")
        .expect("static regex")
});
static OPT_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((please )?(don'?t|do not|never) (email|e-mail|contact|write to) me (again|any ?more)|stop (emailing|e-mailing|contacting|writing to) me|unsubscribe|no more (emails|surveys)|take me off (your|the) (list|mailing list)|peidiwch (ag|â) (e-?bostio|cysylltu) (a )?fi)\b")
        .expect("static regex")
});

/// Read a reply to the survey: a score or a word of (dis)satisfaction is
/// needed; `None` when it says neither (then it is read as any reply).
pub fn read_answer(text: &str) -> Option<Answer> {
    let folded = normalise(&fold_accents(text));
    let score = SCORE
        .captures(&folded)
        .and_then(|c| c.get(1))
        .and_then(|m| m.as_str().parse::<u8>().ok());
    let said = if NOT_SATISFIED.is_match(&folded) {
        Some(false)
    } else if SATISFIED.is_match(&folded) {
        Some(true)
    } else {
        None
    };
    if score.is_none() && said.is_none() {
        return None;
    }
    let satisfied = said.or(match score {
        Some(4 | 5) => Some(true),
        Some(1 | 2) => Some(false),
        _ => None,
    });
    let comment = super::text::one_line(text.trim())
        .chars()
        .take(500)
        .collect::<String>();
    Some(Answer {
        score,
        satisfied,
        comment: (!comment.is_empty()).then_some(comment),
    })
}

/// Does the text ask not to be emailed again? The words that said so.
pub fn opts_out(text: &str) -> Option<String> {
    let folded = normalise(&fold_accents(text));
    OPT_OUT.find(&folded).map(|m| m.as_str().to_string())
}

/// Why the survey must not go to this case's complainant, if it must not:
/// not a closed complaint, already sent, anonymous, a machine address, or
/// opted out.
pub fn not_eligible(case: &Case) -> Option<&'static str> {
    if case.kind != Kind::Complaint || case.state != State::Closed {
        Some("not a closed complaint")
    } else if case.survey.is_some() {
        Some("already sent")
    } else if case.anonymised_at.is_some() {
        Some("anonymised")
    } else if case.flags.contains(&Flag::Anonymous) {
        Some("anonymous")
    } else if is_machine_address(&case.complainant.address) {
        Some("a machine address")
    } else if case.no_survey {
        Some("opted out")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_words_are_read_and_anything_else_is_not_an_answer() {
        let a = read_answer("4 - you kept me informed, thanks").expect("answer");
        assert_eq!((a.score, a.satisfied), (Some(4), Some(true)));
        assert_eq!(
            a.comment.as_deref(),
            Some("4 - you kept me informed, thanks")
        );
        let a = read_answer("2/5. Nobody called me back.").expect("answer");
        assert_eq!((a.score, a.satisfied), (Some(2), Some(false)));
        let a = read_answer("Score: 3").expect("answer");
        assert_eq!((a.score, a.satisfied), (Some(3), None));
        let a = read_answer("Not satisfied at all, it took weeks.").expect("answer");
        assert_eq!((a.score, a.satisfied), (None, Some(false)));
        let a = read_answer("Very satisfied").expect("answer");
        assert_eq!(a.satisfied, Some(true));
        let a = read_answer("Fodlon iawn, diolch").expect("answer");
        assert_eq!(a.satisfied, Some(true));
        assert!(read_answer("When will my refund arrive?").is_none());
        assert!(read_answer("I have 12 more questions").is_none());
    }

    #[test]
    fn opting_out_is_recognised() {
        for t in [
            "Please don't email me again.",
            "STOP emailing me",
            "unsubscribe",
            "Peidiwch ag e-bostio fi eto",
        ] {
            assert!(opts_out(t).is_some(), "{t}");
        }
        assert!(opts_out("Please email me the form again").is_none());
    }
}
