//! What an operator runs beside the server: `certcase backup DIR`, `certcase restore DIR`
//! and `certcase evidence check [--fix]`.
//!
//! A backup is a directory: the database (`database.sqlite`, a consistent online copy made
//! with `VACUUM INTO`; or `database.pgdump`, `pg_dump`'s custom format), the files the
//! service cannot do without under `files/` (the evidence the database refers to, the
//! certificate signing keys, the secret key), and `manifest.json` with the SHA-256 of each,
//! written last: a directory without it is not a finished backup. A restore checks every
//! hash before it changes anything.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, StorageChoice};
use crate::db::{self, Backend, DbConn};
use crate::private_files;
use crate::storage::{self, Key};

/// The manifest's format name; a restore refuses any other.
const FORMAT: &str = "certcase-backup/1";
const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "database.sqlite";
const PGDUMP_FILE: &str = "database.pgdump";
/// Files from the data dir live under this folder of a backup, at their relative path.
const FILES: &str = "files";
/// A stored file nothing refers to is removed by `evidence check --fix` only once it is
/// this old: a younger one may belong to an upload whose record is being written.
pub const ORPHAN_MIN_AGE: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub certcase_version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// "sqlite" or "postgres": a restore goes to the same kind of database.
    pub backend: String,
    /// The database file, or none when `pg_dump` was not available.
    pub database: Option<Entry>,
    /// "local", or "s3" (evidence then stays in the bucket; back it up with its tools).
    pub evidence_storage: String,
    /// Files under `files/`, at their path relative to the data dir.
    pub files: Vec<Entry>,
    /// Evidence the database refers to whose file was not found when the backup ran
    /// (`certcase evidence check` lists the same).
    pub missing_evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Relative to the backup directory.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// Copies `from` to `to` (owner-only, parents created), returning the copy's SHA-256 and
/// size; the copy is synced before it counts.
fn copy_hashed(from: &Path, to: &Path) -> std::io::Result<(String, u64)> {
    if let Some(parent) = to.parent() {
        private_files::create_dir_all(parent)?;
    }
    let mut input = std::fs::File::open(from)?;
    let partial = to.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut output = private_files::new_file().open(&partial)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n])?;
        size += n as u64;
    }
    output.sync_all()?;
    drop(output);
    std::fs::rename(&partial, to)?;
    Ok((hex::encode(hasher.finalize()), size))
}

fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut input = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// The directory entries below `dir` that are files, as paths relative to `base`.
fn files_below(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            files_below(base, &entry.path(), out)?;
        } else if kind.is_file() {
            out.push(
                entry
                    .path()
                    .strip_prefix(base)
                    .expect("below base")
                    .to_path_buf(),
            );
        }
    }
    Ok(())
}

