//! Typed S3 errors. Their text never carries server error-body fields other than the
//! `<Code>` (no `StringToSign`, `CanonicalRequest`, `AWSAccessKeyId`, `Message`), nor any
//! credential.

use std::fmt;

/// An S3 failure, after retries.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum S3Error {
    /// 404 other than `NoSuchBucket`: `NoSuchKey`, `NoSuchUpload`, or a bare 404 (HEAD).
    NotFound {
        code: String,
    },
    /// 401/403: `AccessDenied`, `SignatureDoesNotMatch`, `InvalidAccessKeyId`, caps...
    AccessDenied {
        code: String,
    },
    NoSuchBucket,
    /// A key this client refuses to address (the reason, never a secret).
    InvalidKey(String),
    /// Invalid configuration, or an endpoint that answers with a redirect.
    Config(String),
    /// Any other error status (or a 200 carrying an `<Error>` body).
    Service {
        status: u16,
        code: String,
    },
    /// Connection-level failure (refused, reset, DNS, closed mid-body).
    Transport(String),
    /// TLS failure (bad certificate...): not retried.
    Tls(String),
    /// No response headers within the per-request timeout.
    Timeout,
    /// A response that could not be understood (malformed XML, over the size cap, short body).
    InvalidResponse(String),
    /// The caller's upload stream failed.
    Body(String),
    /// A streamed read was cut, and the object's ETag had changed when the read resumed:
    /// the rest cannot be spliced onto what was already delivered.
    ObjectChanged,
}

/// Error codes that mean "try again".
const RETRYABLE_CODES: &[&str] = &[
    "SlowDown",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
];

impl S3Error {
    /// A missing key or upload (not a missing bucket).
    pub fn is_not_found(&self) -> bool {
        matches!(self, S3Error::NotFound { .. })
    }

    /// 401/403 of any kind.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, S3Error::AccessDenied { .. })
    }

    /// The S3 error code, when the server gave one (or one is implied by the status).
    pub fn code(&self) -> Option<&str> {
        match self {
            S3Error::NotFound { code }
            | S3Error::AccessDenied { code }
            | S3Error::Service { code, .. } => Some(code),
            S3Error::NoSuchBucket => Some("NoSuchBucket"),
            _ => None,
        }
    }

    /// The HTTP status behind this error, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            S3Error::NotFound { .. } | S3Error::NoSuchBucket => Some(404),
            S3Error::AccessDenied { .. } => Some(403),
            S3Error::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether another attempt may succeed: 5xx, 408, 429, throttling/timeout codes,
    /// connection failures and timeouts. Never 4xx auth or not-found.
    pub fn is_retryable(&self) -> bool {
        match self {
            S3Error::Service { status, code } => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
                    || (*status >= 500 && *status <= 599)
                    || RETRYABLE_CODES.contains(&code.as_str())
            }
            S3Error::Transport(_) | S3Error::Timeout => true,
            _ => false,
        }
    }

    /// Build an error from a status and the parsed `<Code>` (if any).
    pub(crate) fn from_status(status: u16, code: Option<String>) -> S3Error {
        let code = code.filter(|c| is_code_like(c));
        match status {
            404 => match code.as_deref() {
                Some("NoSuchBucket") => S3Error::NoSuchBucket,
                _ => S3Error::NotFound { code: code.unwrap_or_else(|| "NoSuchKey".into()) },
            },
            401 | 403 => S3Error::AccessDenied { code: code.unwrap_or_else(|| "AccessDenied".into()) },
            300..=399 => S3Error::Config(format!(
                "the endpoint answered with a redirect (HTTP {status}{}); check the endpoint and region",
                code.map(|c| format!(" {c}")).unwrap_or_default()
            )),
            _ => S3Error::Service { status, code: code.unwrap_or_else(|| default_code(status).into()) },
        }
    }
}

