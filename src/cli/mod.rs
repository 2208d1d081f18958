//! The command line. Its commands, flags and output formats are a contract:
//! scripts and tests call them, so they change only together with the
//! README's command summary (which `tests/readme.rs` checks against this
//! parser). Thin: parses arguments, loads files, calls the core, prints.
//! Errors become a message on stderr and a non-zero exit code.

mod classify;
mod demo;
mod learn;
pub(crate) mod out;
pub mod progress;
mod reply_text;
mod status;
mod store_commands;

use crate::core::calendar::{Calendar, Nation};
use crate::core::classify::Hints;
use crate::core::quote;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use std::io::Read;
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
        /// One JSON object per input line (with --eval: the figures as one JSON object).
        #[arg(long)]
        json: bool,
        /// Measure against DIR/labels.jsonl: per-kind and per-flag
        /// precision/recall/F1, accuracy, macro-F1 and the confusion matrix.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["files", "train", "learn", "cv"])]
        eval: Option<PathBuf>,
        /// Fit the shipped model of the learned layer on labelled folders
        /// (`--corpus`, default: the repository's) and write it (`--out`,
        /// default model/classifier.bin) with its corpus.jsonl beside it.
        #[arg(long, conflicts_with_all = ["learn", "cv", "files"])]
        train: bool,
        /// Refit the learned layer on the shipped corpus plus this
        /// organisation's handler corrections (#reclassify, #flag, #unflag),
        /// written where the daemon loads it (`[classifier] model`).
        #[arg(long, conflicts_with_all = ["cv", "files"])]
        learn: bool,
        /// Cross-validate on labelled folders: the lexicon alone against the
        /// lexicon with the learned layer.
        #[arg(long, conflicts_with = "files")]
        cv: bool,
        /// A folder with labels.jsonl and its .eml files (repeatable).
        #[arg(long)]
        corpus: Vec<PathBuf>,
        /// Where --train writes the model.
        #[arg(long, requires = "train")]
        out: Option<PathBuf>,
        /// Folds for --cv.
        #[arg(long, default_value_t = 5, requires = "cv")]
        folds: usize,
        /// Files or directories (Maildirs too).
        files: Vec<PathBuf>,
    },
    /// Validate config, policy and templates.
    Check {
        /// Do not reach any server; a secret missing on this machine is a warning.
        #[arg(long)]
        offline: bool,
    },
    /// The embedded default: sample mail through both seed procedures on
    /// SQLite and Maildirs, on a simulated clock. No config or server needed.
    Demo {
        /// Where to leave the databases and outgoing Maildirs
        /// (default: a complaintd-demo folder in the system's temp directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// The daemon: mailboxes, outbox sender and scheduler until SIGTERM/SIGINT.
    Run {
        /// Log lines as JSON (for journald or a log shipper).
        #[arg(long)]
        log_json: bool,
    },
    /// Health of every mailbox, the outbox and the scheduler (exit 1 if unhealthy).
    Status {
        /// As one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// The database itself: move a deployment between SQLite and PostgreSQL.
    Store {
        /// What to do.
        #[command(subcommand)]
        action: StoreAction,
    },
    /// One-shot import of .eml files or Maildirs.
    Ingest {
        /// Business time to record (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
        /// Files, Maildirs or folders of .eml files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Run the scheduler once (deadlines, chase-ups, digest), then the sender.
    Tick {
        /// The instant to run at (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// Inspect and export cases.
    Cases {
        /// What to do.
        #[command(subcommand)]
        action: CasesAction,
    },
    /// Render today's digest (and queue it unless --preview).
    Digest {
        /// Print it only.
        #[arg(long)]
        preview: bool,
        /// The instant to render for (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// The complaints performance report for a period (a quarter, a year):
    /// volumes, timeliness, extensions, outcomes, remedies, refusals,
    /// referrals, satisfaction, lessons learnt, and charts.
    Report {
        /// The first day (YYYY-MM-DD, the organisation's time zone).
        #[arg(long)]
        from: NaiveDate,
        /// The last day, included (YYYY-MM-DD).
        #[arg(long)]
        to: NaiveDate,
        /// html (one self-contained file), csv (one file per table), json,
        /// or psow (the Public Services Ombudsman for Wales' complaints data).
        #[arg(long, value_enum, default_value_t = crate::report::Format::Html)]
        format: crate::report::Format,
        /// The folder to write into (created if needed); default: the current one.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The instant "open now" and "overdue" are counted at (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// Anonymise closed cases past their retention date (`[retention]
    /// period`, default 6 years), except those on legal hold. The scheduler
    /// runs this once a working day, before the digest.
    Retention {
        /// List what would be anonymised (and what a hold keeps); change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The instant to run at (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// Export every message, case record and audit entry concerning a
    /// person (UK GDPR right of access) into a new folder under --out.
    SubjectAccess {
        /// Their email address.
        email: String,
        /// Where to create the folder.
        #[arg(long)]
        out: PathBuf,
        /// The instant to record (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// Erase a person's data where the rule allows: their closed cases not
    /// on legal hold are anonymised, open or held ones are kept and listed.
    Erase {
        /// Their email address.
        email: String,
        /// The instant to record (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// The satisfaction survey's answers, counted: how many were asked and
    /// answered, the scores, how many were satisfied, and the comments.
    Survey {
        /// As one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Messages that failed a step.
    Quarantine {
        /// What to do.
        #[command(subcommand)]
        action: QuarantineAction,
    },
    /// Print the newly written text of a reply, or measure the reply reader.
    ReplyText {
        /// The .eml file ("-" for stdin).
        #[arg(required_unless_present = "eval", conflicts_with = "eval")]
        file: Option<PathBuf>,
        /// Measure against DIR/labels.jsonl and NAME.expected.txt: text
        /// recorded exactly, how complainants' replies are read (intent
        /// confusion, escalations wrongly made or missed), references found
        /// in messages without threading headers.
        #[arg(long, value_name = "DIR")]
        eval: Option<PathBuf>,
        /// With --eval: the figures as one JSON object.
        #[arg(long, requires = "eval")]
        json: bool,
    },
}

/// `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Copy every row of one database into a new, empty one (SQLite to
    /// PostgreSQL or back), then check both hold the same rows (counts and
    /// SHA-256 per table). Stop the daemons first.
    Copy {
        /// The database to copy: `sqlite:///path/complaintd.sqlite` or
        /// `postgres://USER@HOST:PORT/DATABASE` (password from PGPASSWORD or
        /// ~/.pgpass).
        #[arg(long)]
        from: String,
        /// The new database, in the same forms; created and migrated if
        /// missing, refused if it holds any row.
        #[arg(long)]
        to: String,
    },
}

/// `cases` subcommands.
#[derive(Debug, Subcommand)]
pub enum CasesAction {
    /// List cases, newest first.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Only cases in this state (e.g. open, responded, closed).
        #[arg(long)]
        state: Option<String>,
    },
    /// One case with its audit trail and outgoing mail.
    Show {
        /// The reference.
        reference: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a folder "Customer Name DD-MM-YYYY" with the messages and a case
    /// record, one per case named.
    Export {
        /// The references (one or more).
        #[arg(required = true, num_args = 1..)]
        references: Vec<String>,
        /// Where to create the folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Place a case on legal hold: kept past its retention date and out of
    /// reach of `erase` until released (as `#hold REASON` by email).
    Hold(HoldArgs),
    /// Lift a legal hold (as `#release` by email).
    Release {
        /// The reference.
        reference: String,
        /// Who lifts it (recorded in the audit).
        #[arg(long)]
        by: String,
        /// Business time (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
}

/// `cases hold` arguments.
#[derive(Debug, clap::Args)]
pub struct HoldArgs {
    /// The reference.
    pub reference: String,
    /// Why (a claim, an ombudsman's investigation); recorded.
    #[arg(required = true, num_args = 1..)]
    pub reason: Vec<String>,
    /// Who places it (recorded in the audit).
    #[arg(long)]
    pub by: String,
    /// Business time (RFC 3339); default: now.
    #[arg(long)]
    pub now: Option<DateTime<Utc>>,
}

/// `quarantine` subcommands.
#[derive(Debug, Subcommand)]
pub enum QuarantineAction {
    /// Everything in quarantine.
    List,
    /// One entry.
    Show {
        /// Its id.
        id: i64,
    },
    /// Process it again.
    Replay {
        /// Its id.
        id: i64,
        /// Business time (RFC 3339); default: now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
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
    let code = match run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`… | head`): nothing to report.
        Err(e) if out::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            crate::errln!("complaintd: {e:#}");
            ExitCode::from(2)
        }
    };
    match out::failure() {
        Some(e) => {
            crate::errln!("complaintd: cannot write the output: {e}");
            ExitCode::from(2)
        }
        None => code,
    }
}

/// Human-readable logs by default, JSON on request; `RUST_LOG` overrides the level.
/// Passwords and message bodies are never logged anywhere.
fn init_logging(json: bool, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only on a terminal: journald and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if json || std::env::var("COMPLAINTD_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn run_daemon(config: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let app = std::sync::Arc::new(store_commands::app(config).await?);
    let stop = tokio_util::sync::CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
        }
        on_signal.cancel();
    });
    crate::work::daemon::run(app, stop).await?;
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref();
    if !matches!(cli.command, Command::Run { .. }) {
        // One-shot commands print their results; logs only for warnings.
        init_logging(false, "warn");
    }
    match cli.command {
        Command::Demo { dir } => {
            let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("complaintd-demo"));
            // Absolute, so the commands the demo suggests work from any folder.
            let dir = std::path::absolute(&dir)?;
            runtime()?.block_on(demo::run(&dir, &mut out::Stdout))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { log_json } => {
            init_logging(log_json, "info");
            runtime()?.block_on(run_daemon(config))
        }
        Command::Status { json } => runtime()?.block_on(status::status(config, json)),
        Command::Migrate => runtime()?.block_on(store_commands::migrate(config)),
        Command::Store {
            action: StoreAction::Copy { from, to },
        } => runtime()?.block_on(store_commands::store_copy(&from, &to)),
        Command::Ingest { now, paths } => {
            runtime()?.block_on(store_commands::ingest_paths(config, &paths, now))
        }
        Command::Tick { now } => runtime()?.block_on(store_commands::tick(config, now)),
        Command::Cases { action } => runtime()?.block_on(async {
            match action {
                CasesAction::List { json, state } => {
                    store_commands::cases_list(config, json, state.as_deref()).await
                }
                CasesAction::Show { reference, json } => {
                    store_commands::cases_show(config, &reference, json).await
                }
                CasesAction::Export { references, out } => {
                    store_commands::cases_export(config, &references, &out).await
                }
                CasesAction::Hold(h) => {
                    store_commands::cases_hold(
                        config,
                        &h.reference,
                        Some(h.reason.join(" ")),
                        &h.by,
                        h.now,
                    )
                    .await
                }
                CasesAction::Release { reference, by, now } => {
                    store_commands::cases_hold(config, &reference, None, &by, now).await
                }
            }
        }),
        Command::Digest { preview, now } => {
            runtime()?.block_on(store_commands::digest_cmd(config, preview, now))
        }
        Command::Retention { dry_run, now } => {
            runtime()?.block_on(store_commands::retention_cmd(config, dry_run, now))
        }
        Command::SubjectAccess { email, out, now } => runtime()?.block_on(
            store_commands::subject_access_cmd(config, &email, &out, now),
        ),
        Command::Erase { email, now } => {
            runtime()?.block_on(store_commands::erase_cmd(config, &email, now))
        }
        Command::Survey { json } => runtime()?.block_on(store_commands::survey_cmd(config, json)),
        Command::Report {
            from,
            to,
            format,
            out,
            now,
        } => runtime()?.block_on(store_commands::report_cmd(
            config,
            from,
            to,
            format,
            out.as_deref(),
            now,
        )),
        Command::Quarantine { action } => runtime()?.block_on(async {
            match action {
                QuarantineAction::List => store_commands::quarantine_list(config).await,
                QuarantineAction::Show { id } => store_commands::quarantine_show(config, id).await,
                QuarantineAction::Replay { id, now } => {
                    store_commands::quarantine_replay(config, id, now).await
                }
            }
        }),
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
                    crate::errln!("warning: {w}");
                }
                crate::outln!("{}", due.at.format("%Y-%m-%d"));
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Classify {
            json,
            eval,
            train,
            learn,
            cv,
            corpus,
            out,
            folds,
            files,
        } => {
            if train {
                return learn::train_cmd(&corpus, out.as_deref());
            }
            if learn {
                return runtime()?.block_on(learn::learn_cmd(config));
            }
            let hints = match &cli.config {
                Some(path) => crate::config::load(path)?.hints_with_model()?,
                None => Hints::default(),
            };
            if cv {
                return learn::cv_cmd(&corpus, folds, &hints);
            }
            match eval {
                Some(dir) => classify::eval_cmd(json, &dir, &hints),
                None => classify::classify_cmd(json, &files, &hints),
            }
        }
        Command::Check { offline } => {
            let path = cli
                .config
                .clone()
                .ok_or_else(|| anyhow::anyhow!("check needs --config FILE"))?;
            let mut report = crate::config::check::check(&path, offline);
            if !offline && report.problems.is_empty() {
                if let Ok(loaded) = crate::config::load(&path) {
                    runtime()?.block_on(crate::config::check::check_online(&loaded, &mut report));
                }
            }
            for c in &report.checked {
                crate::outln!("checked: {c}");
            }
            for w in &report.warnings {
                crate::outln!("warning: {w}");
            }
            for p in &report.problems {
                crate::outln!("problem: {p}");
            }
            if report.problems.is_empty() {
                crate::outln!("ok: no problems found");
                Ok(ExitCode::SUCCESS)
            } else {
                crate::outln!("{} problem(s) found", report.problems.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::ReplyText {
            eval: Some(dir),
            json,
            ..
        } => reply_text::eval_cmd(&dir, json),
        Command::ReplyText { file, .. } => {
            let file = file.unwrap_or_else(|| PathBuf::from("-"));
            let raw = read_input(&file)?;
            let mail = crate::core::mail::parse(&raw)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let text = quote::reply_text(&mail.text);
            crate::outln!("{text}");
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
