//! Learning from the organisation (issue 12 item 4): a handler's
//! `#reclassify` and `#flag` are kept as labelled examples with the message,
//! and `complaintd classify --learn` refits the learned layer on them, so a
//! phrasing corrected twice is classified right the next time, with no code
//! change.

use crate::harness::{message, secret_from_env, TestApp, SECRET, SECRET_ENV};
use complaintd::core::case::State;
use complaintd::core::kind::{Flag, Kind};
use complaintd::core::mail;
use complaintd::store::{Corrected, OutboxRow};
use complaintd::work::ingest::Ingested;
use complaintd::work::model_watch::{Checked, ModelWatch};
use std::process::Command;

/// The same complaint in this organisation's own words: a minibus that
/// leaves without the apprentices, written as a mild question about its
/// time. The shipped classifier takes it for an enquiry. (An earlier set,
/// "Just wondering whether the minibus … did on Monday and again today",
/// is now read as a complaint by the shipped model: the test needs words
/// it still gets wrong.)
const PHRASINGS: [&str; 4] = [
    "Could you tell me what time the Rhyl minibus now leaves? It went before the apprentices arrived on Monday.",
    "Could you tell me what time the minibus from Rhyl leaves these days? It went before the apprentices got there on Tuesday.",
    "Can you tell me what time the Rhyl minibus leaves now? It set off before our apprentices arrived on Wednesday.",
    "Could you tell me when the Rhyl minibus leaves now? It left before the apprentices got there on Thursday.",
];

async fn open(app: &TestApp, n: usize) -> String {
    let got = app
        .deliver(&message(
            &format!("Sam Jones <sam{n}@mail.test>"),
            "Minibus",
            PHRASINGS[n],
            &format!("minibus{n}@mail.test"),
        ))
        .await;
    match got {
        Ingested::Opened(r) => r,
        other => panic!("expected a new case, got {other:?}"),
    }
}

/// A handler's reply to the notification about `reference`, with its token.
fn handler_reply(notice: &OutboxRow, body: &str, id: &str) -> Vec<u8> {
    let m = mail::parse(&notice.raw).expect("parse");
    let reply_to = m.header("reply-to").unwrap_or_default().to_string();
    format!(
        "From: {}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nMessage-ID: <{id}>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        notice.recipient, m.subject
    )
    .into_bytes()
}

async fn notice_for(app: &TestApp, reference: &str) -> OutboxRow {
    app.send().await;
    app.sent()
        .await
        .into_iter()
        .filter(|r| {
            r.case_ref
                .as_ref()
                .is_some_and(|c| c.to_string() == reference)
        })
        .find(|r| mail::parse(&r.raw).is_ok_and(|m| m.subject.contains("#t")))
        .unwrap_or_else(|| panic!("a handler mail with a token for {reference}"))
}

#[tokio::test]
async fn a_phrasing_corrected_twice_is_classified_right_after_learning() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let first = open(&app, 0).await;
    assert_eq!(
        app.case(&first).await.kind,
        Kind::Other,
        "the shipped classifier must get this phrasing wrong, or the test shows nothing"
    );
    let second = open(&app, 1).await;
    assert_eq!(app.case(&second).await.kind, Kind::Other);

    // Two handlers' corrections, by command, verified by their tokens.
    for (i, reference) in [&first, &second].into_iter().enumerate() {
        let notice = notice_for(&app, reference).await;
        app.deliver(&handler_reply(
            &notice,
            "#reclassify complaint\n#flag subcontractor",
            &format!("fix{i}@staff.test"),
        ))
        .await;
        let c = app.case(reference).await;
        assert_eq!(c.kind, Kind::Complaint, "{reference}");
        assert!(c.flags.contains(&Flag::Subcontractor), "{reference}");
    }

    // The daemon's scheduler watches the model file from its start.
    let mut watch = ModelWatch::new(&app.app).await;
    assert_eq!(watch.check(&app.app).await, Checked::Unchanged);

    // Refit through the real binary, as an operator (or a timer) would.
    secret_from_env(&app.config);
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(&app.config)
        .args(["classify", "--learn"])
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("run complaintd classify --learn");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 corrected message(s) (4 correction(s)"),
        "{stdout}"
    );
    assert!(app.app.loaded.model_path().exists(), "{stdout}");

    // A running daemon picks the new model up on its scheduler's next pass,
    // with no restart.
    assert!(
        matches!(watch.check(&app.app).await, Checked::Reloaded { .. }),
        "the new model file is loaded"
    );
    assert_eq!(watch.check(&app.app).await, Checked::Unchanged);
    let third = open(&app, 2).await;
    let c = app.case(&third).await;
    assert_eq!(c.kind, Kind::Complaint, "learned from two corrections");
    assert!(c.flags.contains(&Flag::Subcontractor), "{:?}", c.flags);

    // And a daemon started afterwards loads it at start.
    app.restart().await;
    let fourth = open(&app, 3).await;
    assert_eq!(app.case(&fourth).await.kind, Kind::Complaint);
}

