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
        .execute(&mut *tx)
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
    assert_eq!(
        store.received(october).await.expect("received"),
        f.received
    );
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
