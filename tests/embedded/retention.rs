//! Issue 16 item 10 at the boundary: retention dates, legal holds, the daily
//! anonymisation step (bytes really gone from the database file), the
//! digest's line, `retention --dry-run`, `subject-access` and `erase`
//! through the real binary.

use crate::common::backend::RawDb;
use crate::harness::*;
use crate::raw;
use chrono::Duration;
use complaintd::core::{mail, retention};
use complaintd::store::OutboxRow;
use complaintd::store::Store;
use complaintd::work::ingest::Ingested;
use std::path::Path;
use std::process::Command;

const ALICE: &str = "alice.archer@mail.test";
const BEN: &str = "ben.baxter@mail.test";
const CARA: &str = "cara.cole@mail.test";

/// A message to the notification's reply address with its subject tag and
/// token, from `from`, saying `body`.
fn reply_with_token(notice: &OutboxRow, from: &str, body: &str, id: &str) -> Vec<u8> {
    let m = mail::parse(&notice.raw).expect("parse");
    let reply_to = m.header("reply-to").unwrap_or_default().to_string();
    format!(
        "From: {from}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nMessage-ID: <{id}>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        m.subject
    )
    .into_bytes()
}

/// Open a case from `name <addr>` and have its handler run `commands`
/// (ending with a `#close`); returns the reference.
async fn case_handled(app: &TestApp, name: &str, addr: &str, body: &str, commands: &str) -> String {
    let opened = app
        .deliver(&message(
            &format!("{name} <{addr}>"),
            "Coaching sessions",
            body,
            &format!("first-{addr}"),
        ))
        .await;
    let Ingested::Opened(r) = opened else {
        panic!("no case opened: {opened:?}");
    };
    app.send().await;
    let notice = app
        .sent()
        .await
        .into_iter()
        .rev()
        .find(|o| {
            o.template == "handler_notification"
                && o.case_ref.as_ref().is_some_and(|c| c.to_string() == r)
        })
        .expect("a handler notification");
    let handler = notice.recipient.clone();
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        commands,
        &format!("cmd-{addr}"),
    ))
    .await;
    app.send().await;
    r
}

