//! `du`: disk usage (`-s -a -c -h -b -k -m --apparent-size --max-depth/-d N`), from one
//! flat listing per operand (no reads). Sizes are those of an ext4 filesystem with 4 KiB
//! blocks: a file uses ceil(size/4096)*4 KiB, a directory 4 KiB (4096 bytes with `-b`).
//! GNU du lists in directory order; here siblings come in byte order. Any depth is walked
//! (an explicit stack), checking the stop switch at each entry.

use std::collections::HashMap;

use super::args::{self, flag, long_flag, long_value, value};
use super::grep::join_display;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::limits;
use crate::vfs::Metadata;

const SPEC: &[args::Opt] = &[
    flag('s', "summarize"),
    flag('a', "all"),
    flag('c', "total"),
    flag('h', "human-readable"),
    flag('b', "bytes"),
    flag('k', ""),
    flag('m', ""),
    long_flag("apparent-size"),
    value('d', "max-depth"),
    flag('x', "one-file-system"),
    flag('L', "dereference"),
    flag('S', "separate-dirs"),
    long_flag("si"),
    value('B', "block-size"),
    long_value("exclude"),
    flag('0', "null"),
];

#[derive(Clone, Copy)]
struct Units {
    apparent: bool,
    /// Divide bytes by this (rounding up) for display; 1 with -b.
    block: u64,
    human: bool,
}

impl Units {
    fn usage(&self, m: &Metadata) -> u64 {
        if m.is_dir() {
            4096
        } else if self.apparent {
            m.size
        } else {
            m.size.div_ceil(4096) * 4096
        }
    }
    fn show(&self, bytes: u64) -> String {
        if self.human {
            textutil::human(bytes)
        } else {
            bytes.div_ceil(self.block).to_string()
        }
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let bytes = p.has("b");
    let mut units = Units { apparent: bytes || p.has("apparent-size"), block: if bytes { 1 } else { 1024 }, human: p.has("h") };
    for o in &p.opts {
        match o.key.as_str() {
            "k" => units.block = 1024,
            "m" => units.block = 1 << 20,
            "b" => units.block = 1,
            "B" => {
                let v = o.value.as_deref().unwrap_or("");
                match super::head::parse_count(v).or_else(|| super::head::parse_count(&format!("1{v}"))) {
                    Some(n) if n > 0 => units.block = n,
                    _ => {
                        ctx.err(format!("invalid -B argument '{v}'")).await;
                        return 1;
                    }
                }
            }
            _ => {}
        }
    }
    let max_depth: Option<usize> = if p.has("s") {
        if let Some(d) = p.value("d") {
            if d != "0" {
                ctx.err("cannot both summarize and show all entries").await;
                return 1;
            }
        }
        Some(0)
    } else {
        match p.value("d") {
            None => None,
            Some(v) => match v.parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    return textutil::usage_msg(&ctx, &format!("invalid maximum depth '{v}'"), 1).await;
                }
            },
        }
    };
    if p.has("s") && p.has("a") {
        return textutil::usage_msg(&ctx, "cannot both summarize and show all entries", 1).await;
    }
    let all = p.has("a");
    let term = if p.has("0") { 0u8 } else { b'\n' };
    let operands = if p.operands.is_empty() { vec![".".to_string()] } else { p.operands.clone() };
    let mut out = Out::new(&ctx.stdout);
    let mut status = 0;
    let mut total = 0u64;
    for op in &operands {
        let abs = ctx.abs(op);
        let meta = match ctx.vfs.stat(&abs).await {
            Ok(m) => m,
            Err(e) => {
                if out.flush().await.is_err() {
                    return EXIT_PIPE;
                }
                ctx.err(format!("cannot access '{op}': {e}")).await;
                status = 1;
                continue;
            }
        };
        if !meta.is_dir() {
            let u = units.usage(&meta);
            total += u;
            out.buf().extend_from_slice(format!("{}\t{op}", units.show(u)).as_bytes());
            out.buf().push(term);
            continue;
        }
        let entries = match ctx.vfs.walk(&abs).await {
            Ok(e) => e,
            Err(e) => {
                ctx.err(format!("cannot read directory '{op}': {e}")).await;
                status = 1;
                continue;
            }
        };
        let bytes: usize = entries.iter().map(|(rel, _)| rel.len() + std::mem::size_of::<(String, Metadata)>() + 16).sum();
        if limits::reserve(bytes).is_err() {
            if super::textutil::checkpoint().await.is_err() {
                return 1;
            }
            ctx.err(format!("cannot read directory '{op}': Cannot allocate memory")).await;
            status = 1;
            continue;
        }
        let mut children: HashMap<String, Vec<(String, Metadata)>> = HashMap::new();
        for (rel, m) in entries {
            if super::textutil::checkpoint().await.is_err() {
                return 1;
            }
            let (parent, name) = match rel.rfind('/') {
                Some(i) => (rel[..i].to_string(), rel[i + 1..].to_string()),
                None => (String::new(), rel.clone()),
            };
            children.entry(parent).or_default().push((name, m));
        }
        for v in children.values_mut() {
            v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        }
        let size = match walk(&children, op, max_depth, all, units, term, &mut out).await {
            Ok(s) => s,
            Err(true) => return EXIT_PIPE,
            Err(false) => return 1,
        };
        total += size;
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    if p.has("c") {
        out.buf().extend_from_slice(format!("{}\ttotal", units.show(total)).as_bytes());
        out.buf().push(term);
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}

/// A directory being summed: its children, the next one to look at, its total so far.
struct Frame<'c> {
    list: &'c [(String, Metadata)],
    next: usize,
    rel: String,
    shown: String,
    sum: u64,
}

