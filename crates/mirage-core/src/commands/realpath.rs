//! `realpath`: absolute, normalised paths. Mounts have no symlinks, so paths are resolved
//! lexically against the cwd (`-e` all must exist, `-m` none need to, default all but the
//! last; `-s`, `-q`, `-z`, `--relative-to`).

use super::args::{self, flag};
use super::common;
use super::{Ctx, EXIT_PIPE};
use crate::vfs::path;

const SPEC: &[args::Opt] = &[
    flag('e', "canonicalize-existing"),
    flag('m', "canonicalize-missing"),
    flag('s', "strip"),
    args::long_flag("no-symlinks"),
    flag('q', "quiet"),
    flag('z', "zero"),
    flag('L', "logical"),
    flag('P', "physical"),
    args::long_value("relative-to"),
    args::long_value("relative-base"),
];

/// Resolve per mode; Err(message) when a component must exist and does not.
pub async fn resolve(ctx: &Ctx, op: &str, existing: bool, missing: bool) -> Result<String, String> {
    let abs = ctx.abs(op);
    if missing {
        return Ok(abs);
    }
    let check = if existing { abs.clone() } else { path::dirname(&abs).to_string() };
    match ctx.vfs.stat(&check).await {
        Ok(m) if !existing && !m.is_dir() => Err(format!("{op}: Not a directory")),
        Ok(m) if existing && !m.is_dir() && op.ends_with('/') => Err(format!("{op}: Not a directory")),
        Ok(_) => Ok(abs),
        Err(e) => Err(format!("{op}: {e}")),
    }
}

fn relative(from: &str, to: &str) -> String {
    let f: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = f.iter().zip(t.iter()).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; f.len() - common];
    parts.extend_from_slice(&t[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "realpath", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("realpath: missing operand\nTry 'realpath --help' for more information.\n").await;
        return 1;
    }
    let end = if p.has("z") { "\0" } else { "\n" };
    let rel_to = p.value("relative-to").map(|r| ctx.abs(r));
    let mut status = 0;
    let mut out = String::new();
    for op in &p.operands {
        match resolve(&ctx, op, p.has("e"), p.has("m")).await {
            Ok(a) => {
                let shown = match &rel_to {
                    Some(base) => relative(base, &a),
                    None => a,
                };
                out.push_str(&shown);
                out.push_str(end);
            }
            Err(m) => {
                if !p.has("q") {
                    if ctx.stdout.write(std::mem::take(&mut out).into_bytes()).await.is_err() {
                        return EXIT_PIPE;
                    }
                    ctx.err(m).await;
                }
                status = 1;
            }
        }
    }
    match common::out(&ctx, out).await {
        Ok(()) => status,
        Err(c) => c,
    }
}
