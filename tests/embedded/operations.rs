//! Quarantine and replay, idempotence, loop and flood limits, forged
//! commands, export, the digest, and the command line around them.

use crate::harness::*;
use chrono::Duration;
use complaintd::work::ingest::{self, Ingested};
use std::process::Command;

#[tokio::test]
async fn bad_input_is_quarantined_listed_and_replayable() {
    let mut app = TestApp::spawn_with(
        "provider-b",
        "2026-11-23T10:00:00Z",
        "[templates]\ndir = \"mine\"",
    )
    .await;
    assert!(
        matches!(app.deliver(b"").await, Ingested::Quarantined(_))
            || matches!(app.deliver(b"   ").await, Ingested::Quarantined(_))
    );
    // A template that fails at render time quarantines the message with the reason.
    let mine = app.dir.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(
        mine.join("acknowledgement.hbs"),
        "Subject: [{{case.reference}}] hi\n\n{{frobnicate case.reference}}\n",
    )
    .expect("write");
    app.restart().await;
    let raw = message(
        "Jo <jo@mail.test>",
        "Help",
        "I am not happy: my certificate is lost and I want to know why.",
        "q1@mail.test",
    );
    let out = app.deliver(&raw).await;
    let Ingested::Quarantined(reason) = out else {
        panic!("expected quarantine, got {out:?}")
    };
    assert!(reason.contains("acknowledgement"), "{reason}");
    assert!(app.sent().await.is_empty(), "nothing half-done was queued");
    let list = app.app.store.quarantine_list().await.expect("db");
    assert_eq!(list.len(), 2);
    // Still failing: replay reports it and changes nothing.
    let q = list
        .iter()
        .find(|q| q.reason.contains("acknowledgement"))
        .expect("entry")
        .id;
    assert!(ingest::replay(&app.app, q, app.now).await.is_err());
    // Fixed: replay opens the case and resolves the entry.
    std::fs::remove_file(mine.join("acknowledgement.hbs")).expect("rm");
    app.restart().await;
    let r = ingest::replay(&app.app, q, app.now).await.expect("replay");
    assert_eq!(r, Ingested::Opened("PAR-2026-0001".into()));
    assert_eq!(app.app.store.quarantine_list().await.expect("db").len(), 1);
    // Ingesting the same message again changes nothing.
    assert_eq!(app.deliver(&raw).await, Ingested::Duplicate);
}

#[tokio::test]
async fn floods_are_capped_per_recipient() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..12 {
        let raw = message(
            "Loop <loop@mail.test>",
            &format!("Complaint {i}"),
            "I am not happy and want an explanation of why nothing was done.",
            &format!("f{i}@mail.test"),
        );
        app.deliver(&raw).await;
        app.advance(Duration::minutes(1));
    }
    app.send().await;
    let to_sender = app.sent_to("loop@mail.test").await.len();
    assert_eq!(
        to_sender, 5,
        "at most 5 automatic mails per recipient per hour"
    );
    let audit = app
        .app
        .store
        .case_audit(&cref("PAR-2026-0012"))
        .await
        .expect("db");
    assert!(audit.iter().any(|a| a.action == "rate limited"));
}

#[tokio::test]
async fn forged_handler_command_is_recorded_not_executed() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&message(
        "Jo <jo@mail.test>",
        "Fee",
        "I was charged twice and want a refund and an explanation.",
        "g1@mail.test",
    ))
    .await;
    app.send().await;
    // A forger writes as the handler, with the case tag but no token.
    let forged = "From: Priya Desai <priya.desai@provider-b.example.test>\r\nTo: complaints@provider-b.example.test\r\nSubject: RE: [PAR-2026-0001] close it\r\nMessage-ID: <forged@evil.test>\r\n\r\n#close lessons: none needed\r\n";
    assert_eq!(
        app.deliver(forged.as_bytes()).await,
        Ingested::Threaded("PAR-2026-0001".into())
    );
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    assert_eq!(c.state.as_str(), "open");
    let audit = app
        .app
        .store
        .case_audit(&cref("PAR-2026-0001"))
        .await
        .expect("db");
    assert!(audit
        .iter()
        .any(|a| a.action == "unverified staff message" && a.actor.starts_with("UNVERIFIED")));
    assert!(app
        .sent()
        .await
        .iter()
        .any(|r| r.template == "unverified_sender"));
}

