//! Evidence file storage, content-addressed by SHA-256.
//!
//! An upload is first *staged*: streamed into a temporary file under
//! `<data dir>/evidence/tmp/`, hashed and counted while it streams, and refused as soon as
//! it passes its size limit. Only a staged file that passed every check is *committed*
//! under its hash (local disk: fsync, rename, fsync the directory; S3: one object per
//! hash). The database row is written after the commit, so a crash leaves at worst an
//! unreferenced blob or a temporary file, never a row without its file; temporary files
//! are swept at start-up.

pub mod local;
#[cfg(feature = "s3")]
pub mod s3;

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use crate::config::{EvidenceConfig, StorageChoice};

/// Bytes of a stored file, in chunks.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// How many leading bytes are kept for recognising the file type.
pub const HEAD_LEN: usize = 8192;
/// Chunks are collected to this size before one write + hash on a blocking thread.
const WRITE_BATCH: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The stream passed its limit; nothing was kept.
    #[error("larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The client's stream failed (connection dropped, malformed multipart).
    #[error("the upload was interrupted: {0}")]
    Incoming(String),
    #[error("no stored file for key {0}")]
    Missing(String),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage: {0}")]
    Backend(String),
}

impl StorageError {
    /// The disk (or the account's quota) is full: the client can do nothing about it but
    /// come back later, so it answers 507 rather than 500.
    pub fn is_out_of_space(&self) -> bool {
        match self {
            StorageError::Io(e) => out_of_space(e),
            _ => false,
        }
    }
}

/// ENOSPC or EDQUOT, whichever way the error was built.
pub fn out_of_space(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) || matches!(e.raw_os_error(), Some(28 | 122))
}

