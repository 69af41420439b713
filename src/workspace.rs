//! `Workspace`, `ExecuteResult`, `MountMode` and `ws.fs`, as in `@struktoai/mirage-node`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use mirage_core::vfs::{path, MountMode as CoreMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace as CoreWorkspace, WorkspaceError, WorkspaceOptions as CoreOptions};
use napi::bindgen_prelude::*;
use napi::{JsValue, Status};
use napi_derive::napi;

use crate::errors::{fs_error, invalid_arg};
use crate::resources::{AsCoreResource, BackblazeResource, DiskResource, RAMResource, S3Resource};

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
    pub ttl: Option<f64>,
    /// With `type: 'redis'`: `redis://[:password@]host:port/db` or `rediss://…` (default `redis://localhost:6379/0`).
    pub url: Option<String>,
    /// With `type: 'redis'`: prefix of every key (default `mirage:index:`).
    pub key_prefix: Option<String>,
    /// With `type: 'redis'`: timeout of each Redis call in milliseconds (default 200).
    pub timeout_ms: Option<u32>,
}

fn size_option(name: &str, v: &Either<f64, String>) -> Result<u64> {
    match v {
        Either::A(n) if n.is_finite() && *n >= 0.0 => Ok(*n as u64),
        Either::A(n) => Err(invalid_arg(format!("{name}: invalid size {n}"))),
        Either::B(s) => mirage_core::vfs::cache::parse_size(s).map_err(|e| invalid_arg(format!("{name}: {e}"))),
    }
}

/// The cache options of the core from the JS ones.
fn cache_options(o: &WorkspaceOptions<'_>) -> Result<mirage_core::vfs::cache::CacheOptions> {
    use mirage_core::vfs::cache::{CacheOptions, ConsistencyPolicy as Policy};
    let mut c = CacheOptions::default();
    if let Some(p) = &o.consistency {
        c.consistency = match p {
            ConsistencyPolicy::LAZY => Policy::Lazy,
            ConsistencyPolicy::ALWAYS => Policy::Always,
        };
    }
    if let Some(v) = &o.cache_limit {
        c.cache_limit = size_option("cacheLimit", v)?;
    }
    if let Some(v) = &o.cache_max_object_size {
        c.max_object_size = size_option("cacheMaxObjectSize", v)?;
    }
    if let Some(index) = &o.index {
        match index.kind.as_deref() {
            None | Some("ram") => {}
            Some("redis") => {
                use mirage_core::vfs::redis_store::{RedisConn, RedisIndexOptions, DEFAULT_INDEX_KEY_PREFIX, DEFAULT_REDIS_URL, DEFAULT_TIMEOUT};
                let timeout = index.timeout_ms.map(|ms| std::time::Duration::from_millis(ms as u64)).unwrap_or(DEFAULT_TIMEOUT);
                let conn = RedisConn::new(index.url.as_deref().unwrap_or(DEFAULT_REDIS_URL), timeout)
                    .map_err(|e| invalid_arg(format!("index: {e}")))?;
                let key_prefix = index.key_prefix.clone().unwrap_or_else(|| DEFAULT_INDEX_KEY_PREFIX.to_string());
                c.redis_index = Some(RedisIndexOptions { conn, key_prefix });
            }
            Some(kind) => return Err(invalid_arg(format!("index.type '{kind}' is not supported ('ram' or 'redis')"))),
        }
        if let Some(ttl) = index.ttl {
            if !ttl.is_finite() || ttl < 0.0 {
                return Err(invalid_arg(format!("index.ttl: invalid value {ttl}")));
            }
            c.index_ttl = std::time::Duration::from_secs_f64(ttl);
        }
    }
    if let Some(store) = &o.cache {
        c.redis_bytes = Some(store.inner.clone());
    }
    Ok(c)
}

/// Options of `new Workspace(resources, options)`.
#[napi(object, object_to_js = false)]
pub struct WorkspaceOptions<'a> {
    /// The mode of every mount (default `'read'`).
    pub mode: Option<MountMode>,
    /// Per-mount modes, by mount prefix: `{ '/tmp/': 'write' }`.
    pub mode_overrides: Option<HashMap<String, MountMode>>,
    /// Bytes of stdout (and of stderr) kept from one `execute` (default 16 MiB); past it the
    /// command is stopped and a note is added to stderr.
    pub max_output_bytes: Option<u32>,
    /// `ConsistencyPolicy.LAZY` (default) or `ConsistencyPolicy.ALWAYS`.
    pub consistency: Option<ConsistencyPolicy>,
    /// Size of the byte cache of S3/B2 objects: bytes, or a string like `'512MB'` (the default); 0 turns it off.
    #[napi(ts_type = "number | string")]
    pub cache_limit: Option<Either<f64, String>>,
    /// Largest object whose bytes are cached (default `'16MB'`).
    #[napi(ts_type = "number | string")]
    pub cache_max_object_size: Option<Either<f64, String>>,
    /// The listing/metadata index of S3/B2 mounts: `{ ttl: 600 }` (seconds), or in Redis:
    /// `{ type: 'redis', url, ttl, keyPrefix, timeoutMs }`.
    pub index: Option<IndexConfig>,
    /// Where object bytes are cached: in this process (the default) or
    /// `new RedisFileCacheStore({ url, cacheLimit })`.
    pub cache: Option<ClassInstance<'a, crate::redis_cache::RedisFileCacheStore>>,
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
}

