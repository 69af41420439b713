//! Workspace snapshots: a tar with the mounts, the sessions' cwd and variables, and the
//! contents of in-memory mounts. Secrets are never written: remote mounts are recorded by
//! kind only and must be passed again when loading.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::vfs::ram::RamResource;
use crate::vfs::resource::SnapshotState;
use crate::vfs::{disk::DiskResource, MountMode, Resource};
use crate::workspace::{Workspace, WorkspaceOptions, DEFAULT_SESSION};

const MANIFEST: &str = "mirage-snapshot.json";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize, Debug)]
struct Manifest {
    version: u32,
    mounts: Vec<SavedMount>,
    sessions: Vec<SavedSession>,
}

#[derive(Serialize, Deserialize, Debug)]
struct SavedMount {
    /// `/bucket/`
    prefix: String,
    mode: String,
    kind: String,
    /// For local folders.
    root: Option<String>,
}

#[derive(Serialize, Deserialize, Debug)]
struct SavedSession {
    id: String,
    cwd: String,
    env: HashMap<String, String>,
    allowed_mounts: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// Remote mounts not given again, by prefix.
    MissingOverrides(Vec<String>),
    Invalid(String),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::MissingOverrides(p) => write!(
                f,
                "Workspace.load: these mounts hold credentials, which snapshots never save; pass them again in overrides: {}",
                p.join(", ")
            ),
            SnapshotError::Invalid(m) => write!(f, "Workspace.load: not a workspace snapshot: {m}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

fn entry_name(index: usize, path: &str) -> String {
    format!("mounts/{index}/{path}")
}

impl Workspace {
    /// The workspace state as tar bytes.
    pub fn snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut manifest = Manifest { version: VERSION, mounts: Vec::new(), sessions: Vec::new() };
        let io_err = |e: std::io::Error| SnapshotError::Invalid(e.to_string());
        for (i, m) in self.mounts().iter().enumerate() {
            let state = m.resource.snapshot_state();
            let mut saved = SavedMount { prefix: m.display_prefix(), mode: m.mode.as_str().into(), kind: m.resource.kind().into(), root: None };
            match state {
                SnapshotState::Memory(entries) => {
                    for (path, data) in entries {
                        let mut h = tar::Header::new_gnu();
                        h.set_mode(if data.is_some() { 0o644 } else { 0o755 });
                        h.set_mtime(0);
                        match data {
                            Some(bytes) => {
                                h.set_entry_type(tar::EntryType::Regular);
                                h.set_size(bytes.len() as u64);
                                builder.append_data(&mut h, entry_name(i, &path), &bytes[..]).map_err(io_err)?;
                            }
                            None => {
                                h.set_entry_type(tar::EntryType::Directory);
                                h.set_size(0);
                                builder.append_data(&mut h, format!("{}/", entry_name(i, &path)), std::io::empty()).map_err(io_err)?;
                            }
                        }
                    }
                }
                SnapshotState::Folder(root) => saved.root = Some(root.to_string_lossy().into_owned()),
                SnapshotState::Remote => {}
            }
            manifest.mounts.push(saved);
        }
        for s in self.sessions() {
            manifest.sessions.push(SavedSession {
                id: s.id.clone(),
                cwd: s.cwd(),
                env: s.env(),
                allowed_mounts: s.allowed_mounts.as_ref().map(|a| a.iter().map(|p| format!("{p}/")).collect()),
            });
        }
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| SnapshotError::Invalid(e.to_string()))?;
        let mut h = tar::Header::new_gnu();
        h.set_size(json.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut h, MANIFEST, &json[..]).map_err(io_err)?;
        builder.into_inner().map_err(io_err)
    }

