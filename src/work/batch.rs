//! Batched ingest: the messages of one fetched IMAP chunk (or one Maildir
//! scan) in one write transaction, each in a savepoint of its own.
//!
//! The unit of work of [`ingest::ingest`](super::ingest::ingest), one
//! message, costs two transactions and two commits (a pass that finds its
//! mail not rendered yet, then the pass that commits), and the IMAP
//! checkpoint a third. A batch instead:
//!
//! 1. prepares every message (parsing, screening, classifying, threading:
//!    no database) on both cores;
//! 2. runs every message's pass in one transaction that is then rolled back
//!    (a *dry run*): each finds out which mail it will queue, in the order
//!    and with the case numbers and Message-IDs the real pass will see,
//!    since each pass sees the ones before it;
//! 3. renders all that mail with no transaction open, on both cores;
//! 4. runs the passes again in one transaction, a `SAVEPOINT` per message:
//!    a message whose processing fails is rolled back to its savepoint and
//!    quarantined alone, the others stay; the acknowledgement to the source
//!    (the IMAP checkpoint) is written in the same transaction; one commit.
//!
//! A pass of step 4 that finds mail it lacks (another writer committed
//! between the dry run and step 4 and changed what it read) is rolled back
//! to its savepoint; what came before it commits, and the rest of the batch
//! starts again from step 2. When that happens to the first message of a
//! batch, it goes through [`ingest::ingest`](super::ingest::ingest) on its
//! own (which always finishes, see `drafts`), so a batch always makes
//! progress. Nothing is acknowledged to the source before its commit: the
//! caller moves Maildir files, and sets IMAP keywords, only after this
//! returns, and the IMAP checkpoint commits with the messages it covers.

use crate::app::App;
use crate::core::kind::Kind;
use crate::store::Conn;
use crate::store::{Fence, Store, StoreError};
use crate::work::drafts::Drafts;
use crate::work::effects::ApplyError;
use crate::work::ingest::{self, IngestError, Ingested, Prepared};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::sync::LazyLock;
use std::time::Instant;
use tracing::Instrument;

/// How many messages a batch takes at most (an IMAP fetch, a Maildir scan).
pub const MAX_MESSAGES: usize = 100;

/// How many bytes of mail a batch holds at most (one message may take it
/// past this, up to `[limits] max_message_bytes`): with what preparing and
/// rendering add per message, this bounds the daemon's memory during ingest
/// (issue 14) whatever the mailbox holds.
pub const MAX_BYTES: usize = 4 << 20;

/// How a batch acknowledges what it committed, in the same transaction.
#[derive(Debug, Clone, Copy)]
pub enum Ack<'a> {
    /// Nothing in the database (a Maildir: its files move after the commit).
    None,
    /// A Maildir read under a mailbox lease: nothing but the check that the
    /// lease is still held, so a reader that lost it commits nothing. (A
    /// message that goes on its own after a batch could not finish commits
    /// before its acknowledgement is checked: under a lost lease it is then
    /// stored once all the same, and the new holder finds it a repeat.)
    Lease(&'a Fence),
    /// The IMAP checkpoint of `mailbox` at `uidvalidity`: `uids[i]` is the
    /// UID of message `i`, in ascending order.
    Imap {
        /// The mailbox's name.
        mailbox: &'a str,
        /// Its UIDVALIDITY.
        uidvalidity: u32,
        /// One UID per message.
        uids: &'a [u32],
        /// The mailbox lease the checkpoint may only be moved under.
        fence: Option<&'a Fence>,
    },
}

impl Ack<'_> {
    async fn write(&self, tx: &mut Conn, upto: usize) -> Result<(), StoreError> {
        match self {
            Ack::None => Ok(()),
            Ack::Lease(fence) => Store::check_fence(tx, fence).await,
            Ack::Imap {
                mailbox,
                uidvalidity,
                uids,
                fence,
            } => {
                if let Some(fence) = fence {
                    Store::check_fence(tx, fence).await?;
                }
                match upto.checked_sub(1).and_then(|i| uids.get(i)) {
                    Some(uid) => {
                        Store::advance_imap_checkpoint(tx, mailbox, *uidvalidity, *uid).await
                    }
                    None => Ok(()),
                }
            }
        }
    }
}

