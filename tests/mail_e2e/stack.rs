//! The real mail stack (Postfix + Dovecot on loopback, started by
//! `scripts/mail-stack`), the real `complaintd run` binary against it, and
//! small IMAP/SMTP clients for the test's side of the conversation.

use async_imap::Session;
use futures::TryStreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, MutexGuard};

pub struct Stack {
    pub env: HashMap<String, String>,
}

impl Stack {
    pub fn get(&self, k: &str) -> String {
        self.env
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k} missing from the stack env"))
    }
    pub fn port(&self, k: &str) -> u16 {
        self.get(k).parse().expect("port")
    }
}

static STACK: OnceLock<Stack> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::const_new(());

/// Start the stack once per test binary (idempotent script), and serialise
/// the tests: they share the mail accounts.
pub async fn stack() -> (&'static Stack, MutexGuard<'static, ()>) {
    let guard = SERIAL.lock().await;
    let s = STACK.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mail-stack");
        let out = Command::new(&script)
            .arg("start")
            .output()
            .expect("run scripts/mail-stack");
        assert!(
            out.status.success(),
            "mail stack did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env_path = String::from_utf8_lossy(&out.stdout)
            .trim()
            .lines()
            .last()
            .unwrap_or("")
            .to_string();
        let text = std::fs::read_to_string(&env_path).expect("stack env");
        let env = text
            .lines()
            .filter_map(|l| {
                l.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            })
            .collect();
        Stack { env }
    });
    (s, guard)
}

/// Every account the tests send mail to or read.
pub const ACCOUNTS: [&str; 9] = [
    "complaints",
    "info",
    "alice",
    "bob",
    "ooo",
    "handler",
    "handler2",
    "quality",
    "director",
];

/// Empty every account's INBOX (each test starts from nothing).
pub fn purge_all(s: &Stack) {
    purge(s, &ACCOUNTS);
}

/// Empty the INBOX of each account (between tests).
pub fn purge(s: &Stack, users: &[&str]) {
    for u in users {
        let st = Command::new("doveadm")
            .args([
                "-c",
                &s.get("STACK_DOVECOT_CONF"),
                "expunge",
                "-u",
                &format!("{u}@example.test"),
                "mailbox",
                "INBOX",
                "all",
            ])
            .status()
            .expect("doveadm");
        assert!(st.success(), "purge {u}");
    }
}

/// Run doveadm against the stack's Dovecot.
pub fn doveadm(s: &Stack, args: &[&str]) {
    let st = Command::new("doveadm")
        .args(["-c", &s.get("STACK_DOVECOT_CONF")])
        .args(args)
        .status()
        .expect("doveadm");
    assert!(st.success(), "doveadm {args:?}");
}

/// Append into a named folder.
pub async fn append_to(s: &Stack, user: &str, folder: &str, raw: &[u8]) {
    let mut session = imap(s, user).await;
    session
        .append(folder, None, None, raw)
        .await
        .expect("append");
    let _ = session.logout().await;
}

pub fn postfix(s: &Stack, action: &str) {
    let st = Command::new("postfix")
        .args(["-c", &s.get("STACK_POSTFIX_DIR"), action])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("postfix");
    assert!(st.success(), "postfix {action}");
}

pub const STAFF: &str = r#"
[[staff]]
name = "Hannah Handler"
email = "handler@example.test"
roles = ["skills_coach_manager", "manager", "senior_manager", "head_of_contracts"]

[[staff]]
name = "Harry Second"
email = "handler2@example.test"
roles = ["stage2_manager", "quality_manager"]
phone = "0300 000 0002"

[[staff]]
name = "Quinn Quality"
email = "quality@example.test"
roles = ["quality_team", "head_of_quality"]

[[staff]]
name = "Dee Director"
email = "director@example.test"
roles = ["directors"]
"#;

/// How a mailbox or SMTP account in a test config signs in.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// The stack's password, from `TEST_MAIL_PASSWORD`.
    Password,
    /// OAuth2: the body of the `oauth2` table.
    OAuth2(&'a str),
}

