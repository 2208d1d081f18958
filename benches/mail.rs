//! The mail-path benchmark, on the project's own Dovecot + Postfix
//! (`scripts/mail-stack`), in one run:
//!
//! (a) messages/s for a bare IMAP client doing UID FETCH of a 5,000-message mailbox;
//! (b) messages/s for `complaintd run` ingesting that same mailbox into a fresh
//!     database, checked message by message before the rate is printed; the
//!     ratio (b)/(a), the daemon's peak memory (RSS) and the database's bytes
//!     per message (with a breakdown by table);
//! (c) acknowledgement latency, SMTP accepted → acknowledgement visible in the
//!     complainant's inbox, p50 and p99 over 200 complaints sent 50 ms apart.
//!
//! The mailbox is what an organisation receives, every sender outside it:
//! per 20 messages, 10 complaints (one with an attachment: 5 % of all mail,
//! alternately a 15 KB PDF letter and a 100 KB photo), 3 compliments, 4
//! replies to cases opened earlier (case tag in the subject), 3 machine mails
//! (out-of-office, newsletter, bounce).
//!
//! Run: `cargo bench --bench mail` (or `scripts/bench-ingest`). Needs root for the
//! mail stack's first start; `STACK_DIR` and `STACK_PORTS` choose the stack as
//! for `scripts/mail-stack`; `COMPLAINTD_BIN` runs another build of the
//! daemon (a before-and-after on the same machine); `BENCH_PERF=file`
//! records a `perf` profile of the daemon during (b). Prints the figures.

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

/// What a message of the benchmark's mailbox is, and so what ingesting it
/// must have produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A complaint from someone outside: opens a case, queues mail.
    Complaint,
    /// A compliment from someone outside: opens a case, queues mail.
    Compliment,
    /// The complainant of an earlier message writing again, with the case tag
    /// in the subject: joins that case (the index of the message that opened it).
    Reply(usize),
    /// An out-of-office, a bounce or a newsletter: ignored, no case, no mail.
    Machine,
}

/// The mix, per block of 20 messages: 10 complaints (one of them, 5 % of all
/// mail, with an attachment), 3 compliments, 4 replies to existing cases,
/// 3 machine mails. Every sender is outside the organisation.
fn shape(i: usize) -> Shape {
    match i % 20 {
        1 | 9 | 15 => Shape::Compliment,
        3 | 7 | 11 | 13 => {
            // The complaint of the slot before, up to three blocks back: a
            // reply comes some time after the case opened.
            let back = 20 * (i / 20).min(3);
            Shape::Reply(i - 1 - back)
        }
        5 | 17 | 19 => Shape::Machine,
        _ => Shape::Complaint,
    }
}

/// How many messages before `i` open a case: the case number the message `i`
/// opens is one more (a fresh database numbers cases from 1).
fn openers_before(i: usize) -> usize {
    (0..i)
        .filter(|j| matches!(shape(*j), Shape::Complaint | Shape::Compliment))
        .count()
}

const DOMAINS: [&str; 5] = [
    "gmail.test",
    "outlook.test",
    "btinternet.test",
    "learners.test",
    "parents.test",
];

fn sender(i: usize) -> String {
    format!("learner{i}@{}", DOMAINS[i % DOMAINS.len()])
}

/// A deterministic stream of bytes that does not compress (a photo's).
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A one-page PDF letter with `lines` of text (uncompressed content
/// stream, as simple generators write them), a valid cross-reference table.
fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 11 Tf 50 780 Td 14 TL\n");
    for l in lines {
        content.push_str(&format!("({}) '\n", l.replace(['(', ')', '\\'], " ")));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Base64 in 76-character lines, as mail clients write attachments.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(b.len() + b.len() / 38);
    for chunk in b.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push_str("\r\n");
    }
    out
}