/// The database's files as bytes: SQLite's file and its write-ahead log,
/// or every file of the test's PostgreSQL database (its tables, indexes and
/// TOAST under the cluster's `base/OID`).
async fn db_bytes(dir: &Path) -> Vec<u8> {
    let db = RawDb::open(dir).await;
    let mut all = Vec::new();
    match &db {
        RawDb::Sqlite(_) => {
            all = std::fs::read(dir.join("db.sqlite")).expect("db file");
            if let Ok(wal) = std::fs::read(dir.join("db.sqlite-wal")) {
                all.extend(wal);
            }
        }
        RawDb::Pg(p) => {
            // Pages changed in memory reach the files at a checkpoint.
            let out = std::process::Command::new(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres"),
            )
            .arg("checkpoint")
            .output()
            .expect("scripts/postgres checkpoint");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The cluster `scripts/postgres` runs keeps its data under
            // $PG_DIR/data (the data directory's setting is for superusers).
            let oid: String = sqlx::query_scalar(
                "SELECT oid::text FROM pg_database WHERE datname = current_database()",
            )
            .fetch_one(p)
            .await
            .expect("the database's oid");
            let files = format!("{}/data/base/{oid}", crate::common::backend::cluster_dir());
            for f in std::fs::read_dir(&files).expect("the database's files") {
                let f = f.expect("a file").path();
                if let Ok(bytes) = std::fs::read(&f) {
                    all.extend(bytes);
                }
            }
        }
    }
    db.close().await;
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The stored (compressed) bytes of the first message from `addr`.
async fn stored_raw(app: &TestApp, addr: &str) -> Vec<u8> {
    let db = RawDb::open(app.dir.path()).await;
    let raw: Vec<u8> = raw!(&db, |p| sqlx::query_scalar(
        "SELECT raw FROM messages WHERE from_addr = $1 ORDER BY id LIMIT 1"
    )
    .bind(addr)
    .fetch_one(p)
    .await
    .expect("a stored message"));
    db.close().await;
    raw
}

fn bin(app: &TestApp, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(&app.config)
        .args(args)
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("run complaintd");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn retention_anonymises_a_due_case_and_leaves_held_and_undue_cases_untouched() {
    // Monday 23 November 2026.
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    let due = case_handled(
        &app,
        "Alice Archer",
        ALICE,
        "My coach Wobbleton-Fjord cancelled three sessions and I want them rebooked.",
        "#define issues: coach Zebedee-Quartz cancelled three sessions; outcome sought: rebooking\n#close lessons: rebook cancelled sessions within a day",
    )
    .await;
    let held = case_handled(
        &app,
        "Ben Baxter",
        BEN,
        "My coach Yarrow-Obsidian cancelled my review and I want an apology.",
        "#hold claim issued in the county court\n#close lessons: reviews are now booked in advance",
    )
    .await;
    assert_eq!(app.case(&due).await.state.as_str(), "closed");
    let h = app.case(&held).await;
    assert_eq!(h.state.as_str(), "closed");
    assert_eq!(
        h.hold.as_ref().map(|h| h.reason.as_str()),
        Some("claim issued in the county court")
    );
    // A year later a third case opens and closes: not due for five more years.
    app.advance(Duration::days(365));
    let recent = case_handled(
        &app,
        "Cara Cole",
        CARA,
        "My coach Xanthe-Basalt never answered my emails.",
        "#close lessons: coaches answer within two days",
    )
    .await;
    assert_eq!(app.case(&recent).await.state.as_str(), "closed");

    // The case record shows the retention date and the hold.
    let (code, shown) = bin(&app, &["cases", "show", &held]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains(
            "retain:   until 2032-11-23 (6 years after closing); kept while on legal hold"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("hold:     claim issued in the county court"),
        "{shown}"
    );

    let alice_raw = stored_raw(&app, ALICE).await;
    let ben_raw = stored_raw(&app, BEN).await;
    let before_held = app.case(&held).await;
    let before_recent = app.case(&recent).await;

    // Wednesday 24 November 2032, after the digest time: six years and a day
    // after the first two closed.
    app.now = t("2032-11-24T10:00:00Z");
    let now = app.now.to_rfc3339();
    let (code, dry) = bin(&app, &["retention", "--dry-run", "--now", &now]);
    assert_eq!(code, Some(0), "{dry}");
    assert!(
        dry.contains(&format!(
            "{due}  closed 2026-11-23  retain until 2032-11-23  would be anonymised"
        )),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("{held}  closed 2026-11-23  retain until 2032-11-23  KEPT: on legal hold: claim issued in the county court")),
        "{dry}"
    );
    assert!(!dry.contains(&recent), "{dry}");
    assert!(
        dry.contains("1 case(s) would be anonymised, 1 kept on legal hold"),
        "{dry}"
    );
    // A dry run changes nothing.
    assert_eq!(app.case(&due).await.anonymised_at, None);
    assert!(contains(&db_bytes(app.dir.path()).await, ALICE.as_bytes()));

    // The daily step runs with the digest.
    app.tick().await;
    let a = app.case(&due).await;
    assert!(a.anonymised_at.is_some(), "{a:?}");
    assert_eq!(a.complainant.address, "anonymised");
    assert_eq!(a.complainant.name, None);
    // Kept for reporting: kind, state, stage, dates, lessons.
    assert_eq!(a.state.as_str(), "closed");
    assert_eq!(
        a.lessons.as_deref(),
        Some("rebook cancelled sessions within a day")
    );
    assert!(a.closed_at.is_some());
    let msgs = app.app.store.case_messages(&cref(&due)).await.expect("db");
    assert!(!msgs.is_empty());
    assert!(msgs
        .iter()
        .all(|m| m.raw.is_empty() && m.from_addr.is_none() && m.subject.is_none()));
    let sent = app.app.store.outbox(Some(&cref(&due))).await.expect("db");
    assert!(!sent.is_empty());
    assert!(sent
        .iter()
        .all(|o| o.raw.is_empty() && o.recipient != ALICE));
    let audit = app.app.store.case_audit(&cref(&due)).await.expect("db");
    assert!(
        audit.iter().any(|e| e.action == "received"),
        "actions are kept"
    );
    assert!(audit.iter().any(|e| e.action == "anonymised"));

    // The held case and the case not yet due are exactly as they were.
    assert_eq!(app.case(&held).await, before_held);
    assert_eq!(app.case(&recent).await, before_recent);
    assert_eq!(stored_raw(&app, BEN).await, ben_raw);
    let ben_msgs = app.app.store.case_messages(&cref(&held)).await.expect("db");
    assert!(ben_msgs.iter().all(|m| !m.raw.is_empty()));

    // The bytes are gone from the database file, not only hidden: the
    // name, the address, the words and the compressed stored message.
    let bytes = db_bytes(app.dir.path()).await;
    for gone in [
        ALICE.as_bytes(),
        b"Alice Archer".as_slice(),
        b"Zebedee-Quartz".as_slice(),
        b"Wobbleton-Fjord".as_slice(),
        &alice_raw[alice_raw.len() / 2..alice_raw.len() / 2 + 32],
    ] {
        assert!(
            !contains(&bytes, gone),
            "{:?} is still in the database file",
            String::from_utf8_lossy(gone)
        );
    }
    // ... while the held case's are still there (the search can find them).
    assert!(contains(&bytes, BEN.as_bytes()));
    assert!(contains(
        &bytes,
        &ben_raw[ben_raw.len() / 2..ben_raw.len() / 2 + 32]
    ));

    // The digest says what was anonymised.
    let digest = app
        .sent()
        .await
        .into_iter()
        .rev()
        .find(|o| o.template == "daily_digest")
        .expect("a digest");
    let text = mail::parse(&digest.raw).expect("parse").text;
    assert!(text.contains("Anonymised in the last 24 hours"), "{text}");
    assert!(text.contains(&due), "{text}");

    // The held case stays held on later runs.
    let (code, again) = bin(&app, &["retention", "--dry-run", "--now", &now]);
    assert_eq!(code, Some(0), "{again}");
    assert!(
        again.contains("0 case(s) would be anonymised, 1 kept on legal hold"),
        "{again}"
    );
}

#[tokio::test]
async fn subject_access_exports_a_persons_cases_and_erase_respects_open_and_held_cases() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    let closed = case_handled(
        &app,
        "Alice Archer",
        ALICE,
        "My coach Zebedee-Quartz cancelled three sessions and I want them rebooked.",
        "#close lessons: rebook cancelled sessions within a day",
    )
    .await;
    let held = case_handled(
        &app,
        "Alice Archer",
        ALICE,
        "Separately, my certificate for the Level 3 course never arrived and I want it sent.",
        "#hold ombudsman investigation under way\n#close lessons: certificates are tracked",
    )
    .await;
    let open = app
        .deliver(&message(
            &format!("Alice Archer <{ALICE}>"),
            "Another matter",
            "A third complaint: the canteen charged me twice and I want a refund.",
            "third@mail.test",
        ))
        .await;
    let Ingested::Opened(open) = open else {
        panic!("{open:?}")
    };
    app.send().await;

    // Alice also wrote about someone else's case, since closed.
    let bob = case_handled(
        &app,
        "Ben Baxter",
        BEN,
        "My review was cancelled and I want an apology.",
        "#close lessons: reviews booked ahead",
    )
    .await;
    app.deliver(&message(
        &format!("Alice Archer <{ALICE}>"),
        &format!("RE: [{bob}] Coaching sessions"),
        "I saw Ben's review being cancelled too, Quillon-Marsh was there.",
        "alice-about-ben@mail.test",
    ))
    .await;
    let naming_alice = |audit: &[complaintd::store::AuditRow]| {
        audit
            .iter()
            .filter(|a| a.actor.contains(ALICE) || a.detail.contains(ALICE))
            .count()
    };
    let bob_audit = app.app.store.case_audit(&cref(&bob)).await.expect("audit");
    assert!(naming_alice(&bob_audit) > 0, "{bob_audit:?}");

    let out = app.dir.path().join("sar");
    std::fs::create_dir_all(&out).expect("mkdir");
    let (code, said) = bin(
        &app,
        &[
            "subject-access",
            ALICE,
            "--out",
            out.to_str().expect("utf-8"),
            "--now",
            "2026-11-24T10:00:00Z",
        ],
    );
    assert_eq!(code, Some(0), "{said}");
    let folder = std::path::PathBuf::from(said.trim());
    let summary = std::fs::read_to_string(folder.join("subject-access.txt")).expect("summary");
    assert!(summary.contains("Cases about them (3)"), "{summary}");
    assert!(
        summary.contains("Messages from or to them elsewhere (1)"),
        "{summary}"
    );
    assert!(summary.contains(&format!("received  {bob}")), "{summary}");
    for r in [&closed, &held, &open] {
        assert!(summary.contains(r.as_str()), "{summary}");
    }
    let exported: Vec<_> = std::fs::read_dir(folder.join("cases"))
        .expect("cases")
        .collect();
    assert_eq!(exported.len(), 3, "one folder per case");

    let (code, said) = bin(&app, &["erase", ALICE, "--now", "2026-11-24T10:00:00Z"]);
    assert_eq!(code, Some(1), "something was kept: {said}");
    assert!(said.contains(&format!("{closed}  anonymised")), "{said}");
    assert!(
        said.contains(&format!(
            "{held}  KEPT: on legal hold: ombudsman investigation under way"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("{open}  KEPT: not closed")),
        "{said}"
    );
    assert!(app.case(&closed).await.anonymised_at.is_some());
    // On Ben's closed case her message and the audit lines naming her are
    // gone; Ben and his case are untouched.
    let bob_audit = app.app.store.case_audit(&cref(&bob)).await.expect("audit");
    assert_eq!(naming_alice(&bob_audit), 0, "{bob_audit:?}");
    let b = app.case(&bob).await;
    assert_eq!(
        (b.complainant.address.as_str(), b.anonymised_at),
        (BEN, None)
    );
    assert!(app
        .app
        .store
        .case_messages(&cref(&bob))
        .await
        .expect("db")
        .iter()
        .all(|m| m.from_addr.as_deref() != Some(ALICE)));
    assert_eq!(app.case(&held).await.complainant.address, ALICE);
    assert_eq!(app.case(&open).await.complainant.address, ALICE);
    // One audit line says an erasure happened, naming no one.
    let (_, shown) = bin(&app, &["cases", "show", &closed]);
    assert!(!shown.contains(ALICE), "{shown}");
    let db = RawDb::open(app.dir.path()).await;
    let lines: Vec<String> = raw!(&db, |p| sqlx::query_scalar(
        "SELECT detail FROM audit WHERE action = 'erasure' AND case_ref IS NULL",
    )
    .fetch_all(p)
    .await
    .expect("audit"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]
            .starts_with("an erasure request was carried out: 1 case(s) anonymised, 1 message(s)"),
        "{lines:?}"
    );
    assert!(!lines[0].contains("alice"), "{lines:?}");
    // The audit log accepts no other change.
    let tampered = raw!(&db, |p| sqlx::query(
        "UPDATE audit SET detail = 'rewritten' WHERE action = 'erasure'"
    )
    .execute(p)
    .await
    .map(|r| r.rows_affected()));
    db.close().await;
    assert!(tampered.is_err(), "the audit log stays append-only");
}

/// A remedy still owed keeps its case whole past the retention date (it is
/// still chased), and erasing a person whose closing mail has not gone yet
/// fails that mail rather than sending it empty.
#[tokio::test]
async fn an_owed_remedy_keeps_its_case_and_unsent_mail_is_failed_not_emptied() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    let owed = case_handled(
        &app,
        "Alice Archer",
        ALICE,
        "My coach cancelled three sessions and I want my fee back.",
        "#remedy refund owner head_of_contracts due 10 working days: refund the session fee\n#close lessons: rebook cancelled sessions within a day",
    )
    .await;
    assert_eq!(app.case(&owed).await.state.as_str(), "closed");
    let (code, dry) = bin(
        &app,
        &["retention", "--dry-run", "--now", "2032-11-24T10:00:00Z"],
    );
    assert_eq!(code, Some(0), "{dry}");
    assert!(
        dry.contains(&format!("{owed}  closed 2026-11-23  retain until 2032-11-23  KEPT: 1 remedy(ies) still outstanding")),
        "{dry}"
    );

    // Ben's case closes; its mail is still queued when he asks to be erased.
    let opened = app
        .deliver(&message(
            &format!("Ben Baxter <{BEN}>"),
            "Review",
            "My coach cancelled my review and I want an apology.",
            "first-ben",
        ))
        .await;
    let Ingested::Opened(r) = opened else {
        panic!("no case opened: {opened:?}");
    };
    app.send().await;
    let notice = app
        .sent()
        .await
        .into_iter()
        .rev()
        .find(|o| {
            o.template == "handler_notification"
                && o.case_ref.as_ref().is_some_and(|c| c.to_string() == r)
        })
        .expect("a handler notification");
    let handler = notice.recipient.clone();
    app.deliver(&reply_with_token(
        &notice,
        &handler,
        "#close lessons: reviews are booked in advance",
        "cmd-ben",
    ))
    .await;
    let queued: Vec<i64> = app
        .sent()
        .await
        .into_iter()
        .filter(|o| {
            o.case_ref.as_ref().is_some_and(|c| c.to_string() == r)
                && o.status.as_str() == "pending"
        })
        .map(|o| o.id)
        .collect();
    assert!(!queued.is_empty(), "the closing mail is still queued");
    let (code, said) = bin(&app, &["erase", BEN, "--now", "2026-11-23T12:00:00Z"]);
    assert_eq!(code, Some(0), "{said}");
    app.send().await;
    for o in app
        .sent()
        .await
        .into_iter()
        .filter(|o| queued.contains(&o.id))
    {
        assert!(o.raw.is_empty(), "its bytes are gone");
        assert_eq!(
            (o.template.as_str(), o.status.as_str()),
            (o.template.as_str(), "failed"),
            "mail queued before the erasure went out emptied"
        );
    }
}

/// Someone who is only a contact on another person's complaint: erasing
/// them never anonymises that person's case, and their subject-access
/// export names it without exporting it whole.
#[tokio::test]
async fn erasing_a_contact_leaves_the_complainants_case_whole() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    let r = case_handled(
        &app,
        "Alice Archer",
        ALICE,
        "My coach cancelled three sessions and I want them rebooked.",
        &format!("#contact add {BEN}\n#close lessons: rebook cancelled sessions within a day"),
    )
    .await;
    let c = app.case(&r).await;
    assert_eq!(c.state.as_str(), "closed");
    assert!(c.contacts.iter().any(|a| a == BEN), "{:?}", c.contacts);
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().to_string_lossy().into_owned();
    let (code, said) = bin(
        &app,
        &[
            "subject-access",
            BEN,
            "--out",
            &out_dir,
            "--now",
            "2026-11-24T10:00:00Z",
        ],
    );
    assert_eq!(code, Some(0), "{said}");
    let folder = std::fs::read_dir(out.path())
        .expect("out")
        .next()
        .expect("a folder")
        .expect("entry")
        .path();
    let record = std::fs::read_to_string(folder.join("subject-access.txt")).expect("record");
    assert!(record.contains("Cases about them (0)"), "{record}");
    assert!(
        record.contains(&format!("not exported whole):\n  {r} complaint closed")),
        "{record}"
    );
    assert!(
        !folder.join("cases").exists(),
        "Alice's case exported to Ben"
    );

    let (code, said) = bin(&app, &["erase", BEN, "--now", "2026-11-24T10:00:00Z"]);
    assert_eq!(code, Some(0), "{said}");
    let after = app.case(&r).await;
    assert_eq!(after.anonymised_at, None, "Alice's case was anonymised");
    assert_eq!(after.complainant.address, ALICE);
}

