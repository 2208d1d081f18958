//! The command line (DESIGN §6). Thin: parses arguments, loads files, calls the
//! core, prints. Errors become a message on stderr and a non-zero exit code.

use crate::core::calendar::{Calendar, Nation};
use crate::core::classify::{classify_raw, Hints};
use crate::core::quote;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// complaintd: a complaints, compliments and comments procedure run over email.
#[derive(Debug, Parser)]
#[command(name = "complaintd", version, about)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Working-day calendar arithmetic.
    Calendar {
        /// What to compute.
        #[command(subcommand)]
        action: CalendarAction,
    },

    /// Classify .eml files (stdin if none); directories are walked.
    Classify {
        /// One JSON object per input line.
        #[arg(long)]
        json: bool,
        /// Files or directories (Maildirs too).
        files: Vec<PathBuf>,
    },
    /// Validate config, policy and templates.
    Check {
        /// Do not reach any server; a secret missing on this machine is a warning.
        #[arg(long)]
        offline: bool,
    },
    /// Print the newly written text of a reply.
    ReplyText {
        /// The .eml file ("-" for stdin).
        file: PathBuf,
    },
}

/// `calendar` subcommands.
#[derive(Debug, Subcommand)]
pub enum CalendarAction {
    /// Print the due date of "within N working days" of DATE, as YYYY-MM-DD.
    AddWorkingDays {
        /// The day of receipt (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Number of working days (0 = the same working day).
        #[arg(long)]
        days: u32,
        /// Whose bank holidays (default: the config's, else england-and-wales).
        #[arg(long)]
        nation: Option<Nation>,
    },
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("complaintd: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Calendar { action } => match action {
            CalendarAction::AddWorkingDays { from, days, nation } => {
                // With a config, its nation, closures and extra holidays apply;
                // --nation overrides the nation.
                let cal = match (&cli.config, nation) {
                    (Some(path), n) => {
                        let loaded = crate::config::load(path)?;
                        let c = &loaded.config.calendar;
                        Calendar::new(n.unwrap_or(c.nation))
                            .with_closures(c.closures.iter().copied())
                            .with_extra_holidays(c.extra_holidays.iter().copied())
                    }
                    (None, n) => Calendar::new(n.unwrap_or(Nation::EnglandAndWales)),
                };
                let due = cal.add_working_days(from, days);
                for w in &due.warnings {
                    eprintln!("warning: {w}");
                }
                println!("{}", due.at.format("%Y-%m-%d"));
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Classify { json, files } => {
            let hints = match &cli.config {
                Some(path) => crate::config::load(path)?.hints(),
                None => Hints::default(),
            };
            classify_cmd(json, &files, &hints)
        }
        Command::Check { offline } => {
            let path = cli
                .config
                .clone()
                .ok_or_else(|| anyhow::anyhow!("check needs --config FILE"))?;
            let report = crate::check::check(&path, offline);
            for c in &report.checked {
                println!("checked: {c}");
            }
            for w in &report.warnings {
                println!("warning: {w}");
            }
            for p in &report.problems {
                println!("problem: {p}");
            }
            if report.problems.is_empty() {
                println!("ok: no problems found");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("{} problem(s) found", report.problems.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::ReplyText { file } => {
            let raw = read_input(&file)?;
            let mail = crate::core::mail::parse(&raw)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let text = quote::reply_text(&mail.text);
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut buf)?;
    } else {
        buf = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(buf)
}

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

fn classify_cmd(json: bool, files: &[PathBuf], hints: &Hints) -> anyhow::Result<ExitCode> {
    let inputs = if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        expand(files)
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
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
                    });
                    writeln!(out, "{line}")?;
                } else {
                    let flags: Vec<&str> = c.flags.iter().map(|f| f.as_str()).collect();
                    writeln!(out, "{shown}: {} [{}]", c.kind, flags.join(", "))?;
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
        eprintln!(
            "complaintd: {failures} of {} input(s) could not be classified",
            inputs.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
