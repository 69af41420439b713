//! Resource classes with the option shapes of `@struktoai/mirage-node`.

use std::collections::HashMap;
use std::sync::Arc;

use mirage_core::vfs::disk::DiskResource as CoreDisk;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::s3::S3Resource as CoreS3;
use mirage_core::vfs::Resource;
use mirage_s3::{
    backblaze_endpoint, epoch_ms, presign_request, PresignError, PresignOptions as CorePresignOptions,
    PresignPolicy as CorePresignPolicy, S3Client, S3Config as ClientConfig, Secret,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::invalid_arg;
use crate::options::{coded_error, millis, opt_int_in, range_error, OptResult, HOUR_MS};

/// Options of `new BackblazeResource(...)`.
#[napi(object)]
pub struct BackblazeConfig {
    pub bucket: String,
    /// A B2 region such as `us-west-004`; the endpoint is derived from it.
    pub region: String,
    /// The B2 application key ID.
    pub access_key_id: String,
    /// The B2 application key.
    pub secret_access_key: String,
    /// Overrides `https://s3.<region>.backblazeb2.com` (any S3-compatible server; path-style).
    pub endpoint: Option<String>,
    /// Per-request timeout to response headers, in whole milliseconds from 1 to 3600000
    /// (1 hour); default 30000.
    pub timeout_ms: Option<f64>,
    /// Attempts per request, including the first: a whole number from 1 to 100; default 5.
    pub max_attempts: Option<f64>,
    /// Requests in flight at once on this resource: a whole number from 1 to 10000; default 32.
    pub max_concurrency: Option<f64>,
    /// A response body that sends no byte for this long fails (a streamed read then resumes
    /// with a ranged GET): whole milliseconds from 1 to 3600000 (1 hour); default 30000.
    pub body_idle_timeout_ms: Option<f64>,
}

/// Options of `new S3Resource(...)`.
#[napi(object)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Defaults to `https://s3.<region>.amazonaws.com`.
    pub endpoint: Option<String>,
    /// Address the bucket in the path (`{endpoint}/{bucket}/{key}`); default true with a
    /// custom endpoint, false for AWS.
    pub force_path_style: Option<bool>,
    /// Only keys under this prefix are visible; paths stay relative to it.
    pub key_prefix: Option<String>,
    /// Per-request timeout to response headers, in whole milliseconds from 1 to 3600000
    /// (1 hour); default 30000.
    pub timeout_ms: Option<f64>,
    /// Attempts per request, including the first: a whole number from 1 to 100; default 5.
    pub max_attempts: Option<f64>,
    /// Requests in flight at once on this resource: a whole number from 1 to 10000; default 32.
    pub max_concurrency: Option<f64>,
    /// A response body that sends no byte for this long fails (a streamed read then resumes
    /// with a ranged GET): whole milliseconds from 1 to 3600000 (1 hour); default 30000.
    pub body_idle_timeout_ms: Option<f64>,
}

/// Options of `new DiskResource(...)`.
#[napi(object)]
pub struct DiskConfig {
    /// A local folder; symlinks leading outside it are refused.
    pub root: String,
}

/// A remote bucket behind one of the S3-compatible classes.
pub(crate) struct RemoteBucket {
    pub(crate) inner: Arc<CoreS3>,
    pub(crate) endpoint: String,
    pub(crate) bucket: String,
    pub(crate) region: String,
    pub(crate) kind: &'static str,
}

impl RemoteBucket {
    /// The redacted view: no key ID, no secret.
    pub(crate) fn summary(&self) -> ResourceSummary {
        ResourceSummary {
            kind: self.kind.into(),
            bucket: Some(self.bucket.clone()),
            region: Some(self.region.clone()),
            endpoint: Some(self.endpoint.clone()),
            access_key_id: Some("<REDACTED>".into()),
            secret_access_key: Some("<REDACTED>".into()),
        }
    }
}