/// Where a program is on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// A PostgreSQL URL without its password, and the password for `PGPASSWORD`: the command
/// line of `pg_dump` is visible to every user of the machine, the environment is not.
fn pg_connection(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    // Percent-decoded; a `+` in a URL's user info is a plus, not a space.
    let password = parsed.password().map(|p| {
        url::form_urlencoded::parse(format!("p={}", p.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    });
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("DATABASE_URL cannot hold a password"))?;
    Ok((parsed.to_string(), password))
}

fn pg_command(program: &Path, url: &str) -> anyhow::Result<(Command, String)> {
    let (url, password) = pg_connection(url)?;
    let mut cmd = Command::new(program);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    Ok((cmd, url))
}

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupSummary {
    pub manifest: Manifest,
    /// Said when the database could not be included (no `pg_dump` on PATH).
    pub guidance: Option<String>,
}

/// Backs up the running service's database and files into `dir` (new or empty).
pub fn backup(config: &Config, dir: &Path) -> anyhow::Result<BackupSummary> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty: back up into a new directory",
            dir.display()
        );
    }
    private_files::create_dir_all(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let backend = config.backend();
    let mut guidance = None;

    // The database first: the evidence copied next is what this snapshot refers to.
    let (database, hashes) = match backend {
        Backend::Sqlite => {
            let target = dir.join(SQLITE_FILE);
            let pool = db::connect_pool(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            let quoted = target.to_string_lossy().replace('\'', "''");
            diesel::sql_query(format!("VACUUM INTO '{quoted}'"))
                .execute(&mut *conn)
                .context("the online copy of the SQLite database failed")?;
            drop(conn);
            private_files::restrict_file(&target)?;
            let mut snapshot = DbConn::Sqlite(
                SqliteConnection::establish(&target.to_string_lossy())
                    .context("cannot open the copied database")?,
            );
            let hashes = referenced(&mut snapshot)?;
            let (sha256, size) = hash_file(&target)?;
            (
                Some(Entry {
                    path: SQLITE_FILE.into(),
                    sha256,
                    size,
                }),
                hashes,
            )
        }
        Backend::Postgres => {
            let pool = db::connect_pool(&config.database_url, 1)?;
            let database = match on_path("pg_dump") {
                Some(pg_dump) => {
                    let target = dir.join(PGDUMP_FILE);
                    let (mut cmd, url) = pg_command(&pg_dump, &config.database_url)?;
                    let status = cmd
                        .args(["--format=custom", "--no-owner", "--file"])
                        .arg(&target)
                        .arg("--dbname")
                        .arg(url)
                        .status()
                        .context("cannot run pg_dump")?;
                    if !status.success() {
                        bail!("pg_dump failed ({status})");
                    }
                    let (sha256, size) = hash_file(&target)?;
                    Some(Entry {
                        path: PGDUMP_FILE.into(),
                        sha256,
                        size,
                    })
                }
                None => {
                    guidance = Some(
                        "pg_dump is not on PATH, so the database is NOT in this backup. Install \
                         the PostgreSQL client of the server's major version (Debian: \
                         postgresql-client) and run the backup again, or dump it yourself: \
                         pg_dump --format=custom --no-owner --file DIR/database.pgdump DATABASE_URL"
                            .to_string(),
                    );
                    None
                }
            };
            // Read after the dump: rows added in between only add files to the copy.
            let hashes = referenced(&mut *pool.get()?)?;
            (database, hashes)
        }
    };

    let mut files = Vec::new();
    let mut missing_evidence = Vec::new();
    let evidence_storage = match config.evidence.storage {
        StorageChoice::Local => {
            for key in &hashes {
                let Some(key) = Key::parse(key) else {
                    missing_evidence.push(key.clone());
                    continue;
                };
                let from = storage::local_path(&config.data_dir, &key);
                let relative = from
                    .strip_prefix(&config.data_dir)
                    .expect("below the data dir")
                    .to_path_buf();
                if !from.is_file() {
                    missing_evidence.push(key.as_str().to_string());
                    continue;
                }
                files.push(copy_into(dir, &config.data_dir, &relative)?);
            }
            "local"
        }
        StorageChoice::S3 { .. } => "s3",
    };
    // Signing keys (never removed, so a superset of the snapshot's) and the secret key.
    let mut others = Vec::new();
    files_below(&config.data_dir, &config.data_dir.join("keys"), &mut others)?;
    if config.data_dir.join("secret.key").is_file() {
        others.push(PathBuf::from("secret.key"));
    }
    for relative in others {
        files.push(copy_into(dir, &config.data_dir, &relative)?);
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        certcase_version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        backend: backend.as_str().into(),
        database,
        evidence_storage: evidence_storage.into(),
        files,
        missing_evidence,
    };
    let mut out = private_files::new_file().open(dir.join(MANIFEST))?;
    out.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    out.sync_all()?;
    Ok(BackupSummary { manifest, guidance })
}

/// The distinct content hashes the evidence records refer to.
fn referenced(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let mut hashes: Vec<String> = crate::db::models::evidence::contents(conn)?
        .into_iter()
        .map(|(_, _, sha)| sha)
        .chain(
            crate::db::models::appeals::attachment_contents(conn)?
                .into_iter()
                .map(|(_, _, sha)| sha),
        )
        .collect();
    hashes.sort();
    hashes.dedup();
    Ok(hashes)
}

/// Copies `relative` (a path under the data dir) to `files/relative` in the backup.
fn copy_into(backup: &Path, data_dir: &Path, relative: &Path) -> anyhow::Result<Entry> {
    let inside = Path::new(FILES).join(relative);
    let (sha256, size) = copy_hashed(&data_dir.join(relative), &backup.join(&inside))
        .with_context(|| format!("cannot copy {}", relative.display()))?;
    Ok(Entry {
        path: inside.to_string_lossy().into_owned(),
        sha256,
        size,
    })
}

/// Reads a backup's manifest and checks every file it lists against its hash.
pub fn check_backup(dir: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read(dir.join(MANIFEST)).with_context(|| {
        format!(
            "{} has no {MANIFEST}: not a finished certcase backup",
            dir.display()
        )
    })?;
    let manifest: Manifest =
        serde_json::from_slice(&text).with_context(|| format!("{MANIFEST} is not readable"))?;
    if manifest.format != FORMAT {
        bail!(
            "{MANIFEST} is of format {:?}, this certcase reads {FORMAT:?}",
            manifest.format
        );
    }
    let mut wrong = Vec::new();
    for entry in manifest.database.iter().chain(&manifest.files) {
        let relative = Path::new(&entry.path);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            bail!("{MANIFEST} lists a path outside the backup: {}", entry.path);
        }
        match hash_file(&dir.join(relative)) {
            Ok((sha, size)) if sha == entry.sha256 && size == entry.size => {}
            Ok(_) => wrong.push(format!("{} (changed)", entry.path)),
            Err(e) => wrong.push(format!("{} ({e})", entry.path)),
        }
    }
    if !wrong.is_empty() {
        bail!(
            "the backup does not match its manifest, nothing was restored: {}",
            wrong.join(", ")
        );
    }
    Ok(manifest)
}

