//! Ingest: one transaction per inbound message.
//!
//! store raw → parse → screen and classify → thread to a case or open one →
//! apply the state machine → write case, audit, deadlines and finished
//! outgoing mail → commit. A message that fails any step is quarantined with
//! its reason; nothing is dropped. Ingesting the same message again changes
//! nothing: a message is a repeat when its bytes, or its Message-ID *and* its
//! content (without trace fields), match a stored one. A different message
//! that reuses a known Message-ID is stored and processed like any other.

use crate::app::App;
use crate::config::WORKING_LANGUAGE;
use crate::core::case::{self, Event, Inbound};
use crate::core::classify;
use crate::core::kind::Kind;
use crate::core::locale;
use crate::core::mail::{self, InboundMail};
use crate::core::reference::CaseRef;
use crate::core::{auth, commands, threading, token};
use crate::store::Conn;
use crate::store::{MessageStatus, NewMessage, Store, StoreError, StoredBytes, THIRD_PARTY_NOTE};
use crate::work::drafts::Drafts;
use crate::work::effects::{self, ApplyError};
use crate::work::mentioned::{mentioned, Incoming, Mentioned};
use crate::work::raw::{content_hash, content_key, within_limit};
use chrono::{DateTime, Datelike, Utc};
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

/// A message ready for its write transaction: its keys, and the work that
/// grows with its size (parsing, screening, classifying, threading) done.
pub(crate) struct Prepared<'a> {
    raw: Cow<'a, [u8]>,
    source: &'a str,
    hash: String,
    key: String,
    parsed: Result<(InboundMail, Analysis), mail::MailError>,
    message_id: Option<String>,
    from: Option<String>,
    subject: Option<String>,
    /// Why it is over the time budget already, if it is.
    late: Option<String>,
    /// How long preparing it took.
    took: std::time::Duration,
    /// Its bytes as the store keeps them (compressed once, here).
    stored: StoredBytes,
}

impl<'a> Prepared<'a> {
    /// Prepare `raw` from `source`: no database involved. `started` is
    /// when its processing began, for the time budget.
    pub(crate) fn new(app: &App, raw: &'a [u8], source: &'a str, started: Instant) -> Self {
        let raw = within_limit(raw, app.loaded.config.limits.max_message_bytes, source);
        let hash = content_hash(&raw);
        let key = content_key(&raw);
        let parsed = mail::parse(&raw).map(|m| {
            let analysis = analyse(app, &m);
            (m, analysis)
        });
        let late = over_budget(app, started, "classification");
        // Large attachments apart, so each is stored once (issue 14).
        let stored = match &parsed {
            Ok((m, _)) => {
                let bodies: Vec<_> = m.attachments.iter().map(|a| a.body_span.clone()).collect();
                StoredBytes::of_message(&raw, &bodies)
            }
            Err(_) => StoredBytes::of(&raw),
        };
        let took = started.elapsed();
        let message_id = parsed.as_ref().ok().and_then(|(m, _)| m.message_id.clone());
        let (from, subject) = match &parsed {
            Ok((m, _)) => (
                m.from.as_ref().map(|f| f.address.clone()),
                Some(m.subject.clone()),
            ),
            Err(_) => (None, None),
        };
        Prepared {
            raw,
            source,
            hash,
            key,
            parsed,
            message_id,
            from,
            subject,
            late,
            took,
            stored,
        }
    }

    /// A start for its time budget, now: as if its processing had begun
    /// when it was prepared and had gone on since without a pause (a batch
    /// prepares every message first).
    pub(crate) fn started(&self) -> Instant {
        Instant::now()
            .checked_sub(self.took)
            .unwrap_or_else(Instant::now)
    }

    /// The kind it was classified as (a case it opens has this kind);
    /// `None` when it could not be parsed.
    pub(crate) fn kind(&self) -> Option<Kind> {
        self.parsed.as_ref().ok().map(|(_, a)| a.class.kind)
    }

    /// Its Message-ID, if it has one.
    pub(crate) fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    fn new_message(&self, now: DateTime<Utc>) -> NewMessage<'_> {
        NewMessage {
            message_id: self.message_id.as_deref(),
            content_hash: &self.hash,
            content_key: Some(&self.key),
            source: self.source,
            received_at: now,
            raw: &self.raw,
            from_addr: self.from.as_deref(),
            subject: self.subject.as_deref(),
        }
    }
}

