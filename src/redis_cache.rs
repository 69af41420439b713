//! `RedisFileCacheStore`: object bytes in Redis, shared by workspaces and server instances,
//! as in `@struktoai/mirage-node` (`cache: new RedisFileCacheStore({ url, cacheLimit })`).

use std::sync::Arc;

use mirage_core::vfs::cache::{CacheStore, DEFAULT_CACHE_LIMIT};
use mirage_core::vfs::redis_store::{RedisCacheStore, RedisConn, DEFAULT_CACHE_KEY_PREFIX, DEFAULT_REDIS_URL, DEFAULT_TIMEOUT};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::invalid_arg;
use crate::options::{millis, size_in, OptResult, REDIS_TIMEOUT_MAX_MS, TIB};

/// Options of `new RedisFileCacheStore(...)`.
#[napi(object)]
pub struct RedisFileCacheOptions {
    /// `redis://[:password@]host:port/db` or `rediss://…` (TLS); default `redis://localhost:6379/0`.
    pub url: Option<String>,
    /// Prefix of every key this store writes (default `mirage:cache:`); tenants sharing a
    /// Redis use different prefixes.
    pub key_prefix: Option<String>,
    /// Most bytes kept in Redis: whole bytes or a string like `'1GB'`, from 0 to
    /// 1099511627776 (1 TiB); default `'512MB'`. Least recently used objects go first.
    #[napi(ts_type = "number | string")]
    pub cache_limit: Option<Either<f64, String>>,
    /// Timeout of each Redis call in whole milliseconds, from 1 to 60000 (default 200); past it
    /// the command goes to the bucket.
    pub timeout_ms: Option<f64>,
}

/// Object bytes in Redis: pass it as `cache` in the `Workspace` options. One store may be
/// shared by several workspaces; every process using the same Redis and `keyPrefix` shares
/// its entries.
#[napi]
pub struct RedisFileCacheStore {
    pub(crate) inner: Arc<RedisCacheStore>,
}

#[napi]
impl RedisFileCacheStore {
    /// Throws a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`) for a number out of its range.
    #[napi(constructor)]
    pub fn new(env: &Env, options: Option<RedisFileCacheOptions>) -> Result<Self> {
        let o = options.unwrap_or(RedisFileCacheOptions { url: None, key_prefix: None, cache_limit: None, timeout_ms: None });
        let numbers = || -> OptResult<_> {
            let limit = size_in("cacheLimit", o.cache_limit.as_ref(), 0, TIB)?.unwrap_or(DEFAULT_CACHE_LIMIT);
            let timeout = millis("timeoutMs", o.timeout_ms, 1, REDIS_TIMEOUT_MAX_MS)?.unwrap_or(DEFAULT_TIMEOUT);
            Ok((limit, timeout))
        };
        let (limit, timeout) = numbers().map_err(|e| e.context("RedisFileCacheStore: ").into_js(env))?;
        let conn = RedisConn::new(o.url.as_deref().unwrap_or(DEFAULT_REDIS_URL), timeout)
            .map_err(|e| invalid_arg(format!("RedisFileCacheStore: {e}")))?;
        let prefix = o.key_prefix.unwrap_or_else(|| DEFAULT_CACHE_KEY_PREFIX.to_string());
        Ok(RedisFileCacheStore { inner: Arc::new(RedisCacheStore::new(conn, &prefix, limit)) })
    }

    /// The most bytes kept, as a number.
    #[napi(getter)]
    pub fn cache_limit(&self) -> f64 {
        self.inner.limit() as f64
    }

    #[napi(getter)]
    pub fn key_prefix(&self) -> String {
        self.inner.key_prefix().to_string()
    }

    /// Bytes held in Redis now (by the store's own count), or `null` when Redis does not answer.
    #[napi]
    pub async fn size(&self) -> Option<f64> {
        self.inner.used().await.map(|n| n as f64)
    }

    /// Forget every object of this store (every workspace and process using it).
    #[napi]
    pub async fn clear(&self) -> Result<()> {
        self.inner.clear().await;
        Ok(())
    }
}
