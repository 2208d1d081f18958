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
                &complaintd::work::ingest::content_hash(&raw),
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
