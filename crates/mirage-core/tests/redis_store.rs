//! The Redis stores against a real redis-server (started here on 127.0.0.1, random port,
//! no persistence). Skipped, with a printed reason, when `redis-server` is not installed
//! (the Node suite installs it: `__test__/redis.test.mjs`).
//!
//! Two `CachedResource`s over one bucket-like resource stand for two server instances:
//! each has its own Redis connection, as two processes would.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use mirage_core::testutil::{read_all, CountingBucket};
use mirage_core::vfs::cache::{CacheOptions, CacheStore, CachedObject, CachedResource, IndexStore};
use mirage_core::vfs::redis_store::{namespace_of, RedisCacheStore, RedisConn, RedisIndexOptions, RedisIndexStore, RETRY_AFTER};
use mirage_core::vfs::{ByteRange, Metadata, Resource};

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(port: Option<u16>) -> Option<Server> {
        let bin = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].into_iter().find(|p| std::path::Path::new(p).exists())?;
        for _ in 0..5 {
            let port = port.unwrap_or_else(|| {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            });
            let child = Command::new(bin)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let mut s = Server { child, port };
            let end = Instant::now() + Duration::from_secs(5);
            while Instant::now() < end {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(s);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            s.stop();
        }
        None
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

macro_rules! server_or_skip {
    () => {
        match Server::start(None) {
            Some(s) => s,
            None => {
                eprintln!("skipped: redis-server not installed (apt-get install -y redis-server)");
                return;
            }
        }
    };
}

/// One "server instance": its own connection to Redis, its own wrapper.
fn instance(b: &Arc<CountingBucket>, url: &str, opts: &CacheOptions) -> (Arc<RedisConn>, CachedResource) {
    let conn = RedisConn::new(url, Duration::from_millis(200)).unwrap();
    let ns = namespace_of(&b.cache_identity().unwrap());
    let ri = RedisIndexOptions { conn: conn.clone(), key_prefix: "mirage:index:".into() };
    let index: Arc<dyn IndexStore> = Arc::new(RedisIndexStore::new(&ri, &ns, opts.index_ttl));
    let bytes: Arc<dyn CacheStore> = Arc::new(RedisCacheStore::new(conn.clone(), "mirage:cache:", 1 << 20));
    let inner: Arc<dyn Resource> = b.clone();
    (conn, CachedResource::new(inner, index, bytes, format!("{ns}:"), opts.clone()))
}

#[tokio::test]
async fn two_instances_share_the_index_and_bytes_and_see_each_others_writes() {
    let srv = server_or_skip!();
    let b = CountingBucket::seeded().await;
    let opts = CacheOptions::default();
    let (_ca, a) = instance(&b, &srv.url(), &opts);
    let (_cb, bb) = instance(&b, &srv.url(), &opts);

    assert_eq!(a.read_dir("logs").await.unwrap().len(), 2);
    assert_eq!(read_all(&a, "top.txt").await.unwrap(), b"top\n");
    let n = b.n();
    // The other instance: listing, stat of a listed child, a missing child, and bytes from Redis.
    assert_eq!(bb.read_dir("logs").await.unwrap().len(), 2);
    assert_eq!(bb.stat("logs/b.log").await.unwrap().size, 3);
    assert!(bb.stat("logs/nope").await.unwrap_err().is_not_found());
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"top\n");
    let mut h = bb.read("top.txt", Some(ByteRange::Span { start: 1, end_inclusive: 2 })).await.unwrap();
    assert_eq!(h.body.next().await.unwrap().unwrap(), Bytes::from_static(b"op"));
    assert_eq!(b.n(), n, "the second instance sent nothing");

    // A write, a copy and a delete in one instance are seen by the other at once.
    a.write("logs/c.log", Bytes::from_static(b"ccc\n")).await.unwrap();
    let names: Vec<String> = bb.read_dir("logs").await.unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["a.log", "b.log", "c.log"]);
    assert_eq!(read_all(&bb, "logs/c.log").await.unwrap(), b"ccc\n");
    a.write("top.txt", Bytes::from_static(b"TOP!\n")).await.unwrap();
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"TOP!\n");
    a.copy_file("top.txt", "logs/d.log").await.unwrap();
    assert_eq!(bb.read_dir("logs").await.unwrap().len(), 4);
    assert_eq!(read_all(&bb, "logs/d.log").await.unwrap(), b"TOP!\n");
    a.remove_file("logs/a.log").await.unwrap();
    assert!(bb.stat("logs/a.log").await.unwrap_err().is_not_found());
    assert!(read_all(&bb, "logs/a.log").await.unwrap_err().is_not_found());
    // rmdir forgets the subtree everywhere.
    a.mkdir("d").await.unwrap();
    a.write("d/x", Bytes::from_static(b"x")).await.unwrap();
    assert_eq!(bb.read_dir("d").await.unwrap().len(), 1);
    read_all(&bb, "d/x").await.unwrap();
    a.remove_file("d/x").await.unwrap();
    a.rmdir("d").await.unwrap();
    assert!(bb.read_dir("d").await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn always_revalidates_bytes_from_redis_with_a_head() {
    let srv = server_or_skip!();
    let b = CountingBucket::seeded().await;
    let opts = CacheOptions { consistency: mirage_core::vfs::cache::ConsistencyPolicy::Always, ..Default::default() };
    let (_ca, a) = instance(&b, &srv.url(), &opts);
    let (_cb, bb) = instance(&b, &srv.url(), &opts);
    assert_eq!(read_all(&a, "top.txt").await.unwrap(), b"top\n");
    let n = b.n();
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"top\n");
    assert_eq!(b.n(), n + 1, "one HEAD, the bytes from Redis");
    // Changed behind both instances' backs: ALWAYS sees it.
    b.inner.write("top.txt", Bytes::from_static(b"new\n")).await.unwrap();
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"new\n");
}

