//! Presigned URLs for a browser client (`@struktoai/mirage-browser`'s `presignedUrlProvider`):
//! one operation on one key, SigV4 query-signed by [`S3Client::presign`], with guard rails.
//!
//! The contract is `(path, op, opts)`: `path` is the key relative to the resource (leading `/`
//! stripped), `op` one of `GET PUT HEAD DELETE LIST COPY`, `opts` the TTL and the op's extras.
//! A [`PresignPolicy`] decides what may be signed: which ops, which key prefix, how long.
//!
//! A SigV4 URL binds the method, host, path, every query parameter and the signed headers, so
//! scope is decided here, before signing:
//! - paths are refused (never rewritten) when they hold `.`/`..` or empty segments, NUL or other
//!   control bytes, percent-encoded separators or dot segments (`%2e%2e`, `%2F`), or exceed
//!   1024 bytes;
//! - PUT signs `content-type` when one is given, COPY signs `x-amz-copy-source`, LIST signs its
//!   `prefix`/`delimiter`/`continuation-token` query;
//! - the TTL defaults to 300 s and is clamped to the policy's maximum (never above 7 days).
//!
//! Errors carry a stable code and a fixed text: never the secret, never a server body.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use percent_encoding::percent_decode_str;

use crate::client::S3Client;
use crate::error::S3Error;
use crate::keys::{encode_key, MAX_KEY_LEN};
use crate::time::parse_iso8601;

/// TTL of a URL when the caller gives none, in seconds.
pub const DEFAULT_PRESIGN_TTL_SEC: u64 = 300;
/// The longest TTL SigV4 allows (7 days), in seconds: the hard cap of every policy.
pub const MAX_PRESIGN_TTL_SEC: u64 = 604_800;
/// Longest `content-type`, `delimiter` and continuation token accepted, in bytes.
const MAX_OPTION_LEN: usize = 1024;

/// The operations a browser client asks URLs for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PresignOp {
    Get,
    Put,
    Head,
    Delete,
    /// ListObjectsV2 on the bucket (`GET /?list-type=2&prefix=...`).
    List,
    /// CopyObject within the bucket (`PUT` with a signed `x-amz-copy-source`).
    Copy,
}

impl PresignOp {
    pub const ALL: [PresignOp; 6] = [
        PresignOp::Get,
        PresignOp::Put,
        PresignOp::Head,
        PresignOp::Delete,
        PresignOp::List,
        PresignOp::Copy,
    ];

    /// `GET`, `PUT`, ... exactly as written (upper case); anything else is
    /// [`PresignError::UnknownOp`].
    pub fn parse(s: &str) -> Result<PresignOp, PresignError> {
        PresignOp::ALL
            .into_iter()
            .find(|op| op.as_str() == s)
            .ok_or(PresignError::UnknownOp)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PresignOp::Get => "GET",
            PresignOp::Put => "PUT",
            PresignOp::Head => "HEAD",
            PresignOp::Delete => "DELETE",
            PresignOp::List => "LIST",
            PresignOp::Copy => "COPY",
        }
    }

    /// The HTTP method the URL is signed for.
    pub fn method(self) -> &'static str {
        match self {
            PresignOp::Get | PresignOp::List => "GET",
            PresignOp::Put | PresignOp::Copy => "PUT",
            PresignOp::Head => "HEAD",
            PresignOp::Delete => "DELETE",
        }
    }
}

