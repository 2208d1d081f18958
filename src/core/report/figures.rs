//! What a performance report, the digest and the Ombudsman's data are made
//! of, as plain types. The store fills them (`store::figures`) with counts
//! computed in SQL; the arithmetic that needs the calendar (local dates,
//! working days taken) is here so that it is tested without a database.
//!
//! Which cases a figure counts (said once, shown in the report):
//! - *received*, and everything that happened to those cases (outcomes,
//!   remedies, extensions, refusals, referrals, survey answers, lessons):
//!   the cases received in the period (opened at or after the start of the
//!   first day and before the start of the day after the last, in the
//!   organisation's time zone), machine mail left out;
//! - *timeliness*: the deadlines met in the period (the acknowledgement or
//!   response sent, the decision made), whenever the case came in, plus the
//!   ones still not met that fell due in the period (late);
//! - *open* and *oldest open*: now.

use crate::core::calendar::Calendar;
use crate::core::case::records::{Outcome, RefusalGround, RemedyKind};
use crate::core::case::DeadlineKind;
use crate::core::kind::{Flag, Kind};
use crate::core::reference::CaseRef;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Europe::London;
use serde::Serialize;
use std::collections::BTreeMap;

/// Local days `[from, to)` in the organisation's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The first day.
    pub from: NaiveDate,
    /// The day after the last.
    pub to: NaiveDate,
}

impl Period {
    /// The first instant of the period and the first instant after it.
    pub fn instants(&self, calendar: &Calendar) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            calendar.local_to_utc(self.from.and_time(NaiveTime::MIN)),
            calendar.local_to_utc(self.to.and_time(NaiveTime::MIN)),
        )
    }

    /// The last day of the period.
    pub fn last(&self) -> NaiveDate {
        self.to.pred_opt().unwrap_or(self.to)
    }

    /// The same number of days ending where this period starts: "the same
    /// period last month" for a month so far is [`Period::month_before`].
    pub fn month_before(&self) -> Period {
        let back = |d: NaiveDate| d.checked_sub_months(chrono::Months::new(1)).unwrap_or(d);
        Period {
            from: back(self.from),
            to: back(self.to),
        }
    }

    /// The calendar quarters (January-March, …) that overlap the period,
    /// each cut to the period.
    pub fn quarters(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d < self.to {
            let q0 = (d.month0() / 3) * 3;
            let next = if q0 == 9 {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(d.year(), q0 + 4, 1)
            };
            let Some(next) = next else { break };
            let end = next.min(self.to);
            out.push(Period { from: d, to: end });
            d = end;
        }
        out
    }
}

/// A count by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count<T> {
    /// What is counted.
    pub what: T,
    /// How many.
    pub n: u64,
}

/// Cases received in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Received {
    /// All of them (not machine mail).
    pub total: u64,
    /// By kind.
    pub by_kind: Vec<Count<Kind>>,
    /// Complaints by flag (a case with two flags counts under each).
    pub by_flag: Vec<Count<Flag>>,
    /// Complaints by the furthest stage reached (index from 0).
    pub by_stage: Vec<Count<usize>>,
    /// By the mailbox the first message came from (`unknown` when none is kept).
    pub by_source: Vec<Count<String>>,
    /// By the language the complainant is written to in (`unknown` when not known).
    pub by_language: Vec<Count<String>>,
}

impl Received {
    /// Complaints received.
    pub fn complaints(&self) -> u64 {
        self.by_kind
            .iter()
            .filter(|c| c.what == Kind::Complaint)
            .map(|c| c.n)
            .sum()
    }
}

/// Deadlines met, counted by the local days of their start and of their
/// meeting, and whether they were met by their due time: what the store
/// returns, grouped in SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetGroup {
    /// What was due.
    pub kind: DeadlineKind,
    /// At which stage.
    pub stage: usize,
    /// The local day the clock started.
    pub start: NaiveDate,
    /// The local day it was met.
    pub met: NaiveDate,
    /// Met at or before its due time (extensions included).
    pub on_time: bool,
    /// How many.
    pub n: u64,
}

/// How one deadline type at one stage was kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeliness {
    /// What was due.
    pub kind: DeadlineKind,
    /// At which stage (index from 0).
    pub stage: usize,
    /// Met in the period.
    pub met: u64,
    /// Of those, met by the due time.
    pub on_time: u64,
    /// Not met yet though they fell due in the period.
    pub overdue: u64,
    /// Working days taken (after the day the clock started, up to and
    /// including the day it was met) and how many took that many.
    pub days_taken: Vec<Count<u32>>,
}

