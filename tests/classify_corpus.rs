//! Classifier quality over labelled corpora, through the real binary.
//!
//! Corpora: the shared corpus (`../shared/corpus/classify` when present, else
//! the copy in `tests/data/shared-corpus`, so a clone without `shared/` still
//! runs it) and the project's own cases in `tests/data/classify`.
//! Bars: macro-F1 over the seven kinds ≥ 0.90, and no machine mail
//! (auto_reply, bounce, bulk) labelled as a person's message.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const KINDS: [&str; 7] = [
    "complaint",
    "compliment",
    "comment",
    "other",
    "auto_reply",
    "bounce",
    "bulk",
];
const MACHINE: [&str; 3] = ["auto_reply", "bounce", "bulk"];

struct Label {
    file: String,
    kind: String,
    flags: Vec<String>,
}

fn labels(dir: &Path) -> Vec<Label> {
    let text = std::fs::read_to_string(dir.join("labels.jsonl")).expect("labels.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("label line");
            let mut flags: Vec<String> = v["flags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            flags.sort();
            Label {
                file: v["file"].as_str().expect("file").to_string(),
                kind: v["kind"].as_str().expect("kind").to_string(),
                flags,
            }
        })
        .collect()
}

struct Report {
    macro_f1: f64,
    accuracy: f64,
    flags_exact: f64,
    machine_as_human: Vec<String>,
    misses: Vec<String>,
}

fn evaluate(dir: &Path) -> Report {
    let labels = labels(dir);
    assert!(labels.len() >= 20, "corpus {} too small", dir.display());
    let files: Vec<PathBuf> = labels.iter().map(|l| dir.join(&l.file)).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["classify", "--json"])
        .args(&files)
        .output()
        .expect("run complaintd classify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), labels.len(), "one output line per input");

    let mut tp: BTreeMap<&str, f64> = BTreeMap::new();
    let mut fp: BTreeMap<&str, f64> = BTreeMap::new();
    let mut fnn: BTreeMap<&str, f64> = BTreeMap::new();
    let mut correct = 0.0;
    let mut flags_ok = 0.0;
    let mut machine_as_human = Vec::new();
    let mut misses = Vec::new();
    for (label, got) in labels.iter().zip(&lines) {
        // Output order is input order, and the file is echoed as given.
        let file = got["file"].as_str().expect("file");
        assert!(file.ends_with(&label.file), "{file} vs {}", label.file);
        let kind = got["kind"].as_str().expect("kind");
        assert!(KINDS.contains(&kind), "unknown kind {kind}");
        assert!(
            got["reasons"].as_array().is_some_and(|r| !r.is_empty()),
            "no reasons for {file}"
        );
        let mut flags: Vec<String> = got["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .filter_map(|f| f.as_str().map(String::from))
            .collect();
        flags.sort();
        if flags == label.flags {
            flags_ok += 1.0;
        }
        if kind == label.kind {
            correct += 1.0;
            *tp.entry(KINDS.iter().find(|k| **k == kind).expect("kind"))
                .or_default() += 1.0;
        } else {
            *fp.entry(KINDS.iter().find(|k| **k == kind).expect("kind"))
                .or_default() += 1.0;
            *fnn.entry(KINDS.iter().find(|k| **k == label.kind).expect("kind"))
                .or_default() += 1.0;
            misses.push(format!(
                "{}: got {kind}, labelled {}",
                label.file, label.kind
            ));
            if MACHINE.contains(&label.kind.as_str()) && !MACHINE.contains(&kind) {
                machine_as_human.push(label.file.clone());
            }
        }
    }
    // Macro-F1 over the kinds that occur in the labels or the predictions.
    let mut f1s = Vec::new();
    for k in KINDS {
        let (t, p, n) = (
            tp.get(k).copied().unwrap_or(0.0),
            fp.get(k).copied().unwrap_or(0.0),
            fnn.get(k).copied().unwrap_or(0.0),
        );
        if t + p + n == 0.0 {
            continue;
        }
        let precision = if t + p > 0.0 { t / (t + p) } else { 0.0 };
        let recall = if t + n > 0.0 { t / (t + n) } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        println!("  {k:<11} P={precision:.2} R={recall:.2} F1={f1:.2}");
        f1s.push(f1);
    }
    let n = labels.len() as f64;
    Report {
        macro_f1: f1s.iter().sum::<f64>() / f1s.len() as f64,
        accuracy: correct / n,
        flags_exact: flags_ok / n,
        machine_as_human,
        misses,
    }
}

fn check(dir: &Path, name: &str) {
    println!("corpus {name}: {}", dir.display());
    let r = evaluate(dir);
    println!(
        "corpus {name}: macro-F1 {:.3}, accuracy {:.3}, flags exact {:.3}",
        r.macro_f1, r.accuracy, r.flags_exact
    );
    for m in &r.misses {
        println!("  miss {m}");
    }
    assert!(
        r.machine_as_human.is_empty(),
        "machine mail labelled human: {:?}",
        r.machine_as_human
    );
    assert!(
        r.macro_f1 >= 0.90,
        "macro-F1 {:.3} below 0.90 on {name}",
        r.macro_f1
    );
    assert!(
        r.flags_exact >= 0.85,
        "flags exact {:.3} below 0.85 on {name}",
        r.flags_exact
    );
}

#[test]
fn shared_corpus_meets_the_bar() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let live = root.join("../shared/corpus/classify");
    let dir = if live.join("labels.jsonl").exists() {
        live
    } else {
        root.join("tests/data/shared-corpus")
    };
    check(&dir, "shared");
}

