//! `xxd`: hex dumps (`-p -r -l -s -c -g -u -i -b`) as vim's xxd prints them.

use super::common;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

/// C's `strtol(s, NULL, 0)`: blanks, a sign, `0x` hex or `0` octal or decimal, as many digits
/// as there are; saturating; 0 when there are none.
fn strtol(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit())) {
        (16, h)
    } else if t.starts_with('0') {
        (8, t)
    } else {
        (10, t)
    };
    let mut v: i128 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        v = (v * radix as i128 + d as i128).min(i64::MAX as i128 + 1);
    }
    let v = if neg { -v } else { v };
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Most columns of a normal or bits dump (xxd's `COLS`).
const COLS: i64 = 256;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Plain,
    Include,
    Bits,
}

pub async fn run(ctx: Ctx) -> i32 {
    let mut plain = false;
    let mut reverse = false;
    let mut upper = false;
    let mut include = false;
    let mut bits = false;
    let mut len: Option<i64> = None;
    // `-s [+][-]N`: (relative, from the end, offset).
    let mut seek: Option<(bool, bool, i64)> = None;
    let mut cols: i64 = 0;
    let mut group: i64 = -1;
    let mut files = Vec::new();
    let args = ctx.args.clone();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut val = |name: &str| -> Option<String> {
            if a.len() > name.len() && a.starts_with(name) {
                Some(a[name.len()..].trim_start_matches('=').to_string())
            } else {
                i += 1;
                args.get(i).cloned()
            }
        };
        match a {
            "-p" | "-ps" | "-postscript" | "-plain" => plain = true,
            "-r" | "-revert" => reverse = true,
            "-rp" | "-pr" => {
                reverse = true;
                plain = true
            }
            "-u" => upper = true,
            "-i" | "-include" => include = true,
            "-b" | "-bits" => bits = true,
            _ if a.starts_with("-l") => len = val("-l").map(|v| strtol(&v)),
            _ if a.starts_with("-s") => {
                seek = val("-s").map(|v| {
                    let rel = v.starts_with('+');
                    let rest = if rel { &v[1..] } else { &v[..] };
                    let neg = rest.starts_with('-');
                    (rel, neg, strtol(if neg { &rest[1..] } else { rest }))
                })
            }
            _ if a.starts_with("-c") => cols = val("-c").map(|v| strtol(&v) as i32 as i64).unwrap_or(0),
            _ if a.starts_with("-g") => group = val("-g").map(|v| strtol(&v) as i32 as i64).unwrap_or(-1),
            _ if a.starts_with('-') && a.len() > 1 => {
                let _ = ctx.stderr.write_str("Usage:\n       xxd [options] [infile [outfile]]\n    or\n       xxd -r [-s [-]offset] [-c cols] [-ps] [infile [outfile]]\n").await;
                return 1;
            }
            _ => files.push(a.to_string()),
        }
        i += 1;
    }
    let kind = if bits {
        Kind::Bits
    } else if include {
        Kind::Include
    } else if plain {
        Kind::Plain
    } else {
        Kind::Normal
    };
    if cols == 0 {
        cols = match kind {
            Kind::Plain => 30,
            Kind::Include => 12,
            Kind::Bits => 6,
            Kind::Normal => 16,
        };
    }
    let bad_cols = match kind {
        Kind::Plain => cols < 0,
        Kind::Include => cols < 1,
        Kind::Normal | Kind::Bits => !(1..=COLS).contains(&cols),
    };
    if bad_cols && !reverse {
        let _ = ctx.stderr.write_str(&format!("xxd: invalid number of columns (max. {COLS}).\n")).await;
        return 1;
    }
    let op = files.first().cloned().unwrap_or_else(|| "-".into());
    let data = match common::read_all(&ctx, &op).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("{op}: {e}")).await;
            return 2;
        }
    };
    let mut out = Out::new(&ctx.stdout);
    if reverse {
        return revert(&ctx, &data, plain, &mut out).await;
    }
    // Where the dump starts: a file seeks (past its end is an empty dump), stdin skips what
    // it reads (past its end is an error), and neither seeks before the start.
    let size = data.len() as i64;
    let start = match seek {
        None => 0,
        Some((_, true, off)) => {
            if off > size {
                let _ = ctx.stderr.write_str("xxd: Sorry, cannot seek.\n").await;
                return 4;
            }
            size.saturating_sub(off)
        }
        Some((_, false, off)) => {
            if off < 0 || (op == "-" && off > size) || off == i64::MAX {
                let _ = ctx.stderr.write_str("xxd: Sorry, cannot seek.\n").await;
                return 4;
            }
            off
        }
    };
    let skip = (start.min(size)) as usize;
    let mut data = &data[skip..];
    if let Some(l) = len.filter(|l| *l >= 0) {
        data = &data[..data.len().min(usize::try_from(l).unwrap_or(usize::MAX))];
    }
    let c = cols.max(1) as usize;
    let hexd = |b: u8, s: &mut String| {
        use std::fmt::Write;
        let _ = if bits {
            write!(s, "{b:08b}")
        } else if upper {
            write!(s, "{b:02X}")
        } else {
            write!(s, "{b:02x}")
        };
    };
    let mut text = String::new();
    let mut ticker = crate::limits::Ticker::every(64);
    // Send `text` when it is large enough.
    macro_rules! flush {
        () => {{
            if text.len() >= textutil::CHUNK {
                if out.put(text.as_bytes()).await.is_err() {
                    return EXIT_PIPE;
                }
                text.clear();
            }
            if let Err(code) = textutil::tick(&ctx, &mut ticker).await {
                return code;
            }
        }};
    }
    if include {
        let name: String = op.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' }).collect();
        let name = if name.starts_with(|ch: char| ch.is_ascii_digit()) { format!("__{name}") } else { name };
        if op != "-" {
            text.push_str(&format!("unsigned char {name}[] = {{\n"));
        }
        for (k, chunk) in data.chunks(c).enumerate() {
            if k > 0 {
                text.push_str(",\n");
            }
            text.push_str("  ");
            for (j, b) in chunk.iter().enumerate() {
                if j > 0 {
                    text.push_str(", ");
                }
                text.push_str(if upper { "0X" } else { "0x" });
                hexd(*b, &mut text);
            }
            flush!();
        }
        if !data.is_empty() {
            text.push('\n');
        }
        if op != "-" {
            text.push_str(&format!("}};\nunsigned int {name}_len = {};\n", data.len()));
        }
    } else if plain {
        for chunk in data.chunks(c) {
            for b in chunk {
                hexd(*b, &mut text);
            }
            text.push('\n');
            flush!();
        }
    } else {
        let g = if group < 0 { if bits { 1 } else { 2 } } else { group as usize };
        let w = if bits { 8 } else { 2 };
        let groups_w = |n: usize| if g == 0 { n * w } else { n * w + n.div_ceil(g) };
        let full = groups_w(c);
        for (k, chunk) in data.chunks(c).enumerate() {
            let off = start as u64 + (k * c) as u64;
            let line_start = text.len();
            text.push_str(&if upper { format!("{off:08X}:") } else { format!("{off:08x}:") });
            let hex_start = text.len();
            for (j, b) in chunk.iter().enumerate() {
                if g == 0 {
                    if j == 0 {
                        text.push(' ');
                    }
                } else if j % g == 0 {
                    text.push(' ');
                }
                hexd(*b, &mut text);
            }
            while text.len() - hex_start < full {
                text.push(' ');
            }
            text.push_str("  ");
            for b in chunk {
                text.push(if (0x20..0x7f).contains(b) { *b as char } else { '.' });
            }
            text.push('\n');
            let _ = line_start;
            flush!();
        }
    }
    if out.put(text.as_bytes()).await.is_err() || out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}

