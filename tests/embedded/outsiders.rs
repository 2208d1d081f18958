//! Issue 9 items 3 and 4: nobody but the complainant (or a contact, or the
//! address complaintd wrote to) acts on a case by naming its guessable
//! reference, and nothing a handler's client quotes back runs as a command.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::mail;
use complaintd::work::ingest::Ingested;

const PRIYA: &str = "priya.desai@provider-b.example.test";
const JO: &str = "jo.learner@mail.test";
const MALLORY: &str = "mallory@elsewhere.test";

/// A fresh message that names a case only by its reference, in the subject
/// and in the plus-address, as anyone who guesses a reference can write.
fn naming(from: &str, reference: &str, body: &str, id: &str) -> Vec<u8> {
    format!(
        "From: Jo Learner <{from}>\r\nTo: complaints+{reference}@provider-b.example.test\r\nSubject: Re: [{reference}] Your complaint\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

async fn responded_case(app: &mut TestApp) -> String {
    app.deliver(&message(
        &format!("Jo Learner <{JO}>"),
        "Coaching sessions",
        "My coach has cancelled three sessions without notice and nobody has rebooked them. I want to know what will be done about it.\n\nJo",
        "first@mail.test",
    ))
    .await;
    app.send().await;
    app.advance(Duration::hours(2));
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&clicked(
        &note,
        "send",
        PRIYA,
        "Dear Jo,\n\nRebooked for Thursday.\n\nPriya",
        "reply-1@staff.test",
    ))
    .await;
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    assert_eq!(c.state.as_str(), "responded");
    "PAR-2026-0001".into()
}

#[tokio::test]
async fn a_stranger_naming_a_case_changes_nothing_and_is_labelled_as_a_third_party() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = responded_case(&mut app).await;
    let before = app.case(&r).await;
    app.advance(Duration::hours(20));
    let outcome = app
        .deliver(&naming(
            MALLORY,
            &r,
            "I am not satisfied with this at all and want it escalated to the next stage.",
            "m1@elsewhere.test",
        ))
        .await;
    assert_eq!(
        outcome,
        Ingested::Threaded(r.clone()),
        "recorded against the case"
    );
    app.send().await;
    let after = app.case(&r).await;
    assert_eq!(after, before, "a stranger changed the case");
    assert!(
        app.sent_to(JO).await.len() == 2,
        "no acknowledgement of a new stage went to the complainant"
    );
    // The handler sees it labelled with the real sender, not as "Jo wrote again".
    let notice = describe(&app.last("third_party_message", PRIYA).await);
    assert!(notice.contains(MALLORY), "{notice}");
    assert!(notice.contains("changed nothing"), "{notice}");
    assert!(!app
        .sent_to(PRIYA)
        .await
        .iter()
        .any(|m| m.template == "complainant_update"));
    let audit = app.app.store.case_audit(&cref(&r)).await.expect("audit");
    let entry = audit
        .iter()
        .find(|a| a.action == "third-party message")
        .expect("audited");
    assert_eq!(entry.actor, format!("THIRD PARTY {MALLORY}"));

    // The export keeps the message, as a third party's.
    let out = tempfile::tempdir().expect("tempdir");
    let folder = complaintd::work::export::export(&app.app, &cref(&r), out.path())
        .await
        .expect("export");
    let record = std::fs::read_to_string(folder.join("case-record.txt")).expect("record");
    assert!(record.contains("Third-party messages"), "{record}");
    assert!(record.contains(&format!("from {MALLORY}")), "{record}");
    let names: Vec<String> = std::fs::read_dir(&folder)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.contains("-received-third-party-"))
            .count(),
        1,
        "{names:?}"
    );

    // The complainant herself, writing fresh with the reference, still escalates.
    app.advance(Duration::hours(1));
    app.deliver(&naming(
        JO,
        &r,
        "I am not satisfied: nobody has called me.",
        "m2@mail.test",
    ))
    .await;
    let c = app.case(&r).await;
    assert_eq!((c.stage, c.state.as_str()), (1, "open"));
}

