//! Batched ingest (`work::batch`): a chunk of messages per transaction, a
//! savepoint each, the acknowledgement in the same commit; and the real
//! daemon killed between a batch's commit and the files' move.

use crate::harness::*;
use complaintd::work::batch::{ingest_batch, Ack};
use complaintd::work::ingest::Ingested;
use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn complaint(n: usize) -> Vec<u8> {
    message(
        &format!("Learner {n} <learner{n}@mail{n}.test>"),
        &format!("Complaint {n}"),
        "I am not happy: my sessions keep being cancelled and I want to know why.",
        &format!("batch-{n}@mail.test"),
    )
}

/// A test app whose acknowledgement fails to render for "Broken Bob".
async fn with_a_template_that_fails_for_bob() -> TestApp {
    let mut app = TestApp::spawn_with(
        "provider-b",
        "2026-11-23T10:00:00Z",
        "[templates]\ndir = \"mine\"",
    )
    .await;
    let mine = app.dir.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    let built_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/en/acknowledgement.hbs"),
    )
    .expect("read template");
    std::fs::write(
        mine.join("acknowledgement.hbs"),
        format!("{built_in}{{{{refuse complainant.name}}}}\n"),
    )
    .expect("write");
    app.restart().await;
    app.app.templates.register_helper(
        "refuse",
        |h: &Helper<'_>,
         _: &Handlebars<'_>,
         _: &Context,
         _: &mut RenderContext<'_, '_>,
         _: &mut dyn Output|
         -> HelperResult {
            match h.param(0).and_then(|p| p.value().as_str()) {
                Some("Broken Bob") => Err(RenderErrorReason::Other("refused".into()).into()),
                _ => Ok(()),
            }
        },
    );
    app
}

#[tokio::test]
async fn a_bad_message_in_a_batch_is_quarantined_alone_and_the_rest_commit() {
    let app = with_a_template_that_fails_for_bob().await;
    let mut raws: Vec<Vec<u8>> = (0..6).map(complaint).collect();
    raws[2] = message(
        "Broken Bob <bob@mail.test>",
        "Complaint",
        "I am not happy: my sessions keep being cancelled and I want to know why.",
        "bob@mail.test",
    );
    // Not mail at all: quarantined in the pass itself, in its savepoint.
    raws[4] = b"\0\0\0 not a message".to_vec();
    let outcomes = ingest_batch(&app.app, &raws, "test", app.now, Ack::None)
        .await
        .expect("batch");
    assert_eq!(outcomes.len(), 6);
    for (i, o) in outcomes.iter().enumerate() {
        match i {
            2 | 4 => assert!(matches!(o, Ingested::Quarantined(_)), "{i}: {o:?}"),
            _ => assert!(matches!(o, Ingested::Opened(_)), "{i}: {o:?}"),
        }
    }
    let q = app.app.store.quarantine_list().await.expect("quarantine");
    assert_eq!(q.len(), 2, "{q:?}");
    assert!(q
        .iter()
        .any(|e| e.from_addr.as_deref() == Some("bob@mail.test")));
    let cases = app.app.store.list_cases(None).await.expect("cases");
    assert_eq!(
        cases.len(),
        4,
        "the four good complaints opened their cases"
    );
    // Bob's case is not half there: no mail of his was queued.
    assert!(app.sent_to("bob@mail.test").await.is_empty());
    for n in [0, 1, 3, 5] {
        let to = format!("learner{n}@mail{n}.test");
        assert_eq!(
            app.sent_to(&to).await.len(),
            1,
            "one acknowledgement to {to}"
        );
    }
    // Again: every message is a repeat now, nothing changes.
    let again = ingest_batch(&app.app, &raws, "test", app.now, Ack::None)
        .await
        .expect("batch");
    assert!(again.iter().all(|o| *o == Ingested::Duplicate), "{again:?}");
}

