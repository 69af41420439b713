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
        RamResource { nodes: Mutex::new(BTreeMap::new()), quota, root_modified: Mutex::new(None) }
    }

    /// Bytes of file data held now.
    fn used(nodes: &BTreeMap<String, Node>) -> u64 {
        nodes.values().map(|n| if let Node::File { data, .. } = n { data.len() as u64 } else { 0 }).sum()
    }

    /// Add or replace a file directly (no parent check).
    pub fn put_file(&self, path: &str, data: Bytes) {
        self.nodes.lock().unwrap().insert(path.to_string(), Node::File { data, modified: SystemTime::now() });
    }

    /// Add a directory directly (no parent check).
    pub fn put_dir(&self, path: &str) {
        self.nodes.lock().unwrap().insert(path.to_string(), Node::Dir { modified: SystemTime::now() });
    }

    pub fn drop_file(&self, path: &str) {
        self.nodes.lock().unwrap().remove(path);
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
        Ok(nodes
            .range(base.clone()..)
            .take_while(|(k, _)| k.starts_with(&base))
            .filter(|(k, _)| !k[base.len()..].contains('/'))
            .map(|(k, n)| DirEntry { name: k[base.len()..].to_string(), meta: n.meta() })
            .collect())
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
        if Self::used(&nodes) - old + data.len() as u64 > self.quota {
            return Err(FsError::new(ErrorKind::NoSpace));
        }
        nodes.insert(path.to_string(), Node::File { data, modified: SystemTime::now() });
        Ok(())
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let mut nodes = self.nodes.lock().unwrap();
        match nodes.get(path) {
            Some(Node::File { .. }) => {
                nodes.remove(path);
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
