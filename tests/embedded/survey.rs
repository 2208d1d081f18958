//! Issue 16 item 9 at the boundary: one satisfaction survey after closing,
//! apart from the outcome; the answer recorded without reopening or
//! escalating; nobody opted out or anonymous asked; `complaintd survey`.

use crate::harness::*;
use complaintd::core::mail;
use complaintd::store::OutboxRow;
use complaintd::work::ingest::Ingested;
use std::process::Command;

const JO: &str = "jo.learner@mail.test";
const SAM: &str = "sam.student@mail.test";
const ALI: &str = "ali.apprentice@mail.test";

fn reply_with_token(notice: &OutboxRow, from: &str, body: &str, id: &str) -> Vec<u8> {
    let m = mail::parse(&notice.raw).expect("parse");
    let reply_to = m.header("reply-to").unwrap_or_default().to_string();
    format!(
        "From: {from}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nMessage-ID: <{id}>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        m.subject
    )
    .into_bytes()
}

/// Open a case from `addr` saying `body`; its handler runs `commands`.
async fn handled(app: &TestApp, addr: &str, body: &str, commands: &str) -> String {
    let Ingested::Opened(r) = app
        .deliver(&message(
            &format!("Learner <{addr}>"),
            "Sessions",
            body,
            &format!("m-{addr}"),
        ))
        .await
    else {
        panic!("no case opened");
    };
    app.send().await;
    let notice = app
        .sent()
        .await
        .into_iter()
        .rev()
        .find(|o| {
            o.template == "handler_notification"
                && o.case_ref.as_ref().is_some_and(|c| c.to_string() == r)
        })
        .expect("a handler notification");
    let handler = notice.recipient.clone();
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        commands,
        &format!("c-{addr}"),
    ))
    .await;
    app.send().await;
    r
}

#[tokio::test]
async fn one_survey_after_closing_its_answer_recorded_without_escalating() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    // Provider B's example turns the survey on (`[survey] enabled = true`).
    secret_from_env(&app.config);

    let jo = handled(
        &app,
        JO,
        "My coach cancelled three sessions and I want them rebooked.",
        "#close lessons: rebook within a day",
    )
    .await;
    // Opted out by the handler.
    let sam = handled(
        &app,
        SAM,
        "My coach cancelled my review and I want an apology.",
        "#no-survey\n#close lessons: reviews booked ahead",
    )
    .await;
    // Opted out in their own words, then closed.
    let ali = handled(
        &app,
        ALI,
        "My timetable keeps changing and I want it fixed.",
        "#note rang Ali",
    )
    .await;
    app.deliver(&message(
        &format!("Ali <{ALI}>"),
        &format!("RE: [{ali}] Sessions"),
        "Please don't email me again, I have left the course.",
        "ali-2@mail.test",
    ))
    .await;
    let notice = app
        .sent()
        .await
        .into_iter()
        .rev()
        .find(|o| {
            o.template == "handler_notification"
                && o.case_ref.as_ref().is_some_and(|c| c.to_string() == ali)
        })
        .expect("notification");
    let handler = notice.recipient.clone();
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#close lessons: timetables fixed a week ahead",
        "c2-ali",
    ))
    .await;
    assert!(app.case(&ali).await.no_survey);
    for r in [&jo, &sam, &ali] {
        assert_eq!(app.case(r).await.state.as_str(), "closed", "{r}");
    }
    // Nothing on closing day: the survey is apart from the outcome.
    app.tick().await;
    assert!(app
        .sent()
        .await
        .iter()
        .all(|m| m.template != "satisfaction_survey"));

    // Tuesday after the digest time: one working day after closing.
    app.now = t("2026-11-24T10:00:00Z");
    app.tick().await;
    let surveys: Vec<OutboxRow> = app
        .sent()
        .await
        .into_iter()
        .filter(|m| m.template == "satisfaction_survey")
        .collect();
    assert_eq!(
        surveys
            .iter()
            .map(|m| m.recipient.as_str())
            .collect::<Vec<_>>(),
        [JO],
        "only Jo may be asked"
    );
    // Never twice.
    app.now = t("2026-11-25T10:00:00Z");
    app.tick().await;
    assert_eq!(
        app.sent_to(JO)
            .await
            .iter()
            .filter(|m| m.template == "satisfaction_survey")
            .count(),
        1
    );
    // A complaint passed over says why once, not on each day of the
    // step's two-week window.
    let audit = app.app.store.case_audit(&cref(&sam)).await.expect("audit");
    let lines = audit.iter().filter(|a| a.action == "no survey").count();
    assert_eq!(lines, 1, "{audit:?}");

    // Jo answers with a low score and words that would otherwise escalate.
    // (Words that ask in so many words to take it further are read as a
    // late escalation for a person to decide: see core::intent.)
    let before = app.case(&jo).await;
    app.deliver(&app.gmail_reply(
        &surveys[0],
        JO,
        "2 - nobody called me back, I'm not satisfied with how it was handled",
        9,
    ))
    .await;
    app.send().await;
    let after = app.case(&jo).await;
    assert_eq!(after.state.as_str(), "closed");
    assert_eq!(after.stage, before.stage, "not escalated");
    let answer = after
        .survey
        .as_ref()
        .and_then(|s| s.answer.clone())
        .expect("an answer");
    assert_eq!((answer.score, answer.satisfied), (Some(2), Some(false)));

    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(&app.config)
        .arg("survey")
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("run");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("satisfaction survey: 1 sent, 1 answered"),
        "{said}"
    );
    assert!(
        said.contains("scores (1-5): 1: 0, 2: 1, 3: 0, 4: 0, 5: 0; mean 2.0"),
        "{said}"
    );
    assert!(said.contains("satisfied: 0, not satisfied: 1"), "{said}");
}