/// A complaint from `from` with a 30 KB attachment (`attachment`, sent in
/// base64 as mail clients send it).
fn with_attachment(from: &str, id: &str, attachment: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(attachment);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("base64 is ascii"))
        .collect();
    format!(
        "From: {from}\r\nTo: complaints@provider.test\r\nSubject: My sessions were cancelled\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy coach cancelled three sessions and I want them rebooked. The letter is attached.\r\n--b1\r\nContent-Type: application/octet-stream; name=\"letter.bin\"\r\nContent-Disposition: attachment; filename=\"letter.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

/// The stored messages of case `r`, as export and replay read them.
async fn read_back(app: &TestApp, r: &str) -> Vec<complaintd::store::StoredMessage> {
    app.app
        .store
        .case_messages(&cref(r))
        .await
        .expect("messages")
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let db = RawDb::open(app.dir.path()).await;
    let n = raw!(&db, |p| sqlx::query_scalar(sql)
        .fetch_one(p)
        .await
        .expect(sql));
    db.close().await;
    n
}

/// Issue 14 item 3: the same attachment in two messages is stored once;
/// each message reads back byte for byte (what export, replay and subject
/// access read); erasing one message keeps the attachment for the other,
/// and anonymising the other's case removes it, from the file too.
#[tokio::test]
async fn an_attachment_two_messages_carry_is_stored_once_and_goes_with_the_last() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    // Bytes that do not compress, so the attachment shows in the file.
    let attachment: Vec<u8> = (0u32..30_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let alice = with_attachment(
        &format!("Alice Archer <{ALICE}>"),
        "att-a@mail.test",
        &attachment,
    );
    let cara = with_attachment(
        &format!("Cara Cole <{CARA}>"),
        "att-c@mail.test",
        &attachment,
    );
    let Ingested::Opened(a) = app.deliver(&alice).await else {
        panic!("no case for Alice");
    };
    let Ingested::Opened(c) = app.deliver(&cara).await else {
        panic!("no case for Cara");
    };
    assert_eq!(count(&app, "SELECT COUNT(*) FROM blobs").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM message_blobs").await, 2);
    // Both messages together take less than twice the attachment.
    let stored = count(
        &app,
        "SELECT SUM(length(raw)) + (SELECT SUM(length(data)) FROM blobs) FROM messages",
    )
    .await;
    assert!(stored < 40_000, "{stored} bytes for two 30 KB attachments");
    let alice_rows = read_back(&app, &a).await;
    assert_eq!(
        alice_rows[0].raw, alice,
        "Alice's message back byte for byte"
    );
    assert_eq!(read_back(&app, &c).await[0].raw, cara);
    let from_cara = app
        .app
        .store
        .messages_from(CARA)
        .await
        .expect("subject access");
    assert_eq!(from_cara[0].raw, cara);

    // A piece of the stored attachment, to look for in the file later.
    let part: Vec<u8> = {
        let db = RawDb::open(app.dir.path()).await;
        let data: Vec<u8> = raw!(&db, |p| sqlx::query_scalar("SELECT data FROM blobs")
            .fetch_one(p)
            .await
            .expect("the part"));
        db.close().await;
        // PostgreSQL keeps a long value in TOAST chunks of 1,996 bytes with
        // a row header between them: a piece from inside one chunk.
        let start = (data.len() / 2) / 1996 * 1996 + 100;
        data[start..start + 64].to_vec()
    };
    app.app.store.checkpoint().await.expect("checkpoint");
    assert!(contains(&db_bytes(app.dir.path()).await, &part));

    // Erasing Alice's message leaves the attachment Cara's still carries.
    let mut tx = app.app.store.begin().await.expect("begin");
    Store::erase_messages(&mut tx, &[alice_rows[0].id])
        .await
        .expect("erase");
    tx.commit().await.expect("commit");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM blobs").await, 1);
    assert_eq!(
        read_back(&app, &c).await[0].raw,
        cara,
        "Cara's message still whole"
    );

    // Anonymising Cara's case (retention) removes it: nothing needs it.
    let case = app.case(&c).await;
    let mut tx = app.app.store.begin().await.expect("begin");
    Store::anonymise_case(
        &mut tx,
        &retention::anonymise(&case, app.now),
        &[CARA.to_string()],
    )
    .await
    .expect("anonymise");
    tx.commit().await.expect("commit");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM blobs").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM message_blobs").await, 0);
    app.app.store.checkpoint().await.expect("checkpoint");
    assert!(
        !contains(&db_bytes(app.dir.path()).await, &part),
        "the attachment's bytes are gone from the file"
    );
}

