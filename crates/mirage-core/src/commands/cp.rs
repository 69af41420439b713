//! `cp`: copy files and (with `-r`/`-R`/`-a`) directories, `-f -n -v -p -T -t`. Within one
//! mount the copy is server-side where the backend can; across mounts it streams.

use super::args::{self, flag, value};
use super::common::{self, join_typed};
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{path, ErrorKind, FsError};

const SPEC: &[args::Opt] = &[
    flag('r', "recursive"),
    flag('R', ""),
    flag('a', "archive"),
    flag('f', "force"),
    flag('n', "no-clobber"),
    flag('v', "verbose"),
    flag('p', ""),
    flag('i', "interactive"),
    flag('u', "update"),
    flag('T', "no-target-directory"),
    value('t', "target-directory"),
    args::long_value("preserve"),
    flag('d', ""),
    flag('L', "dereference"),
    flag('P', "no-dereference"),
];

pub struct CopyOpts {
    pub recursive: bool,
    pub no_clobber: bool,
    pub verbose: bool,
}

/// Stat a path: Ok(Some(is_dir)), Ok(None) when missing.
pub async fn kind(ctx: &Ctx, abs: &str) -> Result<Option<bool>, FsError> {
    match ctx.vfs.stat(abs).await {
        Ok(m) => Ok(Some(m.is_dir())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) if e.kind == ErrorKind::NotADirectory => Ok(None),
        Err(e) => Err(e),
    }
}

/// Copy `src` (as typed) to the exact destination `dst` (as typed). Returns false on error
/// (already reported with the `cmd` prefix).
pub async fn copy_one(ctx: &Ctx, cmd: &str, src: &str, dst: &str, o: &CopyOpts) -> Result<bool, i32> {
    let sabs = ctx.abs(src);
    let dabs = ctx.abs(dst);
    let sk = match kind(ctx, &sabs).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            ctx.err(format!("cannot stat '{src}': No such file or directory")).await;
            return Ok(false);
        }
        Err(e) => {
            ctx.err(format!("cannot stat '{src}': {e}")).await;
            return Ok(false);
        }
    };
    let dk = kind(ctx, &dabs).await.unwrap_or(None);
    if sk {
        if !o.recursive {
            ctx.err(format!("-r not specified; omitting directory '{src}'")).await;
            return Ok(false);
        }
        if dk == Some(false) {
            ctx.err(format!("cannot overwrite non-directory '{dst}' with directory '{src}'")).await;
            return Ok(false);
        }
        if dabs == sabs || dabs.starts_with(&format!("{sabs}/")) {
            ctx.err(format!("cannot copy a directory, '{src}', into itself, '{dst}'")).await;
            return Ok(false);
        }
        if dk.is_none() {
            if let Err(e) = ctx.vfs.mkdir(&dabs).await {
                ctx.err(format!("cannot create directory '{dst}': {e}")).await;
                return Ok(false);
            }
        }
        if o.verbose {
            verbose(ctx, cmd, src, dst).await?;
        }
        let mut entries = match ctx.vfs.walk(&sabs).await {
            Ok(e) => e,
            Err(e) => {
                ctx.err(format!("cannot access '{src}': {e}")).await;
                return Ok(false);
            }
        };
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut ok = true;
        for (rel, meta) in entries {
            if super::textutil::checkpoint().await.is_err() {
                return Ok(false);
            }
            let s_typed = join_typed(src, &rel);
            let d_typed = join_typed(dst, &rel);
            let dchild = path::normalize(&dabs, &rel);
            if meta.is_dir() {
                match ctx.vfs.mkdir(&dchild).await {
                    Ok(()) => {}
                    Err(e) if e.kind == ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        ctx.err(format!("cannot create directory '{d_typed}': {e}")).await;
                        ok = false;
                        continue;
                    }
                }
                if o.verbose {
                    verbose(ctx, cmd, &s_typed, &d_typed).await?;
                }
            } else {
                if o.no_clobber && kind(ctx, &dchild).await.ok().flatten().is_some() {
                    continue;
                }
                if let Err(e) = ctx.vfs.copy_file(&path::normalize(&sabs, &rel), &dchild).await {
                    ctx.err(format!("cannot create regular file '{d_typed}': {e}")).await;
                    ok = false;
                    continue;
                }
                if o.verbose {
                    verbose(ctx, cmd, &s_typed, &d_typed).await?;
                }
            }
        }
        return Ok(ok);
    }
    if dk == Some(true) {
        ctx.err(format!("cannot overwrite directory '{dst}' with non-directory")).await;
        return Ok(false);
    }
    if dk.is_some() && o.no_clobber {
        return Ok(true);
    }
    if sabs == dabs {
        ctx.err(format!("'{src}' and '{dst}' are the same file")).await;
        return Ok(false);
    }
    if let Err(e) = ctx.vfs.copy_file(&sabs, &dabs).await {
        let what = if e.kind == ErrorKind::NotFound { FsError::not_found() } else { e };
        ctx.err(format!("cannot create regular file '{dst}': {what}")).await;
        return Ok(false);
    }
    if o.verbose {
        verbose(ctx, cmd, src, dst).await?;
    }
    Ok(true)
}

