//! Metering: what each `execute` did (operations on remote mounts, bytes, cache hits) and a
//! bounded log of every operation, so a server can bill or rate-limit each agent.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

tokio::task_local! {
    static CURRENT: Arc<ExecStats>;
}

/// Counters for one `execute`. Operations are those sent to remote (S3/B2) mounts.
#[derive(Default, Debug)]
pub struct ExecStats {
    pub list: AtomicU64,
    pub head: AtomicU64,
    pub get: AtomicU64,
    pub put: AtomicU64,
    pub delete: AtomicU64,
    pub copy: AtomicU64,
    pub bytes_down: AtomicU64,
    pub bytes_up: AtomicU64,
    pub cache_hits: AtomicU64,
}

impl ExecStats {
    pub fn requests(&self) -> u64 {
        [&self.list, &self.head, &self.get, &self.put, &self.delete, &self.copy].iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

/// The stats of the `execute` this code runs under, if any.
pub fn current() -> Option<Arc<ExecStats>> {
    CURRENT.try_with(|s| s.clone()).ok()
}

/// Run `f` with `stats` as the current execute's counters.
pub async fn scope<F: Future>(stats: Arc<ExecStats>, f: F) -> F::Output {
    CURRENT.scope(stats, f).await
}

/// `tokio::spawn`, keeping the current execute's counters: a command's helper tasks
/// (reads ahead, `tee`'s uploads) count toward that command.
pub fn spawn<F>(f: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match current() {
        Some(stats) => tokio::spawn(CURRENT.scope(stats, f)),
        None => tokio::spawn(f),
    }
}

/// A cache answered without a request.
pub fn note_cache_hit() {
    if let Some(s) = current() {
        s.cache_hits.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    List,
    Stat,
    Read,
    Write,
    Delete,
    Copy,
    Mkdir,
    Rmdir,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::List => "list",
            Op::Stat => "stat",
            Op::Read => "read",
            Op::Write => "write",
            Op::Delete => "delete",
            Op::Copy => "copy",
            Op::Mkdir => "mkdir",
            Op::Rmdir => "rmdir",
        }
    }
}

/// One filesystem operation, as `ws.records` lists it.
#[derive(Clone, Debug)]
pub struct OpRecord {
    pub op: Op,
    pub path: String,
    /// Resource kind of the mount (`backblaze`, `s3`, `ram`, `disk`).
    pub source: &'static str,
    /// Bytes read or written; for reads, what was actually streamed so far.
    pub bytes: Arc<AtomicU64>,
    pub timestamp: SystemTime,
    pub duration_ms: f64,
}

/// A bounded log of operations, oldest dropped first.
pub struct Recorder {
    records: Mutex<VecDeque<OpRecord>>,
    limit: usize,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder { records: Mutex::new(VecDeque::new()), limit: 10_000 }
    }
}

impl Recorder {
    pub fn records(&self) -> Vec<OpRecord> {
        self.records.lock().unwrap().iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.records.lock().unwrap().clear();
    }

    /// Log an operation (and count it in the current execute's stats when remote).
    pub fn note(&self, op: Op, path: &str, source: &'static str, remote: bool, bytes: u64, started: Instant) -> Arc<AtomicU64> {
        let counter = Arc::new(AtomicU64::new(bytes));
        if remote {
            if let Some(s) = current() {
                let c = match op {
                    Op::List => &s.list,
                    Op::Stat => &s.head,
                    Op::Read => &s.get,
                    Op::Write | Op::Mkdir => &s.put,
                    Op::Delete | Op::Rmdir => &s.delete,
                    Op::Copy => &s.copy,
                };
                c.fetch_add(1, Ordering::Relaxed);
                if op == Op::Write {
                    s.bytes_up.fetch_add(bytes, Ordering::Relaxed);
                }
            }
        }
        let rec = OpRecord {
            op,
            path: path.to_string(),
            source,
            bytes: counter.clone(),
            timestamp: SystemTime::now(),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        let mut r = self.records.lock().unwrap();
        if r.len() >= self.limit {
            r.pop_front();
        }
        r.push_back(rec);
        counter
    }
}
