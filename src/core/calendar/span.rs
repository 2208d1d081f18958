//! Policy time spans such as "5 working days", "12 hours", "the same day".

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A length of time a policy allows for something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    /// By the end of the business day of receipt.
    SameDay,
    /// N working days: the first working day after the day of receipt is
    /// day 1, and the deadline is the end of the business day of day N.
    WorkingDays(u32),
    /// N elapsed hours, weekends included ("within 12 hours of receipt").
    Hours(u32),
    /// N hours of business time only.
    WorkingHours(u32),
    /// N calendar days, weekends and bank holidays included (statutory
    /// limits such as the 30 days to acknowledge a data-protection
    /// complaint): the day after the day of receipt is day 1. See
    /// [`Calendar::deadline`](super::Calendar::deadline) for when on day N
    /// it falls.
    CalendarDays(u32),
}

/// Error for a span the parser does not understand.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot read {0:?} as a time span: write e.g. \"same day\", \"5 working days\", \"30 calendar days\", \"12 hours\" or \"4 working hours\"")]
pub struct SpanParseError(pub String);

impl FromStr for Span {
    type Err = SpanParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        let words: Vec<&str> = norm.split_whitespace().collect();
        let err = || SpanParseError(s.to_string());
        match words.as_slice() {
            ["same", "day"] | ["the", "same", "day"] => Ok(Span::SameDay),
            [n, "working", unit] | [n, "business", unit] => {
                let n: u32 = n.parse().map_err(|_| err())?;
                match *unit {
                    "day" | "days" if n == 0 => Ok(Span::SameDay),
                    "day" | "days" => Ok(Span::WorkingDays(n)),
                    "hour" | "hours" => Ok(Span::WorkingHours(n)),
                    _ => Err(err()),
                }
            }
            [n, "calendar", "day" | "days"] => match n.parse().map_err(|_| err())? {
                0 => Ok(Span::SameDay),
                n => Ok(Span::CalendarDays(n)),
            },
            [n, "hour"] | [n, "hours"] => Ok(Span::Hours(n.parse().map_err(|_| err())?)),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match *self {
            Span::SameDay => write!(f, "same day"),
            Span::WorkingDays(n) => write!(f, "{n} working day{}", plural(n)),
            Span::Hours(n) => write!(f, "{n} hour{}", plural(n)),
            Span::WorkingHours(n) => write!(f, "{n} working hour{}", plural(n)),
            Span::CalendarDays(n) => write!(f, "{n} calendar day{}", plural(n)),
        }
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (s, v) in [
            ("same day", Span::SameDay),
            ("5 working days", Span::WorkingDays(5)),
            ("1 working day", Span::WorkingDays(1)),
            ("12 hours", Span::Hours(12)),
            ("4 working hours", Span::WorkingHours(4)),
            ("30 calendar days", Span::CalendarDays(30)),
            ("1 calendar day", Span::CalendarDays(1)),
        ] {
            assert_eq!(s.parse::<Span>(), Ok(v));
            assert_eq!(v.to_string(), s);
        }
        assert_eq!("0 working days".parse::<Span>(), Ok(Span::SameDay));
        assert!("fortnight".parse::<Span>().is_err());
        assert!("x working days".parse::<Span>().is_err());
        assert_eq!(
            "30 Calendar Days".parse::<Span>(),
            Ok(Span::CalendarDays(30))
        );
        assert_eq!("0 calendar days".parse::<Span>(), Ok(Span::SameDay));
        assert!("30 calendar".parse::<Span>().is_err());
        assert!("thirty calendar days".parse::<Span>().is_err());
    }
}
