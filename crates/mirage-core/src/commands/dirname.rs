//! `dirname`: strip the last component (`-z`).

use super::args::{self, flag};
use super::common;
use super::Ctx;

const SPEC: &[args::Opt] = &[flag('z', "zero")];

pub fn dir(name: &str) -> String {
    let t = name.trim_end_matches('/');
    if t.is_empty() {
        return if name.starts_with('/') { "/".into() } else { ".".into() };
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let d = t[..i].trim_end_matches('/');
            if d.is_empty() {
                "/".into()
            } else {
                d.to_string()
            }
        }
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "dirname", e, 1).await,
    };
    if p.operands.is_empty() {
        let _ = ctx.stderr.write_str("dirname: missing operand\nTry 'dirname --help' for more information.\n").await;
        return 1;
    }
    let end = if p.has("z") { "\0" } else { "\n" };
    let out: String = p.operands.iter().map(|o| format!("{}{end}", dir(o))).collect();
    match common::out(&ctx, out).await {
        Ok(()) => 0,
        Err(c) => c,
    }
}