/// The retention step lists its candidates, then anonymises each in its
/// own transaction: a `#hold` placed in between (a handler's reply, `cases
/// hold`) must keep the case. The case is read again in that transaction;
/// before, the stale copy from the list was anonymised.
#[tokio::test]
async fn a_hold_placed_after_the_candidates_were_listed_keeps_the_case() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    let due = case_handled(
        &app,
        "Alice Archer",
        ALICE,
        "My coach Wobbleton-Fjord cancelled three sessions and I want them rebooked.",
        "#close lessons: rebook cancelled sessions within a day",
    )
    .await;
    app.now = t("2032-11-24T10:00:00Z");
    let listed = app
        .app
        .store
        .retention_candidates(t("2026-11-24T10:00:00Z"))
        .await
        .expect("db");
    assert!(listed.iter().any(|c| c.reference.to_string() == due));
    complaintd::work::retention::set_hold(
        &app.app,
        &cref(&due),
        Some("a claim was issued".into()),
        "rhian.price@provider-b.example.test",
        app.now,
    )
    .await
    .expect("hold");
    let out = complaintd::work::retention::anonymise_unless_kept(
        &app.app,
        &cref(&due),
        "retention period ended",
        app.now,
    )
    .await
    .expect("db");
    assert_eq!(
        out.err().as_deref(),
        Some("on legal hold: a claim was issued")
    );
    let c = app.case(&due).await;
    assert!(c.anonymised_at.is_none());
    assert_eq!(c.complainant.address, ALICE);
}

