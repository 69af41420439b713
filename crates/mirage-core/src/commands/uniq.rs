//! `uniq`: adjacent duplicate lines (`-c -d -D -u -i -f N -s N -w N -z`), streaming.

use super::args::{self, flag, long_value, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::BrokenPipe;

const SPEC: &[args::Opt] = &[
    flag('c', "count"),
    flag('d', "repeated"),
    flag('D', ""),
    long_value("all-repeated"),
    flag('u', "unique"),
    flag('i', "ignore-case"),
    value('f', "skip-fields"),
    value('s', "skip-chars"),
    value('w', "check-chars"),
    flag('z', "zero-terminated"),
    long_value("group"),
];

struct Opts {
    count: bool,
    repeated: bool,
    all_repeated: bool,
    unique: bool,
    icase: bool,
    skip_fields: usize,
    skip_chars: usize,
    check_chars: Option<usize>,
    delim: u8,
}

fn key<'a>(line: &'a [u8], o: &Opts) -> &'a [u8] {
    let mut p = 0;
    for _ in 0..o.skip_fields {
        while p < line.len() && (line[p] == b' ' || line[p] == b'\t') {
            p += 1;
        }
        while p < line.len() && !(line[p] == b' ' || line[p] == b'\t') {
            p += 1;
        }
    }
    p = (p + o.skip_chars).min(line.len());
    let end = match o.check_chars {
        Some(n) => (p + n).min(line.len()),
        None => line.len(),
    };
    &line[p..end]
}

fn same(a: &[u8], b: &[u8], o: &Opts) -> bool {
    let (ka, kb) = (key(a, o), key(b, o));
    if o.icase {
        ka.eq_ignore_ascii_case(kb)
    } else {
        ka == kb
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let num = |k: &str, what: &str| -> Result<Option<usize>, String> {
        match p.value(k) {
            None => Ok(None),
            Some(v) => v.parse::<usize>().map(Some).map_err(|_| format!("{v}: invalid number of {what}")),
        }
    };
    let (f, s, w) = match (num("f", "fields to skip"), num("s", "bytes to skip"), num("w", "bytes to compare")) {
        (Ok(f), Ok(s), Ok(w)) => (f, s, w),
        (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => {
            ctx.err(m).await;
            return 1;
        }
    };
    let o = Opts {
        count: p.has("c"),
        repeated: p.has("d"),
        all_repeated: p.has("D") || p.has("all-repeated"),
        unique: p.has("u"),
        icase: p.has("i"),
        skip_fields: f.unwrap_or(0),
        skip_chars: s.unwrap_or(0),
        check_chars: w,
        delim: if p.has("z") { 0 } else { b'\n' },
    };
    if o.count && o.all_repeated {
        return textutil::usage_msg(&ctx, "printing all duplicated lines and repeat counts is meaningless", 1).await;
    }
    if p.operands.len() > 2 {
        return textutil::usage_msg(&ctx, &format!("extra operand '{}'", p.operands[2]), 1).await;
    }
    let input = p.operands.first().cloned().unwrap_or_else(|| "-".into());
    let reader = match ctx.open(&input).await {
        Ok(r) => r,
        Err(e) if e.kind == crate::vfs::ErrorKind::IsADirectory => {
            ctx.err(format!("error reading '{input}'")).await;
            return 1;
        }
        Err(e) => {
            ctx.err_path(&input, &e).await;
            return 1;
        }
    };
    // Output to a file operand is written at the end.
    let to_file = p.operands.get(1).filter(|s| s.as_str() != "-").cloned();
    let mut collected: Vec<u8> = Vec::new();
    let mut out = Out::new(&ctx.stdout);
    let mut reader = reader;
    let mut buf: Vec<u8> = Vec::new();
    let mut group: Vec<Vec<u8>> = Vec::new();
    let mut eof = false;
    let mut printed_group = false;
    loop {
        // Next record.
        let line = loop {
            if let Some(i) = memchr::memchr(o.delim, &buf) {
                let l = buf[..i].to_vec();
                buf.drain(..=i);
                break Some(l);
            }
            if eof {
                if buf.is_empty() {
                    break None;
                }
                break Some(std::mem::take(&mut buf));
            }
            match reader.chunk().await {
                Ok(Some(c)) => buf.extend_from_slice(&c),
                Ok(None) => eof = true,
                Err(e) => {
                    ctx.err_path(&input, &e).await;
                    return 1;
                }
            }
        };
        let flush_needed = match (&line, group.first()) {
            (Some(l), Some(first)) => !same(first, l, &o),
            (None, Some(_)) => true,
            _ => false,
        };
        if flush_needed {
            let g = std::mem::take(&mut group);
            let r = emit(&g, &o, &mut printed_group, |b| {
                if to_file.is_some() {
                    collected.extend_from_slice(b);
                    None
                } else {
                    Some(b.to_vec())
                }
            });
            if let Some(bytes) = r {
                if out.put(&bytes).await.is_err() {
                    return EXIT_PIPE;
                }
            }
        }
        match line {
            Some(l) => group.push(l),
            None => break,
        }
    }
    if let Some(path) = to_file {
        if let Err(e) = ctx.vfs.write(&ctx.abs(&path), bytes::Bytes::from(collected)).await {
            ctx.err_path(&path, &e).await;
            return 1;
        }
        return 0;
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}

/// Render one group of equal lines; `sink` either keeps the bytes or hands them back.
fn emit(g: &[Vec<u8>], o: &Opts, printed_group: &mut bool, mut sink: impl FnMut(&[u8]) -> Option<Vec<u8>>) -> Option<Vec<u8>> {
    let n = g.len();
    let mut b = Vec::new();
    if o.all_repeated {
        if n > 1 {
            for l in g {
                b.extend_from_slice(l);
                b.push(o.delim);
            }
        }
        let _ = printed_group;
    } else {
        let show = if o.repeated && o.unique {
            false
        } else if o.repeated {
            n > 1
        } else if o.unique {
            n == 1
        } else {
            true
        };
        if show {
            if o.count {
                b.extend_from_slice(format!("{n:>7} ").as_bytes());
            }
            b.extend_from_slice(&g[0]);
            b.push(o.delim);
        }
    }
    sink(&b)
}

#[allow(dead_code)]
fn broken(_: BrokenPipe) -> i32 {
    EXIT_PIPE
}
