//! Redis in place of the in-process stores of `vfs::cache`, so several server instances
//! share one listing/metadata index (`RedisIndexStore`) and one byte cache
//! (`RedisCacheStore`), and a write through any instance is seen by all.
//!
//! - **Keys**: the index keeps `{keyPrefix}{ns}:m:{path}` (metadata), `{keyPrefix}{ns}:l:{dir}`
//!   (a listing: a hash of name -> metadata, with the field `""` marking it complete) and
//!   `{keyPrefix}{ns}:w:{dir}` (a flat walk), each with the index TTL; `ns` is a hash of the
//!   resource's endpoint, bucket and key prefix, so two buckets never share an entry, and
//!   tenants pick their own `keyPrefix`. The byte store keeps `{keyPrefix}o:{ns}:{path}` (a
//!   hash: size, ETag, time checked, bytes) with its LRU bookkeeping in `{keyPrefix}lru`,
//!   `{keyPrefix}sizes` and `{keyPrefix}used`. No credential, signed URL or endpoint goes in.
//! - **Races between instances**: each store has a counter (`…gen`) that every
//!   invalidation increments. A fill reads it before asking the bucket, and its put (a Lua
//!   script) is dropped if the counter moved meanwhile, so a listing fetched before another
//!   instance's write can never be stored after that write's invalidation.
//! - **Redis down or slow is not an outage**: every call has a short timeout; a failure
//!   closes the connection and the stores answer "not cached" (so commands go to the bucket)
//!   for a second before the next attempt. Invalidations that could not be sent are queued
//!   (bounded; past the bound, a wipe of the namespace is queued instead) and replayed first
//!   when the connection comes back. `fallbacks()` counts the calls that were not served,
//!   for the workspace's one-time warning.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use futures::future::BoxFuture;
use md5::{Digest, Md5};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError, RedisResult, Script};

use super::cache::{CacheStore, CachedObject, IndexStore};
use super::resource::{DirEntry, FileKind, Metadata};

pub const DEFAULT_REDIS_URL: &str = "redis://localhost:6379/0";
pub const DEFAULT_INDEX_KEY_PREFIX: &str = "mirage:index:";
pub const DEFAULT_CACHE_KEY_PREFIX: &str = "mirage:cache:";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the stores stay on the bucket after a Redis failure before trying again.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Invalidations kept for replay while Redis is unreachable; past this, a wipe instead.
const MAX_PENDING: usize = 10_000;
/// Extra time allowed per 64 KiB of payload on top of the timeout.
const PER_64K: Duration = Duration::from_millis(1);
/// Extra time allowed for scans (subtree invalidation) on top of the timeout.
const SCAN_EXTRA: Duration = Duration::from_secs(2);

type Replay = Arc<dyn Fn(MultiplexedConnection) -> BoxFuture<'static, RedisResult<()>> + Send + Sync>;

fn payload_time(n: usize) -> Duration {
    PER_64K * (n / 65536) as u32
}

/// A short hash naming a resource (endpoint, bucket, key prefix) in Redis keys.
pub fn namespace_of(identity: &str) -> String {
    let d = Md5::digest(identity.as_bytes());
    hex::encode(&d[..10])
}

