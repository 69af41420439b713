//! `pwd`: the current directory.

use super::Ctx;

pub async fn run(ctx: Ctx) -> i32 {
    match ctx.stdout.write_str(&format!("{}\n", ctx.cwd)).await {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
