//! `rm`: remove files (`-f -r -R -d -v -i`); directories with `-r` (one listing of the
//! subtree) or, when empty, `-d`. A mount point is refused like a busy mount.

use super::args::{self, flag};
use super::common::{self, join_typed};
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{path, ErrorKind};

const SPEC: &[args::Opt] = &[
    flag('f', "force"),
    flag('r', "recursive"),
    flag('R', ""),
    flag('d', "dir"),
    flag('v', "verbose"),
    flag('i', ""),
    flag('I', ""),
    args::long_flag("no-preserve-root"),
    args::long_flag("preserve-root"),
    args::long_flag("one-file-system"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "rm", e, 1).await,
    };
    let force = p.has("f");
    let recursive = p.has("r") || p.has("R");
    let verbose = p.has("v");
    if p.operands.is_empty() {
        if force {
            return 0;
        }
        let _ = ctx.stderr.write_str("rm: missing operand\nTry 'rm --help' for more information.\n").await;
        return 1;
    }
    let mut status = 0;
    for op in &p.operands {
        let abs = ctx.abs(op);
        let trimmed = op.trim_end_matches('/');
        if trimmed.ends_with("/.") || trimmed.ends_with("/..") || trimmed == "." || trimmed == ".." || op.ends_with("/.") || op.ends_with("/..") || op == "." || op == ".." {
            ctx.err(format!("refusing to remove '.' or '..' directory: skipping '{op}'")).await;
            status = 1;
            continue;
        }
        if abs == "/" {
            ctx.err("it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe").await;
            status = 1;
            continue;
        }
        let meta = match ctx.vfs.stat(&abs).await {
            Ok(m) => m,
            Err(e) => {
                if !(force && (e.is_not_found() || e.kind == ErrorKind::NotADirectory)) {
                    ctx.err(format!("cannot remove '{op}': {e}")).await;
                    status = 1;
                }
                continue;
            }
        };
        if !meta.is_dir() {
            match ctx.vfs.remove_file(&abs).await {
                Ok(()) => {
                    if verbose && common::out(&ctx, format!("removed '{op}'\n")).await.is_err() {
                        return EXIT_PIPE;
                    }
                }
                Err(e) => {
                    ctx.err(format!("cannot remove '{op}': {e}")).await;
                    status = 1;
                }
            }
            continue;
        }
        let is_mount = ctx.vfs.mount_of(&abs).is_none_or(|m| m.prefix == abs);
        if !recursive {
            if p.has("d") {
                let r = if is_mount { Err(crate::vfs::FsError::new(ErrorKind::Busy)) } else { ctx.vfs.rmdir(&abs).await };
                match r {
                    Ok(()) => {
                        if verbose && common::out(&ctx, format!("removed directory '{op}'\n")).await.is_err() {
                            return EXIT_PIPE;
                        }
                    }
                    Err(e) => {
                        ctx.err(format!("cannot remove '{op}': {e}")).await;
                        status = 1;
                    }
                }
            } else {
                ctx.err(format!("cannot remove '{op}': Is a directory")).await;
                status = 1;
            }
            continue;
        }
        // On a read-only mount GNU's `rm -rf` fails file by file (below); without -f it checks
        // the operand first and fails once for it.
        if let Err(e) = ctx.vfs.check_writable(&abs).or_else(|e| if force && e.kind == ErrorKind::ReadOnly { Ok(()) } else { Err(e) }) {
            ctx.err(format!("cannot remove '{op}': {e}")).await;
            status = 1;
            continue;
        }
        if is_mount {
            ctx.err(format!("cannot remove '{op}': Device or resource busy")).await;
            status = 1;
            continue;
        }
        // One listing of the subtree; files first, then directories deepest first.
        let mut entries = match ctx.vfs.walk(&abs).await {
            Ok(e) => e,
            Err(e) => {
                ctx.err(format!("cannot remove '{op}': {e}")).await;
                status = 1;
                continue;
            }
        };
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut failed = false;
        // Directories holding an entry that could not be removed: left alone, silently.
        let mut kept: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let parent_of = |rel: &str| -> String { rel.rfind('/').map(|i| rel[..i].to_string()).unwrap_or_default() };
        let mut out = Vec::new();
        for (rel, m) in entries.iter().filter(|(_, m)| !m.is_dir()) {
            let _ = m;
            if super::textutil::checkpoint().await.is_err() {
                return 1;
            }
            match ctx.vfs.remove_file(&path::normalize(&abs, rel)).await {
                Ok(()) => {
                    if verbose {
                        out.push(format!("removed '{}'\n", join_typed(op, rel)));
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    ctx.err(format!("cannot remove '{}': {e}", join_typed(op, rel))).await;
                    failed = true;
                    kept_parent(&mut kept, &entries, &parent_of(rel));
                }
            }
        }
        // Deepest first: a directory comes after everything below it.
        let mut dirs: Vec<(usize, &String)> = entries.iter().filter(|(_, m)| m.is_dir()).map(|(r, _)| (r.bytes().filter(|&b| b == b'/').count(), r)).collect();
        dirs.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(a.1)));
        for (_, d) in dirs {
            if super::textutil::checkpoint().await.is_err() {
                return 1;
            }
            if kept.contains(d.as_str()) {
                kept_parent(&mut kept, &entries, &parent_of(d));
                continue;
            }
            match ctx.vfs.rmdir(&path::normalize(&abs, d)).await {
                Ok(()) => {
                    if verbose {
                        out.push(format!("removed directory '{}'\n", join_typed(op, d)));
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    ctx.err(format!("cannot remove '{}': {e}", join_typed(op, d))).await;
                    failed = true;
                    kept_parent(&mut kept, &entries, &parent_of(d));
                }
            }
        }
        if !failed {
            match ctx.vfs.rmdir(&abs).await {
                Ok(()) => {
                    if verbose {
                        out.push(format!("removed directory '{op}'\n"));
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    ctx.err(format!("cannot remove '{op}': {e}")).await;
                    failed = true;
                }
            }
        }
        if !out.is_empty() && common::out(&ctx, out.concat()).await.is_err() {
            return EXIT_PIPE;
        }
        if failed {
            status = 1;
        }
    }
    status
}

/// Mark directory `parent` (relative to the operand; empty for the operand itself) as kept.
fn kept_parent<'e>(kept: &mut std::collections::HashSet<&'e str>, entries: &'e [(String, crate::vfs::Metadata)], parent: &str) {
    if parent.is_empty() {
        return;
    }
    if let Ok(i) = entries.binary_search_by(|(r, _)| r.as_str().cmp(parent)) {
        kept.insert(entries[i].0.as_str());
    }
}
