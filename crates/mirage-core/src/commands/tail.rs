//! `tail`: the last lines or bytes (`-n N`, `-n +N`, `-c N`, `-c +N`, `-N`, `-q`, `-v`).
//! On a file, `-n N` reads ranged GETs from the end (64 KiB, then doubling) until it has
//! enough lines; `-c N` reads only the last N bytes; `+N` reads from that offset on. The
//! first suffix GET also opens the file and tells its size, so no stat comes before it.

use std::collections::VecDeque;

use futures::StreamExt;

use super::args::{self, flag, value};
use super::head::last_count;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::{LineReader, Reader};
use crate::vfs::{ByteRange, ErrorKind, FsError, Metadata, ReadHandle};

/// The first read from the end for `-n N`; doubled while it holds too few lines.
const FIRST_BLOCK: u64 = 64 * 1024;

const SPEC: &[args::Opt] = &[
    value('n', "lines"),
    value('c', "bytes"),
    flag('q', "quiet"),
    flag('v', "verbose"),
    args::long_flag("silent"),
    flag('f', "follow"),
    flag('F', ""),
    flag('z', "zero-terminated"),
    args::long_value("pid"),
    value('s', "sleep-interval"),
    args::long_flag("retry"),
];

#[derive(Clone, Copy)]
enum Amount {
    /// The last N lines.
    Lines(u64),
    /// From line N on (1-based).
    FromLine(u64),
    Bytes(u64),
    FromByte(u64),
}

enum Stop {
    Pipe,
    Read(FsError),
}

impl From<crate::limits::Stop> for Stop {
    fn from(why: crate::limits::Stop) -> Stop {
        Stop::Read(textutil::stop_error(why))
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let mut argv = ctx.args.clone();
    // Obsolete forms: `tail -5`, `tail +5`, `tail -5c`.
    if let Some(first) = argv.first().cloned() {
        let body = first.strip_prefix('-').or_else(|| first.strip_prefix('+'));
        if let Some(b) = body {
            let digits: String = b.chars().take_while(|c| c.is_ascii_digit()).collect();
            let rest = &b[digits.len()..];
            if !digits.is_empty() && (rest.is_empty() || rest == "c" || rest == "l") && (first.starts_with('-') || argv.len() <= 2) {
                let sign = if first.starts_with('+') { "+" } else { "" };
                argv[0] = if rest == "c" { format!("-c{sign}{digits}") } else { format!("-n{sign}{digits}") };
            }
        }
    }
    let p = match args::parse(&argv, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message("tail")).await;
            return 1;
        }
    };
    let amount = match last_count(&p.opts, '+') {
        Ok(None) => Amount::Lines(10),
        Ok(Some((true, false, n))) => Amount::Lines(n),
        Ok(Some((true, true, n))) => Amount::FromLine(n.max(1)),
        Ok(Some((false, false, n))) => Amount::Bytes(n),
        Ok(Some((false, true, n))) => Amount::FromByte(n.max(1)),
        Err(message) => {
            ctx.err(message).await;
            return 1;
        }
    };
    // GNU opens nothing for the last zero lines or bytes: no header, no error.
    if matches!(amount, Amount::Lines(0) | Amount::Bytes(0)) {
        return 0;
    }
    let delim = if p.has("z") { 0u8 } else { b'\n' };
    let quiet = p.has("q") || p.has("silent");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let headers = !quiet && (p.has("v") || operands.len() > 1);
    let mut status = 0;
    let mut first = true;
    // The last lines or bytes: one suffix GET opens a file and tells its size, no stat first.
    let suffix = match amount {
        Amount::Lines(_) => Some(FIRST_BLOCK),
        Amount::Bytes(n) => Some(n),
        _ => None,
    };
    for op in &operands {
        let abs = ctx.abs(op);
        let mut opened = None;
        // What a failed suffix GET already tells (a missing file, a directory); other
        // failures are left to the stat below.
        let mut known = None;
        if let (Some(len), true) = (suffix, op != "-") {
            match ctx.vfs.read(&abs, Some(ByteRange::Suffix(len))).await {
                Ok(h) => opened = h.total_size.map(|size| (h, size)),
                Err(e) if e.kind == ErrorKind::IsADirectory => known = Some(Ok(Metadata::dir())),
                Err(e) if e.is_not_found() => known = Some(Err(e)),
                Err(_) => {}
            }
        }
        // Open (or stat) before printing the header, as GNU does.
        let size = if op == "-" || opened.is_some() {
            None
        } else {
            let meta = match known {
                Some(k) => k,
                None => ctx.vfs.stat(&abs).await,
            };
            match meta {
                Ok(m) if m.is_dir() => {
                    if headers {
                        if write_header(&ctx, op, first).await.is_err() {
                            return EXIT_PIPE;
                        }
                        first = false;
                    }
                    ctx.err(format!("error reading '{op}': Is a directory")).await;
                    status = 1;
                    continue;
                }
                Ok(m) => Some(m.size),
                Err(e) => {
                    ctx.err(format!("cannot open '{op}' for reading: {e}")).await;
                    status = 1;
                    continue;
                }
            }
        };
        if headers && write_header(&ctx, op, first).await.is_err() {
            return EXIT_PIPE;
        }
        first = false;
        let r = match (opened, size) {
            (Some((h, size)), _) => tail_opened(&ctx, &abs, h, size, amount, delim).await,
            (None, Some(size)) => tail_file(&ctx, &abs, size, amount, delim).await,
            (None, None) => match ctx.open("-").await {
                Ok(reader) => tail_stream(&ctx, reader, amount, delim).await,
                Err(e) => Err(Stop::Read(e)),
            },
        };
        match r {
            Ok(()) => {}
            Err(Stop::Pipe) => return EXIT_PIPE,
            Err(Stop::Read(e)) => {
                ctx.err(format!("error reading '{op}': {e}")).await;
                status = 1;
            }
        }
    }
    status
}

