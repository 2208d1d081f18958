//! The figures on a fixture with known answers: October 2026 (the clocks go
//! back on the 25th; a case received at 00:30 on 1 October in London is
//! 23:30 UTC on 30 September) and the last week of August 2026 (Monday 31
//! August is a bank holiday in England and Wales).

use super::super::Store;
use crate::core::calendar::{Calendar, Nation};
use crate::core::case::records::{
    Extension, Outcome, Refusal, RefusalGround, Remedy, RemedyKind, StageOutcome,
};
use crate::core::case::{Case, ConsentStatus, Deadline, DeadlineKind, Party, State};
use crate::core::kind::{Flag, Kind};
use crate::core::reference::CaseRef;
use crate::core::report::{Count, Period};
use crate::core::survey::{Answer, Survey};
use chrono::{DateTime, NaiveDate, Utc};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("a test time")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a test date")
}

fn case(n: u32, kind: Kind, state: State, opened: &str) -> Case {
    let opened_at = at(opened);
    Case {
        reference: CaseRef::new("FIG", 2026, n),
        kind,
        flags: Default::default(),
        state,
        stage: 0,
        complainant: Party {
            address: format!("person{n}@example.test"),
            name: None,
        },
        handler: Some("handler@org.test".into()),
        excluded_handlers: Vec::new(),
        opened_at,
        stage_received_at: opened_at,
        acknowledged_at: Some(opened_at),
        responded_at: None,
        deadlines: Vec::new(),
        consent: ConsentStatus::NotNeeded,
        lessons: None,
        share_permission: None,
        resume_state: None,
        last_inbound_id: None,
        closed_at: state.is_final().then_some(opened_at),
        contacts: Vec::new(),
        consent_asked: Vec::new(),
        escalation_undecided: false,
        linked: Vec::new(),
        drafts: Vec::new(),
        drafts_made: 0,
        paused: None,
        language: None,
        hold: None,
        anonymised_at: None,
        data_protection: false,
        survey: None,
        no_survey: false,
        records: Default::default(),
    }
}

fn deadline(kind: DeadlineKind, start: &str, due: &str) -> Deadline {
    Deadline {
        kind,
        stage: 0,
        start: at(start),
        due: at(due),
        breached: false,
    }
}

