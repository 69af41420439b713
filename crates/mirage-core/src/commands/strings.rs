//! `strings`: printable runs of at least 4 (`-n N`) characters, one per line (`-t o|d|x`).

use super::common;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

pub async fn run(ctx: Ctx) -> i32 {
    let mut min = 4usize;
    let mut radix: Option<char> = None;
    let mut files = Vec::new();
    let args = ctx.args.clone();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(v) = a.strip_prefix("-n").or_else(|| a.strip_prefix("--bytes=")) {
            let v = if v.is_empty() {
                i += 1;
                args.get(i).cloned().unwrap_or_default()
            } else {
                v.to_string()
            };
            // Too large for a number is as large as can be: nothing is that long.
            let n = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) { Some(v.parse::<usize>().unwrap_or(usize::MAX)) } else { None };
            match n {
                Some(n) if n > 0 => min = n,
                _ => {
                    ctx.err(format!("invalid minimum string length {v}")).await;
                    return 1;
                }
            }
        } else if let Some(v) = a.strip_prefix("-t") {
            let v = if v.is_empty() {
                i += 1;
                args.get(i).cloned().unwrap_or_default()
            } else {
                v.to_string()
            };
            radix = v.chars().next();
        } else if a == "-a" || a == "--all" {
        } else if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) {
            min = a[1..].parse().unwrap_or(usize::MAX).max(1);
        } else {
            files.push(a.clone());
        }
        i += 1;
    }
    if files.is_empty() {
        files.push("-".into());
    }
    let mut status = 0;
    for f in &files {
        let data = match common::read_all(&ctx, f).await {
            Ok(d) => d,
            Err(e) => {
                // binutils' wording: "No such file" for a missing one.
                let msg = if e.is_not_found() { "No such file".to_string() } else { e.to_string() };
                let _ = ctx.stderr.write_str(&format!("strings: '{f}': {msg}\n")).await;
                status = 1;
                continue;
            }
        };
        let mut out = Out::new(&ctx.stdout);
        let mut st = 0;
        let mut run = 0;
        let mut ticker = crate::limits::Ticker::every(1 << 16);
        for (k, &b) in data.iter().chain(std::iter::once(&0u8)).enumerate() {
            if let Err(why) = ticker.tick() {
                return textutil::halt(&ctx, why).await;
            }
            if (0x20..0x7f).contains(&b) || b == b'\t' {
                if run == 0 {
                    st = k;
                }
                run += 1;
            } else {
                if run >= min {
                    let o = out.buf();
                    match radix {
                        Some('d') => o.extend_from_slice(format!("{st:7} ").as_bytes()),
                        Some('o') => o.extend_from_slice(format!("{st:7o} ").as_bytes()),
                        Some('x') => o.extend_from_slice(format!("{st:7x} ").as_bytes()),
                        _ => {}
                    }
                    o.extend_from_slice(&data[st..k]);
                    o.push(b'\n');
                    if out.maybe_flush().await.is_err() {
                        return EXIT_PIPE;
                    }
                }
                run = 0;
            }
        }
        if out.flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    status
}
