//! `date`: print a time (`+FORMAT`, `-d @SECONDS` / ISO dates / `now` / `yesterday` /
//! `tomorrow`, `-u`, `-I[FMT]`, `-R`, `-r FILE`). Time zones: UTC (also for `TZ=UTC`; other
//! zones are not known here and print as UTC).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::args::{self, flag, value};
use super::common;
use super::Ctx;

const SPEC: &[args::Opt] = &[
    value('d', "date"),
    flag('u', "utc"),
    args::long_flag("universal"),
    flag('R', "rfc-email"),
    value('r', "reference"),
    args::long_value("rfc-3339"),
    args::long_value("iso-8601"),
    flag('I', ""),
    value('s', "set"),
];

pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    if let Some(d) = parse_absolute(t) {
        return Some(d);
    }
    // An absolute date followed by relative items ("2024-01-31 12:00 +1 day"), or relative
    // items alone ("3 days ago"), counted from now. Dates have few words: a long string is
    // not one (and would cost a quadratic search).
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.len() > 256 {
        return None;
    }
    for k in (0..words.len()).rev() {
        let base = if k == 0 { Some(Utc::now()) } else { parse_absolute(&words[..k].join(" ")) };
        if let Some(base) = base {
            if let Some(d) = apply_relative(base, &words[k..]) {
                return Some(d);
            }
        }
    }
    None
}

/// Relative items: `[+-]N unit [ago]` or `unit` (one of it), repeated. Every step is checked:
/// an amount or a date out of range is an invalid date, as in GNU.
fn apply_relative(mut at: DateTime<Utc>, words: &[&str]) -> Option<DateTime<Utc>> {
    if words.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < words.len() {
        let mut w = words[i].to_ascii_lowercase();
        // "+1day" written together.
        let mut n: i64 = 1;
        let num_end = w.char_indices().find(|&(j, c)| !(c.is_ascii_digit() || (j == 0 && (c == '+' || c == '-')))).map(|(j, _)| j).unwrap_or(w.len());
        if num_end > 0 && w[..num_end].chars().any(|c| c.is_ascii_digit()) {
            n = w[..num_end].trim_start_matches('+').parse().ok()?;
            if num_end == w.len() {
                i += 1;
                w = words.get(i)?.to_ascii_lowercase();
            } else {
                w = w[num_end..].to_string();
            }
        }
        let unit = w.trim_end_matches('s');
        i += 1;
        if words.get(i).is_some_and(|a| a.eq_ignore_ascii_case("ago")) {
            n = n.checked_neg()?;
            i += 1;
        }
        let seconds = |per: i64| -> Option<DateTime<Utc>> {
            let d = chrono::TimeDelta::try_seconds(n.checked_mul(per)?)?;
            at.checked_add_signed(d)
        };
        at = match unit {
            "second" | "sec" => seconds(1)?,
            "minute" | "min" => seconds(60)?,
            "hour" => seconds(3600)?,
            "day" => seconds(86400)?,
            "week" => seconds(7 * 86400)?,
            "fortnight" => seconds(14 * 86400)?,
            "month" | "year" => {
                // As mktime normalizes: Jan 31 + 1 month is "Feb 31", that is Mar 2 or 3.
                let months = if unit == "year" { n.checked_mul(12)? } else { n };
                let m = chrono::Months::new(u32::try_from(months.unsigned_abs()).ok()?);
                let day = at.day() as i64;
                let first = at.with_day(1)?;
                let moved = if months >= 0 { first.checked_add_months(m)? } else { first.checked_sub_months(m)? };
                moved.checked_add_signed(chrono::TimeDelta::days(day - 1))?
            }
            _ => return None,
        };
    }
    Some(at)
}

/// `@SECONDS[.FRACTION]` as GNU reads it (a sign, digits, `.` or `,` and more digits; no
/// exponents, no `inf`): seconds and nanoseconds, floored. `None` when not that or not an
/// `i64`.
fn epoch_seconds(n: &str) -> Option<(i64, u32)> {
    let n = n.trim_start();
    let (neg, body) = match n.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, n.strip_prefix('+').unwrap_or(n)),
    };
    let (int, frac) = match body.split_once(['.', ',']) {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let mut nanos: u32 = 0;
    for (k, d) in frac.bytes().take(9).enumerate() {
        nanos += (d - b'0') as u32 * 10u32.pow(8 - k as u32);
    }
    let inexact = nanos > 0 || frac.bytes().skip(9).any(|d| d != b'0');
    if !neg {
        return Some((whole, nanos));
    }
    // -1.5 is 2 seconds before the epoch plus half a second.
    let secs = whole.checked_neg()?;
    if !inexact {
        return Some((secs, 0));
    }
    Some((secs.checked_sub(1)?, 1_000_000_000 - nanos.max(1)))
}

fn parse_absolute(t: &str) -> Option<DateTime<Utc>> {
    if let Some(n) = t.strip_prefix('@') {
        return match epoch_seconds(n) {
            Some((secs, nanos)) => Utc.timestamp_opt(secs, nanos).single(),
            None => None,
        };
    }
    let now = Utc::now();
    match t.to_ascii_lowercase().as_str() {
        "" | "now" | "today" => return Some(now),
        "yesterday" => return now.checked_sub_signed(chrono::TimeDelta::days(1)),
        "tomorrow" => return now.checked_add_signed(chrono::TimeDelta::days(1)),
        _ => {}
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    let t2 = t.trim_end_matches('Z').trim_end_matches(" UTC");
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y/%m/%d %H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t2, f) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t2, f) {
            return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.with_timezone(&Utc));
    }
    None
}

