//! `complaintd report` (issue 17 items 2 and 3) through the real binary on
//! a store filled by the real ingest, scheduler and handler replies, across
//! the end of British Summer Time (25 October 2026): every format writes
//! the same figures, and they reconcile with what `cases list --json` says
//! about each case, counted here independently of the store's SQL.

use crate::harness::*;
use chrono::{Duration, NaiveDate};
use chrono_tz::Europe::London;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const PRIYA: &str = "priya.desai@provider-b.example.test";

fn bin(app: &TestApp, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("--config")
        .arg(&app.config)
        .args(args)
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("run complaintd");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

async fn open_complaint(app: &TestApp, who: &str, body: &str, id: &str) {
    app.deliver(&message(who, "A complaint", body, id)).await;
    app.send().await;
}

/// Priya records the outcome and sends the response to the newest case.
async fn outcome_and_respond(app: &TestApp, outcome: &str, n: u32) {
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&app.outlook_reply(
        &note,
        PRIYA,
        &format!("#outcome {outcome}: we looked at the records"),
        n,
    ))
    .await;
    app.send().await;
    let note = app.last("handler_notification", PRIYA).await;
    app.deliver(&clicked(
        &note,
        "send",
        PRIYA,
        "We have looked into your complaint and here is our answer.",
        &format!("resp{n}@staff.test"),
    ))
    .await;
    app.send().await;
}

fn local_day(v: &Value) -> NaiveDate {
    let t: chrono::DateTime<chrono::Utc> = v.as_str().expect("time").parse().expect("rfc3339");
    t.with_timezone(&London).date_naive()
}

