//! Triage (recall first): a person's message that may be a complaint opens
//! with a neutral same-day acknowledgement and the complaint's clock; the
//! handler confirms the kind with one command, is chased and listed in the
//! digest until they do; a welfare cue alerts at once even when unsure.

use crate::harness::*;
use crate::procedures::{all_mail, timeline};
use chrono::Duration;
use complaintd::core::case::{DeadlineKind, State};
use complaintd::core::kind::Kind;
use complaintd::work::ingest::Ingested;

const PRIYA: &str = "priya.desai@provider-b.example.test";
const ANNA: &str = "anna.fowler@provider-b.example.test";
const BEN: &str = "ben.carter@provider-b.example.test";
const SAM: &str = "sam@mail.test";

/// Unsure: an enquiry in form, with a complaint's cue (something missing)
/// that is not drowned out.
const UNSURE: &str =
    "Hello, my certificate is still missing. Is there a form I need to fill in to get a copy?\n\nThanks, Sam";

async fn open_unsure(app: &TestApp, body: &str) -> String {
    let opened = app
        .deliver(&message(
            &format!("Sam Jones <{SAM}>"),
            "Certificate",
            body,
            "unsure@mail.test",
        ))
        .await;
    let Ingested::Opened(reference) = opened else {
        panic!("expected a new case, got {opened:?}");
    };
    app.send().await;
    reference
}

fn due(
    c: &complaintd::core::case::Case,
    kind: DeadlineKind,
) -> Option<chrono::DateTime<chrono::Utc>> {
    c.deadlines.iter().find(|d| d.kind == kind).map(|d| d.due)
}

#[tokio::test]
async fn an_unsure_message_is_acknowledged_neutrally_and_confirmed_as_a_complaint_on_the_same_clock(
) {
    // Monday 23 November 2026, 09:05 London.
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let received = app.now;
    let r = open_unsure(&app, UNSURE).await;
    let c = app.case(&r).await;
    assert_eq!(c.state, State::Triage);
    assert_eq!(c.kind, Kind::Other, "the kind stays the best guess");
    // The clock runs from receipt: stage 1's five working days.
    let respond = due(&c, DeadlineKind::Respond).expect("a response deadline");
    assert_eq!(respond, t("2026-11-30T17:30:00Z"));
    assert_eq!(
        due(&c, DeadlineKind::ConfirmKind),
        Some(t("2026-11-24T17:30:00Z")),
        "one working day to confirm the kind"
    );
    // The neutral acknowledgement, the same moment, with the reference and the date.
    let ack = app.last("triage_acknowledgement", SAM).await;
    assert_eq!(ack.created_at, received);
    let text = describe(&ack);
    assert!(text.contains(&format!("[{r}]")), "{text}");
    assert!(
        text.contains("If it is a complaint, we will respond by Monday 30 November 2026"),
        "{text}"
    );
    assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
    assert!(
        app.sent_to(SAM)
            .await
            .iter()
            .all(|m| m.template != "acknowledgement"),
        "no complaint acknowledgement before the kind is confirmed"
    );
    let note = app.last("handler_notification", PRIYA).await;
    let text = describe(&note);
    assert!(text.contains("TRIAGE, it may be a complaint"), "{text}");
    assert!(
        text.contains("Please confirm its kind by Tuesday 24 November 2026, 17:30"),
        "{text}"
    );

    // The handler confirms it the next morning.
    app.advance(Duration::hours(24));
    app.deliver(&app.outlook_reply(&note, PRIYA, "#reclassify complaint", 1))
        .await;
    app.send().await;
    let c = app.case(&r).await;
    assert_eq!((c.kind, c.state), (Kind::Complaint, State::Open));
    assert_eq!(
        due(&c, DeadlineKind::Respond),
        Some(respond),
        "the same clock: counted from receipt, not from the confirmation"
    );
    assert_eq!(c.stage_received_at, received);
    assert_eq!(due(&c, DeadlineKind::ConfirmKind), None, "triage is over");
    app.last("acknowledgement", SAM).await;

    golden("triage-complaint-timeline.txt", &timeline(&app).await);
    golden("triage-complaint-mail.txt", &all_mail(&app).await);
}

