//! `complaintd classify`.

use super::out;
use super::read_input;
use crate::core::classify::{classify_raw, Hints};
use crate::core::eval;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Expand directories (recursively, sorted) into files; keep files as given.
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(_) => {
                    out.push(p.clone());
                    continue;
                }
            };
            entries.sort();
            let (dirs, files): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.is_dir());
            out.extend(files.into_iter().filter(|f| {
                !f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with('.') || n.ends_with(".jsonl") || n.ends_with(".md")
                })
            }));
            out.extend(expand(&dirs));
        } else {
            out.push(p.clone());
        }
    }
    out
}

pub(super) fn classify_cmd(
    json: bool,
    files: &[PathBuf],
    hints: &Hints,
) -> anyhow::Result<ExitCode> {
    let inputs = if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        expand(files)
    };
    let mut out = std::io::BufWriter::new(out::Stdout);
    let mut failures = 0usize;
    // One line per input goes to stdout: the bar shows only when that output
    // goes elsewhere (a file, a pipe), or the two would interleave.
    let bar = if std::io::stdout().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        super::progress::bar(inputs.len() as u64, "classifying", "files")
    };
    for path in &inputs {
        bar.inc(1);
        let shown = path.display().to_string();
        let result =
            read_input(path).and_then(|raw| classify_raw(&raw, hints).map_err(anyhow::Error::from));
        match result {
            Ok(c) => {
                if json {
                    let line = serde_json::json!({
                        "file": shown,
                        "kind": c.kind,
                        "flags": c.flags,
                        "reasons": c.reasons,
                        "triage": c.triage,
                    });
                    writeln!(out, "{line}")?;
                } else {
                    let flags: Vec<&str> = c.flags.iter().map(|f| f.as_str()).collect();
                    let triage = if c.triage { " (triage)" } else { "" };
                    writeln!(out, "{shown}: {} [{}]{triage}", c.kind, flags.join(", "))?;
                    for r in &c.reasons {
                        writeln!(out, "    {r}")?;
                    }
                }
            }
            Err(e) => {
                failures += 1;
                // One line per input even on failure, so output stays aligned
                // with input order; the error names the file and the cause.
                if json {
                    let line = serde_json::json!({
                        "file": shown,
                        "kind": null,
                        "flags": [],
                        "reasons": [],
                        "triage": false,
                        "error": format!("{e:#}"),
                    });
                    writeln!(out, "{line}")?;
                } else {
                    writeln!(out, "{shown}: error: {e:#}")?;
                }
            }
        }
    }
    bar.finish_and_clear();
    out.flush()?;
    if failures > 0 {
        crate::errln!(
            "complaintd: {failures} of {} input(s) could not be classified",
            inputs.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `complaintd classify --eval DIR`: classify every file `DIR/labels.jsonl`
/// names and print the figures. Unreadable labels or messages are an error
/// (exit 1): figures over part of a set would mislead.
pub(super) fn eval_cmd(json: bool, dir: &Path, hints: &Hints) -> anyhow::Result<ExitCode> {
    let labels_path = dir.join("labels.jsonl");
    let text = std::fs::read_to_string(&labels_path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", labels_path.display()))?;
    let labels =
        eval::parse_labels(&text).map_err(|e| anyhow::anyhow!("{}: {e}", labels_path.display()))?;
    let mut results = Vec::with_capacity(labels.len());
    let mut errors = Vec::new();
    for label in &labels {
        let path = dir.join(&label.file);
        match read_input(&path)
            .and_then(|raw| classify_raw(&raw, hints).map_err(anyhow::Error::from))
        {
            Ok(c) => results.push((label, c)),
            Err(e) => errors.push(format!("{}: {e:#}", path.display())),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            crate::errln!("complaintd: {e}");
        }
        anyhow::bail!(
            "{} of {} labelled message(s) could not be read or classified: no figures",
            errors.len(),
            labels.len()
        );
    }
    let report = eval::evaluate(results.iter().map(|(l, c)| (*l, c.kind, &c.flags)));
    let mut out = std::io::BufWriter::new(out::Stdout);
    if json {
        writeln!(out, "{}", report.to_json())?;
    } else {
        write!(out, "{}", report.to_text())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
