//! A crash at any point loses nothing and sends nothing twice.

use crate::harness::*;
use complaintd::core::mail;
use complaintd::store::{NewMessage, Store};
use complaintd::work::drafts::Drafts;
use complaintd::work::ingest::{self, Ingested};

fn complaint() -> Vec<u8> {
    message("Jo <jo@mail.test>", "Certificate", "Still no certificate after four months. I am not happy and want to know when it will arrive.", "crash@mail.test")
}

#[tokio::test]
async fn crash_before_commit_loses_nothing() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let raw = complaint();
    {
        // Everything up to the commit happens (a pass that finds its mail
        // unrendered, the rendering, the pass that would commit), then the
        // process dies: the transaction is dropped.
        let m = mail::parse(&raw).expect("parse");
        let mut drafts = Drafts::default();
        loop {
            let mut tx = drafts.begin(&app.app).await.expect("tx");
            let row = Store::insert_message(
                &mut tx,
                &NewMessage {
                    message_id: Some("crash@mail.test"),
                    content_hash: "h",
                    content_key: None,
                    source: "test",
                    received_at: app.now,
                    raw: &raw,
                    from_addr: None,
                    subject: None,
                },
            )
            .await
            .expect("insert")
            .expect("new");
            ingest::process(&app.app, &mut tx, &mut drafts, row, &raw, &m, app.now)
                .await
                .expect("process");
            if drafts.complete() {
                drop(tx);
                break;
            }
            tx.rollback().await.expect("rollback");
            drafts.render_missing(&app.app).expect("render");
        }
    }
    app.restart().await;
    assert!(
        app.sent().await.is_empty(),
        "nothing was queued by the lost transaction"
    );
    assert!(app.app.store.list_cases(None).await.expect("db").is_empty());
    // The source still has the message (IMAP checkpoint not advanced, file not moved): it comes again.
    assert_eq!(
        app.deliver(&raw).await,
        Ingested::Opened("PAR-2026-0001".into())
    );
    assert_eq!(app.deliver(&raw).await, Ingested::Duplicate);
    app.send().await;
    let acks = app.sent_to("jo@mail.test").await;
    assert_eq!(acks.len(), 1);
    assert_eq!(app.app.store.list_cases(None).await.expect("db").len(), 1);
}

#[tokio::test]
async fn crash_after_commit_sends_once() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&complaint()).await;
    // The process dies before the sender ran: the mail is in the outbox.
    app.restart().await;
    let pending = app.app.store.outbox_counts().await.expect("db").pending;
    assert!(pending > 0);
    let r = app.send().await;
    assert_eq!(r.sent as i64, pending);
    assert_eq!(app.send().await.sent, 0, "nothing twice");
}

#[tokio::test]
async fn crash_during_delivery_does_not_duplicate() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&complaint()).await;
    // The sender claims the mail and delivers it, then dies before recording it.
    let claimed = app
        .app
        .store
        .claim_outbox(app.now, app.now + chrono::Duration::minutes(5), 100)
        .await
        .expect("claim");
    let dir = app.dir.path().join("outgoing");
    for r in &claimed {
        complaintd::mail::maildir::deliver(&dir, &r.message_id, &r.raw).expect("deliver");
    }
    app.restart().await;
    // While the lease holds, nobody else sends it.
    assert_eq!(app.send().await.sent, 0);
    app.advance(chrono::Duration::minutes(6));
    let again = app.send().await;
    assert_eq!(
        again.sent,
        claimed.len(),
        "recorded as sent after the lease"
    );
    let files = std::fs::read_dir(dir.join("new")).expect("maildir").count();
    assert_eq!(files, claimed.len(), "each mail delivered exactly once");
}