#[test]
fn own_cases_meet_the_bar() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/classify");
    check(&dir, "own");
}

#[test]
fn a_directory_with_bad_files_is_classified_to_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a-empty.eml"), b"").expect("write");
    std::fs::write(
        dir.path().join("b-binary.eml"),
        [0u8, 159, 146, 150, 0, 1, 2],
    )
    .expect("write");
    std::fs::write(dir.path().join("c-text.eml"), b"not an email, just words\n").expect("write");
    std::fs::write(
        dir.path().join("d-good.eml"),
        b"From: a@b.test\r\nSubject: thanks\r\n\r\nI wanted to say a huge thank you to Jo.\r\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("e-broken-mime.eml"),
        b"From: a@b.test\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain; charset=klingon-9\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["classify", "--json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("empty")));
    assert_eq!(lines[3]["kind"], "compliment");
    assert!(
        lines[4]["kind"].is_string(),
        "broken MIME gets a best-effort result"
    );
    // Some inputs failed, so the exit code says so, but nothing stopped early.
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not be classified"));
}

#[test]
fn stdin_is_read_when_no_file_is_given() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["classify", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"From: a@b.test\r\nSubject: x\r\nAuto-Submitted: auto-replied\r\n\r\nI am away.\r\n",
        )
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["file"], "-");
    assert_eq!(v["kind"], "auto_reply");
}

fn run_eval(dir: &Path, json: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_complaintd"));
    cmd.arg("classify").arg("--eval").arg(dir);
    if json {
        cmd.arg("--json");
    }
    cmd.output().expect("run complaintd classify --eval")
}

