//! `gzip`, `gunzip`, `zcat` (flate2): `-c -d -k -f -l -t -n -q -v -1..-9`. `gzip f` writes
//! `f.gz` and removes `f` (unless `-k`) on a writable mount; `gunzip f.gz` the reverse.

use std::io::{Read, Write};

use bytes::Bytes;

use super::common;
use super::{Ctx, EXIT_PIPE};

#[derive(Default)]
struct Opts {
    stdout: bool,
    decompress: bool,
    keep: bool,
    force: bool,
    list: bool,
    test: bool,
    quiet: bool,
    level: u32,
}

/// Pieces compressed or inflated between two looks at the stop switch.
const PIECE: usize = 256 << 10;

fn compress(data: &[u8], name: Option<&str>, level: u32) -> std::io::Result<Vec<u8>> {
    let mut b = flate2::GzBuilder::new();
    if let Some(n) = name {
        b = b.filename(n.as_bytes());
    }
    let mut enc = b.write(Vec::new(), flate2::Compression::new(level));
    for piece in data.chunks(PIECE) {
        crate::limits::checkpoint().map_err(|e| std::io::Error::new(std::io::ErrorKind::Interrupted, e))?;
        enc.write_all(piece)?;
    }
    enc.finish()
}

/// Inflate gzip members (all of them, as gzip does) in pieces: a small input can hold a
/// huge output, so its growth is checked against the memory budget and the stop switch.
pub(crate) fn inflate(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let mut d = flate2::read::MultiGzDecoder::new(data);
    let mut buf = vec![0u8; 64 << 10];
    loop {
        if crate::limits::checkpoint().is_err() {
            return Err("Interrupted");
        }
        let n = match d.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err("invalid compressed data--format violated"),
        };
        if out.len() + n > out.capacity() && crate::limits::reserve(out.capacity().max(n)).is_err() {
            return Err("Cannot allocate memory");
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Why a streamed inflate ended early.
enum Inflate {
    /// The reader went away.
    Pipe,
    /// The execute is stopping.
    Stopped,
    /// Not gzip, or corrupt (GNU's wording).
    Bad(&'static str),
}

/// Inflate every gzip member of `data` to stdout, 64 KiB at a time.
async fn inflate_to(ctx: &Ctx, data: &[u8]) -> Result<(), Inflate> {
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(Inflate::Bad("not in gzip format"));
    }
    let mut d = flate2::read::MultiGzDecoder::new(data);
    loop {
        if crate::limits::checkpoint().is_err() {
            return Err(Inflate::Stopped);
        }
        let mut buf = vec![0u8; 64 << 10];
        let n = match d.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Inflate::Bad("invalid compressed data--format violated")),
        };
        buf.truncate(n);
        if ctx.stdout.write(buf).await.is_err() {
            return Err(Inflate::Pipe);
        }
    }
}

fn decompress(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err("not in gzip format");
    }
    inflate(data)
}

