//! A small S3 client for Backblaze B2 and S3-compatible stores: SigV4 (aws-sigv4) over
//! reqwest with rustls/ring, hand-parsed XML, B2-safe headers (`Content-MD5`, never
//! `x-amz-checksum-*` nor chunked bodies), retries with full jitter, clock-skew correction,
//! and keys that are refused rather than rewritten.
//!
//! No napi types here: the Node binding sits on top of `mirage-core`.

mod client;
mod config;
mod error;
pub mod io;
mod keys;
mod presign;
mod retry;
mod time;
mod xml;

#[cfg(feature = "testutil")]
#[doc(hidden)]
pub mod testutil;

pub use client::{
    ensure_crypto_provider, BodyStream, GetObjectOutput, ListRequest, ObjectMeta, Range, S3Client,
    BODY_IDLE_TIMEOUT, ERROR_BODY_CAP, LIST_BODY_CAP, MAX_PARTS, MAX_PART_SIZE, MAX_PRESIGN_EXPIRY,
    MAX_READ_RESUMES, MIN_PART_SIZE, PARTS_IN_FLIGHT, SIGNED_PAYLOAD_MAX,
};
pub use config::{
    backblaze_endpoint, is_backblaze_region, S3Config, Secret, DEFAULT_BODY_IDLE_TIMEOUT_MS,
    DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT_MS,
};
pub use error::S3Error;
pub use keys::{check_key, encode_key, encode_query_component, MAX_KEY_LEN};
pub use presign::{
    epoch_ms, normalize_path, presign_request, PresignError, PresignOp, PresignOptions,
    PresignPolicy, PresignedRequest, DEFAULT_PRESIGN_TTL_SEC, MAX_PRESIGN_TTL_SEC,
};
pub use xml::{CompletedPart, ListPage, ObjectInfo};
