//! `Workspace`, `ExecuteResult`, `MountMode` and `ws.fs`, as in `@struktoai/mirage-node`.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use mirage_core::limits::{Cancel, Stop};
use mirage_core::vfs::{path, MountMode as CoreMode};
use mirage_core::shell::io::Output;
use mirage_core::workspace::{ExecOptions, ExecSummary, Session as CoreSession, Workspace as CoreWorkspace, WorkspaceError, WorkspaceOptions as CoreOptions};
use napi::bindgen_prelude::*;
use napi::{JsValue, Status};
use napi_derive::napi;

use crate::errors::{fs_error, invalid_arg};
use crate::options::{self, int_in, number_in, opt_int_in, seconds, size_in, OptResult, GIB, MIB, TIB, WEEK_MS, WEEK_SECS};
use crate::presets::resource_from_js;

/// How a mount may be used: `'read'` (the default), `'write'` or `'exec'`.
#[napi(string_enum)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum MountMode {
    #[napi(value = "read")]
    READ,
    #[napi(value = "write")]
    WRITE,
    #[napi(value = "exec")]
    EXEC,
}

fn core_mode(m: &MountMode) -> CoreMode {
    match m {
        MountMode::READ => CoreMode::Read,
        MountMode::WRITE => CoreMode::Write,
        MountMode::EXEC => CoreMode::Exec,
    }
}

/// When cached object bytes are served: `'lazy'` (the default) trusts the listing/metadata
/// index for its TTL; `'always'` sends a HEAD and compares the ETag first.
#[napi(string_enum)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum ConsistencyPolicy {
    #[napi(value = "lazy")]
    LAZY,
    #[napi(value = "always")]
    ALWAYS,
}

/// The listing/metadata index: `{ ttl }` in seconds (default 600; 0 turns it off), kept in
/// this process (`type: 'ram'`, the default) or in Redis (`type: 'redis'`, shared by every
/// process using the same Redis and `keyPrefix`).
#[napi(object)]
pub struct IndexConfig {
    /// `'ram'` (the default) or `'redis'`.
    #[napi(js_name = "type", ts_type = "'ram' | 'redis'")]
    pub kind: Option<String>,
    /// Seconds listings and metadata are trusted: from 0 (the index is off) to 604800
    /// (7 days), fractions allowed; default 600.
    pub ttl: Option<f64>,
    /// With `type: 'redis'`: `redis://[:password@]host:port/db` or `rediss://…` (default `redis://localhost:6379/0`).
    pub url: Option<String>,
    /// With `type: 'redis'`: prefix of every key (default `mirage:index:`).
    pub key_prefix: Option<String>,
    /// With `type: 'redis'`: timeout of each Redis call in whole milliseconds, from 1 to
    /// 60000 (default 200).
    pub timeout_ms: Option<f64>,
}

/// The cache options of the core from the JS ones.
fn cache_options(o: &WorkspaceOptions<'_>) -> OptResult<mirage_core::vfs::cache::CacheOptions> {
    use mirage_core::vfs::cache::{CacheOptions, ConsistencyPolicy as Policy};
    let mut c = CacheOptions::default();
    if let Some(p) = &o.consistency {
        c.consistency = match p {
            ConsistencyPolicy::LAZY => Policy::Lazy,
            ConsistencyPolicy::ALWAYS => Policy::Always,
        };
    }
    if let Some(n) = size_in("cacheLimit", o.cache_limit.as_ref(), 0, TIB)? {
        c.cache_limit = n;
    }
    if let Some(n) = size_in("cacheMaxObjectSize", o.cache_max_object_size.as_ref(), 0, TIB)? {
        c.max_object_size = n;
    }
    if let Some(index) = &o.index {
        // Numbers first: a bad value is reported before any connection is set up.
        if let Some(ttl) = seconds("index.ttl", index.ttl, 0.0, WEEK_SECS as f64)? {
            c.index_ttl = ttl;
        }
        let timeout = options::millis("index.timeoutMs", index.timeout_ms, 1, options::REDIS_TIMEOUT_MAX_MS)?;
        match index.kind.as_deref() {
            None | Some("ram") => {}
            Some("redis") => {
                use mirage_core::vfs::redis_store::{RedisConn, RedisIndexOptions, DEFAULT_INDEX_KEY_PREFIX, DEFAULT_REDIS_URL, DEFAULT_TIMEOUT};
                let conn = RedisConn::new(index.url.as_deref().unwrap_or(DEFAULT_REDIS_URL), timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .map_err(|e| invalid_arg(format!("index: {e}")))?;
                let key_prefix = index.key_prefix.clone().unwrap_or_else(|| DEFAULT_INDEX_KEY_PREFIX.to_string());
                c.redis_index = Some(RedisIndexOptions { conn, key_prefix });
            }
            Some(kind) => return Err(invalid_arg(format!("index.type '{kind}' is not supported ('ram' or 'redis')")).into()),
        }
    }
    if let Some(store) = &o.cache {
        c.redis_bytes = Some(store.inner.clone());
    }
    Ok(c)
}

/// Options of `new Workspace(resources, options)`. A numeric option that is NaN, infinite,
/// fractional where a whole number is meant, or out of its range throws a `RangeError`
/// (`code: 'ERR_OUT_OF_RANGE'`) naming the option and its range.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct WorkspaceOptions<'a> {
    /// The mode of every mount (default `'read'`).
    pub mode: Option<MountMode>,
    /// Per-mount modes, by mount prefix: `{ '/tmp/': 'write' }`.
    pub mode_overrides: Option<HashMap<String, MountMode>>,
    /// Bytes of stdout (and of stderr) kept from one `execute`: a whole number from 1 to
    /// 1073741824 (1 GiB); default 16 MiB. Past it the command is stopped and a note is added
    /// to stderr.
    pub max_output_bytes: Option<f64>,
    /// Commands kept in `ws.history`: a whole number from 0 (keep none) to 10000; default 100.
    pub history_limit: Option<f64>,
    /// Objects one command fetches at once: `grep -r`, `cat a b c`, `wc -l *.log`,
    /// `md5sum *` (a whole number from 1 to 256, default 16). Output keeps bash's order either way.
    pub parallel_reads: Option<f64>,
    /// Default deadline of every `execute`, in whole milliseconds from 0 (none) to 604800000
    /// (7 days); default none. Past it the command and its requests are stopped and the result
    /// has exit code 124 and `mirage: command timed out after Ns` on stderr.
    pub timeout_ms: Option<f64>,
    /// Memory one session may hold while a command runs (variables, buffers, RAM files it
    /// wrote), in bytes: a whole number from 1048576 (1 MiB) to 1099511627776 (1 TiB); default
    /// 536870912 (512 MiB). Past it the command stops with `Cannot allocate memory`.
    pub max_memory_bytes: Option<f64>,
    /// A ceiling on the memory all sessions of every workspace in this process hold together,
    /// in bytes: a whole number from 1048576 (1 MiB) to 1099511627776 (1 TiB); default none.
    /// Process-wide: it is set when these options are read and applies to every workspace
    /// (the last value set wins); leaving it out keeps the current ceiling.
    pub max_process_memory_bytes: Option<f64>,
    /// Output caps and timeouts per mount prefix and command:
    /// `{ '/bucket/': { cat: new CommandSafeguard({ maxLines: 2000 }) } }`. None by default.
    #[napi(ts_type = "Record<string, Record<string, CommandSafeguard | CommandSafeguardOptions>>")]
    pub command_safeguards: Option<HashMap<String, HashMap<String, CommandSafeguardOptions>>>,
    /// Prices `provision` uses, by mount prefix. Default: Backblaze B2's for B2 mounts,
    /// AWS S3 Standard's for other remote mounts.
    pub pricing: Option<HashMap<String, PricingOptions>>,
    /// `ConsistencyPolicy.LAZY` (default) or `ConsistencyPolicy.ALWAYS`.
    pub consistency: Option<ConsistencyPolicy>,
    /// Size of the byte cache of S3/B2 objects: whole bytes, or a string like `'512MB'` (the
    /// default), from 0 (the cache is off) to 1099511627776 (1 TiB).
    #[napi(ts_type = "number | string")]
    pub cache_limit: Option<Either<f64, String>>,
    /// Largest object whose bytes are cached: whole bytes or a string, from 0 to 1099511627776
    /// (1 TiB); default `'16MB'`.
    #[napi(ts_type = "number | string")]
    pub cache_max_object_size: Option<Either<f64, String>>,
    /// The listing/metadata index of S3/B2 mounts: `{ ttl: 600 }` (seconds), or in Redis:
    /// `{ type: 'redis', url, ttl, keyPrefix, timeoutMs }`.
    pub index: Option<IndexConfig>,
    /// Where object bytes are cached: in this process (the default) or
    /// `new RedisFileCacheStore({ url, cacheLimit })`.
    pub cache: Option<ClassInstance<'a, crate::redis_cache::RedisFileCacheStore>>,
}

