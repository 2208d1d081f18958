//! The scale benchmark (issue 14): the directors' digest and the first tick
//! of the day at 100,000 and 1,000,000 cases, and (issue 17) the performance
//! report for a year (`complaintd report`, HTML with its charts). The
//! databases are built directly through the store's own functions (no mail
//! is sent) and cached under the target directory, keyed by the schema and
//! the generator, so a rerun starts measuring at once. For each size it
//! prints the wall time and the peak RSS of `complaintd digest --preview`,
//! of `complaintd tick` and of `complaintd report` (the real binary,
//! measured with `wait4`), and fails unless the digest said what the
//! generated data makes true, the tick queued it and the report counted the
//! year's cases.
//!
//! Run: `scripts/bench-scale` (= `cargo bench --bench scale`); sizes may be
//! given as arguments (`cargo bench --bench scale -- 100000`). Targets:
//! at most 1 s each at 1M cases, peak RSS at most 60 MB at 100k. The test
//! suite runs the same code at 2,000 cases (`tests/embedded/scale.rs`).

#[path = "run.rs"]
mod run;

use std::path::PathBuf;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let cache = target.join("scale-bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    for n in sizes {
        let work = tempfile::tempdir().expect("tempdir");
        let f = rt.block_on(run::figures(n, &cache, work.path()));
        eprintln!(
            "{n} cases: database {:.0} MB{}",
            f.db_bytes as f64 / 1e6,
            if f.build_seconds > 0.0 {
                format!(", built in {:.0} s", f.build_seconds)
            } else {
                " (cached)".into()
            }
        );
        rows.push(f);
    }
    println!(
        "{:>9} {:>10} {:>12} {:>10} {:>12} {:>10} {:>8} {:>11} {:>13} {:>10} {:>11} {:>7}",
        "cases",
        "preview s",
        "preview MiB",
        "tick s",
        "tick MiB",
        "digest KB",
        "surveys",
        "+surveys s",
        "+surveys MiB",
        "report s",
        "report MiB",
        "db MB"
    );
    let mut missed = Vec::new();
    for f in &rows {
        println!(
            "{:>9} {:>10.3} {:>12.1} {:>10.3} {:>12.1} {:>10.1} {:>8} {:>11.3} {:>13.1} {:>10.3} {:>11.1} {:>7.0}",
            f.cases,
            f.preview.seconds,
            f.preview.peak_mib,
            f.tick.seconds,
            f.tick.peak_mib,
            f.digest_bytes as f64 / 1e3,
            f.surveys,
            f.tick_surveys.seconds,
            f.tick_surveys.peak_mib,
            f.report.seconds,
            f.report.peak_mib,
            f.db_bytes as f64 / 1e6
        );
        if f.cases >= 1_000_000 {
            for (what, s) in [
                ("preview", f.preview.seconds),
                ("tick", f.tick.seconds),
                ("report", f.report.seconds),
            ] {
                if s > 1.0 {
                    missed.push(format!(
                        "{what} at {} cases took {s:.2} s (target 1 s)",
                        f.cases
                    ));
                }
            }
        }
        if f.cases <= 100_000 {
            for (what, m) in [("preview", f.preview.peak_mib), ("tick", f.tick.peak_mib)] {
                if m * 1.048_576 > 60.0 {
                    missed.push(format!(
                        "{what} at {} cases peaked at {:.1} MB (target 60 MB)",
                        f.cases,
                        m * 1.048_576
                    ));
                }
            }
        }
    }
    if missed.is_empty() {
        println!("ok: every digest said what the data makes true; every target met");
    } else {
        println!("ok: every digest said what the data makes true");
        println!("targets missed:\n  {}", missed.join("\n  "));
    }
}
