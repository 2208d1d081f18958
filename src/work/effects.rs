//! Applying a state-machine transition inside a transaction: the case row,
//! audit entries, deadlines and chase points, and finished outgoing mail.
//! Shared by ingest and the scheduler so both write exactly the same way.

use crate::app::App;
use crate::config::template_data::{
    CaseFacts, CaseMail, Contact, Languages, Links, Org, Person, Procedure, Vars,
};
use crate::config::templates::TemplateError;
use crate::config::WORKING_LANGUAGE;
use crate::core::case::{self, Case, Effect, OutMail, Recipient, TemplateId, Transition};
use crate::core::locale;
use crate::core::reference::CaseRef;
use crate::mail::outgoing::{self, Envelope, InlineImage};
use crate::store::Conn;
use crate::store::{NewOutbox, Store, StoreError, StoredBytes};
use crate::work::drafts::{Draft, Drafts};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Why a transition could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The database failed: the transaction is rolled back and retried later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed to render: the message is quarantined with this reason.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A message could not be built (e.g. an unusable address).
    #[error(transparent)]
    Build(#[from] outgoing::BuildError),
    /// Processing the message took longer than `[limits] processing_budget_ms`:
    /// it is quarantined with this reason, unanswered.
    #[error("{0}")]
    OverBudget(String),
}

/// `t` as local date and time, written out in `lang`.
fn local(app: &App, lang: &str, t: DateTime<Utc>) -> String {
    locale::long_date_time(lang, app.calendar.to_local(t))
}

/// The languages a mail to someone whose language is `preference` is
/// written in, in order: theirs when the organisation corresponds in it;
/// else, unknown, every language of the organisation (bilingual, the first
/// first); an organisation of one language writes in that one.
pub(crate) fn languages_for(app: &App, preference: Option<&str>) -> Vec<String> {
    let langs = app.loaded.config.organisation.languages();
    match preference {
        Some(p) if langs.iter().any(|l| l == p) => vec![p.to_string()],
        _ if langs.len() > 1 => langs,
        _ => langs.into_iter().take(1).collect(),
    }
}

/// The mail's variables as the state machine decided them, with its dates
/// and spans written out in `lang`.
fn localised_vars(app: &App, m: &OutMail, lang: &str) -> Vars {
    let v = &m.vars;
    Vars {
        decided: (*m.vars).clone(),
        held: None,
        escalation_window: v.escalation_window.map(|w| locale::span(lang, w)),
        new_date: v.new_date.map(|d| locale::long_date(lang, d)),
        confirm_by: v.confirm_by.map(|t| local(app, lang, t)),
    }
    .with_record_words(lang)
}

impl Vars {
    /// A stage's outcome, a refusal's ground, a span the state machine wrote
    /// as words ("30 calendar days") and the built-in regulator's name as a
    /// letter in `lang` words them (the state machine gives English).
    fn with_record_words(mut self, lang: &str) -> Vars {
        use crate::core::calendar::Span;
        use crate::core::case::records::{Outcome, RefusalGround};
        use strum::IntoEnumIterator;
        let d = &mut self.decided;
        if let Some(o) = Outcome::iter().find(|o| d.outcome.as_deref() == Some(&o.words())) {
            d.outcome = Some(locale::outcome_words(lang, o));
        }
        if let Some(g) = RefusalGround::iter().find(|g| d.ground.as_deref() == Some(g.words())) {
            d.ground = Some(locale::refusal_ground_words(lang, g).to_string());
        }
        if let Some(span) = d.within.as_deref().and_then(|w| w.parse::<Span>().ok()) {
            d.within = Some(locale::span(lang, span));
        }
        if let Some(r) = d.regulator.as_mut() {
            if let Some(rest) = r.strip_prefix(crate::core::policy::ICO_NAME) {
                *r = format!("{}{rest}", locale::regulator_name(lang));
            }
        }
        self
    }
}

/// A member of staff's name, else the address itself.
pub(crate) fn person_name(app: &App, address: &str) -> String {
    app.directory
        .by_email(address)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| address.to_string())
}

