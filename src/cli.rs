//! The command line (DESIGN §6). Thin: parses arguments, loads files, calls the
//! core, prints. Errors become a message on stderr and a non-zero exit code.

use crate::core::calendar::{Calendar, Nation};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
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
                let cal = Calendar::new(nation.unwrap_or(Nation::EnglandAndWales));
                let due = cal.add_working_days(from, days);
                for w in &due.warnings {
                    eprintln!("warning: {w}");
                }
                println!("{}", due.at.format("%Y-%m-%d"));
                Ok(ExitCode::SUCCESS)
            }
        },
    }
}
