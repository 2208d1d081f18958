//! The mail-path benchmark, on the project's own Dovecot + Postfix
//! (`scripts/mail-stack`), in one run:
//!
//! (a) messages/s for a bare IMAP client doing UID FETCH of a 5,000-message mailbox;
//! (b) messages/s for `complaintd run` ingesting that same mailbox into a fresh
//!     database (classified, cases opened, acknowledgements queued);
//! (c) acknowledgement latency, SMTP accepted → acknowledgement visible in the
//!     complainant's inbox, p50 and p99 over 200 complaints sent 50 ms apart.
//!
//! Run: `cargo bench --bench mail` (or `scripts/bench-ingest`). Needs root for the
//! mail stack's first start. Prints the figures and the ratio (b)/(a).

use futures::TryStreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const N: usize = 5000;
const LATENCY_N: usize = 200;

fn env() -> HashMap<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mail-stack");
    let out = Command::new(script)
        .arg("start")
        .output()
        .expect("mail stack");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    std::fs::read_to_string(path)
        .expect("env")
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn purge(env: &HashMap<String, String>, user: &str) {
    Command::new("doveadm")
        .args([
            "-c",
            &env["STACK_DOVECOT_CONF"],
            "expunge",
            "-u",
            &format!("{user}@example.test"),
            "mailbox",
            "INBOX",
            "all",
        ])
        .status()
        .expect("doveadm");
}

async fn login(port: u16, user: &str) -> async_imap::Session<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut c = async_imap::Client::new(tcp);
    c.read_response().await.expect("greeting");
    let mut s = c
        .login(format!("{user}@example.test"), "secret")
        .await
        .map_err(|(e, _)| e)
        .expect("login");
    s.select("INBOX").await.expect("select");
    s
}