async fn fixture() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite"))
        .await
        .expect("open");
    // A: 00:30 on 1 October in London, escalated, Welsh, with records.
    let mut a = case(1, Kind::Complaint, State::Open, "2026-09-30T23:30:00Z");
    a.stage = 1;
    a.flags.insert(Flag::Safeguarding);
    a.flags.insert(Flag::WelshLanguage);
    a.language = Some("cy".into());
    let by = "handler@org.test".to_string();
    let outcome = |stage, outcome, sent: Option<&str>| StageOutcome {
        stage,
        outcome,
        reasons: "reasons".into(),
        by: by.clone(),
        at: at("2026-10-20T10:00:00Z"),
        sent_at: sent.map(at),
    };
    a.records.outcomes = vec![
        outcome(0, Outcome::PartlyUpheld, Some("2026-10-20T10:00:00Z")),
        // Not sent yet: not counted.
        outcome(1, Outcome::Upheld, None),
    ];
    let remedy = |number, kind, due: &str, done: Option<&str>| Remedy {
        number,
        kind,
        owner: by.clone(),
        due: day(due),
        description: "put right".into(),
        by: by.clone(),
        at: at("2026-10-20T10:00:00Z"),
        done: done.map(|t| (at(t), by.clone())),
        alerted: false,
    };
    a.records.remedies = vec![
        // Done at 00:30 on the 21st in London: a day late, though the
        // UTC date is the 20th.
        remedy(
            1,
            RemedyKind::Apology,
            "2026-10-20",
            Some("2026-10-20T23:30:00Z"),
        ),
        remedy(
            2,
            RemedyKind::Apology,
            "2026-10-30",
            Some("2026-10-22T09:00:00Z"),
        ),
        remedy(3, RemedyKind::Refund, "2026-11-20", None),
    ];
    let ext = |beyond: Option<&str>| Extension {
        stage: 0,
        until: day("2026-11-10"),
        reason: "waiting for the employer's records".into(),
        working_days: 5,
        total_working_days: 5,
        beyond_cap: beyond.map(String::from),
        by: by.clone(),
        at: at("2026-10-20T10:00:00Z"),
    };
    a.records.extensions = vec![ext(None), ext(Some("the employer is closed"))];
    // B: 23:30 on 31 October in London (GMT again).
    let mut b = case(
        2,
        Kind::Complaint,
        State::ReferredExternally,
        "2026-10-31T23:30:00Z",
    );
    b.flags.insert(Flag::Safeguarding);
    b.records.refusals = vec![Refusal {
        stage: 0,
        escalation: false,
        ground: RefusalGround::OutOfTime,
        reason: "too late".into(),
        by: by.clone(),
        at: at("2026-11-01T10:00:00Z"),
    }];
    b.survey = Some(Survey {
        sent_at: at("2026-11-05T10:00:00Z"),
        answered_at: Some(at("2026-11-06T10:00:00Z")),
        answer: Some(Answer {
            score: Some(4),
            satisfied: Some(true),
            comment: None,
        }),
    });
    b.lessons = Some("Publish the timetable a week ahead".into());
    // C: 1 November in London; D: a compliment in October; E: a bounce in
    // October (machine mail, never counted); F: 23:30 on 30 September.
    let c = case(3, Kind::Complaint, State::Open, "2026-11-01T00:30:00Z");
    let d = case(4, Kind::Compliment, State::Closed, "2026-10-10T10:00:00Z");
    let e = case(5, Kind::Bounce, State::Closed, "2026-10-11T10:00:00Z");
    let f = case(6, Kind::Complaint, State::Closed, "2026-09-30T22:30:00Z");

    let mut tx = store.begin().await.expect("begin");
    for x in [&a, &b, &c, &d, &e, &f] {
        Store::save_case(&mut tx, x, x.opened_at)
            .await
            .expect("save");
    }
    // Where each came from: A and D by the complaints mailbox, B by the
    // Welsh one; A's later message from elsewhere does not change its source.
    for (i, (r, source, t)) in [
        (&a.reference, "complaints", "2026-09-30T23:30:00Z"),
        (&a.reference, "other", "2026-10-05T09:00:00Z"),
        (&b.reference, "cwynion", "2026-10-31T23:30:00Z"),
        (&d.reference, "complaints", "2026-10-10T10:00:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO messages (content_hash, source, received_at, raw, size, case_ref, status)
             VALUES (?, ?, ?, X'00', 0, ?, 'processed')",
        )
        .bind(format!("hash{i}"))
        .bind(source)
        .bind(at(t))
        .bind(r)
        .execute(tx.sqlite().expect("sqlite"))
        .await
        .expect("message");
    }
    let met = [
        // Thursday 1 October to Thursday 29 October: 20 working days, on time.
        (
            deadline(
                DeadlineKind::Respond,
                "2026-10-01T08:00:00Z",
                "2026-10-29T17:00:00Z",
            ),
            "2026-10-29T10:00:00Z",
        ),
        // Monday 26 to 23:30 on Saturday 31 October (after the clock
        // change): 4 working days, late.
        (
            deadline(
                DeadlineKind::Respond,
                "2026-10-26T09:00:00Z",
                "2026-10-30T17:00:00Z",
            ),
            "2026-10-31T23:30:00Z",
        ),
        // Met at 00:30 on 1 October in London: in October; 1 working day.
        (
            deadline(
                DeadlineKind::Respond,
                "2026-09-30T08:00:00Z",
                "2026-10-05T16:00:00Z",
            ),
            "2026-09-30T23:30:00Z",
        ),
        // 1 November in London: not in October.
        (
            deadline(
                DeadlineKind::Respond,
                "2026-10-28T09:00:00Z",
                "2026-11-05T17:00:00Z",
            ),
            "2026-11-01T00:30:00Z",
        ),
        // Acknowledged at once.
        (
            deadline(
                DeadlineKind::Acknowledge,
                "2026-10-10T10:00:00Z",
                "2026-10-10T10:00:00Z",
            ),
            "2026-10-10T10:00:00Z",
        ),
        // Friday 28 August to Tuesday 1 September over the bank holiday:
        // 1 working day.
        (
            deadline(
                DeadlineKind::Respond,
                "2026-08-28T09:00:00Z",
                "2026-09-04T16:00:00Z",
            ),
            "2026-09-01T10:00:00Z",
        ),
    ];
    for (dl, t) in &met {
        Store::record_met(&mut tx, &a.reference, dl, at(t))
            .await
            .expect("met");
    }
    // Still unmet: one fell due in October (late), one falls due later.
    Store::set_deadline(
        &mut tx,
        &a.reference,
        &deadline(
            DeadlineKind::Respond,
            "2026-10-13T09:00:00Z",
            "2026-10-20T16:00:00Z",
        ),
    )
    .await
    .expect("deadline");
    Store::set_deadline(
        &mut tx,
        &c.reference,
        &deadline(
            DeadlineKind::Respond,
            "2026-11-01T00:30:00Z",
            "2026-11-20T17:00:00Z",
        ),
    )
    .await
    .expect("deadline");
    tx.commit().await.expect("commit");
    (dir, store)
}

