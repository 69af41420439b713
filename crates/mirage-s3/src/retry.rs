//! Backoff: full jitter (AWS standard), `Retry-After` honoured with a cap.

use std::time::Duration;

use http::HeaderMap;

use crate::error::S3Error;

pub const BASE_DELAY: Duration = Duration::from_millis(100);
/// Base delay after a throttling answer (`SlowDown`, 429).
pub const THROTTLE_BASE_DELAY: Duration = Duration::from_millis(1000);
pub const MAX_DELAY: Duration = Duration::from_secs(20);
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

fn is_throttle(e: &S3Error) -> bool {
    matches!(e, S3Error::Service { status: 429, .. })
        || matches!(
            e.code(),
            Some(
                "SlowDown"
                    | "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "TooManyRequestsException"
            )
        )
}

/// The delay before attempt `attempt + 1`, where `attempt` (1-based) just failed with `err`.
pub fn delay(attempt: u32, err: &S3Error, retry_after: Option<Duration>) -> Duration {
    let base = if is_throttle(err) {
        THROTTLE_BASE_DELAY
    } else {
        BASE_DELAY
    };
    let exp = attempt.saturating_sub(1).min(16);
    let ceiling = base.saturating_mul(1u32 << exp).min(MAX_DELAY);
    let jitter = ceiling.mul_f64(rand::random::<f64>());
    match retry_after {
        Some(ra) => jitter.max(ra.min(MAX_RETRY_AFTER)),
        None => jitter,
    }
}

/// `Retry-After: <seconds>` (an HTTP date is also accepted).
pub fn parse_retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(MAX_RETRY_AFTER.as_secs())));
    }
    let t = crate::time::parse_http_date(v)?;
    Some(
        t.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_bounds() {
        let e = S3Error::Service {
            status: 503,
            code: "ServiceUnavailable".into(),
        };
        for attempt in 1..10 {
            let d = delay(attempt, &e, None);
            assert!(d <= BASE_DELAY * (1 << (attempt - 1)) && d <= MAX_DELAY);
        }
        let slow = S3Error::Service {
            status: 503,
            code: "SlowDown".into(),
        };
        assert!(delay(30, &slow, None) <= MAX_DELAY);
        assert_eq!(delay(1, &e, Some(Duration::from_secs(2))).as_secs(), 2);
        assert_eq!(
            delay(1, &e, Some(Duration::from_secs(999))),
            MAX_RETRY_AFTER
        );
        let mut h = HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(http::header::RETRY_AFTER, "100000".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(MAX_RETRY_AFTER));
    }
}
