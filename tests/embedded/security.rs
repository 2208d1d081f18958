//! Issue 9 items 2, 5 and 7 at the boundary: forged `Authentication-Results`,
//! handler tokens (bound, expiring, never exported or sent outside), owner-only
//! files, and export/record integrity against hostile names and Message-IDs.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::mail;
use complaintd::store::OutboxRow;
use complaintd::work::ingest::Ingested;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const REF: &str = "PAR-2026-0001";

async fn open_case(app: &TestApp) -> OutboxRow {
    app.deliver(&message(
        "Jo Bloggs <jo@mail.test>",
        "Fee",
        "I was charged twice and want a refund and an explanation.",
        "s1@mail.test",
    ))
    .await;
    app.send().await;
    app.sent()
        .await
        .into_iter()
        .find(|r| r.template == "handler_notification")
        .expect("a handler notification")
}

/// The token in a notification's subject tag.
fn token_of(row: &OutboxRow) -> String {
    let m = mail::parse(&row.raw).expect("parse");
    let (_, token) = m.subject.split_once("#t").expect("a token in the subject");
    token.split(']').next().expect("token").to_string()
}

/// A message from `from` to the notification's reply address, subject tag
/// and token as the notification had them, saying `body`.
fn reply_with_token(notice: &OutboxRow, from: &str, body: &str, id: &str) -> Vec<u8> {
    let m = mail::parse(&notice.raw).expect("parse");
    let reply_to = m.header("reply-to").unwrap_or_default().to_string();
    format!(
        "From: {from}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nMessage-ID: <{id}>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        m.subject
    )
    .into_bytes()
}

async fn unverified_count(app: &TestApp) -> usize {
    app.app
        .store
        .case_audit(&cref(REF))
        .await
        .expect("db")
        .iter()
        .filter(|a| a.action == "unverified staff message")
        .count()
}

async fn notes(app: &TestApp) -> Vec<String> {
    app.app
        .store
        .case_audit(&cref(REF))
        .await
        .expect("db")
        .into_iter()
        .filter(|a| a.action == "note")
        .map(|a| a.detail)
        .collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[tokio::test]
async fn a_forged_authentication_results_header_runs_nothing() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let notice = open_case(&app).await;
    let handler = notice.recipient.clone();
    // The receiving server said `none`; the attacker's own header, naming the
    // trusted server and claiming a pass, is below the server's Received.
    let forged = format!(
        "Authentication-Results: mx.provider-b.example.test; dkim=none; spf=fail smtp.mailfrom=evil.test\r\n\
         Received: from evil.test by mx.provider-b.example.test (Postfix)\r\n\
         Authentication-Results: mx.provider-b.example.test; dkim=pass header.d=provider-b.example.test\r\n\
         From: {handler}\r\nTo: complaints@provider-b.example.test\r\nSubject: RE: [{REF}] done\r\n\
         Message-ID: <forged-ar@evil.test>\r\n\r\n#note forged by an outsider\r\n"
    );
    assert_eq!(
        app.deliver(forged.as_bytes()).await,
        Ingested::Threaded(REF.into())
    );
    assert_eq!(unverified_count(&app).await, 1);
    assert!(notes(&app).await.is_empty());
    // `dkim=passive` from the real server is not a pass either.
    let passive = format!(
        "Authentication-Results: mx.provider-b.example.test; dkim=passive header.d=provider-b.example.test\r\n\
         Received: from mail.provider-b.example.test by mx.provider-b.example.test (Postfix)\r\n\
         From: {handler}\r\nSubject: RE: [{REF}] done\r\nMessage-ID: <passive@evil.test>\r\n\r\n#note passive\r\n"
    );
    app.deliver(passive.as_bytes()).await;
    assert_eq!(unverified_count(&app).await, 2);
    // The server's own pass, on top, aligned with the From domain, counts.
    let genuine = format!(
        "Authentication-Results: mx.provider-b.example.test; dkim=pass (2048-bit key) header.d=provider-b.example.test\r\n\
         Received: from mail.provider-b.example.test by mx.provider-b.example.test (Postfix)\r\n\
         From: {handler}\r\nSubject: RE: [{REF}] done\r\nMessage-ID: <genuine@provider-b.example.test>\r\n\r\n#note signed and sealed\r\n"
    );
    app.deliver(genuine.as_bytes()).await;
    assert_eq!(unverified_count(&app).await, 2);
    assert_eq!(
        notes(&app).await.len(),
        1,
        "the authenticated note is recorded"
    );
}

