//! Flood caps at the edge: the store's counts, the core's verdict
//! (`core::caps`), and what becomes of a mail a cap holds back.
//!
//! A held mail is never dropped silently: it goes into the case's audit and
//! the `held_mail` table, which the directors' digest lists. A member of
//! staff gets one summary notice instead of the held notifications (one per
//! limit and key while the flood lasts); outside recipients get nothing more,
//! since more mail to them is what the cap prevents. The case itself (its
//! clock, its deadlines, its record) is never touched by a cap.

use crate::app::App;
use crate::core::caps::{self, Cap, Held, Outgoing};
use crate::core::case::{Actor, Audit};
use crate::store::Conn;
use crate::store::{Counted, HeldMail, NewCounted, Store, StoreError};
use crate::work::drafts::Drafts;
use crate::work::effects::ApplyError;
use chrono::{DateTime, Duration, Utc};

/// The outbox template name of the summary notice that stands for folded
/// staff notifications.
pub const SUMMARY_TEMPLATE: &str = "flood_summary";

/// The digest section that lists held mail.
pub const DIGEST_TITLE: &str = "Held back by flood limits (send by hand any that were genuine)";

/// Whether a mail may be queued.
#[derive(Debug)]
pub enum Admit {
    /// Queue it (it has been counted).
    Send,
    /// Held back: the audit entry to add to the case.
    Held(Audit),
}

/// Decide whether `out` may go now, counting it if so and recording it if
/// not (with a summary notice to a member of staff the first time).
pub async fn admit(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    out: &Outgoing<'_>,
    template: &str,
    now: DateTime<Utc>,
) -> Result<Admit, ApplyError> {
    let limits = app.loaded.config.limits.caps();
    let checks = caps::checks(&limits, out);
    let (hour, day) = (now - Duration::hours(1), now - Duration::hours(24));
    for check in &checks {
        let counts = Store::cap_counts(tx, check, out.recipient, hour, day).await?;
        if let Some(held) = caps::verdict(check, counts) {
            return hold(app, tx, drafts, out, template, &held, now).await;
        }
    }
    if !checks.is_empty() {
        let kind = match (out.staff, out.relayed) {
            (true, _) => Counted::Staff,
            (false, true) => Counted::Relayed,
            (false, false) => Counted::Auto,
        };
        let domain = caps::domain_of(out.recipient);
        Store::count_mail(
            tx,
            &NewCounted {
                at: now,
                case_ref: out.case,
                recipient: out.recipient,
                domain: &domain,
                kind,
                cause: out.cause,
            },
        )
        .await?;
    }
    Ok(Admit::Send)
}

async fn hold(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    out: &Outgoing<'_>,
    template: &str,
    held: &Held,
    now: DateTime<Utc>,
) -> Result<Admit, ApplyError> {
    // One summary per recipient, limit and key while the flood lasts: the
    // first held mail after a quiet window sends it.
    let window = if held.daily {
        Duration::hours(24)
    } else {
        Duration::hours(1)
    };
    let summary = held.cap.is_staff()
        && !Store::held_since_for(tx, out.recipient, held.cap, &held.key, now - window).await?;
    Store::hold_mail(
        tx,
        &HeldMail {
            at: now,
            case_ref: Some(out.case.clone()),
            template: template.to_string(),
            recipient: out.recipient.to_string(),
            cap: held.cap,
            key: held.key.clone(),
            reason: held.reason.clone(),
        },
        summary,
    )
    .await?;
    tracing::warn!(
        case = %out.case,
        template,
        cap = held.cap.as_str(),
        summary,
        "mail held back by a flood limit"
    );
    if summary {
        queue_summary(app, tx, drafts, out, template, held, now).await?;
    }
    let folded = if held.cap.is_staff() {
        "folded into a summary notice and listed in the daily digest"
    } else {
        "listed in the daily digest"
    };
    Ok(Admit::Held(Audit {
        actor: Actor::System,
        action: "rate limited".into(),
        detail: format!(
            "{template} to {} not sent: {}; {folded}",
            out.recipient, held.reason
        ),
        message_id: None,
    }))
}

fn about(cap: Cap, key: &str) -> String {
    match cap {
        Cap::Recipient => format!("automatic mail to {key}"),
        Cap::Domain => format!("automatic replies to addresses at {key}"),
        Cap::Case => format!("notifications about {key}"),
        Cap::Sender => format!("notifications about messages from {key}"),
    }
}