#[tokio::test]
async fn reclassifying_a_triage_case_as_other_ends_triage() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = open_unsure(&app, UNSURE).await;
    let note = app.last("handler_notification", PRIYA).await;
    app.advance(Duration::hours(1));
    // The best guess confirmed: "other" is what it was already.
    app.deliver(&app.outlook_reply(&note, PRIYA, "#reclassify other", 1))
        .await;
    app.send().await;
    let c = app.case(&r).await;
    assert_eq!((c.kind, c.state), (Kind::Other, State::Open));
    assert!(c.deadlines.is_empty(), "{:?}", c.deadlines);
    // Nothing more is chased: a day later no chase, no breach.
    let until = app.now + Duration::days(8);
    app.run_until(until, Duration::hours(2)).await;
    let to_priya = app.sent_to(PRIYA).await;
    assert!(
        to_priya
            .iter()
            .all(|m| m.template != "chase_up" && m.template != "breach_alert"),
        "{:?}",
        to_priya.iter().map(|m| &m.template).collect::<Vec<_>>()
    );
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    assert!(digest
        .sections
        .iter()
        .all(|s| !s.title.starts_with("Waiting for a kind")));
}

#[tokio::test]
async fn an_unconfirmed_triage_case_is_chased_listed_in_the_digest_and_breached() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = open_unsure(&app, UNSURE).await;
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    let waiting = digest
        .sections
        .iter()
        .find(|s| s.title.starts_with("Waiting for a kind"))
        .expect("a 'Waiting for a kind' section");
    assert_eq!(waiting.lines.len(), 1);
    assert!(
        waiting.lines[0].contains(&r) && waiting.lines[0].contains("confirm by Tue 24 Nov 17:30"),
        "{waiting:?}"
    );
    // Past the confirmation time with no answer.
    let until = t("2026-11-24T18:00:00Z");
    app.run_until(until, Duration::minutes(30)).await;
    let to_priya = app.sent_to(PRIYA).await;
    let chases: Vec<String> = to_priya
        .iter()
        .filter(|m| m.template == "chase_up")
        .map(describe)
        .collect();
    assert!(
        chases
            .iter()
            .any(|c| c.contains("Reminder: confirm the kind by Tuesday 24 November 2026, 17:30")),
        "chased before the confirmation time: {chases:?}"
    );
    assert!(
        to_priya.iter().any(|m| m.template == "breach_alert"
            && describe(m).contains("Nobody has confirmed the kind")),
        "alerted when it passed"
    );
    let c = app.case(&r).await;
    assert_eq!(c.state, State::Triage, "still waiting for a kind");
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    let waiting = digest
        .sections
        .iter()
        .find(|s| s.title.starts_with("Waiting for a kind"))
        .expect("still listed");
    assert!(waiting.lines[0].contains("OVERDUE"), "{waiting:?}");
}

#[tokio::test]
async fn an_uncertain_safeguarding_cue_alerts_at_once_with_the_cue() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = open_unsure(
        &app,
        "Hello, my certificate is still missing. Is there a form I need to fill in to get a copy? My son also says he is scared of one of the lads on his course.\n\nThanks, Sam",
    )
    .await;
    let c = app.case(&r).await;
    assert_eq!(c.state, State::Triage);
    for role_holder in [ANNA, BEN] {
        let alert = app.last("flag_alert", role_holder).await;
        assert_eq!(alert.created_at, c.opened_at, "at once");
        let text = describe(&alert);
        assert!(
            text.contains("possible safeguarding concern: immediate attention"),
            "{text}"
        );
        assert!(text.contains("Cue: describes a risk"), "{text}");
        assert!(text.contains("scared of"), "{text}");
    }
    // Confirmed as a complaint: the complaint path runs, without alerting
    // the same roles twice for the same message.
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&app.outlook_reply(&note, PRIYA, "#reclassify complaint", 1))
        .await;
    app.send().await;
    assert_eq!(app.case(&r).await.state, State::Open);
    app.last("acknowledgement", SAM).await;
    for role_holder in [ANNA, BEN] {
        let alerts = app
            .sent_to(role_holder)
            .await
            .iter()
            .filter(|m| m.template == "flag_alert")
            .count();
        assert_eq!(alerts, 1, "{role_holder}");
    }
}