/// Escape a literal for a `SCAN … MATCH` pattern.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Why a Redis call failed, in a few words (never the URL: it may hold a password).
fn reason_of(e: &RedisError) -> String {
    if e.is_connection_refusal() {
        "connection refused".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else if e.is_connection_dropped() {
        "connection lost".into()
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed {
        "authentication failed".into()
    } else if e.is_io_error() {
        "connection error".into()
    } else if let Some(code) = e.code() {
        format!("server error {code}")
    } else {
        "unexpected reply".into()
    }
}

#[derive(Default)]
struct State {
    conn: Option<MultiplexedConnection>,
    down_until: Option<Instant>,
}

#[derive(Default)]
struct Pending {
    /// Each with the extra time it may take.
    ops: Vec<(Replay, Duration)>,
    /// Namespace -> a wipe of it, once `ops` overflowed.
    wipes: BTreeMap<String, Replay>,
}

/// One Redis server as the stores use it: a multiplexed connection opened on first use,
/// short timeouts, a pause after failures, and a queue of invalidations to replay.
pub struct RedisConn {
    client: Client,
    tls: bool,
    timeout: Duration,
    state: tokio::sync::Mutex<State>,
    fallbacks: AtomicU64,
    reason: Mutex<String>,
    pending: Mutex<Pending>,
}

impl fmt::Debug for RedisConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may carry a password.
        f.debug_struct("RedisConn").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl RedisConn {
    /// Parse the URL (`redis://`, `rediss://`, `unix://`); nothing is sent until first use.
    pub fn new(url: &str, timeout: Duration) -> Result<Arc<RedisConn>, String> {
        // The parse error is not shown: it could quote the URL, password included.
        let client = Client::open(url).map_err(|_| "invalid Redis URL (expected redis://host:port/db)".to_string())?;
        let tls = url.trim_start().to_ascii_lowercase().starts_with("rediss:");
        let timeout = if timeout.is_zero() { DEFAULT_TIMEOUT } else { timeout };
        Ok(Arc::new(RedisConn {
            client,
            tls,
            timeout,
            state: Default::default(),
            fallbacks: AtomicU64::new(0),
            reason: Mutex::new(String::new()),
            pending: Default::default(),
        }))
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Calls answered "not cached" (or invalidations queued) because Redis failed.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::SeqCst)
    }

    /// The last failure, in a few words.
    pub fn reason(&self) -> String {
        self.reason.lock().unwrap().clone()
    }

    /// Invalidations waiting for Redis to come back.
    pub fn pending(&self) -> usize {
        let p = self.pending.lock().unwrap();
        p.ops.len() + p.wipes.len()
    }

    fn note_failure(&self, st: &mut State, reason: String) {
        st.conn = None;
        st.down_until = Some(Instant::now() + RETRY_AFTER);
        *self.reason.lock().unwrap() = reason;
    }

    async fn connection(&self) -> Option<MultiplexedConnection> {
        let mut st = self.state.lock().await;
        if let Some(c) = &st.conn {
            return Some(c.clone());
        }
        if st.down_until.is_some_and(|t| Instant::now() < t) {
            return None;
        }
        if self.tls {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let cfg = AsyncConnectionConfig::new().set_connection_timeout(Some(self.timeout)).set_response_timeout(None);
        // On the shared I/O runtime: the connection's driver task must outlive the execute
        // (and its runtime) that happened to open it.
        let client = self.client.clone();
        let connect = mirage_s3::io::run(async move { client.get_multiplexed_async_connection_with_config(&cfg).await });
        let conn = match tokio::time::timeout(self.timeout * 2, connect).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                self.note_failure(&mut st, reason_of(&e));
                return None;
            }
            Err(_) => {
                self.note_failure(&mut st, format!("no answer within {} ms", self.timeout.as_millis()));
                return None;
            }
        };
        // Replay the invalidations this instance could not send, before anything is read.
        let (ops, wipes) = {
            let mut p = self.pending.lock().unwrap();
            (std::mem::take(&mut p.ops), std::mem::take(&mut p.wipes))
        };
        let mut todo: Vec<(Option<String>, Replay, Duration)> = wipes.into_iter().map(|(k, v)| (Some(k), v, SCAN_EXTRA)).collect();
        todo.extend(ops.into_iter().map(|(o, extra)| (None, o, extra)));
        for (i, (_, op, extra)) in todo.iter().enumerate() {
            let ok = matches!(tokio::time::timeout(self.timeout + *extra, op(conn.clone())).await, Ok(Ok(())));
            if !ok {
                let mut p = self.pending.lock().unwrap();
                for (ns, op, extra) in todo[i..].iter().cloned() {
                    match ns {
                        Some(ns) => {
                            p.wipes.insert(ns, op);
                        }
                        None => p.ops.push((op, extra)),
                    }
                }
                drop(p);
                self.note_failure(&mut st, "connection lost".into());
                return None;
            }
        }
        st.conn = Some(conn.clone());
        st.down_until = None;
        Some(conn)
    }

    /// Run `f` on the connection within the timeout (plus `extra`); `None` on any failure.
    async fn call<T, F, Fut>(&self, extra: Duration, f: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let Some(c) = self.connection().await else {
            self.fallbacks.fetch_add(1, Ordering::SeqCst);
            return None;
        };
        let r = tokio::time::timeout(self.timeout + extra, f(c)).await;
        let reason = match r {
            Ok(Ok(v)) => return Some(v),
            Ok(Err(e)) => reason_of(&e),
            Err(_) => format!("no answer within {} ms", (self.timeout + extra).as_millis()),
        };
        self.fallbacks.fetch_add(1, Ordering::SeqCst);
        let mut st = self.state.lock().await;
        self.note_failure(&mut st, reason);
        None
    }

    /// Send an invalidation now, or queue it for when Redis is back (`wipe` replaces the
    /// queue's entries of `ns` once it is full).
    async fn invalidate(&self, ns: &str, extra: Duration, op: Replay, wipe: Replay) {
        let run = op.clone();
        if self.call(extra, move |c| run(c)).await.is_some() {
            return;
        }
        let mut p = self.pending.lock().unwrap();
        if p.wipes.contains_key(ns) {
            return;
        }
        if p.ops.len() < MAX_PENDING {
            p.ops.push((op, extra));
        } else {
            p.ops.clear();
            p.wipes.insert(ns.to_string(), wipe);
        }
    }
}