#[tokio::test]
async fn a_fill_that_raced_an_invalidation_is_dropped() {
    let srv = server_or_skip!();
    let conn = RedisConn::new(&srv.url(), Duration::from_millis(200)).unwrap();
    let ri = RedisIndexOptions { conn: conn.clone(), key_prefix: "t:".into() };
    let one = RedisIndexStore::new(&ri, "ns1", Duration::from_secs(60));
    let other = RedisIndexStore::new(&RedisIndexOptions { conn: RedisConn::new(&srv.url(), Duration::from_millis(200)).unwrap(), key_prefix: "t:".into() }, "ns1", Duration::from_secs(60));
    let stamp = one.stamp().await;
    other.remove(&["x".to_string()]).await;
    one.put_meta(stamp, "x", Metadata::file(1)).await;
    assert_eq!(one.get_meta("x").await, None, "stale put dropped");
    let stamp = one.stamp().await;
    one.put_meta(stamp, "x", Metadata::file(1)).await;
    assert_eq!(other.get_meta("x").await, Some(Metadata::file(1)));
    // Another namespace (another bucket) sees nothing of it.
    let third = RedisIndexStore::new(&ri, "ns2", Duration::from_secs(60));
    assert_eq!(third.get_meta("x").await, None);

    // Same for bytes.
    let s1 = RedisCacheStore::new(conn.clone(), "tc:", 1000);
    let s2 = RedisCacheStore::new(RedisConn::new(&srv.url(), Duration::from_millis(200)).unwrap(), "tc:", 1000);
    let obj = CachedObject { etag: Some("e1".into()), data: Bytes::from_static(b"hello"), checked_at: SystemTime::now() };
    let st = s1.stamp().await;
    s2.remove("k").await;
    s1.put(st, "k", obj.clone()).await;
    assert!(s2.get("k").await.is_none());
    s1.put(s1.stamp().await, "k", obj.clone()).await;
    let got = s2.get("k").await.unwrap();
    assert_eq!((got.etag.as_deref(), got.data.as_ref()), (Some("e1"), &b"hello"[..]));
}

