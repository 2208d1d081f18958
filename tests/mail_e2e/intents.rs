//! Issue 13 items 1 and 5: the handler's three intents and the plain-reply
//! confirmation round trip, through Postfix and Dovecot to `complaintd run`.
//! The handler clicks the notification's `mailto:` links as a mail client
//! does (the link's address, subject and prefilled hint, with their words
//! typed above the hint).

use super::*;

/// A `%XX`-encoded `mailto:` part, decoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
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

/// The message a mail client sends from the `intent` link of `mail`, with
/// `text` typed above the hint.
pub(super) fn clicked(
    mail: &[u8],
    intent: &str,
    from: &str,
    text: &str,
    id: &str,
) -> (String, Vec<u8>) {
    let m = parse(mail);
    let needle = format!(".{intent}@");
    let url = m
        .text
        .split("<mailto:")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .find(|u| u.split('?').next().is_some_and(|a| a.contains(&needle)))
        .unwrap_or_else(|| panic!("no {intent} link in:\n{}", m.text));
    let (to, query) = url.split_once('?').unwrap_or((url, ""));
    let field = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .map(percent_decode)
            .unwrap_or_default()
    };
    let raw = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}{}\r\n",
        field("subject"),
        field("body")
    );
    (to.to_string(), raw.into_bytes())
}

const HANNAH: &str = "Hannah Handler <handler@example.test>";

async fn open_case(s: &Stack, who: &str, id: &str) -> (String, Vec<u8>) {
    smtp_send(
        s,
        &format!("{who}@example.test"),
        &["complaints@example.test"],
        &complaint(
            &format!("{who} <{who}@example.test>"),
            "Sessions cancelled",
            BODY,
            id,
        ),
    )
    .await;
    let inbox = wait_inbox(s, who, 20, "the acknowledgement", |m| {
        !with_template(m, "We have received").is_empty()
    })
    .await;
    let reference = tagged(with_template(&inbox, "We have received")[0]).expect("tag");
    let handler = wait_inbox(s, "handler", 20, "the notification", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && subject(x).contains("for you"))
    })
    .await;
    let note = handler
        .iter()
        .find(|x| subject(x).contains(&reference) && subject(x).contains("for you"))
        .expect("notification")
        .clone();
    (reference, note)
}

