//! The write lock is never held while mail is rendered: a template helper
//! that, in the middle of rendering, takes the write lock from a connection
//! of its own that will not wait (busy timeout 0) must get it, for mail
//! that ingest renders and mail that the scheduler renders.

use crate::common::backend::{backend, Backend, RawDb};
use crate::harness::*;
use chrono::Duration;
use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Outcomes of the probes taken while rendering.
type Probes = Arc<Mutex<Vec<Result<(), String>>>>;

/// Run `sql` on the test's database (configured in `dir`) from another
/// thread and connection (a second process would look the same to the
/// database), without waiting for a lock.
fn on_own_connection(dir: &Path, sql: &'static [&'static str]) -> Result<(), String> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            match backend() {
                Backend::Sqlite => {
                    let mut c = SqliteConnectOptions::new()
                        .filename(dir.join("db.sqlite"))
                        .busy_timeout(std::time::Duration::ZERO)
                        .connect()
                        .await
                        .map_err(|e| e.to_string())?;
                    for q in sql {
                        sqlx::query(*q)
                            .execute(&mut c)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                }
                Backend::Postgres => {
                    let RawDb::Pg(p) = RawDb::open(&dir).await else {
                        return Err("not PostgreSQL".to_string());
                    };
                    let mut c = p.acquire().await.map_err(|e| e.to_string())?;
                    for q in sql {
                        sqlx::query(*q)
                            .execute(&mut *c)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                }
            }
            Ok(())
        })
    })
    .join()
    .map_err(|_| "probe thread panicked".to_string())?
}

/// Take the write lock at once and let it go: SQLite's `BEGIN IMMEDIATE`,
/// or PostgreSQL's writers' advisory lock (`store::WRITE_LOCK`), tried
/// without waiting (an error naming `locked` when it is held elsewhere,
/// as SQLite's "database is locked").
fn lock() -> &'static [&'static str] {
    match backend() {
        Backend::Sqlite => &["BEGIN IMMEDIATE", "ROLLBACK"],
        Backend::Postgres => &[
            "BEGIN",
            "SELECT CAST(CASE WHEN pg_try_advisory_xact_lock(1668310065) THEN '1' ELSE 'locked' END AS integer)",
            "ROLLBACK",
        ],
    }
}

/// Another writer commits mail of its own, as a second ingest would: the
/// outbox numbering (Message-IDs, tokens) of anything rendered meanwhile
/// is out of date.
fn write() -> &'static [&'static str] {
    match backend() {
        Backend::Sqlite => &[
            "BEGIN IMMEDIATE",
            "INSERT INTO outbox (message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at)
             VALUES ('other-' || (SELECT COALESCE(MAX(id), 0) + 1 FROM outbox) || '@test', 'other', 'x@mail.test', 0, x'00', '2026-11-23T10:00:00Z', 'sent', '2026-11-23T10:00:00Z')",
            "COMMIT",
        ],
        Backend::Postgres => &[
            "BEGIN",
            "SELECT CAST(CASE WHEN pg_try_advisory_xact_lock(1668310065) THEN '1' ELSE 'locked' END AS integer)",
            "INSERT INTO outbox (id, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM outbox), 'other-' || (SELECT COALESCE(MAX(id), 0) + 1 FROM outbox) || '@test', 'other', 'x@mail.test', FALSE, '\\x00'::bytea, '2026-11-23T10:00:00Z', 'sent', '2026-11-23T10:00:00Z')",
            "COMMIT",
        ],
    }
}

/// A template helper `{{probe}}` that runs `sql` while it renders (while
/// `writes` is above zero, counting down, [`write`] instead), recording the
/// outcomes.
fn probe(
    db: PathBuf,
    probes: Probes,
    writes: Arc<Mutex<usize>>,
) -> impl handlebars::HelperDef + Clone + Send + Sync {
    move |_: &Helper<'_>,
          _: &Handlebars<'_>,
          _: &Context,
          _: &mut RenderContext<'_, '_>,
          _: &mut dyn Output|
          -> HelperResult {
        let write = {
            let mut w = writes.lock().expect("writes");
            let write = *w > 0;
            *w = w.saturating_sub(1);
            write
        };
        let r = on_own_connection(&db, if write { self::write() } else { lock() });
        probes.lock().expect("probes").push(r);
        Ok(())
    }
}

/// A test app whose acknowledgement, handler notification and chase-up
/// call `{{probe}}`; `writes` as in [`probe`].
async fn probed(writes: usize) -> (TestApp, Probes) {
    let mut app = TestApp::spawn_with(
        "provider-b",
        "2026-11-23T10:00:00Z",
        "[templates]\ndir = \"mine\"",
    )
    .await;
    let mine = app.dir.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    for name in ["acknowledgement", "handler_notification", "chase_up"] {
        let built_in = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("templates/en")
                .join(format!("{name}.hbs")),
        )
        .expect("read template");
        std::fs::write(
            mine.join(format!("{name}.hbs")),
            format!("{built_in}{{{{probe}}}}\n"),
        )
        .expect("write");
    }
    app.restart().await;
    let probes = Probes::default();
    let db = app.dir.path().to_path_buf();
    app.app.templates.register_helper(
        "probe",
        probe(db, probes.clone(), Arc::new(Mutex::new(writes))),
    );
    (app, probes)
}

