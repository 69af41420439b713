//! `nl`: number lines (`-b a|t|n|pRE`, `-n ln|rn|rz`, `-w N`, `-s SEP`, `-v N`, `-i N`),
//! numbering carried across files as GNU does.

use super::args::{self, value};
use super::grep::{translate, RegexError};
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
    let num = |k: &str, d: i64, what: &str| -> Result<i64, String> {
        match p.value(k) {
            None => Ok(d),
            Some(v) => v.parse::<i64>().map_err(|_| format!("invalid {what}: '{v}'")),
        }
    };
    let (width, mut line_no, incr) = match (num("w", 6, "line number field width"), num("v", 1, "starting line number"), num("i", 1, "line number increment")) {
        (Ok(w), Ok(v), Ok(i)) => (w, v, i),
        (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => {
            ctx.err(m).await;
            return 1;
        }
    };
    if width < 1 {
        ctx.err(format!("invalid line number field width: '{width}': Numerical result out of range")).await;
        return 1;
    }
    let width = width as usize;
    let sep = p.value("s").unwrap_or("\t").as_bytes().to_vec();
    let blank_prefix = vec![b' '; width + sep.len()];
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
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
            let b = out.buf();
            if numbered {
                let n = line_no.to_string();
                let s = match format.as_str() {
                    "ln" => format!("{n:<width$}"),
                    "rz" => {
                        if line_no < 0 {
                            format!("-{:0>w$}", (-line_no).to_string(), w = width.saturating_sub(1))
                        } else {
                            format!("{n:0>width$}")
                        }
                    }
                    _ => format!("{n:>width$}"),
                };
                b.extend_from_slice(s.as_bytes());
                b.extend_from_slice(&sep);
                line_no += incr;
            } else {
                b.extend_from_slice(&blank_prefix);
            }
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
