//! Issue 16 items 1–7 on the real store, scheduler and binary: the
//! complaint defined and restated, outcomes required before a stage
//! response, remedies chased to completion and in the digest, extension
//! caps, independent stages, refusals naming the external body, late
//! complaints flagged; all shown by `cases show` and `cases export`.

use crate::harness::*;
use chrono::Duration;
use complaintd::core::case::records::{Outcome, RefusalGround};
use complaintd::core::case::{DeadlineKind, State};
use std::process::Command;

const PRIYA: &str = "priya.desai@provider-b.example.test";
const TOM: &str = "tom.hughes@provider-b.example.test";
const RUTH: &str = "ruth.adeyemi@provider-b.example.test";
const BEN: &str = "ben.carter@provider-b.example.test";
const JO: &str = "jo.learner@mail.test";
const REF: &str = "PAR-2026-0001";

/// Provider B with `records` as its `[records]` section, `stage1` extra
/// keys for Stage 1, and `staff` applied to the staff list.
async fn spawn(records: &str, stage1: &str, staff: &dyn Fn(String) -> String) -> TestApp {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T10:00:00Z").await;
    let dir = app.dir.path().to_path_buf();
    let policy = std::fs::read_to_string(dir.join("policy.toml")).expect("policy");
    let policy = policy.replacen(
        "name = \"Stage 1\"\n",
        &format!("name = \"Stage 1\"\n{stage1}\n"),
        1,
    );
    std::fs::write(
        dir.join("policy.toml"),
        format!("{policy}\n[records]\n{records}\n"),
    )
    .expect("write policy");
    let cfg = std::fs::read_to_string(&app.config).expect("config");
    std::fs::write(&app.config, staff(cfg)).expect("write config");
    app.restart().await;
    app
}

fn same(s: String) -> String {
    s
}

async fn open(app: &TestApp, body: &str) {
    app.deliver(&message(
        &format!("Jo Learner <{JO}>"),
        "Coaching sessions",
        body,
        "r-open@mail.test",
    ))
    .await;
    app.send().await;
}

const COMPLAINT: &str = "My coach has cancelled three sessions without notice and nobody has rebooked them. I want them rebooked and a written response.";

/// Priya's commands, as a reply to her notification.
async fn commands(app: &TestApp, text: &str, n: u32) {
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&app.outlook_reply(&note, PRIYA, text, n)).await;
    app.send().await;
}

async fn respond(app: &TestApp, text: &str, id: &str) {
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&clicked(&note, "send", PRIYA, text, id)).await;
    app.send().await;
}

fn templates_to(rows: &[complaintd::store::OutboxRow]) -> Vec<String> {
    rows.iter().map(|r| r.template.clone()).collect()
}

#[tokio::test]
async fn a_response_without_its_outcome_is_refused_and_the_outcome_and_definition_go_with_it() {
    let app = spawn("require_outcome = true", "", &same).await;
    open(&app, COMPLAINT).await;
    respond(&app, "We have looked into your complaint.", "r1@staff.test").await;
    assert!(
        !templates_to(&app.sent_to(JO).await).contains(&"stage_response".to_string()),
        "nothing reaches the complainant without an outcome"
    );
    let refused = describe(&app.last("draft_confirmation", PRIYA).await);
    assert!(
        refused.contains("needs its outcome recorded first") && refused.contains("#outcome"),
        "{refused}"
    );
    assert_eq!(app.case(REF).await.state, State::Open);

    commands(
        &app,
        "#define issues: three coaching sessions cancelled without notice; outcome sought: the sessions rebooked\n#outcome partly-upheld: the sessions were cancelled without notice, but the coach was genuinely ill",
        2,
    )
    .await;
    respond(&app, "We have looked into your complaint.", "r3@staff.test").await;
    let response = describe(&app.last("stage_response", JO).await);
    assert!(
        response.contains("You complained about: three coaching sessions cancelled without notice. You asked for: the sessions rebooked.")
            && response.contains("Outcome: your complaint is partly upheld. Our reasons: the sessions were cancelled without notice, but the coach was genuinely ill"),
        "{response}"
    );
    let c = app.case(REF).await;
    let o = c.records.outcome(0).expect("stage 1 outcome");
    assert_eq!(o.outcome, Outcome::PartlyUpheld);
    assert!(o.sent_at.is_some());
    assert_eq!(c.records.stage_handlers[0].handler, PRIYA);

    // Jo takes it further: her words are the points that remain, and the
    // stage 2 acknowledgement restates the complaint and them.
    let response = app.last("stage_response", JO).await;
    app.deliver(&app.gmail_reply(
        &response,
        JO,
        "I am not satisfied and want to escalate to stage 2: the sessions have still not been rebooked.",
        4,
    ))
    .await;
    app.send().await;
    let c = app.case(REF).await;
    assert_eq!(c.stage, 1);
    assert!(
        c.records.remaining[0]
            .points
            .contains("still not been rebooked")
            && c.records.remaining[0].stage == 1
            && c.records.remaining[0].by == "complainant",
        "{:?}",
        c.records.remaining
    );
    let ack = describe(&app.last("acknowledgement", JO).await);
    assert!(
        ack.contains("three coaching sessions cancelled without notice")
            && ack.contains("still not been rebooked"),
        "{ack}"
    );
}

