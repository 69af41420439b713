//! An in-memory resource: the same shell with no network.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use super::error::{ErrorKind, FsError};
use super::resource::{parent, ByteRange, DirEntry, FileKind, Metadata, ReadHandle, Resource};

#[derive(Clone)]
enum Node {
    File { data: Bytes, modified: SystemTime },
    Dir { modified: SystemTime },
}

impl Node {
    fn meta(&self) -> Metadata {
        match self {
            Node::File { data, modified } => Metadata { kind: FileKind::File, size: data.len() as u64, modified: Some(*modified), etag: None },
            Node::Dir { modified } => Metadata { kind: FileKind::Dir, size: 0, modified: Some(*modified), etag: None },
        }
    }
}

/// Default most bytes of file data one RAM mount holds (1 GiB).
pub const DEFAULT_RAM_QUOTA: u64 = 1 << 30;

/// Files and directories held in a map from relative path to node; the root is implicit.
pub struct RamResource {
    nodes: Mutex<BTreeMap<String, Node>>,
    /// Most bytes of file data the mount holds; a write past it fails with ENOSPC.
    quota: u64,
    /// Bytes of file data held now (changed only under the `nodes` lock).
    used: std::sync::atomic::AtomicU64,
    /// The root's modification time, once set (`touch -d`): unknown before.
    root_modified: Mutex<Option<SystemTime>>,
}

impl Default for RamResource {
    fn default() -> Self {
        Self::new()
    }
}

impl RamResource {
    pub fn new() -> Self {
        Self::with_quota(DEFAULT_RAM_QUOTA)
    }

    /// A RAM mount holding at most `quota` bytes of file data.
    pub fn with_quota(quota: u64) -> Self {
        RamResource { nodes: Mutex::new(BTreeMap::new()), quota, used: Default::default(), root_modified: Mutex::new(None) }
    }

    /// Account for a file replaced (`old` bytes, 0 if new) by one of `new` bytes.
    fn account(&self, old: u64, new: u64) {
        use std::sync::atomic::Ordering::SeqCst;
        let _ = self.used.fetch_update(SeqCst, SeqCst, |u| Some(u.saturating_sub(old).saturating_add(new)));
    }

    fn file_len(node: Option<&Node>) -> u64 {
        match node {
            Some(Node::File { data, .. }) => data.len() as u64,
            _ => 0,
        }
    }

    /// Add or replace a file directly (no parent check).
    pub fn put_file(&self, path: &str, data: Bytes) {
        let new = data.len() as u64;
        let old = self.nodes.lock().unwrap().insert(path.to_string(), Node::File { data, modified: SystemTime::now() });
        self.account(Self::file_len(old.as_ref()), new);
    }

    /// Add a directory directly (no parent check).
    pub fn put_dir(&self, path: &str) {
        self.nodes.lock().unwrap().insert(path.to_string(), Node::Dir { modified: SystemTime::now() });
    }

    pub fn drop_file(&self, path: &str) {
        let old = self.nodes.lock().unwrap().remove(path);
        self.account(Self::file_len(old.as_ref()), 0);
    }

    /// Every file, for snapshots.
    pub fn files(&self) -> Vec<(String, Bytes)> {
        self.nodes
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(k, n)| match n {
                Node::File { data, .. } => Some((k.clone(), data.clone())),
                Node::Dir { .. } => None,
            })
            .collect()
    }

    fn check_parent_dir(nodes: &BTreeMap<String, Node>, path: &str) -> Result<(), FsError> {
        let p = parent(path);
        if p.is_empty() {
            return Ok(());
        }
        match nodes.get(p) {
            Some(Node::Dir { .. }) => Ok(()),
            Some(Node::File { .. }) => Err(FsError::new(ErrorKind::NotADirectory)),
            None => Err(FsError::not_found()),
        }
    }
}

pub(crate) fn slice_range(data: &Bytes, range: Option<ByteRange>) -> Bytes {
    let len = data.len() as u64;
    let (start, end) = match range {
        None => (0, len),
        Some(ByteRange::Span { start, end_inclusive }) => (start.min(len), end_inclusive.saturating_add(1).min(len)),
        Some(ByteRange::From(start)) => (start.min(len), len),
        Some(ByteRange::Suffix(n)) => (len.saturating_sub(n), len),
    };
    data.slice(start as usize..end.max(start) as usize)
}

