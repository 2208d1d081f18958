//! Retention, erasure and subject access at the edge (issue 16 item 10):
//! the daily anonymisation step (run by the scheduler with the digest, and
//! by `complaintd retention`), `complaintd erase EMAIL` and `complaintd
//! subject-access EMAIL --out DIR`. What is due and what anonymising keeps
//! is decided in `core::retention`; the bytes are removed in
//! `store::retention`.

use crate::app::App;
use crate::core::case::{Actor, Audit, Case};
use crate::core::redact::redact_message;
use crate::core::reference::CaseRef;
use crate::core::retention::{self, kept_because};
use crate::core::text::one_line;
use crate::core::token::redact_tokens;
use crate::private_fs;
use crate::store::{Store, StoreError};
use crate::work::export::{self, ExportError};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One case the retention step looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Looked {
    /// The case.
    pub reference: CaseRef,
    /// When it closed.
    pub closed_at: DateTime<Utc>,
    /// Its retention date.
    pub retain_until: Option<DateTime<Utc>>,
    /// Why it is kept, if it is (a legal hold).
    pub kept: Option<String>,
}

/// What one retention pass did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Cases past their retention date, anonymised or kept.
    pub cases: Vec<Looked>,
}

impl RetentionReport {
    /// How many were (or would be) anonymised.
    pub fn anonymised(&self) -> usize {
        self.cases.iter().filter(|c| c.kept.is_none()).count()
    }
}

/// The case's retention in words, for `cases show` and the case record:
/// its date, that it was anonymised, or that it runs from closing.
pub fn retention_words(app: &App, c: &Case) -> String {
    let period = app.loaded.policy.retention.period;
    let day = |t: DateTime<Utc>| app.calendar.to_local(t).format("%Y-%m-%d").to_string();
    match (c.anonymised_at, retention::retain_until(c, period)) {
        (Some(t), _) => format!("anonymised on {}", day(t)),
        (None, Some(t)) => format!(
            "until {} ({period} after closing){}",
            day(t),
            if c.hold.is_some() {
                "; kept while on legal hold"
            } else {
                ""
            }
        ),
        (None, None) => format!("{period} after the case closes"),
    }
}

/// The people on a case before it is anonymised: their addresses go from
/// its outgoing mail as well.
fn parties(c: &Case) -> Vec<String> {
    let mut p: BTreeSet<String> = c.contacts.iter().cloned().collect();
    p.extend(c.consent_asked.iter().cloned());
    p.insert(c.complainant.address.clone());
    p.into_iter().collect()
}