#[tokio::test]
async fn the_imap_checkpoint_commits_with_its_batch() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let raws: Vec<Vec<u8>> = (0..5).map(complaint).collect();
    let uids = [11, 12, 15, 16, 20];
    let store = &app.app.store;
    assert_eq!(store.imap_checkpoint("inbox", 7).await.expect("read"), 0);
    let ack = Ack::Imap {
        fence: None,
        mailbox: "inbox",
        uidvalidity: 7,
        uids: &uids,
    };
    let outcomes = ingest_batch(&app.app, &raws, "inbox", app.now, ack)
        .await
        .expect("batch");
    assert!(outcomes.iter().all(|o| matches!(o, Ingested::Opened(_))));
    assert_eq!(store.imap_checkpoint("inbox", 7).await.expect("read"), 20);
    assert_eq!(store.list_cases(None).await.expect("cases").len(), 5);
}

/// A reader that lost its mailbox lease (another instance took it while
/// this one was paused) commits nothing of its batch: no case, no stored
/// message, no checkpoint; the new holder then takes the same mail in once.
#[tokio::test]
async fn a_batch_under_a_lost_lease_commits_nothing() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let store = &app.app.store;
    let lease = chrono::Duration::seconds(30);
    let old = store
        .take_mailbox_lease("inbox", "old", None, lease)
        .await
        .expect("take")
        .expect("taken");
    let new = store
        .take_mailbox_lease("inbox", "new", Some(old), lease)
        .await
        .expect("take over")
        .expect("taken over");
    let raws: Vec<Vec<u8>> = (0..3).map(complaint).collect();
    let uids = [1, 2, 3];
    let fenced = |holder: &str, fence: i64| complaintd::store::Fence {
        mailbox: "inbox".into(),
        holder: holder.into(),
        fence,
    };
    let stale = fenced("old", old);
    let ack = Ack::Imap {
        fence: Some(&stale),
        mailbox: "inbox",
        uidvalidity: 7,
        uids: &uids,
    };
    let refused = ingest_batch(&app.app, &raws, "inbox", app.now, ack).await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(store.imap_checkpoint("inbox", 7).await.expect("read"), 0);
    assert!(store.list_cases(None).await.expect("cases").is_empty());
    assert!(app.sent().await.is_empty(), "no mail queued");
    // The Maildir form of the same refusal.
    let refused = ingest_batch(&app.app, &raws, "inbox", app.now, Ack::Lease(&stale)).await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(store.list_cases(None).await.expect("cases").is_empty());

    let current = fenced("new", new);
    let ack = Ack::Imap {
        fence: Some(&current),
        mailbox: "inbox",
        uidvalidity: 7,
        uids: &uids,
    };
    let outcomes = ingest_batch(&app.app, &raws, "inbox", app.now, ack)
        .await
        .expect("the holder's batch");
    assert!(
        outcomes.iter().all(|o| matches!(o, Ingested::Opened(_))),
        "{outcomes:?}"
    );
    assert_eq!(store.imap_checkpoint("inbox", 7).await.expect("read"), 3);
    assert_eq!(store.list_cases(None).await.expect("cases").len(), 3);
}

const N: usize = 300;

/// One number from the daemon's database, read beside it (0 before it exists).
fn count(dir: &Path, sql: &'static str) -> i64 {
    crate::common::backend::count_blocking(dir, sql)
}

fn files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn run(dir: &Path, config: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env(SECRET_ENV, SECRET)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("run.log")).expect("log"))
        .spawn()
        .expect("spawn complaintd")
}

