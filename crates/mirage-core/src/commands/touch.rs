//! `touch`: create empty files (`-c -a -m -d -t -r` accepted). Existing files are left as
//! they are: object stores cannot change a timestamp without rewriting the object.

use bytes::Bytes;

use super::args::{self, flag, value};
use super::common;
use super::Ctx;
use crate::vfs::{path, ErrorKind, FsError};

const SPEC: &[args::Opt] = &[
    flag('c', "no-create"),
    flag('a', ""),
    flag('m', ""),
    flag('f', ""),
    flag('h', "no-dereference"),
    value('d', "date"),
    value('t', ""),
    value('r', "reference"),
    args::long_value("time"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "touch", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("touch: missing file operand\nTry 'touch --help' for more information.\n").await;
        return 1;
    }
    if let Some(r) = p.value("r") {
        if let Err(e) = ctx.vfs.stat(&ctx.abs(r)).await {
            ctx.err(format!("failed to get attributes of '{r}': {e}")).await;
            return 1;
        }
    }
    let mut status = 0;
    for op in &p.operands {
        let abs = ctx.abs(op);
        match ctx.vfs.stat(&abs).await {
            Ok(_) => {
                // Exists: a timestamp update needs a rewrite on object stores; leave it.
                if let Err(e) = ctx.vfs.check_writable(&abs) {
                    ctx.err(format!("setting times of '{op}': {e}")).await;
                    status = 1;
                }
                continue;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                ctx.err(format!("cannot touch '{op}': {e}")).await;
                status = 1;
                continue;
            }
        }
        if p.has("c") {
            continue;
        }
        let r = match ctx.vfs.check_writable(&abs) {
            Err(e) => Err(e),
            Ok(()) => match ctx.vfs.stat(path::dirname(&abs)).await {
                Ok(m) if m.is_dir() => ctx.vfs.write(&abs, Bytes::new()).await,
                Ok(_) => Err(FsError::new(ErrorKind::NotADirectory)),
                Err(e) => Err(e),
            },
        };
        if let Err(e) = r {
            ctx.err(format!("cannot touch '{op}': {e}")).await;
            status = 1;
        }
    }
    status
}
