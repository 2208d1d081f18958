//! `TestApp`: a real store (a temp SQLite file, or a fresh PostgreSQL
//! database when `COMPLAINTD_TEST_BACKEND=postgres`: `tests/common/backend.rs`), a manual clock, the real
//! ingest, scheduler and sender (into a Maildir), and readers for the outbox.

use chrono::{DateTime, Duration, Utc};
use complaintd::app::App;
use complaintd::config;
use complaintd::core::case::Case;
use complaintd::core::mail;
use complaintd::core::reference::CaseRef;
use complaintd::core::token::Secret;
use complaintd::mail::sender::{self, Transport};
use complaintd::store::OutboxRow;
use complaintd::work::ingest::{self, Ingested};
use complaintd::work::scheduler;
use std::path::{Path, PathBuf};

pub const SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";

pub struct TestApp {
    pub app: App,
    pub now: DateTime<Utc>,
    pub dir: tempfile::TempDir,
    pub transport: Transport,
    pub config: PathBuf,
}

/// A case reference the test knows to be well formed.
pub fn cref(s: &str) -> CaseRef {
    s.parse().expect("a case reference")
}

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

/// Write a provider's example config into `dir` with a store and an outgoing Maildir.
pub fn write_config(dir: &Path, provider: &str, extra: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(provider);
    std::fs::copy(src.join("policy.toml"), dir.join("policy.toml")).expect("copy policy");
    let cfg = std::fs::read_to_string(src.join("complaintd.toml")).expect("read config");
    // Keep the organisation, calendar, policy, security and staff; replace the
    // deployment sections (store onwards) with the test's own.
    let cfg = cfg
        .split("\n[store]")
        .next()
        .expect("config text")
        .to_string();
    // The store on this run's backend (`COMPLAINTD_TEST_BACKEND`).
    let store = crate::common::backend::store_section(dir);
    let cfg = format!("{cfg}\n[store]\n{store}\n[outbox]\nmaildir = \"outgoing\"\n{extra}\n");
    let path = dir.join("complaintd.toml");
    std::fs::write(&path, cfg).expect("write config");
    path
}

/// The environment variable [`secret_from_env`] points a config at.
pub const SECRET_ENV: &str = "COMPLAINTD_SECRET";

/// Point a config written by [`write_config`] at the secret in
/// [`SECRET_ENV`] instead of the example's systemd credential path, so the
/// real binary can run it.
pub fn secret_from_env(config: &Path) {
    let text = std::fs::read_to_string(config)
        .expect("read config")
        .replace(
            "secret_file = \"/run/credentials/complaintd.service/secret\"",
            &format!("secret_env = \"{SECRET_ENV}\""),
        );
    std::fs::write(config, text).expect("write config");
}

impl TestApp {
    pub async fn spawn(provider: &str, start: &str) -> TestApp {
        Self::spawn_with(provider, start, "").await
    }

    pub async fn spawn_with(provider: &str, start: &str, extra: &str) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = write_config(dir.path(), provider, extra);
        let app = Self::open(&config).await;
        TestApp {
            app,
            now: t(start),
            transport: Transport::Maildir(dir.path().join("outgoing")),
            dir,
            config,
        }
    }

    /// An app that also reads a Maildir mailbox "complaints" at `inbox/`
    /// (created), as the embedded default does; returns the inbox's path.
    pub async fn spawn_with_maildir_inbox(provider: &str, start: &str) -> (TestApp, PathBuf) {
        let app = Self::spawn_with(
            provider,
            start,
            "[[mailbox]]\nname = \"complaints\"\nmaildir = \"inbox\"",
        )
        .await;
        let inbox = app.dir.path().join("inbox");
        complaintd::mail::maildir::create(&inbox).expect("maildir");
        (app, inbox)
    }

    pub async fn open(config: &Path) -> App {
        let loaded = config::load(config).expect("config");
        App::with_secret(loaded, Secret::new(SECRET.as_bytes().to_vec()))
            .await
            .expect("app")
    }

    /// Drop the app (as a crash would) and start again on the same files.
    pub async fn restart(&mut self) {
        self.app.store.close().await;
        self.app = Self::open(&self.config).await;
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    pub async fn deliver(&self, raw: &[u8]) -> Ingested {
        ingest::ingest(&self.app, raw, "test", self.now)
            .await
            .expect("ingest")
    }

    pub async fn deliver_file(&self, path: &Path) -> Ingested {
        self.deliver(&std::fs::read(path).expect("read eml")).await
    }

    /// Run the scheduler and the sender once at the current time.
    pub async fn tick(&self) -> scheduler::TickReport {
        let r = scheduler::tick(&self.app, self.now).await.expect("tick");
        self.send().await;
        r
    }

    /// Advance the clock in steps, ticking at each, up to `until`.
    pub async fn run_until(&mut self, until: DateTime<Utc>, step: Duration) {
        while self.now + step <= until {
            self.now += step;
            self.tick().await;
        }
        self.now = until;
        self.tick().await;
    }

    pub async fn send(&self) -> sender::SendReport {
        sender::run_once(
            &self.app.store,
            &self.transport,
            self.now,
            sender::RetryPolicy::default(),
        )
        .await
        .expect("send")
    }

    /// The stored case `reference` (which must exist).
    pub async fn case(&self, reference: &str) -> Case {
        self.app
            .store
            .case(&cref(reference))
            .await
            .expect("db")
            .expect("case")
    }

    pub async fn sent(&self) -> Vec<OutboxRow> {
        self.app.store.outbox(None).await.expect("outbox")
    }

    pub async fn sent_to(&self, recipient: &str) -> Vec<OutboxRow> {
        self.sent()
            .await
            .into_iter()
            .filter(|r| r.recipient == recipient)
            .collect()
    }

    /// The newest mail of a template to a recipient.
    pub async fn last(&self, template: &str, recipient: &str) -> OutboxRow {
        self.sent_to(recipient)
            .await
            .into_iter()
            .rev()
            .find(|r| r.template == template)
            .unwrap_or_else(|| panic!("no {template} to {recipient}"))
    }

    /// Reply to an outgoing mail as Outlook does: to its Reply-To, "RE:" on
    /// its subject, no References, the quoted history below.
    pub fn outlook_reply(&self, to: &OutboxRow, from: &str, body: &str, n: u32) -> Vec<u8> {
        let m = mail::parse(&to.raw).expect("parse outgoing");
        let reply_to = m.header("reply-to").unwrap_or_default().to_string();
        format!(
            "From: {from}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nDate: {}\r\nMessage-ID: <reply-{n}@staff.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\nFrom: Complaints <complaints@org.test>\r\nSent: 23 November 2026 09:00\r\nTo: {from}\r\nSubject: {}\r\n\r\n{}\r\n",
            m.subject,
            self.now.to_rfc2822(),
            m.subject,
            m.text.lines().take(6).collect::<Vec<_>>().join("\r\n")
        )
        .into_bytes()
    }

    /// Reply as a mail client that keeps threading headers (Gmail).
    pub fn gmail_reply(&self, to: &OutboxRow, from: &str, body: &str, n: u32) -> Vec<u8> {
        let m = mail::parse(&to.raw).expect("parse outgoing");
        let reply_to = m.header("reply-to").unwrap_or_default().to_string();
        format!(
            "From: {from}\r\nTo: {reply_to}\r\nSubject: Re: {}\r\nDate: {}\r\nMessage-ID: <reply-{n}@gmail.test>\r\nIn-Reply-To: <{}>\r\nReferences: <{}>\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{body}\r\n\r\nOn Mon, 23 Nov 2026 at 09:00, Complaints <complaints@org.test> wrote:\r\n> {}\r\n",
            m.subject,
            self.now.to_rfc2822(),
            to.message_id,
            to.message_id,
            m.text.lines().next().unwrap_or("")
        )
        .into_bytes()
    }
}

