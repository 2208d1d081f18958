//! Retention, legal hold and erasure (issue 16 item 10): how long a closed
//! case is kept, what a hold does, and what anonymising a case keeps.
//!
//! Pure. The store removes the bytes; this module decides which cases are
//! due (`closed_at` + the policy's `[retention] period`, default six years,
//! the period the ICO's storage-limitation guidance and most complaint codes
//! take for complaint records) and what the case record looks like after it
//! has been anonymised: counts, dates, kinds, stages, states, flags and
//! outcomes stay for reporting; who wrote and what anyone wrote go.

use super::case::Case;
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// What an anonymised case or message carries where a name or address was.
pub const ANONYMISED: &str = "anonymised";

/// What an anonymised audit entry carries where its detail was. The
/// database accepts no other change to an audit entry (migration 0170).
pub const REMOVED_DETAIL: &str = "[removed under the retention policy]";

/// How long closed cases are kept: `"6 years"`, `"18 months"`, `"90 days"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Whole calendar years.
    Years(u32),
    /// Whole calendar months.
    Months(u32),
    /// Calendar days.
    Days(u32),
}

impl Default for Period {
    fn default() -> Self {
        Period::Years(6)
    }
}

/// A period the parser does not understand.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "cannot read {0:?} as a retention period: write e.g. \"6 years\", \"18 months\" or \"90 days\""
)]
pub struct PeriodParseError(pub String);