/// The threads that do a batch's pure work (parsing, screening,
/// classifying, rendering), both cores' worth, for the life of the process.
///
/// Long-lived on purpose: the regex crate keeps, per regex, a search cache
/// (lazy DFA, a few hundred KB to a few MB for the classifier's large
/// patterns) for each thread that runs it, pooled by thread identity. A new
/// thread per batch found no cache of its own and built another, up to nine
/// per regex, which was most of the daemon's peak memory (issue 14). With
/// the same two threads for every batch, each regex has at most one cache
/// per thread here.
static PURE: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("complaintd-pure-{i}"))
        .build()
        .map_err(|e| tracing::warn!(error = %e, "cannot start the pure-work threads; batches run on the caller's"))
        .ok()
});

/// Run `f` on the pure-work threads (on this thread if they could not be
/// started), where `rayon`'s parallel iterators inside it use both.
fn on_pure_threads<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match PURE.as_ref() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Prepare every message (no database) on both pure-work threads, keeping
/// their order.
fn prepare_all<'a>(app: &App, raws: &'a [Vec<u8>], source: &'a str) -> Vec<Prepared<'a>> {
    on_pure_threads(|| {
        raws.par_iter()
            .map(|raw| Prepared::new(app, raw, source, Instant::now()))
            .collect()
    })
}

/// Render what each of `drafts` misses, on both pure-work threads.
fn render_all(app: &App, drafts: &mut [Drafts]) -> Vec<Result<(), ApplyError>> {
    on_pure_threads(|| {
        drafts
            .par_iter_mut()
            .map(|d| d.render_missing(app))
            .collect()
    })
}

/// Ingest `raws`, received at `now` from `source`, in as few transactions
/// as the batch allows (see the module documentation), acknowledging them
/// with `ack` in the commit that stores them. Returns each message's
/// outcome, in order; on an error, the messages before the one that failed
/// may have committed (with their acknowledgement), none after.
pub async fn ingest_batch(
    app: &App,
    raws: &[Vec<u8>],
    source: &str,
    now: DateTime<Utc>,
    ack: Ack<'_>,
) -> Result<Vec<Ingested>, IngestError> {
    let started = std::time::Instant::now();
    let prepared = prepare_all(app, raws, source);
    let mut outcomes = Vec::with_capacity(raws.len());
    while outcomes.len() < prepared.len() {
        let from = outcomes.len();
        let committed = batch_from(app, &prepared[from..], now, &ack, from).await?;
        if committed.is_empty() {
            // Another writer kept changing what the first message read: it
            // goes on its own, which always finishes.
            let outcome = ingest::ingest(app, raws[from].as_slice(), source, now).await?;
            let mut tx = app.store.begin().await?;
            ack.write(&mut tx, from + 1).await?;
            tx.commit().await?;
            outcomes.push(outcome);
        } else {
            outcomes.extend(committed);
        }
        count(
            app,
            &outcomes[from..],
            &prepared[from..outcomes.len()],
            started.elapsed(),
        );
    }
    Ok(outcomes)
}