fn receipts<'a>(msgs: &'a [Vec<u8>], reference: &str) -> Vec<&'a Vec<u8>> {
    msgs.iter()
        .filter(|m| subject(m).contains(reference) && subject(m).contains("Receipt:"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_asks_writes_notes_and_responds_by_the_links() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();
    let (reference, note) = open_case(s, "bob", "e2e-i1@example.test").await;

    // The note: a receipt saying nothing left; nothing reaches Bob.
    let (to, raw) = clicked(
        &note,
        "note",
        HANNAH,
        "Will phone him tomorrow morning.",
        "e2e-i2@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let handler = wait_inbox(s, "handler", 20, "the note's receipt", |m| {
        receipts(m, &reference).len() == 1
    })
    .await;
    let r = parse(receipts(&handler, &reference)[0]).text;
    assert!(
        r.contains("Nothing was sent outside the organisation"),
        "{r}"
    );

    // The question: Bob gets it (not as the response); the clock pauses
    // (provider B's policy) and the receipt says so.
    let (to, raw) = clicked(
        &note,
        "ask",
        HANNAH,
        "Which dates were the sessions cancelled?",
        "e2e-i3@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let handler = wait_inbox(s, "handler", 20, "the question's receipt", |m| {
        receipts(m, &reference).len() == 2
    })
    .await;
    let r = parse(receipts(&handler, &reference)[1]).text;
    assert!(
        r.contains("bob@example.test") && r.contains("as a question") && r.contains("paused"),
        "{r}"
    );
    let bob = wait_inbox(s, "bob", 20, "the question", |m| m.len() == 2).await;
    let q = parse(&bob[1]);
    assert!(
        q.text.contains("Which dates were the sessions cancelled?"),
        "{}",
        q.text
    );
    assert!(
        !q.text.contains("Write above this line"),
        "the hint stays inside: {}",
        q.text
    );
    assert!(
        !String::from_utf8_lossy(&bob[1]).contains(".ask@"),
        "no link address leaves"
    );
    assert!(
        with_template(&bob, "Our response").is_empty(),
        "a question is not the response"
    );

    // Bob answers: the clock runs again.
    smtp_send(
        s,
        "bob@example.test",
        &["complaints@example.test"],
        &gmail_reply(
            &bob[1],
            "bob <bob@example.test>",
            "The 4th and the 11th of November.",
            "e2e-i4@example.test",
        ),
    )
    .await;
    wait_for(20, "the clock to resume", || {
        app.audit(&reference).to_string().contains("clock resumed")
    })
    .await;

    // The update, then the formal response by the Send link.
    let (to, raw) = clicked(
        &note,
        "write",
        HANNAH,
        "We have spoken to your coach.",
        "e2e-i5@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let (to, raw) = clicked(
        &note,
        "send",
        HANNAH,
        "Dear Bob,\r\n\r\nYour sessions are rebooked.\r\n\r\nHannah",
        "e2e-i6@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let bob = wait_inbox(s, "bob", 20, "the response", |m| {
        !with_template(m, "Our response").is_empty()
    })
    .await;
    assert!(bob
        .iter()
        .any(|m| parse(m).text.contains("We have spoken to your coach.")));
    let resp = parse(with_template(&bob, "Our response")[0]);
    assert!(
        resp.text.contains("Your sessions are rebooked."),
        "{}",
        resp.text
    );
    assert!(
        resp.text.contains("handler2@example.test"),
        "names the stage 2 contact"
    );
    let handler = wait_inbox(s, "handler", 20, "the response's receipt", |m| {
        receipts(m, &reference).len() == 4
    })
    .await;
    assert!(receipts(&handler, &reference)
        .iter()
        .any(|m| parse(m).text.contains("as the Stage 1 written response")));
    let st = app.stop();
    assert!(st.success(), "exit status {st:?}\n{}", app.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_reply_is_a_draft_until_the_handler_answers_send() {
    let (s, _g) = stack().await;
    purge_all(s);
    let mut app = Instance::new(s, POLICY_B);
    app.start();
    let (reference, note) = open_case(s, "bob", "e2e-d1@example.test").await;
    // An internal remark written as a plain Outlook reply: nothing reaches Bob.
    smtp_send(
        s,
        "handler@example.test",
        &[&reply_address(&note)],
        &outlook_reply(
            &note,
            HANNAH,
            "Megan - do you know who covered the Tuesday group? I need to check before I respond.",
            "e2e-d2@example.test",
        ),
    )
    .await;
    let handler = wait_inbox(s, "handler", 20, "the confirmation", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && subject(x).contains("draft 1"))
    })
    .await;
    let confirm = handler
        .iter()
        .find(|x| subject(x).contains("draft 1"))
        .expect("confirmation")
        .clone();
    let text = parse(&confirm).text;
    assert!(
        text.contains("Reply SEND to send this as the Stage 1 response"),
        "{text}"
    );
    // A second plain reply, the real response this time: draft 2.
    smtp_send(
        s,
        "handler@example.test",
        &[&reply_address(&note)],
        &outlook_reply(
            &note,
            HANNAH,
            "Dear Bob,\r\n\r\nWe are sorry: your sessions are rebooked.\r\n\r\nHannah",
            "e2e-d3@example.test",
        ),
    )
    .await;
    let handler = wait_inbox(s, "handler", 20, "the second confirmation", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && subject(x).contains("draft 2"))
    })
    .await;
    let confirm2 = handler
        .iter()
        .find(|x| subject(x).contains("draft 2"))
        .expect("confirmation")
        .clone();
    assert_eq!(
        wait_inbox(s, "bob", 5, "the acknowledgement", |m| !m.is_empty())
            .await
            .len(),
        1,
        "nothing but the acknowledgement reached Bob"
    );
    // SEND to draft 2's confirmation, from Outlook: exactly draft 2 goes.
    smtp_send(
        s,
        "handler@example.test",
        &[&reply_address(&confirm2)],
        &outlook_reply(&confirm2, HANNAH, "SEND", "e2e-d4@example.test"),
    )
    .await;
    let bob = wait_inbox(s, "bob", 20, "the response", |m| {
        !with_template(m, "Our response").is_empty()
    })
    .await;
    let resp = parse(with_template(&bob, "Our response")[0]).text;
    assert!(resp.contains("your sessions are rebooked"), "{resp}");
    assert!(
        !resp.contains("Tuesday group"),
        "draft 1 never went: {resp}"
    );
    // SEND to draft 1's (stale) confirmation: refused, nothing more to Bob.
    smtp_send(
        s,
        "handler@example.test",
        &[&reply_address(&confirm)],
        &outlook_reply(&confirm, HANNAH, "SEND", "e2e-d5@example.test"),
    )
    .await;
    wait_inbox(s, "handler", 20, "the refusal", |m| {
        m.iter()
            .any(|x| subject(x).contains(&reference) && parse(x).text.contains("Not sent: draft 1"))
    })
    .await;
    assert_eq!(
        inbox(s, "bob").await.len(),
        2,
        "acknowledgement and response only"
    );
    let st = app.stop();
    assert!(st.success(), "exit status {st:?}\n{}", app.log());
}
