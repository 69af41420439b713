//! Client configuration, secret redaction and endpoint validation.

use std::fmt;

use crate::error::S3Error;

/// A secret string whose `Debug` and `Display` print `<REDACTED>`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself. Only the signer should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<REDACTED>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<REDACTED>")
    }
}

/// Default time to response headers for one request.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Default number of attempts per request (first try included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default number of requests one client (one resource) has in flight at once.
pub const DEFAULT_MAX_CONCURRENCY: usize = 32;
/// Default time a response body may go without a byte before the read fails (and resumes).
pub const DEFAULT_BODY_IDLE_TIMEOUT_MS: u64 = 30_000;

/// Where and how to reach one bucket.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.us-west-004.backblazeb2.com` or `http://127.0.0.1:9000`: scheme, host and
    /// optional port; no user info, path, query or fragment.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// `true`: `{endpoint}/{bucket}/{key}`; `false`: `{bucket}.{host}/{key}`.
    pub force_path_style: bool,
    /// Time to response headers per request, in ms (default 30 000).
    pub timeout_ms: Option<u64>,
    /// Attempts per request including the first (default 5; 0 is taken as 1).
    pub max_attempts: u32,
    /// Requests in flight at once through this client, across all its clones (default 32;
    /// 0 is taken as 1). A request holds its slot from sending until its response headers
    /// (and small XML bodies) are in; a streamed GET body is read outside it.
    pub max_concurrency: usize,
    /// A response body that sees no byte for this long fails; streamed GETs then resume
    /// with a ranged GET (default 30 000 ms).
    pub body_idle_timeout_ms: Option<u64>,
}

impl S3Config {
    /// A config with the defaults for everything but the endpoint, region, bucket and keys.
    pub fn new(
        endpoint: impl Into<String>,
        region: impl Into<String>,
        bucket: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<Secret>,
    ) -> Self {
        S3Config {
            endpoint: endpoint.into(),
            region: region.into(),
            bucket: bucket.into(),
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            force_path_style: true,
            timeout_ms: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            body_idle_timeout_ms: None,
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key_id", &"<REDACTED>")
            .field("secret_access_key", &"<REDACTED>")
            .field("force_path_style", &self.force_path_style)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_attempts", &self.max_attempts)
            .field("max_concurrency", &self.max_concurrency)
            .field("body_idle_timeout_ms", &self.body_idle_timeout_ms)
            .finish()
    }
}

/// Whether `region` looks like a B2 region: `^[a-z]{2}-[a-z]+-\d{3}$`.
pub fn is_backblaze_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && !parts[1].is_empty()
        && parts[1].bytes().all(|b| b.is_ascii_lowercase())
        && parts[2].len() == 3
        && parts[2].bytes().all(|b| b.is_ascii_digit())
}

/// The S3 endpoint of a Backblaze B2 region, `https://s3.<region>.backblazeb2.com`,
/// after validating the region so that it cannot inject a host, port or path.
pub fn backblaze_endpoint(region: &str) -> Result<String, S3Error> {
    if !is_backblaze_region(region) {
        return Err(S3Error::Config(
            "invalid Backblaze region (expected something like us-west-004)".into(),
        ));
    }
    let mut u = url::Url::parse("https://backblazeb2.com/").expect("static URL");
    u.set_host(Some(&format!("s3.{region}.backblazeb2.com")))
        .map_err(|_| S3Error::Config("invalid Backblaze region".into()))?;
    let s = u.as_str().trim_end_matches('/').to_string();
    debug_assert_eq!(s, format!("https://s3.{region}.backblazeb2.com"));
    Ok(s)
}

/// Whether `region` is acceptable for signing: `[a-z0-9-]{1,40}`.
pub(crate) fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 40
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A validated endpoint: scheme, host (as in a URL) and optional explicit port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    pub is_ip: bool,
}

impl Endpoint {
    pub fn authority(&self, bucket_prefix: Option<&str>) -> String {
        let mut s = String::new();
        if let Some(b) = bucket_prefix {
            s.push_str(b);
            s.push('.');
        }
        s.push_str(&self.host);
        if let Some(p) = self.port {
            s.push(':');
            s.push_str(&p.to_string());
        }
        s
    }
}

