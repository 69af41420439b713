//! `mv`: move files and directories (`-f -n -v -T -t`). Object stores have no rename: the
//! source is copied, and deleted only once every copy succeeded.

use super::args::{self, flag, value};
use super::common;
use super::cp::{self, CopyOpts};
use super::{Ctx, EXIT_PIPE};
use crate::vfs::path;

const SPEC: &[args::Opt] = &[
    flag('f', "force"),
    flag('n', "no-clobber"),
    flag('v', "verbose"),
    flag('i', "interactive"),
    flag('u', "update"),
    flag('T', "no-target-directory"),
    value('t', "target-directory"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "mv", e, 1).await,
    };
    let pairs = match cp::plan(&ctx, "mv", &p).await {
        Ok(v) => v,
        Err(c) => return c,
    };
    let mut status = 0;
    for (s, d) in pairs {
        let sabs = ctx.abs(&s);
        let dabs = ctx.abs(&d);
        let sk = match cp::kind(&ctx, &sabs).await {
            Ok(Some(k)) => k,
            Ok(None) => {
                ctx.err(format!("cannot stat '{s}': No such file or directory")).await;
                status = 1;
                continue;
            }
            // A failed lookup is not a missing file: say what failed.
            Err(e) => {
                ctx.err(format!("cannot stat '{s}': {e}")).await;
                status = 1;
                continue;
            }
        };
        if sabs == dabs {
            ctx.err(format!("'{s}' and '{d}' are the same file")).await;
            status = 1;
            continue;
        }
        if sk && dabs.starts_with(&format!("{sabs}/")) {
            ctx.err(format!("cannot move '{s}' to a subdirectory of itself, '{d}'")).await;
            status = 1;
            continue;
        }
        // Within one mount a move is a rename: both ends must be writable. Across mounts GNU
        // copies first: a read-only target fails before anything is copied.
        let same_mount = match (ctx.vfs.mount_of(&sabs), ctx.vfs.mount_of(&dabs)) {
            (Some(a), Some(b)) => a.prefix == b.prefix,
            _ => true,
        };
        let check = if same_mount {
            ctx.vfs.check_writable(&sabs).and_then(|_| ctx.vfs.check_writable(&dabs))
        } else {
            match ctx.vfs.check_writable(&dabs) {
                Err(e) => {
                    ctx.err(format!("inter-device move failed: '{s}' to '{d}'; unable to remove target: {e}")).await;
                    status = 1;
                    continue;
                }
                // A read-only source is refused before copying (tests/commands_more.rs records
                // that; the conformance case writes-015 shows GNU copying first: they disagree).
                Ok(()) => ctx.vfs.check_writable(&sabs),
            }
        };
        if let Err(e) = check {
            ctx.err(format!("cannot move '{s}' to '{d}': {e}")).await;
            status = 1;
            continue;
        }
        if ctx.vfs.mount_of(&sabs).is_some_and(|m| m.prefix == sabs) {
            ctx.err(format!("cannot move '{s}' to '{d}': Device or resource busy")).await;
            status = 1;
            continue;
        }
        let dk = cp::kind(&ctx, &dabs).await.unwrap_or(None);
        if dk.is_some() && p.has("n") {
            continue;
        }
        if sk && dk == Some(true) {
            // Moving onto an existing directory: it must be empty.
            if ctx.vfs.read_dir(&dabs).await.map(|e| !e.is_empty()).unwrap_or(false) {
                ctx.err(format!("cannot move '{s}' to '{d}': Directory not empty")).await;
                status = 1;
                continue;
            }
        }
        let o = CopyOpts { recursive: true, no_clobber: false, verbose: false };
        let child = ctx.child("mv", vec![], ctx.stdin.clone(), crate::shell::io::Output::Null);
        match cp::copy_one(&child, "mv", &s, &d, &o).await {
            Ok(true) => {}
            Ok(false) => {
                status = 1;
                continue;
            }
            Err(_) => return EXIT_PIPE,
        }
        // The copy is complete: remove the source.
        let removed = if sk { remove_tree(&ctx, &sabs).await } else { ctx.vfs.remove_file(&sabs).await };
        if let Err(e) = removed {
            ctx.err(format!("cannot remove '{s}': {e}")).await;
            status = 1;
            continue;
        }
        if p.has("v") && common::out(&ctx, format!("renamed '{s}' -> '{d}'\n")).await.is_err() {
            return EXIT_PIPE;
        }
    }
    status
}

/// Remove a directory and everything below it, deepest first.
pub async fn remove_tree(ctx: &Ctx, abs: &str) -> Result<(), crate::vfs::FsError> {
    let mut entries = ctx.vfs.walk(abs).await?;
    entries.sort_by(|a, b| b.0.cmp(&a.0));
    for (rel, meta) in &entries {
        super::textutil::checkpoint().await.map_err(super::textutil::stop_error)?;
        if !meta.is_dir() {
            ctx.vfs.remove_file(&path::normalize(abs, rel)).await?;
        }
    }
    let mut dirs: Vec<&String> = entries.iter().filter(|(_, m)| m.is_dir()).map(|(r, _)| r).collect();
    dirs.sort_by_cached_key(|d| std::cmp::Reverse(d.bytes().filter(|&b| b == b'/').count()));
    for d in dirs {
        super::textutil::checkpoint().await.map_err(super::textutil::stop_error)?;
        match ctx.vfs.rmdir(&path::normalize(abs, d)).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    match ctx.vfs.rmdir(abs).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}
