//! `cut`: bytes, characters or fields (`-b -c -f -d -s -n -z --complement
//! --output-delimiter`), streaming line by line. As in GNU cut, `-c` counts bytes.

use super::args::{self, flag, long_flag, long_value, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    value('b', "bytes"),
    value('c', "characters"),
    value('f', "fields"),
    value('d', "delimiter"),
    flag('s', "only-delimited"),
    flag('n', ""),
    flag('z', "zero-terminated"),
    long_flag("complement"),
    long_value("output-delimiter"),
];

/// Inclusive 1-based ranges; `usize::MAX` is open-ended.
type Ranges = Vec<(usize, usize)>;

/// GNU's `set_fields`, character by character, with its messages: positions up to
/// `SIZE_MAX - 1`, larger ones "too large".
fn parse_list(s: &str, fields: bool) -> Result<Ranges, String> {
    let b = s.as_bytes();
    let from_1 = || if fields { "fields are numbered from 1".to_string() } else { "byte/character positions are numbered from 1".to_string() };
    let mut v: Ranges = Vec::new();
    let mut initial: u64 = 1;
    let mut value: u64 = 0;
    let (mut lhs, mut rhs, mut dash) = (false, false, false);
    let mut num_start: Option<usize> = None;
    let mut in_digits = false;
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX - 1);
    let mut i = 0;
    loop {
        let c = b.get(i).copied();
        match c {
            Some(b'-') => {
                in_digits = false;
                if dash {
                    return Err(if fields { "invalid field range".into() } else { "invalid byte or character range".into() });
                }
                dash = true;
                i += 1;
                if lhs && value == 0 {
                    return Err(from_1());
                }
                initial = if lhs { value } else { 1 };
                value = 0;
            }
            None | Some(b',') | Some(b' ') | Some(b'\t') => {
                in_digits = false;
                if dash {
                    dash = false;
                    if !lhs && !rhs {
                        return Err("invalid range with no endpoint: -".into());
                    }
                    if !rhs {
                        v.push((to_usize(initial), usize::MAX));
                    } else {
                        if value < initial {
                            return Err("invalid decreasing range".into());
                        }
                        v.push((to_usize(initial), to_usize(value)));
                    }
                    value = 0;
                } else {
                    if value == 0 {
                        return Err(from_1());
                    }
                    v.push((to_usize(value), to_usize(value)));
                    value = 0;
                }
                if c.is_none() {
                    break;
                }
                i += 1;
                lhs = false;
                rhs = false;
            }
            Some(d) if d.is_ascii_digit() => {
                if !in_digits || num_start.is_none() {
                    num_start = Some(i);
                }
                in_digits = true;
                if dash {
                    rhs = true;
                } else {
                    lhs = true;
                }
                match value.checked_mul(10).and_then(|x| x.checked_add((d - b'0') as u64)) {
                    Some(x) if x != u64::MAX => value = x,
                    _ => {
                        let st = num_start.unwrap_or(i);
                        let len = b[st..].iter().take_while(|c| c.is_ascii_digit()).count();
                        let n = &s[st..st + len];
                        return Err(if fields { format!("field number '{n}' is too large") } else { format!("byte/character offset '{n}' is too large") });
                    }
                }
                i += 1;
            }
            Some(_) => {
                let rest = String::from_utf8_lossy(&b[i..]);
                return Err(if fields { format!("invalid field value '{rest}'") } else { format!("invalid byte/character position '{rest}'") });
            }
        }
    }
    v.sort();
    let mut merged: Ranges = Vec::new();
    for (a, b) in v {
        if let Some(last) = merged.last_mut() {
            if a <= last.1.saturating_add(1) {
                last.1 = last.1.max(b);
                continue;
            }
        }
        merged.push((a, b));
    }
    Ok(merged)
}

fn complement(r: &Ranges) -> Ranges {
    let mut out = Vec::new();
    let mut next = 1usize;
    for &(a, b) in r {
        if a > next {
            out.push((next, a - 1));
        }
        if b == usize::MAX {
            return out;
        }
        next = b + 1;
    }
    out.push((next, usize::MAX));
    out
}

