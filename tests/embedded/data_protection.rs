//! Issue 16 item 8 at the boundary: a complaint about the use of personal
//! data is acknowledged as one with its limit in calendar days recorded,
//! gets progress updates on its own clock, and its response names the
//! Information Commissioner; a handler can mark one the cues missed.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::case::DeadlineKind;
use complaintd::work::ingest::Ingested;

const PRIYA: &str = "priya.desai@provider-b.example.test";
const JO: &str = "jo.learner@mail.test";

#[tokio::test]
async fn a_data_protection_complaint_runs_its_own_clock_and_names_the_ico() {
    // Monday 23 November 2026, 09:05.
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let opened = app
        .deliver(&message(
            &format!("Jo Learner <{JO}>"),
            "My details",
            "You shared my personal details with my employer without asking me. I want to know why and I want it to stop.\n\nJo",
            "dp-1@mail.test",
        ))
        .await;
    assert_eq!(opened, Ingested::Opened("PAR-2026-0001".into()));
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    assert!(c.data_protection);
    // Acknowledged as one at once, naming the regulator.
    let ack = describe(&app.last("data_protection_acknowledgement", JO).await);
    assert!(
        ack.contains("complaint about the way your personal data has been used"),
        "{ack}"
    );
    assert!(
        ack.contains("the Information Commissioner's Office (ICO), 0303 123 1113, https://ico.org.uk/make-a-complaint/"),
        "{ack}"
    );
    assert!(ack.contains("at least every 30 calendar days"), "{ack}");
    // The statutory limit is recorded: 30 calendar days from the day after
    // receipt is Wednesday 23 December 2026, weekends counted.
    let audit = app
        .app
        .store
        .case_audit(&cref("PAR-2026-0001"))
        .await
        .expect("audit");
    let dp = audit
        .iter()
        .find(|a| a.action == "data protection")
        .expect("a data protection entry");
    assert!(
        dp.detail.contains("acknowledged within the limit of Wednesday 23 December 2026, 17:30 (30 calendar days from the day after receipt)"),
        "{}",
        dp.detail
    );
    // Its own clock: the first update is due 30 calendar days on.
    let update = c
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::DataProtectionUpdate)
        .expect("an update deadline");
    assert_eq!(update.due, t("2026-12-23T17:30:00Z"));

    // The stage response names the regulator.
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&app.outlook_reply(
        &note,
        PRIYA,
        "Dear Jo,\n\nWe should not have shared your details; we have told the employer to delete them.\n\nPriya",
        1,
    ))
    .await;
    app.send().await;
    let confirm = app.last("draft_confirmation", PRIYA).await;
    app.deliver(&app.outlook_reply(&confirm, PRIYA, "SEND", 2))
        .await;
    app.send().await;
    let resp = describe(&app.last("stage_response", JO).await);
    assert!(
        resp.contains("you also have the right to complain to the Information Commissioner's Office (ICO), 0303 123 1113"),
        "{resp}"
    );

    // The response is the outcome the updates led up to: none after it.
    let c = app.case("PAR-2026-0001").await;
    assert!(
        !c.deadlines
            .iter()
            .any(|d| d.kind == DeadlineKind::DataProtectionUpdate),
        "{:?}",
        c.deadlines
    );
    app.run_until(t("2026-12-24T12:00:00Z"), Duration::hours(6))
        .await;
    assert!(app
        .sent_to(JO)
        .await
        .iter()
        .all(|m| m.template != "data_protection_update"));
}

#[tokio::test]
async fn updates_go_out_every_period_while_open_and_a_handler_can_mark_a_case() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    app.deliver(&message(
        &format!("Jo Learner <{JO}>"),
        "Photos",
        "My coach put a photo of my work with my name on the company's social media and I want it taken down.",
        "dp-2@mail.test",
    ))
    .await;
    app.send().await;
    assert!(!app.case("PAR-2026-0001").await.data_protection, "no cue");
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&app.outlook_reply(&note, PRIYA, "#data-protection", 1))
        .await;
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    assert!(c.data_protection);
    let ack = describe(&app.last("data_protection_acknowledgement", JO).await);
    assert!(ack.contains("Information Commissioner"), "{ack}");
    // A second #data-protection is refused, not repeated.
    app.deliver(&app.outlook_reply(&note, PRIYA, "#data-protection", 2))
        .await;
    app.send().await;
    let report = describe(&app.last("command_report", PRIYA).await);
    assert!(
        report.contains("already a data-protection complaint"),
        "{report}"
    );
    // Nobody answers: thirty calendar days on (Wednesday 23 December,
    // 09:05 + 30 days, at the close), the first update goes.
    let before = app.sent_to(JO).await.len();
    app.run_until(t("2026-12-23T18:00:00Z"), Duration::hours(6))
        .await;
    let updates: Vec<_> = app
        .sent_to(JO)
        .await
        .into_iter()
        .filter(|m| m.template == "data_protection_update")
        .collect();
    assert_eq!(updates.len(), 1, "one update in the first 30 days");
    assert!(app.sent_to(JO).await.len() > before);
}
