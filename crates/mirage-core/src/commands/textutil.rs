//! Small helpers shared by the text commands (sort, uniq, cut, tr, grep, find, ...):
//! usage errors, whole-input reads, record splitting, buffered output, C escapes.

use std::time::Duration;

use bytes::Bytes;

use super::args::{self, Parsed, UsageError};
use super::Ctx;
use crate::limits::{self, Stop};
use crate::shell::io::{BrokenPipe, Output, Reader};
use crate::vfs::FsError;

/// Output is flushed in chunks of about this size.
pub const CHUNK: usize = 64 * 1024;

/// Parse `ctx.args`, printing GNU's usage message and returning `Err(code)` on failure.
pub async fn parse_or_usage(ctx: &Ctx, spec: &[args::Opt], code: i32) -> Result<Parsed, i32> {
    parse_args_or_usage(ctx, &ctx.args, spec, code).await
}

pub async fn parse_args_or_usage(ctx: &Ctx, argv: &[String], spec: &[args::Opt], code: i32) -> Result<Parsed, i32> {
    match args::parse(argv, spec) {
        Ok(p) => Ok(p),
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message(&ctx.name)).await;
            Err(code)
        }
    }
}

/// Print `cmd: message` plus the `Try 'cmd --help'` hint.
pub async fn usage_msg(ctx: &Ctx, message: &str, code: i32) -> i32 {
    let _ = ctx.stderr.write_str(&format!("{0}: {message}\nTry '{0} --help' for more information.\n", ctx.name)).await;
    code
}

pub fn usage_text(e: &UsageError, cmd: &str) -> String {
    e.message(cmd)
}

/// Read a whole operand (`-` = stdin), stopping at the memory budget or a deadline (see
/// [`read_to_end`]).
pub async fn read_all(ctx: &Ctx, op: &str) -> Result<Vec<u8>, FsError> {
    let r = ctx.open(op).await?;
    read_to_end(r).await
}

/// Everything `r` has left. A checkpoint before every chunk: once the execute must stop (its
/// deadline, an abort, its session over the memory budget) this waits to be dropped with it
/// (see [`halt`]). The buffer doubles only while the budget has room for it, so holding an
/// input never asks for more than the budget at once.
pub async fn read_to_end(mut r: Reader<'_>) -> Result<Vec<u8>, FsError> {
    let mut out: Vec<u8> = Vec::new();
    while let Some(c) = r.chunk().await? {
        if let Err(why) = limits::checkpoint() {
            halt_quietly(why).await;
            return Err(stop_error(why));
        }
        grow(&mut out, c.len());
        out.extend_from_slice(&c);
    }
    Ok(out)
}

/// Make room for `more` items in `v`: double it while the memory budget allows; a doubling
/// the budget has no room for is refused (which stops the execute at its next checkpoint),
/// and the vector then grows by at most a few MiB, so no input that is too large is ever
/// held in one allocation past the budget.
pub fn grow<T>(v: &mut Vec<T>, more: usize) {
    let free = v.capacity() - v.len();
    if free >= more {
        return;
    }
    let size = std::mem::size_of::<T>().max(1);
    let double = v.capacity().max(more).max(4096 / size);
    if limits::reserve(double.saturating_mul(size)).is_ok() {
        v.reserve(double);
    } else {
        v.reserve_exact(more.max((4 << 20) / size));
    }
}

/// How long a stopped command waits to be dropped with its execute before it gives up and
/// reports the stop itself (only ever reached outside an execute's runtime).
const HALT_GRACE: Duration = Duration::from_secs(3);

/// The execute this command runs for must stop (its deadline passed, it was aborted or
/// closed, or its session holds more than its memory budget): wait here to be dropped with
/// it. A cancel drops the execute at its next poll and the memory watchdog within a few
/// milliseconds, so the workspace reports the stop (`command timed out`, `memory limit ...
/// reached`) and no command reports it twice. Returns `name: <why>` and status 1 only if that
/// does not happen within a grace period.
pub async fn halt(ctx: &Ctx, why: Stop) -> i32 {
    halt_quietly(why).await;
    ctx.err(why.to_string()).await;
    1
}

