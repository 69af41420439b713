//! The mount table: which resource serves which absolute path, and in which mode.

use std::sync::Arc;

use super::error::{ErrorKind, FsError};
use super::resource::Resource;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountMode {
    Read,
    Write,
    Exec,
}

impl MountMode {
    pub fn parse(s: &str) -> Option<MountMode> {
        match s {
            "read" => Some(MountMode::Read),
            "write" => Some(MountMode::Write),
            "exec" => Some(MountMode::Exec),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            MountMode::Read => "read",
            MountMode::Write => "write",
            MountMode::Exec => "exec",
        }
    }
    pub fn allows_write(self) -> bool {
        !matches!(self, MountMode::Read)
    }
}

#[derive(Clone)]
pub struct Mount {
    /// Normalised, e.g. `/bucket`.
    pub prefix: String,
    pub resource: Arc<dyn Resource>,
    pub mode: MountMode,
}

impl Mount {
    /// `/bucket/` as users write it.
    pub fn display_prefix(&self) -> String {
        if self.prefix == "/" {
            "/".into()
        } else {
            format!("{}/", self.prefix)
        }
    }

    pub fn check_writable(&self) -> Result<(), FsError> {
        if self.mode.allows_write() && self.resource.writable() {
            Ok(())
        } else {
            Err(FsError::new(ErrorKind::ReadOnly))
        }
    }
}

/// Where an absolute path lands.
pub enum Resolved<'a> {
    /// Inside a mount, at this resource-relative path.
    Mounted(&'a Mount, String),
    /// A directory that exists only because mounts live below it (`/`, or `/data` for `/data/b2`).
    Virtual,
    /// Nothing serves it.
    Missing,
}

#[derive(Clone, Default)]
pub struct MountTable {
    /// Sorted longest prefix first, so the first match is the most specific.
    mounts: Vec<Mount>,
}

impl MountTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, mount: Mount) {
        self.mounts.retain(|m| m.prefix != mount.prefix);
        self.mounts.push(mount);
        self.mounts.sort_by(|a, b| b.prefix.len().cmp(&a.prefix.len()).then(a.prefix.cmp(&b.prefix)));
    }

    pub fn remove(&mut self, prefix: &str) -> bool {
        let before = self.mounts.len();
        self.mounts.retain(|m| m.prefix != prefix);
        before != self.mounts.len()
    }

    /// Mounts in prefix order.
    pub fn list(&self) -> Vec<&Mount> {
        let mut v: Vec<&Mount> = self.mounts.iter().collect();
        v.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        v
    }

    pub fn get(&self, prefix: &str) -> Option<&Mount> {
        self.mounts.iter().find(|m| m.prefix == prefix)
    }

    pub fn resolve(&self, abs: &str) -> Resolved<'_> {
        for m in &self.mounts {
            if m.prefix == "/" {
                return Resolved::Mounted(m, abs.trim_start_matches('/').to_string());
            }
            if abs == m.prefix {
                return Resolved::Mounted(m, String::new());
            }
            if abs.len() > m.prefix.len() && abs.starts_with(&m.prefix) && abs.as_bytes()[m.prefix.len()] == b'/' {
                return Resolved::Mounted(m, abs[m.prefix.len() + 1..].to_string());
            }
        }
        if abs == "/" || !self.virtual_children(abs).is_empty() {
            Resolved::Virtual
        } else {
            Resolved::Missing
        }
    }

    /// Names of the virtual directory entries directly below `abs` (mount points and
    /// the directories leading to them).
    pub fn virtual_children(&self, abs: &str) -> Vec<String> {
        let base = if abs == "/" { String::from("/") } else { format!("{abs}/") };
        let mut names: Vec<String> = self
            .mounts
            .iter()
            .filter(|m| m.prefix != "/" && m.prefix.starts_with(&base))
            .map(|m| m.prefix[base.len()..].split('/').next().unwrap_or("").to_string())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}
