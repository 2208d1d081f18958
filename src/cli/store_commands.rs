//! Commands that work on the store: migrate, ingest, tick, cases, digest,
//! quarantine. Each builds the [`App`] from config and runs on tokio.

use crate::app::App;
use crate::cli::progress;
use crate::core::case::{Case, State};
use crate::core::reference::CaseRef;
use crate::core::text::one_line;
use crate::mail::maildir;
use crate::mail::sender::{self, Transport};
use crate::store::Store;
use crate::work::ingest::{self, Ingested};
use crate::work::raw;
use crate::work::{digest, export, scheduler};
use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--now` or the wall clock: the only place the binary reads the clock.
pub fn now_or(now: Option<DateTime<Utc>>) -> DateTime<Utc> {
    now.unwrap_or_else(Utc::now)
}

pub(super) async fn app(config: Option<&Path>) -> anyhow::Result<App> {
    let path = config.ok_or_else(|| anyhow!("this command needs --config FILE"))?;
    App::from_config(path)
        .await
        .with_context(|| format!("start from {}", path.display()))
}

/// The configured outgoing transport, if any.
pub fn transport(app: &App) -> Option<Transport> {
    crate::work::daemon::transport(app).ok()
}

pub(super) async fn send(app: &App, now: DateTime<Utc>) -> anyhow::Result<()> {
    match transport(app) {
        Some(t) => {
            let r = sender::run_once(
                &app.store,
                &t,
                now,
                sender::RetryPolicy::from_config(&app.loaded.config.outbox),
            )
            .await?;
            if !r.is_empty() {
                crate::outln!(
                    "outbox: {} sent, {} to retry, {} failed",
                    r.sent,
                    r.retried,
                    r.failed
                );
            }
        }
        None => {
            crate::outln!("outbox: no transport configured ([outbox] maildir); mail stays queued")
        }
    }
    Ok(())
}

pub(super) async fn migrate(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    crate::outln!("database {} is up to date", app.loaded.store_location());
    Ok(ExitCode::SUCCESS)
}

/// Open a store named by a URL for `store copy`: a SQLite file (which must
/// exist when it is the source) or a PostgreSQL database.
async fn store_at(url: &str, must_exist: bool) -> anyhow::Result<Store> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Store::open_postgres(url, None, 4).await?);
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| anyhow::anyhow!("{url}: expected sqlite:///PATH or postgres://…"))?;
    let path = Path::new(path);
    if must_exist && !path.exists() {
        anyhow::bail!("{}: no such database file", path.display());
    }
    Ok(Store::open(path).await?)
}

pub(super) async fn store_copy(from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let source = store_at(from, true).await?;
    let target = store_at(to, false).await?;
    let copied = crate::store::copy(&source, &target, |c| {
        crate::outln!("{:<28} {:>9} rows  sha256 {}", c.table, c.rows, c.sha256);
    })
    .await?;
    source.close().await;
    target.close().await;
    let rows: u64 = copied.iter().map(|c| c.rows).sum();
    crate::outln!(
        "copied {rows} rows in {} tables; every table's count and hash match",
        copied.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn ingest_paths(
    config: Option<&Path>,
    paths: &[PathBuf],
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let files = maildir::message_files(paths)?;
    let started = std::time::Instant::now();
    let (mut opened, mut threaded, mut ignored, mut dup, mut quarantined, mut failed) =
        (0, 0, 0, 0, 0, 0);
    let limit = app.loaded.config.limits.max_message_bytes;
    let bar = progress::bar(files.len() as u64, "ingesting", "messages");
    for f in &files {
        bar.inc(1);
        let raw = match raw::read_limited(f, limit, &f.display().to_string()) {
            Ok(r) => r,
            Err(e) => {
                bar.suspend(|| crate::errln!("{}: {e}", f.display()));
                failed += 1;
                continue;
            }
        };
        match ingest::ingest(&app, &raw, &f.display().to_string(), now_or(now)).await {
            Ok(Ingested::Opened(_)) => opened += 1,
            Ok(Ingested::Threaded(_)) => threaded += 1,
            Ok(Ingested::Ignored { .. }) => ignored += 1,
            Ok(Ingested::Duplicate) => dup += 1,
            Ok(Ingested::Quarantined(reason)) => {
                bar.suspend(|| crate::outln!("{}: quarantined: {reason}", f.display()));
                quarantined += 1;
            }
            Err(e) => {
                bar.suspend(|| crate::errln!("{}: {e}", f.display()));
                failed += 1;
            }
        }
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    crate::outln!(
        "{} message(s) in {secs:.2}s ({:.0}/s): {opened} new case(s), {threaded} threaded, {ignored} machine mail ignored, {dup} duplicate(s), {quarantined} quarantined, {failed} failed",
        files.len(),
        files.len() as f64 / secs.max(1e-9)
    );
    send(&app, now_or(now)).await?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) async fn tick(
    config: Option<&Path>,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let now = now_or(now);
    // The embedded default has no daemon yet to watch its Maildirs: each tick
    // takes in what arrived since the last one.
    for mb in &app.loaded.config.mailboxes {
        let p = crate::mail::maildir_source::poll(&app, mb, now, None).await;
        if p.ingested + p.failed > 0 {
            crate::outln!(
                "mailbox {}: {} message(s) taken in, {} failed",
                mb.name,
                p.ingested,
                p.failed
            );
        }
    }
    let r = scheduler::tick(&app, now).await?;
    crate::outln!(
        "tick at {}: {} deadline(s), {} chase-up(s), digest {}",
        app.calendar.to_local(now).format("%Y-%m-%d %H:%M"),
        r.deadlines,
        r.chases,
        if r.digest_sent { "sent" } else { "not due" }
    );
    for e in &r.errors {
        crate::outln!("error: {e}");
    }
    send(&app, now).await?;
    Ok(if r.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn case_json(app: &App, c: &Case) -> serde_json::Value {
    serde_json::json!({
        "reference": c.reference.to_string(),
        "kind": c.kind,
        "flags": c.flags,
        "state": c.state,
        "stage": app.loaded.policy.stage(c.stage).map(|s| s.id.clone()),
        "complainant": c.complainant.address,
        "complainant_name": c.complainant.name,
        "handler": c.handler,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
        "lessons": c.lessons,
        "share_permission": c.share_permission,
        "deadlines": c.deadlines,
        "linked": c.linked.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "escalation_undecided": c.escalation_undecided,
        "language": c.language,
        "retain_until": crate::core::retention::retain_until(c, app.loaded.policy.retention.period),
        "hold": c.hold,
        "anonymised_at": c.anonymised_at,
        "records": c.records,
    })
}

pub(super) async fn cases_list(
    config: Option<&Path>,
    json: bool,
    state: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let state = state
        .map(|s| {
            s.parse::<State>()
                .map_err(|_| anyhow!("{s:?} is not a case state (e.g. open, responded, closed)"))
        })
        .transpose()?;
    let app = app(config).await?;
    let cases = app.store.list_cases(state).await?;
    for c in &cases {
        if json {
            crate::outln!("{}", case_json(&app, c));
        } else {
            let stage = app
                .loaded
                .policy
                .stage(c.stage)
                .map(|s| s.id.clone())
                .unwrap_or_default();
            crate::outln!(
                "{:<16} {:<10} {:<20} {:<7} {:<28} {}",
                c.reference.to_string(),
                c.kind.as_str(),
                c.state.as_str(),
                stage,
                one_line(
                    c.complainant
                        .name
                        .as_deref()
                        .unwrap_or(&c.complainant.address)
                ),
                app.calendar.to_local(c.opened_at).format("%Y-%m-%d %H:%M")
            );
        }
    }
    if !json {
        crate::outln!("{} case(s)", cases.len());
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn cases_show(
    config: Option<&Path>,
    reference: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let reference = &reference.parse::<CaseRef>()?;
    let app = app(config).await?;
    let c = app
        .store
        .case(reference)
        .await?
        .ok_or_else(|| anyhow!("no case {reference}"))?;
    let audit = app.store.case_audit(reference).await?;
    let outbox = app.store.outbox(Some(reference)).await?;
    if json {
        let mut v = case_json(&app, &c);
        v["audit"] = serde_json::to_value(&audit)?;
        v["outgoing"] = serde_json::json!(outbox
            .iter()
            .map(|o| serde_json::json!({"template": o.template, "to": o.recipient, "status": o.status, "message_id": o.message_id}))
            .collect::<Vec<_>>());
        crate::outln!("{v}");
        return Ok(ExitCode::SUCCESS);
    }
    let local = |t: DateTime<Utc>| {
        app.calendar
            .to_local(t)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    crate::outln!("{} ({}, {})", c.reference, c.kind, c.state.as_str());
    crate::outln!(
        "  from:     {} {}",
        one_line(c.complainant.name.as_deref().unwrap_or_default()),
        one_line(&c.complainant.address)
    );
    crate::outln!(
        "  stage:    {}",
        app.loaded
            .policy
            .stage(c.stage)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    );
    crate::outln!(
        "  handler:  {}",
        c.handler.clone().unwrap_or_else(|| "none".into())
    );
    if app.languages.len() > 1 || c.language.is_some() {
        crate::outln!(
            "  language: {}",
            c.language.as_deref().map_or_else(
                || "not known (written to bilingually)".to_string(),
                |l| format!(
                    "{} ({l})",
                    crate::core::locale::language_name(crate::config::WORKING_LANGUAGE, l)
                )
            )
        );
    }
    crate::outln!(
        "  flags:    {}",
        c.flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for d in &c.deadlines {
        crate::outln!(
            "  deadline: {:?} due {}{}",
            d.kind,
            local(d.due),
            if d.breached { " BREACHED" } else { "" }
        );
    }
    if let Some(l) = &c.lessons {
        crate::outln!("  lessons:  {}", one_line(l));
    }
    crate::outln!(
        "  retain:   {}",
        crate::work::retention::retention_words(&app, &c)
    );
    if let Some(h) = &c.hold {
        crate::outln!(
            "  hold:     {} (placed by {} on {})",
            one_line(&h.reason),
            one_line(&h.by),
            local(h.at)
        );
    }
    if !c.linked.is_empty() {
        let linked: Vec<String> = c.linked.iter().map(|r| r.to_string()).collect();
        crate::outln!("  linked:   {}", linked.join(", "));
    }
    if c.escalation_undecided {
        crate::outln!(
            "  waiting:  the handler's decision on an unclear reply (#escalate or #no-escalate)"
        );
    }
    let records = c.records.lines(
        &|i| {
            app.loaded
                .policy
                .stage(i)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| format!("stage {}", i + 1))
        },
        &|t| local(t),
        &|s| one_line(s).into_owned(),
    );
    if !records.is_empty() {
        crate::outln!("records:");
        for l in &records {
            crate::outln!("  {l}");
        }
    }
    crate::outln!("audit:");
    for a in &audit {
        crate::outln!(
            "  {}  {:<24} {:<26} {}",
            local(a.at),
            one_line(&a.actor),
            one_line(&a.action),
            one_line(&a.detail)
        );
    }
    crate::outln!("outgoing:");
    for o in &outbox {
        crate::outln!(
            "  {}  {:<28} to {:<40} {}",
            local(o.created_at),
            o.template,
            o.recipient,
            o.status.as_str()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn cases_export(
    config: Option<&Path>,
    references: &[String],
    out: &Path,
) -> anyhow::Result<ExitCode> {
    // Every reference is checked before anything is written.
    let references = references
        .iter()
        .map(|r| r.parse::<CaseRef>())
        .collect::<Result<Vec<_>, _>>()?;
    let app = app(config).await?;
    let bar = progress::bar(references.len() as u64, "exporting", "cases");
    for reference in &references {
        let folder = export::export(&app, reference, out).await?;
        bar.suspend(|| crate::outln!("exported {reference} to {}", folder.display()));
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn digest_cmd(
    config: Option<&Path>,
    preview: bool,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let now = now_or(now);
    if preview {
        let d = digest::build(&app, now).await?;
        crate::out!("{}", d.to_text());
        return Ok(ExitCode::SUCCESS);
    }
    if scheduler::send_digest_if_due(&app, now).await? {
        crate::outln!("digest queued");
        send(&app, now).await?;
    } else {
        crate::outln!(
            "digest not due (not a working day, before the configured time, or already sent today)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn quarantine_list(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let list = app.store.quarantine_list().await?;
    for q in &list {
        crate::outln!(
            "{:<5} {}  {:<30} {:<40} {}",
            q.id,
            app.calendar.to_local(q.at).format("%Y-%m-%d %H:%M"),
            one_line(q.from_addr.as_deref().unwrap_or("(unknown sender)")),
            one_line(q.subject.as_deref().unwrap_or_default()),
            one_line(&q.reason)
        );
    }
    crate::outln!("{} message(s) in quarantine", list.len());
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn quarantine_show(config: Option<&Path>, id: i64) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let q = app
        .store
        .quarantine_get(id)
        .await?
        .ok_or_else(|| anyhow!("no quarantine entry {id}"))?;
    crate::outln!("quarantine {}: {}", q.id, q.reason);
    crate::outln!(
        "  received from {} at {}",
        q.source,
        app.calendar.to_local(q.at).format("%Y-%m-%d %H:%M")
    );
    crate::outln!(
        "  sender: {}",
        one_line(q.from_addr.as_deref().unwrap_or("(unknown)"))
    );
    crate::outln!(
        "  subject: {}",
        one_line(q.subject.as_deref().unwrap_or_default())
    );
    crate::outln!("  size: {} bytes (message row {})", q.size, q.message_row);
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn quarantine_replay(
    config: Option<&Path>,
    id: i64,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let now = now_or(now);
    match ingest::replay(&app, id, now).await {
        Ok(outcome) => {
            crate::outln!("replayed {id}: {outcome:?}");
            send(&app, now).await?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            crate::outln!("replay {id}: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub(super) async fn retention_cmd(
    config: Option<&Path>,
    dry_run: bool,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let now = now_or(now);
    let period = app.loaded.policy.retention.period;
    let r = crate::work::retention::run(&app, now, dry_run).await?;
    let day = |t: DateTime<Utc>| app.calendar.to_local(t).format("%Y-%m-%d").to_string();
    for c in &r.cases {
        let until = c.retain_until.map(day).unwrap_or_default();
        match &c.kept {
            Some(why) => crate::outln!(
                "{}  closed {}  retain until {until}  KEPT: {}",
                c.reference,
                day(c.closed_at),
                one_line(why)
            ),
            None => crate::outln!(
                "{}  closed {}  retain until {until}  {}",
                c.reference,
                day(c.closed_at),
                if dry_run {
                    "would be anonymised"
                } else {
                    "anonymised"
                }
            ),
        }
    }
    let kept = r.cases.len() - r.anonymised();
    crate::outln!(
        "retention ({period} after closing): {} case(s) {}, {kept} kept on legal hold",
        r.anonymised(),
        if dry_run {
            "would be anonymised"
        } else {
            "anonymised"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn subject_access_cmd(
    config: Option<&Path>,
    email: &str,
    out: &Path,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let folder = crate::work::retention::subject_access(&app, email, out, now_or(now)).await?;
    crate::outln!("{}", folder.display());
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn erase_cmd(
    config: Option<&Path>,
    email: &str,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let r = crate::work::retention::erase(&app, email, now_or(now)).await?;
    for c in &r.cases {
        crate::outln!("{c}  anonymised");
    }
    for (c, why) in &r.refused {
        crate::outln!("{c}  KEPT: {}", one_line(why));
    }
    crate::outln!(
        "erasure: {} case(s) anonymised, {} message(s), {} sent mail(s) and {} audit detail(s) removed elsewhere, {} case(s) and {} message(s) kept (open or on legal hold)",
        r.cases.len(),
        r.messages,
        r.sent,
        r.audit,
        r.refused.len(),
        r.kept_messages
    );
    Ok(if r.refused.is_empty() && r.kept_messages == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(super) async fn cases_hold(
    config: Option<&Path>,
    reference: &str,
    reason: Option<String>,
    by: &str,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    let reference = reference.parse::<CaseRef>()?;
    let by = by.trim().to_ascii_lowercase();
    let app = app(config).await?;
    if app.directory.by_email(&by).is_none() {
        return Err(anyhow!("{by} is not a member of staff in the config"));
    }
    let placing = reason.is_some();
    crate::work::retention::set_hold(&app, &reference, reason, &by, now_or(now)).await?;
    crate::outln!(
        "{reference}: {}",
        if placing {
            "on legal hold"
        } else {
            "legal hold released"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn survey_cmd(config: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let cases = app.store.surveyed_cases().await?;
    let answers: Vec<(&Case, &crate::core::survey::Answer)> = cases
        .iter()
        .filter_map(|c| Some((c, c.survey.as_ref()?.answer.as_ref()?)))
        .collect();
    let mut scores = [0usize; 5];
    for (_, a) in &answers {
        if let Some(s) = a.score.filter(|s| (1..=5).contains(s)) {
            scores[usize::from(s) - 1] += 1;
        }
    }
    let scored: usize = scores.iter().sum();
    let mean = (scored > 0).then(|| {
        scores
            .iter()
            .enumerate()
            .map(|(i, n)| (i + 1) * n)
            .sum::<usize>() as f64
            / scored as f64
    });
    let satisfied = answers
        .iter()
        .filter(|(_, a)| a.satisfied == Some(true))
        .count();
    let not = answers
        .iter()
        .filter(|(_, a)| a.satisfied == Some(false))
        .count();
    if json {
        crate::outln!(
            "{}",
            serde_json::json!({
                "sent": cases.len(),
                "answered": answers.len(),
                "scores": scores,
                "mean_score": mean,
                "satisfied": satisfied,
                "not_satisfied": not,
                "comments": answers.iter().filter_map(|(c, a)| Some(serde_json::json!({"reference": c.reference.to_string(), "comment": a.comment.as_ref()?}))).collect::<Vec<_>>(),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    crate::outln!(
        "satisfaction survey: {} sent, {} answered",
        cases.len(),
        answers.len()
    );
    crate::outln!(
        "scores (1-5): {}; mean {}",
        scores
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}: {n}", i + 1))
            .collect::<Vec<_>>()
            .join(", "),
        mean.map(|m| format!("{m:.1}"))
            .unwrap_or_else(|| "none".into())
    );
    crate::outln!("satisfied: {satisfied}, not satisfied: {not}");
    for (c, a) in &answers {
        if let Some(comment) = &a.comment {
            crate::outln!("  {}  {}", c.reference, one_line(comment));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `complaintd report`: the period's figures from the store, written in
/// `format` into `out`; prints each file written.
pub(super) async fn report_cmd(
    config: Option<&Path>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    format: crate::report::Format,
    out: Option<&Path>,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<ExitCode> {
    if to < from {
        anyhow::bail!("--to {to} is before --from {from}");
    }
    let app = app(config).await?;
    let period = crate::core::report::Period {
        from,
        to: to
            .succ_opt()
            .ok_or_else(|| anyhow!("--to {to} is the last day there is"))?,
    };
    let stages = app
        .loaded
        .policy
        .stages
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let report = crate::report::build(
        &app.store,
        &app.calendar,
        &app.loaded.config.organisation.name,
        stages,
        period,
        now_or(now),
    )
    .await?;
    for path in crate::report::write::write(&report, format, out.unwrap_or(Path::new(".")))? {
        crate::outln!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