impl fmt::Display for PresignOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a URL was not signed. The text is fixed per case (plus the op name): it never holds the
/// secret, and never echoes the caller's path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresignError {
    /// `op` is not one of `GET PUT HEAD DELETE LIST COPY`.
    UnknownOp,
    /// The policy does not allow this op.
    OpNotAllowed(PresignOp),
    /// The path (or `copySource`, or `listPrefix`) cannot be signed; the reason.
    InvalidPath(&'static str),
    /// The key is not under the policy's prefix.
    OutsidePrefix,
    /// An option is missing or malformed; the reason.
    InvalidOption(&'static str),
    /// The policy itself is malformed; the reason.
    InvalidPolicy(&'static str),
    /// Signing failed (a configuration problem, not the caller's input).
    Signing(String),
}

impl PresignError {
    /// A stable code for programs (`err.code` in JS).
    pub fn code(&self) -> &'static str {
        match self {
            PresignError::UnknownOp => "ERR_PRESIGN_UNKNOWN_OP",
            PresignError::OpNotAllowed(_) => "ERR_PRESIGN_OP_NOT_ALLOWED",
            PresignError::InvalidPath(_) => "ERR_PRESIGN_INVALID_PATH",
            PresignError::OutsidePrefix => "ERR_PRESIGN_OUTSIDE_PREFIX",
            PresignError::InvalidOption(_) => "ERR_PRESIGN_INVALID_OPTION",
            PresignError::InvalidPolicy(_) => "ERR_PRESIGN_INVALID_POLICY",
            PresignError::Signing(_) => "ERR_PRESIGN_FAILED",
        }
    }

    /// A refusal by policy (HTTP 403) rather than a malformed request (400).
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            PresignError::OpNotAllowed(_) | PresignError::OutsidePrefix
        )
    }
}

impl fmt::Display for PresignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresignError::UnknownOp => {
                f.write_str("unknown op: expected one of GET, PUT, HEAD, DELETE, LIST, COPY")
            }
            PresignError::OpNotAllowed(op) => write!(f, "op {op} is not allowed"),
            PresignError::InvalidPath(why) => write!(f, "invalid path: {why}"),
            PresignError::OutsidePrefix => f.write_str("path is outside the allowed prefix"),
            PresignError::InvalidOption(why) => write!(f, "invalid option: {why}"),
            PresignError::InvalidPolicy(why) => write!(f, "invalid presign policy: {why}"),
            PresignError::Signing(why) => write!(f, "presigning failed: {why}"),
        }
    }
}

impl std::error::Error for PresignError {}

impl From<S3Error> for PresignError {
    fn from(e: S3Error) -> Self {
        // S3Error texts are secret-free by construction (codes and fixed reasons).
        PresignError::Signing(e.to_string())
    }
}

/// What the caller asks for besides path and op (`opts` in the browser contract).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PresignOptions {
    /// Lifetime in whole seconds (default 300), clamped to the policy's maximum.
    pub ttl_sec: Option<f64>,
    /// PUT: the `content-type` the upload must carry (a signed header).
    pub content_type: Option<String>,
    /// LIST: the key prefix to list (relative to the resource).
    pub list_prefix: Option<String>,
    /// LIST: usually `/`.
    pub list_delimiter: Option<String>,
    /// LIST: `NextContinuationToken` of the previous page.
    pub list_continuation_token: Option<String>,
    /// COPY: the source key in the same bucket (relative to the resource).
    pub copy_source: Option<String>,
}

/// What may be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignPolicy {
    allow_ops: Vec<PresignOp>,
    prefix: String,
    max_ttl_sec: u64,
}

impl Default for PresignPolicy {
    /// Every op, any key, TTL up to 7 days.
    fn default() -> Self {
        PresignPolicy {
            allow_ops: PresignOp::ALL.to_vec(),
            prefix: String::new(),
            max_ttl_sec: MAX_PRESIGN_TTL_SEC,
        }
    }
}

