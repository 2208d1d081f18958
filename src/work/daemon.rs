//! `complaintd run`: the long-running daemon. One task per mailbox (IMAP or
//! Maildir), the outbox sender, and the scheduler, under one cancellation
//! token and one task tracker. Stop means: cancel, let every loop finish the
//! unit of work in hand, wait up to a bounded time, then return.

use crate::app::App;
use crate::config::{MailboxConfig, SmtpConfig};
use crate::mail::sender::{self, RetryPolicy, SmtpAccount, Transport};
use crate::mail::{imap, maildir_source};
use crate::store::Fence;
use crate::work::instance::{self, Instance};
use crate::work::scheduler;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

/// How long the tasks get to finish their unit of work after a stop request.
/// systemd's TimeoutStopSec must exceed it.
pub const STOP_GRACE: Duration = Duration::from_secs(20);

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// No way to send mail is configured.
    #[error("no outgoing transport: configure [outbox.smtp] or [outbox] maildir")]
    NoTransport,
    /// The database refused the instance's registration.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A setting `check` also refuses, or the health and metrics listener
    /// cannot start.
    #[error("{0}")]
    Setting(String),
    /// The SMTP transport could not be built.
    #[error(transparent)]
    Smtp(#[from] sender::SmtpSetupError),
}

/// The transport the config asks for: SMTP when `[outbox.smtp]` is set, else
/// a Maildir. An `[alerts.smtp]` account becomes the alerts' fallback.
pub fn transport(app: &App) -> Result<Transport, DaemonError> {
    let c = &app.loaded.config;
    let base = app.loaded.base_dir();
    let from = &c.organisation.reply_address;
    match (&c.outbox.smtp, &c.outbox.maildir) {
        (Some(smtp), _) => {
            let mut account = SmtpAccount::new(
                smtp,
                base,
                from,
                sender::OUTBOX_ACCOUNT,
                smtp_tokens(app, smtp),
            )?;
            if let Some(alerts) = &c.alerts.smtp {
                account.alert_fallback = Some(Arc::new(SmtpAccount::new(
                    alerts,
                    base,
                    alerts.username.as_deref().unwrap_or(from),
                    sender::ALERTS_ACCOUNT,
                    smtp_tokens(app, alerts),
                )?));
            }
            Ok(Transport::Smtp(Arc::new(account)))
        }
        (None, Some(dir)) => Ok(Transport::Maildir(app.loaded.resolve(dir))),
        (None, None) => Err(DaemonError::NoTransport),
    }
}

/// The OAuth2 token source of an SMTP account, if it signs in that way.
pub(crate) fn smtp_tokens(
    app: &App,
    smtp: &SmtpConfig,
) -> Option<Arc<crate::mail::token_source::TokenSource>> {
    let o = smtp.oauth2.as_ref()?;
    Some(app.tokens.source(
        o,
        app.loaded.base_dir(),
        smtp.username.as_deref().unwrap_or(""),
        smtp.timeout_seconds,
    ))
}

async fn sender_loop(
    app: Arc<App>,
    transport: Transport,
    wake: Arc<Notify>,
    stop: CancellationToken,
) {
    let retry = RetryPolicy::from_config(&app.loaded.config.outbox);
    // Consecutive passes on which the SMTP account could not be used.
    let mut failures: u32 = 0;
    loop {
        match sender::deliver_due(&app.store, &transport, &Utc::now, retry, &stop).await {
            Ok(r) => {
                let m = &app.metrics;
                m.mail_sent.inc_by(r.sent as u64);
                m.mail_failed.inc_by(r.failed as u64);
                m.mail_retried.inc_by(r.retried as u64);
                for t in &r.delivery_times {
                    m.send_seconds.observe(t.as_secs_f64());
                }
                if r.signin_failed {
                    m.signin_failed(sender::OUTBOX_ACCOUNT);
                }
                if !r.is_empty() {
                    info!(
                        sent = r.sent,
                        retried = r.retried,
                        failed = r.failed,
                        "outbox"
                    );
                }
                if r.signin_failed {
                    failures = failures.saturating_add(1);
                    app.health_changed.notify_one();
                } else {
                    if failures > 0 {
                        info!(
                            after = failures,
                            "SMTP account answers again; the queue is being sent"
                        );
                    }
                    failures = 0;
                }
            }
            Err(e) => error!(error = %e, "outbox pass failed"),
        }
        if stop.is_cancelled() {
            return;
        }
        if failures > 0 {
            // The server is down or refusing us: every mail waits for the
            // account, so probe it on a capped backoff and ignore wake-ups.
            let wait = sender::probe_delay(failures);
            info!(probe_in = ?wait, failures, "SMTP account unusable; probing again");
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.cancelled() => return,
            }
            continue;
        }
        // Woken at once when ingest queues mail; otherwise at the next retry
        // time, and at least every 30 s as a fallback.
        let next = app.store.next_outbox_attempt().await.ok().flatten();
        let wait = next
            .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::from_secs(30))
            .clamp(Duration::from_millis(50), Duration::from_secs(30));
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => {}
        }
    }
}