/// Ingest one raw message received at `now` from `source`.
///
/// The heavy, pure work (parsing, screening, classifying, threading) is
/// done before the write transaction; inside it only reads, the case step
/// and the writes remain. Its mail is rendered between passes, with no
/// transaction open (`crate::work::drafts`).
pub async fn ingest(
    app: &App,
    raw: &[u8],
    source: &str,
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let started = Instant::now();
    // Outside the write lock: the part that grows with the message's size.
    let p = Prepared::new(app, raw, source, started);
    let span = span_of(&p);
    async move {
        let mut drafts = Drafts::default();
        let done = loop {
            let mut tx = match drafts.begin(app).await {
                Ok(tx) => tx,
                Err(e) => break Err(e),
            };
            let out = pass(app, &mut tx, &mut drafts, &p, now, started).await;
            match drafts.end(app, tx, out).await {
                Ok(Some(outcome)) => break Ok(outcome),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
        };
        match done {
            Ok(outcome) => Ok(logged(outcome)),
            Err(ApplyError::Store(e)) => Err(IngestError(e)),
            Err(e) => {
                // Everything the failed attempt wrote is rolled back; the raw
                // message is kept, with the reason, for `quarantine replay`.
                let reason = e.to_string();
                let mut tx = app.store.begin().await?;
                quarantine_failed(&mut tx, &p, &reason, now).await?;
                tx.commit().await?;
                Ok(logged(Ingested::Quarantined(reason)))
            }
        }
    }
    .instrument(span)
    .await
}

/// The span a message is processed in.
pub(crate) fn span_of(p: &Prepared<'_>) -> tracing::Span {
    info_span!(
        "ingest",
        message_id = p.message_id().unwrap_or("-"),
        case = tracing::field::Empty
    )
}

/// Log what became of a message (in its span) and hand the outcome back.
pub(crate) fn logged(outcome: Ingested) -> Ingested {
    match &outcome {
        Ingested::Opened(r) | Ingested::Threaded(r) => {
            tracing::Span::current().record("case", r.as_str());
        }
        Ingested::Quarantined(reason) => warn!(%reason, "quarantined"),
        _ => {}
    }
    info!(?outcome, "ingested");
    outcome
}

/// Store a message whose processing failed, quarantined with `reason`, in
/// `tx` (after everything its failed attempt wrote was rolled back).
pub(crate) async fn quarantine_failed(
    tx: &mut Conn,
    p: &Prepared<'_>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let new_message = p.new_message(now);
    let mut row = Store::insert_stored_message(tx, &new_message, &p.stored).await?;
    if row.is_none() && new_message.message_id.is_some() {
        // Its Message-ID was taken by a different message: kept without it.
        let without_id = NewMessage {
            message_id: None,
            ..new_message.clone()
        };
        row = Store::insert_stored_message(tx, &without_id, &p.stored).await?;
    }
    if let Some(row) = row {
        Store::quarantine(tx, row, reason, now).await?;
    }
    Ok(())
}

/// One pass of a message's unit of work in `tx`: store it (or find it a
/// repeat), then process it, its mail from `drafts`.
pub(crate) async fn pass(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    p: &Prepared<'_>,
    now: DateTime<Utc>,
    started: Instant,
) -> Result<Ingested, ApplyError> {
    let new_message = p.new_message(now);
    let (hash, key) = (&p.hash, &p.key);
    let row = match Store::insert_stored_message(tx, &new_message, &p.stored).await? {
        Some(row) => row,
        None => {
            let like = Store::messages_like(tx, p.message_id(), hash, key).await?;
            let repeat = like.iter().any(|m| {
                m.content_hash == *hash
                    || m.content_key.as_deref() == Some(key.as_str())
                    || m.raw.as_deref().is_some_and(|r| content_key(r) == *key)
            });
            if repeat {
                return Ok(Ingested::Duplicate);
            }
            // Message-ID reused with different content: a different
            // message. Kept under no Message-ID (that one is taken) and
            // processed; its content key makes a repeat of it a duplicate.
            let first = like.first().map(|m| m.id).unwrap_or_default();
            warn!(
                first_stored_as = first,
                "Message-ID reused with different content; stored and processed as a new message"
            );
            let without_id = NewMessage {
                message_id: None,
                ..new_message.clone()
            };
            match Store::insert_stored_message(tx, &without_id, &p.stored).await? {
                Some(row) => row,
                None => return Ok(Ingested::Duplicate),
            }
        }
    };
    let (mail, analysis) = match &p.parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let reason = format!("unreadable message: {e}");
            Store::quarantine(tx, row, &reason, now).await?;
            return Ok(Ingested::Quarantined(reason));
        }
    };
    if let Some(reason) = &p.late {
        Store::quarantine(tx, row, reason, now).await?;
        return Ok(Ingested::Quarantined(reason.clone()));
    }
    let outcome = process_analysed(app, tx, drafts, row, &p.raw, mail, analysis, now).await?;
    match over_budget(app, started, "rendering the replies") {
        Some(reason) => Err(ApplyError::OverBudget(reason)),
        None => Ok(outcome),
    }
}

