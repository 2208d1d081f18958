//! The sender against SMTP servers that are down or stall, on the manual
//! clock: real sockets on loopback (a closed port refuses; a listener that
//! never speaks stalls), the real store and the real sender.

use crate::harness::*;
use chrono::Duration;
use complaintd::config::SmtpConfig;
use complaintd::core::oauth::FailureKind;
use complaintd::mail::sender::{self, SmtpAccount, Transport};
use complaintd::store::OutboxStatus;
use std::sync::Arc;

fn complaint(i: usize) -> Vec<u8> {
    message(
        &format!("Jo {i} <jo{i}@mail.test>"),
        "Certificate",
        "Still no certificate after four months. I am not happy and want to know when it will arrive.",
        &format!("outage-{i}@mail.test"),
    )
}

fn smtp_to(app: &TestApp, port: u16, timeout: u64) -> Transport {
    let cfg: SmtpConfig = toml::from_str(&format!(
        "host = \"127.0.0.1\"\nport = {port}\ntls = \"plain\"\ntimeout_seconds = {timeout}\n"
    ))
    .expect("smtp config");
    Transport::Smtp(Arc::new(
        SmtpAccount::new(
            &cfg,
            app.dir.path(),
            "complaints@provider.test",
            sender::OUTBOX_ACCOUNT,
            None,
        )
        .expect("account"),
    ))
}

/// A loopback port nobody listens on: connections are refused.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[tokio::test]
async fn an_outage_longer_than_the_retry_schedule_gives_up_nothing() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..3 {
        app.deliver(&complaint(i)).await;
    }
    let queued = app.sent().await.len();
    assert!(queued >= 3);
    app.transport = smtp_to(&app, closed_port(), 5);
    let started = app.now;
    // The default schedule (8 attempts, from 60 s doubling to an hour) would
    // have given every mail up after about two hours; the server stays down
    // for twelve.
    let retry = sender::RetryPolicy::default();
    while app.now < started + Duration::hours(12) {
        let r = sender::run_once(&app.app.store, &app.transport, app.now, retry)
            .await
            .expect("send");
        assert_eq!((r.sent, r.failed), (0, 0), "{r:?}");
        assert!(r.signin_failed, "the account is recorded as failing");
        app.advance(Duration::minutes(10));
    }
    let rows = app.sent().await;
    assert_eq!(rows.len(), queued);
    for r in &rows {
        assert_eq!(r.status, OutboxStatus::Pending, "{}", r.message_id);
        assert_eq!(r.attempts, 0, "the server's outage used up no attempt");
    }
    let health = app.app.store.account_health().await.expect("db");
    let h = health
        .iter()
        .find(|h| h.account == sender::OUTBOX_ACCOUNT)
        .expect("a health entry for the outbox account");
    assert_eq!(h.failing_since, Some(started));
    assert_eq!(h.failure_kind, Some(FailureKind::Transient));
    assert!(
        h.last_error.as_deref().unwrap_or("").contains("refused"),
        "{h:?}"
    );
}

#[tokio::test]
async fn a_stalled_server_costs_one_timeout_per_connection_not_per_mail() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..3 {
        app.deliver(&complaint(i)).await;
    }
    assert!(app.sent().await.len() >= 3);
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(sock);
        }
    });
    app.transport = smtp_to(&app, port, 1);
    let t = std::time::Instant::now();
    let r = app.send().await;
    let took = t.elapsed();
    assert_eq!((r.sent, r.failed), (0, 0));
    let error = r.account_error.expect("the account failed");
    assert!(
        error.contains("timed out after 1s waiting for the greeting"),
        "{error}"
    );
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one connection attempt for the whole queue"
    );
    assert!(
        took < std::time::Duration::from_secs(3),
        "one timeout, not one per mail: {took:?}"
    );
    for row in app.sent().await {
        assert_eq!((row.status, row.attempts), (OutboxStatus::Pending, 0));
    }
    let health = app.app.store.account_health().await.expect("db");
    assert!(health.iter().any(|h| h.account == sender::OUTBOX_ACCOUNT
        && h.failing_since.is_some()
        && h.last_error.as_deref() == Some(error.as_str())));
}

#[tokio::test]
async fn a_421_greeting_is_the_accounts_problem_not_the_mails() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&complaint(0)).await;
    // A server that turns every session away with 421 at its greeting.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = sock
                .write_all(b"421 4.3.2 mail.provider.test too busy, try later\r\n")
                .await;
        }
    });
    app.transport = smtp_to(&app, port, 5);
    let retry = sender::RetryPolicy::default();
    for _ in 0..20 {
        let r = sender::run_once(&app.app.store, &app.transport, app.now, retry)
            .await
            .expect("send");
        assert_eq!((r.sent, r.failed), (0, 0));
        let error = r.account_error.expect("the account failed");
        assert!(error.contains("421"), "{error}");
        app.advance(Duration::hours(1));
    }
    for row in app.sent().await {
        assert_eq!((row.status, row.attempts), (OutboxStatus::Pending, 0));
    }
}
