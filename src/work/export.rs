//! Exporting a case for audit and inspection: a folder named like
//! `Jennifer Saunders 21-12-2026` holding the original messages and a
//! readable case record with the full audit trail.

use crate::app::App;
use crate::core::redact::redact_message;
use crate::core::reference::CaseRef;
use crate::core::text::{cut_bytes, one_line};
use crate::core::token::redact_tokens;
use crate::private_fs;
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

/// File names are limited to 255 bytes (not characters) on Linux file
/// systems; a folder name is cut to fit at a character boundary.
const NAME_MAX: usize = 255;

/// A name safe as one path component of at most `max_bytes` bytes: letters,
/// digits, spaces, `-` and `'`, cut at a character boundary.
fn safe_component(s: &str, max_bytes: usize) -> String {
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
    let cut = cut_bytes(&squashed, max_bytes).trim_end();
    if cut.is_empty() {
        cut_bytes("Unknown", max_bytes).to_string()
    } else {
        cut.to_string()
    }
}

/// `Name DD-MM-YYYY[ REF]` within [`NAME_MAX`] bytes: the name gives way,
/// never the date or the reference.
fn folder_name(name: &str, suffix: &str) -> String {
    let room = NAME_MAX.saturating_sub(suffix.len() + 1);
    format!("{} {suffix}", safe_component(name, room))
}

/// Export a case into `out`; returns the folder written.
pub async fn export(app: &App, reference: &CaseRef, out: &Path) -> Result<PathBuf, ExportError> {
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
    let mut folder = out.join(folder_name(&name, &date.to_string()));
    if folder.exists() {
        // Two cases for one person on one day: keep both, distinguished by reference.
        folder = out.join(folder_name(&name, &format!("{date} {}", c.reference)));
    }
    let io = |p: &Path, e| ExportError::Io(p.to_path_buf(), e);
    // A case record is personal data: owner-only, whatever the umask.
    private_fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;

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
        // A handler's reply carries their token (subject, To), in whatever
        // encoding their client chose: not in an export.
        private_fs::write(&f, &redact_message(&m.raw)).map_err(|e| io(&f, e))?;
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
            safe_component(&m.template, 100)
        ));
        // Mail to staff carries its token in the subject and reply address.
        private_fs::write(&f, &redact_message(&m.raw)).map_err(|e| io(&f, e))?;
        files.push((m.created_at, f));
    }

    let mut rec = String::new();
    let _ = writeln!(rec, "Case record: {}", c.reference);
    let _ = writeln!(rec, "Organisation: {}", app.loaded.config.organisation.name);
    let _ = writeln!(rec, "Procedure: {}", app.loaded.policy.procedure.name);
    // Every value from outside (names, addresses, subjects, handlers' words)
    // goes through one_line: a newline in it must not forge a record line.
    let _ = writeln!(
        rec,
        "Customer: {} <{}>",
        one_line(&name),
        one_line(&c.complainant.address)
    );
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
        one_line(c.handler.as_deref().unwrap_or("none"))
    );
    let _ = writeln!(rec, "Opened: {}", local(c.opened_at));
    if let Some(t) = c.closed_at {
        let _ = writeln!(rec, "Closed: {}", local(t));
    }
    let _ = writeln!(
        rec,
        "Lessons learnt and changes made or recommended: {}",
        one_line(c.lessons.as_deref().unwrap_or("not recorded"))
    );
    if let Some(p) = c.share_permission {
        let _ = writeln!(
            rec,
            "Permission to share: {}",
            if p { "given" } else { "refused" }
        );
    }
    let _ = writeln!(
        rec,
        "Retention: {}",
        crate::work::retention::retention_words(app, &c)
    );
    if let Some(h) = &c.hold {
        let _ = writeln!(
            rec,
            "Legal hold: {} (placed by {} on {})",
            one_line(&h.reason),
            one_line(&h.by),
            local(h.at)
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
        let _ = writeln!(rec, "\nRecords");
        for l in &records {
            let _ = writeln!(rec, "  {l}");
        }
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
            one_line(&a.actor),
            one_line(&a.action),
            one_line(&a.detail)
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
            one_line(f.file_name().and_then(|n| n.to_str()).unwrap_or(""))
        );
    }
    let f = folder.join("case-record.txt");
    private_fs::write(&f, redact_tokens(&rec).as_bytes()).map_err(|e| io(&f, e))?;
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::{folder_name, safe_component, NAME_MAX};

    #[test]
    fn names_never_become_paths() {
        assert_eq!(
            safe_component("Jennifer Saunders", 255),
            "Jennifer Saunders"
        );
        assert_eq!(safe_component("../../etc/passwd", 255), "etc passwd");
        assert_eq!(safe_component("Siân O'Neill", 255), "Siân O'Neill");
        assert_eq!(safe_component("///", 255), "Unknown");
        assert_eq!(safe_component("a\nState: closed", 255), "a State closed");
    }

    #[test]
    fn folder_names_fit_in_255_bytes_at_a_character_boundary() {
        // 4-byte letters: 100 of them are 400 bytes.
        let long = "\u{20000}".repeat(100);
        for suffix in ["21-12-2026", "21-12-2026 CMP-2026-0042"] {
            let f = folder_name(&long, suffix);
            assert!(f.len() <= NAME_MAX, "{} bytes", f.len());
            assert!(f.ends_with(suffix));
            assert!(f.starts_with('\u{20000}'));
        }
        assert_eq!(folder_name("Jo", "21-12-2026"), "Jo 21-12-2026");
    }
}
