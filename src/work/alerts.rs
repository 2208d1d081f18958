//! Operator alerts: a mailbox or SMTP account that keeps failing to sign in
//! past a grace period, its recovery, and client secrets about to expire.
//! Called from every scheduler tick; each alert is queued in the same
//! transaction that records it was sent, so it goes out exactly once.

use crate::app::App;
use crate::config::{Config, OAuth2Config};
use crate::core::oauth::{self, FailureKind};
use crate::mail::sender::{ALERTS_ACCOUNT, ALERT_TEMPLATE, OUTBOX_ACCOUNT};
use crate::store::{AccountHealth, Store};
use crate::work::drafts::Drafts;
use crate::work::effects::ApplyError;
use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

/// A configured account that signs in somewhere.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its name in the health table.
    pub name: String,
    /// How people know it.
    pub label: String,
    /// Its OAuth2 settings, if it signs in that way.
    pub oauth2: Option<OAuth2Config>,
}

/// Every IMAP mailbox and SMTP account in the config.
pub fn accounts(c: &Config) -> Vec<Account> {
    let mut out = Vec::new();
    for m in &c.mailboxes {
        if let Some(imap) = &m.imap {
            out.push(Account {
                name: crate::mail::imap::account_name(&m.name),
                label: format!("mailbox {} ({} on {})", m.name, imap.username, imap.host),
                oauth2: imap.oauth2.clone(),
            });
        }
    }
    for (name, what, smtp) in [
        (OUTBOX_ACCOUNT, "outgoing mail", &c.outbox.smtp),
        (ALERTS_ACCOUNT, "alerts", &c.alerts.smtp),
    ] {
        if let Some(s) = smtp {
            out.push(Account {
                name: name.into(),
                label: format!(
                    "SMTP account for {what} ({}{})",
                    s.username
                        .as_deref()
                        .map(|u| format!("{u} on "))
                        .unwrap_or_default(),
                    s.host
                ),
                oauth2: s.oauth2.clone(),
            });
        }
    }
    out
}

/// What to tell operators about one account now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// It has been failing past its grace period and nobody was told.
    Failing,
    /// It works again after an alert.
    Recovered,
}

/// The pure rule: alert once a failure run outlasts its grace (shorter for
/// refused credentials than for outages), and send the all-clear once after.
pub fn decide(
    h: &AccountHealth,
    grace: Duration,
    outage_grace: Duration,
    now: DateTime<Utc>,
) -> Option<Decision> {
    match (h.failing_since, h.alerted_at) {
        (Some(since), None) => {
            let g = if h.failure_kind == Some(FailureKind::Auth) {
                grace
            } else {
                outage_grace
            };
            (now - since >= g).then_some(Decision::Failing)
        }
        (None, Some(_)) => Some(Decision::Recovered),
        _ => None,
    }
}

/// Is this account's failure past its grace (alerted, or due to be)? Such
/// accounts head the digest.
pub fn is_alarming(app: &App, h: &AccountHealth, now: DateTime<Utc>) -> bool {
    let a = &app.loaded.config.alerts;
    h.failing_since.is_some()
        && (h.alerted_at.is_some()
            || decide(
                h,
                Duration::minutes(a.grace_minutes as i64),
                Duration::minutes(a.outage_grace_minutes as i64),
                now,
            )
            .is_some())
}

/// Was the account refused (credentials, consent: a person must act) rather
/// than unreachable (server down, timeouts: it may clear by itself)? A
/// refusal seen during the failure marks it for good (see `login_failed`).
fn refused(h: &AccountHealth) -> bool {
    h.failure_kind == Some(FailureKind::Auth)
}

/// One line about a failing account, for the digest and `status`.
pub fn describe(app: &App, label: &str, h: &AccountHealth) -> String {
    let local = |t: DateTime<Utc>| {
        app.calendar
            .to_local(t)
            .format("%a %-d %b %H:%M")
            .to_string()
    };
    let trouble = if refused(h) {
        "cannot sign in"
    } else {
        "unreachable"
    };
    let mut s = format!(
        "{label}: {trouble} since {}",
        h.failing_since.map(local).unwrap_or_default()
    );
    if let Some(e) = &h.last_error {
        s.push_str(&format!(": {e}"));
    }
    s.push_str(&format!(
        " (last good sign-in: {})",
        h.last_login_at.map(local).unwrap_or_else(|| "never".into())
    ));
    s
}

