//! `tree` (2.x): a directory as an indented tree, sorted by name, with the
//! `N directories, M files` report (`-a -d -i -L N -I PAT -P PAT -f -F --noreport
//! --dirsfirst`). One flat listing per operand. Line drawing is ASCII (`|-- `, `` `-- ``)
//! unless the environment's locale is UTF-8, as tree does.
//!
//! Any depth is drawn (an explicit stack, not recursion), checking the stop switch at each
//! entry and flushing as it goes.

use std::collections::HashMap;

use super::args::{self, flag, long_flag, value};
use super::textutil::Out;
use super::{Ctx, EXIT_PIPE};
use crate::limits;
use crate::shell::pattern::Pattern;
use crate::vfs::Metadata;

const SPEC: &[args::Opt] = &[
    flag('a', ""),
    flag('d', ""),
    value('L', ""),
    value('I', ""),
    value('P', ""),
    flag('f', ""),
    flag('F', ""),
    long_flag("noreport"),
    long_flag("dirsfirst"),
    flag('r', ""),
    args::long_value("charset"),
    flag('n', ""),
    flag('C', ""),
    flag('l', ""),
    flag('i', ""),
];


const USAGE: &str = "usage: tree [-acdfghilnpqrstuvxACDFJQNSUX] [-L level [-R]] [-H  baseHREF]\n\t[-T title] [-o filename] [-P pattern] [-I pattern] [--gitignore]\n\t[--gitfile[=]file] [--matchdirs] [--metafirst] [--ignore-case]\n\t[--nolinks] [--hintro[=]file] [--houtro[=]file] [--inodes] [--device]\n\t[--sort[=]<name>] [--dirsfirst] [--filesfirst] [--filelimit #] [--si]\n\t[--du] [--prune] [--charset[=]X] [--timefmt[=]format] [--fromfile]\n\t[--fflinks] [--info] [--infofile[=]file] [--noreport] [--version]\n\t[--help] [--] [directory ...]\n";

struct Opts {
    all: bool,
    dirs_only: bool,
    level: Option<usize>,
    ignore: Vec<Pattern>,
    only: Vec<Pattern>,
    full: bool,
    classify: bool,
    dirs_first: bool,
    reverse: bool,
    utf8: bool,
    no_indent: bool,
}

