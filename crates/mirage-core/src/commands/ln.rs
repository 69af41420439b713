//! `ln`: links. None of the mounts (object stores, RAM) can hold a link, so `ln -s` and
//! hard links fail as GNU does on a filesystem without them: `Operation not supported`.

use super::args::{self, flag, value};
use super::common;
use super::Ctx;
use crate::vfs::path;

const SPEC: &[args::Opt] = &[
    flag('s', "symbolic"),
    flag('f', "force"),
    flag('n', "no-dereference"),
    flag('v', "verbose"),
    flag('r', "relative"),
    flag('T', "no-target-directory"),
    value('t', "target-directory"),
    flag('i', "interactive"),
    flag('L', "logical"),
    flag('P', "physical"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "ln", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("ln: missing file operand\nTry 'ln --help' for more information.\n").await;
        return 1;
    }
    let symbolic = p.has("s");
    let ops = &p.operands;
    let (targets, dest): (Vec<String>, Option<String>) = match p.value("t") {
        Some(t) => (ops.clone(), Some(t.to_string())),
        None if ops.len() == 1 => (ops.clone(), Some(".".into())),
        None => (ops[..ops.len() - 1].to_vec(), Some(ops[ops.len() - 1].clone())),
    };
    let dest = dest.unwrap_or_else(|| ".".into());
    let dest_is_dir = ctx.vfs.stat(&ctx.abs(&dest)).await.map(|m| m.is_dir()).unwrap_or(false);
    let mut status = 0;
    for t in &targets {
        let link = if dest_is_dir || ops.len() == 1 {
            common::join_typed(&dest, path::basename(&path::normalize("/", t)))
        } else {
            dest.clone()
        };
        let link_abs = ctx.abs(&link);
        if !symbolic {
            if let Err(e) = ctx.vfs.stat(&ctx.abs(t)).await {
                ctx.err(format!("failed to access '{t}': {e}")).await;
                status = 1;
                continue;
            }
        }
        let why = match ctx.vfs.check_writable(&link_abs) {
            Err(e) => e.to_string(),
            Ok(()) => {
                if ctx.vfs.stat(&link_abs).await.is_ok() && !p.has("f") {
                    "File exists".to_string()
                } else {
                    "Operation not supported".to_string()
                }
            }
        };
        if symbolic {
            ctx.err(format!("failed to create symbolic link '{link}': {why}")).await;
        } else {
            ctx.err(format!("failed to create hard link '{link}' => '{t}': {why}")).await;
        }
        status = 1;
    }
    status
}
