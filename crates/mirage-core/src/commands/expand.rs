//! `expand`: tabs to spaces (`-t N`, `-t LIST`, `-i` initial only).

use super::args::{self, flag, value};
use super::cfmt::Pieces;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[value('t', "tabs"), flag('i', "initial")];

/// Tab stops: one size repeating, or an explicit list (then single spaces after the last,
/// or a `/N` / `+N` repeat at the end). Columns are `u64`, as GNU's `uintmax_t`.
#[derive(Clone, Debug)]
pub struct Tabs {
    pub stops: Vec<u64>,
    pub every: Option<u64>,
    /// `+N`: stops every N after the last explicit one (`/N`: multiples of N).
    pub relative: bool,
}

/// Where the next tab stop after a column is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Stop(u64),
    /// Past the last explicit stop.
    Last,
    /// The column does not fit: GNU's `input line is too long`.
    TooLong,
}

impl Tabs {
    /// The next stop after `column` (GNU's `get_next_tab_column`).
    pub fn next(&self, column: u64) -> Next {
        let after = |n: u64, from: u64| -> Next {
            let next = column.wrapping_add(n - (column.wrapping_sub(from)) % n);
            if next < column {
                Next::TooLong
            } else {
                Next::Stop(next)
            }
        };
        if self.stops.is_empty() {
            return after(self.every.unwrap_or(8), 0);
        }
        if let Some(&s) = self.stops.iter().find(|&&s| s > column) {
            return Next::Stop(s);
        }
        match self.every {
            Some(n) if self.relative => after(n, *self.stops.last().unwrap_or(&0)),
            Some(n) => after(n, 0),
            None => Next::Last,
        }
    }

    /// The largest explicit stop or size (GNU's `max_column_width`).
    pub fn widest(&self) -> u64 {
        self.stops.iter().copied().chain(self.every).max().unwrap_or(8)
    }
}

/// Parse `-t` values (several may be given) and the obsolete `-N,M` forms, with GNU's
/// messages (`tab stop is too large` past `uintmax_t`).
pub fn parse_tabs(specs: &[String]) -> Result<Tabs, String> {
    let mut stops: Vec<u64> = Vec::new();
    let mut every = None;
    let mut relative = false;
    // GNU quotes the list from the first bad character on.
    let number = |digits: &str, spec: &str| -> Result<u64, String> {
        if let Some(bad) = digits.find(|c: char| !c.is_ascii_digit()) {
            let at = digits.as_ptr() as usize - spec.as_ptr() as usize + bad;
            let rest = &spec[at..];
            if rest.starts_with(['/', '+']) {
                return Err(format!("'{}' specifier not at start of number: '{rest}'", &rest[..1]));
            }
            return Err(format!("tab size contains invalid character(s): '{rest}'"));
        }
        if digits.is_empty() {
            let at = (digits.as_ptr() as usize - spec.as_ptr() as usize).min(spec.len());
            return Err(format!("tab size contains invalid character(s): '{}'", &spec[at..]));
        }
        digits.parse::<u64>().map_err(|_| format!("tab stop is too large '{digits}'"))
    };
    for spec in specs {
        for part in spec.split([',', ' ']).filter(|s| !s.is_empty()) {
            if let Some(n) = part.strip_prefix('/').or_else(|| part.strip_prefix('+')) {
                if n.is_empty() {
                    continue;
                }
                let n = number(n, spec)?;
                if n == 0 {
                    return Err("tab size cannot be 0".into());
                }
                relative = part.starts_with('+');
                every = Some(n);
                continue;
            }
            let n = number(part, spec)?;
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
        return Ok(Tabs { stops: Vec::new(), every: Some(stops[0]), relative: false });
    }
    Ok(Tabs { stops, every, relative })
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

/// Expand one line into `out`; the spaces of a tab are a run (a tab stop may be 2^64 - 1).
/// `Err` when a column no longer fits (`input line is too long`).
fn expand_line(line: &[u8], tabs: &Tabs, initial: bool, out: &mut Pieces) -> Result<(), ()> {
    let mut column = 0u64;
    let mut leading = true;
    let mut start = 0;
    for (i, &c) in line.iter().enumerate() {
        if c == b'\t' && (!initial || leading) {
            out.text(&line[start..i]);
            start = i + 1;
            match tabs.next(column) {
                Next::Stop(next) => {
                    out.run(b' ', next - column);
                    column = next;
                }
                Next::Last => {
                    column = column.checked_add(1).ok_or(())?;
                    out.text(b" ");
                }
                Next::TooLong => return Err(()),
            }
            continue;
        }
        if c == 8 {
            column = column.saturating_sub(1);
        } else {
            match column.checked_add(1) {
                Some(n) => column = n,
                None => {
                    out.text(&line[start..i]);
                    return Err(());
                }
            }
        }
        if c != b' ' && c != b'\t' {
            leading = false;
        }
    }
    out.text(&line[start..]);
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
    let initial = p.has("i");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    each_line(&ctx, &operands, |l, out| expand_line(l, &tabs, initial, out)).await
}

/// Run `each` on every line (with its `\n`) of every operand, writing its pieces (text and
/// runs of padding) to stdout. `each` failing is GNU's `input line is too long`.
pub async fn each_line(ctx: &Ctx, operands: &[String], mut each: impl FnMut(&[u8], &mut Pieces) -> Result<(), ()>) -> i32 {
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = crate::limits::Ticker::new();
    for op in operands {
        let r = match ctx.open(op).await {
            Ok(r) => r,
            Err(e) => {
                ctx.err_path(op, &e).await;
                status = 1;
                continue;
            }
        };
        let mut lines = crate::shell::io::LineReader::new(r);
        loop {
            match lines.next_line().await {
                Ok(Some(l)) => {
                    // What comes before a column that does not fit is written first, as GNU
                    // writes as it goes.
                    let mut pieces = Pieces::new();
                    let fits = each(&l, &mut pieces);
                    if out.put_pieces(&pieces).await.is_err() {
                        return EXIT_PIPE;
                    }
                    if fits.is_err() {
                        if out.flush().await.is_err() {
                            return EXIT_PIPE;
                        }
                        ctx.err("input line is too long").await;
                        return 1;
                    }
                    if let Err(c) = textutil::tick(ctx, &mut ticker).await {
                        return c;
                    }
                }
                Ok(None) => break,
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
