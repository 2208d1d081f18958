//! The scheduler: fires due deadlines and chase-ups, and sends the
//! directors' digest at the configured local time on working days.
//! `tick(now)` is one pass; the daemon calls it in a loop, tests and
//! `complaintd tick --now` call it directly.

use crate::app::App;
use crate::config;
use crate::core::case::{self, Event};
use crate::core::reference::CaseRef;
use crate::store::{Store, StoreError, Worker};
use crate::work::digest;
use crate::work::drafts::Drafts;
use crate::work::effects::{self, ApplyError};
use chrono::{DateTime, Utc};
use tracing::{info, warn};

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// Deadlines handled (breach alerts, windows closed).
    pub deadlines: usize,
    /// Chase-ups sent.
    pub chases: usize,
    /// Whether the digest went out.
    pub digest_sent: bool,
    /// Operator alerts queued (sign-in failures, all-clears, expiring secrets).
    pub alerts: usize,
    /// Problems (each also in the log and, where it concerns a case, the audit).
    pub errors: Vec<String>,
}

/// One pass at `now`.
pub async fn tick(app: &App, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
    let mut report = TickReport::default();
    for (reference, kind) in app.store.due_deadlines(now).await? {
        match fire(app, &reference, Event::Due(kind), now).await {
            Ok(()) => {
                report.deadlines += 1;
                app.metrics.deadline_due(kind);
            }
            Err(e) => {
                warn!(case = %reference, error = %e, "deadline could not be handled");
                report.errors.push(format!("{reference}: {e}"));
            }
        }
    }
    // Chase-ups only while people are at work; points that fell due overnight
    // go out at the next opening (they were placed inside working hours).
    if app.calendar.is_working_time(now) {
        for (reference, kind, at) in app.store.due_chases(now).await? {
            let mut tx = app.store.begin().await?;
            let claimed = Store::chase_done(&mut tx, &reference, kind, at).await?;
            tx.commit().await?;
            // Another instance's scheduler read the same point and sent it.
            if !claimed {
                continue;
            }
            match fire(app, &reference, Event::Chase(kind), now).await {
                Ok(()) => report.chases += 1,
                Err(e) => report.errors.push(format!("{reference}: {e}")),
            }
        }
    }
    // Before the digest, so that a failure past its grace heads today's digest.
    match crate::work::alerts::tick(app, now).await {
        Ok(r) => report.alerts = r.queued,
        Err(e) => report.errors.push(format!("alerts: {e}")),
    }
    match send_digest_if_due(app, now).await {
        Ok(sent) => report.digest_sent = sent,
        Err(e) => report.errors.push(format!("digest: {e}")),
    }
    if report != TickReport::default() {
        info!(?report, "tick");
    }
    app.store.heartbeat(Worker::Scheduler, now).await?;
    Ok(report)
}

async fn fire(
    app: &App,
    reference: &CaseRef,
    event: Event,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let mut drafts = Drafts::default();
    loop {
        let mut tx = drafts.begin(app).await?;
        let out = async {
            let Some(c) = Store::load_case(&mut tx, reference).await? else {
                // A deadline without its case: remove it so it does not fire forever.
                if let Event::Due(kind) = event {
                    Store::clear_deadline(&mut tx, reference, kind).await?;
                }
                return Ok(());
            };
            let tr = case::step(&c, event.clone(), &app.ctx(), now);
            effects::apply(app, &mut tx, &mut drafts, &tr, "", now).await?;
            // Whatever the state machine decided, a due deadline must not stay due
            // and unhandled, or it would fire on every tick.
            if let Event::Due(kind) = event {
                let still = tr
                    .case
                    .deadlines
                    .iter()
                    .any(|d| d.kind == kind && !d.breached && d.due <= now);
                if still || !tr.case.deadlines.iter().any(|d| d.kind == kind) {
                    Store::clear_deadline(&mut tx, reference, kind).await?;
                }
            }
            Ok::<_, ApplyError>(())
        }
        .await;
        if let Some(()) = drafts.end(app, tx, out).await? {
            return Ok(());
        }
    }
}

/// The daily survey step (`[survey] enabled`): complaints closed `[survey]
/// after` ago (or up to two weeks before that, for days the step did not
/// run) are offered the survey; the case machine decides whether its
/// complainant may be asked, and sends it once.
async fn surveys(app: &App, now: DateTime<Utc>) -> Result<usize, ApplyError> {
    let policy = &app.loaded.policy.survey;
    if !policy.enabled {
        return Ok(0);
    }
    let until = app.calendar.before(now, policy.after);
    let from = until - chrono::Duration::days(14);
    let mut sent = 0;
    for reference in app.store.closed_between(from, until).await? {
        fire(app, &reference, Event::SurveyDue, now).await?;
        sent += 1;
    }
    Ok(sent)
}

/// Send today's digest if it is a working day, past the configured time,
/// and not yet sent; the retention step (`work::retention::run`) runs just
/// before it, once a working day.
pub async fn send_digest_if_due(app: &App, now: DateTime<Utc>) -> Result<bool, ApplyError> {
    let local = app.calendar.to_local(now);
    let Some(at) = config::parse_time(&app.loaded.config.digest.time) else {
        return Ok(false);
    };
    if !app.calendar.is_working_day(local.date()) || local.time() < at {
        return Ok(false);
    }
    let day = local.date().format("%Y-%m-%d").to_string();
    if app.store.digest_sent(&day).await? {
        return Ok(false);
    }
    // The daily retention step runs first, so today's digest says what it
    // anonymised. A failure is reported and retried tomorrow; it never
    // stops the digest.
    if let Err(e) = crate::work::retention::run(app, now, false).await {
        warn!(error = %e, "retention step failed");
    }
    if let Err(e) = surveys(app, now).await {
        warn!(error = %e, "survey step failed");
    }
    // Built and rendered before the transaction; the claim on the day and
    // the queued digest commit together, so a digest that fails (a template
    // error, a database error) leaves the day to the next tick.
    let d = digest::build(app, now).await?;
    let rendered = app
        .templates
        .render(case::TemplateId::DailyDigest, &d.template_data(app))?;
    let images = d.inline_images();
    let mut drafts = Drafts::default();
    let sent = loop {
        let mut tx = drafts.begin(app).await?;
        let out = async {
            if !Store::claim_digest(&mut tx, &day, now).await? {
                return Ok(false);
            }
            digest::queue(app, &mut tx, &mut drafts, &rendered, &images, now).await?;
            Ok::<_, ApplyError>(true)
        }
        .await;
        if let Some(sent) = drafts.end(app, tx, out).await? {
            break sent;
        }
    };
    if sent {
        // Once a working day is often enough to keep the flood-cap ledger short.
        app.store
            .prune_cap_ledger(now - chrono::Duration::days(2))
            .await?;
    }
    Ok(sent)
}
