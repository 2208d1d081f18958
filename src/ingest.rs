//! Ingest: one transaction per inbound message.
//!
//! store raw → parse → screen and classify → thread to a case or open one →
//! apply the state machine → write case, audit, deadlines and finished
//! outgoing mail → commit. A message that fails any step is quarantined with
//! its reason; nothing is dropped. Ingesting the same message again changes
//! nothing (unique Message-ID, or content hash when there is none).

use crate::app::App;
use crate::core::case::{self, Event, Inbound};
use crate::core::classify::{self, Kind};
use crate::core::mail::{self, InboundMail};
use crate::core::{auth, commands, threading};
use crate::effects::{self, ApplyError};
use crate::store::{NewMessage, Store, StoreError};
use chrono::{DateTime, Datelike, Utc};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use std::borrow::Cow;
use std::time::Instant;
use tracing::{info, info_span, warn, Instrument};

/// What ingest did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Already stored: nothing changed.
    Duplicate,
    /// A new case was opened.
    Opened(String),
    /// The message was added to an existing case.
    Threaded(String),
    /// Machine mail (or our own): stored, never answered.
    Ignored {
        /// What it was.
        kind: Kind,
        /// The case it was recorded against, if threaded.
        case: Option<String>,
    },
    /// Stored and quarantined with a reason.
    Quarantined(String),
}

/// A failure that leaves the message unstored: retry later.
#[derive(Debug, thiserror::Error)]
#[error("ingest failed, the message was not stored and should be retried: {0}")]
pub struct IngestError(#[from] pub StoreError);

impl From<sqlx::Error> for IngestError {
    fn from(e: sqlx::Error) -> Self {
        IngestError(StoreError::Db(e))
    }
}

/// The content hash messages are deduplicated by when they have no Message-ID.
pub fn content_hash(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `raw` as it is taken in: a message over `[limits] max_message_bytes` is
/// kept as its headers and a notice of its size (and where it came from),
/// so no path can hand the rest of ingest more than the limit. Headers that
/// are themselves over the limit are cut at the limit.
pub fn within_limit<'a>(raw: &'a [u8], limit: u64, source: &str) -> Cow<'a, [u8]> {
    if raw.len() as u64 <= limit {
        return Cow::Borrowed(raw);
    }
    let cut = usize::try_from(limit).unwrap_or(usize::MAX).min(raw.len());
    Cow::Owned(oversize_notice(
        &raw[..cut],
        raw.len() as u64,
        limit,
        source,
    ))
}

/// Where the header section ends (before the blank line), if it does.
pub fn header_end(raw: &[u8]) -> Option<usize> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Read a message file for ingest without reading more than the limit
/// allows: of a file over `limit` bytes only the headers (within the first
/// `limit` bytes) are kept, with a notice of its size and of `source`, where
/// the whole message can be found.
pub fn read_limited(path: &std::path::Path, limit: u64, source: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    if size <= limit {
        let mut raw = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        f.take(limit.saturating_add(1)).read_to_end(&mut raw)?;
        if raw.len() as u64 <= limit {
            return Ok(raw);
        }
        // It grew while we read it: treat it as over the limit.
        return Ok(oversize_notice(&raw, raw.len() as u64, limit, source));
    }
    let mut head = Vec::new();
    f.take(limit).read_to_end(&mut head)?;
    Ok(oversize_notice(&head, size, limit, source))
}

/// The headers found in `head` (the first bytes of a message of `size`
/// bytes) and a notice in place of the body.
fn oversize_notice(head: &[u8], size: u64, limit: u64, source: &str) -> Vec<u8> {
    let end = header_end(head).unwrap_or(head.len());
    let mut kept = head[..end].to_vec();
    kept.extend_from_slice(
        format!(
            "\r\n\r\n[complaintd: this message is {size} bytes, over the limit of {limit} bytes, so only its headers were taken in. The whole message is still in {source}.]\r\n"
        )
        .as_bytes(),
    );
    kept
}

