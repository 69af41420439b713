//! `cat`: concatenate files (`-n -b -s -A -v -E -T -e -t`), streaming chunk by chunk.
//! With several files, the next ones are fetched while the current one is printed (at most
//! `Vfs::parallel_reads` at once, a few chunks buffered each); output stays in operand order.

use super::args::{self, flag};
use super::prefetch::Prefetch;
use super::textutil;
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::{LineReader, Reader};

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
    let window = if files >= 2 { ctx.vfs.parallel_reads() - 1 } else { 0 };
    let paths = operands.iter().map(|o| (o != "-").then(|| ctx.abs(o))).collect();
    let mut ahead = Prefetch::new(ctx.vfs.clone(), paths, window);
    for (i, op) in operands.iter().enumerate() {
        let reader = if op == "-" {
            Reader::Stdin(ctx.stdin.lock().await)
        } else {
            match ahead.open(i).await {
                Ok(body) => Reader::Stream(body),
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

/// A checkpoint failed: the execute is being dropped (see `textutil::halt`).
fn stopped(why: crate::limits::Stop) -> Stop {
    Stop::Read(textutil::stop_error(why))
}

async fn copy(ctx: &Ctx, mut r: Reader<'_>) -> Result<(), Stop> {
    while let Some(chunk) = r.chunk().await.map_err(Stop::Read)? {
        textutil::checkpoint().await.map_err(stopped)?;
        ctx.stdout.write(chunk).await.map_err(|_| Stop::Pipe)?;
    }
    Ok(())
}

async fn styled(ctx: &Ctx, r: Reader<'_>, st: Style, state: &mut State) -> Result<(), Stop> {
    let mut lines = LineReader::new(r);
    let mut out = Vec::with_capacity(64 * 1024);
    let mut ticker = crate::limits::Ticker::new();
    while let Some(line) = lines.next_line().await.map_err(Stop::Read)? {
        textutil::ticked(&mut ticker).await.map_err(stopped)?;
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
