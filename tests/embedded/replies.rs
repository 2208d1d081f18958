//! Issue 13 §§2–3 at the boundary: complainants' replies through the real
//! ingest and store, read for what they are; a case reference written
//! anywhere finds its case, for the complainant only; a new matter opens a
//! new case linked to the old, and both say so.

use crate::harness::*;
use chrono::Duration;
use complaintd::work::ingest::Ingested;

const PRIYA: &str = "priya.desai@provider-b.example.test";
const JO: &str = "jo.learner@mail.test";
const MUM: &str = "mum@family.test";

async fn opened(app: &mut TestApp) -> String {
    let r = app
        .deliver(&message(
            &format!("Jo Learner <{JO}>"),
            "Coaching sessions",
            "My coach has cancelled three sessions without notice and nobody has rebooked them. I want to know what will be done about it.\n\nJo",
            "first@mail.test",
        ))
        .await;
    assert_eq!(r, Ingested::Opened("PAR-2026-0001".into()));
    app.send().await;
    "PAR-2026-0001".into()
}

async fn respond(app: &mut TestApp) {
    app.advance(Duration::hours(2));
    let note = app.last("handler_notification", PRIYA).await;
    // The formal response, by the notification's Send link.
    app.deliver(&clicked(
        &note,
        "send",
        PRIYA,
        "Dear Jo,\n\nRebooked for Thursday.\n\nPriya",
        "respond-1@staff.test",
    ))
    .await;
    app.send().await;
}

/// A fresh message with no threading headers, no tag and no plus-address.
fn fresh(from: &str, subject: &str, body: &str, id: &str) -> Vec<u8> {
    message(from, subject, body, id)
}

async fn audit(app: &TestApp, r: &str) -> Vec<String> {
    app.app
        .store
        .case_audit(&cref(r))
        .await
        .expect("audit")
        .into_iter()
        .map(|a| format!("{} | {} | {}", a.actor, a.action, a.detail))
        .collect()
}

#[tokio::test]
async fn a_reference_in_the_body_from_the_complainant_joins_the_case() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = opened(&mut app).await;
    let before = app.case(&r).await;
    app.advance(Duration::days(3));
    // Lower case, spaces for hyphens, in the body only; a chase for news.
    let outcome = app
        .deliver(&fresh(
            &format!("Jo Learner <{JO}>"),
            "Hello",
            "Could someone tell me what is happening with complaint par 2026 0001? Still waiting.\n\nJo",
            "chase@mail.test",
        ))
        .await;
    assert_eq!(outcome, Ingested::Threaded(r.clone()));
    app.send().await;
    let after = app.case(&r).await;
    assert_eq!((after.state, after.stage), (before.state, before.stage));
    let update = describe(&app.last("complainant_update", PRIYA).await);
    assert!(update.contains("asks for news"), "{update}");
    let a = audit(&app, &r).await.join("\n");
    assert!(
        a.contains("by the reference PAR-2026-0001 written in the message"),
        "{a}"
    );
    assert!(a.contains("read as chase"), "{a}");
}

#[tokio::test]
async fn a_third_party_naming_a_case_in_the_body_changes_nothing() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = opened(&mut app).await;
    respond(&mut app).await;
    let before = app.case(&r).await;
    app.advance(Duration::days(1));
    let outcome = app
        .deliver(&fresh(
            &format!("Jo's Mum <{MUM}>"),
            "My son's complaint",
            "About PAR-2026-0001: I am not satisfied with the response and want it escalated to the next stage. Please close nothing.",
            "mum@family.test",
        ))
        .await;
    assert_eq!(outcome, Ingested::Threaded(r.clone()));
    app.send().await;
    assert_eq!(app.case(&r).await, before, "a third party changed the case");
    let notice = describe(&app.last("third_party_message", PRIYA).await);
    assert!(notice.contains(MUM), "{notice}");
    let a = audit(&app, &r).await.join("\n");
    assert!(a.contains("THIRD PARTY mum@family.test"), "{a}");
    assert!(a.contains("the sender is not the complainant"), "{a}");
}