#[tokio::test]
async fn a_damaged_new_model_is_reported_and_the_model_in_use_kept() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let mut watch = ModelWatch::new(&app.app).await;
    let before = app.app.hints.learned.model().expect("the shipped model");
    std::fs::write(app.app.loaded.model_path(), b"not a model").expect("write");
    assert!(matches!(watch.check(&app.app).await, Checked::Kept(_)));
    let after = app.app.hints.learned.model().expect("a model still in use");
    assert!(
        std::sync::Arc::ptr_eq(&before, &after),
        "the model in use is kept"
    );
}

#[tokio::test]
async fn only_corrections_that_change_or_confirm_a_case_are_learned() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let Ingested::Opened(first) = app
        .deliver(&message(
            "Sam Jones <sam@mail.test>",
            "Minibus",
            "What time does the Rhyl minibus leave now? The apprentices missed it on Monday.",
            "minibus-unsure@mail.test",
        ))
        .await
    else {
        panic!("expected a new case");
    };
    // The classifier is unsure of this phrasing (a question, and a missed
    // minibus): the case waits in triage for a handler to confirm its kind.
    assert_eq!(app.case(&first).await.state, State::Triage);
    let notice = notice_for(&app, &first).await;
    // An #unflag of a flag the case does not have changes nothing.
    app.deliver(&handler_reply(
        &notice,
        "#unflag safeguarding",
        "unflag@staff.test",
    ))
    .await;
    assert!(app.app.store.corrections().await.expect("db").is_empty());
    // Confirming the best guess from triage is a label too.
    app.deliver(&handler_reply(
        &notice,
        "#reclassify other\n#flag on_behalf",
        "confirm@staff.test",
    ))
    .await;
    let stored = app.app.store.corrections().await.expect("db");
    let got: Vec<Corrected> = stored.iter().map(|c| c.corrected).collect();
    assert_eq!(
        got,
        vec![
            Corrected::Kind(Kind::Other),
            Corrected::Flag(Flag::OnBehalf, true)
        ]
    );
    assert!(stored.iter().all(|c| c.case_ref == first));
    let opening = mail::parse(&stored[0].raw).expect("the opening message is kept");
    assert!(opening.text.contains("minibus"), "{}", opening.text);
    // The same again is refused by the case machine, so teaches nothing more.
    app.deliver(&handler_reply(
        &notice,
        "#reclassify other\n#flag on_behalf",
        "again@staff.test",
    ))
    .await;
    assert_eq!(app.app.store.corrections().await.expect("db").len(), 2);
}

#[tokio::test]
async fn a_damaged_model_file_stops_the_start_instead_of_dropping_the_corrections() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    // Beside the database file (`db.classifier`), or beside the config on
    // PostgreSQL (`complaintd.classifier`).
    let model = app.app.loaded.model_path();
    std::fs::write(&model, b"not a model").expect("write");
    let loaded = complaintd::config::load(&app.config).expect("config");
    let err = match complaintd::app::App::with_secret(
        loaded,
        complaintd::core::token::Secret::new(SECRET.as_bytes().to_vec()),
    )
    .await
    {
        Ok(_) => panic!("started with a damaged model"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&model.display().to_string()) && err.contains("classifier.model"),
        "{err}"
    );
}