/// Anonymise one case in its own transaction, with an audit line saying
/// so (its detail names no one). The case is read again inside that
/// transaction: a `#hold`, a reopening or a remedy recorded since the
/// caller listed it keeps it, and then nothing is done (`Err` with the
/// reason it is kept).
pub async fn anonymise_unless_kept(
    app: &App,
    reference: &CaseRef,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Result<crate::store::Removed, String>, StoreError> {
    let mut tx = app.store.begin().await?;
    let Some(c) = Store::load_case(&mut tx, reference).await? else {
        return Ok(Err("no such case".into()));
    };
    if let Some(kept) = kept_because(&c) {
        return Ok(Err(kept));
    }
    let removed =
        Store::anonymise_case(&mut tx, &retention::anonymise(&c, now), &parties(&c)).await?;
    Store::append_audit(
        &mut tx,
        Some(&c.reference),
        now,
        &Audit {
            actor: Actor::System,
            action: "anonymised".into(),
            detail: format!(
                "{why}: names, addresses and message text removed ({} message(s), {} sent mail(s), {} audit detail(s))",
                removed.messages, removed.sent, removed.audit
            ),
            message_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(removed))
}

/// The retention step at `now`: every closed case whose retention date has
/// come is anonymised unless it is on legal hold; `dry_run` only lists.
pub async fn run(
    app: &App,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<RetentionReport, StoreError> {
    let period = app.loaded.policy.retention.period;
    let mut report = RetentionReport::default();
    for c in app.store.retention_candidates(period.cutoff(now)).await? {
        let Some(closed_at) = c.closed_at else {
            continue;
        };
        let mut kept = kept_because(&c);
        if kept.is_none() && !dry_run {
            kept = anonymise_unless_kept(
                app,
                &c.reference,
                &format!("retention period ({period} after closing) ended"),
                now,
            )
            .await?
            .err();
        }
        report.cases.push(Looked {
            reference: c.reference.clone(),
            closed_at,
            retain_until: retention::retain_until(&c, period),
            kept,
        });
    }
    if report.anonymised() > 0 && !dry_run {
        app.store.checkpoint().await?;
    }
    Ok(report)
}

/// Why a hold could not be placed or lifted.
#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    /// No such case.
    #[error("no case {0}")]
    NotFound(String),
    /// The case refused it (already held, not held, anonymised).
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Place (`Some(reason)`) or lift (`None`) a legal hold from the command
/// line (`complaintd cases hold|release`), recorded in the case's audit
/// under `by`. The same rules as `#hold` / `#release` (core::retention).
pub async fn set_hold(
    app: &App,
    reference: &CaseRef,
    reason: Option<String>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), HoldError> {
    let mut tx = app.store.begin().await?;
    let mut c = Store::load_case(&mut tx, reference)
        .await?
        .ok_or_else(|| HoldError::NotFound(reference.to_string()))?;
    let (action, detail) = match reason {
        Some(r) => ("legal hold", retention::place_hold(&mut c, r, by, now)),
        None => ("legal hold released", retention::release_hold(&mut c)),
    };
    let detail = detail.map_err(HoldError::Refused)?;
    Store::save_case(&mut tx, &c, now).await?;
    Store::append_audit(
        &mut tx,
        Some(reference),
        now,
        &Audit {
            actor: Actor::Staff(by.to_string()),
            action: action.into(),
            detail,
            message_id: None,
        },
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// What an erasure request did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EraseReport {
    /// The person's own cases anonymised.
    pub cases: Vec<CaseRef>,
    /// Their cases kept, and why (open, on legal hold).
    pub refused: Vec<(CaseRef, String)>,
    /// Their messages removed from other cases or from no case.
    pub messages: u64,
    /// Mails to them removed from other cases or from no case.
    pub sent: u64,
    /// Their messages kept because the case they are on is open or held.
    pub kept_messages: usize,
    /// Audit entries naming them on other closed cases (or none), redacted.
    pub audit: u64,
}

/// Erase what concerns `address` where the rule allows (README "Erasure"):
/// their own cases that are closed and not on hold are anonymised; their
/// messages, and mail to them, on no case or on someone else's closed,
/// unheld case lose their bytes; anything on an open or held case stays
/// (the case is still being handled, or the law needs it kept) and is
/// listed. One audit line records that an erasure happened, naming no one.
pub async fn erase(
    app: &App,
    address: &str,
    now: DateTime<Utc>,
) -> Result<EraseReport, StoreError> {
    let plan = plan_erasure(app, address, now).await?;
    carry_out(app, plan, now).await
}

/// An erasure whose first half is done: the person's own cases are
/// anonymised (each in its own transaction). What remains, removing their
/// messages, mail to them and audit details from other cases, is
/// [`carry_out`]'s, which reads and judges all of it in one transaction.
#[derive(Debug)]
pub struct ErasurePlan {
    address: String,
    report: EraseReport,
    /// Their own cases, anonymised (or already anonymised): nothing left.
    done: BTreeSet<CaseRef>,
}

/// The first half of [`erase`], not a dry run: it anonymises the person's
/// own cases for good, each in its own transaction.
pub async fn plan_erasure(
    app: &App,
    address: &str,
    now: DateTime<Utc>,
) -> Result<ErasurePlan, StoreError> {
    let address = address.trim().to_ascii_lowercase();
    let mut report = EraseReport::default();
    let mut done: BTreeSet<CaseRef> = BTreeSet::new();
    // Only their own cases (they complained) are anonymised whole; a case
    // where they are a contact or were asked for consent is someone else's,
    // and only their messages and mentions on it go (`carry_out`).
    let own = app
        .store
        .cases_of(&address)
        .await?
        .into_iter()
        .filter(|c| c.complainant.address == address);
    for c in own {
        match kept_because(&c) {
            Some(why) if c.anonymised_at.is_none() => {
                report.refused.push((c.reference.clone(), why))
            }
            Some(_) => {
                done.insert(c.reference.clone());
            }
            None => match anonymise_unless_kept(app, &c.reference, "erasure request", now).await? {
                Ok(_) => {
                    done.insert(c.reference.clone());
                    report.cases.push(c.reference.clone());
                }
                Err(why) => report.refused.push((c.reference.clone(), why)),
            },
        }
    }
    Ok(ErasurePlan {
        address,
        report,
        done,
    })
}

/// The second half of [`erase`]: in one transaction, list their messages,
/// mail to them and the cases whose audit names them, judge each case they
/// are on where it stands now (so a `#hold`, a reopening or a message
/// moved onto an open case since the first half counts), remove what may
/// go, and record that an erasure happened.
pub async fn carry_out(
    app: &App,
    plan: ErasurePlan,
    now: DateTime<Utc>,
) -> Result<EraseReport, StoreError> {
    let ErasurePlan {
        address,
        mut report,
        done,
    } = plan;
    let mut tx = app.store.begin().await?;
    let messages = Store::message_rows_from(&mut tx, &address).await?;
    let sent = Store::sent_rows_to(&mut tx, &address).await?;
    let named = Store::cases_naming(&mut tx, &address).await?;
    // May their words go from someone else's case? Yes from a closed case
    // not on hold; no from one still being handled or held. Their own
    // cases (`done`) are anonymised already: nothing is left there.
    let mut may: BTreeMap<CaseRef, bool> = BTreeMap::new();
    let cases = messages
        .iter()
        .chain(&sent)
        .filter_map(|(_, r)| r.as_ref())
        .chain(&named);
    for r in cases {
        if !done.contains(r) && !may.contains_key(r) {
            let ok = Store::load_case(&mut tx, r)
                .await?
                .is_some_and(|c| kept_because(&c).is_none());
            may.insert(r.clone(), ok);
        }
    }
    let still = |r: &Option<CaseRef>| r.as_ref().is_none_or(|r| may.get(r) == Some(&true));
    let (ids, kept): (Vec<_>, Vec<_>) = messages.into_iter().partition(|(_, r)| still(r));
    report.kept_messages += kept
        .iter()
        .filter(|(_, r)| !r.as_ref().is_some_and(|r| done.contains(r)))
        .count();
    let ids: Vec<i64> = ids.into_iter().map(|(id, _)| id).collect();
    let sent: Vec<i64> = sent
        .into_iter()
        .filter(|(_, r)| still(r))
        .map(|(id, _)| id)
        .collect();
    let others: Vec<CaseRef> = may
        .iter()
        .filter(|(_, ok)| **ok)
        .map(|(r, _)| r.clone())
        .collect();
    report.messages = Store::erase_messages(&mut tx, &ids).await?;
    report.sent = Store::erase_sent(&mut tx, &sent).await?;
    report.audit = Store::erase_audit_naming(&mut tx, &address, &others).await?;
    // Their remembered language goes too, unless a case kept for now (open
    // or on hold) still writes to them.
    if report.refused.is_empty() {
        Store::forget_contact_language(&mut tx, &address).await?;
    }
    Store::append_audit(
        &mut tx,
        None,
        now,
        &Audit {
            actor: Actor::System,
            action: "erasure".into(),
            detail: format!(
                "an erasure request was carried out: {} case(s) anonymised, {} message(s), {} sent mail(s) and {} audit detail(s) removed, {} case(s) kept (open or on legal hold)",
                report.cases.len(),
                report.messages,
                report.sent,
                report.audit,
                report.refused.len()
            ),
            message_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    app.store.checkpoint().await?;
    Ok(report)
}

/// Why a subject-access export failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A case could not be exported.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing failed.
    #[error("writing {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Export everything that concerns `address` into a new folder under `out`
/// (UK GDPR article 15): each case of theirs as `cases export` writes it;
/// their messages and mail to them on other cases or none; every audit entry
/// naming them; and `subject-access.txt` listing it all. Returns the folder.
/// Someone else's case is never exported whole: only what they wrote or
/// were sent, and the audit lines naming them.
pub async fn subject_access(
    app: &App,
    address: &str,
    out: &Path,
    now: DateTime<Utc>,
) -> Result<PathBuf, AccessError> {
    let address = address.trim().to_ascii_lowercase();
    let io = |p: &Path, e| AccessError::Io(p.to_path_buf(), e);
    let local = |t: DateTime<Utc>| {
        app.calendar
            .to_local(t)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let folder = out.join(format!(
        "subject-access {}",
        app.calendar.to_local(now).format("%d-%m-%Y %H%M")
    ));
    private_fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;
    let mut rec = String::new();
    let _ = writeln!(rec, "Subject-access export for {}", one_line(&address));
    let _ = writeln!(rec, "Organisation: {}", app.loaded.config.organisation.name);
    let _ = writeln!(rec, "Made: {}", local(now));
    let _ = writeln!(
        rec,
        "Review before sending: other people's personal data in these records may need to be withheld or redacted."
    );
    // Their own cases are exported whole; a case where they are a contact
    // or were asked for consent is someone else's: named here, and their
    // own messages on it are exported below.
    let (own, named): (Vec<_>, Vec<_>) = app
        .store
        .cases_of(&address)
        .await?
        .into_iter()
        .partition(|c| c.complainant.address == address);
    let _ = writeln!(rec, "\nCases about them ({})", own.len());
    let cases_dir = folder.join("cases");
    let mut mine: BTreeSet<CaseRef> = BTreeSet::new();
    for c in &own {
        private_fs::create_dir_all(&cases_dir).map_err(|e| io(&cases_dir, e))?;
        let f = export::export(app, &c.reference, &cases_dir).await?;
        mine.insert(c.reference.clone());
        let _ = writeln!(
            rec,
            "  {} {} {} opened {}{}: cases/{}",
            c.reference,
            c.kind,
            c.state.as_str(),
            local(c.opened_at),
            if c.anonymised_at.is_some() {
                " (anonymised)"
            } else {
                ""
            },
            f.file_name().and_then(|n| n.to_str()).unwrap_or("")
        );
    }
    if !named.is_empty() {
        let _ = writeln!(
            rec,
            "\nOther people's cases naming them as a contact or asked for consent ({}; not exported whole):",
            named.len()
        );
        for c in &named {
            let _ = writeln!(rec, "  {} {} {}", c.reference, c.kind, c.state.as_str());
        }
    }
    let other_dir = folder.join("other-messages");
    let mut other = Vec::new();
    for m in app.store.messages_from(&address).await? {
        if m.case_ref.as_ref().is_some_and(|r| mine.contains(r)) {
            continue;
        }
        private_fs::create_dir_all(&other_dir).map_err(|e| io(&other_dir, e))?;
        let f = other_dir.join(format!(
            "{:03}-received-{}.eml",
            other.len() + 1,
            app.calendar.to_local(m.received_at).format("%Y-%m-%d-%H%M")
        ));
        private_fs::write(&f, &redact_message(&m.raw)).map_err(|e| io(&f, e))?;
        other.push(format!(
            "  {}  received  {}  {}",
            local(m.received_at),
            m.case_ref
                .map(|r| r.to_string())
                .unwrap_or_else(|| "no case".into()),
            f.file_name().and_then(|n| n.to_str()).unwrap_or("")
        ));
    }
    for s in app.store.sent_to(&address).await? {
        if s.case_ref.as_ref().is_some_and(|r| mine.contains(r)) {
            continue;
        }
        private_fs::create_dir_all(&other_dir).map_err(|e| io(&other_dir, e))?;
        let f = other_dir.join(format!(
            "{:03}-sent-{}.eml",
            other.len() + 1,
            app.calendar.to_local(s.created_at).format("%Y-%m-%d-%H%M")
        ));
        private_fs::write(&f, &redact_message(&s.raw)).map_err(|e| io(&f, e))?;
        other.push(format!(
            "  {}  sent ({})  {}  {}",
            local(s.created_at),
            one_line(&s.template),
            s.case_ref
                .map(|r| r.to_string())
                .unwrap_or_else(|| "no case".into()),
            f.file_name().and_then(|n| n.to_str()).unwrap_or("")
        ));
    }
    let _ = writeln!(
        rec,
        "\nMessages from or to them elsewhere ({})",
        other.len()
    );
    for l in &other {
        let _ = writeln!(rec, "{l}");
    }
    let audit: Vec<_> = app
        .store
        .audit_naming(&address)
        .await?
        .into_iter()
        .filter(|(r, _)| !r.as_ref().is_some_and(|r| mine.contains(r)))
        .collect();
    let _ = writeln!(
        rec,
        "\nAudit entries naming them on other records ({})",
        audit.len()
    );
    for (r, a) in &audit {
        let _ = writeln!(
            rec,
            "  {}  {}  {:<22} {:<28} {}",
            local(a.at),
            r.as_ref()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "no case".into()),
            one_line(&a.actor),
            one_line(&a.action),
            one_line(&a.detail)
        );
    }
    let f = folder.join("subject-access.txt");
    private_fs::write(&f, redact_tokens(&rec).as_bytes()).map_err(|e| io(&f, e))?;
    Ok(folder)
}
