//! A workspace: mounts, sessions (each with its own cwd, variables and allowed mounts),
//! the history of commands, and `execute`, which runs a command line and captures its output.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use crate::commands::Registry;
use crate::limits::{Cancel, Context, Ended, Stop};
use crate::shell::exec::{Io, Shell};
use crate::shell::io::{self, Capture, Input, Output};
use crate::stats::{self, ExecStats};
use crate::vfs::{path, Mount, MountMode, MountTable, Resource, Vfs};

pub const DEFAULT_SESSION: &str = "default";

thread_local! {
    /// The session an execute thread runs for.
    static CURRENT_SESSION: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The id of the session whose command runs on this thread (for commands written in JS,
/// which must not call back into the session that is waiting for them).
pub fn current_session() -> Option<String> {
    CURRENT_SESSION.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// The status of a command stopped by its deadline, as `timeout(1)` reports it.
pub const EXIT_TIMEOUT: i32 = 124;

/// `2s`, `1.5s`, `0.25s`: a deadline as the timeout note shows it.
pub fn format_seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        return format!("{}s", ms / 1000);
    }
    let s = format!("{}.{:03}", ms / 1000, ms % 1000);
    format!("{}s", s.trim_end_matches('0'))
}

#[derive(Clone, Debug)]
pub struct WorkspaceOptions {
    /// Largest stdout (and, separately, stderr) kept from one `execute`; past it the
    /// command is stopped and a note is added to stderr.
    pub max_output_bytes: usize,
    /// Entries kept in the history (oldest dropped first).
    pub history_limit: usize,
    /// Per-mount, per-command output caps and timeouts. None by default: GNU's full output.
    pub safeguards: crate::shell::exec::Safeguards,
    /// Prices used by `provision`, by mount prefix (`/bucket`); B2's and AWS S3's by default.
    pub pricing: HashMap<String, crate::provision::Pricing>,
    /// Default deadline of one `execute` (none by default); see `ExecOptions::timeout`.
    pub timeout: Option<Duration>,
    /// Listing/metadata index and byte cache in front of S3/B2 mounts (`vfs::cache`).
    pub cache: crate::vfs::cache::CacheOptions,
    /// Objects one command fetches at once (`Vfs::parallel_reads`).
    pub parallel_reads: usize,
    /// Memory a session may hold while a command runs (variables, buffers, RAM files it
    /// wrote); past it the command stops with `Cannot allocate memory`.
    pub max_memory_bytes: u64,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        WorkspaceOptions {
            max_output_bytes: 16 << 20,
            history_limit: 100,
            safeguards: Default::default(),
            pricing: Default::default(),
            timeout: None,
            cache: Default::default(),
            parallel_reads: crate::vfs::DEFAULT_PARALLEL_READS,
            max_memory_bytes: crate::limits::DEFAULT_MAX_MEMORY,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ExecOptions {
    pub stdin: Option<Bytes>,
    /// Run in a fork of the session with this cwd; changes do not persist.
    pub cwd: Option<String>,
    /// Run in a fork of the session with these variables added; changes do not persist.
    pub env: Option<HashMap<String, String>>,
    /// The session to run in (default `"default"`).
    pub session_id: Option<String>,
    /// Leave this command out of the history.
    pub no_history: bool,
    /// Deadline for this call: `Some(d)` overrides the workspace default, `Some(ZERO)`
    /// means none. Past it the command (and every request it has in flight) is dropped,
    /// the status is 124 and stderr ends with `mirage: command timed out after Ns`.
    pub timeout: Option<Duration>,
    /// Fired to abort this call (an AbortSignal): the command stops and the call fails
    /// with `WorkspaceError::Aborted`.
    pub cancel: Option<Arc<Cancel>>,
}

/// What an `execute` did, for metering.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecSummary {
    pub list: u64,
    pub head: u64,
    pub get: u64,
    pub put: u64,
    pub delete: u64,
    pub copy: u64,
    pub bytes_down: u64,
    pub bytes_up: u64,
    pub cache_hits: u64,
    pub duration_ms: f64,
}

impl ExecSummary {
    fn from(s: &ExecStats, duration_ms: f64) -> Self {
        let g = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        ExecSummary {
            list: g(&s.list),
            head: g(&s.head),
            get: g(&s.get),
            put: g(&s.put),
            delete: g(&s.delete),
            copy: g(&s.copy),
            bytes_down: g(&s.bytes_down),
            bytes_up: g(&s.bytes_up),
            cache_hits: g(&s.cache_hits),
            duration_ms,
        }
    }

    pub fn requests(&self) -> u64 {
        self.list + self.head + self.get + self.put + self.delete + self.copy
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: i32,
    pub stats: ExecSummary,
}

/// One entry of `ws.history`.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub command: String,
    pub session_id: String,
    pub exit_code: i32,
    pub started_at: SystemTime,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceError {
    Closed,
    InvalidMount(String),
    UnknownSession(String),
    SessionExists(String),
    /// The default session cannot be closed.
    DefaultSession,
    /// The call's abort switch fired.
    Aborted,
}

impl std::fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkspaceError::Closed => f.write_str("Workspace is closed"),
            WorkspaceError::InvalidMount(m) => write!(f, "invalid mount: {m}"),
            WorkspaceError::UnknownSession(id) => write!(f, "unknown session: {id}"),
            WorkspaceError::SessionExists(id) => write!(f, "session already exists: {id}"),
            WorkspaceError::DefaultSession => f.write_str("the default session cannot be closed"),
            WorkspaceError::Aborted => f.write_str("execute aborted"),
        }
    }
}