/// What `tick` did about alerts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AlertReport {
    /// Mails queued (alerts, all-clears, expiry warnings).
    pub queued: usize,
}

/// Queue whatever alerts are due at `now`.
pub async fn tick(app: &App, now: DateTime<Utc>) -> Result<AlertReport, ApplyError> {
    let mut report = AlertReport::default();
    let cfg = &app.loaded.config.alerts;
    let configured = accounts(&app.loaded.config);
    let health = app.store.account_health().await?;
    let grace = Duration::minutes(cfg.grace_minutes as i64);
    let outage = Duration::minutes(cfg.outage_grace_minutes as i64);
    for h in &health {
        let Some(acc) = configured.iter().find(|a| a.name == h.account) else {
            continue; // an account no longer configured
        };
        let Some(d) = decide(h, grace, outage, now) else {
            continue;
        };
        let (subject, body) = match d {
            Decision::Failing => {
                let error = h.last_error.clone().unwrap_or_default();
                // Say what happened: a refused sign-in needs a person, while a
                // server that cannot be reached may be an outage elsewhere.
                let (trouble, headline) = if refused(h) {
                    ("cannot sign in to", "cannot sign in")
                } else {
                    ("cannot reach", "unreachable")
                };
                let mut body = format!(
                    "complaintd {trouble} the {label}.\n\n\
                     Failing since: {since}\nLast good sign-in: {last}\nError: {error}\n",
                    label = acc.label,
                    since = fmt(app, h.failing_since),
                    last = fmt(app, h.last_login_at),
                );
                // The hints speak of tokens and app registrations.
                if let Some(hint) = oauth::hint(&error).filter(|_| acc.oauth2.is_some()) {
                    body.push_str(&format!("\nWhat to check: {hint}\n"));
                }
                body.push_str(if h.account.starts_with("mailbox:") {
                    "\nUntil this is fixed, mail sent to this mailbox is not being read: it waits \
                     on the server and is taken in, nothing lost, once the mailbox works again."
                } else {
                    "\nUntil this is fixed, outgoing mail (acknowledgements, notifications to \
                     staff) waits in the outbox, using up none of its retries, and is sent \
                     within seconds of the account working again."
                });
                body.push_str(
                    " Every other mailbox keeps working. `complaintd status` and \
                     `complaintd check` show more.\nYou will get one more email when it works again.\n",
                );
                (format!("complaintd ALERT: {} {headline}", acc.label), body)
            }
            Decision::Recovered => (
                format!("complaintd: {} works again", acc.label),
                format!(
                    "complaintd signed in to the {} again at {}. Mail that arrived or waited meanwhile is being handled now.\n",
                    acc.label,
                    fmt(app, h.last_login_at)
                ),
            ),
        };
        let alerted = match d {
            Decision::Failing => Some(now),
            Decision::Recovered => None,
        };
        let mut drafts = Drafts::default();
        let n = loop {
            let mut tx = drafts.begin(app).await?;
            let out = async {
                let n = queue(app, &mut tx, &mut drafts, &subject, &body, now).await?;
                Store::set_alerted(&mut tx, &h.account, alerted).await?;
                Ok::<_, ApplyError>(n)
            }
            .await;
            if let Some(n) = drafts.end(app, tx, out).await? {
                break n;
            }
        };
        match d {
            Decision::Failing => warn!(account = %h.account, operators = n, "sign-in alert sent"),
            Decision::Recovered => info!(account = %h.account, "sign-in recovered; all-clear sent"),
        }
        report.queued += n;
    }
    // Client secrets and certificates about to expire.
    let today = app.calendar.to_local(now).date();
    for acc in &configured {
        let Some(expires) = acc.oauth2.as_ref().and_then(|o| o.secret_expires) else {
            continue;
        };
        let left = (expires - today).num_days();
        let sent = app.store.secret_warnings(&acc.name, expires).await?;
        let Some(mark) = oauth::expiry_warning_due(left, &sent) else {
            continue;
        };
        let subject = if left <= 0 {
            format!(
                "complaintd ALERT: the client secret for the {} has expired",
                acc.label
            )
        } else {
            format!(
                "complaintd: the client secret for the {} expires in {left} day{}",
                acc.label,
                if left == 1 { "" } else { "s" }
            )
        };
        let body = format!(
            "The client secret (or certificate) that complaintd uses for the {} expires on {expires}.\n\n\
             Create a new one before then (Microsoft Entra ID: App registrations, the app, \
             Certificates & secrets), put it in the client secret file, set secret_expires to its \
             new expiry date, and run `complaintd check`. When it expires, this mailbox stops \
             being read.\n",
            acc.label
        );
        let mut drafts = Drafts::default();
        let n = loop {
            let mut tx = drafts.begin(app).await?;
            let out = async {
                let n = queue(app, &mut tx, &mut drafts, &subject, &body, now).await?;
                Store::secret_warned(&mut tx, &acc.name, expires, mark, now).await?;
                Ok::<_, ApplyError>(n)
            }
            .await;
            if let Some(n) = drafts.end(app, tx, out).await? {
                break n;
            }
        };
        warn!(account = %acc.name, days_left = left, "secret expiry warning sent");
        report.queued += n;
    }
    Ok(report)
}

