//! Evidence on the local disk: `<root>/ab/cd/<sha256>`.

use std::path::{Path, PathBuf};

use tokio_util::io::ReaderStream;

use super::{ByteStream, Key, Staged, Storage, StorageError};

pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: PathBuf) -> std::io::Result<LocalDisk> {
        crate::private_files::create_dir_all(&root)?;
        Ok(LocalDisk { root })
    }

    fn path_of(&self, key: &Key) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[0..2]).join(&k[2..4]).join(k)
    }
}

/// Makes a directory entry (a rename, a new sub-directory) durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

impl Storage for LocalDisk {
    async fn commit(&self, mut staged: Staged) -> Result<Key, StorageError> {
        let key = staged.key.clone();
        let target = self.path_of(&key);
        let root = self.root.clone();
        let temp = staged.take_path();
        actix_web::web::block(move || -> std::io::Result<()> {
            if target.exists() {
                // Same content already stored: same bytes, nothing to add. Its time is
                // renewed, so `certcase evidence check --fix`, which removes only files
                // unreferenced for a day, does not take it while its record is written.
                std::fs::File::options()
                    .write(true)
                    .open(&target)?
                    .set_modified(std::time::SystemTime::now())?;
                return std::fs::remove_file(&temp);
            }
            let leaf = target.parent().expect("keyed paths have a parent");
            let middle = leaf.parent().expect("keyed paths have two levels");
            crate::private_files::create_dir_all(leaf)?;
            // The temporary file was fsynced when staged; now the rename and any new
            // directories.
            std::fs::rename(&temp, &target)?;
            sync_dir(leaf)?;
            sync_dir(middle)?;
            sync_dir(&root)
        })
        .await
        .map_err(|e| StorageError::Backend(e.to_string()))??;
        Ok(key)
    }

    async fn open(&self, key: &Key) -> Result<ByteStream, StorageError> {
        match tokio::fs::File::open(self.path_of(key)).await {
            Ok(f) => Ok(Box::pin(ReaderStream::with_capacity(f, 256 * 1024))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StorageError::Missing(key.as_str().to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn exists(&self, key: &Key) -> Result<bool, StorageError> {
        Ok(tokio::fs::try_exists(self.path_of(key)).await?)
    }

    async fn delete_unreferenced(&self, key: &Key) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::web::Bytes;
    use futures_util::StreamExt;

    #[actix_web::test]
    async fn committed_files_live_under_their_hash_and_stream_back() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let disk = LocalDisk::new(dir.path().join("sha256")).unwrap();
        let body =
            || futures_util::stream::iter(vec![Ok::<_, String>(Bytes::from_static(b"evidence"))]);
        let staged = super::super::stage(&tmp, body(), 100).await.unwrap();
        let key = disk.commit(staged).await.unwrap();
        let k = key.as_str();
        let path = dir
            .path()
            .join("sha256")
            .join(&k[..2])
            .join(&k[2..4])
            .join(k);
        assert_eq!(std::fs::read(&path).unwrap(), b"evidence");
        assert!(disk.exists(&key).await.unwrap());
        // The same content again: one file, the temporary one gone.
        let again = super::super::stage(&tmp, body(), 100).await.unwrap();
        assert_eq!(disk.commit(again).await.unwrap(), key);
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);

        let mut read = Vec::new();
        let mut s = disk.open(&key).await.unwrap();
        while let Some(c) = s.next().await {
            read.extend_from_slice(&c.unwrap());
        }
        assert_eq!(read, b"evidence");

        disk.delete_unreferenced(&key).await.unwrap();
        assert!(!disk.exists(&key).await.unwrap());
        assert!(matches!(
            disk.open(&key).await,
            Err(StorageError::Missing(_))
        ));
    }
}
