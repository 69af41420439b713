//! The virtual filesystem: a mount table over resources, addressed by absolute paths.

pub mod cache;
pub mod disk;
pub mod error;
pub mod mount;
pub mod path;
pub mod presets;
pub mod ram;
pub mod redis_store;
pub mod resource;
pub mod s3;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt;

pub use error::{ErrorKind, FsError};
pub use mount::{Mount, MountMode, MountTable};
pub use resource::{ByteRange, ByteStream, DirEntry, FileKind, Metadata, ReadHandle, Resource};

use crate::stats::{Op, Recorder};

/// Where an absolute path lands, owned so it can be held across awaits.
pub enum Target {
    Mounted(Mount, String),
    Virtual,
    Missing,
    /// A mount this session may not use (its display prefix).
    Denied(String),
}

/// What every view of one workspace's filesystem shares.
#[derive(Default)]
struct Shared {
    table: RwLock<MountTable>,
    /// `/dev/fd/N` files for process substitution: readable, hidden from listings.
    temp: Arc<ram::RamResource>,
    next_temp: AtomicU64,
    recorder: Recorder,
    /// Objects one command may fetch at once (0: `DEFAULT_PARALLEL_READS`).
    parallel_reads: AtomicUsize,
}

/// The workspace's filesystem. Every path given here is absolute and normalised
/// (see `path::normalize`). Cloning gives another view of the same mounts.
#[derive(Default, Clone)]
pub struct Vfs {
    shared: Arc<Shared>,
    /// Mount prefixes (normalised, e.g. `/bucket`) this view may use; `None` is all.
    allowed: Option<Arc<Vec<String>>>,
}

/// How many objects `grep -r`, `cat a b c`, `wc`, `md5sum` and the like fetch at once,
/// unless the workspace says otherwise.
pub const DEFAULT_PARALLEL_READS: usize = 16;

/// Where process substitutions' outputs appear.
pub const TEMP_PREFIX: &str = "/dev/fd";

fn is_remote(kind: &str) -> bool {
    !matches!(kind, "ram" | "disk")
}

impl Vfs {
    pub fn new(table: MountTable) -> Self {
        Vfs { shared: Arc::new(Shared { table: RwLock::new(table), ..Default::default() }), allowed: None }
    }

    /// A view of the same mounts limited to `allowed` prefixes (a session's allowedMounts).
    pub fn restricted(&self, allowed: Vec<String>) -> Vfs {
        Vfs { shared: self.shared.clone(), allowed: Some(Arc::new(allowed)) }
    }

    /// Objects one command may fetch at once (at least 1).
    pub fn parallel_reads(&self) -> usize {
        match self.shared.parallel_reads.load(Ordering::Relaxed) {
            0 => DEFAULT_PARALLEL_READS,
            n => n,
        }
    }

    pub fn set_parallel_reads(&self, n: usize) {
        self.shared.parallel_reads.store(n, Ordering::Relaxed);
    }

    pub fn recorder(&self) -> &Recorder {
        &self.shared.recorder
    }

    fn note(&self, m: &Mount, op: Op, abs: &str, bytes: u64, started: Instant) -> Arc<AtomicU64> {
        let kind = m.resource.kind();
        self.shared.recorder.note(op, abs, kind, is_remote(kind), bytes, started)
    }

    /// Keep `data` as a readable `/dev/fd/N` file and return its path.
    pub fn add_temp(&self, data: Bytes) -> String {
        let n = 63 + self.shared.next_temp.fetch_add(1, Ordering::Relaxed);
        let name = n.to_string();
        self.shared.temp.put_file(&name, data);
        format!("{TEMP_PREFIX}/{name}")
    }

    pub fn remove_temp(&self, path: &str) {
        if let Some(name) = path.strip_prefix("/dev/fd/") {
            self.shared.temp.drop_file(name);
        }
    }

    fn allows(&self, prefix: &str) -> bool {
        match &self.allowed {
            None => true,
            Some(list) => list.iter().any(|p| p == prefix),
        }
    }

    pub fn mounts(&self) -> Vec<Mount> {
        self.shared.table.read().unwrap().list().into_iter().filter(|m| self.allows(&m.prefix)).cloned().collect()
    }

    pub fn add_mount(&self, mount: Mount) {
        self.shared.table.write().unwrap().add(mount)
    }

    pub fn remove_mount(&self, prefix: &str) -> bool {
        self.shared.table.write().unwrap().remove(prefix)
    }