/// A remote store's prices, in US dollars: each a number from 0 to 1000000. The names are
/// `getPer10K`, `listPer1K`, `putPer1K` (capital K) and `egressPerGb`.
#[napi(object)]
#[derive(Clone)]
pub struct PricingOptions {
    /// Per 10,000 GET/HEAD requests.
    pub get_per10k: f64,
    /// Per 1,000 LIST requests.
    pub list_per1k: f64,
    /// Per 1,000 PUT/COPY requests.
    pub put_per1k: f64,
    /// Per GB downloaded.
    pub egress_per_gb: f64,
}

/// A dry run's estimate: bytes and requests a command line would need, and their cost.
#[napi]
pub struct ProvisionResult {
    inner: mirage_core::provision::ProvisionResult,
}

fn fmt_bytes(n: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < units.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

fn fmt_range(low: u64, high: u64) -> String {
    if low == high {
        fmt_bytes(low)
    } else {
        format!("{} - {}", fmt_bytes(low), fmt_bytes(high))
    }
}

#[napi]
impl ProvisionResult {
    #[napi(getter)]
    pub fn command(&self) -> String {
        self.inner.command.clone()
    }
    /// One estimate per simple command.
    #[napi(getter)]
    pub fn children(&self) -> Vec<ProvisionResult> {
        self.inner.children.iter().map(|c| ProvisionResult { inner: c.clone() }).collect()
    }
    #[napi(getter)]
    pub fn network_read_low(&self) -> f64 {
        self.inner.network_read_low as f64
    }
    #[napi(getter)]
    pub fn network_read_high(&self) -> f64 {
        self.inner.network_read_high as f64
    }
    /// Always 0: estimates assume a cold cache.
    #[napi(getter)]
    pub fn cache_read_low(&self) -> f64 {
        0.0
    }
    #[napi(getter)]
    pub fn cache_read_high(&self) -> f64 {
        0.0
    }
    #[napi(getter)]
    pub fn network_write_low(&self) -> f64 {
        self.inner.network_write_low as f64
    }
    #[napi(getter)]
    pub fn network_write_high(&self) -> f64 {
        self.inner.network_write_high as f64
    }
    #[napi(getter)]
    pub fn cache_write_low(&self) -> f64 {
        0.0
    }
    #[napi(getter)]
    pub fn cache_write_high(&self) -> f64 {
        0.0
    }
    /// GET requests the command would send.
    #[napi(getter)]
    pub fn read_ops(&self) -> f64 {
        self.inner.read_ops as f64
    }
    /// HEAD and LIST requests the command would send (beyond the reference API).
    #[napi(getter)]
    pub fn metadata_ops(&self) -> f64 {
        self.inner.metadata_ops as f64
    }
    /// PUT, COPY and DELETE requests (beyond the reference API).
    #[napi(getter)]
    pub fn write_ops(&self) -> f64 {
        self.inner.write_ops as f64
    }
    #[napi(getter)]
    pub fn cache_hits(&self) -> f64 {
        self.inner.cache_hits as f64
    }
    /// `exact` when every figure is known, `range` when only bounds are, `unknown` otherwise.
    #[napi(getter, ts_return_type = "'exact' | 'range' | 'unknown'")]
    pub fn precision(&self) -> String {
        self.inner.precision.as_str().into()
    }
    #[napi(getter)]
    pub fn estimated_cost_usd(&self) -> f64 {
        self.inner.estimated_cost_usd
    }
    #[napi(getter)]
    pub fn network_read(&self) -> String {
        fmt_range(self.inner.network_read_low, self.inner.network_read_high)
    }
    #[napi(getter)]
    pub fn cache_read(&self) -> String {
        fmt_range(0, 0)
    }
    #[napi(getter)]
    pub fn network_write(&self) -> String {
        fmt_range(self.inner.network_write_low, self.inner.network_write_high)
    }
    #[napi(getter)]
    pub fn cache_write(&self) -> String {
        fmt_range(0, 0)
    }
}

/// Largest price accepted in `pricing`, in US dollars.
const MAX_PRICE: f64 = 1e6;

/// The core's options from the JS ones, every number checked (see `options.rs`). Sets the
/// process-wide memory ceiling when `maxProcessMemoryBytes` is given, once all else is valid.
fn core_options(options: &WorkspaceOptions<'_>) -> OptResult<CoreOptions> {
    let defaults = CoreOptions::default();
    let mut core_opts = CoreOptions { cache: cache_options(options)?, ..Default::default() };
    core_opts.max_output_bytes = int_in("maxOutputBytes", options.max_output_bytes, 1, GIB, defaults.max_output_bytes as u64)? as usize;
    core_opts.history_limit = int_in("historyLimit", options.history_limit, 0, 10_000, defaults.history_limit as u64)? as usize;
    core_opts.parallel_reads = int_in("parallelReads", options.parallel_reads, 1, 256, defaults.parallel_reads as u64)? as usize;
    core_opts.timeout = timeout_option(options.timeout_ms)?;
    core_opts.max_memory_bytes = int_in("maxMemoryBytes", options.max_memory_bytes, MIB, TIB, mirage_core::limits::DEFAULT_MAX_MEMORY)?;
    let process_ceiling = opt_int_in("maxProcessMemoryBytes", options.max_process_memory_bytes, MIB, TIB)?;
    for (prefix, per_command) in options.command_safeguards.iter().flatten() {
        let entry = core_opts.safeguards.entry(path::normalize_prefix(prefix)).or_default();
        for (name, g) in per_command {
            entry.insert(name.clone(), to_core_safeguard(g).map_err(|e| e.context(&format!("commandSafeguards['{prefix}'].{name}.")))?);
        }
    }
    for (prefix, p) in options.pricing.iter().flatten() {
        let price = |field: &str, v: f64| number_in(&format!("pricing['{prefix}'].{field}"), v, 0.0, MAX_PRICE);
        core_opts.pricing.insert(
            path::normalize_prefix(prefix),
            mirage_core::provision::Pricing {
                get_per_10k: price("getPer10K", p.get_per10k)?,
                list_per_1k: price("listPer1K", p.list_per1k)?,
                put_per_1k: price("putPer1K", p.put_per1k)?,
                egress_per_gb: price("egressPerGb", p.egress_per_gb)?,
            },
        );
    }
    if let Some(n) = process_ceiling {
        mirage_core::limits::set_process_ceiling(Some(n));
    }
    Ok(core_opts)
}

/// Options of `new CommandSafeguard(...)`.
#[napi(object)]
#[derive(Clone, Default)]
pub struct CommandSafeguardOptions {
    /// Most bytes of output: a whole number from 1 to 1099511627776 (1 TiB).
    pub max_bytes: Option<f64>,
    /// Most lines of output: a whole number from 1 to 1000000000.
    pub max_lines: Option<f64>,
    /// Stop the command (and its requests) after this many seconds (from 0.001 to 604800,
    /// 7 days; fractions allowed); exit 124.
    pub timeout_seconds: Option<f64>,
    /// `'truncate'` (default: cut the output, add a notice on stderr) or `'error'` (no output, exit 1).
    #[napi(ts_type = "'truncate' | 'error'")]
    pub on_exceed: Option<String>,
}

/// A cap on one command's output and time on one mount.
#[napi]
pub struct CommandSafeguard {
    opts: CommandSafeguardOptions,
}

#[napi]
impl CommandSafeguard {
    /// Throws a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`) for a number out of its range.
    #[napi(constructor)]
    pub fn new(env: &Env, options: Option<CommandSafeguardOptions>) -> Result<Self> {
        let opts = options.unwrap_or_default();
        to_core_safeguard(&opts).map_err(|e| e.context("CommandSafeguard: ").into_js(env))?;
        Ok(CommandSafeguard { opts })
    }

    #[napi(getter, ts_return_type = "number | undefined")]
    pub fn max_bytes(&self) -> Either<f64, ()> {
        // undefined, not null, so the instance reads back as its own options object
        self.opts.max_bytes.map(Either::A).unwrap_or(Either::B(()))
    }

    #[napi(getter, ts_return_type = "number | undefined")]
    pub fn max_lines(&self) -> Either<f64, ()> {
        // undefined, not null, so the instance reads back as its own options object
        self.opts.max_lines.map(Either::A).unwrap_or(Either::B(()))
    }

    #[napi(getter, ts_return_type = "number | undefined")]
    pub fn timeout_seconds(&self) -> Either<f64, ()> {
        // undefined, not null, so the instance reads back as its own options object
        self.opts.timeout_seconds.map(Either::A).unwrap_or(Either::B(()))
    }

    #[napi(getter, ts_return_type = "'truncate' | 'error'")]
    pub fn on_exceed(&self) -> String {
        self.opts.on_exceed.clone().unwrap_or_else(|| "truncate".into())
    }
}

/// The core safeguard; messages name the bare option (`maxLines must be ...`): callers add
/// where it was given.
fn to_core_safeguard(o: &CommandSafeguardOptions) -> OptResult<mirage_core::shell::exec::Safeguard> {
    let on_exceed_error = match o.on_exceed.as_deref() {
        None | Some("truncate") => false,
        Some("error") => true,
        Some(other) => return Err(invalid_arg(format!("onExceed must be 'truncate' or 'error', not '{other}'")).into()),
    };
    Ok(mirage_core::shell::exec::Safeguard {
        max_bytes: opt_int_in("maxBytes", o.max_bytes, 1, TIB)?,
        max_lines: opt_int_in("maxLines", o.max_lines, 1, 1_000_000_000)?,
        timeout: seconds("timeoutSeconds", o.timeout_seconds, 0.001, WEEK_SECS as f64)?,
        on_exceed_error,
    })
}

/// Options of `ws.execute(command, options)`.
#[napi(object)]
pub struct ExecuteOptions {
    /// Fed to the first command's standard input.
    #[napi(ts_type = "Uint8Array | string")]
    pub stdin: Option<String>,
    /// Run in a fork of the session with this working directory (not kept afterwards).
    pub cwd: Option<String>,
    /// Run in a fork of the session with these variables exported (not kept afterwards).
    pub env: Option<HashMap<String, String>>,
    /// Abort the command: the promise rejects with an `AbortError` and requests stop.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<String>,
    /// Run in this session (made with `createSession`); unknown ids reject.
    pub session_id: Option<String>,
    /// Leave this command out of `ws.history`.
    pub no_history: Option<bool>,
    /// Do not run: resolve to a `ProvisionResult` (the cost estimate) instead.
    pub provision: Option<bool>,
    /// Deadline of this call in whole milliseconds, from 0 (none) to 604800000 (7 days); it
    /// overrides the workspace's `timeoutMs`. Past it the command and its requests are
    /// stopped; the result has exit code 124 and `mirage: command timed out after Ns` on
    /// stderr. A value out of range throws a `RangeError`.
    pub timeout_ms: Option<f64>,
}

/// A `timeoutMs` option as a duration: whole milliseconds from 0 (no deadline) to 7 days.
fn timeout_option(ms: Option<f64>) -> OptResult<Option<std::time::Duration>> {
    options::millis("timeoutMs", ms, 0, WEEK_MS)
}

/// The outcome of a command line, as bash would report it.
#[napi]
pub struct ExecuteResult {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit_code: i32,
    stats: ExecSummary,
}

/// What one `execute` cost: operations sent to remote mounts (retries not counted), bytes
/// and cache hits.
#[napi(object)]
pub struct ExecuteStats {
    /// All operations sent to remote mounts.
    pub requests: f64,
    /// ListObjectsV2 pages.
    pub list: f64,
    /// HEAD (stat).
    pub head: f64,
    /// GET (whole or ranged).
    pub get: f64,
    pub put: f64,
    pub delete: f64,
    pub copy: f64,
    pub bytes_down: f64,
    pub bytes_up: f64,
    pub cache_hits: f64,
    pub duration_ms: f64,
}

impl From<&ExecSummary> for ExecuteStats {
    fn from(s: &ExecSummary) -> Self {
        ExecuteStats {
            requests: s.requests() as f64,
            list: s.list as f64,
            head: s.head as f64,
            get: s.get as f64,
            put: s.put as f64,
            delete: s.delete as f64,
            copy: s.copy as f64,
            bytes_down: s.bytes_down as f64,
            bytes_up: s.bytes_up as f64,
            cache_hits: s.cache_hits as f64,
            duration_ms: s.duration_ms,
        }
    }
}

#[napi]
impl ExecuteResult {
    /// Standard output bytes.
    #[napi(getter)]
    pub fn stdout(&self) -> Uint8Array {
        Uint8Array::new(self.stdout.clone())
    }

    /// Standard error bytes.
    #[napi(getter)]
    pub fn stderr(&self) -> Uint8Array {
        Uint8Array::new(self.stderr.clone())
    }

    /// The exit status: 0 for success, as in bash.
    #[napi(getter)]
    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    /// Standard output decoded as UTF-8.
    #[napi(getter)]
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error decoded as UTF-8.
    #[napi(getter)]
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Requests, bytes and time this command took (beyond the reference API).
    #[napi(getter)]
    pub fn stats(&self) -> ExecuteStats {
        ExecuteStats::from(&self.stats)
    }

    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> ExecuteResultJson {
        ExecuteResultJson { stdout: self.stdout_text(), stderr: self.stderr_text(), exit_code: self.exit_code }
    }
}

#[napi(object)]
pub struct ExecuteResultJson {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

/// A mount as `ws.mounts()` lists it.
#[napi(object)]
pub struct MountInfo {
    /// `/bucket/`
    pub prefix: String,
    pub mode: String,
    /// `backblaze`, `s3`, `ram` or `disk`.
    pub kind: String,
}

/// What `ws.fs.stat` returns.
#[napi(object)]
pub struct FileStat {
    pub path: String,
    pub size: f64,
    pub is_dir: bool,
    pub is_file: bool,
    /// Milliseconds since the epoch, when known.
    pub mtime_ms: Option<f64>,
    pub etag: Option<String>,
}

fn closed_error() -> Error {
    Error::new(Status::GenericFailure, "Workspace is closed")
}

fn ws_error(e: WorkspaceError) -> Error {
    match e {
        WorkspaceError::Closed => closed_error(),
        WorkspaceError::Aborted => abort_error(),
        other => invalid_arg(other.to_string()),
    }
}

/// Fires its switch with `Stop::Hangup` when dropped while armed: the stream's reader went
/// away before the command's output ended.
struct HangupGuard(Option<Arc<Cancel>>);

impl HangupGuard {
    /// The output ended: dropping the guard now must not stop anything.
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for HangupGuard {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.cancel(Stop::Hangup);
        }
    }
}

/// Execute options read from JS with the switch an AbortSignal fires, or why the call rejects
/// at once (a closed workspace, an unknown session, an aborted signal).
type Prepared = std::result::Result<(ExecOptions, Arc<Cancel>), Error>;

/// Mounts resources under path prefixes and runs bash command lines over them.
#[napi]
pub struct Workspace {
    inner: Arc<CoreWorkspace>,
}

#[napi]
impl Workspace {
    /// `resources` maps mount prefixes (`'/bucket/'`) to resources.
    #[napi(
        constructor,
        ts_args_type = "resources: Record<string, BackblazeResource | S3Resource | RAMResource | DiskResource | R2Resource | WasabiResource | MinIOResource | SeaweedFSResource | CephResource | DigitalOceanResource | GCSResource | OCIResource | TencentResource | AliyunResource | ScalewayResource | QingStorResource>, options?: WorkspaceOptions"
    )]
    pub fn new(env: &Env, resources: HashMap<String, Unknown<'_>>, options: Option<WorkspaceOptions<'_>>) -> Result<Self> {
        let options = options.unwrap_or_default();
        let default_mode = options.mode.as_ref().map(core_mode).unwrap_or(CoreMode::Read);
        let overrides: HashMap<String, CoreMode> = options
            .mode_overrides
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (path::normalize_prefix(k), core_mode(v))).collect())
            .unwrap_or_default();
        let mut mounts = Vec::new();
        for (prefix, r) in resources {
            let norm = path::normalize_prefix(&prefix);
            let mode = overrides.get(&norm).copied().unwrap_or(default_mode);
            let core = resource_from_js(env, r).map_err(|e| invalid_arg(format!("Workspace: mount {prefix}: {}", e.reason)))?;
            mounts.push((prefix, core, mode));
        }
        for p in overrides.keys() {
            if !mounts.iter().any(|(m, _, _)| &path::normalize_prefix(m) == p) {
                return Err(invalid_arg(format!("modeOverrides: no mount at {p}/")));
            }
        }
        let inner = CoreWorkspace::new(mounts, core_options(&options).map_err(|e| e.into_js(env))?).map_err(ws_error)?;
        Ok(Workspace { inner: Arc::new(inner) })
    }

    /// Write the workspace state (mounts, sessions' cwd and variables, in-memory files) as a
    /// tar at a local path; resolves to its size in bytes. Credentials are never written.
    #[napi]
    pub async fn snapshot(&self, target: String) -> Result<f64> {
        let bytes = self.inner.snapshot().map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
        tokio::fs::write(&target, &bytes).await.map_err(|e| Error::new(Status::GenericFailure, format!("snapshot: {target}: {e}")))?;
        Ok(bytes.len() as f64)
    }

    /// Rebuild a workspace from a snapshot (a file path or its bytes). Remote mounts must be
    /// passed again in `overrides` (snapshots hold no credentials); others may be replaced.
    #[napi(
        ts_args_type = "source: string | Uint8Array, options?: WorkspaceOptions, overrides?: Record<string, BackblazeResource | S3Resource | RAMResource | DiskResource | R2Resource | WasabiResource | MinIOResource | SeaweedFSResource | CephResource | DigitalOceanResource | GCSResource | OCIResource | TencentResource | AliyunResource | ScalewayResource | QingStorResource>",
        ts_return_type = "Promise<Workspace>"
    )]
    pub fn load<'env>(
        env: &'env Env,
        source: Either<String, Uint8Array>,
        options: Option<WorkspaceOptions<'env>>,
        overrides: Option<HashMap<String, Unknown<'env>>>,
    ) -> Result<PromiseRaw<'env, Workspace>> {
        let mut resources = HashMap::new();
        for (prefix, r) in overrides.into_iter().flatten() {
            let core = resource_from_js(env, r).map_err(|e| invalid_arg(format!("Workspace.load: override {prefix}: {}", e.reason)))?;
            resources.insert(prefix, core);
        }
        let core_opts = match &options {
            Some(o) => core_options(o).map_err(|e| e.into_js(env))?,
            None => CoreOptions::default(),
        };
        let source = match source {
            Either::A(path) => Either::A(path),
            Either::B(bytes) => Either::B(bytes.to_vec()),
        };
        env.spawn_future(async move {
            let bytes = match source {
                Either::A(path) => tokio::fs::read(&path)
                    .await
                    .map_err(|e| Error::new(Status::GenericFailure, format!("Workspace.load: {path}: {e}")))?,
                Either::B(b) => b,
            };
            let ws = CoreWorkspace::load(&bytes, core_opts, resources).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
            Ok(Workspace { inner: Arc::new(ws) })
        })
    }

    /// Run a command line as `bash -c` would. Resolves for failing commands too (see
    /// `exitCode` and `stderr`); rejects only on misuse: a closed workspace or an aborted signal.
    #[napi(ts_args_type = "command: string, options?: ExecuteOptions", ts_return_type = "Promise<ExecuteResult>")]
    pub fn execute<'env>(
        &self,
        env: &'env Env,
        command: String,
        options: Option<Object<'env>>,
    ) -> Result<PromiseRaw<'env, Either<ExecuteResult, ProvisionResult>>> {
        let dry_run = match &options {
            Some(o) => o.get::<bool>("provision")?.unwrap_or(false),
            None => false,
        };
        let (opts, abort) = match self.prepare(env, options)? {
            Ok(p) => p,
            Err(e) => return env.spawn_future(async move { Err::<Either<ExecuteResult, ProvisionResult>, _>(e) }),
        };
        let inner = self.inner.clone();
        env.spawn_future(async move {
            if dry_run {
                let p = inner.provision(&command, opts.session_id.as_deref()).await.map_err(ws_error)?;
                return Ok(Either::B(ProvisionResult { inner: p }));
            }
            let _abort = abort;
            let out = inner.execute(&command, opts).await.map_err(ws_error)?;
            Ok(Either::A(ExecuteResult { stdout: out.stdout, stderr: out.stderr, exit_code: out.exit_code, stats: out.stats }))
        })
    }

    /// What a command line would cost on a paid bucket, without running it: sizes come from
    /// listings and HEADs; no GET, PUT, COPY or DELETE is sent.
    #[napi]
    pub async fn provision(&self, command: String) -> Result<ProvisionResult> {
        let p = self.inner.provision(&command, None).await.map_err(ws_error)?;
        Ok(ProvisionResult { inner: p })
    }

    /// Like `execute`, but output arrives while the command runs, with back-pressure: a
    /// consumer that stops reading `stdout` pauses the command. `exitCode` settles at the end
    /// (it rejects only on misuse, like `execute`).
    #[napi(
        ts_args_type = "command: string, options?: ExecuteOptions",
        ts_return_type = "{ stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array>; exitCode: Promise<number> }"
    )]
    pub fn execute_stream<'env>(&self, env: &'env Env, command: String, options: Option<Object<'env>>) -> Result<Object<'env>> {
        let prepared = self.prepare(env, options)?;
        // Stdout is paced by its reader; stderr is usually small, so it may run ahead.
        let (out_tx, out_rx) = tokio::sync::mpsc::channel::<Bytes>(8);
        let (err_tx, err_rx) = tokio::sync::mpsc::channel::<Bytes>(1024);
        // A reader that cancels stdout before it ended stops the command (status 141), even
        // one that has written nothing yet (an endless listing).
        let hangup = prepared.as_ref().ok().map(|(_, c)| c.clone());
        let to_stream = |rx: tokio::sync::mpsc::Receiver<Bytes>, hangup: Option<Arc<Cancel>>| {
            Box::pin(futures::stream::unfold((rx, HangupGuard(hangup)), |(mut rx, guard)| async move {
                match rx.recv().await {
                    Some(b) => Some((Ok::<Vec<u8>, Error>(b.to_vec()), (rx, guard))),
                    None => {
                        guard.disarm();
                        None
                    }
                }
            }))
        };
        let stdout = ReadableStream::create_with_stream_bytes(env, to_stream(out_rx, hangup))?;
        let stderr = ReadableStream::create_with_stream_bytes(env, to_stream(err_rx, None))?;
        let inner = self.inner.clone();
        let exit = env.spawn_future(async move {
            let (opts, _abort) = prepared?;
            let r = inner.execute_to(&command, opts, Output::Pipe(out_tx), Output::Pipe(err_tx)).await;
            Ok(r.map_err(ws_error)?.0)
        })?;
        let mut obj = Object::new(env)?;
        obj.set_named_property("stdout", stdout)?;
        obj.set_named_property("stderr", stderr)?;
        obj.set_named_property("exitCode", exit)?;
        Ok(obj)
    }

    /// Read the execute options: the core options and what an abort signal will notify.
    /// The inner `Err` is a rejection (closed workspace, unknown session, aborted signal).
    fn prepare(&self, env: &Env, options: Option<Object>) -> Result<Prepared> {
        if self.inner.is_closed() {
            return Ok(Err(closed_error()));
        }
        let mut opts = ExecOptions::default();
        let cancel = Cancel::new();
        opts.cancel = Some(cancel.clone());
        if let Some(o) = options {
            if o.has_named_property("stdin")? {
                let v: Unknown = o.get_named_property("stdin")?;
                match v.get_type()? {
                    ValueType::String => opts.stdin = Some(Bytes::from(v.coerce_to_string()?.into_utf8()?.as_str()?.to_string())),
                    ValueType::Undefined | ValueType::Null => {}
                    _ => {
                        let arr: Uint8Array = o.get_named_property("stdin")?;
                        opts.stdin = Some(Bytes::copy_from_slice(&arr));
                    }
                }
            }
            opts.cwd = o.get::<String>("cwd")?;
            opts.env = o.get::<HashMap<String, String>>("env")?;
            opts.session_id = o.get::<String>("sessionId")?;
            opts.timeout = timeout_option(o.get::<f64>("timeoutMs")?).map_err(|e| e.into_js(env))?;
            opts.no_history = o.get::<bool>("noHistory")?.unwrap_or(false);
            if let Some(id) = &opts.session_id {
                if let Err(e) = self.inner.session(id) {
                    return Ok(Err(ws_error(e)));
                }
            }
            if let Some(signal) = o.get::<Object>("signal")? {
                if signal.get::<bool>("aborted")?.unwrap_or(false) {
                    return Ok(Err(abort_error()));
                }
                let c = cancel.clone();
                let listener = env.create_function_from_closure("onabort", move |_ctx| {
                    // The switch keeps its state: an abort before the command starts still counts.
                    c.cancel(Stop::Aborted);
                    Ok(())
                })?;
                let add: Function<'_, FnArgs<(String, Function<'_, (), ()>)>, Unknown> = signal.get_named_property("addEventListener")?;
                add.apply(signal, FnArgs::from(("abort".to_string(), listener)))?;
            }
        }
        Ok(Ok((opts, cancel)))
    }

    /// The default session's working directory.
    #[napi(getter)]
    pub fn cwd(&self) -> String {
        self.inner.cwd()
    }

    #[napi(setter)]
    pub fn set_cwd(&self, cwd: String) {
        // Never block the JS thread on a running command: apply it after, in order.
        if !self.inner.try_set_cwd(&cwd) {
            let inner = self.inner.clone();
            napi::bindgen_prelude::spawn(async move { inner.set_cwd(&cwd).await });
        }
    }

    /// The default session's exported variables.
    #[napi(getter)]
    pub fn env(&self) -> HashMap<String, String> {
        self.inner.env()
    }

    #[napi(setter)]
    pub fn set_env(&self, env: HashMap<String, String>) {
        if !self.inner.try_set_env(&env) {
            let inner = self.inner.clone();
            napi::bindgen_prelude::spawn(async move { inner.set_env(env).await });
        }
    }

    /// The mounts, in prefix order.
    #[napi]
    pub fn mounts(&self) -> Vec<MountInfo> {
        self.inner
            .mounts()
            .into_iter()
            .map(|m| MountInfo { prefix: m.display_prefix(), mode: m.mode.as_str().into(), kind: m.resource.kind().into() })
            .collect()
    }

    /// File helpers over the same mounts (`readFile`, `writeFile`, `readdir`, ...).
    #[napi(getter)]
    pub fn fs(&self) -> WorkspaceFs {
        WorkspaceFs { inner: self.inner.clone() }
    }

    /// Register a command implemented in JavaScript, callable in pipelines like any other:
    /// `ws.command('hello', async (args, { stdin, cwd, env }) => ({ stdout: 'hi\n', exitCode: 0 }))`.
    #[napi(
        ts_args_type = "name: string, handler: (args: string[], ctx: CommandContext) => Promise<CommandOutput>"
    )]
    pub fn command(&self, name: String, handler: Function<FnArgs<(Vec<String>, crate::js_command::CommandContext)>, Promise<crate::js_command::CommandOutput>>) -> Result<()> {
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(invalid_arg(format!("command: invalid name '{name}'")));
        }
        let tsfn = handler.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
        let cmd = crate::js_command::JsCommand { handler: Arc::new(tsfn) };
        self.inner.registry().register(&name, Arc::new(cmd));
        Ok(())
    }

    // ------------------------------------------------------------ sessions

    /// A session with its own cwd and variables; `allowedMounts` limits it to some mounts.
    #[napi(ts_args_type = "sessionId: string, options?: { allowedMounts?: ReadonlySet<string> | string[] | null }")]
    pub fn create_session(&self, env: &Env, session_id: String, options: Option<Object>) -> Result<SessionInfo> {
        let mut allowed = None;
        if let Some(o) = options {
            if let Some(v) = o.get::<Unknown>("allowedMounts")? {
                if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) {
                    // Accept a Set or an array: Array.from handles both.
                    let array_ctor: Function<'_, Unknown, Unknown> = env.get_global()?.get_named_property("Array")?;
                    let from: Function<'_, Unknown, Vec<String>> = array_ctor.get_named_property("from")?;
                    allowed = Some(from.apply(array_ctor, v)?);
                }
            }
        }
        let s = self.inner.create_session(&session_id, allowed).map_err(ws_error)?;
        Ok(session_info(&s))
    }

    #[napi]
    pub fn get_session(&self, session_id: String) -> Result<SessionInfo> {
        let s = self.inner.session(&session_id).map_err(ws_error)?;
        Ok(session_info(&s))
    }

    #[napi]
    pub fn list_sessions(&self) -> Vec<SessionInfo> {
        self.inner.sessions().iter().map(|s| session_info(s)).collect()
    }

    #[napi]
    pub async fn close_session(&self, session_id: String) -> Result<()> {
        self.inner.close_session(&session_id).map_err(ws_error)
    }

    /// Close every session but the default one.
    #[napi]
    pub async fn close_all_sessions(&self) -> Result<()> {
        self.inner.close_all_sessions();
        Ok(())
    }

    // ------------------------------------------------------------ history and records

    /// The commands run so far (newest last; `historyLimit` of them).
    #[napi(getter)]
    pub fn history(&self) -> ExecutionHistory {
        ExecutionHistory { inner: self.inner.clone() }
    }

    /// Every filesystem operation so far (the last 10,000).
    #[napi(getter)]
    pub fn records(&self) -> Vec<OpRecord> {
        self.inner
            .vfs()
            .recorder()
            .records()
            .into_iter()
            .map(|r| OpRecord {
                op: r.op.as_str().into(),
                path: r.path,
                source: r.source.into(),
                bytes: r.bytes.load(std::sync::atomic::Ordering::Relaxed) as f64,
                timestamp: millis(r.timestamp),
                duration_ms: r.duration_ms,
            })
            .collect()
    }

    // ------------------------------------------------------------ mounts at run time

    /// Mount a resource while the workspace runs (default mode `'read'`).
    #[napi(ts_args_type = "prefix: string, resource: BackblazeResource | S3Resource | RAMResource | DiskResource | R2Resource | WasabiResource | MinIOResource | SeaweedFSResource | CephResource | DigitalOceanResource | GCSResource | OCIResource | TencentResource | AliyunResource | ScalewayResource | QingStorResource, mode?: MountMode")]
    pub fn add_mount(&self, env: &Env, prefix: String, resource: Unknown<'_>, mode: Option<MountMode>) -> Result<MountInfo> {
        let core = resource_from_js(env, resource)?;
        let m = self
            .inner
            .add_mount(&prefix, core, mode.as_ref().map(core_mode).unwrap_or(CoreMode::Read))
            .map_err(ws_error)?;
        Ok(MountInfo { prefix: m.display_prefix(), mode: m.mode.as_str().into(), kind: m.resource.kind().into() })
    }

    #[napi]
    pub async fn unmount(&self, prefix: String) -> Result<()> {
        self.inner.unmount(&prefix).map_err(ws_error)
    }

    /// The mount serving a path, or null.
    #[napi]
    pub fn mount(&self, path: String) -> Option<MountInfo> {
        self.inner
            .mount_for(&path)
            .map(|m| MountInfo { prefix: m.display_prefix(), mode: m.mode.as_str().into(), kind: m.resource.kind().into() })
    }

    /// A text block for a model's system prompt describing the mounts and how to use them.
    #[napi(getter)]
    pub fn file_prompt(&self) -> String {
        self.inner.file_prompt()
    }

    /// Refuse new commands (idempotent), stop the running ones and resolve once they stopped.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        self.inner.close_and_wait().await;
        Ok(())
    }
}

