//! Exporting a case for audit and inspection: a folder named like
//! `Jennifer Saunders 21-12-2026` holding the original messages and a
//! readable case record with the full audit trail.

use crate::app::App;
use crate::store::StoreError;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No such case.
    #[error("no case {0}")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing failed.
    #[error("writing {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// A name safe as one path component: letters, digits, spaces, `-` and `'`.
fn safe_component(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'') {
                c
            } else {
                ' '
            }
        })
        .collect();
    let squashed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = squashed.trim().to_string();
    if trimmed.is_empty() {
        "Unknown".into()
    } else {
        trimmed.chars().take(80).collect()
    }
}

/// Export a case into `out`; returns the folder written.
pub async fn export(app: &App, reference: &str, out: &Path) -> Result<PathBuf, ExportError> {
    let c = app
        .store
        .case(reference)
        .await?
        .ok_or_else(|| ExportError::NotFound(reference.to_string()))?;
    let name = c.complainant.name.clone().unwrap_or_else(|| {
        c.complainant
            .address
            .split('@')
            .next()
            .unwrap_or("Unknown")
            .to_string()
    });
    let date = app.calendar.to_local(c.opened_at).format("%d-%m-%Y");
    let mut folder = out.join(format!("{} {date}", safe_component(&name)));
    if folder.exists() {
        // Two cases for one person on one day: keep both, distinguished by reference.
        folder = out.join(format!("{} {date} {}", safe_component(&name), c.reference));
    }
    let io = |p: &Path, e| ExportError::Io(p.to_path_buf(), e);
    std::fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;

    let messages = app.store.case_messages(reference).await?;
    let outgoing = app.store.outbox(Some(reference)).await?;
    let audit = app.store.case_audit(reference).await?;
    let local = |t: chrono::DateTime<chrono::Utc>| {
        app.calendar
            .to_local(t)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };

    let mut files = Vec::new();
    let mut third_parties = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        // A third party's message is kept for the record but never passes
        // for the customer's own: its file name and the record say so.
        let third_party = m
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with(crate::store::THIRD_PARTY_NOTE));
        let f = folder.join(format!(
            "{:03}-received-{}{}.eml",
            i + 1,
            if third_party { "third-party-" } else { "" },
            app.calendar.to_local(m.received_at).format("%Y-%m-%d-%H%M")
        ));
        std::fs::write(&f, &m.raw).map_err(|e| io(&f, e))?;
        if third_party {
            third_parties.push((
                m.received_at,
                m.from_addr
                    .clone()
                    .unwrap_or_else(|| "unknown sender".into()),
                f.clone(),
            ));
        }
        files.push((m.received_at, f));
    }
    for (i, m) in outgoing.iter().enumerate() {
        let f = folder.join(format!(
            "{:03}-sent-{}-{}.eml",
            i + 1,
            app.calendar.to_local(m.created_at).format("%Y-%m-%d-%H%M"),
            safe_component(&m.template)
        ));
        std::fs::write(&f, &m.raw).map_err(|e| io(&f, e))?;
        files.push((m.created_at, f));
    }

    let mut rec = String::new();
    let _ = writeln!(rec, "Case record: {}", c.reference);
    let _ = writeln!(rec, "Organisation: {}", app.loaded.config.organisation.name);
    let _ = writeln!(rec, "Procedure: {}", app.loaded.policy.procedure.name);
    let _ = writeln!(rec, "Customer: {} <{}>", name, c.complainant.address);
    let _ = writeln!(rec, "Kind: {}", c.kind);
    let flags: Vec<&str> = c.flags.iter().map(|f| f.as_str()).collect();
    let _ = writeln!(
        rec,
        "Flags: {}",
        if flags.is_empty() {
            "none".to_string()
        } else {
            flags.join(", ")
        }
    );
    let _ = writeln!(rec, "State: {}", c.state.as_str());
    let _ = writeln!(
        rec,
        "Stage: {}",
        app.loaded
            .policy
            .stage(c.stage)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    );
    let _ = writeln!(
        rec,
        "Handler: {}",
        c.handler.clone().unwrap_or_else(|| "none".into())
    );
    let _ = writeln!(rec, "Opened: {}", local(c.opened_at));
    if let Some(t) = c.closed_at {
        let _ = writeln!(rec, "Closed: {}", local(t));
    }
    let _ = writeln!(
        rec,
        "Lessons learnt and changes made or recommended: {}",
        c.lessons.clone().unwrap_or_else(|| "not recorded".into())
    );
    if let Some(p) = c.share_permission {
        let _ = writeln!(
            rec,
            "Permission to share: {}",
            if p { "given" } else { "refused" }
        );
    }
    let _ = writeln!(rec, "\nDeadlines");
    for d in &c.deadlines {
        let _ = writeln!(
            rec,
            "  {:?}: due {}{}",
            d.kind,
            local(d.due),
            if d.breached { " (BREACHED)" } else { "" }
        );
    }
    if c.deadlines.is_empty() {
        let _ = writeln!(rec, "  none pending");
    }
    let _ = writeln!(rec, "\nAudit trail");
    for a in &audit {
        let _ = writeln!(
            rec,
            "  {}  {:<22} {:<28} {}",
            local(a.at),
            a.actor,
            a.action,
            a.detail
        );
    }
    if !third_parties.is_empty() {
        let _ = writeln!(
            rec,
            "\nThird-party messages (not from the customer or a contact on the case; they changed nothing)"
        );
        for (at, from, f) in &third_parties {
            let _ = writeln!(
                rec,
                "  {}  from {}  {}",
                local(*at),
                from.escape_debug(),
                f.file_name().and_then(|n| n.to_str()).unwrap_or("")
            );
        }
    }
    let _ = writeln!(rec, "\nDocuments");
    files.sort();
    for (_, f) in &files {
        let _ = writeln!(
            rec,
            "  {}",
            f.file_name().and_then(|n| n.to_str()).unwrap_or("")
        );
    }
    let f = folder.join("case-record.txt");
    std::fs::write(&f, rec).map_err(|e| io(&f, e))?;
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::safe_component;

    #[test]
    fn names_never_become_paths() {
        assert_eq!(safe_component("Jennifer Saunders"), "Jennifer Saunders");
        assert_eq!(safe_component("../../etc/passwd"), "etc passwd");
        assert_eq!(safe_component("Siân O'Neill"), "Siân O'Neill");
        assert_eq!(safe_component("///"), "Unknown");
    }
}
