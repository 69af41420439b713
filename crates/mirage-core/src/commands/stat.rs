//! `stat`: file status from one HEAD or listing, never a GET. Default output and `-c`/
//! `--format`, `--printf`, `-t` with `%n %N %s %F %a %A %f %h %b %B %o %i %u %U %g %G %d %D
//! %t %T %m %x %X %y %Y %z %Z %w %W %%` (printf-style flags and widths).
//!
//! Object stores have no inodes, owners, modes or link counts, so stat shows stable
//! values: owner `root` (0), mode 0644 for files and 0755 for directories, 1 link for
//! files and 2 + subdirectories for directories, inode = a 31-bit FNV-1a hash of the
//! absolute path, device 0, access/change times = modification time, birth unknown (`-`),
//! times in UTC.

use std::time::SystemTime;

use super::args::{self, flag, long_value, value};
use super::cfmt::{self, Pieces};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::vfs::Metadata;

const SPEC: &[args::Opt] = &[
    value('c', "format"),
    long_value("printf"),
    flag('t', "terse"),
    flag('L', "dereference"),
    flag('f', "file-system"),
    long_value("cached"),
];

const DEFAULT: &str = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\nDevice: %Hd,%Ld\tInode: %-11i Links: %h\nAccess: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z\n Birth: %w\n";
const TERSE: &str = "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n";

struct Info<'a> {
    name: &'a str,
    abs: &'a str,
    meta: Metadata,
    links: u64,
    mount: String,
}

fn inode(abs: &str) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for b in abs.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    (h & 0x7fff_ffff).max(2)
}

