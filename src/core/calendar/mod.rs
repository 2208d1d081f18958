//! The working-day calendar: UK bank holidays per nation, the organisation's
//! closure days and business hours, and deadline arithmetic in `Europe/London`.
//!
//! Rule: "within N working days of receipt" counts the first
//! working day *after* the day of receipt as day 1; a message received on a
//! non-working day counts as received on the next working day; the deadline is
//! the end of the business day of day N. Pure: nothing here reads a clock.

mod holidays;
mod span;

pub use holidays::{
    bank_holidays, easter_sunday, BankHoliday, Nation, UnknownNation, FIRST_KNOWN_YEAR,
    LAST_KNOWN_YEAR,
};
pub use span::{Span, SpanParseError};

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Europe::London;
use std::collections::BTreeSet;

/// The organisation's working-day calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    nation: Nation,
    open: NaiveTime,
    close: NaiveTime,
    closures: BTreeSet<NaiveDate>,
    extra_holidays: BTreeSet<NaiveDate>,
    /// Bank holidays for every year the calendar vouches for, precomputed.
    holidays: BTreeSet<NaiveDate>,
    last_known_year: i32,
}

/// A computed deadline plus anything the operator should be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due<T> {
    /// The due date or instant.
    pub at: T,
    /// E.g. "runs past the years the calendar knows".
    pub warnings: Vec<String>,
}

impl Calendar {
    /// A calendar with default business hours 09:00–17:00 and no closures.
    pub fn new(nation: Nation) -> Self {
        let mut holidays = BTreeSet::new();
        for year in FIRST_KNOWN_YEAR..=LAST_KNOWN_YEAR {
            holidays.extend(bank_holidays(nation, year).into_iter().map(|h| h.date));
        }
        Calendar {
            nation,
            open: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            close: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            closures: BTreeSet::new(),
            extra_holidays: BTreeSet::new(),
            holidays,
            last_known_year: LAST_KNOWN_YEAR,
        }
    }

    /// Set business hours. `open` must be before `close` (checked by config validation).
    pub fn with_hours(mut self, open: NaiveTime, close: NaiveTime) -> Self {
        self.open = open;
        self.close = close;
        self
    }

    /// Add the organisation's own closure days (e.g. the Christmas shutdown).
    pub fn with_closures(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.closures.extend(days);
        self
    }

    /// Add bank holidays the operator knows of that the built-in rules do not
    /// (a future one-off). Extra holidays in a year beyond the known range extend
    /// the range to that year, silencing the warning for it.
    pub fn with_extra_holidays(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        for d in days {
            self.last_known_year = self.last_known_year.max(d.year());
            self.extra_holidays.insert(d);
        }
        self
    }

    /// The nation whose bank holidays apply.
    pub fn nation(&self) -> Nation {
        self.nation
    }

    /// Business opening time (local).
    pub fn open(&self) -> NaiveTime {
        self.open
    }

    /// Business closing time (local); deadlines fall at this time.
    pub fn close(&self) -> NaiveTime {
        self.close
    }

    /// Is `d` a bank holiday in this calendar's nation (built-in or extra)?
    pub fn is_bank_holiday(&self, d: NaiveDate) -> bool {
        if self.extra_holidays.contains(&d) {
            return true;
        }
        if (FIRST_KNOWN_YEAR..=LAST_KNOWN_YEAR).contains(&d.year()) {
            self.holidays.contains(&d)
        } else {
            bank_holidays(self.nation, d.year())
                .iter()
                .any(|h| h.date == d)
        }
    }

