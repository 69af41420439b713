//! `nl`: number lines (`-b a|t|n|pRE`, `-n ln|rn|rz`, `-w N`, `-s SEP`, `-v N`, `-i N`),
//! numbering carried across files as GNU does.

use super::args::{self, value};
use super::grep::{translate, RegexError};
use super::cfmt::Pieces;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::LineReader;

const SPEC: &[args::Opt] = &[
    value('b', "body-numbering"),
    value('h', "header-numbering"),
    value('f', "footer-numbering"),
    value('n', "number-format"),
    value('w', "number-width"),
    value('s', "number-separator"),
    value('v', "starting-line-number"),
    value('i', "line-increment"),
    value('l', "join-blank-lines"),
    value('d', "section-delimiter"),
    args::flag('p', "no-renumber"),
];

enum Style {
    All,
    NonEmpty,
    None,
    Regex(regex::bytes::Regex),
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let style = match p.value("b").unwrap_or("t") {
        "a" => Style::All,
        "t" => Style::NonEmpty,
        "n" => Style::None,
        s if s.starts_with('p') => {
            let re = translate(&s[1..], false).and_then(|t| {
                regex::bytes::RegexBuilder::new(&t).unicode(false).build().map_err(|e| RegexError(e.to_string()))
            });
            match re {
                Ok(r) => Style::Regex(r),
                Err(e) => {
                    ctx.err(e.0).await;
                    return 1;
                }
            }
        }
        s => {
            return textutil::usage_msg(&ctx, &format!("invalid body numbering style: '{s}'"), 1).await;
        }
    };
    let format = p.value("n").unwrap_or("rn").to_string();
    if !matches!(format.as_str(), "ln" | "rn" | "rz") {
        return textutil::usage_msg(&ctx, &format!("invalid line numbering format: '{format}'"), 1).await;
    }
    // GNU's limits: widths 1..=INT_MAX, numbers anything an intmax_t holds, with gnulib's
    // messages (`Numerical result out of range`, `Value too large for defined data type`).
    let num = |k: &str, d: i64, what: &str, min: i64, max: i64| -> Result<i64, String> {
        match p.value(k) {
            None => Ok(d),
            Some(v) => textutil::xdectoimax(v, min, max).map_err(|e| e.message(&format!("invalid {what}"), v)),
        }
    };
    let parsed = [
        num("w", 6, "line number field width", 1, i32::MAX as i64),
        num("v", 1, "starting line number", i64::MIN, i64::MAX),
        num("i", 1, "line number increment", i64::MIN, i64::MAX),
        num("l", 1, "line number of blank lines", 1, i64::MAX),
    ];
    let (width, mut line_no, incr) = match parsed {
        [Ok(w), Ok(v), Ok(i), Ok(_)] => (w as u64, v, i),
        [Err(m), ..] | [_, Err(m), ..] | [_, _, Err(m), _] | [.., Err(m)] => {
            ctx.err(m).await;
            return 1;
        }
    };
    let sep = p.value("s").unwrap_or("\t").as_bytes().to_vec();
    // The next number overflowed: GNU fails when it would print it.
    let mut overflowed = false;
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = crate::limits::Ticker::new();
    for op in &operands {
        let r = match ctx.open(op).await {
            Ok(r) => r,
            Err(e) => {
                ctx.err_path(op, &e).await;
                status = 1;
                continue;
            }
        };
        let mut lines = LineReader::new(r);
        loop {
            let l = match lines.next_line().await {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => {
                    ctx.err_path(op, &e).await;
                    status = 1;
                    break;
                }
            };
            let body = l.strip_suffix(b"\n").unwrap_or(&l);
            let numbered = match &style {
                Style::All => true,
                Style::NonEmpty => !body.is_empty(),
                Style::None => false,
                Style::Regex(re) => re.is_match(body),
            };
            // The number (or the blank prefix) with its padding as runs: the width may be
            // anything up to INT_MAX.
            let mut prefix = Pieces::new();
            if numbered {
                if overflowed {
                    if out.flush().await.is_err() {
                        return EXIT_PIPE;
                    }
                    ctx.err("line number overflow").await;
                    return 1;
                }
                let digits = line_no.unsigned_abs().to_string();
                let sign: &[u8] = if line_no < 0 { b"-" } else { b"" };
                let len = (sign.len() + digits.len()) as u64;
                let pad = width.saturating_sub(len);
                match format.as_str() {
                    "ln" => {
                        prefix.text(sign);
                        prefix.text(digits.as_bytes());
                        prefix.run(b' ', pad);
                    }
                    "rz" => {
                        prefix.text(sign);
                        prefix.run(b'0', pad);
                        prefix.text(digits.as_bytes());
                    }
                    _ => {
                        prefix.run(b' ', pad);
                        prefix.text(sign);
                        prefix.text(digits.as_bytes());
                    }
                }
                prefix.text(&sep);
                match line_no.checked_add(incr) {
                    Some(n) => line_no = n,
                    None => overflowed = true,
                }
            } else {
                prefix.run(b' ', width.saturating_add(sep.len() as u64));
            }
            if out.put_pieces(&prefix).await.is_err() {
                return EXIT_PIPE;
            }
            if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                return c;
            }
            let b = out.buf();
            b.extend_from_slice(&l);
            if !l.ends_with(b"\n") {
                b.push(b'\n');
            }
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}