fn complaint(id: &str) -> Vec<u8> {
    message(
        "Jo <jo@mail.test>",
        "Complaint about my course",
        "I am not happy: my certificate is lost and I want to know why.",
        id,
    )
}

#[tokio::test]
async fn the_write_lock_is_free_while_mail_is_rendered() {
    let (mut app, probes) = probed(0).await;
    let raw = complaint("lock1@mail.test");
    let reference = match app.deliver(&raw).await {
        complaintd::work::ingest::Ingested::Opened(r) => r,
        other => panic!("expected a new case, got {other:?}"),
    };
    let ingest_probes = probes.lock().expect("probes").clone();
    assert!(
        ingest_probes.len() >= 2,
        "acknowledgement and notification were rendered: {ingest_probes:?}"
    );
    assert!(
        ingest_probes.iter().all(Result::is_ok),
        "ingest held the write lock while rendering: {ingest_probes:?}"
    );

    // The scheduler's chase-ups are rendered outside its transaction too.
    probes.lock().expect("probes").clear();
    let until = app.now + Duration::days(12);
    app.run_until(until, Duration::hours(2)).await;
    assert!(
        app.sent().await.iter().any(|r| r.template == "chase_up"),
        "{reference} was chased"
    );
    let tick_probes = probes.lock().expect("probes").clone();
    assert!(!tick_probes.is_empty());
    assert!(
        tick_probes.iter().all(Result::is_ok),
        "the scheduler held the write lock while rendering: {tick_probes:?}"
    );
    let stored = app.case(&reference).await;
    assert!(!stored.state.is_final());
}

#[tokio::test]
async fn mail_rendered_before_another_writer_committed_is_rendered_again() {
    // The first probe commits a mail of another writer's between the pass
    // that found the mail unrendered and the pass that would commit it.
    let (app, probes) = probed(1).await;
    let reference = match app.deliver(&complaint("lock2@mail.test")).await {
        complaintd::work::ingest::Ingested::Opened(r) => r,
        other => panic!("expected a new case, got {other:?}"),
    };
    let probes = probes.lock().expect("probes").clone();
    assert!(probes.iter().all(Result::is_ok), "{probes:?}");
    let ours: Vec<_> = app
        .sent()
        .await
        .into_iter()
        .filter(|r| r.template != "other")
        .collect();
    assert!(ours.len() >= 2, "acknowledgement and notification queued");
    for r in &ours {
        // What was queued is the mail rendered for what was committed: its
        // own Message-ID in its bytes, and the case it belongs to.
        let m = complaintd::core::mail::parse(&r.raw).expect("a whole message");
        assert_eq!(m.message_id.as_deref(), Some(r.message_id.as_str()));
        assert!(m.subject.contains(&reference), "{}", m.subject);
    }
    // Rendered twice (once before the other writer's commit, once after),
    // where an undisturbed ingest renders once.
    let (calm, calm_probes) = probed(0).await;
    calm.deliver(&complaint("lock2@mail.test")).await;
    let once = calm_probes.lock().expect("probes").len();
    assert!(once > 0);
    assert_eq!(probes.len(), 2 * once);
}

#[tokio::test]
async fn mail_whose_case_keeps_changing_is_rendered_under_the_lock_on_the_last_pass() {
    // Every probe tries to commit another writer's mail: the case's numbering
    // changes under every pass that renders outside the transaction.
    let (app, probes) = probed(usize::MAX).await;
    let reference = match app.deliver(&complaint("lock3@mail.test")).await {
        complaintd::work::ingest::Ingested::Opened(r) => r,
        other => panic!("expected a new case, got {other:?}"),
    };
    let (calm, calm_probes) = probed(0).await;
    calm.deliver(&complaint("lock3@mail.test")).await;
    let once = calm_probes.lock().expect("probes").len();
    let probes = probes.lock().expect("probes").clone();
    let passes = complaintd::work::drafts::ATTEMPTS;
    // Rendered once per pass, no more: outside the lock on every pass but
    // the last (the other writer commits), inside it on the last (the other
    // writer has to wait).
    assert_eq!(probes.len(), passes * once, "{probes:?}");
    let (outside, last) = probes.split_at((passes - 1) * once);
    assert!(outside.iter().all(Result::is_ok), "{outside:?}");
    assert!(
        last.iter()
            .all(|r| r.as_ref().is_err_and(|e| e.contains("locked"))),
        "{last:?}"
    );
    let ours: Vec<_> = app
        .sent()
        .await
        .into_iter()
        .filter(|r| r.template != "other")
        .collect();
    assert!(ours.len() >= 2);
    for r in &ours {
        let m = complaintd::core::mail::parse(&r.raw).expect("a whole message");
        assert_eq!(m.message_id.as_deref(), Some(r.message_id.as_str()));
        assert!(m.subject.contains(&reference), "{}", m.subject);
    }
}
