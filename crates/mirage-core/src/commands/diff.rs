//! `diff`: compare files line by line (Myers, via the `similar` crate) in GNU's normal
//! unified (`-u`, `-U N`), context (`-c`, `-C N`) and side-by-side (`-y`, `-W N`) formats; `-q`, `-s`, `-r`, `-N`, `-i`, `-w`, `-b`, `-B`;
//! exit 0 (same), 1 (different), 2 (trouble).

use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

use super::args::{self, flag, value};
use super::common::{self, join_typed};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('u', ""),
    value('U', "unified"),
    flag('q', "brief"),
    flag('s', "report-identical-files"),
    flag('r', "recursive"),
    flag('N', "new-file"),
    flag('i', "ignore-case"),
    flag('w', "ignore-all-space"),
    flag('b', "ignore-space-change"),
    flag('B', "ignore-blank-lines"),
    flag('a', "text"),
    args::long_flag("color"),
    args::long_flag("strip-trailing-cr"),
    flag('c', ""),
    value('C', "context"),
    flag('y', "side-by-side"),
    value('W', "width"),
];

struct Opts {
    unified: Option<usize>,
    context: Option<usize>,
    side: bool,
    width: usize,
    brief: bool,
    same: bool,
    recursive: bool,
    new_file: bool,
    icase: bool,
    ws_all: bool,
    ws_change: bool,
}

fn key(l: &[u8], o: &Opts) -> Vec<u8> {
    let mut k: Vec<u8> = l.strip_suffix(b"\n").unwrap_or(l).to_vec();
    if o.icase {
        k = k.to_ascii_lowercase();
    }
    if o.ws_all {
        k.retain(|b| !b.is_ascii_whitespace());
    } else if o.ws_change {
        let mut out = Vec::new();
        let mut sp = false;
        for &b in &k {
            if b == b' ' || b == b'\t' {
                sp = true;
            } else {
                if sp && !out.is_empty() {
                    out.push(b' ');
                }
                sp = false;
                out.push(b);
            }
        }
        k = out;
    }
    k
}

fn lines(d: &[u8]) -> Vec<&[u8]> {
    d.split_inclusive(|b| *b == b'\n').collect()
}

fn stamp(ctx: &Ctx, m: &Option<std::time::SystemTime>) -> String {
    let _ = ctx;
    let t: chrono::DateTime<chrono::Utc> = m.map(chrono::DateTime::from).unwrap_or_default();
    t.format("%Y-%m-%d %H:%M:%S%.9f +0000").to_string()
}

fn push_line(out: &mut Vec<u8>, prefix: &[u8], l: &[u8]) {
    out.extend_from_slice(prefix);
    out.extend_from_slice(l);
    if !l.ends_with(b"\n") {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

fn range(a: usize, b: usize) -> String {
    // 1-based inclusive a..=b
    if a == b {
        a.to_string()
    } else {
        format!("{a},{b}")
    }
}

/// Most time spent looking for the shortest edit script of one pair of files.
const DIFF_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// (old_start, old_len, new_start, new_len) hunks of changes, merged Delete+Insert.
fn changes(a: &[&[u8]], b: &[&[u8]], o: &Opts) -> Vec<(usize, usize, usize, usize)> {
    let ka: Vec<Vec<u8>> = a.iter().map(|l| key(l, o)).collect();
    let kb: Vec<Vec<u8>> = b.iter().map(|l| key(l, o)).collect();
    // Past the deadline Myers settles for a longer script, as GNU diff's heuristics do for
    // costly inputs: the work stays bounded whatever the files (it cannot see the stop
    // switch).
    let deadline = std::time::Instant::now() + DIFF_BUDGET;
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ka, &kb, Some(deadline));
    let mut out: Vec<(usize, usize, usize, usize)> = Vec::new();
    for op in ops {
        let (os, ol, ns, nl) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, new_index } => (old_index, old_len, new_index, 0),
            DiffOp::Insert { old_index, new_index, new_len } => (old_index, 0, new_index, new_len),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => (old_index, old_len, new_index, new_len),
        };
        if let Some(last) = out.last_mut() {
            if last.0 + last.1 == os && last.2 + last.3 == ns {
                last.1 += ol;
                last.3 += nl;
                continue;
            }
        }
        out.push((os, ol, ns, nl));
    }
    out
}