/// Every key matching `pattern`, by SCAN.
async fn scan(c: &mut MultiplexedConnection, pattern: &str) -> RedisResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut cursor: u64 = 0;
    for _ in 0..1_000_000 {
        let (next, keys): (u64, Vec<Vec<u8>>) =
            redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000).query_async(c).await?;
        out.extend(keys);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    Ok(out)
}

async fn del_all(c: &mut MultiplexedConnection, keys: &[Vec<u8>]) -> RedisResult<()> {
    for chunk in keys.chunks(500) {
        redis::cmd("DEL").arg(chunk).query_async::<()>(c).await?;
    }
    Ok(())
}

async fn incr(c: &mut MultiplexedConnection, key: &str) -> RedisResult<()> {
    redis::cmd("INCR").arg(key).query_async::<()>(c).await
}

async fn read_stamp(conn: &RedisConn, key: &str) -> u64 {
    let key = key.to_string();
    match conn.call(Duration::ZERO, |mut c| async move { redis::cmd("GET").arg(key).query_async::<Option<u64>>(&mut c).await }).await {
        Some(v) => v.unwrap_or(0),
        // Redis is unreachable: puts made with this stamp are never kept.
        None => u64::MAX,
    }
}

// ---------------------------------------------------------------------------------------
// Encoding of metadata, listings and walks.

fn enc_meta(m: &Metadata, out: &mut Vec<u8>) {
    let mtime = m.modified.and_then(|t| t.duration_since(UNIX_EPOCH).ok());
    let flags = (m.is_dir() as u8) | ((mtime.is_some() as u8) << 1) | ((m.etag.is_some() as u8) << 2);
    out.push(flags);
    out.extend_from_slice(&m.size.to_le_bytes());
    if let Some(d) = mtime {
        out.extend_from_slice(&d.as_secs().to_le_bytes());
        out.extend_from_slice(&d.subsec_nanos().to_le_bytes());
    }
    if let Some(e) = &m.etag {
        let e = &e.as_bytes()[..e.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(e.len() as u16).to_le_bytes());
        out.extend_from_slice(e);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn meta(&mut self) -> Option<Metadata> {
        let flags = self.take(1)?[0];
        let size = self.u64()?;
        let modified = if flags & 2 != 0 {
            let secs = self.u64()?;
            let nanos = self.u32()?;
            Some(UNIX_EPOCH + Duration::new(secs, nanos.min(999_999_999)))
        } else {
            None
        };
        let etag = if flags & 4 != 0 {
            let n = self.u16()? as usize;
            Some(String::from_utf8(self.take(n)?.to_vec()).ok()?)
        } else {
            None
        };
        let kind = if flags & 1 != 0 { FileKind::Dir } else { FileKind::File };
        Some(Metadata { kind, size, modified, etag })
    }
}

fn dec_meta(b: &[u8]) -> Option<Metadata> {
    let mut r = Reader(b);
    let m = r.meta()?;
    r.0.is_empty().then_some(m)
}

fn enc_walk(w: &[(String, Metadata)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + w.len() * 48);
    out.extend_from_slice(&(w.len() as u32).to_le_bytes());
    for (p, m) in w {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p.as_bytes());
        enc_meta(m, &mut out);
    }
    out
}

