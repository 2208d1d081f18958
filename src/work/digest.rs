//! The directors' daily digest: new cases, open cases by stage, what is due
//! soon, what is breached, what waits for consent or a decision, closures
//! with lessons learnt, compliments cleared to share, and pipeline health.

use crate::app::App;
use crate::config::template_data::{
    DigestChart, DigestFacts, DigestFigure, DigestMail, DigestMonth, Org,
};
use crate::config::templates::Rendered;
use crate::core::case::records::Outcome;
use crate::core::case::{Case, DeadlineKind, State, TemplateId};
use crate::core::kind::Kind;
use crate::core::report::{percent_text, Period, Timeliness, Week};
use crate::core::text::{excerpt, one_line};
use crate::mail::outgoing::InlineImage;
use crate::store::Conn;
use crate::store::StoreError;
use crate::work::effects::ApplyError;
use chrono::Datelike;
use chrono::{DateTime, Duration, Utc};
use strum::IntoEnumIterator;

/// One titled list.
pub use crate::config::template_data::DigestSection as Section;

/// The digest for a day.
#[derive(Debug, Clone)]
pub struct Digest {
    /// The local date it is for.
    pub date: String,
    /// Its sections, in order: those needing action first.
    pub sections: Vec<Section>,
    /// This month so far against the same days of last month.
    pub month: Option<DigestMonth>,
    /// The chart and its PNG.
    pub chart: Option<(DigestChart, Vec<u8>)>,
}

impl Digest {
    /// Data for the `daily_digest` template.
    pub fn template_data(&self, app: &App) -> DigestMail {
        DigestMail {
            org: Org::of(&app.loaded.config.organisation),
            digest: DigestFacts {
                date: self.date.clone(),
                sections: self.sections.clone(),
                action_count: self.action_count(),
                month: self.month.clone(),
                chart: self.chart.as_ref().map(|(c, _)| c.clone()),
            },
        }
    }

    /// How many things the "needs action" sections list (an `and N more`
    /// counts its N).
    pub fn action_count(&self) -> usize {
        self.sections
            .iter()
            .filter(|s| s.action)
            .flat_map(|s| &s.lines)
            .map(|l| more(l).unwrap_or(1))
            .sum()
    }

    /// The chart as the image the HTML part shows by Content-ID.
    pub fn inline_images(&self) -> Vec<InlineImage> {
        self.chart
            .iter()
            .map(|(c, png)| InlineImage {
                content_id: c.cid.clone(),
                content_type: "image/png".into(),
                bytes: png.clone(),
            })
            .collect()
    }

    /// The rendered HTML part as a file a browser opens on its own (the
    /// demo's `digest.html`, the screenshot): the chart's `cid:` reference
    /// replaced by the image itself.
    pub fn standalone_html(&self, html: &str) -> String {
        let mut out = html.to_string();
        if let Some((c, png)) = &self.chart {
            let data = format!(
                "data:image/png;base64,{}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png)
            );
            out = out.replace(&format!("cid:{}", c.cid), &data);
        }
        out
    }

