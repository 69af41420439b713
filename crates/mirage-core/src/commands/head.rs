//! `head`: the first lines or bytes (`-n N`, `-n -N`, `-c N`, `-c -N`, `-q`, `-v`, `-N`).
//! On a file it reads ranges: `-c N` one ranged read of N bytes, `-n N` ranged reads of
//! growing size that stop once N lines are out, `-c -N` the size from `stat` and then one
//! ranged read.

use super::args::{self, flag, value};
use super::textutil;
use super::{Ctx, EXIT_PIPE};
use bytes::Bytes;
use futures::StreamExt;

use crate::shell::io::{LineReader, Reader};
use crate::vfs::{ByteRange, ErrorKind, FsError};

const SPEC: &[args::Opt] = &[value('n', "lines"), value('c', "bytes"), flag('q', "quiet"), flag('v', "verbose"), args::long_flag("silent")];

#[derive(Clone, Copy)]
enum Amount {
    Lines(u64),
    AllButLastLines(u64),
    Bytes(u64),
    AllButLastBytes(u64),
}

/// GNU's size suffixes for counts: `k`, `M`, `G`, ... `Q`, `KB`, `MiB`, `b` (512), ...
/// `None` when not a count or too large.
pub fn parse_count(s: &str) -> Option<u64> {
    count(s).ok()
}

/// A count as `head`, `tail` and `split` read it (gnulib's `xdectoumax` with the suffixes
/// `bkKmMGTPEZYRQ0`).
pub fn count(s: &str) -> Result<u64, super::textutil::NumError> {
    super::textutil::xdectoumax(s, 0, u64::MAX, "bkKmMGTPEZYRQ0")
}

/// The last `-n`/`-c` option as `head` and `tail` read it: whether it counts lines, whether
/// its value carried `mark` (`-` for head's "all but the last", `+` for tail's "from the
/// start"; the other sign is allowed and means nothing), and the count. `Ok(None)` when
/// neither option is given; `Err` is GNU's message for the first bad value.
pub fn last_count(opts: &[args::Found], mark: char) -> Result<Option<(bool, bool, u64)>, String> {
    let other = if mark == '-' { '+' } else { '-' };
    let mut last = None;
    for o in opts {
        let (Some(v), true) = (o.value.as_deref(), o.key == "n" || o.key == "c") else { continue };
        let (marked, digits) = match v.strip_prefix(mark) {
            Some(d) => (true, d),
            None => (false, v.strip_prefix(other).unwrap_or(v)),
        };
        let n = match count(digits) {
            Ok(n) => n,
            Err(e) => {
                let what = if o.key == "n" { "invalid number of lines" } else { "invalid number of bytes" };
                // head quotes the number without its `-`; tail quotes the whole value.
                return Err(e.message(what, if marked && mark == '-' { digits } else { v }));
            }
        };
        last = Some((o.key == "n", marked, n));
    }
    Ok(last)
}

pub async fn run(ctx: Ctx) -> i32 {
    // `head -5` is `head -n 5`.
    let mut argv = ctx.args.clone();
    if let Some(first) = argv.first() {
        if first.len() > 1 && first.starts_with('-') && first[1..].chars().all(|c| c.is_ascii_digit()) {
            argv[0] = format!("-n{}", &first[1..]);
        }
    }
    let p = match args::parse(&argv, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message("head")).await;
            return 1;
        }
    };
    let amount = match last_count(&p.opts, '-') {
        Ok(None) => Amount::Lines(10),
        Ok(Some((true, false, n))) => Amount::Lines(n),
        Ok(Some((true, true, n))) => Amount::AllButLastLines(n),
        Ok(Some((false, false, n))) => Amount::Bytes(n),
        Ok(Some((false, true, n))) => Amount::AllButLastBytes(n),
        Err(message) => {
            ctx.err(message).await;
            return 1;
        }
    };
    let quiet = p.has("q") || p.has("silent");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let headers = !quiet && (p.has("v") || operands.len() > 1);
    let mut status = 0;
    let mut first = true;
    for op in &operands {
        let name = if op == "-" { "standard input" } else { op.as_str() };
        let header = headers.then(|| if first { format!("==> {name} <==\n") } else { format!("\n==> {name} <==\n") });
        let r = if op == "-" {
            match header {
                Some(h) if ctx.stdout.write_str(&h).await.is_err() => return EXIT_PIPE,
                _ => {}
            }
            first = false;
            let reader = Reader::Stdin(ctx.stdin.lock().await);
            copy_head(&ctx, reader, amount).await.map_err(|e| match e {
                None => Stop::Pipe,
                Some(e) => Stop::Read(e),
            })
        } else {
            let r = head_file(&ctx, &ctx.abs(op), amount, header.as_deref()).await;
            if !matches!(r, Err(Stop::Open(_))) {
                first = false;
            }
            r
        };
        match r {
            Ok(()) => {}
            Err(Stop::Pipe) => return EXIT_PIPE,
            Err(Stop::Open(e)) => {
                ctx.err(format!("cannot open '{op}' for reading: {e}")).await;
                status = 1;
            }
            Err(Stop::Read(e)) => {
                ctx.err(format!("error reading '{op}': {e}")).await;
                status = 1;
            }
        }
    }
    status
}

