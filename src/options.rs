//! Checks of the numeric options of every class and call. A value that is not a number in its
//! range (NaN, ±Infinity, a fraction where a whole number is meant, a negative, too large)
//! throws a JS `RangeError` with `code: 'ERR_OUT_OF_RANGE'` (Node's own code for it) whose
//! message names the option and the accepted range:
//! `maxOutputBytes must be an integer from 1 to 1073741824, got -1`.
//!
//! Nothing here panics: every value is checked before it becomes a `u64` or a `Duration`
//! (`Duration::from_secs_f64` panics on overflow, and a panic in a napi call may abort the
//! whole Node process).
//!
//! The checks are plain Rust (`OptResult`); the JS error is made at the napi boundary with
//! [`Invalid::into_js`], which needs the `Env`.

use std::fmt::Display;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::{JsError, JsRangeError};

/// The `code` of the `RangeError` thrown for an option out of its range.
pub const OUT_OF_RANGE: &str = "ERR_OUT_OF_RANGE";

/// 1 MiB, 1 GiB, 1 TiB.
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
pub const TIB: u64 = 1 << 40;

/// The longest deadline or TTL accepted anywhere: 7 days (SigV4's limit too).
pub const WEEK_SECS: u64 = 7 * 24 * 3600;
pub const WEEK_MS: u64 = WEEK_SECS * 1000;
/// The longest per-request timeout of a bucket client (`timeoutMs`, `bodyIdleTimeoutMs`): 1 hour.
pub const HOUR_MS: u64 = 3600 * 1000;
/// The longest timeout of one Redis call: 1 minute (past it the bucket is asked instead).
pub const REDIS_TIMEOUT_MAX_MS: u64 = 60 * 1000;
/// The largest whole number a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why an option was refused.
#[derive(Debug)]
pub(crate) enum Invalid {
    /// A value out of its range: thrown as a `RangeError` with this `code`.
    Range { code: &'static str, message: String },
    /// Anything else (a malformed string, an unknown name): thrown as it is.
    Other(Error),
}

pub(crate) type OptResult<T> = std::result::Result<T, Invalid>;

impl From<Error> for Invalid {
    fn from(e: Error) -> Self {
        Invalid::Other(e)
    }
}

impl Invalid {
    /// `message` as a `RangeError` with code `ERR_OUT_OF_RANGE`.
    pub(crate) fn range(message: impl Into<String>) -> Self {
        Invalid::Range { code: OUT_OF_RANGE, message: message.into() }
    }

    /// The same error with `prefix` before its message (`S3Resource: `).
    pub(crate) fn context(self, prefix: &str) -> Self {
        match self {
            Invalid::Range { code, message } => Invalid::Range { code, message: format!("{prefix}{message}") },
            Invalid::Other(mut e) => {
                e.reason = format!("{prefix}{}", e.reason);
                Invalid::Other(e)
            }
        }
    }

    /// The message, for tests and logs.
    #[allow(dead_code)]
    pub(crate) fn message(&self) -> &str {
        match self {
            Invalid::Range { message, .. } => message,
            Invalid::Other(e) => &e.reason,
        }
    }

    /// The error to hand to JS: a real `RangeError` for `Range`, the error itself otherwise.
    pub(crate) fn into_js(self, env: &Env) -> Error {
        match self {
            Invalid::Range { code, message } => range_error(env, code, &message),
            Invalid::Other(e) => e,
        }
    }
}

/// An `Error` that JS sees as `new RangeError(message)` with `err.code === code`: it holds a
/// reference to that very object, which napi-rs throws (or rejects with) as it is. `reason` is
/// the message, for Rust code that reads it.
pub(crate) fn range_error(env: &Env, code: &str, message: &str) -> Error {
    js_error_object(env, JsRangeError::from(Error::new(code, message)).into_unknown(*env), message)
}

/// An `Error` that JS sees as a plain `Error` with `err.code === code` (any string, where
/// `Error::new` only takes a `Status`).
pub(crate) fn coded_error(env: &Env, code: &str, message: &str) -> Error {
    js_error_object(env, JsError::from(Error::new(code, message)).into_unknown(*env), message)
}

fn js_error_object(_env: &Env, value: Unknown<'_>, message: &str) -> Error {
    let mut e = Error::from(value);
    e.status = Status::InvalidArg;
    e.reason = message.to_string();
    e
}

/// A number as JavaScript prints it: `NaN`, `Infinity`, `-1`, `1.5`, `1e+20`.
pub(crate) fn js_number(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-6..1e21).contains(&a) {
        // Rust writes `1e20` / `1e-7`; JS writes `1e+20` / `1e-7`.
        let s = format!("{v:e}");
        return match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        };
    }
    format!("{v}")
}

fn refused(name: &str, what: &str, min: impl Display, max: impl Display, got: &str) -> Invalid {
    Invalid::range(format!("{name} must be {what} from {min} to {max}, got {got}"))
}

