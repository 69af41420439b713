//! The disk resource on Unix: every path is resolved from a handle of the root (`beneath`).

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

use super::beneath::{Root, Target};
use super::{not_regular, span, CHUNK};
use crate::vfs::error::{ErrorKind, FsError};
use crate::vfs::resource::{join, ByteRange, DirEntry, FileKind, Metadata, ReadHandle, Resource, SnapshotState};

pub struct DiskResource {
    root: PathBuf,
    handle: Arc<Root>,
}

/// A system call's error as the shell shows it.
fn err(e: Errno) -> FsError {
    match e {
        // A FIFO opened for writing with no reader, a socket.
        Errno::NXIO | Errno::NODEV | Errno::OPNOTSUPP => not_regular(),
        // `RESOLVE_BENEATH` (or the walk) refused a step out of the root.
        Errno::XDEV => FsError::new(ErrorKind::PermissionDenied),
        Errno::NOSPC | Errno::DQUOT => FsError::new(ErrorKind::NoSpace),
        e => FsError::from(std::io::Error::from(e)),
    }
}

/// An error of `std::fs::File` (reading, writing, seeking) the same way.
fn io_err(e: std::io::Error) -> FsError {
    match e.raw_os_error() {
        Some(n) => err(Errno::from_raw_os_error(n)),
        None => FsError::from(e),
    }
}

fn kind_of(st: &Stat) -> FileType {
    FileType::from_raw_mode(st.st_mode as _)
}

#[allow(clippy::unnecessary_cast)]
fn meta_of(st: &Stat) -> Metadata {
    let dir = kind_of(st) == FileType::Directory;
    let (secs, nanos) = (st.st_mtime as i64, st.st_mtime_nsec as u32);
    let modified = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs as u64, nanos))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs())).and_then(|t| t.checked_add(Duration::from_nanos(nanos as u64)))
    };
    Metadata { kind: if dir { FileKind::Dir } else { FileKind::File }, size: if dir { 0 } else { st.st_size as u64 }, modified, etag: None }
}

/// Open `rel` without blocking (`O_NONBLOCK`: a FIFO with no writer does not wait for
/// one), and keep it only if it is a regular file, or a directory when `dirs` (the status is
/// read from the handle itself, so it is what was opened). Regular files lose `O_NONBLOCK`.
fn open_checked(root: &Root, rel: &str, flags: OFlags, mode: Mode, dirs: bool) -> Result<(OwnedFd, Stat), FsError> {
    let fd = root.open(rel, flags | OFlags::NONBLOCK | OFlags::NOCTTY, mode).map_err(err)?;
    let st = rfs::fstat(&fd).map_err(err)?;
    match kind_of(&st) {
        FileType::RegularFile => {
            let fl = rfs::fcntl_getfl(&fd).map_err(err)?;
            rfs::fcntl_setfl(&fd, fl - OFlags::NONBLOCK).map_err(err)?;
        }
        FileType::Directory if dirs => {}
        FileType::Directory => return Err(FsError::new(ErrorKind::IsADirectory)),
        _ => return Err(not_regular()),
    }
    Ok((fd, st))
}

impl DiskResource {
    /// The root must exist and be a directory.
    pub fn new(root: impl AsRef<Path>) -> Result<Self, FsError> {
        let given = root.as_ref();
        let canonical = std::fs::canonicalize(given)?;
        let handle = Root::open_root(given, &canonical).map_err(err)?;
        Ok(DiskResource { root: canonical, handle: Arc::new(handle) })
    }

