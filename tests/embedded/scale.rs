//! The scale benchmark at 2,000 cases (issue 14), so that it cannot rot:
//! the same code as `scripts/bench-scale` builds the database through the
//! store, runs the real binary's `digest --preview` and first `tick` of the
//! day, and checks every section and count; here it also checks that the
//! database is reused from the cache and that the digest stays small.

#[path = "../../benches/scale/run.rs"]
mod run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scale_benchmark_at_2k_cases_measures_a_digest_that_says_what_the_data_makes_true() {
    let cache = tempfile::tempdir().expect("cache");
    let work = tempfile::tempdir().expect("work");
    let f = run::figures(2_000, cache.path(), work.path()).await;
    assert!(f.build_seconds > 0.0, "the first run builds the database");
    assert!(f.preview.peak_mib > 0.0 && f.tick.peak_mib > 0.0);
    // Over 30 breached deadlines at this size: the list is capped and says so.
    assert!(
        f.preview.stdout.contains("  - and ") && f.preview.stdout.contains(" more\n"),
        "no capped list in:\n{}",
        f.preview.stdout
    );
    // Capped lists as HTML tables with inline styles (what Outlook needs),
    // their plain-text twin and the chart (a PNG of about 32 KB, base64 in
    // the mail): about 110 KB here, and the same at a million cases, since
    // no list grows past its cap (issue 17; it was under 32 KB as text
    // with `<br>` tags).
    assert!(
        f.digest_bytes < 160 * 1024,
        "the digest mail is {} bytes",
        f.digest_bytes
    );
    // A second run finds the database in the cache and expects the same.
    let (db, expected, seconds) = run::database(2_000, cache.path()).await;
    assert_eq!(seconds, 0.0, "the cached database was rebuilt");
    assert!(db.exists());
    assert_eq!(expected.cases, 2_000);
}
