//! Issue 13 item 1 on the real store and scheduler: a question that pauses
//! the response clock (provider B) is in the digest and chases nothing while
//! paused; the answer gives the days back; provider A's clock keeps running.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::case::DeadlineKind;

const PRIYA: &str = "priya.desai@provider-b.example.test";
const JO: &str = "jo.learner@mail.test";
const PAUSED: &str = "Response clock paused: waiting for the complainant's answer to a question";

async fn open(app: &TestApp) {
    app.deliver(&message(
        &format!("Jo Learner <{JO}>"),
        "Coaching sessions",
        "My coach has cancelled three sessions without notice and nobody has rebooked them. I want a written response.",
        "q-open@mail.test",
    ))
    .await;
    app.send().await;
}

#[tokio::test]
async fn a_question_pauses_the_clock_in_the_digest_and_the_answer_resumes_it() {
    // Monday 23 November 2026, 10:00 London: due Monday 30th, 17:30.
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    open(&app).await;
    let note = app.last("handler_notification", PRIYA).await;
    app.advance(Duration::hours(1));
    app.deliver(&clicked(
        &note,
        "ask",
        PRIYA,
        "Which dates were cancelled?",
        "q1@staff.test",
    ))
    .await;
    app.send().await;
    let q = describe(&app.last("correspondence", JO).await);
    assert!(q.contains("Which dates were cancelled?"), "{q}");
    assert!(!q.contains("Write above this line"), "{q}");
    let receipt = describe(&app.last("send_receipt", PRIYA).await);
    assert!(
        receipt.contains("as a question") && receipt.contains("5 working day(s) left"),
        "{receipt}"
    );
    let c = app.case("PAR-2026-0001").await;
    assert!(c.deadlines.iter().all(|d| d.kind != DeadlineKind::Respond));

    // A week passes without an answer: no chase-up, no breach, and the
    // directors see the pause every day.
    app.run_until(t("2026-12-01T10:00:00Z"), Duration::hours(6))
        .await;
    let staff_mail: Vec<String> = app
        .sent_to(PRIYA)
        .await
        .into_iter()
        .map(|r| r.template)
        .collect();
    assert!(
        !staff_mail
            .iter()
            .any(|t| t == "chase_up" || t == "breach_alert"),
        "{staff_mail:?}"
    );
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    let s = digest
        .sections
        .iter()
        .find(|s| s.title == PAUSED)
        .expect("the paused section");
    assert!(
        s.lines[0].contains("PAR-2026-0001") && s.lines[0].contains("5 working day(s) left"),
        "{s:?}"
    );

    // Jo answers on Tuesday 1 December: due five working days on, Tuesday 8th.
    let question = app.last("correspondence", JO).await;
    app.deliver(&app.gmail_reply(&question, JO, "The 4th and the 11th.", 9))
        .await;
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    let due = c
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Respond)
        .map(|d| d.due);
    assert_eq!(due, Some(t("2026-12-08T17:30:00Z")));
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    assert!(digest.sections.iter().all(|s| s.title != PAUSED));
    let timeline = crate::procedures::timeline(&app).await;
    assert!(
        timeline.contains("| clock paused |") && timeline.contains("| clock resumed |"),
        "{timeline}"
    );
}

#[tokio::test]
async fn provider_a_keeps_the_clock_for_a_question() {
    let app = TestApp::spawn("provider-a", "2026-11-23T10:00:00Z").await;
    app.deliver(&message(
        "Jo Learner <jo.learner@mail.test>",
        "Coaching sessions",
        "My coach has cancelled three sessions without notice and nobody has rebooked them. I want a written response.",
        "qa-open@mail.test",
    ))
    .await;
    app.send().await;
    let note = app
        .sent()
        .await
        .into_iter()
        .find(|r| r.template == "handler_notification")
        .expect("a notification");
    let before = app.case("ALS-2026-0001").await.deadlines;
    app.deliver(&clicked(
        &note,
        "ask",
        &note.recipient,
        "Which dates?",
        "qa1@staff.test",
    ))
    .await;
    app.send().await;
    assert_eq!(app.case("ALS-2026-0001").await.deadlines, before);
    let receipt = describe(&app.last("send_receipt", &note.recipient).await);
    assert!(
        receipt.contains("The response date stays as it is"),
        "{receipt}"
    );
}
