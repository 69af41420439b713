//! `xxd`: hex dumps (`-p -r -l -s -c -g -u -i -b`) as vim's xxd prints them.

use super::common;
use super::{Ctx, EXIT_PIPE};

fn num(s: &str) -> Option<i64> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) { i64::from_str_radix(h, 16).ok()? } else { t.parse().ok()? };
    Some(if neg { -v } else { v })
}

pub async fn run(ctx: Ctx) -> i32 {
    let mut plain = false;
    let mut reverse = false;
    let mut upper = false;
    let mut include = false;
    let mut bits = false;
    let mut len: Option<i64> = None;
    let mut seek: i64 = 0;
    let mut cols: Option<usize> = None;
    let mut group: Option<usize> = None;
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
            _ if a.starts_with("-l") => len = val("-l").and_then(|v| num(&v)),
            _ if a.starts_with("-s") => seek = val("-s").and_then(|v| num(&v)).unwrap_or(0),
            _ if a.starts_with("-c") => cols = val("-c").and_then(|v| num(&v)).map(|v| v.max(1) as usize),
            _ if a.starts_with("-g") => group = val("-g").and_then(|v| num(&v)).map(|v| v.max(0) as usize),
            _ if a.starts_with('-') && a.len() > 1 => {
                let _ = ctx.stderr.write_str("Usage:\n       xxd [options] [infile [outfile]]\n    or\n       xxd -r [-s [-]offset] [-c cols] [-ps] [infile [outfile]]\n").await;
                return 1;
            }
            _ => files.push(a.to_string()),
        }
        i += 1;
    }
    let op = files.first().cloned().unwrap_or_else(|| "-".into());
    let mut data = match common::read_all(&ctx, &op).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("{op}: {e}")).await;
            return 2;
        }
    };
    if reverse {
        let out = if plain {
            let hex: Vec<u8> = data.iter().copied().filter(|b| b.is_ascii_hexdigit()).collect();
            hex.chunks(2).filter(|c| c.len() == 2).map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap_or("00"), 16).unwrap_or(0)).collect::<Vec<u8>>()
        } else {
            let mut out: Vec<u8> = Vec::new();
            for line in data.split(|b| *b == b'\n') {
                let text = String::from_utf8_lossy(line);
                let Some((off, rest)) = text.split_once(':') else { continue };
                let Ok(off) = usize::from_str_radix(off.trim(), 16) else { continue };
                // The hex part ends at two spaces before the ASCII column.
                let hex_part = rest.split("  ").next().unwrap_or("");
                let hex: Vec<u8> = hex_part.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
                if out.len() < off {
                    out.resize(off, 0);
                }
                let bytes: Vec<u8> = hex.chunks(2).filter(|c| c.len() == 2).map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap_or("00"), 16).unwrap_or(0)).collect();
                out.truncate(off);
                out.extend_from_slice(&bytes);
            }
            out
        };
        return match ctx.stdout.write(out).await {
            Ok(()) => 0,
            Err(_) => EXIT_PIPE,
        };
    }
    let start = if seek < 0 { (data.len() as i64 + seek).max(0) as usize } else { (seek as usize).min(data.len()) };
    data.drain(..start);
    if let Some(l) = len {
        data.truncate(l.max(0) as usize);
    }
    let hexd = |b: u8| if bits { format!("{b:08b}") } else if upper { format!("{b:02X}") } else { format!("{b:02x}") };
    let mut out = String::new();
    if include {
        let c = cols.unwrap_or(12);
        let lines: Vec<String> = data
            .chunks(c)
            .map(|chunk| {
                let items: Vec<String> = chunk.iter().map(|b| if upper { format!("0X{b:02X}") } else { format!("0x{b:02x}") }).collect();
                format!("  {}", items.join(", "))
            })
            .collect();
        let body = if lines.is_empty() { String::new() } else { format!("{}\n", lines.join(",\n")) };
        if op == "-" {
            out = body;
        } else {
            let name: String = op.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' }).collect();
            let name = if name.starts_with(|ch: char| ch.is_ascii_digit()) { format!("__{name}") } else { name };
            out = format!("unsigned char {name}[] = {{\n{body}}};\nunsigned int {name}_len = {};\n", data.len());
        }
    } else if plain {
        let c = cols.unwrap_or(30);
        for chunk in data.chunks(c) {
            for b in chunk {
                out.push_str(&hexd(*b));
            }
            out.push('\n');
        }
    } else {
        let c = cols.unwrap_or(if bits { 6 } else { 16 });
        let g = group.unwrap_or(if bits { 1 } else { 2 });
        let w = if bits { 8 } else { 2 };
        let groups_w = |n: usize| if g == 0 { n * w } else { n * w + n.div_ceil(g) };
        let full = groups_w(c);
        for (k, chunk) in data.chunks(c).enumerate() {
            let off = start + k * c;
            let mut line = if upper { format!("{off:08X}:") } else { format!("{off:08x}:") };
            let mut hex = String::new();
            for (j, b) in chunk.iter().enumerate() {
                if g == 0 {
                    if j == 0 {
                        hex.push(' ');
                    }
                } else if j % g == 0 {
                    hex.push(' ');
                }
                hex.push_str(&hexd(*b));
            }
            while hex.len() < full {
                hex.push(' ');
            }
            line.push_str(&hex);
            line.push_str("  ");
            for b in chunk {
                line.push(if (0x20..0x7f).contains(b) { *b as char } else { '.' });
            }
            line.push('\n');
            out.push_str(&line);
        }
    }
    match common::out(&ctx, out).await {
        Ok(()) => 0,
        Err(c) => c,
    }
}
