//! `basename`: strip directory and suffix (`-a -s -z`).

use super::args::{self, flag, value};
use super::common;
use super::Ctx;

const SPEC: &[args::Opt] = &[flag('a', "multiple"), value('s', "suffix"), flag('z', "zero")];

pub fn base(name: &str, suffix: Option<&str>) -> String {
    if name.is_empty() {
        return String::new();
    }
    let t = name.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    let b = match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    match suffix {
        Some(s) if !s.is_empty() && b.len() > s.len() && b.ends_with(s) => b[..b.len() - s.len()].to_string(),
        _ => b.to_string(),
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "basename", e, 1).await,
    };
    let ops = &p.operands;
    if ops.is_empty() {
        let _ = ctx.stderr.write_str("basename: missing operand\nTry 'basename --help' for more information.\n").await;
        return 1;
    }
    let end = if p.has("z") { "\0" } else { "\n" };
    let multiple = p.has("a") || p.value("s").is_some();
    let mut out = String::new();
    if multiple {
        for o in ops {
            out.push_str(&base(o, p.value("s")));
            out.push_str(end);
        }
    } else {
        if ops.len() > 2 {
            let _ = ctx.stderr.write_str(&format!("basename: extra operand '{}'\nTry 'basename --help' for more information.\n", ops[2])).await;
            return 1;
        }
        out.push_str(&base(&ops[0], ops.get(1).map(|s| s.as_str())));
        out.push_str(end);
    }
    match common::out(&ctx, out).await {
        Ok(()) => 0,
        Err(c) => c,
    }
}