#[tokio::test]
async fn remedies_are_chased_alerted_listed_and_followed_past_closing() {
    let mut app = spawn("tell_complainant_remedy_done = true", "", &same).await;
    open(&app, COMPLAINT).await;
    respond(
        &app,
        "We are sorry; here is what we will do.",
        "m1@staff.test",
    )
    .await;
    // Monday 23rd: the apology is due Wednesday 25th, the refund Friday 4 December.
    commands(
        &app,
        "#remedy apology owner priya.desai@provider-b.example.test due 2 working days: a written apology from the coach\n#remedy refund owner head_of_contracts due 2026-12-04: refund the £40 session fee",
        2,
    )
    .await;
    let c = app.case(REF).await;
    assert_eq!(c.records.remedies.len(), 2);
    let due = |c: &complaintd::core::case::Case| {
        c.deadlines
            .iter()
            .find(|d| d.kind == DeadlineKind::Remedy)
            .map(|d| (d.due, d.breached))
    };
    assert_eq!(due(&c), Some((t("2026-11-25T17:30:00Z"), false)));

    // Chased before Wednesday's close, alerted after it.
    app.run_until(t("2026-11-25T16:00:00Z"), Duration::hours(1))
        .await;
    let chase = describe(&app.last("remedy_reminder", PRIYA).await);
    assert!(
        chase.contains("due soon") && chase.contains("a written apology from the coach"),
        "{chase}"
    );
    app.run_until(t("2026-11-26T09:00:00Z"), Duration::hours(1))
        .await;
    let overdue = describe(&app.last("remedy_reminder", PRIYA).await);
    assert!(overdue.contains("is overdue"), "{overdue}");
    // The refund's owner has not been chased yet: it is not due.
    assert!(app.sent_to(RUTH).await.is_empty());
    let c = app.case(REF).await;
    assert_eq!(due(&c), Some((t("2026-12-04T17:30:00Z"), false)));
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    let s = digest
        .sections
        .iter()
        .find(|s| s.title.starts_with("Outstanding remedies"))
        .expect("remedies in the digest");
    assert!(
        s.lines
            .iter()
            .any(|l| l.contains("remedy 1: apology") && l.contains("OVERDUE"))
            && s.lines
                .iter()
                .any(|l| l.contains("remedy 2: refund") && !l.contains("OVERDUE")),
        "{s:?}"
    );

    commands(&app, "#remedy-done 1", 3).await;
    let done = describe(&app.last("remedy_done", JO).await);
    assert!(done.contains("a written apology from the coach"), "{done}");

    // The case closes; the refund is still followed.
    commands(
        &app,
        "#close lessons: rebook cancelled sessions within a week",
        4,
    )
    .await;
    app.run_until(t("2026-12-04T12:00:00Z"), Duration::hours(2))
        .await;
    let c = app.case(REF).await;
    assert_eq!(c.state, State::Closed);
    assert_eq!(due(&c), Some((t("2026-12-04T17:30:00Z"), false)));
    assert!(
        templates_to(&app.sent_to(RUTH).await).contains(&"remedy_reminder".to_string()),
        "the refund's owner is chased"
    );
    // Tokens from before the closing are dead; the reminder carries a live one.
    let reminder = app.last("remedy_reminder", PRIYA).await;
    app.deliver(&app.outlook_reply(&reminder, PRIYA, "#remedy-done 2", 5))
        .await;
    app.send().await;
    let c = app.case(REF).await;
    assert_eq!(due(&c), None);
    assert!(c.records.outstanding().next().is_none());
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    assert!(digest
        .sections
        .iter()
        .all(|s| !s.title.starts_with("Outstanding remedies")));
}