/// A percent-encoded `mailto:` part decoded (UTF-8).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8")
}

/// The one-click link of `intent` (`send`, `ask`, `write`, `note`,
/// `send-3`…) in a mail to staff, as its text part shows it: (address,
/// subject, body), decoded.
pub fn link_in(row: &OutboxRow, intent: &str) -> (String, String, String) {
    let m = mail::parse(&row.raw).expect("parse outgoing");
    let needle = format!(".{intent}@");
    let url = m
        .text
        .split("<mailto:")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .find(|u| u.split('?').next().is_some_and(|a| a.contains(&needle)))
        .unwrap_or_else(|| panic!("no {intent} link in:\n{}", m.text));
    let (addr, query) = url.split_once('?').unwrap_or((url, ""));
    let mut subject = String::new();
    let mut body = String::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("subject", v)) => subject = percent_decode(v),
            Some(("body", v)) => body = percent_decode(v),
            _ => {}
        }
    }
    (addr.to_string(), subject, body)
}

/// What Outlook sends when a member of staff clicks the `intent` link of
/// `row`, writes `text` where the cursor is (above the prefilled hint,
/// which they leave) and presses Send.
pub fn clicked(row: &OutboxRow, intent: &str, from: &str, text: &str, id: &str) -> Vec<u8> {
    let (to, subject, body) = link_in(row, intent);
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}{}\r\n",
        text.replace('\n', "\r\n"),
        body.replace("\r\n", "\n").replace('\n', "\r\n")
    )
    .into_bytes()
}

/// A simple message from a person.
pub fn message(from: &str, subject: &str, body: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: complaints@provider.test\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A readable rendering of an outgoing mail for golden files: the headers
/// that matter and the text part (the MIME boundary is random, so raw bytes
/// are not compared).
pub fn describe(row: &OutboxRow) -> String {
    let m = mail::parse(&row.raw).expect("parse outgoing");
    let h = |n: &str| m.header(n).unwrap_or("").to_string();
    format!(
        "To: {}\nSubject: {}\nMessage-ID: {}\nIn-Reply-To: {}\nReply-To: {}\nAuto-Submitted: {}\nX-Auto-Response-Suppress: {}\nDate: {}\n\n{}\n",
        row.recipient,
        m.subject,
        h("message-id"),
        h("in-reply-to"),
        h("reply-to"),
        h("auto-submitted"),
        h("x-auto-response-suppress"),
        h("date"),
        m.text.trim_end()
    )
}

/// Compare with a golden file, or write it when UPDATE_GOLDEN is set.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}: run with UPDATE_GOLDEN=1 and review it",
            path.display()
        )
    });
    if expected != actual {
        let failed = path.with_extension("actual");
        let _ = std::fs::write(&failed, actual);
        panic!(
            "{} differs from the golden file; see {} (UPDATE_GOLDEN=1 to accept)",
            path.display(),
            failed.display()
        );
    }
}
