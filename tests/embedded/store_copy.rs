//! `complaintd store copy` (issue 18): a deployment moved from this run's
//! backend to the other engine and back loses nothing: the command checks
//! every table's rows and hash itself, and the cases, their audit trails
//! and their mail read the same through the binary afterwards.

use crate::common::backend::{
    backend, fresh_postgres_database, postgres_password, store_url, Backend,
};
use crate::harness::*;
use chrono::Duration;
use std::path::Path;
use std::process::{Command, Output};

fn complaintd(config: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_complaintd"));
    if let Some(config) = config {
        c.arg("--config").arg(config);
    }
    c.args(args)
        .env("PGPASSWORD", postgres_password())
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("run complaintd")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// What the binary shows of every case: the list, and each case in full.
fn everything(config: &Path) -> String {
    let list = complaintd(Some(config), &["cases", "list", "--json"]);
    assert!(list.status.success(), "{}", text(&list));
    let mut all = String::from_utf8_lossy(&list.stdout).to_string();
    for line in all.clone().lines() {
        let case: serde_json::Value = serde_json::from_str(line).expect("a case as JSON");
        let reference = case["reference"].as_str().expect("a reference");
        let shown = complaintd(Some(config), &["cases", "show", reference, "--json"]);
        assert!(shown.status.success(), "{}", text(&shown));
        all.push_str(&String::from_utf8_lossy(&shown.stdout));
    }
    all
}

/// A config like `config` whose store is `store_section` instead.
fn config_with_store(config: &Path, dir: &Path, store_section: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(config).expect("config");
    let (head, rest) = text.split_once("\n[store]\n").expect("a [store] section");
    let rest = rest.split_once("\n[outbox]").map_or("", |(_, r)| r);
    let path = dir.join("copied.toml");
    std::fs::write(
        &path,
        format!("{head}\n[store]\n{store_section}\n[outbox]{rest}"),
    )
    .expect("write config");
    path
}

#[tokio::test]
async fn a_deployment_moved_to_the_other_engine_and_back_is_the_same() {
    let mut app = TestApp::spawn("provider-b", "2026-11-23T09:00:00Z").await;
    secret_from_env(&app.config);
    for (i, body) in [
        "I want to complain: my assessor cancelled twice and nobody told me.",
        "Thank you to Priya, the best tutor I have had.",
        "My son's placement has no first aider on site and he was hurt.",
    ]
    .iter()
    .enumerate()
    {
        let raw = message(
            &format!("Person {i} <person{i}@mail.test>"),
            "About my course",
            body,
            &format!("copy-{i}@mail.test"),
        );
        app.deliver(&raw).await;
        app.advance(Duration::minutes(7));
    }
    app.tick().await;
    app.send().await;
    app.run_until(t("2026-11-27T12:00:00Z"), Duration::hours(6))
        .await;
    app.app.store.close().await;
    let before = everything(&app.config);
    assert!(before.lines().count() >= 4, "{before}");

    // To the other engine.
    let dir = app.dir.path();
    let (other_url, other_store) = match backend() {
        Backend::Sqlite => {
            let url = fresh_postgres_database();
            let section = format!("url = \"{url}\"\npassword_env = \"PGPASSWORD\"\n");
            (url, section)
        }
        Backend::Postgres => (
            format!("sqlite://{}", dir.join("other.sqlite").display()),
            "path = \"other.sqlite\"\n".to_string(),
        ),
    };
    let out = complaintd(
        None,
        &[
            "store",
            "copy",
            "--from",
            &store_url(dir),
            "--to",
            &other_url,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("every table's count and hash match"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("cases "), "{}", text(&out));
    let other = config_with_store(&app.config, dir, &other_store);
    assert_eq!(everything(&other), before);

    // Never into a database that holds anything.
    let again = complaintd(
        None,
        &[
            "store",
            "copy",
            "--from",
            &store_url(dir),
            "--to",
            &other_url,
        ],
    );
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("not empty"), "{}", text(&again));

    // And back, into a new database of this run's engine.
    let (back_url, back_store) = match backend() {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.join("back.sqlite").display()),
            "path = \"back.sqlite\"\n".to_string(),
        ),
        Backend::Postgres => {
            let url = fresh_postgres_database();
            let section = format!("url = \"{url}\"\npassword_env = \"PGPASSWORD\"\n");
            (url, section)
        }
    };
    let out = complaintd(
        None,
        &["store", "copy", "--from", &other_url, "--to", &back_url],
    );
    assert!(out.status.success(), "{}", text(&out));
    let back = config_with_store(&app.config, dir, &back_store);
    assert_eq!(everything(&back), before);
    // The copy goes on working: the scheduler runs on it and adds its chases.
    let tick = complaintd(Some(&back), &["tick", "--now", "2026-12-01T09:00:00Z"]);
    assert!(tick.status.success(), "{}", text(&tick));
}