#[tokio::test]
async fn a_forwarded_reply_is_a_third_party_unless_a_handler_adds_the_contact() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = responded_case(&mut app).await;
    let resp = app.last("stage_response", JO).await;
    // Jo forwarded our response to her union rep, who answers it: the
    // Message-ID was issued to Jo, not to the rep.
    let rep = "rep@union.test";
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(
        &resp,
        rep,
        "On Jo's behalf: we are not satisfied and escalate.",
        2,
    ))
    .await;
    let c = app.case(&r).await;
    assert_eq!(c.stage, 0, "a forward gave the rep no standing");

    // The handler adds the rep as a contact (with the notification's token).
    let notice = app.last("third_party_message", PRIYA).await;
    app.deliver(&app.outlook_reply(&notice, PRIYA, &format!("#contact add {rep}"), 3))
        .await;
    let c = app.case(&r).await;
    assert_eq!(c.contacts, vec![rep.to_string()]);
    app.advance(Duration::hours(1));
    app.deliver(&naming(
        rep,
        &r,
        "We are not satisfied and escalate.",
        "rep2@union.test",
    ))
    .await;
    let c = app.case(&r).await;
    assert_eq!((c.stage, c.state.as_str()), (1, "open"));
    let audit = app.app.store.case_audit(&cref(&r)).await.expect("audit");
    assert!(audit
        .iter()
        .any(|a| a.actor == rep && a.action == "replied"));
}

#[tokio::test]
async fn a_stranger_cannot_give_permission_to_share_a_compliment() {
    let app = TestApp::spawn("provider-a", "2026-11-23T10:00:00Z").await;
    app.deliver(&message(
        "Bronwen <bronwen@mail.test>",
        "Thank you",
        "I wanted to say a huge thank you to my assessor, who was brilliant.",
        "a4@mail.test",
    ))
    .await;
    let c = app.app.store.list_cases(None).await.expect("db").remove(0);
    let r = c.reference.to_string();
    assert_eq!(c.state.as_str(), "awaiting_permission");
    let raw = format!(
        "From: {MALLORY}\r\nTo: complaints@provider-a.example.test\r\nSubject: [{r}] sharing\r\nMessage-ID: <p1@elsewhere.test>\r\n\r\nYes, happy for you to share it.\r\n"
    );
    app.deliver(raw.as_bytes()).await;
    let c = app.case(&r).await;
    assert_eq!(c.state.as_str(), "awaiting_permission");
    assert_eq!(c.share_permission, None);
}

#[tokio::test]
async fn consent_counts_only_from_the_address_complaintd_asked() {
    let mut app = TestApp::spawn("provider-a", "2026-11-23T10:00:00Z").await;
    let parent = "donna@mail.test";
    let ellie = "ellie@mail.test";
    app.deliver(&message(
        &format!("Donna Llewellyn <{parent}>"),
        "My daughter's travel money",
        "I am writing about my daughter Ellie who is 17. Her bus fares have not been paid since October. Can someone look into this?",
        "a1@mail.test",
    ))
    .await;
    app.send().await;
    let r = app.app.store.list_cases(None).await.expect("db")[0]
        .reference
        .to_string();
    let consent = app.last("consent_request", parent).await;
    // Ellie answers the request that went to her mother: not proof.
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(&consent, ellie, "I consent to an investigation.", 1))
        .await;
    assert_eq!(case_of(&app, &r).await.state.as_str(), "awaiting_consent");
    // Her mother writes the consent herself: the handler must confirm it.
    app.deliver(&app.gmail_reply(&consent, parent, "I give my consent on Ellie's behalf.", 2))
        .await;
    assert_eq!(case_of(&app, &r).await.state.as_str(), "awaiting_consent");
    app.send().await;
    let handler = case_of(&app, &r).await.handler.expect("handler");
    let told = app
        .sent_to(&handler)
        .await
        .into_iter()
        .filter(|m| m.template == "complainant_update")
        .map(|m| describe(&m))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(told.contains(&format!("{parent} sent consent")), "{told}");
    // The mother gives Ellie's address: the request goes to Ellie, and her
    // answer to it counts.
    app.deliver(&app.gmail_reply(&consent, parent, &format!("Her email is {ellie}."), 3))
        .await;
    app.send().await;
    let to_ellie = app.last("consent_request", ellie).await;
    assert!(describe(&to_ellie).contains("on your behalf"));
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(
        &to_ellie,
        ellie,
        "I agree with my mum and I consent to an investigation.",
        4,
    ))
    .await;
    let c = case_of(&app, &r).await;
    assert_eq!(
        (c.state.as_str(), c.consent),
        ("open", complaintd::core::case::ConsentStatus::Received)
    );
    assert_eq!(app.app.store.all_deadlines().await.expect("db").len(), 1);
}

