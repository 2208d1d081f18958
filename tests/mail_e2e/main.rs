//! End to end through the real servers: Postfix and Dovecot on loopback
//! (`scripts/mail-stack`), driving the real `complaintd run` binary.

#[path = "../common/mod.rs"]
mod common;
mod delivery;
mod faults;
mod intents;
mod languages;
mod oauth;
mod replies;
mod stack;

use stack::*;
use std::time::Duration;

const POLICY_B: &str = include_str!("../../examples/provider-b/policy.toml");

fn complaint(from: &str, subject: &str, body: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: complaints@example.test\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

const BODY: &str = "My coach has cancelled three sessions without notice and nobody has rebooked them. I am not happy and want to know what will be done.";

fn tagged(raw: &[u8]) -> Option<String> {
    let s = subject(raw);
    let start = s.find("[PAR-")? + 1;
    let end = s[start..].find([']', ' '])? + start;
    Some(s[start..end].to_string())
}

/// The address in a message's Reply-To (plus-addressed, with a token for staff).
fn reply_address(raw: &[u8]) -> String {
    parse(raw).reply_to.map(|m| m.address).expect("Reply-To")
}

/// Reply as Outlook does: RE: on the subject, to the Reply-To, no
/// References or In-Reply-To, the quoted history below.
fn outlook_reply(to: &[u8], from: &str, body: &str, id: &str) -> Vec<u8> {
    let m = parse(to);
    let reply_to = reply_address(to);
    format!(
        "From: {from}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\n________________________________\r\nFrom: Example Training <complaints@example.test>\r\nSent: 23 November 2026 10:00\r\nTo: {from}\r\nSubject: {}\r\n\r\n{}\r\n",
        m.subject,
        m.subject,
        m.text.lines().take(8).collect::<Vec<_>>().join("\r\n"),
    )
    .into_bytes()
}

fn gmail_reply(to: &[u8], from: &str, body: &str, id: &str) -> Vec<u8> {
    let m = parse(to);
    let reply_to = reply_address(to);
    let mid = m.message_id.clone().unwrap_or_default();
    format!(
        "From: {from}\r\nTo: {reply_to}\r\nSubject: Re: {}\r\nMessage-ID: <{id}>\r\nIn-Reply-To: <{mid}>\r\nReferences: <{mid}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\nOn Mon, 23 Nov 2026 at 10:00, Example Training wrote:\r\n> {}\r\n",
        m.subject,
        m.text.lines().next().unwrap_or("")
    )
    .into_bytes()
}

fn with_template<'a>(msgs: &'a [Vec<u8>], starts: &str) -> Vec<&'a Vec<u8>> {
    msgs.iter()
        .filter(|m| subject(m).contains(starts))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complaint_response_and_escalation_through_real_servers() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();

    // 1. A complaint by SMTP: acknowledgement to the complainant, notification to the handler.
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &complaint(
            "Alice Smith <alice@example.test>",
            "Sessions cancelled",
            BODY,
            "e2e-a1@example.test",
        ),
    )
    .await;
    let alice = wait_inbox(s, "alice", 20, "the acknowledgement", |m| {
        !with_template(m, "We have received").is_empty()
    })
    .await;
    let ack = with_template(&alice, "We have received")[0].clone();
    let reference = tagged(&ack).expect("case tag in the subject");
    assert_eq!(parse(&ack).header("auto-submitted"), Some("auto-replied"));
    let handler = wait_inbox(s, "handler", 20, "the handler notification", |m| {
        m.iter().any(|x| subject(x).contains(&reference))
    })
    .await;
    let note = handler
        .iter()
        .find(|x| subject(x).contains("for you"))
        .expect("notification")
        .clone();

    // 2. The handler replies as Outlook does: nothing goes yet; she is asked
    //    and answers SEND; the complainant gets the stage response with the
    //    next-stage contact and without the quoted history.
    smtp_send(s, "handler@example.test", &[&reply_address(&note)], &outlook_reply(&note, "Hannah Handler <handler@example.test>", "Dear Alice,\r\n\r\nI am sorry. Your sessions are rebooked for Thursday at 10:00.\r\n\r\nHannah", "e2e-h1@example.test")).await;
    let handler = wait_inbox(s, "handler", 20, "the draft's confirmation", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && subject(x).contains("draft 1"))
    })
    .await;
    let confirm = handler
        .iter()
        .find(|x| subject(x).contains("draft 1"))
        .expect("confirmation")
        .clone();
    smtp_send(
        s,
        "handler@example.test",
        &[&reply_address(&confirm)],
        &outlook_reply(
            &confirm,
            "Hannah Handler <handler@example.test>",
            "SEND",
            "e2e-h1s@example.test",
        ),
    )
    .await;
    let alice = wait_inbox(s, "alice", 20, "the stage response", |m| {
        !with_template(m, "Our response").is_empty()
    })
    .await;
    let resp = parse(with_template(&alice, "Our response")[0]);
    assert!(
        resp.text
            .contains("Your sessions are rebooked for Thursday at 10:00."),
        "{}",
        resp.text
    );
    assert!(
        resp.text.contains("handler2@example.test"),
        "names the stage 2 contact: {}",
        resp.text
    );
    assert!(
        !resp.text.contains("Sent: 23 November"),
        "quoted history leaked: {}",
        resp.text
    );
    assert!(!resp.text.contains("for you"), "notification text leaked");

    // 3. "Not satisfied because…": stage 2 acknowledged the same day, new handler notified.
    let resp_raw = with_template(&alice, "Our response")[0].clone();
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &gmail_reply(
            &resp_raw,
            "Alice Smith <alice@example.test>",
            "I'm not satisfied because nobody has called me and Thursday was cancelled too.",
            "e2e-a2@example.test",
        ),
    )
    .await;
    wait_inbox(s, "alice", 20, "the stage 2 acknowledgement", |m| {
        with_template(m, "We have received").len() == 2
    })
    .await;
    wait_inbox(s, "handler2", 20, "the stage 2 notification", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && subject(x).contains("Stage 2"))
    })
    .await;
    let cases = app.cases();
    let case = cases
        .iter()
        .find(|c| c["reference"] == reference.as_str())
        .expect("case");
    assert_eq!(case["stage"], "stage2");

    // Graceful stop.
    let st = app.stop();
    assert!(st.success(), "exit status {st:?}\n{}", app.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vacation_responder_gets_one_acknowledgement_and_no_loop() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();
    smtp_send(
        s,
        "ooo@example.test",
        &["complaints@example.test"],
        &complaint(
            "Olly Away <ooo@example.test>",
            "Certificate",
            BODY,
            "e2e-o1@example.test",
        ),
    )
    .await;
    let ooo = wait_inbox(s, "ooo", 20, "the acknowledgement", |m| {
        !with_template(m, "We have received").is_empty()
    })
    .await;
    let reference = tagged(&ooo[0]).expect("tag");
    // complaintd's own mail carries Auto-Submitted and X-Auto-Response-Suppress,
    // and Pigeonhole honours both: the responder stays silent (its log says so).
    // A person writing from the shared mailbox by hand gets the vacation
    // reply, which lands in complaints@, and complaintd must not answer it.
    let manual = format!("From: Complaints <complaints@example.test>\r\nTo: ooo@example.test\r\nSubject: [{reference}] Can we call you on Thursday?\r\nMessage-ID: <e2e-o2@example.test>\r\n\r\nCan we call you on Thursday?\r\n");
    smtp_send(
        s,
        "complaints@example.test",
        &["ooo@example.test"],
        manual.as_bytes(),
    )
    .await;
    wait_inbox(s, "complaints", 30, "the vacation reply", |m| {
        m.iter().any(|x| subject(x).contains("Out of office"))
    })
    .await;
    wait_for(20, "the vacation reply to be taken in", || {
        app.log().contains("AutoReply")
    })
    .await;
    // Give a loop every chance to start, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ooo = inbox(s, "ooo").await;
    let subjects: Vec<String> = ooo.iter().map(|m| subject(m)).collect();
    assert_eq!(
        with_template(&ooo, "We have received").len(),
        1,
        "exactly one acknowledgement: {subjects:?}"
    );
    assert_eq!(
        ooo.len(),
        2,
        "the acknowledgement and the manual mail, nothing else: {subjects:?}"
    );
    let complaints = inbox(s, "complaints").await;
    assert_eq!(
        complaints
            .iter()
            .filter(|m| subject(m).contains("Out of office"))
            .count(),
        1,
        "one vacation reply"
    );
    assert_eq!(app.cases().len(), 1, "the vacation reply opened no case");
    let out = app.audit(&reference);
    let to_ooo = out["outgoing"]
        .as_array()
        .map(|v| v.iter().filter(|o| o["to"] == "ooo@example.test").count())
        .unwrap_or(0);
    assert_eq!(to_ooo, 1, "complaintd sent ooo only the acknowledgement");
    app.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounce_is_recorded_against_its_case_and_not_answered() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();
    // A complaint "from" an address that does not exist: our acknowledgement bounces.
    smtp_send(
        s,
        "nosuch@example.test",
        &["complaints@example.test"],
        &complaint(
            "Nobody <nosuch@example.test>",
            "Refund",
            BODY,
            "e2e-b1@example.test",
        ),
    )
    .await;
    wait_inbox(s, "complaints", 30, "the DSN", |m| {
        m.iter().any(|x| subject(x).contains("Undelivered Mail"))
    })
    .await;
    wait_for(30, "the bounce to be recorded against the case", || {
        app.cases().first().is_some_and(|c| {
            let a = app.audit(c["reference"].as_str().unwrap_or(""));
            a["audit"]
                .as_array()
                .is_some_and(|v| v.iter().any(|e| e["action"] == "bounce received"))
        })
    })
    .await;
    assert_eq!(app.cases().len(), 1, "the bounce opened no case");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let c = &app.cases()[0];
    let shown = app.audit(c["reference"].as_str().unwrap_or(""));
    let to_daemon = shown["outgoing"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter(|o| {
                    o["to"]
                        .as_str()
                        .is_some_and(|t| t.contains("mailer-daemon"))
                })
                .count()
        })
        .unwrap_or(0);
    assert_eq!(to_daemon, 0, "nothing was sent to the mailer daemon");
    app.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_handler_command_is_not_executed() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();
    smtp_send(
        s,
        "bob@example.test",
        &["complaints@example.test"],
        &complaint(
            "Bob Jones <bob@example.test>",
            "Fees",
            BODY,
            "e2e-f1@example.test",
        ),
    )
    .await;
    let bob = wait_inbox(s, "bob", 20, "the acknowledgement", |m| !m.is_empty()).await;
    let reference = tagged(&bob[0]).expect("tag");
    // Someone else writes as the handler, with the case tag but no token.
    let forged = format!("From: Hannah Handler <handler@example.test>\r\nTo: complaints@example.test\r\nSubject: RE: [{reference}] close\r\nMessage-ID: <e2e-forged@evil.test>\r\n\r\n#close lessons: nothing to learn\r\n");
    smtp_send(
        s,
        "handler@example.test",
        &["complaints@example.test"],
        forged.as_bytes(),
    )
    .await;
    wait_for(20, "the forged command to be recorded", || {
        let a = app.audit(&reference);
        a["audit"]
            .as_array()
            .is_some_and(|v| v.iter().any(|e| e["action"] == "unverified staff message"))
    })
    .await;
    let c = app
        .cases()
        .into_iter()
        .find(|c| c["reference"] == reference.as_str())
        .expect("case");
    assert_eq!(c["state"], "open", "nothing executed");
    wait_inbox(s, "handler", 20, "the warning to the real handler", |m| {
        m.iter().any(|x| subject(x).contains("was not trusted"))
    })
    .await;
    app.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_message_is_taken_from_its_headers() {
    let (s, _g) = stack().await;
    purge_all(s);
    let app = Instance::new(s, POLICY_B);
    let text = std::fs::read_to_string(&app.config).expect("config");
    std::fs::write(
        &app.config,
        format!("{text}\n[limits]\nmax_message_bytes = 4000\n"),
    )
    .expect("config");
    let mut app = app;
    let big = format!(
        "{BODY}\r\n\r\n{}",
        "Attached evidence follows. ".repeat(400)
    );
    append(
        s,
        "complaints",
        &complaint(
            "Bob Big <bob@example.test>",
            "Evidence attached",
            &big,
            "e2e-big@example.test",
        ),
    )
    .await;
    app.start();
    let ok = tokio::time::timeout(Duration::from_secs(30), async {
        while app.cases().len() != 1 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(
        ok.is_ok(),
        "no case from the oversized message:\n{}",
        app.log()
    );
    let handler = wait_inbox(s, "handler", 30, "the notification", |m| {
        m.iter().any(|x| subject(x).contains("for you"))
    })
    .await;
    let note = handler
        .iter()
        .find(|x| subject(x).contains("for you"))
        .expect("notification");
    let text = parse(note).text;
    assert!(text.contains("over the limit of 4000 bytes"), "{text}");
    assert!(
        !text.contains("Attached evidence follows"),
        "the body was not downloaded"
    );
    app.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uidvalidity_change_loses_and_doubles_nothing() {
    let (s, _g) = stack().await;
    purge_all(s);
    let user = "complaints@example.test";
    let _ = std::process::Command::new("doveadm")
        .args([
            "-c",
            &s.get("STACK_DOVECOT_CONF"),
            "mailbox",
            "delete",
            "-u",
            user,
            "Feedback",
        ])
        .status();
    doveadm(s, &["mailbox", "create", "-u", user, "Feedback"]);
    let msg = |i: usize| {
        complaint(
            &format!("Bob {i} <bob+v{i}@example.test>"),
            &format!("V {i}"),
            BODY,
            &format!("e2e-v{i}@example.test"),
        )
    };
    for i in 0..3 {
        append_to(s, "complaints", "Feedback", &msg(i)).await;
    }
    let app = Instance::new(s, POLICY_B);
    let text = std::fs::read_to_string(&app.config).expect("config");
    std::fs::write(
        &app.config,
        text.replace(
            "poll_seconds = 30",
            "folder = \"Feedback\"\npoll_seconds = 2",
        ),
    )
    .expect("config");
    let mut app = app;
    app.start();
    wait_for(30, "the first three", || app.cases().len() == 3).await;
    // The folder is recreated (new UIDVALIDITY, UIDs start again at 1) with
    // the same three messages and one new one.
    doveadm(s, &["mailbox", "delete", "-u", user, "Feedback"]);
    doveadm(s, &["mailbox", "create", "-u", user, "Feedback"]);
    for i in 0..4 {
        append_to(s, "complaints", "Feedback", &msg(i)).await;
    }
    wait_for(60, "the new message", || app.cases().len() >= 4).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        app.cases().len(),
        4,
        "the three old messages were not taken in twice"
    );
    app.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_signs_in_and_reports_the_servers_words() {
    let (s, _g) = stack().await;
    let app = Instance::new(s, POLICY_B);
    let out = app.command().arg("check").output().expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("mailbox complaints: signed in to localhost as complaints@example.test"),
        "{text}"
    );
    assert!(
        text.contains(
            "outbox.smtp: connected to localhost and signed in as complaints@example.test"
        ),
        "{text}"
    );
    let out = app
        .command()
        .arg("check")
        .env("TEST_MAIL_PASSWORD", "wrong")
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("login refused for complaints@example.test")
            && text.contains("AUTHENTICATIONFAILED"),
        "{text}"
    );
    assert!(
        text.contains("outbox.smtp") && text.contains("535"),
        "{text}"
    );
    assert!(!text.contains("wrong"), "the password is never printed");
    assert!(
        !text.contains("What to check"),
        "token hints are not given for passwords: {text}"
    );
}
