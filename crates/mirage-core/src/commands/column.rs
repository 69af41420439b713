//! `column` (util-linux 2.38): `-t` tables (`-s SEPS`, `-o SEP`, `-R`/`-N`-free), and the
//! default fill-columns-first layout (`-x` rows first, `-c WIDTH`, default 80 when not a
//! terminal), with util-linux's tab-based padding.

use super::args::{self, flag, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('t', "table"),
    value('s', "separator"),
    value('o', "output-separator"),
    flag('x', "fillrows"),
    value('c', "output-width"),
    flag('n', "table-noextreme"),
    flag('e', "table-noheadings"),
    flag('L', "keep-empty-lines"),
    value('R', "table-right"),
    value('N', "table-columns"),
    value('l', "table-columns-limit"),
];

/// Display width: characters (not bytes).
fn width(s: &[u8]) -> usize {
    match std::str::from_utf8(s) {
        Ok(t) => t.chars().count(),
        Err(_) => s.len(),
    }
}

/// util-linux's `strtou32_or_err`: a number up to `u32::MAX`; `Err` holds the errno text
/// after the quoted value (none for garbage).
fn strtou32(v: &str) -> Result<u32, &'static str> {
    let t = v.trim_start();
    let digits = t.strip_prefix('+').unwrap_or(t);
    if t.starts_with('-') && t[1..].bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return Err(": Numerical result out of range");
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("");
    }
    digits.parse::<u32>().map_err(|_| ": Numerical result out of range")
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let table = p.has("t");
    let seps: Option<Vec<u8>> = p.value("s").map(textutil::c_unescape);
    let out_sep = p.value("o").map(textutil::c_unescape).unwrap_or_else(|| b"  ".to_vec());
    let term_width: usize = match p.value("c") {
        Some(v) => match strtou32(v) {
            Ok(n) => n as usize,
            Err(suffix) => {
                ctx.err(format!("invalid columns argument: '{v}'{suffix}")).await;
                return 1;
            }
        },
        None => ctx.env.get("COLUMNS").and_then(|c| c.parse::<u32>().ok()).map(|c| c as usize).unwrap_or(80),
    };
    let mut right: Vec<usize> = Vec::new();
    for x in p.value("R").map(|v| v.split(',').collect::<Vec<_>>()).unwrap_or_default() {
        if x.bytes().all(|b| b.is_ascii_digit()) && !x.is_empty() {
            match strtou32(x) {
                Ok(n) => right.push(n as usize),
                Err(suffix) => {
                    ctx.err(format!("failed to parse column: '{x}'{suffix}")).await;
                    return 1;
                }
            }
        }
    }
    let limit: Option<usize> = match p.value("l") {
        Some(v) => match strtou32(v) {
            Ok(0) => {
                ctx.err("columns limit must be greater than zero").await;
                return 1;
            }
            Ok(n) => Some(n as usize),
            Err(suffix) => {
                ctx.err(format!("invalid columns limit argument: '{v}'{suffix}")).await;
                return 1;
            }
        },
        None => None,
    };
    let keep_empty = p.has("L");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut status = 0;
    for op in &operands {
        match textutil::read_all(&ctx, op).await {
            Ok(d) => {
                let recs = match textutil::records_checked(&d, b'\n') {
                    Ok(r) => r,
                    Err(why) => return textutil::halt(&ctx, why).await,
                };
                let mut ticker = crate::limits::Ticker::new();
                for l in recs {
                    if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                        return c;
                    }
                    lines.push(l.to_vec());
                }
            }
            Err(e) if e.kind == crate::vfs::ErrorKind::IsADirectory => {
                ctx.err(format!("read failed: {e}")).await;
                status = 1;
            }
            Err(e) => {
                ctx.err_path(op, &e).await;
                status = 1;
            }
        }
    }
    let mut out = Out::new(&ctx.stdout);
    if table {
        let is_sep = |b: u8| match &seps {
            Some(s) => s.contains(&b),
            None => b == b' ' || b == b'\t',
        };
        let mut rows: Vec<Option<Vec<Vec<u8>>>> = Vec::new();
        for l in &lines {
            let blank = l.iter().all(|&b| b == b' ' || b == b'\t');
            if l.is_empty() || (seps.is_none() && blank) {
                if keep_empty {
                    rows.push(None);
                }
                continue;
            }
            let mut cells: Vec<Vec<u8>> = if seps.is_some() {
                l.split(|&b| is_sep(b)).map(|c| c.to_vec()).collect()
            } else {
                l.split(|&b| is_sep(b)).filter(|c| !c.is_empty()).map(|c| c.to_vec()).collect()
            };
            if let Some(n) = limit {
                if n > 0 && cells.len() > n {
                    let sep = seps.as_ref().and_then(|s| s.first().copied()).unwrap_or(b' ');
                    let rest = cells.split_off(n - 1);
                    cells.push(rest.join(&sep));
                }
            }
            rows.push(Some(cells));
        }
        let ncols = rows.iter().flatten().map(|r| r.len()).max().unwrap_or(0);
        let mut widths = vec![0usize; ncols];
        for r in rows.iter().flatten() {
            for (k, c) in r.iter().enumerate() {
                widths[k] = widths[k].max(width(c));
            }
        }
        for r in &rows {
            let b = out.buf();
            if let Some(r) = r {
                for k in 0..ncols {
                    let empty = Vec::new();
                    let c = r.get(k).unwrap_or(&empty);
                    let pad = widths[k] - width(c);
                    let last = k + 1 == ncols;
                    if right.contains(&(k + 1)) {
                        b.extend(std::iter::repeat_n(b' ', pad));
                        b.extend_from_slice(c);
                    } else {
                        b.extend_from_slice(c);
                        if !last {
                            b.extend(std::iter::repeat_n(b' ', pad));
                        }
                    }
                    if !last {
                        b.extend_from_slice(&out_sep);
                    }
                }
            }
            b.push(b'\n');
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
        }
    } else {
        let items: Vec<&Vec<u8>> = lines.iter().filter(|l| !l.is_empty()).collect();
        if !items.is_empty() {
            let maxlen = items.iter().map(|l| width(l)).max().unwrap_or(0);
            let maxlen = (maxlen + 8) & !7;
            let fill_rows = p.has("x");
            if maxlen >= term_width && !fill_rows {
                for l in &items {
                    let b = out.buf();
                    b.extend_from_slice(l);
                    b.push(b'\n');
                }
            } else {
                let numcols = (term_width / maxlen).max(1);
                let n = items.len();
                let numrows = n.div_ceil(numcols);
                if fill_rows {
                    let mut chcnt = 0usize;
                    let mut col = 0usize;
                    let mut endcol = maxlen;
                    for (k, l) in items.iter().enumerate() {
                        let b = out.buf();
                        b.extend_from_slice(l);
                        chcnt += width(l);
                        if k + 1 == n {
                            if chcnt > 0 {
                                b.push(b'\n');
                            }
                            break;
                        }
                        col += 1;
                        if col == numcols {
                            chcnt = 0;
                            col = 0;
                            endcol = maxlen;
                            b.push(b'\n');
                        } else {
                            loop {
                                let cnt = (chcnt + 8) & !7;
                                if cnt > endcol {
                                    break;
                                }
                                b.push(b'\t');
                                chcnt = cnt;
                            }
                            endcol += maxlen;
                        }
                    }
                } else {
                    for row in 0..numrows {
                        let b = out.buf();
                        let mut endcol = maxlen;
                        let mut chcnt = 0usize;
                        let mut base = row;
                        for _ in 0..numcols {
                            b.extend_from_slice(items[base]);
                            chcnt += width(items[base]);
                            base += numrows;
                            if base >= n {
                                break;
                            }
                            loop {
                                let cnt = (chcnt + 8) & !7;
                                if cnt > endcol {
                                    break;
                                }
                                b.push(b'\t');
                                chcnt = cnt;
                            }
                            endcol += maxlen;
                        }
                        b.push(b'\n');
                    }
                }
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}