async fn case_of(app: &TestApp, r: &str) -> complaintd::core::case::Case {
    app.case(r).await
}

/// The whole notification pasted back without `>` under an attribution no
/// quote stripper knows, as some clients do.
fn paste_back(
    app: &TestApp,
    note: &complaintd::store::OutboxRow,
    from: &str,
    body: &str,
) -> Vec<u8> {
    let m = mail::parse(&note.raw).expect("parse");
    let reply_to = m.header("reply-to").unwrap_or_default().to_string();
    format!(
        "From: {from}\r\nTo: {reply_to}\r\nSubject: RE: {}\r\nDate: {}\r\nMessage-ID: <paste@staff.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\n[Complaints, 23/11/2026 09:05]\r\n{}\r\n",
        m.subject,
        app.now.to_rfc2822(),
        m.text.replace('\n', "\r\n")
    )
    .into_bytes()
}

#[tokio::test]
async fn a_reply_pasting_the_whole_notification_runs_nothing_from_it() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    app.deliver(&message(
        &format!("Jo Learner <{JO}>"),
        "Coaching sessions",
        "My coach has cancelled three sessions without notice and nobody has rebooked them. I want to know what will be done about it.\n\nJo",
        "first@mail.test",
    ))
    .await;
    app.send().await;
    app.advance(Duration::hours(1));
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&paste_back(
        &app,
        &note,
        PRIYA,
        "Thanks, will look.\n\nPriya",
    ))
    .await;
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    assert!(!c.state.is_final(), "{:?}", c.state);
    assert_eq!(c.lessons, None);
    // Whatever reached Jo carries none of the notification.
    for m in app.sent_to(JO).await {
        let text = describe(&m);
        assert!(!text.contains("How to handle it"), "{text}");
        assert!(!text.contains("Keep the subject line"), "{text}");
    }
    let audit = app
        .app
        .store
        .case_audit(&cref("PAR-2026-0001"))
        .await
        .expect("audit");
    assert!(
        !audit
            .iter()
            .any(|a| ["closed", "withdrawn", "escalated", "lessons learnt"]
                .contains(&a.action.as_str())),
        "{audit:?}"
    );
}

#[tokio::test]
async fn closing_is_confirmed_to_the_handler_by_email() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    responded_case(&mut app).await;
    app.advance(Duration::hours(1));
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&app.outlook_reply(
        &note,
        PRIYA,
        "#close lessons: rebook cancelled sessions within a day",
        5,
    ))
    .await;
    app.send().await;
    let done = describe(&app.last("command_done", PRIYA).await);
    assert!(done.contains("Closed: the case is now closed"), "{done}");
}

#[tokio::test]
async fn a_stranger_who_keeps_writing_is_held_by_the_staff_caps() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = responded_case(&mut app).await;
    let before = case_of(&app, &r).await;
    let caps = app.app.loaded.config.limits.staff_per_sender_per_hour as usize;
    for i in 0..caps + 5 {
        app.deliver(&naming(
            MALLORY,
            &r,
            &format!("Escalate this now ({i})."),
            &format!("flood-{i}@elsewhere.test"),
        ))
        .await;
    }
    app.send().await;
    assert_eq!(case_of(&app, &r).await, before);
    let notices = app
        .sent_to(PRIYA)
        .await
        .iter()
        .filter(|m| m.template == "third_party_message")
        .count();
    assert!(
        notices <= caps,
        "{notices} notices for one stranger (cap {caps})"
    );
}
