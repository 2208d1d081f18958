//! Welsh and bilingual correspondence through the real servers (issue 15):
//! an organisation that corresponds in Welsh and English answers a Welsh
//! complaint in Welsh (acknowledgement, the handler's Welsh response,
//! escalation), an English one in English, and one in no clear language
//! bilingually, Welsh first, in one message. What each complainant received
//! is compared with a golden file (dates and the year of the reference,
//! which follow the real clock, written as placeholders).

use super::intents::clicked;
use super::*;
use regex::Regex;
use std::path::Path;

const HANNAH: &str = "Hannah Handler <handler@example.test>";
const ACK_CY: &str = "Rydym wedi cael eich neges";

/// Provider B's procedure with Welsh names for its stages and itself.
fn bilingual_policy() -> String {
    POLICY_B
        .replacen(
            "name = \"Stage 1\"\n",
            "name = \"Stage 1\"\nnames = { cy = \"Cam 1\" }\n",
            1,
        )
        .replacen(
            "name = \"Stage 2\"\n",
            "name = \"Stage 2\"\nnames = { cy = \"Cam 2\" }\n",
            1,
        )
        .replacen(
            "name = \"Apprentice & Employer/Partner Complaints Procedure\"\n",
            "name = \"Apprentice & Employer/Partner Complaints Procedure\"\nnames = { cy = \"Gweithdrefn Gwyno Prentisiaid a Chyflogwyr\" }\n",
            1,
        )
}

/// What a person received, as a golden file shows it: subject and text of
/// each message in order, with what follows the real clock made fixed.
fn received(msgs: &[Vec<u8>]) -> String {
    let dates = [
        Regex::new(r"dydd \S+ \d{1,2} \S+ \d{4}( am \d\d:\d\d)?").expect("regex"),
        Regex::new(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4}(, \d\d:\d\d)?")
            .expect("regex"),
        Regex::new(r"PAR-\d{4}-").expect("regex"),
    ];
    let mut out = String::new();
    for m in msgs {
        let m = parse(m);
        out.push_str(&format!(
            "Subject: {}\n\n{}\n==========\n",
            m.subject,
            m.text.trim_end()
        ));
    }
    let out = dates[0].replace_all(&out, "<DYDDIAD>");
    let out = dates[1].replace_all(&out, "<DATE>");
    dates[2].replace_all(&out, "PAR-YYYY-").into_owned()
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, want, "{name} differs (UPDATE_GOLDEN=1 to accept)");
}