#[tokio::test]
async fn an_extension_past_the_cap_needs_a_second_reason_and_names_the_external_body() {
    let app = spawn(
        "extension_names_external_body = true",
        "max_extension = \"5 working days\"",
        &same,
    )
    .await;
    open(&app, COMPLAINT).await;
    // Due Monday 30 November; Tuesday 8 December is 6 working days on.
    commands(
        &app,
        "#extend 2026-12-08 we are waiting for the employer's statement",
        2,
    )
    .await;
    let report = describe(&app.last("command_report", PRIYA).await);
    assert!(
        report.contains("past the procedure's cap of 5 working days")
            && report.contains("beyond-cap"),
        "{report}"
    );
    assert!(!templates_to(&app.sent_to(JO).await).contains(&"delay_notice".to_string()));
    assert!(app.case(REF).await.records.extensions.is_empty());

    commands(
        &app,
        "#extend 2026-12-08 we are waiting for the employer's statement beyond-cap: the employer's office is closed until 7 December",
        3,
    )
    .await;
    let notice = describe(&app.last("delay_notice", JO).await);
    let body = &app.app.loaded.policy.stages[3].external_bodies[0].name;
    assert!(
        notice.contains("waiting for the employer's statement")
            && !notice.contains("office is closed")
            && notice.contains(body.as_str()),
        "{notice}"
    );
    let c = app.case(REF).await;
    let e = &c.records.extensions[0];
    assert_eq!((e.working_days, e.total_working_days), (6, 6));
    assert_eq!(
        e.beyond_cap.as_deref(),
        Some("the employer's office is closed until 7 December")
    );
    let digest = complaintd::work::digest::build(&app.app, app.now)
        .await
        .expect("digest");
    let s = digest
        .sections
        .iter()
        .find(|s| s.title == "Extensions past the procedure's cap")
        .expect("the digest reports it");
    assert!(
        s.lines[0].contains(REF) && s.lines[0].contains("office is closed"),
        "{s:?}"
    );
}

#[tokio::test]
async fn independent_stages_pass_over_or_refuse_an_earlier_stages_handler() {
    // Priya is also a stage 2 manager, listed before Tom: without the rule
    // she would handle stage 2 of her own stage 1 case.
    let both = |cfg: String| {
        cfg.replacen(
            "roles = [\"skills_coach_manager\"]",
            "roles = [\"skills_coach_manager\", \"stage2_manager\"]",
            1,
        )
    };
    let app = spawn("independent_stages = true", "", &both).await;
    open(&app, COMPLAINT).await;
    respond(&app, "Here is our response.", "i1@staff.test").await;
    let response = app.last("stage_response", JO).await;
    app.deliver(&app.gmail_reply(&response, JO, "I want to escalate this to stage 2.", 2))
        .await;
    app.send().await;
    let c = app.case(REF).await;
    assert_eq!((c.stage, c.handler.as_deref()), (1, Some(TOM)));

    // Only Priya in the role: stage 2 is left unassigned for a decision.
    let only = |cfg: String| {
        both(cfg).replacen(
            "roles = [\"stage2_manager\", \"manager\"]",
            "roles = [\"manager\"]",
            1,
        )
    };
    let app = spawn("independent_stages = true", "", &only).await;
    open(&app, COMPLAINT).await;
    respond(&app, "Here is our response.", "i3@staff.test").await;
    let response = app.last("stage_response", JO).await;
    app.deliver(&app.gmail_reply(&response, JO, "I want to escalate this to stage 2.", 4))
        .await;
    app.send().await;
    let c = app.case(REF).await;
    assert_eq!((c.stage, c.handler.as_deref()), (1, None));
    let needed = describe(&app.last("handler_needed", BEN).await);
    assert!(
        needed.contains(PRIYA) && needed.contains("#assign"),
        "{needed}"
    );
    // A reply to that notice assigning Priya is refused; Tom is accepted.
    let notice = app.last("handler_needed", BEN).await;
    app.deliver(&app.outlook_reply(&notice, BEN, &format!("#assign {PRIYA}"), 5))
        .await;
    app.send().await;
    let report = describe(&app.last("command_report", BEN).await);
    assert!(report.contains("handled Stage 1 of this case"), "{report}");
    assert_eq!(app.case(REF).await.handler, None);
    app.deliver(&app.outlook_reply(&notice, BEN, &format!("#assign {TOM}"), 6))
        .await;
    app.send().await;
    assert_eq!(app.case(REF).await.handler.as_deref(), Some(TOM));
}

