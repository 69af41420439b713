//! `shuf`: random permutations of lines (`-n -e -i LO-HI -r -z -o --random-source`).
//! Without a random source the order is random; with one it is fixed by its bytes.
//!
//! An input range is never materialized: `-n K` of `LO-HI` draws K distinct values (a sparse
//! Fisher-Yates when K is small next to the range), and `-r` draws from the range directly.
//! A full permutation of a range needs a slot per value, as GNU's does: past the memory
//! budget it fails with GNU's `memory exhausted`.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};

use super::args::{self, flag, value};
use super::common;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::limits::Ticker;

const SPEC: &[args::Opt] = &[
    value('n', "head-count"),
    flag('e', "echo"),
    value('i', "input-range"),
    flag('r', "repeat"),
    flag('z', "zero-terminated"),
    value('o', "output"),
    args::long_value("random-source"),
];

/// What is shuffled: lines (or `-e` operands), or the numbers `lo..=hi`.
enum Items<'a> {
    Lines(Vec<&'a [u8]>),
    Range { lo: u64, count: u64 },
}

/// `-i LO-HI` as GNU reads it; `Err` is its message.
fn parse_range(r: &str) -> Result<(u64, u64), String> {
    let bad = |part: &str, e: textutil::NumError| e.message("invalid input range", part);
    let Some((a, b)) = r.split_once('-') else {
        return match textutil::xdectoumax(r, 0, u64::MAX, "") {
            Ok(_) => Err(format!("invalid input range: '{r}'")),
            Err(e) => Err(bad(r, e)),
        };
    };
    let lo = textutil::xdectoumax(a, 0, u64::MAX, "").map_err(|e| bad(a, e))?;
    let hi = textutil::xdectoumax(b, 0, u64::MAX, "").map_err(|e| bad(b, e))?;
    let n = hi.wrapping_sub(lo).wrapping_add(1);
    if (lo <= hi) == (n == 0) {
        return Err(format!("invalid input range: '{r}'"));
    }
    Ok((lo, n))
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "shuf", e, 1).await,
    };
    let sep = if p.has("z") { b'\0' } else { b'\n' };
    if p.has("e") && p.has("i") {
        return textutil::usage_msg(&ctx, "cannot combine -e and -i options", 1).await;
    }
    // `-n`: a count that does not fit is as many as there are.
    let head: Option<u64> = match p.value("n") {
        None => None,
        Some(v) => match textutil::xstrtoumax_saturating(v, "") {
            Some(n) => Some(n),
            None => {
                ctx.err(format!("invalid line count: '{v}'")).await;
                return 1;
            }
        },
    };
    let data: Vec<u8>;
    let items = if p.has("e") {
        Items::Lines(p.operands.iter().map(|s| s.as_bytes()).collect())
    } else if let Some(r) = p.value("i") {
        if let Some(extra) = p.operands.first() {
            return textutil::usage_msg(&ctx, &format!("extra operand '{extra}'"), 1).await;
        }
        match parse_range(r) {
            Ok((lo, count)) => Items::Range { lo, count },
            Err(m) => {
                ctx.err(m).await;
                return 1;
            }
        }
    } else {
        if p.operands.len() > 1 {
            let _ = ctx.stderr.write_str(&format!("shuf: extra operand '{}'\nTry 'shuf --help' for more information.\n", p.operands[1])).await;
            return 1;
        }
        let op = p.operands.first().cloned().unwrap_or_else(|| "-".into());
        data = match common::read_all(&ctx, &op).await {
            Ok(d) => d,
            Err(e) => {
                ctx.err(format!("{op}: {e}")).await;
                return 1;
            }
        };
        match textutil::records_checked(&data, sep) {
            Ok(v) => Items::Lines(v),
            Err(why) => return textutil::halt(&ctx, why).await,
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
    let total = match &items {
        Items::Lines(v) => v.len() as u64,
        Items::Range { count, .. } => *count,
    };
    let item = |items: &Items, k: u64, buf: &mut Vec<u8>| match items {
        Items::Lines(v) => buf.extend_from_slice(v[k as usize]),
        Items::Range { lo, .. } => buf.extend_from_slice((lo + k).to_string().as_bytes()),
    };
    // The output: stdout, streamed, or a file written at the end.
    let to_file = p.value("o").map(|o| o.to_string());
    let mut file: Vec<u8> = Vec::new();
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = Ticker::new();
    // One item out: `Err(status)` when the output closed or the execute must stop.
    macro_rules! emit {
        ($k:expr) => {{
            let buf = if to_file.is_some() { &mut file } else { out.buf() };
            item(&items, $k, buf);
            buf.push(sep);
            if to_file.is_none() && out.maybe_flush().await.is_err() {
                Err(EXIT_PIPE)
            } else {
                textutil::tick(&ctx, &mut ticker).await
            }
        }};
    }
    if p.has("r") {
        if total == 0 {
            ctx.err("no lines to repeat").await;
            return 1;
        }
        // Without -n, forever: until the reader stops, a deadline, or the output cap.
        let mut left = head;
        while left != Some(0) {
            let k = rng.random_range(0..total);
            if let Err(c) = emit!(k) {
                return c;
            }
            left = left.map(|n| n - 1);
        }
    } else {
        let count = head.unwrap_or(u64::MAX).min(total);
        match &items {
            Items::Lines(v) => {
                let mut order: Vec<u64> = Vec::new();
                textutil::grow(&mut order, v.len());
                order.extend(0..v.len() as u64);
                // Fisher-Yates, with checkpoints (millions of lines take a while).
                let mut t = Ticker::new();
                for i in (1..order.len()).rev() {
                    if let Err(why) = t.tick() {
                        return textutil::halt(&ctx, why).await;
                    }
                    let j = rng.random_range(0..=i);
                    order.swap(i, j);
                }
                for &k in order.iter().take(count as usize) {
                    if let Err(c) = emit!(k) {
                        return c;
                    }
                }
            }
            Items::Range { .. } => {
                // A dense permutation when most of the range is drawn, else a sparse one;
                // either needs room for its slots first (GNU's randperm).
                let dense = count.saturating_mul(2) >= total;
                let slots = if dense { total } else { count.saturating_mul(4) };
                match textutil::refuse(usize::try_from(slots.saturating_mul(8)).unwrap_or(usize::MAX)) {
                    Ok(()) => {}
                    Err(None) => {
                        ctx.err("memory exhausted").await;
                        return 1;
                    }
                    Err(Some(why)) => return textutil::halt(&ctx, why).await,
                }
                let mut perm: Vec<u64> = if dense { (0..total).collect() } else { Vec::new() };
                let mut moved: HashMap<u64, u64> = HashMap::new();
                for i in 0..count {
                    // Fisher-Yates step i: swap slot i with a random slot in i..total.
                    let j = rng.random_range(i..total);
                    let k = if dense {
                        perm.swap(i as usize, j as usize);
                        perm[i as usize]
                    } else {
                        let at_j = moved.get(&j).copied().unwrap_or(j);
                        let at_i = moved.get(&i).copied().unwrap_or(i);
                        moved.insert(j, at_i);
                        moved.remove(&i);
                        at_j
                    };
                    if let Err(c) = emit!(k) {
                        return c;
                    }
                }
            }
        }
    }
    if let Some(o) = to_file {
        return match ctx.vfs.write(&ctx.abs(&o), bytes::Bytes::from(file)).await {
            Ok(()) => 0,
            Err(e) => {
                ctx.err(format!("{o}: {e}")).await;
                1
            }
        };
    }
    match out.flush().await {
        Ok(()) => 0,
        Err(_) => EXIT_PIPE,
    }
}
