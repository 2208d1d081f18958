//! Floods against staff and against one domain (issue 9, item 6): each test
//! replays one of the four floods the attacker probe measured, through the
//! real ingest and store, and checks that staff get a bounded number of mails
//! (the rest folded into one summary notice and the digest), that a cap never
//! withholds an acknowledgement without a trace in the audit and the digest,
//! and that every case still opens with its clock running.

use crate::harness::*;
use chrono::Duration;
use complaintd::store::OutboxRow;
use complaintd::work::ingest::Ingested;

const PRIYA: &str = "priya.desai@provider-b.example.test";
/// The template name of the summary notice that stands for folded mail.
const SUMMARY: &str = "flood_summary";
/// The documented defaults of `[limits]` (README): notifications one member
/// of staff gets per hour about one case, and about one outside sender's
/// messages; automatic replies to one (non-free-mail) domain per hour.
const STAFF_PER_CASE_PER_HOUR: usize = 5;
const STAFF_PER_SENDER_PER_HOUR: usize = 10;
const AUTO_PER_DOMAIN_PER_HOUR: usize = 20;

fn is_staff(app: &TestApp, r: &OutboxRow) -> bool {
    app.app.directory.by_email(&r.recipient).is_some()
}

async fn staff_mail(app: &TestApp) -> Vec<OutboxRow> {
    app.sent()
        .await
        .into_iter()
        .filter(|r| is_staff(app, r))
        .collect()
}

/// Mails per staff recipient, and how many of them were summary notices.
async fn per_staff(app: &TestApp) -> std::collections::BTreeMap<String, (usize, usize)> {
    let mut m = std::collections::BTreeMap::new();
    for r in staff_mail(app).await {
        let e = m.entry(r.recipient.clone()).or_insert((0, 0));
        e.0 += 1;
        if r.template == SUMMARY {
            e.1 += 1;
        }
    }
    m
}

/// The digest's list of what the flood limits held back.
async fn held_in_digest(app: &TestApp) -> String {
    complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest")
        .sections
        .iter()
        .filter(|s| s.title.starts_with("Held back by flood limits"))
        .flat_map(|s| s.lines.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

fn complaint(from: &str, i: usize) -> Vec<u8> {
    message(
        from,
        &format!("Complaint number {i}"),
        "I am not happy with my coaching and I want an explanation of why nothing was done.",
        &format!("flood-{i}@mail.test"),
    )
}

#[tokio::test]
async fn a_hundred_complaints_from_one_sender_do_not_make_five_hundred_staff_mails() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..100 {
        let out = app
            .deliver(&complaint("Flood <flood@attacker.test>", i))
            .await;
        assert!(matches!(out, Ingested::Opened(_)), "{i}: {out:?}");
        app.advance(Duration::seconds(20));
    }
    // Every complaint is a case with its clock running, whatever was folded.
    let cases = app.app.store.list_cases(None).await.expect("cases");
    assert_eq!(cases.len(), 100);
    assert!(cases.iter().all(|c| !c.deadlines.is_empty()), "clocks run");
    let staff = staff_mail(&app).await;
    let per = per_staff(&app).await;
    println!(
        "100 complaints from one sender: {} staff mails, per recipient (mails, summaries) {per:?}",
        staff.len()
    );
    let limit = STAFF_PER_SENDER_PER_HOUR;
    for (who, (n, summaries)) in &per {
        assert!(
            *n <= limit + 1,
            "{who} got {n} mails (limit {limit} + 1 summary): {per:?}"
        );
        assert!(*summaries <= 1, "{who}: one summary, not {summaries}");
    }
    assert!(
        staff.len() <= per.len() * (limit + 1),
        "{} staff mails",
        staff.len()
    );
    assert!(
        per.values().any(|(_, s)| *s == 1),
        "a summary notice tells staff that more was folded: {per:?}"
    );
    let summary = app.last(SUMMARY, PRIYA).await;
    let summary = complaintd::core::mail::parse(&summary.raw).expect("parse summary");
    assert_eq!(
        summary.subject,
        "complaintd: further notifications about messages from flood@attacker.test are held back"
    );
    assert!(
        summary
            .text
            .contains("listed in the directors' daily digest"),
        "{}",
        summary.text
    );
    // What was folded is in the audit of its case and in the digest.
    let last = cases
        .iter()
        .find(|c| c.reference.to_string() == "PAR-2026-0100")
        .expect("last case");
    let audit = app
        .app
        .store
        .case_audit(&last.reference)
        .await
        .expect("audit");
    assert!(
        audit
            .iter()
            .any(|a| a.action == "rate limited" && a.detail.contains("flood@attacker.test")),
        "{audit:#?}"
    );
    let held = held_in_digest(&app).await;
    assert!(
        held.contains("handler_notification to priya.desai@provider-b.example.test: PAR-2026-0011 to PAR-2026-0100"),
        "{held}"
    );
}

#[tokio::test]
async fn fifty_forged_staff_messages_make_one_handful_of_not_trusted_notices() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&complaint("Jo <jo@mail.test>", 0)).await;
    let c = app.case("PAR-2026-0001").await;
    let handler = c.handler.clone().expect("a handler");
    let before = app.sent_to(&handler).await.len();
    for i in 0..50 {
        let forged = format!(
            "From: Priya Desai <{PRIYA}>\r\nTo: complaints@provider-b.example.test\r\nSubject: RE: [PAR-2026-0001] close it\r\nMessage-ID: <forged-{i}@evil.test>\r\n\r\n#close lessons: none needed\r\n"
        );
        assert_eq!(
            app.deliver(forged.as_bytes()).await,
            Ingested::Threaded("PAR-2026-0001".into())
        );
        app.advance(Duration::seconds(30));
    }
    let after = app.sent_to(&handler).await;
    let notices: Vec<_> = after
        .iter()
        .skip(before)
        .filter(|r| r.template == "unverified_sender")
        .collect();
    let summaries = after.iter().filter(|r| r.template == SUMMARY).count();
    let limit = STAFF_PER_CASE_PER_HOUR;
    println!(
        "50 forged staff messages: {} not-trusted notices, {summaries} summary",
        notices.len()
    );
    assert!(
        !notices.is_empty() && notices.len() <= limit,
        "{} not-trusted notices (limit {limit})",
        notices.len()
    );
    assert_eq!(summaries, 1, "one summary notice for the rest");
    // Every attempt is still on the record.
    let audit = app
        .app
        .store
        .case_audit(&cref("PAR-2026-0001"))
        .await
        .expect("db");
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "unverified staff message")
            .count(),
        50
    );
    assert!(audit.iter().any(|a| a.action == "rate limited"));
    let held = held_in_digest(&app).await;
    assert!(
        held.contains("unverified_sender to priya.desai@provider-b.example.test: PAR-2026-0001 ×"),
        "{held}"
    );
}