/// `text` cut to at most `max` characters (at a line end when one is near),
/// with a note of what was left out. Linear in the length of `text`.
pub fn cap_text(text: &str, max: usize, reference: &str) -> String {
    let Some((cut, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    // Prefer ending on a whole line, unless that would lose much.
    let head = &text[..cut];
    let head = match head.rfind('\n') {
        Some(i) if i >= cut / 2 => &head[..i],
        _ => head,
    };
    let left = text[head.len()..].chars().count();
    format!(
        "{head}\n\n[... {left} more characters are not quoted here; the full text is in the case record ({reference}).]"
    )
}

/// The text a mail quotes: what a complainant wrote can be megabytes, so
/// staff (who can read the case record) get at most `[limits]
/// max_quoted_chars` of it. Mail to people outside is not cut: they have no
/// record to read, and what goes to them is what staff wrote.
fn quoted(app: &App, c: &Case, staff: bool, text: &str) -> String {
    if staff {
        cap_text(
            text,
            app.loaded.config.limits.max_quoted_chars,
            &c.reference.to_string(),
        )
    } else {
        text.to_string()
    }
}

/// `s` percent-encoded for a `mailto:` subject or body (RFC 6068: UTF-8,
/// everything but the unreserved characters encoded; line breaks as CRLF).
fn mailto_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.replace("\r\n", "\n").replace('\n', "\r\n").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The one-click links of a mail to a member of staff whose token is
/// `token` (`core::handler_intent`). The address carries the token and the
/// intent (a literal `+`, as RFC 6068 allows, so that token redaction finds
/// it); the subject names the case without the token.
fn links(app: &App, c: &Case, m: &OutMail, token: &str, stage: &str, name: &str) -> Links {
    use crate::core::handler_intent::{Action, Intent, HINT_MARK};
    let reply = &app.loaded.config.organisation.reply_address;
    let link = |intent: Intent, subject: String, hint: String| {
        let to = crate::core::threading::make_intent_address(reply, &c.reference, token, intent);
        format!(
            "mailto:{to}?subject={}&body={}",
            mailto_encode(&format!("[{}] {subject}", c.reference)),
            mailto_encode(&format!("\n\n{hint}"))
        )
    };
    let fresh = |a: Action| Intent {
        action: Some(a),
        draft: None,
    };
    let stage = if stage.is_empty() { "stage" } else { stage };
    let mut l = Links {
        respond: link(
            fresh(Action::Respond),
            format!("{stage} response to {name}"),
            format!("{HINT_MARK}: it goes to {name} as the {stage} written response, as you write it (the next stage's contact is added)."),
        ),
        ask: link(
            fresh(Action::Ask),
            format!("Question to {name}"),
            format!("{HINT_MARK}: your question goes to {name}; it is not the {stage} response."),
        ),
        write: link(
            fresh(Action::Write),
            format!("Message to {name}"),
            format!("{HINT_MARK}: your message goes to {name}; it is not the {stage} response."),
        ),
        note: link(
            fresh(Action::Note),
            "Internal note".into(),
            format!("{HINT_MARK}: an internal note on the case; nothing leaves the organisation."),
        ),
        question_pauses: app.loaded.policy.conversation.question_pauses_clock,
        draft_days: case::DRAFT_LIFETIME_DAYS,
        ..Links::default()
    };
    // The Send link only where a formal response is due: elsewhere it
    // would only be refused.
    let due = c.state == case::State::Open
        && matches!(
            c.kind,
            crate::core::kind::Kind::Complaint | crate::core::kind::Kind::Other
        );
    if !due {
        l.respond.clear();
    }
    if let Some(n) = m.vars.draft {
        let of = |a: Action| Intent {
            action: Some(a),
            draft: Some(n),
        };
        let just_send =
            format!("just press Send: draft {n} goes as it is (what you write here is not sent).");
        l.draft_respond = link(
            of(Action::Respond),
            format!("SEND draft {n} as the {stage} response"),
            just_send.clone(),
        );
        l.draft_ask = link(
            of(Action::Ask),
            format!("ASK: send draft {n} to {name} as a question"),
            just_send.clone(),
        );
        l.draft_write = link(
            of(Action::Write),
            format!("WRITE: send draft {n} to {name} as a message"),
            just_send,
        );
    }
    l
}

/// Who a mail is for, as its template data needs it.
struct Reader<'a> {
    /// The handler token of this mail, which members of staff (and only
    /// they) have.
    token: Option<&'a str>,
    /// The language the mail is written in.
    lang: &'a str,
    /// The complainant's language, when known.
    complainant_lang: Option<&'a str>,
}

/// The template data for one mail to one reader.
fn data(app: &App, c: &Case, m: &OutMail, reader: &Reader<'_>, context_text: &str) -> CaseMail {
    let Reader {
        token,
        lang,
        complainant_lang,
    } = *reader;
    let staff = token.is_some();
    let cfg = &app.loaded.config;
    let policy = &app.loaded.policy;
    let stage = policy.stage(c.stage);
    let due = c
        .deadlines
        .iter()
        .find(|d| d.kind == case::DeadlineKind::Respond)
        .map(|d| local(app, lang, d.due))
        .unwrap_or_default();
    let handler = c.handler.clone().unwrap_or_default();
    let complainant_name = c
        .complainant
        .name
        .as_deref()
        .map(crate::core::text::display_name)
        .filter(|n| !n.is_empty());
    let stage_name = stage
        .map(|s| s.name_in(lang).to_string())
        .unwrap_or_default();
    let links = match token {
        Some(t) => links(
            app,
            c,
            m,
            t,
            &stage_name,
            complainant_name.as_deref().unwrap_or("the complainant"),
        ),
        None => Links::default(),
    };
    let mut vars = localised_vars(app, m, lang);
    // A stage's name in the mail's language (other names of `stage` are
    // staff mail's).
    if let Some(s) = policy
        .stages
        .iter()
        .find(|s| Some(&s.name) == vars.decided.stage.as_ref())
    {
        vars.decided.stage = Some(s.name_in(lang).to_string());
    }
    let languages = cfg.organisation.languages();
    CaseMail {
        org: Org::of(&cfg.organisation),
        procedure: Procedure {
            name: policy.procedure.name_in(lang).to_string(),
        },
        case: CaseFacts {
            reference: c.reference.to_string(),
            kind: locale::kind_name(lang, c.kind),
            state: c.state.as_str().to_string(),
            stage_name,
            due,
            opened: local(app, lang, c.opened_at),
            flags: c
                .flags
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            language: if languages.len() > 1 || languages.iter().any(|l| l != WORKING_LANGUAGE) {
                complainant_lang
                    .map(|l| locale::language_name(WORKING_LANGUAGE, l))
                    .unwrap_or_default()
            } else {
                String::new()
            },
            bilingual: languages.len() > 1
                && !complainant_lang.is_some_and(|l| languages.iter().any(|k| k == l)),
        },
        complainant: Person {
            // From the From field: whatever its sender put there.
            name: complainant_name.unwrap_or_else(|| locale::unknown_addressee(lang).into()),
            address: c.complainant.address.clone(),
        },
        handler: Person {
            name: if handler.is_empty() {
                locale::complaints_team(lang).to_string()
            } else {
                person_name(app, &handler)
            },
            address: handler,
        },
        token: token.unwrap_or_default().to_string(),
        text: quoted(app, c, staff, m.text.as_deref().unwrap_or(context_text)),
        contacts: m
            .contacts
            .iter()
            .map(|k| Contact {
                name: k.name.clone(),
                email: k.email.clone().unwrap_or_default(),
                phone: k.phone.clone().unwrap_or_default(),
                address: k.address.clone().unwrap_or_default(),
                url: k.url.clone().unwrap_or_default(),
            })
            .collect(),
        vars,
        links,
        languages: Languages {
            welsh_welcome: languages.iter().any(|l| l == "cy"),
            several: languages.len() > 1,
            codes: languages.join(", "),
        },
    }
}

/// `data` as the draft holds it: a recipient outside the organisation gets
/// it without tokens.
fn draft_data(template: TemplateId, data: &CaseMail, staff: bool) -> Result<Value, ApplyError> {
    let mut v = serde_json::to_value(data).map_err(|e| TemplateError {
        name: template.name().to_string(),
        source_file: "template data".to_string(),
        message: e.to_string(),
    })?;
    if !staff {
        // A handler's words relayed to someone outside may quote the
        // notification (its subject tag, its reply address): no token may
        // leave the organisation.
        redact_values(&mut v);
    }
    Ok(v)
}

fn redact_values(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(r) = crate::core::token::redact_tokens(s) {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_values),
        Value::Object(o) => o.values_mut().for_each(redact_values),
        _ => {}
    }
}

