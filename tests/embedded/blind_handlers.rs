//! The blind reply sets' handler replies (`tests/data/blind/replies-1`,
//! `-8`, `-9` and `-10`, `labels.jsonl` rows with `role = handler`), each taken in
//! by the real ingest on a case of its own: how many would reach the
//! complainant as the formal stage response although the handler did not
//! mean that (issue 13: the hidden suite found 4 of 5 internal notes sent
//! that way). Proof of sender is the DKIM pass from their organisation's
//! server, as configured staff: replies-1 carries it (`mx.provider.example`);
//! replies-8, -9 and -10 were written without one, so the organisation's own
//! server's `Authentication-Results` line is put on top, as it would be.

use crate::harness::*;
use std::collections::BTreeMap;
use std::path::Path;

/// The batches, and whether their replies need the server's verdict added.
const BATCHES: [(&str, bool); 4] = [
    ("tests/data/blind/replies-1", false),
    ("tests/data/blind/replies-8", true),
    ("tests/data/blind/replies-9", true),
    ("tests/data/blind/replies-10", true),
];
const COMPLAINANT: &str = "jo.learner@mail.test";

#[derive(serde::Deserialize)]
struct Label {
    file: String,
    role: String,
    intent: String,
}

fn handler_rows(dir: &str) -> Vec<Label> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let text = std::fs::read_to_string(root.join("labels.jsonl")).expect("labels");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Label>(l).expect("a label"))
        .filter(|l| l.role == "handler")
        .collect()
}

/// The sender's address of a raw message.
fn sender(raw: &str) -> String {
    let m = complaintd::core::mail::parse(raw.as_bytes()).expect("parse");
    m.from.expect("a From").address
}

/// What one handler reply did: the templates of the mail it queued for the
/// complainant, and whether its writer was asked to confirm a draft.
async fn run_one(dir: &str, stamp: bool, file: &str) -> (Vec<String>, bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let raw = std::fs::read_to_string(root.join(file)).expect("read reply");
    let from = sender(&raw);
    let raw = if stamp {
        let domain = from.rsplit('@').next().unwrap_or_default();
        format!(
            "Authentication-Results: mx.provider.example; dkim=pass header.d={domain}; spf=pass smtp.mailfrom={from}; dmarc=pass header.from={domain}\r\n{raw}"
        )
    } else {
        raw
    };
    // The replies' organisation signs its mail at mx.provider.example; its
    // writers are staff here.
    let extra = format!(
        "[[staff]]\nname = \"Blind Handler\"\nemail = \"{from}\"\nroles = [\"skills_coach_manager\"]\n"
    );
    let app = TestApp::spawn_with("provider-b", "2026-11-23T10:00:00Z", &extra).await;
    let cfg = std::fs::read_to_string(&app.config).expect("config");
    std::fs::write(
        &app.config,
        cfg.replace(
            "trusted_authserv_id = [\"mx.provider-b.example.test\"]",
            "trusted_authserv_id = [\"mx.provider-b.example.test\", \"mx.provider.example\"]",
        ),
    )
    .expect("config");
    let mut app = app;
    app.restart().await;
    app.deliver(&message(
        &format!("Jo Learner <{COMPLAINANT}>"),
        "My course",
        "My coach has cancelled three sessions without notice and nobody has rebooked them. I want a written response.",
        "blind-open@mail.test",
    ))
    .await;
    app.send().await;
    let before = app.sent_to(COMPLAINANT).await.len();
    // The reply names its own (made-up) case: point it at this one.
    let re = regex::Regex::new(r"(PAR|ALS)-2026-\d{4}").expect("regex");
    let raw = re.replace_all(&raw, "PAR-2026-0001").into_owned();
    app.advance(chrono::Duration::hours(2));
    app.deliver(raw.as_bytes()).await;
    app.send().await;
    let sent = app
        .sent_to(COMPLAINANT)
        .await
        .into_iter()
        .skip(before)
        .map(|r| r.template)
        .collect();
    let asked = app
        .sent_to(&from)
        .await
        .iter()
        .any(|r| r.template == "draft_confirmation");
    (sent, asked)
}

#[tokio::test]
async fn no_handler_reply_reaches_the_complainant_as_a_response_it_was_not_meant_to_be() {
    let mut unintended = Vec::new();
    for (dir, stamp) in BATCHES {
        let rows = handler_rows(dir);
        assert!(rows.len() >= 13, "{dir}: the blind set's handler rows");
        let mut figures: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
        for row in &rows {
            let (sent, asked) = run_one(dir, stamp, &row.file).await;
            let formal = sent.iter().any(|t| t == "stage_response");
            let any = !sent.is_empty();
            let f = figures.entry(row.intent.clone()).or_default();
            f.0 += 1;
            f.1 += usize::from(formal);
            f.2 += usize::from(any);
            f.3 += usize::from(asked);
            if formal && row.intent != "formal_response" {
                unintended.push(format!("{dir}/{}", row.file));
            }
            // Whatever it meant, a reply that is not a command is sent or
            // kept as a draft with its writer asked: never dropped.
            assert!(
                row.intent == "command" || asked || formal,
                "{dir}/{}: neither sent nor kept as a draft",
                row.file
            );
        }
        for (intent, (n, formal, any, asked)) in &figures {
            println!(
                "{dir} {intent}: {n} replies, {formal} sent at once as the formal response, {any} reached the complainant at once, {asked} kept as a draft with a confirmation to the writer"
            );
        }
        println!(
            "{dir}: handler replies sent as the formal response without being meant as one: {} of {}",
            unintended.iter().filter(|u| u.starts_with(dir)).count(),
            rows.iter().filter(|r| r.intent != "formal_response").count()
        );
    }
    assert!(unintended.is_empty(), "{unintended:?}");
}