    /// Rebuild a workspace from snapshot bytes. `overrides` maps mount prefixes to resources
    /// (required for every remote mount; they may also replace the others).
    pub fn load(data: &[u8], options: WorkspaceOptions, overrides: HashMap<String, Arc<dyn Resource>>) -> Result<Workspace, SnapshotError> {
        let invalid = |e: std::io::Error| SnapshotError::Invalid(e.to_string());
        let mut manifest: Option<Manifest> = None;
        let mut files: HashMap<usize, Vec<(String, Option<Bytes>)>> = HashMap::new();
        let mut archive = tar::Archive::new(data);
        for entry in archive.entries().map_err(invalid)? {
            let mut entry = entry.map_err(invalid)?;
            let name = entry.path().map_err(invalid)?.to_string_lossy().into_owned();
            if name == MANIFEST {
                let mut buf = Vec::new();
                entry.read_to_end(&mut buf).map_err(invalid)?;
                manifest = Some(serde_json::from_slice(&buf).map_err(|e| SnapshotError::Invalid(e.to_string()))?);
                continue;
            }
            let Some(rest) = name.strip_prefix("mounts/") else { continue };
            let Some((idx, path)) = rest.split_once('/') else { continue };
            let Ok(idx) = idx.parse::<usize>() else { continue };
            let path = path.trim_end_matches('/').to_string();
            if path.is_empty() || path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
                continue;
            }
            if entry.header().entry_type().is_dir() {
                files.entry(idx).or_default().push((path, None));
            } else {
                let mut buf = Vec::new();
                entry.read_to_end(&mut buf).map_err(invalid)?;
                files.entry(idx).or_default().push((path, Some(Bytes::from(buf))));
            }
        }
        let manifest = manifest.ok_or_else(|| SnapshotError::Invalid(format!("{MANIFEST} is missing")))?;
        if manifest.version != VERSION {
            return Err(SnapshotError::Invalid(format!("version {} is not supported", manifest.version)));
        }
        let overrides: HashMap<String, Arc<dyn Resource>> =
            overrides.into_iter().map(|(k, v)| (crate::vfs::path::normalize_prefix(&k), v)).collect();
        let mut mounts: Vec<(String, Arc<dyn Resource>, MountMode)> = Vec::new();
        let mut missing = Vec::new();
        for (i, m) in manifest.mounts.iter().enumerate() {
            let mode = MountMode::parse(&m.mode).unwrap_or(MountMode::Read);
            if let Some(r) = overrides.get(&crate::vfs::path::normalize_prefix(&m.prefix)) {
                mounts.push((m.prefix.clone(), r.clone(), mode));
                continue;
            }
            let resource: Arc<dyn Resource> = match (m.kind.as_str(), &m.root) {
                ("ram", _) => {
                    let ram = RamResource::new();
                    let mut entries = files.remove(&i).unwrap_or_default();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    for (path, data) in entries {
                        match data {
                            Some(b) => ram.put_file(&path, b),
                            None => ram.put_dir(&path),
                        }
                    }
                    Arc::new(ram)
                }
                ("disk", Some(root)) => {
                    Arc::new(DiskResource::new(root).map_err(|e| SnapshotError::Invalid(format!("{}: {root}: {e}", m.prefix)))?)
                }
                _ => {
                    missing.push(m.prefix.clone());
                    continue;
                }
            };
            mounts.push((m.prefix.clone(), resource, mode));
        }
        if !missing.is_empty() {
            return Err(SnapshotError::MissingOverrides(missing));
        }
        let ws = Workspace::new(mounts, options).map_err(|e| SnapshotError::Invalid(e.to_string()))?;
        for s in manifest.sessions {
            let session = if s.id == DEFAULT_SESSION {
                ws.session(DEFAULT_SESSION).map_err(|e| SnapshotError::Invalid(e.to_string()))?
            } else {
                ws.create_session(&s.id, s.allowed_mounts.clone()).map_err(|e| SnapshotError::Invalid(e.to_string()))?
            };
            session.restore(&s.cwd, &s.env);
        }
        Ok(ws)
    }
}
