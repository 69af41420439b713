//! Caching in front of a remote resource (S3/B2): `CachedResource` wraps any `Resource`.
//!
//! - **Index** (listings, metadata and flat walks), per workspace, each entry kept for a TTL
//!   (default 600 s, as the reference's index TTL). `stat` of a child is answered from a
//!   cached listing of its parent, and a name missing from a cached listing (listings are
//!   always complete: every page is read) is `NotFound` without a request. A flat `walk`
//!   also fills the listing of every directory below it.
//! - **Bytes** of whole objects, LRU up to `cache_limit` bytes (default 512 MiB), only for
//!   objects of at most `max_object_size`, keyed by path and carrying the object's ETag.
//!   Filled when a read of the whole object (or a range that covers all of it) is streamed
//!   to its end; ranged reads of a cached object are cut out of it.
//! - **Consistency**: `Lazy` serves cached bytes while the index says the object has the
//!   same ETag, or for the TTL after they were fetched or last checked; past that, one HEAD
//!   revalidates them. `Always` sends a HEAD and compares the ETag before serving cached
//!   bytes.
//! - **Invalidation**: a write, stream write, copy, delete, mkdir or rmdir through the
//!   wrapper forgets the path's entries (metadata, bytes, its own listing and walk), the
//!   listings, walks and metadata of every ancestor, and for rmdir the whole subtree. A
//!   fill that was in flight during an invalidation is discarded (an epoch counter), so a
//!   read after a write always sees the write.
//!
//! The stores sit behind two small traits, `IndexStore` and `CacheStore`; the in-memory
//! ones are the default and `vfs::redis_store` has Redis ones, shared by several server
//! instances. Stores shared that way hand out a *stamp* (a count of invalidations made by
//! any instance) that a fill takes before asking the server; a put with a stale stamp is
//! dropped, as the local epoch does within one process.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use super::error::{ErrorKind, FsError};
use super::mount::MountMode;
use super::resource::{base_name, join, parent, ByteRange, ByteStream, DirEntry, Metadata, ReadHandle, Resource};

/// When cached bytes may be served without asking the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsistencyPolicy {
    /// Trust the index for its TTL (the reference's default).
    #[default]
    Lazy,
    /// HEAD and compare the ETag before serving cached bytes.
    Always,
}

impl ConsistencyPolicy {
    pub fn parse(s: &str) -> Option<ConsistencyPolicy> {
        match s.to_ascii_lowercase().as_str() {
            "lazy" => Some(ConsistencyPolicy::Lazy),
            "always" => Some(ConsistencyPolicy::Always),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct CacheOptions {
    pub consistency: ConsistencyPolicy,
    /// Bytes of object data kept per workspace; 0 turns the byte cache off.
    pub cache_limit: u64,
    /// Largest object whose bytes are kept.
    pub max_object_size: u64,
    /// How long listings and metadata are trusted; zero turns the index off.
    pub index_ttl: Duration,
    /// Keep listings and metadata in Redis instead of this process.
    pub redis_index: Option<super::redis_store::RedisIndexOptions>,
    /// Keep object bytes in this Redis store instead of this process.
    pub redis_bytes: Option<Arc<super::redis_store::RedisCacheStore>>,
}

impl CacheOptions {
    /// The Redis connections these options use (for the workspace's fallback warning).
    pub fn redis_conns(&self) -> Vec<Arc<super::redis_store::RedisConn>> {
        let mut v: Vec<Arc<super::redis_store::RedisConn>> = Vec::new();
        if let Some(i) = &self.redis_index {
            v.push(i.conn.clone());
        }
        if let Some(b) = &self.redis_bytes {
            if !v.iter().any(|c| Arc::ptr_eq(c, b.conn())) {
                v.push(b.conn().clone());
            }
        }
        v
    }
}

pub const DEFAULT_CACHE_LIMIT: u64 = 512 << 20;
pub const DEFAULT_MAX_OBJECT_SIZE: u64 = 16 << 20;
pub const DEFAULT_INDEX_TTL: Duration = Duration::from_secs(600);

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            consistency: ConsistencyPolicy::Lazy,
            cache_limit: DEFAULT_CACHE_LIMIT,
            max_object_size: DEFAULT_MAX_OBJECT_SIZE,
            index_ttl: DEFAULT_INDEX_TTL,
            redis_index: None,
            redis_bytes: None,
        }
    }
}

/// A size as the reference's `cacheLimit` takes it: `'512MB'`, `'1GB'`, `'64KB'`, `'1024'`
/// (KB/MB/GB are powers of 1024; `K`/`M`/`G`/`KiB`/`MiB`/`GiB`/`B` are accepted too).
pub fn parse_size(spec: &str) -> Result<u64, String> {
    let s = spec.trim();
    let upper = s.to_ascii_uppercase();
    let digits_end = upper.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(upper.len());
    let (num, unit) = (upper[..digits_end].trim(), upper[digits_end..].trim());
    let mult: u64 = match unit {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("invalid size '{spec}'")),
    };
    let n: f64 = num.parse().map_err(|_| format!("invalid size '{spec}'"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("invalid size '{spec}'"));
    }
    Ok((n * mult as f64) as u64)
}

