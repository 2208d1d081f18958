//! The daemon loop itself, in process and on the real clock: `work::daemon::run`
//! with a Maildir mailbox and a Maildir outbox, no mail servers.

use crate::harness::{message, TestApp};
use complaintd::core::mail;
use complaintd::work::daemon;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The recipients of every mail delivered into a Maildir's `new/`, with
/// their subjects.
fn delivered(outbox: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(outbox.join("new")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .filter_map(|raw| {
            let m = mail::parse(&raw).ok()?;
            Some((m.header("to")?.to_string(), m.subject))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_takes_in_from_a_maildir_sends_the_acknowledgement_and_stops_on_cancel() {
    let (test, inbox) =
        TestApp::spawn_with_maildir_inbox("provider-b", "2026-11-23T10:00:00Z").await;
    let outgoing = test.dir.path().join("outgoing");

    let stop = CancellationToken::new();
    let app = Arc::new(TestApp::open(&test.config).await);
    let daemon = tokio::spawn(daemon::run(app, stop.clone()));

    // Delivered while the daemon runs, as a mail server would: written in
    // tmp/ and renamed into new/, so the daemon never sees half a message.
    let raw = message(
        "Jo Bloggs <jo@mail.test>",
        "Cancelled sessions",
        "My sessions keep getting cancelled and I am not happy. I want an explanation.",
        "daemon-1@mail.test",
    );
    let tmp = inbox.join("tmp").join("1.eml");
    std::fs::write(&tmp, &raw).expect("write tmp");
    std::fs::rename(&tmp, inbox.join("new").join("1.eml")).expect("deliver to new/");

    // The mailbox is read every few seconds and the sender is woken by ingest.
    let deadline = Instant::now() + Duration::from_secs(60);
    let ack = loop {
        let to_jo: Vec<_> = delivered(&outgoing)
            .into_iter()
            .filter(|(to, _)| to.contains("jo@mail.test"))
            .collect();
        if let Some(first) = to_jo.into_iter().next() {
            break first;
        }
        assert!(
            !daemon.is_finished(),
            "the daemon ended before sending anything"
        );
        assert!(
            Instant::now() < deadline,
            "no acknowledgement in {} within a minute",
            outgoing.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        inbox.join("cur").read_dir().expect("cur").count() == 1,
        "the message moves to cur/ once taken in"
    );

    // Stop: the daemon returns within its grace, with nothing left leased.
    let asked = Instant::now();
    stop.cancel();
    let ended = tokio::time::timeout(daemon::STOP_GRACE + Duration::from_secs(2), daemon)
        .await
        .expect("the daemon returns within its grace after a stop")
        .expect("the daemon task did not panic");
    assert!(ended.is_ok(), "run ended with {ended:?}");
    assert!(asked.elapsed() < daemon::STOP_GRACE);

    let after = TestApp::open(&test.config).await;
    assert_eq!(
        after
            .store
            .leased_outbox(chrono::Utc::now() - chrono::Duration::hours(1))
            .await
            .expect("db"),
        0,
        "a stopped daemon leaves no mail leased"
    );
    let rows = after.store.outbox(None).await.expect("outbox");
    let acks: Vec<_> = rows
        .iter()
        .filter(|r| r.recipient.contains("jo@mail.test"))
        .collect();
    assert_eq!(acks.len(), 1, "one mail to the complainant: {ack:?}");
    assert_eq!(acks[0].template, "acknowledgement");
    assert_eq!(acks[0].status, complaintd::store::OutboxStatus::Sent);
    assert_eq!(after.store.list_cases(None).await.expect("db").len(), 1);
}