fn dec_walk(b: &[u8]) -> Option<Vec<(String, Metadata)>> {
    let mut r = Reader(b);
    let n = r.u32()? as usize;
    let mut out = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let len = r.u32()? as usize;
        let p = String::from_utf8(r.take(len)?.to_vec()).ok()?;
        out.push((p, r.meta()?));
    }
    r.0.is_empty().then_some(out)
}

// ---------------------------------------------------------------------------------------
// The index.

/// Stores, if the stamp still matches, a sequence of `S key value` (a string with the TTL)
/// and `H key n f1 v1 … fn vn` (a hash replaced as a whole, with the TTL).
const PUT_INDEX: &str = r#"
local g = redis.call('GET', KEYS[1]) or '0'
if g ~= ARGV[1] then return 0 end
local ttl = ARGV[2]
local i = 3
while i <= #ARGV do
  if ARGV[i] == 'S' then
    redis.call('SET', ARGV[i+1], ARGV[i+2], 'PX', ttl)
    i = i + 3
  else
    local key = ARGV[i+1]
    local last = i + 2 + 2 * tonumber(ARGV[i+2])
    redis.call('DEL', key)
    local j = i + 3
    while j <= last do
      local stop = math.min(j + 999, last)
      redis.call('HSET', key, unpack(ARGV, j, stop))
      j = stop + 1
    end
    redis.call('PEXPIRE', key, ttl)
    i = last + 1
  end
end
return 1
"#;

/// Where the index of one resource lives in Redis.
#[derive(Clone, Debug)]
pub struct RedisIndexOptions {
    pub conn: Arc<RedisConn>,
    /// Prefix of every key (default `mirage:index:`).
    pub key_prefix: String,
}

/// Listings, metadata and walks of one resource in Redis, with the index TTL.
pub struct RedisIndexStore {
    conn: Arc<RedisConn>,
    /// `{keyPrefix}{namespace}:`
    ns: String,
    ttl: Duration,
    put: Script,
}

enum Put {
    Str(String, Vec<u8>),
    Hash(String, Vec<(Vec<u8>, Vec<u8>)>),
}

impl RedisIndexStore {
    /// `namespace`: from `namespace_of` the resource's identity.
    pub fn new(opts: &RedisIndexOptions, namespace: &str, ttl: Duration) -> Self {
        RedisIndexStore { conn: opts.conn.clone(), ns: format!("{}{}:", opts.key_prefix, namespace), ttl, put: Script::new(PUT_INDEX) }
    }

    fn gen_key(&self) -> String {
        format!("{}gen", self.ns)
    }
    fn meta_key(&self, p: &str) -> String {
        format!("{}m:{p}", self.ns)
    }
    fn listing_key(&self, p: &str) -> String {
        format!("{}l:{p}", self.ns)
    }
    fn walk_key(&self, p: &str) -> String {
        format!("{}w:{p}", self.ns)
    }

    fn listing_put(&self, dir: &str, entries: &[DirEntry]) -> Put {
        let mut fields = Vec::with_capacity(entries.len() + 1);
        fields.push((Vec::new(), b"1".to_vec()));
        for e in entries {
            let mut v = Vec::with_capacity(32);
            enc_meta(&e.meta, &mut v);
            fields.push((e.name.as_bytes().to_vec(), v));
        }
        Put::Hash(self.listing_key(dir), fields)
    }

    async fn put_all(&self, stamp: u64, puts: Vec<Put>) {
        if stamp == u64::MAX || self.ttl.is_zero() {
            return;
        }
        let mut inv = self.put.prepare_invoke();
        inv.key(self.gen_key()).arg(stamp).arg(self.ttl.as_millis().max(1) as u64);
        let mut size = 0;
        for p in puts {
            match p {
                Put::Str(k, v) => {
                    size += v.len();
                    inv.arg("S").arg(k).arg(v);
                }
                Put::Hash(k, fields) => {
                    inv.arg("H").arg(k).arg(fields.len());
                    for (f, v) in fields {
                        size += f.len() + v.len();
                        inv.arg(f).arg(v);
                    }
                }
            }
        }
        self.conn.call(payload_time(size), |mut c| async move { inv.invoke_async::<i64>(&mut c).await }).await;
    }