fn pairs<T: Clone>(c: &[Count<T>]) -> Vec<(T, u64)> {
    c.iter().map(|c| (c.what.clone(), c.n)).collect()
}

#[tokio::test]
async fn october_figures_count_local_days_across_the_clock_change() {
    let (_dir, store) = fixture().await;
    let cal = Calendar::new(Nation::EnglandAndWales);
    let october = Period {
        from: day("2026-10-01"),
        to: day("2026-11-01"),
    };
    let f = store
        .figures(october, &cal, at("2026-11-30T12:00:00Z"))
        .await
        .expect("figures");
    let r = &f.received;
    assert_eq!(r.total, 3, "A, B and D; not the bounce, C or F");
    assert_eq!(
        pairs(&r.by_kind),
        [(Kind::Complaint, 2), (Kind::Compliment, 1)]
    );
    assert_eq!(
        pairs(&r.by_flag),
        [(Flag::Safeguarding, 2), (Flag::WelshLanguage, 1)]
    );
    assert_eq!(pairs(&r.by_stage), [(0, 1), (1, 1)]);
    assert_eq!(
        pairs(&r.by_source),
        [("complaints".to_string(), 2), ("cwynion".to_string(), 1)]
    );
    assert_eq!(
        pairs(&r.by_language),
        [("cy".to_string(), 1), ("unknown".to_string(), 2)]
    );

    let respond = f.timeliness_of(DeadlineKind::Respond);
    assert_eq!((respond.met, respond.on_time, respond.overdue), (3, 2, 1));
    assert_eq!(respond.on_time_percent(), Some(50.0));
    assert_eq!(pairs(&respond.days_taken), [(1, 1), (4, 1), (20, 1)]);
    assert_eq!(respond.within(20), 3);
    let ack = f.timeliness_of(DeadlineKind::Acknowledge);
    assert_eq!((ack.met, ack.on_time, ack.overdue), (1, 1, 0));
    assert_eq!(pairs(&ack.days_taken), [(0, 1)]);

    // Now: A (stage 1) and C (stage 0) are open; A is the older.
    assert_eq!(pairs(&f.open_by_stage), [(0, 1), (1, 1)]);
    let oldest = f.oldest_open.as_ref().expect("oldest");
    assert_eq!(oldest.reference.to_string(), "FIG-2026-0001");
    assert_eq!(oldest.stage, 1);

    assert_eq!(
        (
            f.extensions.total,
            f.extensions.cases,
            f.extensions.beyond_cap
        ),
        (2, 1, 1)
    );
    assert_eq!(
        pairs(&f.extensions.reasons),
        [("waiting for the employer's records".to_string(), 2)]
    );
    assert_eq!(
        f.outcomes.len(),
        1,
        "the unsent stage 2 outcome is not counted"
    );
    assert_eq!(f.outcomes[0].stage, 0);
    assert_eq!(pairs(&f.outcomes[0].outcomes), [(Outcome::PartlyUpheld, 1)]);
    assert_eq!(f.outcomes[0].uphold_percent(), Some(100.0));
    let rem: Vec<(RemedyKind, u64, u64, u64)> = f
        .remedies
        .iter()
        .map(|r| (r.kind, r.total, r.done, r.done_on_time))
        .collect();
    assert_eq!(
        rem,
        [
            (RemedyKind::Apology, 2, 2, 1),
            (RemedyKind::Refund, 1, 0, 0)
        ]
    );
    assert_eq!(f.remedies_outstanding(), 1);
    assert_eq!(f.refusals.len(), 1);
    assert_eq!(
        (
            f.refusals[0].ground,
            f.refusals[0].escalation,
            f.refusals[0].n
        ),
        (RefusalGround::OutOfTime, false, 1)
    );
    assert_eq!(f.referred_externally, 1);
    let s = &f.survey;
    assert_eq!(
        (s.sent, s.answered, s.satisfied, s.not_satisfied, s.scored),
        (1, 1, 1, 0, 1)
    );
    assert_eq!(s.mean_score, Some(4.0));
    assert_eq!(f.lessons.len(), 1);
    assert_eq!(f.lessons[0].reference.to_string(), "FIG-2026-0002");
    assert_eq!(f.lessons[0].lesson, "Publish the timetable a week ahead");

    // The digest's cheap read says the same.
    assert_eq!(store.received(october).await.expect("received"), f.received);
}

#[tokio::test]
async fn days_taken_skip_the_august_bank_holiday() {
    let (_dir, store) = fixture().await;
    let cal = Calendar::new(Nation::EnglandAndWales);
    let f = store
        .figures(
            Period {
                from: day("2026-08-24"),
                to: day("2026-09-07"),
            },
            &cal,
            at("2026-11-30T12:00:00Z"),
        )
        .await
        .expect("figures");
    let respond = f.timeliness_of(DeadlineKind::Respond);
    assert_eq!((respond.met, respond.on_time), (1, 1));
    assert_eq!(pairs(&respond.days_taken), [(1, 1)]);
    assert_eq!(f.received.total, 0);
}

