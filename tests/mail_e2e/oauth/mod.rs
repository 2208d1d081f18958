//! OAuth2 sign-in end to end: Dovecot's `oauth2` passdb (IMAP, and Postfix
//! submission through Dovecot SASL) checks bearer tokens with the local token
//! server (`scripts/oauth2-token-server`, started by `scripts/mail-stack`),
//! which stands in for Microsoft Entra ID and Google. Each test drives the
//! real `complaintd` binary and steers the token server through its admin
//! endpoints (token lifetime, revocation, a hanging or broken endpoint, a
//! skewed clock).

use crate::faults::{proxy, Fault};
use crate::stack::*;
use std::time::{Duration, Instant};

mod failures;
mod sign_in;

const POLICY_B: &str = include_str!("../../../examples/provider-b/policy.toml");
const SCOPE_CLIENTS: [&str; 5] = [
    "complaints-daemon",
    "info-daemon",
    "cert-daemon",
    "refresh-daemon",
    "complaintd@lab-project.iam.gserviceaccount.test",
];

async fn admin(s: &Stack, action: &str, form: &[(&str, &str)]) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}/{action}", s.get("STACK_TOKEN_ADMIN")))
        .form(form)
        .send()
        .await
        .expect("token server admin")
        .error_for_status()
        .expect("admin action accepted")
        .json()
        .await
        .expect("admin JSON")
}

/// The token server's counter `key` for `client` (tokens issued, refused, …).
async fn stat(s: &Stack, client: &str, key: &str) -> u64 {
    let v: serde_json::Value = reqwest::get(format!("{}/stats", s.get("STACK_TOKEN_ADMIN")))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON");
    v[client][key].as_u64().unwrap_or(0)
}

/// The stack to ourselves, empty mailboxes and a fresh token server.
async fn lab() -> (&'static Stack, tokio::sync::MutexGuard<'static, ()>) {
    let (s, g) = stack().await;
    purge_all(s);
    reset(s).await;
    (s, g)
}

/// An instance with `tail` (mailboxes, outbox, alerts) and the apps' secret files.
fn instance(tail: &str) -> Instance {
    let app = Instance::with_mail_config(POLICY_B, tail);
    secrets(&app);
    app
}

/// A fresh token server: no tokens, modes, revocations or clock offset.
async fn reset(s: &Stack) {
    admin(s, "reset", &[]).await;
    for c in SCOPE_CLIENTS {
        admin(s, "restore", &[("client", c)]).await;
    }
}

/// Client credentials with a secret file in the instance's directory.
fn client_credentials(s: &Stack, client: &str, mechanism: &str) -> String {
    format!(
        "grant = \"client_credentials\"\nmechanism = \"{mechanism}\"\ntoken_url = \"{}\"\nclient_id = \"{client}\"\nclient_secret_file = \"{client}.secret\"\n",
        s.get("STACK_TOKEN_URL")
    )
}

/// Alerts to the director, at once, through a second SMTP account (info@,
/// with a password) when the outbox's own account is the one failing.
fn alerts(s: &Stack) -> String {
    let ca = s.get("STACK_CA");
    let sub = s.port("STACK_SUBMISSION_PORT");
    format!(
        r#"
[alerts]
operators = ["director@example.test"]
grace_minutes = 0
outage_grace_minutes = 0
[alerts.smtp]
host = "localhost"
port = {sub}
tls = "starttls"
ca_file = "{ca}"
username = "info@example.test"
password_env = "TEST_MAIL_PASSWORD"
timeout_seconds = 10
"#
    )
}

fn write(app: &Instance, name: &str, content: &str) {
    std::fs::write(app.dir.path().join(name), content).expect("write");
}

fn secrets(app: &Instance) {
    write(app, "complaints-daemon.secret", "lab-secret-1\n");
    write(app, "info-daemon.secret", "lab-secret-2\n");
}

fn status(app: &Instance) -> serde_json::Value {
    let out = app
        .command()
        .args(["status", "--json"])
        .output()
        .expect("status");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn account<'a>(st: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    st["accounts"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["account"] == name))
        .unwrap_or(&serde_json::Value::Null)
}

fn check(app: &Instance) -> (bool, String) {
    let out = app.command().arg("check").output().expect("check");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn complaint(from: &str, to: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Cancelled sessions {id}\r\nMessage-ID: <{id}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am not happy: my sessions keep being cancelled without notice and I want to know why.\r\n"
    )
    .into_bytes()
}

/// Acknowledgements answering the complaint with Message-ID `<id@example.test>`.
/// A complaint from `from` (a display address) to the `mailbox`@ address, by SMTP.
async fn send(s: &Stack, from: &str, mailbox: &str, id: &str) {
    let envelope_from = from
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(from);
    let to = format!("{mailbox}@example.test");
    smtp_send(s, envelope_from, &[&to], &complaint(from, &to, id)).await;
}

fn acks_to(msgs: &[Vec<u8>], id: &str) -> usize {
    let answered = format!("<{id}@example.test>");
    msgs.iter()
        .filter(|m| {
            subject(m).contains("We have received")
                && String::from_utf8_lossy(m).contains(&answered)
        })
        .count()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

async fn wait_status(
    app: &Instance,
    secs: u64,
    what: &str,
    f: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let st = status(app);
        if f(&st) {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}; status: {st:#}\nlog (end):\n{}",
            tail(&app.log(), 60)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