impl PresignPolicy {
    /// `allow_ops`: op names (`None` = all); `prefix`: keys (relative to the resource) must be
    /// under this folder (`"uploads"` and `"/uploads/"` both mean `uploads/`; `None`/`""` = any);
    /// `max_ttl_sec`: whole seconds >= 1, values above 604800 are lowered to 604800.
    pub fn new(
        allow_ops: Option<&[String]>,
        prefix: Option<&str>,
        max_ttl_sec: Option<f64>,
    ) -> Result<PresignPolicy, PresignError> {
        let allow_ops = match allow_ops {
            None => PresignOp::ALL.to_vec(),
            Some(names) => {
                let mut ops = Vec::with_capacity(names.len());
                for n in names {
                    let op = PresignOp::parse(n)
                        .map_err(|_| PresignError::InvalidPolicy("allowOps holds an unknown op"))?;
                    if !ops.contains(&op) {
                        ops.push(op);
                    }
                }
                ops
            }
        };
        let prefix = match prefix {
            None => String::new(),
            Some(p) => {
                let p = normalize_path(p).map_err(|e| match e {
                    PresignError::InvalidPath(why) => PresignError::InvalidPolicy(why),
                    other => other,
                })?;
                if p.is_empty() || p.ends_with('/') {
                    p
                } else {
                    format!("{p}/")
                }
            }
        };
        let max_ttl_sec = match max_ttl_sec {
            None => MAX_PRESIGN_TTL_SEC,
            Some(t) => whole_seconds(t)
                .ok_or(PresignError::InvalidPolicy(
                    "maxTtlSec must be a whole number of seconds, at least 1",
                ))?
                .min(MAX_PRESIGN_TTL_SEC),
        };
        Ok(PresignPolicy {
            allow_ops,
            prefix,
            max_ttl_sec,
        })
    }

    pub fn allows(&self, op: PresignOp) -> bool {
        self.allow_ops.contains(&op)
    }

    pub fn allow_ops(&self) -> &[PresignOp] {
        &self.allow_ops
    }

    /// `""` or a folder ending in `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn max_ttl_sec(&self) -> u64 {
        self.max_ttl_sec
    }
}

/// A signed request: what the browser must send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedRequest {
    pub url: String,
    /// `GET`, `PUT`, `HEAD` or `DELETE`.
    pub method: &'static str,
    /// Signed headers the request must carry exactly (lower-case names; `host` excluded).
    pub headers: Vec<(String, String)>,
    /// The lifetime actually signed (after clamping), in seconds.
    pub expires_in: u64,
    /// When the URL stops working, by the (skew-corrected) clock it was signed with.
    pub expires_at: SystemTime,
}

/// `ttl` as a whole number of seconds >= 1.
fn whole_seconds(t: f64) -> Option<u64> {
    if t.is_finite() && t >= 1.0 && t.fract() == 0.0 && t <= u64::MAX as f64 {
        Some(t as u64)
    } else {
        None
    }
}

/// Whether `seg` (one path segment) is `.` or `..`, also after percent-decoding (up to 3
/// levels, so `%252e%252e` is caught), or decodes to something holding a separator.
fn bad_segment(seg: &str) -> Option<&'static str> {
    if seg == "." || seg == ".." {
        return Some("'.' or '..' segment");
    }
    let mut cur = seg.to_string();
    for _ in 0..3 {
        if !cur.contains('%') {
            break;
        }
        let dec = percent_decode_str(&cur).decode_utf8_lossy().into_owned();
        if dec == cur {
            break;
        }
        if dec.contains('/') || dec.contains('\\') {
            return Some("percent-encoded separator");
        }
        if dec == "." || dec == ".." || dec.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Some("percent-encoded '.', '..' or control character");
        }
        cur = dec;
    }
    None
}

/// The key-relative form of a caller's path: leading `/`s stripped, everything else checked and
/// kept as is. Refused: NUL and other control bytes, more than 1024 bytes, empty segments
/// (`a//b`), `.`/`..` segments (also between backslashes, and percent-encoded), percent-encoded
/// separators. One trailing `/` (a directory marker) is kept. May return `""`.
pub fn normalize_path(path: &str) -> Result<String, PresignError> {
    if path.contains('\0') {
        return Err(PresignError::InvalidPath("NUL byte"));
    }
    let rel = path.trim_start_matches('/');
    if rel.len() > MAX_KEY_LEN {
        return Err(PresignError::InvalidPath("longer than 1024 bytes"));
    }
    if rel.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(PresignError::InvalidPath("control character"));
    }
    if rel.is_empty() {
        return Ok(String::new());
    }
    let body = rel.strip_suffix('/').unwrap_or(rel);
    for seg in body.split('/') {
        if seg.is_empty() {
            return Err(PresignError::InvalidPath("empty path segment"));
        }
        for part in seg.split('\\') {
            if let Some(why) = bad_segment(part) {
                return Err(PresignError::InvalidPath(why));
            }
        }
    }
    Ok(rel.to_string())
}