    /// Monday to Friday, not a bank holiday, not a closure day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.is_bank_holiday(d)
            && !self.closures.contains(&d)
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut x = d + Duration::days(1);
        while !self.is_working_day(x) {
            x += Duration::days(1);
        }
        x
    }

    /// The last working day strictly before `d`.
    pub fn previous_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut x = d - Duration::days(1);
        while !self.is_working_day(x) {
            x -= Duration::days(1);
        }
        x
    }

    /// `d` if it is a working day, else the next one.
    pub fn effective_day(&self, d: NaiveDate) -> NaiveDate {
        if self.is_working_day(d) {
            d
        } else {
            self.next_working_day(d)
        }
    }

    /// The due date of "within `n` working days" of something received on `from`.
    /// `n == 0` means the same (effective) day.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Due<NaiveDate> {
        let mut d = self.effective_day(from);
        for _ in 0..n {
            d = self.next_working_day(d);
        }
        Due {
            at: d,
            warnings: self.range_warning(d),
        }
    }

    /// How many working days lie after `from` up to and including `to`
    /// (0 when `to` is not after `from`): the inverse of
    /// [`Calendar::add_working_days`] for a day that is a working day.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = self.effective_day(from);
        while d < to {
            d = self.next_working_day(d);
            if d <= to {
                n += 1;
            }
        }
        n
    }

    fn range_warning(&self, d: NaiveDate) -> Vec<String> {
        if d.year() > self.last_known_year {
            vec![format!(
                "deadline {d} runs past {}, the last year whose bank holidays this calendar knows; \
                 one-off holidays announced later are not counted (add them under [calendar] extra_holidays)",
                self.last_known_year
            )]
        } else if d.year() < FIRST_KNOWN_YEAR {
            vec![format!(
                "date {d} is before {FIRST_KNOWN_YEAR}, the first year this calendar knows"
            )]
        } else {
            Vec::new()
        }
    }

    /// Convert a local wall-clock time in `Europe/London` to UTC. A time that
    /// does not exist (inside the spring-forward gap) moves forward an hour; an
    /// ambiguous one (autumn) takes the earlier instant, so deadlines never slip late.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match London.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
            chrono::LocalResult::None => {
                let shifted = local + Duration::hours(1);
                London
                    .from_local_datetime(&shifted)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc.from_utc_datetime(&local))
            }
        }
    }

    /// The local (`Europe/London`) wall-clock time of an instant.
    pub fn to_local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&London).naive_local()
    }

    /// The end of business on `d`, as an instant.
    pub fn end_of_business(&self, d: NaiveDate) -> DateTime<Utc> {
        self.local_to_utc(d.and_time(self.close))
    }

    /// The start of business on `d`, as an instant.
    pub fn start_of_business(&self, d: NaiveDate) -> DateTime<Utc> {
        self.local_to_utc(d.and_time(self.open))
    }

    /// Is `t` inside business hours on a working day?
    pub fn is_working_time(&self, t: DateTime<Utc>) -> bool {
        let l = self.to_local(t);
        self.is_working_day(l.date()) && l.time() >= self.open && l.time() < self.close
    }

    /// `t` itself when it is working time, else the next opening.
    pub fn next_working_time(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let l = self.to_local(t);
        let d = l.date();
        if self.is_working_day(d) && l.time() < self.open {
            return self.start_of_business(d);
        }
        if self.is_working_time(t) {
            return t;
        }
        self.start_of_business(self.next_working_day(d))
    }

    /// The instant by which something received at `received` is due, for a span
    /// of the policy.
    pub fn deadline(&self, received: DateTime<Utc>, span: Span) -> Due<DateTime<Utc>> {
        match span {
            Span::SameDay => {
                // Received after close: "the same day" can only mean the next
                // working day's close; anything else would be due before it arrived.
                let l = self.to_local(received);
                let mut d = self.effective_day(l.date());
                if d == l.date() && l.time() >= self.close {
                    d = self.next_working_day(d);
                }
                Due {
                    at: self.end_of_business(d),
                    warnings: self.range_warning(d),
                }
            }
            Span::WorkingDays(n) => {
                let d = self.add_working_days(self.to_local(received).date(), n);
                Due {
                    at: self.end_of_business(d.at),
                    warnings: d.warnings,
                }
            }
            Span::Hours(h) => {
                // Elapsed hours are absolute time: adding in UTC is correct
                // across the clock changes.
                let at = received + Duration::hours(i64::from(h));
                Due {
                    at,
                    warnings: self.range_warning(self.to_local(at).date()),
                }
            }
            Span::WorkingHours(h) => {
                let at = self.add_working_minutes(received, i64::from(h) * 60);
                Due {
                    at,
                    warnings: self.range_warning(self.to_local(at).date()),
                }
            }
            Span::CalendarDays(n) => {
                // Day 1 is the day after the local day of receipt; every day
                // counts. A statutory limit cannot move later, so when day N
                // is not a working day the deadline is the close of the last
                // working day before it: someone is at work to meet it.
                let day0 = self.to_local(received).date();
                let day_n = day0 + Duration::days(i64::from(n));
                let mut warnings = self.range_warning(day_n);
                let d = if self.is_working_day(day_n) {
                    day_n
                } else {
                    let before = self.previous_working_day(day_n);
                    // Never due on or before the day it arrived (a short
                    // span over a weekend): then the next working day.
                    let d = if before > day0 {
                        before
                    } else {
                        self.next_working_day(day_n)
                    };
                    warnings.push(format!(
                        "day {n} ({day_n}) is not a working day: due at the close of {d}"
                    ));
                    d
                };
                Due {
                    at: self.end_of_business(d),
                    warnings,
                }
            }
        }
    }

    /// Add business minutes, skipping nights, weekends and holidays.
    fn add_working_minutes(&self, from: DateTime<Utc>, mut minutes: i64) -> DateTime<Utc> {
        let mut t = self.next_working_time(from);
        loop {
            let l = self.to_local(t);
            let close = self.end_of_business(l.date());
            let left = (close - t).num_minutes();
            if minutes <= left {
                return t + Duration::minutes(minutes);
            }
            minutes -= left.max(0);
            t = self.start_of_business(self.next_working_day(l.date()));
        }
    }

    /// The instant `span` before `due`, for chase-ups: working days step back
    /// over non-working days keeping the time of day; hours are elapsed time;
    /// working hours step back through business hours only.
    pub fn before(&self, due: DateTime<Utc>, span: Span) -> DateTime<Utc> {
        match span {
            Span::SameDay => self.start_of_business(self.to_local(due).date()),
            Span::WorkingDays(n) => {
                let l = self.to_local(due);
                let mut d = l.date();
                for _ in 0..n {
                    d = self.previous_working_day(d);
                }
                self.local_to_utc(d.and_time(l.time()))
            }
            Span::Hours(h) => due - Duration::hours(i64::from(h)),
            Span::CalendarDays(n) => {
                let l = self.to_local(due);
                self.local_to_utc((l.date() - Duration::days(i64::from(n))).and_time(l.time()))
            }
            Span::WorkingHours(h) => {
                let mut minutes = i64::from(h) * 60;
                let mut t = due;
                loop {
                    let l = self.to_local(t);
                    let d = l.date();
                    let open = self.start_of_business(d);
                    let in_day = if self.is_working_day(d) {
                        (t.min(self.end_of_business(d)) - open).num_minutes().max(0)
                    } else {
                        0
                    };
                    if minutes <= in_day {
                        return t.min(self.end_of_business(d)) - Duration::minutes(minutes);
                    }
                    minutes -= in_day;
                    t = self.end_of_business(self.previous_working_day(d));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn day_one_is_the_next_working_day() {
        let c = Calendar::new(Nation::EnglandAndWales);
        // Friday 20 Nov 2026 + 1 -> Monday 23.
        assert_eq!(c.add_working_days(d(2026, 11, 20), 1).at, d(2026, 11, 23));
        // Saturday counts as Monday: +1 -> Tuesday.
        assert_eq!(c.add_working_days(d(2026, 11, 21), 1).at, d(2026, 11, 24));
        // Same day on a working day is that day.
        assert_eq!(c.add_working_days(d(2026, 11, 23), 0).at, d(2026, 11, 23));
    }

    #[test]
    fn calendar_days_count_every_day_from_the_day_after_receipt() {
        let c = Calendar::new(Nation::EnglandAndWales);
        let due = |at: &str, n: u32| c.deadline(utc(at), Span::CalendarDays(n));
        let close = |y, m, day| c.end_of_business(d(y, m, day));
        // Weekends count: Monday 23 Nov 2026 + 30 is Wednesday 23 Dec.
        assert_eq!(due("2026-11-23T10:00:00Z", 30).at, close(2026, 12, 23));
        assert!(due("2026-11-23T10:00:00Z", 30).warnings.is_empty());
        // Received after close counts from the same day (day 1 is the next).
        assert_eq!(due("2026-11-23T22:30:00Z", 1).at, close(2026, 11, 24));
        // Across a month end: Saturday 31 Jan 2026 + 30 is Monday 2 March;
        // in a leap year Monday 31 Jan 2028 + 30 is Wednesday 1 March.
        assert_eq!(due("2026-01-31T12:00:00Z", 30).at, close(2026, 3, 2));
        assert_eq!(due("2028-01-31T12:00:00Z", 30).at, close(2028, 3, 1));
        // Bank holidays count as days; when day N is one, the limit cannot
        // move later: Wed 25 Nov + 30 is Christmas Day, due Thu 24 Dec.
        let xmas = due("2026-11-25T10:00:00Z", 30);
        assert_eq!(xmas.at, close(2026, 12, 24));
        assert!(
            xmas.warnings[0].contains("2026-12-25"),
            "{:?}",
            xmas.warnings
        );
        // Day N on a Saturday: the Friday before.
        assert_eq!(due("2026-11-24T10:00:00Z", 4).at, close(2026, 11, 27));
        // ... but never on or before the day it arrived: Friday + 1 is
        // Saturday, whose working day before is that Friday: Monday then.
        assert_eq!(due("2026-11-27T10:00:00Z", 1).at, close(2026, 11, 30));
        // Across the clocks going forward (Sunday 29 March 2026).
        assert_eq!(due("2026-03-20T10:00:00Z", 10).at, close(2026, 3, 30));
        // Chase-ups step back calendar days keeping the time of day.
        let at = close(2026, 12, 23);
        assert_eq!(c.before(at, Span::CalendarDays(7)), close(2026, 12, 16));
    }

    #[test]
    fn christmas_2026_is_skipped() {
        let c = Calendar::new(Nation::EnglandAndWales);
        // Thu 24 Dec + 1 -> Fri 25 (holiday), Mon 28 (sub) -> Tue 29.
        assert_eq!(c.add_working_days(d(2026, 12, 24), 1).at, d(2026, 12, 29));
    }

    #[test]
    fn closures_are_not_working_days() {
        let c = Calendar::new(Nation::EnglandAndWales).with_closures([d(2026, 12, 29)]);
        assert_eq!(c.add_working_days(d(2026, 12, 24), 1).at, d(2026, 12, 30));
    }

    #[test]
    fn deadline_is_close_of_business_in_london_across_clock_change() {
        let c = Calendar::new(Nation::EnglandAndWales);
        // Received Fri 23 Oct 2026 (BST); 5 working days -> Fri 30 Oct (GMT after 25 Oct).
        let due = c.deadline(utc("2026-10-23T10:00:00Z"), Span::WorkingDays(5));
        assert_eq!(due.at, utc("2026-10-30T17:00:00Z"));
        // In summer 17:00 London is 16:00 UTC.
        let due = c.deadline(utc("2026-07-01T10:00:00Z"), Span::WorkingDays(1));
        assert_eq!(due.at, utc("2026-07-02T16:00:00Z"));
    }

    #[test]
    fn elapsed_hours_cross_the_spring_gap_in_absolute_time() {
        let c = Calendar::new(Nation::EnglandAndWales);
        // 28 Mar 2026 20:00 GMT + 12h = 29 Mar 08:00 UTC = 09:00 BST.
        let due = c.deadline(utc("2026-03-28T20:00:00Z"), Span::Hours(12));
        assert_eq!(due.at, utc("2026-03-29T08:00:00Z"));
        assert_eq!(
            c.to_local(due.at).time(),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap()
        );
    }

    #[test]
    fn same_day_after_close_means_next_working_day() {
        let c = Calendar::new(Nation::EnglandAndWales);
        let due = c.deadline(utc("2026-11-20T18:30:00Z"), Span::SameDay);
        assert_eq!(due.at, utc("2026-11-23T17:00:00Z"));
        let due = c.deadline(utc("2026-11-20T11:00:00Z"), Span::SameDay);
        assert_eq!(due.at, utc("2026-11-20T17:00:00Z"));
    }

    #[test]
    fn working_hours_skip_nights_and_weekends() {
        let c = Calendar::new(Nation::EnglandAndWales);
        // Fri 16:00 + 4 working hours = Mon 12:00.
        let due = c.deadline(utc("2026-11-20T16:00:00Z"), Span::WorkingHours(4));
        assert_eq!(due.at, utc("2026-11-23T12:00:00Z"));
        // And back again.
        assert_eq!(
            c.before(due.at, Span::WorkingHours(4)),
            utc("2026-11-20T16:00:00Z")
        );
    }

    #[test]
    fn before_steps_back_working_days() {
        let c = Calendar::new(Nation::EnglandAndWales);
        let due = utc("2026-11-23T17:00:00Z"); // Monday
        assert_eq!(
            c.before(due, Span::WorkingDays(1)),
            utc("2026-11-20T17:00:00Z")
        );
    }

    #[test]
    fn warns_past_known_years_and_extra_holidays_extend_them() {
        let c = Calendar::new(Nation::Scotland);
        assert!(c.add_working_days(d(2035, 12, 31), 3).warnings.len() == 1);
        assert!(c.add_working_days(d(2030, 1, 7), 3).warnings.is_empty());
        let c = c.with_extra_holidays([d(2036, 6, 2)]);
        assert!(c.add_working_days(d(2036, 5, 30), 1).warnings.is_empty());
        assert_eq!(c.add_working_days(d(2036, 5, 30), 1).at, d(2036, 6, 3));
    }

    #[test]
    fn working_time_and_next_opening() {
        let c = Calendar::new(Nation::EnglandAndWales);
        assert!(c.is_working_time(utc("2026-11-23T10:00:00Z")));
        assert!(!c.is_working_time(utc("2026-11-22T10:00:00Z")));
        assert_eq!(
            c.next_working_time(utc("2026-11-21T10:00:00Z")),
            utc("2026-11-23T09:00:00Z")
        );
        assert_eq!(
            c.next_working_time(utc("2026-11-23T07:00:00Z")),
            utc("2026-11-23T09:00:00Z")
        );
    }
}