/// `classify --eval` on a fixture whose figures were counted by hand (see
/// `tests/data/eval-fixture/README.md`).
#[test]
fn eval_figures_match_a_hand_count() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval-fixture");
    let out = run_eval(&dir, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let close = |x: &Value, want: f64| (x.as_f64().expect("number") - want).abs() < 1e-9;
    assert_eq!(v["messages"], 5);
    assert!(close(&v["accuracy"], 0.6), "{v}");
    assert_eq!(v["macro_f1_kinds"], 4);
    assert!(close(&v["macro_f1"], 0.5), "{v}");
    let k = &v["kinds"];
    assert_eq!(
        (k["complaint"]["tp"].clone(), k["complaint"]["fn"].clone()),
        (0.into(), 1.into())
    );
    assert!(close(&k["auto_reply"]["precision"], 1.0) && close(&k["auto_reply"]["recall"], 0.5));
    assert!(close(&k["bounce"]["precision"], 0.5) && close(&k["bounce"]["recall"], 1.0));
    assert!(close(&k["bulk"]["f1"], 2.0 / 3.0));
    assert_eq!(v["flags"]["safeguarding"]["fn"], 1);
    assert!(close(&v["flags"]["safeguarding"]["recall"], 0.0));
    // Rows are labelled kinds, columns classified, in the listed order.
    let order: Vec<&str> = v["confusion"]["order"]
        .as_array()
        .expect("order")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let at = |k: &str| order.iter().position(|o| *o == k).expect("kind in order");
    let rows = &v["confusion"]["rows_labelled_columns_classified"];
    assert_eq!(rows[at("complaint")][at("bulk")], 1);
    assert_eq!(rows[at("auto_reply")][at("bounce")], 1);
    assert_eq!(rows[at("bounce")][at("bounce")], 1);
    assert_eq!(v["misses"].as_array().map(Vec::len), Some(2));

    // The table for people carries the same figures.
    let out = run_eval(&dir, false);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("accuracy 0.600 (3/5)"), "{text}");
    assert!(text.contains("macro-F1 0.500"), "{text}");
    assert!(
        text.contains("d-newsletter.eml: labelled complaint, classified bulk"),
        "{text}"
    );
}

/// Unreadable input is an error, never figures over part of the set.
#[test]
fn eval_fails_on_unreadable_input() {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = run_eval(empty.path(), false);
    assert!(!out.status.success(), "no labels.jsonl");
    assert!(String::from_utf8_lossy(&out.stderr).contains("labels.jsonl"));

    let bad_kind = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        bad_kind.path().join("labels.jsonl"),
        "{\"file\":\"a.eml\",\"kind\":\"grumble\",\"flags\":[]}\n",
    )
    .expect("write");
    let out = run_eval(bad_kind.path(), true);
    assert!(!out.status.success(), "unknown kind");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));

    let missing = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        missing.path().join("labels.jsonl"),
        "{\"file\":\"gone.eml\",\"kind\":\"other\",\"flags\":[]}\n",
    )
    .expect("write");
    let out = run_eval(missing.path(), true);
    assert!(!out.status.success(), "a labelled file is missing");
    assert!(out.stdout.is_empty(), "no figures printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("gone.eml"));
}

