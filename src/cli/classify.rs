//! `complaintd classify`.

use super::out;
use super::read_input;
use crate::core::classify::{classify_raw, Hints};
use std::io::Write;
use std::path::PathBuf;
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
    for path in &inputs {
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