/// Whether position `i` is in one of the sorted, disjoint ranges (a binary search: a list
/// may hold many ranges).
fn selected(r: &Ranges, i: usize) -> bool {
    let k = r.partition_point(|&(_, b)| b < i);
    r.get(k).is_some_and(|&(a, _)| a <= i)
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let lists: Vec<(&str, &str)> =
        ["b", "c", "f"].iter().filter_map(|k| p.value(k).map(|v| (*k, v))).collect();
    if lists.is_empty() {
        return textutil::usage_msg(&ctx, "you must specify a list of bytes, characters, or fields", 1).await;
    }
    if lists.len() > 1 {
        return textutil::usage_msg(&ctx, "only one list may be specified", 1).await;
    }
    let (mode, list) = lists[0];
    let mut ranges = match parse_list(list, mode == "f") {
        Ok(r) => r,
        Err(m) => return textutil::usage_msg(&ctx, &m, 1).await,
    };
    if p.has("complement") {
        ranges = complement(&ranges);
    }
    let fields = mode == "f";
    let delim = match p.value("d") {
        Some(d) => {
            let b = d.as_bytes();
            if b.len() > 1 {
                return textutil::usage_msg(&ctx, "the delimiter must be a single character", 1).await;
            }
            if !fields {
                return textutil::usage_msg(&ctx, "an input delimiter may be specified only when operating on fields", 1).await;
            }
            b.first().copied().unwrap_or(0)
        }
        None => b'\t',
    };
    if p.has("s") && !fields {
        return textutil::usage_msg(&ctx, "suppressing non-delimited lines makes sense\n\tonly when operating on fields", 1).await;
    }
    let out_delim: Option<Vec<u8>> = p.value("output-delimiter").map(|s| s.as_bytes().to_vec());
    let only_delimited = p.has("s");
    let term = if p.has("z") { 0u8 } else { b'\n' };
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    for op in &operands {
        let mut r = match ctx.open(op).await {
            Ok(r) => r,
            Err(e) => {
                ctx.err_path(op, &e).await;
                status = 1;
                continue;
            }
        };
        let mut buf: Vec<u8> = Vec::new();
        let mut eof = false;
        let mut ticker = crate::limits::Ticker::new();
        loop {
            if let Err(why) = crate::limits::checkpoint() {
                return textutil::halt(&ctx, why).await;
            }
            let mut start = 0;
            while let Some(i) = memchr::memchr(term, &buf[start..]) {
                let line = &buf[start..start + i];
                cut_line(line, fields, &ranges, delim, out_delim.as_deref(), only_delimited, term, out.buf());
                start += i + 1;
                // A chunk may hold a whole file: flush and check as lines go.
                if out.maybe_flush().await.is_err() {
                    return EXIT_PIPE;
                }
                if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                    return c;
                }
            }
            buf.drain(..start);
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
            if eof {
                if !buf.is_empty() {
                    let line = std::mem::take(&mut buf);
                    cut_line(&line, fields, &ranges, delim, out_delim.as_deref(), only_delimited, term, out.buf());
                }
                break;
            }
            match r.chunk().await {
                Ok(Some(c)) => buf.extend_from_slice(&c),
                Ok(None) => eof = true,
                Err(e) => {
                    ctx.err_path(op, &e).await;
                    status = 1;
                    break;
                }
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}

#[allow(clippy::too_many_arguments)]
fn cut_line(line: &[u8], fields: bool, ranges: &Ranges, delim: u8, out_delim: Option<&[u8]>, only_delimited: bool, term: u8, out: &mut Vec<u8>) {
    if fields {
        if memchr::memchr(delim, line).is_none() {
            if !only_delimited {
                out.extend_from_slice(line);
                out.push(term);
            }
            return;
        }
        let od = out_delim.unwrap_or(std::slice::from_ref(&delim));
        let mut first = true;
        for (i, f) in line.split(|&b| b == delim).enumerate() {
            if selected(ranges, i + 1) {
                if !first {
                    out.extend_from_slice(od);
                }
                first = false;
                out.extend_from_slice(f);
            }
        }
        out.push(term);
    } else {
        // Bytes: with --output-delimiter, one between non-adjacent ranges.
        let mut prev: Option<usize> = None;
        for (i, &b) in line.iter().enumerate() {
            let pos = i + 1;
            if selected(ranges, pos) {
                if let (Some(od), Some(pv)) = (out_delim, prev) {
                    if pv + 1 != pos {
                        out.extend_from_slice(od);
                    }
                }
                out.push(b);
                prev = Some(pos);
            }
        }
        out.push(term);
    }
}