/// Issue 12 §3 through the binary: machine mail recognised by structure,
/// people who mention bounces kept as people, text read from attachments,
/// forwards and contact forms, and bad attachments classified from what
/// could be read, with reasons saying where the text came from and what
/// could not be read.
#[test]
fn structure_and_attachments_corpus_is_classified_as_labelled_with_reasons() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/structure-and-attachments");
    let started = std::time::Instant::now();
    let out = run_eval(&dir, true);
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    // What this folder tests is screening and reading: no machine mail may
    // be taken for a person, and no person for a machine. Between person
    // kinds the learned layer may lean to "complaint" (recall first: a
    // handler's #reclassify mends it); such a miss is allowed, only one.
    let machine = ["auto_reply", "bounce", "bulk"];
    let misses = v["misses"].as_array().expect("misses");
    for m in misses {
        let (l, c) = (
            m["labelled"].as_str().expect("labelled"),
            m["classified"].as_str().expect("classified"),
        );
        assert_eq!(
            machine.contains(&l),
            machine.contains(&c),
            "machine and person mail confused: {m}"
        );
        assert_eq!(c, "complaint", "only a lean to complaint is allowed: {m}");
    }
    assert!(misses.len() <= 1, "{v}");
    assert!(v["messages"].as_u64().is_some_and(|n| n >= 30));
    // Bombs, encrypted and broken documents, 50 nested forwards: all inside
    // the work budget (generous for a debug build on a loaded machine).
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");

    let reasons = |file: &str| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .args(["classify", "--json"])
            .arg(dir.join(file))
            .output()
            .expect("run");
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["reasons"].to_string()
    };
    for (file, says) in [
        ("e01-pdf-letter.eml", "text from attachment complaint.pdf"),
        ("e02-docx-letter.eml", "text from attachment thank-you.docx"),
        (
            "e03-attached-rfc822.eml",
            "originally from connor.bevan@mail.test",
        ),
        (
            "e04-contact-form-complaint.eml",
            "the sender is Aled Jones aled.jones@mail.test",
        ),
        ("x01-encrypted-pdf.eml", "locked.pdf: the PDF is encrypted"),
        ("x02-pdf-bomb.eml", "expands past"),
        ("x04-docx-not-zip.eml", "not a zip archive"),
        ("x05-docx-bomb.eml", "only its opening was read"),
        ("x06-50-nested-forwards.eml", "nested deeper than 8 levels"),
        ("x07-unknown-charset.eml", "unknown charset"),
        ("m04-empty-from.eml", "From has an empty address"),
        ("m01-qmail.eml", "qmail-send program"),
        ("m06-arf.eml", "feedback-report"),
        ("m09-dmarc.eml", "DMARC aggregate report"),
    ] {
        let r = reasons(file);
        assert!(r.contains(says), "{file}: {r}");
    }
}

/// The shipped model is what `classify --train` makes of the repository's
/// corpus today: training is deterministic, and a corpus changed without
/// retraining is caught here rather than shipped stale.
#[test]
fn the_shipped_model_is_reproducible_from_the_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("classifier.bin");
    let run = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .current_dir(root)
        .args(["classify", "--train", "--out"])
        .arg(&out)
        .output()
        .expect("run complaintd classify --train");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for (made, shipped) in [
        (out.clone(), root.join("model/classifier.bin")),
        (
            dir.path().join("corpus.jsonl"),
            root.join("model/corpus.jsonl"),
        ),
    ] {
        assert!(
            std::fs::read(&made).expect("made") == std::fs::read(&shipped).expect("shipped"),
            "{} differs from what `complaintd classify --train` makes now: retrain and commit it",
            shipped.display()
        );
    }
}

/// `classify --cv` prints the lexicon's figures beside the learned layer's
/// (trained on the other folds), and on held-out mail the learned layer
/// catches at least as many complaints as the lexicon alone.
#[test]
fn cross_validation_compares_the_lexicon_with_the_learned_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["classify", "--cv", "--folds", "3", "--corpus"])
        .arg(root.join("tests/data/train"))
        .arg("--corpus")
        .arg(root.join("tests/data/shared-corpus"))
        .output()
        .expect("run complaintd classify --cv");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{stdout}");
    let row = |name: &str| -> Vec<f64> {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in {stdout}"))
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect()
    };
    // complaint: n, then P R F1 for the lexicon, then P R F1 with the model.
    let complaint = row("complaint");
    assert_eq!(complaint.len(), 7, "{complaint:?}");
    assert!(
        complaint[5] >= complaint[2],
        "complaint recall fell: {complaint:?}"
    );
    let macro_f1 = row("macro-F1");
    assert_eq!(macro_f1.len(), 3, "{macro_f1:?}");
    assert!(stdout.contains("all flags"), "{stdout}");
}