impl std::error::Error for WorkspaceError {}

/// A session: its own shell state, run one command at a time, limited to some mounts.
pub struct Session {
    pub id: String,
    /// Normalised mount prefixes (`/bucket`) this session may use; `None` is all.
    pub allowed_mounts: Option<Vec<String>>,
    shell: tokio::sync::Mutex<Shell>,
    /// cwd and exported variables as of the last command, readable without waiting for a
    /// running command (a JS getter must never block on one).
    snapshot: Mutex<(String, HashMap<String, String>)>,
    /// Where the allocator counts what this session holds.
    memory: Option<crate::limits::MemorySlot>,
    /// Executes of this session in progress (a JS command calling back in is refused).
    running: std::sync::atomic::AtomicUsize,
}

impl Session {
    pub fn cwd(&self) -> String {
        self.snapshot.lock().unwrap().0.clone()
    }

    pub fn env(&self) -> HashMap<String, String> {
        self.snapshot.lock().unwrap().1.clone()
    }

    /// Set cwd and exported variables (a fresh session being restored from a snapshot).
    pub fn restore(&self, cwd: &str, env: &HashMap<String, String>) {
        if let Ok(mut sh) = self.shell.try_lock() {
            sh.cwd = path::normalize("/", cwd);
            for (k, v) in env {
                if k != "PWD" {
                    sh.set_exported(k, v.clone());
                }
            }
            self.refresh(&sh);
        }
    }

    fn refresh(&self, sh: &Shell) {
        *self.snapshot.lock().unwrap() = (sh.cwd.clone(), sh.exported_env());
    }
}

