//! `cat`: concatenate files (`-n -b -s -A -v -E -T -e -t`), streaming chunk by chunk.
//! With several files, the next ones are fetched while the current one is printed (at most
//! `Vfs::parallel_reads` at once, a few chunks buffered each); output stays in operand order.

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use super::args::{self, flag};
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::{LineReader, Reader};
use crate::vfs::{ByteStream, FsError};

/// Chunks buffered per prefetched file (each up to about `COALESCE` bytes).
const AHEAD_CHUNKS: usize = 4;
/// Small chunks that are already there are joined up to this size before they are passed on,
/// so fewer and bigger pieces cross the pipes.
pub const COALESCE: usize = 64 * 1024;

/// A stream that hands out the chunks of `body` joined up to `target` bytes, without waiting
/// for more than what is already available.
pub fn coalesce(body: ByteStream, target: usize) -> ByteStream {
    struct St {
        body: ByteStream,
        error: Option<FsError>,
        ended: bool,
    }
    let st = St { body, error: None, ended: false };
    Box::pin(futures::stream::unfold(st, move |mut st| async move {
        if let Some(e) = st.error.take() {
            st.ended = true;
            return Some((Err(e), st));
        }
        if st.ended {
            return None;
        }
        let first = match st.body.next().await {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                st.ended = true;
                return Some((Err(e), st));
            }
            None => return None,
        };
        if first.len() >= target {
            return Some((Ok(first), st));
        }
        let mut buf = BytesMut::with_capacity(target);
        buf.extend_from_slice(&first);
        while buf.len() < target {
            match st.body.next().now_or_never() {
                Some(Some(Ok(c))) => buf.extend_from_slice(&c),
                Some(Some(Err(e))) => {
                    st.error = Some(e);
                    break;
                }
                Some(None) => {
                    st.ended = true;
                    break;
                }
                None => break,
            }
        }
        Some((Ok(buf.freeze()), st))
    }))
}

const SPEC: &[args::Opt] = &[
    flag('n', "number"),
    flag('b', "number-nonblank"),
    flag('s', "squeeze-blank"),
    flag('A', "show-all"),
    flag('v', "show-nonprinting"),
    flag('E', "show-ends"),
    flag('T', "show-tabs"),
    flag('e', ""),
    flag('t', ""),
    flag('u', ""),
];

#[derive(Default, Clone, Copy)]
struct Style {
    number: bool,
    nonblank: bool,
    squeeze: bool,
    ends: bool,
    tabs: bool,
    nonprinting: bool,
}

impl Style {
    fn plain(&self) -> bool {
        !(self.number || self.nonblank || self.squeeze || self.ends || self.tabs || self.nonprinting)
    }
}

/// Line numbering and blank squeezing carry over from one file to the next, as in GNU.
#[derive(Default)]
struct State {
    line: u64,
    prev_blank: bool,
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message("cat")).await;
            return 1;
        }
    };
    let mut st = Style::default();
    for o in &p.opts {
        match o.key.as_str() {
            "n" => st.number = true,
            "b" => st.nonblank = true,
            "s" => st.squeeze = true,
            "A" => {
                st.nonprinting = true;
                st.ends = true;
                st.tabs = true;
            }
            "v" => st.nonprinting = true,
            "E" => st.ends = true,
            "T" => st.tabs = true,
            "e" => {
                st.nonprinting = true;
                st.ends = true;
            }
            "t" => {
                st.nonprinting = true;
                st.tabs = true;
            }
            _ => {}
        }
    }
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut state = State::default();
    let files = operands.iter().filter(|o| *o != "-").count();
    // The file being printed and the ones fetched ahead of it make `parallel_reads`.
    let window = if files >= 2 { ctx.vfs.parallel_reads().saturating_sub(1).max(1) } else { 0 };
    let mut ahead = Prefetch::new(&ctx, &operands, window);
    for (i, op) in operands.iter().enumerate() {
        let reader = if op == "-" {
            Reader::Stdin(ctx.stdin.lock().await)
        } else {
            match ahead.open(&ctx, i).await {
                Ok(r) => r,
                Err(e) => {
                    ctx.err_path(op, &e).await;
                    status = 1;
                    continue;
                }
            }
        };
        let r = if st.plain() { copy(&ctx, reader).await } else { styled(&ctx, reader, st, &mut state).await };
        match r {
            Ok(()) => {}
            Err(Stop::Pipe) => return EXIT_PIPE,
            Err(Stop::Read(e)) => {
                ctx.err_path(op, &e).await;
                status = 1;
            }
        }
    }
    status
}

enum Stop {
    Pipe,
    Read(crate::vfs::FsError),
}