// ---------------------------------------------------------------------------------------
// Index store: listings, metadata and walks, with a TTL.

/// Where listings and metadata are kept. Paths are resource-relative (`""` is the root).
/// Listings are sorted by name (bytewise), walks by relative path. Entries expire after
/// the store's TTL. Puts carry the `stamp()` taken before the server was asked; a shared
/// store drops a put whose stamp is older than its last invalidation.
#[async_trait]
pub trait IndexStore: Send + Sync + 'static {
    /// A count of the invalidations so far (0 for stores that only this wrapper uses).
    async fn stamp(&self) -> u64 {
        0
    }
    async fn get_meta(&self, path: &str) -> Option<Metadata>;
    async fn put_meta(&self, stamp: u64, path: &str, meta: Metadata);
    async fn get_listing(&self, dir: &str) -> Option<Arc<Vec<DirEntry>>>;
    async fn put_listing(&self, stamp: u64, dir: &str, entries: Arc<Vec<DirEntry>>);
    /// `Some(Some(meta))`: `dir` is listed and has `name`; `Some(None)`: listed without it;
    /// `None`: not listed. Stores that keep listings as hashes can answer without loading one.
    async fn listing_child(&self, dir: &str, name: &str) -> Option<Option<Metadata>> {
        let l = self.get_listing(dir).await?;
        Some(l.binary_search_by(|e| e.name.as_str().cmp(name)).ok().map(|i| l[i].meta.clone()))
    }
    /// Every entry below `dir`, as `walk` returns it (paths relative to `dir`).
    async fn get_walk(&self, dir: &str) -> Option<Arc<Vec<(String, Metadata)>>>;
    /// Keep a walk of `dir` and the listings of the directories it covers (full paths).
    async fn put_walk(&self, stamp: u64, dir: &str, entries: Arc<Vec<(String, Metadata)>>, listings: Vec<(String, Arc<Vec<DirEntry>>)>);
    /// Forget the metadata, listing and walk of each of these paths.
    async fn remove(&self, paths: &[String]);
    /// Forget everything at or below `dir` (`""`: everything).
    async fn remove_subtree(&self, dir: &str);
    async fn clear(&self);
    /// Drop what this store holds in process memory (the workspace is closing). A store
    /// shared with other processes keeps its shared entries.
    fn release(&self) {}
}

struct Timed<T> {
    at: Instant,
    value: T,
}

#[derive(Default)]
struct RamIndex {
    meta: BTreeMap<String, Timed<Metadata>>,
    listings: BTreeMap<String, Timed<Arc<Vec<DirEntry>>>>,
    walks: BTreeMap<String, Timed<Arc<Vec<(String, Metadata)>>>>,
    puts: u64,
}

/// The in-process index (the default).
pub struct RamIndexStore {
    ttl: Duration,
    inner: Mutex<RamIndex>,
}

impl RamIndexStore {
    pub fn new(ttl: Duration) -> Self {
        RamIndexStore { ttl, inner: Mutex::new(RamIndex::default()) }
    }

    fn fresh(&self, at: Instant) -> bool {
        at.elapsed() < self.ttl
    }