/// GNU format directives onto chrono's: `%N` nanoseconds, `%P`, `%:z`, padding flags.
fn format(t: &DateTime<Utc>, f: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = f.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' || i + 1 >= chars.len() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut spec = String::from("%");
        let mut j = i + 1;
        while j < chars.len() && matches!(chars[j], '-' | '_' | '0' | '^' | '#' | ':') {
            spec.push(chars[j]);
            j += 1;
        }
        let Some(&c) = chars.get(j) else {
            out.push_str(&spec);
            break;
        };
        // Years outside 0..=9999 as GNU prints them (chrono adds a sign and pads).
        let year = t.year();
        let odd_year = !(0..=9999).contains(&year) && spec == "%";
        let piece = match c {
            'Y' | 'G' if odd_year => {
                let y = if c == 'G' { t.iso_week().year() } else { year };
                if y < 0 { y.to_string() } else { format!("{y:04}") }
            }
            'F' if odd_year => {
                let y = if year > 9999 { format!("+{year}") } else { year.to_string() };
                format!("{y}-{}", t.format("%m-%d"))
            }
            'C' if odd_year => (year / 100).to_string(),
            'y' if odd_year => format!("{:02}", (year % 100).abs()),
            'c' if odd_year => format!("{} {year}", t.format("%a %b %e %H:%M:%S")),
            'N' => format!("{:09}", t.timestamp_subsec_nanos()),
            'Z' => "UTC".to_string(),
            'z' if spec.ends_with(':') => "+00:00".to_string(),
            'z' => "+0000".to_string(),
            'P' => t.format("%P").to_string(),
            '%' => "%".to_string(),
            _ => {
                spec.push(c);
                let mut s = String::new();
                use std::fmt::Write;
                if write!(s, "{}", t.format(&spec)).is_err() {
                    s = spec.clone();
                }
                s
            }
        };
        out.push_str(&piece);
        i = j + 1;
    }
    out
}

pub async fn run(ctx: Ctx) -> i32 {
    // -I takes an optional attached value: -Iseconds.
    let argv: Vec<String> = ctx.args.iter().map(|a| match a.strip_prefix("-I") {
        Some(rest) if !rest.is_empty() && !a.starts_with("--") => format!("--iso-8601={rest}"),
        _ => a.clone(),
    }).collect();
    let p = match args::parse(&argv, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "date", e, 1).await,
    };
    let mut fmt: Option<String> = None;
    for op in &p.operands {
        match op.strip_prefix('+') {
            Some(f) if fmt.is_none() => fmt = Some(f.to_string()),
            _ => {
                let _ = ctx.stderr.write_str(&format!("date: invalid date '{op}'\n")).await;
                return 1;
            }
        }
    }
    let t = if let Some(d) = p.value("d") {
        match parse_date(d) {
            Some(t) => t,
            None => {
                // A number of seconds that is a time_t but no date here.
                match d.trim().strip_prefix('@').filter(|n| epoch_seconds(n).is_some()) {
                    Some(n) => ctx.err(format!("time '{}' is out of range", n.split(['.', ',']).next().unwrap_or(n))).await,
                    None => ctx.err(format!("invalid date '{d}'")).await,
                }
                return 1;
            }
        }
    } else if let Some(r) = p.value("r") {
        match ctx.vfs.stat(&ctx.abs(r)).await {
            Ok(m) => m.modified.map(DateTime::<Utc>::from).unwrap_or_default(),
            Err(e) => {
                ctx.err(format!("{r}: {e}")).await;
                return 1;
            }
        }
    } else {
        Utc::now()
    };
    let iso = p.value("iso-8601").map(|s| s.to_string()).or(if p.has("I") { Some("date".into()) } else { None });
    let f = if let Some(f) = fmt {
        f
    } else if let Some(k) = iso {
        match k.as_str() {
            "hours" => "%Y-%m-%dT%H%:z".into(),
            "minutes" => "%Y-%m-%dT%H:%M%:z".into(),
            "seconds" => "%Y-%m-%dT%H:%M:%S%:z".into(),
            "ns" => "%Y-%m-%dT%H:%M:%S,%N%:z".into(),
            _ => "%Y-%m-%d".into(),
        }
    } else if let Some(k) = p.value("rfc-3339") {
        match k {
            "date" => "%Y-%m-%d".into(),
            "ns" => "%Y-%m-%d %H:%M:%S.%N%:z".into(),
            _ => "%Y-%m-%d %H:%M:%S%:z".into(),
        }
    } else if p.has("R") {
        "%a, %d %b %Y %H:%M:%S %z".into()
    } else {
        "%a %b %e %H:%M:%S %Z %Y".into()
    };
    match common::out(&ctx, format!("{}\n", format(&t, &f))).await {
        Ok(()) => 0,
        Err(c) => c,
    }
}