#[tokio::test]
async fn own_mail_is_never_answered() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let raw = message(
        "Complaints <complaints@provider-b.example.test>",
        "Your complaint",
        "We are not happy to report a delay.",
        "own@provider-b.example.test",
    );
    assert!(matches!(app.deliver(&raw).await, Ingested::Ignored { .. }));
    app.send().await;
    assert!(app.sent().await.is_empty());
}

#[tokio::test]
async fn digest_lists_health_and_cases_and_goes_once_a_day() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T07:00:00Z").await;
    app.deliver(b"").await;
    app.deliver(&message(
        "Jo <jo@mail.test>",
        "Fee",
        "I was charged twice and want a refund and an explanation.",
        "d1@mail.test",
    ))
    .await;
    app.advance(Duration::hours(1) + Duration::minutes(5));
    let r = app.tick().await;
    assert!(r.digest_sent);
    assert!(!app.tick().await.digest_sent, "once a day");
    let digest = app
        .last("daily_digest", "ben.carter@provider-b.example.test")
        .await;
    let text = describe(&digest);
    assert!(text.contains("Pipeline health"));
    assert!(text.contains("1 message(s) in quarantine"));
    assert!(text.contains("PAR-2026-0001 complaint from Jo"));
    // Saturday: no digest.
    app.now = t("2026-11-28T09:00:00Z");
    assert!(!app.tick().await.digest_sent);
}

#[tokio::test]
async fn a_digest_that_fails_to_render_is_sent_once_the_template_is_fixed() {
    let mut app = TestApp::spawn_with(
        "provider-b",
        "2026-11-23T07:00:00Z",
        "[templates]\ndir = \"mine\"",
    )
    .await;
    let mine = app.dir.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(
        mine.join("daily_digest.hbs"),
        "Subject: Digest {{digest.date}}\n\n{{frobnicate digest.date}}\n",
    )
    .expect("write");
    app.restart().await;
    app.advance(Duration::hours(1) + Duration::minutes(5));
    let r = app.tick().await;
    assert!(!r.digest_sent);
    assert!(
        r.errors.iter().any(|e| e.contains("daily_digest")),
        "{:?}",
        r.errors
    );
    let to = "ben.carter@provider-b.example.test";
    assert!(app.sent_to(to).await.is_empty());
    // Fixed: the same day's digest goes at the next tick, once.
    std::fs::remove_file(mine.join("daily_digest.hbs")).expect("rm");
    app.restart().await;
    app.advance(Duration::minutes(1));
    assert!(app.tick().await.digest_sent, "today's digest was not lost");
    assert!(!app.tick().await.digest_sent, "once a day");
    let digests = app.sent_to(to).await;
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].template, "daily_digest");
}

#[tokio::test]
async fn export_writes_the_customer_folder() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&message(
        "Jennifer Saunders <jen@mail.test>",
        "Fee",
        "I was charged twice and want a refund and an explanation.",
        "e1@mail.test",
    ))
    .await;
    app.send().await;
    let out = tempfile::tempdir().expect("tempdir");
    let folder = complaintd::work::export::export(&app.app, &cref("PAR-2026-0001"), out.path())
        .await
        .expect("export");
    assert_eq!(
        folder.file_name().and_then(|n| n.to_str()),
        Some("Jennifer Saunders 23-11-2026")
    );
    let record = std::fs::read_to_string(folder.join("case-record.txt")).expect("record");
    assert!(record.contains("Audit trail"));
    assert!(record.contains("received"));
    let emls = std::fs::read_dir(&folder)
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
        })
        .count();
    assert!(emls >= 3, "original message plus outgoing mail");
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_complaintd"))
}