/// Codes are short identifiers; anything else from a hostile server is dropped.
fn is_code_like(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 64
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

fn default_code(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        412 => "PreconditionFailed",
        416 => "InvalidRange",
        429 => "SlowDown",
        500 => "InternalError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "UnknownError",
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            S3Error::NotFound { code } | S3Error::AccessDenied { code } => f.write_str(code),
            S3Error::NoSuchBucket => f.write_str("NoSuchBucket"),
            S3Error::InvalidKey(why) => write!(f, "invalid key: {why}"),
            S3Error::Config(why) => write!(f, "invalid configuration: {why}"),
            S3Error::Service { status, code } => write!(f, "{code} (HTTP {status})"),
            S3Error::Transport(why) => f.write_str(why),
            S3Error::Tls(why) => write!(f, "TLS error: {why}"),
            S3Error::Timeout => f.write_str("request timed out"),
            S3Error::InvalidResponse(why) => write!(f, "invalid response: {why}"),
            S3Error::Body(why) => write!(f, "upload source failed: {why}"),
            S3Error::ObjectChanged => f.write_str("object changed during read"),
        }
    }
}

impl std::error::Error for S3Error {}

/// A short, secret-free description of a reqwest error.
pub(crate) fn transport_error(e: &reqwest::Error) -> S3Error {
    if e.is_timeout() {
        return S3Error::Timeout;
    }
    // Walk the source chain for an io::Error kind or a TLS error.
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            let why = match io.kind() {
                K::ConnectionRefused => "connection refused",
                K::ConnectionReset => "connection reset",
                K::ConnectionAborted => "connection aborted",
                K::BrokenPipe => "broken pipe",
                K::TimedOut => return S3Error::Timeout,
                K::UnexpectedEof => "connection closed early",
                K::NotConnected => "not connected",
                K::AddrNotAvailable => "address not available",
                K::HostUnreachable => "host unreachable",
                K::NetworkUnreachable => "network unreachable",
                _ => {
                    if let Some(inner) = io.get_ref() {
                        if inner.downcast_ref::<rustls::Error>().is_some() {
                            return S3Error::Tls(tls_reason(
                                inner.downcast_ref::<rustls::Error>().unwrap(),
                            ));
                        }
                    }
                    "connection error"
                }
            };
            return S3Error::Transport(why.into());
        }
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            return S3Error::Tls(tls_reason(t));
        }
        src = s.source();
    }
    let why = if e.is_connect() {
        // DNS failures land here too.
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "connection closed while reading the body"
    } else if e.is_request() {
        "connection closed before the response"
    } else {
        "transport error"
    };
    S3Error::Transport(why.into())
}

fn tls_reason(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => format!("invalid certificate ({c:?})"),
        _ => "handshake failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(
            S3Error::from_status(404, Some("NoSuchBucket".into())),
            S3Error::NoSuchBucket
        );
        assert!(S3Error::from_status(404, None).is_not_found());
        assert_eq!(S3Error::from_status(404, None).code(), Some("NoSuchKey"));
        let e = S3Error::from_status(403, Some("SignatureDoesNotMatch".into()));
        assert_eq!(e.to_string(), "SignatureDoesNotMatch");
        assert!(!e.is_retryable());
        assert!(S3Error::from_status(503, Some("SlowDown".into())).is_retryable());
        assert!(S3Error::from_status(500, None).is_retryable());
        assert!(S3Error::from_status(400, Some("RequestTimeout".into())).is_retryable());
        assert!(!S3Error::from_status(400, Some("InvalidArgument".into())).is_retryable());
        assert!(!S3Error::from_status(416, None).is_retryable());
        assert!(matches!(
            S3Error::from_status(301, Some("PermanentRedirect".into())),
            S3Error::Config(_)
        ));
        // A code that is not an identifier is dropped.
        let e = S3Error::from_status(400, Some("<script>secret here</script>".into()));
        assert_eq!(e.code(), Some("BadRequest"));
        assert!(S3Error::Timeout.is_retryable());
        assert!(!S3Error::Tls("x".into()).is_retryable());
        assert!(!S3Error::ObjectChanged.is_retryable());
        assert_eq!(
            S3Error::ObjectChanged.to_string(),
            "object changed during read"
        );
    }
}