/// Resolve recipients to addresses: no machines, not our own mailboxes, no duplicates.
pub fn resolve(app: &App, c: &Case, to: &[Recipient]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |a: &str| {
        let a = a.trim().to_ascii_lowercase();
        if !a.is_empty()
            && !case::is_machine_address(&a)
            && !app.is_own_address(&a)
            && !out.contains(&a)
        {
            out.push(a);
        }
    };
    for r in to {
        match r {
            Recipient::Complainant => push(&c.complainant.address),
            Recipient::Handler => {
                if let Some(h) = &c.handler {
                    push(h)
                }
            }
            Recipient::Role(role) => {
                for p in app.directory.in_role(role) {
                    push(&p.email);
                }
            }
            Recipient::Address(a) => push(a),
        }
    }
    out
}

/// What a transition writes besides the case, gathered so that audit
/// entries and outgoing mail each go to the database in one statement.
#[derive(Default)]
pub struct Batch {
    audits: Vec<case::Audit>,
    mails: Vec<QueuedMail>,
    /// Mail to outside recipients a flood cap held back in this transition
    /// ("acknowledgement to jo@…"), shown to staff in their notification.
    held_outside: Vec<String>,
    nonce: i64,
}

struct QueuedMail {
    message_id: String,
    template: &'static str,
    recipient: String,
    automatic: bool,
    raw: StoredBytes,
}

