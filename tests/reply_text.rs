//! Golden tests for `complaintd reply-text`: one `.eml` per mail-client
//! style in `tests/data/replies/`, with the expected newly written text in
//! `NAME.expected.txt`. Set `UPDATE_GOLDEN=1` to rewrite the expectations
//! after a deliberate change (and review the diff).

use std::path::Path;
use std::process::Command;

#[test]
fn every_client_style_matches_its_golden_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replies");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("replies dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    entries.sort();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for eml in &entries {
        let expected_path = eml.with_extension("expected.txt");
        let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .arg("reply-text")
            .arg(eml)
            .output()
            .expect("run reply-text");
        assert!(
            out.status.success(),
            "{}: {}",
            eml.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).expect("utf-8");
        if update {
            std::fs::write(&expected_path, &got).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).expect("expected file");
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                eml.display()
            ));
        }
    }
    assert!(entries.len() >= 57, "only {} golden cases", entries.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The figure on the blind batch `tests/data/blind/replies-1` (60 replies
/// written by someone who had not read the stripper; 46 exact when it was
/// first measured, 48 before issue 13's work, 60 since): every reply's
/// newly written text is exact after trimming, and stays so.
#[test]
fn blind_replies_1_are_all_exact() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blind/replies-1");
    let mut emls: Vec<_> = std::fs::read_dir(&dir)
        .expect("replies-1 dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emls.sort();
    assert_eq!(emls.len(), 60, "the batch has 60 replies");
    let mut wrong = Vec::new();
    for eml in &emls {
        let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .arg("reply-text")
            .arg(eml)
            .output()
            .expect("run reply-text");
        let got = String::from_utf8_lossy(&out.stdout);
        let expected =
            std::fs::read_to_string(eml.with_extension("expected.txt")).expect("expected file");
        if got.trim() != expected.trim() {
            wrong.push(format!(
                "{}:\n--- expected\n{}\n--- got\n{}",
                eml.display(),
                expected.trim(),
                got.trim()
            ));
        }
    }
    let exact = emls.len() - wrong.len();
    assert_eq!(exact, 60, "{exact}/60 exact\n{}", wrong.join("\n"));
}

#[test]
fn unreadable_input_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.eml");
    std::fs::write(&empty, b"").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .arg("reply-text")
        .arg(&empty)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty input"));
}

/// `reply-text --eval` over the blind batch replies-1 (tuned on since: these
/// are training figures, the README gives the before-figures). What must
/// never regress: no complainant's reply that is not an escalation request
/// escalates, no request is missed, and every reference written without
/// threading headers is found.
#[test]
fn blind_replies_1_intent_figures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blind/replies-1");
    let r = eval_json(&dir);
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
    let len = |k: &str| r[k].as_array().map_or(usize::MAX, Vec::len);
    assert_eq!((n("messages"), n("complainant")), (60, 38));
    assert_eq!(
        (n("not_escalation"), len("escalated_wrongly")),
        (28, 0),
        "{}",
        r["escalated_wrongly"]
    );
    assert_eq!(
        (n("escalation_requests"), len("escalation_missed")),
        (10, 0),
        "{}",
        r["escalation_missed"]
    );
    assert!(n("intent_correct") >= 36, "{}", r["misread"]);
    assert_eq!((n("headerless"), n("headerless_found")), (11, 11));
    // Thanks in other languages are thanks.
    assert_eq!(r["confusion"]["thanks"]["thanks"], 8, "{}", r["confusion"]);
    // The people's report says the same.
    let text = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["reply-text", "--eval"])
        .arg(&dir)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("escalated but not an escalation request: 0 of 28"),
        "{text}"
    );
}

#[test]
fn eval_of_a_folder_without_labels_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["reply-text", "--eval"])
        .arg(dir.path())
        .output()
        .expect("run");
    // An error, as every command's: exit 2 and the cause on stderr.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("labels.jsonl"));
}

/// The least a batch's `reply-text --eval` figures may be (a floor at the
/// figures recorded in `tests/data/blind/README.md`).
struct Floor {
    /// The batch's folder under `tests/data/blind`.
    batch: &'static str,
    /// Replies, and of them complainants'.
    size: (u64, u64),
    /// Texts recorded exactly, at least.
    text_exact: u64,
    /// Complainants' replies read as labelled, at least.
    read: u64,
    /// Escalation requests missed, at most.
    missed: usize,
    /// Escalations nobody asked for, at most.
    wrongly: usize,
    /// Replies without threading headers, all found.
    headerless: u64,
}

fn holds(f: Floor) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/blind")
        .join(f.batch);
    let r = eval_json(&dir);
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
    let len = |k: &str| r[k].as_array().map_or(usize::MAX, Vec::len);
    assert_eq!((n("messages"), n("complainant")), f.size, "{}", f.batch);
    assert!(
        n("text_exact") >= f.text_exact,
        "{}: text exact {} of {}",
        f.batch,
        n("text_exact"),
        f.size.0
    );
    assert!(
        len("escalation_missed") <= f.missed,
        "{}: {}",
        f.batch,
        r["escalation_missed"]
    );
    assert!(
        len("escalated_wrongly") <= f.wrongly,
        "{}: {}",
        f.batch,
        r["escalated_wrongly"]
    );
    assert!(
        n("intent_correct") >= f.read,
        "{}: {}",
        f.batch,
        r["misread"]
    );
    assert_eq!(
        (n("headerless"), n("headerless_found")),
        (f.headerless, f.headerless),
        "{}",
        f.batch
    );
}

