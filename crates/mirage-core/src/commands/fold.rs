//! `fold`: wrap lines at a width (`-w N`, `-s` at blanks, `-b` counting bytes), with GNU's
//! column rules (tab to the next multiple of 8, backspace back one, CR to column 0).

use super::args::{self, flag, value};
use super::textutil;
use super::Ctx;

const SPEC: &[args::Opt] = &[flag('b', "bytes"), flag('s', "spaces"), value('w', "width")];

fn adjust(column: usize, c: u8, bytes: bool) -> usize {
    if bytes {
        return column + 1;
    }
    match c {
        8 => column.saturating_sub(1),
        b'\r' => 0,
        b'\t' => column + 8 - column % 8,
        _ => column + 1,
    }
}

/// Fold one line (without its newline) into `out`.
fn fold_line(line: &[u8], width: usize, spaces: bool, bytes: bool, out: &mut Vec<u8>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut column = 0usize;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        let next = adjust(column, c, bytes);
        if next > width {
            if spaces {
                if let Some(pos) = buf.iter().rposition(|&b| b == b' ' || b == b'\t') {
                    let end = pos + 1;
                    out.extend_from_slice(&buf[..end]);
                    out.push(b'\n');
                    buf.drain(..end);
                    column = buf.iter().fold(0, |col, &b| adjust(col, b, bytes));
                    continue;
                }
            }
            if buf.is_empty() {
                buf.push(c);
                column = next;
                i += 1;
                continue;
            }
            out.extend_from_slice(&buf);
            out.push(b'\n');
            buf.clear();
            column = 0;
            continue;
        }
        column = next;
        buf.push(c);
        i += 1;
    }
    out.extend_from_slice(&buf);
}

pub async fn run(ctx: Ctx) -> i32 {
    // `fold -40` is `fold -w 40`.
    let argv: Vec<String> = ctx
        .args
        .iter()
        .map(|a| if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) { format!("-w{}", &a[1..]) } else { a.clone() })
        .collect();
    let p = match textutil::parse_args_or_usage(&ctx, &argv, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let width = match p.value("w") {
        None => 80,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 => n,
            Ok(_) => {
                ctx.err(format!("invalid number of columns: '{v}': Numerical result out of range")).await;
                return 1;
            }
            _ => {
                ctx.err(format!("invalid number of columns: '{v}'")).await;
                return 1;
            }
        },
    };
    let (spaces, bytes) = (p.has("s"), p.has("b"));
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    textutil::map_lines(&ctx, &operands, |l, buf| {
        let (body, nl) = match l.strip_suffix(b"\n") {
            Some(b) => (b, true),
            None => (l, false),
        };
        fold_line(body, width, spaces, bytes, buf);
        if nl {
            buf.push(b'\n');
        }
    })
    .await
}