/// [`halt`] without the message.
pub async fn halt_quietly(_why: Stop) {
    tokio::time::sleep(HALT_GRACE).await;
}

/// A filesystem-shaped error for a stop, for readers that can only return one.
pub fn stop_error(why: Stop) -> FsError {
    FsError::with_cause(crate::vfs::ErrorKind::Interrupted, why.to_string())
}

/// A checkpoint for async loops that report errors their own way: `Err(why)` after waiting
/// to be dropped (see [`halt`]).
pub async fn checkpoint() -> Result<(), Stop> {
    match limits::checkpoint() {
        Ok(()) => Ok(()),
        Err(why) => {
            halt_quietly(why).await;
            Err(why)
        }
    }
}

/// [`checkpoint`] every `Ticker` period.
pub async fn ticked(t: &mut limits::Ticker) -> Result<(), Stop> {
    match t.tick() {
        Ok(()) => Ok(()),
        Err(why) => {
            halt_quietly(why).await;
            Err(why)
        }
    }
}

/// A checkpoint every `Ticker` period for async loops: `Err(status)` after waiting to be
/// dropped (see [`halt`]).
pub async fn tick(ctx: &Ctx, t: &mut limits::Ticker) -> Result<(), i32> {
    match t.tick() {
        Ok(()) => Ok(()),
        Err(why) => Err(halt(ctx, why).await),
    }
}

/// Why an allocation of `bytes` (a size that comes from input) may not be made: `Some(why)`
/// when the whole execute must stop (inside an execute a refusal marks the session over its
/// budget, so the caller then `halt`s and the workspace reports the budget), `None` when only
/// this allocation is refused (outside an execute; callers print GNU's `memory exhausted`).
pub fn refuse(bytes: usize) -> Result<(), Option<Stop>> {
    match limits::reserve(bytes) {
        Ok(()) => Ok(()),
        Err(why) => Err(limits::checkpoint().err().or(if why == Stop::Memory { None } else { Some(why) })),
    }
}

/// A number option that GNU's `xstrtoimax`/`xstrtoumax` family rejected, and how GNU says
/// so after `what: 'value'`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumError {
    /// Not a number (no errno text).
    Invalid,
    /// Outside the accepted range (`ERANGE`).
    Range,
    /// Too large for the type (`EOVERFLOW`).
    Overflow,
}

impl NumError {
    pub fn suffix(self) -> &'static str {
        match self {
            NumError::Invalid => "",
            NumError::Range => ": Numerical result out of range",
            NumError::Overflow => ": Value too large for defined data type",
        }
    }

    /// `what: 'value'` plus the errno text, as gnulib's `xdectoumax` prints it.
    pub fn message(self, what: &str, value: &str) -> String {
        format!("{what}: '{value}'{}", self.suffix())
    }
}