#[tokio::test]
async fn tokens_stop_working_when_the_case_closes() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let notice = open_case(&app).await;
    let handler = notice.recipient.clone();
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#note checked the invoice",
        "n1@staff.test",
    ))
    .await;
    assert_eq!(notes(&app).await.len(), 1, "a fresh token works");
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#close lessons: invoices are now checked twice",
        "c1@staff.test",
    ))
    .await;
    let c = app.case(REF).await;
    assert_eq!(c.state.as_str(), "closed");
    // Someone who read the token (an export, a forwarded mail) tries it now.
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#note after closing",
        "n2@staff.test",
    ))
    .await;
    assert_eq!(notes(&app).await.len(), 1);
    assert_eq!(unverified_count(&app).await, 1);
}

#[tokio::test]
async fn tokens_expire_after_the_configured_lifetime() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let notice = open_case(&app).await;
    let handler = notice.recipient.clone();
    // Default lifetime: 30 days.
    app.advance(Duration::days(31));
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#note too late",
        "l1@staff.test",
    ))
    .await;
    assert!(notes(&app).await.is_empty());
    assert_eq!(unverified_count(&app).await, 1);
    // A longer lifetime in [security] accepts the same token.
    let text = std::fs::read_to_string(&app.config).expect("read config");
    std::fs::write(
        &app.config,
        text.replace("[security]", "[security]\ntoken_lifetime_days = 45"),
    )
    .expect("write config");
    app.restart().await;
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#note still in time",
        "l2@staff.test",
    ))
    .await;
    assert_eq!(notes(&app).await.len(), 1);
}

#[tokio::test]
async fn tokens_never_reach_the_complainant_or_an_export() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let notice = open_case(&app).await;
    let handler = notice.recipient.clone();
    let token = token_of(&notice);
    // The handler's response quotes the notification in a way no quote
    // stripper knows: its subject tag and reply address are in the new text.
    let reply_to = mail::parse(&notice.raw)
        .expect("parse")
        .header("reply-to")
        .unwrap_or_default()
        .to_string();
    // And the address of the link they clicked, intent and all.
    let (link_address, _, _) = link_in(&notice, "send");
    let body = format!(
        "Dear Jo, we have refunded the second payment and apologise.\r\n\r\n(ref [{REF} #t{token}], {reply_to}, {link_address})"
    );
    assert_eq!(
        app.deliver(&clicked(&notice, "send", &handler, &body, "r1@staff.test"))
            .await,
        Ingested::Threaded(REF.into())
    );
    app.send().await;
    let to_jo = app.sent_to("jo@mail.test").await;
    assert!(to_jo.len() >= 2, "acknowledgement and the response");
    for row in &to_jo {
        let raw = String::from_utf8_lossy(&row.raw);
        let text = mail::parse(&row.raw).expect("parse").text;
        assert!(
            !raw.contains(&token) && !text.contains(&token),
            "{} carries the token",
            row.template
        );
        assert!(
            !text.contains(".send@"),
            "{} carries what was left of a link's address: {text}",
            row.template
        );
    }
    assert!(to_jo.iter().any(|r| mail::parse(&r.raw)
        .expect("parse")
        .text
        .contains("refunded")));

    let out = tempfile::tempdir().expect("tempdir");
    let folder = complaintd::work::export::export(&app.app, &cref(REF), out.path())
        .await
        .expect("export");
    let mut files = 0;
    for e in std::fs::read_dir(&folder).expect("dir") {
        let p = e.expect("entry").path();
        let bytes = std::fs::read(&p).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&token),
            "{} holds the token",
            p.display()
        );
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        files += 1;
    }
    assert!(files >= 4, "the messages both ways and the record");
    assert_eq!(mode(&folder), 0o700);
    // The export still tells which case each mail was about.
    let record = std::fs::read_to_string(folder.join("case-record.txt")).expect("record");
    assert!(record.contains(REF));
}

