//! `expand`: tabs to spaces (`-t N`, `-t LIST`, `-i` initial only).

use super::args::{self, flag, value};
use super::textutil;
use super::Ctx;

const SPEC: &[args::Opt] = &[value('t', "tabs"), flag('i', "initial")];

/// Tab stops: one size repeating, or an explicit list (then single spaces after the last,
/// or a `/N` / `+N` repeat at the end).
#[derive(Clone, Debug)]
pub struct Tabs {
    pub stops: Vec<usize>,
    pub every: Option<usize>,
}

impl Tabs {
    /// The next stop after `column`; `None` past the last explicit stop.
    pub fn next(&self, column: usize) -> Option<usize> {
        if self.stops.is_empty() {
            let n = self.every.unwrap_or(8);
            return Some(column + n - column % n);
        }
        if let Some(&s) = self.stops.iter().find(|&&s| s > column) {
            return Some(s);
        }
        match self.every {
            Some(n) => {
                let last = *self.stops.last().unwrap_or(&0);
                Some(last + ((column - last) / n + 1) * n)
            }
            None => None,
        }
    }
}

/// Parse `-t` values (several may be given) and the obsolete `-N,M` forms.
pub fn parse_tabs(specs: &[String]) -> Result<Tabs, String> {
    let mut stops: Vec<usize> = Vec::new();
    let mut every = None;
    for spec in specs {
        for part in spec.split([',', ' ']).filter(|s| !s.is_empty()) {
            if let Some(n) = part.strip_prefix('/').or_else(|| part.strip_prefix('+')) {
                let n = n.parse::<usize>().map_err(|_| format!("tab size contains invalid character(s): '{part}'"))?;
                if n == 0 {
                    return Err("tab size cannot be 0".into());
                }
                every = Some(n);
                continue;
            }
            let n: usize = part.parse().map_err(|_| format!("tab size contains invalid character(s): '{part}'"))?;
            if n == 0 {
                return Err("tab size cannot be 0".into());
            }
            if stops.last().is_some_and(|&l| n <= l) {
                return Err("tab sizes must be ascending".into());
            }
            stops.push(n);
        }
    }
    if stops.len() == 1 && every.is_none() {
        return Ok(Tabs { stops: Vec::new(), every: Some(stops[0]) });
    }
    Ok(Tabs { stops, every })
}

/// Rewrite `-4` / `-4,8` as `-t 4` / `-t 4,8`.
pub fn obsolete_tabs(args: &[String]) -> Vec<String> {
    args.iter()
        .map(|a| {
            if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit() || c == ',') {
                format!("-t{}", &a[1..])
            } else {
                a.clone()
            }
        })
        .collect()
}

fn expand_line(line: &[u8], tabs: &Tabs, initial: bool, out: &mut Vec<u8>) {
    let mut column = 0usize;
    let mut leading = true;
    for &c in line {
        if c == b'\t' && (!initial || leading) {
            match tabs.next(column) {
                Some(next) => {
                    out.extend(std::iter::repeat_n(b' ', next - column));
                    column = next;
                }
                None => {
                    out.push(b' ');
                    column += 1;
                }
            }
            continue;
        }
        if c == 8 {
            column = column.saturating_sub(1);
        } else {
            column += 1;
        }
        if c != b' ' && c != b'\t' {
            leading = false;
        }
        out.push(c);
    }
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
    let initial = p.has("i");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    textutil::map_lines(&ctx, &operands, |l, buf| expand_line(l, &tabs, initial, buf)).await
}