/// A short option value: at most 1024 bytes, no control characters.
fn plain_option(v: &str, what: &'static str) -> Result<(), PresignError> {
    if v.len() > MAX_OPTION_LEN || v.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(PresignError::InvalidOption(what));
    }
    Ok(())
}

/// `key_prefix + rel` with the length limit applied to the whole key.
fn full_key(key_prefix: &str, rel: &str) -> Result<String, PresignError> {
    let key = format!("{key_prefix}{rel}");
    if key.len() > MAX_KEY_LEN {
        return Err(PresignError::InvalidPath("longer than 1024 bytes"));
    }
    Ok(key)
}

/// The `X-Amz-Date` of a URL we just signed, as a time.
fn signed_at(url: &str) -> Option<SystemTime> {
    let q = url.split_once('?')?.1;
    let v = q.split('&').find_map(|kv| kv.strip_prefix("X-Amz-Date="))?;
    // 20240102T030405Z -> 2024-01-02T03:04:05Z
    if v.len() != 16 || !v.is_char_boundary(8) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &v[0..4],
        &v[4..6],
        &v[6..8],
        &v[9..11],
        &v[11..13],
        &v[13..15]
    );
    parse_iso8601(&iso)
}

/// Sign one operation for a browser. `key_prefix` is the resource's own prefix (`""` or ending
/// in `/`), prepended to every key after the policy checks (which see resource-relative paths).
///
/// Order of checks: op known (else `UnknownOp`), op allowed (`OpNotAllowed`), TTL and options
/// well-formed (`InvalidOption`), path well-formed (`InvalidPath`), under the policy's prefix
/// (`OutsidePrefix`).
pub fn presign_request(
    client: &S3Client,
    key_prefix: &str,
    path: &str,
    op: &str,
    opts: &PresignOptions,
    policy: &PresignPolicy,
) -> Result<PresignedRequest, PresignError> {
    let op = PresignOp::parse(op)?;
    if !policy.allows(op) {
        return Err(PresignError::OpNotAllowed(op));
    }
    let ttl = match opts.ttl_sec {
        None => DEFAULT_PRESIGN_TTL_SEC,
        Some(t) => whole_seconds(t).ok_or(PresignError::InvalidOption(
            "ttlSec must be a whole number of seconds, at least 1",
        ))?,
    }
    .min(policy.max_ttl_sec)
    .min(MAX_PRESIGN_TTL_SEC);

    let rel = normalize_path(path)?;
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let key = match op {
        PresignOp::List => {
            // The path is not part of a ListObjectsV2 request (the browser sends `/`); it was
            // still checked above so that nothing malformed is accepted silently.
            let lp = normalize_path(opts.list_prefix.as_deref().unwrap_or(""))?;
            if !lp.starts_with(policy.prefix()) {
                return Err(PresignError::OutsidePrefix);
            }
            let prefix = full_key(key_prefix, &lp)?;
            query.push(("list-type".into(), "2".into()));
            if !prefix.is_empty() {
                query.push(("prefix".into(), prefix));
            }
            if let Some(d) = &opts.list_delimiter {
                if d.is_empty() {
                    return Err(PresignError::InvalidOption("listDelimiter is empty"));
                }
                plain_option(d, "listDelimiter is too long or holds a control character")?;
                query.push(("delimiter".into(), d.clone()));
            }
            if let Some(t) = &opts.list_continuation_token {
                if t.is_empty() {
                    return Err(PresignError::InvalidOption(
                        "listContinuationToken is empty",
                    ));
                }
                plain_option(
                    t,
                    "listContinuationToken is too long or holds a control character",
                )?;
                query.push(("continuation-token".into(), t.clone()));
            }
            String::new()
        }
        _ => {
            if rel.is_empty() {
                return Err(PresignError::InvalidPath("empty path"));
            }
            match op {
                PresignOp::Put => {
                    if let Some(ct) = &opts.content_type {
                        if ct.is_empty() {
                            return Err(PresignError::InvalidOption("contentType is empty"));
                        }
                        if ct.len() > 256 || !ct.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                            return Err(PresignError::InvalidOption(
                                "contentType must be printable ASCII, at most 256 bytes",
                            ));
                        }
                        headers.push(("content-type".into(), ct.clone()));
                    }
                }
                PresignOp::Copy => {
                    let src = opts
                        .copy_source
                        .as_deref()
                        .ok_or(PresignError::InvalidOption(
                            "copySource is required for COPY",
                        ))?;
                    let src = normalize_path(src)?;
                    if src.is_empty() {
                        return Err(PresignError::InvalidPath("empty copySource"));
                    }
                    if !src.starts_with(policy.prefix()) {
                        return Err(PresignError::OutsidePrefix);
                    }
                    let src_key = full_key(key_prefix, &src)?;
                    headers.push((
                        "x-amz-copy-source".into(),
                        format!("{}/{}", client.bucket(), encode_key(&src_key)),
                    ));
                }
                _ => {}
            }
            if !rel.starts_with(policy.prefix()) {
                return Err(PresignError::OutsidePrefix);
            }
            full_key(key_prefix, &rel)?
        }
    };

    let url = client.presign(
        op.method(),
        &key,
        &query,
        &headers,
        Duration::from_secs(ttl),
    )?;
    let signed = signed_at(&url).unwrap_or_else(SystemTime::now);
    Ok(PresignedRequest {
        url,
        method: op.method(),
        headers,
        expires_in: ttl,
        expires_at: signed + Duration::from_secs(ttl),
    })
}

