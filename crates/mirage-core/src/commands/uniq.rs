//! `uniq`: adjacent duplicate lines (`-c -d -D -u -i -f N -s N -w N -z`), streaming.

use super::args::{self, flag, long_value, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

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
        // Past the end every further field is empty: a huge `-f` must not count them all.
        if p >= line.len() {
            break;
        }
        while p < line.len() && (line[p] == b' ' || line[p] == b'\t') {
            p += 1;
        }
        while p < line.len() && !(line[p] == b' ' || line[p] == b'\t') {
            p += 1;
        }
    }
    p = p.saturating_add(o.skip_chars).min(line.len());
    let end = match o.check_chars {
        Some(n) => p.saturating_add(n).min(line.len()),
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
            // GNU's size_opt: negative or not a number is an error; too large is the most.
            Some(v) => match textutil::xstrtoimax(v) {
                Ok(n) if n >= 0 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
                Err(textutil::NumError::Overflow) if !v.trim_start().starts_with('-') => Ok(Some(usize::MAX)),
                _ => Err(format!("{v}: invalid number of {what}")),
            },
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
    let mut pos = 0usize;
    // The current group: its first line and how many lines it has. With -D its lines are
    // printed as they come (the first one once a second arrives), so no group is held.
    let mut first: Option<Vec<u8>> = None;
    let mut count: u64 = 0;
    let mut eof = false;
    let mut ticker = crate::limits::Ticker::new();
    loop {
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
        // Next record.
        // (Records are taken from `pos` on; the buffer is compacted only when it is refilled,
        // so a large chunk is not moved once per line.)
        let line = loop {
            if let Some(i) = memchr::memchr(o.delim, &buf[pos..]) {
                let l = buf[pos..pos + i].to_vec();
                pos += i + 1;
                break Some(l);
            }
            if eof {
                if pos >= buf.len() {
                    break None;
                }
                let l = buf[pos..].to_vec();
                pos = buf.len();
                break Some(l);
            }
            match reader.chunk().await {
                Ok(Some(c)) => {
                    if let Err(why) = crate::limits::checkpoint() {
                        return textutil::halt(&ctx, why).await;
                    }
                    buf.drain(..pos);
                    pos = 0;
                    buf.extend_from_slice(&c)
                }
                Ok(None) => eof = true,
                Err(e) => {
                    ctx.err_path(&input, &e).await;
                    return 1;
                }
            }
        };
        let same_group = match (&line, &first) {
            (Some(l), Some(f)) => same(f, l, &o),
            _ => false,
        };
        let mut bytes: Vec<u8> = Vec::new();
        if same_group {
            count += 1;
            if o.all_repeated {
                if count == 2 {
                    bytes.extend_from_slice(first.as_deref().unwrap_or_default());
                    bytes.push(o.delim);
                }
                if let Some(l) = &line {
                    bytes.extend_from_slice(l);
                    bytes.push(o.delim);
                }
            }
        } else {
            if let Some(f) = first.take() {
                if !o.all_repeated {
                    bytes = emit(&f, count, &o);
                }
            }
            match line {
                Some(l) => {
                    first = Some(l);
                    count = 1;
                }
                None => {
                    if to_file.is_some() {
                        collected.extend_from_slice(&bytes);
                    } else if out.put(&bytes).await.is_err() {
                        return EXIT_PIPE;
                    }
                    break;
                }
            }
        }
        if to_file.is_some() {
            collected.extend_from_slice(&bytes);
        } else if out.put(&bytes).await.is_err() {
            return EXIT_PIPE;
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

/// Render one group of `n` equal lines starting with `first` (all but `-D`).
fn emit(first: &[u8], n: u64, o: &Opts) -> Vec<u8> {
    let mut b = Vec::new();
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
        b.extend_from_slice(first);
        b.push(o.delim);
    }
    b
}