#[tokio::test]
async fn a_new_matter_naming_an_old_case_opens_a_linked_case_and_both_say_so() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let old = opened(&mut app).await;
    respond(&mut app).await;
    app.advance(Duration::days(2));
    let outcome = app
        .deliver(&fresh(
            &format!("Jo Learner <{JO}>"),
            "Travel claims",
            "Hello,\n\nI made a complaint earlier (PAR-2026-0001) which was sorted out, thank you. This is about something else. I have submitted three travel claims since September and none have been paid, and I want to make a complaint about that.\n\nJo",
            "travel@mail.test",
        ))
        .await;
    let Ingested::Opened(new) = outcome else {
        panic!("a new matter must open a new case: {outcome:?}")
    };
    assert_ne!(new, old);
    app.send().await;
    let (o, n) = (app.case(&old).await, app.case(&new).await);
    assert_eq!(o.linked, vec![cref(&new)]);
    assert_eq!(n.linked, vec![cref(&old)]);
    assert_eq!(o.state.as_str(), "responded", "the old case is unchanged");
    assert!(audit(&app, &old)
        .await
        .join("\n")
        .contains(&format!("linked | to {new}")));
    assert!(audit(&app, &new)
        .await
        .join("\n")
        .contains(&format!("linked | to {old}")));
    let handler = n.handler.clone().expect("handler");
    let note = describe(&app.last("handler_notification", &handler).await);
    assert!(note.contains(&format!("Linked to {old}")), "{note}");
    let update = describe(&app.last("complainant_update", PRIYA).await);
    assert!(update.contains(&new), "{update}");
}

#[tokio::test]
async fn an_unknown_reference_is_no_case_and_says_so() {
    let app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let outcome = app
        .deliver(&fresh(
            &format!("Jo Learner <{JO}>"),
            "Complaint",
            "I want to complain: my coach cancelled my sessions again. My old reference was PAR-2025-0042.",
            "x@mail.test",
        ))
        .await;
    let Ingested::Opened(r) = outcome else {
        panic!("{outcome:?}")
    };
    let a = audit(&app, &r).await.join("\n");
    assert!(a.contains("PAR-2025-0042, which is no case here"), "{a}");
}

#[tokio::test]
async fn replies_after_a_response_move_the_stage_only_when_asked() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = opened(&mut app).await;
    respond(&mut app).await;
    let response = app.last("stage_response", JO).await;
    app.advance(Duration::hours(3));
    // Thanks in Portuguese, through a reply that keeps threading headers.
    app.deliver(&app.gmail_reply(
        &response,
        JO,
        "Muito obrigada pela resposta. Está tudo resolvido.",
        2,
    ))
    .await;
    app.send().await;
    let c = app.case(&r).await;
    assert_eq!((c.stage, c.state.as_str()), (0, "responded"));
    // An unclear one: the handler decides, with both commands named.
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(&response, JO, "ok", 3)).await;
    app.send().await;
    let c = app.case(&r).await;
    assert!(c.escalation_undecided);
    let update = describe(&app.last("complainant_update", PRIYA).await);
    assert!(
        update.contains("#escalate") && update.contains("#no-escalate"),
        "{update}"
    );
    // The handler answers #no-escalate from their mail client.
    app.advance(Duration::hours(1));
    let update_row = app.last("complainant_update", PRIYA).await;
    app.deliver(&app.outlook_reply(&update_row, PRIYA, "#no-escalate she was saying thanks", 4))
        .await;
    app.send().await;
    let c = app.case(&r).await;
    assert!(!c.escalation_undecided);
    assert_eq!((c.stage, c.state.as_str()), (0, "responded"));
    // A request to take it further escalates.
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(
        &response,
        JO,
        "Sorry, on reflection I am not happy with this and want it to go to Stage 2.",
        5,
    ))
    .await;
    app.send().await;
    let c = app.case(&r).await;
    assert_eq!(c.stage, 1);
}

#[tokio::test]
async fn staff_naming_a_case_in_a_fresh_message_do_not_act_on_it() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let old = opened(&mut app).await;
    let before = app.case(&old).await;
    app.advance(Duration::hours(1));
    let outcome = app
        .deliver(&fresh(
            &format!("Priya Desai <{PRIYA}>"),
            "New complaint from a learner",
            &format!("Forwarding a new complaint that came to my own inbox; it relates to {old}.\n\nSEND\n\nPriya"),
            "staff-fresh@staff.test",
        ))
        .await;
    assert_ne!(outcome, Ingested::Threaded(old.clone()), "{outcome:?}");
    let after = app.case(&old).await;
    assert_eq!(after.drafts, before.drafts, "no draft on the named case");
    assert_eq!(after.state, before.state);
}