fn quote(name: &str) -> String {
    let safe = name.chars().all(|c| c.is_ascii_alphanumeric() || "._/+-,:@%^=".contains(c));
    if safe && !name.is_empty() {
        name.to_string()
    } else if !name.contains('\'') {
        format!("'{name}'")
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$").replace('`', "\\`"))
    }
}

fn time_text(t: Option<SystemTime>) -> String {
    let t = t.unwrap_or(SystemTime::UNIX_EPOCH);
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    dt.format("%Y-%m-%d %H:%M:%S.%f +0000").to_string()
}

fn epoch(t: Option<SystemTime>) -> String {
    let t = t.unwrap_or(SystemTime::UNIX_EPOCH);
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs().to_string(),
        Err(e) => format!("-{}", e.duration().as_secs()),
    }
}

/// Expand one `%` directive.
fn directive(c: char, modifier: Option<char>, i: &Info<'_>) -> Option<(String, bool)> {
    let dir = i.meta.is_dir();
    let size = if dir { 4096 } else { i.meta.size };
    // (text, numeric)
    Some(match (modifier, c) {
        (Some('H'), 'd') | (Some('L'), 'd') => ("0".into(), true),
        (_, 'n') => (i.name.to_string(), false),
        (_, 'N') => (quote(i.name), false),
        (_, 's') => (size.to_string(), true),
        (_, 'F') => (
            if dir {
                "directory"
            } else if i.meta.size == 0 {
                "regular empty file"
            } else {
                "regular file"
            }
            .into(),
            false,
        ),
        (_, 'a') => ((if dir { "755" } else { "644" }).into(), true),
        (_, 'A') => ((if dir { "drwxr-xr-x" } else { "-rw-r--r--" }).into(), false),
        (_, 'f') => ((if dir { "41ed" } else { "81a4" }).into(), false),
        (_, 'h') => (i.links.to_string(), true),
        (_, 'b') => ((if dir { 8 } else { i.meta.size.div_ceil(4096) * 8 }).to_string(), true),
        (_, 'B') => ("512".into(), true),
        (_, 'o') => ("4096".into(), true),
        (_, 'i') => (inode(i.abs).to_string(), true),
        (_, 'u') | (_, 'g') => ("0".into(), true),
        (_, 'U') | (_, 'G') => ("root".into(), false),
        (_, 'd') => ("0".into(), true),
        (_, 'D') => ("0".into(), false),
        (_, 't') | (_, 'T') => ("0".into(), false),
        (_, 'm') => (i.mount.clone(), false),
        (_, 'x') | (_, 'y') | (_, 'z') => (time_text(i.meta.modified), false),
        (_, 'X') | (_, 'Y') | (_, 'Z') => (epoch(i.meta.modified), true),
        (_, 'w') => ("-".into(), false),
        (_, 'W') => ("0".into(), true),
        (_, 'C') => ("?".into(), false),
        _ => return None,
    })
}

/// Render a format; `escapes` for `--printf` (backslash escapes, no newline added). Padding
/// comes back as runs (`cfmt::Pieces`), so a width from the format is never allocated: as in
/// GNU, a width or precision up to `INT_MAX` is printed in full, and a directive with a larger
/// one prints nothing (its `printf` fails with `EOVERFLOW`).
fn render(fmt: &str, i: &Info<'_>, escapes: bool) -> Pieces {
    let cs: Vec<char> = fmt.chars().collect();
    let mut out = Pieces::new();
    let mut k = 0;
    let push_char = |out: &mut Pieces, c: char| {
        let mut b = [0u8; 4];
        out.text(c.encode_utf8(&mut b).as_bytes());
    };
    while k < cs.len() {
        let c = cs[k];
        if escapes && c == '\\' && k + 1 < cs.len() {
            let rest: String = cs[k..].iter().collect();
            // Decode one escape with the shared C-unescaper.
            let mut take = 2;
            if cs[k + 1].is_digit(8) {
                while take < 4 && k + take < cs.len() && cs[k + take].is_digit(8) {
                    take += 1;
                }
            }
            let esc: String = rest.chars().take(take).collect();
            out.text(&textutil::c_unescape(&esc));
            k += take;
            continue;
        }
        if c != '%' || k + 1 >= cs.len() {
            push_char(&mut out, c);
            k += 1;
            continue;
        }
        k += 1;
        let start = k;
        while k < cs.len() && "-+ #0".contains(cs[k]) {
            k += 1;
        }
        let flags: String = cs[start..k].iter().collect();
        let number = |k: &mut usize| -> u64 {
            let mut v = 0u64;
            while *k < cs.len() && cs[*k].is_ascii_digit() {
                v = v.saturating_mul(10).saturating_add(cs[*k] as u64 - '0' as u64);
                *k += 1;
            }
            v
        };
        let width = number(&mut k);
        let mut prec: Option<u64> = None;
        if k < cs.len() && cs[k] == '.' {
            k += 1;
            prec = Some(number(&mut k));
        }
        let Some(&d) = cs.get(k) else {
            out.text(b"%");
            out.text(flags.as_bytes());
            break;
        };
        k += 1;
        if d == '%' {
            out.text(b"%");
            continue;
        }
        let mut modifier = None;
        let mut conv = d;
        if (d == 'H' || d == 'L') && cs.get(k) == Some(&'d') {
            modifier = Some(d);
            conv = 'd';
            k += 1;
        }
        match directive(conv, modifier, i) {
            Some((text, numeric)) => {
                if width > cfmt::INT_MAX as u64 || prec.is_some_and(|p| p > cfmt::INT_MAX as u64) {
                    continue;
                }
                let mut body = Pieces::new();
                let mut len = text.chars().count() as u64;
                match prec {
                    Some(p) if !numeric => {
                        let t: String = text.chars().take(p.min(len) as usize).collect();
                        len = t.chars().count() as u64;
                        body.text(t.as_bytes());
                    }
                    Some(p) if (text.len() as u64) < p => {
                        body.run(b'0', p - text.len() as u64);
                        body.text(text.as_bytes());
                        len = p;
                    }
                    _ => body.text(text.as_bytes()),
                }
                let pad = width.saturating_sub(len);
                if flags.contains('-') {
                    out.append(body);
                    out.run(b' ', pad);
                } else if flags.contains('0') && numeric {
                    out.run(b'0', pad);
                    out.append(body);
                } else {
                    out.run(b' ', pad);
                    out.append(body);
                }
            }
            None => {
                out.text(b"?");
            }
        }
    }
    out
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    if p.operands.is_empty() {
        return textutil::usage_msg(&ctx, "missing operand", 1).await;
    }
    let (fmt, escapes) = if let Some(f) = p.value("printf") {
        (f.to_string(), true)
    } else if let Some(f) = p.value("c") {
        (format!("{f}\n"), false)
    } else if p.has("t") {
        (TERSE.to_string(), false)
    } else {
        (DEFAULT.to_string(), false)
    };
    let wants_links = {
        let b = fmt.as_bytes();
        (0..b.len()).any(|i| {
            b[i] == b'%' && {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_digit() || b"-+ #0.".contains(&b[j])) {
                    j += 1;
                }
                b.get(j) == Some(&b'h')
            }
        })
    };
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    for op in &p.operands {
        let abs = ctx.abs(op);
        let meta = match ctx.vfs.stat(&abs).await {
            Ok(m) => m,
            Err(e) => {
                ctx.err(format!("cannot statx '{op}': {e}")).await;
                status = 1;
                continue;
            }
        };
        let links = if meta.is_dir() && wants_links {
            match ctx.vfs.read_dir(&abs).await {
                Ok(es) => 2 + es.iter().filter(|e| e.meta.is_dir()).count() as u64,
                Err(_) => 2,
            }
        } else if meta.is_dir() {
            2
        } else {
            1
        };
        let mount = ctx.vfs.mount_of(&abs).map(|m| m.prefix.clone()).unwrap_or_else(|| "/".into());
        let info = Info { name: op, abs: &abs, meta, links, mount };
        let text = render(&fmt, &info, escapes);
        if out.put_pieces(&text).await.is_err() || out.flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    status
}
