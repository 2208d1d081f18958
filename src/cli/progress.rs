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
/// when it is a terminal; hidden otherwise, and for a single step (nothing
/// to watch).
pub fn bar(len: u64, what: &str, unit: &str) -> ProgressBar {
    if !enabled() || len < 2 {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template =
        format!("{what} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)");
    // The template is a fixed string: should it not parse, the bar keeps
    // indicatif's default style rather than failing the command.
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}
