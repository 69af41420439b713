//! `true` and `false`.

use super::Ctx;

pub async fn run_true(_ctx: Ctx) -> i32 {
    0
}

pub async fn run_false(_ctx: Ctx) -> i32 {
    1
}
