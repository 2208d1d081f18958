//! Files and folders that hold people's mail, case records or secrets are
//! created owner-only (folders 0700, files 0600), whatever the process umask:
//! the mode is set explicitly after creation, since a umask can only take
//! bits away and the defaults (0755/0644) let every local user read them.

use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner read/write/search only.
pub const DIR_MODE: u32 = 0o700;
/// Owner read/write only.
pub const FILE_MODE: u32 = 0o600;

/// Create `dir` and any missing parents owner-only. Folders that already
/// exist keep their mode (an operator may have chosen it), except `dir`
/// itself when this call created it.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
}

/// Create a new file owner-only, or truncate an existing one and make it
/// owner-only, then write `bytes`.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = open(path)?;
    f.write_all(bytes)
}

/// Open `path` for writing (created or truncated), owner-only.
pub fn open(path: &Path) -> io::Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    Ok(f)
}

/// Create an empty owner-only file if `path` does not exist yet (SQLite then
/// creates its `-wal` and `-shm` files with the database file's mode).
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
    {
        Ok(f) => f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn modes_are_owner_only() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a/b");
        create_dir_all(&sub).unwrap();
        assert_eq!(mode(&sub), DIR_MODE);
        assert_eq!(mode(&d.path().join("a")), DIR_MODE);
        let f = sub.join("f");
        std::fs::write(&f, "old").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&f, b"new").unwrap();
        assert_eq!(mode(&f), FILE_MODE);
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        let db = sub.join("db");
        create_if_missing(&db).unwrap();
        assert_eq!(mode(&db), FILE_MODE);
        std::fs::write(&db, "keep").unwrap();
        create_if_missing(&db).unwrap();
        assert_eq!(std::fs::read(&db).unwrap(), b"keep");
    }
}