/// Process a stored message inside the transaction, its mail from
/// `drafts` (run it inside a unit of work ([`Drafts::begin`])).
pub async fn process(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    row: i64,
    raw: &[u8],
    mail: &InboundMail,
    now: DateTime<Utc>,
) -> Result<Ingested, ApplyError> {
    let analysis = analyse(app, mail);
    process_analysed(app, tx, drafts, row, raw, mail, &analysis, now).await
}

/// What a message is, worked out from the message alone (no database):
/// the part of ingest whose cost grows with the message.
struct Analysis {
    thread: threading::Thread,
    parts: classify::Parts,
    class: classify::Classification,
    sender: String,
}

fn analyse(app: &App, mail: &InboundMail) -> Analysis {
    let prefixes = vec![app.loaded.policy.procedure.reference_prefix.clone()];
    let thread = threading::thread(mail, &app.secret, &prefixes);
    // One split of the text serves classification, commands and the case.
    let parts = classify::parts(mail);
    let class = classify::classify_parts(mail, &parts, &app.hints);
    let sender = mail
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_default();
    Analysis {
        thread,
        parts,
        class,
        sender,
    }
}

/// [`process`] with the message already analysed.
#[allow(clippy::too_many_arguments)]
async fn process_analysed(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    row: i64,
    raw: &[u8],
    mail: &InboundMail,
    analysis: &Analysis,
    now: DateTime<Utc>,
) -> Result<Ingested, ApplyError> {
    let Analysis {
        thread,
        parts,
        class,
        sender,
    } = analysis;

    // Machine mail and our own: recorded (against its case when threaded), never answered.
    if class.kind.is_machine() || app.is_own_address(sender) {
        // Bounces carry our original inside: use it to find the case.
        let reference = thread
            .case
            .clone()
            .or_else(|| threading::issued_id_in_raw(raw, &app.secret));
        let case_ref = match reference {
            Some(r) => Store::load_case(tx, &r).await?.map(|_| r),
            None => None,
        };
        let note = class.reasons.join("; ");
        if let Some(r) = &case_ref {
            let a = case::Audit {
                actor: case::Actor::System,
                action: format!("{} received", class.kind),
                detail: format!("from {sender}: {note}; not answered"),
                message_id: mail.message_id.clone(),
            };
            Store::append_audit(tx, Some(r), now, &a).await?;
        }
        Store::mark_message(
            tx,
            row,
            MessageStatus::Ignored,
            Some(class.kind),
            case_ref.as_ref(),
            Some(&note),
        )
        .await?;
        return Ok(Ingested::Ignored {
            kind: class.kind,
            case: case_ref.map(|r| r.to_string()),
        });
    }
    if sender.is_empty() {
        // Nobody to answer and no one to thread to: keep it for a person to look at.
        let reason = "no From address: cannot tell who wrote it";
        Store::quarantine(tx, row, reason, now).await?;
        return Ok(Ingested::Quarantined(reason.into()));
    }
    let existing = match &thread.case {
        Some(r) => Store::load_case(tx, r).await?,
        None => None,
    };
    let Mentioned {
        existing,
        by_text,
        by_sender,
        new_matter_of,
        unknown,
    } = mentioned(
        app,
        tx,
        Incoming {
            mail,
            thread,
            new_text: &parts.new,
            sender,
            flags: &class.flags,
        },
        existing,
        now,
    )
    .await?;
    let ctx = app.ctx();
    let mut third_party = false;
    // Whose message this is, for the flood caps on staff notifications:
    // everyone's but a member of staff who proved who they are.
    let mut cause = Some(sender.as_str());
    // A handler's corrections of the classifier, with the case as it was.
    let mut corrections: Option<(case::Case, Vec<commands::Command>)> = None;
    let (mut tr, context_text, outcome) = match existing {
        Some(c) => {
            // A handler's commands come only from the newly written text: cut
            // where the reply starts repeating mail we sent them, in case the
            // quote stripper did not recognise how their client quoted it.
            // (Not for complainants: one who pastes our words to answer them
            // point by point must not lose the answers.)
            // A website form relays what anyone typed: it never speaks for
            // a member of staff, whatever its Email field says.
            let staff = mail.relayed_by.is_none() && app.directory.by_email(sender).is_some();
            // A handler's words are relayed and read for commands: only what
            // they wrote. Anyone else's message keeps what it forwarded and
            // attached (a union rep forwarding the learner's email, an
            // employer's letter as evidence) for the handler to read; the
            // reply reader stops at the marker.
            // (A handler's interleaved answers keep no quoted lines: what
            // they quoted may be our internal notification, never to be
            // relayed to the complainant.)
            let new_text = if staff {
                let own = crate::core::classify::own_words(&parts.new);
                without_copied_mail(tx, &c.reference, sender, &own).await?
            } else {
                parts.recorded(&parts.new)
            };
            let inbound = Inbound {
                message_id: mail.message_id.clone(),
                from: sender.clone(),
                name: mail.from.as_ref().and_then(|f| f.name.clone()),
                text: new_text.clone(),
            };
            let event = if staff {
                let verified = token_verified(app, tx, &c, sender, thread.token.as_deref(), now)
                    .await?
                    || auth::sender_authenticated(
                        mail,
                        &app.loaded.config.security.trusted_authserv_id,
                    );
                if verified {
                    cause = None;
                }
                let parsed = commands::parse(&new_text);
                corrections = Some((c.clone(), parsed.commands.clone()));
                Event::StaffReplied {
                    parsed,
                    message: inbound,
                    verified,
                    // The address's intent counts only with its token, which
                    // `verified` checked (or an authenticated sender).
                    intent: thread.intent.filter(|_| verified),
                }
            } else if by_sender.as_ref().is_some_and(|b| !b.vouched) {
                // Found by its sender alone, and nothing proves the sender:
                // recorded, acting on nothing.
                Event::UnprovenReply(inbound)
            } else {
                let ids: Vec<String> = mail
                    .in_reply_to
                    .iter()
                    .chain(mail.references.iter())
                    .filter(|id| app.secret.verify_message_id(id).as_ref() == Some(&c.reference))
                    .cloned()
                    .collect();
                let answers = Store::issued_to(tx, &ids, sender).await?;
                match case::standing(&c, sender, answers) {
                    case::Standing::ThirdParty => {
                        third_party = true;
                        Event::ThirdPartyWrote(inbound)
                    }
                    case::Standing::Complainant | case::Standing::Correspondent => {
                        Event::ComplainantReplied(inbound)
                    }
                }
            };
            (
                case::step(&c, event, &ctx, now),
                new_text,
                Ingested::Threaded(c.reference.to_string()),
            )
        }
        None => {
            let text = parts.recorded(&parts.new);
            let year = app.calendar.to_local(now).year();
            let prefix = &app.loaded.policy.procedure.reference_prefix;
            let number = Store::next_case_number(tx, prefix, year).await?;
            let reference = crate::core::reference::CaseRef::new(prefix, year, number);
            let inbound = Inbound {
                message_id: mail.message_id.clone(),
                from: sender.clone(),
                name: mail.from.as_ref().and_then(|f| f.name.clone()),
                text: text.clone(),
            };
            let mut tr = case::open(reference.clone(), &inbound, class, &ctx, now);
            if let Some((old, why)) = &new_matter_of {
                case::link_on_open(&mut tr, &old.reference, why);
            }
            for r in &unknown {
                tr.effects.push(case::Effect::Audit(case::Audit {
                    actor: case::Actor::System,
                    action: "mentions".into(),
                    detail: format!(
                        "the message names {r}, which is no case here: a new case was opened"
                    ),
                    message_id: mail.message_id.clone(),
                }));
            }
            (tr, text, Ingested::Opened(reference.to_string()))
        }
    };
    // Say on the record how a message without threading headers found its
    // case: the reference written in it and by whom, or who sent it.
    let how = match (&by_text, &by_sender) {
        (Some(r), _) => Some(format!(
            "by the reference {r} written in the message from {sender} (no threading headers){}",
            if third_party { "; the sender is not the complainant, so it changes nothing" } else { "" }
        )),
        (None, Some(b)) => Some(format!(
            "by its sender alone: {sender} ({}) complained in {}, their only recent complaint, and wrote about it ({:?}); the message named no case and its headers, tag and address found none",
            if b.vouched {
                "vouched for by their mail server"
            } else {
                "not vouched for by their mail server, so it changes nothing"
            },
            b.case,
            b.words
        )),
        (None, None) => None,
    };
    if let Some(detail) = how {
        tr.effects.insert(
            0,
            case::Effect::Audit(case::Audit {
                actor: case::Actor::System,
                action: "threaded".into(),
                detail,
                message_id: mail.message_id.clone(),
            }),
        );
    }
    // The language they wrote in, before any mail to them is rendered.
    let staff_sender = mail.relayed_by.is_none() && app.directory.by_email(sender).is_some();
    if let Some(a) = note_language(
        app,
        tx,
        row,
        sender,
        staff_sender,
        &crate::core::classify::own_words(&parts.new),
        mail,
        now,
    )
    .await?
    {
        tr.effects.push(case::Effect::Audit(a));
    }
    // The case records the complainant's language as last known (a
    // handler's `#language` in this very message has set it already).
    if tr.case.language.is_none() || *sender == tr.case.complainant.address {
        if let Some(l) = Store::contact_language(tx, &tr.case.complainant.address).await? {
            tr.case.language = Some(l);
        }
    }
    effects::apply_caused(app, tx, drafts, &tr, &context_text, cause, now).await?;
    if let Some((old, why)) = new_matter_of {
        // The old case says so too: the complainant's different matter
        // opened the new one.
        let linked = case::step(
            &old,
            Event::Linked {
                other: tr.case.reference.clone(),
                why,
                message: Inbound {
                    message_id: mail.message_id.clone(),
                    from: sender.clone(),
                    name: mail.from.as_ref().and_then(|f| f.name.clone()),
                    text: parts.new.clone(),
                },
            },
            &ctx,
            now,
        );
        effects::apply_caused(app, tx, drafts, &linked, &parts.new, cause, now).await?;
    }
    if let Some((before, cmds)) = &corrections {
        record_corrections(tx, before, &tr.case, cmds, sender, now).await?;
    }
    // A third party's message stays on the case, labelled, for the record.
    let note = third_party.then(|| format!("{THIRD_PARTY_NOTE} {sender}"));
    Store::mark_message(
        tx,
        row,
        MessageStatus::Processed,
        Some(class.kind),
        Some(&tr.case.reference),
        note.as_deref(),
    )
    .await?;
    Ok(outcome)
}

