//! Large messages through ingest (issue 9): a complaint of 1, 2, 4 and 8 MB,
//! made of many short lines, and the same sizes of invalid UTF-8, each
//! ingested into a real SQLite store with the release build. Prints seconds
//! per size; fails unless each message opened a case and queued its mail,
//! each took under a second, and time grew about linearly with size.
//!
//! Run: `scripts/bench-large` (= `cargo bench --bench large`). Needs no mail
//! stack.

use chrono::{DateTime, Utc};
use complaintd::app::App;
use complaintd::config;
use complaintd::core::token::Secret;
use complaintd::work::ingest::{self, Ingested};
use std::path::Path;
use std::time::Instant;

const SIZES_MB: [usize; 4] = [1, 2, 4, 8];
/// Each size is ingested this many times (fresh messages); the best run
/// counts, so a neighbour's burst of CPU on a shared machine does not.
const RUNS: usize = 3;

fn config(dir: &Path) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider-b");
    std::fs::copy(src.join("policy.toml"), dir.join("policy.toml")).expect("copy policy");
    let cfg = std::fs::read_to_string(src.join("complaintd.toml")).expect("read config");
    let head = cfg.split("\n[store]").next().expect("config text");
    let path = dir.join("complaintd.toml");
    std::fs::write(
        &path,
        format!("{head}\n[store]\npath = \"db.sqlite\"\n\n[outbox]\nmaildir = \"outgoing\"\n"),
    )
    .expect("write config");
    path
}

fn headers(from: &str, id: &str) -> String {
    format!(
        "From: {from}\r\nTo: complaints@provider-b.example.test\r\nSubject: Complaint\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am not happy and want to complain: my course was cancelled.\r\n"
    )
}

/// About `mb` megabytes of short lines.
fn short_lines(mb: usize, from: &str, id: &str) -> Vec<u8> {
    let mut raw = headers(from, id).into_bytes();
    let line = b"short line\r\n";
    while raw.len() < mb << 20 {
        raw.extend_from_slice(line);
    }
    raw
}

/// About `mb` megabytes that are not UTF-8 although they say they are.
fn invalid_utf8(mb: usize, from: &str, id: &str) -> Vec<u8> {
    let mut raw = headers(from, id).into_bytes();
    let chunk = b"\xff\xfe\xc3(\xa0\xe2\x82 bad \xf0\x28\x8c\x28\r\n";
    while raw.len() < mb << 20 {
        raw.extend_from_slice(chunk);
    }
    raw
}

struct Row {
    kind: &'static str,
    mb: usize,
    seconds: f64,
}

async fn measure(
    app: &App,
    now: DateTime<Utc>,
    kind: &'static str,
    make: fn(usize, &str, &str) -> Vec<u8>,
    n: &mut usize,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for mb in SIZES_MB {
        let mut best = f64::MAX;
        for _ in 0..RUNS {
            *n += 1;
            // One domain each: the per-domain flood cap is not what is measured.
            let from = format!("person{n}@mail{n}.test");
            let raw = make(
                mb,
                &format!("P {n} <{from}>"),
                &format!("large-{n}@mail.test"),
            );
            let before = app.store.outbox(None).await.expect("outbox").len();
            let started = Instant::now();
            let out = ingest::ingest(app, &raw, "bench", now)
                .await
                .expect("ingest");
            let seconds = started.elapsed().as_secs_f64();
            let Ingested::Opened(reference) = &out else {
                panic!("{kind} {mb} MB: expected a new case, got {out:?}")
            };
            let outbox = app
                .store
                .outbox(Some(&reference.parse().expect("a case reference")))
                .await
                .expect("outbox");
            assert!(
                outbox
                    .iter()
                    .any(|m| m.recipient == from && m.template == "acknowledgement"),
                "{kind} {mb} MB: no acknowledgement queued"
            );
            assert!(
                outbox.iter().any(|m| m.recipient != from),
                "{kind} {mb} MB: no staff notification queued"
            );
            assert!(app.store.outbox(None).await.expect("outbox").len() > before);
            best = best.min(seconds);
        }
        rows.push(Row {
            kind,
            mb,
            seconds: best,
        });
    }
    rows
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let loaded = config::load(&config(dir.path())).expect("config");
        let app = App::with_secret(loaded, Secret::new(b"bench-secret-0123456789abcdef0123456789".to_vec()))
            .await
            .expect("app");
        let now: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().expect("time");
        let mut n = 0;
        let mut rows = measure(&app, now, "short lines", short_lines, &mut n).await;
        rows.extend(measure(&app, now, "invalid UTF-8", invalid_utf8, &mut n).await);
        println!("{:<14} {:>5} {:>9} {:>9}", "message", "MB", "seconds", "s per MB");
        for r in &rows {
            println!(
                "{:<14} {:>5} {:>9.3} {:>9.3}",
                r.kind,
                r.mb,
                r.seconds,
                r.seconds / r.mb as f64
            );
        }
        let mut failures = Vec::new();
        for r in &rows {
            if r.seconds >= 1.0 {
                failures.push(format!("{} {} MB took {:.3} s (limit 1 s)", r.kind, r.mb, r.seconds));
            }
        }
        for kind in ["short lines", "invalid UTF-8"] {
            let of = |mb| {
                rows.iter()
                    .find(|r| r.kind == kind && r.mb == mb)
                    .map(|r| r.seconds)
                    .unwrap_or(f64::NAN)
            };
            // 8x the size: linear is ~8x the time, quadratic ~64x. Allow
            // twice linear for noise and caches.
            let ratio = of(8) / of(1);
            println!("{kind}: 8 MB / 1 MB time ratio {ratio:.1} (linear 8, quadratic 64)");
            if ratio.is_nan() || ratio > 16.0 {
                failures.push(format!("{kind}: time grew {ratio:.1}x for 8x the size"));
            }
        }
        app.store.close().await;
        if !failures.is_empty() {
            eprintln!("FAILED:\n  {}", failures.join("\n  "));
            std::process::exit(1);
        }
        println!("ok: every message opened a case and queued its mail, each in under 1 s, time linear in size");
    });
}