/// Why a message took too long: over `[limits] processing_budget_ms`.
fn over_budget(app: &App, started: Instant, stage: &str) -> Option<String> {
    let budget = app.loaded.config.limits.processing_budget_ms;
    let took = started.elapsed().as_millis();
    (took > u128::from(budget)).then(|| {
        format!(
            "over the processing time budget: {took} ms by the end of {stage}, the budget is {budget} ms ([limits] processing_budget_ms); not answered"
        )
    })
}

/// Ingest one raw message received at `now` from `source`.
///
/// The heavy work (parsing, classifying, rendering and building the mail)
/// happens before the write transaction, reading the database only; the
/// transaction then writes the message, case, audit, deadlines and mail
/// together. If anyone else committed in between, the plan is made again
/// inside the transaction, so what commits is always consistent.
pub async fn ingest(
    app: &App,
    raw: &[u8],
    source: &str,
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let started = Instant::now();
    let raw = within_limit(raw, app.loaded.config.limits.max_message_bytes, source);
    let raw: &[u8] = &raw;
    let hash = content_hash(raw);
    let parsed = mail::parse(raw);
    let message_id = parsed.as_ref().ok().and_then(|m| m.message_id.clone());
    let span = info_span!(
        "ingest",
        message_id = message_id.as_deref().unwrap_or("-"),
        case = tracing::field::Empty
    );
    async move {
        let (from, subject) = match &parsed {
            Ok(m) => (
                m.from.as_ref().map(|f| f.address.clone()),
                Some(m.subject.clone()),
            ),
            Err(_) => (None, None),
        };
        let new_message = NewMessage {
            message_id: message_id.as_deref(),
            content_hash: &hash,
            source,
            received_at: now,
            raw,
            from_addr: from.as_deref(),
            subject: subject.as_deref(),
        };
        // Read phase: no write lock is held while the message is worked on.
        let mut conn = app.store.acquire().await?;
        if Store::message_known(&mut conn, message_id.as_deref(), &hash).await? {
            return Ok(Ingested::Duplicate);
        }
        let version = Store::data_version(&mut conn).await?;
        let planned: Result<(Planned, &InboundMail, Analysis), String> = match &parsed {
            Err(e) => Err(format!("unreadable message: {e}")),
            Ok(m) => {
                let analysis = analyse(app, raw, m);
                match over_budget(app, started, "classification") {
                    Some(reason) => Err(reason),
                    None => match plan(app, &mut conn, &analysis, m, now).await {
                        Ok(p) => match over_budget(app, started, "rendering the replies") {
                            Some(reason) => Err(reason),
                            None => Ok((p, m, analysis)),
                        },
                        Err(ApplyError::Store(e)) => return Err(IngestError(e)),
                        Err(e) => Err(e.to_string()),
                    },
                }
            }
        };
        // Write phase: one short transaction.
        let mut tx = Store::begin_on(&mut conn).await?;
        let row = Store::insert_message(&mut tx, &new_message).await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(Ingested::Duplicate);
        };
        let outcome = match planned {
            Err(reason) => Ok(Ingested::Quarantined(reason)),
            Ok((p, m, analysis)) => {
                if Store::data_version(&mut tx).await? == version {
                    write(app, &mut tx, row, p, now).await
                } else {
                    // Someone committed since the plan was made: it may rest
                    // on stale reads, so plan again under the lock (the
                    // classification stands; rendering is linear and the
                    // quotes are capped, so this is short).
                    match plan(app, &mut tx, &analysis, m, now).await {
                        Ok(p) => write(app, &mut tx, row, p, now).await,
                        Err(e) => Err(e),
                    }
                }
            }
        };
        match outcome {
            Ok(Ingested::Quarantined(reason)) => {
                Store::quarantine(&mut tx, row, &reason, now).await?;
                tx.commit().await?;
                warn!(%reason, "quarantined");
                Ok(Ingested::Quarantined(reason))
            }
            Ok(outcome) => {
                tx.commit().await?;
                if let Ingested::Opened(r) | Ingested::Threaded(r) = &outcome {
                    tracing::Span::current().record("case", r.as_str());
                }
                info!(?outcome, "ingested");
                Ok(outcome)
            }
            Err(ApplyError::Store(e)) => Err(IngestError(e)),
            Err(e) => {
                // Everything the failed attempt wrote is rolled back; the raw
                // message is kept, with the reason, for `quarantine replay`.
                tx.rollback().await?;
                let reason = e.to_string();
                let mut tx = Store::begin_on(&mut conn).await?;
                let row = Store::insert_message(&mut tx, &new_message).await?;
                if let Some(row) = row {
                    Store::quarantine(&mut tx, row, &reason, now).await?;
                }
                tx.commit().await?;
                warn!(%reason, "quarantined");
                Ok(Ingested::Quarantined(reason))
            }
        }
    }
    .instrument(span)
    .await
}

