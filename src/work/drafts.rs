//! Outgoing mail is rendered outside the write transaction.
//!
//! A unit of work (an inbound message, a deadline firing, the digest, an
//! alert) decides inside a `BEGIN IMMEDIATE` transaction what to write. Its
//! outgoing mail is asked of a [`Drafts`]: a mail already rendered is handed
//! back, one that is not is noted and stands in as empty bytes.
//! [`Drafts::end`] then rolls that pass back, renders what was missing (templates and the
//! finished RFC 5322 bytes: the work that grows with what a mail quotes) with
//! no transaction open, and runs the unit again. A mail is identified by
//! everything rendering reads (template, data, envelope), so the second pass
//! finds its mail ready exactly when nothing it read changed in between; if
//! something did (another writer committed first), that pass comes out
//! incomplete and is redone. So that a unit cannot starve while other work
//! keeps committing (a large message among a stream of small ones), its last
//! pass, the [`ATTEMPTS`]th, renders what it still misses while it holds the
//! write lock: once, and rendering is linear in what a mail quotes, which is
//! capped. Every unit therefore finishes in at most [`ATTEMPTS`] passes.
//!
//! The state written is always the one computed in the pass that commits,
//! from what that transaction read: the drafts only save rendering.

use crate::app::App;
use crate::core::case::TemplateId;
use crate::mail::outgoing::{self, Envelope};
use crate::store::{StoreError, StoredBytes, Tx};
use crate::work::effects::ApplyError;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// How many passes a unit of work takes at most: all but the last render
/// outside the transaction; the last renders inside it (see the module
/// documentation).
pub const ATTEMPTS: usize = 4;

/// Where a member of staff's handler token goes in template data: the
/// template is rendered once with this in the token's place for every staff
/// recipient of the same mail, and each recipient's own token is put in
/// afterwards (a token is hex digits, which neither text nor HTML escapes).
/// Random per process, so no one can write it into a message in advance.
pub fn token_slot() -> &'static str {
    static SLOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SLOT.get_or_init(|| format!("tokenslot{:032x}", rand::random::<u128>()))
}

/// One outgoing mail to render.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The template and its data in each language it is written in (more
    /// than one: a bilingual mail, in that order); `None` when the envelope
    /// already holds the finished subject, text and HTML (notices built as
    /// plain text).
    pub template: Option<(TemplateId, Vec<(String, Value)>)>,
    /// The handler token of a mail to a member of staff: the data holds
    /// [`token_slot`] in its place.
    pub token: Option<String>,
    /// Everything else in the message. With a template, its subject, text
    /// and HTML are filled in from the rendering.
    pub envelope: Envelope,
}

type Key = [u8; 32];

impl Draft {
    /// Everything rendering reads, hashed: equal keys render to equal bytes.
    fn key(&self) -> Key {
        fn field(h: &mut Sha256, bytes: &[u8]) {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        }
        let mut h = Sha256::new();
        match &self.template {
            Some((id, parts)) => {
                field(&mut h, id.name().as_bytes());
                for (lang, data) in parts {
                    field(&mut h, lang.as_bytes());
                    // serde_json writes a map in one order for one insertion order.
                    field(&mut h, data.to_string().as_bytes());
                }
            }
            None => field(&mut h, b""),
        }
        field(&mut h, self.token.as_deref().unwrap_or("").as_bytes());
        let e = &self.envelope;
        for s in [
            &e.from_name,
            &e.from_address,
            &e.reply_to,
            &e.to,
            &e.subject,
            &e.text,
            &e.html,
            &e.message_id,
        ] {
            field(&mut h, s.as_bytes());
        }
        field(&mut h, e.in_reply_to.as_deref().unwrap_or("\0").as_bytes());
        field(&mut h, e.auto_submitted.unwrap_or("\0").as_bytes());
        field(&mut h, e.date.to_rfc3339().as_bytes());
        for i in &e.inline {
            field(&mut h, i.content_id.as_bytes());
            field(&mut h, i.content_type.as_bytes());
            field(&mut h, &i.bytes);
        }
        h.finalize().into()
    }