#[tokio::test]
async fn the_weekly_series_counts_local_weeks_and_reconciles_with_the_period_figures() {
    let (_dir, store) = fixture().await;
    let cal = Calendar::new(Nation::EnglandAndWales);
    let weeks = store
        .weekly_series(day("2026-11-01"), 2)
        .await
        .expect("weeks");
    let got: Vec<(String, u64, u64, u64)> = weeks
        .iter()
        .map(|w| (w.start.to_string(), w.received, w.responses, w.on_time))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-10-19".to_string(), 0, 0, 0),
            // Monday 26 October to Sunday 1 November: B and C received;
            // responses on the 29th (on time), the 31st (late) and the
            // 1st (on time).
            ("2026-10-26".to_string(), 2, 3, 2)
        ]
    );
    // Each week is the same as the period figures for that week.
    for w in &weeks {
        let p = Period {
            from: w.start,
            to: w.start + chrono::Duration::weeks(1),
        };
        let f = store
            .figures(p, &cal, at("2026-11-30T12:00:00Z"))
            .await
            .expect("figures");
        let t = f.timeliness_of(DeadlineKind::Respond);
        assert_eq!(
            (w.received, w.responses, w.on_time),
            (f.received.total, t.met, t.on_time)
        );
    }
}

/// Instants either side of every change of the clocks from 1997 to 2037, to
/// the second and with a fraction, as the store writes them.
fn around_clock_changes() -> Vec<DateTime<Utc>> {
    let offsets =
        crate::core::report::utc_offsets(at("1997-01-01T00:00:00Z"), at("2037-12-31T00:00:00Z"));
    let mut out = Vec::new();
    for (change, _) in offsets.1 {
        for secs in [-3601, -3600, -1, 0, 1, 3599, 3600, 82_799, 82_800, 86_399] {
            let t = change + chrono::Duration::seconds(secs);
            out.push(t);
            out.push(t + chrono::Duration::milliseconds(250));
        }
    }
    // Local midnights and 23:30 UTC, in winter and in summer.
    for s in [
        "2026-01-15T00:00:00Z",
        "2026-01-15T23:30:00Z",
        "2026-07-15T22:59:59Z",
        "2026-07-15T23:00:00Z",
        "2026-12-31T23:59:59Z",
    ] {
        out.push(at(s));
    }
    out
}

