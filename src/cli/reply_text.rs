//! `complaintd reply-text --eval DIR`: the reply reader measured on
//! labelled replies.

use super::{out, read_input};
use crate::core::case::escalates;
use crate::core::intent::{read_reply, ReplyContext};
use crate::core::mail;
use crate::core::quote;
use crate::core::reply_eval::{self, Headerless, Outcome, Reading, ReplyLabel, Role};
use crate::core::threading;
use crate::core::token::Secret;
use std::path::Path;
use std::process::ExitCode;

/// Read every file `DIR/labels.jsonl` names and print the figures.
/// Unreadable labels, messages or expected texts are an error (exit 2):
/// figures over part of a set would mislead.
pub(super) fn eval_cmd(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let labels_path = dir.join("labels.jsonl");
    let text = std::fs::read_to_string(&labels_path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", labels_path.display()))?;
    let labels = reply_eval::parse_reply_labels(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", labels_path.display()))?;
    // The organisation's reference prefix is the one its cases carry: the
    // labelled references say which (another organisation's is not ours).
    let mut prefixes: Vec<String> = labels
        .iter()
        .filter_map(|l| l.reference.as_ref().map(|r| r.prefix().to_string()))
        .collect();
    prefixes.sort();
    prefixes.dedup();
    // No Message-ID in a labelled set was issued with this key: threading
    // here measures the subject, addresses and text, as for a reply whose
    // headers were lost.
    let secret = Secret::new(b"reply-text --eval: no issued ids".to_vec());
    let mut outcomes = Vec::with_capacity(labels.len());
    for label in &labels {
        let path = dir.join(&label.file);
        let raw = read_input(&path)?;
        let m = mail::parse(&raw).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let got = quote::reply_text(&m.text);
        let expected_path = path.with_extension("expected.txt");
        let expected = std::fs::read_to_string(&expected_path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", expected_path.display()))?;
        let reading = (label.role == Role::Complainant).then(|| read(&got, label));
        let headerless = (m.in_reply_to.is_empty() && m.references.is_empty()).then(|| {
            let t = threading::thread(&m, &secret, &prefixes);
            let mentioned = threading::mentioned_anywhere(&t, &got, &prefixes);
            Headerless {
                found: t.case.into_iter().chain(mentioned).collect(),
            }
        });
        outcomes.push(Outcome {
            text_exact: reply_eval::same_text(&got, &expected),
            reading,
            headerless,
        });
    }
    let report = reply_eval::evaluate_replies(labels.iter().zip(outcomes.iter()));
    if json {
        crate::outln!("{}", serde_json::to_string(&report)?);
    } else {
        use std::io::Write;
        let mut o = out::Stdout;
        o.write_all(report.render().as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// How the reader reads a complainant's reply. Where the case stood is the
/// label's `case_state` when it gives one; otherwise the scenario the label
/// describes: answers and chases come before the stage response, the rest
/// after it. Whether the case escalates is counted as if the reply came
/// after a stage response inside the escalation window (the state in which
/// a misreading escalates), whatever the state.
fn read(text: &str, label: &ReplyLabel) -> Reading {
    let responded = match label.case_state.as_deref() {
        Some(s) => {
            let s = s.to_ascii_lowercase();
            ["respond", "closed", "pending_lessons", "late", "window"]
                .iter()
                .any(|w| s.contains(w))
        }
        None => !matches!(label.intent.as_str(), "answer" | "chase"),
    };
    let ctx = ReplyContext {
        responded,
        ..ReplyContext::default()
    };
    let r = read_reply(text, &ctx);
    Reading {
        intent: r.intent.as_str().into(),
        escalates: escalates(r.intent),
        reason: r.reason,
    }
}