#[tokio::test]
async fn refusals_are_recorded_and_the_letter_names_the_external_body() {
    let app = spawn("", "", &same).await;
    open(&app, COMPLAINT).await;
    commands(
        &app,
        "#refuse already-answered: we answered this complaint in full in October (PAR-2025-0102)",
        2,
    )
    .await;
    let letter = describe(&app.last("refusal_notice", JO).await);
    let body = &app.app.loaded.policy.stages[3].external_bodies[0].name;
    assert!(
        letter.contains("cannot accept it as a complaint")
            && letter.contains("it has already been answered")
            && letter.contains("we answered this complaint in full in October")
            && letter.contains(body.as_str()),
        "{letter}"
    );
    let c = app.case(REF).await;
    assert_eq!(c.state, State::Closed);
    let r = &c.records.refusals[0];
    assert_eq!(
        (r.ground, r.escalation),
        (RefusalGround::AlreadyAnswered, false)
    );
    let audit = app.app.store.case_audit(&cref(REF)).await.expect("audit");
    assert!(audit.iter().any(|a| a.action == "refused to accept"));
}

#[tokio::test]
async fn a_late_complaint_is_flagged_and_the_decision_recorded() {
    let app = spawn("raise_within = \"12 months\"", "", &same).await;
    open(
        &app,
        "In March 2024 my coach stopped turning up to our sessions and nobody rebooked them. I want an apology.",
    )
    .await;
    let flag = describe(&app.last("late_complaint", PRIYA).await);
    assert!(
        flag.contains("March 2024") && flag.contains("12 months") && flag.contains("#accept-late"),
        "{flag}"
    );
    let c = app.case(REF).await;
    let late = c.records.late.as_ref().expect("flagged");
    assert_eq!(
        (late.evidence.as_str(), late.decision.is_none()),
        ("March 2024", true)
    );
    let flag = app.last("late_complaint", PRIYA).await;
    app.deliver(&app.outlook_reply(
        &flag,
        PRIYA,
        "#accept-late the coach's manager promised in writing to sort it, which kept the learner waiting",
        2,
    ))
    .await;
    app.send().await;
    let c = app.case(REF).await;
    let audit = app.app.store.case_audit(&cref(REF)).await.expect("audit");
    let d = c
        .records
        .late
        .and_then(|l| l.decision)
        .unwrap_or_else(|| panic!("{audit:#?}"));
    assert!(d.accepted && d.by == PRIYA, "{d:?}");

    // A recent complaint is not flagged.
    let app = spawn("raise_within = \"12 months\"", "", &same).await;
    open(&app, COMPLAINT).await;
    assert!(app.case(REF).await.records.late.is_none());
    assert!(!templates_to(&app.sent_to(PRIYA).await).contains(&"late_complaint".to_string()));
}