/// What `xstrtoumax`/`xstrtoimax` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Longint {
    Ok,
    Overflow,
    Invalid,
    InvalidSuffix,
    InvalidSuffixOverflow,
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// gnulib's `xstrtoumax`/`xstrtoimax` in base 10: leading blanks, a sign (`-` only when
/// `signed`), digits, then one suffix letter of `valid` (`"bkKmMGTPEZYRQ0"` style, `0` allowing
/// `B`/`iB` after it). The value saturates; the magnitude and sign come back separately.
fn xstrto(s: &str, signed: bool, valid: &str) -> (bool, u128, Longint) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_c_space(b[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        if b[i] == b'-' {
            if !signed {
                return (false, 0, Longint::Invalid);
            }
            neg = true;
        }
        i += 1;
    }
    let st = i;
    let mut v: u128 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        v = v * 10 + (b[i] - b'0') as u128;
        if v > u64::MAX as u128 {
            v = u64::MAX as u128 + 1;
            overflow = true;
        }
        i += 1;
    }
    if i == st {
        // No digits: a lone valid suffix means 1 of it (`head -c K`).
        if i < b.len() && !valid.is_empty() && valid.as_bytes().contains(&b[i]) {
            v = 1;
        } else {
            return (neg, 0, Longint::Invalid);
        }
    }
    if i < b.len() {
        let c = b[i];
        if valid.is_empty() || !valid.as_bytes().contains(&c) {
            return (neg, v, if overflow { Longint::InvalidSuffixOverflow } else { Longint::InvalidSuffix });
        }
        let mut base: u128 = 1024;
        let mut len = 1;
        if valid.contains('0') {
            match b.get(i + 1) {
                Some(b'i') if b.get(i + 2) == Some(&b'B') => len = 3,
                Some(b'B') | Some(b'D') => {
                    base = 1000;
                    len = 2;
                }
                _ => {}
            }
        }
        let power = match c {
            b'b' => {
                v = v.saturating_mul(512);
                0
            }
            b'B' => 1,
            b'c' => 0,
            b'k' | b'K' => 1,
            b'M' | b'm' => 2,
            b'G' | b'g' => 3,
            b'T' | b't' => 4,
            b'P' => 5,
            b'E' => 6,
            b'Z' => 7,
            b'Y' => 8,
            b'R' => 9,
            b'Q' => 10,
            b'w' => {
                v = v.saturating_mul(2);
                0
            }
            _ => return (neg, v, if overflow { Longint::InvalidSuffixOverflow } else { Longint::InvalidSuffix }),
        };
        for _ in 0..power {
            v = v.saturating_mul(base);
        }
        if v > u64::MAX as u128 {
            overflow = true;
        }
        i += len;
        if i < b.len() {
            return (neg, v, if overflow { Longint::InvalidSuffixOverflow } else { Longint::InvalidSuffix });
        }
    }
    (neg, v, if overflow { Longint::Overflow } else { Longint::Ok })
}

/// gnulib's `xdectoumax(s, min, max, suffixes, ...)`: the value, or how GNU rejects it
/// (`ERANGE` outside `min..=max`, `EOVERFLOW` when it does not fit or is above `INT_MAX/2`).
pub fn xdectoumax(s: &str, min: u64, max: u64, suffixes: &str) -> Result<u64, NumError> {
    let (_, v, e) = xstrto(s, false, suffixes);
    match e {
        Longint::Ok => {
            let v = v as u64;
            if v < min || v > max {
                Err(if v > (i32::MAX / 2) as u64 { NumError::Overflow } else { NumError::Range })
            } else {
                Ok(v)
            }
        }
        Longint::Overflow => Err(NumError::Overflow),
        _ => Err(NumError::Invalid),
    }
}

/// gnulib's `xdectoimax(s, min, max, "", ...)`.
pub fn xdectoimax(s: &str, min: i64, max: i64) -> Result<i64, NumError> {
    match xstrtoimax(s) {
        Ok(v) => {
            if v < min || v > max {
                Err(if v > (i32::MAX / 2) as i64 || v < (i32::MIN / 2) as i64 { NumError::Overflow } else { NumError::Range })
            } else {
                Ok(v)
            }
        }
        Err(e) => Err(e),
    }
}

/// `xstrtoimax(s, 10, "")`: `Err(Overflow)` when out of `i64`, `Err(Invalid)` when not a
/// number.
pub fn xstrtoimax(s: &str) -> Result<i64, NumError> {
    let (neg, v, e) = xstrto(s, true, "");
    match e {
        Longint::Ok => {
            if neg {
                if v > i64::MAX as u128 + 1 {
                    Err(NumError::Overflow)
                } else {
                    Ok((v as i128).wrapping_neg() as i64)
                }
            } else if v > i64::MAX as u128 {
                Err(NumError::Overflow)
            } else {
                Ok(v as i64)
            }
        }
        Longint::Overflow => Err(NumError::Overflow),
        _ => Err(NumError::Invalid),
    }
}

