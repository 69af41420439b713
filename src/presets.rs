//! Presets for S3-compatible stores, with the reference's class names and option shapes:
//! each is an `S3Resource` whose endpoint is derived from its options.

use std::sync::Arc;

use mirage_core::vfs::presets::{resolve, PresetInput};
use mirage_core::vfs::s3::S3Resource as CoreS3;
use mirage_core::vfs::Resource;
use mirage_s3::{S3Client, S3Config as ClientConfig, Secret};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::invalid_arg;
use crate::resources::{remote_bucket_methods, AsCoreResource, ClientLimits, RemoteBucket};

#[allow(clippy::too_many_arguments)]
fn build(
    env: &Env,
    class: &str,
    kind: &'static str,
    bucket: &str,
    access_key_id: &str,
    secret: &str,
    input: PresetInput,
    limits: ClientLimits,
) -> Result<RemoteBucket> {
    // Numbers first: a bad value is reported before the endpoint is worked out.
    let mut cfg = ClientConfig::new(String::new(), String::new(), bucket, access_key_id, Secret::new(secret));
    limits.apply(&mut cfg).map_err(|e| e.context(&format!("{class}: ")).into_js(env))?;
    let p = resolve(kind, &input).map_err(|e| invalid_arg(format!("{class}: {e}")))?;
    cfg.endpoint = p.endpoint.clone();
    cfg.region = p.region.clone();
    cfg.force_path_style = p.force_path_style;
    let client = S3Client::new(cfg).map_err(|e| invalid_arg(format!("{class}: {e}")))?;
    let inner = CoreS3::new(client, None, kind).map_err(|e| invalid_arg(format!("{class}: {e}")))?;
    Ok(RemoteBucket { inner: Arc::new(inner), endpoint: p.endpoint, region: p.region, bucket: bucket.to_string(), kind })
}

