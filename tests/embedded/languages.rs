//! Welsh and bilingual correspondence (issue 15) through the real ingest,
//! store and renderer: provider A corresponds in Welsh and English.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::mail;
use complaintd::store::{OutboxRow, Store};

const WELSH_COMPLAINT: &str = "Rwy'n ysgrifennu i gwyno am fy mhrentisiaeth. Nid yw fy aseswr wedi dod i'r gweithle ers tri mis, ac nid oes neb yn ateb fy negeseuon. Rwy'n anhapus iawn gyda'r gwasanaeth ac rydw i eisiau i rywun edrych ar hyn cyn gynted â phosibl.\n\nCatrin";
const ENGLISH_COMPLAINT: &str = "I am writing to complain about my apprenticeship. My assessor has not visited my workplace for three months and nobody answers my emails. I am very unhappy with the service and I want someone to look into this as soon as possible.\n\nCatrin";
const HANDLER: &str = "rhian.price@provider-a.example.test";

fn subject_and_text(row: &OutboxRow) -> (String, String) {
    let m = mail::parse(&row.raw).expect("parse outgoing");
    (m.subject.clone(), m.text.clone())
}

async fn language_of(app: &TestApp, address: &str) -> Option<String> {
    let mut tx = app.app.store.begin().await.expect("db");
    let l = Store::contact_language(&mut tx, address).await.expect("db");
    tx.rollback().await.expect("db");
    l
}

async fn mail_to(app: &TestApp, to: &str) -> Vec<OutboxRow> {
    app.sent_to(to).await
}

#[tokio::test]
async fn a_welsh_complaint_is_acknowledged_in_welsh_only() {
    let app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    let who = "catrin@mail.test";
    app.deliver(&message(
        &format!("Catrin Morgan <{who}>"),
        "Cwyn",
        WELSH_COMPLAINT,
        "c1@mail.test",
    ))
    .await;
    assert_eq!(language_of(&app, who).await.as_deref(), Some("cy"));
    let ack = app.last("acknowledgement", who).await;
    let (subject, text) = subject_and_text(&ack);
    assert!(subject.contains("Rydym wedi cael eich neges"), "{subject}");
    assert!(!subject.contains(" / "), "one language only: {subject}");
    assert!(text.starts_with("Annwyl Catrin Morgan"), "{text}");
    assert!(!text.contains("Dear "), "{text}");
    // The stage's Welsh name, and the date in Welsh: two working days from
    // Thursday 3 December 2026 is Monday 7 December.
    assert!(text.contains("Cam 1 – Anffurfiol"), "{text}");
    assert!(text.contains("dydd Llun 7 Rhagfyr 2026 am 17:00"), "{text}");
    assert!(
        text.contains("Rydym yn croesawu gohebiaeth yn Gymraeg"),
        "{text}"
    );
    // Staff mail stays English and says which language to answer in.
    let note = app.last("handler_notification", HANDLER).await;
    let (_, staff) = subject_and_text(&note);
    assert!(
        staff.contains("They wrote in Welsh: write to them in Welsh"),
        "{staff}"
    );
    assert!(staff.contains("Monday 7 December 2026, 17:00"), "{staff}");
}

#[tokio::test]
async fn deadlines_are_the_same_whatever_the_language() {
    let a = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    a.deliver(&message(
        "cy@mail.test",
        "Cwyn",
        WELSH_COMPLAINT,
        "d1@mail.test",
    ))
    .await;
    let b = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    b.deliver(&message(
        "en@mail.test",
        "Complaint",
        ENGLISH_COMPLAINT,
        "d2@mail.test",
    ))
    .await;
    let due = |v: Vec<(
        complaintd::core::reference::CaseRef,
        complaintd::core::case::Deadline,
    )>| {
        v.into_iter()
            .map(|(_, d)| (d.kind, d.due))
            .collect::<Vec<_>>()
    };
    let da = due(a.app.store.all_deadlines().await.expect("db"));
    let db = due(b.app.store.all_deadlines().await.expect("db"));
    assert!(!da.is_empty());
    assert_eq!(da, db);
    let (_, en) = subject_and_text(&b.last("acknowledgement", "en@mail.test").await);
    assert!(en.contains("Monday 7 December 2026, 17:00"), "{en}");
    assert!(en.contains("We welcome correspondence in Welsh"), "{en}");
    assert!(!en.contains("Annwyl"), "{en}");
}