    fn get<T: Clone>(&self, pick: impl Fn(&mut RamIndex) -> &mut BTreeMap<String, Timed<T>>, key: &str) -> Option<T> {
        let mut g = self.inner.lock().unwrap();
        let map = pick(&mut g);
        match map.get(key) {
            Some(t) if self.fresh(t.at) => Some(t.value.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    fn put<T>(&self, pick: impl Fn(&mut RamIndex) -> &mut BTreeMap<String, Timed<T>>, key: &str, value: T) {
        if self.ttl.is_zero() {
            return;
        }
        let mut g = self.inner.lock().unwrap();
        g.puts += 1;
        if g.puts % 1024 == 0 {
            // Drop expired entries now and then so a long-lived workspace does not grow.
            let ttl = self.ttl;
            g.meta.retain(|_, t| t.at.elapsed() < ttl);
            g.listings.retain(|_, t| t.at.elapsed() < ttl);
            g.walks.retain(|_, t| t.at.elapsed() < ttl);
        }
        pick(&mut g).insert(key.to_string(), Timed { at: Instant::now(), value });
    }
}

/// Whether `key` is `dir` or below it.
fn in_subtree(key: &str, dir: &str) -> bool {
    dir.is_empty() || key == dir || (key.len() > dir.len() && key.starts_with(dir) && key.as_bytes()[dir.len()] == b'/')
}

#[async_trait]
impl IndexStore for RamIndexStore {
    async fn get_meta(&self, path: &str) -> Option<Metadata> {
        self.get(|g| &mut g.meta, path)
    }
    async fn put_meta(&self, _stamp: u64, path: &str, meta: Metadata) {
        self.put(|g| &mut g.meta, path, meta)
    }
    async fn get_listing(&self, dir: &str) -> Option<Arc<Vec<DirEntry>>> {
        self.get(|g| &mut g.listings, dir)
    }
    async fn put_listing(&self, _stamp: u64, dir: &str, entries: Arc<Vec<DirEntry>>) {
        self.put(|g| &mut g.listings, dir, entries)
    }
    async fn get_walk(&self, dir: &str) -> Option<Arc<Vec<(String, Metadata)>>> {
        self.get(|g| &mut g.walks, dir)
    }
    async fn put_walk(&self, _stamp: u64, dir: &str, entries: Arc<Vec<(String, Metadata)>>, listings: Vec<(String, Arc<Vec<DirEntry>>)>) {
        self.put(|g| &mut g.walks, dir, entries);
        for (d, l) in listings {
            self.put(|g| &mut g.listings, &d, l);
        }
    }
    async fn remove(&self, paths: &[String]) {
        let mut g = self.inner.lock().unwrap();
        for p in paths {
            g.meta.remove(p);
            g.listings.remove(p);
            g.walks.remove(p);
        }
    }
    async fn remove_subtree(&self, dir: &str) {
        let mut g = self.inner.lock().unwrap();
        g.meta.retain(|k, _| !in_subtree(k, dir));
        g.listings.retain(|k, _| !in_subtree(k, dir));
        g.walks.retain(|k, _| !in_subtree(k, dir));
    }
    async fn clear(&self) {
        *self.inner.lock().unwrap() = RamIndex::default();
    }
    fn release(&self) {
        *self.inner.lock().unwrap() = RamIndex::default();
    }
}

// ---------------------------------------------------------------------------------------
// Byte store: whole objects, LRU.

/// A whole object's bytes, with the ETag they were read at.
#[derive(Clone, Debug)]
pub struct CachedObject {
    pub etag: Option<String>,
    pub data: Bytes,
    /// When the bytes were fetched or last confirmed current.
    pub checked_at: SystemTime,
}

/// Where object bytes are kept. Keys are namespaced per mounted resource by the caller.
#[async_trait]
pub trait CacheStore: Send + Sync + 'static {
    /// A count of the invalidations so far, as `IndexStore::stamp`.
    async fn stamp(&self) -> u64 {
        0
    }
    async fn get(&self, key: &str) -> Option<CachedObject>;
    /// Keep `obj` (a store may refuse or evict to stay under its limit), unless `stamp` is
    /// older than the store's last invalidation.
    async fn put(&self, stamp: u64, key: &str, obj: CachedObject);
    /// Record that the bytes under `key` were confirmed current at `at`.
    async fn touch(&self, key: &str, at: SystemTime) {
        let stamp = self.stamp().await;
        if let Some(mut o) = self.get(key).await {
            o.checked_at = at;
            self.put(stamp, key, o).await;
        }
    }
    async fn remove(&self, key: &str);
    /// Forget every key starting with `prefix`.
    async fn remove_prefix(&self, prefix: &str);
    /// The most bytes this store keeps.
    fn limit(&self) -> u64;
    async fn clear(&self);
    /// Drop what this store holds in process memory (the workspace is closing). A store
    /// shared with other processes keeps its shared entries.
    fn release(&self) {}
}

#[derive(Default)]
struct Lru {
    map: HashMap<String, (CachedObject, u64)>,
    order: BTreeMap<u64, String>,
    size: u64,
    tick: u64,
}

impl Lru {
    fn take(&mut self, key: &str) -> Option<CachedObject> {
        let (obj, tick) = self.map.remove(key)?;
        self.order.remove(&tick);
        self.size -= obj.data.len() as u64;
        Some(obj)
    }
}

/// The in-process byte cache (the default): least recently used objects go first.
pub struct RamCacheStore {
    limit: u64,
    lru: Mutex<Lru>,
}

impl RamCacheStore {
    pub fn new(limit: u64) -> Self {
        RamCacheStore { limit, lru: Mutex::new(Lru::default()) }
    }

    /// Bytes held now.
    pub fn size(&self) -> u64 {
        self.lru.lock().unwrap().size
    }

    pub fn len(&self) -> usize {
        self.lru.lock().unwrap().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl CacheStore for RamCacheStore {
    async fn get(&self, key: &str) -> Option<CachedObject> {
        let mut g = self.lru.lock().unwrap();
        g.tick += 1;
        let tick = g.tick;
        let (obj, old) = {
            let (obj, t) = g.map.get_mut(key)?;
            let old = std::mem::replace(t, tick);
            (obj.clone(), old)
        };
        g.order.remove(&old);
        g.order.insert(tick, key.to_string());
        Some(obj)
    }

    async fn put(&self, _stamp: u64, key: &str, obj: CachedObject) {
        let n = obj.data.len() as u64;
        let mut g = self.lru.lock().unwrap();
        g.take(key);
        if n > self.limit {
            return;
        }
        while g.size + n > self.limit {
            let Some((_, victim)) = g.order.pop_first() else { break };
            if let Some((o, _)) = g.map.remove(&victim) {
                g.size -= o.data.len() as u64;
            }
        }
        g.tick += 1;
        let tick = g.tick;
        g.order.insert(tick, key.to_string());
        g.map.insert(key.to_string(), (obj, tick));
        g.size += n;
    }

    async fn touch(&self, key: &str, at: SystemTime) {
        if let Some((o, _)) = self.lru.lock().unwrap().map.get_mut(key) {
            o.checked_at = at;
        }
    }

    async fn remove(&self, key: &str) {
        self.lru.lock().unwrap().take(key);
    }

    async fn remove_prefix(&self, prefix: &str) {
        let mut g = self.lru.lock().unwrap();
        let keys: Vec<String> = g.map.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
        for k in keys {
            g.take(&k);
        }
    }

    fn limit(&self) -> u64 {
        self.limit
    }

    async fn clear(&self) {
        *self.lru.lock().unwrap() = Lru::default();
    }
    fn release(&self) {
        *self.lru.lock().unwrap() = Lru::default();
    }
}

// ---------------------------------------------------------------------------------------
// The wrapper.

/// What the index knows about a path without asking the server.
enum Known {
    Meta(Metadata),
    Missing,
    Unknown,
}

/// A `Resource` with the caches above in front of another one.
pub struct CachedResource {
    inner: Arc<dyn Resource>,
    index: Arc<dyn IndexStore>,
    bytes: Arc<dyn CacheStore>,
    /// Prefix of this resource's keys in the byte store.
    ns: String,
    opts: CacheOptions,
    /// Bumped by every invalidation; a fill that saw another value is dropped.
    epoch: Arc<AtomicU64>,
}

impl CachedResource {
    pub fn new(
        inner: Arc<dyn Resource>,
        index: Arc<dyn IndexStore>,
        bytes: Arc<dyn CacheStore>,
        ns: impl Into<String>,
        opts: CacheOptions,
    ) -> Self {
        CachedResource { inner, index, bytes, ns: ns.into(), opts, epoch: Arc::new(AtomicU64::new(0)) }
    }

    /// The wrapped resource.
    pub fn inner(&self) -> &Arc<dyn Resource> {
        &self.inner
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    fn byte_key(&self, path: &str) -> String {
        format!("{}{}", self.ns, path)
    }

    fn index_on(&self) -> bool {
        !self.opts.index_ttl.is_zero()
    }

    fn max_cached_object(&self) -> u64 {
        self.opts.max_object_size.min(self.bytes.limit()).min(self.opts.cache_limit)
    }

    /// What the cached listings say about `path` (not the root).
    async fn known(&self, path: &str) -> Known {
        if path.is_empty() || !self.index_on() {
            return Known::Unknown;
        }
        if let Some(m) = self.index.get_meta(path).await {
            return Known::Meta(m);
        }
        let mut child = path;
        loop {
            let dir = parent(child);
            match self.index.listing_child(dir, base_name(child)).await {
                Some(Some(m)) if child == path => return Known::Meta(m),
                // An ancestor exists; what is below it is not known.
                Some(Some(_)) => return Known::Unknown,
                Some(None) => return Known::Missing,
                None => {}
            }
            if dir.is_empty() {
                return Known::Unknown;
            }
            child = dir;
        }
    }

    /// The local epoch and the index's stamp, taken before asking the server.
    async fn begin(&self) -> (u64, u64) {
        let e = self.epoch();
        let s = if self.index_on() { self.index.stamp().await } else { 0 };
        (e, s)
    }

    /// Store index entries gathered since `epoch`, unless an invalidation came in between.
    async fn put_meta_since(&self, (epoch, stamp): (u64, u64), path: &str, meta: Metadata) {
        if !self.index_on() || self.epoch() != epoch {
            return;
        }
        self.index.put_meta(stamp, path, meta).await;
        if self.epoch() != epoch {
            self.index.remove(&[path.to_string()]).await;
        }
    }

    /// HEAD (through the inner resource) and remember the answer.
    async fn revalidate(&self, path: &str) -> Result<Metadata, FsError> {
        let e = self.begin().await;
        let m = self.inner.stat(path).await?;
        self.put_meta_since(e, path, m.clone()).await;
        Ok(m)
    }

    /// Whether cached bytes may be served under the consistency policy.
    async fn still_valid(&self, path: &str, obj: &CachedObject) -> Result<bool, FsError> {
        let same = |m: &Metadata| {
            !m.is_dir() && m.size == obj.data.len() as u64 && m.etag.is_some() && m.etag == obj.etag
        };
        if self.opts.consistency == ConsistencyPolicy::Lazy {
            if let Known::Meta(m) = self.known(path).await {
                if m.etag.is_some() || m.is_dir() || m.size != obj.data.len() as u64 {
                    return Ok(same(&m));
                }
                // A listing without ETags (some servers leave them out): go by age.
            }
            // Bytes kept in this process under a shared index: another instance's write
            // shows only in the index, so their age alone does not make them current.
            let local_bytes_shared_index = self.opts.redis_index.is_some() && self.opts.redis_bytes.is_none();
            let age = SystemTime::now().duration_since(obj.checked_at).unwrap_or_default();
            if age < self.opts.index_ttl && !local_bytes_shared_index {
                return Ok(true);
            }
        }
        let m = self.revalidate(path).await?;
        let ok = same(&m);
        if ok {
            self.bytes.touch(&self.byte_key(path), SystemTime::now()).await;
        }
        Ok(ok)
    }

    /// Forget what a change of `path` makes stale.
    async fn invalidate(&self, path: &str, subtree: bool) {
        self.bump();
        let mut paths = vec![path.to_string()];
        let mut p = path;
        while !p.is_empty() {
            p = parent(p);
            paths.push(p.to_string());
        }
        self.index.remove(&paths).await;
        if subtree {
            self.index.remove_subtree(path).await;
            let prefix = if path.is_empty() { self.ns.clone() } else { format!("{}{}/", self.ns, path) };
            self.bytes.remove_prefix(&prefix).await;
        }
        self.bytes.remove(&self.byte_key(path)).await;
        self.bump();
    }

    /// Keep a walk and the listing of every directory it covers.
    async fn store_walk(&self, (epoch, stamp): (u64, u64), path: &str, walk: Arc<Vec<(String, Metadata)>>) {
        if !self.index_on() || self.epoch() != epoch {
            return;
        }
        let mut dirs: HashMap<&str, Vec<DirEntry>> = HashMap::new();
        dirs.insert("", Vec::new());
        for (rel, meta) in walk.iter() {
            if meta.is_dir() {
                dirs.entry(rel.as_str()).or_default();
            }
            dirs.entry(parent(rel)).or_default().push(DirEntry { name: base_name(rel).to_string(), meta: meta.clone() });
        }
        let mut stored = vec![path.to_string()];
        let mut listings = Vec::with_capacity(dirs.len());
        for (d, mut entries) in dirs {
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            let full = join(path, d);
            stored.push(full.clone());
            listings.push((full, Arc::new(entries)));
        }
        self.index.put_walk(stamp, path, walk.clone(), listings).await;
        if self.epoch() != epoch {
            self.index.remove(&stored).await;
        }
    }
}

/// Cut a range out of a cached object, with HTTP's semantics (clamped to the object).
fn slice(data: &Bytes, range: Option<ByteRange>) -> Bytes {
    let len = data.len() as u64;
    let (start, end) = match range {
        None => (0, len),
        Some(ByteRange::Span { start, end_inclusive }) => (start.min(len), end_inclusive.saturating_add(1).min(len)),
        Some(ByteRange::From(s)) => (s.min(len), len),
        Some(ByteRange::Suffix(n)) => (len.saturating_sub(n), len),
    };
    data.slice(start as usize..end.max(start) as usize)
}

/// Largest chunk handed out when serving cached bytes.
const SERVE_CHUNK: usize = 64 * 1024;

fn serve(obj: CachedObject, range: Option<ByteRange>) -> ReadHandle {
    let part = slice(&obj.data, range);
    let chunks: Vec<Result<Bytes, FsError>> =
        (0..part.len()).step_by(SERVE_CHUNK).map(|i| Ok(part.slice(i..(i + SERVE_CHUNK).min(part.len())))).collect();
    ReadHandle { total_size: Some(obj.data.len() as u64), etag: obj.etag, body: Box::pin(futures::stream::iter(chunks)) }
}

/// A body that also collects the object's bytes and stores them once it has read all of them.
struct Fill {
    body: ByteStream,
    buf: Option<BytesMut>,
    expected: u64,
    etag: Option<String>,
    key: String,
    store: Arc<dyn CacheStore>,
    epoch: Arc<AtomicU64>,
    start_epoch: u64,
    stamp: u64,
    done: bool,
}

fn filling(h: ReadHandle, expected: u64, key: String, store: Arc<dyn CacheStore>, epoch: Arc<AtomicU64>, (start_epoch, stamp): (u64, u64)) -> ReadHandle {
    let st = Fill {
        body: h.body,
        buf: Some(BytesMut::with_capacity(expected as usize)),
        expected,
        etag: h.etag.clone(),
        key,
        store,
        epoch,
        start_epoch,
        stamp,
        done: false,
    };
    let body = futures::stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        match st.body.next().await {
            Some(Ok(chunk)) => {
                if let Some(buf) = &mut st.buf {
                    if (buf.len() + chunk.len()) as u64 <= st.expected {
                        buf.extend_from_slice(&chunk);
                    } else {
                        st.buf = None;
                    }
                }
                Some((Ok(chunk), st))
            }
            Some(Err(e)) => {
                st.done = true;
                Some((Err(e), st))
            }
            None => {
                st.done = true;
                if let Some(buf) = st.buf.take() {
                    if buf.len() as u64 == st.expected && st.epoch.load(Ordering::SeqCst) == st.start_epoch {
                        let obj = CachedObject { etag: st.etag.clone(), data: buf.freeze(), checked_at: SystemTime::now() };
                        st.store.put(st.stamp, &st.key, obj).await;
                        if st.epoch.load(Ordering::SeqCst) != st.start_epoch {
                            st.store.remove(&st.key).await;
                        }
                    }
                }
                None
            }
        }
    });
    ReadHandle { total_size: h.total_size, etag: h.etag, body: Box::pin(body) }
}

#[async_trait]
impl Resource for CachedResource {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn writable(&self) -> bool {
        self.inner.writable()
    }

    fn release(&self) {
        self.bump();
        self.index.release();
        self.bytes.release();
        self.inner.release();
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        if self.index_on() {
            if let Some(l) = self.index.get_listing(path).await {
                return Ok(l.to_vec());
            }
            match self.known(path).await {
                Known::Missing => return Err(FsError::not_found()),
                // A file known from its parent's listing: no request to learn it is not a directory.
                Known::Meta(m) if !m.is_dir() => return Err(FsError::new(super::error::ErrorKind::NotADirectory)),
                _ => {}
            }
        }
        let (e, stamp) = self.begin().await;
        let mut entries = self.inner.read_dir(path).await?;
        if self.index_on() && self.epoch() == e {
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            let l = Arc::new(entries.clone());
            self.index.put_listing(stamp, path, l).await;
            if self.epoch() != e {
                self.index.remove(&[path.to_string()]).await;
            }
        }
        Ok(entries)
    }

    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        match self.known(path).await {
            Known::Meta(m) => return Ok(m),
            Known::Missing => return Err(FsError::not_found()),
            Known::Unknown => {}
        }
        if path.is_empty() {
            return self.inner.stat(path).await;
        }
        self.revalidate(path).await
    }

    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        match self.known(path).await {
            Known::Missing => return Err(FsError::not_found()),
            Known::Meta(m) if m.is_dir() => return Err(FsError::new(ErrorKind::IsADirectory)),
            _ => {}
        }
        let max = self.max_cached_object();
        if max > 0 && !path.is_empty() {
            let key = self.byte_key(path);
            if let Some(obj) = self.bytes.get(&key).await {
                if self.still_valid(path, &obj).await? {
                    return Ok(serve(obj, range));
                }
                self.bytes.remove(&key).await;
            }
        }
        let start = if max > 0 { (self.epoch(), self.bytes.stamp().await) } else { (self.epoch(), 0) };
        let h = self.inner.read(path, range).await?;
        // A range that turns out to cover the whole object (`head` of a small file) fills too.
        let whole = |total: u64| match range {
            None | Some(ByteRange::From(0)) => true,
            Some(ByteRange::Span { start: 0, end_inclusive }) => end_inclusive.saturating_add(1) >= total,
            Some(ByteRange::Suffix(n)) => n >= total,
            _ => false,
        };
        match h.total_size {
            Some(total) if max > 0 && total <= max && whole(total) => {
                Ok(filling(h, total, self.byte_key(path), self.bytes.clone(), self.epoch.clone(), start))
            }
            _ => Ok(h),
        }
    }

    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        self.bump();
        let r = self.inner.write(path, data).await;
        self.invalidate(path, false).await;
        r
    }