    pub fn target(&self, abs: &str) -> Target {
        if let Some(rel) = abs.strip_prefix("/dev/fd/") {
            let mount = Mount { prefix: TEMP_PREFIX.into(), resource: self.shared.temp.clone(), mode: MountMode::Read };
            return Target::Mounted(mount, rel.to_string());
        }
        let t = self.shared.table.read().unwrap();
        match t.resolve(abs) {
            mount::Resolved::Mounted(m, _) if !self.allows(&m.prefix) => Target::Denied(m.display_prefix()),
            mount::Resolved::Mounted(m, rel) => Target::Mounted(m.clone(), rel),
            mount::Resolved::Virtual => {
                if self.virtual_entries_locked(&t, abs).is_empty() && abs != "/" {
                    Target::Missing
                } else {
                    Target::Virtual
                }
            }
            mount::Resolved::Missing => Target::Missing,
        }
    }

    /// The mount serving `abs`, if any.
    pub fn mount_of(&self, abs: &str) -> Option<Mount> {
        match self.target(abs) {
            Target::Mounted(m, _) => Some(m),
            _ => None,
        }
    }

    fn virtual_entries_locked(&self, t: &MountTable, abs: &str) -> Vec<DirEntry> {
        let base = if abs == "/" { String::from("/") } else { format!("{abs}/") };
        t.virtual_children(abs)
            .into_iter()
            .filter(|name| {
                // Only show paths leading to a mount this view may use.
                let child = format!("{base}{name}");
                t.list().iter().any(|m| (m.prefix == child || m.prefix.starts_with(&format!("{child}/"))) && self.allows(&m.prefix))
            })
            .map(|name| DirEntry { name, meta: Metadata::dir() })
            .collect()
    }

    fn virtual_entries(&self, abs: &str) -> Vec<DirEntry> {
        let t = self.shared.table.read().unwrap();
        self.virtual_entries_locked(&t, abs)
    }

