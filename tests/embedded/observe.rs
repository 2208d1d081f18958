//! `/healthz` and `/metrics` of the real `complaintd run`: counters move by
//! exactly what the daemon did, and readiness follows the database.

use crate::harness::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port free on loopback now (the daemon binds it a moment later).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `GET path` over plain HTTP/1.1: the status and the body, or `None` while
/// nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

/// The value of one sample line (`name{labels}` exactly) in a scrape; 0 when
/// absent (a labelled counter appears at its first increment).
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn start(dir: &Path, config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env(SECRET_ENV, SECRET)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("run.log")).expect("log"))
        .spawn()
        .expect("spawn complaintd")
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Poll `/metrics` until `done` holds, with a deadline.
fn scrape_until(port: u16, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some((200, m)) = get(port, "/metrics") {
            if done(&m) {
                return m;
            }
            assert!(Instant::now() < deadline, "{what}; last scrape:\n{m}");
        }
        assert!(Instant::now() < deadline, "{what}: /metrics never answered");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn metrics_count_exactly_what_the_daemon_took_in_and_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_config(
        dir.path(),
        "provider-b",
        &format!(
            "[[mailbox]]\nname = \"complaints\"\nmaildir = \"inbox\"\n\n[observe]\nlisten = \"127.0.0.1:{port}\"\n"
        ),
    );
    secret_from_env(&config);
    let inbox = dir.path().join("inbox");
    complaintd::mail::maildir::create(&inbox).expect("maildir");
    let _daemon = Killed(start(dir.path(), &config));

    // Ready and live once it runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let health = loop {
        if let Some(r) = get(port, "/healthz") {
            break r;
        }
        assert!(Instant::now() < deadline, "/healthz never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(health.0, 200, "{}", health.1);
    assert_eq!(health.1, "ready: ok\nlive: ok\n");
    assert_eq!(get(port, "/healthz/ready").map(|r| r.0), Some(200));
    assert_eq!(get(port, "/healthz/live").map(|r| r.0), Some(200));
    assert_eq!(get(port, "/nothing").map(|r| r.0), Some(404));
    let before = get(port, "/metrics").expect("metrics").1;
    assert_eq!(
        sample(&before, "complaintd_messages_ingested_total"),
        0.0,
        "{before}"
    );

    // Three complaints and one empty message, which is quarantined.
    let deliver = |name: &str, raw: &[u8]| {
        let tmp = inbox.join("tmp").join(name);
        std::fs::write(&tmp, raw).expect("write tmp");
        std::fs::rename(&tmp, inbox.join("new").join(name)).expect("deliver");
    };
    let complaint = |n: usize| {
        message(
            &format!("Learner {n} <learner{n}@mail{n}.test>"),
            &format!("Complaint {n}"),
            "I am not happy: my sessions keep being cancelled and I want to know why.",
            &format!("observe-{n}@mail.test"),
        )
    };
    for n in 0..3 {
        deliver(&format!("{n}.eml"), &complaint(n));
    }
    deliver("empty.eml", b"   ");
    let outgoing = dir.path().join("outgoing").join("new");
    let m = scrape_until(port, "four messages taken in, three acknowledged", |m| {
        sample(m, "complaintd_messages_ingested_total") >= 4.0
            && sample(m, "complaintd_mail_sent_total") >= 3.0
    });
    assert_eq!(sample(&m, "complaintd_messages_ingested_total"), 4.0, "{m}");
    assert_eq!(
        sample(&m, "complaintd_messages_quarantined_total"),
        1.0,
        "{m}"
    );
    assert_eq!(
        sample(&m, "complaintd_messages_duplicate_total"),
        0.0,
        "{m}"
    );
    assert_eq!(
        sample(&m, "complaintd_cases_opened_total{kind=\"complaint\"}"),
        3.0,
        "{m}"
    );
    assert_eq!(sample(&m, "complaintd_ingest_seconds_count"), 4.0, "{m}");
    assert_eq!(sample(&m, "complaintd_mail_failed_total"), 0.0, "{m}");
    // Every mail counted as sent is in the outgoing Maildir, and timed.
    let sent = sample(&m, "complaintd_mail_sent_total");
    assert_eq!(sent, files(&outgoing) as f64, "{m}");
    assert_eq!(sample(&m, "complaintd_send_seconds_count"), sent, "{m}");
    assert!(
        m.contains("# TYPE complaintd_ingest_seconds histogram"),
        "{m}"
    );

    // The same complaint again is a repeat: counted apart, nothing else moves.
    deliver("again.eml", &complaint(0));
    let m = scrape_until(port, "the repeat recognised", |m| {
        sample(m, "complaintd_messages_duplicate_total") >= 1.0
    });
    assert_eq!(
        sample(&m, "complaintd_messages_duplicate_total"),
        1.0,
        "{m}"
    );
    assert_eq!(sample(&m, "complaintd_messages_ingested_total"), 4.0, "{m}");
    assert_eq!(
        sample(&m, "complaintd_cases_opened_total{kind=\"complaint\"}"),
        3.0,
        "{m}"
    );
    assert_eq!(sample(&m, "complaintd_mail_sent_total"), sent, "{m}");
}