#[tokio::test]
async fn cases_show_and_export_include_every_record() {
    let app = spawn(
        "require_outcome = true",
        "max_extension = \"5 working days\"",
        &same,
    )
    .await;
    open(&app, COMPLAINT).await;
    commands(
        &app,
        "#define issues: three coaching sessions cancelled; outcome sought: the sessions rebooked\n#extend 2026-12-08 waiting for the employer's statement beyond-cap: the employer is closed until 7 December\n#outcome upheld: the sessions were cancelled without notice",
        2,
    )
    .await;
    respond(&app, "We are sorry.", "s3@staff.test").await;
    commands(
        &app,
        "#remedy apology owner priya.desai@provider-b.example.test due 2026-12-10: a written apology",
        4,
    )
    .await;
    let response = app.last("stage_response", JO).await;
    app.deliver(&app.gmail_reply(&response, JO, "I want to take this to stage 2.", 5))
        .await;
    app.send().await;
    let note = app.last("handler_notification", TOM).await;
    app.deliver(&app.outlook_reply(
        &note,
        TOM,
        "#refuse already-answered: the stage 1 response answered every point",
        6,
    ))
    .await;
    app.send().await;

    secret_from_env(&app.config);
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .arg("--config")
            .arg(&app.config)
            .args(args)
            .env(SECRET_ENV, SECRET)
            .output()
            .expect("run");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let show = run(&["cases", "show", REF]);
    for want in [
        "records:",
        "Complaint about: three coaching sessions cancelled",
        "Outcome sought: the sessions rebooked",
        "Extension at Stage 1: to 2026-12-08 (+6 working days, 6 in all)",
        "BEYOND THE CAP: the employer is closed until 7 December",
        "Outcome of Stage 1: upheld (sent",
        "Remedy 1: apology owner priya.desai@provider-b.example.test due 2026-12-10: a written apology (outstanding)",
        "Refused to escalate at Stage 2: already-answered",
        "Points remaining at Stage 2: I want to take this to stage 2.",
        "Handled Stage 1: priya.desai@provider-b.example.test",
    ] {
        assert!(show.contains(want), "{want:?} not in:\n{show}");
    }
    let json = run(&["cases", "show", REF, "--json"]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["records"]["outcomes"][0]["outcome"], "upheld");
    assert_eq!(v["records"]["remedies"][0]["kind"], "apology");
    assert_eq!(v["records"]["refusals"][0]["ground"], "already-answered");
    let out = app.dir.path().join("export");
    run(&[
        "cases",
        "export",
        REF,
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let folder = std::fs::read_dir(&out)
        .expect("export dir")
        .next()
        .expect("a folder")
        .expect("entry")
        .path();
    let record = std::fs::read_to_string(folder.join("case-record.txt")).expect("record");
    for want in [
        "Records",
        "Outcome of Stage 1: upheld",
        "Remedy 1: apology",
        "BEYOND THE CAP",
        "Refused to escalate at Stage 2",
    ] {
        assert!(record.contains(want), "{want:?} not in:\n{record}");
    }
    println!("{show}");
}

#[tokio::test]
async fn an_outcome_written_above_the_response_goes_with_it_and_other_commands_still_stop_it() {
    let app = spawn("require_outcome = true", "", &same).await;
    open(&app, COMPLAINT).await;
    // Any other command beside it keeps the rule: nothing is sent.
    respond(
        &app,
        "#outcome not-upheld: the sessions were rebooked within the week\n#note rang Jo\n\nWe have looked into this carefully.",
        "o1@staff.test",
    )
    .await;
    assert!(!templates_to(&app.sent_to(JO).await).contains(&"stage_response".to_string()));
    respond(
        &app,
        "#outcome not-upheld: the sessions were rebooked within the week\n\nWe have looked into this carefully.",
        "o2@staff.test",
    )
    .await;
    let response = describe(&app.last("stage_response", JO).await);
    assert!(
        response.contains("We have looked into this carefully.")
            && response.contains("Outcome: your complaint is not upheld. Our reasons: the sessions were rebooked within the week")
            && !response.contains("#outcome"),
        "{response}"
    );
    let o = app.case(REF).await.records.outcomes;
    assert_eq!((o.len(), o[0].outcome), (1, Outcome::NotUpheld));
}

#[tokio::test]
async fn a_stage_can_require_the_outcome_on_its_own() {
    let app = spawn("", "require_outcome = true", &same).await;
    open(&app, COMPLAINT).await;
    respond(&app, "Here is our response.", "q1@staff.test").await;
    assert!(!templates_to(&app.sent_to(JO).await).contains(&"stage_response".to_string()));
    commands(&app, "#outcome resolved: the sessions were rebooked", 2).await;
    respond(&app, "Here is our response.", "q3@staff.test").await;
    let response = describe(&app.last("stage_response", JO).await);
    assert!(
        response.contains("your complaint is resolved"),
        "{response}"
    );
}