#[tokio::test]
async fn tokens_in_encoded_parts_and_headers_are_left_out_of_an_export() {
    use base64::Engine;
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let notice = open_case(&app).await;
    let handler = notice.recipient.clone();
    let token = token_of(&notice);
    let m = mail::parse(&notice.raw).expect("parse");
    let reply_to = m.header("reply-to").unwrap_or_default().to_string();
    // The subject in an RFC 2047 encoded word, the text part in base64 and
    // the HTML part in quoted-printable with a soft line break inside the
    // token: none of them shows the token to a byte search.
    let subject = base64::engine::general_purpose::STANDARD.encode(format!("RE: {}", m.subject));
    let text = base64::engine::general_purpose::STANDARD.encode(format!(
        "#note refund checked (quoting [{REF} #t{token}] and {reply_to})\r\n"
    ));
    let (head, tail) = token.split_at(7);
    let raw = format!(
        "From: {handler}\r\nTo: {reply_to}\r\nSubject: =?utf-8?B?{subject}?=\r\n\
         Message-ID: <enc1@staff.test>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {text}\r\n\
         --b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         <p>#note refund checked [{REF} #t{head}=\r\n{tail}]</p>\r\n\
         --b1--\r\n"
    );
    assert_eq!(
        raw.matches(&token).count(),
        1,
        "only the To address shows the token to a byte search"
    );
    assert_eq!(
        app.deliver(raw.as_bytes()).await,
        Ingested::Threaded(REF.into())
    );
    let out = tempfile::tempdir().expect("tempdir");
    let folder = complaintd::work::export::export(&app.app, &cref(REF), out.path())
        .await
        .expect("export");
    let mut readable = 0;
    for e in std::fs::read_dir(&folder).expect("dir") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let m = mail::parse(&bytes).expect("still a message");
        for shown in [
            &m.subject,
            &m.text,
            &m.html_text.clone().unwrap_or_default(),
        ] {
            assert!(!shown.contains(&token), "{}: {shown}", p.display());
        }
        if m.text.contains("refund checked") {
            readable += 1;
            assert!(m.text.contains(&format!("[{REF}]")), "{}", m.text);
            assert!(m.subject.contains(REF), "{}", m.subject);
        }
    }
    assert_eq!(readable, 1, "the reply is in the export, still readable");
}

#[tokio::test]
async fn hostile_names_and_message_ids_keep_exports_and_mail_well_formed() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    // A display name of 400 bytes (100 four-byte letters) with a newline
    // encoded into it that tries to forge the record's state line, and a
    // Message-ID of 3,000 characters.
    let long_name = "\u{20000}".repeat(100);
    let long_id = format!("{}@mail.test", "i".repeat(3000));
    let raw = format!(
        "From: =?utf-8?q?Jo=0AState:_closed=0AHandler:_nobody?= {long_name} <jo@mail.test>\r\n\
         To: complaints@provider-b.example.test\r\nSubject: Fee\r\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{long_id}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         I was charged twice and want a refund and an explanation.\r\n"
    );
    assert_eq!(
        app.deliver(raw.as_bytes()).await,
        Ingested::Opened(REF.into())
    );
    app.send().await;
    let c = app.case(REF).await;
    assert!(
        c.complainant.name.as_deref().unwrap_or("").contains('\n'),
        "the test must really carry a newline in the name: {:?}",
        c.complainant.name
    );
    for row in app.sent().await {
        let text = String::from_utf8_lossy(&row.raw);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        for line in head.split("\r\n") {
            assert!(
                line.len() <= 998,
                "{}: a {}-octet header line",
                row.template,
                line.len()
            );
        }
    }
    let out = tempfile::tempdir().expect("tempdir");
    // Twice: the second export of the same person on the same day gets the
    // reference added to its name, and must still fit.
    for _ in 0..2 {
        let folder = complaintd::work::export::export(&app.app, &cref(REF), out.path())
            .await
            .expect("export of a case with a long name");
        let name = folder.file_name().and_then(|n| n.to_str()).expect("utf-8");
        assert!(name.len() <= 255, "{} bytes", name.len());
        let record = std::fs::read_to_string(folder.join("case-record.txt")).expect("record");
        let states: Vec<&str> = record.lines().filter(|l| l.starts_with("State:")).collect();
        assert_eq!(states, vec!["State: open"], "{record}");
        assert_eq!(
            record.lines().filter(|l| l.starts_with("Handler:")).count(),
            1,
            "{record}"
        );
        assert!(record.contains("Jo\\nState: closed"), "{record}");
    }
}

