//! The directors' daily digest: new cases, open cases by stage, what is due
//! soon, what is breached, what waits for consent or a decision, closures
//! with lessons learnt, compliments cleared to share, and pipeline health.

use crate::app::App;
use crate::config::template_data::{DigestFacts, DigestMail, Org};
use crate::config::templates::Rendered;
use crate::core::case::{Case, DeadlineKind, State, TemplateId};
use crate::core::kind::Kind;
use crate::core::text::{excerpt, one_line};
use crate::store::StoreError;
use crate::work::effects::ApplyError;
use chrono::{DateTime, Duration, Utc};
use sqlx::SqliteConnection;
use strum::IntoEnumIterator;

/// One titled list.
pub use crate::config::template_data::DigestSection as Section;

/// The digest for a day.
#[derive(Debug, Clone)]
pub struct Digest {
    /// The local date it is for.
    pub date: String,
    /// Its sections, in order.
    pub sections: Vec<Section>,
}

impl Digest {
    /// Data for the `daily_digest` template.
    pub fn template_data(&self, app: &App) -> DigestMail {
        DigestMail {
            org: Org::of(&app.loaded.config.organisation),
            digest: DigestFacts {
                date: self.date.clone(),
                sections: self.sections.clone(),
            },
        }
    }

    /// Plain text, for `digest --preview` and the demo.
    pub fn to_text(&self) -> String {
        let mut out = format!("Digest for {}\n", self.date);
        for s in &self.sections {
            out.push_str(&format!("\n{}\n", s.title));
            if s.lines.is_empty() {
                out.push_str("  - none\n");
            }
            for l in &s.lines {
                out.push_str(&format!("  - {l}\n"));
            }
        }
        out
    }
}