/// Detect the language of a message's newly written text and record it on
/// the message; for someone outside the organisation, remember it as the
/// language to write to them in when the text is clear enough: their first
/// clear message sets it, a later clear message in another of the
/// organisation's languages changes it, a short or mixed one ("Diolch", a
/// bilingual signature) changes nothing. Returns the audit entry of a
/// change when the organisation corresponds in more than one language.
#[allow(clippy::too_many_arguments)]
async fn note_language(
    app: &App,
    tx: &mut Conn,
    row: i64,
    sender: &str,
    staff: bool,
    text: &str,
    mail: &InboundMail,
    now: DateTime<Utc>,
) -> Result<Option<case::Audit>, StoreError> {
    let Some(found) = crate::core::language::detect(text) else {
        return Ok(None);
    };
    Store::set_message_language(tx, row, found.code, found.confident).await?;
    if staff || !found.confident || !app.languages.iter().any(|l| l == found.code) {
        return Ok(None);
    }
    let before = Store::contact_language(tx, sender).await?;
    if before.as_deref() == Some(found.code) {
        return Ok(None);
    }
    Store::set_contact_language(
        tx,
        sender,
        found.code,
        crate::store::LanguageSource::Detected,
        mail.message_id.as_deref(),
        now,
    )
    .await?;
    let name = locale::language_name(WORKING_LANGUAGE, found.code);
    Ok((app.languages.len() > 1).then(|| case::Audit {
        actor: case::Actor::System,
        action: "language".into(),
        detail: match before {
            None => format!("{sender} wrote in {name}: written to in {name} from now on"),
            Some(b) => format!(
                "{sender} wrote in {name} (before: {}): written to in {name} from now on",
                locale::language_name(WORKING_LANGUAGE, &b)
            ),
        },
        message_id: mail.message_id.clone(),
    }))
}