/// `main.js` gives errors with this code the name `AbortError`, as DOM aborts have.
fn abort_error() -> Error {
    Error::new(Status::Cancelled, "This operation was aborted")
}

/// `ws.fs`: direct file access through the mounts, with the same mode checks as the shell.
#[napi]
pub struct WorkspaceFs {
    inner: Arc<CoreWorkspace>,
}

impl WorkspaceFs {
    fn check_open(&self) -> Result<()> {
        if self.inner.is_closed() {
            Err(closed_error())
        } else {
            Ok(())
        }
    }
}

#[napi]
impl WorkspaceFs {
    #[napi]
    pub async fn read_file(&self, path: String) -> Result<Uint8Array> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        let bytes = self.inner.vfs().read_all(&abs).await.map_err(|e| fs_error(e, &path))?;
        Ok(Uint8Array::new(bytes.to_vec()))
    }

    #[napi]
    pub async fn read_file_text(&self, path: String) -> Result<String> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        let bytes = self.inner.vfs().read_all(&abs).await.map_err(|e| fs_error(e, &path))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    #[napi(ts_args_type = "path: string, data: Uint8Array | string")]
    pub async fn write_file(&self, path: String, data: Either<String, Uint8Array>) -> Result<()> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        let bytes = match data {
            Either::A(s) => Bytes::from(s),
            Either::B(b) => Bytes::copy_from_slice(&b),
        };
        self.inner.vfs().write(&abs, bytes).await.map_err(|e| fs_error(e, &path))
    }

    /// Full paths of the entries of a directory, sorted.
    #[napi]
    pub async fn readdir(&self, path: String) -> Result<Vec<String>> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        let mut entries = self.inner.vfs().read_dir(&abs).await.map_err(|e| fs_error(e, &path))?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries.into_iter().map(|e| if abs == "/" { format!("/{}", e.name) } else { format!("{abs}/{}", e.name) }).collect())
    }

    #[napi]
    pub async fn stat(&self, path: String) -> Result<FileStat> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        let m = self.inner.vfs().stat(&abs).await.map_err(|e| fs_error(e, &path))?;
        Ok(FileStat {
            path: abs,
            size: m.size as f64,
            is_dir: m.is_dir(),
            is_file: !m.is_dir(),
            mtime_ms: m.modified.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_millis() as f64),
            etag: m.etag,
        })
    }

    #[napi]
    pub async fn exists(&self, path: String) -> Result<bool> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        match self.inner.vfs().stat(&abs).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(fs_error(e, &path)),
        }
    }

    #[napi]
    pub async fn mkdir(&self, path: String) -> Result<()> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        self.inner.vfs().mkdir(&abs).await.map_err(|e| fs_error(e, &path))
    }

    #[napi]
    pub async fn unlink(&self, path: String) -> Result<()> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        self.inner.vfs().remove_file(&abs).await.map_err(|e| fs_error(e, &path))
    }

    /// Whether the path is a directory (false when it does not exist).
    #[napi]
    pub async fn is_dir(&self, path: String) -> Result<bool> {
        self.check_open()?;
        match self.inner.vfs().stat(&path::normalize("/", &path)).await {
            Ok(m) => Ok(m.is_dir()),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(fs_error(e, &path)),
        }
    }

    /// Whether the path is a file (false when it does not exist).
    #[napi]
    pub async fn is_file(&self, path: String) -> Result<bool> {
        self.check_open()?;
        match self.inner.vfs().stat(&path::normalize("/", &path)).await {
            Ok(m) => Ok(!m.is_dir()),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(fs_error(e, &path)),
        }
    }

    /// Remove an empty directory.
    #[napi]
    pub async fn rmdir(&self, path: String) -> Result<()> {
        self.check_open()?;
        self.inner.vfs().rmdir(&path::normalize("/", &path)).await.map_err(|e| fs_error(e, &path))
    }

    /// A file's text (as `readFileText`).
    #[napi]
    pub async fn cat(&self, path: String) -> Result<String> {
        self.read_file_text(path).await
    }

    /// Full paths of every file below a directory, sorted (one flat listing on object stores).
    #[napi]
    pub async fn list_files(&self, path: String) -> Result<Vec<String>> {
        self.check_open()?;
        let abs = path::normalize("/", &path);
        let entries = self.inner.vfs().walk(&abs).await.map_err(|e| fs_error(e, &path))?;
        let base = if abs == "/" { String::new() } else { abs };
        let mut files: Vec<String> = entries.into_iter().filter(|(_, m)| !m.is_dir()).map(|(p, _)| format!("{base}/{p}")).collect();
        files.sort();
        Ok(files)
    }

    /// Copy then delete: the source is removed only once the copy is confirmed.
    #[napi]
    pub async fn rename(&self, from: String, to: String) -> Result<()> {
        self.check_open()?;
        let a = path::normalize("/", &from);
        let b = path::normalize("/", &to);
        self.inner.vfs().check_writable(&a).map_err(|e| fs_error(e, &from))?;
        self.inner.vfs().copy_file(&a, &b).await.map_err(|e| fs_error(e, &to))?;
        self.inner.vfs().remove_file(&a).await.map_err(|e| fs_error(e, &from))
    }
}

