//! The contract every storage backend (S3/B2, RAM, local disk) fulfils.
//!
//! Paths given to a resource are relative to its mount point, already normalised by
//! `vfs::path`: no leading or trailing `/`, no `.` or `..` segments, no empty segments;
//! `""` is the mount root.

use std::pin::Pin;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;

use super::error::{ErrorKind, FsError};

/// A stream of object bytes, read in chunks so nothing has to hold a whole object.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, FsError>> + Send>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub kind: FileKind,
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// Entity tag (S3 ETag with quotes stripped) when the backend has one.
    pub etag: Option<String>,
}

impl Metadata {
    pub fn dir() -> Self {
        Metadata { kind: FileKind::Dir, size: 0, modified: None, etag: None }
    }
    pub fn file(size: u64) -> Self {
        Metadata { kind: FileKind::File, size, modified: None, etag: None }
    }
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// One path component, never containing `/`.
    pub name: String,
    pub meta: Metadata,
}

/// A byte range of an object, as in an HTTP `Range` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=start-end`, both inclusive.
    Span { start: u64, end_inclusive: u64 },
    /// `bytes=start-`.
    From(u64),
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

/// An opened object: its total size when known and its bytes (or the requested range).
pub struct ReadHandle {
    pub total_size: Option<u64>,
    pub etag: Option<String>,
    pub body: ByteStream,
}

impl ReadHandle {
    /// For a command that reads one object in several ranges (`head -n`, `tail -n`): fails
    /// when this range comes from another version than the ranges before it (`seen`), so
    /// two versions are never spliced into one output.
    pub fn check_version(&self, seen: &mut Option<String>) -> Result<(), FsError> {
        match (seen.as_deref(), self.etag.as_deref()) {
            (Some(a), Some(b)) if a != b => Err(FsError::with_cause(ErrorKind::Io, "object changed during read")),
            (_, Some(b)) => {
                *seen = Some(b.to_string());
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// `"s3"`, `"backblaze"`, `"ram"`, `"disk"`: shown by `ws.mounts()`.
    fn kind(&self) -> &'static str;

    /// Entries of a directory, in any order. `NotFound` if it does not exist,
    /// `NotADirectory` if it is a file.
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError>;

    async fn stat(&self, path: &str) -> Result<Metadata, FsError>;

    /// Open a file for reading, the whole of it or a range.
    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError>;

    /// Create or replace a file with these bytes.
    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError>;

    /// Create or replace a file from a stream; backends that can upload in parts override it.
    async fn write_stream(&self, path: &str, mut body: ByteStream) -> Result<u64, FsError> {
        use futures::StreamExt;
        let mut buf = Vec::new();
        while let Some(chunk) = body.next().await {
            buf.extend_from_slice(&chunk?);
        }
        let n = buf.len() as u64;
        self.write(path, Bytes::from(buf)).await?;
        Ok(n)
    }

    /// Remove a file (not a directory).
    async fn remove_file(&self, path: &str) -> Result<(), FsError>;

    /// Create one directory; its parent must exist.
    async fn mkdir(&self, path: &str) -> Result<(), FsError>;

    /// Remove an empty directory.
    async fn rmdir(&self, path: &str) -> Result<(), FsError>;

    /// Set the modification time of a file or directory (`touch -d`). Object stores cannot
    /// change a timestamp without rewriting the object: `Operation not supported`.
    async fn set_modified(&self, path: &str, time: SystemTime) -> Result<(), FsError> {
        let _ = (path, time);
        Err(FsError::new(ErrorKind::Unsupported))
    }

    /// Copy a file within this resource. The default reads and writes it.
    async fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        let h = self.read(from, None).await?;
        self.write_stream(to, h.body).await.map(|_| ())
    }

    /// Every file and directory below `path` (not including it), as paths relative to
    /// `path`, in any order. Object stores override this with one flat listing.
    async fn walk(&self, path: &str) -> Result<Vec<(String, Metadata)>, FsError> {
        let mut out = Vec::new();
        let mut stack = vec![String::new()];
        while let Some(rel) = stack.pop() {
            let full = join(path, &rel);
            for e in self.read_dir(&full).await? {
                let child = join(&rel, &e.name);
                if e.meta.is_dir() {
                    stack.push(child.clone());
                }
                out.push((child, e.meta));
            }
        }
        Ok(out)
    }

    /// Whether this resource accepts writes at all (a mount's mode is checked separately).
    fn writable(&self) -> bool {
        true
    }

    /// What a snapshot records of this resource: never a secret.
    fn snapshot_state(&self) -> SnapshotState {
        SnapshotState::Remote
    }

    /// Free what is kept in memory for this resource (caches); the workspace is closing.
    fn release(&self) {}

    /// What names this resource's data in a cache shared between processes (for S3/B2:
    /// endpoint, bucket and key prefix; never a credential). `None`: not shareable.
    fn cache_identity(&self) -> Option<String> {
        None
    }
}

/// How a resource is saved in a workspace snapshot.
pub enum SnapshotState {
    /// Its whole content: files (with bytes) and directories (without).
    Memory(Vec<(String, Option<Bytes>)>),
    /// A local folder, restored from its path.
    Folder(std::path::PathBuf),
    /// A remote store: it holds secrets, so it must be passed again when loading.
    Remote,
}

/// Join two resource-relative paths.
pub fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// The parent of a resource-relative path (`""` for a top-level entry).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// The last component of a resource-relative path.
pub fn base_name(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

pub fn read_only() -> FsError {
    FsError::new(ErrorKind::ReadOnly)
}
