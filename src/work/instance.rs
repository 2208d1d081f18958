//! This `run` process among the others sharing the database (issue 18): its
//! registration and heartbeat, and the lease on each mailbox it reads.
//!
//! A mailbox is read only under its lease: [`hold`] waits until the lease
//! is free, run out, or its holder is known to have ended, and takes it with
//! a write conditional on the fence it saw; [`keep`] renews it at a third of
//! its life and cancels the reading session the moment it is lost (or could
//! not be renewed for a whole lease). Whatever the timing, the fence check
//! in every checkpoint's transaction is what keeps a reader that lost its
//! lease from writing (`Store::check_fence`).

use crate::app::App;
use crate::core::lease::{self, Decision};
use crate::store::{Fence, LeaseView};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// This process as the other instances see it.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Random per process.
    pub id: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
}

impl Instance {
    /// A new identity for this process.
    pub fn new() -> Instance {
        Instance {
            id: format!("{:016x}", rand::random::<u64>()),
            host: hostname::get()
                .ok()
                .and_then(|h| h.into_string().ok())
                .unwrap_or_else(|| "unknown".into()),
            pid: std::process::id(),
        }
    }
}

impl Default for Instance {
    fn default() -> Self {
        Self::new()
    }
}

fn std_duration(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or(Duration::ZERO)
}

/// Whether a process id on this host is gone (Linux: no `/proc/PID`);
/// elsewhere nothing is known and the lease must run out.
fn process_gone(pid: i64) -> bool {
    cfg!(target_os = "linux")
        && std::path::Path::new("/proc").is_dir()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether the holder in `view` is known to have ended: it stopped cleanly,
/// or it ran on this host under a process id that no longer exists (a kill
/// -9 and a restart on one machine need not wait for the lease).
fn holder_gone(view: &LeaseView, me: &Instance) -> bool {
    view.holder.as_ref().is_some_and(|h| {
        h.stopped_at.is_some() || (h.host == me.host && h.id != me.id && process_gone(h.pid))
    })
}

/// Heartbeat every third of the lease until `stop`.
pub async fn heartbeat_loop(app: std::sync::Arc<App>, me: Instance, stop: CancellationToken) {
    let every = std_duration(lease::renew_every(app.loaded.config.instances.lease()));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.cancelled() => return,
        }
        if let Err(e) = app.store.instance_heartbeat(&me.id).await {
            warn!(error = %e, "cannot record this instance's heartbeat");
        }
    }
}

/// Wait until this instance holds `mailbox`'s lease; `None` on `stop`.
pub async fn hold(
    app: &App,
    me: &Instance,
    mailbox: &str,
    stop: &CancellationToken,
) -> Option<Fence> {
    let lease = app.loaded.config.instances.lease();
    let retry = std_duration(lease::renew_every(lease));
    let mut waiting_logged = false;
    loop {
        let wait = match app.store.lease_view(mailbox).await {
            Err(e) => {
                warn!(mailbox, error = %e, "cannot read the mailbox lease");
                retry
            }
            Ok(view) => {
                let row = view.lease.as_ref().map(|l| l.row());
                match lease::decide(row.as_ref(), &me.id, view.now, holder_gone(&view, me)) {
                    Decision::Take { seen } => {
                        match app
                            .store
                            .take_mailbox_lease(mailbox, &me.id, seen, lease)
                            .await
                        {
                            Ok(Some(fence)) => {
                                info!(mailbox, fence, previous = ?view.lease.as_ref().and_then(|l| l.holder.clone()), "mailbox lease taken");
                                app.metrics.lease_changed(mailbox, "acquired");
                                return Some(Fence {
                                    mailbox: mailbox.to_string(),
                                    holder: me.id.clone(),
                                    fence,
                                });
                            }
                            // Another instance took it first: look again.
                            Ok(None) => Duration::from_millis(50),
                            Err(e) => {
                                warn!(mailbox, error = %e, "cannot take the mailbox lease");
                                retry
                            }
                        }
                    }
                    Decision::Wait { until } => {
                        if !waiting_logged {
                            info!(mailbox, holder = ?view.lease.as_ref().and_then(|l| l.holder.clone()), "another instance reads this mailbox; standing by");
                            waiting_logged = true;
                        }
                        // Until it runs out, and at least every third of a
                        // lease (its holder may release it sooner).
                        std_duration(until - view.now).clamp(Duration::from_millis(50), retry)
                    }
                }
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => return None,
        }
    }
}

/// Renew `fence` at a third of the lease until `session` ends; cancel
/// `session` when the lease is lost, or could not be renewed for a whole
/// lease (this instance can no longer be sure it holds it).
pub async fn keep(app: &App, fence: &Fence, session: &CancellationToken) {
    let lease = app.loaded.config.instances.lease();
    let every = std_duration(lease::renew_every(lease));
    let mut last_renewed = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = session.cancelled() => return,
        }
        match app.store.renew_mailbox_lease(fence, lease).await {
            Ok(true) => last_renewed = tokio::time::Instant::now(),
            Ok(false) => {
                warn!(mailbox = %fence.mailbox, fence = fence.fence, "mailbox lease lost to another instance; reading stops");
                app.metrics.lease_changed(&fence.mailbox, "lost");
                session.cancel();
                return;
            }
            Err(e) => {
                warn!(mailbox = %fence.mailbox, error = %e, "cannot renew the mailbox lease");
                if last_renewed.elapsed() >= std_duration(lease) {
                    warn!(mailbox = %fence.mailbox, "the mailbox lease could not be renewed for a whole lease; reading stops");
                    app.metrics.lease_changed(&fence.mailbox, "lost");
                    session.cancel();
                    return;
                }
            }
        }
    }
}

/// Give the lease back at the end of a session that was not lost.
pub async fn release(app: &App, fence: &Fence) {
    match app.store.release_mailbox_lease(fence).await {
        Ok(()) => app.metrics.lease_changed(&fence.mailbox, "released"),
        Err(e) => warn!(mailbox = %fence.mailbox, error = %e, "cannot release the mailbox lease"),
    }
}
