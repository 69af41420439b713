//! `tac`: files with their lines in reverse order (`-s SEP`, `-b`). Needs all of a file.

use super::args::{self, flag, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[flag('b', "before"), value('s', "separator"), flag('r', "regex")];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let sep: Vec<u8> = p.value("s").map(|s| s.as_bytes().to_vec()).unwrap_or_else(|| b"\n".to_vec());
    if sep.is_empty() {
        ctx.err("separator cannot be empty").await;
        return 1;
    }
    let before = p.has("b");
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    for op in &operands {
        let data = match textutil::read_all(&ctx, op).await {
            Ok(d) => d,
            Err(e) => {
                if e.kind == crate::vfs::ErrorKind::IsADirectory {
                    ctx.err(format!("{op}: read error: Invalid argument")).await;
                } else {
                    ctx.err(format!("failed to open '{op}' for reading: {e}")).await;
                }
                status = 1;
                continue;
            }
        };
        // Records, each with its separator attached (after it, or before it with -b).
        let mut starts = vec![0usize];
        let mut i = 0;
        let mut cuts = Vec::new();
        while let Some(k) = find(&data[i..], &sep) {
            cuts.push(i + k);
            i += k + sep.len();
        }
        let mut recs: Vec<&[u8]> = Vec::new();
        if before {
            let mut prev = 0;
            for &c in &cuts {
                if c > prev || prev == 0 {
                    recs.push(&data[prev..c]);
                }
                prev = c;
            }
            recs.push(&data[prev..]);
            recs.retain(|r| !r.is_empty());
        } else {
            let mut prev = 0;
            for &c in &cuts {
                recs.push(&data[prev..c + sep.len()]);
                prev = c + sep.len();
            }
            if prev < data.len() {
                recs.push(&data[prev..]);
            }
        }
        starts.clear();
        for r in recs.iter().rev() {
            if out.put(r).await.is_err() {
                return EXIT_PIPE;
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.len() == 1 {
        return memchr::memchr(n[0], h);
    }
    memchr::memmem::find(h, n)
}