#[tokio::test]
async fn byte_cache_stays_under_its_limit_lru_first() {
    let srv = server_or_skip!();
    let conn = RedisConn::new(&srv.url(), Duration::from_millis(200)).unwrap();
    let s = RedisCacheStore::new(conn, "lru:", 10);
    let obj = |d: &'static [u8]| CachedObject { etag: None, data: Bytes::from_static(d), checked_at: SystemTime::now() };
    s.put(s.stamp().await, "a", obj(b"aaaa")).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.put(s.stamp().await, "b", obj(b"bbbb")).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(s.get("a").await.is_some()); // a is now the most recent
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.put(s.stamp().await, "c", obj(b"cccc")).await; // evicts b
    assert!(s.get("b").await.is_none());
    assert!(s.get("a").await.is_some() && s.get("c").await.is_some());
    assert_eq!(s.used().await, Some(8));
    s.put(s.stamp().await, "huge", obj(b"01234567890")).await; // over the limit: not kept
    assert!(s.get("huge").await.is_none());
    s.put(s.stamp().await, "a", obj(b"AAAAAA")).await; // replaced: 6 + 4 = 10
    assert_eq!(s.used().await, Some(10));
    s.remove_prefix("").await;
    assert_eq!(s.used().await, Some(0));
    assert!(s.get("c").await.is_none());
}

#[tokio::test]
async fn redis_down_falls_back_to_the_bucket_and_recovers() {
    let mut srv = server_or_skip!();
    let port = srv.port;
    let b = CountingBucket::seeded().await;
    let opts = CacheOptions::default();
    let (conn, a) = instance(&b, &srv.url(), &opts);
    a.read_dir("logs").await.unwrap();
    let n = b.n();
    a.read_dir("logs").await.unwrap();
    assert_eq!(b.n(), n);

    srv.stop();
    let t = Instant::now();
    // Correct answers from the bucket, quickly, and the failure is counted.
    assert_eq!(a.read_dir("logs").await.unwrap().len(), 2);
    assert_eq!(read_all(&a, "top.txt").await.unwrap(), b"top\n");
    a.write("logs/new.log", Bytes::from_static(b"n\n")).await.unwrap();
    assert_eq!(a.read_dir("logs").await.unwrap().len(), 3);
    assert!(t.elapsed() < Duration::from_secs(2), "took {:?}", t.elapsed());
    assert!(conn.fallbacks() > 0);
    assert!(!conn.reason().is_empty());
    assert!(conn.pending() > 0, "the write's invalidation waits for Redis");

    // Redis back (empty: no persistence), on the same port: used again after the pause.
    let _srv2 = Server::start(Some(port)).expect("restart redis-server");
    tokio::time::sleep(RETRY_AFTER + Duration::from_millis(100)).await;
    a.read_dir("logs").await.unwrap();
    assert_eq!(conn.pending(), 0, "queued invalidations replayed");
    let n = b.n();
    assert_eq!(a.read_dir("logs").await.unwrap().len(), 3);
    assert_eq!(b.n(), n, "cached in Redis again");
}

#[tokio::test]
async fn shared_index_with_bytes_kept_in_each_process_still_sees_other_writes() {
    let srv = server_or_skip!();
    let b = CountingBucket::seeded().await;
    let ns = namespace_of(&b.cache_identity().unwrap());
    let make = || {
        let conn = RedisConn::new(&srv.url(), Duration::from_millis(200)).unwrap();
        let ri = RedisIndexOptions { conn, key_prefix: "mirage:index:".into() };
        let opts = CacheOptions { redis_index: Some(ri.clone()), ..Default::default() };
        let index: Arc<dyn IndexStore> = Arc::new(RedisIndexStore::new(&ri, &ns, opts.index_ttl));
        let bytes: Arc<dyn CacheStore> = Arc::new(mirage_core::vfs::cache::RamCacheStore::new(1 << 20));
        let inner: Arc<dyn Resource> = b.clone();
        CachedResource::new(inner, index, bytes, format!("{ns}:"), opts)
    };
    let (a, bb) = (make(), make());
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"top\n");
    let n = b.n();
    // The first reuse confirms the bytes with a HEAD (its answer goes to the shared index);
    // after that they are known current through the index: no request.
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"top\n");
    assert_eq!(b.n(), n + 1);
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"top\n");
    assert_eq!(b.n(), n + 1);
    a.write("top.txt", Bytes::from_static(b"changed\n")).await.unwrap();
    assert_eq!(read_all(&bb, "top.txt").await.unwrap(), b"changed\n");
}
