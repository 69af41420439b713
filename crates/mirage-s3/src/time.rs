//! The two date formats S3 uses: ISO 8601 in XML, IMF-fixdate (RFC 7231) in headers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn to_system_time(
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    nanos: u32,
) -> Option<SystemTime> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + (h as i64) * 3600 + (mi as i64) * 60 + s as i64;
    if secs < 0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::new(secs as u64, nanos))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `2026-11-26T12:10:00.123Z` (fraction optional; `Z` or `+00:00`).
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let (date, time) = s.split_once('T')?;
    let mut dp = date.split('-');
    let y = num(dp.next()?)? as i64;
    let mo = num(dp.next()?)?;
    let d = num(dp.next()?)?;
    if dp.next().is_some() {
        return None;
    }
    let time = time
        .strip_suffix('Z')
        .or_else(|| time.strip_suffix("+00:00"))?;
    let (hms, frac) = match time.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (time, None),
    };
    let mut tp = hms.split(':');
    let h = num(tp.next()?)?;
    let mi = num(tp.next()?)?;
    let sec = num(tp.next()?)?;
    if tp.next().is_some() {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let f9: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            f9.parse().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    to_system_time(y, mo, d, h, mi, sec, nanos)
}

/// `Wed, 26 Nov 2026 12:10:00 GMT`.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let (_, rest) = s.split_once(", ")?;
    let mut p = rest.split(' ');
    let d = num(p.next()?)?;
    let mo = match p.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let y = num(p.next()?)? as i64;
    let mut tp = p.next()?.split(':');
    let h = num(tp.next()?)?;
    let mi = num(tp.next()?)?;
    let sec = num(tp.next()?)?;
    if p.next()? != "GMT" {
        return None;
    }
    to_system_time(y, mo, d, h, mi, sec, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = parse_iso8601("2026-11-26T12:10:00.123Z").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap(),
            Duration::new(1_795_695_000, 123_000_000)
        );
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z").unwrap(), UNIX_EPOCH);
        assert_eq!(
            parse_http_date("Thu, 26 Nov 2026 12:10:00 GMT").unwrap(),
            UNIX_EPOCH + Duration::from_secs(1_795_695_000)
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT").unwrap(),
            UNIX_EPOCH
        );
        assert!(parse_iso8601("garbage").is_none());
        assert!(parse_http_date("26 Nov 2026").is_none());
        assert!(parse_iso8601("2026-13-01T00:00:00Z").is_none());
    }
}