/// Recall first (issue 12): over the repository's corpora, complaints are
/// caught as complaint or triage (≥ 0.98), triage stays a safety net (at
/// most 15 % of compliments, comments and enquiries land there), and no
/// machine mail the classifier recognises is ever in triage.
#[test]
fn triage_catches_complaints_and_stays_a_safety_net() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let (mut complaints, mut caught, mut people, mut in_triage) = (0usize, 0usize, 0usize, 0usize);
    for dir in [
        "classify",
        "shared-corpus",
        "blind/triage-1",
        "blind/triage-2",
        "blind/triage-3",
        "blind/triage-4",
    ] {
        let dir = root.join(dir);
        let labels = labels(&dir);
        let files: Vec<PathBuf> = labels.iter().map(|l| dir.join(&l.file)).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .args(["classify", "--json"])
            .args(&files)
            .output()
            .expect("run complaintd classify");
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        for (label, line) in labels.iter().zip(stdout.lines()) {
            let got: Value = serde_json::from_str(line).expect("one JSON object per line");
            let kind = got["kind"].as_str().expect("kind");
            let triage = got["triage"].as_bool().expect("a triage field");
            if MACHINE.contains(&kind) {
                assert!(!triage, "machine mail in triage: {}", label.file);
            }
            match label.kind.as_str() {
                "complaint" => {
                    complaints += 1;
                    if kind == "complaint" || triage {
                        caught += 1;
                    } else {
                        println!("  missed complaint {}: {kind}", label.file);
                    }
                }
                "compliment" | "comment" | "other" => {
                    people += 1;
                    if triage {
                        in_triage += 1;
                        println!("  in triage {} ({})", label.file, label.kind);
                    }
                }
                _ => {}
            }
        }
    }
    let recall = caught as f64 / complaints as f64;
    let share = in_triage as f64 / people as f64;
    println!(
        "complaints caught as complaint or triage: {caught} of {complaints} ({recall:.3}); \
         compliments, comments and enquiries in triage: {in_triage} of {people} ({:.1} %)",
        share * 100.0
    );
    assert!(recall >= 0.98, "recall {recall:.3}");
    assert!(share <= 0.15, "triage share {share:.3}");
}