    /// Plain text, for `digest --preview` and the demo: the same parts in
    /// the same order as the mail.
    pub fn to_text(&self) -> String {
        let mut out = format!("Digest for {}\n", self.date);
        let list = |out: &mut String, s: &Section| {
            out.push_str(&format!("\n{}\n", s.title));
            if s.lines.is_empty() {
                out.push_str("  - none\n");
            }
            for l in &s.lines {
                out.push_str(&format!("  - {l}\n"));
            }
        };
        out.push_str(&format!("\nNEEDS ACTION TODAY ({})\n", self.action_count()));
        for s in self.sections.iter().filter(|s| s.action) {
            list(&mut out, s);
        }
        if let Some(m) = &self.month {
            out.push_str(&format!("\n{}\n", m.title));
            for l in &m.text {
                out.push_str(&format!("  {l}\n"));
            }
            out.push_str(&format!("  {}\n", m.note));
        }
        if let Some((c, _)) = &self.chart {
            out.push_str(&format!("\n{}\n", c.title));
            for l in &c.text {
                out.push_str(&format!("  {l}\n"));
            }
        }
        for s in self.sections.iter().filter(|s| !s.action) {
            list(&mut out, s);
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
        "{} {} from {who}{flags}, {stage}, {}{}",
        c.reference,
        c.kind,
        c.state.as_str(),
        language(app, c)
    )
}

/// The case's language, for an organisation that corresponds in more than
/// one (", in Welsh"; ", language not known"); empty otherwise.
pub(crate) fn language(app: &App, c: &Case) -> String {
    if app.languages.len() < 2 {
        return String::new();
    }
    match &c.language {
        Some(l) => format!(
            ", in {}",
            crate::core::locale::language_name(crate::config::WORKING_LANGUAGE, l)
        ),
        None => ", language not known".into(),
    }
}

/// How many entries a list in the digest shows before it says "and N more":
/// the digest is read by people, and it must stay a small mail at any scale.
pub const LIST_CAP: usize = 30;

/// The N of an `and N more` line.
fn more(line: &str) -> Option<usize> {
    line.trim_start()
        .strip_prefix("and ")?
        .strip_suffix(" more")?
        .parse()
        .ok()
}

/// A section of routine lists.
fn routine(title: impl Into<String>, lines: Vec<String>) -> Section {
    Section {
        title: title.into(),
        lines,
        action: false,
        alarm: false,
    }
}

/// A section of what needs action today; `alarm` when its lines mean
/// something is already wrong.
fn action(title: impl Into<String>, lines: Vec<String>, alarm: bool) -> Section {
    Section {
        alarm: alarm && !lines.is_empty(),
        title: title.into(),
        lines,
        action: true,
    }
}

/// Who holds a case and since when: its handler (by name when the
/// directory knows them) and when its current stage began.
fn held(app: &App, c: &Case) -> String {
    let who = match c.handler.as_deref() {
        Some(a) => app
            .directory
            .by_email(a)
            .map_or_else(|| a.to_string(), |p| p.name.clone()),
        None => "nobody yet".to_string(),
    };
    format!(
        "held by {} since {}",
        one_line(&who),
        app.calendar
            .to_local(c.stage_received_at)
            .format("%a %-d %b")
    )
}

/// What a deadline is for, in words.
fn due_words(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::Acknowledge => "acknowledgement",
        DeadlineKind::Respond => "response",
        DeadlineKind::EscalationWindow => "escalation window",
        DeadlineKind::Decision => "decision",
        DeadlineKind::Permission => "permission to share",
        DeadlineKind::ConfirmKind => "kind to confirm",
        DeadlineKind::Remedy => "remedy",
        DeadlineKind::DataProtectionUpdate => "data-protection update",
    }
}

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
    let stage_name = |c: &Case| {
        app.loaded
            .policy
            .stage(c.stage)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };

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

    // Pipeline health: it is the thing nobody else sees.
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

    // What is overdue and what falls due next, each with the case's stage,
    // who holds it and since when (the lists are capped, so reading their
    // cases by reference is at most a list's worth of lookups).
    let soon_limit = app
        .calendar
        .deadline(now, crate::core::calendar::Span::WorkingDays(2))
        .at;
    let must_act: Vec<DeadlineKind> = DeadlineKind::iter()
        .filter(|k| k.someone_must_act())
        .collect();
    let due_lines = |items: &[crate::store::DueItem], cases: &[Case], verb: &str| {
        items
            .iter()
            .map(|d| {
                let c = cases.iter().find(|c| c.reference == d.case_ref);
                format!(
                    "{} {}{} {verb} {}{}",
                    d.case_ref,
                    c.map(|c| format!("{} ", stage_name(c))).unwrap_or_default(),
                    due_words(d.kind),
                    local(d.due),
                    c.map(|c| format!("; {}", held(app, c))).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
    };
    let due = app
        .store
        .breached_deadlines(&must_act, now, LIST_CAP)
        .await?;
    let cases = app
        .store
        .cases_by_reference(due.items.iter().map(|d| &d.case_ref))
        .await?;
    let breached = capped(due.total, due_lines(&due.items, &cases, "was due"), "");
    let due = app
        .store
        .deadlines_due_between(&must_act, now, soon_limit, LIST_CAP)
        .await?;
    let cases = app
        .store
        .cases_by_reference(due.items.iter().map(|d| &d.case_ref))
        .await?;
    let soon = capped(due.total, due_lines(&due.items, &cases, "due"), "");
    let awaiting: Vec<State> = State::iter().filter(|s| s.awaits_someone()).collect();
    let w = app.store.cases_in_states(&awaiting, LIST_CAP).await?;
    let waiting = capped(
        w.total,
        w.items
            .iter()
            .map(|c| format!("{}; {}", line(app, c), held(app, c)))
            .collect(),
        "",
    );
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

    // Triage cases: each is a possible complaint whose clock runs while
    // nobody has confirmed what it is.
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
            format!(
                "{} (best guess {}{by}); {}",
                line(app, c),
                c.kind,
                held(app, c)
            )
        })
        .collect();
    let triage = capped(t.total, triage, "");

    // The top of the digest: what needs someone today.
    let mut sections = Vec::new();
    if !signin.is_empty() {
        sections.push(action(
            "ACTION NEEDED: sign-in failures and expiring secrets",
            signin,
            true,
        ));
    }
    sections.push(action("Breached", breached, true));
    sections.push(action("Due within 2 working days", soon, false));
    if !triage.is_empty() {
        sections.push(action(
            "Waiting for a kind: reply #reclassify complaint, compliment, comment or other",
            triage,
            false,
        ));
    }
    sections.push(action(
        "Awaiting consent, a decision or lessons learnt",
        waiting,
        false,
    ));

    // The routine lists.
    if !health.is_empty() {
        sections.push(routine("Pipeline health", health));
    }
    // What the flood caps held back: people who got no acknowledgement, and
    // notifications folded into a summary. Nothing a cap withholds goes
    // unreported.
    let held_back = crate::work::caps::digest_lines(app, since).await?;
    if !held_back.is_empty() {
        sections.push(routine(crate::work::caps::DIGEST_TITLE, held_back));
    }
    sections.push(routine("New in the last 24 hours", new_lines));
    sections.push(routine("Open complaints by stage", open_lines));
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
        sections.push(routine(
            "Response clock paused: waiting for the complainant's answer to a question",
            paused,
        ));
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
        sections.push(routine(
            "Outstanding remedies: reply #remedy-done N when done",
            remedies,
        ));
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
        sections.push(routine("Extensions past the procedure's cap", beyond));
    }
    sections.push(routine("Closed in the last 24 hours", closed));
    sections.push(routine("Compliments cleared to share", share));
    // What the retention step anonymised (only when it did anything).
    let gone = app.store.anonymised_since(since, LIST_CAP).await?;
    if gone.total > 0 {
        sections.push(routine(
            format!(
                "Anonymised in the last 24 hours (retention period {} after closing, or an erasure request)",
                app.loaded.policy.retention.period
            ),
            capped(gone.total, gone.items.iter().map(|r| r.to_string()).collect(), ""),
        ));
    }
    Ok(Digest {
        date: app
            .calendar
            .to_local(now)
            .format("%A %-d %B %Y")
            .to_string(),
        sections,
        month: Some(month(app, now).await?),
        chart: chart(app, now).await?,
    })
}

