//! `split`: split a file into pieces on a writable mount (`-l N`, `-b SIZE`, `-n CHUNKS`,
//! `-d`, `-a LEN`, `--additional-suffix`, `--verbose`), named PREFIXaa, PREFIXab, ...

use bytes::Bytes;

use super::args::{self, flag, value};
use super::common;
use super::head::parse_count;
use super::Ctx;

const SPEC: &[args::Opt] = &[
    value('l', "lines"),
    value('b', "bytes"),
    value('n', "number"),
    flag('d', ""),
    args::long_flag("numeric-suffixes"),
    flag('x', ""),
    value('a', "suffix-length"),
    args::long_value("additional-suffix"),
    args::long_flag("verbose"),
    flag('e', "elide-empty-files"),
];

fn suffix(mut n: usize, len: usize, numeric: bool, hex: bool) -> Option<String> {
    let base = if numeric { 10 } else if hex { 16 } else { 26 };
    let mut s = vec![0u8; len];
    for k in (0..len).rev() {
        let d = (n % base) as u8;
        s[k] = if numeric || (hex && d < 10) { b'0' + d } else if hex { b'a' + d - 10 } else { b'a' + d };
        n /= base;
    }
    if n > 0 {
        return None;
    }
    String::from_utf8(s).ok()
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "split", e, 1).await,
    };
    let input = p.operands.first().cloned().unwrap_or_else(|| "-".into());
    let prefix = p.operands.get(1).cloned().unwrap_or_else(|| "x".into());
    if p.operands.len() > 2 {
        let _ = ctx.stderr.write_str(&format!("split: extra operand '{}'\nTry 'split --help' for more information.\n", p.operands[2])).await;
        return 1;
    }
    let data = match common::read_all(&ctx, &input).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("cannot open '{input}' for reading: {e}")).await;
            return 1;
        }
    };
    let mut pieces: Vec<&[u8]> = Vec::new();
    if let Some(b) = p.value("b") {
        let Some(n) = parse_count(b).filter(|n| *n > 0) else {
            ctx.err(format!("invalid number of bytes: '{b}'")).await;
            return 1;
        };
        pieces.extend(data.chunks(n as usize));
    } else if let Some(nv) = p.value("n") {
        let Some(k) = nv.parse::<usize>().ok().filter(|k| *k > 0) else {
            ctx.err(format!("invalid number of chunks: '{nv}'")).await;
            return 1;
        };
        let len = data.len();
        for i in 0..k {
            let st = i * len / k;
            let en = (i + 1) * len / k;
            pieces.push(&data[st..en]);
        }
    } else {
        let l = match p.value("l") {
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    ctx.err(format!("invalid number of lines: '{v}'")).await;
                    return 1;
                }
            },
            None => 1000,
        };
        let mut st = 0;
        let mut count = 0;
        for (i, b) in data.iter().enumerate() {
            if *b == b'\n' {
                count += 1;
                if count == l {
                    pieces.push(&data[st..=i]);
                    st = i + 1;
                    count = 0;
                }
            }
        }
        if st < data.len() {
            pieces.push(&data[st..]);
        }
    }
    if p.has("e") {
        pieces.retain(|x| !x.is_empty());
    }
    let numeric = p.has("d") || p.has("numeric-suffixes");
    let hex = p.has("x");
    let slen = p.value("a").and_then(|a| a.parse().ok()).unwrap_or(2);
    let extra = p.value("additional-suffix").unwrap_or("").to_string();
    for (i, piece) in pieces.iter().enumerate() {
        let Some(suf) = suffix(i, slen, numeric, hex) else {
            ctx.err("output file suffixes exhausted").await;
            return 1;
        };
        let name = format!("{prefix}{suf}{extra}");
        if p.has("verbose") && common::out(&ctx, format!("creating file '{name}'\n")).await.is_err() {
            return super::EXIT_PIPE;
        }
        if let Err(e) = ctx.vfs.write(&ctx.abs(&name), Bytes::copy_from_slice(piece)).await {
            ctx.err(format!("{name}: {e}")).await;
            return 1;
        }
    }
    0
}