/// The figure table of issue 12 over every labelled message in the
/// repository (`classify --eval` per folder, added up). These are training
/// figures: the shipped model was fitted to these messages, so they guard
/// against regressions; the honest figures are each blind batch's
/// before-tuning figures in `tests/data/blind/README.md` and the
/// cross-validated ones from `classify --cv`. The floors sit just under what
/// the corpus measured when they were set.
#[test]
fn the_whole_corpus_meets_the_figure_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut order: Vec<String> = Vec::new();
    let mut confusion: Vec<Vec<u64>> = Vec::new();
    let mut flags: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for dir in [
        "classify",
        "shared-corpus",
        "blind/triage-1",
        "blind/triage-2",
        "blind/triage-3",
        "blind/triage-4",
        "train",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
            .args(["classify", "--json", "--eval"])
            .arg(root.join(dir))
            .output()
            .expect("run complaintd classify --eval");
        assert!(
            out.status.success(),
            "{dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let figures: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        let this_order: Vec<String> = figures["confusion"]["order"]
            .as_array()
            .expect("order")
            .iter()
            .map(|k| k.as_str().expect("a kind").to_string())
            .collect();
        if order.is_empty() {
            confusion = vec![vec![0; this_order.len()]; this_order.len()];
            order = this_order.clone();
        }
        assert_eq!(order, this_order, "{dir}: the confusion matrix's order");
        let rows = figures["confusion"]["rows_labelled_columns_classified"]
            .as_array()
            .expect("rows");
        for (i, row) in rows.iter().enumerate() {
            for (j, n) in row.as_array().expect("a row").iter().enumerate() {
                confusion[i][j] += n.as_u64().expect("a count");
            }
        }
        for (flag, f) in figures["flags"].as_object().expect("flags") {
            let e = flags.entry(flag.clone()).or_default();
            e.0 += f["tp"].as_u64().expect("tp");
            e.1 += f["fn"].as_u64().expect("fn");
            e.2 += f["fp"].as_u64().expect("fp");
        }
    }
    let total: u64 = confusion.iter().flatten().sum();
    assert!(total >= 770, "the corpus has {total} messages");
    let mut f1_sum = 0.0;
    let mut recall_of = BTreeMap::new();
    for (i, kind) in order.iter().enumerate() {
        let tp = confusion[i][i] as f64;
        let support: u64 = confusion[i].iter().sum();
        let predicted: u64 = confusion.iter().map(|r| r[i]).sum();
        let recall = tp / support.max(1) as f64;
        let precision = tp / predicted.max(1) as f64;
        let f1 = if recall + precision > 0.0 {
            2.0 * recall * precision / (recall + precision)
        } else {
            0.0
        };
        println!("{kind:12} n {support:4}  P {precision:.3}  R {recall:.3}  F1 {f1:.3}");
        f1_sum += f1;
        recall_of.insert(kind.as_str(), recall);
    }
    let macro_f1 = f1_sum / order.len() as f64;
    println!("macro-F1 {macro_f1:.3} over {total} messages");
    for (kind, floor) in [
        ("complaint", 0.99),
        ("compliment", 0.95),
        ("comment", 0.95),
        ("other", 0.93),
        ("auto_reply", 0.93),
        ("bounce", 0.95),
        ("bulk", 0.80),
    ] {
        let r = recall_of[kind];
        assert!(r >= floor, "{kind} recall {r:.3} < {floor}");
    }
    assert!(macro_f1 >= 0.95, "macro-F1 {macro_f1:.3}");
    let (mut tp_all, mut fn_all) = (0, 0);
    for (flag, (tp, fneg, fpos)) in &flags {
        if tp + fneg == 0 {
            // A flag no message here is labelled with (`welsh_language`,
            // newer than the labels) has no recall to measure; it must at
            // least raise nothing on them.
            println!("{flag:18} n   0  false positives {fpos}");
            assert_eq!(*fpos, 0, "{flag} raised on unlabelled messages");
            continue;
        }
        let recall = *tp as f64 / (tp + fneg).max(1) as f64;
        println!("{flag:18} n {:3}  R {recall:.3}", tp + fneg);
        let floor = if flag == "safeguarding" { 1.0 } else { 0.85 };
        assert!(recall >= floor, "{flag} recall {recall:.3} < {floor}");
        tp_all += tp;
        fn_all += fneg;
    }
    let all = tp_all as f64 / (tp_all + fn_all) as f64;
    println!("all flags R {all:.3}");
    assert!(all >= 0.94, "flags recall {all:.3}");
}

/// Figures a batch's `classify --json --eval` must reach.
struct Floor {
    /// The batch's folder under `tests/data/blind`.
    batch: &'static str,
    messages: u64,
    macro_f1: f64,
    /// Complaints classified as complaints, at least.
    complaints: u64,
    /// Recall over every flag, at least.
    flags: f64,
    /// Safeguarding concerns flagged, at least.
    safeguarding: u64,
}

fn holds(fl: Floor) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/blind")
        .join(fl.batch);
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["classify", "--json", "--eval"])
        .arg(&dir)
        .output()
        .expect("run complaintd classify --eval");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let f = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("a number in {r}"));
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("a count in {r}"));
    assert_eq!(n(&r["messages"]), fl.messages, "{}", fl.batch);
    assert!(
        f(&r["macro_f1"]) >= fl.macro_f1,
        "{}: macro-F1 {}",
        fl.batch,
        r["macro_f1"]
    );
    assert!(
        n(&r["kinds"]["complaint"]["tp"]) >= fl.complaints,
        "{}: {}",
        fl.batch,
        r["kinds"]["complaint"]
    );
    assert!(
        f(&r["flags_all"]["recall"]) >= fl.flags,
        "{}: {}",
        fl.batch,
        r["flags_all"]
    );
    assert!(
        n(&r["flags"]["safeguarding"]["tp"]) >= fl.safeguarding,
        "{}: {}",
        fl.batch,
        r["flags"]["safeguarding"]
    );
}