#[tokio::test]
async fn a_newline_in_a_display_name_does_not_reach_mail_bodies() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let raw = "From: =?utf-8?q?Jo=0AState:_closed=09=1B[2J?= <jo@mail.test>\r\n\
               To: complaints@provider-b.example.test\r\nSubject: Fee\r\n\
               Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <name-nl@mail.test>\r\n\
               Content-Type: text/plain; charset=utf-8\r\n\r\n\
               I was charged twice and want a refund and an explanation.\r\n";
    assert_eq!(
        app.deliver(raw.as_bytes()).await,
        Ingested::Opened(REF.into())
    );
    let c = app.case(REF).await;
    assert!(c.complainant.name.as_deref().unwrap_or("").contains('\n'));
    let sent = app.sent().await;
    assert!(sent.len() >= 2, "acknowledgement and notification");
    for row in sent {
        let m = complaintd::core::mail::parse(&row.raw).expect("parse");
        assert!(
            !m.text.lines().any(|l| l.starts_with("State: closed")),
            "{}: {}",
            row.template,
            m.text
        );
        assert!(!m.text.contains('\u{1b}'), "{}: {:?}", row.template, m.text);
    }
    let ack = app.last("acknowledgement", "jo@mail.test").await;
    let text = complaintd::core::mail::parse(&ack.raw).expect("parse").text;
    assert!(text.contains("Jo State: closed"), "{text}");
}

#[test]
fn database_outgoing_mail_and_exports_are_owner_only_whatever_the_umask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "provider-b", "");
    secret_from_env(&config);
    let eml = dir.path().join("1.eml");
    std::fs::write(
        &eml,
        message(
            "Jo <jo@mail.test>",
            "Fee",
            "I was charged twice and want a refund and an explanation.",
            "m1@mail.test",
        ),
    )
    .expect("write");
    let exports = dir.path().join("exports");
    // umask 000: anything left to the defaults would be world-readable.
    let script = format!(
        "umask 000 && \"$0\" --config \"$1\" ingest --now 2026-11-23T10:00:00Z \"$2\" \
         && \"$0\" --config \"$1\" tick --now 2026-11-23T10:05:00Z \
         && \"$0\" --config \"$1\" cases export {REF} --out \"$3\""
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_complaintd"))
        .arg(&config)
        .arg(&eml)
        .arg(&exports)
        .env("COMPLAINTD_SECRET", "x".repeat(40))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The database file, where there is one (PostgreSQL keeps its own
    // files, owned by its own user).
    if crate::common::backend::backend() == crate::common::backend::Backend::Sqlite {
        assert_eq!(mode(&dir.path().join("db.sqlite")), 0o600);
    }
    let outgoing = dir.path().join("outgoing");
    assert_eq!(mode(&outgoing), 0o700);
    let sent: Vec<_> = std::fs::read_dir(outgoing.join("new"))
        .expect("outgoing/new")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(!sent.is_empty(), "the tick delivered mail");
    for p in &sent {
        assert_eq!(mode(p), 0o600, "{}", p.display());
    }
    let folder = std::fs::read_dir(&exports)
        .expect("exports")
        .next()
        .expect("a folder")
        .expect("entry")
        .path();
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&folder.join("case-record.txt")), 0o600);
}

/// A website form anyone can fill in, relayed `From: noreply@` the
/// organisation's own (DKIM-signed) domain, must not speak with a member of
/// staff's address: a visitor typing a handler's address into the Email
/// field and a command into the message gets no command run.
#[tokio::test]
async fn a_contact_form_never_speaks_for_staff() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let notice = open_case(&app).await;
    let handler = notice.recipient.clone();
    let forged = format!(
        "Authentication-Results: mx.provider-b.example.test; dkim=pass (2048-bit key) header.d=provider-b.example.test\r\n\
         Received: from www.provider-b.example.test by mx.provider-b.example.test (Postfix)\r\n\
         From: Website <noreply@provider-b.example.test>\r\nTo: complaints@provider-b.example.test\r\n\
         Subject: RE: [{REF}] done\r\nMessage-ID: <form-1@provider-b.example.test>\r\n\r\n\
         Name: Priya\r\nEmail: {handler}\r\nMessage: #note written through the website form\r\n"
    );
    app.deliver(forged.as_bytes()).await;
    assert!(notes(&app).await.is_empty(), "no command from a form");
    let stored = mail::parse(forged.as_bytes()).expect("parse");
    assert!(
        stored.relayed_by.is_none() && stored.unread.iter().any(|u| u.contains("our own domain")),
        "the form stays the sender: {:?}",
        stored.unread
    );
}