/// The digest rendered with the `daily_digest` template: subject, text and
/// the HTML part (showing the chart by `cid:`).
pub fn render(app: &App, d: &Digest) -> Result<Rendered, crate::config::templates::TemplateError> {
    app.templates
        .render(TemplateId::DailyDigest, &d.template_data(app))
}

/// Queue a rendered digest to its recipients (not tied to a case).
pub async fn queue(
    app: &App,
    tx: &mut Conn,
    drafts: &mut crate::work::drafts::Drafts,
    rendered: &Rendered,
    inline: &[InlineImage],
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
                inline,
                now,
            )
            .await?;
            sent.push(p.email.clone());
        }
    }
    Ok(())
}

/// "1–24 Nov": a period's days, for a column heading.
fn days_label(p: &Period) -> String {
    let last = p.last();
    if p.from == last {
        last.format("%-d %b").to_string()
    } else {
        format!("{}–{}", p.from.format("%-d"), last.format("%-d %b"))
    }
}

/// A figure of both periods as a row.
fn row(
    label: impl Into<String>,
    this: impl ToString,
    last: impl ToString,
    sub: bool,
) -> DigestFigure {
    DigestFigure {
        label: label.into(),
        current: this.to_string(),
        previous: last.to_string(),
        sub,
    }
}