fn csv_map(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("csv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(',')?;
            Some((k.trim_matches('"').to_string(), v.to_string()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_in_every_format_says_what_the_cases_say_across_the_clock_change() {
    // Thursday 22 October 2026, 10:00 in London (BST).
    let mut app = TestApp::spawn("provider-b", "2026-10-22T09:00:00Z").await;
    open_complaint(
        &app,
        "Jo Learner <jo@mail.test>",
        "My coach cancelled three sessions without notice and nobody rebooked them. I want a written response.",
        "c1@mail.test",
    )
    .await;
    app.advance(Duration::hours(2));
    outcome_and_respond(&app, "partly-upheld", 1).await;

    // Monday 26 October (GMT now): a second complaint nobody answers.
    app.run_until(
        crate::harness::t("2026-10-26T10:00:00Z"),
        Duration::hours(6),
    )
    .await;
    open_complaint(
        &app,
        "Sam Learner <sam@mail.test>",
        "My assessor has not marked my portfolio for six weeks and I am complaining about the delay.",
        "c2@mail.test",
    )
    .await;
    // 23:30 on Saturday 31 October in London: still October.
    app.run_until(
        crate::harness::t("2026-10-31T23:30:00Z"),
        Duration::hours(6),
    )
    .await;
    open_complaint(
        &app,
        "Kim Learner <kim@mail.test>",
        "I want to complain: the training centre was locked when I arrived for my exam.",
        "c3@mail.test",
    )
    .await;
    // 00:30 on 1 November: November's.
    app.advance(Duration::hours(1));
    app.deliver(&message(
        "Lee Learner <lee@mail.test>",
        "Thank you",
        "Thank you to my tutor Priya, she was brilliant and I passed my exam.",
        "c4@mail.test",
    ))
    .await;
    app.send().await;
    // On to 20 November: Sam's response falls due in the month after and is missed.
    app.run_until(
        crate::harness::t("2026-11-20T12:00:00Z"),
        Duration::hours(12),
    )
    .await;
    let now = "2026-11-20T12:00:00Z";

    secret_from_env(&app.config);
    let out = app.dir.path().join("report");
    let o = out.to_str().expect("path");
    let october = [
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--now",
        now,
        "--out",
        o,
    ];
    let run = |format: &str| {
        let mut args = vec!["report", "--format", format];
        args.extend(october);
        bin(&app, &args)
    };
    let json_path = run("json");
    // The report names people (the oldest case's holder, lessons in
    // handlers' words): owner-only, as every export.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(Path::new(json_path.trim())), 0o600);
        assert_eq!(
            mode(Path::new(json_path.trim()).parent().expect("folder")),
            0o700
        );
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(json_path.trim()).expect("json"))
            .expect("json");
    let f = &json["figures"];

    // Count the same things from `cases list --json`, one case at a time.
    let cases: Vec<Value> = bin(&app, &["cases", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("case json"))
        .collect();
    let in_october = |c: &&Value| {
        let d = local_day(&c["opened_at"]);
        d >= NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")
            && d < NaiveDate::from_ymd_opt(2026, 11, 1).expect("date")
    };
    let october_cases: Vec<&Value> = cases.iter().filter(in_october).collect();
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for c in &october_cases {
        *by_kind
            .entry(c["kind"].as_str().expect("kind").into())
            .or_default() += 1;
    }
    assert_eq!(
        by_kind,
        BTreeMap::from([("complaint".to_string(), 3)]),
        "{cases:?}"
    );
    let reported: BTreeMap<String, u64> = f["received"]["by_kind"]
        .as_array()
        .expect("by kind")
        .iter()
        .map(|c| {
            (
                c["what"].as_str().expect("kind").to_string(),
                c["n"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(reported, by_kind);
    assert_eq!(f["received"]["total"], 3);
    let outcomes_sent: u64 = october_cases
        .iter()
        .flat_map(|c| {
            c["records"]["outcomes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|o| !o["sent_at"].is_null())
        .count() as u64;
    assert_eq!(outcomes_sent, 1);
    assert_eq!(f["outcomes"][0]["outcomes"][0]["what"], "partly-upheld");
    assert_eq!(f["outcomes"][0]["outcomes"][0]["n"], outcomes_sent);
    // Open now: every complaint not in a final state, by stage.
    let open = cases
        .iter()
        .filter(|c| c["kind"] == "complaint")
        .filter(|c| {
            !matches!(
                c["state"].as_str(),
                Some("closed" | "referred_externally" | "redirected" | "withdrawn")
            )
        })
        .count() as u64;
    let reported_open: u64 = f["open_by_stage"]
        .as_array()
        .expect("open")
        .iter()
        .map(|c| c["n"].as_u64().expect("n"))
        .sum();
    assert_eq!(reported_open, open);
    assert!(open >= 2, "Sam's and Kim's complaints are open");

    // Timeliness: Jo's response went on time in October; the
    // acknowledgements went at once; Sam's response fell due in November,
    // so October has nothing overdue.
    let respond = f["timeliness"]
        .as_array()
        .expect("timeliness")
        .iter()
        .find(|t| t["kind"] == "respond" && t["stage"] == 0)
        .expect("respond");
    assert_eq!(
        (respond["met"].as_u64(), respond["on_time"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(respond["overdue"], 0);
    let acks = |f: &Value| -> (u64, u64) {
        f["timeliness"]
            .as_array()
            .expect("timeliness")
            .iter()
            .filter(|t| t["kind"] == "acknowledge")
            .map(|t| {
                (
                    t["met"].as_u64().expect("n"),
                    t["on_time"].as_u64().expect("n"),
                )
            })
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    // Jo's and Sam's acknowledgements went at once; Kim's, received late
    // on a Saturday, is counted when it went.
    assert_eq!(acks(f), (2, 2));
    // November: Sam's missed response is overdue there.
    let nov_path = bin(
        &app,
        &[
            "report",
            "--format",
            "json",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--now",
            now,
            "--out",
            o,
        ],
    );
    let nov: Value = serde_json::from_str(&std::fs::read_to_string(nov_path.trim()).expect("json"))
        .expect("json");
    let overdue: u64 = nov["figures"]["timeliness"]
        .as_array()
        .expect("timeliness")
        .iter()
        .filter(|t| t["kind"] == "respond")
        .map(|t| t["overdue"].as_u64().expect("n"))
        .sum();
    assert!(overdue >= 1, "{}", nov["figures"]["timeliness"]);
    assert_eq!(
        nov["figures"]["received"]["total"], 1,
        "the compliment of 1 November"
    );

    // The digest's "this month so far" says the same as the report for
    // 1-20 November, and its "same days last month" as the report for 1-20
    // October.
    let digest = bin(&app, &["digest", "--preview", "--now", now]);
    let received_row: Vec<&str> = digest
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.len() == 3 && w[0] == "Received")
        .unwrap_or_else(|| panic!("no Received row in the digest:\n{digest}"));
    let report_total = |from: &str, to: &str| -> String {
        let path = bin(
            &app,
            &[
                "report", "--format", "json", "--from", from, "--to", to, "--now", now, "--out", o,
            ],
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path.trim()).expect("json"))
            .expect("json");
        v["figures"]["received"]["total"].to_string()
    };
    assert_eq!(
        (received_row[1].to_string(), received_row[2].to_string()),
        (
            report_total("2026-11-01", "2026-11-20"),
            report_total("2026-10-01", "2026-10-20")
        ),
        "{digest}"
    );

    // CSV: one file per table, the same figures.
    let files = run("csv");
    assert!(files.lines().count() >= 15, "{files}");
    let summary = csv_map(&out.join("summary.csv"));
    assert_eq!(summary["Cases received"], "3");
    assert_eq!(summary["Complaints received"], "3");
    assert_eq!(summary["Responses on time"], "100%");
    assert_eq!(summary["Complaints open now"], open.to_string());
    let kinds = csv_map(&out.join("received_by_kind.csv"));
    assert_eq!(kinds["complaint"], "3");

    // The Ombudsman's fields: one row for the fourth quarter, cut to October.
    let psow = run("psow");
    let psow = std::fs::read_to_string(psow.trim()).expect("psow");
    let rows: Vec<&str> = psow.lines().collect();
    assert_eq!(rows.len(), 2, "{psow}");
    assert!(
        rows[0].starts_with("quarter,from,to,complaints received,responses sent,closed within 20 working days %,outcomes sent,upheld in full or in part %,referred to the Ombudsman or another body,category: safeguarding"),
        "{psow}"
    );
    assert!(
        rows[1].starts_with("2026 Q4,2026-10-01,2026-10-31,3,1,100.0,1,100.0,0,"),
        "{psow}"
    );

    // HTML: one file, charts embedded, nothing fetched, figures in it.
    let html_path = run("html");
    let html = std::fs::read_to_string(html_path.trim()).expect("html");
    assert!(html.contains("<img src=\"data:image/png;base64,"));
    assert!(!html.contains("src=\"http") && !html.contains("<script"));
    assert!(html.contains("@media print"));
    assert!(
        html.contains("Received by kind: complaint 3."),
        "the bar chart's alt text"
    );
    assert!(html.contains("1 October 2026 to 31 October 2026"));
}