fn millis(t: std::time::SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// A session as `getSession`/`listSessions` describe it (a snapshot, not live).
#[napi(object)]
pub struct SessionInfo {
    pub session_id: String,
    pub cwd: String,
    pub env: HashMap<String, String>,
    /// Mount prefixes it may use (`['/bucket/']`), or null for all.
    pub allowed_mounts: Option<Vec<String>>,
}

fn session_info(s: &CoreSession) -> SessionInfo {
    SessionInfo {
        session_id: s.id.clone(),
        cwd: s.cwd(),
        env: s.env(),
        allowed_mounts: s.allowed_mounts.as_ref().map(|a| a.iter().map(|p| format!("{p}/")).collect()),
    }
}

/// One command in `ws.history`.
#[napi(object)]
pub struct ExecutionRecord {
    pub command: String,
    pub session_id: String,
    pub agent: String,
    pub exit_code: i32,
    /// Start, in milliseconds since the epoch.
    pub timestamp: f64,
    pub duration_ms: f64,
}

/// `ws.history`: `entries()` and `clear()`.
#[napi]
pub struct ExecutionHistory {
    inner: Arc<CoreWorkspace>,
}

#[napi]
impl ExecutionHistory {
    #[napi]
    pub fn entries(&self) -> Vec<ExecutionRecord> {
        self.inner
            .history()
            .into_iter()
            .map(|e| ExecutionRecord {
                command: e.command,
                session_id: e.session_id,
                agent: "default".into(),
                exit_code: e.exit_code,
                timestamp: millis(e.started_at),
                duration_ms: e.duration_ms,
            })
            .collect()
    }

    #[napi]
    pub fn clear(&self) {
        self.inner.clear_history()
    }
}

/// One filesystem operation in `ws.records`.
#[napi(object)]
pub struct OpRecord {
    /// `list`, `stat`, `read`, `write`, `delete`, `copy`, `mkdir`, `rmdir`.
    pub op: String,
    pub path: String,
    /// The resource kind (`backblaze`, `s3`, `ram`, `disk`).
    pub source: String,
    pub bytes: f64,
    pub timestamp: f64,
    pub duration_ms: f64,
}