async fn scheduler_loop(
    app: Arc<App>,
    wake: Arc<Notify>,
    stop: CancellationToken,
    heartbeat: Arc<Notify>,
) {
    let mut model = super::model_watch::ModelWatch::new(&app).await;
    loop {
        model.check(&app).await;
        let pass = scheduler::tick(&app, Utc::now()).await;
        // Live: the loop came round, whatever the pass found (a failing
        // database is readiness' business, not liveness').
        app.metrics.passed();
        match pass {
            Ok(r) => {
                if r.deadlines + r.chases + r.alerts > 0 || r.digest_sent {
                    wake.notify_one();
                }
                heartbeat.notify_one();
            }
            Err(e) => error!(error = %e, "scheduler pass failed"),
        }
        let next = app.store.next_timer().await.ok().flatten();
        let wait = next
            .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::from_secs(30))
            .clamp(Duration::from_secs(1), Duration::from_secs(30));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            // A failed sign-in may be due for an alert now.
            _ = app.health_changed.notified() => {}
            _ = stop.cancelled() => return,
        }
    }
}

async fn maildir_loop(
    app: Arc<App>,
    mb: MailboxConfig,
    wake: Arc<Notify>,
    stop: CancellationToken,
    fence: Fence,
) {
    loop {
        let r = maildir_source::poll(&app, &mb, Utc::now(), Some(&fence)).await;
        if r.ingested > 0 {
            wake.notify_one();
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// Read one mailbox whenever this instance holds its lease: wait for it,
/// read under it while it is renewed, and when it is lost stand by to take
/// it again; on stop, give it back.
async fn mailbox_loop(
    app: Arc<App>,
    mb: MailboxConfig,
    me: Instance,
    wake: Arc<Notify>,
    stop: CancellationToken,
) {
    loop {
        let Some(fence) = instance::hold(&app, &me, &mb.name, &stop).await else {
            return;
        };
        // Ends the reading when the lease is lost, or on stop.
        let session = stop.child_token();
        let keeper = {
            let (app, fence, session) = (app.clone(), fence.clone(), session.clone());
            tokio::spawn(async move { instance::keep(&app, &fence, &session).await })
        };
        if mb.imap.is_some() {
            imap::run(
                app.clone(),
                mb.clone(),
                wake.clone(),
                session.clone(),
                Some(fence.clone()),
            )
            .await;
        } else {
            maildir_loop(
                app.clone(),
                mb.clone(),
                wake.clone(),
                session.clone(),
                fence.clone(),
            )
            .await;
        }
        session.cancel();
        let _ = keeper.await;
        if stop.is_cancelled() {
            instance::release(&app, &fence).await;
            return;
        }
    }
}

/// Tell systemd (when started by it) that we are ready, and keep its watchdog
/// fed for as long as the scheduler keeps completing passes.
fn systemd_ready() {
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        warn!(error = %e, "could not notify systemd");
    }
}

async fn watchdog_loop(heartbeat: Arc<Notify>, stop: CancellationToken) {
    let Some(timeout) = sd_notify::watchdog_enabled() else {
        return;
    };
    let interval = timeout / 2;
    loop {
        tokio::select! {
            // Only a live scheduler feeds the watchdog: a hung daemon gets restarted.
            _ = heartbeat.notified() => {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
            _ = stop.cancelled() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// Run until `stop` is cancelled.
pub async fn run(app: Arc<App>, stop: CancellationToken) -> Result<(), DaemonError> {
    let transport = transport(&app)?;
    let observe = &app.loaded.config.observe;
    let config_problems = observe
        .problems()
        .into_iter()
        .chain(app.loaded.config.instances.problems());
    if let Some((key, message)) = config_problems.into_iter().next() {
        return Err(DaemonError::Setting(format!("{key}: {message}")));
    }
    // Bound before anything runs, so a taken port stops the start.
    let listener = match observe.listen {
        Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            DaemonError::Setting(format!("[observe] cannot listen on {addr}: {e}"))
        })?),
        None => None,
    };
    let wake = Arc::new(Notify::new());
    let heartbeat = Arc::new(Notify::new());
    let tracker = TaskTracker::new();
    // Registered before any mailbox is read, so the lease rows name a
    // known instance.
    let me = Instance::new();
    app.store
        .register_instance(&me.id, &me.host, me.pid, env!("CARGO_PKG_VERSION"))
        .await?;
    info!(instance = %me.id, host = %me.host, pid = me.pid, "registered");
    tracker.spawn(instance::heartbeat_loop(
        app.clone(),
        me.clone(),
        stop.clone(),
    ));
    for mb in app.loaded.config.mailboxes.clone() {
        if mb.imap.is_some() || mb.maildir.is_some() {
            tracker.spawn(mailbox_loop(
                app.clone(),
                mb,
                me.clone(),
                wake.clone(),
                stop.clone(),
            ));
        }
    }
    tracker.spawn(sender_loop(
        app.clone(),
        transport,
        wake.clone(),
        stop.clone(),
    ));
    tracker.spawn(scheduler_loop(
        app.clone(),
        wake.clone(),
        stop.clone(),
        heartbeat.clone(),
    ));
    tracker.spawn(watchdog_loop(heartbeat, stop.clone()));
    if let Some(listener) = listener {
        tracker.spawn(crate::observe::http::serve(
            app.clone(),
            listener,
            stop.clone(),
        ));
    }
    tracker.close();
    info!(mailboxes = app.loaded.config.mailboxes.len(), "running");
    systemd_ready();
    stop.cancelled().await;
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    info!("stopping: finishing the work in hand");
    if tokio::time::timeout(STOP_GRACE, tracker.wait())
        .await
        .is_err()
    {
        warn!(grace = ?STOP_GRACE, "tasks did not finish in time; stopping anyway (nothing committed is lost)");
    }
    // Marked stopped, its leases released: another instance need not wait.
    if let Err(e) = app.store.instance_stopped(&me.id).await {
        warn!(error = %e, "cannot record this instance's stop");
    }
    app.store.close().await;
    info!("stopped");
    Ok(())
}