impl Timeliness {
    /// On time as a share of those due: met on time over met plus overdue,
    /// in per cent; `None` when there were none.
    pub fn on_time_percent(&self) -> Option<f64> {
        percent(self.on_time, self.met + self.overdue)
    }

    /// How many were met within `days` working days.
    pub fn within(&self, days: u32) -> u64 {
        self.days_taken
            .iter()
            .filter(|c| c.what <= days)
            .map(|c| c.n)
            .sum()
    }
}

/// `part` of `whole` in per cent, `None` for nothing.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// Per cent in words: "83%" or "-" when there is nothing to divide.
pub fn percent_text(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into())
}

/// Turn the store's grouped rows into one [`Timeliness`] per deadline type
/// and stage, counting working days on `calendar` (its bank holidays and
/// closures). `overdue` are the unmet ones by (kind, stage).
pub fn timeliness(
    groups: &[MetGroup],
    overdue: &[(DeadlineKind, usize, u64)],
    calendar: &Calendar,
) -> Vec<Timeliness> {
    /// Met, on time, overdue, and met by working days taken.
    type Tally = (u64, u64, u64, BTreeMap<u32, u64>);
    let mut by: BTreeMap<(DeadlineKind, usize), Tally> = BTreeMap::new();
    for g in groups {
        let e = by.entry((g.kind, g.stage)).or_default();
        e.0 += g.n;
        if g.on_time {
            e.1 += g.n;
        }
        *e.3.entry(calendar.working_days_between(g.start, g.met))
            .or_default() += g.n;
    }
    for (k, s, n) in overdue {
        by.entry((*k, *s)).or_default().2 += n;
    }
    by.into_iter()
        .map(
            |((kind, stage), (met, on_time, overdue, days))| Timeliness {
                kind,
                stage,
                met,
                on_time,
                overdue,
                days_taken: days
                    .into_iter()
                    .map(|(what, n)| Count { what, n })
                    .collect(),
            },
        )
        .collect()
}

/// The oldest case still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OldestOpen {
    /// Its reference.
    pub reference: CaseRef,
    /// When it came in.
    pub opened_at: DateTime<Utc>,
    /// Its stage (index from 0).
    pub stage: usize,
    /// Who holds it.
    pub handler: Option<String>,
}

/// Extensions of the response date given on the period's cases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Extensions {
    /// How many extensions.
    pub total: u64,
    /// How many cases had one or more.
    pub cases: u64,
    /// How many went past the stage's cap.
    pub beyond_cap: u64,
    /// By the reason given, most frequent first.
    pub reasons: Vec<Count<String>>,
}

/// Outcomes sent at one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageOutcomes {
    /// The stage (index from 0).
    pub stage: usize,
    /// By outcome.
    pub outcomes: Vec<Count<Outcome>>,
}

impl StageOutcomes {
    /// How many outcomes were sent.
    pub fn total(&self) -> u64 {
        self.outcomes.iter().map(|c| c.n).sum()
    }

    /// How many of `o`.
    pub fn count(&self, o: Outcome) -> u64 {
        self.outcomes
            .iter()
            .filter(|c| c.what == o)
            .map(|c| c.n)
            .sum()
    }

    /// Upheld in full or in part, as a share of the outcomes sent.
    pub fn uphold_percent(&self) -> Option<f64> {
        percent(
            self.count(Outcome::Upheld) + self.count(Outcome::PartlyUpheld),
            self.total(),
        )
    }
}

/// Remedies of one kind on the period's cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remedies {
    /// The kind.
    pub kind: RemedyKind,
    /// Recorded.
    pub total: u64,
    /// Done.
    pub done: u64,
    /// Done by the day they were due (local).
    pub done_on_time: u64,
}

/// Refusals on the period's cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusals {
    /// The ground.
    pub ground: RefusalGround,
    /// Refusing to escalate (`true`) or to accept (`false`).
    pub escalation: bool,
    /// How many.
    pub n: u64,
}

/// The satisfaction survey on the period's cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SurveyFigures {
    /// Surveys sent.
    pub sent: u64,
    /// Answered.
    pub answered: u64,
    /// Satisfied with the handling.
    pub satisfied: u64,
    /// Not satisfied.
    pub not_satisfied: u64,
    /// Answers with a score.
    pub scored: u64,
    /// Their mean (1 to 5).
    pub mean_score: Option<f64>,
}

