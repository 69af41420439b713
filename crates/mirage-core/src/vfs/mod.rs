//! The virtual filesystem: a mount table over resources, addressed by absolute paths.

pub mod cache;
pub mod disk;
pub mod error;
pub mod mount;
pub mod path;
pub mod ram;
pub mod redis_store;
pub mod resource;
pub mod s3;

use std::sync::{Arc, RwLock};

use bytes::Bytes;

pub use error::{ErrorKind, FsError};
pub use mount::{Mount, MountMode, MountTable};
pub use resource::{ByteRange, ByteStream, DirEntry, FileKind, Metadata, ReadHandle, Resource};

/// Where an absolute path lands, owned so it can be held across awaits.
pub enum Target {
    Mounted(Mount, String),
    Virtual,
    Missing,
}

/// The workspace's filesystem. Every path given here is absolute and normalised
/// (see `path::normalize`).
#[derive(Default)]
pub struct Vfs {
    table: RwLock<MountTable>,
    /// `/dev/fd/N` files for process substitution: readable, hidden from listings.
    temp: Arc<ram::RamResource>,
    next_temp: std::sync::atomic::AtomicU64,
}

/// Where process substitutions' outputs appear.
pub const TEMP_PREFIX: &str = "/dev/fd";

impl Vfs {
    pub fn new(table: MountTable) -> Self {
        Vfs { table: RwLock::new(table), temp: Arc::new(ram::RamResource::new()), next_temp: Default::default() }
    }

    /// Keep `data` as a readable `/dev/fd/N` file and return its path.
    pub fn add_temp(&self, data: Bytes) -> String {
        let n = 63 + self.next_temp.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = n.to_string();
        self.temp.put_file(&name, data);
        format!("{TEMP_PREFIX}/{name}")
    }

    pub fn remove_temp(&self, path: &str) {
        if let Some(name) = path.strip_prefix("/dev/fd/") {
            self.temp.drop_file(name);
        }
    }

    pub fn mounts(&self) -> Vec<Mount> {
        self.table.read().unwrap().list().into_iter().cloned().collect()
    }

    pub fn add_mount(&self, mount: Mount) {
        self.table.write().unwrap().add(mount)
    }

    pub fn remove_mount(&self, prefix: &str) -> bool {
        self.table.write().unwrap().remove(prefix)
    }

    pub fn target(&self, abs: &str) -> Target {
        if let Some(rel) = abs.strip_prefix("/dev/fd/") {
            let mount = Mount { prefix: TEMP_PREFIX.into(), resource: self.temp.clone(), mode: MountMode::Read };
            return Target::Mounted(mount, rel.to_string());
        }
        let t = self.table.read().unwrap();
        match t.resolve(abs) {
            mount::Resolved::Mounted(m, rel) => Target::Mounted(m.clone(), rel),
            mount::Resolved::Virtual => Target::Virtual,
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

    fn virtual_entries(&self, abs: &str) -> Vec<DirEntry> {
        self.table
            .read()
            .unwrap()
            .virtual_children(abs)
            .into_iter()
            .map(|name| DirEntry { name, meta: Metadata::dir() })
            .collect()
    }

    pub async fn stat(&self, abs: &str) -> Result<Metadata, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => m.resource.stat(&rel).await,
            Target::Virtual => Ok(Metadata::dir()),
            Target::Missing => Err(FsError::not_found()),
        }
    }

    pub async fn read_dir(&self, abs: &str) -> Result<Vec<DirEntry>, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => {
                let mut entries = m.resource.read_dir(&rel).await?;
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
        }
    }

    pub async fn read(&self, abs: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => m.resource.read(&rel, range).await,
            Target::Virtual => Err(FsError::new(ErrorKind::IsADirectory)),
            Target::Missing => Err(FsError::not_found()),
        }
    }

    /// Read a whole file into memory (for commands that need all of it).
    pub async fn read_all(&self, abs: &str) -> Result<Bytes, FsError> {
        use futures::StreamExt;
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
        }
    }

    pub async fn write(&self, abs: &str, data: Bytes) -> Result<(), FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        m.resource.write(&rel, data).await
    }

    pub async fn write_stream(&self, abs: &str, body: ByteStream) -> Result<u64, FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        m.resource.write_stream(&rel, body).await
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
        m.resource.remove_file(&rel).await
    }

    pub async fn mkdir(&self, abs: &str) -> Result<(), FsError> {
        let (m, rel) = match self.target(abs) {
            Target::Mounted(m, rel) if rel.is_empty() => {
                let _ = m;
                return Err(FsError::new(ErrorKind::AlreadyExists));
            }
            Target::Virtual => return Err(FsError::new(ErrorKind::AlreadyExists)),
            _ => self.writable_target(abs)?,
        };
        m.resource.mkdir(&rel).await
    }

    pub async fn rmdir(&self, abs: &str) -> Result<(), FsError> {
        let (m, rel) = self.writable_target(abs)?;
        if rel.is_empty() {
            return Err(FsError::new(ErrorKind::Busy));
        }
        m.resource.rmdir(&rel).await
    }

    /// Copy a file, within one mount (server-side where the backend can) or across mounts.
    pub async fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        let (dm, drel) = self.writable_target(to)?;
        match self.target(from) {
            Target::Mounted(sm, srel) if Arc::ptr_eq(&sm.resource, &dm.resource) => {
                dm.resource.copy_file(&srel, &drel).await
            }
            Target::Mounted(sm, srel) => {
                let h = sm.resource.read(&srel, None).await?;
                dm.resource.write_stream(&drel, h.body).await.map(|_| ())
            }
            Target::Virtual => Err(FsError::new(ErrorKind::IsADirectory)),
            Target::Missing => Err(FsError::not_found()),
        }
    }

    /// Every entry below `abs`, as paths relative to it.
    pub async fn walk(&self, abs: &str) -> Result<Vec<(String, Metadata)>, FsError> {
        match self.target(abs) {
            Target::Mounted(m, rel) => m.resource.walk(&rel).await,
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
        }
    }
}