#[tokio::test]
async fn an_unknown_language_gets_one_bilingual_message_welsh_first() {
    let app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    let who = "sam@mail.test";
    // Half and half: no language to go by.
    app.deliver(&message(
        who,
        "Complaint / Cwyn",
        "I want to complain: the bus was late again.\nRwy eisiau cwyno: roedd y bws yn hwyr eto.",
        "u1@mail.test",
    ))
    .await;
    assert_eq!(language_of(&app, who).await, None);
    let to_them = mail_to(&app, who).await;
    assert_eq!(to_them.len(), 1, "one message, not one per language");
    let (subject, text) = subject_and_text(&to_them[0]);
    assert!(
        subject.ends_with("Rydym wedi cael eich neges / We have received your message"),
        "{subject}"
    );
    let cy = text.find("Annwyl").expect("Welsh part");
    let en = text.find("Dear").expect("English part");
    assert!(cy < en, "Welsh first:\n{text}");
    let all = app.sent().await;
    let note = all
        .iter()
        .find(|r| r.template == "handler_notification")
        .unwrap_or_else(|| {
            panic!(
                "no handler notification: {:?}",
                all.iter()
                    .map(|r| (&r.template, &r.recipient))
                    .collect::<Vec<_>>()
            )
        });
    let (_, staff) = subject_and_text(note);
    assert!(staff.contains("Their language is not known yet"), "{staff}");
}

#[tokio::test]
async fn the_first_message_sets_the_language_a_short_one_never_flips_it_a_clear_one_changes_it() {
    let mut app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    let who = "catrin@mail.test";
    app.deliver(&message(who, "Cwyn", WELSH_COMPLAINT, "p1@mail.test"))
        .await;
    app.send().await;
    assert_eq!(language_of(&app, who).await.as_deref(), Some("cy"));
    let ack = app.last("acknowledgement", who).await;
    // "Thanks" in English, and a bilingual signature: too little to go by.
    for (n, body) in [
        (1, "Thanks"),
        (2, "Diolch yn fawr\n\nCatrin Morgan\nPrentis / Apprentice"),
    ] {
        app.advance(Duration::minutes(10));
        app.deliver(&app.gmail_reply(&ack, who, body, n)).await;
        assert_eq!(
            language_of(&app, who).await.as_deref(),
            Some("cy"),
            "after {body:?}"
        );
    }
    // A clear English message: they are written to in English from now on.
    app.advance(Duration::minutes(10));
    app.deliver(&app.gmail_reply(
        &ack,
        who,
        "I would rather you wrote to me in English from now on, please, because my parents want to read the letters as well and they do not speak Welsh.",
        3,
    ))
    .await;
    assert_eq!(language_of(&app, who).await.as_deref(), Some("en"));
    let cases = app.app.store.list_cases(None).await.expect("db");
    assert_eq!(
        cases[0].language.as_deref(),
        Some("en"),
        "the case records it"
    );
    // The handler extends: the delay notice follows the new language.
    let note = app.last("handler_notification", HANDLER).await;
    app.deliver(&app.outlook_reply(
        &note,
        HANDLER,
        "#extend 2026-12-14 waiting for the assessor's notes",
        4,
    ))
    .await;
    let (subject, text) = subject_and_text(&app.last("delay_notice", who).await);
    assert!(subject.contains("A new date for our response"), "{subject}");
    assert!(!subject.contains(" / "), "{subject}");
    assert!(text.contains("Monday 14 December 2026"), "{text}");
}

#[tokio::test]
async fn a_handler_sets_the_language_with_a_command() {
    let app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    let who = "dafydd@mail.test";
    app.deliver(&message(
        who,
        "Complaint",
        ENGLISH_COMPLAINT,
        "h1@mail.test",
    ))
    .await;
    assert_eq!(language_of(&app, who).await.as_deref(), Some("en"));
    let note = app.last("handler_notification", HANDLER).await;
    // The rest of the reply in Welsh: the command works all the same.
    app.deliver(&app.outlook_reply(
        &note,
        HANDLER,
        "Siaradais â Dafydd ar y ffôn; mae'n well ganddo Gymraeg.\n#language cy\n#extend 2026-12-14 aros am nodiadau'r aseswr",
        5,
    ))
    .await;
    assert_eq!(language_of(&app, who).await.as_deref(), Some("cy"));
    let cases = app.app.store.list_cases(None).await.expect("db");
    assert_eq!(
        cases[0].language.as_deref(),
        Some("cy"),
        "the case records it"
    );
    let (subject, text) = subject_and_text(&app.last("delay_notice", who).await);
    assert!(!subject.contains(" / "), "{subject}");
    assert!(text.contains("dydd Llun 14 Rhagfyr 2026"), "{text}");
    assert!(text.contains("aros am nodiadau'r aseswr"), "{text}");
    // A language the organisation does not write in is refused, and says why.
    app.deliver(&app.outlook_reply(&note, HANDLER, "#language fr", 6))
        .await;
    assert_eq!(language_of(&app, who).await.as_deref(), Some("cy"));
    let (_, report) = subject_and_text(&app.last("command_report", HANDLER).await);
    assert!(
        report.contains("#language: the organisation writes in cy, en"),
        "{report}"
    );
}

