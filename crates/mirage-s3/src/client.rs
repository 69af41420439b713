//! The S3 client: request building, SigV4 signing, retries and the operations.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, DATE};
use http::Method;
use md5::{Digest, Md5};

use crate::config::{parse_endpoint, valid_region, validate_bucket, Endpoint, S3Config};
use crate::config::{DEFAULT_BODY_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS};
use crate::error::{transport_error, S3Error};
use crate::keys::{check_key, encode_key, encode_query};
use crate::retry;
use crate::time::parse_http_date;
use crate::xml::{self, CompletedPart, ListPage};

/// Error bodies are read up to this many bytes.
pub const ERROR_BODY_CAP: usize = 64 * 1024;
/// ListObjectsV2 bodies are read up to this many bytes.
pub const LIST_BODY_CAP: usize = 16 * 1024 * 1024;
/// Other small XML results (copy, multipart) are read up to this many bytes.
const RESULT_BODY_CAP: usize = 1024 * 1024;
/// Bodies up to this size are hashed into the signature; larger ones are sent with
/// `UNSIGNED-PAYLOAD` (and always with `Content-MD5`).
pub const SIGNED_PAYLOAD_MAX: usize = 8 * 1024 * 1024;
/// Smallest part S3 accepts (all but the last).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
pub const MAX_PART_SIZE: usize = 5 * 1024 * 1024 * 1024;
pub const MAX_PARTS: u32 = 10_000;
/// Parts uploaded concurrently by `put_object_stream` (plus one being filled).
pub const PARTS_IN_FLIGHT: usize = 3;
/// Time to headers for CompleteMultipartUpload, which can take minutes.
const COMPLETE_TIMEOUT: Duration = Duration::from_secs(300);
/// A body read that sees no byte for this long fails (then callers may retry/resume).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_millis(DEFAULT_BODY_IDLE_TIMEOUT_MS);
/// A streamed GET whose body is cut (reset, closed early, idle past the body timeout) is
/// re-opened with a ranged GET from the next byte, checked against the ETag, at most this
/// many times per read.
pub const MAX_READ_RESUMES: u32 = 10;
/// A `Date` this far from our clock on a 403 is taken as clock skew.
const SKEW_THRESHOLD_MS: i64 = 240_000;
/// A server `Date` further than this from our clock is not believed (a hostile or broken
/// server must not move every later signature, presigned URLs included, to its clock).
pub const MAX_SKEW_MS: i64 = 86_400_000;
/// Longest presigned URL lifetime SigV4 allows.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(604_800);

/// Object bytes as they arrive.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, S3Error>> + Send + 'static>>;

/// Parameters of one ListObjectsV2 call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub continuation_token: Option<String>,
    pub max_keys: Option<u32>,
    pub start_after: Option<String>,
}

/// What HEAD (or a GET) says about an object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Total object size in bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: Option<String>,
    pub last_modified: Option<SystemTime>,
    pub content_type: Option<String>,
}

/// A byte range, as in an HTTP `Range` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// `bytes=start-end`, both inclusive.
    Span { start: u64, end_inclusive: u64 },
    /// `bytes=start-`.
    From(u64),
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

impl Range {
    fn header(&self) -> String {
        match *self {
            Range::Span {
                start,
                end_inclusive,
            } => format!("bytes={start}-{end_inclusive}"),
            Range::From(start) => format!("bytes={start}-"),
            Range::Suffix(n) => format!("bytes=-{n}"),
        }
    }
    /// `[start, end)` within an object of `total` bytes.
    fn bounds(&self, total: u64) -> (u64, u64) {
        match *self {
            Range::Span {
                start,
                end_inclusive,
            } => (
                start.min(total),
                end_inclusive
                    .saturating_add(1)
                    .min(total)
                    .max(start.min(total)),
            ),
            Range::From(start) => (start.min(total), total),
            Range::Suffix(n) => (total.saturating_sub(n), total),
        }
    }
}

/// An opened object.
pub struct GetObjectOutput {
    /// `meta.size` is the TOTAL object size (from `Content-Range` when ranged).
    pub meta: ObjectMeta,
    /// Bytes in `body`.
    pub content_length: u64,
    pub body: BodyStream,
}

impl fmt::Debug for GetObjectOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetObjectOutput")
            .field("meta", &self.meta)
            .field("content_length", &self.content_length)
            .finish()
    }
}

/// An S3 client for one bucket. Cheap to clone: clones share the connection pool and the
/// learnt clock offset.
#[derive(Clone)]
pub struct S3Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Endpoint,
    endpoint_str: String,
    region: String,
    bucket: String,
    identity: Identity,
    path_style: bool,
    timeout: Duration,
    max_attempts: u32,
    /// Requests in flight at once (all clones of this client).
    limit: tokio::sync::Semaphore,
    /// Server clock minus ours, in ms.
    skew_ms: AtomicI64,
}

impl fmt::Debug for S3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Client")
            .field("endpoint", &self.inner.endpoint_str)
            .field("region", &self.inner.region)
            .field("bucket", &self.inner.bucket)
            .field("force_path_style", &self.inner.path_style)
            .field("credentials", &"<REDACTED>")
            .finish()
    }
}

/// Install ring as the process-wide rustls provider, once (reqwest is built without one).
pub fn ensure_crypto_provider() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Err means another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn tls_config() -> Result<rustls::ClientConfig, S3Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| S3Error::Config("TLS setup failed".into()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // HTTP/1.1 like the AWS SDKs use for S3 (one request per connection, pooled).
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

fn content_md5_name() -> HeaderName {
    HeaderName::from_static("content-md5")
}

fn content_md5(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// A request, replayable for retries.
struct Req<'a> {
    method: Method,
    /// `None`: the bucket itself.
    key: Option<&'a str>,
    query: Vec<(String, String)>,
    headers: Vec<(HeaderName, String)>,
    body: Bytes,
    timeout: Option<Duration>,
    /// Overrides the client's `max_attempts`.
    max_attempts: Option<u32>,
}

impl<'a> Req<'a> {
    fn new(method: Method, key: Option<&'a str>) -> Self {
        Req {
            method,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
            timeout: None,
            max_attempts: None,
        }
    }
    fn query(mut self, k: &str, v: impl Into<String>) -> Self {
        self.query.push((k.to_string(), v.into()));
        self
    }
    fn header(mut self, k: HeaderName, v: impl Into<String>) -> Self {
        self.headers.push((k, v.into()));
        self
    }
    fn body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }
}

