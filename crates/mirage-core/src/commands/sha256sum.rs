//! `sha256sum`: see `hashsum.rs`.

use super::hashsum::{self, Algo};
use super::Ctx;

pub async fn run(ctx: Ctx) -> i32 {
    hashsum::run(ctx, Algo::Sha256).await
}