enum Stop {
    Pipe,
    /// The file could not be opened (nothing was printed for it).
    Open(FsError),
    Read(FsError),
}

/// First ranged read of `head -n` on a file; each next one is twice as large, up to
/// `RANGE_MAX`, after which the rest is streamed. Each read stops as soon as the answer is
/// complete (dropping a body cancels its download).
const RANGE_FIRST: u64 = 64 * 1024;
const RANGE_MAX: u64 = 4 << 20;
/// Largest piece written to stdout at once.
const OUT_CHUNK: usize = 64 * 1024;

async fn emit(ctx: &Ctx, data: &[u8]) -> Result<(), Stop> {
    for piece in data.chunks(OUT_CHUNK) {
        ctx.stdout.write(Bytes::copy_from_slice(piece)).await.map_err(|_| Stop::Pipe)?;
    }
    Ok(())
}

/// An open failure. A directory opens (its header is printed) and fails when read, as in GNU.
async fn open_failed(ctx: &Ctx, header: Option<&str>, e: FsError) -> Stop {
    if e.kind != ErrorKind::IsADirectory {
        return Stop::Open(e);
    }
    if let Some(h) = header {
        if ctx.stdout.write_str(h).await.is_err() {
            return Stop::Pipe;
        }
    }
    Stop::Read(e)
}

/// `head` of a file, reading only the bytes the answer needs.
async fn head_file(ctx: &Ctx, abs: &str, amount: Amount, header: Option<&str>) -> Result<(), Stop> {
    let print_header = || async {
        match header {
            Some(h) => ctx.stdout.write_str(h).await.map_err(|_| Stop::Pipe),
            None => Ok(()),
        }
    };
    match amount {
        Amount::Lines(0) | Amount::Bytes(0) => {
            // Nothing to read, but the file must exist (a directory is fine: nothing is read).
            ctx.vfs.stat(abs).await.map_err(Stop::Open)?;
            print_header().await
        }
        Amount::Bytes(n) => {
            let mut h = match ctx.vfs.read(abs, Some(ByteRange::Span { start: 0, end_inclusive: n - 1 })).await {
                Ok(h) => h,
                Err(e) => return Err(open_failed(ctx, header, e).await),
            };
            print_header().await?;
            let mut left = n;
            while left > 0 {
                let Some(c) = h.body.next().await else { break };
                let c = c.map_err(Stop::Read)?;
                let take = (c.len() as u64).min(left) as usize;
                emit(ctx, &c[..take]).await?;
                left -= take as u64;
            }
            Ok(())
        }
        Amount::Lines(n) => {
            let mut left = n;
            let mut offset = 0u64;
            let mut size = RANGE_FIRST;
            let mut total: Option<u64> = None;
            let mut out: Vec<u8> = Vec::new();
            let mut opened = false;
            let mut version = None;
            loop {
                let range = if size > RANGE_MAX {
                    ByteRange::From(offset)
                } else {
                    ByteRange::Span { start: offset, end_inclusive: offset + size - 1 }
                };
                let mut h = match ctx.vfs.read(abs, Some(range)).await {
                    Ok(h) => h,
                    Err(e) if !opened => return Err(open_failed(ctx, header, e).await),
                    Err(e) => {
                        emit(ctx, &out).await?;
                        return Err(Stop::Read(e));
                    }
                };
                if !opened {
                    opened = true;
                    print_header().await?;
                }
                if let Err(e) = h.check_version(&mut version) {
                    emit(ctx, &out).await?;
                    return Err(Stop::Read(e));
                }
                total = h.total_size.or(total);
                let mut got = 0u64;
                while let Some(c) = h.body.next().await {
                    let c = match c {
                        Ok(c) => c,
                        Err(e) => {
                            emit(ctx, &out).await?;
                            return Err(Stop::Read(e));
                        }
                    };
                    got += c.len() as u64;
                    let mut cut = None;
                    for i in memchr::memchr_iter(b'\n', &c) {
                        left -= 1;
                        if left == 0 {
                            cut = Some(i + 1);
                            break;
                        }
                    }
                    match cut {
                        Some(k) => {
                            out.extend_from_slice(&c[..k]);
                            // Done: dropping `h` stops its download.
                            return emit(ctx, &out).await;
                        }
                        None => out.extend_from_slice(&c),
                    }
                    if out.len() >= OUT_CHUNK {
                        emit(ctx, &out).await?;
                        out.clear();
                    }
                }
                offset += got;
                let eof = match (range, total) {
                    (ByteRange::From(_), _) => true,
                    (_, Some(t)) => offset >= t,
                    _ => got < size,
                };
                if eof || got == 0 {
                    return emit(ctx, &out).await;
                }
                size *= 2;
            }
        }
        Amount::AllButLastBytes(n) => {
            let meta = ctx.vfs.stat(abs).await.map_err(Stop::Open)?;
            if meta.is_dir() {
                return Err(open_failed(ctx, header, FsError::new(ErrorKind::IsADirectory)).await);
            }
            print_header().await?;
            if meta.size <= n {
                return Ok(());
            }
            let mut h = ctx
                .vfs
                .read(abs, Some(ByteRange::Span { start: 0, end_inclusive: meta.size - n - 1 }))
                .await
                .map_err(Stop::Read)?;
            let mut left = meta.size - n;
            while left > 0 {
                let Some(c) = h.body.next().await else { break };
                let c = c.map_err(Stop::Read)?;
                let take = (c.len() as u64).min(left) as usize;
                emit(ctx, &c[..take]).await?;
                left -= take as u64;
            }
            Ok(())
        }
        Amount::AllButLastLines(_) => {
            let h = match ctx.vfs.read(abs, None).await {
                Ok(h) => h,
                Err(e) => return Err(open_failed(ctx, header, e).await),
            };
            print_header().await?;
            copy_head(ctx, Reader::Stream(h.body), amount).await.map_err(|e| match e {
                None => Stop::Pipe,
                Some(e) => Stop::Read(e),
            })
        }
    }
}