/// A database from before the figures had their own columns and tables
/// (0200): its cases, messages and deadlines as the store kept them then,
/// upgraded by opening it. The back-fill (0201) gives every figure the
/// store counts for cases written since, and the local days it computes in
/// SQL are the time zone database's, around every change of the clocks.
#[tokio::test]
async fn a_database_from_before_the_figure_tables_back_fills_them_to_the_same_figures() {
    use sqlx::sqlite::SqliteConnectOptions;
    let (dir, store) = fixture().await;
    let cal = Calendar::new(Nation::EnglandAndWales);
    let now = at("2026-11-24T08:05:00Z");
    let periods = [
        Period {
            from: day("2026-10-01"),
            to: day("2026-11-01"),
        },
        Period {
            from: day("2026-08-01"),
            to: day("2026-12-01"),
        },
    ];
    // Deadlines met at instants around every change of the clocks (their
    // local days written by the store from the time zone database).
    let instants = around_clock_changes();
    let clk: CaseRef = "CLK-1997-0001".parse().expect("reference");
    let mut tx = store.begin().await.expect("begin");
    for t in &instants {
        let d = Deadline {
            kind: DeadlineKind::Permission,
            stage: 0,
            start: *t,
            due: *t,
            breached: false,
        };
        Store::record_met(&mut tx, &clk, &d, *t).await.expect("met");
    }
    tx.commit().await.expect("commit");
    let mut want = Vec::new();
    for p in periods {
        want.push(store.figures(p, &cal, now).await.expect("figures"));
    }
    let want_weeks = store
        .weekly_series(day("2026-11-01"), 10)
        .await
        .expect("weeks");
    store.close().await;

    // The old schema, filled with the same rows (the columns it had).
    let old = dir.path().join("old.sqlite");
    let opts = SqliteConnectOptions::new()
        .filename(&old)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
    let migrator: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.run_to(199, &pool).await.expect("migrate to 0199");
    let mut c = pool.acquire().await.expect("connection");
    sqlx::query("ATTACH DATABASE ? AS new")
        .bind(dir.path().join("db.sqlite").to_string_lossy().to_string())
        .execute(&mut *c)
        .await
        .expect("attach");
    for table in ["cases", "messages", "deadlines", "deadlines_met"] {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&mut *c)
            .await
            .expect("columns");
        assert!(!cols.is_empty(), "{table} in the old schema");
        let cols = cols.join(", ");
        sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO main.{table} ({cols}) SELECT {cols} FROM new.{table}"
        ))
        .build()
        .execute(&mut *c)
        .await
        .expect("copy rows");
    }
    sqlx::query("DETACH DATABASE new")
        .execute(&mut *c)
        .await
        .expect("detach");
    drop(c);
    pool.close().await;

    let store = Store::open(&old).await.expect("upgrade");
    assert_day_counts_exact(&store, "after the upgrade").await;
    for (p, want) in periods.iter().zip(&want) {
        let got = store.figures(*p, &cal, now).await.expect("figures");
        assert_eq!(&got, want, "the figures of {p:?} after the upgrade");
    }
    let weeks = store
        .weekly_series(day("2026-11-01"), 10)
        .await
        .expect("weeks");
    assert_eq!(weeks, want_weeks, "the weekly series after the upgrade");

    let days: Vec<(DateTime<Utc>, NaiveDate, NaiveDate)> = sqlx::query_as(
        "SELECT start, start_day, met_day FROM deadlines_met WHERE case_ref = 'CLK-1997-0001' ORDER BY id",
    )
    .fetch_all(store.sqlite_pool().expect("sqlite"))
    .await
    .expect("days");
    assert_eq!(days.len(), instants.len());
    for (t, start_day, met_day) in days {
        let local = crate::core::report::local_day(t);
        assert_eq!((start_day, met_day), (local, local), "the local day of {t}");
    }
    // A case's row: its received day, language and mailbox.
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT reference, opened_day, language, source FROM cases ORDER BY reference",
    )
    .fetch_all(store.sqlite_pool().expect("sqlite"))
    .await
    .expect("cases");
    assert_eq!(
        rows[..3],
        [
            (
                "FIG-2026-0001".into(),
                Some("2026-10-01".into()),
                Some("cy".into()),
                Some("complaints".into())
            ),
            (
                "FIG-2026-0002".into(),
                Some("2026-10-31".into()),
                None,
                Some("cwynion".into())
            ),
            (
                "FIG-2026-0003".into(),
                Some("2026-11-01".into()),
                None,
                None
            ),
        ]
    );
}

/// The figure tables follow every write of a case and of its messages: a
/// record added later counts, a case reclassified as machine mail stops
/// counting, and the mailbox is that of the first message even when it was
/// stored after the case or joined it later.
#[tokio::test]
async fn the_figure_tables_follow_later_writes_of_a_case_and_its_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite"))
        .await
        .expect("open");
    let cal = Calendar::new(Nation::EnglandAndWales);
    let now = at("2026-11-24T08:05:00Z");
    let october = Period {
        from: day("2026-10-01"),
        to: day("2026-11-01"),
    };
    let mut a = case(1, Kind::Complaint, State::Open, "2026-10-05T10:00:00Z");
    let mut b = case(2, Kind::Complaint, State::Open, "2026-10-06T10:00:00Z");
    let mut tx = store.begin().await.expect("begin");
    for x in [&a, &b] {
        Store::save_case(&mut tx, x, x.opened_at)
            .await
            .expect("save");
    }
    tx.commit().await.expect("commit");
    let f = store.figures(october, &cal, now).await.expect("figures");
    assert_eq!(f.received.total, 2);
    assert!(f.outcomes.is_empty() && f.received.by_flag.is_empty());
    assert_eq!(pairs(&f.received.by_source), [("unknown".to_string(), 2)]);

    // Later: A gets a flag, a sent outcome, a survey answer and a lesson;
    // B turns out to be a bounce; a message joins A after it was stored,
    // and an earlier one from another mailbox joins it after that.
    a.flags.insert(Flag::Safeguarding);
    a.records.outcomes.push(StageOutcome {
        stage: 0,
        outcome: Outcome::Upheld,
        reasons: "reasons".into(),
        by: "handler@org.test".into(),
        at: at("2026-10-20T10:00:00Z"),
        sent_at: Some(at("2026-10-20T10:00:00Z")),
    });
    a.survey = Some(Survey {
        sent_at: at("2026-10-21T10:00:00Z"),
        answered_at: Some(at("2026-10-22T10:00:00Z")),
        answer: Some(Answer {
            score: Some(2),
            satisfied: Some(false),
            comment: None,
        }),
    });
    a.lessons = Some("Answer the phone".into());
    b.kind = Kind::Bounce;
    let mut tx = store.begin().await.expect("begin");
    for x in [&a, &b] {
        Store::save_case(&mut tx, x, now).await.expect("save");
    }
    for (i, (source, t)) in [
        ("complaints", "2026-10-05T10:00:00Z"),
        ("cwynion", "2026-10-05T09:00:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (content_hash, source, received_at, raw, size, status)
             VALUES (?, ?, ?, X'00', 0, 'received') RETURNING id",
        )
        .bind(format!("hash{i}"))
        .bind(source)
        .bind(at(t))
        .fetch_one(tx.sqlite().expect("sqlite"))
        .await
        .expect("message");
        Store::mark_message(
            &mut tx,
            id,
            crate::store::MessageStatus::Processed,
            Some(Kind::Complaint),
            Some(&a.reference),
            None,
        )
        .await
        .expect("mark");
    }
    tx.commit().await.expect("commit");
    let f = store.figures(october, &cal, now).await.expect("figures");
    assert_eq!(f.received.total, 1, "the bounce no longer counts");
    assert_eq!(pairs(&f.received.by_flag), [(Flag::Safeguarding, 1)]);
    assert_eq!(f.all_outcomes().count(Outcome::Upheld), 1);
    assert_eq!(
        (f.survey.sent, f.survey.answered, f.survey.not_satisfied),
        (1, 1, 1)
    );
    assert_eq!(f.lessons.len(), 1);
    assert_eq!(f.lessons[0].lesson, "Answer the phone");
    assert_eq!(
        pairs(&f.received.by_source),
        [("cwynion".to_string(), 1)],
        "the earliest message's mailbox"
    );
    assert_day_counts_exact(&store, "after the later writes").await;
}