/// The batch replies-2 (80 replies written blind, held out for one session:
/// `tests/data/blind/README.md` gives its figures before and after). Tuned
/// on since, so its figures are training figures: a floor at them.
#[test]
fn replies_2_stay_read() {
    holds(Floor {
        batch: "replies-2",
        size: (80, 50),
        text_exact: 79,
        read: 47,
        missed: 0,
        wrongly: 0,
        headerless: 19,
    });
}

/// The batch replies-4 (80 complainants' replies to a stage response, half
/// asking for the next stage in oblique words: measured before tuning,
/// `tests/data/blind/README.md`). Tuned on since: a floor at its training
/// figures, and never an escalation that was not asked for.
#[test]
fn replies_4_stay_read() {
    holds(Floor {
        batch: "replies-4",
        size: (80, 80),
        text_exact: 79,
        read: 58,
        missed: 1,
        wrongly: 0,
        headerless: 20,
    });
}

/// The batch replies-3 (100 replies from 36 client styles written blind,
/// held out for a session, its intents still never tuned on; its text
/// extraction was tuned on in the fourth session: `tests/data/blind/README.md`
/// has its figures before and after). A floor at today's figures.
#[test]
fn replies_3_stay_read() {
    holds(Floor {
        batch: "replies-3",
        size: (100, 60),
        text_exact: 99,
        read: 54,
        missed: 2,
        wrongly: 0,
        headerless: 31,
    });
}

/// The held-out batch replies-5 (90 replies from complainants, handlers
/// and third parties, written blind and never tuned on). A floor at its
/// figures after the sixth session (`tests/data/blind/README.md`).
#[test]
fn held_out_replies_5_do_not_regress() {
    holds(Floor {
        batch: "replies-5",
        size: (90, 60),
        text_exact: 81,
        read: 46,
        missed: 1,
        wrongly: 1,
        headerless: 24,
    });
}

/// The batch replies-6 (90 replies written blind in the fifth session,
/// measured before it was tuned on: `tests/data/blind/README.md`). A floor
/// at its training figures, and never an escalation that was not asked for.
#[test]
fn replies_6_stay_read() {
    holds(Floor {
        batch: "replies-6",
        size: (90, 60),
        text_exact: 89,
        read: 52,
        missed: 0,
        wrongly: 0,
        headerless: 24,
    });
}

/// The batches replies-7 and replies-8 (80 replies each, written blind,
/// measured before they were tuned on in the sixth session:
/// `tests/data/blind/README.md`). Floors at their training figures, and
/// never an escalation that was not asked for.
#[test]
fn replies_7_and_8_stay_read() {
    holds(Floor {
        batch: "replies-7",
        size: (80, 56),
        text_exact: 76,
        read: 53,
        missed: 1,
        wrongly: 0,
        headerless: 19,
    });
    holds(Floor {
        batch: "replies-8",
        size: (80, 55),
        text_exact: 76,
        read: 52,
        missed: 1,
        wrongly: 0,
        headerless: 9,
    });
}

/// The held-out batch replies-9 (80 replies written blind in the sixth
/// session, never tuned on): a floor at its figures at the end of the
/// seventh (`tests/data/blind/README.md`: first measured at 51 read, 50
/// once a review made the reader's new rules stricter, 51 and 76 exact
/// texts after the seventh session's work on replies-10).
#[test]
fn held_out_replies_9_do_not_regress() {
    holds(Floor {
        batch: "replies-9",
        size: (80, 60),
        text_exact: 76,
        read: 51,
        missed: 1,
        wrongly: 1,
        headerless: 8,
    });
}

/// The batch replies-10 (80 replies written blind in the seventh session,
/// measured before it was tuned on: 73 exact, 40 of 60 read, 3 escalated
/// that did not ask, 7 requests missed; one reply that is unhappy, then
/// accepts, is left to the handler though labelled thanks). A floor at its
/// training figures,
/// and never an escalation that was not asked for.
#[test]
fn replies_10_stay_read() {
    holds(Floor {
        batch: "replies-10",
        size: (80, 60),
        text_exact: 77,
        read: 58,
        missed: 1,
        wrongly: 0,
        headerless: 8,
    });
}

/// The batch replies-11 (80 replies written blind in the eighth session,
/// measured on main before it was tuned on: 75 exact, 46 of 60 read, 1
/// escalated that did not ask, 6 requests missed, 9 of 9 found without
/// headers; after: 80 exact, 59 of 60 read, 0 missed). A floor at its
/// training figures. The one escalation counted as unasked is kept on
/// purpose: Welsh "Dw i ddim yn hapus gyda hyn o gwbl" ("I'm not happy
/// with this at all", then why) answers the stage response's "if you are
/// not satisfied, reply saying why", as the same words in English do; the
/// label reads it as unclear.
#[test]
fn replies_11_stay_read() {
    holds(Floor {
        batch: "replies-11",
        size: (80, 60),
        text_exact: 80,
        read: 59,
        missed: 0,
        wrongly: 1,
        headerless: 9,
    });
}

/// `reply-text --json --eval DIR`'s figures.
fn eval_json(dir: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["reply-text", "--json", "--eval"])
        .arg(dir)
        .output()
        .expect("run reply-text --eval");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}