    pub async fn stat(&self, abs: &str) -> Result<Metadata, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => {
                let t = Instant::now();
                let r = m.resource.stat(&rel).await;
                self.note(&m, Op::Stat, abs, 0, t);
                r
            }
            Target::Virtual => Ok(Metadata::dir()),
            Target::Missing => Err(FsError::not_found()),
            Target::Denied(p) => Err(denied(&p)),
        }
    }

    pub async fn read_dir(&self, abs: &str) -> Result<Vec<DirEntry>, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => {
                let t = Instant::now();
                let r = m.resource.read_dir(&rel).await;
                self.note(&m, Op::List, abs, 0, t);
                let mut entries = r?;
                // Mounts nested inside another mount show up in its listing.
                for v in self.virtual_entries(abs) {
                    if !entries.iter().any(|e| e.name == v.name) {
                        entries.push(v);
                    }
                }
                Ok(entries)
            }
            Target::Virtual => Ok(self.virtual_entries(abs)),
            Target::Missing => Err(FsError::not_found()),
            Target::Denied(p) => Err(denied(&p)),
        }
    }

    pub async fn read(&self, abs: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => {
                let t = Instant::now();
                let r = m.resource.read(&rel, range).await;
                let counter = self.note(&m, Op::Read, abs, 0, t);
                let mut h = r?;
                // Count the bytes as they stream, for ws.records and the execute's stats.
                let stats = if is_remote(m.resource.kind()) { crate::stats::current() } else { None };
                h.body = Box::pin(h.body.inspect(move |chunk| {
                    if let Ok(c) = chunk {
                        counter.fetch_add(c.len() as u64, Ordering::Relaxed);
                        if let Some(s) = &stats {
                            s.bytes_down.fetch_add(c.len() as u64, Ordering::Relaxed);
                        }
                    }
                }));
                Ok(h)
            }
            Target::Virtual => Err(FsError::new(ErrorKind::IsADirectory)),
            Target::Missing => Err(FsError::not_found()),
            Target::Denied(p) => Err(denied(&p)),
        }
    }

    /// Read a whole file into memory (for commands that need all of it).
    pub async fn read_all(&self, abs: &str) -> Result<Bytes, FsError> {
        let mut h = self.read(abs, None).await?;
        let mut buf = Vec::with_capacity(h.total_size.unwrap_or(0).min(1 << 24) as usize);
        while let Some(chunk) = h.body.next().await {
            buf.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(buf))
    }

    /// The mount and relative path for a write, refusing read-only mounts before any request.
    fn writable_target(&self, abs: &str) -> Result<(Mount, String), FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => {
                m.check_writable()?;
                Ok((m, rel))
            }
            Target::Virtual => Err(FsError::new(ErrorKind::ReadOnly)),
            Target::Missing => Err(FsError::not_found()),
            Target::Denied(p) => Err(denied(&p)),
        }
    }

    pub async fn write(&self, abs: &str, data: Bytes) -> Result<(), FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        let t = Instant::now();
        let n = data.len() as u64;
        let r = m.resource.write(&rel, data).await;
        self.note(&m, Op::Write, abs, n, t);
        r
    }

    pub async fn write_stream(&self, abs: &str, body: ByteStream) -> Result<u64, FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        let t = Instant::now();
        let r = m.resource.write_stream(&rel, body).await;
        self.note(&m, Op::Write, abs, *r.as_ref().unwrap_or(&0), t);
        r
    }

    /// Check, without sending anything, that `abs` may be written.
    pub fn check_writable(&self, abs: &str) -> Result<(), FsError> {
        self.writable_target(abs).map(|_| ())
    }

    pub async fn remove_file(&self, abs: &str) -> Result<(), FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::Busy));
        }
        let t = Instant::now();
        let r = m.resource.remove_file(&rel).await;
        self.note(&m, Op::Delete, abs, 0, t);
        r
    }

    pub async fn mkdir(&self, abs: &str) -> Result<(), FsError> {
        let (m, rel) = match self.target(abs) {
            Target::Mounted(_, rel) if rel.is_empty() => return Err(FsError::new(ErrorKind::AlreadyExists)),
            Target::Virtual => return Err(FsError::new(ErrorKind::AlreadyExists)),
            _ => self.writable_target(abs)?,
        };
        let t = Instant::now();
        let r = m.resource.mkdir(&rel).await;
        self.note(&m, Op::Mkdir, abs, 0, t);
        r
    }

    /// Set the modification time of a file or directory where the backend can.
    pub async fn set_modified(&self, abs: &str, time: std::time::SystemTime) -> Result<(), FsError> {
        let (m, rel) = self.writable_target(abs)?;
        m.resource.set_modified(&rel, time).await
    }

    pub async fn rmdir(&self, abs: &str) -> Result<(), FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::Busy));
        }
        let t = Instant::now();
        let r = m.resource.rmdir(&rel).await;
        self.note(&m, Op::Rmdir, abs, 0, t);
        r
    }

    /// Copy a file, within one mount (server-side where the backend can) or across mounts.
    pub async fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        let (dm, drel) = self.writable_target(to)?;
        match self.target(from) {
            Target::Mounted(sm, srel) if Arc::ptr_eq(&sm.resource, &dm.resource) => {
                let t = Instant::now();
                let r = dm.resource.copy_file(&srel, &drel).await;
                self.note(&dm, Op::Copy, to, 0, t);
                r
            }
            Target::Mounted(_, _) => {
                let h = self.read(from, None).await?;
                self.write_stream(to, h.body).await.map(|_| ())
            }
            Target::Virtual => Err(FsError::new(ErrorKind::IsADirectory)),
            Target::Missing => Err(FsError::not_found()),
            Target::Denied(p) => Err(denied(&p)),
        }
    }

    /// Every entry below `abs`, as paths relative to it.
    pub async fn walk(&self, abs: &str) -> Result<Vec<(String, Metadata)>, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => {
                let t = Instant::now();
                let r = m.resource.walk(&rel).await;
                self.note(&m, Op::List, abs, 0, t);
                r
            }
            Target::Virtual => {
                let mut out = Vec::new();
                for e in self.virtual_entries(abs) {
                    let child = if abs == "/" { format!("/{}", e.name) } else { format!("{abs}/{}", e.name) };
                    out.push((e.name.clone(), Metadata::dir()));
                    for (p, meta) in Box::pin(self.walk(&child)).await? {
                        out.push((format!("{}/{}", e.name, p), meta));
                    }
                }
                Ok(out)
            }
            Target::Missing => Err(FsError::not_found()),
            Target::Denied(p) => Err(denied(&p)),
        }
    }
}

fn denied(prefix: &str) -> FsError {
    FsError::with_cause(ErrorKind::PermissionDenied, format!("this session may not use the mount {prefix}"))
}