/// Ben's closed complaint, with a message Alice wrote on it: her words on
/// someone else's case, which an erasure of her may remove while the case
/// stays closed and not on hold.
async fn alice_wrote_on_bens_closed_case(app: &TestApp, id: &str) -> String {
    let ben = case_handled(
        app,
        "Ben Baxter",
        BEN,
        "My review was cancelled and I want an apology.",
        "#close lessons: reviews booked ahead",
    )
    .await;
    app.deliver(&message(
        &format!("Alice Archer <{ALICE}>"),
        &format!("RE: [{ben}] Reviews"),
        "I saw Ben's review being cancelled too, Pellinore-Vask was there.",
        id,
    ))
    .await;
    ben
}

/// The lengths of the messages Alice wrote on `case` (0: erased).
async fn alice_on(app: &TestApp, case: &str) -> Vec<usize> {
    app.app
        .store
        .case_messages(&cref(case))
        .await
        .expect("db")
        .into_iter()
        .filter(|m| m.from_addr.as_deref() == Some(ALICE))
        .map(|m| m.raw.len())
        .collect()
}

/// An erasure anonymises the person's own cases first, each in its own
/// transaction, then removes their words from others' cases in a last
/// one: a `#hold` placed on someone else's case in between must keep that
/// person's message on it. Before, that case was judged before the last
/// transaction and the stale answer used.
#[tokio::test]
async fn a_hold_placed_on_someone_elses_case_during_an_erasure_keeps_their_message() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    let ben = alice_wrote_on_bens_closed_case(&app, "alice-on-ben@mail.test").await;
    assert!(alice_on(&app, &ben).await.iter().all(|n| *n > 0));
    let now = t("2026-11-24T10:00:00Z");
    let plan = complaintd::work::retention::plan_erasure(&app.app, ALICE, now)
        .await
        .expect("plan");
    complaintd::work::retention::set_hold(
        &app.app,
        &cref(&ben),
        Some("a claim was issued".into()),
        "rhian.price@provider-b.example.test",
        now,
    )
    .await
    .expect("hold");
    let report = complaintd::work::retention::carry_out(&app.app, plan, now)
        .await
        .expect("erase");
    assert_eq!(
        (report.messages, report.kept_messages),
        (0, 1),
        "{report:?}"
    );
    let kept = alice_on(&app, &ben).await;
    assert!(!kept.is_empty() && kept.iter().all(|n| *n > 0), "{kept:?}");
}

