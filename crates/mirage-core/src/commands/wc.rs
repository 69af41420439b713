//! `wc`: newline, word, character and byte counts, with GNU's column widths and `total`.
//! `wc -c` of a file is answered from its size, without reading it. Files are looked up
//! and counted several at once (`Vfs::parallel_reads`), and printed in operand order.

use futures::StreamExt;

use super::args::{self, flag};
use super::textutil;
use super::Ctx;
use crate::shell::io::Reader;

const SPEC: &[args::Opt] =
    &[flag('l', "lines"), flag('w', "words"), flag('c', "bytes"), flag('m', "chars"), flag('L', "max-line-length")];

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    chars: u64,
    bytes: u64,
    max_line: u64,
}

#[derive(Clone, Copy)]
struct Which {
    lines: bool,
    words: bool,
    chars: bool,
    bytes: bool,
    max_line: bool,
}

impl Which {
    fn count(&self) -> usize {
        [self.lines, self.words, self.chars, self.bytes, self.max_line].iter().filter(|b| **b).count()
    }
    fn only_bytes(&self) -> bool {
        self.bytes && !self.lines && !self.words && !self.chars && !self.max_line
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message("wc")).await;
            return 1;
        }
    };
    let mut w = Which { lines: p.has("l"), words: p.has("w"), chars: p.has("m"), bytes: p.has("c"), max_line: p.has("L") };
    if w.count() == 0 {
        w = Which { lines: true, words: true, chars: false, bytes: true, max_line: false };
    }
    let operands = if p.operands.is_empty() { vec![None] } else { p.operands.iter().map(|s| Some(s.clone())).collect() };

    // Stat every operand first: GNU sizes its columns from the regular files' total size. One
    // operand with one count (other than -c) is printed at width 1 whatever its size: no stat.
    let need_stat = operands.len() > 1 || w.count() > 1 || w.only_bytes();
    struct Input {
        name: Option<String>,
        regular_size: Option<u64>,
        is_dir: bool,
        error: Option<crate::vfs::FsError>,
    }
    let inputs: Vec<Input> = futures::stream::iter(operands.iter().cloned())
        .map(|op| {
            let ctx = &ctx;
            async move {
                match op.as_deref() {
                    None | Some("-") => Input { name: op.clone(), regular_size: None, is_dir: false, error: None },
                    Some(_) if !need_stat => Input { name: op.clone(), regular_size: None, is_dir: false, error: None },
                    Some(name) => match ctx.vfs.stat(&ctx.abs(name)).await {
                        Ok(m) => Input {
                            name: op.clone(),
                            regular_size: if m.is_dir() { None } else { Some(m.size) },
                            is_dir: m.is_dir(),
                            error: None,
                        },
                        Err(e) => Input { name: op.clone(), regular_size: None, is_dir: false, error: Some(e) },
                    },
                }
            }
        })
        .buffered(ctx.vfs.parallel_reads())
        .collect()
        .await;
    let width = if inputs.len() == 1 && w.count() == 1 {
        1
    } else if inputs.first().is_some_and(|i| i.error.is_some()) {
        1
    } else {
        let mut min = 1;
        let mut total = 0u64;
        for i in inputs.iter().filter(|i| i.error.is_none()) {
            match i.regular_size {
                Some(s) => total += s,
                None => min = 7,
            }
        }
        total.to_string().len().max(min)
    };

    // What to print for one input: its counts (if any) and its error (if any), in order.
    enum Outcome {
        Counted(Counts),
        Failed(Option<Counts>, crate::vfs::FsError),
    }
    let ctx = &ctx;
    let inputs = &inputs;
    let mut outcomes = futures::stream::iter(0..inputs.len())
        .map(|i| async move {
            let inp = &inputs[i];
            if let Some(e) = &inp.error {
                return Outcome::Failed(None, e.clone());
            }
            if inp.is_dir {
                return Outcome::Failed(Some(Counts::default()), crate::vfs::FsError::new(crate::vfs::ErrorKind::IsADirectory));
            }
            if let (true, Some(size)) = (w.only_bytes(), inp.regular_size) {
                return Outcome::Counted(Counts { bytes: size, ..Default::default() });
            }
            let reader = match inp.name.as_deref() {
                None | Some("-") => Reader::Stdin(ctx.stdin.lock().await),
                Some(name) => match ctx.vfs.read(&ctx.abs(name), None).await {
                    Ok(h) => Reader::Stream(h.body),
                    // Not stat'ed first: a directory still prints its zero counts.
                    Err(e) if e.kind == crate::vfs::ErrorKind::IsADirectory => {
                        return Outcome::Failed(Some(Counts::default()), e)
                    }
                    Err(e) => return Outcome::Failed(None, e),
                },
            };
            match count(reader, w).await {
                Ok(c) => Outcome::Counted(c),
                Err(e) => Outcome::Failed(None, e),
            }
        })
        .buffered(ctx.vfs.parallel_reads());
    let mut status = 0;
    let mut sum = Counts::default();
    let mut i = 0;
    while let Some(outcome) = outcomes.next().await {
        let label = inputs[i].name.as_deref();
        i += 1;
        let counts = match outcome {
            Outcome::Counted(c) => Some(c),
            Outcome::Failed(c, e) => {
                ctx.err_path(label.unwrap_or("-"), &e).await;
                status = 1;
                c
            }
        };
        if let Some(c) = counts {
            sum.lines += c.lines;
            sum.words += c.words;
            sum.chars += c.chars;
            sum.bytes += c.bytes;
            sum.max_line = sum.max_line.max(c.max_line);
            if ctx.stdout.write_str(&format_line(&c, w, width, label)).await.is_err() {
                return super::EXIT_PIPE;
            }
        }
    }
    if inputs.len() > 1 && ctx.stdout.write_str(&format_line(&sum, w, width, Some("total"))).await.is_err() {
        return super::EXIT_PIPE;
    }
    status
}