/// The held-out batch triage-12 (160 messages written blind in the fourth
/// session, never tuned on): a floor at its figures after the seventh
/// session (`tests/data/blind/README.md`). Flags fell from 84 to 82 of 99
/// and safeguarding from 19 to 18 of 21 when triage-14 joined the model's
/// corpora (with the safeguarding threshold at 0.35, chosen on
/// cross-validation), while the other held-out batches gained (triage-6
/// flags 0.745 to 0.766, triage-15 0.711 to 0.737). In the seventh session
/// the new cues took flags to 84, and triage-16 joining the corpora to 85
/// of 99 while safeguarding fell from 18 to 17 of 21; on triage-15 the same
/// retraining took safeguarding from 15 to 16 of 16 and flags from 0.776
/// to 0.816.
#[test]
fn held_out_triage_12_does_not_regress() {
    holds(Floor {
        batch: "triage-12",
        messages: 160,
        macro_f1: 0.92,
        complaints: 99,
        flags: 0.85,
        safeguarding: 17,
    });
}

/// The batch triage-13 (160 messages written blind in the fifth session,
/// measured before it was tuned on, then added to the training corpora):
/// a floor at its training figures.
#[test]
fn triage_13_stays_classified() {
    holds(Floor {
        batch: "triage-13",
        messages: 160,
        macro_f1: 0.99,
        complaints: 60,
        flags: 0.90,
        safeguarding: 21,
    });
}

/// The batch triage-14 (150 messages written blind at the end of the fifth
/// session, measured before it was tuned on, then added to the training
/// corpora in the sixth): a floor at its training figures.
#[test]
fn triage_14_stays_classified() {
    holds(Floor {
        batch: "triage-14",
        messages: 150,
        macro_f1: 0.96,
        complaints: 55,
        flags: 0.94,
        safeguarding: 5,
    });
}

/// The held-out batch triage-15 (160 messages written blind in the sixth
/// session, never tuned on): a floor at its figures at the end of the
/// seventh (`tests/data/blind/README.md`). Its macro-F1 went from 0.957 to
/// 0.949 when triage-16 joined the model's corpora, while its flags went
/// from 0.776 to 0.816 and safeguarding from 15 to 16 of 16; a review then
/// narrowed the new on_behalf cues (learners who are support workers, a
/// line manager's leave), and flags settled at 0.803.
#[test]
fn held_out_triage_15_does_not_regress() {
    holds(Floor {
        batch: "triage-15",
        messages: 160,
        macro_f1: 0.94,
        complaints: 60,
        flags: 0.80,
        safeguarding: 16,
    });
}

/// The batch triage-16 (160 messages written blind in the seventh session,
/// measured before it was tuned on, then added to the training corpora):
/// a floor at its training figures.
#[test]
fn triage_16_stays_classified() {
    holds(Floor {
        batch: "triage-16",
        messages: 160,
        macro_f1: 0.95,
        complaints: 60,
        flags: 0.96,
        safeguarding: 16,
    });
}

/// The batch triage-17 (160 messages written blind in the eighth session,
/// measured on main at 2cde947 before any tuning on it, then tuned on and
/// added to the training corpora): a floor at its training figures. Before:
/// macro-F1 0.949, complaints 59 of 60, flags 0.696 (precision 0.928),
/// safeguarding 8 of 17 (9 quiet signs missed, 3 false alarms); after the
/// cues for unsafe homes, controlling partners, young people without food or
/// a bed, staff's private contact with young learners and under-18s worked
/// long, a Welsh out-of-office read by its wording, and the model retrained
/// with it: macro-F1 0.995, complaints 60, flags 0.946 (precision 0.978),
/// safeguarding 17 of 17 with none false.
#[test]
fn triage_17_stays_classified() {
    holds(Floor {
        batch: "triage-17",
        messages: 160,
        macro_f1: 0.98,
        complaints: 60,
        flags: 0.94,
        safeguarding: 17,
    });
}
