//! Issue 13 §5, the complainant's side, through Postfix and Dovecot and the
//! real `complaintd run`: each complainant intent (an answer, thanks in
//! another language, a chase, an unclear reply decided by the handler, a
//! request to take it further), a reference written only in the body, a
//! third party writing about someone else's case, and a new matter.

use super::intents::clicked;
use super::*;

/// A fresh message: no In-Reply-To, no References, no tag, no plus-address.
fn fresh(from: &str, subject: &str, body: &str, id: &str) -> Vec<u8> {
    complaint(from, subject, body, id)
}

/// The handler's mails whose text contains `needle`.
fn handler_mail_with(msgs: &[Vec<u8>], needle: &str) -> usize {
    msgs.iter()
        .filter(|m| parse(m).text.contains(needle))
        .count()
}

fn case_of(app: &Instance, reference: &str) -> serde_json::Value {
    app.audit(reference)
}

fn audit_has(v: &serde_json::Value, needle: &str) -> bool {
    v["audit"].as_array().is_some_and(|a| {
        a.iter()
            .any(|e| format!("{} {}", e["action"], e["detail"]).contains(needle))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complainant_replies_are_read_for_what_they_are() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();
    let alice = "Alice Smith <alice@example.test>";
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &complaint(alice, "Sessions cancelled", BODY, "r-a1@example.test"),
    )
    .await;
    let inbox_a = wait_inbox(s, "alice", 20, "the acknowledgement", |m| {
        !with_template(m, "We have received").is_empty()
    })
    .await;
    let ack = with_template(&inbox_a, "We have received")[0].clone();
    let reference = tagged(&ack).expect("tag");

    // An answer before the response (Outlook, no threading headers but the
    // tag): shown to the handler, nothing changes.
    smtp_send(
        s,
        "alice@example.test",
        &[&reply_address(&ack)],
        &outlook_reply(
            &ack,
            alice,
            "The sessions were on 3 and 10 November. Nobody told me and I was not happy.",
            "r-a2@example.test",
        ),
    )
    .await;
    let h = wait_inbox(s, "handler", 20, "the answer", |m| {
        handler_mail_with(m, "with more information") == 1
    })
    .await;
    let note = h
        .iter()
        .find(|x| subject(x).contains("for you"))
        .expect("notification")
        .clone();

    // The response.
    // The formal response, by the notification's Send link.
    let (to, raw) = clicked(
        &note,
        "send",
        "Hannah Handler <handler@example.test>",
        "Dear Alice,\r\n\r\nYour sessions are rebooked for Thursday.\r\n\r\nHannah",
        "r-h1@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let inbox_a = wait_inbox(s, "alice", 20, "the response", |m| {
        !with_template(m, "Our response").is_empty()
    })
    .await;
    let resp = with_template(&inbox_a, "Our response")[0].clone();

    // Thanks in Portuguese; a chase; neither moves the stage.
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &gmail_reply(
            &resp,
            alice,
            "Muito obrigada pela resposta. Está tudo resolvido.",
            "r-a3@example.test",
        ),
    )
    .await;
    wait_inbox(s, "handler", 20, "the thanks", |m| {
        handler_mail_with(m, "says thank you") == 1
    })
    .await;
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &gmail_reply(
            &resp,
            alice,
            "Any update on the travel refund you mentioned? Still not been paid.",
            "r-a4@example.test",
        ),
    )
    .await;
    wait_inbox(s, "handler", 20, "the chase", |m| {
        handler_mail_with(m, "asks for news") == 1
    })
    .await;
    let c = case_of(&app, &reference);
    assert_eq!(
        (c["stage"].as_str(), c["state"].as_str()),
        (Some("stage1"), Some("responded")),
        "{c}"
    );

    // An unclear reply: the handler decides, by the commands in the mail.
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &gmail_reply(&resp, alice, "ok", "r-a5@example.test"),
    )
    .await;
    let h = wait_inbox(s, "handler", 20, "the decision", |m| {
        handler_mail_with(m, "#no-escalate") == 1
    })
    .await;
    let decision = h
        .iter()
        .find(|x| parse(x).text.contains("#no-escalate"))
        .expect("decision mail")
        .clone();
    assert!(parse(&decision).text.contains("#escalate"));
    assert_eq!(case_of(&app, &reference)["escalation_undecided"], true);
    smtp_send(
        s,
        "handler@example.test",
        &[&reply_address(&decision)],
        &outlook_reply(
            &decision,
            "Hannah Handler <handler@example.test>",
            "#no-escalate she is content",
            "r-h2@example.test",
        ),
    )
    .await;
    wait_for(20, "the decision recorded", || {
        case_of(&app, &reference)["escalation_undecided"] == false
    })
    .await;
    let c = case_of(&app, &reference);
    assert_eq!(c["stage"].as_str(), Some("stage1"), "{c}");
    assert!(
        audit_has(&c, "the unclear reply is not an escalation"),
        "{c}"
    );

    let st = app.stop();
    assert!(st.success(), "exit status {st:?}\n{}", app.log());
}