/// A content key: the SHA-256 of the content, 64 lower-case hex digits. Only keys built
/// here ever reach a path or an object name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    pub fn parse(text: &str) -> Option<Key> {
        (text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| Key(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fully received upload in a temporary file, not yet stored under its key. Dropping
/// it removes the temporary file.
#[derive(Debug)]
pub struct Staged {
    path: Option<PathBuf>,
    pub key: Key,
    pub size: u64,
    /// The first [`HEAD_LEN`] bytes, for type recognition.
    pub head: Vec<u8>,
}

impl Staged {
    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("present until committed")
    }

    /// Hands the temporary file over to a commit; it is no longer removed on drop.
    fn take_path(&mut self) -> PathBuf {
        self.path.take().expect("committed once")
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Where content-addressed files go once staged.
pub trait Storage: Send + Sync {
    /// Makes a staged file durable under its key; a no-op (but for removing the
    /// temporary file) when that content is already stored.
    fn commit(&self, staged: Staged) -> impl Future<Output = Result<Key, StorageError>> + Send;
    /// The stored content, streamed.
    fn open(&self, key: &Key) -> impl Future<Output = Result<ByteStream, StorageError>> + Send;
    fn exists(&self, key: &Key) -> impl Future<Output = Result<bool, StorageError>> + Send;
    /// Removes content no evidence row refers to any more (the caller checked).
    fn delete_unreferenced(
        &self,
        key: &Key,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// The temporary directory of uploads under the data dir.
pub fn temp_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("evidence").join("tmp")
}

/// Removes temporary files left by uploads that never finished (a crash or a kill).
/// Run at start-up, before the server accepts uploads. Returns how many were removed.
pub fn sweep_temp(data_dir: &Path) -> std::io::Result<usize> {
    let dir = temp_dir(data_dir);
    crate::private_files::create_dir_all(&dir)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

struct Writer {
    file: std::fs::File,
    hasher: Sha256,
    fault: Option<std::io::ErrorKind>,
}

/// Streams `incoming` into a new temporary file in `tmp`, hashing while it streams, and
/// stops with [`StorageError::TooLarge`] as soon as more than `limit` bytes arrive.
pub async fn stage<S, E>(tmp: &Path, incoming: S, limit: u64) -> Result<Staged, StorageError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    stage_with(tmp, incoming, limit, None).await
}

/// [`stage`], failing every write with `fault` when one is given (see
/// [`Evidence::failing_writes`]).
async fn stage_with<S, E>(
    tmp: &Path,
    mut incoming: S,
    limit: u64,
    fault: Option<std::io::ErrorKind>,
) -> Result<Staged, StorageError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let path = tmp.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
    let file = crate::private_files::new_file().open(&path)?;
    // From here on, `staged` removes the file on any early return.
    let mut staged = Staged {
        path: Some(path),
        key: Key(String::new()),
        size: 0,
        head: Vec::new(),
    };
    let mut writer = Some(Writer {
        file,
        hasher: Sha256::new(),
        fault,
    });
    let mut batch: Vec<u8> = Vec::with_capacity(WRITE_BATCH);
    while let Some(chunk) = incoming.next().await {
        let chunk = chunk.map_err(|e| StorageError::Incoming(e.to_string()))?;
        staged.size += chunk.len() as u64;
        if staged.size > limit {
            return Err(StorageError::TooLarge { limit });
        }
        if staged.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - staged.head.len()).min(chunk.len());
            staged.head.extend_from_slice(&chunk[..take]);
        }
        batch.extend_from_slice(&chunk);
        if batch.len() >= WRITE_BATCH {
            let w = writer.take().expect("writer is returned after each batch");
            let (w, b) = write_batch(w, batch).await?;
            writer = Some(w);
            batch = b;
        }
    }
    let w = writer.take().expect("writer is returned after each batch");
    let (w, _) = write_batch(w, batch).await?;
    let digest = actix_web::web::block(move || -> std::io::Result<_> {
        w.file.sync_all()?;
        Ok(w.hasher.finalize())
    })
    .await
    .map_err(|e| StorageError::Backend(e.to_string()))??;
    staged.key = Key(hex::encode(digest));
    Ok(staged)
}

/// Writes and hashes one batch off the async workers; gives the buffer back, emptied.
async fn write_batch(mut w: Writer, mut batch: Vec<u8>) -> Result<(Writer, Vec<u8>), StorageError> {
    if batch.is_empty() {
        return Ok((w, batch));
    }
    actix_web::web::block(move || -> std::io::Result<_> {
        if let Some(kind) = w.fault {
            return Err(std::io::Error::from(kind));
        }
        w.hasher.update(&batch);
        w.file.write_all(&batch)?;
        batch.clear();
        Ok((w, batch))
    })
    .await
    .map_err(|e| StorageError::Backend(e.to_string()))?
    .map_err(StorageError::Io)
}

/// The evidence store of a running app, with its staging directory.
pub struct Evidence {
    pub store: EvidenceStore,
    pub temp_dir: PathBuf,
    /// Held while a stored file is committed and recorded, and while a record and its
    /// then unreferenced file are removed, so a removal never takes a file that a
    /// concurrent upload of the same content is about to refer to.
    pub references: tokio::sync::Mutex<()>,
    /// Injected write failure (drills and tests): every staged write fails with it.
    write_fault: Option<std::io::ErrorKind>,
}

impl Evidence {
    pub fn new(data_dir: &Path, config: &EvidenceConfig) -> anyhow::Result<Evidence> {
        Ok(Evidence {
            store: EvidenceStore::from_config(data_dir, config)?,
            temp_dir: temp_dir(data_dir),
            references: tokio::sync::Mutex::new(()),
            write_fault: None,
        })
    }

    /// The same store whose every upload write fails with `kind` (say
    /// `ErrorKind::StorageFull`), to see what a full disk answers without filling one.
    pub fn failing_writes(mut self, kind: std::io::ErrorKind) -> Evidence {
        self.write_fault = Some(kind);
        self
    }

    /// Stages an upload into this store's temporary directory (see [`stage`]).
    pub async fn stage<S, E>(&self, incoming: S, limit: u64) -> Result<Staged, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        stage_with(&self.temp_dir, incoming, limit, self.write_fault).await
    }
}