fn normal(a: &[&[u8]], b: &[&[u8]], ch: &[(usize, usize, usize, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(os, ol, ns, nl) in ch {
        let head = if ol == 0 {
            format!("{}a{}\n", os, range(ns + 1, ns + nl))
        } else if nl == 0 {
            format!("{}d{}\n", range(os + 1, os + ol), ns)
        } else {
            format!("{}c{}\n", range(os + 1, os + ol), range(ns + 1, ns + nl))
        };
        out.extend_from_slice(head.as_bytes());
        for l in &a[os..os + ol] {
            push_line(&mut out, b"< ", l);
        }
        if ol > 0 && nl > 0 {
            out.extend_from_slice(b"---\n");
        }
        for l in &b[ns..ns + nl] {
            push_line(&mut out, b"> ", l);
        }
    }
    out
}

/// Changes grouped into hunks whose `n` lines of context overlap: index ranges into `ch`.
fn hunks(ch: &[(usize, usize, usize, usize)], n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ch.len() {
        let mut j = i;
        while j + 1 < ch.len() && ch[j + 1].0 <= (ch[j].0 + ch[j].1).saturating_add(n.saturating_mul(2)) {
            j += 1;
        }
        out.push((i, j));
        i = j + 1;
    }
    out
}

/// GNU's context-format range: `start,end`, `start` or (empty) the line before.
fn context_range(start0: usize, end: usize) -> String {
    let start = start0 + 1;
    if end < start {
        end.to_string()
    } else if start == end {
        start.to_string()
    } else {
        format!("{start},{end}")
    }
}

/// The context format (`-c`, `-C N`), without the file header.
fn context(a: &[&[u8]], b: &[&[u8]], ch: &[(usize, usize, usize, usize)], n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, j) in hunks(ch, n) {
        let os = ch[i].0.saturating_sub(n);
        let oe = (ch[j].0 + ch[j].1).saturating_add(n).min(a.len());
        let ns = ch[i].2.saturating_sub(ch[i].0 - os);
        let ne = (ch[j].2 + ch[j].3).saturating_add(n).min(b.len());
        let group = &ch[i..=j];
        out.extend_from_slice(b"***************\n");
        out.extend_from_slice(format!("*** {} ****\n", context_range(os, oe)).as_bytes());
        if group.iter().any(|c| c.1 > 0) {
            let mut pa = os;
            for c in group {
                for l in &a[pa..c.0] {
                    push_line(&mut out, b"  ", l);
                }
                let mark: &[u8] = if c.3 > 0 { b"! " } else { b"- " };
                for l in &a[c.0..c.0 + c.1] {
                    push_line(&mut out, mark, l);
                }
                pa = c.0 + c.1;
            }
            for l in &a[pa..oe] {
                push_line(&mut out, b"  ", l);
            }
        }
        out.extend_from_slice(format!("--- {} ----\n", context_range(ns, ne)).as_bytes());
        if group.iter().any(|c| c.3 > 0) {
            let mut pb = ns;
            for c in group {
                for l in &b[pb..c.2] {
                    push_line(&mut out, b"  ", l);
                }
                let mark: &[u8] = if c.1 > 0 { b"! " } else { b"+ " };
                for l in &b[c.2..c.2 + c.3] {
                    push_line(&mut out, mark, l);
                }
                pb = c.2 + c.3;
            }
            for l in &b[pb..ne] {
                push_line(&mut out, b"  ", l);
            }
        }
    }
    out
}

/// Tabs then spaces from column `from` to `to`, as GNU's sdiff layout does.
fn tab_to(out: &mut Vec<u8>, from: usize, to: usize) -> usize {
    let mut col = from;
    loop {
        let tab = col + 8 - col % 8;
        if tab > to {
            break;
        }
        out.push(b'\t');
        col = tab;
    }
    while col < to {
        out.push(b' ');
        col += 1;
    }
    to
}

/// One half of a side-by-side line, cut at `bound` columns; returns the column reached.
fn half(out: &mut Vec<u8>, l: &[u8], bound: usize) -> usize {
    let body = l.strip_suffix(b"\n").unwrap_or(l);
    let (mut inp, mut outp) = (0usize, 0usize);
    for &c in body {
        if c == b'\t' {
            let spaces = 8 - inp % 8;
            if inp == outp {
                let stop = outp + spaces;
                if stop < bound {
                    outp = stop;
                    out.push(c);
                }
            }
            inp += spaces;
            continue;
        }
        if inp < bound {
            out.push(c);
            outp = inp + 1;
        }
        inp += 1;
    }
    outp
}

/// The side-by-side format (`-y`, `-W N`); `None` when the lines would not fit in memory
/// (a huge `-W` pads every line to it).
fn side_by_side(a: &[&[u8]], b: &[&[u8]], ch: &[(usize, usize, usize, usize)], width: usize) -> Option<Vec<u8>> {
    let lines = a.len().max(b.len()).saturating_add(ch.iter().map(|c| c.1.min(c.3)).sum::<usize>()).max(1);
    let per_line = width.saturating_add(2);
    if crate::limits::reserve(lines.saturating_mul(per_line)).is_err() {
        return None;
    }
    let off = (width.saturating_add(9)) / 16 * 8;
    let hw = off.saturating_sub(3).min(width.saturating_sub(off));
    let c2o = if hw > 0 { off } else { width };
    let mut out = Vec::new();
    let line = |out: &mut Vec<u8>, left: Option<&[u8]>, sep: u8, right: Option<&[u8]>| {
        let mut col = 0;
        if let Some(l) = left {
            col = half(out, l, hw);
        }
        if sep != b' ' {
            col = tab_to(out, col, (hw + c2o - 1) / 2) + 1;
            out.push(sep);
        }
        if let Some(r) = right {
            if r != b"\n" {
                col = tab_to(out, col, c2o);
                half(out, r, hw);
            }
        }
        let _ = col;
        out.push(b'\n');
    };
    let (mut pa, mut pb) = (0usize, 0usize);
    let emit_equal = |out: &mut Vec<u8>, upto_a: usize, pa: &mut usize, pb: &mut usize| {
        while *pa < upto_a {
            line(out, Some(a[*pa]), b' ', Some(b[*pb]));
            *pa += 1;
            *pb += 1;
        }
    };
    for &(os, ol, ns, nl) in ch {
        emit_equal(&mut out, os, &mut pa, &mut pb);
        let paired = ol.min(nl);
        for k in 0..paired {
            line(&mut out, Some(a[os + k]), b'|', Some(b[ns + k]));
        }
        for k in paired..ol {
            line(&mut out, Some(a[os + k]), b'<', None);
        }
        for k in paired..nl {
            line(&mut out, None, b'>', Some(b[ns + k]));
        }
        pa = os + ol;
        pb = ns + nl;
    }
    emit_equal(&mut out, a.len(), &mut pa, &mut pb);
    Some(out)
}

fn unified(a: &[&[u8]], b: &[&[u8]], ch: &[(usize, usize, usize, usize)], ctxn: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ch.len() {
        // Group changes whose context overlaps.
        let mut j = i;
        while j + 1 < ch.len() && ch[j + 1].0 <= (ch[j].0 + ch[j].1).saturating_add(ctxn.saturating_mul(2)) {
            j += 1;
        }
        let os = ch[i].0.saturating_sub(ctxn);
        let oe = (ch[j].0 + ch[j].1).saturating_add(ctxn).min(a.len());
        let ns = ch[i].2.saturating_sub(ch[i].0 - os);
        let ne = ns + (oe - os) - ch[i..=j].iter().map(|c| c.1).sum::<usize>() + ch[i..=j].iter().map(|c| c.3).sum::<usize>();
        let fmt = |s: usize, l: usize| if l == 1 { format!("{}", s + 1) } else if l == 0 { format!("{s},0") } else { format!("{},{l}", s + 1) };
        out.extend_from_slice(format!("@@ -{} +{} @@\n", fmt(os, oe - os), fmt(ns, ne - ns)).as_bytes());
        let mut pa = os;
        for c in &ch[i..=j] {
            for l in &a[pa..c.0] {
                push_line(&mut out, b" ", l);
            }
            for l in &a[c.0..c.0 + c.1] {
                push_line(&mut out, b"-", l);
            }
            for l in &b[c.2..c.2 + c.3] {
                push_line(&mut out, b"+", l);
            }
            pa = c.0 + c.1;
        }
        for l in &a[pa..oe] {
            push_line(&mut out, b" ", l);
        }
        i = j + 1;
    }
    out
}

async fn diff_files(ctx: &Ctx, an: &str, bn: &str, o: &Opts, header: Option<&str>) -> Result<i32, i32> {
    let aabs = ctx.abs(an);
    let babs = ctx.abs(bn);
    let ma = if an == "-" { None } else { ctx.vfs.stat(&aabs).await.ok() };
    let mb = if bn == "-" { None } else { ctx.vfs.stat(&babs).await.ok() };
    let da = match common::read_all(ctx, an).await {
        Ok(d) => d,
        Err(e) if o.new_file && e.is_not_found() => Vec::new(),
        Err(e) => {
            ctx.err(format!("{an}: {e}")).await;
            return Ok(2);
        }
    };
    let db = match common::read_all(ctx, bn).await {
        Ok(d) => d,
        Err(e) if o.new_file && e.is_not_found() => Vec::new(),
        Err(e) => {
            ctx.err(format!("{bn}: {e}")).await;
            return Ok(2);
        }
    };
    if da == db {
        if o.same {
            common::out(ctx, format!("Files {an} and {bn} are identical\n")).await?;
        }
        return Ok(0);
    }
    let la = lines(&da);
    let lb = lines(&db);
    let ch = changes(&la, &lb, o);
    if ch.is_empty() {
        return Ok(0);
    }
    if o.brief {
        common::out(ctx, format!("Files {an} and {bn} differ\n")).await?;
        return Ok(1);
    }
    let mut out = Vec::new();
    if let Some(h) = header {
        out.extend_from_slice(h.as_bytes());
    }
    let ctime = |m: Option<std::time::SystemTime>| {
        let t: chrono::DateTime<chrono::Utc> = m.map(chrono::DateTime::from).unwrap_or_default();
        t.format("%a %b %e %H:%M:%S %Y").to_string()
    };
    match o.unified {
        _ if o.side => match side_by_side(&la, &lb, &ch, o.width) {
            Some(s) => out.extend_from_slice(&s),
            None => {
                // As GNU diff when it runs out; the budget's refusal stops the execute.
                ctx.err("memory exhausted").await;
                let _ = super::textutil::checkpoint().await;
                return Ok(2);
            }
        },
        None if o.context.is_some() => {
            let ta = if an == "-" { ctime(Some(std::time::SystemTime::now())) } else { ctime(ma.and_then(|m| m.modified)) };
            let tb = if bn == "-" { ctime(Some(std::time::SystemTime::now())) } else { ctime(mb.and_then(|m| m.modified)) };
            out.extend_from_slice(format!("*** {an}\t{ta}\n--- {bn}\t{tb}\n").as_bytes());
            out.extend_from_slice(&context(&la, &lb, &ch, o.context.unwrap_or(3)));
        }
        Some(n) => {
            let ta = if an == "-" { stamp(ctx, &Some(std::time::SystemTime::now())) } else { stamp(ctx, &ma.and_then(|m| m.modified)) };
            let tb = if bn == "-" { stamp(ctx, &Some(std::time::SystemTime::now())) } else { stamp(ctx, &mb.and_then(|m| m.modified)) };
            out.extend_from_slice(format!("--- {an}\t{ta}\n+++ {bn}\t{tb}\n").as_bytes());
            out.extend_from_slice(&unified(&la, &lb, &ch, n));
        }
        None => out.extend_from_slice(&normal(&la, &lb, &ch)),
    }
    if ctx.stdout.write(out).await.is_err() {
        return Err(EXIT_PIPE);
    }
    Ok(1)
}

/// One directory pair being compared: the names in both, and the next to look at.
struct DirPair {
    a: String,
    b: String,
    ea: Vec<(String, bool)>,
    eb: Vec<(String, bool)>,
    names: Vec<String>,
    next: usize,
}

async fn dir_pair(ctx: &Ctx, a: String, b: String) -> DirPair {
    let mut ea: Vec<(String, bool)> = ctx.vfs.read_dir(&ctx.abs(&a)).await.unwrap_or_default().into_iter().map(|e| (e.name, e.meta.is_dir())).collect();
    let mut eb: Vec<(String, bool)> = ctx.vfs.read_dir(&ctx.abs(&b)).await.unwrap_or_default().into_iter().map(|e| (e.name, e.meta.is_dir())).collect();
    ea.sort();
    eb.sort();
    let mut names: Vec<String> = ea.iter().chain(eb.iter()).map(|e| e.0.clone()).collect();
    names.sort();
    names.dedup();
    DirPair { a, b, ea, eb, names, next: 0 }
}

/// Compare two directories; with `-r`, their common subdirectories in place (an explicit
/// stack: any depth).
async fn diff_dirs(ctx: &Ctx, a: &str, b: &str, o: &Opts, argv: &str) -> Result<i32, i32> {
    let mut status = 0;
    let mut stack = vec![dir_pair(ctx, a.to_string(), b.to_string()).await];
    while let Some(top) = stack.last_mut() {
        if super::textutil::checkpoint().await.is_err() {
            return Ok(2);
        }
        let Some(n) = top.names.get(top.next).cloned() else {
            stack.pop();
            continue;
        };
        top.next += 1;
        let find = |v: &[(String, bool)]| v.binary_search_by(|e| e.0.as_str().cmp(n.as_str())).ok().map(|k| v[k].1);
        let ia = find(&top.ea);
        let ib = find(&top.eb);
        let (a, b) = (top.a.clone(), top.b.clone());
        let pa = join_typed(&a, &n);
        let pb = join_typed(&b, &n);
        let r = match (ia, ib) {
            (Some(_), None) if !o.new_file => {
                common::out(ctx, format!("Only in {a}: {n}\n")).await?;
                1
            }
            (None, Some(_)) if !o.new_file => {
                common::out(ctx, format!("Only in {b}: {n}\n")).await?;
                1
            }
            (Some(true), Some(true)) => {
                if o.recursive {
                    stack.push(dir_pair(ctx, pa, pb).await);
                    continue;
                }
                common::out(ctx, format!("Common subdirectories: {pa} and {pb}\n")).await?;
                0
            }
            (Some(true), Some(false)) | (Some(false), Some(true)) => {
                let (d, f) = if ia == Some(true) { (&pa, &pb) } else { (&pb, &pa) };
                common::out(ctx, format!("File {d} is a directory while file {f} is a regular file\n")).await?;
                1
            }
            _ => {
                let header = if o.brief { None } else { Some(format!("diff {argv}{pa} {pb}\n")) };
                diff_files(ctx, &pa, &pb, o, header.as_deref()).await?
            }
        };
        status = status.max(r);
    }
    Ok(status)
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "diff", e, 2).await,
    };
    let unified = match p.value("U") {
        Some(n) => match n.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                ctx.err(format!("invalid context length '{n}'")).await;
                return 2;
            }
        },
        None if p.has("u") => Some(3),
        None => None,
    };
    let ctx_lines = match p.value("C") {
        Some(n) => match n.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                ctx.err(format!("invalid context length '{n}'")).await;
                return 2;
            }
        },
        None if p.has("c") => Some(3),
        None => None,
    };
    let width = match p.value("W") {
        Some(n) => match n.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                ctx.err(format!("invalid width '{n}'")).await;
                return 2;
            }
        },
        None => 130,
    };
    let o = Opts {
        unified,
        context: ctx_lines,
        side: p.has("y"),
        width,
        brief: p.has("q"),
        same: p.has("s"),
        recursive: p.has("r"),
        new_file: p.has("N"),
        icase: p.has("i"),
        ws_all: p.has("w"),
        ws_change: p.has("b"),
    };
    if p.operands.len() < 2 {
        let msg = if p.operands.is_empty() { "missing operand after 'diff'".to_string() } else { format!("missing operand after '{}'", p.operands[0]) };
        let _ = ctx.stderr.write_str(&format!("diff: {msg}\ndiff: Try 'diff --help' for more information.\n")).await;
        return 2;
    }
    if p.operands.len() > 2 {
        let _ = ctx.stderr.write_str(&format!("diff: extra operand '{}'\ndiff: Try 'diff --help' for more information.\n", p.operands[2])).await;
        return 2;
    }
    let (a, b) = (p.operands[0].clone(), p.operands[1].clone());
    let da = a != "-" && ctx.vfs.stat(&ctx.abs(&a)).await.map(|m| m.is_dir()).unwrap_or(false);
    let db = b != "-" && ctx.vfs.stat(&ctx.abs(&b)).await.map(|m| m.is_dir()).unwrap_or(false);
    // The options as they appear in `diff -r` headers.
    let mut argv = String::new();
    for x in &ctx.args {
        if x.starts_with('-') && x != "-" {
            argv.push_str(x);
            argv.push(' ');
        }
    }
    let r = match (da, db) {
        // The same directory: nothing to compare (GNU checks the inode).
        (true, true) if ctx.abs(&a) == ctx.abs(&b) => Ok(0),
        (true, true) => diff_dirs(&ctx, &a, &b, &o, &argv).await,
        (true, false) => {
            let name = crate::vfs::path::basename(&ctx.abs(&b)).to_string();
            diff_files(&ctx, &join_typed(&a, &name), &b, &o, None).await
        }
        (false, true) => {
            let name = crate::vfs::path::basename(&ctx.abs(&a)).to_string();
            diff_files(&ctx, &a, &join_typed(&b, &name), &o, None).await
        }
        _ => diff_files(&ctx, &a, &b, &o, None).await,
    };
    r.unwrap_or_else(|c| c)
}
