//! `touch`: create empty files and set modification times (`-c -a -m -d -t -r`). Resources
//! that cannot change a timestamp (object stores: it would mean rewriting the object) keep
//! the time they have; the file is still created when missing.

use std::time::SystemTime;

use bytes::Bytes;
use chrono::{NaiveDate, TimeZone, Utc};

use super::args::{self, flag, value};
use super::common;
use super::Ctx;
use crate::vfs::{path, ErrorKind, FsError};
const SPEC: &[args::Opt] = &[
    flag('c', "no-create"),
    flag('a', ""),
    flag('m', ""),
    flag('f', ""),
    flag('h', "no-dereference"),
    value('d', "date"),
    value('t', ""),
    value('r', "reference"),
    args::long_value("time"),
];

/// `[[CC]YY]MMDDhhmm[.ss]` (POSIX `touch -t`), in UTC.
fn parse_stamp(s: &str) -> Option<SystemTime> {
    let (main, secs) = match s.split_once('.') {
        Some((m, ss)) if ss.len() == 2 && ss.bytes().all(|b| b.is_ascii_digit()) => (m, ss.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (s, 0),
    };
    if !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| main[a..b].parse::<u32>().ok();
    let (year, rest) = match main.len() {
        8 => (Utc::now().format("%Y").to_string().parse::<i32>().ok()?, 0),
        10 => {
            let yy = n(0, 2)? as i32;
            (if yy < 69 { 2000 + yy } else { 1900 + yy }, 2)
        }
        12 => (n(0, 4)? as i32, 4),
        _ => return None,
    };
    let (mo, d, h, mi) = (n(rest, rest + 2)?, n(rest + 2, rest + 4)?, n(rest + 4, rest + 6)?, n(rest + 6, rest + 8)?);
    let dt = NaiveDate::from_ymd_opt(year, mo, d)?.and_hms_opt(h, mi, secs.min(59))?;
    Some(Utc.from_utc_datetime(&dt).into())
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "touch", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("touch: missing file operand\nTry 'touch --help' for more information.\n").await;
        return 1;
    }
    // The time to set: None is "now".
    let mut explicit: Option<SystemTime> = None;
    if let Some(r) = p.value("r") {
        match ctx.vfs.stat(&ctx.abs(r)).await {
            Ok(m) => explicit = Some(m.modified.unwrap_or(SystemTime::UNIX_EPOCH)),
            Err(e) => {
                ctx.err(format!("failed to get attributes of '{r}': {e}")).await;
                return 1;
            }
        }
    }
    if let Some(d) = p.value("d") {
        match super::date::parse_date(d) {
            Some(t) => explicit = Some(t.into()),
            None => {
                ctx.err(format!("invalid date format '{d}'")).await;
                return 1;
            }
        }
    }
    if let Some(t) = p.value("t") {
        match parse_stamp(t) {
            Some(t) => explicit = Some(t),
            None => {
                ctx.err(format!("invalid date format '{t}'")).await;
                return 1;
            }
        }
    }
    // `-a` alone changes only the access time, which no resource keeps.
    let set_mtime = !p.has("a") || p.has("m");
    let mut status = 0;
    for op in &p.operands {
        let abs = ctx.abs(op);
        let exists = match ctx.vfs.stat(&abs).await {
            Ok(_) => true,
            Err(e) if e.is_not_found() => false,
            Err(e) => {
                ctx.err(format!("cannot touch '{op}': {e}")).await;
                status = 1;
                continue;
            }
        };
        if !exists {
            if p.has("c") {
                continue;
            }
            let r = match ctx.vfs.check_writable(&abs) {
                Err(e) => Err(e),
                Ok(()) => match ctx.vfs.stat(path::dirname(&abs)).await {
                    Ok(m) if m.is_dir() => ctx.vfs.write(&abs, Bytes::new()).await,
                    Ok(_) => Err(FsError::new(ErrorKind::NotADirectory)),
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = r {
                ctx.err(format!("cannot touch '{op}': {e}")).await;
                status = 1;
                continue;
            }
            if explicit.is_none() {
                continue;
            }
        }
        if !set_mtime {
            if let Err(e) = ctx.vfs.check_writable(&abs) {
                ctx.err(format!("setting times of '{op}': {e}")).await;
                status = 1;
            }
            continue;
        }
        let when = explicit.unwrap_or_else(SystemTime::now);
        match ctx.vfs.set_modified(&abs, when).await {
            Ok(()) => {}
            // Object stores keep the time the object was written.
            Err(e) if e.kind == ErrorKind::Unsupported => {}
            Err(e) => {
                ctx.err(format!("setting times of '{op}': {e}")).await;
                status = 1;
            }
        }
    }
    status
}