    fn wipe(&self) -> Replay {
        let pattern = format!("{}*", glob_escape(&self.ns));
        let gen = self.gen_key();
        Arc::new(move |mut c| {
            let (pattern, gen) = (pattern.clone(), gen.clone());
            Box::pin(async move {
                incr(&mut c, &gen).await?;
                let keys: Vec<Vec<u8>> = scan(&mut c, &pattern).await?.into_iter().filter(|k| k != gen.as_bytes()).collect();
                del_all(&mut c, &keys).await?;
                incr(&mut c, &gen).await
            })
        })
    }
}

#[async_trait]
impl IndexStore for RedisIndexStore {
    async fn stamp(&self) -> u64 {
        read_stamp(&self.conn, &self.gen_key()).await
    }

    async fn get_meta(&self, path: &str) -> Option<Metadata> {
        let k = self.meta_key(path);
        let v = self.conn.call(Duration::ZERO, |mut c| async move { redis::cmd("GET").arg(k).query_async::<Option<Vec<u8>>>(&mut c).await }).await??;
        dec_meta(&v)
    }

    async fn put_meta(&self, stamp: u64, path: &str, meta: Metadata) {
        let mut v = Vec::with_capacity(32);
        enc_meta(&meta, &mut v);
        self.put_all(stamp, vec![Put::Str(self.meta_key(path), v)]).await
    }