async fn queue_summary(
    app: &App,
    tx: &mut Conn,
    drafts: &mut Drafts,
    out: &Outgoing<'_>,
    template: &str,
    held: &Held,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let name = crate::work::effects::person_name(app, out.recipient);
    let what = about(held.cap, &held.key);
    let subject = format!("complaintd: further {what} are held back");
    let text = format!(
        "{name},\n\n\
         A flood limit has tripped ({reason}). That looks like a flood of messages or a \
         mail loop, so complaintd is holding back further {what} to you instead of sending \
         each one.\n\n\
         Nothing is lost: every message is stored, every case is open with its deadlines \
         running, and each notification held back is recorded in its case's audit log and \
         listed in the directors' daily digest (`complaintd cases list` shows the cases). \
         Notifications resume by themselves once the count falls below the limit.\n\n\
         The first one held back: {template} about {case}.\n",
        reason = held.reason,
        case = out.case,
    );
    let html = format!(
        "<pre style=\"font-family: sans-serif; white-space: pre-wrap\">{}</pre>",
        handlebars::html_escape(&text)
    );
    crate::work::effects::queue_notice(
        app,
        tx,
        drafts,
        "flood",
        SUMMARY_TEMPLATE,
        out.recipient,
        &app.loaded.config.organisation.name,
        (&subject, &text, &html),
        &[],
        now,
    )
    .await
}

/// The digest's lines for mail held back since `since`: one heading per
/// limit and key, then one line per kind of mail and recipient with the
/// cases it was held for.
pub async fn digest_lines(app: &App, since: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    /// Held mail under one limit and key: per (template, recipient), the
    /// cases in order of first appearance.
    struct Group<'a> {
        cap: Cap,
        key: &'a str,
        n: usize,
        items: Vec<(String, Vec<&'a str>)>,
    }
    let held = app.store.held_mail_since(since).await?;
    let refs: Vec<Option<String>> = held
        .iter()
        .map(|h| h.case_ref.as_ref().map(|r| r.to_string()))
        .collect();
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (h, case) in held.iter().zip(&refs) {
        let i = match groups.iter().position(|g| g.cap == h.cap && g.key == h.key) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    cap: h.cap,
                    key: &h.key,
                    n: 0,
                    items: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        g.n += 1;
        let item = format!("{} to {}", h.template, h.recipient);
        let case = case.as_deref().unwrap_or("(no case)");
        match g.items.iter_mut().find(|(i, _)| *i == item) {
            Some((_, cases)) => cases.push(case),
            None => g.items.push((item, vec![case])),
        }
    }
    let mut lines = Vec::new();
    for g in groups {
        lines.push(format!("{}: {} held back", about(g.cap, g.key), g.n));
        for (item, cases) in g.items {
            lines.push(format!("  {item}: {}", case_list(&cases)));
        }
    }
    Ok(lines)
}

/// Case references, shortened: repeats as `REF ×n`, consecutive numbers of
/// one prefix and year as `FIRST to LAST` (a flood from one sender opens
/// one case after another).
fn case_list(cases: &[&str]) -> String {
    fn split(r: &str) -> Option<(&str, u32)> {
        let (head, n) = r.rsplit_once('-')?;
        Some((head, n.parse().ok()?))
    }
    // Runs of (first, last, repeats of the last).
    let mut runs: Vec<(&str, &str, usize)> = Vec::new();
    for &c in cases {
        if let Some(run) = runs.last_mut() {
            if run.1 == c {
                run.2 += 1;
                continue;
            }
            let next = match (split(run.1), split(c)) {
                (Some((a, x)), Some((b, y))) => a == b && y == x + 1,
                _ => false,
            };
            if next && run.2 == 1 {
                run.1 = c;
                continue;
            }
        }
        runs.push((c, c, 1));
    }
    runs.iter()
        .map(|&(first, last, times)| match (first == last, times) {
            (true, 1) => first.to_string(),
            (true, n) => format!("{first} ×{n}"),
            (false, 1) => format!("{first} to {last}"),
            (false, n) => format!("{first} to {last} (the last ×{n})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::case_list;

    #[test]
    fn case_lists_are_shortened() {
        assert_eq!(
            case_list(&["PAR-2026-0006", "PAR-2026-0007", "PAR-2026-0008"]),
            "PAR-2026-0006 to PAR-2026-0008"
        );
        assert_eq!(case_list(&["PAR-2026-0001"; 3]), "PAR-2026-0001 ×3");
        assert_eq!(
            case_list(&["PAR-2026-0001", "PAR-2026-0003", "CMP-2026-0004"]),
            "PAR-2026-0001, PAR-2026-0003, CMP-2026-0004"
        );
    }
}