fn header_str(h: &HeaderMap, name: impl http::header::AsHeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn meta_from_headers(h: &HeaderMap) -> ObjectMeta {
    ObjectMeta {
        size: header_str(h, CONTENT_LENGTH)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
        etag: header_str(h, http::header::ETAG)
            .map(xml::unquote_etag)
            .filter(|e| !e.is_empty()),
        last_modified: header_str(h, http::header::LAST_MODIFIED).and_then(parse_http_date),
        content_type: header_str(h, http::header::CONTENT_TYPE).map(str::to_string),
    }
}

/// `bytes a-b/total` → `(a, b, Some(total))`; `bytes */total` → `None`.
fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.trim().parse().ok()?)
    };
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?, total))
}

/// Read a whole (small) body, failing once it exceeds `cap`.
async fn read_capped(resp: reqwest::Response, cap: usize) -> Result<Bytes, S3Error> {
    if let Some(len) = resp.content_length() {
        if len > cap as u64 {
            return Err(S3Error::InvalidResponse(format!(
                "response body over {cap} bytes"
            )));
        }
    }
    let mut buf = BytesMut::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| transport_error(&e))?;
        if buf.len() + chunk.len() > cap {
            return Err(S3Error::InvalidResponse(format!(
                "response body over {cap} bytes"
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// An error named by a code alone (DeleteObjects entries, 200 + `<Error>` bodies).
fn error_from_code(code: String) -> S3Error {
    match code.as_str() {
        "NoSuchKey" | "NoSuchUpload" => S3Error::from_status(404, Some(code)),
        "NoSuchBucket" => S3Error::NoSuchBucket,
        "AccessDenied" | "SignatureDoesNotMatch" | "InvalidAccessKeyId" => {
            S3Error::from_status(403, Some(code))
        }
        _ => S3Error::from_status(500, Some(code)).with_status_if_service(200),
    }
}

impl S3Error {
    fn with_status_if_service(self, status: u16) -> S3Error {
        match self {
            S3Error::Service { code, .. } => S3Error::Service { status, code },
            e => e,
        }
    }
}

/// Fail the body of a 2xx answer that is in fact an `<Error>` document.
fn check_not_error(body: &[u8]) -> Result<(), S3Error> {
    if xml::root_name(body).as_deref() == Some("Error") {
        let code = xml::error_code(body).unwrap_or_else(|| "InternalError".into());
        return Err(error_from_code(code));
    }
    Ok(())
}

impl S3Client {
    pub fn new(cfg: S3Config) -> Result<S3Client, S3Error> {
        let endpoint = parse_endpoint(&cfg.endpoint)?;
        if !valid_region(&cfg.region) {
            return Err(S3Error::Config("invalid region".into()));
        }
        if !cfg.force_path_style && endpoint.is_ip {
            return Err(S3Error::Config(
                "virtual-host style needs a DNS endpoint; set force_path_style".into(),
            ));
        }
        validate_bucket(&cfg.bucket, !cfg.force_path_style)?;
        if cfg.access_key_id.is_empty() || cfg.secret_access_key.is_empty() {
            return Err(S3Error::Config("missing access key id or secret".into()));
        }
        ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(4))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_millis(
                cfg.body_idle_timeout_ms
                    .unwrap_or(DEFAULT_BODY_IDLE_TIMEOUT_MS)
                    .max(1),
            ))
            .user_agent(concat!("mirage-native/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| S3Error::Config("could not build the HTTP client".into()))?;
        let identity: Identity = Credentials::new(
            cfg.access_key_id,
            cfg.secret_access_key.expose().to_string(),
            None,
            None,
            "mirage",
        )
        .into();
        let endpoint_str = format!("{}://{}", endpoint.scheme, endpoint.authority(None));
        Ok(S3Client {
            inner: Arc::new(Inner {
                http,
                endpoint_str,
                endpoint,
                region: cfg.region,
                bucket: cfg.bucket,
                identity,
                path_style: cfg.force_path_style,
                timeout: Duration::from_millis(cfg.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1)),
                max_attempts: if cfg.max_attempts == 0 {
                    1
                } else {
                    cfg.max_attempts
                },
                limit: tokio::sync::Semaphore::new(
                    cfg.max_concurrency
                        .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
                ),
                skew_ms: AtomicI64::new(0),
            }),
        })
    }

    /// `scheme://host[:port]`, as validated.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint_str
    }

    pub fn bucket(&self) -> &str {
        &self.inner.bucket
    }

    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The learnt offset of the server's clock from ours, in ms.
    pub fn clock_skew_ms(&self) -> i64 {
        self.inner.skew_ms.load(Ordering::Relaxed)
    }

    fn now(&self) -> SystemTime {
        let skew = self.clock_skew_ms();
        let now = SystemTime::now();
        if skew >= 0 {
            now + Duration::from_millis(skew as u64)
        } else {
            now - Duration::from_millis(skew.unsigned_abs())
        }
    }

    /// The URL of a key (or of the bucket), with an already-encoded query.
    fn url(&self, key: Option<&str>, query: &str) -> String {
        let i = &self.inner;
        let enc = key.map(encode_key);
        let mut s = if i.path_style {
            let mut s = format!(
                "{}://{}/{}",
                i.endpoint.scheme,
                i.endpoint.authority(None),
                i.bucket
            );
            if let Some(k) = enc {
                s.push('/');
                s.push_str(&k);
            }
            s
        } else {
            format!(
                "{}://{}/{}",
                i.endpoint.scheme,
                i.endpoint.authority(Some(&i.bucket)),
                enc.unwrap_or_default()
            )
        };
        if !query.is_empty() {
            s.push('?');
            s.push_str(query);
        }
        s
    }

    fn settings(presign: Option<Duration>) -> SigningSettings {
        let mut s = SigningSettings::default();
        s.percent_encoding_mode = PercentEncodingMode::Single;
        s.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        match presign {
            None => s.payload_checksum_kind = PayloadChecksumKind::XAmzSha256,
            Some(exp) => {
                s.payload_checksum_kind = PayloadChecksumKind::NoHeader;
                s.signature_location = SignatureLocation::QueryParams;
                s.expires_in = Some(exp);
            }
        }
        s
    }

    /// Build, sign and send one attempt; a response of any status, or a transport error.
    async fn send_once(&self, req: &Req<'_>, url: &str) -> Result<reqwest::Response, S3Error> {
        let mut builder = http::Request::builder().method(req.method.clone()).uri(url);
        for (n, v) in &req.headers {
            let v = HeaderValue::from_str(v)
                .map_err(|_| S3Error::Config(format!("invalid value for header {n}")))?;
            builder = builder.header(n, v);
        }
        let mut hreq = builder
            .body(req.body.clone())
            .map_err(|_| S3Error::InvalidKey("not representable in a URL".into()))?;

        let pairs: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let body = if req.body.len() <= SIGNED_PAYLOAD_MAX {
            SignableBody::Bytes(&req.body)
        } else {
            SignableBody::UnsignedPayload
        };
        let signing_error = |_| S3Error::Config("request signing failed".into());
        let signable = SignableRequest::new(req.method.as_str(), url, pairs.into_iter(), body)
            .map_err(signing_error)?;
        let params = v4::SigningParams::builder()
            .identity(&self.inner.identity)
            .region(&self.inner.region)
            .name("s3")
            .time(self.now())
            .settings(Self::settings(None))
            .build()
            .map_err(|_| S3Error::Config("request signing failed".into()))?
            .into();
        let (instructions, _sig) = sign(signable, &params).map_err(signing_error)?.into_parts();
        instructions.apply_to_request_http1x(&mut hreq);
        if let Some(v) = hreq.headers_mut().get_mut(AUTHORIZATION) {
            v.set_sensitive(true);
        }
        if req.method == Method::PUT || req.method == Method::POST {
            // Always an explicit length: never `Transfer-Encoding: chunked`.
            hreq.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(req.body.len() as u64));
        }
        let rreq: reqwest::Request = hreq
            .try_into()
            .map_err(|_| S3Error::InvalidKey("not representable in a URL".into()))?;
        let timeout = req.timeout.unwrap_or(self.inner.timeout);
        match tokio::time::timeout(timeout, crate::io::run(self.inner.http.execute(rreq))).await {
            Err(_) => Err(S3Error::Timeout),
            Ok(Err(e)) => Err(transport_error(&e)),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    /// Send with retries; `handle` turns a 2xx response into the result (its retryable
    /// errors, such as a body cut short or a 200 carrying `<Error>`, are retried too).
    async fn execute<T, F, Fut>(&self, req: Req<'_>, handle: F) -> Result<T, S3Error>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        if let Some(k) = req.key {
            check_key(k)?;
        }
        let url = self.url(req.key, &encode_query(&req.query));
        let mut attempt = 0u32;
        let mut skew_corrected = false;
        loop {
            attempt += 1;
            // One slot per attempt, from sending until the handler is done (headers and any
            // small body); never held across the backoff sleep. The semaphore is never closed.
            let permit = self.inner.limit.acquire().await.ok();
            let (err, retry_after) = match self.send_once(&req, &url).await {
                Ok(resp) if resp.status().is_success() => match handle(resp).await {
                    Ok(v) => return Ok(v),
                    Err(e) => (e, None),
                },
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let server_date = header_str(resp.headers(), DATE).and_then(parse_http_date);
                    let retry_after = retry::parse_retry_after(resp.headers());
                    let body = if req.method == Method::HEAD {
                        Bytes::new()
                    } else {
                        read_capped(resp, ERROR_BODY_CAP).await.unwrap_or_default()
                    };
                    let code = xml::error_code(&body);
                    if !skew_corrected
                        && (status == 403 || code.as_deref() == Some("RequestTimeTooSkewed"))
                    {
                        let server = server_date.or_else(|| xml::error_server_time(&body));
                        if let Some(server) = server {
                            let offset = skew_between(server, SystemTime::now());
                            let current = self.clock_skew_ms();
                            if offset.abs() <= MAX_SKEW_MS
                                && (code.as_deref() == Some("RequestTimeTooSkewed"))
                                || (offset.abs() <= MAX_SKEW_MS
                                    && (offset - current).abs() >= SKEW_THRESHOLD_MS)
                            {
                                self.inner.skew_ms.store(offset, Ordering::Relaxed);
                                skew_corrected = true;
                                attempt -= 1;
                                continue;
                            }
                        }
                    }
                    (S3Error::from_status(status, code), retry_after)
                }
                Err(e) => (e, None),
            };
            drop(permit);
            if err.is_retryable() && attempt < req.max_attempts.unwrap_or(self.inner.max_attempts) {
                tokio::time::sleep(retry::delay(attempt, &err, retry_after)).await;
                continue;
            }
            return Err(err);
        }
    }

    /// Send with retries and read the (small) 2xx body.
    async fn execute_read(&self, req: Req<'_>, cap: usize) -> Result<(HeaderMap, Bytes), S3Error> {
        self.execute(req, |resp| async move {
            let headers = resp.headers().clone();
            let body = read_capped(resp, cap).await?;
            Ok((headers, body))
        })
        .await
    }

    /// One page of ListObjectsV2.
    pub async fn list_objects_v2(&self, req: ListRequest) -> Result<ListPage, S3Error> {
        let mut r = Req::new(Method::GET, None).query("list-type", "2");
        if !req.prefix.is_empty() {
            r = r.query("prefix", req.prefix);
        }
        if let Some(d) = req.delimiter {
            r = r.query("delimiter", d);
        }
        if let Some(t) = req.continuation_token {
            r = r.query("continuation-token", t);
        }
        if let Some(m) = req.max_keys {
            r = r.query("max-keys", m.to_string());
        }
        if let Some(s) = req.start_after {
            r = r.query("start-after", s);
        }
        let (_, body) = self.execute_read(r, LIST_BODY_CAP).await?;
        xml::parse_list_page(&body)
    }

    /// HEAD an object. A 403 to HEAD has no body, hence no code: one 1-byte GET then asks
    /// for the code (`SignatureDoesNotMatch`, `InvalidAccessKeyId`...).
    pub async fn head_object(&self, key: &str) -> Result<ObjectMeta, S3Error> {
        let res = self
            .execute(Req::new(Method::HEAD, Some(key)), |resp| async move {
                Ok(meta_from_headers(resp.headers()))
            })
            .await;
        match res {
            Err(denied @ S3Error::AccessDenied { .. }) => {
                let mut probe =
                    Req::new(Method::GET, Some(key)).header(http::header::RANGE, "bytes=0-0");
                probe.max_attempts = Some(1);
                match self.execute(probe, |_resp| async move { Ok(()) }).await {
                    Err(e @ S3Error::AccessDenied { .. }) => Err(e),
                    _ => Err(denied),
                }
            }
            other => other,
        }
    }

    /// HEAD once, without retries, for a probe whose failure has a cheaper next step than
    /// retrying: `stat` of a directory on servers that answer 5xx for a folder key (s3s-fs).
    pub async fn head_object_once(&self, key: &str) -> Result<ObjectMeta, S3Error> {
        let mut r = Req::new(Method::HEAD, Some(key));
        r.max_attempts = Some(1);
        self.execute(r, |resp| async move { Ok(meta_from_headers(resp.headers())) }).await
    }

    /// Open an object, or a range of it. An unsatisfiable range (a 416, as on any range of
    /// a zero-byte object) gives an empty body, with the object's real size in `meta`.
    pub async fn get_object(
        &self,
        key: &str,
        range: Option<Range>,
    ) -> Result<GetObjectOutput, S3Error> {
        if let Some(Range::Suffix(0)) = range {
            let meta = self.head_object(key).await?;
            return Ok(GetObjectOutput {
                meta,
                content_length: 0,
                body: Box::pin(futures::stream::empty()),
            });
        }
        let mut r = Req::new(Method::GET, Some(key));
        if let Some(rg) = range {
            r = r.header(http::header::RANGE, rg.header());
        }
        if let Some(Range::Suffix(_)) = range {
            // Some servers (s3s-fs) fail a suffix longer than the object with a 500: one
            // try, then the fallback below.
            r.max_attempts = Some(1);
        }
        let (client, key_owned) = (self.clone(), key.to_string());
        let res = self
            .execute(r, |resp| {
                let (client, key) = (client.clone(), key_owned.clone());
                async move {
                    let status = resp.status().as_u16();
                    let mut meta = meta_from_headers(resp.headers());
                    let content_length = resp.content_length().unwrap_or(meta.size);
                    let content_range = header_str(resp.headers(), http::header::CONTENT_RANGE)
                        .and_then(parse_content_range);
                    let mut skip_take = None;
                    // Absolute offset of the body's first byte in the object.
                    let mut first = 0u64;
                    match (status, range, content_range) {
                        (206, _, Some((a, _, Some(total)))) => {
                            meta.size = total;
                            first = a;
                        }
                        (206, _, _) => {
                            return Err(S3Error::InvalidResponse(
                                "206 without a usable Content-Range".into(),
                            ));
                        }
                        (_, Some(rg), _) => {
                            // The server ignored the range: cut it out of the whole object here.
                            meta.size = content_length;
                            skip_take = Some(rg.bounds(content_length));
                        }
                        _ => meta.size = content_length,
                    }
                    let raw = resp
                        .bytes_stream()
                        .map(|r| r.map_err(|e| transport_error(&e)));
                    let (body, len): (BodyStream, u64) = match skip_take {
                        None => (Box::pin(exact_length(raw, content_length)), content_length),
                        Some((start, end)) => {
                            first = start;
                            (
                                Box::pin(slice_stream(
                                    exact_length(raw, content_length),
                                    start,
                                    end,
                                )),
                                end - start,
                            )
                        }
                    };
                    let body = resumable(Resume {
                        client,
                        key,
                        etag: meta.etag.clone(),
                        next: first,
                        end: first + len,
                        resumes: 0,
                        body,
                        done: false,
                    });
                    Ok(GetObjectOutput {
                        meta,
                        content_length: len,
                        body,
                    })
                }
            })
            .await;
        match (res, range) {
            (Err(S3Error::Service { status: 416, .. }), _) => {
                let meta = self.head_object(key).await?;
                Ok(GetObjectOutput {
                    meta,
                    content_length: 0,
                    body: Box::pin(futures::stream::empty()),
                })
            }
            (Err(e), Some(Range::Suffix(n))) if e.is_retryable() => {
                // Resolve the suffix against the size, then ask for an explicit range.
                let meta = self.head_object(key).await?;
                if meta.size == 0 {
                    return Ok(GetObjectOutput {
                        meta,
                        content_length: 0,
                        body: Box::pin(futures::stream::empty()),
                    });
                }
                Box::pin(self.get_object(key, Some(Range::From(meta.size.saturating_sub(n))))).await
            }
            (other, _) => other,
        }
    }

    /// Re-open bytes `[start, end)` of an object whose body was cut, with `If-Match` on the
    /// ETag seen first. A 412, or a response carrying another ETag (servers that ignore
    /// `If-Match`), is `ObjectChanged`: the caller must not splice the two versions.
    async fn reopen(
        &self,
        key: &str,
        etag: &str,
        start: u64,
        end: u64,
    ) -> Result<BodyStream, S3Error> {
        let r = Req::new(Method::GET, Some(key))
            .header(
                http::header::RANGE,
                Range::Span {
                    start,
                    end_inclusive: end - 1,
                }
                .header(),
            )
            .header(http::header::IF_MATCH, format!("\"{etag}\""));
        let res = self
            .execute(r, |resp| async move {
                let status = resp.status().as_u16();
                let meta = meta_from_headers(resp.headers());
                match meta.etag.as_deref() {
                    Some(got) if got == etag => {}
                    Some(_) => return Err(S3Error::ObjectChanged),
                    None => {
                        return Err(S3Error::InvalidResponse(
                            "resumed read without an ETag".into(),
                        ))
                    }
                }
                let content_length = resp.content_length().unwrap_or(meta.size);
                let content_range = header_str(resp.headers(), http::header::CONTENT_RANGE)
                    .and_then(parse_content_range);
                let raw = resp
                    .bytes_stream()
                    .map(|r| r.map_err(|e| transport_error(&e)));
                match (status, content_range) {
                    (206, Some((a, b, _))) if a == start && b + 1 == end => {
                        Ok(Box::pin(exact_length(raw, content_length)) as BodyStream)
                    }
                    (200, _) if content_length >= end => Ok(Box::pin(slice_stream(
                        exact_length(raw, content_length),
                        start,
                        end,
                    )) as BodyStream),
                    _ => Err(S3Error::InvalidResponse(
                        "resumed read answered another range".into(),
                    )),
                }
            })
            .await;
        match res {
            Err(S3Error::Service { status: 412, .. }) => Err(S3Error::ObjectChanged),
            other => other,
        }
    }

    /// PUT a whole object (with `Content-MD5`). Returns the ETag (without quotes).
    pub async fn put_object(
        &self,
        key: &str,
        body: Bytes,
        content_type: Option<&str>,
    ) -> Result<String, S3Error> {
        let mut r = Req::new(Method::PUT, Some(key)).header(content_md5_name(), content_md5(&body));
        if let Some(ct) = content_type {
            r = r.header(http::header::CONTENT_TYPE, ct);
        }
        let r = r.body(body);
        self.execute(r, |resp| async move {
            Ok(header_str(resp.headers(), http::header::ETAG)
                .map(xml::unquote_etag)
                .unwrap_or_default())
        })
        .await
    }

    /// Server-side copy within the bucket.
    pub async fn copy_object(&self, src_key: &str, dst_key: &str) -> Result<(), S3Error> {
        check_key(src_key)?;
        let source = format!("/{}/{}", self.inner.bucket, encode_key(src_key));
        let r = Req::new(Method::PUT, Some(dst_key))
            .header(HeaderName::from_static("x-amz-copy-source"), source);
        self.execute_read_checked(r, RESULT_BODY_CAP, None)
            .await
            .map(|_| ())
    }

    /// Like `execute_read`, but a 2xx whose body is an `<Error>` fails (and may be retried).
    async fn execute_read_checked(
        &self,
        mut req: Req<'_>,
        cap: usize,
        timeout: Option<Duration>,
    ) -> Result<(HeaderMap, Bytes), S3Error> {
        req.timeout = timeout;
        self.execute(req, |resp| async move {
            let headers = resp.headers().clone();
            let body = read_capped(resp, cap).await?;
            check_not_error(&body)?;
            Ok((headers, body))
        })
        .await
    }

    pub async fn delete_object(&self, key: &str) -> Result<(), S3Error> {
        self.execute(Req::new(Method::DELETE, Some(key)), |_resp| async move {
            Ok(())
        })
        .await
    }

    /// Delete many keys (batches of 1000). Returns the keys that could not be deleted.
    /// Keys this client refuses to address are reported as `InvalidKey`, never sent.
    pub async fn delete_objects(&self, keys: &[String]) -> Result<Vec<(String, S3Error)>, S3Error> {
        let mut failed = Vec::new();
        let mut valid = Vec::new();
        for k in keys {
            match check_key(k) {
                Ok(()) => valid.push(k.clone()),
                Err(e) => failed.push((k.clone(), e)),
            }
        }
        for batch in valid.chunks(1000) {
            let body = Bytes::from(xml::delete_body(batch));
            let r = Req::new(Method::POST, None)
                .query("delete", "")
                .header(content_md5_name(), content_md5(&body))
                .header(http::header::CONTENT_TYPE, "application/xml")
                .body(body);
            let (_, resp) = self.execute_read_checked(r, LIST_BODY_CAP, None).await?;
            for (key, code) in xml::parse_delete_result(&resp)? {
                failed.push((key, error_from_code(code)));
            }
        }
        Ok(failed)
    }

    /// Start a multipart upload; returns its upload id.
    pub async fn create_multipart_upload(
        &self,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String, S3Error> {
        let mut r = Req::new(Method::POST, Some(key)).query("uploads", "");
        if let Some(ct) = content_type {
            r = r.header(http::header::CONTENT_TYPE, ct);
        }
        let (_, body) = self.execute_read_checked(r, RESULT_BODY_CAP, None).await?;
        xml::parse_upload_id(&body)
    }

    /// Upload one part (1..=10000, with `Content-MD5`); returns its ETag.
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Bytes,
    ) -> Result<String, S3Error> {
        if part_number == 0 || part_number > MAX_PARTS {
            return Err(S3Error::Config("part number out of range".into()));
        }
        let r = Req::new(Method::PUT, Some(key))
            .query("partNumber", part_number.to_string())
            .query("uploadId", upload_id)
            .header(content_md5_name(), content_md5(&body))
            .body(body);
        let etag = self
            .execute(r, |resp| async move {
                Ok(header_str(resp.headers(), http::header::ETAG).map(xml::unquote_etag))
            })
            .await?;
        etag.filter(|e| !e.is_empty())
            .ok_or_else(|| S3Error::InvalidResponse("UploadPart without ETag".into()))
    }

    /// Finish a multipart upload; returns the object's ETag.
    pub async fn complete_multipart_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<String, S3Error> {
        let body = Bytes::from(xml::complete_body(parts));
        let r = Req::new(Method::POST, Some(key))
            .query("uploadId", upload_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .body(body);
        let (_, body) = self
            .execute_read_checked(r, RESULT_BODY_CAP, Some(COMPLETE_TIMEOUT))
            .await?;
        Ok(xml::parse_result_etag(&body).unwrap_or_default())
    }

    pub async fn abort_multipart_upload(&self, key: &str, upload_id: &str) -> Result<(), S3Error> {
        let r = Req::new(Method::DELETE, Some(key)).query("uploadId", upload_id);
        self.execute(r, |_resp| async move { Ok(()) }).await
    }

    /// Upload a stream: one PUT when it ends before `part_size` bytes, otherwise a multipart
    /// upload (`part_size` clamped to 5 MiB..=5 GiB, up to `PARTS_IN_FLIGHT` parts in
    /// flight, each buffered so it can be retried, each with `Content-MD5`). On any failure,
    /// or if the future is dropped, the upload is aborted so nothing half-written becomes
    /// visible. Returns the number of bytes written.
    pub async fn put_object_stream<S, E>(
        &self,
        key: &str,
        body: S,
        part_size: usize,
    ) -> Result<u64, S3Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: fmt::Display,
    {
        check_key(key)?;
        let part_size = part_size.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        let mut body = std::pin::pin!(body);
        let mut buf = BytesMut::new();
        let mut ended = fill(&mut body, &mut buf, part_size).await?;
        if ended && buf.len() < part_size {
            let n = buf.len() as u64;
            self.put_object(key, buf.freeze(), None).await?;
            return Ok(n);
        }

        let upload_id = self.create_multipart_upload(key, None).await?;
        let mut guard = AbortGuard {
            client: self.clone(),
            key: key.to_string(),
            upload_id: Some(upload_id.clone()),
        };
        let mut tasks = PartTasks(Vec::new());
        let mut parts = Vec::new();
        let mut total = 0u64;
        let mut part_number = 0u32;
        let result: Result<(), S3Error> = async {
            loop {
                if !ended && buf.len() < part_size {
                    ended = fill(&mut body, &mut buf, part_size).await?;
                }
                if buf.is_empty() {
                    break;
                }
                let chunk = buf.split_to(part_size.min(buf.len())).freeze();
                part_number += 1;
                if part_number > MAX_PARTS {
                    return Err(S3Error::Config(
                        "object needs more than 10000 parts; raise the part size".into(),
                    ));
                }
                total += chunk.len() as u64;
                let (c, k, u, n) = (
                    self.clone(),
                    key.to_string(),
                    upload_id.clone(),
                    part_number,
                );
                tasks.0.push(tokio::spawn(async move {
                    c.upload_part(&k, &u, n, chunk).await.map(|etag| (n, etag))
                }));
                while tasks.0.len() >= PARTS_IN_FLIGHT {
                    let h = tasks.0.remove(0);
                    parts.push(join_part(h).await?);
                }
                if ended && buf.is_empty() {
                    break;
                }
            }
            while !tasks.0.is_empty() {
                let h = tasks.0.remove(0);
                parts.push(join_part(h).await?);
            }
            let parts: Vec<CompletedPart> = parts
                .iter()
                .map(|(n, etag)| CompletedPart {
                    part_number: *n,
                    etag: etag.clone(),
                })
                .collect();
            self.complete_multipart_upload(key, &upload_id, &parts)
                .await?;
            Ok(())
        }
        .await;
        drop(tasks);
        match result {
            Ok(()) => {
                guard.upload_id = None;
                Ok(total)
            }
            Err(e) => {
                guard.upload_id = None;
                let _ = self.abort_multipart_upload(key, &upload_id).await;
                Err(e)
            }
        }
    }

    /// A presigned URL (SigV4 query signing, `UNSIGNED-PAYLOAD`, skew-corrected clock).
    /// `key` may be empty for a bucket-level request (LIST). `headers` become signed
    /// headers the caller must send as given. Contains the access key id, by design: never
    /// log it.
    pub fn presign(
        &self,
        method: &str,
        key: &str,
        query: &[(String, String)],
        headers: &[(String, String)],
        expires: Duration,
    ) -> Result<String, S3Error> {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(S3Error::Config("invalid method".into()));
        }
        if expires.is_zero() || expires > MAX_PRESIGN_EXPIRY {
            return Err(S3Error::Config("expiry must be 1 s to 7 days".into()));
        }
        let key = if key.is_empty() {
            None
        } else {
            check_key(key)?;
            Some(key)
        };
        if query
            .iter()
            .any(|(k, _)| k.to_ascii_lowercase().starts_with("x-amz-"))
        {
            return Err(S3Error::Config(
                "query must not carry X-Amz-* parameters".into(),
            ));
        }
        let url = self.url(key, &encode_query(query));
        let mut hdrs = Vec::with_capacity(headers.len());
        for (n, v) in headers {
            let name = HeaderName::from_bytes(n.as_bytes())
                .map_err(|_| S3Error::Config("invalid header name".into()))?;
            HeaderValue::from_str(v).map_err(|_| S3Error::Config("invalid header value".into()))?;
            hdrs.push((name, v.as_str()));
        }
        let pairs = hdrs.iter().map(|(n, v)| (n.as_str(), *v));
        let signing_error = |_| S3Error::Config("request signing failed".into());
        let signable =
            SignableRequest::new(method, url.as_str(), pairs, SignableBody::UnsignedPayload)
                .map_err(signing_error)?;
        let params = v4::SigningParams::builder()
            .identity(&self.inner.identity)
            .region(&self.inner.region)
            .name("s3")
            .time(self.now())
            .settings(Self::settings(Some(expires)))
            .build()
            .map_err(|_| S3Error::Config("request signing failed".into()))?
            .into();
        let (instructions, _sig) = sign(signable, &params).map_err(signing_error)?.into_parts();
        let mut req = http::Request::builder()
            .uri(url.as_str())
            .body(())
            .map_err(|_| S3Error::Config("invalid URL".into()))?;
        instructions.apply_to_request_http1x(&mut req);
        Ok(req.uri().to_string())
    }
}

/// Milliseconds by which `server` is ahead of `local`.
fn skew_between(server: SystemTime, local: SystemTime) -> i64 {
    let s = server
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64;
    let l = local
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64;
    s - l
}

/// Read into `buf` until it holds `want` bytes or the stream ends; returns whether it ended.
async fn fill<S, E>(
    body: &mut Pin<&mut S>,
    buf: &mut BytesMut,
    want: usize,
) -> Result<bool, S3Error>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: fmt::Display,
{
    while buf.len() < want {
        match body.next().await {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            Some(Err(e)) => return Err(S3Error::Body(e.to_string())),
            None => return Ok(true),
        }
    }
    Ok(false)
}

type PartHandle = tokio::task::JoinHandle<Result<(u32, String), S3Error>>;

async fn join_part(h: PartHandle) -> Result<(u32, String), S3Error> {
    match h.await {
        Ok(r) => r,
        Err(_) => Err(S3Error::Transport("part upload task failed".into())),
    }
}

/// Part uploads still running are cancelled when the upload fails or is dropped.
struct PartTasks(Vec<PartHandle>);

impl Drop for PartTasks {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Aborts the multipart upload if the future is dropped before it finished.
struct AbortGuard {
    client: S3Client,
    key: String,
    upload_id: Option<String>,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(id) = self.upload_id.take() {
            // On the I/O runtime: the command's own runtime may be shutting down.
            let (c, k) = (self.client.clone(), std::mem::take(&mut self.key));
            crate::io::spawn_detached(async move {
                let _ = c.abort_multipart_upload(&k, &id).await;
            });
        }
    }
}

/// The state of a streamed read that can re-open itself after a cut.
struct Resume {
    client: S3Client,
    key: String,
    /// ETag of the first response; without one a cut cannot be resumed safely.
    etag: Option<String>,
    /// Absolute offset of the next byte to deliver.
    next: u64,
    /// Absolute end (exclusive) of the bytes asked for.
    end: u64,
    resumes: u32,
    body: BodyStream,
    done: bool,
}

/// A cut that a ranged re-open can mend: the connection dropped, or went idle.
fn resumable_cut(e: &S3Error) -> bool {
    matches!(e, S3Error::Transport(_) | S3Error::Timeout)
}

/// Deliver the body, re-opening from `next` (up to `MAX_READ_RESUMES` times) when the
/// connection is cut. Bytes are delivered once, in order; a changed object ends the
/// stream with `ObjectChanged`.
fn resumable(state: Resume) -> BodyStream {
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            match st.body.next().await {
                Some(Ok(b)) => {
                    st.next += b.len() as u64;
                    return Some((Ok(b), st));
                }
                None => return None,
                Some(Err(e)) => {
                    let can_resume = resumable_cut(&e)
                        && st.next < st.end
                        && st.resumes < MAX_READ_RESUMES
                        && st.etag.is_some();
                    if !can_resume {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                    st.resumes += 1;
                    let etag = st.etag.clone().unwrap_or_default();
                    match st.client.reopen(&st.key, &etag, st.next, st.end).await {
                        Ok(body) => st.body = body,
                        Err(e) => {
                            st.done = true;
                            return Some((Err(e), st));
                        }
                    }
                }
            }
        }
    }))
}