impl FromStr for Period {
    type Err = PeriodParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        let words: Vec<&str> = norm.split_whitespace().collect();
        let err = || PeriodParseError(s.to_string());
        let [n, unit] = words.as_slice() else {
            return Err(err());
        };
        let n: u32 = n.parse().map_err(|_| err())?;
        if n == 0 {
            // Anonymising a case the moment it closes would lose the record
            // an escalation or an ombudsman needs.
            return Err(err());
        }
        match *unit {
            "year" | "years" => Ok(Period::Years(n)),
            "month" | "months" => Ok(Period::Months(n)),
            "day" | "days" | "calendar-days" => Ok(Period::Days(n)),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match *self {
            Period::Years(n) => (n, "year"),
            Period::Months(n) => (n, "month"),
            Period::Days(n) => (n, "day"),
        };
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Period {
    /// `t` plus the period (calendar arithmetic; 29 February plus a year is
    /// 28 February). `None` only past the year 262143.
    pub fn after(self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Period::Years(n) => t.checked_add_months(Months::new(n.saturating_mul(12))),
            Period::Months(n) => t.checked_add_months(Months::new(n)),
            Period::Days(n) => t.checked_add_days(chrono::Days::new(u64::from(n))),
        }
    }

    /// The latest closing time whose retention date has come by `now`:
    /// cases closed at or before it are due.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let back = match self {
            Period::Years(n) => now.checked_sub_months(Months::new(n.saturating_mul(12))),
            Period::Months(n) => now.checked_sub_months(Months::new(n)),
            Period::Days(n) => now.checked_sub_days(chrono::Days::new(u64::from(n))),
        };
        back.unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// A legal hold: the case is kept whatever its retention date until a
/// handler releases it (`#hold REASON` / `#release`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// Why (a claim, an ombudsman's investigation, a subject-access request
    /// being answered).
    pub reason: String,
    /// Who placed it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Place `case` on legal hold; the audit detail, or why not.
pub fn place_hold(
    case: &mut Case,
    reason: String,
    by: &str,
    now: DateTime<Utc>,
) -> Result<String, String> {
    if case.anonymised_at.is_some() {
        return Err("#hold: the case has already been anonymised".into());
    }
    if let Some(h) = &case.hold {
        return Err(format!(
            "#hold: the case is already on legal hold ({})",
            h.reason
        ));
    }
    case.hold = Some(Hold {
        reason: reason.clone(),
        by: by.to_string(),
        at: now,
    });
    Ok(reason)
}

/// Lift the legal hold on `case`; the audit detail, or why not.
pub fn release_hold(case: &mut Case) -> Result<String, String> {
    match case.hold.take() {
        Some(h) => Ok(format!("hold placed for: {}", h.reason)),
        None => Err("#release: the case is not on legal hold".into()),
    }
}

/// The retention date of a case: its closing time plus the period. `None`
/// while the case is not closed.
pub fn retain_until(case: &Case, period: Period) -> Option<DateTime<Utc>> {
    case.closed_at.and_then(|t| period.after(t))
}

/// Why a case is kept past its retention date, or may not be erased now;
/// `None` when it may go.
pub fn kept_because(case: &Case) -> Option<String> {
    if case.anonymised_at.is_some() {
        return Some("already anonymised".into());
    }
    if let Some(h) = &case.hold {
        return Some(format!("on legal hold: {}", h.reason));
    }
    if !case.state.is_final() || case.closed_at.is_none() {
        return Some(format!("not closed (state {})", case.state.as_str()));
    }
    // A remedy still owed is chased past closing: its record stays whole
    // until it is done.
    let owed = case.records.outstanding().count();
    if owed > 0 {
        return Some(format!("{owed} remedy(ies) still outstanding"));
    }
    None
}

/// Is the case due for anonymisation at `now`?
pub fn is_due(case: &Case, period: Period, now: DateTime<Utc>) -> bool {
    kept_because(case).is_none() && retain_until(case, period).is_some_and(|t| t <= now)
}

/// The case as it is kept once anonymised: every name, address and word
/// anyone wrote removed; kind, flags, state, stage, dates, deadlines' kinds
/// and dates, outcomes and remedy kinds, and the lessons learnt (the
/// organisation's own record of what it changed) kept; the words of the
/// records (`#define`, outcome reasons, remedies, extensions, refusals)
/// go. The handler (a member of staff, acting for the organisation) stays.
pub fn anonymise(case: &Case, now: DateTime<Utc>) -> Case {
    let mut c = case.clone();
    c.complainant.address = ANONYMISED.into();
    c.complainant.name = None;
    c.contacts.clear();
    c.consent_asked.clear();
    c.drafts.clear();
    c.last_inbound_id = None;
    c.excluded_handlers.clear();
    // The records keep their kinds, outcomes, dates and who recorded them;
    // the words (which name people and what happened to them) go.
    let gone = || REMOVED_DETAIL.to_string();
    let r = &mut c.records;
    if let Some(d) = r.definition.as_mut() {
        d.issues = gone();
        d.outcome_sought = d.outcome_sought.as_ref().map(|_| gone());
    }
    for x in &mut r.remaining {
        x.points = gone();
    }
    for x in &mut r.outcomes {
        x.reasons = gone();
    }
    for x in &mut r.remedies {
        x.description = gone();
    }
    for x in &mut r.extensions {
        x.reason = gone();
        x.beyond_cap = x.beyond_cap.as_ref().map(|_| gone());
    }
    for x in &mut r.refusals {
        x.reason = gone();
    }
    if let Some(l) = r.late.as_mut() {
        l.evidence = gone();
        if let Some(d) = l.decision.as_mut() {
            d.reason = gone();
        }
    }
    // The survey keeps its score; the complainant's own words go.
    if let Some(a) = c.survey.as_mut().and_then(|s| s.answer.as_mut()) {
        a.comment = a.comment.as_ref().map(|_| gone());
    }
    c.anonymised_at = Some(now);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn periods_parse_print_and_refuse_nonsense() {
        for (s, p) in [
            ("6 years", Period::Years(6)),
            ("1 year", Period::Years(1)),
            ("18 months", Period::Months(18)),
            ("90 days", Period::Days(90)),
        ] {
            assert_eq!(s.parse::<Period>(), Ok(p));
            assert_eq!(p.to_string(), s);
        }
        assert_eq!(" 6  Years ".parse::<Period>(), Ok(Period::Years(6)));
        for bad in ["0 years", "six years", "6", "6 fortnights", ""] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(Period::default(), Period::Years(6));
    }

    #[test]
    fn retention_dates_are_calendar_arithmetic() {
        let closed = utc("2026-11-23T10:00:00Z");
        assert_eq!(
            Period::Years(6).after(closed),
            Some(utc("2032-11-23T10:00:00Z"))
        );
        // A leap day plus a year is the last day of February.
        assert_eq!(
            Period::Years(1).after(utc("2028-02-29T12:00:00Z")),
            Some(utc("2029-02-28T12:00:00Z"))
        );
        // Due exactly at the retention date, not a second before.
        let p = Period::Years(6);
        assert!(p.cutoff(utc("2032-11-23T10:00:00Z")) >= closed);
        assert!(p.cutoff(utc("2032-11-23T09:59:59Z")) < closed);
    }
}