#[tokio::test]
async fn a_period_its_quarters_and_its_weeks_counted_in_one_pass_are_each_counted_alone() {
    let (_dir, store) = fixture().await;
    let cal = Calendar::new(Nation::EnglandAndWales);
    let now = at("2026-11-30T12:00:00Z");
    // July to December 2026: the August bank holiday, the clocks going back
    // in October, two quarters and 27 weeks that start before the period.
    let half = Period {
        from: day("2026-07-01"),
        to: day("2027-01-01"),
    };
    let quarters = half.quarters();
    let weeks = crate::core::report::weeks_ending(half.last(), 27);
    assert!(weeks[0].from < half.from, "the first week starts in June");
    let got = store
        .report_figures(half, &quarters, &weeks, &cal, now)
        .await
        .expect("report figures");

    let alone = store.figures(half, &cal, now).await.expect("figures");
    assert_eq!(got.figures, alone);
    assert!(got.figures.received.total > 0 && !got.figures.lessons.is_empty());
    assert_eq!(got.parts.len(), 2);
    let mut total = 0;
    for (part, q) in got.parts.iter().zip(&quarters) {
        let mut alone = store.figures(*q, &cal, now).await.expect("figures");
        // The lessons are listed once, in the whole period's figures.
        assert!(part.lessons.is_empty());
        alone.lessons.clear();
        assert_eq!(part, &alone, "{q:?}");
        total += part.received.total;
    }
    assert_eq!(total, got.figures.received.total);
    let series = store
        .weekly_series(half.last(), 27)
        .await
        .expect("weekly series");
    assert_eq!(got.weeks, series);
    assert!(series.iter().any(|w| w.received > 0 && w.responses > 0));
}

/// Each table of counts per day (0260) beside the GROUP BY of the rows it
/// counts (the figures' per-case queries before it): (what, the table's
/// rows, the grouped rows), each row as a JSON array, sorted.
async fn day_counts_and_their_sources(
    store: &Store,
) -> Vec<(&'static str, Vec<String>, Vec<String>)> {
    let pairs = [
        (
            "count_received",
            "SELECT json_array(opened_day, kind, stage, state, language, source, n) FROM count_received",
            "SELECT json_array(opened_day, kind, stage, state, COALESCE(language, 'unknown'),
                    COALESCE(source, 'unknown'), COUNT(*))
             FROM cases WHERE opened_day IS NOT NULL
             GROUP BY opened_day, kind, stage, state, COALESCE(language, 'unknown'), COALESCE(source, 'unknown')",
        ),
        (
            "count_met",
            "SELECT json_array(met_day, kind, stage, start_day, on_time, n) FROM count_met",
            "SELECT json_array(met_day, kind, stage, start_day, on_time, COUNT(*))
             FROM deadlines_met GROUP BY met_day, kind, stage, start_day, on_time",
        ),
        (
            "count_outcomes",
            "SELECT json_array(opened_day, kind, stage, outcome, n) FROM count_outcomes",
            "SELECT json_array(opened_day, kind, stage, outcome, COUNT(*))
             FROM case_outcomes WHERE opened_day IS NOT NULL GROUP BY opened_day, kind, stage, outcome",
        ),
        (
            "count_flags",
            "SELECT json_array(opened_day, kind, flag, n) FROM count_flags",
            "SELECT json_array(opened_day, kind, flag, COUNT(*))
             FROM case_flags WHERE opened_day IS NOT NULL GROUP BY opened_day, kind, flag",
        ),
        (
            "count_surveys",
            "SELECT json_array(opened_day, kind, n, sent, answered, satisfied, not_satisfied, scored, score_sum)
             FROM count_surveys",
            "SELECT json_array(opened_day, kind, COUNT(*), COUNT(sent_at), COUNT(answered_at),
                    COALESCE(SUM(satisfied = 1), 0), COALESCE(SUM(satisfied = 0), 0), COUNT(score),
                    COALESCE(SUM(score), 0))
             FROM case_surveys WHERE opened_day IS NOT NULL GROUP BY opened_day, kind",
        ),
    ];
    let mut out = Vec::new();
    for (what, counts, source) in pairs {
        let mut rows = Vec::new();
        for q in [counts, source] {
            let mut r: Vec<String> = sqlx::query_scalar(q)
                .fetch_all(store.sqlite_pool().expect("sqlite"))
                .await
                .expect(what);
            r.sort();
            rows.push(r);
        }
        let source = rows.pop().unwrap_or_default();
        let counts = rows.pop().unwrap_or_default();
        out.push((what, counts, source));
    }
    out
}