/// Milliseconds since the epoch (for JS `Date`).
pub fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{S3Config, Secret};

    const SECRET: &str = "presign-unit-SECRET-canary";

    fn client(endpoint: &str, path_style: bool) -> S3Client {
        crate::client::ensure_crypto_provider();
        let mut cfg = S3Config::new(
            endpoint.to_string(),
            "us-west-004",
            "my-bucket",
            "KEYID123",
            Secret::new(SECRET),
        );
        cfg.force_path_style = path_style;
        S3Client::new(cfg).unwrap()
    }

    fn query(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn q<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn sign(
        path: &str,
        op: &str,
        opts: PresignOptions,
        policy: &PresignPolicy,
    ) -> Result<PresignedRequest, PresignError> {
        let c = client("https://s3.us-west-004.backblazeb2.com", true);
        presign_request(&c, "", path, op, &opts, policy)
    }

    #[test]
    fn ops_parse_exactly() {
        for op in PresignOp::ALL {
            assert_eq!(PresignOp::parse(op.as_str()), Ok(op));
        }
        for bad in ["get", "Get", "POST", "", " GET", "LIST ", "OPTIONS"] {
            assert_eq!(
                PresignOp::parse(bad),
                Err(PresignError::UnknownOp),
                "{bad:?}"
            );
        }
        assert_eq!(PresignOp::List.method(), "GET");
        assert_eq!(PresignOp::Copy.method(), "PUT");
    }

    #[test]
    fn paths() {
        for (input, want) in [
            ("/a.txt", "a.txt"),
            ("///dir/b c+d.txt", "dir/b c+d.txt"),
            ("dir/", "dir/"),
            ("/", ""),
            ("", ""),
            ("a/.hidden/..x/...", "a/.hidden/..x/..."),
            ("ü/%41/&=?#", "ü/%41/&=?#"),
            ("100%", "100%"),
        ] {
            assert_eq!(normalize_path(input).as_deref(), Ok(want), "{input:?}");
        }
        for bad in [
            "a/../b",
            "../x",
            "a/..",
            "./a",
            "a/./b",
            "a//b",
            "a\0b",
            "a\nb",
            "a\x7fb",
            "a/%2e%2e/b",
            "a/%2E%2e",
            "%2e/x",
            "a/%252e%252e/b",
            "a%2Fb",
            "a%5c..",
            "a/..\\x",
            "a\\..\\b",
            "a/%00",
        ] {
            assert!(
                matches!(normalize_path(bad), Err(PresignError::InvalidPath(_))),
                "{bad:?} accepted"
            );
        }
        assert!(normalize_path(&"x".repeat(1024)).is_ok());
        assert!(normalize_path(&format!("/{}", "x".repeat(1024))).is_ok());
        assert_eq!(
            normalize_path(&"x".repeat(1025)),
            Err(PresignError::InvalidPath("longer than 1024 bytes"))
        );
    }

    #[test]
    fn get_url_shape_and_default_ttl() {
        let r = sign(
            "/dir/a b.txt",
            "GET",
            PresignOptions::default(),
            &PresignPolicy::default(),
        )
        .unwrap();
        assert_eq!(r.method, "GET");
        assert!(r.headers.is_empty());
        assert!(
            r.url
                .starts_with("https://s3.us-west-004.backblazeb2.com/my-bucket/dir/a%20b.txt?"),
            "{}",
            r.url
        );
        let p = query(&r.url);
        assert_eq!(q(&p, "X-Amz-Expires"), Some("300"));
        assert_eq!(q(&p, "X-Amz-Algorithm"), Some("AWS4-HMAC-SHA256"));
        assert_eq!(q(&p, "X-Amz-SignedHeaders"), Some("host"));
        assert!(q(&p, "X-Amz-Credential").unwrap().starts_with("KEYID123/"));
        assert!(q(&p, "X-Amz-Credential")
            .unwrap()
            .ends_with("/us-west-004/s3/aws4_request"));
        assert_eq!(q(&p, "X-Amz-Signature").map(str::len), Some(64));
        assert_eq!(r.expires_in, 300);
        let left = r
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap()
            .as_secs();
        assert!((295..=301).contains(&left), "{left}");
        assert!(!r.url.contains(SECRET));
    }

    #[test]
    fn virtual_host_style() {
        let c = client("https://s3.example.test", false);
        let r = presign_request(
            &c,
            "",
            "k",
            "HEAD",
            &PresignOptions::default(),
            &PresignPolicy::default(),
        )
        .unwrap();
        assert!(
            r.url.starts_with("https://my-bucket.s3.example.test/k?"),
            "{}",
            r.url
        );
        assert_eq!(r.method, "HEAD");
    }

    #[test]
    fn ttl_clamped_and_checked() {
        let pol = PresignPolicy::new(None, None, Some(3600.0)).unwrap();
        let ttl = |t: f64, pol: &PresignPolicy| {
            sign(
                "k",
                "GET",
                PresignOptions {
                    ttl_sec: Some(t),
                    ..Default::default()
                },
                pol,
            )
            .map(|r| r.expires_in)
        };
        assert_eq!(ttl(1.0, &pol), Ok(1));
        assert_eq!(ttl(3600.0, &pol), Ok(3600));
        assert_eq!(ttl(999_999.0, &pol), Ok(3600));
        assert_eq!(ttl(1e12, &PresignPolicy::default()), Ok(604_800));
        for bad in [0.0, -5.0, 1.5, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(ttl(bad, &pol), Err(PresignError::InvalidOption(_))),
                "{bad}"
            );
        }
        // The policy's own maximum is capped at 7 days and must be sane.
        assert_eq!(
            PresignPolicy::new(None, None, Some(1e9))
                .unwrap()
                .max_ttl_sec(),
            604_800
        );
        for bad in [0.0, -1.0, 2.5, f64::NAN] {
            assert!(matches!(
                PresignPolicy::new(None, None, Some(bad)),
                Err(PresignError::InvalidPolicy(_))
            ));
        }
        let r = sign(
            "k",
            "GET",
            PresignOptions {
                ttl_sec: Some(999_999.0),
                ..Default::default()
            },
            &pol,
        )
        .unwrap();
        assert_eq!(q(&query(&r.url), "X-Amz-Expires"), Some("3600"));
    }

    #[test]
    fn put_signs_content_type() {
        let r = sign(
            "up/x.json",
            "PUT",
            PresignOptions {
                content_type: Some("application/json".into()),
                ..Default::default()
            },
            &PresignPolicy::default(),
        )
        .unwrap();
        assert_eq!(r.method, "PUT");
        assert_eq!(
            r.headers,
            vec![("content-type".to_string(), "application/json".to_string())]
        );
        assert_eq!(
            q(&query(&r.url), "X-Amz-SignedHeaders"),
            Some("content-type;host")
        );
        for bad in ["", "text/plain\r\nx-evil: 1", &"a".repeat(300)] {
            let e = sign(
                "k",
                "PUT",
                PresignOptions {
                    content_type: Some(bad.to_string()),
                    ..Default::default()
                },
                &PresignPolicy::default(),
            )
            .unwrap_err();
            assert!(matches!(e, PresignError::InvalidOption(_)), "{bad:?}");
        }
    }

    #[test]
    fn list_query() {
        let r = sign(
            "/",
            "LIST",
            PresignOptions {
                list_prefix: Some("dir/sub/".into()),
                list_delimiter: Some("/".into()),
                list_continuation_token: Some("tok en/=".into()),
                ..Default::default()
            },
            &PresignPolicy::default(),
        )
        .unwrap();
        assert_eq!(r.method, "GET");
        assert!(
            r.url
                .starts_with("https://s3.us-west-004.backblazeb2.com/my-bucket?"),
            "{}",
            r.url
        );
        let p = query(&r.url);
        assert_eq!(q(&p, "list-type"), Some("2"));
        assert_eq!(q(&p, "prefix"), Some("dir/sub/"));
        assert_eq!(q(&p, "delimiter"), Some("/"));
        assert_eq!(q(&p, "continuation-token"), Some("tok en/="));
        // No prefix at all: the whole bucket.
        let r = sign(
            "",
            "LIST",
            PresignOptions::default(),
            &PresignPolicy::default(),
        )
        .unwrap();
        assert_eq!(q(&query(&r.url), "prefix"), None);
        // A malformed list prefix is refused like a path.
        let e = sign(
            "/",
            "LIST",
            PresignOptions {
                list_prefix: Some("a/../b/".into()),
                ..Default::default()
            },
            &PresignPolicy::default(),
        )
        .unwrap_err();
        assert!(matches!(e, PresignError::InvalidPath(_)));
    }

    #[test]
    fn copy_signs_the_source() {
        let r = sign(
            "dst/b.txt",
            "COPY",
            PresignOptions {
                copy_source: Some("/src/a b.txt".into()),
                ..Default::default()
            },
            &PresignPolicy::default(),
        )
        .unwrap();
        assert_eq!(r.method, "PUT");
        assert_eq!(
            r.headers,
            vec![(
                "x-amz-copy-source".to_string(),
                "my-bucket/src/a%20b.txt".to_string()
            )]
        );
        assert_eq!(
            q(&query(&r.url), "X-Amz-SignedHeaders"),
            Some("host;x-amz-copy-source")
        );
        assert_eq!(
            sign(
                "dst",
                "COPY",
                PresignOptions::default(),
                &PresignPolicy::default()
            ),
            Err(PresignError::InvalidOption(
                "copySource is required for COPY"
            ))
        );
        for bad in ["../etc", "", "/"] {
            let e = sign(
                "dst",
                "COPY",
                PresignOptions {
                    copy_source: Some(bad.into()),
                    ..Default::default()
                },
                &PresignPolicy::default(),
            )
            .unwrap_err();
            assert!(matches!(e, PresignError::InvalidPath(_)), "{bad:?}: {e:?}");
        }
    }

    #[test]
    fn policy_ops_and_prefix() {
        let ops = vec!["GET".to_string(), "HEAD".to_string(), "LIST".to_string()];
        let pol = PresignPolicy::new(Some(&ops), Some("/uploads"), Some(3600.0)).unwrap();
        assert_eq!(pol.prefix(), "uploads/");
        let ok = |path: &str, op: &str, opts: PresignOptions| sign(path, op, opts, &pol);
        assert!(ok("uploads/a", "GET", PresignOptions::default()).is_ok());
        assert!(ok("/uploads/", "HEAD", PresignOptions::default()).is_ok());
        assert_eq!(
            ok("uploads/a", "PUT", PresignOptions::default()),
            Err(PresignError::OpNotAllowed(PresignOp::Put))
        );
        assert_eq!(
            ok("uploads/a", "FETCH", PresignOptions::default()),
            Err(PresignError::UnknownOp)
        );
        for outside in ["uploads", "uploads2/a", "other/a", "a"] {
            assert_eq!(
                ok(outside, "GET", PresignOptions::default()),
                Err(PresignError::OutsidePrefix),
                "{outside}"
            );
        }
        // `..` cannot climb out: refused as a path before the prefix is looked at.
        assert!(matches!(
            ok("uploads/../secret", "GET", PresignOptions::default()),
            Err(PresignError::InvalidPath(_))
        ));
        let list = |lp: Option<&str>| {
            ok(
                "/",
                "LIST",
                PresignOptions {
                    list_prefix: lp.map(String::from),
                    ..Default::default()
                },
            )
        };
        assert!(list(Some("uploads/")).is_ok());
        assert!(list(Some("uploads/sub/x")).is_ok());
        assert_eq!(list(None), Err(PresignError::OutsidePrefix));
        assert_eq!(list(Some("upload")), Err(PresignError::OutsidePrefix));
        assert_eq!(list(Some("uploads")), Err(PresignError::OutsidePrefix));

        let all = PresignPolicy::new(None, Some("uploads/"), None).unwrap();
        assert_eq!(
            sign(
                "uploads/b",
                "COPY",
                PresignOptions {
                    copy_source: Some("private/a".into()),
                    ..Default::default()
                },
                &all
            ),
            Err(PresignError::OutsidePrefix)
        );
        assert!(PresignError::OutsidePrefix.is_forbidden());
        assert!(PresignError::OpNotAllowed(PresignOp::Get).is_forbidden());
        assert!(!PresignError::UnknownOp.is_forbidden());
        assert!(!PresignError::InvalidPath("x").is_forbidden());
        assert!(matches!(
            PresignPolicy::new(Some(&["GET".into(), "get".into()]), None, None),
            Err(PresignError::InvalidPolicy(_))
        ));
        assert!(matches!(
            PresignPolicy::new(None, Some("a/../b"), None),
            Err(PresignError::InvalidPolicy(_))
        ));
    }

    #[test]
    fn key_prefix_of_the_resource() {
        let c = client("http://127.0.0.1:9", true);
        let pol = PresignPolicy::new(None, Some("in"), None).unwrap();
        let r = presign_request(
            &c,
            "team/",
            "/in/a.txt",
            "GET",
            &PresignOptions::default(),
            &pol,
        )
        .unwrap();
        assert!(
            r.url
                .starts_with("http://127.0.0.1:9/my-bucket/team/in/a.txt?"),
            "{}",
            r.url
        );
        let r = presign_request(
            &c,
            "team/",
            "/",
            "LIST",
            &PresignOptions {
                list_prefix: Some("in/".into()),
                ..Default::default()
            },
            &pol,
        )
        .unwrap();
        assert_eq!(q(&query(&r.url), "prefix"), Some("team/in/"));
        let r = presign_request(
            &c,
            "team/",
            "in/b",
            "COPY",
            &PresignOptions {
                copy_source: Some("in/a".into()),
                ..Default::default()
            },
            &pol,
        )
        .unwrap();
        assert_eq!(r.headers[0].1, "my-bucket/team/in/a");
        // The 1024-byte limit applies to the whole key.
        let long = format!("in/{}", "x".repeat(1018));
        assert!(normalize_path(&long).is_ok());
        assert_eq!(
            presign_request(&c, "team/", &long, "GET", &PresignOptions::default(), &pol),
            Err(PresignError::InvalidPath("longer than 1024 bytes"))
        );
    }

    #[test]
    fn errors_are_fixed_texts() {
        let e = sign(
            "a/../b",
            "GET",
            PresignOptions::default(),
            &PresignPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_PRESIGN_INVALID_PATH");
        assert_eq!(e.to_string(), "invalid path: '.' or '..' segment");
        let e = sign(
            "k",
            "NOPE",
            PresignOptions::default(),
            &PresignPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_PRESIGN_UNKNOWN_OP");
        assert!(!format!("{e} {e:?}").contains(SECRET));
    }
}