/// Files opened ahead of their turn, each by a task that pumps its chunks into a small
/// bounded channel. Dropping it (cat done or its output closed) stops them all.
struct Prefetch {
    paths: Vec<Option<String>>,
    slots: Vec<Option<mpsc::Receiver<Result<Bytes, FsError>>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    started: usize,
    window: usize,
}

impl Prefetch {
    fn new(ctx: &Ctx, operands: &[String], window: usize) -> Prefetch {
        let paths: Vec<Option<String>> = operands.iter().map(|o| (o != "-").then(|| ctx.abs(o))).collect();
        let slots = operands.iter().map(|_| None).collect();
        Prefetch { paths, slots, tasks: Vec::new(), started: 0, window }
    }

    /// The file operand `i`: its prefetched stream, or (without a window) a direct read.
    /// The file is read whole, without a `stat` first: a directory fails the read.
    async fn open(&mut self, ctx: &Ctx, i: usize) -> Result<Reader<'static>, FsError> {
        let abs = self.paths[i].clone().unwrap_or_default();
        if self.window == 0 {
            return Ok(Reader::Stream(coalesce(ctx.vfs.read(&abs, None).await?.body, COALESCE)));
        }
        let end = (i + 1 + self.window).min(self.paths.len());
        while self.started < end {
            let j = self.started;
            self.started += 1;
            let Some(path) = self.paths[j].clone() else { continue };
            let (tx, rx) = mpsc::channel(AHEAD_CHUNKS);
            let vfs = ctx.vfs.clone();
            self.tasks.push(tokio::spawn(async move {
                match vfs.read(&path, None).await {
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                    }
                    Ok(h) => {
                        let mut body = coalesce(h.body, COALESCE);
                        while let Some(c) = body.next().await {
                            let failed = c.is_err();
                            if tx.send(c).await.is_err() || failed {
                                break;
                            }
                        }
                    }
                }
            }));
            self.slots[j] = Some(rx);
        }
        let Some(mut rx) = self.slots[i].take() else { return Err(FsError::not_found()) };
        // An open failure arrives as the first item: report it as one.
        let first = match rx.recv().await {
            Some(Err(e)) => return Err(e),
            Some(Ok(c)) => Some(c),
            None => None,
        };
        let rest = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
        let body: ByteStream = Box::pin(futures::stream::iter(first.map(Ok)).chain(rest));
        Ok(Reader::Stream(body))
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn copy(ctx: &Ctx, mut r: Reader<'_>) -> Result<(), Stop> {
    while let Some(chunk) = r.chunk().await.map_err(Stop::Read)? {
        ctx.stdout.write(chunk).await.map_err(|_| Stop::Pipe)?;
    }
    Ok(())
}

async fn styled(ctx: &Ctx, r: Reader<'_>, st: Style, state: &mut State) -> Result<(), Stop> {
    let mut lines = LineReader::new(r);
    let mut out = Vec::with_capacity(64 * 1024);
    while let Some(line) = lines.next_line().await.map_err(Stop::Read)? {
        let (body, nl) = match line.strip_suffix(b"\n") {
            Some(b) => (b, true),
            None => (&line[..], false),
        };
        let blank = body.is_empty() && nl;
        if st.squeeze && blank && state.prev_blank {
            continue;
        }
        state.prev_blank = blank;
        if (st.nonblank && !blank) || (st.number && !st.nonblank) {
            state.line += 1;
            out.extend_from_slice(format!("{:>6}\t", state.line).as_bytes());
        }
        // GNU's -E shows a carriage return before the newline as `^M`.
        let (body, cr) = match body.strip_suffix(b"\r") {
            Some(b) if st.ends && nl && !st.nonprinting => (b, true),
            _ => (body, false),
        };
        for &b in body {
            show_byte(b, st, &mut out);
        }
        if cr {
            out.extend_from_slice(b"^M");
        }
        if nl {
            if st.ends {
                out.push(b'$');
            }
            out.push(b'\n');
        }
        if out.len() >= 64 * 1024 {
            ctx.stdout.write(std::mem::take(&mut out)).await.map_err(|_| Stop::Pipe)?;
        }
    }
    ctx.stdout.write(out).await.map_err(|_| Stop::Pipe)
}

fn show_byte(b: u8, st: Style, out: &mut Vec<u8>) {
    if b == b'\t' {
        if st.tabs {
            out.extend_from_slice(b"^I");
        } else {
            out.push(b);
        }
        return;
    }
    if !st.nonprinting {
        out.push(b);
        return;
    }
    let mut c = b;
    if c >= 128 {
        out.extend_from_slice(b"M-");
        c -= 128;
    }
    if c < 32 {
        out.push(b'^');
        out.push(c + 64);
    } else if c == 127 {
        out.extend_from_slice(b"^?");
    } else {
        out.push(c);
    }
}