async fn write_header(ctx: &Ctx, op: &str, first: bool) -> Result<(), ()> {
    let name = if op == "-" { "standard input" } else { op };
    let h = if first { format!("==> {name} <==\n") } else { format!("\n==> {name} <==\n") };
    ctx.stdout.write_str(&h).await.map_err(|_| ())
}

/// Stream a ranged read of a file to stdout.
async fn copy_range(ctx: &Ctx, abs: &str, range: ByteRange) -> Result<(), Stop> {
    let mut h = ctx.vfs.read(abs, Some(range)).await.map_err(Stop::Read)?;
    while let Some(c) = h.body.next().await {
        let c = c.map_err(Stop::Read)?;
        ctx.stdout.write(c).await.map_err(|_| Stop::Pipe)?;
    }
    Ok(())
}

async fn collect(h: ReadHandle) -> Result<Vec<u8>, FsError> {
    textutil::read_to_end(Reader::Stream(h.body)).await
}

/// `tail -n N` / `-c N` on a file whose last bytes `h` (a suffix read) are already open.
async fn tail_opened(ctx: &Ctx, abs: &str, mut h: ReadHandle, size: u64, amount: Amount, delim: u8) -> Result<(), Stop> {
    match amount {
        Amount::Lines(n) => {
            let version = h.etag.clone();
            let block = collect(h).await.map_err(Stop::Read)?;
            last_lines(ctx, abs, size, n, delim, Some((block, version))).await
        }
        _ => {
            while let Some(c) = h.body.next().await {
                ctx.stdout.write(c.map_err(Stop::Read)?).await.map_err(|_| Stop::Pipe)?;
            }
            Ok(())
        }
    }
}

/// Print the last `n` lines of a file of `size` bytes, reading blocks from its end, all of
/// one version (the first block and its ETag may already be read).
async fn last_lines(ctx: &Ctx, abs: &str, size: u64, n: u64, delim: u8, read: Option<(Vec<u8>, Option<String>)>) -> Result<(), Stop> {
    let mut want = FIRST_BLOCK;
    let (mut read, mut version) = match read {
        Some((block, etag)) => (Some(block), etag),
        None => (None, None),
    };
    loop {
        let len = want.min(size);
        let block = match read.take() {
            Some(b) => b,
            None => {
                let h = ctx.vfs.read(abs, Some(ByteRange::Suffix(len))).await.map_err(Stop::Read)?;
                h.check_version(&mut version).map_err(Stop::Read)?;
                collect(h).await.map_err(Stop::Read)?
            }
        };
        if block.len() as u64 != len {
            return Err(Stop::Read(FsError::new(ErrorKind::Io)));
        }
        let whole = len == size;
        if let Some(start) = last_lines_start(&block, n, delim, whole) {
            for c in block[start..].chunks(64 * 1024) {
                ctx.stdout.write(c.to_vec()).await.map_err(|_| Stop::Pipe)?;
            }
            return Ok(());
        }
        want = want.saturating_mul(2);
    }
}

