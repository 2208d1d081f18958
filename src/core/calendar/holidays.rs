//! UK bank holidays per nation: regular days computed from the statutory rules,
//! one-off days (moved or extra holidays by proclamation) from a data table.
//!
//! Why rules *and* a table: the regular pattern is fixed by the Banking and
//! Financial Dealings Act 1971 and custom, so computing it is exact for any year;
//! one-off days cannot be derived and are listed in [`ONE_OFF`], which is where
//! a new proclamation must be added.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The three UK bank-holiday jurisdictions GOV.UK publishes separately.
/// Named on the command line and in config by the kebab-case of the variant;
/// parsing also takes `_` or a space for `-`, any case, and `england` or
/// `wales` alone.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(
    serialize_all = "kebab-case",
    ascii_case_insensitive,
    parse_err_ty = UnknownNation,
    parse_err_fn = unknown_nation
)]
pub enum Nation {
    /// England and Wales share one list.
    #[strum(
        to_string = "england-and-wales",
        serialize = "england_and_wales",
        serialize = "england and wales",
        serialize = "england",
        serialize = "wales"
    )]
    EnglandAndWales,
    /// Scotland: 2 January, first Monday of August, St Andrew's Day; no Easter Monday.
    Scotland,
    /// Northern Ireland: England's list plus St Patrick's Day and the Battle of the Boyne.
    #[strum(
        to_string = "northern-ireland",
        serialize = "northern_ireland",
        serialize = "northern ireland"
    )]
    NorthernIreland,
}

impl Nation {
    /// The name used on the command line and in config.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Error for an unknown nation name.
#[derive(Debug, thiserror::Error)]
#[error("unknown nation {0:?}: expected england-and-wales, scotland or northern-ireland")]
pub struct UnknownNation(pub String);

fn unknown_nation(name: &str) -> UnknownNation {
    UnknownNation(name.to_string())
}

/// One bank holiday.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BankHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// GOV.UK-style title.
    pub title: String,
}

/// Which nations a one-off entry applies to.
#[derive(Clone, Copy)]
enum Scope {
    All,
    /// Reserved for a proclamation that covers one nation only.
    #[allow(dead_code)]
    Only(Nation),
}