    async fn write_stream(&self, path: &str, body: ByteStream) -> Result<u64, FsError> {
        self.bump();
        let r = self.inner.write_stream(path, body).await;
        self.invalidate(path, false).await;
        r
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        self.bump();
        let r = self.inner.remove_file(path).await;
        self.invalidate(path, false).await;
        r
    }

    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        self.bump();
        let r = self.inner.mkdir(path).await;
        self.invalidate(path, false).await;
        r
    }

    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        self.bump();
        let r = self.inner.rmdir(path).await;
        self.invalidate(path, true).await;
        r
    }

    async fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        self.bump();
        let r = self.inner.copy_file(from, to).await;
        self.invalidate(to, false).await;
        r
    }

    async fn walk(&self, path: &str) -> Result<Vec<(String, Metadata)>, FsError> {
        if self.index_on() {
            if let Some(w) = self.index.get_walk(path).await {
                return Ok(w.to_vec());
            }
            // A cached walk of an ancestor covers this one.
            let mut a = path;
            while !a.is_empty() {
                a = parent(a);
                let Some(w) = self.index.get_walk(a).await else { continue };
                let rel = if a.is_empty() { path } else { &path[a.len() + 1..] };
                return match w.binary_search_by(|(p, _)| p.as_str().cmp(rel)) {
                    Ok(i) if w[i].1.is_dir() => {
                        let prefix = format!("{rel}/");
                        let from = w.partition_point(|(p, _)| p.as_str() < prefix.as_str());
                        Ok(w[from..]
                            .iter()
                            .take_while(|(p, _)| p.starts_with(&prefix))
                            .map(|(p, m)| (p[prefix.len()..].to_string(), m.clone()))
                            .collect())
                    }
                    Ok(_) => Err(FsError::new(ErrorKind::NotADirectory)),
                    Err(_) => Err(FsError::not_found()),
                };
            }
            if let Known::Missing = self.known(path).await {
                return Err(FsError::not_found());
            }
        }
        let e = self.begin().await;
        let mut w = self.inner.walk(path).await?;
        w.sort_by(|a, b| a.0.cmp(&b.0));
        let arc = Arc::new(w);
        self.store_walk(e, path, arc.clone()).await;
        Ok(Arc::try_unwrap(arc).unwrap_or_else(|a| a.to_vec()))
    }
}