impl Batch {
    /// Write everything gathered.
    async fn write(
        self,
        tx: &mut Conn,
        reference: &CaseRef,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Store::append_audits(tx, Some(reference), now, &self.audits).await?;
        let rows: Vec<NewOutbox<'_>> = self
            .mails
            .iter()
            .map(|m| NewOutbox {
                case_ref: Some(reference),
                message_id: &m.message_id,
                template: m.template,
                recipient: &m.recipient,
                automatic: m.automatic,
                raw: &m.raw,
                created_at: now,
            })
            .collect();
        Store::enqueue_many(tx, &rows).await
    }
}

/// One mail for each recipient into the batch (rendered by `drafts`),
/// honouring the flood caps (`crate::work::caps`). `cause` is the outside
/// sender whose message caused the transition, if any. Returns how many
/// were queued and how many held.
#[allow(clippy::too_many_arguments)]
async fn queue_mail(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    batch: &mut Batch,
    c: &Case,
    m: &OutMail,
    context_text: &str,
    cause: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(usize, usize), ApplyError> {
    let (mut queued, mut held) = (0, 0);
    let complainant_lang = Store::contact_language(tx, &c.complainant.address).await?;
    for recipient in resolve(app, c, &m.to) {
        let staff = app.directory.by_email(&recipient).is_some();
        let automatic = !staff;
        let out = crate::core::caps::Outgoing {
            recipient: &recipient,
            staff,
            relayed: m.template.is_relayed(),
            case: &c.reference,
            cause,
        };
        if let crate::work::caps::Admit::Held(audit) =
            crate::work::caps::admit(app, tx, drafts, &out, m.template.name(), now).await?
        {
            batch.audits.push(audit);
            if !staff {
                batch
                    .held_outside
                    .push(format!("{} to {recipient}", m.template.name()));
            }
            held += 1;
            continue;
        }
        batch.nonce += 1;
        // A member of staff's token is bound to this very mail: its number
        // (as in the Message-ID) and its time.
        let notice = u64::try_from(batch.nonce).unwrap_or_default();
        let token = staff.then(|| {
            app.secret
                .handler_token(&c.reference, &recipient, notice, now)
        });
        // Rendered with the token's slot: once for every member of staff.
        let slot = token.as_ref().map(|_| crate::work::drafts::token_slot());
        // Staff mail is in the working language; someone outside gets
        // theirs, or every language of the organisation while it is unknown.
        let langs = if staff || !m.template.is_complainant_facing() {
            vec![WORKING_LANGUAGE.to_string()]
        } else if recipient == c.complainant.address {
            languages_for(app, complainant_lang.as_deref())
        } else {
            let theirs = Store::contact_language(tx, &recipient).await?;
            languages_for(app, theirs.as_deref())
        };
        let mut parts = Vec::with_capacity(langs.len());
        for lang in langs {
            let reader = Reader {
                token: slot,
                lang: &lang,
                complainant_lang: complainant_lang.as_deref(),
            };
            let mut d = data(app, c, m, &reader, context_text);
            if staff && !batch.held_outside.is_empty() {
                d.vars.held = Some(batch.held_outside.join(", "));
            }
            let d = draft_data(m.template, &d, staff)?;
            parts.push((lang, d));
        }
        let message_id = app.secret.message_id(
            &c.reference,
            m.template.name(),
            &batch.nonce.to_string(),
            app.mail_domain(),
        );
        let reply_to = match (&token, m.vars.draft) {
            // A plain reply to a draft's confirmation (SEND, ASK, WRITE) acts
            // on that draft only.
            (Some(t), Some(n)) => crate::core::threading::make_intent_address(
                &app.loaded.config.organisation.reply_address,
                &c.reference,
                t,
                crate::core::handler_intent::Intent {
                    action: None,
                    draft: Some(n),
                },
            ),
            _ => crate::core::threading::make_plus_address(
                &app.loaded.config.organisation.reply_address,
                &c.reference,
                token.as_deref(),
            ),
        };
        let to_complainant = recipient == c.complainant.address;
        let env = Envelope {
            from_name: app.loaded.config.organisation.name.clone(),
            from_address: app.loaded.config.organisation.reply_address.clone(),
            reply_to,
            to: recipient.clone(),
            // Filled in from the template when the draft is rendered.
            subject: String::new(),
            text: String::new(),
            html: String::new(),
            message_id: message_id.clone(),
            in_reply_to: if to_complainant {
                m.in_reply_to.clone()
            } else {
                None
            },
            auto_submitted: if m.template.is_relayed() {
                None
            } else if to_complainant && m.template.is_auto_reply() {
                Some("auto-replied")
            } else {
                Some("auto-generated")
            },
            date: now,
            inline: Vec::new(),
        };
        let raw = drafts.message(
            app,
            Draft {
                template: Some((m.template, parts)),
                token,
                envelope: env,
            },
        )?;
        batch.mails.push(QueuedMail {
            message_id,
            template: m.template.name(),
            recipient,
            automatic,
            raw,
        });
        queued += 1;
    }
    Ok((queued, held))
}

/// Apply a transition: save the case, then every effect in order. Audit
/// entries and mail are written at the end, in order, in one statement each.
/// Mail comes from `drafts`: run this inside a unit of work ([`Drafts::begin`]).
pub async fn apply(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    tr: &Transition,
    context_text: &str,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    apply_caused(app, tx, drafts, tr, context_text, None, now).await
}

/// [`apply`] for a transition an inbound message caused: `cause` is its
/// sender when that is someone outside (or someone claiming to be staff
/// without proof), so that the flood caps on staff notifications count it.
pub async fn apply_caused(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    tr: &Transition,
    context_text: &str,
    cause: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let c = &tr.case;
    let reference = &c.reference;
    Store::save_case(tx, c, now).await?;
    let mut batch = Batch::default();
    if tr.effects.iter().any(|e| matches!(e, Effect::Send(_))) {
        // Message-ID numbers: one query per transition, counted up per mail.
        batch.nonce = Store::outbox_count(tx).await?;
    }
    for e in &tr.effects {
        match e {
            Effect::Audit(a) => batch.audits.push(a.clone()),
            Effect::SetDeadline(d) => {
                Store::set_deadline(tx, reference, d).await?;
                // Only deadlines someone must act on are chased.
                let chased = !d.breached && d.kind.someone_must_act();
                let chases = if chased {
                    case::chase_times(d.due, d.start.max(now), &app.loaded.policy, &app.calendar)
                } else {
                    Vec::new()
                };
                Store::set_chases(tx, reference, d.kind, &chases).await?;
            }
            Effect::ClearDeadline(k) => Store::clear_deadline(tx, reference, *k).await?,
            Effect::Met(d) => {
                Store::record_met(tx, reference, d, now).await?;
                Store::clear_deadline(tx, reference, d.kind).await?;
            }
            Effect::SetLanguage { address, language } => {
                Store::set_contact_language(
                    tx,
                    address,
                    language,
                    crate::store::LanguageSource::Handler,
                    None,
                    now,
                )
                .await?;
            }
            Effect::Send(m) => {
                let (queued, held) =
                    queue_mail(app, tx, drafts, &mut batch, c, m, context_text, cause, now).await?;
                if queued + held == 0 && m.template != TemplateId::DailyDigest {
                    batch.audits.push(case::Audit {
                        actor: case::Actor::System,
                        action: "not sent".into(),
                        detail: format!("{}: no deliverable recipient", m.template.name()),
                        message_id: None,
                    });
                }
            }
        }
    }
    batch.write(tx, reference, now).await?;
    Ok(())
}

/// A notice to a member of staff that belongs to no case (the digest,
/// operator alerts): given a Message-ID `{kind}.{stamp}.{n}@domain`, built
/// by `drafts` and queued inside `tx`.
#[allow(clippy::too_many_arguments)]
pub async fn queue_notice(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    kind: &str,
    template: &str,
    to: &str,
    from_name: &str,
    content: (&str, &str, &str),
    inline: &[InlineImage],
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let (subject, text, html) = content;
    let nonce = Store::outbox_count(tx).await? + 1;
    let stamp = app.calendar.to_local(now).format("%Y%m%d").to_string();
    let message_id = format!("{kind}.{stamp}.{nonce}@{}", app.mail_domain());
    let org = &app.loaded.config.organisation;
    let env = Envelope {
        from_name: from_name.to_string(),
        from_address: org.reply_address.clone(),
        reply_to: org.reply_address.clone(),
        to: to.to_string(),
        subject: subject.to_string(),
        text: text.to_string(),
        html: html.to_string(),
        message_id: message_id.clone(),
        in_reply_to: None,
        auto_submitted: Some("auto-generated"),
        date: now,
        inline: inline.to_vec(),
    };
    let raw = drafts.message(
        app,
        Draft {
            template: None,
            token: None,
            envelope: env,
        },
    )?;
    Store::enqueue(
        tx,
        &NewOutbox {
            case_ref: None,
            message_id: &message_id,
            template,
            recipient: to,
            automatic: false,
            raw: &raw,
            created_at: now,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cap_text;
    use crate::config::template_data::Vars;

    #[test]
    fn a_welsh_letter_words_the_span_and_the_regulator_in_welsh() {
        let vars = |lang: &str| {
            Vars {
                decided: crate::core::case::Vars {
                    within: Some("30 calendar days".into()),
                    regulator: Some(format!("{}, 0303 123 1113", crate::core::policy::ICO_NAME)),
                    ..Default::default()
                },
                held: None,
                escalation_window: None,
                new_date: None,
                confirm_by: None,
            }
            .with_record_words(lang)
            .decided
        };
        let cy = vars("cy");
        assert_eq!(cy.within.as_deref(), Some("30 diwrnod calendr"));
        assert_eq!(
            cy.regulator.as_deref(),
            Some("Swyddfa'r Comisiynydd Gwybodaeth (ICO), 0303 123 1113")
        );
        let en = vars("en");
        assert_eq!(en.within.as_deref(), Some("30 calendar days"));
        assert!(en
            .regulator
            .is_some_and(|r| r.starts_with("the Information")));
    }

    #[test]
    fn short_text_is_quoted_whole() {
        assert_eq!(cap_text("short\ntext", 100, "R-1"), "short\ntext");
        assert_eq!(cap_text("exactly", 7, "R-1"), "exactly");
    }

    #[test]
    fn long_text_is_cut_at_a_line_with_a_note() {
        let text = "line\n".repeat(100);
        let cut = cap_text(&text, 52, "CMP-2026-0001");
        assert!(cut.starts_with(&"line\n".repeat(9)), "{cut}");
        assert!(!cut.starts_with(&"line\n".repeat(11)), "{cut}");
        assert!(
            cut.ends_with("[... 451 more characters are not quoted here; the full text is in the case record (CMP-2026-0001).]"),
            "{cut}"
        );
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let text = "\u{e9}".repeat(50);
        let cut = cap_text(&text, 10, "R");
        assert!(cut.starts_with(&"\u{e9}".repeat(10)));
        assert!(cut.contains("40 more characters"), "{cut}");
    }
}