    async fn get_listing(&self, dir: &str) -> Option<Arc<Vec<DirEntry>>> {
        let k = self.listing_key(dir);
        let h = self
            .conn
            .call(self.conn.timeout() * 4, |mut c| async move { redis::cmd("HGETALL").arg(k).query_async::<HashMap<Vec<u8>, Vec<u8>>>(&mut c).await })
            .await?;
        if !h.contains_key(&b""[..]) {
            return None;
        }
        let mut out = Vec::with_capacity(h.len());
        for (name, v) in h {
            if name.is_empty() {
                continue;
            }
            out.push(DirEntry { name: String::from_utf8(name).ok()?, meta: dec_meta(&v)? });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Some(Arc::new(out))
    }

    async fn put_listing(&self, stamp: u64, dir: &str, entries: Arc<Vec<DirEntry>>) {
        let p = self.listing_put(dir, &entries);
        self.put_all(stamp, vec![p]).await
    }

    async fn listing_child(&self, dir: &str, name: &str) -> Option<Option<Metadata>> {
        let k = self.listing_key(dir);
        let name = name.to_string();
        let (marker, v) = self
            .conn
            .call(Duration::ZERO, |mut c| async move {
                redis::cmd("HMGET").arg(k).arg("").arg(name).query_async::<(Option<Vec<u8>>, Option<Vec<u8>>)>(&mut c).await
            })
            .await?;
        marker?;
        match v {
            Some(v) => Some(Some(dec_meta(&v)?)),
            None => Some(None),
        }
    }

    async fn get_walk(&self, dir: &str) -> Option<Arc<Vec<(String, Metadata)>>> {
        let k = self.walk_key(dir);
        let v = self
            .conn
            .call(self.conn.timeout() * 4, |mut c| async move { redis::cmd("GET").arg(k).query_async::<Option<Vec<u8>>>(&mut c).await })
            .await??;
        dec_walk(&v).map(Arc::new)
    }

    async fn put_walk(&self, stamp: u64, dir: &str, entries: Arc<Vec<(String, Metadata)>>, listings: Vec<(String, Arc<Vec<DirEntry>>)>) {
        let mut puts = vec![Put::Str(self.walk_key(dir), enc_walk(&entries))];
        puts.extend(listings.iter().map(|(d, l)| self.listing_put(d, l)));
        self.put_all(stamp, puts).await
    }

    async fn remove(&self, paths: &[String]) {
        let gen = self.gen_key();
        let keys: Vec<String> = paths.iter().flat_map(|p| [self.meta_key(p), self.listing_key(p), self.walk_key(p)]).collect();
        let op: Replay = Arc::new(move |mut c| {
            let (gen, keys) = (gen.clone(), keys.clone());
            Box::pin(async move {
                let mut pipe = redis::pipe();
                pipe.atomic().cmd("INCR").arg(&gen).ignore();
                for chunk in keys.chunks(500) {
                    pipe.cmd("DEL").arg(chunk).ignore();
                }
                pipe.query_async::<()>(&mut c).await
            })
        });
        self.conn.invalidate(&self.ns, Duration::ZERO, op, self.wipe()).await
    }

    async fn remove_subtree(&self, dir: &str) {
        if dir.is_empty() {
            return self.clear().await;
        }
        let gen = self.gen_key();
        let ns = self.ns.clone();
        let dir = dir.to_string();
        let op: Replay = Arc::new(move |mut c| {
            let (gen, ns, dir) = (gen.clone(), ns.clone(), dir.clone());
            Box::pin(async move {
                incr(&mut c, &gen).await?;
                let mut doomed = Vec::new();
                for kind in ["m", "l", "w"] {
                    let base = format!("{ns}{kind}:");
                    for k in scan(&mut c, &format!("{}{}*", glob_escape(&base), glob_escape(&dir))).await? {
                        let p = &k[base.len()..];
                        if p == dir.as_bytes() || (p.len() > dir.len() && p.starts_with(dir.as_bytes()) && p[dir.len()] == b'/') {
                            doomed.push(k);
                        }
                    }
                }
                del_all(&mut c, &doomed).await?;
                incr(&mut c, &gen).await
            })
        });
        self.conn.invalidate(&self.ns, SCAN_EXTRA, op, self.wipe()).await
    }

    async fn clear(&self) {
        let w = self.wipe();
        self.conn.invalidate(&self.ns, SCAN_EXTRA, w.clone(), w).await
    }
}

// ---------------------------------------------------------------------------------------
// The byte cache.

/// Keys: 1 gen, 2 data key, 3 lru, 4 sizes, 5 used. Args: 1 stamp, 2 etag, 3 has etag,
/// 4 checked-at ms, 5 data, 6 now ms, 7 limit, 8 data key prefix, 9 member.
const PUT_BYTES: &str = r#"
local g = redis.call('GET', KEYS[1]) or '0'
if g ~= ARGV[1] then return 0 end
local n = string.len(ARGV[5])
local limit = tonumber(ARGV[7])
if n > limit then return 0 end
local old = redis.call('HGET', KEYS[4], ARGV[9])
if old then
  redis.call('DECRBY', KEYS[5], old)
  redis.call('HDEL', KEYS[4], ARGV[9])
  redis.call('ZREM', KEYS[3], ARGV[9])
end
redis.call('DEL', KEYS[2])
local used = tonumber(redis.call('GET', KEYS[5]) or '0')
while used + n > limit do
  local v = redis.call('ZRANGE', KEYS[3], 0, 0)
  if #v == 0 then
    redis.call('SET', KEYS[5], 0)
    used = 0
    break
  end
  local m = v[1]
  local s = tonumber(redis.call('HGET', KEYS[4], m) or '0')
  redis.call('DEL', ARGV[8] .. m)
  redis.call('HDEL', KEYS[4], m)
  redis.call('ZREM', KEYS[3], m)
  used = tonumber(redis.call('DECRBY', KEYS[5], s))
end
redis.call('HSET', KEYS[2], 'n', n, 't', ARGV[4], 'd', ARGV[5])
if ARGV[3] == '1' then redis.call('HSET', KEYS[2], 'e', ARGV[2]) end
redis.call('HSET', KEYS[4], ARGV[9], n)
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[9])
redis.call('INCRBY', KEYS[5], n)
return 1
"#;

/// Keys: 1 gen (or ''), 2 lru, 3 sizes, 4 used. Args: data key prefix, then members.
const REMOVE_BYTES: &str = r#"
if KEYS[1] ~= '' then redis.call('INCR', KEYS[1]) end
for i = 2, #ARGV do
  local m = ARGV[i]
  local s = redis.call('HGET', KEYS[3], m)
  if s then
    redis.call('DECRBY', KEYS[4], s)
    redis.call('HDEL', KEYS[3], m)
  end
  redis.call('ZREM', KEYS[2], m)
  redis.call('DEL', ARGV[1] .. m)
end
return 1
"#;