/// What a message is, worked out from the message alone (no database):
/// the CPU-heavy part of ingest.
struct Analysis {
    thread: threading::Thread,
    parts: classify::Parts,
    class: classify::Classification,
    sender: String,
}

fn analyse(app: &App, raw: &[u8], mail: &InboundMail) -> Analysis {
    let prefixes = vec![app.loaded.policy.procedure.reference_prefix.clone()];
    let mut thread = threading::thread(mail, &app.secret, &prefixes);
    // One split of the text serves classification, commands and the case.
    let parts = classify::parts(mail);
    let class = classify::classify_parts(mail, &parts, &app.hints);
    let sender = mail
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_default();
    if (class.kind.is_machine() || app.is_own_address(&sender)) && thread.case.is_none() {
        // Bounces carry our original inside: use it to find the case.
        thread.case = threading::issued_id_in_raw(raw, &app.secret);
    }
    Analysis {
        thread,
        parts,
        class,
        sender,
    }
}

/// What the write transaction is to do with a message.
enum Planned {
    /// Machine mail or our own: record it (against its case), answer nothing.
    Ignored {
        kind: Kind,
        case_ref: Option<String>,
        audit: Option<case::Audit>,
        note: String,
    },
    /// Nobody to answer.
    Quarantine(String),
    /// A case step, its mail rendered.
    Step {
        /// The number a new case takes (checked again when written).
        number: Option<u32>,
        tr: Box<case::Transition>,
        batch: effects::Batch,
        kind: Kind,
        outcome: Ingested,
    },
}

/// Decide what to do with a message and render its mail, reading only.
async fn plan(
    app: &App,
    conn: &mut SqliteConnection,
    a: &Analysis,
    mail: &InboundMail,
    now: DateTime<Utc>,
) -> Result<Planned, ApplyError> {
    let Analysis {
        thread,
        parts,
        class,
        sender,
    } = a;
    let sender = sender.clone();
    // Machine mail and our own: recorded (against its case when threaded), never answered.
    if class.kind.is_machine() || app.is_own_address(&sender) {
        let case_ref = match &thread.case {
            Some(r) => Store::load_case(conn, &r.to_string())
                .await?
                .map(|_| r.to_string()),
            None => None,
        };
        let note = class.reasons.join("; ");
        let audit = case_ref.as_ref().map(|_| case::Audit {
            actor: case::Actor::System,
            action: format!("{} received", class.kind),
            detail: format!("from {sender}: {note}; not answered"),
            message_id: mail.message_id.clone(),
        });
        return Ok(Planned::Ignored {
            kind: class.kind,
            case_ref,
            audit,
            note,
        });
    }
    if sender.is_empty() {
        // Nobody to answer and no one to thread to: keep it for a person to look at.
        return Ok(Planned::Quarantine(
            "no From address: cannot tell who wrote it".into(),
        ));
    }
    let existing = match &thread.case {
        Some(r) => Store::load_case(conn, &r.to_string()).await?,
        None => None,
    };
    let ctx = app.ctx();
    let (tr, context_text, outcome, number) = match existing {
        Some(c) => {
            let reference = c.reference.to_string();
            let inbound = Inbound {
                message_id: mail.message_id.clone(),
                from: sender.clone(),
                name: mail.from.as_ref().and_then(|f| f.name.clone()),
                text: parts.new.clone(),
            };
            let event = if app.directory.by_email(&sender).is_some() {
                let verified = thread
                    .token
                    .as_deref()
                    .is_some_and(|t| app.secret.verify_handler_token(&c.reference, &sender, t))
                    || auth::sender_authenticated(
                        mail,
                        &app.loaded.config.security.trusted_authserv_id,
                    );
                Event::StaffReplied {
                    parsed: commands::parse(&parts.new),
                    message: inbound,
                    verified,
                }
            } else {
                Event::ComplainantReplied(inbound)
            };
            (
                case::step(&c, event, &ctx, now),
                parts.new.clone(),
                Ingested::Threaded(reference),
                None,
            )
        }
        None => {
            let mut text = parts.new.clone();
            if !parts.forwarded.trim().is_empty() {
                text.push_str("\n\n--- forwarded ---\n");
                text.push_str(&parts.forwarded);
            }
            let year = app.calendar.to_local(now).year();
            let prefix = &app.loaded.policy.procedure.reference_prefix;
            let number = Store::peek_case_number(conn, prefix, year).await?;
            let reference = crate::core::reference::CaseRef::new(prefix, year, number);
            let inbound = Inbound {
                message_id: mail.message_id.clone(),
                from: sender.clone(),
                name: mail.from.as_ref().and_then(|f| f.name.clone()),
                text: text.clone(),
            };
            let tr = case::open(reference.clone(), &inbound, class, &ctx, now);
            (
                tr,
                text,
                Ingested::Opened(reference.to_string()),
                Some(number),
            )
        }
    };
    let batch = effects::plan(app, conn, &tr, &context_text, now).await?;
    Ok(Planned::Step {
        number,
        tr: Box::new(tr),
        batch,
        kind: class.kind,
        outcome,
    })
}