/// Count committed outcomes in the metrics, with the kinds of the cases
/// they opened: the kind each was classified as when prepared (`prepared`
/// lines up with `committed`), which is the kind a case opens with.
fn count(app: &App, committed: &[Ingested], prepared: &[Prepared<'_>], took: std::time::Duration) {
    let kinds: Vec<&'static str> = committed
        .iter()
        .zip(prepared)
        .filter(|(o, _)| matches!(o, Ingested::Opened(_)))
        .filter_map(|(_, p)| p.kind().map(Kind::as_str))
        .collect();
    app.metrics.ingested(committed, &kinds, took);
}

/// Steps 2–4 for `prepared` (message `offset` of the batch onwards): the
/// outcomes of the messages committed, a prefix of `prepared`.
async fn batch_from(
    app: &App,
    prepared: &[Prepared<'_>],
    now: DateTime<Utc>,
    ack: &Ack<'_>,
    offset: usize,
) -> Result<Vec<Ingested>, IngestError> {
    let mut drafts: Vec<Drafts> = prepared.iter().map(|_| Drafts::default()).collect();
    // 2. The dry run: every pass, rolled back, to learn the mail to render.
    let mut tx = app.store.begin().await?;
    for (i, p) in prepared.iter().enumerate() {
        drafts[i].start_pass();
        Store::savepoint(&mut tx).await?;
        match ingest::pass(app, &mut tx, &mut drafts[i], p, now, p.started()).await {
            Ok(_) => Store::release(&mut tx).await?,
            Err(ApplyError::Store(e)) => return Err(IngestError(e)),
            // It is quarantined in step 4; the messages after it see it so.
            Err(_) => Store::rollback_to(&mut tx).await?,
        }
    }
    tx.rollback().await.map_err(StoreError::Db)?;
    // 3. Rendering, no transaction open. A mail that fails to render is
    // missing in step 4, which stops there; that message then goes through
    // `ingest::ingest` alone and is quarantined with the reason.
    let _ = render_all(app, &mut drafts);
    // 4. The passes that commit, a savepoint each, and the acknowledgement.
    let mut tx = app.store.begin().await?;
    let mut outcomes = Vec::with_capacity(prepared.len());
    for (i, p) in prepared.iter().enumerate() {
        drafts[i].start_pass();
        Store::savepoint(&mut tx).await?;
        let span = ingest::span_of(p);
        let out = ingest::pass(app, &mut tx, &mut drafts[i], p, now, p.started())
            .instrument(span.clone())
            .await;
        let outcome = match out {
            Ok(outcome) if drafts[i].complete() => outcome,
            Ok(_) => {
                // What it read changed since the dry run: stop here.
                Store::rollback_to(&mut tx).await?;
                break;
            }
            Err(ApplyError::Store(e)) => return Err(IngestError(e)),
            Err(e) => {
                // This message alone: what it wrote goes, it is quarantined,
                // the batch goes on.
                Store::rollback_to(&mut tx).await?;
                Store::savepoint(&mut tx).await?;
                let reason = e.to_string();
                ingest::quarantine_failed(&mut tx, p, &reason, now).await?;
                Ingested::Quarantined(reason)
            }
        };
        Store::release(&mut tx).await?;
        outcomes.push(span.in_scope(|| ingest::logged(outcome)));
    }
    ack.write(&mut tx, offset + outcomes.len()).await?;
    tx.commit().await.map_err(StoreError::Db)?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;

    /// The pure work of every batch runs on the same two long-lived threads,
    /// never on the caller's nor on a thread of its own per batch: each regex
    /// then keeps at most two search caches for ingest, however many batches
    /// come (a thread per batch grew them to nine per regex).
    #[test]
    fn every_batch_runs_its_pure_work_on_the_same_two_threads() {
        let caller = std::thread::current().id();
        let seen = Mutex::new(HashSet::new());
        for _batch in 0..20 {
            let items: Vec<u32> = (0..200).collect();
            let out: Vec<u32> = on_pure_threads(|| {
                items
                    .par_iter()
                    .map(|i| {
                        if let Ok(mut s) = seen.lock() {
                            s.insert(std::thread::current().id());
                        }
                        i * 2
                    })
                    .collect()
            });
            // In order, every item once.
            assert_eq!(out, (0..200).map(|i| i * 2).collect::<Vec<_>>());
        }
        let seen = seen.into_inner().unwrap_or_default();
        assert!(
            !seen.is_empty() && seen.len() <= 2,
            "{} threads",
            seen.len()
        );
        assert!(!seen.contains(&caller));
    }
}
