//! One signed-in session: fetch every new UID above the checkpoint and
//! ingest it, a fetched chunk per transaction with the checkpoint in its
//! commit (`work::batch`), then wait with
//! IDLE or a poll and catch up again, until shutdown or until the token must
//! be renewed.

use super::connect::{Connected, Session};
use super::{timed, ImapError};
use crate::app::App;
use crate::config::{ImapConfig, MailboxConfig};
use crate::mail::token_source::TokenSource;
use crate::store::Fence;
use crate::work::batch;
use crate::work::ingest::Ingested;
use crate::work::raw;
use async_imap::extensions::idle::IdleResponse;
use chrono::Utc;
use futures::TryStreamExt;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Fetch and ingest every message above the checkpoint. Returns how many were taken in.
async fn fetch_new(
    app: &App,
    session: &mut Session,
    mb: &MailboxConfig,
    cfg: &ImapConfig,
    uidvalidity: u32,
    fence: Option<&Fence>,
) -> Result<usize, ImapError> {
    let t = cfg.timeout_seconds;
    let last = app.store.imap_checkpoint(&mb.name, uidvalidity).await?;
    // UID SEARCH is the truth: unsolicited EXISTS responses can be lost.
    let found = timed(
        "UID SEARCH",
        t,
        session.uid_search(format!("UID {}:*", last + 1)),
    )
    .await?;
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last).collect();
    uids.sort_unstable();
    let mut taken = 0;
    let limit = app.loaded.config.limits.max_message_bytes;
    for chunk in uids.chunks(batch::MAX_MESSAGES) {
        let set = chunk
            .iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // Sizes first, so an oversized message is never downloaded whole,
        // and a batch holds at most `batch::MAX_BYTES` of mail in memory.
        let mut sizes: Vec<(u32, u32)> = timed("UID FETCH sizes", t, async {
            let s = session.uid_fetch(&set, "(UID RFC822.SIZE)").await?;
            let v: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(v)
        })
        .await?
        .iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
        .collect();
        sizes.sort_unstable();
        for group in by_bytes(&sizes, limit) {
            taken += fetch_batch(app, session, mb, cfg, uidvalidity, group, fence).await?;
        }
    }
    Ok(taken)
}

/// `sizes` (UID order) cut into batches of at most `batch::MAX_BYTES` of
/// mail each (a message above `limit` counts nothing: only its header is
/// fetched), each holding at least one message.
fn by_bytes(sizes: &[(u32, u32)], limit: u64) -> Vec<&[(u32, u32)]> {
    let mut groups = Vec::new();
    let (mut from, mut bytes) = (0, 0u64);
    for (i, (_, size)) in sizes.iter().enumerate() {
        let counted = if u64::from(*size) <= limit {
            u64::from(*size)
        } else {
            0
        };
        if i > from && bytes + counted > batch::MAX_BYTES as u64 {
            groups.push(&sizes[from..i]);
            (from, bytes) = (i, 0);
        }
        bytes += counted;
    }
    if from < sizes.len() {
        groups.push(&sizes[from..]);
    }
    groups
}

