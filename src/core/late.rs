//! Does a complaint say its events are older than the policy allows
//! (`[records] raise_within`)? Reads the dates people write ("in March
//! 2024", "last year", "over a year ago", "12/03/2024") and returns the
//! words that put the events earliest, when that is before the limit. Pure:
//! `today` is passed in. A flag for the handler's decision, never a
//! decision: a date in the text may be about something else.

use chrono::{Datelike, Months, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

static MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+((?:19|20)\d{2})\b")
        .expect("static regex")
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:in|since|during|from|back in|of|early|late|mid)[\s-]+((?:19|20)\d{2})\b")
        .expect("static regex")
});
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d{2})\b|\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b",
    )
    .expect("static regex")
});
static LAST_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\blast\s+year\b").expect("static regex"));
static AGO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(over|more than|nearly|almost|about|around)\s+)?(a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|\d{1,3})\s+(years?|months?)\s+ago\b")
        .expect("static regex")
});

fn number(w: &str) -> Option<u32> {
    let n = match w.to_ascii_lowercase().as_str() {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "eighteen" => 18,
        d => return d.parse().ok(),
    };
    Some(n)
}

/// Every date the text names, as the earliest day it could mean, with the
/// words ("in March 2024" is read as 1 March, "last year" as 1 January of
/// it): the flag asks the handler to decide whenever the events *may* be
/// older than the limit.
fn dates(text: &str, today: NaiveDate) -> Vec<(NaiveDate, String)> {
    let mut out = Vec::new();
    for c in MONTH_YEAR.captures_iter(text) {
        let m = c[1].to_ascii_lowercase();
        let month = MONTHS
            .iter()
            .position(|p| m.starts_with(p))
            .map(|i| i as u32 + 1);
        if let (Some(month), Ok(y)) = (month, c[2].parse::<i32>()) {
            if let Some(d) = NaiveDate::from_ymd_opt(y, month, 1) {
                out.push((d, c[0].to_string()));
            }
        }
    }
    for c in YEAR.captures_iter(text) {
        if let Some(d) = c[1]
            .parse::<i32>()
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        {
            out.push((d, c[0].to_string()));
        }
    }
    for c in NUMERIC.captures_iter(text) {
        let d = match (c.get(1), c.get(4)) {
            // UK order: day/month/year.
            (Some(d), _) => NaiveDate::from_ymd_opt(
                c[3].parse().unwrap_or(0),
                c[2].parse().unwrap_or(0),
                d.as_str().parse().unwrap_or(0),
            ),
            (None, Some(y)) => NaiveDate::from_ymd_opt(
                y.as_str().parse().unwrap_or(0),
                c[5].parse().unwrap_or(0),
                c[6].parse().unwrap_or(0),
            ),
            _ => None,
        };
        if let Some(d) = d {
            out.push((d, c[0].to_string()));
        }
    }
    for c in LAST_YEAR.find_iter(text) {
        if let Some(d) = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1) {
            out.push((d, c.as_str().to_string()));
        }
    }
    for c in AGO.captures_iter(text) {
        let Some(n) = number(&c[2]) else { continue };
        let months = if c[3].to_ascii_lowercase().starts_with("year") {
            n * 12
        } else {
            n
        };
        // "over a year ago" is at least a year; "about a year ago" may be a
        // little less: read the loose words a month short.
        let loose = c.get(1).map(|m| m.as_str().to_ascii_lowercase());
        let over = matches!(loose.as_deref(), Some("over" | "more than"));
        let months = match loose {
            Some(_) if !over => months.saturating_sub(1),
            _ => months,
        };
        let d = today.checked_sub_months(Months::new(months)).and_then(|d| {
            if over {
                d.pred_opt()
            } else {
                Some(d)
            }
        });
        if let Some(d) = d {
            out.push((d, c[0].to_string()));
        }
    }
    // A date after today is a plan, not an event.
    out.retain(|(d, _)| *d <= today);
    out
}

/// The words that put the complaint's events more than `months` before
/// `today`, if any do (the oldest reading wins).
pub fn older_than(text: &str, today: NaiveDate, months: u32) -> Option<String> {
    let limit = today.checked_sub_months(Months::new(months))?;
    dates(text, today)
        .into_iter()
        .filter(|(d, _)| *d < limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, w)| w)
}

#[cfg(test)]
mod tests {
    use super::older_than;
    use chrono::NaiveDate;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    #[test]
    fn old_events_are_found_in_what_people_write() {
        for (text, words) in [
            (
                "This all started in March 2024 when my assessor left.",
                "March 2024",
            ),
            (
                "It happened last year and nobody has done anything.",
                "last year",
            ),
            (
                "I first raised this over a year ago with my tutor.",
                "over a year ago",
            ),
            ("My exam was marked wrongly on 12/03/2025.", "12/03/2025"),
            (
                "The course started in 2023 and I was never given a mentor.",
                "in 2023",
            ),
            (
                "Two years ago my workplace visit was cancelled.",
                "Two years ago",
            ),
            (
                "Back in Sept 2024, the centre lost my portfolio.",
                "Sept 2024",
            ),
            ("18 months ago I asked for my certificate.", "18 months ago"),
        ] {
            assert_eq!(
                older_than(text, today(), 12).as_deref(),
                Some(words),
                "{text}"
            );
        }
    }

    #[test]
    fn recent_events_and_other_numbers_are_not_flagged() {
        for text in [
            "My coach cancelled three sessions this month.",
            "In March 2026 my assessor left and nobody replaced her.",
            "It happened about a year ago, in December.",
            "I was charged £2024 for the course.",
            "Last week my session was cancelled; my reference is 2023-45.",
            "I start my next module in 2027.",
            "Six months ago I asked for my certificate.",
            "On 12/03/2026 my exam was cancelled.",
            "My order number is 2019 and the room was 2020.",
        ] {
            assert_eq!(older_than(text, today(), 12), None, "{text}");
        }
    }

    #[test]
    fn the_limit_is_the_policys() {
        let text = "My placement ended in December 2025.";
        assert_eq!(older_than(text, today(), 12), None);
        assert_eq!(
            older_than(text, today(), 3).as_deref(),
            Some("December 2025")
        );
    }

    #[test]
    fn the_oldest_date_is_the_evidence() {
        let text = "Last year I complained, and in January 2023 it began.";
        assert_eq!(
            older_than(text, today(), 12).as_deref(),
            Some("January 2023")
        );
    }
}
