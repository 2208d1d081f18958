//! Both seed procedures end to end, with golden snapshots of every outgoing
//! mail and of each case's timeline (dates and Message-IDs are pinned by the
//! manual clock and the fixed secret).

use crate::harness::*;
use chrono::Duration;
use complaintd::work::ingest::Ingested;
use std::fmt::Write as _;

pub(crate) async fn timeline(app: &TestApp) -> String {
    let mut out = String::new();
    let cases = app.app.store.list_cases(None).await.expect("cases");
    for c in cases.iter().rev() {
        let r = c.reference.to_string();
        let _ = writeln!(
            out,
            "== {r} {} {} stage {} handler {}",
            c.kind,
            c.state.as_str(),
            c.stage,
            c.handler.clone().unwrap_or_default()
        );
        for a in app.app.store.case_audit(&cref(&r)).await.expect("audit") {
            let detail = if a.action == "received" {
                a.detail.split(':').next().unwrap_or("").to_string()
            } else {
                a.detail.clone()
            };
            let _ = writeln!(
                out,
                "{} | {} | {} | {}",
                app.app.calendar.to_local(a.at).format("%Y-%m-%d %H:%M"),
                a.actor,
                a.action,
                detail
            );
        }
        for o in app.app.store.outbox(Some(&cref(&r))).await.expect("outbox") {
            let _ = writeln!(
                out,
                "  -> {} {} [{}]",
                o.template,
                o.recipient,
                o.status.as_str()
            );
        }
    }
    out
}

pub(crate) async fn all_mail(app: &TestApp) -> String {
    app.sent()
        .await
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join("\n----------------------------------------\n")
}

const PRIYA: &str = "priya.desai@provider-b.example.test";
const TOM: &str = "tom.hughes@provider-b.example.test";
const MARK: &str = "mark.bell@provider-b.example.test";
const JO: &str = "jo.learner@mail.test";

#[tokio::test]
async fn provider_b_four_stages_golden() {
    // Monday 23 November 2026, 09:05 London.
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let opened = app
        .deliver(&message(
            &format!("Jo Learner <{JO}>"),
            "Coaching sessions",
            "My coach has cancelled three sessions without notice and nobody has rebooked them. I want to know what will be done about it.\n\nJo",
            "first@mail.test",
        ))
        .await;
    assert_eq!(opened, Ingested::Opened("PAR-2026-0001".into()));
    app.send().await;
    let ack = app.last("acknowledgement", JO).await;
    assert!(describe(&ack).contains("Auto-Submitted: auto-replied"));

    // The handler answers from Outlook: RE:, no References, quoted history.
    app.advance(Duration::hours(3));
    let note = app.last("handler_notification", PRIYA).await;
    let reply = app.outlook_reply(
        &note,
        PRIYA,
        "Dear Jo,\n\nI am sorry. Your sessions are rebooked for Thursday.\n\nPriya",
        1,
    );
    assert_eq!(
        app.deliver(&reply).await,
        Ingested::Threaded("PAR-2026-0001".into())
    );
    app.send().await;
    // A plain reply names no intent: nothing reaches Jo; Priya is asked.
    assert_eq!(app.sent_to(JO).await.len(), 1, "only the acknowledgement");
    let confirm = app.last("draft_confirmation", PRIYA).await;
    assert!(describe(&confirm).contains("Reply SEND to send this as the Stage 1 response"));
    // She answers SEND from Outlook: draft 1 goes, as she wrote it.
    app.advance(Duration::minutes(10));
    app.deliver(&app.outlook_reply(&confirm, PRIYA, "SEND", 11))
        .await;
    app.send().await;
    let resp = app.last("stage_response", JO).await;
    let receipt = describe(&app.last("send_receipt", PRIYA).await);
    assert!(
        receipt.contains(&format!(
            "Sent to Jo Learner <{JO}> as the Stage 1 written response"
        )),
        "{receipt}"
    );
    let text = describe(&resp);
    assert!(text.contains("Your sessions are rebooked for Thursday."));
    assert!(
        !text.contains("Sent: 23 November"),
        "quoted history must not reach the complainant"
    );
    assert!(text.contains(TOM), "names the stage 2 handler");

    // Not satisfied: stage 2, acknowledged the same day.
    app.advance(Duration::hours(24));
    let escalate = app.gmail_reply(
        &resp,
        JO,
        "I'm not satisfied because nobody has called me.",
        2,
    );
    app.deliver(&escalate).await;
    app.send().await;
    assert_eq!(
        app.sent_to(JO)
            .await
            .iter()
            .filter(|r| r.template == "acknowledgement")
            .count(),
        2
    );

    // Stage 2 handler extends; a delay notice goes out before the deadline.
    app.advance(Duration::hours(2));
    let note2 = app.last("handler_notification", TOM).await;
    app.deliver(&app.outlook_reply(
        &note2,
        TOM,
        "#extend 2026-12-14 waiting for the employer's statement",
        3,
    ))
    .await;
    app.send().await;
    assert!(describe(&app.last("delay_notice", JO).await)
        .contains("waiting for the employer's statement"));

    // Time passes: chase-ups before the new deadline, only in working hours.
    let until = app.now + Duration::days(17);
    app.run_until(until, Duration::hours(1)).await;
    let chases = app
        .sent_to(TOM)
        .await
        .into_iter()
        .filter(|r| r.template == "chase_up")
        .count();
    assert!(chases >= 1, "chased before the deadline");

    let note2 = app.last("handler_notification", TOM).await;
    // An internal note by its link, then the response by its link.
    app.deliver(&clicked(
        &note2,
        "note",
        TOM,
        "Spoke to the employer: shift cover confirmed.",
        "note-1@staff.test",
    ))
    .await;
    app.deliver(&clicked(
        &note2,
        "send",
        TOM,
        "Dear Jo,\n\nStage 2 outcome: upheld.\n\nTom",
        "reply-4@staff.test",
    ))
    .await;
    app.send().await;
    let resp2 = app.last("stage_response", JO).await;
    app.advance(Duration::hours(5));
    app.deliver(&app.gmail_reply(
        &resp2,
        JO,
        "Still not resolved: I want to take it further.",
        5,
    ))
    .await;
    app.send().await;
    let note3 = app.last("handler_notification", MARK).await;
    app.advance(Duration::hours(20));
    app.deliver(&clicked(
        &note3,
        "send",
        MARK,
        "Dear Jo,\n\nFinal response from the senior manager.\n\nMark",
        "reply-6@staff.test",
    ))
    .await;
    app.send().await;
    let resp3 = app.last("stage_response", JO).await;
    assert!(
        describe(&resp3).contains("Ofsted"),
        "stage 3 names the stage 4 bodies"
    );
    // The ESFA's functions moved to the Department for Education on
    // 31 March 2025: the response names DfE and its current route.
    let text = describe(&resp3);
    assert!(
        text.contains(
            "Department for Education (DfE) complaints team, Customer.Complaints@education.gov.uk"
        ),
        "{text}"
    );
    assert!(!text.contains("ESFA"), "{text}");
    app.advance(Duration::hours(3));
    app.deliver(&app.gmail_reply(&resp3, JO, "I am not happy and will go to the ESFA.", 7))
        .await;
    app.send().await;
    let c = app.case("PAR-2026-0001").await;
    assert_eq!(c.state.as_str(), "referred_externally");

    golden("provider-b-timeline.txt", &timeline(&app).await);
    golden("provider-b-mail.txt", &all_mail(&app).await);
}