/// A complainant who forwards evidence in a reply: the handler sees what was
/// forwarded (before, only the cover note was recorded), and the forwarded
/// words are never read as the complainant's request.
#[tokio::test]
async fn a_reply_that_forwards_evidence_shows_it_and_is_read_from_the_cover_note() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = opened(&mut app).await;
    respond(&mut app).await;
    let response = app.last("stage_response", JO).await;
    app.advance(Duration::hours(3));
    app.deliver(&app.gmail_reply(
        &response,
        JO,
        "Thank you, that's sorted now. For your records, here is what my employer sent me.\n\n---------- Forwarded message ---------\nFrom: Sam Boss <sam@employer.test>\nDate: Mon, 23 Nov 2026 at 08:00\nSubject: Sessions\nTo: Jo Learner <jo.learner@mail.test>\n\nJo, I am not satisfied with the provider and want this escalated to the directors. The invoice number is INV-5521.\n\nSam",
        2,
    ))
    .await;
    app.send().await;
    let c = app.case(&r).await;
    assert_eq!(
        (c.stage, c.state.as_str()),
        (0, "responded"),
        "the employer's words did not escalate"
    );
    assert!(!c.escalation_undecided, "read as thanks");
    let update = describe(&app.last("complainant_update", PRIYA).await);
    assert!(
        update.contains("INV-5521"),
        "the handler sees the forward: {update}"
    );
}

/// A parent's reply to a consent request that forwards someone else's mail:
/// only an address the parent wrote themselves may be asked for consent,
/// never one in the forwarded headers (the employer would have learnt of
/// the complaint, and their "I consent" would have counted).
#[tokio::test]
async fn a_forwarded_address_is_never_asked_for_consent() {
    let mut app = TestApp::spawn("provider-a", "2026-11-23T10:00:00Z").await;
    let parent = "donna@mail.test";
    app.deliver(&message(
        &format!("Donna Llewellyn <{parent}>"),
        "My daughter's travel money",
        "I am writing about my daughter Ellie who is 17. Her bus fares have not been paid since October. Can someone look into this?",
        "a1@mail.test",
    ))
    .await;
    app.send().await;
    let consent = app.last("consent_request", parent).await;
    app.advance(Duration::hours(2));
    app.deliver(&app.gmail_reply(
        &consent,
        parent,
        "Here is what her employer said about it.\n\n---------- Forwarded message ---------\nFrom: HR Team <hr@employer.test>\nDate: Mon, 23 Nov 2026 at 08:00\nSubject: Bus fares\nTo: Donna Llewellyn <donna@mail.test>\n\nWe pay the fares monthly; ask the college.",
        10,
    ))
    .await;
    app.send().await;
    assert!(
        app.sent_to("hr@employer.test").await.is_empty(),
        "the employer in the forwarded headers was written to"
    );
}

/// A complainant who asks to withdraw before the response: nothing changes
/// on its own (a reply is never enough to end a complaint); the handler is
/// told what was asked and how to confirm it, and `#withdraw` then does.
#[tokio::test]
async fn a_request_to_withdraw_goes_to_the_handler_to_confirm() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = opened(&mut app).await;
    let before = app.case(&r).await;
    app.advance(Duration::days(1));
    let ack = app.last("acknowledgement", JO).await;
    app.deliver(&app.gmail_reply(
        &ack,
        JO,
        "My coach rang and we have rebooked everything, so please could you withdraw my complaint.\n\nJo",
        31,
    ))
    .await;
    app.send().await;
    let after = app.case(&r).await;
    assert_eq!((after.state, after.stage), (before.state, before.stage));
    let update = describe(&app.last("complainant_update", PRIYA).await);
    assert!(
        update.contains("asks to withdraw the complaint") && update.contains("#withdraw"),
        "{update}"
    );
    assert!(audit(&app, &r)
        .await
        .join("\n")
        .contains("read as withdraw"));
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&clicked(
        &note,
        "note",
        PRIYA,
        "#withdraw sorted with the coach",
        "withdraw-1@staff.test",
    ))
    .await;
    app.send().await;
    assert_eq!(app.case(&r).await.state.as_str(), "withdrawn");
}