/// Realistic, varied complaints (about 2–3 KB each, several shapes).
fn message(i: usize) -> Vec<u8> {
    const OPENINGS: [&str; 5] = [
        "I am writing because my coach has cancelled our last three sessions without notice.",
        "I have been waiting over four months for my certificate and I have phoned five times.",
        "I would like to raise a complaint about an invoice we received for co-investment.",
        "My daughter is 17 and her travel expenses have not been paid since October.",
        "Just wanted to say a huge thank you to our assessor, who has been brilliant.",
    ];
    let body = format!(
        "Hello,\r\n\r\n{}\r\n\r\nI would like to know what is going to be done about it, and when. This has been going on for some time and nobody has got back to me, which is why I am writing now. I appreciate everyone is busy but I need an answer.\r\n\r\n{}\r\n\r\nKind regards\r\nLearner {i}\r\n",
        OPENINGS[i % OPENINGS.len()],
        "Some more detail about what happened, who I spoke to and when, so that whoever picks this up has the full picture. ".repeat(8)
    );
    format!(
        "From: Learner {i} <bench+{i}@example.test>\r\nTo: complaints@example.test\r\nSubject: Issue number {i}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench-{i}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

fn write_config(
    dir: &Path,
    env: &HashMap<String, String>,
    user: &str,
    smtp: bool,
) -> std::path::PathBuf {
    let policy = include_str!("../examples/provider-b/policy.toml");
    std::fs::write(dir.join("policy.toml"), policy).expect("policy");
    let outbox = if smtp {
        format!(
            "[outbox]\nretry_base_seconds = 1\n[outbox.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"plain\"\n",
            env["STACK_SMTP_PORT"]
        )
    } else {
        "[outbox]\nmaildir = \"outgoing\"\n".to_string()
    };
    let cfg = format!(
        r#"[organisation]
name = "Bench Training"
addresses = ["{user}@example.test"]
reply_address = "{user}@example.test"
[policy]
file = "policy.toml"
[security]
secret_env = "BENCH_SECRET"
[[staff]]
name = "Hannah Handler"
email = "handler@example.test"
roles = ["skills_coach_manager", "manager", "senior_manager", "head_of_contracts", "stage2_manager", "quality_manager", "quality_team", "head_of_quality", "directors"]
[store]
path = "db.sqlite"
[limits]
auto_per_hour = 1000000
auto_per_day = 1000000
auto_per_domain_per_hour = 1000000
auto_per_domain_per_day = 1000000
[[mailbox]]
name = "{user}"
[mailbox.imap]
host = "127.0.0.1"
port = {port}
tls = "plain"
username = "{user}@example.test"
password_env = "BENCH_PASSWORD"
poll_seconds = 60
{outbox}"#,
        port = env["STACK_IMAP_PORT"]
    );
    let path = dir.join("complaintd.toml");
    std::fs::write(&path, cfg).expect("config");
    path
}

fn spawn(config: &Path, log: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env("BENCH_SECRET", "bench-secret-0123456789abcdef0123456789")
        .env("BENCH_PASSWORD", "secret")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log"))
        .spawn()
        .expect("spawn complaintd")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; anything else (e.g. `cargo test --benches`)
    // must not start a several-minute benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "benches/mail.rs: run it with `cargo bench --bench mail` (or scripts/bench-ingest)"
        );
        return;
    }
    let env = env();
    let imap_port: u16 = env["STACK_IMAP_PORT"].parse().expect("port");

    // The 5,000-message mailbox (the "bench" user).
    purge(&env, "bench");
    let t = Instant::now();
    let mut s = login(imap_port, "bench").await;
    for i in 0..N {
        s.append("INBOX", None, None, message(i))
            .await
            .expect("append");
    }
    println!(
        "filled the mailbox with {N} messages in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    // (a) bare UID FETCH.
    let mb = s.select("INBOX").await.expect("select");
    assert_eq!(mb.exists as usize, N);
    let t = Instant::now();
    let mut fetched = 0;
    let uids: Vec<u32> = {
        let mut v: Vec<u32> = s
            .uid_search("ALL")
            .await
            .expect("search")
            .into_iter()
            .collect();
        v.sort_unstable();
        v
    };
    for chunk in uids.chunks(500) {
        let set = chunk
            .iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let msgs: Vec<_> = s
            .uid_fetch(set, "(UID BODY.PEEK[])")
            .await
            .expect("fetch")
            .try_collect()
            .await
            .expect("stream");
        fetched += msgs.iter().filter(|m| m.body().is_some()).count();
    }
    let a = fetched as f64 / t.elapsed().as_secs_f64();
    let _ = s.logout().await;
    println!(
        "(a) bare IMAP UID FETCH: {fetched} messages in {:.2}s = {a:.0} msg/s",
        t.elapsed().as_secs_f64()
    );

    // (b) complaintd ingesting the same mailbox into a fresh database.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &env, "bench", false);
    let t = Instant::now();
    let mut child = spawn(&config, &dir.path().join("run-b.log"));
    let db = dir.path().join("db.sqlite");
    let deadline = Instant::now() + Duration::from_secs(600);
    while !db.exists() {
        assert!(Instant::now() < deadline, "no database");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A reader beside the daemon (WAL allows it); rows commit with their processing.
    let store = complaintd::store::Store::open(&db).await.expect("open db");
    while (store.message_count().await.unwrap_or(0) as usize) < N {
        assert!(Instant::now() < deadline, "ingest did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let b = N as f64 / secs;
    println!("(b) complaintd ingest (process start to last commit): {N} messages in {secs:.2}s = {b:.0} msg/s");
    println!(
        "    ratio (b)/(a) = {:.1}% (target at least 30%)",
        100.0 * b / a
    );

    // (c) acknowledgement latency through SMTP, IMAP IDLE, ingest, SMTP and LMTP.
    purge(&env, "info");
    purge(&env, "alice");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &env, "info", true);
    let mut child = spawn(&config, &dir.path().join("run-c.log"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let smtp = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(env["STACK_SMTP_PORT"].parse().expect("port"))
        .build();
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let watcher = tokio::spawn(async move {
        let mut seen: HashMap<String, Instant> = HashMap::new();
        let mut s = login(imap_port, "alice").await;
        let deadline = Instant::now() + Duration::from_secs(120);
        while seen.len() < LATENCY_N && Instant::now() < deadline {
            let msgs: Vec<_> = s
                .fetch("1:*", "BODY.PEEK[HEADER.FIELDS (IN-REPLY-TO)]")
                .await
                .expect("fetch")
                .try_collect()
                .await
                .unwrap_or_default();
            let now = Instant::now();
            for m in &msgs {
                if let Some(h) = m.header() {
                    let h = String::from_utf8_lossy(h);
                    if let Some(id) = h.split('<').nth(1).and_then(|x| x.split('>').next()) {
                        seen.entry(id.to_string()).or_insert(now);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = s.noop().await;
        }
        seen
    });
    use lettre::AsyncTransport;
    for i in 0..LATENCY_N {
        let id = format!("lat-{i}@example.test");
        let raw = format!(
            "From: Alice <alice+{i}@example.test>\r\nTo: info@example.test\r\nSubject: Complaint {i}\r\nMessage-ID: <{id}>\r\n\r\nI am not happy: my sessions keep being cancelled and I want to know why.\r\n"
        );
        let envl = lettre::address::Envelope::new(
            Some(format!("alice+{i}@example.test").parse().expect("from")),
            vec!["info@example.test".parse().expect("to")],
        )
        .expect("envelope");
        smtp.send_raw(&envl, raw.as_bytes()).await.expect("send");
        sent_at.insert(id, Instant::now());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = watcher.await.expect("watcher");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut lat: Vec<f64> = sent_at
        .iter()
        .filter_map(|(id, t0)| seen.get(id).map(|t1| t1.duration_since(*t0).as_secs_f64()))
        .collect();
    lat.sort_by(|x, y| x.total_cmp(y));
    assert!(!lat.is_empty(), "no acknowledgement arrived");
    println!(
        "(c) acknowledgement latency over {} complaints ({} arrived): p50 {:.3}s, p99 {:.3}s, max {:.3}s (targets p50 ≤ 1s, p99 ≤ 3s)",
        LATENCY_N,
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[lat.len() - 1]
    );
}