pub struct Workspace {
    vfs: Arc<Vfs>,
    registry: Arc<Registry>,
    options: WorkspaceOptions,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    history: Mutex<VecDeque<HistoryEntry>>,
    closed: AtomicBool,
    /// Whether the "redis unavailable" warning was given (once per workspace).
    redis_warned: AtomicBool,
    /// Fires every running execute's switch on `close()`.
    cancel: Arc<Cancel>,
    /// Executes in progress; `close()` waits for them to stop.
    running: tokio::sync::watch::Sender<usize>,
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
        for prefix in options.safeguards.keys() {
            if table.get(prefix).is_none() {
                return Err(WorkspaceError::InvalidMount(format!("commandSafeguards: nothing is mounted at {prefix}/")));
            }
        }
        let vfs = Vfs::new(table);
        vfs.set_parallel_reads(options.parallel_reads);
        let ws = Workspace {
            vfs: Arc::new(vfs),
            registry: Arc::new(Registry::builtin()),
            options,
            sessions: Mutex::new(HashMap::new()),
            history: Mutex::new(VecDeque::new()),
            closed: AtomicBool::new(false),
            redis_warned: AtomicBool::new(false),
            cancel: Cancel::new(),
            running: tokio::sync::watch::channel(0).0,
        };
        ws.insert_session(DEFAULT_SESSION, None).expect("a new workspace has no sessions");
        Ok(ws)
    }

    pub fn vfs(&self) -> &Arc<Vfs> {
        &self.vfs
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn options(&self) -> &WorkspaceOptions {
        &self.options
    }

    pub fn mounts(&self) -> Vec<Mount> {
        self.vfs.mounts()
    }

    /// Mount a resource at run time.
    pub fn add_mount(&self, prefix: &str, resource: Arc<dyn Resource>, mode: MountMode) -> Result<Mount, WorkspaceError> {
        let p = path::normalize_prefix(prefix);
        if p == "/" || p.starts_with(crate::vfs::TEMP_PREFIX) {
            return Err(WorkspaceError::InvalidMount(format!("{prefix} cannot be mounted")));
        }
        if self.vfs.mounts().iter().any(|m| m.prefix == p) {
            return Err(WorkspaceError::InvalidMount(format!("{prefix} is already mounted")));
        }
        // Remote mounts added at run time get the same cache as those given at construction.
        let (_, resource, mode) = crate::vfs::cache::wrap_mounts(vec![(prefix.to_string(), resource, mode)], &self.options.cache)
            .pop()
            .expect("one mount in, one out");
        let m = Mount { prefix: p, resource, mode };
        self.vfs.add_mount(m.clone());
        Ok(m)
    }

    pub fn unmount(&self, prefix: &str) -> Result<(), WorkspaceError> {
        let p = path::normalize_prefix(prefix);
        if self.vfs.remove_mount(&p) {
            Ok(())
        } else {
            Err(WorkspaceError::InvalidMount(format!("nothing is mounted at {prefix}")))
        }
    }

    /// The mount serving a path.
    pub fn mount_for(&self, p: &str) -> Option<Mount> {
        self.vfs.mount_of(&path::normalize("/", p))
    }

    /// Refuse new executes and stop the running ones (they end with `WorkspaceError::Closed`).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.cancel.cancel(Stop::Closed);
        for m in self.vfs.mounts() {
            m.resource.release();
        }
    }

    /// `close()`, then wait until every execute has stopped.
    pub async fn close_and_wait(&self) {
        self.close();
        let mut rx = self.running.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    // ------------------------------------------------------------ sessions

    fn insert_session(&self, id: &str, allowed: Option<Vec<String>>) -> Result<Arc<Session>, WorkspaceError> {
        let mut sessions = self.sessions.lock().unwrap();
        if sessions.contains_key(id) {
            return Err(WorkspaceError::SessionExists(id.to_string()));
        }
        let allowed: Option<Vec<String>> = allowed.map(|a| a.iter().map(|p| path::normalize_prefix(p)).collect());
        let vfs = match &allowed {
            Some(a) => Arc::new(self.vfs.restricted(a.clone())),
            None => self.vfs.clone(),
        };
        let mut shell = Shell::new(vfs, self.registry.clone(), "/".into(), &HashMap::new());
        shell.safeguards = Arc::new(self.options.safeguards.clone());
        let snapshot = Mutex::new((shell.cwd.clone(), shell.exported_env()));
        let memory = crate::limits::MemorySlot::acquire(self.options.max_memory_bytes);
        let s = Arc::new(Session {
            id: id.to_string(),
            allowed_mounts: allowed,
            shell: tokio::sync::Mutex::new(shell),
            snapshot,
            memory,
            running: Default::default(),
        });
        sessions.insert(id.to_string(), s.clone());
        Ok(s)
    }

    pub fn create_session(&self, id: &str, allowed_mounts: Option<Vec<String>>) -> Result<Arc<Session>, WorkspaceError> {
        if let Some(a) = &allowed_mounts {
            let mounted: Vec<String> = self.vfs.mounts().into_iter().map(|m| m.prefix).collect();
            for p in a {
                if !mounted.contains(&path::normalize_prefix(p)) {
                    return Err(WorkspaceError::InvalidMount(format!("allowedMounts: nothing is mounted at {p}")));
                }
            }
        }
        self.insert_session(id, allowed_mounts)
    }

    pub fn session(&self, id: &str) -> Result<Arc<Session>, WorkspaceError> {
        self.sessions.lock().unwrap().get(id).cloned().ok_or_else(|| WorkspaceError::UnknownSession(id.to_string()))
    }

    pub fn sessions(&self) -> Vec<Arc<Session>> {
        let mut v: Vec<Arc<Session>> = self.sessions.lock().unwrap().values().cloned().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    pub fn close_session(&self, id: &str) -> Result<(), WorkspaceError> {
        if id == DEFAULT_SESSION {
            return Err(WorkspaceError::DefaultSession);
        }
        self.sessions.lock().unwrap().remove(id).map(|_| ()).ok_or_else(|| WorkspaceError::UnknownSession(id.to_string()))
    }

    /// Close every session but the default one.
    pub fn close_all_sessions(&self) {
        self.sessions.lock().unwrap().retain(|k, _| k == DEFAULT_SESSION);
    }

    pub fn cwd(&self) -> String {
        self.default_session().cwd()
    }

    fn default_session(&self) -> Arc<Session> {
        self.session(DEFAULT_SESSION).expect("the default session always exists")
    }

    pub async fn set_cwd(&self, cwd: &str) {
        let s = self.default_session();
        let mut sh = s.shell.lock().await;
        Self::apply_cwd(&s, &mut sh, cwd);
    }

    /// Set the cwd now if no command is running in the default session; false otherwise.
    pub fn try_set_cwd(&self, cwd: &str) -> bool {
        let s = self.default_session();
        let Ok(mut sh) = s.shell.try_lock() else { return false };
        Self::apply_cwd(&s, &mut sh, cwd);
        true
    }

    fn apply_cwd(s: &Session, sh: &mut Shell, cwd: &str) {
        let abs = path::normalize(&sh.cwd, cwd);
        sh.cwd = abs;
        s.refresh(sh);
    }

    /// Replace the exported variables now if no command is running; false otherwise.
    pub fn try_set_env(&self, env: &HashMap<String, String>) -> bool {
        let s = self.default_session();
        let Ok(mut sh) = s.shell.try_lock() else { return false };
        Self::apply_env(&s, &mut sh, env);
        true
    }

    fn apply_env(s: &Session, sh: &mut Shell, env: &HashMap<String, String>) {
        sh.vars.retain(|_, v| !v.exported);
        for (k, v) in env {
            sh.set_exported(k, v.clone());
        }
        s.refresh(sh);
    }

    pub fn env(&self) -> HashMap<String, String> {
        self.default_session().env()
    }

    pub async fn set_env(&self, env: HashMap<String, String>) {
        let s = self.default_session();
        let mut sh = s.shell.lock().await;
        Self::apply_env(&s, &mut sh, &env);
    }

    // ------------------------------------------------------------ history

    pub fn history(&self) -> Vec<HistoryEntry> {
        self.history.lock().unwrap().iter().cloned().collect()
    }

    pub fn clear_history(&self) {
        self.history.lock().unwrap().clear();
    }

    fn remember(&self, e: HistoryEntry) {
        if self.options.history_limit == 0 {
            return;
        }
        let mut h = self.history.lock().unwrap();
        while h.len() >= self.options.history_limit {
            h.pop_front();
        }
        h.push_back(e);
    }

    // ------------------------------------------------------------ execute

    /// Run a command line as `bash -c` would. Never fails for a failing command: the
    /// status and stderr say what went wrong.
    pub async fn execute(&self, command: &str, opts: ExecOptions) -> Result<ExecOutput, WorkspaceError> {
        let out_cap = Capture::new(self.options.max_output_bytes);
        let err_cap = Capture::new(self.options.max_output_bytes);
        let redis = self.options.cache.redis_conns();
        let redis_before: u64 = redis.iter().map(|c| c.fallbacks()).sum();
        let (status, stats) = self.execute_to(command, opts, Output::Capture(out_cap.clone()), Output::Capture(err_cap.clone())).await?;
        let mut stderr = err_cap.take();
        // Redis failing is not an outage: the command went to the bucket. Say so once.
        if redis.iter().map(|c| c.fallbacks()).sum::<u64>() > redis_before && !self.redis_warned.swap(true, Ordering::SeqCst) {
            let reason = redis.iter().map(|c| c.reason()).find(|r| !r.is_empty()).unwrap_or_else(|| "no answer".into());
            stderr.extend_from_slice(format!("mirage: redis unavailable ({reason}); using the bucket directly\n").as_bytes());
        }
        if out_cap.truncated() {
            stderr.extend_from_slice(
                format!("mirage: output truncated at {} bytes (narrow the command, e.g. with head or grep)\n", self.options.max_output_bytes).as_bytes(),
            );
        }
        Ok(ExecOutput { stdout: out_cap.take(), stderr, exit_code: status, stats })
    }

    /// Run a command line with its stdout and stderr going to the given streams (for
    /// streamed output: a pipe whose reader sets the pace).
    pub async fn execute_to(&self, command: &str, opts: ExecOptions, stdout: Output, stderr: Output) -> Result<(i32, ExecSummary), WorkspaceError> {
        if self.is_closed() {
            return Err(WorkspaceError::Closed);
        }
        let session = self.session(opts.session_id.as_deref().unwrap_or(DEFAULT_SESSION))?;
        let started_at = SystemTime::now();
        let started = Instant::now();
        let err_out = stderr.clone();
        let io = Io {
            stdin: io::shared(match opts.stdin {
                Some(b) => Input::Bytes(b),
                None => Input::Empty,
            }),
            stdout,
            stderr,
        };
        let cancel = self.stop_switch(opts.cancel.as_ref());
        if let Some(m) = &session.memory {
            m.rearm();
        }
        let ctx = Context::new(cancel.clone(), session.memory.as_ref());
        let counters = Arc::new(ExecStats::default());
        let deadline = opts.timeout.or(self.options.timeout).filter(|d| !d.is_zero());
        let forked = opts.cwd.is_some() || opts.env.is_some();
        let (cwd, env) = (opts.cwd.clone(), opts.env.clone());
        let (run_session, script, run_counters) = (session.clone(), command.to_string(), counters.clone());
        let run = move || {
            CURRENT_SESSION.with(|c| *c.borrow_mut() = Some(run_session.id.clone()));
            stats::scope(run_counters, async move {
                let session = run_session;
                if forked {
                    let mut sh = session.shell.lock().await.subshell();
                    if let Some(cwd) = &cwd {
                        sh.cwd = path::normalize(&sh.cwd, cwd);
                    }
                    if let Some(env) = &env {
                        for (k, v) in env {
                            sh.set_exported(k, v.clone());
                        }
                    }
                    sh.run_script(&script, &io).await
                } else {
                    // Calls on one session run in the order they were made, one at a time.
                    let mut guard = session.shell.lock().await;
                    let status = guard.run_script(&script, &io).await;
                    session.refresh(&guard);
                    status
                }
            })
        };
        self.running.send_modify(|n| *n += 1);
        session.running.fetch_add(1, Ordering::SeqCst);
        let timer = deadline.map(|d| {
            let c = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(d).await;
                c.cancel(Stop::Timeout);
            })
        });
        let ended = crate::limits::isolate(ctx, run).await;
        if let Some(t) = timer {
            t.abort();
        }
        session.running.fetch_sub(1, Ordering::SeqCst);
        self.running.send_modify(|n| *n -= 1);
        let status = match ended {
            Ok(s) => s,
            Err(Ended::Stopped(Stop::Timeout)) => {
                let _ = err_out.write_str(&format!("mirage: command timed out after {}\n", format_seconds(deadline.unwrap_or_default()))).await;
                EXIT_TIMEOUT
            }
            Err(Ended::Stopped(Stop::Memory)) => {
                let budget = session.memory.as_ref().map(|m| m.budget()).unwrap_or(self.options.max_memory_bytes);
                let _ = err_out
                    .write_str(&format!(
                        "mirage: memory limit of {} reached (maxMemoryBytes): Cannot allocate memory\n",
                        crate::limits::format_bytes(budget)
                    ))
                    .await;
                1
            }
            // The reader of a streamed stdout cancelled it: a closed pipe, as bash reports it.
            Err(Ended::Stopped(Stop::Hangup)) => crate::commands::EXIT_PIPE,
            Err(Ended::Stopped(Stop::Aborted)) => return Err(WorkspaceError::Aborted),
            Err(Ended::Stopped(Stop::Closed)) => return Err(WorkspaceError::Closed),
            Err(Ended::Panicked(msg)) => {
                let _ = err_out.write_str(&format!("mirage: internal error: {msg}\n")).await;
                1
            }
        };
        drop(err_out);
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        if !opts.no_history {
            self.remember(HistoryEntry {
                command: command.to_string(),
                session_id: session.id.clone(),
                exit_code: status,
                started_at,
                duration_ms,
            });
        }
        Ok((status, ExecSummary::from(&counters, duration_ms)))
    }

    /// The stop switch of one call: fired by `close()`, and by the caller's own switch if any.
    fn stop_switch(&self, caller: Option<&Arc<Cancel>>) -> Arc<Cancel> {
        let cancel = Cancel::new();
        self.cancel.link(&cancel);
        if let Some(c) = caller {
            c.link(&cancel);
        }
        cancel
    }

    /// Estimate what a command line would cost, sending only listings and HEADs.
    pub async fn provision(&self, command: &str, session_id: Option<&str>) -> Result<crate::provision::ProvisionResult, WorkspaceError> {
        if self.is_closed() {
            return Err(WorkspaceError::Closed);
        }
        let session = self.session(session_id.unwrap_or(DEFAULT_SESSION))?;
        let mut prices = HashMap::new();
        for m in self.vfs.mounts() {
            let p = match self.options.pricing.get(&m.prefix) {
                Some(p) => p.clone(),
                None => match m.resource.kind() {
                    "backblaze" => crate::provision::Pricing::backblaze(),
                    "ram" | "disk" => continue,
                    _ => crate::provision::Pricing::aws_s3(),
                },
            };
            prices.insert(m.prefix.clone(), p);
        }
        let ctx = Context::new(self.stop_switch(None), session.memory.as_ref());
        let script = command.to_string();
        let run = move || async move {
            let mut sh = session.shell.lock().await.subshell();
            sh.provision(&script, &prices).await
        };
        match crate::limits::isolate(ctx, run).await {
            Ok(p) => Ok(p),
            Err(Ended::Stopped(Stop::Closed)) => Err(WorkspaceError::Closed),
            Err(_) => Err(WorkspaceError::Aborted),
        }
    }

    /// A text block for a model's system prompt: each mount, its kind and mode, and advice.
    pub fn file_prompt(&self) -> String {
        let mut s = String::from("Files are available through a bash-like shell with these mounts:\n");
        for m in self.vfs.mounts() {
            let kind = m.resource.kind();
            let what = match kind {
                "backblaze" => "a Backblaze B2 bucket (remote)",
                "s3" => "an S3-compatible bucket (remote)",
                "ram" => "an in-memory folder",
                "disk" => "a local folder",
                _ => "an S3-compatible bucket (remote)",
            };
            let mode = match m.mode {
                MountMode::Read => "read-only",
                MountMode::Write => "read-write",
                MountMode::Exec => "read-write, exec",
            };
            s.push_str(&format!("- {} : {what}, {mode}.\n", m.display_prefix()));
        }
        let commands = self.registry.names().join(", ");
        s.push_str(&format!(
            "Commands: {commands}, plus the bash language (pipes, redirections, variables, loops, functions).\n\
             Output, exit codes and errors are those of GNU bash and coreutils.\n\
             Remote mounts cost a request per listing or read: list a directory before reading it, use \
             head/tail/grep -m or wc -c instead of cat on large files, and narrow grep -r and find to the \
             smallest prefix that answers the question.\n"
        ));
        s
    }
}