pub(crate) fn parse_endpoint(endpoint: &str) -> Result<Endpoint, S3Error> {
    let bad = |why: &str| S3Error::Config(format!("invalid endpoint: {why}"));
    let u = url::Url::parse(endpoint).map_err(|_| bad("not a URL"))?;
    let scheme = u.scheme().to_string();
    if scheme != "http" && scheme != "https" {
        return Err(bad("scheme must be http or https"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("user info is not allowed"));
    }
    if u.query().is_some() {
        return Err(bad("a query is not allowed"));
    }
    if u.fragment().is_some() {
        return Err(bad("a fragment is not allowed"));
    }
    if u.path() != "/" && !u.path().is_empty() {
        return Err(bad("a path is not allowed"));
    }
    // `Url` accepts a trailing `?` or `#` with nothing after it; refuse those too.
    if endpoint.contains('?') || endpoint.contains('#') || endpoint.contains('@') {
        return Err(bad("'?', '#' and '@' are not allowed"));
    }
    let (host, is_ip) = match u.host() {
        Some(url::Host::Domain(d)) => (d.to_string(), false),
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), true),
        Some(url::Host::Ipv6(ip)) => (format!("[{ip}]"), true),
        None => return Err(bad("no host")),
    };
    Ok(Endpoint {
        scheme,
        host,
        port: u.port(),
        is_ip,
    })
}

/// Bucket names: 3..=63 of `[a-zA-Z0-9._-]`, starting and ending with a letter or digit,
/// no `..`; virtual-host style additionally needs a lowercase DNS label set.
pub(crate) fn validate_bucket(bucket: &str, virtual_host: bool) -> Result<(), S3Error> {
    let bad = |why: &str| S3Error::Config(format!("invalid bucket name: {why}"));
    if bucket.len() < 3 || bucket.len() > 63 {
        return Err(bad("length must be 3 to 63"));
    }
    let b = bucket.as_bytes();
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
    {
        return Err(bad("only letters, digits, '.', '-' and '_' are allowed"));
    }
    if !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return Err(bad("must start and end with a letter or digit"));
    }
    if bucket.contains("..") {
        return Err(bad("'..' is not allowed"));
    }
    if virtual_host && (b.iter().any(|c| c.is_ascii_uppercase() || *c == b'_')) {
        return Err(bad("virtual-host style needs a lowercase name without '_'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_validation() {
        assert_eq!(
            backblaze_endpoint("us-west-004").unwrap(),
            "https://s3.us-west-004.backblazeb2.com"
        );
        assert_eq!(
            backblaze_endpoint("eu-central-003").unwrap(),
            "https://s3.eu-central-003.backblazeb2.com"
        );
        for bad in [
            "x@127.0.0.1:8080/#",
            "evil.example/x?",
            "",
            "us-west-04",
            "us-west-0044",
            "US-west-004",
            "us-west-004.evil.com",
            "us--004",
            "u-west-004",
            "us-west-004/",
            "us-west-00a",
            "us-we st-004",
        ] {
            assert!(backblaze_endpoint(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn endpoint_validation() {
        let e = parse_endpoint("https://s3.us-west-004.backblazeb2.com").unwrap();
        assert_eq!(e.host, "s3.us-west-004.backblazeb2.com");
        assert_eq!(e.port, None);
        let e = parse_endpoint("http://127.0.0.1:9000/").unwrap();
        assert_eq!(e.authority(None), "127.0.0.1:9000");
        assert!(e.is_ip);
        for bad in [
            "ftp://x.com",
            "https://user:pw@x.com",
            "https://x@127.0.0.1:8080/#",
            "https://x.com/?a=b",
            "https://x.com/#frag",
            "https://x.com?",
            "https://x.com/path",
            "x.com",
            "",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn bucket_validation() {
        assert!(validate_bucket("my-bucket", true).is_ok());
        assert!(validate_bucket("My_Bucket", false).is_ok());
        assert!(validate_bucket("My_Bucket", true).is_err());
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "a..b",
            "a/b",
            "a b",
            "a?b",
            "a#b",
            &"x".repeat(64),
        ] {
            assert!(validate_bucket(bad, false).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn debug_redaction() {
        let c = S3Config::new(
            "http://127.0.0.1:1",
            "us-east-1",
            "bkt",
            "AKIDCANARY123",
            "SECRETCANARY456",
        );
        let d = format!("{c:?}");
        assert!(
            !d.contains("AKIDCANARY123") && !d.contains("SECRETCANARY456"),
            "{d}"
        );
        assert_eq!(format!("{}", c.secret_access_key), "<REDACTED>");
        assert_eq!(format!("{:?}", c.secret_access_key), "<REDACTED>");
    }
}
