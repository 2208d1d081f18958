//! The blind reply sets' complainant replies (`tests/data/blind/replies-8`
//! and `-10`, `labels.jsonl` rows with `role = complainant`), each taken in
//! by the real ingest on a case of its own opened from the same sender:
//! whether it lands on that case (issue 13: the hidden suite found 10 of
//! 150 replies opening a second case, most without threading headers) and
//! whether it moves the case to the next stage only when it asks to.
//!
//! The replies answer mail of a made-up deployment (ALS Training, Pareto),
//! so each is pointed at this one: its references become the case's, the
//! organisation's addresses (plus-addresses kept) become provider-b's, and
//! the Message-IDs it answers become the one of our mail it answers (the
//! acknowledgement, or the stage response when the case was answered). Its
//! sender's mail server vouches for it, as a real mail provider's would.
//! A reply labelled a new matter may open a case of its own (linked to
//! this one); every other reply must land on its case.

use crate::harness::*;
use chrono::Duration;
use complaintd::work::ingest::Ingested;
use std::path::Path;

/// The training batches (the held-out ones are not read for failures).
const BATCHES: [&str; 2] = ["tests/data/blind/replies-8", "tests/data/blind/replies-10"];
const HANDLER: &str = "priya.desai@provider-b.example.test";
const REF: &str = "PAR-2026-0001";

#[derive(serde::Deserialize)]
struct Label {
    file: String,
    role: String,
    intent: String,
    case_state: String,
    threading: String,
}

fn complainant_rows(dir: &str) -> Vec<Label> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let text = std::fs::read_to_string(root.join("labels.jsonl")).expect("labels");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Label>(l).expect("a label"))
        .filter(|l| l.role == "complainant")
        .collect()
}

/// The reply pointed at this deployment's case and mail.
fn pointed(raw: &str, answers: &str) -> String {
    // Typed loosely too ("ALS2026 0808", "Par 2026/0851"): the same case,
    // written the same loose way.
    let refs = regex::Regex::new(r"(?i)\b(PAR|ALS)([\s/-]?)2026([\s/-]?)\d{4}\b").expect("regex");
    let ours = regex::Regex::new(
        r"(?i)\b(info|feedback|complaints)((\+[^@\s<>]*)?)@(alstraining\.org\.uk|pareto\.co\.uk)",
    )
    .expect("regex");
    let ids = regex::Regex::new(r"<[0-9a-f]{10}\.[a-z0-9-]+\.[a-z]+@[^>\s]+>").expect("regex");
    let raw = refs.replace_all(raw, "PAR${2}2026${3}0001");
    let raw = ours.replace_all(&raw, "feedback$2@provider-b.example.test");
    ids.replace_all(&raw, format!("<{answers}>").as_str())
        .into_owned()
}

/// What one reply did: where it landed, and the case's stage before and
/// after it.
async fn run_one(dir: &str, row: &Label) -> (Ingested, usize, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let raw = String::from_utf8_lossy(&std::fs::read(root.join(&row.file)).expect("read reply"))
        .into_owned();
    let from = complaintd::core::mail::parse(raw.as_bytes())
        .expect("parse")
        .from
        .expect("a From");
    let domain = from
        .address
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_string();
    let vouch = format!(
        "Authentication-Results: mx.provider-b.example.test; dkim=pass header.d={domain}; dmarc=pass header.from={domain}\r\n"
    );
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:05:00Z").await;
    let name = from.name.clone().unwrap_or_else(|| "A Learner".into());
    let mut first = vouch.clone().into_bytes();
    first.extend(message(
        &format!("{name} <{}>", from.address),
        "My apprenticeship",
        "My coach has cancelled three sessions without notice and nobody has rebooked them. I want to know what will be done about it.",
        "blind-first@mail.test",
    ));
    let opened = app.deliver(&first).await;
    assert_eq!(opened, Ingested::Opened(REF.into()), "{}", row.file);
    app.send().await;
    let mut answers = app.last("acknowledgement", &from.address).await.message_id;
    if row.case_state == "responded" {
        app.advance(Duration::hours(2));
        let note = app.last("handler_notification", HANDLER).await;
        app.deliver(&clicked(
            &note,
            "send",
            HANDLER,
            "Dear learner,\n\nThe sessions have been rebooked and your coach will contact you.\n\nPriya",
            "blind-respond@staff.test",
        ))
        .await;
        app.send().await;
        answers = app.last("stage_response", &from.address).await.message_id;
    }
    let before = app.case(REF).await.stage;
    app.advance(Duration::days(1));
    let mut reply = vouch.into_bytes();
    reply.extend(pointed(&raw, answers.trim_matches(['<', '>'])).into_bytes());
    let landed = app.deliver(&reply).await;
    app.send().await;
    let after = app.case(REF).await.stage;
    (landed, before, after)
}

#[tokio::test]
async fn complainant_replies_land_on_their_case_and_escalate_only_when_asked() {
    let mut problems = Vec::new();
    for dir in BATCHES {
        let rows = complainant_rows(dir);
        assert!(rows.len() >= 50, "{dir}: the blind set's complainant rows");
        let (mut landed, mut headerless, mut headerless_landed) = (0, 0, 0);
        let (mut wrongly, mut missed, mut asked) = (0, 0, 0);
        for row in &rows {
            let (outcome, before, after) = run_one(dir, row).await;
            let on_case = outcome == Ingested::Threaded(REF.into());
            let escalated = after > before;
            landed += usize::from(on_case);
            if row.threading != "headers" {
                headerless += 1;
                headerless_landed += usize::from(on_case);
            }
            if row.intent == "escalate" {
                asked += 1;
                missed += usize::from(!escalated);
            } else if escalated {
                wrongly += 1;
                problems.push(format!(
                    "{dir}/{}: escalated, labelled {}",
                    row.file, row.intent
                ));
            }
            if !on_case && row.intent != "new_matter" {
                problems.push(format!("{dir}/{}: {outcome:?}", row.file));
            }
        }
        println!(
            "{dir}: on their case {landed} of {} ({headerless_landed} of {headerless} without threading headers); escalated without asking {wrongly}; requests not escalated {missed} of {asked}",
            rows.len()
        );
        // A request read otherwise goes to the handler (never lost); a
        // floor at the training figures keeps it rare.
        assert!(missed <= 1, "{dir}: {missed} requests not escalated");
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