/// The real daemon, killed (SIGKILL) after some of its batches committed and
/// before it moved their files out of `new/`, then started again: every
/// message is taken in once, no case is opened twice, no mail queued twice.
#[test]
fn killed_between_commit_and_acknowledgement_the_daemon_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        "provider-b",
        "[[mailbox]]\nname = \"complaints\"\nmaildir = \"inbox\"",
    );
    secret_from_env(&config);
    let inbox = dir.path().join("inbox");
    complaintd::mail::maildir::create(&inbox).expect("maildir");
    for n in 0..N {
        std::fs::write(inbox.join("new").join(format!("{n:05}.eml")), complaint(n)).expect("write");
    }
    let db = dir.path();
    let done = "SELECT COUNT(*) FROM messages WHERE status != 'received'";

    // Kill as soon as the first batch has committed.
    let mut child = run(dir.path(), &config);
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(db, done) == 0 {
        assert!(Instant::now() < deadline, "nothing was ingested");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let committed = count(db, done);
    assert!(committed > 0);
    assert!(
        files(&inbox.join("cur")) < committed as usize,
        "killed after a commit and before its files moved ({committed} committed, {} moved)",
        files(&inbox.join("cur"))
    );

    // Again, until every file has left new/.
    let mut child = run(dir.path(), &config);
    let deadline = Instant::now() + Duration::from_secs(300);
    while files(&inbox.join("new")) > 0 {
        assert!(
            Instant::now() < deadline,
            "not every message was taken in; log in {}",
            dir.path().display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().expect("wait");

    assert_eq!(count(db, "SELECT COUNT(*) FROM messages"), N as i64);
    assert_eq!(count(db, done), N as i64);
    assert_eq!(count(db, "SELECT COUNT(*) FROM cases"), N as i64);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM (SELECT complainant FROM cases GROUP BY complainant HAVING COUNT(*) > 1)"
        ),
        0,
        "no complainant has two cases"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM outbox WHERE template = 'acknowledgement'"
        ),
        N as i64,
        "one acknowledgement per complaint"
    );
    assert_eq!(files(&inbox.join("cur")), N);
}

/// A mail to several members of staff is rendered once: only their tokens
/// differ, and each gets their own.
#[tokio::test]
async fn a_template_is_rendered_once_for_all_the_staff_it_goes_to() {
    let mut app = TestApp::spawn_with(
        "provider-b",
        "2026-11-23T10:00:00Z",
        "[templates]\ndir = \"mine\"",
    )
    .await;
    let mine = app.dir.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    let built_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/en/new_case_notice.hbs"),
    )
    .expect("read template");
    std::fs::write(
        mine.join("new_case_notice.hbs"),
        format!("{built_in}Reply token: {{{{token}}}}.\n{{{{counted}}}}\n"),
    )
    .expect("write");
    app.restart().await;
    let renders = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = renders.clone();
    app.app.templates.register_helper(
        "counted",
        move |_: &Helper<'_>,
              _: &Handlebars<'_>,
              _: &Context,
              _: &mut RenderContext<'_, '_>,
              _: &mut dyn Output|
              -> HelperResult {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        },
    );
    let reference = match app.deliver(&complaint(1)).await {
        Ingested::Opened(r) => r,
        other => panic!("expected a new case, got {other:?}"),
    };
    let notices: Vec<_> = app
        .sent()
        .await
        .into_iter()
        .filter(|r| r.template == "new_case_notice")
        .collect();
    assert!(
        notices.len() >= 2,
        "the quality team is two people: {notices:?}"
    );
    // Text and HTML are two renderings of one template.
    assert_eq!(
        renders.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "rendered once for {} recipients",
        notices.len()
    );
    let mut tokens = Vec::new();
    for r in &notices {
        let m = complaintd::core::mail::parse(&r.raw).expect("a whole message");
        assert!(m.subject.contains(&reference), "{}", m.subject);
        let text = String::from_utf8_lossy(&r.raw).into_owned();
        assert!(!text.contains("tokenslot"), "the slot was filled: {text}");
        let token = text
            .split("Reply token: ")
            .nth(1)
            .and_then(|t| t.split('.').next())
            .expect("the token line")
            .to_string();
        assert!(token.len() >= 16, "{token:?}");
        // The same token as in the Reply-To address, which is built apart
        // (the only header of this mail that carries one).
        let headers = text.split("\r\n\r\n").next().expect("headers");
        assert!(headers.contains(&token), "{headers} / {token}");
        tokens.push(token);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), notices.len(), "each has a token of their own");
}