    /// Render and build the message (no database involved). A template is
    /// rendered once per unit of work for all the recipients it is the same
    /// for (`rendered` keeps it): staff differ only by their token.
    fn render(&self, app: &App, rendered: &mut Rendered) -> Result<Vec<u8>, ApplyError> {
        let mut env = self.envelope.clone();
        if let Some((id, parts)) = &self.template {
            let mut h = Sha256::new();
            h.update(id.name().as_bytes());
            for (lang, data) in parts {
                h.update([0]);
                h.update(lang.as_bytes());
                h.update([0]);
                h.update(data.to_string().as_bytes());
            }
            let key: Key = h.finalize().into();
            let r = match rendered.get(&key) {
                Some(r) => r,
                None => {
                    let r = app.templates.render_languages(*id, parts)?;
                    rendered.entry(key).or_insert(r)
                }
            };
            let fill = |s: &str| match &self.token {
                Some(token) => s.replace(token_slot(), token),
                None => s.to_string(),
            };
            env.subject = fill(&r.subject);
            env.text = fill(&r.text);
            env.html = fill(&r.html);
        }
        Ok(outgoing::build(&env)?)
    }
}

/// Templates rendered in a unit of work, by template and data.
type Rendered = HashMap<Key, crate::config::templates::Rendered>;

/// The mail of one unit of work: what is rendered, and what a pass asked
/// for that is not.
#[derive(Default)]
pub struct Drafts {
    /// Finished mail in the form the outbox stores it: compressed when
    /// rendered, outside the transaction (and on both cores in a batch).
    ready: HashMap<Key, StoredBytes>,
    missing: Vec<(Key, Draft)>,
    rendered: Rendered,
    passes: usize,
}

impl Drafts {
    /// The finished bytes of `draft` if it has been rendered; otherwise it is
    /// noted for rendering and empty bytes stand in (this pass will be
    /// rolled back), except in the last pass, which renders it now.
    pub fn message(&mut self, app: &App, draft: Draft) -> Result<StoredBytes, ApplyError> {
        let key = draft.key();
        if let Some(stored) = self.ready.get(&key) {
            return Ok(stored.clone());
        }
        if self.passes >= ATTEMPTS {
            let stored = StoredBytes::of(&draft.render(app, &mut self.rendered)?);
            self.ready.insert(key, stored.clone());
            return Ok(stored);
        }
        if !self.missing.iter().any(|(k, _)| *k == key) {
            self.missing.push((key, draft));
        }
        Ok(StoredBytes::of(&[]))
    }

    /// Whether every mail asked for in this pass was ready: the pass may commit.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// Render what the last pass was missing. Call with no transaction open.
    pub fn render_missing(&mut self, app: &App) -> Result<(), ApplyError> {
        for (key, draft) in std::mem::take(&mut self.missing) {
            let raw = draft.render(app, &mut self.rendered)?;
            self.ready.insert(key, StoredBytes::of(&raw));
        }
        Ok(())
    }
}

impl Drafts {
    /// Start a pass of a unit of work: its write transaction. A unit of work
    /// runs as
    ///
    /// ```ignore
    /// let mut drafts = Drafts::default();
    /// let value = loop {
    ///     let mut tx = drafts.begin(app).await?;
    ///     let out = async { /* reads, writes, drafts.message(…) */ }.await;
    ///     if let Some(v) = drafts.end(app, tx, out).await? {
    ///         break v;
    ///     }
    /// };
    /// ```
    ///
    /// A pass may run more than once (at most [`ATTEMPTS`] times), so it
    /// must not act outside the database.
    pub async fn begin(&mut self, app: &App) -> Result<Tx, ApplyError> {
        self.start_pass();
        Ok(app.store.begin().await?)
    }

    /// Start a pass in a transaction the caller holds (a batch's, in a
    /// savepoint: `crate::work::batch`), without opening one.
    pub fn start_pass(&mut self) {
        self.passes += 1;
        self.missing.clear();
        // Templates are shared between the recipients of one pass's mail;
        // a pass that follows another writer's commit renders afresh.
        self.rendered.clear();
    }

    /// End a pass with its outcome: commit when it succeeded with all its
    /// mail ready (`Some`), roll back and render what it missed, outside the
    /// transaction, when it did not (`None`: run the pass again), and roll
    /// back on an error.
    pub async fn end<T, E>(&mut self, app: &App, tx: Tx, out: Result<T, E>) -> Result<Option<T>, E>
    where
        E: From<ApplyError>,
    {
        let db = |e: sqlx::Error| E::from(ApplyError::Store(StoreError::Db(e)));
        match out {
            Ok(v) if self.complete() => {
                tx.commit().await.map_err(db)?;
                Ok(Some(v))
            }
            Ok(_) => {
                tx.rollback().await.map_err(db)?;
                self.render_missing(app)?;
                Ok(None)
            }
            Err(e) => {
                tx.rollback().await.map_err(db)?;
                Err(e)
            }
        }
    }
}
