//! The digest's and the scheduler's queries use an index (issue 14): each is
//! run under `EXPLAIN QUERY PLAN` on a migrated database, and none may scan
//! a table that grows with the number of cases.

use super::cases::RECENT_CASES_OF;
use super::deadlines::{DUE_CHASES, DUE_DEADLINES, NEXT_TIMER};
use super::digests::sql;
use super::figures::sql as figures;
use super::retention::{ANONYMISED_COUNT, ANONYMISED_LIST, CLOSED_BETWEEN, RETENTION_DUE};
use super::Store;
use crate::core::case::{DeadlineKind, State};
use crate::core::kind::Kind;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

/// Tables that grow with every case or message.
const GROWING: [&str; 7] = [
    "cases",
    "deadlines",
    "chases",
    "outbox",
    "audit",
    "messages",
    "deadlines_met",
];

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite"))
        .await
        .expect("open");
    (dir, store)
}

async fn plan_of(store: &Store, mut q: QueryBuilder<Sqlite>) -> Vec<String> {
    let rows: Vec<(i64, i64, i64, String)> = q
        .build_query_as()
        .fetch_all(&store.pool)
        .await
        .expect("explain");
    rows.into_iter().map(|r| r.3).collect()
}

/// The plan's lines that read a growing table from end to end.
fn scans(plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|d| {
            GROWING.iter().any(|t| {
                d.strip_prefix("SCAN ")
                    .and_then(|r| r.strip_prefix(t))
                    .is_some_and(|r| r.is_empty() || r.starts_with(' '))
            })
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn digest_and_scheduler_queries_search_indexes_and_scan_no_growing_table() {
    let (_dir, store) = store().await;
    let now: DateTime<Utc> = "2026-11-24T08:05:00Z".parse().expect("time");
    let since = now - chrono::Duration::hours(24);
    let kinds = [DeadlineKind::Respond, DeadlineKind::Decision];
    let states = [State::AwaitingConsent, State::PendingLessons];
    let p = "EXPLAIN QUERY PLAN ";
    let mut queries: Vec<(&str, QueryBuilder<Sqlite>)> = vec![
        ("new counts", sql::new_counts(p, since)),
        ("new cases", sql::new_cases(p, since, Kind::Complaint, 30)),
        ("open by stage", sql::open_by_stage(p, Kind::Complaint)),
        ("in states count", sql::in_states(p, &states, None)),
        ("in states list", sql::in_states(p, &states, Some(30))),
        (
            "closed count",
            sql::closed(p, since, Some(Kind::Complaint), false, None),
        ),
        (
            "closed list",
            sql::closed(p, since, Some(Kind::Complaint), false, Some(30)),
        ),
        ("shared list", sql::closed(p, since, None, true, Some(30))),
        (
            "cases by reference",
            sql::by_reference(
                p,
                &["PAR-2026-0001"
                    .parse::<crate::core::reference::CaseRef>()
                    .expect("ref")],
            ),
        ),
        ("remedies count", sql::with_remedies(p, None)),
        ("remedies list", sql::with_remedies(p, Some(30))),
        ("beyond cap count", sql::beyond_cap(p, None)),
        ("beyond cap list", sql::beyond_cap(p, Some(30))),
        ("paused count", sql::paused(p, None)),
        ("paused list", sql::paused(p, Some(30))),
        ("breached count", sql::breached(p, &kinds, now, None)),
        ("breached list", sql::breached(p, &kinds, now, Some(30))),
        (
            "due soon count",
            sql::due_between(p, &kinds, now, now, None),
        ),
        (
            "due soon list",
            sql::due_between(p, &kinds, now, now, Some(30)),
        ),
    ];
    let (from, to) = (since - chrono::Duration::days(365), now);
    let off = crate::core::report::utc_offsets(from, to);
    queries.extend([
        ("figures by kind", figures::by_kind(p, from, to)),
        ("figures by stage", figures::by_stage(p, from, to)),
        ("figures by flag", figures::by_flag(p, from, to)),
        ("figures by source", figures::by_source(p, from, to)),
        ("figures by language", figures::by_language(p, from, to)),
        (
            "figures received days",
            figures::received_days(p, from, to, &off),
        ),
        ("figures met", figures::met(p, from, to, None, &off)),
        (
            "figures met respond",
            figures::met(p, from, to, Some(DeadlineKind::Respond), &off),
        ),
        ("figures overdue", figures::overdue(p, from, to)),
        ("figures oldest open", figures::oldest_open(p)),
        ("figures extensions", figures::extensions(p, from, to)),
        (
            "figures extended cases",
            figures::extended_cases(p, from, to),
        ),
        ("figures outcomes", figures::outcomes(p, from, to)),
        ("figures remedies", figures::remedies(p, from, to, &off)),
        ("figures refusals", figures::refusals(p, from, to)),
        ("figures referred", figures::referred(p, from, to)),
        ("figures survey", figures::survey(p, from, to)),
        ("figures lessons", figures::lessons(p, from, to)),
    ]);
    // Unbound parameters are NULL: enough for a plan.
    for sql in [
        sql::OUTBOX_BACKLOG,
        DUE_DEADLINES,
        DUE_CHASES,
        NEXT_TIMER,
        RETENTION_DUE,
        CLOSED_BETWEEN,
        RECENT_CASES_OF,
        ANONYMISED_COUNT,
        ANONYMISED_LIST,
    ] {
        queries.push((sql, QueryBuilder::new(format!("{p}{sql}"))));
    }
    let mut failures = Vec::new();
    for (what, q) in queries {
        let plan = plan_of(&store, q).await;
        let bad = scans(&plan);
        if !bad.is_empty() || !plan.iter().any(|d| d.starts_with("SEARCH ")) {
            failures.push(format!("{what}: {plan:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "queries that scan a growing table or search none:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_scan_of_a_growing_table_is_recognised() {
    let plan = |s: &[&str]| s.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert_eq!(scans(&plan(&["SCAN chases"])).len(), 1);
    assert_eq!(
        scans(&plan(&["SCAN cases USING COVERING INDEX cases_state"])).len(),
        1
    );
    assert!(scans(&plan(&[
        "SEARCH cases USING INDEX cases_opened (opened_at>?)"
    ]))
    .is_empty());
    assert!(scans(&plan(&["SCAN cases_extra"])).is_empty());
}
