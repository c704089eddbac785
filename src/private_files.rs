//! Files only the service's own account may read. The data dir holds the database,
//! evidence, and `.eml` files with live password-reset and invitation links: directories
//! are created 0700 and files 0600, whatever the process umask. Used by `config` (the
//! data dir), `db` (the SQLite file), `storage` (evidence and its temporary files) and
//! `mail` (`.eml` files).

use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Owner only: read, write, enter.
pub const DIR_MODE: u32 = 0o700;
/// Owner only: read and write.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents, each owner-only.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(dir)
}

/// Makes an existing directory owner-only (the data dir may have been made by hand).
pub fn restrict_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Makes an existing file owner-only (one another program created, such as SQLite's
/// `VACUUM INTO` copy).
pub fn restrict_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE))?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Options that create a new file owner-only (the mode applies when the file is created).
pub fn new_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options
}

/// Creates `path` empty and owner-only unless it exists. SQLite keeps the mode of an
/// existing database file and gives its `-wal` and `-shm` files the same mode.
pub fn ensure_file(path: &Path) -> io::Result<()> {
    match new_file().open(path) {
        Ok(_) => Ok(()),
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
    fn directories_and_files_are_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&root.path().join(d)), DIR_MODE, "{d}");
        }
        let file = deep.join("f");
        ensure_file(&file).unwrap();
        assert_eq!(mode(&file), FILE_MODE);
        std::fs::write(&file, b"kept").unwrap();
        ensure_file(&file).unwrap();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"kept",
            "an existing file is kept"
        );
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        restrict_dir(&open).unwrap();
        assert_eq!(mode(&open), DIR_MODE);
    }
}