/// `Err(None)` when the output pipe closed.
async fn copy_head(ctx: &Ctx, mut r: Reader<'_>, amount: Amount) -> Result<(), Option<FsError>> {
    let out = &ctx.stdout;
    let mut ticker = crate::limits::Ticker::new();
    let stopped = |why| Some(textutil::stop_error(why));
    match amount {
        Amount::Bytes(mut n) => {
            while n > 0 {
                textutil::checkpoint().await.map_err(stopped)?;
                let Some(c) = r.chunk().await.map_err(Some)? else { break };
                let take = (c.len() as u64).min(n) as usize;
                out.write(c.slice(..take)).await.map_err(|_| None)?;
                n -= take as u64;
            }
        }
        Amount::Lines(n) => {
            let mut lines = LineReader::new(r);
            let mut buf = Vec::new();
            for _ in 0..n {
                textutil::ticked(&mut ticker).await.map_err(stopped)?;
                let Some(l) = lines.next_line().await.map_err(Some)? else { break };
                buf.extend_from_slice(&l);
                if buf.len() >= 64 * 1024 {
                    out.write(std::mem::take(&mut buf)).await.map_err(|_| None)?;
                }
            }
            out.write(buf).await.map_err(|_| None)?;
        }
        Amount::AllButLastBytes(n) => {
            let all = textutil::read_to_end(r).await.map_err(Some)?;
            let keep = all.len().saturating_sub(n as usize);
            out.write(all[..keep].to_vec()).await.map_err(|_| None)?;
        }
        Amount::AllButLastLines(n) => {
            let mut lines = LineReader::new(r);
            let mut window: std::collections::VecDeque<Vec<u8>> = std::collections::VecDeque::new();
            let mut buf = Vec::new();
            while let Some(l) = lines.next_line().await.map_err(Some)? {
                textutil::ticked(&mut ticker).await.map_err(stopped)?;
                window.push_back(l);
                if window.len() as u64 > n {
                    let Some(l) = window.pop_front() else { break };
                    buf.extend_from_slice(&l);
                    if buf.len() >= OUT_CHUNK {
                        out.write(std::mem::take(&mut buf)).await.map_err(|_| None)?;
                    }
                }
            }
            out.write(buf).await.map_err(|_| None)?;
        }
    }
    Ok(())
}