    /// Resolve paths in user space, one component at a time, even where Linux's `openat2`
    /// would do it (for tests of that fallback).
    #[doc(hidden)]
    pub fn without_openat2(mut self) -> Self {
        if let Some(h) = Arc::get_mut(&mut self.handle) {
            h.without_openat2();
        }
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Run `f` with the root handle on a blocking thread.
    async fn blocking<T, F>(&self, f: F) -> Result<T, FsError>
    where
        F: FnOnce(&Root) -> Result<T, FsError> + Send + 'static,
        T: Send + 'static,
    {
        let root = self.handle.clone();
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
            let fd = root.open(&path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NONBLOCK | OFlags::NOCTTY, Mode::empty()).map_err(err)?;
            let mut dir = rfs::Dir::new(fd).map_err(err)?;
            let mut names = Vec::new();
            for e in dir.by_ref() {
                let e = e.map_err(err)?;
                let name = e.file_name().to_bytes();
                if name != b"." && name != b".." {
                    names.push(name.to_vec());
                }
            }
            let dfd = dir.fd().map_err(err)?;
            let mut out = Vec::with_capacity(names.len());
            for name in names {
                let Ok(text) = String::from_utf8(name) else { continue };
                // Gone since it was listed: left out.
                let Ok(st) = rfs::statat(dfd, std::ffi::OsStr::from_bytes(text.as_bytes()), AtFlags::SYMLINK_NOFOLLOW) else { continue };
                let meta = if kind_of(&st) == FileType::Symlink {
                    // Followed only to a target inside the root; a dangling link is left out.
                    match root.stat(&join(&path, &text)) {
                        Ok(st) => meta_of(&st),
                        Err(_) => continue,
                    }
                } else {
                    // FIFOs, sockets and devices are listed (as files) though they cannot be read.
                    meta_of(&st)
                };
                out.push(DirEntry { name: text, meta });
            }
            Ok(out)
        })
        .await
    }

    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        let path = path.to_string();
        self.blocking(move |root| root.stat(&path).map(|st| meta_of(&st)).map_err(err)).await
    }

    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        let path = path.to_string();
        let (file, total, remaining) = self
            .blocking(move |root| {
                let (fd, st) = open_checked(root, &path, OFlags::RDONLY, Mode::empty(), false)?;
                let total = st.st_size as u64;
                let (start, end) = span(range, total);
                let mut file = std::fs::File::from(fd);
                file.seek(SeekFrom::Start(start)).map_err(io_err)?;
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
                Ok((_, Err(e))) => Some((Err(io_err(e)), (None, 0))),
                Err(_) => Some((Err(FsError::new(ErrorKind::Io)), (None, 0))),
            }
        });
        Ok(ReadHandle { total_size: Some(total), etag: None, body: Box::pin(body) })
    }

    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC;
            let (fd, _) = open_checked(root, &path, flags, Mode::from_raw_mode(0o666), false)?;
            std::fs::File::from(fd).write_all(&data).map_err(io_err)?;
            Ok(())
        })
        .await
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| match root.parent(&path).map_err(err)? {
            Target::Dir(_) => Err(FsError::new(ErrorKind::IsADirectory)),
            Target::Entry(dir, name) => {
                let name = std::ffi::OsStr::from_bytes(&name);
                // The entry itself: a symlink is removed, not what it points to.
                if kind_of(&rfs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW).map_err(err)?) == FileType::Directory {
                    return Err(FsError::new(ErrorKind::IsADirectory));
                }
                rfs::unlinkat(&dir, name, AtFlags::empty()).map_err(err)
            }
        })
        .await
    }

    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| match root.parent(&path).map_err(err)? {
            Target::Dir(_) => Err(FsError::new(ErrorKind::AlreadyExists)),
            Target::Entry(dir, name) => rfs::mkdirat(&dir, std::ffi::OsStr::from_bytes(&name), Mode::from_raw_mode(0o777)).map_err(err),
        })
        .await
    }

    async fn set_modified(&self, path: &str, time: SystemTime) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| {
            let (fd, _) = open_checked(root, &path, OFlags::RDONLY, Mode::empty(), true)?;
            std::fs::File::from(fd).set_times(std::fs::FileTimes::new().set_modified(time)).map_err(io_err)?;
            Ok(())
        })
        .await
    }

    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        let path = path.to_string();
        self.blocking(move |root| match root.parent(&path).map_err(err)? {
            // The mount's own folder stays.
            Target::Dir(_) => Err(FsError::new(ErrorKind::Busy)),
            Target::Entry(dir, name) => rfs::unlinkat(&dir, std::ffi::OsStr::from_bytes(&name), AtFlags::REMOVEDIR).map_err(err),
        })
        .await
    }
}