pub async fn run(ctx: Ctx) -> i32 {
    let name = ctx.name.clone();
    let mut o = Opts { level: 6, ..Default::default() };
    match name.as_str() {
        "gunzip" => o.decompress = true,
        "zcat" => {
            o.decompress = true;
            o.stdout = true
        }
        _ => {}
    }
    let mut files = Vec::new();
    let mut only_files = false;
    for a in &ctx.args {
        if only_files || !a.starts_with('-') || a == "-" {
            files.push(a.clone());
            continue;
        }
        if a == "--" {
            only_files = true;
            continue;
        }
        if let Some(l) = a.strip_prefix("--") {
            match l {
                "stdout" | "to-stdout" => o.stdout = true,
                "decompress" | "uncompress" => o.decompress = true,
                "keep" => o.keep = true,
                "force" => o.force = true,
                "list" => o.list = true,
                "test" => o.test = true,
                "quiet" => o.quiet = true,
                "no-name" | "name" | "verbose" | "best" | "fast" => {}
                _ => {
                    let _ = ctx.stderr.write_str(&format!("{name}: unrecognized option '{a}'\nTry `{name} --help' for more information.\n")).await;
                    return 1;
                }
            }
            continue;
        }
        for c in a[1..].chars() {
            match c {
                'c' => o.stdout = true,
                'd' => o.decompress = true,
                'k' => o.keep = true,
                'f' => o.force = true,
                'l' => o.list = true,
                't' => o.test = true,
                'q' => o.quiet = true,
                'n' | 'N' | 'v' | 'r' => {}
                '1'..='9' => o.level = c.to_digit(10).unwrap_or(6),
                _ => {
                    let _ = ctx.stderr.write_str(&format!("{name}: invalid option -- '{c}'\nTry `{name} --help' for more information.\n")).await;
                    return 1;
                }
            }
        }
    }
    if files.is_empty() {
        files.push("-".into());
    }
    let mut status = 0;
    let mut list_header = false;
    for f in &files {
        let stdin = f == "-";
        let data = match common::read_all(&ctx, f).await {
            Ok(d) => d,
            Err(e) => {
                let _ = ctx.stderr.write_str(&format!("gzip: {f}: {e}\n")).await;
                status = 1;
                continue;
            }
        };
        if o.test {
            // Check integrity only: nothing is written.
            if let Err(m) = decompress(&data) {
                if super::textutil::checkpoint().await.is_err() {
                    return 1;
                }
                let _ = ctx.stderr.write_str(&format!("gzip: {f}: {m}\n")).await;
                status = 1;
            }
            continue;
        }
        if o.list {
            if !list_header {
                list_header = true;
                if common::out(&ctx, "         compressed        uncompressed  ratio uncompressed_name\n").await.is_err() {
                    return EXIT_PIPE;
                }
            }
            let plain = match decompress(&data) {
                Ok(p) => p,
                Err(_) if super::textutil::checkpoint().await.is_err() => return 1,
                Err(m) => {
                    let _ = ctx.stderr.write_str(&format!("gzip: {f}: {m}\n")).await;
                    status = 1;
                    continue;
                }
            };
            let mut header = 18usize;
            if data.len() > 10 && data[3] & 0x08 != 0 {
                header += data[10..].iter().position(|b| *b == 0).map(|p| p + 1).unwrap_or(0);
            }
            let un = plain.len() as f64;
            let ratio = if un == 0.0 { 0.0 } else { (un - (data.len() as f64 - header as f64)) / un * 100.0 };
            let base = f.strip_suffix(".gz").unwrap_or(f);
            let line = format!("{:>19} {:>19} {:>5.1}% {}\n", data.len(), plain.len(), ratio, base);
            if common::out(&ctx, line).await.is_err() {
                return EXIT_PIPE;
            }
            continue;
        }
        if o.decompress {
            let out_name = if stdin || o.stdout {
                None
            } else {
                match f.strip_suffix(".gz").or_else(|| f.strip_suffix(".tgz").map(|_| "")) {
                    Some(b) if !b.is_empty() => Some(b.to_string()),
                    _ => {
                        let _ = ctx.stderr.write_str(&format!("gzip: {f}: unknown suffix -- ignored\n")).await;
                        status = status.max(2);
                        continue;
                    }
                }
            };
            if out_name.is_none() {
                // To stdout: stream, so `zcat bomb | head -c 10` inflates a few chunks, not
                // gigabytes, and memory stays flat whatever the ratio.
                match inflate_to(&ctx, &data).await {
                    Ok(()) => {}
                    Err(Inflate::Pipe) => return EXIT_PIPE,
                    Err(Inflate::Stopped) => return 1,
                    Err(Inflate::Bad(m)) => {
                        // GNU gzip starts this message with a blank line.
                        let _ = ctx.stderr.write_str(&format!("\ngzip: {}: {m}\n", if stdin { "stdin" } else { f })).await;
                        status = 1;
                    }
                }
                continue;
            }
            let plain = match decompress(&data) {
                Ok(p) => p,
                Err(_) if super::textutil::checkpoint().await.is_err() => return 1,
                Err(m) => {
                    // GNU gzip starts this message with a blank line.
                    let _ = ctx.stderr.write_str(&format!("\ngzip: {}: {m}\n", if stdin { "stdin" } else { f })).await;
                    status = 1;
                    continue;
                }
            };
            match out_name {
                None => {
                    if ctx.stdout.write(plain).await.is_err() {
                        return EXIT_PIPE;
                    }
                }
                Some(n) => {
                    if let Err(c) = put(&ctx, f, &n, plain, &o).await {
                        status = status.max(c);
                    }
                }
            }
            continue;
        }
        if !stdin && !o.stdout && f.ends_with(".gz") && !o.force {
            let _ = ctx.stderr.write_str(&format!("gzip: {f} already has .gz suffix -- unchanged\n")).await;
            status = status.max(2);
            continue;
        }
        let fname = if stdin { None } else { Some(crate::vfs::path::basename(&ctx.abs(f)).to_string()) };
        let gz = match compress(&data, fname.as_deref(), o.level) {
            Ok(g) => g,
            Err(_) if super::textutil::checkpoint().await.is_err() => return 1,
            Err(e) => {
                let _ = ctx.stderr.write_str(&format!("gzip: {f}: {e}\n")).await;
                status = 1;
                continue;
            }
        };
        if stdin || o.stdout {
            if ctx.stdout.write(gz).await.is_err() {
                return EXIT_PIPE;
            }
        } else if let Err(c) = put(&ctx, f, &format!("{f}.gz"), gz, &o).await {
            status = status.max(c);
        }
    }
    status
}

/// Write the result next to the source and remove the source unless `-k`.
async fn put(ctx: &Ctx, src: &str, dst: &str, data: Vec<u8>, o: &Opts) -> Result<(), i32> {
    let dabs = ctx.abs(dst);
    if !o.force && ctx.vfs.stat(&dabs).await.is_ok() {
        let _ = ctx.stderr.write_str(&format!("gzip: {dst} already exists;\tnot overwritten\n")).await;
        return Err(2);
    }
    if let Err(e) = ctx.vfs.write(&dabs, Bytes::from(data)).await {
        let _ = ctx.stderr.write_str(&format!("gzip: {dst}: {e}\n")).await;
        return Err(1);
    }
    if !o.keep {
        if let Err(e) = ctx.vfs.remove_file(&ctx.abs(src)).await {
            let _ = ctx.stderr.write_str(&format!("gzip: {src}: {e}\n")).await;
            return Err(1);
        }
    }
    let _ = o.quiet;
    Ok(())
}