/// Open a case for Alice and send Hannah's Stage 1 response; the reference.
async fn responded_case(s: &Stack, app: &mut Instance) -> String {
    app.start();
    let alice = "Alice Smith <alice@example.test>";
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &complaint(alice, "Sessions cancelled", BODY, "t-a1@example.test"),
    )
    .await;
    let inbox_a = wait_inbox(s, "alice", 20, "the acknowledgement", |m| {
        !with_template(m, "We have received").is_empty()
    })
    .await;
    let reference = tagged(with_template(&inbox_a, "We have received")[0]).expect("tag");
    let h = wait_inbox(s, "handler", 20, "the notification", |m| {
        m.iter().any(|x| subject(x).contains("for you"))
    })
    .await;
    let note = h
        .iter()
        .find(|x| subject(x).contains("for you"))
        .expect("notification")
        .clone();
    // The formal response, by the notification's Send link.
    let (to, raw) = clicked(
        &note,
        "send",
        "Hannah Handler <handler@example.test>",
        "Dear Alice,\r\n\r\nYour sessions are rebooked for Thursday.\r\n\r\nHannah",
        "t-h1@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    wait_inbox(s, "alice", 20, "the response", |m| {
        !with_template(m, "Our response").is_empty()
    })
    .await;
    reference
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_in_the_body_acts_only_for_the_complainant() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    let reference = responded_case(s, &mut app).await;
    let alice = "Alice Smith <alice@example.test>";

    // Someone else names the case in the body and asks to escalate: recorded
    // as a third party's, the handler is told, nothing changes.
    smtp_send(s, "bob@example.test", &["complaints@example.test"], &fresh("Bob Jones <bob@example.test>", "Alice's complaint", &format!("About {reference}: I am not satisfied with the response and want it escalated to the next stage."), "r-b1@example.test")).await;
    wait_inbox(s, "handler", 20, "the third party's message", |m| {
        handler_mail_with(m, "bob@example.test") >= 1
    })
    .await;
    let c = case_of(&app, &reference);
    assert_eq!(
        c["stage"].as_str(),
        Some("stage1"),
        "a third party escalated: {c}"
    );
    assert!(audit_has(&c, "third-party message"), "{c}");

    // The complainant, in a fresh message naming the case in lower case with
    // spaces: a request to take it further escalates.
    let loose = reference.to_lowercase().replace('-', " ");
    smtp_send(s, "alice@example.test", &["complaints@example.test"], &fresh(alice, "Appeal", &format!("Re my complaint {loose}. On reflection I am not happy with the response and want it to go to Stage 2."), "r-a6@example.test")).await;
    wait_inbox(s, "handler2", 20, "the stage 2 notification", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && subject(x).contains("Stage 2"))
    })
    .await;
    let c = case_of(&app, &reference);
    assert_eq!(c["stage"].as_str(), Some("stage2"), "{c}");
    assert!(audit_has(&c, "written in the message"), "{c}");

    // A different matter naming the case opens a new, linked case.
    smtp_send(s, "alice@example.test", &["complaints@example.test"], &fresh(alice, "Travel claims", &format!("Hello, I made a complaint earlier ({reference}). This is about something else: three travel claims since September have not been paid and I want to make a complaint about that."), "r-a7@example.test")).await;
    wait_for(20, "a second case", || app.cases().len() == 2).await;
    let cases = app.cases();
    let new = cases
        .iter()
        .find(|c| c["reference"] != reference.as_str())
        .expect("new case");
    let new_ref = new["reference"].as_str().expect("ref").to_string();
    assert_eq!(
        case_of(&app, &new_ref)["linked"],
        serde_json::json!([reference.clone()])
    );
    assert_eq!(
        case_of(&app, &reference)["linked"],
        serde_json::json!([new_ref.clone()])
    );
    wait_inbox(s, "handler2", 20, "the link on the old case", |m| {
        handler_mail_with(m, &new_ref) >= 1
    })
    .await;

    let st = app.stop();
    assert!(st.success(), "exit status {st:?}\n{}", app.log());
}