/// One preset class: its config interface, its class, and its glue.
macro_rules! preset {
    (
        $(#[doc = $doc:literal])* $class:ident, $js:literal, $config:ident, $js_config:literal, $kind:literal,
        required { $($req:ident : $rty:ident),* $(,)? },
        optional { $($opt:ident : $oty:ident),* $(,)? },
        |$c:ident| $input:expr
    ) => {
        $(#[doc = $doc])*
        #[napi(object, js_name = $js_config)]
        pub struct $config {
            pub bucket: String,
            pub access_key_id: String,
            pub secret_access_key: String,
            $(pub $req: $rty,)*
            $(pub $opt: Option<$oty>,)*
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

        $(#[doc = $doc])*
        #[napi(js_name = $js)]
        pub struct $class {
            remote: RemoteBucket,
        }

        #[napi]
        impl $class {
            /// Throws a `RangeError` (`code: 'ERR_OUT_OF_RANGE'`) for a number out of its range.
            #[napi(constructor)]
            pub fn new(env: &Env, config: $config) -> Result<Self> {
                let $c = &config;
                let input: PresetInput = $input;
                let limits = ClientLimits {
                    timeout_ms: config.timeout_ms,
                    max_attempts: config.max_attempts,
                    max_concurrency: config.max_concurrency,
                    body_idle_timeout_ms: config.body_idle_timeout_ms,
                };
                let remote = build(env, $js, $kind, &config.bucket, &config.access_key_id, &config.secret_access_key, input, limits)?;
                Ok($class { remote })
            }
        }

        remote_bucket_methods!($class);
    };
}

preset!(
    #[doc = " Cloudflare R2: `https://<accountId>.r2.cloudflarestorage.com`, region `auto`."]
    R2Resource, "R2Resource", R2Config, "R2Config", "r2",
    required {  },
    optional { account_id: String, endpoint: String, region: String },
    |c| PresetInput { account_id: c.account_id.clone(), endpoint: c.endpoint.clone(), region: c.region.clone(), ..Default::default() }
);
preset!(
    #[doc = " Wasabi: `https://s3.<region>.wasabisys.com` (`https://s3.wasabisys.com` without a region)."]
    WasabiResource, "WasabiResource", WasabiConfig, "WasabiConfig", "wasabi",
    required {  },
    optional { region: String, endpoint: String },
    |c| PresetInput { region: c.region.clone(), endpoint: c.endpoint.clone(), ..Default::default() }
);
preset!(
    #[doc = " MinIO: the endpoint is required; path-style by default."]
    MinIOResource, "MinIOResource", MinIOConfig, "MinIOConfig", "minio",
    required { endpoint: String },
    optional { region: String, force_path_style: bool },
    |c| PresetInput { endpoint: Some(c.endpoint.clone()), region: c.region.clone(), force_path_style: c.force_path_style, ..Default::default() }
);
preset!(
    #[doc = " SeaweedFS: the endpoint is required; path-style by default."]
    SeaweedFSResource, "SeaweedFSResource", SeaweedFSConfig, "SeaweedFSConfig", "seaweedfs",
    required { endpoint: String },
    optional { region: String, force_path_style: bool },
    |c| PresetInput { endpoint: Some(c.endpoint.clone()), region: c.region.clone(), force_path_style: c.force_path_style, ..Default::default() }
);
preset!(
    #[doc = " Ceph RGW: the endpoint is required; path-style by default."]
    CephResource, "CephResource", CephConfig, "CephConfig", "ceph",
    required { endpoint: String },
    optional { region: String, force_path_style: bool },
    |c| PresetInput { endpoint: Some(c.endpoint.clone()), region: c.region.clone(), force_path_style: c.force_path_style, ..Default::default() }
);
preset!(
    #[doc = " DigitalOcean Spaces: `https://<region>.digitaloceanspaces.com`."]
    DigitalOceanResource, "DigitalOceanResource", DigitalOceanConfig, "DigitalOceanConfig", "digitalocean",
    required { region: String },
    optional { endpoint: String },
    |c| PresetInput { region: Some(c.region.clone()), endpoint: c.endpoint.clone(), ..Default::default() }
);
preset!(
    #[doc = " Google Cloud Storage through its S3 interface (HMAC keys): `https://storage.googleapis.com`."]
    GCSResource, "GCSResource", GCSConfig, "GCSConfig", "gcs",
    required {  },
    optional { endpoint: String, region: String, force_path_style: bool },
    |c| PresetInput { endpoint: c.endpoint.clone(), region: c.region.clone(), force_path_style: c.force_path_style, ..Default::default() }
);
preset!(
    #[doc = " Oracle Cloud Object Storage: `https://<namespace>.compat.objectstorage.<region>.oci.customer-oci.com`."]
    OCIResource, "OCIResource", OCIConfig, "OCIConfig", "oci",
    required { namespace: String, region: String },
    optional { endpoint: String },
    |c| PresetInput { namespace: Some(c.namespace.clone()), region: Some(c.region.clone()), endpoint: c.endpoint.clone(), ..Default::default() }
);
preset!(
    #[doc = " Tencent COS: `https://cos.<region>.myqcloud.com`."]
    TencentResource, "TencentResource", TencentConfig, "TencentConfig", "tencent",
    required { region: String },
    optional { endpoint: String },
    |c| PresetInput { region: Some(c.region.clone()), endpoint: c.endpoint.clone(), ..Default::default() }
);
preset!(
    #[doc = " Alibaba Cloud OSS: `https://s3.oss-<region>.aliyuncs.com`."]
    AliyunResource, "AliyunResource", AliyunConfig, "AliyunConfig", "aliyun",
    required { region: String },
    optional { endpoint: String },
    |c| PresetInput { region: Some(c.region.clone()), endpoint: c.endpoint.clone(), ..Default::default() }
);
preset!(
    #[doc = " Scaleway Object Storage: `https://s3.<region>.scw.cloud`."]
    ScalewayResource, "ScalewayResource", ScalewayConfig, "ScalewayConfig", "scaleway",
    required { region: String },
    optional { endpoint: String },
    |c| PresetInput { region: Some(c.region.clone()), endpoint: c.endpoint.clone(), ..Default::default() }
);
preset!(
    #[doc = " QingStor: `https://s3.<region>.qingstor.com`."]
    QingStorResource, "QingStorResource", QingStorConfig, "QingStorConfig", "qingstor",
    required { region: String },
    optional { endpoint: String },
    |c| PresetInput { region: Some(c.region.clone()), endpoint: c.endpoint.clone(), ..Default::default() }
);

/// The core resource behind any resource class, or an error naming what was passed.
pub(crate) fn resource_from_js(env: &Env, value: Unknown) -> Result<Arc<dyn Resource>> {
    use crate::resources::{BackblazeResource, DiskResource, RAMResource, S3Resource};
    macro_rules! try_classes {
        ($($t:ty),*) => {
            $(
                if let Ok(ci) = unsafe { ClassInstance::<$t>::from_napi_value(env.raw(), value.raw()) } {
                    return Ok(ci.core());
                }
            )*
        };
    }
    try_classes!(
        BackblazeResource,
        S3Resource,
        RAMResource,
        DiskResource,
        R2Resource,
        WasabiResource,
        MinIOResource,
        SeaweedFSResource,
        CephResource,
        DigitalOceanResource,
        GCSResource,
        OCIResource,
        TencentResource,
        AliyunResource,
        ScalewayResource,
        QingStorResource
    );
    Err(invalid_arg("expected a resource (BackblazeResource, S3Resource, RAMResource, DiskResource, R2Resource, ...)"))
}

/// The TypeScript union of every resource class.
pub const RESOURCE_TS: &str = "BackblazeResource | S3Resource | RAMResource | DiskResource | R2Resource | WasabiResource | MinIOResource | SeaweedFSResource | CephResource | DigitalOceanResource | GCSResource | OCIResource | TencentResource | AliyunResource | ScalewayResource | QingStorResource";