/// How a one-off entry changes the regular list.
#[derive(Clone, Copy)]
enum Change {
    /// An extra holiday.
    Add(&'static str),
    /// A regular holiday moved from one date to another.
    Move { from: (i32, u32, u32) },
}

/// One-off bank holidays. Every entry here was announced by proclamation;
/// the regular rules cannot produce them.
const ONE_OFF: &[((i32, u32, u32), Scope, Change)] = &[
    // Early May bank holiday moved to Friday for the 75th anniversary of VE day.
    (
        (2020, 5, 8),
        Scope::All,
        Change::Move { from: (2020, 5, 4) },
    ),
    // Spring bank holiday moved to Thursday for the Platinum Jubilee...
    (
        (2022, 6, 2),
        Scope::All,
        Change::Move {
            from: (2022, 5, 30),
        },
    ),
    // ...plus an extra day.
    (
        (2022, 6, 3),
        Scope::All,
        Change::Add("Platinum Jubilee bank holiday"),
    ),
    (
        (2022, 9, 19),
        Scope::All,
        Change::Add("Bank Holiday for the State Funeral of Queen Elizabeth II"),
    ),
    (
        (2023, 5, 8),
        Scope::All,
        Change::Add("Bank holiday for the coronation of King Charles III"),
    ),
];

/// First year whose list GOV.UK has published and this table mirrors.
pub const FIRST_KNOWN_YEAR: i32 = 2013;
/// Last year the calendar vouches for. Later years are still computed from the
/// rules, but a one-off day announced for them would be missing, so callers warn.
pub const LAST_KNOWN_YEAR: i32 = 2035;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with constant, valid dates or with dates derived from valid ones.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Easter Sunday by the anonymous Gregorian computus (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    let d = ymd(year, month, 1);
    let offset = (7 + Weekday::Mon.num_days_from_monday() as i64
        - d.weekday().num_days_from_monday() as i64)
        % 7;
    d + Duration::days(offset)
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        ymd(year + 1, 1, 1)
    } else {
        ymd(year, month + 1, 1)
    };
    let last = next - Duration::days(1);
    last - Duration::days(last.weekday().num_days_from_monday() as i64)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The next weekday on or after `d` that is not already taken.
fn substitute(d: NaiveDate, taken: &[NaiveDate]) -> NaiveDate {
    let mut s = d;
    while is_weekend(s) || taken.contains(&s) {
        s += Duration::days(1);
    }
    s
}

/// Push a group of fixed-date holidays that can collide (New Year and
/// 2 January; Christmas and Boxing Day). Days that fall on a weekday keep their
/// date; each that falls at a weekend takes the next weekday not already taken,
/// in order, as GOV.UK's lists do (e.g. Christmas on a Sunday: Boxing Day stays
/// Monday 26th and Christmas moves to Tuesday 27th).
fn push_fixed_group(out: &mut Vec<BankHoliday>, group: &[(NaiveDate, &str)]) {
    let mut taken: Vec<NaiveDate> = out.iter().map(|h| h.date).collect();
    for &(d, title) in group {
        if !is_weekend(d) {
            taken.push(d);
            out.push(BankHoliday {
                date: d,
                title: title.to_string(),
            });
        }
    }
    for &(d, title) in group {
        if is_weekend(d) {
            let s = substitute(d, &taken);
            taken.push(s);
            out.push(BankHoliday {
                date: s,
                title: format!("{title} (substitute day)"),
            });
        }
    }
}

fn push_fixed(out: &mut Vec<BankHoliday>, d: NaiveDate, title: &str) {
    push_fixed_group(out, &[(d, title)]);
}

/// The bank holidays of one nation in one year, sorted by date.
pub fn bank_holidays(nation: Nation, year: i32) -> Vec<BankHoliday> {
    let mut out: Vec<BankHoliday> = Vec::new();
    // New Year (and Scotland's 2 January) first: their substitutes interact.
    if nation == Nation::Scotland {
        push_fixed_group(
            &mut out,
            &[
                (ymd(year, 1, 1), "New Year’s Day"),
                (ymd(year, 1, 2), "2nd January"),
            ],
        );
    } else {
        push_fixed(&mut out, ymd(year, 1, 1), "New Year’s Day");
    }
    if nation == Nation::NorthernIreland {
        push_fixed(&mut out, ymd(year, 3, 17), "St Patrick’s Day");
    }
    let easter = easter_sunday(year);
    out.push(BankHoliday {
        date: easter - Duration::days(2),
        title: "Good Friday".into(),
    });
    if nation != Nation::Scotland {
        out.push(BankHoliday {
            date: easter + Duration::days(1),
            title: "Easter Monday".into(),
        });
    }
    out.push(BankHoliday {
        date: first_monday(year, 5),
        title: "Early May bank holiday".into(),
    });
    out.push(BankHoliday {
        date: last_monday(year, 5),
        title: "Spring bank holiday".into(),
    });
    if nation == Nation::NorthernIreland {
        push_fixed(
            &mut out,
            ymd(year, 7, 12),
            "Battle of the Boyne (Orangemen’s Day)",
        );
    }
    let summer = if nation == Nation::Scotland {
        first_monday(year, 8)
    } else {
        last_monday(year, 8)
    };
    out.push(BankHoliday {
        date: summer,
        title: "Summer bank holiday".into(),
    });
    if nation == Nation::Scotland {
        push_fixed(&mut out, ymd(year, 11, 30), "St Andrew’s Day");
    }
    push_fixed_group(
        &mut out,
        &[
            (ymd(year, 12, 25), "Christmas Day"),
            (ymd(year, 12, 26), "Boxing Day"),
        ],
    );

    for &((y, m, d), scope, change) in ONE_OFF {
        if y != year {
            continue;
        }
        match scope {
            Scope::All => {}
            Scope::Only(n) if n == nation => {}
            Scope::Only(_) => continue,
        }
        let date = ymd(y, m, d);
        match change {
            Change::Add(title) => out.push(BankHoliday {
                date,
                title: title.to_string(),
            }),
            Change::Move { from } => {
                let from = ymd(from.0, from.1, from.2);
                if let Some(h) = out.iter_mut().find(|h| h.date == from) {
                    h.date = date;
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn computus_matches_known_easters() {
        let known = [
            (2013, 3, 31),
            (2014, 4, 20),
            (2015, 4, 5),
            (2016, 3, 27),
            (2017, 4, 16),
            (2018, 4, 1),
            (2019, 4, 21),
            (2020, 4, 12),
            (2021, 4, 4),
            (2022, 4, 17),
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
            (2031, 4, 13),
            (2032, 3, 28),
            (2033, 4, 17),
            (2034, 4, 9),
            (2035, 3, 25),
        ];
        for (y, m, d) in known {
            assert_eq!(easter_sunday(y), ymd(y, m, d), "Easter {y}");
        }
    }

    #[test]
    fn scotland_new_year_substitutes_when_new_year_is_saturday() {
        // 2022: 1 Jan Saturday -> Mon 3 and Tue 4 January.
        let days: Vec<_> = bank_holidays(Nation::Scotland, 2022)
            .into_iter()
            .map(|h| h.date)
            .take(2)
            .collect();
        assert_eq!(days, vec![ymd(2022, 1, 3), ymd(2022, 1, 4)]);
    }

    #[test]
    fn christmas_on_saturday_gives_monday_and_tuesday() {
        let days: Vec<_> = bank_holidays(Nation::EnglandAndWales, 2027)
            .into_iter()
            .map(|h| h.date)
            .filter(|d| d.month() == 12)
            .collect();
        assert_eq!(days, vec![ymd(2027, 12, 27), ymd(2027, 12, 28)]);
    }

    #[test]
    fn nation_names_round_trip() {
        for n in Nation::iter() {
            assert_eq!(n.as_str().parse::<Nation>().ok(), Some(n));
            assert_eq!(n.to_string(), n.as_str());
            let json = serde_json::to_string(&n).expect("json");
            assert_eq!(json, format!("\"{}\"", n.as_str()));
        }
        for (given, n) in [
            ("England", Nation::EnglandAndWales),
            ("wales", Nation::EnglandAndWales),
            ("England_and_Wales", Nation::EnglandAndWales),
            ("england and wales", Nation::EnglandAndWales),
            ("SCOTLAND", Nation::Scotland),
            ("northern_ireland", Nation::NorthernIreland),
            ("Northern Ireland", Nation::NorthernIreland),
        ] {
            assert_eq!(given.parse::<Nation>().ok(), Some(n), "{given}");
        }
        let e = "mars".parse::<Nation>().expect_err("mars is no nation");
        assert_eq!(
            e.to_string(),
            "unknown nation \"mars\": expected england-and-wales, scotland or northern-ireland"
        );
    }
}
