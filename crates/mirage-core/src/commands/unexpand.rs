//! `unexpand`: blanks to tabs (leading blanks by default, `-a` all, `-t N`/`LIST`,
//! `--first-only`), following GNU's rules for single blanks before a tab stop.

use super::args::{self, flag, long_flag, value};
use super::cfmt::Pieces;
use super::expand::{each_line, obsolete_tabs, parse_tabs, Next, Tabs};
use super::textutil;
use super::Ctx;

const SPEC: &[args::Opt] = &[flag('a', "all"), value('t', "tabs"), long_flag("first-only")];

/// Unexpand one line into `out`; `Err` when a column no longer fits (`input line is too
/// long`).
fn unexpand_line(line: &[u8], tabs: &Tabs, all: bool, pieces: &mut Pieces) -> Result<(), ()> {
    let mut out: Vec<u8> = Vec::with_capacity(line.len());
    let mut convert = true;
    let mut column = 0u64;
    let mut one_blank_before_tab_stop = false;
    let mut prev_blank = true;
    let mut pending: Vec<u8> = Vec::new();
    for &c0 in line {
        let mut c = c0;
        if convert {
            let blank = c == b' ' || c == b'\t';
            if blank {
                let next = tabs.next(column);
                match next {
                    Next::Last => convert = false,
                    Next::TooLong => return Err(()),
                    Next::Stop(next_tab) => {
                        if c == b'\t' {
                            column = next_tab;
                            if !pending.is_empty() {
                                pending[0] = b'\t';
                            }
                        } else {
                            column = column.checked_add(1).ok_or(())?;
                            if !(prev_blank && column == next_tab) {
                                if column == next_tab {
                                    one_blank_before_tab_stop = true;
                                }
                                pending.push(c);
                                prev_blank = true;
                                continue;
                            }
                            c = b'\t';
                            if !pending.is_empty() {
                                pending[0] = b'\t';
                            }
                        }
                        // Discard pending blanks, unless it was a single blank just
                        // before the previous tab stop.
                        if one_blank_before_tab_stop {
                            pending.truncate(1);
                        } else {
                            pending.clear();
                        }
                    }
                }
            } else if c == 8 {
                column = column.saturating_sub(1);
            } else {
                column = column.checked_add(1).ok_or(())?;
            }
            if !pending.is_empty() {
                if pending.len() > 1 && one_blank_before_tab_stop {
                    pending[0] = b'\t';
                }
                out.extend_from_slice(&pending);
                pending.clear();
                one_blank_before_tab_stop = false;
            }
            prev_blank = blank;
            convert &= all || blank;
        }
        out.push(c);
    }
    out.extend_from_slice(&pending);
    pieces.text(&out);
    Ok(())
}

pub async fn run(ctx: Ctx) -> i32 {
    let argv = obsolete_tabs(&ctx.args);
    let p = match textutil::parse_args_or_usage(&ctx, &argv, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let specs: Vec<String> = p.opts.iter().filter(|o| o.key == "t").filter_map(|o| o.value.clone()).collect();
    let tabs = match parse_tabs(&specs) {
        Ok(t) => t,
        Err(m) => {
            ctx.err(m).await;
            return 1;
        }
    };
    // GNU holds the blanks up to the widest tab stop in one buffer allocated up front.
    match textutil::refuse(usize::try_from(tabs.widest()).unwrap_or(usize::MAX)) {
        Ok(()) => {}
        Err(None) => {
            ctx.err("memory exhausted").await;
            return 1;
        }
        Err(Some(why)) => return textutil::halt(&ctx, why).await,
    }
    let all = (p.has("a") || !specs.is_empty()) && !p.has("first-only");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    each_line(&ctx, &operands, |l, out| unexpand_line(l, &tabs, all, out)).await
}