/// Send a complaint from `who` and wait for their acknowledgement (its
/// subject has `ack`) and the handler's notification.
async fn open(s: &Stack, who: &str, body: &str, ack: &str, id: &str) -> (String, Vec<u8>) {
    smtp_send(
        s,
        &format!("{who}@example.test"),
        &["complaints@example.test"],
        &complaint(
            &format!("{who} <{who}@example.test>"),
            "Cwyn / Complaint",
            body,
            id,
        ),
    )
    .await;
    let inbox = wait_inbox(s, who, 20, "the acknowledgement", |m| {
        !with_template(m, ack).is_empty()
    })
    .await;
    let reference = tagged(with_template(&inbox, ack)[0]).expect("tag");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welsh_english_and_unknown_through_real_servers() {
    let (s, _g) = stack().await;
    purge_all(s);
    purge(s, &["bench"]);
    let mut app = Instance::new(s, &bilingual_policy());
    let cfg = std::fs::read_to_string(&app.config).expect("config");
    std::fs::write(
        &app.config,
        cfg.replacen(
            "reply_address = \"complaints@example.test\"\n",
            "reply_address = \"complaints@example.test\"\nlanguages = [\"cy\", \"en\"]\n",
            1,
        ),
    )
    .expect("config");
    app.start();

    // 1. A Welsh complaint: acknowledged in Welsh only.
    let (reference, note) = open(
        s,
        "alice",
        "Rwy'n ysgrifennu i gwyno am fy hyfforddwr. Mae wedi canslo tair sesiwn heb rybudd, ac nid oes neb wedi trefnu rhai newydd. Dydw i ddim yn hapus ac rydw i eisiau gwybod beth fydd yn cael ei wneud.\r\n\r\nAlice",
        ACK_CY,
        "e2e-cy1@example.test",
    )
    .await;
    let staff = parse(&note).text;
    assert!(staff.contains("They wrote in Welsh"), "{staff}");
    // 2. The handler answers in Welsh by the Send link: it goes inside the
    //    Welsh wrapper, with the next stage's contact in Welsh words.
    let (to, raw) = clicked(
        &note,
        "send",
        HANNAH,
        "Annwyl Alice,\r\n\r\nMae'n ddrwg iawn gennym. Mae eich sesiynau wedi'u haildrefnu ar gyfer dydd Iau am 10:00.\r\n\r\nHannah",
        "e2e-cy2@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let alice = wait_inbox(s, "alice", 20, "the Welsh response", |m| {
        !with_template(m, "Ein hymateb i'ch cwyn").is_empty()
    })
    .await;
    // 3. "Dydw i ddim yn fodlon": stage 2, acknowledged in Welsh.
    let resp = with_template(&alice, "Ein hymateb i'ch cwyn")[0].clone();
    smtp_send(
        s,
        "alice@example.test",
        &["complaints@example.test"],
        &gmail_reply(
            &resp,
            "alice <alice@example.test>",
            "Diolch am yr ymateb, ond dydw i ddim yn fodlon. Cafodd sesiwn dydd Iau ei chanslo hefyd, a hoffwn i'r gŵyn fynd ymlaen i'r cam nesaf.",
            "e2e-cy3@example.test",
        ),
    )
    .await;
    let alice = wait_inbox(s, "alice", 20, "the Welsh stage 2 acknowledgement", |m| {
        with_template(m, ACK_CY).len() == 2
    })
    .await;
    let cases = app.cases();
    let case = cases
        .iter()
        .find(|c| c["reference"] == reference.as_str())
        .expect("case");
    assert_eq!(case["stage"], "stage2");
    assert_eq!(case["language"], "cy", "the case record shows its language");
    assert!(
        alice.iter().all(|m| !subject(m).contains(" / ")),
        "Welsh only, never bilingual, once the language is known"
    );
    golden("e2e-welsh-mail.txt", &received(&alice));

    // 4. An English complaint: English only (with the Welsh-welcome line).
    let (_, note) = open(s, "bob", BODY, "We have received", "e2e-en1@example.test").await;
    let (to, raw) = clicked(
        &note,
        "send",
        HANNAH,
        "Dear Bob,\r\n\r\nYour sessions are rebooked for Thursday at 10:00.\r\n\r\nHannah",
        "e2e-en2@example.test",
    );
    smtp_send(s, "handler@example.test", &[&to], &raw).await;
    let bob = wait_inbox(s, "bob", 20, "the English response", |m| {
        !with_template(m, "Our response").is_empty()
    })
    .await;
    assert!(bob.iter().all(|m| !parse(m).text.contains("Annwyl")));
    golden("e2e-english-mail.txt", &received(&bob));

    // 5. Half Welsh, half English: one bilingual acknowledgement, Welsh first.
    smtp_send(
        s,
        "bench@example.test",
        &["complaints@example.test"],
        &complaint(
            "bench <bench@example.test>",
            "Cwyn / Complaint",
            "I want to complain: my sessions were cancelled again.\r\nRwy eisiau cwyno: cafodd fy sesiynau eu canslo eto.",
            "e2e-un1@example.test",
        ),
    )
    .await;
    let bench = wait_inbox(s, "bench", 20, "the bilingual acknowledgement", |m| {
        !with_template(m, ACK_CY).is_empty()
    })
    .await;
    assert_eq!(bench.len(), 1, "one message, not one per language");
    assert!(subject(&bench[0]).ends_with(&format!("{ACK_CY} / We have received your message")));
    golden("e2e-bilingual-mail.txt", &received(&bench));

    let st = app.stop();
    assert!(st.success(), "exit status {st:?}\n{}", app.log());
}
