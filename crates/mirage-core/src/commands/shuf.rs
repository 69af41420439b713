//! `shuf`: random permutations of lines (`-n -e -i LO-HI -r -z -o --random-source`).
//! Without a random source the order is random; with one it is fixed by its bytes.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::args::{self, flag, value};
use super::common;
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    value('n', "head-count"),
    flag('e', "echo"),
    value('i', "input-range"),
    flag('r', "repeat"),
    flag('z', "zero-terminated"),
    value('o', "output"),
    args::long_value("random-source"),
];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "shuf", e, 1).await,
    };
    let sep = if p.has("z") { b'\0' } else { b'\n' };
    let mut items: Vec<Vec<u8>> = if p.has("e") {
        p.operands.iter().map(|s| s.as_bytes().to_vec()).collect()
    } else if let Some(r) = p.value("i") {
        let parsed = r.split_once('-').and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
        match parsed {
            Some((lo, hi)) if lo <= hi + 1 && hi - lo < 10_000_000 => (lo..=hi).map(|n| n.to_string().into_bytes()).collect(),
            _ => {
                ctx.err(format!("invalid input range: '{r}'")).await;
                return 1;
            }
        }
    } else {
        if p.operands.len() > 1 {
            let _ = ctx.stderr.write_str(&format!("shuf: extra operand '{}'\nTry 'shuf --help' for more information.\n", p.operands[1])).await;
            return 1;
        }
        let op = p.operands.first().cloned().unwrap_or_else(|| "-".into());
        let data = match common::read_all(&ctx, &op).await {
            Ok(d) => d,
            Err(e) => {
                ctx.err(format!("{op}: {e}")).await;
                return 1;
            }
        };
        let mut v: Vec<Vec<u8>> = data.split(|b| *b == sep).map(|l| l.to_vec()).collect();
        if v.last().is_some_and(|l| l.is_empty()) {
            v.pop();
        }
        v
    };
    let count = match p.value("n").map(|n| n.parse::<usize>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            ctx.err(format!("invalid line count: '{}'", p.value("n").unwrap_or(""))).await;
            return 1;
        }
    };
    let mut rng = match p.value("random-source") {
        Some(f) => {
            let bytes = match ctx.vfs.read_all(&ctx.abs(f)).await {
                Ok(b) => b,
                Err(e) => {
                    ctx.err(format!("{f}: {e}")).await;
                    return 1;
                }
            };
            let mut seed = [0u8; 32];
            for (k, b) in bytes.iter().take(4096).enumerate() {
                seed[k % 32] ^= b.wrapping_add(k as u8);
            }
            rand::rngs::StdRng::from_seed(seed)
        }
        None => rand::rngs::StdRng::from_os_rng(),
    };
    let mut out = Vec::new();
    if p.has("r") {
        if items.is_empty() {
            ctx.err("no lines to repeat").await;
            return 1;
        }
        let n = count.unwrap_or(usize::MAX).min(1 << 20);
        for _ in 0..n {
            let k = rng.random_range(0..items.len());
            out.extend_from_slice(&items[k]);
            out.push(sep);
        }
    } else {
        items.shuffle(&mut rng);
        for it in items.iter().take(count.unwrap_or(usize::MAX)) {
            out.extend_from_slice(it);
            out.push(sep);
        }
    }
    if let Some(o) = p.value("o") {
        return match ctx.vfs.write(&ctx.abs(o), bytes::Bytes::from(out)).await {
            Ok(()) => 0,
            Err(e) => {
                ctx.err(format!("{o}: {e}")).await;
                1
            }
        };
    }
    match ctx.stdout.write(out).await {
        Ok(()) => 0,
        Err(_) => EXIT_PIPE,
    }
}
