//! Resource classes with the option shapes of `@struktoai/mirage-node`.

use std::sync::Arc;

use mirage_core::vfs::disk::DiskResource as CoreDisk;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::s3::S3Resource as CoreS3;
use mirage_core::vfs::Resource;
use mirage_s3::{backblaze_endpoint, S3Client, S3Config as ClientConfig, Secret};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::invalid_arg;

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
    /// Per-request timeout to response headers, in milliseconds (default 30000).
    pub timeout_ms: Option<u32>,
    /// Attempts per request, including the first (default 5).
    pub max_attempts: Option<u32>,
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
    pub timeout_ms: Option<u32>,
    pub max_attempts: Option<u32>,
}

/// Options of `new DiskResource(...)`.
#[napi(object)]
pub struct DiskConfig {
    /// A local folder; symlinks leading outside it are refused.
    pub root: String,
}

/// What every resource class gives the workspace.
pub(crate) trait AsCoreResource {
    fn core(&self) -> Arc<dyn Resource>;
}

fn build_s3(
    kind: &'static str,
    endpoint: String,
    region: &str,
    bucket: &str,
    access_key_id: &str,
    secret: &str,
    force_path_style: bool,
    key_prefix: Option<&str>,
    timeout_ms: Option<u32>,
    max_attempts: Option<u32>,
) -> Result<Arc<CoreS3>> {
    let mut cfg = ClientConfig::new(endpoint, region, bucket, access_key_id, Secret::new(secret));
    cfg.force_path_style = force_path_style;
    cfg.timeout_ms = timeout_ms.map(u64::from);
    if let Some(n) = max_attempts {
        cfg.max_attempts = n;
    }
    let client = S3Client::new(cfg).map_err(|e| invalid_arg(format!("{kind}: {e}")))?;
    let r = CoreS3::new(client, key_prefix, kind).map_err(|e| invalid_arg(format!("{kind}: keyPrefix: {e}")))?;
    Ok(Arc::new(r))
}

/// A Backblaze B2 bucket through B2's S3-compatible API (AWS Signature V4).
#[napi]
pub struct BackblazeResource {
    inner: Arc<CoreS3>,
    endpoint: String,
    bucket: String,
    region: String,
}

#[napi]
impl BackblazeResource {
    #[napi(constructor)]
    pub fn new(config: BackblazeConfig) -> Result<Self> {
        let endpoint = match config.endpoint {
            Some(e) => e,
            None => backblaze_endpoint(&config.region).map_err(|e| invalid_arg(format!("BackblazeResource: {e}")))?,
        };
        let inner = build_s3(
            "backblaze",
            endpoint.clone(),
            &config.region,
            &config.bucket,
            &config.access_key_id,
            &config.secret_access_key,
            true,
            None,
            config.timeout_ms,
            config.max_attempts,
        )?;
        Ok(BackblazeResource { inner, endpoint, bucket: config.bucket, region: config.region })
    }

    /// The endpoint requests go to: `https://s3.<region>.backblazeb2.com` unless overridden.
    #[napi(getter)]
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    #[napi(getter)]
    pub fn kind(&self) -> String {
        "backblaze".into()
    }

    #[napi(getter)]
    pub fn bucket(&self) -> String {
        self.bucket.clone()
    }

    /// The redacted view, for `JSON.stringify`: no key ID, no secret.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> ResourceSummary {
        ResourceSummary {
            kind: "backblaze".into(),
            bucket: Some(self.bucket.clone()),
            region: Some(self.region.clone()),
            endpoint: Some(self.endpoint.clone()),
            access_key_id: Some("<REDACTED>".into()),
            secret_access_key: Some("<REDACTED>".into()),
        }
    }
}

impl AsCoreResource for BackblazeResource {
    fn core(&self) -> Arc<dyn Resource> {
        self.inner.clone()
    }
}

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
    inner: Arc<CoreS3>,
    endpoint: String,
    bucket: String,
    region: String,
}

#[napi]
impl S3Resource {
    #[napi(constructor)]
    pub fn new(config: S3Config) -> Result<Self> {
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
            "s3",
            endpoint.clone(),
            &config.region,
            &config.bucket,
            &config.access_key_id,
            &config.secret_access_key,
            config.force_path_style.unwrap_or(custom),
            config.key_prefix.as_deref(),
            config.timeout_ms,
            config.max_attempts,
        )?;
        Ok(S3Resource { inner, endpoint, bucket: config.bucket, region: config.region })
    }

    #[napi(getter)]
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    #[napi(getter)]
    pub fn kind(&self) -> String {
        "s3".into()
    }

    #[napi(getter)]
    pub fn bucket(&self) -> String {
        self.bucket.clone()
    }

    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> ResourceSummary {
        ResourceSummary {
            kind: "s3".into(),
            bucket: Some(self.bucket.clone()),
            region: Some(self.region.clone()),
            endpoint: Some(self.endpoint.clone()),
            access_key_id: Some("<REDACTED>".into()),
            secret_access_key: Some("<REDACTED>".into()),
        }
    }
}

impl AsCoreResource for S3Resource {
    fn core(&self) -> Arc<dyn Resource> {
        self.inner.clone()
    }
}

/// Files held in memory.
#[napi(js_name = "RAMResource")]
#[allow(clippy::upper_case_acronyms)]
pub struct RAMResource {
    inner: Arc<RamResource>,
}

#[napi]
impl RAMResource {
    #[napi(constructor)]
    pub fn new() -> Self {
        RAMResource { inner: Arc::new(RamResource::new()) }
    }

    #[napi(getter)]
    pub fn kind(&self) -> String {
        "ram".into()
    }
}

impl Default for RAMResource {
    fn default() -> Self {
        Self::new()
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
