//! Progress bars for long work (ingest of a large Maildir, `classify` of a
//! directory, `cases export` of many cases, the scale benchmark): a bar
//! with rate and time left on a terminal, nothing at all otherwise, so logs,
//! pipes and tests see no control characters.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Whether progress is drawn: only when stderr is a terminal.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar of `len` steps counting `unit` (e.g. "messages"), drawn on stderr
/// when it is a terminal and hidden otherwise. `len` 0 means "unknown"
/// (a spinner with the count and rate).
pub fn bar(len: u64, what: &str, unit: &str) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let pb = if len == 0 {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::new(len)
    };
    pb.set_draw_target(ProgressDrawTarget::stderr());
    let template = if len == 0 {
        format!("{{spinner}} {what}: {{pos}} {unit} ({{per_sec}}) {{elapsed}}")
    } else {
        format!("{what} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)")
    };
    // The templates are fixed strings above: a parse failure is a bug in
    // this file, and the bar falls back to indicatif's default style.
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}