const TOUCH_BYTES: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 't', ARGV[1]) end
return 1
"#;

/// Object bytes in Redis, shared by every workspace (and instance) that uses the same
/// server and key prefix; least recently used objects go first past `limit` bytes.
pub struct RedisCacheStore {
    conn: Arc<RedisConn>,
    prefix: String,
    limit: u64,
    put: Script,
    remove: Script,
    touch: Script,
}

impl fmt::Debug for RedisCacheStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCacheStore").field("prefix", &self.prefix).field("limit", &self.limit).finish_non_exhaustive()
    }
}

fn ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl RedisCacheStore {
    pub fn new(conn: Arc<RedisConn>, key_prefix: &str, limit: u64) -> Self {
        RedisCacheStore {
            conn,
            prefix: key_prefix.to_string(),
            limit,
            put: Script::new(PUT_BYTES),
            remove: Script::new(REMOVE_BYTES),
            touch: Script::new(TOUCH_BYTES),
        }
    }

    pub fn conn(&self) -> &Arc<RedisConn> {
        &self.conn
    }

    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    fn data_prefix(&self) -> String {
        format!("{}o:", self.prefix)
    }
    fn k(&self, what: &str) -> String {
        format!("{}{what}", self.prefix)
    }

    /// Bytes held now, by the store's own count.
    pub async fn used(&self) -> Option<u64> {
        let k = self.k("used");
        self.conn.call(Duration::ZERO, |mut c| async move { redis::cmd("GET").arg(k).query_async::<Option<u64>>(&mut c).await }).await.map(|v| v.unwrap_or(0))
    }

    fn remove_op(&self, members: Vec<String>) -> Replay {
        let script = self.remove.clone();
        let keys = [self.k("gen"), self.k("lru"), self.k("sizes"), self.k("used")];
        let dp = self.data_prefix();
        Arc::new(move |mut c| {
            let (script, keys, dp, members) = (script.clone(), keys.clone(), dp.clone(), members.clone());
            Box::pin(async move {
                let mut inv = script.prepare_invoke();
                for k in &keys {
                    inv.key(k);
                }
                inv.arg(&dp);
                for m in &members {
                    inv.arg(m);
                }
                inv.invoke_async::<i64>(&mut c).await.map(|_| ())
            })
        })
    }

    /// Remove every member starting with `prefix` (all of them for `""`).
    fn remove_prefix_op(&self, prefix: &str) -> Replay {
        let script = self.remove.clone();
        let keys = [self.k("gen"), self.k("lru"), self.k("sizes"), self.k("used")];
        let dp = self.data_prefix();
        let pattern = format!("{}*", glob_escape(prefix));
        Arc::new(move |mut c| {
            let (script, keys, dp, pattern) = (script.clone(), keys.clone(), dp.clone(), pattern.clone());
            Box::pin(async move {
                incr(&mut c, &keys[0]).await?;
                let mut members: Vec<Vec<u8>> = Vec::new();
                let mut cursor: u64 = 0;
                for _ in 0..1_000_000 {
                    let (next, kv): (u64, Vec<Vec<u8>>) = redis::cmd("HSCAN")
                        .arg(&keys[2])
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(1000)
                        .query_async(&mut c)
                        .await?;
                    members.extend(kv.into_iter().step_by(2));
                    cursor = next;
                    if cursor == 0 {
                        break;
                    }
                }
                for chunk in members.chunks(500) {
                    let mut inv = script.prepare_invoke();
                    inv.key(&keys[0]).key(&keys[1]).key(&keys[2]).key(&keys[3]).arg(&dp);
                    for m in chunk {
                        inv.arg(m.as_slice());
                    }
                    inv.invoke_async::<i64>(&mut c).await?;
                }
                incr(&mut c, &keys[0]).await
            })
        })
    }
}

#[async_trait]
impl CacheStore for RedisCacheStore {
    async fn stamp(&self) -> u64 {
        read_stamp(&self.conn, &self.k("gen")).await
    }