/// `xstrtoumax(s, 10, suffixes)` whose overflow saturates at `u64::MAX` (what GNU tools that
/// treat "too large" as "as large as possible" do). `None` when not a number.
pub fn xstrtoumax_saturating(s: &str, suffixes: &str) -> Option<u64> {
    let (_, v, e) = xstrto(s, false, suffixes);
    match e {
        Longint::Ok | Longint::Overflow => Some(v.min(u64::MAX as u128) as u64),
        _ => None,
    }
}

/// Split into records ending in `delim`; the terminator is not included. A final record
/// without a terminator is kept; an empty input has no records.
pub fn records(data: &[u8], delim: u8) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.split(|&b| b == delim).collect();
    if data.is_empty() || data.last() == Some(&delim) {
        out.pop();
    }
    out
}

/// [`records`] for inputs that may be large: the index grows within the memory budget and
/// a checkpoint runs every so many records (`Err` when the execute must stop).
pub fn records_checked(data: &[u8], delim: u8) -> Result<Vec<&[u8]>, Stop> {
    let mut out: Vec<&[u8]> = Vec::new();
    let mut ticker = limits::Ticker::new();
    let mut start = 0;
    for i in memchr::memchr_iter(delim, data) {
        ticker.tick()?;
        grow(&mut out, 1);
        out.push(&data[start..i]);
        start = i + 1;
    }
    if start < data.len() {
        out.push(&data[start..]);
    }
    Ok(out)
}

/// A stable sort that can stop: blocks sorted with `sort_by`, then merged pairwise with a
/// checkpoint every 1024 steps, so a deadline or the memory budget ends even a sort of
/// millions of lines within milliseconds. `Err(None)` when the budget has no room for the
/// merge buffer.
pub fn sort_checked<T: Copy>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> std::cmp::Ordering) -> Result<(), Option<Stop>> {
    const BLOCK: usize = 2048;
    let n = v.len();
    for chunk in v.chunks_mut(BLOCK) {
        limits::checkpoint().map_err(Some)?;
        chunk.sort_by(&mut cmp);
    }
    if n <= BLOCK {
        return Ok(());
    }
    refuse(n.saturating_mul(std::mem::size_of::<T>()))?;
    let mut src = std::mem::take(v);
    let mut dst: Vec<T> = Vec::with_capacity(n);
    let mut ticker = limits::Ticker::new();
    let mut width = BLOCK;
    while width < n {
        dst.clear();
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                ticker.tick().map_err(Some)?;
                // Ties take the left run first: stable.
                if cmp(&src[j], &src[i]) == std::cmp::Ordering::Less {
                    dst.push(src[j]);
                    j += 1;
                } else {
                    dst.push(src[i]);
                    i += 1;
                }
            }
            dst.extend_from_slice(&src[i..mid]);
            dst.extend_from_slice(&src[j..end]);
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        width = width.saturating_mul(2);
    }
    *v = src;
    Ok(())
}

/// Buffered writes to an `Output`, flushed every ~64 KiB.
pub struct Out<'a> {
    out: &'a Output,
    buf: Vec<u8>,
    started: bool,
}

