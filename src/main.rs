//! The `complaintd` binary: parse the command line and hand over to [`complaintd::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    complaintd::cli::main()
}