async fn tail_file(ctx: &Ctx, abs: &str, size: u64, amount: Amount, delim: u8) -> Result<(), Stop> {
    match amount {
        Amount::Bytes(n) => {
            if n == 0 || size == 0 {
                return Ok(());
            }
            copy_range(ctx, abs, ByteRange::Suffix(n.min(size))).await
        }
        Amount::FromByte(n) => {
            if n > size {
                return Ok(());
            }
            copy_range(ctx, abs, ByteRange::From(n - 1)).await
        }
        Amount::FromLine(n) => {
            if size == 0 {
                return Ok(());
            }
            let h = ctx.vfs.read(abs, None).await.map_err(Stop::Read)?;
            tail_stream(ctx, Reader::Stream(h.body), Amount::FromLine(n), delim).await
        }
        Amount::Lines(n) => {
            if n == 0 || size == 0 {
                return Ok(());
            }
            last_lines(ctx, abs, size, n, delim, None).await
        }
    }
}

/// Where the last `n` lines start in `block` (the end of a file). `None` when the block
/// does not reach back far enough and is not the whole file.
fn last_lines_start(block: &[u8], n: u64, delim: u8, whole: bool) -> Option<usize> {
    let mut end = block.len();
    if block.last() == Some(&delim) {
        end -= 1;
    }
    let mut found = 0u64;
    let mut pos = end;
    while let Some(i) = memchr::memrchr(delim, &block[..pos]) {
        found += 1;
        if found == n {
            return Some(i + 1);
        }
        pos = i;
    }
    if whole {
        Some(0)
    } else {
        None
    }
}

async fn tail_stream(ctx: &Ctx, r: Reader<'_>, amount: Amount, delim: u8) -> Result<(), Stop> {
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = crate::limits::Ticker::new();
    match amount {
        Amount::FromLine(n) => {
            if delim == b'\n' {
                let mut lines = LineReader::new(r);
                let mut i = 1u64;
                while i < n {
                    textutil::ticked(&mut ticker).await?;
                    match lines.next_line().await.map_err(Stop::Read)? {
                        Some(_) => i += 1,
                        None => return Ok(()),
                    }
                }
                // The rest streams through.
                while let Some(l) = lines.next_line().await.map_err(Stop::Read)? {
                    out.put(&l).await.map_err(|_| Stop::Pipe)?;
                }
            } else {
                let all = textutil::read_to_end(r).await.map_err(Stop::Read)?;
                let mut seen = 1u64;
                let mut start = 0;
                while seen < n {
                    textutil::ticked(&mut ticker).await?;
                    match memchr::memchr(delim, &all[start..]) {
                        Some(i) => {
                            start += i + 1;
                            seen += 1;
                        }
                        None => return Ok(()),
                    }
                }
                out.put(&all[start..]).await.map_err(|_| Stop::Pipe)?;
            }
        }
        Amount::FromByte(n) => {
            let mut r = r;
            let mut skip = n - 1;
            while let Some(c) = r.chunk().await.map_err(Stop::Read)? {
                textutil::checkpoint().await?;
                if skip >= c.len() as u64 {
                    skip -= c.len() as u64;
                    continue;
                }
                out.put(&c[skip as usize..]).await.map_err(|_| Stop::Pipe)?;
                skip = 0;
            }
        }
        Amount::Bytes(n) => {
            let mut r = r;
            let mut ring: VecDeque<u8> = VecDeque::new();
            while let Some(c) = r.chunk().await.map_err(Stop::Read)? {
                textutil::checkpoint().await?;
                ring.extend(c.iter());
                while ring.len() as u64 > n {
                    let excess = ring.len() - n as usize;
                    ring.drain(..excess);
                }
            }
            let v: Vec<u8> = ring.into_iter().collect();
            out.put(&v).await.map_err(|_| Stop::Pipe)?;
        }
        Amount::Lines(n) => {
            // Keep only the last chunk of data that holds n lines.
            let mut r = r;
            let mut buf: Vec<u8> = Vec::new();
            // Lines are counted once as they arrive; the buffer is cut back to the last n
            // only once it holds twice as many, so neither a large count nor a small one
            // rescans it for every chunk.
            let mut lines_in_buf = 0u64;
            while let Some(c) = r.chunk().await.map_err(Stop::Read)? {
                textutil::checkpoint().await?;
                textutil::grow(&mut buf, c.len());
                buf.extend_from_slice(&c);
                lines_in_buf += memchr::memchr_iter(delim, &c).count() as u64;
                if buf.len() > 1 << 20 && lines_in_buf > n.saturating_mul(2).max(n + 1) {
                    if let Some(s) = last_lines_start(&buf, n, delim, false) {
                        buf.drain(..s);
                        lines_in_buf = memchr::memchr_iter(delim, &buf).count() as u64;
                    }
                }
            }
            if n > 0 {
                let s = last_lines_start(&buf, n, delim, true).unwrap_or(0);
                out.put(&buf[s..]).await.map_err(|_| Stop::Pipe)?;
            }
        }
    }
    out.flush().await.map_err(|_| Stop::Pipe)
}