/// The outcome of a command line, as bash would report it.
#[napi]
pub struct ExecuteResult {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit_code: i32,
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

type AnyResource<'a> = Either4<
    ClassInstance<'a, BackblazeResource>,
    ClassInstance<'a, S3Resource>,
    ClassInstance<'a, RAMResource>,
    ClassInstance<'a, DiskResource>,
>;

fn to_core(r: &AnyResource<'_>) -> Arc<dyn Resource> {
    match r {
        Either4::A(x) => x.core(),
        Either4::B(x) => x.core(),
        Either4::C(x) => x.core(),
        Either4::D(x) => x.core(),
    }
}

fn closed_error() -> Error {
    Error::new(Status::GenericFailure, "Workspace is closed")
}

fn ws_error(e: WorkspaceError) -> Error {
    match e {
        WorkspaceError::Closed => closed_error(),
        other => invalid_arg(other.to_string()),
    }
}

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
        ts_args_type = "resources: Record<string, BackblazeResource | S3Resource | RAMResource | DiskResource>, options?: WorkspaceOptions"
    )]
    pub fn new(resources: HashMap<String, AnyResource<'_>>, options: Option<WorkspaceOptions<'_>>) -> Result<Self> {
        let options = options.unwrap_or(WorkspaceOptions {
            mode: None,
            mode_overrides: None,
            max_output_bytes: None,
            consistency: None,
            cache_limit: None,
            cache_max_object_size: None,
            index: None,
            cache: None,
        });
        let default_mode = options.mode.as_ref().map(core_mode).unwrap_or(CoreMode::Read);
        let overrides: HashMap<String, CoreMode> = options
            .mode_overrides
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (path::normalize_prefix(k), core_mode(v))).collect())
            .unwrap_or_default();
        let mut mounts = Vec::new();
        for (prefix, r) in &resources {
            let norm = path::normalize_prefix(prefix);
            let mode = overrides.get(&norm).copied().unwrap_or(default_mode);
            mounts.push((prefix.clone(), to_core(r), mode));
        }
        for p in overrides.keys() {
            if !mounts.iter().any(|(m, _, _)| &path::normalize_prefix(m) == p) {
                return Err(invalid_arg(format!("modeOverrides: no mount at {p}/")));
            }
        }
        let mut core_opts = CoreOptions { cache: cache_options(&options)?, ..Default::default() };
        if let Some(n) = options.max_output_bytes {
            core_opts.max_output_bytes = n as usize;
        }
        let inner = CoreWorkspace::new(mounts, core_opts).map_err(ws_error)?;
        Ok(Workspace { inner: Arc::new(inner) })
    }

    /// Run a command line as `bash -c` would. Resolves for failing commands too (see
    /// `exitCode` and `stderr`); rejects only on misuse: a closed workspace or an aborted signal.
    #[napi(ts_args_type = "command: string, options?: ExecuteOptions", ts_return_type = "Promise<ExecuteResult>")]
    pub fn execute<'env>(&self, env: &'env Env, command: String, options: Option<Object<'env>>) -> Result<PromiseRaw<'env, ExecuteResult>> {
        if self.inner.is_closed() {
            return env.spawn_future(async { Err::<ExecuteResult, _>(closed_error()) });
        }
        let mut opts = ExecOptions::default();
        let cancelled = Arc::new(AtomicBool::new(false));
        let notify = Arc::new(tokio::sync::Notify::new());
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
            if let Some(signal) = o.get::<Object>("signal")? {
                if signal.get::<bool>("aborted")?.unwrap_or(false) {
                    return env.spawn_future(async { Err::<ExecuteResult, _>(abort_error()) });
                }
                let flag = cancelled.clone();
                let n = notify.clone();
                let listener = env.create_function_from_closure("onabort", move |_ctx| {
                    flag.store(true, Ordering::SeqCst);
                    n.notify_one();
                    Ok(())
                })?;
                let add: Function<'_, FnArgs<(String, Function<'_, (), ()>)>, Unknown> = signal.get_named_property("addEventListener")?;
                add.apply(signal, FnArgs::from(("abort".to_string(), listener)))?;
            }
        }
        let inner = self.inner.clone();
        env.spawn_future(async move {
            let run = inner.execute(&command, opts);
            tokio::select! {
                r = run => {
                    let out = r.map_err(ws_error)?;
                    Ok(ExecuteResult { stdout: out.stdout, stderr: out.stderr, exit_code: out.exit_code })
                }
                _ = notify.notified() => Err(abort_error()),
            }
        })
    }

    /// The default session's working directory.
    #[napi(getter)]
    pub fn cwd(&self) -> String {
        futures::executor::block_on(self.inner.cwd())
    }

    #[napi(setter)]
    pub fn set_cwd(&self, cwd: String) {
        futures::executor::block_on(self.inner.set_cwd(&cwd))
    }

    /// The default session's exported variables.
    #[napi(getter)]
    pub fn env(&self) -> HashMap<String, String> {
        futures::executor::block_on(self.inner.env())
    }

    #[napi(setter)]
    pub fn set_env(&self, env: HashMap<String, String>) {
        futures::executor::block_on(self.inner.set_env(env))
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

    /// Stop accepting commands. Idempotent.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        self.inner.close();
        Ok(())
    }
}

fn abort_error() -> Error {
    Error::new(Status::Cancelled, "AbortError: execute aborted")
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