/// "83% (5 of 6)", or "-" when nothing was due.
fn on_time(t: &Timeliness) -> String {
    match t.on_time_percent() {
        Some(_) => format!(
            "{} ({} of {})",
            percent_text(t.on_time_percent()),
            t.on_time,
            t.met + t.overdue
        ),
        None => "-".into(),
    }
}

/// This month so far against the same days of last month, from the store's
/// period figures (the same numbers `complaintd report` gives for those
/// days). Figures that are a state now (open cases, the oldest) have no
/// last-month column.
pub async fn month(app: &App, now: DateTime<Utc>) -> Result<DigestMonth, StoreError> {
    let today = app.calendar.to_local(now).date();
    let this = Period {
        from: today.with_day(1).unwrap_or(today),
        to: today.succ_opt().unwrap_or(today),
    };
    let before = this.month_before();
    let f = app.store.digest_figures(this, &app.calendar, now).await?;
    let g = app.store.digest_figures(before, &app.calendar, now).await?;
    let stage_name = |s: usize| {
        app.loaded
            .policy
            .stage(s)
            .map_or_else(|| format!("Stage {}", s + 1), |s| s.name.clone())
    };
    let now_only = "-";
    let mut rows = vec![row("Received", f.received.total, g.received.total, false)];
    for kind in Kind::iter().filter(|k| !k.is_machine()) {
        let n = |r: &crate::core::report::Received| {
            r.by_kind
                .iter()
                .filter(|c| c.what == kind)
                .map(|c| c.n)
                .sum::<u64>()
        };
        if n(&f.received) + n(&g.received) > 0 {
            rows.push(row(kind.as_str(), n(&f.received), n(&g.received), true));
        }
    }
    rows.push(row(
        "Acknowledged on time",
        on_time(&f.timeliness_of(DeadlineKind::Acknowledge)),
        on_time(&g.timeliness_of(DeadlineKind::Acknowledge)),
        false,
    ));
    rows.push(row(
        "Responded to on time",
        on_time(&f.timeliness_of(DeadlineKind::Respond)),
        on_time(&g.timeliness_of(DeadlineKind::Respond)),
        false,
    ));
    let open: u64 = f.open_by_stage.iter().map(|c| c.n).sum();
    rows.push(row("Complaints open now", open, now_only, false));
    for c in &f.open_by_stage {
        rows.push(row(stage_name(c.what), c.n, now_only, true));
    }
    if let Some(o) = &f.oldest_open {
        let who = o.handler.as_deref().map_or_else(
            || "nobody yet".to_string(),
            |a| {
                app.directory
                    .by_email(a)
                    .map_or_else(|| a.to_string(), |p| p.name.clone())
            },
        );
        rows.push(row(
            format!("Oldest open: {}", o.reference),
            format!(
                "since {}",
                app.calendar.to_local(o.opened_at).format("%-d %b")
            ),
            now_only,
            false,
        ));
        rows.push(row(
            format!("{}, held by {}", stage_name(o.stage), one_line(&who)),
            "",
            "",
            true,
        ));
    }
    let (fo, go) = (f.all_outcomes(), g.all_outcomes());
    rows.push(row("Outcomes sent", fo.total(), go.total(), false));
    for o in Outcome::iter() {
        if fo.count(o) + go.count(o) > 0 {
            rows.push(row(o.words(), fo.count(o), go.count(o), true));
        }
    }
    rows.push(row(
        "Remedies outstanding",
        f.remedies_outstanding(),
        g.remedies_outstanding(),
        false,
    ));
    let (this_label, last_label) = (days_label(&this), days_label(&before));
    let width = rows
        .iter()
        .map(|r| r.label.chars().count() + if r.sub { 2 } else { 0 })
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|r| r.current.chars().count())
        .chain([this_label.chars().count()])
        .max()
        .unwrap_or(0);
    let w2 = rows
        .iter()
        .map(|r| r.previous.chars().count())
        .chain([last_label.chars().count()])
        .max()
        .unwrap_or(0);
    let mut text = vec![format!(
        "{:width$}  {this_label:>w1$}  {last_label:>w2$}",
        ""
    )];
    for r in &rows {
        let label = if r.sub {
            format!("  {}", r.label)
        } else {
            r.label.clone()
        };
        text.push(
            format!("{label:width$}  {:>w1$}  {:>w2$}", r.current, r.previous)
                .trim_end()
                .to_string(),
        );
    }
    Ok(DigestMonth {
        note: "Outcomes and remedies are those of the cases received in each period; \
               open cases are counted now; - where there is nothing to count."
            .into(),
        title: format!(
            "This month so far ({}) against the same days last month ({})",
            days_label(&this),
            days_label(&before)
        ),
        this_label,
        last_label,
        rows,
        text,
    })
}