fn format_line(c: &Counts, w: Which, width: usize, label: Option<&str>) -> String {
    let mut fields = Vec::new();
    if w.lines {
        fields.push(c.lines);
    }
    if w.words {
        fields.push(c.words);
    }
    if w.chars {
        fields.push(c.chars);
    }
    if w.bytes {
        fields.push(c.bytes);
    }
    if w.max_line {
        fields.push(c.max_line);
    }
    let mut s = fields.iter().map(|n| format!("{n:>width$}")).collect::<Vec<_>>().join(" ");
    if let Some(l) = label {
        s.push(' ');
        s.push_str(l);
    }
    s.push('\n');
    s
}

/// Counted in slices of this size, with a checkpoint between them: a chunk may be a whole
/// RAM file, and a deadline must not wait for all of it.
const SLICE: usize = 64 * 1024;

async fn count(mut r: Reader<'_>, w: Which) -> Result<Counts, crate::vfs::FsError> {
    let mut c = Counts::default();
    let stop = |why| textutil::stop_error(why);
    if w.only_bytes() {
        while let Some(chunk) = r.chunk().await? {
            textutil::checkpoint().await.map_err(stop)?;
            c.bytes += chunk.len() as u64;
        }
        return Ok(c);
    }
    if !w.words && !w.chars && !w.max_line {
        // Lines and bytes only: count newlines with memchr.
        while let Some(chunk) = r.chunk().await? {
            for slice in chunk.chunks(SLICE * 16) {
                textutil::checkpoint().await.map_err(stop)?;
                c.bytes += slice.len() as u64;
                c.lines += memchr::memchr_iter(b'\n', slice).count() as u64;
            }
        }
        return Ok(c);
    }
    let mut in_word = false;
    let mut line_len = 0u64;
    while let Some(chunk) = r.chunk().await? {
        c.bytes += chunk.len() as u64;
        for slice in chunk.chunks(SLICE) {
            textutil::checkpoint().await.map_err(stop)?;
            for &b in slice.iter() {
                // Under LC_ALL=C (the shell's locale) a character is a byte, as GNU counts it.
                c.chars += 1;
                match b {
                    b'\n' => {
                        c.lines += 1;
                        c.max_line = c.max_line.max(line_len);
                        line_len = 0;
                        in_word = false;
                    }
                    b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                        if b == b'\t' {
                            line_len = (line_len / 8 + 1) * 8;
                        } else if b == b' ' {
                            line_len += 1;
                        }
                        in_word = false;
                    }
                    _ => {
                        if b & 0xC0 != 0x80 {
                            line_len += 1;
                        }
                        if !in_word {
                            c.words += 1;
                            in_word = true;
                        }
                    }
                }
            }
        }
    }
    c.max_line = c.max_line.max(line_len);
    Ok(c)
}