/// How the data dir's storage is doing, for `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Bytes an unprivileged process may still write on the data dir's file system, when
    /// the file system says.
    pub free_bytes: Option<u64>,
    /// A file could be created (and removed) in the uploads' temporary directory.
    pub writable: bool,
}

/// Measures the free space of the data dir's file system and tries a write there.
pub fn room(data_dir: &Path) -> Room {
    let free_bytes = rustix::fs::statvfs(data_dir)
        .ok()
        .map(|s| s.f_bavail.saturating_mul(s.f_frsize));
    let probe = temp_dir(data_dir).join(format!(".probe-{}", uuid::Uuid::new_v4().simple()));
    let writable = crate::private_files::new_file()
        .open(&probe)
        .and_then(|mut f| f.write_all(b"probe"))
        .and_then(|()| std::fs::remove_file(&probe))
        .is_ok();
    if !writable {
        let _ = std::fs::remove_file(&probe);
    }
    Room {
        free_bytes,
        writable,
    }
}

/// A file stored under its key on the local disk, as found by [`stored_files`].
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub key: Key,
    pub path: PathBuf,
    pub modified: std::time::SystemTime,
}

/// Every file under the local evidence root whose name is a key (anything else there is
/// not ours to judge). Used by `certcase evidence check` and `backup`.
pub fn stored_files(data_dir: &Path) -> std::io::Result<Vec<StoredEntry>> {
    fn walk(dir: &Path, out: &mut Vec<StoredEntry>) -> std::io::Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(&entry.path(), out)?;
            } else if kind.is_file() {
                if let Some(key) = entry.file_name().to_str().and_then(Key::parse) {
                    out.push(StoredEntry {
                        key,
                        path: entry.path(),
                        modified: entry.metadata()?.modified()?,
                    });
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(&local_root(data_dir), &mut out)?;
    out.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    Ok(out)
}

/// Where the local disk store keeps files: `<data dir>/evidence/sha256`.
pub fn local_root(data_dir: &Path) -> PathBuf {
    data_dir.join("evidence").join("sha256")
}

/// The path of a key under the local evidence root.
pub fn local_path(data_dir: &Path, key: &Key) -> PathBuf {
    let k = key.as_str();
    local_root(data_dir).join(&k[0..2]).join(&k[2..4]).join(k)
}

/// The storage picked by the configuration.
pub enum EvidenceStore {
    Local(local::LocalDisk),
    #[cfg(feature = "s3")]
    S3(s3::S3Store),
}

impl EvidenceStore {
    pub fn from_config(data_dir: &Path, config: &EvidenceConfig) -> anyhow::Result<EvidenceStore> {
        crate::private_files::create_dir_all(&temp_dir(data_dir))?;
        match &config.storage {
            StorageChoice::Local => Ok(EvidenceStore::Local(local::LocalDisk::new(local_root(
                data_dir,
            ))?)),
            #[cfg(feature = "s3")]
            StorageChoice::S3 {
                bucket,
                endpoint,
                region,
            } => Ok(EvidenceStore::S3(s3::S3Store::new(
                bucket,
                endpoint.as_deref(),
                region.as_deref(),
            )?)),
            #[cfg(not(feature = "s3"))]
            StorageChoice::S3 { .. } => {
                anyhow::bail!("evidence_storage = s3 needs a build with the cargo feature s3")
            }
        }
    }
}

impl Storage for EvidenceStore {
    async fn commit(&self, staged: Staged) -> Result<Key, StorageError> {
        match self {
            EvidenceStore::Local(s) => s.commit(staged).await,
            #[cfg(feature = "s3")]
            EvidenceStore::S3(s) => s.commit(staged).await,
        }
    }

    async fn open(&self, key: &Key) -> Result<ByteStream, StorageError> {
        match self {
            EvidenceStore::Local(s) => s.open(key).await,
            #[cfg(feature = "s3")]
            EvidenceStore::S3(s) => s.open(key).await,
        }
    }

    async fn exists(&self, key: &Key) -> Result<bool, StorageError> {
        match self {
            EvidenceStore::Local(s) => s.exists(key).await,
            #[cfg(feature = "s3")]
            EvidenceStore::S3(s) => s.exists(key).await,
        }
    }

    async fn delete_unreferenced(&self, key: &Key) -> Result<(), StorageError> {
        match self {
            EvidenceStore::Local(s) => s.delete_unreferenced(key).await,
            #[cfg(feature = "s3")]
            EvidenceStore::S3(s) => s.delete_unreferenced(key).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: Vec<&'static [u8]>) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(|p| Ok(Bytes::from_static(p))))
    }

    #[actix_web::test]
    async fn staging_hashes_while_streaming_and_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let staged = stage(dir.path(), chunks(vec![b"hello ", b"world"]), 11)
            .await
            .unwrap();
        assert_eq!(staged.size, 11);
        assert_eq!(
            staged.key.as_str(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(staged.head, b"hello world");
        let path = staged.path().to_path_buf();
        assert!(path.exists());
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a temporary file is the owner's only");
        }
        drop(staged);
        assert!(!path.exists(), "an uncommitted upload leaves nothing");

        let err = stage(dir.path(), chunks(vec![b"hello ", b"world"]), 10)
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::TooLarge { limit: 10 }));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[actix_web::test]
    async fn a_full_disk_is_told_apart_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::EvidenceConfig {
            max_file_bytes: 100,
            quota_bytes: 100,
            zip_max_uncompressed_bytes: 100,
            storage: StorageChoice::Local,
        };
        let evidence = Evidence::new(dir.path(), &config)
            .unwrap()
            .failing_writes(std::io::ErrorKind::StorageFull);
        let err = evidence
            .stage(chunks(vec![b"hello ", b"world"]), 100)
            .await
            .unwrap_err();
        assert!(err.is_out_of_space(), "{err}");
        assert_eq!(std::fs::read_dir(&evidence.temp_dir).unwrap().count(), 0);
        assert!(out_of_space(&std::io::Error::from_raw_os_error(28)));
        assert!(!StorageError::TooLarge { limit: 1 }.is_out_of_space());
    }

    #[test]
    fn room_is_measured_and_a_read_only_dir_is_not_writable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(temp_dir(dir.path())).unwrap();
        let r = room(dir.path());
        assert!(r.writable);
        assert!(r.free_bytes.is_some_and(|b| b > 0));
        let gone = dir.path().join("missing");
        assert!(!room(&gone).writable);
        assert_eq!(std::fs::read_dir(temp_dir(dir.path())).unwrap().count(), 0);
    }

    #[test]
    fn stored_files_are_listed_by_key_and_strangers_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::parse(&"ab".repeat(32)).unwrap();
        let path = local_path(dir.path(), &key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"x").unwrap();
        std::fs::write(path.parent().unwrap().join("notes.txt"), b"y").unwrap();
        let found = stored_files(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, key);
        assert_eq!(found[0].path, path);
    }

    #[test]
    fn keys_are_only_lower_case_sha256_hex() {
        assert!(Key::parse(&"a".repeat(64)).is_some());
        assert!(Key::parse(&"A".repeat(64)).is_none());
        assert!(Key::parse("../../etc/passwd").is_none());
        assert!(Key::parse(&"a".repeat(63)).is_none());
    }

    #[test]
    fn sweeping_removes_leftover_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = temp_dir(dir.path());
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("x.part"), b"partial").unwrap();
        assert_eq!(sweep_temp(dir.path()).unwrap(), 1);
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    }
}
