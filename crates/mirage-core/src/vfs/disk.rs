//! A local folder as a resource. Symlinks are followed only while they stay inside the root.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::error::{ErrorKind, FsError};
use super::resource::{ByteRange, DirEntry, FileKind, Metadata, ReadHandle, Resource};

const CHUNK: usize = 64 * 1024;

pub struct DiskResource {
    root: PathBuf,
}

impl DiskResource {
    /// The root must exist and be a directory.
    pub fn new(root: impl AsRef<Path>) -> Result<Self, FsError> {
        let root = std::fs::canonicalize(root.as_ref())?;
        if !root.is_dir() {
            return Err(FsError::new(ErrorKind::NotADirectory));
        }
        Ok(DiskResource { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host path for `rel`, refusing anything that resolves outside the root.
    async fn host_path(&self, rel: &str) -> Result<PathBuf, FsError> {
        let p = if rel.is_empty() { self.root.clone() } else { self.root.join(rel) };
        match tokio::fs::canonicalize(&p).await {
            Ok(real) if real.starts_with(&self.root) => Ok(p),
            Ok(_) => Err(FsError::new(ErrorKind::PermissionDenied)),
            // A path that does not exist yet: its parent must be inside the root.
            Err(_) => {
                if let Some(parent) = p.parent() {
                    if let Ok(real_parent) = tokio::fs::canonicalize(parent).await {
                        if !real_parent.starts_with(&self.root) {
                            return Err(FsError::new(ErrorKind::PermissionDenied));
                        }
                    }
                }
                Ok(p)
            }
        }
    }
}

fn meta_of(m: &std::fs::Metadata) -> Metadata {
    Metadata {
        kind: if m.is_dir() { FileKind::Dir } else { FileKind::File },
        size: if m.is_dir() { 0 } else { m.len() },
        modified: m.modified().ok(),
        etag: None,
    }
}

#[async_trait]
impl Resource for DiskResource {
    fn kind(&self) -> &'static str {
        "disk"
    }

    fn snapshot_state(&self) -> super::resource::SnapshotState {
        super::resource::SnapshotState::Folder(self.root.clone())
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let p = self.host_path(path).await?;
        let m = tokio::fs::metadata(&p).await?;
        if !m.is_dir() {
            return Err(FsError::new(ErrorKind::NotADirectory));
        }
        let mut rd = tokio::fs::read_dir(&p).await?;
        let mut out = Vec::new();
        while let Some(e) = rd.next_entry().await? {
            let Ok(name) = e.file_name().into_string() else { continue };
            // Follow symlinks, but only to targets inside the root.
            let child = if path.is_empty() { name.clone() } else { format!("{path}/{name}") };
            let Ok(hp) = self.host_path(&child).await else { continue };
            if let Ok(m) = tokio::fs::metadata(&hp).await {
                out.push(DirEntry { name, meta: meta_of(&m) });
            }
        }
        Ok(out)
    }

    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        let p = self.host_path(path).await?;
        Ok(meta_of(&tokio::fs::metadata(&p).await?))
    }

    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        let p = self.host_path(path).await?;
        let m = tokio::fs::metadata(&p).await?;
        if m.is_dir() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        let total = m.len();
        let (start, end) = match range {
            None => (0, total),
            Some(ByteRange::Span { start, end_inclusive }) => (start.min(total), end_inclusive.saturating_add(1).min(total)),
            Some(ByteRange::From(s)) => (s.min(total), total),
            Some(ByteRange::Suffix(n)) => (total.saturating_sub(n), total),
        };
        let mut file = tokio::fs::File::open(&p).await?;
        file.seek(SeekFrom::Start(start)).await?;
        let remaining = end.saturating_sub(start);
        let body = futures::stream::unfold((file, remaining), |(mut file, remaining)| async move {
            if remaining == 0 {
                return None;
            }
            let want = remaining.min(CHUNK as u64) as usize;
            let mut buf = vec![0u8; want];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), (file, remaining - n as u64)))
                }
                Err(e) => Some((Err(FsError::from(e)), (file, 0))),
            }
        });
        Ok(ReadHandle { total_size: Some(total), etag: None, body: Box::pin(body) })
    }

    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        let p = self.host_path(path).await?;
        if tokio::fs::metadata(&p).await.is_ok_and(|m| m.is_dir()) {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        tokio::fs::write(&p, &data).await?;
        Ok(())
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let p = self.host_path(path).await?;
        if tokio::fs::metadata(&p).await?.is_dir() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        tokio::fs::remove_file(&p).await?;
        Ok(())
    }

    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let p = self.host_path(path).await?;
        tokio::fs::create_dir(&p).await?;
        Ok(())
    }

    async fn set_modified(&self, path: &str, time: std::time::SystemTime) -> Result<(), FsError> {
        let p = self.host_path(path).await?;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let f = std::fs::File::open(&p)?;
            f.set_times(std::fs::FileTimes::new().set_modified(time))
        })
        .await
        .map_err(|_| FsError::new(ErrorKind::Io))??;
        Ok(())
    }

    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        let p = self.host_path(path).await?;
        tokio::fs::remove_dir(&p).await?;
        Ok(())
    }
}
