//! Long work shows its progress on a terminal and nothing in pipes (issue
//! 14): `ingest` of a folder, `classify` of a directory and `cases export`
//! of several cases draw a bar with rate and time left when stderr is a
//! terminal, and write no control characters when it is a pipe.

use crate::harness::*;
use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_complaintd"))
}

fn classify_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/classify")
}

/// Nothing a progress bar writes: no carriage return, no escape sequence,
/// none of the bars' words.
fn assert_no_progress(what: &str, out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    for sign in [
        "\r",
        "\x1b",
        " left)",
        "classifying",
        "ingesting",
        "exporting",
    ] {
        assert!(
            !err.contains(sign),
            "{what}: progress output {sign:?} in a pipe: {err:?}"
        );
    }
}

#[test]
fn ingest_classify_and_export_write_no_progress_into_a_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "provider-b", "");
    secret_from_env(&config);
    let mail = dir.path().join("in");
    std::fs::create_dir_all(&mail).expect("mkdir");
    for i in 1..=4 {
        std::fs::write(
            mail.join(format!("{i}.eml")),
            message(
                &format!("P{i} <p{i}@mail{i}.test>"),
                "Fee",
                "I was charged twice and want a refund and an explanation.",
                &format!("p{i}@mail.test"),
            ),
        )
        .expect("write");
    }
    let run = |args: &[&str]| {
        bin()
            .arg("--config")
            .arg(&config)
            .args(args)
            .env(SECRET_ENV, "x".repeat(40))
            .output()
            .expect("run")
    };
    let out = run(&[
        "ingest",
        "--now",
        "2026-11-23T10:00:00Z",
        mail.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 new case(s)"));
    assert_no_progress("ingest", &out);

    let export = dir.path().join("export");
    let out = run(&[
        "cases",
        "export",
        "PAR-2026-0001",
        "PAR-2026-0002",
        "PAR-2026-0003",
        "--out",
        export.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("exported PAR-2026-000")
            .count(),
        3
    );
    assert_no_progress("cases export", &out);

    let out = bin()
        .arg("classify")
        .arg(classify_dir())
        .output()
        .expect("run");
    assert!(!out.stdout.is_empty());
    assert_no_progress("classify", &out);
}

#[test]
fn classify_of_a_directory_draws_a_bar_on_a_terminal() {
    // `script` gives the command a pseudo-terminal for stderr; its results
    // go to a file, as they would when redirected.
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("results.txt");
    let cmd = format!(
        "{} classify {} > {}",
        env!("CARGO_BIN_EXE_complaintd"),
        classify_dir().display(),
        results.display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .expect("run script (util-linux)");
    assert!(out.status.success(), "{out:?}");
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains("classifying") && terminal.contains("files"),
        "no progress bar on the terminal: {terminal:?}"
    );
    let written = std::fs::read_to_string(&results).expect("results");
    assert!(!written.contains("classifying"), "the bar went to stdout");
}
