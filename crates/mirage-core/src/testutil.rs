//! A RAM resource posing as a bucket, shared by the cache tests (the unit tests in
//! `vfs::cache` and the Redis integration tests): it counts the calls that would be requests
//! on S3, lists a subtree in one call as S3's flat listing does, and gives ETags that change
//! with the content. Built for tests only (`cfg(test)` or the `testutil` feature).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;

use crate::vfs::ram::RamResource;
use crate::vfs::resource::join;
use crate::vfs::{ByteRange, DirEntry, FsError, Metadata, ReadHandle, Resource};

pub struct CountingBucket {
    /// The contents: a change made here is another client's, not counted.
    pub inner: RamResource,
    calls: AtomicUsize,
}

/// An ETag that changes with the content, as S3's does.
pub fn etag(data: &[u8]) -> String {
    format!("{:x}", data.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3)))
}

/// A whole object's bytes.
pub async fn read_all(r: &dyn Resource, path: &str) -> Result<Vec<u8>, FsError> {
    let mut h = r.read(path, None).await?;
    let mut v = Vec::new();
    while let Some(c) = h.body.next().await {
        v.extend_from_slice(&c?);
    }
    Ok(v)
}

impl CountingBucket {
    pub fn new(inner: RamResource) -> Arc<CountingBucket> {
        Arc::new(CountingBucket { inner, calls: AtomicUsize::new(0) })
    }

    /// `logs/a.log`, `logs/b.log` and `top.txt`.
    pub async fn seeded() -> Arc<CountingBucket> {
        let ram = RamResource::new();
        ram.mkdir("logs").await.unwrap();
        ram.write("logs/a.log", Bytes::from_static(b"a\n")).await.unwrap();
        ram.write("logs/b.log", Bytes::from_static(b"bb\n")).await.unwrap();
        ram.write("top.txt", Bytes::from_static(b"top\n")).await.unwrap();
        CountingBucket::new(ram)
    }

    /// Calls so far that would have been requests.
    pub fn n(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn hit(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    async fn etag_of(&self, path: &str) -> Result<String, FsError> {
        let data = self.inner.read(path, None).await?.body.next().await.unwrap_or(Ok(Bytes::new()))?;
        Ok(etag(&data))
    }
}

#[async_trait]
impl Resource for CountingBucket {
    fn kind(&self) -> &'static str {
        "s3"
    }
    fn cache_identity(&self) -> Option<String> {
        Some("http://127.0.0.1:1\ntest-bucket\n".into())
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        self.hit();
        let mut v = self.inner.read_dir(path).await?;
        for e in &mut v {
            if !e.meta.is_dir() {
                e.meta.etag = Some(self.etag_of(&join(path, &e.name)).await?);
            }
        }
        Ok(v)
    }
    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        self.hit();
        let mut m = self.inner.stat(path).await?;
        if !m.is_dir() {
            m.etag = Some(self.etag_of(path).await?);
        }
        Ok(m)
    }
    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        self.hit();
        let mut h = self.inner.read(path, range).await?;
        if range.is_none() {
            let data = h.body.next().await.unwrap_or(Ok(Bytes::new()))?;
            h.etag = Some(etag(&data));
            h.body = Box::pin(futures::stream::iter([Ok(data)]));
        }
        Ok(h)
    }
    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        self.hit();
        self.inner.write(path, data).await
    }
    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        self.hit();
        self.inner.remove_file(path).await
    }
    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        self.hit();
        self.inner.mkdir(path).await
    }
    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        self.hit();
        self.inner.rmdir(path).await
    }
    async fn walk(&self, path: &str) -> Result<Vec<(String, Metadata)>, FsError> {
        self.hit();
        // One call for the whole subtree, as S3's flat listing.
        let mut out = Vec::new();
        let mut stack = vec![String::new()];
        while let Some(rel) = stack.pop() {
            for e in self.inner.read_dir(&join(path, &rel)).await? {
                let child = join(&rel, &e.name);
                if e.meta.is_dir() {
                    stack.push(child.clone());
                }
                out.push((child, e.meta));
            }
        }
        Ok(out)
    }
}