#[tokio::test]
async fn a_safeguarding_cue_in_an_enquiry_alerts_too() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let opened = app
        .deliver(&message(
            &format!("Sam Jones <{SAM}>"),
            "My son",
            "Hello, my son says he is scared of one of the lads on his course. Could you let me know who I should speak to?\n\nThanks, Sam",
            "enquiry@mail.test",
        ))
        .await;
    let Ingested::Opened(r) = opened else {
        panic!("{opened:?}");
    };
    app.send().await;
    let c = app.case(&r).await;
    assert_eq!((c.kind, c.state), (Kind::Other, State::Open));
    let alert = app.last("flag_alert", ANNA).await;
    let text = describe(&alert);
    assert!(text.contains("possible safeguarding concern"), "{text}");
    assert!(text.contains("scared of"), "{text}");
}

/// Migration 0100 rebuilds cases, deadlines and chases to add the triage
/// names to their CHECK lists: a database from before it keeps its rows, then
/// takes 'triage' and 'confirm_kind' and still refuses a name outside the lists.
#[tokio::test]
async fn the_triage_migration_keeps_rows_and_admits_the_new_names() {
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = SqliteConnectOptions::new()
        .filename(dir.path().join("db.sqlite"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
    let migrator: Migrator = sqlx::migrate!("./migrations/sqlite");
    migrator
        .run_to(99, &pool)
        .await
        .expect("migrate to before 0100");
    for sql in [
        "INSERT INTO cases (reference, kind, state, stage, complainant, opened_at, updated_at, data) VALUES ('PAR-2026-0001', 'complaint', 'open', 0, 'a@home.test', 't', 't', '{}')",
        "INSERT INTO deadlines (case_ref, kind, stage, start, due) VALUES ('PAR-2026-0001', 'respond', 0, 's', 'd')",
        "INSERT INTO chases (case_ref, kind, at) VALUES ('PAR-2026-0001', 'respond', 'c')",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    migrator.run(&pool).await.expect("migrate");
    let kept: (String, String, String) = sqlx::query_as(
        "SELECT c.state, d.kind, h.at FROM cases c JOIN deadlines d ON d.case_ref = c.reference JOIN chases h ON h.case_ref = c.reference",
    )
    .fetch_one(&pool)
    .await
    .expect("rows kept");
    assert_eq!(kept, ("open".into(), "respond".into(), "c".into()));
    for sql in [
        "UPDATE cases SET state = 'triage'",
        "INSERT INTO deadlines (case_ref, kind, stage, start, due) VALUES ('PAR-2026-0001', 'confirm_kind', 0, 's', 'd')",
        "INSERT INTO chases (case_ref, kind, at) VALUES ('PAR-2026-0001', 'confirm_kind', 'c')",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    for sql in [
        "UPDATE cases SET state = 'limbo'",
        "INSERT INTO deadlines (case_ref, kind, stage, start, due) VALUES ('PAR-2026-0001', 'nudge', 0, 's', 'd')",
        "INSERT INTO chases (case_ref, kind, at) VALUES ('PAR-2026-0001', 'nudge', 'c')",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        assert!(e.to_string().contains("CHECK constraint failed"), "{sql}: {e}");
    }
}
