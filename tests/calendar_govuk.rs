//! The calendar against GOV.UK's published bank-holiday lists.
//!
//! `tests/data/govuk-bank-holidays.json` is a table typed in from GOV.UK's
//! published lists (the bank-holidays.json feed, same shape) for 2013–2027,
//! independent of the rules in `core::calendar`. It checks the rules and the
//! one-off table, and `calendar add-working-days` end to end through the binary.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use complaintd::core::calendar::{bank_holidays, Calendar, Nation};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use strum::IntoEnumIterator;

fn published() -> BTreeMap<Nation, BTreeSet<NaiveDate>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/govuk-bank-holidays.json"
    ))
    .expect("read GOV.UK table");
    let v: serde_json::Value = serde_json::from_str(&text).expect("parse GOV.UK table");
    let mut out = BTreeMap::new();
    for nation in Nation::iter() {
        let events = v[nation.as_str()]["events"].as_array().expect("events");
        let dates: BTreeSet<NaiveDate> = events
            .iter()
            .map(|e| e["date"].as_str().expect("date").parse().expect("iso date"))
            .collect();
        assert!(dates.len() > 100, "table for {nation} is too small");
        out.insert(nation, dates);
    }
    out
}

fn years(dates: &BTreeSet<NaiveDate>) -> std::ops::RangeInclusive<i32> {
    let first = dates.iter().next().expect("non-empty").year();
    let last = dates.iter().next_back().expect("non-empty").year();
    first..=last
}

/// A deliberately naive reference: walk day by day over the published table.
fn reference_add(holidays: &BTreeSet<NaiveDate>, from: NaiveDate, n: u32) -> NaiveDate {
    let working = |d: NaiveDate| {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d)
    };
    let mut d = from;
    while !working(d) {
        d += Duration::days(1);
    }
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if working(d) {
            left -= 1;
        }
    }
    d
}

#[test]
fn rules_reproduce_every_published_year() {
    for (nation, dates) in published() {
        for year in years(&dates) {
            let ours: BTreeSet<NaiveDate> = bank_holidays(nation, year)
                .into_iter()
                .map(|h| h.date)
                .collect();
            let theirs: BTreeSet<NaiveDate> =
                dates.iter().copied().filter(|d| d.year() == year).collect();
            assert_eq!(ours, theirs, "{nation} {year}");
        }
    }
}

#[test]
fn add_working_days_agrees_with_published_data_on_every_date() {
    let mut checked = 0usize;
    for (nation, dates) in published() {
        let cal = Calendar::new(nation);
        let range = years(&dates);
        let mut from = NaiveDate::from_ymd_opt(*range.start(), 1, 1).expect("date");
        // Stop early enough that day N stays inside the published range.
        let end = NaiveDate::from_ymd_opt(*range.end(), 12, 1).expect("date");
        while from < end {
            for n in [0, 1, 2, 5, 10] {
                let got = cal.add_working_days(from, n);
                assert_eq!(
                    got.at,
                    reference_add(&dates, from, n),
                    "{nation} {from} +{n}"
                );
                assert!(got.warnings.is_empty());
                checked += 1;
            }
            from += Duration::days(1);
        }
    }
    assert!(checked > 50_000, "only {checked} cases checked");
}

#[test]
fn the_binary_agrees_around_every_published_holiday() {
    let bin = env!("CARGO_BIN_EXE_complaintd");
    let mut checked = 0;
    for (nation, dates) in published() {
        for h in dates.iter().step_by(3) {
            let from = *h - Duration::days(1);
            for n in [1u32, 5] {
                let out = Command::new(bin)
                    .args(["calendar", "add-working-days", "--from"])
                    .arg(from.to_string())
                    .args(["--days", &n.to_string(), "--nation", nation.as_str()])
                    .output()
                    .expect("run complaintd");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let printed = String::from_utf8(out.stdout).expect("utf-8");
                assert_eq!(
                    printed.trim(),
                    reference_add(&dates, from, n)
                        .format("%Y-%m-%d")
                        .to_string(),
                    "{nation} {from} +{n}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200);
}

#[test]
fn the_binary_rejects_bad_input_clearly() {
    let bin = env!("CARGO_BIN_EXE_complaintd");
    let out = Command::new(bin)
        .args([
            "calendar",
            "add-working-days",
            "--from",
            "2026-13-01",
            "--days",
            "1",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let out = Command::new(bin)
        .args([
            "calendar",
            "add-working-days",
            "--from",
            "2026-01-01",
            "--days",
            "1",
            "--nation",
            "atlantis",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown nation"));
}