/// The `i`th message of the mailbox (2–3 KB of text; with an attachment, a
/// 15 KB PDF letter or a 100 KB photo).
fn message(i: usize, year: i32) -> Vec<u8> {
    const COMPLAINTS: [&str; 4] = [
        "I am writing to complain because my coach has cancelled our last three sessions without notice.",
        "I have been waiting over four months for my certificate and I have phoned five times. I want to make a formal complaint.",
        "I would like to raise a complaint about an invoice we received for co-investment, which is wrong.",
        "My daughter is 17 and her travel expenses have not been paid since October. I am very unhappy with how this has been handled.",
    ];
    const COMPLIMENTS: [&str; 3] = [
        "Just wanted to say a huge thank you to our assessor, who has been brilliant throughout.",
        "I want to pass on my thanks to my tutor. She has been so supportive and I passed my exam!",
        "A quick note of appreciation for the team: the help I had this year was excellent.",
    ];
    let date = "Mon, 23 Nov 2026 10:00:00 +0000";
    let (from, subject, head, body) = match shape(i) {
        Shape::Complaint => (
            sender(i),
            format!("Problem with my apprenticeship ({i})"),
            String::new(),
            format!(
                "Hello,\r\n\r\n{}\r\n\r\nI would like to know what is going to be done about it, and when. This has been going on for some time and nobody has got back to me, which is why I am writing now. I appreciate everyone is busy but I need an answer.\r\n\r\n{}\r\n\r\nKind regards\r\nLearner {i}\r\n",
                COMPLAINTS[i % COMPLAINTS.len()],
                "Some more detail about what happened, who I spoke to and when, so that whoever picks this up has the full picture. ".repeat(8)
            ),
        ),
        Shape::Compliment => (
            sender(i),
            format!("Thank you ({i})"),
            String::new(),
            format!(
                "Hi,\r\n\r\n{}\r\n\r\nShe always explained things clearly and went out of her way to help when I was struggling with the coursework. Please pass this on to her manager.\r\n\r\nBest wishes\r\nLearner {i}\r\n",
                COMPLIMENTS[i % COMPLIMENTS.len()]
            ),
        ),
        Shape::Reply(j) => (
            sender(j),
            format!(
                "Re: [PAR-{year}-{:04}] We have received your message",
                openers_before(j) + 1
            ),
            format!("In-Reply-To: <bench-{j}@{}>\r\n", DOMAINS[j % DOMAINS.len()]),
            format!(
                "Thank you for your reply. I have found the letter I mentioned: it is dated 3 October and says my next session would be on the 10th, which never happened. Please add this to my complaint.\r\n\r\nLearner {j}\r\n\r\nOn {date}, Bench Training wrote:\r\n> Dear Learner {j},\r\n> We have received your message.\r\n"
            ),
        ),
        Shape::Machine => match (i / 20) % 3 {
            0 => (
                format!("noreply{i}@outlook.test"),
                "Automatic reply: Out of office".to_string(),
                "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n".to_string(),
                "I am out of the office until Monday with no access to email. For anything urgent please call the main office.\r\n".to_string(),
            ),
            1 => (
                format!("newsletter{i}@news.test"),
                "This month at the Skills Network".to_string(),
                "Precedence: bulk\r\nList-Unsubscribe: <mailto:unsubscribe@news.test>\r\nList-Id: <news.news.test>\r\n".to_string(),
                "Our latest updates, events and funding news for training providers. ".repeat(20),
            ),
            _ => (
                "MAILER-DAEMON@mx.gmail.test".to_string(),
                "Undelivered Mail Returned to Sender".to_string(),
                "Auto-Submitted: auto-replied\r\n".to_string(),
                "This is the mail system at host mx.gmail.test.\r\n\r\nI'm sorry to have to inform you that your message could not be delivered to one or more recipients.\r\n\r\n<nobody@gmail.test>: host said: 550 5.1.1 user unknown\r\n".to_string(),
            ),
        },
    };
    let mut out = format!(
        "From: Learner {i} <{from}>\r\nTo: bench@example.test\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <bench-{i}@{}>\r\n{head}MIME-Version: 1.0\r\n",
        DOMAINS[i % DOMAINS.len()]
    );
    if i % 20 == 6 {
        // 5 %: a complaint with an attachment, alternately a letter and a photo.
        let (name, ctype, bytes) = if (i / 20).is_multiple_of(2) {
            let lines: Vec<String> = (0..180)
                .map(|l| format!("Line {l} of my letter of complaint, case of learner {i}: the sessions were cancelled."))
                .collect();
            ("letter.pdf", "application/pdf", pdf(&lines))
        } else {
            ("photo.jpg", "image/jpeg", noise(i as u64, 100_000))
        };
        out.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--b{i}\r\nContent-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b{i}--\r\n",
            base64_lines(&bytes)
        ));
    } else {
        out.push_str(&format!(
            "Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
        ));
    }
    out.into_bytes()
}

/// Where the daemon reads the mailbox from.
enum Source<'a> {
    /// The loopback Dovecot's `user` (the benchmark itself).
    Imap(&'a HashMap<String, String>),
    /// A Maildir `inbox` beside the config (`BENCH_MAILDIR`: profiling
    /// without a mail server).
    Maildir,
}