/// One entry of the lessons-learnt register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lesson {
    /// The case.
    pub reference: CaseRef,
    /// When it came in.
    pub opened_at: DateTime<Utc>,
    /// When it closed, if it has.
    pub closed_at: Option<DateTime<Utc>>,
    /// The lesson and the change made or recommended, as recorded.
    pub lesson: String,
}

/// Every figure of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// The period.
    pub period: Period,
    /// Received.
    pub received: Received,
    /// Deadlines met or overdue in the period, by type and stage.
    pub timeliness: Vec<Timeliness>,
    /// Complaints open now, by stage (index from 0).
    pub open_by_stage: Vec<Count<usize>>,
    /// The oldest complaint open now.
    pub oldest_open: Option<OldestOpen>,
    /// Extensions.
    pub extensions: Extensions,
    /// Outcomes by stage.
    pub outcomes: Vec<StageOutcomes>,
    /// Remedies by kind.
    pub remedies: Vec<Remedies>,
    /// Refusals by ground.
    pub refusals: Vec<Refusals>,
    /// Cases referred to an external body (the Ombudsman or a regulator).
    pub referred_externally: u64,
    /// The satisfaction survey.
    pub survey: SurveyFigures,
    /// The lessons-learnt register.
    pub lessons: Vec<Lesson>,
}

impl Figures {
    /// The figures of one deadline type, all stages together.
    pub fn timeliness_of(&self, kind: DeadlineKind) -> Timeliness {
        let mut t = Timeliness {
            kind,
            stage: 0,
            met: 0,
            on_time: 0,
            overdue: 0,
            days_taken: Vec::new(),
        };
        let mut days: BTreeMap<u32, u64> = BTreeMap::new();
        for x in self.timeliness.iter().filter(|x| x.kind == kind) {
            t.met += x.met;
            t.on_time += x.on_time;
            t.overdue += x.overdue;
            for c in &x.days_taken {
                *days.entry(c.what).or_default() += c.n;
            }
        }
        t.days_taken = days
            .into_iter()
            .map(|(what, n)| Count { what, n })
            .collect();
        t
    }

    /// Outcomes of every stage together.
    pub fn all_outcomes(&self) -> StageOutcomes {
        let mut by: BTreeMap<&'static str, (Outcome, u64)> = BTreeMap::new();
        for s in &self.outcomes {
            for c in &s.outcomes {
                by.entry(c.what.as_str()).or_insert((c.what, 0)).1 += c.n;
            }
        }
        StageOutcomes {
            stage: 0,
            outcomes: by
                .into_values()
                .map(|(what, n)| Count { what, n })
                .collect(),
        }
    }

    /// Remedies recorded and not yet done.
    pub fn remedies_outstanding(&self) -> u64 {
        self.remedies.iter().map(|r| r.total - r.done).sum()
    }
}

/// One week of the weekly series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// Its Monday.
    pub start: NaiveDate,
    /// Cases received (as [`Received::total`] for the week).
    pub received: u64,
    /// Responses sent (respond deadlines met, every stage).
    pub responses: u64,
    /// Of those, on time.
    pub on_time: u64,
}

impl Week {
    /// Responses on time, in per cent.
    pub fn on_time_percent(&self) -> Option<f64> {
        percent(self.on_time, self.responses)
    }
}

/// The `n` weeks (Monday to Sunday) ending with the one holding `last`,
/// oldest first, as periods.
pub fn weeks_ending(last: NaiveDate, n: u32) -> Vec<Period> {
    let monday = last - Duration::days(last.weekday().num_days_from_monday() as i64);
    (0..n as i64)
        .rev()
        .map(|i| {
            let from = monday - Duration::weeks(i);
            Period {
                from,
                to: from + Duration::weeks(1),
            }
        })
        .collect()
}

/// Fold counts by local day into the weeks `weeks`: received per day, and
/// responses (on time or not) per day.
pub fn weekly(
    weeks: &[Period],
    received: &[(NaiveDate, u64)],
    responses: &[(NaiveDate, bool, u64)],
) -> Vec<Week> {
    weeks
        .iter()
        .map(|w| {
            let inside = |d: &NaiveDate| *d >= w.from && *d < w.to;
            let resp = responses.iter().filter(|r| inside(&r.0));
            Week {
                start: w.from,
                received: received.iter().filter(|r| inside(&r.0)).map(|r| r.1).sum(),
                responses: resp.clone().map(|r| r.2).sum(),
                on_time: resp.filter(|r| r.1).map(|r| r.2).sum(),
            }
        })
        .collect()
}

/// The organisation's local day (`Europe/London`) of an instant: the day
/// the store keeps beside a case's receipt and a deadline's start and
/// meeting, so that a period's figures are ranges of days in an index.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&London).date_naive()
}

