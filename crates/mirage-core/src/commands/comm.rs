//! `comm`: compare two sorted files line by line (`-1 -2 -3`, `--output-delimiter`,
//! `--total`, `-z`, order checks as GNU: a warning per file, then exit 1).

use std::cmp::Ordering;

use super::args::{self, flag, long_flag, long_value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('1', ""),
    flag('2', ""),
    flag('3', ""),
    long_flag("check-order"),
    long_flag("nocheck-order"),
    long_value("output-delimiter"),
    long_flag("total"),
    flag('z', "zero-terminated"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    match p.operands.len() {
        0 => return textutil::usage_msg(&ctx, "missing operand", 1).await,
        1 => return textutil::usage_msg(&ctx, &format!("missing operand after '{}'", p.operands[0]), 1).await,
        2 => {}
        _ => return textutil::usage_msg(&ctx, &format!("extra operand '{}'", p.operands[2]), 1).await,
    }
    let term = if p.has("z") { 0u8 } else { b'\n' };
    let show = [!p.has("1"), !p.has("2"), !p.has("3")];
    let delim = p.value("output-delimiter").unwrap_or("\t").as_bytes().to_vec();
    let delim = if delim.is_empty() { vec![0u8] } else { delim };
    let check = if p.has("nocheck-order") { 0 } else if p.has("check-order") { 2 } else { 1 };
    let mut data = Vec::new();
    for op in &p.operands {
        match textutil::read_all(&ctx, op).await {
            Ok(d) => data.push(d),
            Err(e) => {
                ctx.err_path(op, &e).await;
                return 1;
            }
        }
    }
    let (a, b) = match (textutil::records_checked(&data[0], term), textutil::records_checked(&data[1], term)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(why), _) | (_, Err(why)) => return textutil::halt(&ctx, why).await,
    };
    let (mut i, mut j) = (0, 0);
    let mut out = Out::new(&ctx.stdout);
    let mut totals = [0u64; 3];
    let mut warned = [false, false];
    let mut unpairable = false;
    let mut status = 0;
    let prefix = |col: usize| -> Vec<u8> {
        let mut v = Vec::new();
        for c in 0..col {
            if show[c] {
                v.extend_from_slice(&delim);
            }
        }
        v
    };
    let mut ticker = crate::limits::Ticker::new();
    while i < a.len() || j < b.len() {
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
        let ord = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let (col, line) = match ord {
            Ordering::Less => (0, a[i]),
            Ordering::Greater => (1, b[j]),
            Ordering::Equal => (2, a[i]),
        };
        if col != 2 {
            unpairable = true;
        }
        // Order checks on the lines about to be consumed.
        let check_file = |k: usize, lines: &[&[u8]], idx: usize, warned: &mut [bool; 2]| -> Option<String> {
            if check == 0 || warned[k] || idx == 0 || idx >= lines.len() {
                return None;
            }
            if (check == 2 || unpairable) && lines[idx - 1] > lines[idx] {
                warned[k] = true;
                return Some(format!("file {} is not in sorted order", k + 1));
            }
            None
        };
        let mut msgs = Vec::new();
        if col == 0 || col == 2 {
            if let Some(m) = check_file(0, &a, i, &mut warned) {
                msgs.push(m);
            }
        }
        if col == 1 || col == 2 {
            if let Some(m) = check_file(1, &b, j, &mut warned) {
                msgs.push(m);
            }
        }
        if !msgs.is_empty() {
            if out.flush().await.is_err() {
                return EXIT_PIPE;
            }
            for m in msgs {
                ctx.err(m).await;
            }
            if check == 2 {
                return 1;
            }
        }
        totals[col] += 1;
        if show[col] {
            let o = out.buf();
            o.extend_from_slice(&prefix(col));
            o.extend_from_slice(line);
            o.push(term);
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
        }
        match col {
            0 => i += 1,
            1 => j += 1,
            _ => {
                i += 1;
                j += 1;
            }
        }
    }
    if p.has("total") {
        let d = String::from_utf8_lossy(&delim).into_owned();
        let line = format!("{}{d}{}{d}{}{d}total", totals[0], totals[1], totals[2]);
        let o = out.buf();
        o.extend_from_slice(line.as_bytes());
        o.push(term);
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    if warned[0] || warned[1] {
        ctx.err("input is not in sorted order").await;
        status = 1;
    }
    status
}
