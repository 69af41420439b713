//! `md5sum`: see `hashsum.rs`.

use super::hashsum::{self, Algo};
use super::Ctx;

pub async fn run(ctx: Ctx) -> i32 {
    hashsum::run(ctx, Algo::Md5).await
}