/// What is already in the target, which a restore would overwrite.
fn target_contents(config: &Config) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    let data = &config.data_dir;
    if data.join("secret.key").exists() {
        found.push("secret.key".to_string());
    }
    let mut keys = Vec::new();
    files_below(data, &data.join("keys"), &mut keys)?;
    if !keys.is_empty() {
        found.push(format!("{} signing key file(s)", keys.len()));
    }
    let stored = storage::stored_files(data)?;
    if !stored.is_empty() {
        found.push(format!("{} evidence file(s)", stored.len()));
    }
    match config.backend() {
        Backend::Sqlite => {
            let path = Path::new(&config.database_url);
            if path.metadata().is_ok_and(|m| m.len() > 0) {
                found.push(format!("the database {}", path.display()));
            }
        }
        Backend::Postgres => {
            let pool = db::connect_pool(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let tables: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
            )
            .get_result(&mut *conn)?;
            if tables.n > 0 {
                found.push(format!("{} table(s) in the database", tables.n));
            }
        }
    }
    Ok(found)
}

/// What a restore did.
#[derive(Debug)]
pub struct RestoreSummary {
    pub files: usize,
    pub database: bool,
}

/// Restores a backup into the configured database and data dir, after checking every
/// hash; refuses a target that holds anything unless `force`.
pub fn restore(config: &Config, dir: &Path, force: bool) -> anyhow::Result<RestoreSummary> {
    let manifest = check_backup(dir)?;
    let backend = config.backend();
    if manifest.backend != backend.as_str() {
        bail!(
            "the backup is of a {} database, DATABASE_URL names a {} one",
            manifest.backend,
            backend.as_str()
        );
    }
    private_files::create_dir_all(&config.data_dir)?;
    let present = target_contents(config)?;
    if !present.is_empty() && !force {
        bail!(
            "the target is not empty ({}); restore into a new data dir and database, or pass \
             --force to replace what is there",
            present.join(", ")
        );
    }
    let database = match (&manifest.database, backend) {
        (None, _) => false,
        (Some(entry), Backend::Sqlite) => {
            let target = PathBuf::from(&config.database_url);
            // A stale journal beside the new file would be replayed into it.
            for suffix in ["-wal", "-shm"] {
                let mut name = target.clone().into_os_string();
                name.push(suffix);
                match std::fs::remove_file(PathBuf::from(name)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                    _ => {}
                }
            }
            copy_hashed(&dir.join(&entry.path), &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
            true
        }
        (Some(entry), Backend::Postgres) => {
            let Some(pg_restore) = on_path("pg_restore") else {
                bail!(
                    "pg_restore is not on PATH: install the PostgreSQL client (Debian: \
                     postgresql-client) or run pg_restore --clean --if-exists --no-owner \
                     --dbname DATABASE_URL {} yourself, then restore again with --force to \
                     copy the files",
                    dir.join(&entry.path).display()
                );
            };
            let (mut cmd, url) = pg_command(&pg_restore, &config.database_url)?;
            let status = cmd
                .args(["--clean", "--if-exists", "--no-owner", "--exit-on-error"])
                .arg("--dbname")
                .arg(url)
                .arg(dir.join(&entry.path))
                .status()
                .context("cannot run pg_restore")?;
            if !status.success() {
                bail!("pg_restore failed ({status})");
            }
            true
        }
    };
    for entry in &manifest.files {
        let relative = Path::new(&entry.path)
            .strip_prefix(FILES)
            .with_context(|| format!("{MANIFEST} lists {} outside files/", entry.path))?;
        let target = config.data_dir.join(relative);
        let (sha, _) = copy_hashed(&dir.join(&entry.path), &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        if sha != entry.sha256 {
            bail!("{} changed while it was restored", entry.path);
        }
    }
    Ok(RestoreSummary {
        files: manifest.files.len(),
        database,
    })
}

/// A record whose stored file is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    pub evidence: String,
    pub application: String,
    pub sha256: String,
}

/// A stored file no record refers to.
#[derive(Debug, Clone)]
pub struct Orphan {
    pub sha256: String,
    pub path: PathBuf,
    pub age: Duration,
    /// Removed now (`--fix`, and old enough).
    pub removed: bool,
}

#[derive(Debug, Default)]
pub struct EvidenceReport {
    pub records: usize,
    pub stored: usize,
    pub missing: Vec<MissingFile>,
    pub orphans: Vec<Orphan>,
}

/// Compares the evidence records with the stored files (local disk). With `fix`, removes
/// the files nothing refers to that are older than [`ORPHAN_MIN_AGE`]; each is looked at
/// again just before it goes, in case an upload of the same content refers to it now.
pub fn check_evidence(
    conn: &mut DbConn,
    data_dir: &Path,
    fix: bool,
    now: SystemTime,
) -> anyhow::Result<EvidenceReport> {
    // Evidence records and appeal attachments share the store: both are references.
    let rows: Vec<(String, String, String)> = crate::db::models::evidence::contents(conn)?
        .into_iter()
        .map(|(id, application, sha)| (id.to_string(), application.to_string(), sha))
        .chain(
            crate::db::models::appeals::attachment_contents(conn)?
                .into_iter()
                .map(|(id, application, sha)| {
                    (
                        format!("appeal-attachment:{id}"),
                        application.to_string(),
                        sha,
                    )
                }),
        )
        .collect();
    let stored = storage::stored_files(data_dir)?;
    let on_disk: std::collections::BTreeSet<&str> = stored.iter().map(|s| s.key.as_str()).collect();
    let referenced: std::collections::BTreeSet<&str> =
        rows.iter().map(|(_, _, sha)| sha.as_str()).collect();
    let mut report = EvidenceReport {
        records: rows.len(),
        stored: stored.len(),
        ..EvidenceReport::default()
    };
    for (id, application, sha) in &rows {
        if !on_disk.contains(sha.as_str()) {
            report.missing.push(MissingFile {
                evidence: id.clone(),
                application: application.clone(),
                sha256: sha.clone(),
            });
        }
    }
    for entry in stored
        .iter()
        .filter(|s| !referenced.contains(s.key.as_str()))
    {
        let age = now.duration_since(entry.modified).unwrap_or_default();
        let mut removed = false;
        if fix && age >= ORPHAN_MIN_AGE {
            let still_old = std::fs::metadata(&entry.path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| now.duration_since(m).unwrap_or_default() >= ORPHAN_MIN_AGE);
            let still_unreferenced =
                crate::db::models::evidence::references(conn, entry.key.as_str())? == 0;
            if still_old && still_unreferenced {
                std::fs::remove_file(&entry.path)
                    .with_context(|| format!("cannot remove {}", entry.path.display()))?;
                removed = true;
            }
        }
        report.orphans.push(Orphan {
            sha256: entry.key.as_str().to_string(),
            path: entry.path.clone(),
            age,
            removed,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_passwords_leave_the_command_line() {
        let (url, password) =
            pg_connection("postgres://app:p%40s+s@db.internal:5432/certcase").unwrap();
        assert_eq!(url, "postgres://app@db.internal:5432/certcase");
        assert_eq!(password.as_deref(), Some("p@s+s"));
        let (url, password) = pg_connection("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1/x");
        assert_eq!(password, None);
    }

    #[test]
    fn a_changed_or_escaping_backup_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("files")).unwrap();
        std::fs::write(dir.path().join("files/secret.key"), b"abc").unwrap();
        let (sha256, size) = hash_file(&dir.path().join("files/secret.key")).unwrap();
        let mut manifest = Manifest {
            format: FORMAT.into(),
            certcase_version: "0".into(),
            created_at: chrono::Utc::now(),
            backend: "sqlite".into(),
            database: None,
            evidence_storage: "local".into(),
            files: vec![Entry {
                path: "files/secret.key".into(),
                sha256,
                size,
            }],
            missing_evidence: vec![],
        };
        let write = |m: &Manifest| {
            std::fs::write(dir.path().join(MANIFEST), serde_json::to_vec(m).unwrap()).unwrap()
        };
        write(&manifest);
        assert!(check_backup(dir.path()).is_ok());
        std::fs::write(dir.path().join("files/secret.key"), b"abd").unwrap();
        let e = check_backup(dir.path()).unwrap_err().to_string();
        assert!(e.contains("files/secret.key (changed)"), "{e}");
        manifest.files[0].path = "../elsewhere".into();
        write(&manifest);
        let e = check_backup(dir.path()).unwrap_err().to_string();
        assert!(e.contains("outside the backup"), "{e}");
    }
}