    async fn get(&self, key: &str) -> Option<CachedObject> {
        let dk = format!("{}{key}", self.data_prefix());
        let lru = self.k("lru");
        let member = key.to_string();
        let now = ms(SystemTime::now());
        let dk2 = dk.clone();
        let (n, etag, at): (Option<u64>, Option<String>, Option<u64>) = self
            .conn
            .call(Duration::ZERO, |mut c| async move {
                let mut pipe = redis::pipe();
                pipe.cmd("HMGET").arg(&dk2).arg("n").arg("e").arg("t");
                pipe.cmd("ZADD").arg(&lru).arg("XX").arg(now).arg(&member).ignore();
                let (r,): ((Option<u64>, Option<String>, Option<u64>),) = pipe.query_async(&mut c).await?;
                Ok(r)
            })
            .await?;
        let n = n?;
        let data = self
            .conn
            .call(payload_time(n as usize), |mut c| async move { redis::cmd("HGET").arg(&dk).arg("d").query_async::<Option<Vec<u8>>>(&mut c).await })
            .await??;
        if data.len() as u64 != n {
            return None;
        }
        Some(CachedObject { etag, data: Bytes::from(data), checked_at: UNIX_EPOCH + Duration::from_millis(at.unwrap_or(0)) })
    }

    async fn put(&self, stamp: u64, key: &str, obj: CachedObject) {
        if stamp == u64::MAX || obj.data.len() as u64 > self.limit {
            return;
        }
        let mut inv = self.put.prepare_invoke();
        inv.key(self.k("gen"))
            .key(format!("{}{key}", self.data_prefix()))
            .key(self.k("lru"))
            .key(self.k("sizes"))
            .key(self.k("used"))
            .arg(stamp)
            .arg(obj.etag.clone().unwrap_or_default())
            .arg(if obj.etag.is_some() { "1" } else { "0" })
            .arg(ms(obj.checked_at))
            .arg(obj.data.as_ref())
            .arg(ms(SystemTime::now()))
            .arg(self.limit)
            .arg(self.data_prefix())
            .arg(key);
        let n = obj.data.len();
        self.conn.call(payload_time(n), |mut c| async move { inv.invoke_async::<i64>(&mut c).await }).await;
    }

    async fn touch(&self, key: &str, at: SystemTime) {
        let mut inv = self.touch.prepare_invoke();
        inv.key(format!("{}{key}", self.data_prefix())).arg(ms(at));
        self.conn.call(Duration::ZERO, |mut c| async move { inv.invoke_async::<i64>(&mut c).await }).await;
    }

    async fn remove(&self, key: &str) {
        let op = self.remove_op(vec![key.to_string()]);
        self.conn.invalidate(&self.prefix, Duration::ZERO, op, self.remove_prefix_op("")).await
    }

    async fn remove_prefix(&self, prefix: &str) {
        let op = self.remove_prefix_op(prefix);
        self.conn.invalidate(&self.prefix, SCAN_EXTRA, op, self.remove_prefix_op("")).await
    }

    fn limit(&self) -> u64 {
        self.limit
    }

    async fn clear(&self) {
        self.remove_prefix("").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_and_walk_round_trip() {
        let f = Metadata {
            kind: FileKind::File,
            size: 12345,
            modified: Some(UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789)),
            etag: Some("\"abc\"-2".into()),
        };
        let d = Metadata::dir();
        for m in [&f, &d, &Metadata::file(0)] {
            let mut v = Vec::new();
            enc_meta(m, &mut v);
            assert_eq!(dec_meta(&v).as_ref(), Some(m));
        }
        let w = vec![("a".to_string(), d.clone()), ("a/x\ty\n".to_string(), f.clone()), ("ü".to_string(), Metadata::file(3))];
        assert_eq!(dec_walk(&enc_walk(&w)), Some(w));
        assert_eq!(dec_meta(&[1, 2, 3]), None);
        assert_eq!(dec_walk(&[5, 0, 0, 0]), None);
    }

    #[test]
    fn names_and_patterns() {
        assert_eq!(namespace_of("http://h\nb\n").len(), 20);
        assert_ne!(namespace_of("http://h\nb1\n"), namespace_of("http://h\nb2\n"));
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
        assert!(RedisConn::new("not a url", DEFAULT_TIMEOUT).is_err());
        let c = RedisConn::new("redis://:sekrit@127.0.0.1:1/0", DEFAULT_TIMEOUT).unwrap();
        assert!(!format!("{c:?}").contains("sekrit"));
    }
}
