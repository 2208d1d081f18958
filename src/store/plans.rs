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

/// The figures whose rows grow with a period's cases: their grouping must
/// follow an index, never a sort of the period's rows.
const ROW_SORTS: [&str; 5] = [
    "figures received",
    "figures received days",
    "figures met",
    "figures outcomes",
    "figures lessons",
];

/// Partial indexes of rare rows (0202): reading one whole is not a scan of
/// its table.
const PARTIAL: [&str; 4] = [
    "messages_unpacked",
    "outbox_unpacked",
    "cases_paused",
    "case_extensions_beyond",
];

/// Tables that grow with every case or message (the day counts of 0260
/// grow with the days, but a period is read as a range of them too).
const GROWING: [&str; 19] = [
    "cases",
    "deadlines",
    "chases",
    "outbox",
    "audit",
    "messages",
    "deadlines_met",
    "case_flags",
    "case_outcomes",
    "case_extensions",
    "case_remedies",
    "case_refusals",
    "case_surveys",
    "case_lessons",
    "count_received",
    "count_met",
    "count_outcomes",
    "count_flags",
    "count_surveys",
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
        .fetch_all(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("explain");
    rows.into_iter().map(|r| r.3).collect()
}

/// The plan as (id, parent, detail) rows.
async fn plan_tree(store: &Store, mut q: QueryBuilder<Sqlite>) -> Vec<(i64, i64, String)> {
    let rows: Vec<(i64, i64, i64, String)> = q
        .build_query_as()
        .fetch_all(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("explain");
    rows.into_iter().map(|r| (r.0, r.1, r.3)).collect()
}

/// The plan's lines that read a growing table from end to end.
fn scans(plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|d| !PARTIAL.iter().any(|i| d.ends_with(&format!(" INDEX {i}"))))
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
        ("figures open by stage", figures::open_by_stage(p)),
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
    let (day0, day1) = (from.date_naive(), to.date_naive());
    let off = crate::core::report::utc_offsets(from, to);
    let figure_queries = [
        ("figures received", figures::received(p, day0, day1)),
        ("figures by flag", figures::by_flag(p, day0, day1)),
        (
            "figures received days",
            figures::received_days(p, day0, day1),
        ),
        ("figures met", figures::met(p, day0, day1, None)),
        (
            "figures met respond",
            figures::met(p, day0, day1, Some(DeadlineKind::Respond)),
        ),
        ("figures overdue", figures::overdue(p, from, to)),
        ("figures oldest open", figures::oldest_open(p)),
        ("figures extensions", figures::extensions(p, day0, day1)),
        (
            "figures extended cases",
            figures::extended_cases(p, day0, day1),
        ),
        ("figures outcomes", figures::outcomes(p, day0, day1)),
        ("figures remedies", figures::remedies(p, day0, day1, &off)),
        ("figures refusals", figures::refusals(p, day0, day1)),
        ("figures survey", figures::survey(p, day0, day1)),
        ("figures lessons", figures::lessons(p, day0, day1)),
    ];
    // The period's figures read indexes only (no case's row, no JSON), and
    // those whose rows grow with a period's cases never sort those rows:
    // they group in index order (a sort of the groups after is cheap).
    let mut figure_failures = Vec::new();
    for (what, q) in figure_queries {
        let tree = plan_tree(&store, q).await;
        let plan: Vec<String> = tree.iter().map(|(_, _, d)| d.clone()).collect();
        let reads = |d: &str| {
            d.starts_with("SEARCH ") && GROWING.iter().any(|t| d[7..].starts_with(&format!("{t} ")))
        };
        let sorted_rows = tree.iter().any(|(_, parent, d)| {
            (d.contains("TEMP B-TREE FOR GROUP BY") || d.contains("TEMP B-TREE FOR ORDER BY"))
                && tree.iter().any(|(_, p, r)| p == parent && reads(r))
        });
        let bad = plan.iter().any(|d| {
            d.contains("json_each")
                || (d.starts_with("SEARCH cases ")
                    && !d.contains("COVERING INDEX")
                    && what != "figures oldest open")
        }) || (sorted_rows && ROW_SORTS.contains(&what))
            || !scans(&plan).is_empty()
            || !plan.iter().any(|d| reads(d));
        if bad {
            figure_failures.push(format!("{what}: {plan:?}"));
        }
    }
    assert!(
        figure_failures.is_empty(),
        "figures that read rows or JSON, sort a period's rows or scan:\n{}",
        figure_failures.join("\n")
    );
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
        super::UNPACKED_MESSAGES,
        super::UNPACKED_OUTBOX,
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

/// The look for unpacked rows at every open, and the digest's paused and
/// beyond-cap lists, read partial indexes of just those rows (a range of
/// the rowid from 0 would be the whole table; the open states, every open
/// case's JSON).
#[tokio::test]
async fn the_look_for_unpacked_rows_and_the_digests_rare_lists_read_only_those() {
    let (_dir, store) = store().await;
    let p = "EXPLAIN QUERY PLAN ";
    for (q, index) in [
        (
            QueryBuilder::new(format!("{p}{}", super::UNPACKED_MESSAGES)),
            "messages_unpacked",
        ),
        (
            QueryBuilder::new(format!("{p}{}", super::UNPACKED_OUTBOX)),
            "outbox_unpacked",
        ),
        (sql::paused(p, None), "cases_paused"),
        (sql::paused(p, Some(30)), "cases_paused"),
        (sql::beyond_cap(p, None), "case_extensions_beyond"),
        (sql::beyond_cap(p, Some(30)), "case_extensions_beyond"),
    ] {
        let sql = q.sql().as_str().to_string();
        let plan = plan_of(&store, q).await;
        assert!(
            plan.iter().any(|d| d.contains(&format!("INDEX {index}"))),
            "{sql}: {plan:?}"
        );
    }
}