/// How many weeks the digest's chart shows.
pub const CHART_WEEKS: u32 = 12;

/// The chart's size in pixels: the width of the digest's content column,
/// drawn at that size because the chart's lettering is sized in pixels.
const CHART_SIZE: (u32, u32) = (592, 260);

/// Cases received per week and responses sent on time over the last
/// [`CHART_WEEKS`] weeks, drawn by the report's chart module from the
/// store's weekly series. A chart that cannot be drawn leaves the digest
/// without it (and says so in the log): the lists matter more.
async fn chart(
    app: &App,
    now: DateTime<Utc>,
) -> Result<Option<(DigestChart, Vec<u8>)>, StoreError> {
    let today = app.calendar.to_local(now).date();
    let weeks = app.store.weekly_series(today, CHART_WEEKS).await?;
    let (w, h) = CHART_SIZE;
    match crate::report::chart::weekly(&weeks, w, h) {
        Ok(c) => Ok(Some((
            DigestChart {
                cid: format!(
                    "chart.{}.digest@{}",
                    today.format("%Y%m%d"),
                    app.mail_domain()
                ),
                alt: c.alt,
                title: format!(
                    "The last {CHART_WEEKS} weeks: cases received (bars) and responses on time (line)"
                ),
                width: w,
                height: h,
                text: weeks_text(&weeks),
            },
            c.png,
        ))),
        Err(e) => {
            tracing::warn!(error = %e, "the digest's chart could not be drawn");
            Ok(None)
        }
    }
}

/// The weekly series as aligned text lines, one a week (the chart's
/// figures in the text part).
fn weeks_text(weeks: &[Week]) -> Vec<String> {
    let received = weeks
        .iter()
        .map(|w| w.received.to_string().len())
        .max()
        .unwrap_or(1);
    weeks
        .iter()
        .map(|w| {
            let responses = if w.responses == 0 {
                "no responses sent".to_string()
            } else {
                format!(
                    "{} of {} responses on time ({})",
                    w.on_time,
                    w.responses,
                    percent_text(w.on_time_percent())
                )
            };
            format!(
                "week of {:<6}  {:>received$} received  {responses}",
                w.start.format("%-d %b").to_string(),
                w.received
            )
        })
        .collect()
}
