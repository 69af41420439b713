//! `file`: the type of each file from its first bytes (one ranged GET of up to 8 KiB; a
//! gzip file larger than that needs a second 4-byte GET for its size), in file 5.x's
//! words: `empty`, `directory`, `ASCII text` (`, with CRLF line terminators`, `, with no
//! line terminators`, `, with very long lines (N)`), `Unicode text, UTF-8 text`, `JSON
//! text data`, scripts with `#!`, XML, HTML, PDF, PNG, GIF, JPEG, gzip, bzip2, xz, zstd,
//! Zip, ELF, else `data`. `-b` brief, `-i`/`--mime` MIME types, `--mime-type`, `-L`.

use futures::StreamExt;

use super::args::{self, flag, long_flag, value};
use super::textutil;
use super::{Ctx, EXIT_PIPE};
use crate::vfs::ByteRange;

const SPEC: &[args::Opt] = &[
    flag('b', "brief"),
    flag('i', "mime"),
    long_flag("mime-type"),
    long_flag("mime-encoding"),
    flag('L', "dereference"),
    flag('h', "no-dereference"),
    flag('z', "uncompress"),
    value('F', "separator"),
    flag('N', "no-pad"),
    flag('k', "keep-going"),
    flag('E', ""),
];

const HEAD: u64 = 8192;

struct Kind {
    desc: String,
    mime: &'static str,
    charset: &'static str,
}

fn kind(desc: impl Into<String>, mime: &'static str, charset: &'static str) -> Kind {
    Kind { desc: desc.into(), mime, charset }
}

fn le16(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 2).map(|x| u16::from_le_bytes([x[0], x[1]]) as u32).unwrap_or(0)
}

fn be32(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]])).unwrap_or(0)
}

/// Text classification: (description, charset) or None for binary data.
fn text_kind(b: &[u8], complete: bool) -> Option<(String, &'static str)> {
    let ascii = b.iter().all(|&c| c == b'\n' || c == b'\r' || c == b'\t' || c == 0x0c || c == 0x1b || c == 8 || (0x20..0x7f).contains(&c));
    let (base, charset) = if ascii {
        ("ASCII text", "us-ascii")
    } else {
        // Valid UTF-8 (allowing a character cut at the end of a partial read).
        let ok = match std::str::from_utf8(b) {
            Ok(_) => true,
            Err(e) => !complete && e.error_len().is_none(),
        };
        let ctrl_ok = b.iter().all(|&c| c >= 0x20 || c == b'\n' || c == b'\r' || c == b'\t' || c == 0x0c || c == 0x1b || c == 8);
        if ok && ctrl_ok {
            ("Unicode text, UTF-8 text", "utf-8")
        } else {
            return None;
        }
    };
    let mut desc = base.to_string();
    let crlf = memchr::memmem::find(b, b"\r\n").is_some();
    let lf_alone = b.iter().enumerate().any(|(i, &c)| c == b'\n' && (i == 0 || b[i - 1] != b'\r'));
    let cr_alone = b.iter().enumerate().any(|(i, &c)| c == b'\r' && b.get(i + 1) != Some(&b'\n'));
    let maxlen = b.split(|&c| c == b'\n').map(|l| l.len()).max().unwrap_or(0);
    if maxlen > 300 {
        desc.push_str(&format!(", with very long lines ({maxlen})"));
    }
    if crlf && !lf_alone && !cr_alone {
        desc.push_str(", with CRLF line terminators");
    } else if crlf && lf_alone {
        desc.push_str(", with CRLF, LF line terminators");
    } else if cr_alone && !lf_alone {
        desc.push_str(", with CR line terminators");
    } else if !b.contains(&b'\n') && !b.contains(&b'\r') {
        desc.push_str(", with no line terminators");
    }
    Some((desc, charset))
}