/// The write half: only SQL writes (and a check of the case number).
async fn write(
    app: &App,
    tx: &mut SqliteConnection,
    row: i64,
    p: Planned,
    now: DateTime<Utc>,
) -> Result<Ingested, ApplyError> {
    match p {
        Planned::Ignored {
            kind,
            case_ref,
            audit,
            note,
        } => {
            if let (Some(r), Some(a)) = (&case_ref, &audit) {
                Store::append_audit(tx, Some(r), now, a).await?;
            }
            Store::mark_message(
                tx,
                row,
                "ignored",
                Some(kind.as_str()),
                case_ref.as_deref(),
                Some(&note),
            )
            .await?;
            Ok(Ingested::Ignored {
                kind,
                case: case_ref,
            })
        }
        Planned::Quarantine(reason) => Ok(Ingested::Quarantined(reason)),
        Planned::Step {
            number,
            tr,
            batch,
            kind,
            outcome,
        } => {
            if let Some(n) = number {
                let year = app.calendar.to_local(now).year();
                let prefix = &app.loaded.policy.procedure.reference_prefix;
                let taken = Store::next_case_number(tx, prefix, year).await?;
                if taken != n {
                    // Only possible if the caller skipped the freshness check.
                    return Err(ApplyError::Store(StoreError::Corrupt {
                        reference: outcome_ref(&outcome),
                        message: format!("case number {n} was planned but {taken} is next"),
                    }));
                }
            }
            effects::write(app, tx, &tr, batch, now).await?;
            let reference = tr.case.reference.to_string();
            Store::mark_message(
                tx,
                row,
                "processed",
                Some(kind.as_str()),
                Some(&reference),
                None,
            )
            .await?;
            Ok(outcome)
        }
    }
}

fn outcome_ref(o: &Ingested) -> String {
    match o {
        Ingested::Opened(r) | Ingested::Threaded(r) => r.clone(),
        _ => String::new(),
    }
}

/// Process a stored message inside the transaction.
pub async fn process(
    app: &App,
    tx: &mut SqliteConnection,
    row: i64,
    raw: &[u8],
    mail: &InboundMail,
    now: DateTime<Utc>,
) -> Result<Ingested, ApplyError> {
    let analysis = analyse(app, raw, mail);
    let p = plan(app, tx, &analysis, mail, now).await?;
    let outcome = write(app, tx, row, p, now).await?;
    if let Ingested::Quarantined(reason) = &outcome {
        Store::quarantine(tx, row, reason, now).await?;
    }
    Ok(outcome)
}

