//! The Maildir source: the embedded default's inbound mailbox. New messages
//! (in `new/`) are ingested one transaction each and moved to `cur/` only
//! after their commit, so a crash at any point leaves nothing unread and
//! nothing read twice (and a second read would be a duplicate anyway).

use crate::app::App;
use crate::config::MailboxConfig;
use crate::mail::maildir;
use crate::work::ingest::{self, Ingested};
use crate::work::raw;
use chrono::{DateTime, Utc};
use tracing::warn;

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollReport {
    /// Messages taken in (any outcome but a failure).
    pub ingested: usize,
    /// Messages left for the next poll after an error.
    pub failed: usize,
}

/// Read every new message of one mailbox.
pub async fn poll(app: &App, mailbox: &MailboxConfig, now: DateTime<Utc>) -> PollReport {
    let mut report = PollReport::default();
    let Some(maildir) = &mailbox.maildir else {
        return report;
    };
    let dir = app.loaded.resolve(maildir);
    let files = match maildir::create(&dir).and_then(|_| maildir::message_files(&[dir.join("new")]))
    {
        Ok(f) => f,
        Err(e) => {
            // Recorded for the digest's health section; the next poll tries again.
            let error = format!("{}: {e}", dir.display());
            warn!(mailbox = %mailbox.name, %error, "cannot read mailbox");
            if let Err(e) = app.store.fetch_error(&mailbox.name, now, &error).await {
                warn!(mailbox = %mailbox.name, error = %e, "cannot record mailbox health");
            }
            report.failed += 1;
            return report;
        }
    };
    let mut committed = Vec::new();
    let limit = app.loaded.config.limits.max_message_bytes;
    for f in files {
        let whence = format!(
            "the {} mailbox, Maildir {}, file {}",
            mailbox.name,
            dir.display(),
            f.file_name().and_then(|n| n.to_str()).unwrap_or("?")
        );
        let raw = match raw::read_limited(&f, limit, &whence) {
            Ok(r) => r,
            Err(e) => {
                warn!(mailbox = %mailbox.name, file = %f.display(), error = %e, "cannot read message");
                report.failed += 1;
                continue;
            }
        };
        match ingest::ingest(app, &raw, &mailbox.name, now).await {
            Ok(outcome) => {
                committed.push(f);
                if outcome != Ingested::Duplicate {
                    report.ingested += 1;
                }
            }
            Err(e) => {
                warn!(mailbox = %mailbox.name, error = %e, "ingest failed; the message stays in new/ for the next poll");
                report.failed += 1;
            }
        }
    }
    // Files leave new/ only once their commits are on disk for good, so not
    // even a power cut between commit and move can lose one.
    if !committed.is_empty() {
        match app.store.sync().await {
            Ok(()) => {
                for f in &committed {
                    if let Err(e) = maildir::mark_cur(f) {
                        // Committed already: a second read is only a duplicate.
                        warn!(mailbox = %mailbox.name, file = %f.display(), error = %e, "cannot move message to cur/");
                    }
                }
            }
            Err(e) => {
                warn!(mailbox = %mailbox.name, error = %e, "cannot sync the database; messages stay in new/")
            }
        }
    }
    if report.failed == 0 {
        let _ = app.store.fetch_ok(&mailbox.name, now).await;
    } else {
        let _ = app
            .store
            .fetch_error(
                &mailbox.name,
                now,
                &format!("{} message(s) could not be taken in", report.failed),
            )
            .await;
    }
    report
}