/// A message listed by an erasure can be moved onto another case before
/// the erasure's transaction (a quarantined message replayed onto an open
/// case): the case it is on when the erasure commits is the one checked.
#[tokio::test]
async fn a_message_moved_onto_an_open_case_during_an_erasure_keeps_its_text() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    secret_from_env(&app.config);
    alice_wrote_on_bens_closed_case(&app, "alice-moved@mail.test").await;
    let Ingested::Opened(open) = app
        .deliver(&message(
            &format!("Cara Cole <{CARA}>"),
            "Canteen",
            "The canteen charged me twice and I want a refund.",
            "cara-open@mail.test",
        ))
        .await
    else {
        panic!("Cara's case")
    };
    let now = t("2026-11-24T10:00:00Z");
    let plan = complaintd::work::retention::plan_erasure(&app.app, ALICE, now)
        .await
        .expect("plan");
    let db = RawDb::open(app.dir.path()).await;
    raw!(&db, |p| sqlx::query(
        "UPDATE messages SET case_ref = $1 WHERE from_addr = $2"
    )
    .bind(&open)
    .bind(ALICE)
    .execute(p)
    .await
    .expect("move")
    .rows_affected());
    db.close().await;
    let report = complaintd::work::retention::carry_out(&app.app, plan, now)
        .await
        .expect("erase");
    assert_eq!(
        (report.messages, report.kept_messages),
        (0, 1),
        "{report:?}"
    );
    let on_open = alice_on(&app, &open).await;
    assert!(on_open.len() == 1 && on_open[0] > 0, "{on_open:?}");
}
