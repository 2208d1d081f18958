//! Maildir in and out: reading messages from a Maildir (or a folder of
//! `.eml` files), and delivering into one. Delivery writes into `tmp/` and
//! renames into `new/`, so a reader never sees half a message; the file name
//! comes from the Message-ID, so delivering the same mail twice after a crash
//! leaves one file.

use std::io;
use std::path::{Path, PathBuf};

/// Is this directory a Maildir (has `cur/` and `new/`)?
pub fn is_maildir(p: &Path) -> bool {
    p.join("cur").is_dir() && p.join("new").is_dir()
}

/// Every message file under the given paths, in a stable order: files as
/// given; Maildirs' `new/` then `cur/`; other directories walked recursively.
pub fn message_files(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
        } else if is_maildir(p) {
            for sub in ["new", "cur"] {
                out.extend(sorted_files(&p.join(sub))?);
            }
        } else if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            let (dirs, files): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.is_dir());
            out.extend(files.into_iter().filter(|f| !hidden_or_meta(f)));
            out.extend(message_files(&dirs)?);
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    Ok(out)
}

fn hidden_or_meta(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_none_or(|n| {
        n.starts_with('.') || n.ends_with(".jsonl") || n.ends_with(".md") || n.ends_with(".txt")
    })
}

fn sorted_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !hidden_or_meta(p))
        .collect();
    v.sort();
    Ok(v)
}

/// Mark a message in `new/` as seen by complaintd: move it to `cur/` with the
/// Maildir info suffix. Called only after the message is committed.
pub fn mark_cur(path: &Path) -> io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return Ok(());
    };
    if dir.file_name().and_then(|n| n.to_str()) != Some("new") {
        return Ok(());
    }
    let Some(root) = dir.parent() else {
        return Ok(());
    };
    let target = root.join("cur").join(if name.contains(":2,") {
        name.to_string()
    } else {
        format!("{name}:2,")
    });
    std::fs::rename(path, target)
}

/// Create `tmp/`, `new/` and `cur/` if missing, owner-only (the mail in
/// them is people's).
pub fn create(dir: &Path) -> io::Result<()> {
    crate::private_fs::create_dir_all(dir)?;
    for sub in ["tmp", "new", "cur"] {
        crate::private_fs::create_dir_all(&dir.join(sub))?;
    }
    Ok(())
}

fn file_name(message_id: &str) -> String {
    let safe: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.eml")
}

/// Deliver a message into a Maildir. Returns false if it was already there.
pub fn deliver(dir: &Path, message_id: &str, raw: &[u8]) -> io::Result<bool> {
    // Create the folders once, not three mkdir calls per message.
    if !dir.join("tmp").is_dir() || !is_maildir(dir) {
        create(dir)?;
    }
    let name = file_name(message_id);
    let target = dir.join("new").join(&name);
    if target.exists() || dir.join("cur").join(&name).exists() {
        return Ok(false);
    }
    let tmp = dir.join("tmp").join(&name);
    {
        use std::io::Write;
        let mut f = crate::private_fs::open(&tmp)?;
        f.write_all(raw)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &target)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_is_atomic_and_idempotent() {
        let d = tempfile::tempdir().unwrap();
        assert!(deliver(d.path(), "a.b/c@x", b"x").unwrap());
        assert!(!deliver(d.path(), "a.b/c@x", b"x").unwrap());
        assert!(is_maildir(d.path()));
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let out = d.path().join("outgoing");
        assert!(deliver(&out, "m@x", b"x").unwrap());
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("new")), 0o700);
        assert_eq!(mode(&out.join("new/m_x.eml")), 0o600);
        assert_eq!(message_files(&[d.path().to_path_buf()]).unwrap().len(), 1);
        assert!(std::fs::read_dir(d.path().join("tmp"))
            .unwrap()
            .next()
            .is_none());
    }
}
