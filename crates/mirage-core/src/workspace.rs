//! A workspace: mounts plus a default session, running commands and capturing their output.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures::FutureExt;

use crate::commands::Registry;
use crate::shell::exec::{Io, Shell};
use crate::shell::io::{self, Capture, Input, Output};
use crate::vfs::{path, Mount, MountMode, MountTable, Resource, Vfs};

#[derive(Clone, Debug)]
pub struct WorkspaceOptions {
    /// Largest stdout (and, separately, stderr) kept from one `execute`; past it the
    /// command is stopped and a note is added to stderr.
    pub max_output_bytes: usize,
    /// Listing/metadata index and byte cache in front of S3/B2 mounts (`vfs::cache`).
    pub cache: crate::vfs::cache::CacheOptions,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        WorkspaceOptions { max_output_bytes: 16 << 20, cache: Default::default() }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ExecOptions {
    pub stdin: Option<Bytes>,
    /// Run in a fork of the session with this cwd; changes do not persist.
    pub cwd: Option<String>,
    /// Run in a fork of the session with these variables added; changes do not persist.
    pub env: Option<HashMap<String, String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceError {
    Closed,
    InvalidMount(String),
}

impl std::fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkspaceError::Closed => f.write_str("Workspace is closed"),
            WorkspaceError::InvalidMount(m) => write!(f, "invalid mount: {m}"),
        }
    }
}

impl std::error::Error for WorkspaceError {}

pub struct Workspace {
    vfs: Arc<Vfs>,
    registry: Arc<Registry>,
    options: WorkspaceOptions,
    /// The default session; a lock so concurrent calls on it run one after another and
    /// never see each other's half-changed cwd.
    session: tokio::sync::Mutex<Shell>,
    closed: AtomicBool,
    /// Whether the "redis unavailable" warning was given (once per workspace).
    redis_warned: AtomicBool,
}

impl Workspace {
    pub fn new(mounts: Vec<(String, Arc<dyn Resource>, MountMode)>, options: WorkspaceOptions) -> Result<Workspace, WorkspaceError> {
        let mut table = MountTable::new();
        for (prefix, resource, mode) in crate::vfs::cache::wrap_mounts(mounts, &options.cache) {
            let p = path::normalize_prefix(&prefix);
            if table.get(&p).is_some() {
                return Err(WorkspaceError::InvalidMount(format!("{prefix} is mounted twice")));
            }
            table.add(Mount { prefix: p, resource, mode });
        }
        let vfs = Arc::new(Vfs::new(table));
        let registry = Arc::new(Registry::builtin());
        let shell = Shell::new(vfs.clone(), registry.clone(), "/".into(), &HashMap::new());
        Ok(Workspace { vfs, registry, options, session: tokio::sync::Mutex::new(shell), closed: AtomicBool::new(false), redis_warned: AtomicBool::new(false) })
    }

    pub fn vfs(&self) -> &Arc<Vfs> {
        &self.vfs
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn mounts(&self) -> Vec<Mount> {
        self.vfs.mounts()
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub async fn cwd(&self) -> String {
        self.session.lock().await.cwd.clone()
    }

    pub async fn set_cwd(&self, cwd: &str) {
        let mut s = self.session.lock().await;
        let abs = path::normalize(&s.cwd, cwd);
        s.cwd = abs;
    }

    pub async fn env(&self) -> HashMap<String, String> {
        self.session.lock().await.exported_env()
    }

    pub async fn set_env(&self, env: HashMap<String, String>) {
        let mut s = self.session.lock().await;
        s.vars.retain(|_, v| !v.exported);
        for (k, v) in env {
            s.set_exported(&k, v);
        }
    }

    /// Run a command line as `bash -c` would. Never fails for a failing command: the
    /// status and stderr say what went wrong.
    pub async fn execute(&self, command: &str, opts: ExecOptions) -> Result<ExecOutput, WorkspaceError> {
        if self.is_closed() {
            return Err(WorkspaceError::Closed);
        }
        let out_cap = Capture::new(self.options.max_output_bytes);
        let err_cap = Capture::new(self.options.max_output_bytes);
        let io = Io {
            stdin: io::shared(match opts.stdin {
                Some(b) => Input::Bytes(b),
                None => Input::Empty,
            }),
            stdout: Output::Capture(out_cap.clone()),
            stderr: Output::Capture(err_cap.clone()),
        };
        let redis = self.options.cache.redis_conns();
        let redis_before: u64 = redis.iter().map(|c| c.fallbacks()).sum();
        let forked = opts.cwd.is_some() || opts.env.is_some();
        let run = async {
            if forked {
                let mut sh = self.session.lock().await.subshell();
                if let Some(cwd) = &opts.cwd {
                    sh.cwd = path::normalize(&sh.cwd, cwd);
                }
                if let Some(env) = &opts.env {
                    for (k, v) in env {
                        sh.set_exported(k, v.clone());
                    }
                }
                sh.run_script(command, &io).await
            } else {
                let mut guard = self.session.lock().await;
                guard.run_script(command, &io).await
            }
        };
        let status = match AssertUnwindSafe(run).catch_unwind().await {
            Ok(s) => s,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown error".into());
                let _ = io.stderr.write_str(&format!("mirage: internal error: {msg}\n")).await;
                1
            }
        };
        drop(io);
        let mut stderr = err_cap.take();
        if out_cap.truncated() {
            stderr.extend_from_slice(
                format!("mirage: output truncated at {} bytes (narrow the command, e.g. with head or grep)\n", self.options.max_output_bytes).as_bytes(),
            );
        }
        // Redis failing is not an outage: the command went to the bucket. Say so once.
        if redis.iter().map(|c| c.fallbacks()).sum::<u64>() > redis_before && !self.redis_warned.swap(true, Ordering::SeqCst) {
            let reason = redis.iter().map(|c| c.reason()).find(|r| !r.is_empty()).unwrap_or_else(|| "no answer".into());
            stderr.extend_from_slice(format!("mirage: redis unavailable ({reason}); using the bucket directly\n").as_bytes());
        }
        Ok(ExecOutput { stdout: out_cap.take(), stderr, exit_code: status })
    }
}