/// Fetch the messages of one batch (UIDs ascending, with their sizes) and
/// ingest them in one transaction, the checkpoint in its commit.
async fn fetch_batch(
    app: &App,
    session: &mut Session,
    mb: &MailboxConfig,
    cfg: &ImapConfig,
    uidvalidity: u32,
    sizes: &[(u32, u32)],
    fence: Option<&Fence>,
) -> Result<usize, ImapError> {
    let t = cfg.timeout_seconds;
    let limit = app.loaded.config.limits.max_message_bytes;
    let mut taken = 0;
    let (small, big): (Vec<_>, Vec<_>) = sizes
        .iter()
        .copied()
        .partition(|(_, s)| u64::from(*s) <= limit);
    let mut bodies: Vec<(u32, Vec<u8>)> = Vec::new();
    if !small.is_empty() {
        let set = small
            .iter()
            .map(|(u, _)| u.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = timed("UID FETCH bodies", t * 4, async {
            let s = session.uid_fetch(&set, "(UID BODY.PEEK[])").await?;
            let v: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(v)
        })
        .await?;
        for f in &fetched {
            if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                bodies.push((uid, body.to_vec()));
            }
        }
    }
    for (uid, size) in &big {
        // Record it from its headers, with a notice in place of the body.
        let fetched: Vec<_> = timed("UID FETCH header", t, async {
            let s = session
                .uid_fetch(uid.to_string(), "(UID BODY.PEEK[HEADER])")
                .await?;
            let v: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(v)
        })
        .await?;
        let header = fetched
            .iter()
            .find_map(|f| f.header().map(|h| h.to_vec()))
            .unwrap_or_default();
        let source = format!("the {} mailbox, folder {}, UID {uid}", mb.name, cfg.folder);
        let raw = raw::oversize_notice(&header, u64::from(*size), limit, &source);
        bodies.push((*uid, raw));
    }
    bodies.sort_by_key(|(u, _)| *u);
    let (uids, raws): (Vec<u32>, Vec<Vec<u8>>) = bodies.into_iter().unzip();
    // One transaction for the batch, the checkpoint in its commit.
    let ack = batch::Ack::Imap {
        fence,
        mailbox: &mb.name,
        uidvalidity,
        uids: &uids,
    };
    let outcomes = batch::ingest_batch(app, &raws, &mb.name, Utc::now(), ack)
        .await
        .map_err(|e| ImapError::Store(e.0))?;
    for (uid, outcome) in uids.iter().zip(&outcomes) {
        if *outcome != Ingested::Duplicate {
            taken += 1;
        }
        // Only after the commit.
        after_commit(session, cfg, *uid).await;
    }
    Ok(taken)
}

/// Optional bookkeeping on the server after a commit (a keyword or a move).
/// Failures are logged and do not stop the mailbox: the message is safe.
async fn after_commit(session: &mut Session, cfg: &ImapConfig, uid: u32) {
    let t = cfg.timeout_seconds;
    if let Some(k) = &cfg.keyword_after {
        let r = timed("UID STORE", t, async {
            let s = session
                .uid_store(uid.to_string(), format!("+FLAGS.SILENT ({k})"))
                .await?;
            let _: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(())
        })
        .await;
        if let Err(e) = r {
            warn!(uid, error = %e, "could not set the keyword");
        }
    }
    if let Some(folder) = &cfg.move_after {
        if let Err(e) = timed("UID MOVE", t, session.uid_mv(uid.to_string(), folder)).await {
            warn!(uid, error = %e, "could not move the message");
        }
    }
}

/// How a session ended without an error.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ended {
    /// Shutdown was asked for.
    Stopped,
    /// The token is about to expire: sign in again with a new one.
    Renew,
}

