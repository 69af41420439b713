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

fn parse_list(s: &str, fields: bool) -> Result<Ranges, String> {
    let mut v: Ranges = Vec::new();
    for part in s.split([',', ' ']) {
        if part.is_empty() {
            return Err("invalid byte, character or field list".into());
        }
        let (a, b) = match part.split_once('-') {
            None => {
                let n: usize = part.parse().map_err(|_| if fields { format!("invalid field value '{part}'") } else { format!("invalid byte/character position '{part}'") })?;
                (n, n)
            }
            Some((a, b)) => {
                if a.is_empty() && b.is_empty() {
                    return Err("invalid range with no endpoint: -".into());
                }
                let lo: usize = if a.is_empty() { 1 } else { a.parse().map_err(|_| format!("invalid byte/character position '{part}'"))? };
                let hi: usize = if b.is_empty() { usize::MAX } else { b.parse().map_err(|_| format!("invalid byte/character position '{part}'"))? };
                if hi < lo {
                    return Err("invalid decreasing range".into());
                }
                (lo, hi)
            }
        };
        if a == 0 {
            return Err(if fields { "fields are numbered from 1".into() } else { "byte/character positions are numbered from 1".into() });
        }
        v.push((a, b));
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

fn selected(r: &Ranges, i: usize) -> bool {
    r.iter().any(|&(a, b)| i >= a && i <= b)
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
        loop {
            let mut start = 0;
            while let Some(i) = memchr::memchr(term, &buf[start..]) {
                let line = &buf[start..start + i];
                cut_line(line, fields, &ranges, delim, out_delim.as_deref(), only_delimited, term, out.buf());
                start += i + 1;
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
