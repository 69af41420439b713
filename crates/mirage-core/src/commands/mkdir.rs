//! `mkdir`: create directories (`-p -v -m`).

use super::args::{self, flag, value};
use super::common;
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{path, ErrorKind};

const SPEC: &[args::Opt] = &[flag('p', "parents"), flag('v', "verbose"), value('m', "mode"), args::long_flag("context")];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "mkdir", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("mkdir: missing operand\nTry 'mkdir --help' for more information.\n").await;
        return 1;
    }
    let parents = p.has("p");
    let verbose = p.has("v");
    let mut status = 0;
    for op in &p.operands {
        let abs = ctx.abs(op);
        if parents {
            // Create each missing ancestor, reporting them as typed. Each is a prefix of
            // the path (absolute and as typed): kept as lengths, so a path thousands of
            // directories deep costs no more than its own text.
            let full = op.trim_end_matches('/');
            let mut todo: Vec<(usize, Option<usize>)> = Vec::new();
            let mut cur: &str = &abs;
            // `None`: `.`, above the operand as typed.
            let mut typed: Option<&str> = Some(full);
            loop {
                if super::textutil::checkpoint().await.is_err() {
                    return 1;
                }
                match ctx.vfs.stat(cur).await {
                    Ok(m) if m.is_dir() => break,
                    Ok(_) => {
                        ctx.err(format!("cannot create directory '{op}': Not a directory")).await;
                        status = 1;
                        todo.clear();
                        break;
                    }
                    Err(_) => {
                        todo.push((cur.len(), typed.map(str::len)));
                        if cur == "/" {
                            break;
                        }
                        cur = path::dirname(cur);
                        typed = match typed.and_then(|t| t.rfind('/').map(|i| (t, i))) {
                            Some((t, 0)) => Some(&t[..1]),
                            Some((t, i)) => Some(&t[..i]),
                            None => None,
                        };
                    }
                }
            }
            for (a, t) in todo.into_iter().rev() {
                if super::textutil::checkpoint().await.is_err() {
                    return 1;
                }
                let a = &abs[..a];
                let t = t.map(|n| &full[..n]).unwrap_or(".");
                match ctx.vfs.mkdir(a).await {
                    Ok(()) => {
                        if verbose && common::out(&ctx, format!("mkdir: created directory '{t}'\n")).await.is_err() {
                            return EXIT_PIPE;
                        }
                    }
                    Err(e) if e.kind == ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        ctx.err(format!("cannot create directory '{t}': {e}")).await;
                        status = 1;
                        break;
                    }
                }
            }
            continue;
        }
        let r = match ctx.vfs.stat(&abs).await {
            Ok(_) => Err(crate::vfs::FsError::new(ErrorKind::AlreadyExists)),
            Err(_) => match ctx.vfs.stat(path::dirname(&abs)).await {
                Ok(m) if m.is_dir() => ctx.vfs.mkdir(&abs).await,
                Ok(_) => Err(crate::vfs::FsError::new(ErrorKind::NotADirectory)),
                Err(e) => Err(e),
            },
        };
        match r {
            Ok(()) => {
                if verbose && common::out(&ctx, format!("mkdir: created directory '{op}'\n")).await.is_err() {
                    return EXIT_PIPE;
                }
            }
            Err(e) => {
                ctx.err(format!("cannot create directory '{op}': {e}")).await;
                status = 1;
            }
        }
    }
    status
}