/// Why a replay did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// No such quarantine entry.
    #[error("no quarantine entry {0}")]
    NotFound(i64),
    /// The message still cannot be read or processed.
    #[error("still failing: {0}")]
    StillFailing(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReplayError {
    fn from(e: sqlx::Error) -> Self {
        ReplayError::Store(StoreError::Db(e))
    }
}

/// Process a quarantined message again (after a fix to config, templates or
/// code). On success the entry is resolved; on failure nothing changes.
pub async fn replay(
    app: &App,
    quarantine_id: i64,
    now: DateTime<Utc>,
) -> Result<Ingested, ReplayError> {
    let entry = app
        .store
        .quarantine_get(quarantine_id)
        .await?
        .ok_or(ReplayError::NotFound(quarantine_id))?;
    let msg = app
        .store
        .message(entry.message_row)
        .await?
        .ok_or(ReplayError::NotFound(quarantine_id))?;
    let mail = mail::parse(&msg.raw).map_err(|e| ReplayError::StillFailing(e.to_string()))?;
    let mut tx = app.store.begin().await?;
    Store::reset_message(&mut tx, msg.id).await?;
    match process(app, &mut tx, msg.id, &msg.raw, &mail, now).await {
        Ok(Ingested::Quarantined(reason)) => {
            tx.rollback().await?;
            Err(ReplayError::StillFailing(reason))
        }
        Ok(outcome) => {
            Store::quarantine_resolve(&mut tx, quarantine_id, now).await?;
            tx.commit().await?;
            Ok(outcome)
        }
        Err(ApplyError::Store(e)) => Err(ReplayError::Store(e)),
        Err(e) => {
            tx.rollback().await?;
            Err(ReplayError::StillFailing(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: &[u8] = b"From: a@b.test\r\nSubject: big\r\n\r\nbody body body body body body body";

    #[test]
    fn a_message_within_the_limit_is_untouched() {
        assert!(matches!(
            within_limit(BIG, BIG.len() as u64, "x"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn an_oversized_message_keeps_its_headers_and_says_why() {
        let kept = within_limit(BIG, 40, "mailbox m");
        let text = String::from_utf8_lossy(&kept);
        assert!(text.starts_with("From: a@b.test\r\nSubject: big\r\n\r\n"));
        assert!(!text.contains("body"), "{text}");
        assert!(
            text.contains(&format!(
                "this message is {} bytes, over the limit of 40 bytes",
                BIG.len()
            )),
            "{text}"
        );
        assert!(text.contains("still in mailbox m"), "{text}");
        let parsed = mail::parse(&kept).expect("still a message");
        assert_eq!(parsed.subject, "big");
    }

    #[test]
    fn headers_longer_than_the_limit_are_cut_at_it() {
        let kept = within_limit(BIG, 10, "x");
        assert!(kept.starts_with(b"From: a@b.\r\n\r\n[complaintd:"));
    }

    #[test]
    fn a_file_over_the_limit_is_read_only_as_far_as_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.eml");
        let mut raw = BIG.to_vec();
        raw.extend(std::iter::repeat_n(b'x', 1 << 20));
        std::fs::write(&p, &raw).unwrap();
        let kept = read_limited(&p, 4096, "m.eml").unwrap();
        assert!(kept.len() < 4096, "{}", kept.len());
        assert!(String::from_utf8_lossy(&kept).contains(&format!(
            "this message is {} bytes, over the limit of 4096 bytes",
            raw.len()
        )));
        std::fs::write(&p, BIG).unwrap();
        assert_eq!(read_limited(&p, 4096, "m.eml").unwrap(), BIG);
    }

    #[test]
    fn header_end_finds_either_line_ending() {
        assert_eq!(header_end(b"A: b\r\n\r\nx"), Some(4));
        assert_eq!(header_end(b"A: b\n\nx"), Some(4));
        assert_eq!(header_end(b"A: b\r\n"), None);
    }
}
