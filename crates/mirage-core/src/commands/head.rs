//! `head`: the first lines or bytes (`-n N`, `-n -N`, `-c N`, `-c -N`, `-q`, `-v`, `-N`).

use super::args::{self, flag, value};
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::{LineReader, Reader};
use crate::vfs::FsError;

const SPEC: &[args::Opt] = &[value('n', "lines"), value('c', "bytes"), flag('q', "quiet"), flag('v', "verbose"), args::long_flag("silent")];

#[derive(Clone, Copy)]
enum Amount {
    Lines(u64),
    AllButLastLines(u64),
    Bytes(u64),
    AllButLastBytes(u64),
}

/// GNU's size suffixes for counts: `k`, `M`, `G`, `KB`, `MB`, `b` (512), ...
pub fn parse_count(s: &str) -> Option<u64> {
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits_end == 0 {
        return None;
    }
    let n: u64 = s[..digits_end].parse().ok()?;
    let mult: u64 = match &s[digits_end..] {
        "" => 1,
        "b" => 512,
        "kB" | "KB" => 1000,
        "K" | "k" | "KiB" => 1024,
        "MB" => 1000 * 1000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1000 * 1000 * 1000,
        "G" | "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

pub async fn run(ctx: Ctx) -> i32 {
    // `head -5` is `head -n 5`.
    let mut argv = ctx.args.clone();
    if let Some(first) = argv.first() {
        if first.len() > 1 && first.starts_with('-') && first[1..].chars().all(|c| c.is_ascii_digit()) {
            argv[0] = format!("-n{}", &first[1..]);
        }
    }
    let p = match args::parse(&argv, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message("head")).await;
            return 1;
        }
    };
    let mut amount = Amount::Lines(10);
    for o in &p.opts {
        let (Some(v), true) = (o.value.as_deref(), o.key == "n" || o.key == "c") else { continue };
        let (neg, digits) = match v.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, v.strip_prefix('+').unwrap_or(v)),
        };
        let Some(n) = parse_count(digits) else {
            let what = if o.key == "n" { "lines" } else { "bytes" };
            ctx.err(format!("invalid number of {what}: '{v}'")).await;
            return 1;
        };
        amount = match (o.key.as_str(), neg) {
            ("n", false) => Amount::Lines(n),
            ("n", true) => Amount::AllButLastLines(n),
            (_, false) => Amount::Bytes(n),
            (_, true) => Amount::AllButLastBytes(n),
        };
    }
    let quiet = p.has("q") || p.has("silent");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let headers = !quiet && (p.has("v") || operands.len() > 1);
    let mut status = 0;
    let mut first = true;
    for op in &operands {
        let reader = match ctx.open(op).await {
            Ok(r) => r,
            Err(e) => {
                ctx.err(format!("cannot open '{op}' for reading: {e}")).await;
                status = 1;
                continue;
            }
        };
        if headers {
            let name = if op == "-" { "standard input" } else { op };
            let h = if first { format!("==> {name} <==\n") } else { format!("\n==> {name} <==\n") };
            if ctx.stdout.write_str(&h).await.is_err() {
                return EXIT_PIPE;
            }
        }
        first = false;
        match copy_head(&ctx, reader, amount).await {
            Ok(()) => {}
            Err(None) => return EXIT_PIPE,
            Err(Some(e)) => {
                ctx.err(format!("error reading '{op}': {e}")).await;
                status = 1;
            }
        }
    }
    status
}

/// `Err(None)` when the output pipe closed.
async fn copy_head(ctx: &Ctx, mut r: Reader<'_>, amount: Amount) -> Result<(), Option<FsError>> {
    let out = &ctx.stdout;
    match amount {
        Amount::Bytes(mut n) => {
            while n > 0 {
                let Some(c) = r.chunk().await.map_err(Some)? else { break };
                let take = (c.len() as u64).min(n) as usize;
                out.write(c.slice(..take)).await.map_err(|_| None)?;
                n -= take as u64;
            }
        }
        Amount::Lines(n) => {
            let mut lines = LineReader::new(r);
            let mut buf = Vec::new();
            for _ in 0..n {
                let Some(l) = lines.next_line().await.map_err(Some)? else { break };
                buf.extend_from_slice(&l);
                if buf.len() >= 64 * 1024 {
                    out.write(std::mem::take(&mut buf)).await.map_err(|_| None)?;
                }
            }
            out.write(buf).await.map_err(|_| None)?;
        }
        Amount::AllButLastBytes(n) => {
            let all = r.read_to_end().await.map_err(Some)?;
            let keep = all.len().saturating_sub(n as usize);
            out.write(all[..keep].to_vec()).await.map_err(|_| None)?;
        }
        Amount::AllButLastLines(n) => {
            let mut lines = LineReader::new(r);
            let mut window: std::collections::VecDeque<Vec<u8>> = std::collections::VecDeque::new();
            while let Some(l) = lines.next_line().await.map_err(Some)? {
                window.push_back(l);
                if window.len() as u64 > n {
                    let l = window.pop_front().unwrap();
                    out.write(l).await.map_err(|_| None)?;
                }
            }
        }
    }
    Ok(())
}