#[tokio::test]
async fn provider_a_paths_golden() {
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
    assert!(
        app.app.store.all_deadlines().await.expect("db").is_empty(),
        "no response clock before consent"
    );
    // The learner's consent counts only from an address complaintd asked:
    // her mother gives it, and the request goes there.
    app.advance(Duration::hours(25));
    app.deliver(&app.gmail_reply(
        &consent,
        parent,
        "Her own email address is ellie@mail.test.",
        10,
    ))
    .await;
    app.send().await;
    let consent = app.last("consent_request", "ellie@mail.test").await;
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(
        &consent,
        "ellie@mail.test",
        "I agree with my mum's concerns and I consent to an investigation.",
        1,
    ))
    .await;
    app.send().await;
    assert_eq!(app.app.store.all_deadlines().await.expect("db").len(), 1);

    app.deliver(&message("a.learner@mail.test", "tutor", "I am not going to give my name. Our tutor belittles learners in front of everyone, and one of the 16-year-olds in our group has told me she is scared to come in and has started hurting herself. I would like this looked at.\n\nA learner", "a2@mail.test")).await;
    app.deliver(&message(
        "Stuart <stuart@mail.test>",
        "EPA result",
        "I do not accept the Pass grade. The grading decision is wrong and I want it re-marked.",
        "a3@mail.test",
    ))
    .await;
    app.deliver(&message(
        "Bronwen <bronwen@mail.test>",
        "Thank you",
        "I wanted to say a huge thank you to my assessor, who was brilliant.",
        "a4@mail.test",
    ))
    .await;
    app.send().await;
    let thanks = app.last("compliment_thanks", "bronwen@mail.test").await;
    app.advance(Duration::hours(1));
    app.deliver(&app.gmail_reply(
        &thanks,
        "bronwen@mail.test",
        "Yes, happy for you to share it.",
        2,
    ))
    .await;
    // The director decides on the anonymous complaint.
    let decision = app
        .last(
            "anonymous_decision_request",
            "eleri.jones@provider-a.example.test",
        )
        .await;
    app.deliver(&app.outlook_reply(
        &decision,
        "eleri.jones@provider-a.example.test",
        "#no-action no detail to investigate",
        3,
    ))
    .await;
    app.send().await;
    // Nobody answers the on-behalf complaint: chase, then breach.
    let until = app.now + Duration::days(4);
    app.run_until(until, Duration::hours(1)).await;
    assert!(app
        .sent()
        .await
        .iter()
        .any(|r| r.template == "breach_alert"));
    assert!(app.sent().await.iter().any(|r| r.template == "chase_up"));

    golden("provider-a-timeline.txt", &timeline(&app).await);
    golden("provider-a-mail.txt", &all_mail(&app).await);
}