fn looks_json(b: &[u8], complete: bool) -> bool {
    let t = b.iter().position(|c| !c.is_ascii_whitespace()).map(|i| &b[i..]).unwrap_or(&[]);
    if !(t.starts_with(b"{") || t.starts_with(b"[")) {
        return false;
    }
    if complete {
        serde_json::from_slice::<serde_json::Value>(b).is_ok()
    } else {
        false
    }
}

/// Several lines, each one JSON object or array (libmagic's NDJSON check).
fn looks_ndjson(b: &[u8]) -> bool {
    let lines: Vec<&[u8]> = b.split(|&c| c == b'\n').filter(|l| !l.iter().all(|c| c.is_ascii_whitespace())).collect();
    lines.len() >= 2
        && lines.iter().all(|l| {
            let t = l.iter().position(|c| !c.is_ascii_whitespace()).map(|i| &l[i..]).unwrap_or(&[]);
            (t.starts_with(b"{") || t.starts_with(b"[")) && serde_json::from_slice::<serde_json::Value>(l).is_ok()
        })
}

/// libmagic's CSV check (is_csv.c): every line has the same number of commas outside
/// quotes, at least one; decided at the 10th line, else more than two lines are needed.
fn looks_csv(b: &[u8]) -> bool {
    let (mut nf, mut tf, mut nl) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        match c {
            b'"' => {
                // Skip the quoted part ("" is an escaped quote).
                while i < b.len() {
                    if b[i] == b'"' {
                        if b.get(i + 1) == Some(&b'"') {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
            b',' => nf += 1,
            b'\n' => {
                nl += 1;
                if nl == 10 {
                    return tf != 0 && tf == nf;
                }
                if tf == 0 {
                    if nf == 0 {
                        return false;
                    }
                    tf = nf;
                } else if tf != nf {
                    return false;
                }
                nf = 0;
            }
            _ => {}
        }
    }
    tf != 0 && nl > 2
}

/// ES module or CommonJS source: a line starting `export function`/`const`/`default`/
/// `class`, `import ... from '...'`, or `... = require(`.
fn looks_javascript(b: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&b[..b.len().min(8192)]);
    text.lines().any(|l| {
        let l = l.trim_start();
        ["export function ", "export const ", "export default ", "export class ", "export async function ", "module.exports"].iter().any(|p| l.starts_with(p))
            || (l.starts_with("import ") && (l.contains(" from '") || l.contains(" from \"")))
            || ((l.starts_with("const ") || l.starts_with("var ") || l.starts_with("let ")) && l.contains("require("))
    })
}

fn classify(b: &[u8], size: u64, complete: bool, tail: Option<[u8; 4]>) -> Kind {
    if b.starts_with(&[0x1f, 0x8b]) {
        let flags = b.get(3).copied().unwrap_or(0);
        let mut desc = String::from("gzip compressed data");
        let mtime = b.get(4..8).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]])).unwrap_or(0);
        let mut pos = 10usize;
        if flags & 0x04 != 0 {
            pos += 2 + le16(b, pos) as usize;
        }
        if flags & 0x08 != 0 {
            let end = b[pos.min(b.len())..].iter().position(|&c| c == 0).map(|e| pos + e).unwrap_or(b.len());
            let name = String::from_utf8_lossy(&b[pos.min(b.len())..end]).into_owned();
            desc.push_str(&format!(", was \"{name}\""));
        }
        if mtime != 0 {
            let dt = chrono::DateTime::<chrono::Utc>::from_timestamp(mtime as i64, 0).unwrap_or_default();
            desc.push_str(&format!(", last modified: {}", dt.format("%a %b %e %H:%M:%S %Y")));
        }
        match b.get(8) {
            Some(2) => desc.push_str(", max compression"),
            Some(4) => desc.push_str(", max speed"),
            _ => {}
        }
        match b.get(9) {
            Some(3) => desc.push_str(", from Unix"),
            Some(0) => desc.push_str(", from FAT filesystem (MS-DOS, OS/2, NT)"),
            Some(11) => desc.push_str(", from NTFS filesystem (NT)"),
            _ => {}
        }
        if let Some(t) = tail {
            desc.push_str(&format!(", original size modulo 2^32 {}", u32::from_le_bytes(t)));
        }
        return kind(desc, "application/gzip", "binary");
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() >= 26 {
        let (w, h) = (be32(b, 16), be32(b, 20));
        let depth = b[24];
        let color = match b[25] {
            0 => "grayscale",
            2 => "RGB",
            3 => "colormap",
            4 => "gray+alpha",
            6 => "RGBA",
            _ => "unknown",
        };
        let inter = if b.get(28) == Some(&1) { "interlaced" } else { "non-interlaced" };
        return kind(format!("PNG image data, {w} x {h}, {depth}-bit/color {color}, {inter}"), "image/png", "binary");
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        let v = String::from_utf8_lossy(&b[3..6]).into_owned();
        return kind(format!("GIF image data, version {v}, {} x {}", le16(b, 6), le16(b, 8)), "image/gif", "binary");
    }
    if b.starts_with(&[0xff, 0xd8, 0xff]) {
        return kind("JPEG image data", "image/jpeg", "binary");
    }
    if b.starts_with(b"%PDF-") {
        let v: String = b[5..].iter().take_while(|c| c.is_ascii_digit() || **c == b'.').map(|&c| c as char).collect();
        return kind(format!("PDF document, version {v}"), "application/pdf", "binary");
    }
    if b.starts_with(b"PK\x03\x04") {
        return kind("Zip archive data, at least v2.0 to extract", "application/zip", "binary");
    }
    if b.starts_with(b"BZh") {
        return kind("bzip2 compressed data, block size = 900k", "application/x-bzip2", "binary");
    }
    if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return kind("XZ compressed data, checksum CRC64", "application/x-xz", "binary");
    }
    if b.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return kind("Zstandard compressed data (v0.8+), Dictionary ID: None", "application/zstd", "binary");
    }
    if b.starts_with(b"\x7fELF") {
        let bits = if b.get(4) == Some(&2) { "64-bit" } else { "32-bit" };
        let endian = if b.get(5) == Some(&2) { "MSB" } else { "LSB" };
        return kind(format!("ELF {bits} {endian} executable"), "application/x-executable", "binary");
    }
    if b.len() > 262 && &b[257..262] == b"ustar" {
        return kind("POSIX tar archive (GNU)", "application/x-tar", "binary");
    }
    let _ = size;
    let Some((text, charset)) = text_kind(b, complete) else {
        return kind("data", "application/octet-stream", "binary");
    };
    if b.starts_with(b"#!") {
        let first: String = String::from_utf8_lossy(b.split(|&c| c == b'\n').next().unwrap_or(b"")).into_owned();
        let words: Vec<&str> = first[2..].split_whitespace().collect();
        let prog = match words.first() {
            Some(p) if p.ends_with("/env") => words.get(1).copied().unwrap_or(""),
            Some(p) => p.rsplit('/').next().unwrap_or(p),
            None => "",
        };
        let (name, mime) = match prog {
            "bash" => ("Bourne-Again shell script", "text/x-shellscript"),
            "sh" => ("POSIX shell script", "text/x-shellscript"),
            "zsh" => ("Paul Falstad's zsh script", "text/x-shellscript"),
            p if p.starts_with("python") => ("Python script", "text/x-script.python"),
            "node" => ("Node.js script", "application/javascript"),
            "perl" => ("Perl script", "text/x-perl"),
            "ruby" => ("Ruby script", "text/x-ruby"),
            _ => ("", "text/plain"),
        };
        if !name.is_empty() {
            return kind(format!("{name}, {text} executable"), mime, charset);
        }
        let interp = words.first().copied().unwrap_or("");
        return kind(format!("a {interp} script, {text} executable"), "text/plain", charset);
    }
    let trimmed = b.iter().position(|c| !c.is_ascii_whitespace()).map(|i| &b[i..]).unwrap_or(&[]);
    if trimmed.starts_with(b"<?xml") {
        return kind(format!("XML 1.0 document, {text}"), "text/xml", charset);
    }
    let lower: Vec<u8> = trimmed.iter().take(64).map(|c| c.to_ascii_lowercase()).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return kind(format!("HTML document, {text}"), "text/html", charset);
    }
    if looks_json(b, complete) {
        return kind("JSON text data", "application/json", charset);
    }
    if complete && looks_ndjson(b) {
        return kind("New Line Delimited JSON text data", "application/x-ndjson", charset);
    }
    if charset == "us-ascii" && looks_csv(b) {
        return kind(text.replacen("ASCII text", "CSV text", 1), "text/csv", charset);
    }
    if looks_javascript(b) {
        return kind(format!("JavaScript source, {text}"), "application/javascript", charset);
    }
    kind(text, "text/plain", charset)
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("Usage: file [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n       file -C [-m <magicfiles>]\n       file [--help]\n").await;
        return 1;
    }
    let brief = p.has("b");
    let mime = p.has("i");
    let mime_type = p.has("mime-type");
    let mime_enc = p.has("mime-encoding");
    let sep = p.value("F").unwrap_or(":").to_string();
    let pad = !p.has("N");
    let width = p.operands.iter().map(|o| o.chars().count() + sep.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for op in &p.operands {
        let abs = ctx.abs(op);
        let k = match ctx.vfs.stat(&abs).await {
            Err(e) => {
                let msg = format!("cannot open `{op}' ({})", e.kind.strerror());
                Kind { desc: msg, mime: "", charset: "" }
            }
            Ok(m) if m.is_dir() => kind("directory", "inode/directory", "binary"),
            Ok(m) if m.size == 0 => kind("empty", "inode/x-empty", "binary"),
            Ok(m) => {
                let len = m.size.min(HEAD);
                let mut data = Vec::new();
                let read = ctx.vfs.read(&abs, Some(ByteRange::Span { start: 0, end_inclusive: len - 1 })).await;
                match read {
                    Ok(mut h) => {
                        while let Some(c) = h.body.next().await {
                            match c {
                                Ok(c) => data.extend_from_slice(&c),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(e) => {
                        out.push_str(&format!("{op}{sep} cannot open `{op}' ({})\n", e.kind.strerror()));
                        continue;
                    }
                }
                data.truncate(len as usize);
                let complete = m.size <= HEAD;
                let tail = if data.starts_with(&[0x1f, 0x8b]) {
                    if complete && data.len() >= 4 {
                        let n = data.len();
                        Some([data[n - 4], data[n - 3], data[n - 2], data[n - 1]])
                    } else {
                        let mut t = Vec::new();
                        if let Ok(mut h) = ctx.vfs.read(&abs, Some(ByteRange::Suffix(4))).await {
                            while let Some(Ok(c)) = h.body.next().await {
                                t.extend_from_slice(&c);
                            }
                        }
                        (t.len() == 4).then(|| [t[0], t[1], t[2], t[3]])
                    }
                } else {
                    None
                };
                classify(&data, m.size, complete, tail)
            }
        };
        let body = if k.mime.is_empty() {
            k.desc.clone()
        } else if mime {
            format!("{}; charset={}", k.mime, k.charset)
        } else if mime_type {
            k.mime.to_string()
        } else if mime_enc {
            k.charset.to_string()
        } else {
            k.desc.clone()
        };
        if brief {
            out.push_str(&body);
        } else {
            let label = format!("{op}{sep}");
            out.push_str(&label);
            if pad {
                out.push_str(&" ".repeat(width - label.chars().count()));
            }
            out.push(' ');
            out.push_str(&body);
        }
        out.push('\n');
    }
    if ctx.stdout.write_str(&out).await.is_err() {
        return EXIT_PIPE;
    }
    0
}