/// Fail a body that ends before `expected` bytes (or runs past them).
fn exact_length<S>(
    inner: S,
    expected: u64,
) -> impl Stream<Item = Result<Bytes, S3Error>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, S3Error>> + Send + 'static,
{
    futures::stream::unfold(
        (Box::pin(inner), 0u64, false),
        move |(mut s, seen, done)| async move {
            if done {
                return None;
            }
            match s.next().await {
                Some(Ok(b)) => {
                    let seen = seen + b.len() as u64;
                    if seen > expected {
                        return Some((
                            Err(S3Error::InvalidResponse(
                                "body longer than Content-Length".into(),
                            )),
                            (s, seen, true),
                        ));
                    }
                    Some((Ok(b), (s, seen, false)))
                }
                Some(Err(e)) => Some((Err(e), (s, seen, true))),
                None if seen < expected => Some((
                    Err(S3Error::Transport(
                        "connection closed before the whole body arrived".into(),
                    )),
                    (s, seen, true),
                )),
                None => None,
            }
        },
    )
}

/// Bytes `[start, end)` of a whole-object stream.
fn slice_stream<S>(
    inner: S,
    start: u64,
    end: u64,
) -> impl Stream<Item = Result<Bytes, S3Error>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, S3Error>> + Send + 'static,
{
    let mut pos = 0u64;
    inner.filter_map(move |item| {
        let out = match item {
            Err(e) => Some(Err(e)),
            Ok(b) => {
                let (from, to) = (pos, pos + b.len() as u64);
                pos = to;
                let (a, z) = (start.max(from), end.min(to));
                if a < z {
                    Some(Ok(b.slice((a - from) as usize..(z - from) as usize)))
                } else {
                    None
                }
            }
        };
        futures::future::ready(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn client(path_style: bool, endpoint: &str) -> S3Client {
        let mut c = S3Config::new(
            endpoint,
            "us-west-004",
            "my-bucket",
            "AKIDCANARY123",
            Secret::new("SECRETCANARY456"),
        );
        c.force_path_style = path_style;
        S3Client::new(c).unwrap()
    }

    #[test]
    fn urls() {
        let c = client(true, "http://127.0.0.1:9000");
        assert_eq!(
            c.url(Some("a b/ü+%"), ""),
            "http://127.0.0.1:9000/my-bucket/a%20b/%C3%BC%2B%25"
        );
        assert_eq!(
            c.url(None, "list-type=2"),
            "http://127.0.0.1:9000/my-bucket?list-type=2"
        );
        let c = client(false, "https://s3.us-west-004.backblazeb2.com");
        assert_eq!(
            c.url(Some("k"), ""),
            "https://my-bucket.s3.us-west-004.backblazeb2.com/k"
        );
        assert_eq!(
            c.url(None, ""),
            "https://my-bucket.s3.us-west-004.backblazeb2.com/"
        );
        assert_eq!(c.endpoint(), "https://s3.us-west-004.backblazeb2.com");
    }

    #[test]
    fn config_refusals() {
        let mut c = S3Config::new("http://127.0.0.1:9000", "us-east-1", "bkt", "a", "s");
        c.force_path_style = false;
        assert!(matches!(S3Client::new(c), Err(S3Error::Config(_))));
        let c = S3Config::new("http://127.0.0.1:9000", "us east", "bkt", "a", "s");
        assert!(S3Client::new(c).is_err());
        let c = S3Config::new("http://x@127.0.0.1:9000/#", "us-east-1", "bkt", "a", "s");
        assert!(S3Client::new(c).is_err());
    }

    #[test]
    fn debug_redaction() {
        let c = client(true, "http://127.0.0.1:9000");
        let d = format!("{c:?}");
        assert!(
            !d.contains("AKIDCANARY123") && !d.contains("SECRETCANARY456"),
            "{d}"
        );
    }

    #[tokio::test]
    async fn dot_segments_never_reach_the_network() {
        // Port 9 on loopback: nothing listens; a request would be a Transport error.
        let c = client(true, "http://127.0.0.1:9");
        for key in ["a/../b", "a/./b", "a//b", "/a", ".."] {
            assert!(
                matches!(c.head_object(key).await, Err(S3Error::InvalidKey(_))),
                "{key}"
            );
            assert!(
                matches!(c.get_object(key, None).await, Err(S3Error::InvalidKey(_))),
                "{key}"
            );
            assert!(
                matches!(
                    c.put_object(key, Bytes::new(), None).await,
                    Err(S3Error::InvalidKey(_))
                ),
                "{key}"
            );
            assert!(
                matches!(c.copy_object("ok", key).await, Err(S3Error::InvalidKey(_))),
                "{key}"
            );
            assert!(
                matches!(c.copy_object(key, "ok").await, Err(S3Error::InvalidKey(_))),
                "{key}"
            );
            assert!(matches!(
                c.presign("GET", key, &[], &[], Duration::from_secs(60)),
                Err(S3Error::InvalidKey(_))
            ));
        }
        let failed = c.delete_objects(&["a/../b".to_string()]).await.unwrap();
        assert!(matches!(failed[0].1, S3Error::InvalidKey(_)));
    }

    #[test]
    fn presigned_url_shape() {
        let c = client(true, "http://127.0.0.1:9000");
        let u = c
            .presign(
                "GET",
                "with space+plus.txt",
                &[],
                &[],
                Duration::from_secs(300),
            )
            .unwrap();
        assert!(
            u.starts_with("http://127.0.0.1:9000/my-bucket/with%20space%2Bplus.txt?"),
            "{u}"
        );
        assert!(
            u.contains("X-Amz-Expires=300")
                && u.contains("X-Amz-Signature=")
                && u.contains("X-Amz-SignedHeaders=host"),
            "{u}"
        );
        assert!(!u.contains("SECRETCANARY456"));
        assert!(c
            .presign("GET", "k", &[], &[], Duration::from_secs(604_801))
            .is_err());
        assert!(c
            .presign("get", "k", &[], &[], Duration::from_secs(1))
            .is_err());
    }

    #[test]
    fn content_range() {
        assert_eq!(
            parse_content_range("bytes 0-9/100"),
            Some((0, 9, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 0-9/*"), Some((0, 9, None)));
        assert_eq!(parse_content_range("bytes */0"), None);
        assert_eq!(
            Range::Span {
                start: 5,
                end_inclusive: 100
            }
            .bounds(10),
            (5, 10)
        );
        assert_eq!(Range::Suffix(3).bounds(10), (7, 10));
        assert_eq!(Range::From(20).bounds(10), (10, 10));
    }

    #[tokio::test]
    async fn slicing() {
        let chunks = vec![
            Ok(Bytes::from_static(b"0123")),
            Ok(Bytes::from_static(b"4567")),
            Ok(Bytes::from_static(b"89")),
        ];
        let s = slice_stream(futures::stream::iter(chunks), 3, 7);
        let out: Vec<Bytes> = s.map(|r| r.unwrap()).collect().await;
        assert_eq!(out.concat(), b"3456");
        let short = exact_length(
            futures::stream::iter(vec![Ok(Bytes::from_static(b"ab"))]),
            3,
        );
        let items: Vec<_> = short.collect().await;
        assert!(items[1].is_err());
    }
}