fn patterns(s: Option<&str>) -> Vec<Pattern> {
    s.map(|v| v.split('|').map(Pattern::parse).collect()).unwrap_or_default()
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let what = match e {
                args::UsageError::Invalid(c) => format!("-`{c}'"),
                args::UsageError::Unrecognized(s) | args::UsageError::Ambiguous(s) => format!("`{s}'"),
                args::UsageError::MissingValue(s) => format!("`{s}'"),
            };
            let _ = ctx.stderr.write_str(&format!("tree: Invalid argument {what}.\n{USAGE}")).await;
            return 1;
        }
    };
    let level = match p.value("L") {
        None => None,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                let _ = ctx.stderr.write_str("tree: Invalid level, must be greater than 0.\n").await;
                return 1;
            }
        },
    };
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].iter().find_map(|k| ctx.env.get(*k).filter(|v| !v.is_empty()).cloned()).unwrap_or_default();
    let charset = p.value("charset").map(str::to_ascii_lowercase);
    let utf8 = match charset.as_deref() {
        Some(c) => c.replace('-', "") == "utf8",
        None => {
            let l = locale.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        }
    };
    let o = Opts {
        all: p.has("a"),
        dirs_only: p.has("d"),
        level,
        ignore: patterns(p.value("I")),
        only: patterns(p.value("P")),
        full: p.has("f"),
        classify: p.has("F"),
        dirs_first: p.has("dirsfirst"),
        reverse: p.has("r"),
        utf8,
        no_indent: p.has("i"),
    };
    let operands = if p.operands.is_empty() { vec![".".to_string()] } else { p.operands.clone() };
    let mut out = Out::new(&ctx.stdout);
    let (mut ndirs, mut nfiles) = (0usize, 0usize);
    let mut status = 0;
    for op in &operands {
        let abs = ctx.abs(op);
        let meta = ctx.vfs.stat(&abs).await;
        let meta = match meta {
            Ok(m) if m.is_dir() => m,
            Ok(_) => {
                out.buf().extend_from_slice(format!("{op}  [error opening dir]\n").as_bytes());
                nfiles += 1;
                continue;
            }
            Err(_) => {
                out.buf().extend_from_slice(format!("{op}  [error opening dir]\n").as_bytes());
                status = 2;
                continue;
            }
        };
        let _ = meta;
        let entries = match ctx.vfs.walk(&abs).await {
            Ok(e) => e,
            Err(_) => {
                out.buf().extend_from_slice(format!("{op}  [error opening dir]\n").as_bytes());
                status = 2;
                continue;
            }
        };
        let bytes: usize = entries.iter().map(|(rel, _)| rel.len() + std::mem::size_of::<(String, Metadata)>() + 16).sum();
        if limits::reserve(bytes).is_err() {
            if super::textutil::checkpoint().await.is_err() {
                return 2;
            }
            out.buf().extend_from_slice(format!("{op}  [error opening dir]\n").as_bytes());
            status = 2;
            continue;
        }
        let mut children: HashMap<String, Vec<(String, Metadata)>> = HashMap::new();
        for (rel, m) in entries {
            if super::textutil::checkpoint().await.is_err() {
                return 2;
            }
            let (parent, name) = match rel.rfind('/') {
                Some(i) => (rel[..i].to_string(), rel[i + 1..].to_string()),
                None => (String::new(), rel.clone()),
            };
            children.entry(parent).or_default().push((name, m));
        }
        out.buf().extend_from_slice(op.as_bytes());
        if o.classify && !op.ends_with('/') {
            out.buf().push(b'/');
        }
        out.buf().push(b'\n');
        let shown = match render(&o, &children, op, &mut out, &mut ndirs, &mut nfiles).await {
            Ok(n) => n,
            Err(Halt::Pipe) => return EXIT_PIPE,
            Err(Halt::Stopped) => return 2,
        };
        if shown > 0 {
            ndirs += 1;
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    if !p.has("noreport") {
        let d = if ndirs == 1 { "directory" } else { "directories" };
        if o.dirs_only {
            out.buf().extend_from_slice(format!("\n{ndirs} {d}\n").as_bytes());
        } else {
            let f = if nfiles == 1 { "file" } else { "files" };
            out.buf().extend_from_slice(format!("\n{ndirs} {d}, {nfiles} {f}\n").as_bytes());
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}

/// Why drawing stopped early.
enum Halt {
    Pipe,
    Stopped,
}

/// One directory being drawn: its shown entries and the next one to draw.
struct Level<'c> {
    list: Vec<&'c (String, Metadata)>,
    next: usize,
    rel: String,
    shown: String,
    depth: usize,
    indent: String,
}

/// The entries of `rel` that are shown, in order.
fn level<'c>(o: &Opts, children: &'c HashMap<String, Vec<(String, Metadata)>>, rel: String, shown: String, depth: usize, indent: String) -> Level<'c> {
    let mut list: Vec<&(String, Metadata)> = children
        .get(&rel)
        .map(|v| v.iter().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, m)| {
            (o.all || !name.starts_with('.'))
                && !o.ignore.iter().any(|p| p.matches(name))
                && (!o.dirs_only || m.is_dir())
                && (o.only.is_empty() || m.is_dir() || o.only.iter().any(|p| p.matches(name)))
        })
        .collect();
    list.sort_by(|a, b| {
        let ord = if o.dirs_first { b.1.is_dir().cmp(&a.1.is_dir()) } else { std::cmp::Ordering::Equal };
        ord.then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
    if o.reverse {
        list.reverse();
    }
    Level { list, next: 0, rel, shown, depth, indent }
}

/// Draw the tree below an operand (shown as `shown_path`); returns how many entries its
/// top level showed.
async fn render(
    o: &Opts,
    children: &HashMap<String, Vec<(String, Metadata)>>,
    shown_path: &str,
    out: &mut Out<'_>,
    ndirs: &mut usize,
    nfiles: &mut usize,
) -> Result<usize, Halt> {
    let (tee, corner, bar, blank) = if o.utf8 {
        ("\u{251c}\u{2500}\u{2500} ", "\u{2514}\u{2500}\u{2500} ", "\u{2502}\u{a0}\u{a0} ", "    ")
    } else {
        ("|-- ", "`-- ", "|   ", "    ")
    };
    let top = level(o, children, String::new(), shown_path.to_string(), 1, String::new());
    let shown_top = top.list.len();
    let mut stack = vec![top];
    while let Some(cur) = stack.last_mut() {
        if super::textutil::checkpoint().await.is_err() {
            return Err(Halt::Stopped);
        }
        let Some(&(name, m)) = cur.list.get(cur.next) else {
            stack.pop();
            continue;
        };
        cur.next += 1;
        let last = cur.next == cur.list.len();
        let child_shown = if cur.shown.ends_with('/') { format!("{}{name}", cur.shown) } else { format!("{}/{name}", cur.shown) };
        let label = if o.full { child_shown.clone() } else { name.clone() };
        // tree backslash-escapes spaces in names.
        let label = label.replace(' ', "\\ ");
        let b = out.buf();
        if !o.no_indent {
            b.extend_from_slice(cur.indent.as_bytes());
            b.extend_from_slice(if last { corner } else { tee }.as_bytes());
        }
        b.extend_from_slice(label.as_bytes());
        if o.classify && m.is_dir() {
            b.push(b'/');
        }
        b.push(b'\n');
        let mut deeper = None;
        if m.is_dir() {
            *ndirs += 1;
            if o.level.is_none_or(|l| cur.depth < l) {
                let child_rel = if cur.rel.is_empty() { name.clone() } else { format!("{}/{name}", cur.rel) };
                let next_indent = format!("{}{}", cur.indent, if last { blank } else { bar });
                deeper = Some(level(o, children, child_rel, child_shown, cur.depth + 1, next_indent));
            }
        } else {
            *nfiles += 1;
        }
        if let Some(l) = deeper {
            stack.push(l);
        }
        if out.maybe_flush().await.is_err() {
            return Err(Halt::Pipe);
        }
    }
    Ok(shown_top)
}