/// One signed-in session: catch up, then wait (IDLE or poll) and catch up
/// again, until shutdown or until the token must be renewed.
// The session's parts and its lease, each used where it is: a struct to
// carry them would only be taken apart again.
#[allow(clippy::too_many_arguments)]
pub(super) async fn session_loop(
    app: &App,
    mb: &MailboxConfig,
    cfg: &ImapConfig,
    tokens: Option<&TokenSource>,
    conn: Connected,
    wake: &Notify,
    stop: &CancellationToken,
    fence: Option<&Fence>,
) -> Result<Ended, ImapError> {
    let Connected {
        mut session,
        mailbox: selected,
        idle,
        until,
    } = conn;
    let (mut renew_at, expires_at) = match until {
        Some((r, e)) => (Some(r), Some(e)),
        None => (None, None),
    };
    let mut uidvalidity = selected
        .uid_validity
        .ok_or_else(|| ImapError::NoUidValidity(cfg.folder.clone()))?;
    info!(uidvalidity, idle, renew_at = ?renew_at, "connected");
    let t = cfg.timeout_seconds;
    let mut first = true;
    // Renew IDLE well before the 29 minutes RFC 2177 allows, and reconcile
    // at least every poll interval even when the server is silent.
    let poll = Duration::from_secs(cfg.poll_seconds.clamp(5, 25 * 60));
    loop {
        if !first {
            // Select again on every wake-up: it is cheap, and it is how a
            // folder that was deleted and recreated (a new UIDVALIDITY) shows.
            let state = timed("SELECT", t, session.select(&cfg.folder)).await?;
            let now_validity = state
                .uid_validity
                .ok_or_else(|| ImapError::NoUidValidity(cfg.folder.clone()))?;
            if now_validity != uidvalidity {
                warn!(
                    old = uidvalidity,
                    new = now_validity,
                    "UIDVALIDITY changed: reading the folder again (duplicates are recognised)"
                );
                uidvalidity = now_validity;
            }
        }
        first = false;
        let n = fetch_new(app, &mut session, mb, cfg, uidvalidity, fence).await?;
        app.store.fetch_ok(&mb.name, Utc::now()).await?;
        if n > 0 {
            info!(messages = n, "taken in");
            wake.notify_one();
        }
        if stop.is_cancelled() {
            let _ = timed("LOGOUT", t, session.logout()).await;
            return Ok(Ended::Stopped);
        }
        // With OAuth2, wake up in time to leave before the token expires.
        let left = renew_at.map(|u| (u - Utc::now()).to_std().unwrap_or(Duration::ZERO));
        if left == Some(Duration::ZERO) {
            // The new token first: if the endpoint is down, this session
            // carries on until the old token really expires, and only then
            // does the mailbox go through a failed sign-in.
            let renewed = match tokens {
                Some(src) => {
                    src.forget().await;
                    src.token().await.map(|_| ())
                }
                None => Ok(()),
            };
            let hard_stop = expires_at.is_some_and(|e| Utc::now() >= e);
            match renewed {
                Ok(()) => {
                    info!("access token due for renewal: signing in again");
                    let _ = timed("LOGOUT", t, session.logout()).await;
                    return Ok(Ended::Renew);
                }
                Err(e) if hard_stop => {
                    let _ = timed("LOGOUT", t, session.logout()).await;
                    return Err(ImapError::Token(e));
                }
                Err(e) => {
                    warn!(error = %e, "cannot renew the access token yet; keeping the session until it expires");
                    renew_at = Some(
                        (Utc::now() + chrono::Duration::seconds(5))
                            .min(expires_at.unwrap_or_else(Utc::now)),
                    );
                    continue;
                }
            }
        }
        let wait_for = left.map_or(poll, |l| poll.min(l));
        if idle {
            let mut handle = session.idle();
            timed("IDLE", t, handle.init()).await?;
            let r = {
                let (fut, _interrupt) = handle.wait_with_timeout(wait_for);
                tokio::select! {
                    r = fut => r.map_err(ImapError::from)?,
                    _ = tokio::time::sleep(wait_for) => IdleResponse::Timeout,
                    _ = stop.cancelled() => IdleResponse::ManualInterrupt,
                }
            };
            // A BYE during IDLE (Exchange: "Session invalidated -
            // AccessTokenExpired") carries the reason; DONE would only say
            // the connection was lost.
            if let IdleResponse::NewData(data) = &r {
                if let async_imap::imap_proto::Response::Data {
                    status: async_imap::imap_proto::Status::Bye,
                    outcome,
                } = data.parsed()
                {
                    return Err(ImapError::Bye(
                        outcome
                            .information
                            .as_deref()
                            .unwrap_or("no reason given")
                            .to_string(),
                    ));
                }
            }
            session = timed("DONE", t, handle.done()).await?;
            tracing::debug!(?r, "idle ended");
        } else {
            tokio::select! {
                _ = tokio::time::sleep(wait_for) => {}
                _ = stop.cancelled() => {}
            }
            timed("NOOP", t, session.noop()).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::by_bytes;
    use crate::work::batch::MAX_BYTES;

    #[test]
    fn a_batch_holds_at_most_max_bytes_of_mail_and_at_least_one_message() {
        let mb = MAX_BYTES as u32;
        let sizes = [
            (1, mb / 2),
            (2, mb / 2),
            (3, 1),
            (4, mb * 3),
            (5, 10),
            (6, 50 << 20),
        ];
        let groups = by_bytes(&sizes, (40 << 20) as u64);
        assert_eq!(
            groups,
            vec![&sizes[0..2], &sizes[2..3], &sizes[3..4], &sizes[4..6]],
            "full, then the one over the bound alone; a message above the limit counts nothing"
        );
        let groups = by_bytes(&sizes, (20 << 20) as u64);
        assert_eq!(groups.concat(), sizes.to_vec(), "every message in order");
        assert!(by_bytes(&[], 1).is_empty());
    }
}