#[async_trait]
impl Resource for RamResource {
    fn kind(&self) -> &'static str {
        "ram"
    }

    fn snapshot_state(&self) -> super::resource::SnapshotState {
        let nodes = self.nodes.lock().unwrap();
        super::resource::SnapshotState::Memory(
            nodes
                .iter()
                .map(|(k, n)| match n {
                    Node::File { data, .. } => (k.clone(), Some(data.clone())),
                    Node::Dir { .. } => (k.clone(), None),
                })
                .collect(),
        )
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let nodes = self.nodes.lock().unwrap();
        if !path.is_empty() {
            match nodes.get(path) {
                Some(Node::Dir { .. }) => {}
                Some(Node::File { .. }) => return Err(FsError::new(ErrorKind::NotADirectory)),
                None => return Err(FsError::not_found()),
            }
        }
        let base = if path.is_empty() { String::new() } else { format!("{path}/") };
        // Children only: each child directory's subtree is skipped with one seek (its keys
        // run from `child/` to just before `child0`, '0' being the byte after '/'), so a deep
        // tree costs a lookup per child, not a scan of everything below.
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let mut out = Vec::new();
        let mut from: (std::ops::Bound<String>, std::ops::Bound<String>) = (Included(base.clone()), Unbounded);
        while let Some((k, n)) = nodes.range::<String, _>(from.clone()).next() {
            if !k.starts_with(&base) {
                break;
            }
            let rest = &k[base.len()..];
            match rest.find('/') {
                Some(i) => from = (Included(format!("{base}{}0", &rest[..i])), Unbounded),
                None => {
                    out.push(DirEntry { name: rest.to_string(), meta: n.meta() });
                    from = (Excluded(k.clone()), Unbounded);
                }
            }
        }
        Ok(out)
    }

    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        if path.is_empty() {
            return Ok(Metadata { modified: *self.root_modified.lock().unwrap(), ..Metadata::dir() });
        }
        self.nodes.lock().unwrap().get(path).map(Node::meta).ok_or_else(FsError::not_found)
    }

    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        let data = match self.nodes.lock().unwrap().get(path) {
            Some(Node::File { data, .. }) => data.clone(),
            Some(Node::Dir { .. }) => return Err(FsError::new(ErrorKind::IsADirectory)),
            None if path.is_empty() => return Err(FsError::new(ErrorKind::IsADirectory)),
            None => return Err(FsError::not_found()),
        };
        let total = data.len() as u64;
        let part = slice_range(&data, range);
        Ok(ReadHandle { total_size: Some(total), etag: None, body: Box::pin(futures::stream::iter([Ok(part)])) })
    }

    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        let mut nodes = self.nodes.lock().unwrap();
        Self::check_parent_dir(&nodes, path)?;
        let old = match nodes.get(path) {
            Some(Node::Dir { .. }) => return Err(FsError::new(ErrorKind::IsADirectory)),
            Some(Node::File { data, .. }) => data.len() as u64,
            None => 0,
        };
        let used = self.used.load(std::sync::atomic::Ordering::SeqCst);
        if used.saturating_sub(old).saturating_add(data.len() as u64) > self.quota {
            return Err(FsError::new(ErrorKind::NoSpace));
        }
        self.account(old, data.len() as u64);
        nodes.insert(path.to_string(), Node::File { data, modified: SystemTime::now() });
        Ok(())
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let mut nodes = self.nodes.lock().unwrap();
        match nodes.get(path) {
            Some(Node::File { .. }) => {
                let old = nodes.remove(path);
                self.account(Self::file_len(old.as_ref()), 0);
                Ok(())
            }
            Some(Node::Dir { .. }) => Err(FsError::new(ErrorKind::IsADirectory)),
            None => Err(FsError::not_found()),
        }
    }

    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let mut nodes = self.nodes.lock().unwrap();
        if nodes.contains_key(path) {
            return Err(FsError::new(ErrorKind::AlreadyExists));
        }
        Self::check_parent_dir(&nodes, path)?;
        nodes.insert(path.to_string(), Node::Dir { modified: SystemTime::now() });
        Ok(())
    }

    async fn set_modified(&self, path: &str, time: SystemTime) -> Result<(), FsError> {
        if path.is_empty() {
            *self.root_modified.lock().unwrap() = Some(time);
            return Ok(());
        }
        match self.nodes.lock().unwrap().get_mut(path) {
            Some(Node::File { modified, .. }) | Some(Node::Dir { modified }) => {
                *modified = time;
                Ok(())
            }
            None => Err(FsError::not_found()),
        }
    }

    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        let mut nodes = self.nodes.lock().unwrap();
        match nodes.get(path) {
            Some(Node::Dir { .. }) => {}
            Some(Node::File { .. }) => return Err(FsError::new(ErrorKind::NotADirectory)),
            None => return Err(FsError::not_found()),
        }
        let base = format!("{path}/");
        if nodes.range(base.clone()..).next().is_some_and(|(k, _)| k.starts_with(&base)) {
            return Err(FsError::new(ErrorKind::DirectoryNotEmpty));
        }
        nodes.remove(path);
        Ok(())
    }
}