/// An auto-responder that sets none of the RFC 3834 headers, answering the
/// acknowledgement the way Outlook words it.
fn headerless_auto_reply(app: &TestApp, ack: &OutboxRow, i: usize, outlook: bool) -> Vec<u8> {
    let m = complaintd::core::mail::parse(&ack.raw).expect("parse ack");
    let subject = if outlook {
        format!("Automatic reply: {}", m.subject)
    } else {
        format!("Re: {}", m.subject)
    };
    format!(
        "From: Jo <jo@mail.test>\r\nTo: complaints@provider-b.example.test\r\nSubject: {subject}\r\nDate: {}\r\nMessage-ID: <auto-{i}-{outlook}@mail.test>\r\nIn-Reply-To: <{id}>\r\nReferences: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThank you for your email. I am out of the office until Monday {i} and will reply on my return.\r\n",
        app.now.to_rfc2822(),
        id = ack.message_id,
    )
    .into_bytes()
}

#[tokio::test]
async fn twenty_headerless_auto_replies_do_not_make_twenty_staff_mails() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    app.deliver(&complaint("Jo <jo@mail.test>", 0)).await;
    let ack = app.last("acknowledgement", "jo@mail.test").await;
    let before = staff_mail(&app).await.len();
    // Outlook-style: "Automatic reply:" answering our own mail is screened.
    for i in 0..20 {
        let out = app
            .deliver(&headerless_auto_reply(&app, &ack, i, true))
            .await;
        assert!(
            matches!(out, Ingested::Ignored { .. }),
            "{i}: an automatic reply to our mail is machine mail: {out:?}"
        );
        app.advance(Duration::seconds(30));
    }
    assert_eq!(staff_mail(&app).await.len(), before, "nothing for staff");
    // Nothing in the headers or subject gives it away: the per-case limit
    // folds the rest into one summary.
    for i in 0..20 {
        app.deliver(&headerless_auto_reply(&app, &ack, i, false))
            .await;
        app.advance(Duration::seconds(30));
    }
    let limit = STAFF_PER_CASE_PER_HOUR;
    let new: Vec<_> = staff_mail(&app).await.into_iter().skip(before).collect();
    println!(
        "20 Outlook-style + 20 subject-less header-less auto-replies: {} staff mails",
        new.len()
    );
    assert!(
        new.len() <= limit + 1,
        "{} staff mails for 20 auto-replies (limit {limit} + 1 summary)",
        new.len()
    );
    assert_eq!(new.iter().filter(|r| r.template == SUMMARY).count(), 1);
}

