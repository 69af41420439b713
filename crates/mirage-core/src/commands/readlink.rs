//! `readlink`: mounts hold no symlinks, so plain `readlink` fails (exit 1, silent) and
//! `-f -e -m` print the lexically normalised absolute path.

use super::args::{self, flag};
use super::common;
use super::realpath;
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('f', "canonicalize"),
    flag('e', "canonicalize-existing"),
    flag('m', "canonicalize-missing"),
    flag('n', "no-newline"),
    flag('q', "quiet"),
    flag('s', "silent"),
    flag('v', "verbose"),
    flag('z', "zero"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "readlink", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("readlink: missing operand\nTry 'readlink --help' for more information.\n").await;
        return 1;
    }
    let canon = p.has("f") || p.has("e") || p.has("m");
    let end = if p.has("z") { "\0" } else if p.has("n") && p.operands.len() == 1 { "" } else { "\n" };
    let mut status = 0;
    let mut out = String::new();
    for op in &p.operands {
        if !canon {
            if p.has("v") {
                let why = match ctx.vfs.stat(&ctx.abs(op)).await {
                    Ok(_) => "Invalid argument".to_string(),
                    Err(e) => e.to_string(),
                };
                ctx.err(format!("{op}: {why}")).await;
            }
            status = 1;
            continue;
        }
        match realpath::resolve(&ctx, op, p.has("e"), p.has("m")).await {
            Ok(a) => {
                out.push_str(&a);
                out.push_str(end);
            }
            Err(m) => {
                if p.has("v") {
                    ctx.err(m).await;
                }
                status = 1;
            }
        }
    }
    if ctx.stdout.write(out.into_bytes()).await.is_err() {
        return EXIT_PIPE;
    }
    status
}
