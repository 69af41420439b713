//! Small helpers shared by the text commands (sort, uniq, cut, tr, grep, find, ...):
//! usage errors, whole-input reads, record splitting, buffered output, C escapes.

use bytes::Bytes;

use super::args::{self, Parsed, UsageError};
use super::Ctx;
use crate::shell::io::{BrokenPipe, Output};
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

/// Read a whole operand (`-` = stdin).
pub async fn read_all(ctx: &Ctx, op: &str) -> Result<Vec<u8>, FsError> {
    let mut r = ctx.open(op).await?;
    r.read_to_end().await
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
    pub async fn flush(&mut self) -> Result<(), BrokenPipe> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let b = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.out.write(b).await
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