/// A whole number in `min..=max` (`max` at most 2^53 - 1); `None` when not given.
pub(crate) fn opt_int_in(name: &str, v: Option<f64>, min: u64, max: u64) -> OptResult<Option<u64>> {
    debug_assert!(min <= max && max <= MAX_SAFE_INTEGER);
    match v {
        None => Ok(None),
        Some(n) if n.is_finite() && n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(Some(n as u64)),
        Some(n) => Err(refused(name, "an integer", min, max, &js_number(n))),
    }
}

/// A whole number in `min..=max`; `default` when not given.
pub(crate) fn int_in(name: &str, v: Option<f64>, min: u64, max: u64, default: u64) -> OptResult<u64> {
    Ok(opt_int_in(name, v, min, max)?.unwrap_or(default))
}

/// A number (fractions allowed) in `min..=max`.
pub(crate) fn number_in(name: &str, v: f64, min: f64, max: f64) -> OptResult<f64> {
    if v.is_finite() && v >= min && v <= max {
        Ok(v)
    } else {
        Err(refused(name, "a number", js_number(min), js_number(max), &js_number(v)))
    }
}

/// A duration in whole milliseconds in `min..=max`; `None` when not given.
pub(crate) fn millis(name: &str, v: Option<f64>, min: u64, max: u64) -> OptResult<Option<Duration>> {
    Ok(opt_int_in(name, v, min, max)?.map(Duration::from_millis))
}

/// A duration in seconds (fractions allowed) in `min..=max`; `None` when not given. `max` is
/// small enough that `Duration::from_secs_f64` cannot overflow.
pub(crate) fn seconds(name: &str, v: Option<f64>, min: f64, max: f64) -> OptResult<Option<Duration>> {
    debug_assert!(min >= 0.0 && max <= 1e12);
    match v {
        None => Ok(None),
        Some(s) => Ok(Some(Duration::from_secs_f64(number_in(name, s, min, max)?))),
    }
}

/// A size in bytes: a whole number, or a string like `'512MB'` (parsed as the core does), in
/// `min..=max`. A malformed string keeps the core's message (`cacheLimit: invalid size 'x'`).
pub(crate) fn size_in(name: &str, v: Option<&Either<f64, String>>, min: u64, max: u64) -> OptResult<Option<u64>> {
    match v {
        None => Ok(None),
        Some(Either::A(n)) => opt_int_in(name, Some(*n), min, max),
        Some(Either::B(s)) => {
            let n = mirage_core::vfs::cache::parse_size(s).map_err(|e| crate::errors::invalid_arg(format!("{name}: {e}")))?;
            if (min..=max).contains(&n) {
                Ok(Some(n))
            } else {
                Err(refused(name, "a size", min, max, &format!("'{s}' ({n} bytes)")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_numbers() {
        for (v, s) in [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-1.0, "-1"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1e300, "1e+300"),
            (1e-7, "1e-7"),
            (0.001, "0.001"),
        ] {
            assert_eq!(js_number(v), s);
        }
    }

    #[test]
    fn integers() {
        let f = |v| opt_int_in("n", Some(v), 1, 10);
        assert_eq!(f(1.0).unwrap(), Some(1));
        assert_eq!(f(10.0).unwrap(), Some(10));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 1.5, 11.0, 1e20, 1e300] {
            let e = f(bad).unwrap_err();
            assert!(matches!(e, Invalid::Range { code: OUT_OF_RANGE, .. }), "{bad}");
            assert!(e.message().starts_with("n must be an integer from 1 to 10, got "), "{}", e.message());
        }
        assert_eq!(int_in("n", None, 1, 10, 7).unwrap(), 7);
        assert_eq!(f(-1.0).unwrap_err().message(), "n must be an integer from 1 to 10, got -1");
    }

    #[test]
    fn durations() {
        assert_eq!(millis("t", Some(0.0), 0, WEEK_MS).unwrap(), Some(Duration::ZERO));
        assert_eq!(millis("t", Some(WEEK_MS as f64), 0, WEEK_MS).unwrap(), Some(Duration::from_secs(WEEK_SECS)));
        assert!(millis("t", Some(1.5), 0, WEEK_MS).is_err());
        assert_eq!(seconds("s", Some(0.25), 0.001, WEEK_SECS as f64).unwrap(), Some(Duration::from_millis(250)));
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e20, 1e300] {
            assert!(seconds("s", Some(bad), 0.001, WEEK_SECS as f64).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        let s = |v: Either<f64, String>| size_in("cacheLimit", Some(&v), 0, TIB);
        assert_eq!(s(Either::B("1KB".into())).unwrap(), Some(1024));
        assert_eq!(s(Either::A(0.0)).unwrap(), Some(0));
        assert!(matches!(s(Either::B("2TB".into())), Err(Invalid::Range { .. })));
        assert!(matches!(s(Either::B("lots".into())), Err(Invalid::Other(_))));
        assert!(matches!(s(Either::A(-1.0)), Err(Invalid::Range { .. })));
    }
}