/// Post-order: children first, then the directory; returns the operand's total.
/// `Err(true)`: the output pipe closed; `Err(false)`: the execute must stop.
async fn walk(
    children: &HashMap<String, Vec<(String, Metadata)>>,
    shown: &str,
    max_depth: Option<usize>,
    all: bool,
    units: Units,
    term: u8,
    out: &mut Out<'_>,
) -> Result<u64, bool> {
    let frame = |rel: String, shown: String| Frame {
        list: children.get(&rel).map(|v| v.as_slice()).unwrap_or(&[]),
        next: 0,
        rel,
        shown,
        sum: units.usage(&Metadata::dir()),
    };
    let mut stack = vec![frame(String::new(), shown.to_string())];
    loop {
        if super::textutil::checkpoint().await.is_err() {
            return Err(false);
        }
        // Depth of the directory on top of the stack (the operand is 0).
        let depth = stack.len() - 1;
        let Some(top) = stack.last_mut() else { return Ok(0) };
        if let Some((name, m)) = top.list.get(top.next) {
            top.next += 1;
            let child_shown = join_display(&top.shown, name);
            if m.is_dir() {
                let child_rel = if top.rel.is_empty() { name.clone() } else { format!("{}/{name}", top.rel) };
                stack.push(frame(child_rel, child_shown));
                continue;
            }
            let u = units.usage(m);
            top.sum += u;
            if all && max_depth.is_none_or(|d| depth < d) {
                out.buf().extend_from_slice(format!("{}\t{child_shown}", units.show(u)).as_bytes());
                out.buf().push(term);
            }
        } else {
            let Some(done) = stack.pop() else { return Ok(0) };
            if max_depth.is_none_or(|d| depth <= d) {
                out.buf().extend_from_slice(format!("{}\t{}", units.show(done.sum), done.shown).as_bytes());
                out.buf().push(term);
            }
            match stack.last_mut() {
                Some(parent) => parent.sum += done.sum,
                None => return Ok(done.sum),
            }
        }
        if out.maybe_flush().await.is_err() {
            return Err(true);
        }
    }
}