/// The organisation's UTC offset (`Europe/London`) between `from` and
/// `to`: the offset before the first change, then each change's instant
/// and the offset from it on, so that SQL can turn a stored UTC time into
/// a local day with one `CASE` (`store::figures`). Changes happen at
/// whole hours; the search is by hour.
pub fn utc_offsets(from: DateTime<Utc>, to: DateTime<Utc>) -> (i32, Vec<(DateTime<Utc>, i32)>) {
    use chrono::Offset;
    let off = |t: DateTime<Utc>| t.with_timezone(&London).offset().fix().local_minus_utc();
    let first = off(from);
    let mut changes = Vec::new();
    let mut cur = first;
    // Day by day, then hour by hour inside a day where the offset changed.
    let mut day = from;
    while day < to {
        let next = day + Duration::days(1);
        if off(next) != cur {
            let mut h = day;
            while h < next {
                h += Duration::hours(1);
                if off(h) != cur {
                    cur = off(h);
                    changes.push((h, cur));
                    break;
                }
            }
        }
        day = next;
    }
    (first, changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::calendar::Nation;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_clock_change_is_found_to_the_hour() {
        let (first, changes) = utc_offsets(
            "2026-01-01T00:00:00Z".parse().expect("t"),
            "2027-01-01T00:00:00Z".parse().expect("t"),
        );
        assert_eq!(first, 0);
        let at: Vec<String> = changes.iter().map(|c| format!("{} {}", c.0, c.1)).collect();
        assert_eq!(
            at,
            ["2026-03-29 01:00:00 UTC 3600", "2026-10-25 01:00:00 UTC 0"]
        );
    }

    #[test]
    fn days_taken_skip_weekends_bank_holidays_and_count_on_time_over_met_and_overdue() {
        let cal = Calendar::new(Nation::EnglandAndWales);
        let g = |start: &str, met: &str, on_time: bool, n: u64| MetGroup {
            kind: DeadlineKind::Respond,
            stage: 0,
            start: d(start),
            met: d(met),
            on_time,
            n,
        };
        // Friday 21 August 2026 to Tuesday 1 September: 24 to 28 August
        // and 1 September; Monday 31 August is the summer bank holiday.
        // Received and met the same day: 0.
        let t = timeliness(
            &[
                g("2026-08-21", "2026-09-01", true, 2),
                g("2026-08-21", "2026-08-21", true, 1),
                g("2026-08-21", "2026-10-01", false, 1),
            ],
            &[(DeadlineKind::Respond, 0, 1)],
            &cal,
        );
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!((t.met, t.on_time, t.overdue), (4, 3, 1));
        assert_eq!(t.on_time_percent(), Some(60.0));
        let days: Vec<(u32, u64)> = t.days_taken.iter().map(|c| (c.what, c.n)).collect();
        assert_eq!(days, [(0, 1), (6, 2), (28, 1)]);
        assert_eq!(t.within(20), 3);
    }

    #[test]
    fn weeks_run_monday_to_sunday_and_fold_days() {
        let w = weeks_ending(d("2026-11-25"), 2);
        assert_eq!(
            w,
            [
                Period {
                    from: d("2026-11-16"),
                    to: d("2026-11-23")
                },
                Period {
                    from: d("2026-11-23"),
                    to: d("2026-11-30")
                }
            ]
        );
        let weeks = weekly(
            &w,
            &[
                (d("2026-11-16"), 2),
                (d("2026-11-29"), 3),
                (d("2026-11-30"), 9),
            ],
            &[(d("2026-11-22"), true, 1), (d("2026-11-22"), false, 3)],
        );
        assert_eq!(weeks[0].received, 2);
        assert_eq!(weeks[1].received, 3);
        assert_eq!((weeks[0].responses, weeks[0].on_time), (4, 1));
        assert_eq!(weeks[0].on_time_percent(), Some(25.0));
        assert_eq!(weeks[1].on_time_percent(), None);
    }

    #[test]
    fn quarters_are_cut_to_the_period() {
        let q = Period {
            from: d("2026-02-15"),
            to: d("2026-08-01"),
        }
        .quarters();
        let q: Vec<(String, String)> = q
            .iter()
            .map(|p| (p.from.to_string(), p.to.to_string()))
            .collect();
        assert_eq!(
            q,
            [
                ("2026-02-15".into(), "2026-04-01".into()),
                ("2026-04-01".into(), "2026-07-01".into()),
                ("2026-07-01".into(), "2026-08-01".into())
            ]
        );
    }
}
