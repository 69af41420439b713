//! `strings`: printable runs of at least 4 (`-n N`) characters, one per line (`-t o|d|x`).

use super::common;
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
            match v.parse::<usize>() {
                Ok(n) if n > 0 => min = n,
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
            min = a[1..].parse().unwrap_or(4);
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
        let mut out = Vec::new();
        let mut st = 0;
        let mut run = 0;
        for (k, &b) in data.iter().chain(std::iter::once(&0u8)).enumerate() {
            if (0x20..0x7f).contains(&b) || b == b'\t' {
                if run == 0 {
                    st = k;
                }
                run += 1;
            } else {
                if run >= min {
                    match radix {
                        Some('d') => out.extend_from_slice(format!("{st:7} ").as_bytes()),
                        Some('o') => out.extend_from_slice(format!("{st:7o} ").as_bytes()),
                        Some('x') => out.extend_from_slice(format!("{st:7x} ").as_bytes()),
                        _ => {}
                    }
                    out.extend_from_slice(&data[st..k]);
                    out.push(b'\n');
                }
                run = 0;
            }
        }
        if ctx.stdout.write(out).await.is_err() {
            return EXIT_PIPE;
        }
    }
    status
}
