//! Every machine message in the shared corpus is stored and never answered.

use crate::harness::*;
use complaintd::store::MessageStatus;
use complaintd::work::ingest::Ingested;
use std::path::Path;

fn corpus() -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let live = root.join("../shared/corpus/classify");
    if live.join("labels.jsonl").exists() {
        live
    } else {
        root.join("tests/data/shared-corpus")
    }
}

#[tokio::test]
async fn machine_mail_is_stored_and_never_answered() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let dir = corpus();
    let labels = std::fs::read_to_string(dir.join("labels.jsonl")).expect("labels");
    let mut n = 0;
    for line in labels.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        let kind = v["kind"].as_str().expect("kind");
        if !matches!(kind, "auto_reply" | "bounce" | "bulk") {
            continue;
        }
        let file = dir.join(v["file"].as_str().expect("file"));
        let outcome = app.deliver_file(&file).await;
        assert!(
            matches!(outcome, Ingested::Ignored { .. }),
            "{}: {outcome:?}",
            file.display()
        );
        let raw = std::fs::read(&file).expect("read");
        let parsed = complaintd::core::mail::parse(&raw).expect("parse");
        let stored = app
            .app
            .store
            .find_message(
                parsed.message_id.as_deref(),
                &complaintd::work::raw::content_hash(&raw),
            )
            .await
            .expect("db");
        assert!(
            stored.is_some_and(|m| m.status == MessageStatus::Ignored),
            "{} stored as ignored",
            file.display()
        );
        n += 1;
    }
    assert!(n >= 10, "only {n} machine messages");
    app.send().await;
    assert!(
        app.sent().await.is_empty(),
        "a machine message was answered"
    );
    assert!(app.app.store.list_cases(None).await.expect("db").is_empty());
}

/// Issue 12 §3: the machine mail of `tests/data/structure-and-attachments` (bounces from any
/// MTA by body shape, an empty From, report parts in multipart/mixed,
/// provider notices, DMARC reports, header-less auto-replies) is stored and
/// never answered, and the people in it (one forwarding a bounce above their
/// own complaint, one pasting a bounce's words) each get a case.
#[tokio::test]
async fn structure_corpus_machine_mail_is_ignored_and_people_get_cases() {
    let app = TestApp::spawn("provider-b", "2026-11-30T10:00:00Z").await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/structure-and-attachments");
    let labels = std::fs::read_to_string(dir.join("labels.jsonl")).expect("labels");
    let (mut machines, mut people) = (0, 0);
    for line in labels.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        let kind = v["kind"].as_str().expect("kind");
        let file = dir.join(v["file"].as_str().expect("file"));
        let outcome = app.deliver_file(&file).await;
        if matches!(kind, "auto_reply" | "bounce" | "bulk") {
            assert!(
                matches!(outcome, Ingested::Ignored { .. }),
                "{}: {outcome:?}",
                file.display()
            );
            machines += 1;
        } else {
            assert!(
                matches!(outcome, Ingested::Opened(_)),
                "{}: {outcome:?}",
                file.display()
            );
            people += 1;
        }
    }
    assert!(
        machines >= 14 && people >= 15,
        "{machines} machine, {people} people"
    );
    app.send().await;
    assert_eq!(
        app.app.store.list_cases(None).await.expect("db").len(),
        people,
        "one case per person's message, none for machine mail"
    );
}

/// A website contact form relays the visitor's message `From: noreply@` the
/// organisation's own domain: the visitor is the complainant and the
/// acknowledgement goes to the form's Email field, not to the form.
#[tokio::test]
async fn a_contact_form_complainant_is_the_visitor() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let raw = message(
        "Website <noreply@provider.test>",
        "New submission from Contact us",
        "Name: Aled Jones\r\nEmail: Aled.Jones@mail.test\r\nPhone: 07700 900123\r\nMessage: My course was cancelled at the last minute twice and nobody has told me why. I am not happy and want an explanation.",
        "form-1@provider.test",
    );
    let Ingested::Opened(reference) = app.deliver(&raw).await else {
        panic!("no case opened for a contact-form complaint");
    };
    let case = app.case(&reference).await;
    assert_eq!(case.complainant.address, "aled.jones@mail.test");
    assert_eq!(case.complainant.name.as_deref(), Some("Aled Jones"));
    app.send().await;
    app.last("acknowledgement", "aled.jones@mail.test").await;
    assert!(
        app.sent_to("noreply@provider.test").await.is_empty(),
        "nothing may go to the form's no-reply address"
    );

    // Form plugins that mark their mail automatic still relay a person:
    // before, this complaint was screened out as machine mail, unanswered.
    let raw = String::from_utf8(message(
        "Website <noreply@provider.test>",
        "New submission from Contact us",
        "Name: Bethan Rees\r\nEmail: bethan.rees@mail.test\r\nMessage: My assessor has missed two visits and nobody has rebooked them. I want to make a complaint.",
        "form-2@provider.test",
    ))
    .expect("utf-8")
    .replacen(
        "Message-ID:",
        "Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\nX-Auto-Response-Suppress: All\r\nMessage-ID:",
        1,
    );
    let Ingested::Opened(_) = app.deliver(raw.as_bytes()).await else {
        panic!("no case opened for a form that marks its mail automatic");
    };
    app.send().await;
    app.last("acknowledgement", "bethan.rees@mail.test").await;
}
