//! The Maildir source: the embedded default's inbound mailbox. New messages
//! (in `new/`) are ingested a batch per transaction (`work::batch`) and
//! moved to `cur/` only after their commit, so a crash at any point leaves
//! nothing unread and nothing read twice (and a second read would be a
//! duplicate anyway).

use crate::app::App;
use crate::config::MailboxConfig;
use crate::mail::maildir;
use crate::store::Fence;
use crate::work::batch;
use crate::work::ingest::Ingested;
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

/// Read every new message of one mailbox; under a mailbox lease, `fence`
/// is the lease, checked in each batch's commit (a reader that lost it
/// commits and moves nothing).
pub async fn poll(
    app: &App,
    mailbox: &MailboxConfig,
    now: DateTime<Utc>,
    fence: Option<&Fence>,
) -> PollReport {
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
    // A scan in batches of a bounded size: one transaction each.
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let (mut read, mut raws, mut bytes) = (Vec::new(), Vec::new(), 0);
        while raws.len() < batch::MAX_MESSAGES && bytes < batch::MAX_BYTES {
            let Some(f) = files.next() else { break };
            let whence = format!(
                "the {} mailbox, Maildir {}, file {}",
                mailbox.name,
                dir.display(),
                f.file_name().and_then(|n| n.to_str()).unwrap_or("?")
            );
            match raw::read_limited(&f, limit, &whence) {
                Ok(r) => {
                    bytes += r.len();
                    read.push(f);
                    raws.push(r);
                }
                Err(e) => {
                    warn!(mailbox = %mailbox.name, file = %f.display(), error = %e, "cannot read message");
                    report.failed += 1;
                }
            }
        }
        let ack = fence.map_or(batch::Ack::None, batch::Ack::Lease);
        match batch::ingest_batch(app, &raws, &mailbox.name, now, ack).await {
            Ok(outcomes) => {
                for (f, outcome) in read.into_iter().zip(outcomes) {
                    committed.push(f);
                    if outcome != Ingested::Duplicate {
                        report.ingested += 1;
                    }
                }
            }
            Err(e) => {
                // Those of the batch that committed are read again next
                // time, and recognised as repeats.
                warn!(mailbox = %mailbox.name, error = %e, "ingest failed; the messages stay in new/ for the next poll");
                report.failed += raws.len();
                break;
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