/// Keep each classifier correction a handler's commands made (those that
/// changed the case, or confirmed a kind the classifier was unsure of: a
/// refused or unverified command changes nothing) as a labelled example for
/// `complaintd classify --learn`.
async fn record_corrections(
    tx: &mut Conn,
    before: &case::Case,
    after: &case::Case,
    cmds: &[commands::Command],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::store::CorrectionLabel as L;
    let reference = after.reference.to_string();
    for c in cmds {
        let (label, name) = match c {
            // A changed kind, or a kind confirmed from triage (the
            // classifier was unsure: the handler's answer is a label too).
            commands::Command::Reclassify { kind }
                if after.kind == *kind
                    && (before.kind != after.kind
                        || (before.state == case::State::Triage
                            && after.state != case::State::Triage)) =>
            {
                (L::Kind, kind.as_str())
            }
            commands::Command::Flag { flag }
                if !before.flags.contains(flag) && after.flags.contains(flag) =>
            {
                (L::Flag, flag.as_str())
            }
            commands::Command::Unflag { flag }
                if before.flags.contains(flag) && !after.flags.contains(flag) =>
            {
                (L::Unflag, flag.as_str())
            }
            _ => continue,
        };
        Store::record_correction(tx, now, &reference, actor, label, name).await?;
    }
    Ok(())
}

