//! Two real `complaintd run` processes on one SQLite database and one
//! Maildir mailbox (issue 18): only the lease holder reads; a holder paused
//! past its lease is replaced within the lease time and, woken, writes
//! nothing; a holder killed with -9 is replaced; mail delivered throughout
//! becomes exactly one case each, acknowledged once.

use crate::harness::*;
use complaintd::core::mail;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEASE_SECONDS: u64 = 4;

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(dir: &Path, config: &Path, name: &str) -> Daemon {
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .arg("--config")
            .arg(config)
            .arg("run")
            .env(SECRET_ENV, SECRET)
            .env("RUST_LOG", "complaintd=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("spawn complaintd");
        Daemon { child, log }
    }
    fn pid(&self) -> i64 {
        i64::from(self.child.id())
    }
    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill {sig}");
    }
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A paused daemon cannot die until it is let go on.
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// When `daemon` first logged taking the lease at `after` or later.
fn taken_after(
    daemon: &Daemon,
    after: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let log = daemon.log();
    log.lines()
        .filter(|l| l.contains("mailbox lease taken"))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .find(|t| *t >= after)
        .unwrap_or_else(|| panic!("no lease taken after {after} in:\n{log}"))
}

/// `complaintd status --json`.
fn status(config: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(config)
        .args(["status", "--json"])
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("status");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// The pid of the instance `status` says reads the mailbox.
fn reader(config: &Path) -> Option<i64> {
    let s = status(config);
    let id = s["mailboxes"][0]["read_by"]["instance"]
        .as_str()?
        .to_string();
    s["instances"]
        .as_array()?
        .iter()
        .find(|i| i["id"].as_str() == Some(id.as_str()))?["pid"]
        .as_i64()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    start.elapsed()
}

/// One number from the daemon's database, read beside it (0 before it exists).
fn count(dir: &Path, sql: &'static str) -> i64 {
    crate::common::backend::count_blocking(dir, sql)
}

/// Messages committed so far: a Maildir reader moves a file to `cur/` only
/// after its commit (read beside the daemons without opening their database).
fn taken(inbox: &Path) -> i64 {
    std::fs::read_dir(inbox.join("cur")).map_or(0, |d| d.count() as i64)
}

fn complaint(n: usize) -> Vec<u8> {
    message(
        &format!("Learner {n} <learner{n}@mail{n}.test>"),
        &format!("Complaint {n}"),
        "I am not happy: my sessions keep being cancelled and I want to know why.",
        &format!("lease-{n}@mail.test"),
    )
}

/// Every delivered outgoing mail: (To, Message-ID).
fn outgoing(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir.join("new")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .filter_map(|raw| {
            let m = mail::parse(&raw).ok()?;
            Some((m.header("to")?.to_string(), m.message_id.clone()?))
        })
        .collect()
}

#[test]
fn two_daemons_one_mailbox_one_reader_takeover_and_no_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        "provider-b",
        &format!(
            "[[mailbox]]\nname = \"complaints\"\nmaildir = \"inbox\"\n\n[instances]\nlease_seconds = {LEASE_SECONDS}\n"
        ),
    );
    secret_from_env(&config);
    let inbox = dir.path().join("inbox");
    complaintd::mail::maildir::create(&inbox).expect("maildir");
    let db = dir.path();
    let lease = Duration::from_secs(LEASE_SECONDS);

    let a = Daemon::start(dir.path(), &config, "a");
    wait_for("A reads the mailbox", Duration::from_secs(60), || {
        reader(&config) == Some(a.pid())
    });
    let b = Daemon::start(dir.path(), &config, "b");
    wait_for("B registers", Duration::from_secs(60), || {
        status(&config)["instances"]
            .as_array()
            .is_some_and(|i| i.iter().filter(|i| i["alive"] == true).count() == 2)
    });
    assert_eq!(reader(&config), Some(a.pid()), "B stands by");
    // The operator's view says the same in words.
    let text = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(&config)
        .arg("status")
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("status");
    let text = String::from_utf8_lossy(&text.stdout);
    let a_id = status(&config)["mailboxes"][0]["read_by"]["instance"]
        .as_str()
        .map(str::to_string)
        .expect("a reader");
    assert!(text.contains(&format!("read by instance {a_id}")), "{text}");
    assert!(
        text.contains(&format!(":{} v", a.pid())) && text.contains("alive; reads complaints"),
        "{text}"
    );
    assert_eq!(text.matches(", alive").count(), 2, "{text}");

    // Mail arrives throughout, as a mail server delivers it.
    let stop = Arc::new(AtomicBool::new(false));
    let paused = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicUsize::new(0));
    let deliverer = {
        let (stop, paused, delivered, inbox) = (
            stop.clone(),
            paused.clone(),
            delivered.clone(),
            inbox.clone(),
        );
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                if paused.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let name = format!("{n:05}.eml");
                let tmp = inbox.join("tmp").join(&name);
                std::fs::write(&tmp, complaint(n)).expect("write");
                std::fs::rename(&tmp, inbox.join("new").join(&name)).expect("deliver");
                n += 1;
                delivered.store(n, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(25));
            }
        })
    };
    wait_for("A takes mail in", Duration::from_secs(60), || {
        taken(&inbox) >= 10
    });

    // Under load a holder whose renewal waits behind its own long batch can
    // lose the lease to the other (its batch then commits nothing): so the
    // reader is looked up before each step rather than assumed.
    let mut daemons = [a, b];
    let reading = |daemons: &[Daemon; 2]| {
        let pid = reader(&config);
        daemons.iter().position(|d| Some(d.pid()) == pid)
    };

    // The reader paused past its lease: the other takes over within the
    // lease time. SQLite has one writer: an instance paused inside a write
    // transaction would hold every instance up until it resumes (README), so
    // it is paused between transactions, once it has taken in all there is.
    paused.store(true, Ordering::SeqCst);
    let so_far = delivered.load(Ordering::SeqCst) as i64;
    wait_for("the reader catches up", Duration::from_secs(60), || {
        taken(&inbox) >= so_far
    });
    let r = reading(&daemons).expect("a reader");
    let o = 1 - r;
    let lost_before = daemons[r].log().matches("mailbox lease lost").count();
    let paused_at = chrono::Utc::now();
    daemons[r].signal("-STOP");
    paused.store(false, Ordering::SeqCst);
    wait_for(
        "the other takes over from the paused reader",
        lease * 3,
        || reading(&daemons) == Some(o),
    );
    let takeover = taken_after(&daemons[o], paused_at) - paused_at;
    eprintln!("takeover after SIGSTOP: {takeover} (lease {lease:?})");
    // The lease runs out at most a lease after the pause (it was renewed
    // before it); the other asks again the moment it does: a little for
    // scheduling.
    assert!(
        takeover <= chrono::Duration::from_std(lease + Duration::from_millis(500)).expect("span"),
        "takeover took {takeover}"
    );
    let before = taken(&inbox);
    wait_for(
        "the new reader takes mail in",
        Duration::from_secs(60),
        || taken(&inbox) >= before + 10,
    );
    // The paused one woken: its renewal fails and it stops reading, having
    // written nothing.
    daemons[r].signal("-CONT");
    wait_for("the woken one notices it lost the lease", lease * 3, || {
        daemons[r].log().matches("mailbox lease lost").count() > lost_before
    });

    // The reader killed with -9 (and reaped): the other takes over.
    let k = reading(&daemons).expect("a reader");
    let before = taken(&inbox);
    let killed_at = chrono::Utc::now();
    daemons[k].signal("-KILL");
    let _ = daemons[k].child.wait();
    wait_for(
        "the other takes over from the killed reader",
        lease * 3,
        || reading(&daemons) == Some(1 - k),
    );
    let takeover = taken_after(&daemons[1 - k], killed_at) - killed_at;
    eprintln!("takeover after kill -9: {takeover} (lease {lease:?})");
    assert!(
        takeover <= chrono::Duration::from_std(lease).expect("span"),
        "takeover took {takeover}"
    );
    wait_for(
        "the survivor takes mail in",
        Duration::from_secs(60),
        || taken(&inbox) >= before + 10,
    );
    stop.store(true, Ordering::SeqCst);
    deliverer.join().expect("deliverer");
    let n = delivered.load(Ordering::SeqCst);

    // Every message exactly one case, every complainant acknowledged once.
    wait_for("every message taken in", Duration::from_secs(120), || {
        taken(&inbox) >= n as i64
    });
    assert_eq!(count(db, "SELECT COUNT(*) FROM cases"), n as i64);
    assert_eq!(count(db, "SELECT COUNT(*) FROM messages"), n as i64);
    assert_eq!(
        count(db, "SELECT COUNT(DISTINCT message_id) FROM messages"),
        n as i64
    );
    let out = dir.path().join("outgoing");
    // Complainants only: staff get a notice per case besides.
    let to_complainants = || {
        outgoing(&out)
            .into_iter()
            .filter(|(to, _)| to.contains("@mail"))
            .collect::<Vec<_>>()
    };
    wait_for(
        "every acknowledgement delivered",
        Duration::from_secs(120),
        || {
            let mut to: Vec<String> = to_complainants().into_iter().map(|(t, _)| t).collect();
            to.sort();
            to.dedup();
            to.len() >= n
        },
    );
    let mut by_recipient: HashMap<String, Vec<String>> = HashMap::new();
    for (to, id) in to_complainants() {
        by_recipient.entry(to).or_default().push(id);
    }
    assert_eq!(by_recipient.len(), n);
    for (to, mut ids) in by_recipient {
        ids.sort();
        ids.dedup();
        // A delivery repeated after a kill -9 carries the same Message-ID.
        assert_eq!(ids.len(), 1, "{to} was acknowledged twice: {ids:?}");
    }
    eprintln!("{n} complaints delivered during the run, each one case");
}