/// Put a `CachedResource` in front of every S3/B2 resource of a workspace. One byte cache
/// (`cache_limit`) is shared by the workspace's mounts; each resource has its own index. A
/// resource mounted twice gets one wrapper, so copies between its mounts stay server-side.
pub fn wrap_mounts(
    mounts: Vec<(String, Arc<dyn Resource>, MountMode)>,
    opts: &CacheOptions,
) -> Vec<(String, Arc<dyn Resource>, MountMode)> {
    let bytes: Arc<dyn CacheStore> = match &opts.redis_bytes {
        Some(r) => r.clone(),
        None => Arc::new(RamCacheStore::new(opts.cache_limit)),
    };
    let mut wrapped: Vec<(*const (), Arc<dyn Resource>)> = Vec::new();
    mounts
        .into_iter()
        .map(|(prefix, r, mode)| {
            if !matches!(r.kind(), "s3" | "backblaze") {
                return (prefix, r, mode);
            }
            let ptr = Arc::as_ptr(&r) as *const ();
            if let Some((_, w)) = wrapped.iter().find(|(p, _)| *p == ptr) {
                return (prefix, w.clone(), mode);
            }
            // Shared stores name a resource by its endpoint, bucket and key prefix (hashed),
            // so every instance finds the same entries and two buckets never share one.
            let id = r.cache_identity().map(|id| super::redis_store::namespace_of(&id));
            let ns = match &id {
                Some(h) => format!("{h}:"),
                None => format!("{}:", wrapped.len()),
            };
            let index: Arc<dyn IndexStore> = match (&opts.redis_index, &id) {
                (Some(ri), Some(h)) => Arc::new(super::redis_store::RedisIndexStore::new(ri, h, opts.index_ttl)),
                _ => Arc::new(RamIndexStore::new(opts.index_ttl)),
            };
            if id.is_none() && opts.redis_bytes.is_some() {
                // Without an identity the bytes could not be shared safely.
                let index: Arc<dyn IndexStore> = Arc::new(RamIndexStore::new(opts.index_ttl));
                let own: Arc<dyn CacheStore> = Arc::new(RamCacheStore::new(opts.cache_limit));
                let w: Arc<dyn Resource> = Arc::new(CachedResource::new(r, index, own, ns, opts.clone()));
                wrapped.push((ptr, w.clone()));
                return (prefix, w, mode);
            }
            let w: Arc<dyn Resource> = Arc::new(CachedResource::new(r, index, bytes.clone(), ns, opts.clone()));
            wrapped.push((ptr, w.clone()));
            (prefix, w, mode)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{read_all, CountingBucket};
    use crate::vfs::ram::RamResource;

    async fn setup(opts: CacheOptions) -> (Arc<CountingBucket>, CachedResource) {
        let c = CountingBucket::seeded().await;
        let inner: Arc<dyn Resource> = c.clone();
        let index = Arc::new(RamIndexStore::new(opts.index_ttl));
        let bytes = Arc::new(RamCacheStore::new(opts.cache_limit));
        (c, CachedResource::new(inner, index, bytes, "0:", opts))
    }


    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1GB").unwrap(), 1 << 30);
        assert_eq!(parse_size(" 64kb ").unwrap(), 64 << 10);
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert_eq!(parse_size("1.5M").unwrap(), 3 << 19);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("").is_err());
    }

    #[tokio::test]
    async fn lru_evicts_least_recent() {
        let s = RamCacheStore::new(10);
        let obj = |d: &'static [u8]| CachedObject { etag: None, data: Bytes::from_static(d), checked_at: SystemTime::now() };
        s.put(0, "a", obj(b"aaaa")).await;
        s.put(0, "b", obj(b"bbbb")).await;
        assert!(s.get("a").await.is_some()); // a is now the most recent
        s.put(0, "c", obj(b"cccc")).await; // evicts b
        assert!(s.get("b").await.is_none());
        assert!(s.get("a").await.is_some() && s.get("c").await.is_some());
        assert_eq!(s.size(), 8);
        s.put(0, "huge", obj(b"01234567890")).await; // over the limit: not kept, nothing evicted
        assert_eq!(s.len(), 2);
        s.remove_prefix("a").await;
        assert_eq!(s.size(), 4);
    }

    #[tokio::test]
    async fn stat_from_listing_and_missing_without_request() {
        let (c, r) = setup(CacheOptions::default()).await;
        r.read_dir("logs").await.unwrap();
        let n = c.n();
        assert_eq!(r.stat("logs/a.log").await.unwrap().size, 2);
        assert!(r.stat("logs/nope").await.unwrap_err().is_not_found());
        assert!(r.read("logs/nope", None).await.err().unwrap().is_not_found());
        assert_eq!(c.n(), n, "answered from the listing");
        // The root listing knows `nope/` does not exist, so nothing below it does either.
        r.read_dir("").await.unwrap();
        let n = c.n();
        assert!(r.stat("nope/deeper/x").await.unwrap_err().is_not_found());
        assert_eq!(c.n(), n);
    }

    #[tokio::test]
    async fn walk_fills_listings_and_covers_subtrees() {
        let (c, r) = setup(CacheOptions::default()).await;
        let all = r.walk("").await.unwrap();
        assert_eq!(all.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["logs", "logs/a.log", "logs/b.log", "top.txt"]);
        let n = c.n();
        let sub = r.walk("logs").await.unwrap();
        assert_eq!(sub.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["a.log", "b.log"]);
        assert_eq!(r.read_dir("logs").await.unwrap().len(), 2);
        assert_eq!(r.stat("top.txt").await.unwrap().size, 4);
        assert_eq!(r.walk("top.txt").await.unwrap_err().kind, ErrorKind::NotADirectory);
        assert_eq!(c.n(), n);
    }

    #[tokio::test]
    async fn bytes_cached_then_invalidated_by_writes() {
        let (c, r) = setup(CacheOptions::default()).await;
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        let n = c.n();
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        let mut h = r.read("top.txt", Some(ByteRange::Span { start: 1, end_inclusive: 1 })).await.unwrap();
        assert_eq!(h.body.next().await.unwrap().unwrap(), Bytes::from_static(b"o"));
        assert_eq!(c.n(), n, "served from the byte cache");
        r.write("top.txt", Bytes::from_static(b"new\n")).await.unwrap();
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"new\n");
        // Listings see new files and deletions.
        assert_eq!(r.read_dir("logs").await.unwrap().len(), 2);
        r.write("logs/c.log", Bytes::from_static(b"c\n")).await.unwrap();
        assert_eq!(r.read_dir("logs").await.unwrap().len(), 3);
        assert_eq!(r.stat("logs/c.log").await.unwrap().size, 2);
        r.remove_file("logs/c.log").await.unwrap();
        assert!(r.stat("logs/c.log").await.unwrap_err().is_not_found());
        r.copy_file("top.txt", "logs/d.log").await.unwrap();
        assert_eq!(read_all(&r, "logs/d.log").await.unwrap(), b"new\n");
    }

    #[tokio::test]
    async fn rmdir_forgets_the_subtree() {
        let (_c, r) = setup(CacheOptions::default()).await;
        r.mkdir("d").await.unwrap();
        r.write("d/x", Bytes::from_static(b"x")).await.unwrap();
        r.walk("").await.unwrap();
        assert_eq!(read_all(&r, "d/x").await.unwrap(), b"x");
        r.remove_file("d/x").await.unwrap();
        r.rmdir("d").await.unwrap();
        assert!(r.stat("d").await.unwrap_err().is_not_found());
        assert!(r.read_dir("d").await.unwrap_err().is_not_found());
        assert!(r.walk("").await.unwrap().iter().all(|(p, _)| !p.starts_with("d")));
    }

    #[tokio::test]
    async fn lazy_trusts_the_ttl_always_revalidates() {
        // LAZY: a change behind the cache's back is not seen until the TTL passes.
        let (c, r) = setup(CacheOptions::default()).await;
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        c.inner.write("top.txt", Bytes::from_static(b"TOP\n")).await.unwrap();
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");

        let ttl = Duration::from_millis(50);
        let (c, r) = setup(CacheOptions { index_ttl: ttl, ..Default::default() }).await;
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        c.inner.write("top.txt", Bytes::from_static(b"TOP\n")).await.unwrap();
        tokio::time::sleep(ttl * 2).await;
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"TOP\n");

        // ALWAYS: one stat (HEAD) per read of cached bytes, and a change is seen at once.
        let (c, r) = setup(CacheOptions { consistency: ConsistencyPolicy::Always, ..Default::default() }).await;
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        let n = c.n();
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        assert_eq!(c.n(), n + 1, "one revalidation, no read");
        c.inner.write("top.txt", Bytes::from_static(b"TOP\n")).await.unwrap();
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"TOP\n");
    }

    #[tokio::test]
    async fn partial_reads_are_not_cached() {
        let (c, r) = setup(CacheOptions::default()).await;
        let mut h = r.read("top.txt", Some(ByteRange::Span { start: 0, end_inclusive: 1 })).await.unwrap();
        while h.body.next().await.is_some() {}
        // A whole read dropped before its end is not kept either.
        let h = r.read("logs/a.log", None).await.unwrap();
        drop(h);
        let n = c.n();
        read_all(&r, "top.txt").await.unwrap();
        read_all(&r, "logs/a.log").await.unwrap();
        assert_eq!(c.n(), n + 2);
    }

    #[tokio::test]
    async fn a_range_covering_the_object_fills_the_cache() {
        let (c, r) = setup(CacheOptions::default()).await;
        let mut h = r.read("top.txt", Some(ByteRange::Span { start: 0, end_inclusive: 65535 })).await.unwrap();
        while h.body.next().await.is_some() {}
        let n = c.n();
        assert_eq!(read_all(&r, "top.txt").await.unwrap(), b"top\n");
        assert_eq!(c.n(), n);
    }

    #[tokio::test]
    async fn release_frees_the_caches() {
        let ram = RamResource::new();
        ram.write("f", Bytes::from_static(b"data")).await.unwrap();
        let c = CountingBucket::new(ram);
        let bytes = Arc::new(RamCacheStore::new(1 << 20));
        let r = CachedResource::new(c.clone(), Arc::new(RamIndexStore::new(DEFAULT_INDEX_TTL)), bytes.clone(), "0:", CacheOptions::default());
        r.read_dir("").await.unwrap();
        read_all(&r, "f").await.unwrap();
        assert_eq!(bytes.size(), 4);
        r.release();
        assert!(bytes.is_empty());
        let n = c.n();
        r.read_dir("").await.unwrap();
        assert_eq!(c.n(), n + 1, "the listing was dropped too");
    }

    #[tokio::test]
    async fn index_off_with_zero_ttl() {
        let (c, r) = setup(CacheOptions { index_ttl: Duration::ZERO, cache_limit: 0, ..Default::default() }).await;
        r.read_dir("logs").await.unwrap();
        r.read_dir("logs").await.unwrap();
        read_all(&r, "top.txt").await.unwrap();
        read_all(&r, "top.txt").await.unwrap();
        assert_eq!(c.n(), 4);
    }
}
