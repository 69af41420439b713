//! The disk resource where there are no `openat`-style handles (Windows): host paths are
//! checked with `canonicalize` before use. A symlink swapped in between the check and the
//! use can still lead out of the root here; the Unix implementation closes that race.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use super::{not_regular, span, CHUNK};
use crate::vfs::error::{ErrorKind, FsError};
use crate::vfs::resource::{ByteRange, DirEntry, FileKind, Metadata, ReadHandle, Resource, SnapshotState};

pub struct DiskResource {
    root: PathBuf,
}

fn meta_of(m: &std::fs::Metadata) -> Metadata {
    Metadata {
        kind: if m.is_dir() { FileKind::Dir } else { FileKind::File },
        size: if m.is_dir() { 0 } else { m.len() },
        modified: m.modified().ok(),
        etag: None,
    }
}

/// The host path for `rel`, refusing anything that resolves outside `root`.
fn host_path(root: &Path, rel: &str) -> Result<PathBuf, FsError> {
    let p = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
    match std::fs::canonicalize(&p) {
        Ok(real) if real.starts_with(root) => Ok(p),
        Ok(_) => Err(FsError::new(ErrorKind::PermissionDenied)),
        // A path that does not exist yet: its parent must be inside the root.
        Err(_) => {
            if let Some(parent) = p.parent() {
                if let Ok(real_parent) = std::fs::canonicalize(parent) {
                    if !real_parent.starts_with(root) {
                        return Err(FsError::new(ErrorKind::PermissionDenied));
                    }
                }
            }
            Ok(p)
        }
    }
}

/// Only regular files and directories are opened.
fn check_kind(m: &std::fs::Metadata) -> Result<(), FsError> {
    if m.is_file() || m.is_dir() {
        Ok(())
    } else {
        Err(not_regular())
    }
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

    #[doc(hidden)]
    pub fn without_openat2(self) -> Self {
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Run `f` with the root's host path on a blocking thread.
    async fn blocking<T, F>(&self, f: F) -> Result<T, FsError>
    where
        F: FnOnce(&Path) -> Result<T, FsError> + Send + 'static,
        T: Send + 'static,
    {
        let root = self.root.clone();
        crate::limits::spawn_blocking(move || f(&root)).await.map_err(|_| FsError::new(ErrorKind::Io))?
    }
}

#[async_trait]
impl Resource for DiskResource {
    fn kind(&self) -> &'static str {
        "disk"
    }

    fn snapshot_state(&self) -> SnapshotState {
        SnapshotState::Folder(self.root.clone())
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            let p = host_path(root, &path)?;
            if !std::fs::metadata(&p)?.is_dir() {
                return Err(FsError::new(ErrorKind::NotADirectory));
            }
            let mut out = Vec::new();
            for e in std::fs::read_dir(&p)? {
                let e = e?;
                let Ok(name) = e.file_name().into_string() else { continue };
                let child = if path.is_empty() { name.clone() } else { format!("{path}/{name}") };
                let Ok(hp) = host_path(root, &child) else { continue };
                if let Ok(m) = std::fs::metadata(&hp) {
                    out.push(DirEntry { name, meta: meta_of(&m) });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        let path = path.to_string();
        self.blocking(move |root| Ok(meta_of(&std::fs::metadata(host_path(root, &path)?)?))).await
    }

    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        let path = path.to_string();
        let (file, total, remaining) = self
            .blocking(move |root| {
                let p = host_path(root, &path)?;
                let m = std::fs::metadata(&p)?;
                if m.is_dir() {
                    return Err(FsError::new(ErrorKind::IsADirectory));
                }
                check_kind(&m)?;
                let mut file = std::fs::File::open(&p)?;
                let total = file.metadata()?.len();
                let (start, end) = span(range, total);
                file.seek(SeekFrom::Start(start))?;
                Ok((file, total, end.saturating_sub(start)))
            })
            .await?;
        let body = futures::stream::unfold((Some(file), remaining), |(file, remaining)| async move {
            let file = file?;
            if remaining == 0 {
                return None;
            }
            let want = remaining.min(CHUNK as u64) as usize;
            let read = crate::limits::spawn_blocking(move || {
                let mut file = file;
                let mut buf = vec![0u8; want];
                let r = file.read(&mut buf).map(|n| {
                    buf.truncate(n);
                    buf
                });
                (file, r)
            })
            .await;
            match read {
                Ok((_, Ok(buf))) if buf.is_empty() => None,
                Ok((file, Ok(buf))) => {
                    let n = buf.len() as u64;
                    Some((Ok(Bytes::from(buf)), (Some(file), remaining.saturating_sub(n))))
                }
                Ok((_, Err(e))) => Some((Err(FsError::from(e)), (None, 0))),
                Err(_) => Some((Err(FsError::new(ErrorKind::Io)), (None, 0))),
            }
        });
        Ok(ReadHandle { total_size: Some(total), etag: None, body: Box::pin(body) })
    }

    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            let p = host_path(root, &path)?;
            if let Ok(m) = std::fs::metadata(&p) {
                if m.is_dir() {
                    return Err(FsError::new(ErrorKind::IsADirectory));
                }
                check_kind(&m)?;
            }
            std::fs::write(&p, &data)?;
            Ok(())
        })
        .await
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            let p = host_path(root, &path)?;
            if std::fs::metadata(&p)?.is_dir() {
                return Err(FsError::new(ErrorKind::IsADirectory));
            }
            std::fs::remove_file(&p)?;
            Ok(())
        })
        .await
    }

    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| Ok(std::fs::create_dir(host_path(root, &path)?)?)).await
    }

    async fn set_modified(&self, path: &str, time: SystemTime) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            let p = host_path(root, &path)?;
            check_kind(&std::fs::metadata(&p)?)?;
            let f = std::fs::File::open(&p)?;
            f.set_times(std::fs::FileTimes::new().set_modified(time))?;
            Ok(())
        })
        .await
    }

    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            if path.is_empty() {
                return Err(FsError::new(ErrorKind::Busy));
            }
            Ok(std::fs::remove_dir(host_path(root, &path)?)?)
        })
        .await
    }
}