impl<'a> Out<'a> {
    pub fn new(out: &'a Output) -> Self {
        Out { out, buf: Vec::with_capacity(CHUNK), started: false }
    }
    /// A flag for callers that join items with separators.
    pub fn started(&self) -> bool {
        self.started
    }
    pub fn mark_started(&mut self) {
        self.started = true;
    }
    pub async fn put(&mut self, data: &[u8]) -> Result<(), BrokenPipe> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }
    /// Append without flushing (call `maybe_flush` after).
    pub fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }
    pub async fn maybe_flush(&mut self) -> Result<(), BrokenPipe> {
        if self.buf.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }
    /// Send what is buffered. A checkpoint first: once the execute must stop, this waits to
    /// be dropped with it (see [`halt`]), so every command that streams through `Out` stops at
    /// a deadline even when its reader never makes it wait.
    pub async fn flush(&mut self) -> Result<(), BrokenPipe> {
        if let Err(why) = limits::checkpoint() {
            halt_quietly(why).await;
            return Err(BrokenPipe);
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let b = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.out.write(b).await
    }
    /// `n` copies of `byte` (padding whose width comes from input), streamed in chunks so
    /// no width ever becomes one allocation.
    pub async fn put_run(&mut self, byte: u8, n: u64) -> Result<(), BrokenPipe> {
        static SPACES: [u8; CHUNK] = [b' '; CHUNK];
        static ZEROS: [u8; CHUNK] = [b'0'; CHUNK];
        static NULS: [u8; CHUNK] = [0; CHUNK];
        let mut left = n;
        // Long runs of the usual bytes go out as shared static chunks, not copies.
        let fill: Option<&'static [u8; CHUNK]> = match byte {
            b' ' => Some(&SPACES),
            b'0' => Some(&ZEROS),
            0 => Some(&NULS),
            _ => None,
        };
        if let Some(fill) = fill {
            if left >= CHUNK as u64 {
                self.flush().await?;
            }
            while left >= CHUNK as u64 {
                if let Err(why) = limits::checkpoint() {
                    halt_quietly(why).await;
                    return Err(BrokenPipe);
                }
                self.out.write(Bytes::from_static(&fill[..])).await?;
                left -= CHUNK as u64;
            }
        }
        while left > 0 {
            let room = CHUNK.saturating_sub(self.buf.len()).max(1);
            let k = left.min(room as u64) as usize;
            self.buf.resize(self.buf.len() + k, byte);
            left -= k as u64;
            self.maybe_flush().await?;
        }
        Ok(())
    }
    /// Text and runs, as the `cfmt` conversions return them.
    pub async fn put_pieces(&mut self, p: &super::cfmt::Pieces) -> Result<(), BrokenPipe> {
        for piece in &p.parts {
            match piece {
                super::cfmt::Piece::Text(t) => self.put(t).await?,
                super::cfmt::Piece::Run(b, n) => self.put_run(*b, *n).await?,
            }
        }
        Ok(())
    }
}

/// Decode C-style backslash escapes (`\n \t \\ \0NNN \NNN \xHH \a \b \f \r \v`), as in
/// `printf`'s and `tr`'s strings. Unknown escapes keep the backslash.
pub fn c_unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            _ => {
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    out
}

/// Whether `b` is a blank in the C locale (space or tab).
pub fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// GNU's `-h` sizes (as `ls -h`, `du -h`): 1023, 1.0K, 9.9K, 10K, 1.5M ... rounded up.
pub fn human(n: u64) -> String {
    super::ls::human(n)
}

/// Whether the error is "the output pipe closed".
pub fn pipe_closed(_: BrokenPipe) -> i32 {
    super::EXIT_PIPE
}

/// Run `each` on every line (with its `\n`, if any) of every operand (`-` is stdin), writing
/// into one buffered output. The status: 0, 1 when an operand could not be read, or 141
/// when the output closed.
pub async fn map_lines(ctx: &super::Ctx, operands: &[String], mut each: impl FnMut(&[u8], &mut Vec<u8>)) -> i32 {
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    for op in operands {
        let r = match ctx.open(op).await {
            Ok(r) => r,
            Err(e) => {
                ctx.err_path(op, &e).await;
                status = 1;
                continue;
            }
        };
        let mut lines = crate::shell::io::LineReader::new(r);
        loop {
            match lines.next_line().await {
                Ok(Some(l)) => {
                    each(&l, out.buf());
                    if out.maybe_flush().await.is_err() {
                        return super::EXIT_PIPE;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    ctx.err_path(op, &e).await;
                    status = 1;
                    break;
                }
            }
        }
    }
    if out.flush().await.is_err() {
        return super::EXIT_PIPE;
    }
    status
}