/// `xxd -r [-p]`: bytes from a dump. Output only moves forward: a gap before a line's
/// offset is written as zeros (streamed), and an offset before what was written already is
/// xxd's `Sorry, cannot seek backwards.` (status 5), as when it writes to a pipe.
async fn revert(ctx: &Ctx, data: &[u8], plain: bool, out: &mut Out<'_>) -> i32 {
    let hex_byte = |c: &[u8]| -> u8 { std::str::from_utf8(c).ok().and_then(|t| u8::from_str_radix(t, 16).ok()).unwrap_or(0) };
    if plain {
        let hex: Vec<u8> = data.iter().copied().filter(|b| b.is_ascii_hexdigit()).collect();
        for pair in hex.chunks(2).filter(|c| c.len() == 2) {
            out.buf().push(hex_byte(pair));
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
        }
        return if out.flush().await.is_err() { EXIT_PIPE } else { 0 };
    }
    let mut written: u64 = 0;
    let mut ticker = crate::limits::Ticker::new();
    for line in data.split(|b| *b == b'\n') {
        if let Err(code) = textutil::tick(ctx, &mut ticker).await {
            return code;
        }
        let text = String::from_utf8_lossy(line);
        let Some((off, rest)) = text.split_once(':') else { continue };
        let Ok(off) = u64::from_str_radix(off.trim(), 16) else { continue };
        // The hex part ends at two spaces before the ASCII column.
        let hex_part = rest.split("  ").next().unwrap_or("");
        let hex: Vec<u8> = hex_part.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
        if off < written {
            if out.flush().await.is_err() {
                return EXIT_PIPE;
            }
            let _ = ctx.stderr.write_str("xxd: Sorry, cannot seek backwards.\n").await;
            return 5;
        }
        if out.put_run(0, off - written).await.is_err() {
            return EXIT_PIPE;
        }
        written = off;
        for pair in hex.chunks(2).filter(|c| c.len() == 2) {
            out.buf().push(hex_byte(pair));
            written += 1;
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}