/// A `[[mailbox]]` read by IMAP from the stack, signing in as `name`@.
pub fn mailbox(
    s: &Stack,
    name: &str,
    port: u16,
    tls: &str,
    poll: u64,
    timeout: u64,
    auth: Auth<'_>,
) -> String {
    let ca = s.get("STACK_CA");
    let (password, oauth) = match auth {
        Auth::Password => (
            "password_env = \"TEST_MAIL_PASSWORD\"\n".to_string(),
            String::new(),
        ),
        Auth::OAuth2(o) => (String::new(), format!("[mailbox.imap.oauth2]\n{o}\n")),
    };
    format!(
        r#"
[[mailbox]]
name = "{name}"
[mailbox.imap]
host = "localhost"
port = {port}
tls = "{tls}"
ca_file = "{ca}"
username = "{name}@example.test"
{password}poll_seconds = {poll}
timeout_seconds = {timeout}
{oauth}"#
    )
}

/// The outbox: SMTP submission as complaints@, with quick retries.
pub fn outbox(s: &Stack, auth: Auth<'_>) -> String {
    let ca = s.get("STACK_CA");
    let sub = s.port("STACK_SUBMISSION_PORT");
    let auth = match auth {
        Auth::Password => "password_env = \"TEST_MAIL_PASSWORD\"\n".to_string(),
        Auth::OAuth2(o) => format!("[outbox.smtp.oauth2]\n{o}"),
    };
    format!(
        r#"
[outbox]
retry_base_seconds = 1
retry_max_seconds = 3
max_attempts = 50
[outbox.smtp]
host = "localhost"
port = {sub}
tls = "starttls"
ca_file = "{ca}"
username = "complaints@example.test"
timeout_seconds = 10
{auth}"#
    )
}

/// A complaintd instance: a temp dir with config, policy and database.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub child: Option<Child>,
}

impl Instance {
    /// Config for provider B's procedure against the stack: the complaints
    /// mailbox by IMAP and the outbox by SMTP, both with a password.
    pub fn new(s: &Stack, policy: &str) -> Instance {
        let tail = format!(
            "{}{}",
            mailbox(
                s,
                "complaints",
                s.port("STACK_IMAP_PORT"),
                "starttls",
                30,
                10,
                Auth::Password
            ),
            outbox(s, Auth::Password)
        );
        Instance::with_mail_config(policy, &tail)
    }