fn write_config(dir: &Path, source: Source, user: &str, smtp: bool) -> std::path::PathBuf {
    let policy = include_str!("../examples/provider-b/policy.toml");
    std::fs::write(dir.join("policy.toml"), policy).expect("policy");
    let mailbox = match &source {
        Source::Imap(env) => format!(
            "[mailbox.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"plain\"\nusername = \"{user}@example.test\"\npassword_env = \"BENCH_PASSWORD\"\npoll_seconds = 60\n",
            env["STACK_IMAP_PORT"]
        ),
        Source::Maildir => "maildir = \"inbox\"\n".to_string(),
    };
    let outbox = if smtp {
        let Source::Imap(env) = source else {
            unreachable!("SMTP only with the mail stack")
        };
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
auto_per_consumer_domain_per_hour = 1000000
auto_per_consumer_domain_per_day = 1000000
staff_per_case_per_hour = 1000000
staff_per_case_per_day = 1000000
staff_per_sender_per_hour = 1000000
staff_per_sender_per_day = 1000000
[[mailbox]]
name = "{user}"
{mailbox}{outbox}"#
    );
    let path = dir.join("complaintd.toml");
    std::fs::write(&path, cfg).expect("config");
    path
}

fn spawn(config: &Path, log: &Path) -> std::process::Child {
    // COMPLAINTD_BIN: another build of the daemon, to measure it against
    // this one on the same mailbox (a before-and-after).
    let bin = std::env::var_os("COMPLAINTD_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_complaintd").into());
    Command::new(bin)
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

/// The peak resident set of a process so far, in KiB (`VmHWM`: the
/// kernel's own high-water mark for the process, read while it still runs,
/// so nothing between two polls is missed), 0 if gone.
fn rss_peak_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The CPU time a process has used so far (user + system), in seconds,
/// from `/proc/PID/stat`; 0 if gone. On a shared machine the wall-clock
/// rate says as much about the other users as about the daemon: the CPU it
/// used per message does not.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces), in parentheses.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / hz.max(1.0)
}

/// What ingest must have produced, message by message, before any rate is
/// printed: every complaint and compliment its own new case with mail queued
/// for it, every reply on the case its first message opened, every machine
/// mail ignored with no case.
async fn check_ingest(pool: &sqlx::SqlitePool, year: i32) {
    use sqlx::Row;
    let rows = sqlx::query("SELECT message_id, status, case_ref FROM messages")
        .fetch_all(pool)
        .await
        .expect("messages");
    assert_eq!(rows.len(), N, "one row per message");
    let mut by_index: HashMap<usize, (String, Option<String>)> = HashMap::new();
    for r in &rows {
        let id: String = r.get("message_id");
        let i: usize = id
            .strip_prefix("bench-")
            .and_then(|s| s.split('@').next())
            .and_then(|n| n.parse().ok())
            .expect("a benchmark Message-ID");
        by_index.insert(i, (r.get("status"), r.get("case_ref")));
    }
    let mailed: HashMap<String, i64> = sqlx::query(
        "SELECT case_ref, COUNT(*) AS n FROM outbox WHERE case_ref IS NOT NULL GROUP BY case_ref",
    )
    .fetch_all(pool)
    .await
    .expect("outbox")
    .iter()
    .map(|r| (r.get("case_ref"), r.get("n")))
    .collect();
    let (mut opened, mut replies, mut machine) = (0, 0, 0);
    for i in 0..N {
        let (status, case) = &by_index[&i];
        match shape(i) {
            Shape::Complaint | Shape::Compliment => {
                let want = format!("PAR-{year}-{:04}", openers_before(i) + 1);
                assert_eq!(status, "processed", "message {i}");
                assert_eq!(
                    case.as_deref(),
                    Some(want.as_str()),
                    "message {i} opens its case"
                );
                assert!(
                    mailed.get(&want).copied().unwrap_or(0) >= 2,
                    "case {want} has its acknowledgement and its staff notification queued"
                );
                opened += 1;
            }
            Shape::Reply(j) => {
                assert_eq!(status, "processed", "reply {i}");
                assert_eq!(
                    case, &by_index[&j].1,
                    "reply {i} joins the case of message {j}"
                );
                replies += 1;
            }
            Shape::Machine => {
                assert_eq!(status, "ignored", "machine mail {i}");
                assert_eq!(case, &None, "machine mail {i} has no case");
                machine += 1;
            }
        }
    }
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(pool)
        .await
        .expect("cases");
    assert_eq!(
        cases as usize, opened,
        "no case but those the messages opened"
    );
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(pool)
        .await
        .expect("outbox");
    println!(
        "    checked: {opened} cases opened (each with its mail queued), {replies} replies on their cases, {machine} machine mails ignored; {outbox} outgoing mails queued"
    );
}

