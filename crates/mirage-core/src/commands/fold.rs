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
    // `fold -40` is `fold -w 40` (but `-w -1` is a width of `-1`).
    let mut argv: Vec<String> = Vec::new();
    let mut value_next = false;
    let mut options = true;
    for a in &ctx.args {
        let obsolete = options && !value_next && a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit());
        argv.push(if obsolete { format!("-w{}", &a[1..]) } else { a.clone() });
        if a == "--" {
            options = false;
        }
        value_next = options && !value_next && (a == "--width" || (a.starts_with('-') && !a.starts_with("--") && a.ends_with('w')));
    }
    let p = match textutil::parse_args_or_usage(&ctx, &argv, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    // GNU: 1 ..= SIZE_MAX - TAB_WIDTH - 1, with gnulib's messages.
    let width = match p.value("w") {
        None => 80,
        Some(v) => match textutil::xdectoumax(v, 1, u64::MAX - 9, "") {
            Ok(n) => usize::try_from(n).unwrap_or(usize::MAX - 9),
            Err(e) => {
                ctx.err(e.message("invalid number of columns", v)).await;
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