#[tokio::test]
async fn a_hundred_senders_at_one_domain_do_not_get_a_hundred_acknowledgements() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..100 {
        let from = format!("Person {i} <person{i}@victim.test>");
        let out = app.deliver(&complaint(&from, i)).await;
        assert!(matches!(out, Ingested::Opened(_)), "{i}: {out:?}");
        app.advance(Duration::seconds(20));
    }
    let acks = app
        .sent()
        .await
        .into_iter()
        .filter(|r| r.recipient.ends_with("@victim.test"))
        .count();
    println!("100 senders at one domain: {acks} acknowledgements");
    assert!(
        acks <= AUTO_PER_DOMAIN_PER_HOUR,
        "{acks} automatic mails to one domain in under an hour (limit {AUTO_PER_DOMAIN_PER_HOUR})"
    );
    // Every case opened with its clock; each withheld acknowledgement is in
    // its case's audit and in the digest.
    let cases = app.app.store.list_cases(None).await.expect("cases");
    assert_eq!(cases.len(), 100);
    assert!(cases.iter().all(|c| !c.deadlines.is_empty()));
    let audit = app
        .app
        .store
        .case_audit(&cref("PAR-2026-0100"))
        .await
        .expect("db");
    assert!(
        audit
            .iter()
            .any(|a| a.action == "rate limited" && a.detail.contains("victim.test")),
        "{audit:#?}"
    );
    // The handler hears of it at once, in the case's notification.
    let c = cases
        .iter()
        .find(|c| c.reference.to_string() == "PAR-2026-0100")
        .expect("case");
    let note = app
        .last(
            "handler_notification",
            c.handler.as_deref().expect("handler"),
        )
        .await;
    let text = complaintd::core::mail::parse(&note.raw)
        .expect("parse")
        .text;
    assert!(
        text.contains("NOT SENT because of a flood limit: acknowledgement to person99@victim.test"),
        "{text}"
    );
    let held = held_in_digest(&app).await;
    assert!(
        held.contains("automatic replies to addresses at victim.test: 80 held back")
            && held.contains("acknowledgement to person99@victim.test: PAR-2026-0100"),
        "{held}"
    );
}

#[tokio::test]
async fn a_hundred_people_at_a_free_mail_domain_are_all_acknowledged() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..100 {
        let from = format!("Person {i} <person{i}@gmail.com>");
        app.deliver(&complaint(&from, i)).await;
        app.advance(Duration::seconds(20));
    }
    let acks = app
        .sent()
        .await
        .into_iter()
        .filter(|r| r.recipient.ends_with("@gmail.com") && r.template == "acknowledgement")
        .count();
    assert_eq!(acks, 100, "ordinary people at gmail.com are not capped");
}

#[tokio::test]
async fn a_second_auto_submitted_field_is_read() {
    let app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let raw = "From: Jo <jo@mail.test>\r\nTo: complaints@provider-b.example.test\r\nSubject: Complaint about my course\r\nMessage-ID: <two-as@mail.test>\r\nAuto-Submitted: no\r\nAuto-Submitted: auto-replied\r\n\r\nI am not happy with my coaching and I want an explanation of why nothing was done.\r\n";
    let out = app.deliver(raw.as_bytes()).await;
    assert!(matches!(out, Ingested::Ignored { .. }), "{out:?}");
    app.send().await;
    assert!(app.sent().await.is_empty());
}

#[tokio::test]
async fn the_daily_digest_prunes_the_cap_ledger() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    for i in 0..3 {
        app.deliver(&complaint(&format!("P{i} <p{i}@mail.test>"), i))
            .await;
    }
    // Thursday 08:30: the digest goes, and counted mail older than two days
    // goes with it (nothing a limit reads is older than a day).
    app.now = t("2026-11-26T08:30:00Z");
    assert!(app.tick().await.digest_sent);
    assert_eq!(
        app.app
            .store
            .prune_cap_ledger(t("2026-11-24T08:30:00Z"))
            .await
            .expect("prune"),
        0,
        "already pruned by the digest"
    );
}