#[tokio::test]
async fn a_handlers_welsh_response_goes_inside_the_welsh_wrapper() {
    let app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    let who = "catrin@mail.test";
    app.deliver(&message(
        &format!("Catrin Morgan <{who}>"),
        "Cwyn",
        WELSH_COMPLAINT,
        "r1@mail.test",
    ))
    .await;
    let note = app.last("handler_notification", HANDLER).await;
    app.deliver(&clicked(
        &note,
        "send",
        HANDLER,
        "Annwyl Catrin,\n\nMae'n ddrwg gennym. Bydd eich aseswr newydd yn ymweld â chi ddydd Mawrth.\n\nRhian Price",
        "r2@staff.test",
    ))
    .await;
    let (subject, text) = subject_and_text(&app.last("stage_response", who).await);
    assert!(subject.contains("Cam 1 – Anffurfiol"), "{subject}");
    assert!(!subject.contains("Our response"), "{subject}");
    assert!(text.contains("Bydd eich aseswr newydd yn ymweld"), "{text}");
    assert!(text.contains("10 diwrnod gwaith"), "{text}");
    assert!(!text.contains("If you are not satisfied"), "{text}");
}

#[tokio::test]
async fn the_case_record_and_the_digest_show_each_cases_language() {
    let mut app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    app.deliver(&message(
        "catrin@mail.test",
        "Cwyn",
        WELSH_COMPLAINT,
        "k1@mail.test",
    ))
    .await;
    app.deliver(&message(
        "dai@mail.test",
        "Complaint",
        ENGLISH_COMPLAINT,
        "k2@mail.test",
    ))
    .await;
    app.deliver(&message(
        "sam@mail.test",
        "Complaint / Cwyn",
        "I want to complain: the bus was late again.\nRwy eisiau cwyno: roedd y bws yn hwyr eto.",
        "k3@mail.test",
    ))
    .await;
    let cases = app.app.store.list_cases(None).await.expect("db");
    let by = |who: &str| {
        cases
            .iter()
            .find(|c| c.complainant.address == who)
            .unwrap_or_else(|| panic!("no case from {who}"))
    };
    assert_eq!(by("catrin@mail.test").language.as_deref(), Some("cy"));
    assert_eq!(by("dai@mail.test").language.as_deref(), Some("en"));
    assert_eq!(by("sam@mail.test").language, None);

    let out = tempfile::tempdir().expect("tempdir");
    let folder =
        complaintd::work::export::export(&app.app, &by("catrin@mail.test").reference, out.path())
            .await
            .expect("export");
    let record = std::fs::read_to_string(folder.join("case-record.txt")).expect("record");
    assert!(record.contains("\nLanguage: Welsh (cy)\n"), "{record}");

    app.advance(Duration::hours(1));
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest")
        .to_text();
    assert!(
        digest.contains("from catrin@mail.test, Stage 1 – Informal, open, in Welsh"),
        "{digest}"
    );
    assert!(
        digest.contains("from dai@mail.test, Stage 1 – Informal, open, in English"),
        "{digest}"
    );
    assert!(digest.contains("language not known"), "{digest}");
}

#[tokio::test]
async fn a_refusal_and_an_outcome_are_worded_in_welsh_for_a_welsh_writer() {
    let app = TestApp::spawn("provider-a", "2026-12-03T10:00:00Z").await;
    let who = "catrin@mail.test";
    app.deliver(&message(who, "Cwyn", WELSH_COMPLAINT, "o1@mail.test"))
        .await;
    let note = app.last("handler_notification", HANDLER).await;
    app.deliver(&app.outlook_reply(
        &note,
        HANDLER,
        "#outcome partly-upheld: cafodd y sesiynau eu canslo",
        7,
    ))
    .await;
    app.deliver(&clicked(
        &note,
        "send",
        HANDLER,
        "Annwyl Catrin,\n\nMae'n ddrwg gennym am hyn.\n\nRhian Price",
        "o2@staff.test",
    ))
    .await;
    let (_, text) = subject_and_text(&app.last("stage_response", who).await);
    assert!(
        text.contains("Canlyniad eich cwyn: cadarnhawyd yn rhannol. Ein rhesymau: cafodd y sesiynau eu canslo"),
        "{text}"
    );
    assert!(!text.contains("partly upheld"), "{text}");
    // A second Welsh writer's complaint is refused: the ground in Welsh.
    let other = "gwen@mail.test";
    app.deliver(&message(other, "Cwyn", WELSH_COMPLAINT, "o3@mail.test"))
        .await;
    let note = app
        .sent_to(HANDLER)
        .await
        .into_iter()
        .rev()
        .find(|r| r.template == "handler_notification")
        .expect("notification");
    app.deliver(&app.outlook_reply(
        &note,
        HANDLER,
        "#refuse already-answered: atebwyd hyn ym mis Hydref",
        8,
    ))
    .await;
    let (subject, text) = subject_and_text(&app.last("refusal_notice", other).await);
    assert!(subject.contains("Ni allwn dderbyn eich cwyn"), "{subject}");
    assert!(
        text.contains("am y rheswm canlynol: rydym eisoes wedi ymateb i'r mater hwn."),
        "{text}"
    );
}
