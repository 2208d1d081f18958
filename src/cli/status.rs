//! `complaintd status [--json]`: the health of every mailbox, the outbox and
//! the scheduler, read from the database the daemon writes.

use super::store_commands::app;
use crate::store::Worker;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

fn ago(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    match t {
        None => "never".into(),
        Some(t) => {
            let s = (now - t).num_seconds().max(0);
            match s {
                0..=119 => format!("{s}s ago"),
                120..=7199 => format!("{}m ago", s / 60),
                _ => format!("{}h ago", s / 3600),
            }
        }
    }
}

pub(super) async fn status(config: Option<&Path>, json_out: bool) -> anyhow::Result<ExitCode> {
    let app = app(config).await?;
    let now = Utc::now();
    let fetch = app.store.fetch_states().await?;
    let counts = app.store.outbox_counts().await?;
    let oldest = app.store.oldest_pending().await?;
    let beats = app.store.heartbeats().await?;
    let beat = |w: Worker| beats.iter().find(|(name, _)| *name == w).map(|(_, t)| *t);
    let digest = app.store.last_digest().await?;
    let quarantined = app.store.quarantine_list().await?.len();
    let next_timer = app.store.next_timer().await?;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let health = app.store.account_health().await?;
    let today = app.calendar.to_local(now).date();
    let mut accounts = Vec::new();
    for acc in crate::work::alerts::accounts(&app.loaded.config) {
        let h = health.iter().find(|h| h.account == acc.name);
        let failing_since = h.and_then(|h| h.failing_since);
        if let (Some(h), Some(_)) = (h, failing_since) {
            problems.push(crate::work::alerts::describe(&app, &acc.label, h));
        }
        let expires = acc.oauth2.as_ref().and_then(|o| o.secret_expires);
        let left = expires.map(|e| (e - today).num_days());
        match left {
            Some(d) if d < 0 => problems.push(format!(
                "the client secret for the {} has expired",
                acc.label
            )),
            Some(d) if d <= 30 => warnings.push(format!(
                "the client secret for the {} expires in {d} day(s)",
                acc.label
            )),
            _ => {}
        }
        accounts.push(json!({
            "account": acc.name,
            "label": acc.label,
            "sign_in": if acc.oauth2.is_some() { "oauth2" } else { "password" },
            "last_login": h.and_then(|h| h.last_login_at),
            "last_error": h.and_then(|h| h.last_error.clone()),
            "last_error_at": h.and_then(|h| h.last_error_at),
            "failing_since": failing_since,
            "failure_kind": h.and_then(|h| h.failure_kind),
            "alerted_at": h.and_then(|h| h.alerted_at),
            "secret_expires": expires,
            "secret_days_left": left,
        }));
    }
    // Instances and leases, on the database's clock.
    let (db_now, registered) = app.store.instances().await?;
    let leases = app.store.mailbox_leases().await?;
    let lease_time = app.loaded.config.instances.lease();
    // A lease counts as held while unexpired; its holder may be paused.
    let holder_of = |mailbox: &str| {
        leases
            .iter()
            .find(|l| l.mailbox == mailbox && l.expires_at > db_now)
            .and_then(|l| l.holder.clone().map(|h| (h, l.fence, l.expires_at)))
    };
    let held_by = |id: &str| -> Vec<&str> {
        leases
            .iter()
            .filter(|l| l.holder.as_deref() == Some(id) && l.expires_at > db_now)
            .map(|l| l.mailbox.as_str())
            .collect()
    };
    let alive = |i: &crate::store::InstanceRow| {
        crate::core::lease::alive(i.heartbeat_at, i.stopped_at.is_some(), db_now, lease_time)
    };
    let instances: Vec<_> = registered
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "host": i.host,
                "pid": i.pid,
                "version": i.version,
                "started": i.started_at,
                "last_heartbeat": i.heartbeat_at,
                "stopped": i.stopped_at,
                "alive": alive(i),
                "leases": held_by(&i.id),
            })
        })
        .collect();
    let mut mailboxes = Vec::new();
    for mb in &app.loaded.config.mailboxes {
        let st = fetch.iter().find(|f| f.mailbox == mb.name);
        let ok = st.and_then(|s| s.last_success_at);
        let err = st.and_then(|s| s.last_error.clone().zip(s.last_error_at));
        let failing = match (&err, ok) {
            (Some((_, at)), Some(ok)) => *at > ok,
            (Some(_), None) => true,
            _ => false,
        };
        let signin_failing = health.iter().any(|h| {
            h.account == crate::mail::imap::account_name(&mb.name) && h.failing_since.is_some()
        });
        // A sign-in failure is already reported, in more detail, above.
        if failing && !signin_failing {
            problems.push(format!("mailbox {} is failing", mb.name));
        }
        mailboxes.push(json!({
            "name": mb.name,
            "kind": if mb.imap.is_some() { "imap" } else { "maildir" },
            "last_success": ok,
            "last_error": err.as_ref().map(|(e, _)| e.clone()),
            "last_error_at": err.as_ref().map(|(_, t)| *t),
            "failing": failing,
            "read_by": holder_of(&mb.name).map(|(h, fence, until)| json!({"instance": h, "fence": fence, "until": until})),
        }));
    }
    if counts.failed > 0 {
        problems.push(format!(
            "{} outgoing mail(s) failed permanently",
            counts.failed
        ));
    }
    if quarantined > 0 {
        problems.push(format!("{quarantined} message(s) in quarantine"));
    }
    let v = json!({
        "ok": problems.is_empty(),
        "problems": problems,
        "warnings": warnings,
        "accounts": accounts,
        "mailboxes": mailboxes,
        "outbox": {"pending": counts.pending, "sent": counts.sent, "failed": counts.failed, "oldest_pending": oldest, "last_pass": beat(Worker::Sender)},
        "scheduler": {"last_pass": beat(Worker::Scheduler), "next_timer": next_timer, "last_digest": digest.as_ref().map(|(d, _)| d.clone())},
        "quarantined": quarantined,
        "instances": instances,
    });
    if json_out {
        crate::outln!("{v}");
    } else {
        crate::outln!(
            "complaintd status: {}",
            if problems.is_empty() {
                "ok".to_string()
            } else {
                problems.join("; ")
            }
        );
        for m in &mailboxes {
            let last_ok = m["last_success"].as_str().and_then(|s| s.parse().ok());
            crate::out!(
                "  mailbox {:<14} {:<8} last fetch {}",
                m["name"].as_str().unwrap_or(""),
                m["kind"].as_str().unwrap_or(""),
                ago(now, last_ok)
            );
            if let Some(e) = m["last_error"].as_str() {
                let at = m["last_error_at"].as_str().and_then(|s| s.parse().ok());
                crate::out!("; last error {}: {e}", ago(now, at));
            }
            match m["read_by"]["instance"].as_str() {
                Some(i) => crate::out!("; read by instance {i}"),
                None => crate::out!("; read by no instance"),
            }
            crate::outln!();
        }
        for i in &registered {
            let held = held_by(&i.id);
            crate::outln!(
                "  instance {} {}:{} v{} started {}, heartbeat {}, {}{}",
                i.id,
                i.host,
                i.pid,
                i.version,
                ago(db_now, Some(i.started_at)),
                ago(db_now, Some(i.heartbeat_at)),
                match (alive(i), i.stopped_at) {
                    (true, _) => "alive",
                    (false, Some(_)) => "stopped",
                    (false, None) => "DEAD (no heartbeat)",
                },
                if held.is_empty() {
                    String::new()
                } else {
                    format!("; reads {}", held.join(", "))
                }
            );
        }
        for a in &accounts {
            let t = |k: &str| a[k].as_str().and_then(|s| s.parse().ok());
            crate::out!(
                "  sign-in {:<22} {:<8} last good {}",
                a["account"].as_str().unwrap_or(""),
                a["sign_in"].as_str().unwrap_or(""),
                ago(now, t("last_login"))
            );
            if let Some(since) = t("failing_since") {
                crate::out!("; FAILING since {}", ago(now, Some(since)));
                if let Some(e) = a["last_error"].as_str() {
                    crate::out!(": {e}");
                }
                if t("alerted_at").is_some() {
                    crate::out!(" (operators alerted)");
                }
            }
            if let Some(d) = a["secret_days_left"].as_i64() {
                crate::out!(
                    "; secret expires {} ({d} days)",
                    a["secret_expires"].as_str().unwrap_or("")
                );
            }
            crate::outln!();
        }
        for w in &warnings {
            crate::outln!("  warning: {w}");
        }
        crate::outln!(
            "  outbox   {} pending (oldest {}), {} sent, {} failed; last pass {}",
            counts.pending,
            ago(now, oldest),
            counts.sent,
            counts.failed,
            ago(now, beat(Worker::Sender))
        );
        crate::outln!(
            "  scheduler last pass {}; next timer {}; last digest {}",
            ago(now, beat(Worker::Scheduler)),
            next_timer
                .map(|t| app
                    .calendar
                    .to_local(t)
                    .format("%Y-%m-%d %H:%M")
                    .to_string())
                .unwrap_or_else(|| "none".into()),
            digest.map(|(d, _)| d).unwrap_or_else(|| "never".into())
        );
        crate::outln!("  quarantine {quarantined} message(s)");
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
