//! Two real `complaintd run` processes on one database (SQLite, or PostgreSQL
//! with `COMPLAINTD_TEST_BACKEND=postgres`) reading one
//! IMAP mailbox on the real Dovecot (`scripts/mail-stack`; run with a private
//! stack: `STACK_DIR=/tmp/cm-NAME STACK_PORTS=BASE cargo test --test
//! instances`): one reads, the other stands by; the reader killed with -9,
//! the other takes over within the lease time, and mail delivered
//! throughout becomes exactly one case each.

#[path = "../common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../mail_e2e/stack.rs"]
mod stack;

use stack::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const POLICY_B: &str = include_str!("../../examples/provider-b/policy.toml");
const LEASE_SECONDS: u64 = 4;

fn complaint(n: usize) -> Vec<u8> {
    format!(
        "From: Learner {n} <learner{n}@mail{n}.test>\r\nTo: complaints@example.test\r\nSubject: Complaint {n}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <imap-lease-{n}@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am not happy: my sessions keep being cancelled and I want to know why.\r\n"
    )
    .into_bytes()
}

/// The pid of the instance `status --json` says reads the mailbox.
fn reader(inst: &Instance) -> Option<i64> {
    let out = inst.command().args(["status", "--json"]).output().ok()?;
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let id = s["mailboxes"][0]["read_by"]["instance"]
        .as_str()?
        .to_string();
    s["instances"]
        .as_array()?
        .iter()
        .find(|i| i["id"].as_str() == Some(id.as_str()))?["pid"]
        .as_i64()
}

/// When the daemon logging to `log` took the lease for the `n`th time.
fn taken_at(log: &Path, n: usize) -> chrono::DateTime<chrono::Utc> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let line = text
        .lines()
        .filter(|l| l.contains("mailbox lease taken"))
        .nth(n)
        .unwrap_or_else(|| panic!("no lease taken #{n} in:\n{text}"));
    line.split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no time in {line:?}"))
}

/// One number from the database of the instances configured in `dir`,
/// read once the daemons are gone.
async fn count(dir: &Path, sql: &'static str) -> i64 {
    let db = common::backend::RawDb::open(dir).await;
    let n = raw!(&db, |p| sqlx::query_scalar(sql)
        .fetch_one(p)
        .await
        .expect("count"));
    db.close().await;
    n
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_one_imap_mailbox_one_reader_and_takeover_after_kill_9() {
    let (s, _guard) = stack().await;
    purge_all(s);
    let tail = format!(
        "{}{}\n[instances]\nlease_seconds = {LEASE_SECONDS}\n",
        mailbox(
            s,
            "complaints",
            s.port("STACK_IMAP_PORT"),
            "starttls",
            2,
            10,
            Auth::Password
        ),
        outbox(s, Auth::Password)
    );
    let mut a = Instance::with_mail_config(POLICY_B, &tail);
    a.start();
    let a_pid = i64::from(a.child.as_ref().expect("A").id());
    let b_log = a.dir.path().join("b.log");
    let mut b: Child = a
        .command()
        .arg("run")
        .env("RUST_LOG", "complaintd=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&b_log).expect("log"))
        .spawn()
        .expect("spawn B");
    let b_pid = i64::from(b.id());
    tokio::task::block_in_place(|| {
        wait_until("one of them reads", Duration::from_secs(60), || {
            reader(&a).is_some()
        })
    });
    // Whichever came first reads; the other stands by.
    let first = tokio::task::block_in_place(|| reader(&a)).expect("a reader");
    let (reader_pid, standby_pid, standby_log) = if first == a_pid {
        (a_pid, b_pid, b_log.clone())
    } else {
        (b_pid, a_pid, a.dir.path().join("run.log"))
    };

    // Mail arrives throughout.
    let stop = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicUsize::new(0));
    let deliverer = {
        let (stop, delivered) = (stop.clone(), delivered.clone());
        tokio::spawn(async move {
            let mut session = imap(s, "complaints").await;
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                session
                    .append("INBOX", None, None, &complaint(n))
                    .await
                    .expect("append");
                n += 1;
                delivered.store(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = session.logout().await;
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;

    // The reader killed with -9 (and not reaped at once, so its process id
    // still shows: the lease has to run out): the one standing by takes over.
    let killed_at = chrono::Utc::now();
    let ok = Command::new("kill")
        .args(["-9", &reader_pid.to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok);
    tokio::task::block_in_place(|| {
        wait_until(
            "the other takes over",
            Duration::from_secs(LEASE_SECONDS * 3),
            || reader(&a) == Some(standby_pid),
        )
    });
    let takeover = taken_at(&standby_log, 0) - killed_at;
    eprintln!("IMAP takeover after kill -9: {takeover} (lease {LEASE_SECONDS} s)");
    assert!(
        takeover <= chrono::Duration::seconds(LEASE_SECONDS as i64),
        "takeover took {takeover}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    deliverer.await.expect("deliverer");
    let n = delivered.load(Ordering::SeqCst);

    // Every message exactly one case.
    tokio::task::block_in_place(|| {
        wait_until("every message taken in", Duration::from_secs(120), || {
            a.cases().len() >= n
        })
    });
    a.kill9();
    let _ = b.kill();
    let _ = b.wait();
    let db = a.dir.path();
    assert_eq!(count(db, "SELECT COUNT(*) FROM cases").await, n as i64);
    // Each complaint stored once (the mailbox also receives the bounces of
    // the acknowledgements, which the test's outside addresses refuse).
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM messages WHERE message_id LIKE 'imap-lease-%'"
        )
        .await,
        n as i64
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(DISTINCT message_id) FROM messages WHERE message_id LIKE 'imap-lease-%'"
        )
        .await,
        n as i64
    );
    eprintln!("{n} messages appended during the run, each one case");
}