/// Where the database's bytes are, by table and index (SQLite's `dbstat`).
async fn breakdown(db: &Path) {
    use sqlx::Row;
    let Ok(pool) = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db)
                .read_only(true),
        )
        .await
    else {
        return;
    };
    match sqlx::query(
        "SELECT name, SUM(pgsize) AS bytes, SUM(unused) AS unused FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 8",
    )
    .fetch_all(&pool)
    .await
    {
        Ok(rows) => {
            let parts: Vec<String> = rows
                .iter()
                .map(|r| {
                    let bytes: i64 = r.get("bytes");
                    let unused: i64 = r.get("unused");
                    format!(
                        "{} {:.1} KB/msg ({:.0}% unused)",
                        r.get::<String, _>("name"),
                        bytes as f64 / N as f64 / 1000.0,
                        100.0 * unused as f64 / bytes.max(1) as f64
                    )
                })
                .collect();
            println!("    by table: {}", parts.join(", "));
        }
        Err(e) => println!("    (no breakdown by table: {e})"),
    }
    pool.close().await;
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
    // BENCH_MAILDIR=dir: only write the mailbox (BENCH_N messages, default
    // all) as a Maildir `dir/inbox` with a config beside it, for profiling
    // ingest without a mail server: `complaintd --config dir/complaintd.toml
    // tick` takes it in as one poll, in batches like `run`.
    if let Some(dir) = std::env::var_os("BENCH_MAILDIR") {
        let dir = Path::new(&dir);
        let n = std::env::var("BENCH_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(N);
        let year = chrono::Datelike::year(&chrono::Utc::now());
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.join("inbox").join(sub)).expect("maildir");
        }
        for i in 0..n {
            let name = format!("{i:05}.bench:2,");
            std::fs::write(dir.join("inbox/new").join(name), message(i, year)).expect("message");
        }
        let config = write_config(dir, Source::Maildir, "bench", false);
        println!(
            "{n} messages in {}; config {}",
            dir.join("inbox").display(),
            config.display()
        );
        return;
    }
    let env = env();
    let imap_port: u16 = env["STACK_IMAP_PORT"].parse().expect("port");

    // The 5,000-message mailbox (the "bench" user).
    purge(&env, "bench");
    let t = Instant::now();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let mut s = login(imap_port, "bench").await;
    let mut mailbox_bytes = 0;
    for i in 0..N {
        let m = message(i, year);
        mailbox_bytes += m.len();
        s.append("INBOX", None, None, m).await.expect("append");
    }
    println!(
        "filled the mailbox with {N} messages ({:.1} KB each on average) in {:.1}s",
        mailbox_bytes as f64 / N as f64 / 1000.0,
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
    let config = write_config(dir.path(), Source::Imap(&env), "bench", false);
    let t = Instant::now();
    let mut child = spawn(&config, &dir.path().join("run-b.log"));
    // BENCH_PERF=file: a profile of the daemon during (b) (`perf report -i file`).
    let perf = std::env::var_os("BENCH_PERF").and_then(|out| {
        Command::new("perf")
            .args([
                "record",
                "-F",
                "999",
                "-g",
                "-p",
                &child.id().to_string(),
                "-o",
            ])
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()
    });
    let db = dir.path().join("db.sqlite");
    let deadline = Instant::now() + Duration::from_secs(1200);
    while !db.exists() {
        assert!(Instant::now() < deadline, "no database");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A reader beside the daemon (WAL allows it); a message leaves `received`
    // in the commit that records what became of it.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&db)
                .read_only(true),
        )
        .await
        .expect("open db");
    let mut peak_rss_kb = 0;
    loop {
        peak_rss_kb = peak_rss_kb.max(rss_peak_kb(child.id()));
        let done: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE status != 'received'")
                .fetch_one(&pool)
                .await
                .unwrap_or(0);
        if done as usize >= N {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "ingest did not finish ({done} of {N}); log in {}",
            dir.path().display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    peak_rss_kb = peak_rss_kb.max(rss_peak_kb(child.id()));
    let cpu = cpu_seconds(child.id());
    if let Some(mut perf) = perf {
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    check_ingest(&pool, year).await;
    pool.close().await;
    let db_bytes: u64 = ["db.sqlite", "db.sqlite-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    let b = N as f64 / secs;
    println!("(b) complaintd ingest (process start to last commit): {N} messages in {secs:.2}s = {b:.0} msg/s");
    println!(
        "    ratio (b)/(a) = {:.1}% (target at least 25%)",
        100.0 * b / a
    );
    println!(
        "    CPU of complaintd run: {cpu:.1}s = {:.2} ms per message ({:.0}% of one core over the run; on 2 idle cores at most {:.0} msg/s)",
        1000.0 * cpu / N as f64,
        100.0 * cpu / secs,
        2.0 * N as f64 / cpu.max(0.001)
    );
    println!(
        "    peak RSS of complaintd run: {:.0} MB; database {:.1} MB = {:.1} KB per message (mailbox {:.1} KB per message)",
        peak_rss_kb as f64 / 1024.0,
        db_bytes as f64 / 1e6,
        db_bytes as f64 / N as f64 / 1000.0,
        mailbox_bytes as f64 / N as f64 / 1000.0
    );
    breakdown(&db).await;

    // (c) acknowledgement latency through SMTP, IMAP IDLE, ingest, SMTP and LMTP.
    purge(&env, "info");
    purge(&env, "alice");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), Source::Imap(&env), "info", true);
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