#[test]
fn command_line_ingest_tick_cases_quarantine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "provider-b", "");
    let secret = "x".repeat(40);
    let run = |args: &[&str]| {
        let out = bin()
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("COMPLAINTD_SECRET", &secret)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    secret_from_env(&config);
    let mail = dir.path().join("in");
    std::fs::create_dir_all(&mail).expect("mkdir");
    std::fs::write(
        mail.join("1.eml"),
        message(
            "Jo <jo@mail.test>",
            "Fee",
            "I was charged twice and want a refund and an explanation.",
            "c1@mail.test",
        ),
    )
    .expect("write");
    std::fs::write(mail.join("2.eml"), b"").expect("write");
    let (code, out, err) = run(&[
        "ingest",
        "--now",
        "2026-11-23T10:00:00Z",
        mail.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("1 new case(s)") && out.contains("1 quarantined"),
        "{out}"
    );
    let (_, out, _) = run(&["cases", "list", "--json"]);
    let v: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("a case")).expect("json");
    assert_eq!(v["reference"], "PAR-2026-0001");
    assert_eq!(v["state"], "open");
    let (_, out, _) = run(&["cases", "show", "PAR-2026-0001"]);
    assert!(out.contains("acknowledged"), "{out}");
    // States and references are typed at the command line: a misspelt state
    // is an error, not an empty list; a reference is read as one.
    let (_, out, _) = run(&["cases", "list", "--state", "open"]);
    assert!(out.contains("PAR-2026-0001"), "{out}");
    let (code, _, err) = run(&["cases", "list", "--state", "opne"]);
    assert_ne!(code, Some(0));
    assert!(err.contains("not a case state"), "{err}");
    let (_, out, _) = run(&["cases", "show", "par-2026-0001"]);
    assert!(out.contains("acknowledged"), "{out}");
    let (_, out, _) = run(&["quarantine", "list"]);
    assert!(out.contains("1 message(s) in quarantine"), "{out}");
    let (code, out, _) = run(&["status", "--json"]);
    assert_eq!(
        code,
        Some(1),
        "a quarantined message makes status unhealthy: {out}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("status json");
    assert_eq!(v["quarantined"], 1);
    assert_eq!(v["outbox"]["sent"].as_i64().map(|n| n > 0), Some(true));
    let (_, out, _) = run(&["status"]);
    assert!(
        out.contains("complaintd status: 1 message(s) in quarantine"),
        "{out}"
    );
    let (code, out, _) = run(&["tick", "--now", "2026-12-01T17:31:00Z"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("1 deadline(s)"), "{out}");
    let (_, out, _) = run(&["digest", "--preview", "--now", "2026-12-02T09:00:00Z"]);
    assert!(
        out.contains("Breached") && out.contains("PAR-2026-0001"),
        "{out}"
    );
    let outdir = dir.path().join("export");
    let (code, out, _) = run(&[
        "cases",
        "export",
        "PAR-2026-0001",
        "--out",
        outdir.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(outdir
        .join("Jo 23-11-2026")
        .join("case-record.txt")
        .exists());
}

#[test]
fn demo_runs_from_scratch_quickly_and_covers_the_procedure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo_dir = dir.path().join("demo");
    let started = std::time::Instant::now();
    let out = bin()
        .args(["demo", "--dir"])
        .arg(&demo_dir)
        .output()
        .expect("run demo");
    let secs = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "acknowledgement",
        "handler notification",
        "stage response",
        "Stage 2",
        "delay notice",
        "chase up",
        "breach alert",
        "consent request",
        "anonymous decision request",
        "appeals redirect",
        "compliment thanks",
        "auto_reply: recorded",
        "bounce: recorded",
        "Digest for",
        "lessons request",
        "database",
        "outgoing Maildir",
    ] {
        assert!(text.contains(expected), "demo output lacks {expected:?}");
    }
    assert!(text.matches("Digest for").count() >= 2, "two digests shown");
    assert!(demo_dir.join("provider-b/complaintd.sqlite").exists());
    assert!(
        std::fs::read_dir(demo_dir.join("provider-b/outgoing/new"))
            .expect("maildir")
            .count()
            > 10
    );
    assert!(secs < 10.0, "demo took {secs:.1}s");
    // The commands the demo suggests work from any other folder: the config's
    // relative paths (its secret file among them) are the config's own.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let suggested: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("try: complaintd --config "))
        .collect();
    assert_eq!(suggested.len(), 2, "one suggestion per provider: {text}");
    for line in suggested {
        let config = line.strip_suffix(" cases list").expect("suggested command");
        let out = bin()
            .current_dir(elsewhere.path())
            .args(["--config", config, "cases", "list"])
            .output()
            .expect("run suggestion");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("-2026-0001"),
            "`complaintd --config {config} cases list` from another folder: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Running it again reuses its own folder.
    assert!(bin()
        .args(["demo", "--dir"])
        .arg(&demo_dir)
        .output()
        .expect("run")
        .status
        .success());
}

#[tokio::test]
async fn maildir_source_takes_in_new_mail_after_commit() {
    let (app, inbox) =
        TestApp::spawn_with_maildir_inbox("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..3 {
        let raw = message(
            "Jo <jo@mail.test>",
            &format!("Issue {i}"),
            "I am not happy and want an explanation.",
            &format!("m{i}@mail.test"),
        );
        std::fs::write(inbox.join("new").join(format!("{i}.eml")), raw).expect("write");
    }
    let mb = app.app.loaded.config.mailboxes[0].clone();
    let r = complaintd::mail::maildir_source::poll(&app.app, &mb, app.now, None).await;
    assert_eq!((r.ingested, r.failed), (3, 0));
    assert_eq!(
        std::fs::read_dir(inbox.join("new")).expect("new").count(),
        0
    );
    assert_eq!(
        std::fs::read_dir(inbox.join("cur")).expect("cur").count(),
        3
    );
    assert_eq!(app.app.store.list_cases(None).await.expect("db").len(), 3);
    let health = app.app.store.fetch_states().await.expect("db");
    assert_eq!(health[0].mailbox, "complaints");
    assert_eq!(health[0].last_success_at, Some(app.now));
    // Polling again finds nothing new.
    assert_eq!(
        complaintd::mail::maildir_source::poll(&app.app, &mb, app.now, None)
            .await
            .ingested,
        0
    );
}

/// Standard output whose reader has already gone, as after `| head`.
fn closed_stdout() -> std::process::Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer.into()
}

#[test]
fn commands_exit_quietly_when_their_output_closes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "provider-b", "");
    secret_from_env(&config);
    let mail = dir.path().join("in");
    std::fs::create_dir_all(&mail).expect("mkdir");
    for i in 0..5 {
        std::fs::write(
            mail.join(format!("{i}.eml")),
            message(
                &format!("Person {i} <p{i}@mail.test>"),
                "Fee",
                "I was charged twice and want a refund and an explanation.",
                &format!("pipe{i}@mail.test"),
            ),
        )
        .expect("write");
    }
    let run = |args: &[&str]| {
        bin()
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("COMPLAINTD_SECRET", "x".repeat(40))
            .stdout(closed_stdout())
            .output()
            .expect("run")
    };
    let mail_arg = mail.to_str().expect("utf-8");
    for args in [
        &["ingest", "--now", "2026-11-23T10:00:00Z", mail_arg][..],
        &["cases", "list"][..],
        &["cases", "show", "PAR-2026-0001"][..],
        &["classify", "--json", mail_arg][..],
        &["digest", "--preview", "--now", "2026-11-24T09:00:00Z"][..],
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && err.is_empty(),
            "{args:?} with its output closed: {:?} {err}",
            out.status
        );
    }
    // The closed pipe did not cut the ingest short: every message is a case.
    let out = bin()
        .arg("--config")
        .arg(&config)
        .args(["cases", "list", "--json"])
        .env("COMPLAINTD_SECRET", "x".repeat(40))
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
    let demo = bin()
        .args(["demo", "--dir"])
        .arg(dir.path().join("demo"))
        .stdout(closed_stdout())
        .output()
        .expect("demo");
    assert!(
        demo.status.success() && demo.stderr.is_empty(),
        "demo with its output closed: {}",
        String::from_utf8_lossy(&demo.stderr)
    );
}