/// How many of our latest mails to a sender a reply is compared with.
const QUOTED_MAIL_LOOKBACK: i64 = 10;

/// `text` cut where it starts repeating one of the latest mails about the
/// case that complaintd sent to `sender`.
async fn without_copied_mail(
    tx: &mut Conn,
    reference: &CaseRef,
    sender: &str,
    text: &str,
) -> Result<String, StoreError> {
    let mut out = text.to_string();
    for raw in Store::recent_mail_to(tx, reference, sender, QUOTED_MAIL_LOOKBACK).await? {
        if let Ok(sent) = mail::parse(&raw) {
            out = crate::core::quote::cut_copied_history(&out, &sent.text);
        }
    }
    Ok(out)
}

/// Does the reply carry a current token issued to `sender` for this case?
async fn token_verified(
    app: &App,
    tx: &mut Conn,
    c: &case::Case,
    sender: &str,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(token) = token else {
        return Ok(false);
    };
    let valid_from = Store::tokens_valid_from(tx, &c.reference).await?;
    let check = token::check_handler_token(
        &app.secret,
        &c.reference,
        sender,
        token,
        now,
        valid_from,
        app.loaded.config.security.token_lifetime(),
    );
    match check {
        token::TokenCheck::Valid(_) => Ok(true),
        token::TokenCheck::Invalid => Ok(false),
        token::TokenCheck::Expired(why) => {
            info!(%why, "handler token no longer valid");
            Ok(false)
        }
    }
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

impl From<ApplyError> for ReplayError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Store(e) => ReplayError::Store(e),
            e => ReplayError::StillFailing(e.to_string()),
        }
    }
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
    let mut drafts = Drafts::default();
    loop {
        let mut tx = drafts.begin(app).await?;
        let out = async {
            Store::reset_message(&mut tx, msg.id).await?;
            match process(app, &mut tx, &mut drafts, msg.id, &msg.raw, &mail, now).await? {
                // An error rolls the pass back: nothing changes.
                Ingested::Quarantined(reason) => Err(ReplayError::StillFailing(reason)),
                outcome => {
                    Store::quarantine_resolve(&mut tx, quarantine_id, now).await?;
                    Ok(outcome)
                }
            }
        }
        .await;
        if let Some(outcome) = drafts.end(app, tx, out).await? {
            return Ok(outcome);
        }
    }
}