/// The getters, presigning and redacted JSON that every S3-compatible class shares
/// (the class holds its `RemoteBucket` in a field named `remote`).
macro_rules! remote_bucket_methods {
    ($class:ident) => {
        #[napi]
        impl $class {
            /// The endpoint requests go to.
            #[napi(getter)]
            pub fn endpoint(&self) -> String {
                self.remote.endpoint.clone()
            }

            /// The resource kind, as `ws.mounts()` shows it.
            #[napi(getter)]
            pub fn kind(&self) -> String {
                self.remote.kind.into()
            }

            /// The bucket name.
            #[napi(getter)]
            pub fn bucket(&self) -> String {
                self.remote.bucket.clone()
            }

            /// A SigV4 query-signed URL for one operation on `path` (the key in the bucket; a leading `/`
            /// is stripped), valid for `opts.ttlSec` seconds (default 300). Synchronous: signing is
            /// local, no request is sent. `policy` adds guard rails (see `createPresignHandler`); without
            /// it every op is allowed and the TTL is capped at 7 days. Throws an `Error` with
            /// `code` `ERR_PRESIGN_UNKNOWN_OP`, `ERR_PRESIGN_OP_NOT_ALLOWED`, `ERR_PRESIGN_INVALID_PATH`,
            /// `ERR_PRESIGN_OUTSIDE_PREFIX`, `ERR_PRESIGN_INVALID_OPTION` or `ERR_PRESIGN_INVALID_POLICY`;
            /// a `ttlSec` or `maxTtlSec` that is not a whole number >= 1 throws a `RangeError` with
            /// that code.
            #[napi]
            pub fn presign(
                &self,
                env: &Env,
                path: String,
                #[napi(ts_arg_type = "PresignOp")] op: String,
                opts: Option<$crate::resources::PresignOptions>,
                policy: Option<$crate::resources::PresignPolicy>,
            ) -> Result<String> {
                $crate::resources::presign_core(&self.remote.inner, &path, &op, opts, policy)
                    .map(|r| r.url)
                    .map_err(|e| $crate::resources::presign_error(env, e))
            }

            /// Like `presign`, with what the request must carry: `{ url, method, headers, expiresIn, expiresAt }`.
            #[napi]
            pub fn presign_request(
                &self,
                env: &Env,
                path: String,
                #[napi(ts_arg_type = "PresignOp")] op: String,
                opts: Option<$crate::resources::PresignOptions>,
                policy: Option<$crate::resources::PresignPolicy>,
            ) -> Result<$crate::resources::PresignedRequest> {
                $crate::resources::presign_core(&self.remote.inner, &path, &op, opts, policy)
                    .map_err(|e| $crate::resources::presign_error(env, e))
            }

            /// The redacted view, for `JSON.stringify`: no key ID, no secret.
            #[napi(js_name = "toJSON")]
            pub fn to_json(&self) -> $crate::resources::ResourceSummary {
                self.remote.summary()
            }
        }

        impl $crate::resources::AsCoreResource for $class {
            fn core(&self) -> std::sync::Arc<dyn mirage_core::vfs::Resource> {
                self.remote.inner.clone()
            }
        }
    };
}
pub(crate) use remote_bucket_methods;

/// What every resource class gives the workspace.
pub(crate) trait AsCoreResource {
    fn core(&self) -> Arc<dyn Resource>;
}

/// The numeric options every S3-compatible class takes (`timeoutMs`, `maxAttempts`,
/// `maxConcurrency`, `bodyIdleTimeoutMs`), as JS passed them.
#[derive(Clone, Copy, Default)]
pub(crate) struct ClientLimits {
    pub(crate) timeout_ms: Option<f64>,
    pub(crate) max_attempts: Option<f64>,
    pub(crate) max_concurrency: Option<f64>,
    pub(crate) body_idle_timeout_ms: Option<f64>,
}

/// Largest `maxAttempts` and `maxConcurrency`.
pub(crate) const MAX_ATTEMPTS: u64 = 100;
pub(crate) const MAX_CONCURRENCY: u64 = 10_000;