/// A fresh message whose sender's mail server vouches for its From
/// address (a DKIM pass from the trusted receiving server).
fn vouched(from: &str, subject: &str, body: &str, id: &str) -> Vec<u8> {
    let mut raw = b"Authentication-Results: mx.provider-b.example.test; dkim=pass header.d=mail.test; dmarc=pass header.from=mail.test\r\n".to_vec();
    raw.extend(fresh(from, subject, body, id));
    raw
}

/// No threading headers, no reference, but "I sent a complaint last week":
/// the sender's one recent complaint is the one it is about (the hidden
/// suite found such messages opening a second case); it acts on the case
/// when their mail server vouches for them, and is only recorded and shown
/// to the handler when not. A new flag, two recent complaints, or words
/// that do not point back open a case as before.
#[tokio::test]
async fn a_complainant_writing_about_my_complaint_without_a_reference_joins_their_case() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let r = opened(&mut app).await;
    app.advance(Duration::days(4));
    let chase = "Hi, it's Jo again, about my coaching sessions. I sent a complaint last week. Is there any update?\n\nJo";
    // The same words with nothing to vouch for the From address: anyone
    // could have written them. They join Jo's case to be seen (not a
    // second case and a second acknowledgement), but act on nothing: not
    // even "I want this taken to Stage 2".
    let before = app.case(&r).await;
    let forged = app
        .deliver(&fresh(
            &format!("Jo Learner <{JO}>"),
            "Hello",
            "I sent a complaint last week. I want it taken to Stage 2 now.\n\nJo",
            "no-ref-forged@mail.test",
        ))
        .await;
    assert_eq!(forged, Ingested::Threaded(r.clone()));
    app.send().await;
    let after = app.case(&r).await;
    assert_eq!(
        (after.stage, after.state.as_str()),
        (before.stage, before.state.as_str())
    );
    let a = audit(&app, &r).await.join("\n");
    assert!(a.contains("not vouched for by their mail server"), "{a}");
    assert!(a.contains("unproven message"), "{a}");
    assert!(!a.contains("read as escalate"), "{a}");
    let notice = app.last("unproven_message", PRIYA).await;
    assert!(describe(&notice).contains("I want it taken to Stage 2"));
    let outcome = app
        .deliver(&vouched(
            &format!("Jo Learner <{JO}>"),
            "Hello",
            chase,
            "no-ref-chase@mail.test",
        ))
        .await;
    assert_eq!(outcome, Ingested::Threaded(r.clone()));
    app.send().await;
    let a = audit(&app, &r).await.join("\n");
    assert!(a.contains("by its sender alone"), "{a}");
    assert!(a.contains("read as chase"), "{a}");

    // A new worry written as a follow-up raises a flag the case lacks: it
    // opens its own case, flagged (and alerted), not an "answer" on this one.
    let worry = app
        .deliver(&vouched(
            &format!("Jo Learner <{JO}>"),
            "Placement",
            "Further to my complaint of Monday, the supervisor at my placement keeps me behind on my own after everyone has gone and insists on driving me home. I am 16 and I don't feel safe.\n\nJo",
            "no-ref-worry@mail.test",
        ))
        .await;
    let Ingested::Opened(second) = worry else {
        panic!("{worry:?}")
    };
    assert!(app
        .case(&second)
        .await
        .flags
        .contains(&complaintd::core::kind::Flag::Safeguarding));
    // Now Jo has two recent complaints: which one is not guessed.
    let third = app
        .deliver(&vouched(
            &format!("Jo Learner <{JO}>"),
            "Again",
            "I sent a complaint last week and nobody has replied.\n\nJo",
            "no-ref-ambiguous@mail.test",
        ))
        .await;
    assert!(matches!(third, Ingested::Opened(_)), "{third:?}");
    // Someone else writing "my complaint" never joins Jo's case.
    let stranger = app
        .deliver(&vouched(
            "Sam Other <sam.other@mail.test>",
            "My complaint",
            "I sent a complaint last week and have heard nothing.",
            "stranger@mail.test",
        ))
        .await;
    assert!(matches!(stranger, Ingested::Opened(_)), "{stranger:?}");
}
