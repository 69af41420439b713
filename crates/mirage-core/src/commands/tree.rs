//! `tree` (2.x): a directory as an indented tree, sorted by name, with the
//! `N directories, M files` report (`-a -d -i -L N -I PAT -P PAT -f -F --noreport
//! --dirsfirst`). One flat listing per operand. Line drawing is ASCII (`|-- `, `` `-- ``)
//! unless the environment's locale is UTF-8, as tree does.

use std::collections::HashMap;

use super::args::{self, flag, long_flag, value};
use super::textutil::Out;
use super::{Ctx, EXIT_PIPE};
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
        let mut children: HashMap<String, Vec<(String, Metadata)>> = HashMap::new();
        for (rel, m) in entries {
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
        let shown = render(&o, &children, "", op, 1, "", &mut out, &mut ndirs, &mut nfiles);
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

/// Print the entries of `rel` (relative to the operand); returns how many were shown.
#[allow(clippy::too_many_arguments)]
fn render(
    o: &Opts,
    children: &HashMap<String, Vec<(String, Metadata)>>,
    rel: &str,
    shown_path: &str,
    depth: usize,
    indent: &str,
    out: &mut Out<'_>,
    ndirs: &mut usize,
    nfiles: &mut usize,
) -> usize {
    let mut list: Vec<&(String, Metadata)> = children
        .get(rel)
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
    let (tee, corner, bar, blank) = if o.utf8 {
        ("\u{251c}\u{2500}\u{2500} ", "\u{2514}\u{2500}\u{2500} ", "\u{2502}\u{a0}\u{a0} ", "    ")
    } else {
        ("|-- ", "`-- ", "|   ", "    ")
    };
    let n = list.len();
    for (k, (name, m)) in list.into_iter().enumerate() {
        let last = k + 1 == n;
        let child_shown = if shown_path.ends_with('/') { format!("{shown_path}{name}") } else { format!("{shown_path}/{name}") };
        let label = if o.full { child_shown.clone() } else { name.clone() };
        // tree backslash-escapes spaces in names.
        let label = label.replace(' ', "\\ ");
        let b = out.buf();
        if !o.no_indent {
            b.extend_from_slice(indent.as_bytes());
            b.extend_from_slice(if last { corner } else { tee }.as_bytes());
        }
        b.extend_from_slice(label.as_bytes());
        if o.classify && m.is_dir() {
            b.push(b'/');
        }
        b.push(b'\n');
        if m.is_dir() {
            *ndirs += 1;
            if o.level.is_none_or(|l| depth < l) {
                let child_rel = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
                let next_indent = format!("{indent}{}", if last { blank } else { bar });
                render(o, children, &child_rel, &child_shown, depth + 1, &next_indent, out, ndirs, nfiles);
            }
        } else {
            *nfiles += 1;
        }
    }
    n
}