impl ClientLimits {
    /// Check the numbers (see `options.rs`) and set them on the client config.
    pub(crate) fn apply(&self, cfg: &mut ClientConfig) -> OptResult<()> {
        let ms = |d: std::time::Duration| d.as_millis() as u64;
        if let Some(t) = millis("timeoutMs", self.timeout_ms, 1, HOUR_MS)? {
            cfg.timeout_ms = Some(ms(t));
        }
        if let Some(n) = opt_int_in("maxAttempts", self.max_attempts, 1, MAX_ATTEMPTS)? {
            cfg.max_attempts = n as u32;
        }
        if let Some(n) = opt_int_in("maxConcurrency", self.max_concurrency, 1, MAX_CONCURRENCY)? {
            cfg.max_concurrency = n as usize;
        }
        if let Some(t) = millis("bodyIdleTimeoutMs", self.body_idle_timeout_ms, 1, HOUR_MS)? {
            cfg.body_idle_timeout_ms = Some(ms(t));
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn build_s3(
    env: &Env,
    class: &str,
    kind: &'static str,
    endpoint: String,
    region: &str,
    bucket: &str,
    access_key_id: &str,
    secret: &str,
    force_path_style: bool,
    key_prefix: Option<&str>,
    limits: ClientLimits,
) -> Result<Arc<CoreS3>> {
    let mut cfg = ClientConfig::new(endpoint, region, bucket, access_key_id, Secret::new(secret));
    cfg.force_path_style = force_path_style;
    limits.apply(&mut cfg).map_err(|e| e.context(&format!("{class}: ")).into_js(env))?;
    let client = S3Client::new(cfg).map_err(|e| invalid_arg(format!("{kind}: {e}")))?;
    let r = CoreS3::new(client, key_prefix, kind).map_err(|e| invalid_arg(format!("{kind}: keyPrefix: {e}")))?;
    Ok(Arc::new(r))
}

/// Options of `resource.presign(path, op, opts)`: the `opts` of mirage-browser's
/// `presignedUrlProvider(path, op, opts)`.
#[napi(object)]
pub struct PresignOptions {
    /// Lifetime of the URL in whole seconds, at least 1 (default 300); larger values are lowered
    /// to the policy's `maxTtlSec` (at most 604800, 7 days). Anything else throws a `RangeError`
    /// with `code: 'ERR_PRESIGN_INVALID_OPTION'`.
    pub ttl_sec: Option<f64>,
    /// PUT: the `Content-Type` the upload must send (signed).
    pub content_type: Option<String>,
    /// LIST: the key prefix to list (relative to the resource).
    pub list_prefix: Option<String>,
    /// LIST: usually `'/'`.
    pub list_delimiter: Option<String>,
    /// LIST: the `NextContinuationToken` of the previous page.
    pub list_continuation_token: Option<String>,
    /// COPY: the source key in the same bucket (relative to the resource).
    pub copy_source: Option<String>,
}

/// Guard rails for `presign` (what `createPresignHandler` applies to every request).
#[napi(object)]
pub struct PresignPolicy {
    /// Ops that may be signed (default: all six).
    #[napi(ts_type = "Array<PresignOp>")]
    pub allow_ops: Option<Vec<String>>,
    /// Keys (relative to the resource) must be under this folder: `'uploads'` = `'uploads/'`.
    pub prefix: Option<String>,
    /// Largest TTL in whole seconds, at least 1 (default and hard cap: 604800, SigV4's 7 days;
    /// larger values are lowered to it). Anything else throws a `RangeError` with
    /// `code: 'ERR_PRESIGN_INVALID_POLICY'`.
    pub max_ttl_sec: Option<f64>,
}

/// A signed request, as `presignRequest` returns it.
#[napi(object)]
pub struct PresignedRequest {
    /// The SigV4 query-signed URL. It holds the access key ID (in `X-Amz-Credential`), never the secret.
    pub url: String,
    #[napi(ts_type = "'GET' | 'PUT' | 'HEAD' | 'DELETE'")]
    pub method: String,
    /// Signed headers the request must send as given (`content-type` for PUT, `x-amz-copy-source` for COPY).
    pub headers: HashMap<String, String>,
    /// The lifetime actually signed, in seconds (after clamping).
    pub expires_in: u32,
    /// When the URL expires, in milliseconds since the epoch.
    pub expires_at: f64,
}

/// A presign failure as a JS `Error` whose `code` is `ERR_PRESIGN_*` and whose message is a
/// fixed text (never the secret, never the path). A TTL out of range (`ttlSec`, `maxTtlSec`)
/// is a `RangeError` with the same code and text.
pub(crate) fn presign_error(env: &Env, e: PresignError) -> Error {
    let numeric = match &e {
        PresignError::InvalidOption(why) => why.starts_with("ttlSec "),
        PresignError::InvalidPolicy(why) => why.starts_with("maxTtlSec "),
        _ => false,
    };
    if numeric {
        range_error(env, e.code(), &e.to_string())
    } else {
        coded_error(env, e.code(), &e.to_string())
    }
}

/// Check a presign policy and return it with defaults filled in: `allowOps` (deduplicated;
/// default all six ops), `prefix` (`''` or a folder ending in `/`), `maxTtlSec` (default and
/// cap 604800). Throws `ERR_PRESIGN_INVALID_POLICY` for an unknown op, a malformed prefix or a
/// TTL that is not a whole number of seconds >= 1. `createPresignHandler` calls it once.
#[napi]
pub fn resolve_presign_policy(env: &Env, policy: PresignPolicy) -> Result<PresignPolicy> {
    let p = CorePresignPolicy::new(policy.allow_ops.as_deref(), policy.prefix.as_deref(), policy.max_ttl_sec)
        .map_err(|e| presign_error(env, e))?;
    Ok(PresignPolicy {
        allow_ops: Some(p.allow_ops().iter().map(|op| op.as_str().to_string()).collect()),
        prefix: Some(p.prefix().to_string()),
        max_ttl_sec: Some(p.max_ttl_sec() as f64),
    })
}

pub(crate) fn presign_core(
    r: &CoreS3,
    path: &str,
    op: &str,
    opts: Option<PresignOptions>,
    policy: Option<PresignPolicy>,
) -> std::result::Result<PresignedRequest, PresignError> {
    let policy = match policy {
        None => CorePresignPolicy::default(),
        Some(p) => CorePresignPolicy::new(p.allow_ops.as_deref(), p.prefix.as_deref(), p.max_ttl_sec)?,
    };
    let opts = opts
        .map(|o| CorePresignOptions {
            ttl_sec: o.ttl_sec,
            content_type: o.content_type,
            list_prefix: o.list_prefix,
            list_delimiter: o.list_delimiter,
            list_continuation_token: o.list_continuation_token,
            copy_source: o.copy_source,
        })
        .unwrap_or_default();
    let signed = presign_request(r.client(), r.key_prefix(), path, op, &opts, &policy)?;
    Ok(PresignedRequest {
        url: signed.url,
        method: signed.method.to_string(),
        headers: signed.headers.into_iter().collect(),
        expires_in: u32::try_from(signed.expires_in).unwrap_or(u32::MAX),
        expires_at: epoch_ms(signed.expires_at),
    })
}

/// A Backblaze B2 bucket through B2's S3-compatible API (AWS Signature V4); the endpoint is
/// `https://s3.<region>.backblazeb2.com` unless overridden.
#[napi]
pub struct BackblazeResource {
    remote: RemoteBucket,
}

#[napi]
impl BackblazeResource {
    /// Throws a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`) for a number out of its range.
    #[napi(constructor)]
    pub fn new(env: &Env, config: BackblazeConfig) -> Result<Self> {
        let endpoint = match config.endpoint {
            Some(e) => e,
            None => backblaze_endpoint(&config.region).map_err(|e| invalid_arg(format!("BackblazeResource: {e}")))?,
        };
        let inner = build_s3(
            env,
            "BackblazeResource",
            "backblaze",
            endpoint.clone(),
            &config.region,
            &config.bucket,
            &config.access_key_id,
            &config.secret_access_key,
            true,
            None,
            ClientLimits {
                timeout_ms: config.timeout_ms,
                max_attempts: config.max_attempts,
                max_concurrency: config.max_concurrency,
                body_idle_timeout_ms: config.body_idle_timeout_ms,
            },
        )?;
        Ok(BackblazeResource { remote: RemoteBucket { inner, endpoint, bucket: config.bucket, region: config.region, kind: "backblaze" } })
    }
}

remote_bucket_methods!(BackblazeResource);

/// The redacted description of a resource.
#[napi(object)]
pub struct ResourceSummary {
    pub kind: String,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// Any S3-compatible bucket.
#[napi]
pub struct S3Resource {
    remote: RemoteBucket,
}

#[napi]
impl S3Resource {
    /// Throws a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`) for a number out of its range.
    #[napi(constructor)]
    pub fn new(env: &Env, config: S3Config) -> Result<Self> {
        let custom = config.endpoint.is_some();
        let endpoint = match config.endpoint {
            Some(e) => e,
            None => {
                if !config.region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') || config.region.is_empty() {
                    return Err(invalid_arg("S3Resource: invalid region"));
                }
                format!("https://s3.{}.amazonaws.com", config.region)
            }
        };
        let inner = build_s3(
            env,
            "S3Resource",
            "s3",
            endpoint.clone(),
            &config.region,
            &config.bucket,
            &config.access_key_id,
            &config.secret_access_key,
            config.force_path_style.unwrap_or(custom),
            config.key_prefix.as_deref(),
            ClientLimits {
                timeout_ms: config.timeout_ms,
                max_attempts: config.max_attempts,
                max_concurrency: config.max_concurrency,
                body_idle_timeout_ms: config.body_idle_timeout_ms,
            },
        )?;
        Ok(S3Resource { remote: RemoteBucket { inner, endpoint, bucket: config.bucket, region: config.region, kind: "s3" } })
    }
}

remote_bucket_methods!(S3Resource);

/// Files held in memory.
#[napi(js_name = "RAMResource")]
#[allow(clippy::upper_case_acronyms)]
pub struct RAMResource {
    inner: Arc<RamResource>,
}

/// Options of a RAM mount.
#[napi(object)]
pub struct RamOptions {
    /// Most bytes of file data the mount holds, from 1 to 2^40 (default 1 GiB): a write past
    /// it fails with `No space left on device`.
    pub max_bytes: Option<f64>,
}

#[napi]
impl RAMResource {
    #[napi(constructor)]
    pub fn new(env: &Env, options: Option<RamOptions>) -> Result<Self> {
        let quota = crate::options::int_in(
            "RAMResource: maxBytes",
            options.and_then(|o| o.max_bytes),
            1,
            1 << 40,
            mirage_core::vfs::ram::DEFAULT_RAM_QUOTA,
        )
        .map_err(|e| e.into_js(env))?;
        Ok(RAMResource { inner: Arc::new(RamResource::with_quota(quota)) })
    }

    #[napi(getter)]
    pub fn kind(&self) -> String {
        "ram".into()
    }
}

impl AsCoreResource for RAMResource {
    fn core(&self) -> Arc<dyn Resource> {
        self.inner.clone()
    }
}

/// A local folder.
#[napi]
pub struct DiskResource {
    inner: Arc<CoreDisk>,
    root: String,
}

#[napi]
impl DiskResource {
    #[napi(constructor)]
    pub fn new(config: DiskConfig) -> Result<Self> {
        let inner = CoreDisk::new(&config.root).map_err(|e| invalid_arg(format!("DiskResource: {}: {e}", config.root)))?;
        Ok(DiskResource { inner: Arc::new(inner), root: config.root })
    }

    #[napi(getter)]
    pub fn kind(&self) -> String {
        "disk".into()
    }

    #[napi(getter)]
    pub fn root(&self) -> String {
        self.root.clone()
    }
}

impl AsCoreResource for DiskResource {
    fn core(&self) -> Arc<dyn Resource> {
        self.inner.clone()
    }
}