fn fmt(app: &App, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        app.calendar
            .to_local(t)
            .format("%A %-d %B %Y %H:%M")
            .to_string()
    })
    .unwrap_or_else(|| "never".into())
}

/// Queue one plain alert to every operator. Returns how many.
async fn queue(
    app: &App,
    tx: &mut crate::store::Conn,
    drafts: &mut Drafts,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<usize, ApplyError> {
    let html = format!(
        "<pre style=\"font-family: sans-serif; white-space: pre-wrap\">{}</pre>",
        handlebars::html_escape(body)
    );
    let from = format!("complaintd at {}", app.loaded.config.organisation.name);
    let operators = &app.loaded.config.alerts.operators;
    for to in operators {
        crate::work::effects::queue_notice(
            app,
            tx,
            drafts,
            "alert",
            ALERT_TEMPLATE,
            to,
            &from,
            (subject, body, &html),
            &[],
            now,
        )
        .await?;
    }
    Ok(operators.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(since: Option<&str>, kind: FailureKind, alerted: Option<&str>) -> AccountHealth {
        AccountHealth {
            account: "mailbox:complaints".into(),
            last_login_at: None,
            last_error: Some("x".into()),
            last_error_at: None,
            failing_since: since.map(|s| s.parse().unwrap()),
            failure_kind: Some(kind),
            alerted_at: alerted.map(|s| s.parse().unwrap()),
        }
    }

    #[test]
    fn alerts_after_grace_once_and_all_clear_after() {
        let g = Duration::minutes(10);
        let o = Duration::minutes(60);
        let now: DateTime<Utc> = "2026-11-23T10:30:00Z".parse().unwrap();
        assert_eq!(
            decide(
                &h(Some("2026-11-23T10:25:00Z"), FailureKind::Auth, None),
                g,
                o,
                now
            ),
            None
        );
        assert_eq!(
            decide(
                &h(Some("2026-11-23T10:20:00Z"), FailureKind::Auth, None),
                g,
                o,
                now
            ),
            Some(Decision::Failing)
        );
        assert_eq!(
            decide(
                &h(Some("2026-11-23T10:00:00Z"), FailureKind::Transient, None),
                g,
                o,
                now
            ),
            None
        );
        assert_eq!(
            decide(
                &h(Some("2026-11-23T09:30:00Z"), FailureKind::Transient, None),
                g,
                o,
                now
            ),
            Some(Decision::Failing)
        );
        assert_eq!(
            decide(
                &h(
                    Some("2026-11-23T09:00:00Z"),
                    FailureKind::Auth,
                    Some("2026-11-23T09:10:00Z")
                ),
                g,
                o,
                now
            ),
            None,
            "told once"
        );
        assert_eq!(
            decide(
                &h(None, FailureKind::Auth, Some("2026-11-23T09:10:00Z")),
                g,
                o,
                now
            ),
            Some(Decision::Recovered)
        );
        assert_eq!(decide(&h(None, FailureKind::Auth, None), g, o, now), None);
    }
}