/// The counts per day are exactly the GROUP BY of what they count.
async fn assert_day_counts_exact(store: &Store, when: &str) {
    for (what, counts, source) in day_counts_and_their_sources(store).await {
        assert_eq!(counts, source, "{what} {when}");
    }
}

/// The counts per day follow a case through its life, whatever is written
/// after the fact: the fixture (the clock change, the August bank holiday,
/// a case received at 00:30 local time the day after its UTC date), then a
/// closure, a reopening and an escalation, an outcome edited after it was
/// sent and another sent, a flag taken off, a change of language, a change
/// of kind to a compliment and to machine mail and back (a correction), a
/// survey answered later, a first message from another mailbox found
/// later, a received time corrected into another day, and deadlines met.
/// After every step each table is the GROUP BY of its rows, and the
/// period's figures are the ones the per-case rows give.
#[tokio::test]
async fn the_day_counts_are_exactly_the_grouped_rows_through_a_cases_life() {
    let (_dir, store) = fixture().await;
    assert_day_counts_exact(&store, "after the fixture").await;
    for (what, counts, _) in day_counts_and_their_sources(&store).await {
        assert!(!counts.is_empty(), "the fixture counts something in {what}");
    }
    let cal = Calendar::new(Nation::EnglandAndWales);
    let now = at("2026-11-30T12:00:00Z");
    let autumn = Period {
        from: day("2026-08-01"),
        to: day("2026-12-01"),
    };
    let load = |n: u32| {
        let store = &store;
        async move {
            store
                .case(&CaseRef::new("FIG", 2026, n))
                .await
                .expect("load")
                .expect("the case")
        }
    };
    let save = |cases: Vec<Case>, t: &'static str| {
        let store = &store;
        async move {
            let mut tx = store.begin().await.expect("begin");
            for c in &cases {
                Store::save_case(&mut tx, c, at(t)).await.expect("save");
            }
            tx.commit().await.expect("commit");
        }
    };

    // A closes, then reopens at stage 2; its sent outcome is edited and
    // another is sent; a flag comes off; it turns out to be in English.
    let mut a = load(1).await;
    a.state = State::Closed;
    a.closed_at = Some(at("2026-11-02T10:00:00Z"));
    save(vec![a.clone()], "2026-11-02T10:00:00Z").await;
    assert_day_counts_exact(&store, "after A closed").await;
    a.state = State::Open;
    a.closed_at = None;
    a.stage = 2;
    a.records.outcomes[0].outcome = Outcome::NotUpheld;
    a.records.outcomes[1].sent_at = Some(at("2026-11-03T10:00:00Z"));
    a.flags.remove(&Flag::WelshLanguage);
    a.language = Some("en".into());
    save(vec![a], "2026-11-03T10:00:00Z").await;
    assert_day_counts_exact(&store, "after A reopened and its outcomes edited").await;

    // B is reclassified as a compliment, C as machine mail; F's survey is
    // answered; D's received time is corrected into the day before.
    let mut b = load(2).await;
    b.kind = Kind::Compliment;
    let mut c = load(3).await;
    c.kind = Kind::Bounce;
    let mut f = load(6).await;
    f.survey = Some(Survey {
        sent_at: at("2026-10-02T10:00:00Z"),
        answered_at: None,
        answer: None,
    });
    let mut d = load(4).await;
    d.opened_at = at("2026-10-09T10:00:00Z");
    save(
        vec![b.clone(), c.clone(), f.clone(), d],
        "2026-11-04T10:00:00Z",
    )
    .await;
    assert_day_counts_exact(&store, "after the changes of kind").await;
    f.survey = Some(Survey {
        sent_at: at("2026-10-02T10:00:00Z"),
        answered_at: Some(at("2026-10-03T10:00:00Z")),
        answer: Some(Answer {
            score: Some(2),
            satisfied: Some(false),
            comment: None,
        }),
    });
    // The correction of C undone; B back to a complaint.
    c.kind = Kind::Complaint;
    b.kind = Kind::Complaint;
    save(vec![b, c, f], "2026-11-05T10:00:00Z").await;
    assert_day_counts_exact(&store, "after the corrections").await;

    // C's first message, from the Welsh mailbox, found after it; more
    // deadlines met, one across the clock change.
    let mut tx = store.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO messages (content_hash, source, received_at, raw, size, case_ref, status)
         VALUES ('later', 'cwynion', ?, X'00', 0, ?, 'processed')",
    )
    .bind(at("2026-11-01T00:10:00Z"))
    .bind(CaseRef::new("FIG", 2026, 3))
    .execute(tx.sqlite().expect("sqlite"))
    .await
    .expect("message");
    for (start, due, met) in [
        (
            "2026-10-24T09:00:00Z",
            "2026-10-27T17:00:00Z",
            "2026-10-26T10:00:00Z",
        ),
        (
            "2026-10-24T09:00:00Z",
            "2026-10-27T17:00:00Z",
            "2026-10-28T10:00:00Z",
        ),
    ] {
        Store::record_met(
            &mut tx,
            &CaseRef::new("FIG", 2026, 3),
            &deadline(DeadlineKind::Respond, start, due),
            at(met),
        )
        .await
        .expect("met");
    }
    tx.commit().await.expect("commit");
    assert_day_counts_exact(&store, "after a message and deadlines met").await;

    // Three lessons on one day, saved out of order: the register lists
    // them by received time, then reference.
    let mut same_day = Vec::new();
    for (n, t) in [
        (9, "2026-10-20T09:00:00Z"),
        (7, "2026-10-20T15:00:00Z"),
        (8, "2026-10-20T09:00:00Z"),
    ] {
        let mut x = case(n, Kind::Complaint, State::Closed, t);
        x.lessons = Some(format!("lesson {n}"));
        same_day.push(x);
    }
    save(same_day, "2026-11-06T10:00:00Z").await;
    assert_day_counts_exact(&store, "after three cases on one day").await;

    // The period's figures from the counts are the per-case rows' figures:
    // counted again from those rows alone, with the tables of counts
    // rebuilt from them as 0260 fills them on an upgrade.
    let from_counts = store
        .report_figures(autumn, &autumn.quarters(), &[], &cal, now)
        .await
        .expect("figures");
    let mut tx = store.begin().await.expect("begin");
    for empty in [
        "DELETE FROM count_received",
        "DELETE FROM count_met",
        "DELETE FROM count_outcomes",
        "DELETE FROM count_flags",
        "DELETE FROM count_surveys",
    ] {
        sqlx::query(empty)
            .execute(tx.sqlite().expect("sqlite"))
            .await
            .expect("empty");
    }
    let fill = include_str!("../../../migrations/sqlite/0260_day_counts.sql");
    let fill = &fill[fill.find("-- Fill them").expect("the back-fill")..];
    sqlx::raw_sql(fill)
        .execute(tx.sqlite().expect("sqlite"))
        .await
        .expect("fill");
    tx.commit().await.expect("commit");
    let refilled = store
        .report_figures(autumn, &autumn.quarters(), &[], &cal, now)
        .await
        .expect("figures");
    assert_eq!(from_counts.figures, refilled.figures);
    assert_eq!(from_counts.parts, refilled.parts);
    let f = &from_counts.figures;
    assert_eq!(f.received.complaints(), 7, "A, B, C, F and the three");
    let register: Vec<String> = f.lessons.iter().map(|l| l.reference.to_string()).collect();
    assert_eq!(
        register,
        [
            "FIG-2026-0008",
            "FIG-2026-0009",
            "FIG-2026-0007",
            "FIG-2026-0002"
        ]
    );
    assert_eq!(
        pairs(&f.received.by_source),
        [
            ("complaints".to_string(), 2),
            ("cwynion".to_string(), 2),
            ("unknown".to_string(), 4)
        ]
    );
    assert_eq!(f.all_outcomes().count(Outcome::NotUpheld), 1);
    assert_eq!(f.all_outcomes().count(Outcome::Upheld), 1);
}
