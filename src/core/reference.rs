//! Case references: `PREFIX-YYYY-NNNN`, e.g. `CMP-2026-0042`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A case reference. The prefix comes from the policy; the year is the year
/// the case opened; the number counts up within the year (at least 4 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseRef {
    prefix: String,
    year: i32,
    number: u32,
}

/// Error for text that is not a case reference.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a case reference (expected e.g. CMP-2026-0042)")]
pub struct BadRef(pub String);

impl CaseRef {
    /// Build a reference.
    pub fn new(prefix: &str, year: i32, number: u32) -> CaseRef {
        CaseRef {
            prefix: prefix.to_ascii_uppercase(),
            year,
            number,
        }
    }

    /// The policy prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The year the case opened.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The number within the year.
    pub fn number(&self) -> u32 {
        self.number
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:04}", self.prefix, self.year, self.number)
    }
}

impl FromStr for CaseRef {
    type Err = BadRef;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadRef(s.to_string());
        let mut it = s.trim().split('-');
        let (Some(p), Some(y), Some(n), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let prefix_ok = !p.is_empty()
            && p.len() <= 8
            && p.chars().all(|c| c.is_ascii_alphanumeric())
            && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !prefix_ok || y.len() != 4 || n.len() < 4 || n.len() > 9 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let number: u32 = n.parse().map_err(|_| bad())?;
        if !y.chars().all(|c| c.is_ascii_digit()) || !n.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(CaseRef::new(p, year, number))
    }
}

impl TryFrom<String> for CaseRef {
    type Error = BadRef;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CaseRef> for String {
    fn from(r: CaseRef) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let r: CaseRef = "cmp-2026-0042".parse().unwrap();
        assert_eq!(r.to_string(), "CMP-2026-0042");
        assert_eq!(
            CaseRef::new("PAR", 2027, 12345).to_string(),
            "PAR-2027-12345"
        );
        for bad in [
            "",
            "CMP",
            "CMP-26-0042",
            "CMP-2026-42",
            "CMP-2026-00x2",
            "-2026-0042",
            "C M-2026-0001",
        ] {
            assert!(bad.parse::<CaseRef>().is_err(), "{bad}");
        }
    }
}