    /// An instance whose mailboxes, outbox and alerts are `tail` (TOML).
    pub fn with_mail_config(policy: &str, tail: &str) -> Instance {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("policy.toml"), policy).expect("policy");
        let cfg = format!(
            r#"
[organisation]
name = "Example Training"
addresses = ["complaints@example.test", "info@example.test"]
reply_address = "complaints@example.test"

[calendar]
nation = "england-and-wales"

[policy]
file = "policy.toml"

[security]
secret_env = "COMPLAINTD_SECRET"
{STAFF}
[store]
{store}
{tail}"#,
            store = crate::common::backend::store_section(dir.path()),
        );
        let config = dir.path().join("complaintd.toml");
        std::fs::write(&config, cfg).expect("config");
        Instance {
            dir,
            config,
            child: None,
        }
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_complaintd"));
        c.arg("--config")
            .arg(&self.config)
            .env("COMPLAINTD_SECRET", "e2e-secret-0123456789abcdef0123456789")
            .env("TEST_MAIL_PASSWORD", "secret");
        c
    }

    /// Start `complaintd run` (logs into the temp dir).
    pub fn start(&mut self) {
        self.start_with_env(&[]);
    }

    /// Start `complaintd run` with extra environment variables.
    pub fn start_with_env(&mut self, env: &[(&str, &str)]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("run.log"))
            .expect("log");
        let child = self
            .command()
            .arg("run")
            .env("RUST_LOG", "complaintd=debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn complaintd run");
        self.child = Some(child);
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-9", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit within the grace period.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(25);
        loop {
            if let Some(st) = c.try_wait().expect("wait") {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "complaintd did not stop within the grace period"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("run.log")).unwrap_or_default()
    }

    /// `cases list --json` through the binary (nothing until the daemon has
    /// created its database).
    pub fn cases(&self) -> Vec<serde_json::Value> {
        if crate::common::backend::backend() == crate::common::backend::Backend::Sqlite
            && !self.dir.path().join("db.sqlite").exists()
        {
            return Vec::new();
        }
        let out = self
            .command()
            .args(["cases", "list", "--json"])
            .output()
            .expect("cases");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn audit(&self, reference: &str) -> serde_json::Value {
        let out = self
            .command()
            .args(["cases", "show", reference, "--json"])
            .output()
            .expect("show");
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Send a raw message by SMTP (port 25 equivalent, no auth from loopback).
pub async fn smtp_send(s: &Stack, from: &str, to: &[&str], raw: &[u8]) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let t = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(s.port("STACK_SMTP_PORT"))
        .build();
    let env = lettre::address::Envelope::new(
        Some(from.parse().expect("from")),
        to.iter().map(|a| a.parse().expect("to")).collect(),
    )
    .expect("envelope");
    t.send_raw(&env, raw).await.expect("SMTP accepted");
}

type Imap = Session<TcpStream>;

pub async fn imap(s: &Stack, user: &str) -> Imap {
    let tcp = TcpStream::connect(("127.0.0.1", s.port("STACK_IMAP_PORT")))
        .await
        .expect("connect");
    let mut c = async_imap::Client::new(tcp);
    c.read_response().await.expect("greeting");
    let mut session = c
        .login(format!("{user}@example.test"), "secret")
        .await
        .map_err(|(e, _)| e)
        .expect("login");
    session.select("INBOX").await.expect("select");
    session
}

/// Every message in a user's INBOX, as raw bytes.
pub async fn inbox(s: &Stack, user: &str) -> Vec<Vec<u8>> {
    let mut session = imap(s, user).await;
    let mb = session.select("INBOX").await.expect("select");
    let mut out = Vec::new();
    if mb.exists > 0 {
        let fetched: Vec<_> = session
            .fetch("1:*", "BODY.PEEK[]")
            .await
            .expect("fetch")
            .try_collect()
            .await
            .expect("fetch stream");
        for f in &fetched {
            if let Some(b) = f.body() {
                out.push(b.to_vec());
            }
        }
    }
    let _ = session.logout().await;
    out
}

/// Append a message straight into a user's INBOX (a backlog, or mail that
/// arrives while the SMTP server is down).
pub async fn append(s: &Stack, user: &str, raw: &[u8]) {
    let mut session = imap(s, user).await;
    session
        .append("INBOX", None, None, raw)
        .await
        .expect("append");
    let _ = session.logout().await;
}

/// Append many messages in one IMAP session (a large backlog).
pub async fn append_many(s: &Stack, user: &str, raws: &[Vec<u8>]) {
    let mut session = imap(s, user).await;
    for raw in raws {
        session
            .append("INBOX", None, None, raw)
            .await
            .expect("append");
    }
    let _ = session.logout().await;
}

/// Poll a user's INBOX until `pred` holds, or fail after `secs`. Never a fixed sleep.
pub async fn wait_inbox(
    s: &Stack,
    user: &str,
    secs: u64,
    what: &str,
    pred: impl Fn(&[Vec<u8>]) -> bool,
) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let msgs = inbox(s, user).await;
        if pred(&msgs) {
            return msgs;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs}s waiting for {what} in {user}'s inbox ({} messages there)",
            msgs.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Poll any condition with a deadline.
pub async fn wait_for(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(
            Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub fn parse(raw: &[u8]) -> complaintd::core::mail::InboundMail {
    complaintd::core::mail::parse(raw).expect("parse")
}

pub fn subject(raw: &[u8]) -> String {
    parse(raw).subject
}
