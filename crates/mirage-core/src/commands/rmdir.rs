//! `rmdir`: remove empty directories (`-p -v --ignore-fail-on-non-empty`).

use super::args::{self, flag};
use super::common;
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{ErrorKind, FsError};

const SPEC: &[args::Opt] = &[flag('p', "parents"), flag('v', "verbose"), args::long_flag("ignore-fail-on-non-empty")];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "rmdir", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("rmdir: missing operand\nTry 'rmdir --help' for more information.\n").await;
        return 1;
    }
    let ignore = p.has("ignore-fail-on-non-empty");
    let mut status = 0;
    for op in &p.operands {
        let mut typed = op.trim_end_matches('/').to_string();
        if typed.is_empty() {
            typed = "/".into();
        }
        loop {
            let abs = ctx.abs(&typed);
            if p.has("v") && common::out(&ctx, format!("rmdir: removing directory, '{typed}'\n")).await.is_err() {
                return EXIT_PIPE;
            }
            let r = match ctx.vfs.stat(&abs).await {
                Ok(m) if !m.is_dir() => Err(FsError::new(ErrorKind::NotADirectory)),
                Ok(_) if ctx.vfs.mount_of(&abs).is_none_or(|m| m.prefix == abs) => Err(FsError::new(ErrorKind::Busy)),
                Ok(_) => ctx.vfs.rmdir(&abs).await,
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                if !(ignore && e.kind == ErrorKind::DirectoryNotEmpty) {
                    ctx.err(format!("failed to remove '{typed}': {e}")).await;
                    status = 1;
                }
                break;
            }
            if !p.has("p") {
                break;
            }
            match typed.rfind('/') {
                Some(i) if i > 0 => typed.truncate(i),
                _ => break,
            }
        }
    }
    status
}