fn line(app: &App, c: &Case) -> String {
    let stage = app
        .loaded
        .policy
        .stage(c.stage)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    // One line per case: a newline in a display name must not add lines.
    let who = crate::core::text::one_line(
        c.complainant
            .name
            .as_deref()
            .unwrap_or(&c.complainant.address),
    )
    .into_owned();
    let flags = if c.flags.is_empty() {
        String::new()
    } else {
        format!(
            " [{}]",
            c.flags
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "{} {} from {who}{flags}, {stage}, {}",
        c.reference,
        c.kind,
        c.state.as_str()
    )
}

/// How many entries a list in the digest shows before it says "and N more":
/// the digest is read by people, and it must stay a small mail at any scale.
pub const LIST_CAP: usize = 30;

/// Lines for a capped list: the entries shown, then `and N more` if any
/// were left out.
fn capped(total: usize, mut lines: Vec<String>, indent: &str) -> Vec<String> {
    if total > lines.len() {
        lines.push(format!("{indent}and {} more", total - lines.len()));
    }
    lines
}

/// Build the digest as of `now` (the last 24 hours for "new" and "closed").
///
/// Every section is one or two indexed queries: counts come from SQL, lists
/// are capped at [`LIST_CAP`], and only open cases, cases opened or closed
/// in the last 24 hours and live deadlines are read.
pub async fn build(app: &App, now: DateTime<Utc>) -> Result<Digest, StoreError> {
    let since = now - Duration::hours(24);
    let local = |t: DateTime<Utc>| {
        app.calendar
            .to_local(t)
            .format("%a %-d %b %H:%M")
            .to_string()
    };
    let mut sections = Vec::new();

    // Sign-in failures past their grace head the digest until they clear,
    // with secrets about to expire: these stop mail silently otherwise.
    let mut signin = Vec::new();
    let accounts = crate::work::alerts::accounts(&app.loaded.config);
    for h in app.store.account_health().await? {
        let Some(acc) = accounts.iter().find(|a| a.name == h.account) else {
            continue;
        };
        if crate::work::alerts::is_alarming(app, &h, now) {
            signin.push(crate::work::alerts::describe(app, &acc.label, &h));
        }
    }
    let today = app.calendar.to_local(now).date();
    for acc in &accounts {
        if let Some(exp) = acc.oauth2.as_ref().and_then(|o| o.secret_expires) {
            let left = (exp - today).num_days();
            if left <= 30 {
                signin.push(if left < 0 {
                    format!("{}: its client secret EXPIRED on {exp}", acc.label)
                } else {
                    format!(
                        "{}: its client secret expires on {exp} ({left} days)",
                        acc.label
                    )
                });
            }
        }
    }
    if !signin.is_empty() {
        sections.push(Section {
            title: "ACTION NEEDED: sign-in failures and expiring secrets".into(),
            lines: signin,
        });
    }

    // Pipeline health first when something is wrong: it is the thing nobody else sees.
    let mut health = Vec::new();
    for f in app.store.fetch_states().await? {
        let ok = f
            .last_success_at
            .map(local)
            .unwrap_or_else(|| "never".into());
        let err = match (&f.last_error, f.last_error_at) {
            (Some(e), Some(at)) if f.last_success_at.is_none_or(|s| at > s) => {
                format!("; LAST ERROR {}: {e}", local(at))
            }
            _ => String::new(),
        };
        health.push(format!(
            "mailbox {}: last successful fetch {ok}{err}",
            f.mailbox
        ));
    }
    let quarantined = app.store.quarantine_count().await?;
    if quarantined > 0 {
        health.push(format!(
            "{quarantined} message(s) in quarantine: run `complaintd quarantine list`"
        ));
    }
    let counts = app.store.outbox_backlog().await?;
    if counts.failed > 0 {
        health.push(format!(
            "{} outgoing mail(s) failed permanently",
            counts.failed
        ));
        for r in &app.store.failed_outbox(10).await? {
            health.push(format!(
                "  {} {} to {}: {}",
                r.case_ref
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                r.template,
                r.recipient,
                r.last_error.clone().unwrap_or_default()
            ));
        }
    }
    if counts.pending > 0 {
        health.push(format!(
            "{} outgoing mail(s) waiting to be sent",
            counts.pending
        ));
    }

    let mut new_lines = Vec::new();
    for (kind, n) in app.store.new_case_counts(since).await? {
        new_lines.push(format!("{kind}: {n}"));
        let shown = app
            .store
            .new_cases(since, kind, LIST_CAP)
            .await?
            .iter()
            .map(|c| format!("  {}", line(app, c)))
            .collect();
        new_lines.extend(capped(n, shown, "  "));
    }

    let open_lines: Vec<String> = app
        .store
        .open_by_stage(Kind::Complaint)
        .await?
        .iter()
        .map(|(s, n)| {
            let name = app
                .loaded
                .policy
                .stage(*s)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            format!("{name}: {n}")
        })
        .collect();

    let soon_limit = app
        .calendar
        .deadline(now, crate::core::calendar::Span::WorkingDays(2))
        .at;
    let must_act: Vec<DeadlineKind> = DeadlineKind::iter()
        .filter(|k| k.someone_must_act())
        .collect();
    let due = app
        .store
        .breached_deadlines(&must_act, now, LIST_CAP)
        .await?;
    let breached = capped(
        due.total,
        due.items
            .iter()
            .map(|d| format!("{} {:?} was due {}", d.case_ref, d.kind, local(d.due)))
            .collect(),
        "",
    );
    let due = app
        .store
        .deadlines_due_between(&must_act, now, soon_limit, LIST_CAP)
        .await?;
    let soon = capped(
        due.total,
        due.items
            .iter()
            .map(|d| format!("{} {:?} due {}", d.case_ref, d.kind, local(d.due)))
            .collect(),
        "",
    );
    let awaiting: Vec<State> = State::iter().filter(|s| s.awaits_someone()).collect();
    let w = app.store.cases_in_states(&awaiting, LIST_CAP).await?;
    let waiting = capped(w.total, w.items.iter().map(|c| line(app, c)).collect(), "");
    let c = app
        .store
        .closed_since(since, Some(Kind::Complaint), false, LIST_CAP)
        .await?;
    let closed = capped(
        c.total,
        c.items
            .iter()
            .map(|c| {
                format!(
                    "{}: lessons learnt: {}",
                    line(app, c),
                    c.lessons
                        .clone()
                        .unwrap_or_else(|| "(none recorded)".into())
                )
            })
            .collect(),
        "",
    );
    let s = app.store.closed_since(since, None, true, LIST_CAP).await?;
    let share = capped(s.total, s.items.iter().map(|c| line(app, c)).collect(), "");

    if !health.is_empty() {
        sections.push(Section {
            title: "Pipeline health".into(),
            lines: health,
        });
    }
    // What the flood caps held back: people who got no acknowledgement, and
    // notifications folded into a summary. Nothing a cap withholds goes
    // unreported.
    let held = crate::work::caps::digest_lines(app, since).await?;
    if !held.is_empty() {
        sections.push(Section {
            title: crate::work::caps::DIGEST_TITLE.into(),
            lines: held,
        });
    }
    // Triage cases head the routine part: each is a possible complaint whose
    // clock runs while nobody has confirmed what it is.
    let t = app
        .store
        .cases_in_states(&[State::Triage], LIST_CAP)
        .await?;
    let triage: Vec<String> = t
        .items
        .iter()
        .map(|c| {
            let by = c
                .deadlines
                .iter()
                .find(|d| d.kind == DeadlineKind::ConfirmKind)
                .map(|d| {
                    format!(
                        "; confirm by {}{}",
                        local(d.due),
                        if d.breached || d.due <= now {
                            " (OVERDUE)"
                        } else {
                            ""
                        }
                    )
                })
                .unwrap_or_default();
            format!("{} (best guess {}{by})", line(app, c), c.kind)
        })
        .collect();
    let triage = capped(t.total, triage, "");
    if !triage.is_empty() {
        sections.push(Section {
            title: "Waiting for a kind: reply #reclassify complaint, compliment, comment or other"
                .into(),
            lines: triage,
        });
    }
    sections.push(Section {
        title: "New in the last 24 hours".into(),
        lines: new_lines,
    });
    sections.push(Section {
        title: "Open complaints by stage".into(),
        lines: open_lines,
    });
    sections.push(Section {
        title: "Due within 2 working days".into(),
        lines: soon,
    });
    sections.push(Section {
        title: "Breached".into(),
        lines: breached,
    });
    sections.push(Section {
        title: "Awaiting consent, a decision or lessons learnt".into(),
        lines: waiting,
    });
    // A question paused these clocks (`[conversation] question_pauses_clock`):
    // nothing is chased while the complainant has it, so directors see them.
    let p = app.store.paused_cases(LIST_CAP).await?;
    let paused: Vec<String> = p
        .items
        .iter()
        .filter_map(|c| {
            let p = c.paused.as_ref()?;
            let left = match p.working_days_left {
                Some(n) => format!("{n} working day(s) left"),
                None => "its time left kept".to_string(),
            };
            Some(format!(
                "{} (asked {}; {left}; it was due {})",
                line(app, c),
                local(p.since),
                local(p.due)
            ))
        })
        .collect();
    let paused = capped(p.total, paused, "");
    if !paused.is_empty() {
        sections.push(Section {
            title: "Response clock paused: waiting for the complainant's answer to a question"
                .into(),
            lines: paused,
        });
    }
    // Remedies are followed to completion, after the case has closed too.
    let r = app.store.cases_with_remedies(LIST_CAP).await?;
    let mut remedies = Vec::new();
    for c in &r.items {
        for m in c.records.outstanding() {
            remedies.push(format!(
                "{} remedy {}: {} (owner {}, due {}{}): {}",
                c.reference,
                m.number,
                m.kind.as_str(),
                one_line(&m.owner),
                m.due,
                if m.alerted { ", OVERDUE" } else { "" },
                excerpt(&m.description, 120)
            ));
        }
    }
    let remedies = capped(r.total, remedies, "");
    if !remedies.is_empty() {
        sections.push(Section {
            title: "Outstanding remedies: reply #remedy-done N when done".into(),
            lines: remedies,
        });
    }
    let b = app.store.cases_beyond_cap(LIST_CAP).await?;
    let beyond: Vec<String> = b
        .items
        .iter()
        .flat_map(|c| {
            c.records
                .extensions
                .iter()
                .filter_map(|e| {
                    let why = e.beyond_cap.as_deref()?;
                    Some(format!(
                        "{} extended to {} ({} working days at the stage): {}",
                        line(app, c),
                        e.until,
                        e.total_working_days,
                        excerpt(why, 120)
                    ))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let beyond = capped(b.total, beyond, "");
    if !beyond.is_empty() {
        sections.push(Section {
            title: "Extensions past the procedure's cap".into(),
            lines: beyond,
        });
    }
    sections.push(Section {
        title: "Closed in the last 24 hours".into(),
        lines: closed,
    });
    sections.push(Section {
        title: "Compliments cleared to share".into(),
        lines: share,
    });
    // What the retention step anonymised (only when it did anything).
    let gone = app.store.anonymised_since(since, LIST_CAP).await?;
    if gone.total > 0 {
        sections.push(Section {
            title: format!(
                "Anonymised in the last 24 hours (retention period {} after closing, or an erasure request)",
                app.loaded.policy.retention.period
            ),
            lines: capped(gone.total, gone.items.iter().map(|r| r.to_string()).collect(), ""),
        });
    }
    Ok(Digest {
        date: app
            .calendar
            .to_local(now)
            .format("%A %-d %B %Y")
            .to_string(),
        sections,
    })
}

/// Queue a rendered digest to its recipients (not tied to a case).
pub async fn queue(
    app: &App,
    tx: &mut SqliteConnection,
    drafts: &mut crate::work::drafts::Drafts,
    rendered: &Rendered,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let mut sent = Vec::new();
    for role in &app.loaded.config.digest.to {
        for p in app.directory.in_role(role) {
            if sent.contains(&p.email) {
                continue;
            }
            crate::work::effects::queue_notice(
                app,
                tx,
                drafts,
                "digest",
                TemplateId::DailyDigest.name(),
                &p.email,
                &app.loaded.config.organisation.name,
                (&rendered.subject, &rendered.text, &rendered.html),
                now,
            )
            .await?;
            sent.push(p.email.clone());
        }
    }
    Ok(())
}
