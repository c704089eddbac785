//! Evidence in an S3-compatible bucket (cargo feature `s3`), so several app instances
//! share it. Objects are named `evidence/sha256/<hash>`; the upload is staged on local
//! disk first (hash and checks), then sent as a multipart upload.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::{ByteStream, Key, Staged, Storage, StorageError};

pub struct S3Store {
    store: Arc<dyn ObjectStore>,
}

fn backend(e: object_store::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

impl S3Store {
    pub fn new(
        bucket: &str,
        endpoint: Option<&str>,
        region: Option<&str>,
    ) -> anyhow::Result<S3Store> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(e) = endpoint {
            builder = builder
                .with_endpoint(e)
                .with_allow_http(e.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(r) = region {
            builder = builder.with_region(r);
        }
        Ok(S3Store {
            store: Arc::new(builder.build()?),
        })
    }

    fn path_of(key: &Key) -> ObjectPath {
        ObjectPath::from(format!("evidence/sha256/{}", key.as_str()))
    }
}

impl Storage for S3Store {
    async fn commit(&self, staged: Staged) -> Result<Key, StorageError> {
        let key = staged.key.clone();
        let path = Self::path_of(&key);
        if self.exists(&key).await? {
            return Ok(key);
        }
        let mut file = tokio::fs::File::open(staged.path()).await?;
        let upload = self.store.put_multipart(&path).await.map_err(backend)?;
        let mut writer = WriteMultipart::new(upload);
        let mut buf = vec![0u8; 8 << 20];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(4).await.map_err(backend)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(backend)?;
        // `staged` is dropped here, removing the temporary file.
        Ok(key)
    }

    async fn open(&self, key: &Key) -> Result<ByteStream, StorageError> {
        match self.store.get(&Self::path_of(key)).await {
            Ok(r) => Ok(Box::pin(
                r.into_stream()
                    .map_err(|e| std::io::Error::other(e.to_string()))
                    .boxed(),
            )),
            Err(object_store::Error::NotFound { .. }) => {
                Err(StorageError::Missing(key.as_str().to_string()))
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn exists(&self, key: &Key) -> Result<bool, StorageError> {
        match self.store.head(&Self::path_of(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    async fn delete_unreferenced(&self, key: &Key) -> Result<(), StorageError> {
        match self.store.delete(&Self::path_of(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}