async fn verbose(ctx: &Ctx, cmd: &str, src: &str, dst: &str) -> Result<(), i32> {
    let line = if cmd == "mv" { format!("renamed '{src}' -> '{dst}'\n") } else { format!("'{src}' -> '{dst}'\n") };
    common::out(ctx, line).await
}

/// Work out (source, destination) pairs the way cp and mv do.
pub async fn plan(ctx: &Ctx, cmd: &str, p: &args::Parsed) -> Result<Vec<(String, String)>, i32> {
    let mut ops = p.operands.clone();
    let target = p.value("t").map(|s| s.to_string());
    if ops.is_empty() {
        let _ = ctx.stderr.write_str(&format!("{cmd}: missing file operand\nTry '{cmd} --help' for more information.\n")).await;
        return Err(1);
    }
    let (srcs, dest_dir) = if let Some(t) = target {
        (ops, Some(t))
    } else {
        if ops.len() == 1 {
            let _ = ctx.stderr.write_str(&format!("{cmd}: missing destination file operand after '{}'\nTry '{cmd} --help' for more information.\n", ops[0])).await;
            return Err(1);
        }
        let dst = ops.pop().unwrap_or_default();
        let dk = kind(ctx, &ctx.abs(&dst)).await.unwrap_or(None);
        if p.has("T") {
            if ops.len() > 1 {
                let _ = ctx.stderr.write_str(&format!("{cmd}: extra operand '{}'\nTry '{cmd} --help' for more information.\n", ops[1])).await;
                return Err(1);
            }
            return Ok(vec![(ops[0].clone(), dst)]);
        }
        if ops.len() > 1 || dk == Some(true) {
            if dk != Some(true) {
                let msg = if dk.is_none() { format!("target '{dst}': No such file or directory") } else { format!("target '{dst}': Not a directory") };
                ctx.err(msg).await;
                return Err(1);
            }
            (ops, Some(dst))
        } else {
            return Ok(vec![(ops[0].clone(), dst)]);
        }
    };
    let dir = dest_dir.unwrap_or_default();
    Ok(srcs
        .into_iter()
        .map(|s| {
            let base = path::basename(&path::normalize("/", &s)).to_string();
            let d = join_typed(&dir, &base);
            (s, d)
        })
        .collect())
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "cp", e, 1).await,
    };
    let o = CopyOpts { recursive: p.has("r") || p.has("R") || p.has("a"), no_clobber: p.has("n"), verbose: p.has("v") };
    let pairs = match plan(&ctx, "cp", &p).await {
        Ok(v) => v,
        Err(c) => return c,
    };
    let mut status = 0;
    for (s, d) in pairs {
        match copy_one(&ctx, "cp", &s, &d, &o).await {
            Ok(true) => {}
            Ok(false) => status = 1,
            Err(_) => return EXIT_PIPE,
        }
    }
    status
}
