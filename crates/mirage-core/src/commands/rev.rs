//! `rev` (util-linux): each line with its characters reversed (UTF-8 aware; invalid bytes
//! are reversed as bytes).

use super::args;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::LineReader;

const SPEC: &[args::Opt] = &[args::flag('0', "zero")];

fn reverse(line: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(line) {
        Ok(s) => s.chars().rev().collect::<String>().into_bytes(),
        Err(_) => line.iter().rev().copied().collect(),
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut out = Out::new(&ctx.stdout);
    for op in &operands {
        let r = match ctx.open(op).await {
            Ok(r) => r,
            Err(e) if e.kind == crate::vfs::ErrorKind::IsADirectory => {
                ctx.err(format!("{op}: 0: {e}")).await;
                status = 1;
                continue;
            }
            Err(e) => {
                ctx.err(format!("cannot open {op}: {e}")).await;
                status = 1;
                continue;
            }
        };
        let mut lines = LineReader::new(r);
        let mut ticker = crate::limits::Ticker::new();
        loop {
            if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                return c;
            }
            match lines.next_line().await {
                Ok(Some(l)) => {
                    let (body, nl) = match l.strip_suffix(b"\n") {
                        Some(b) => (b, true),
                        None => (&l[..], false),
                    };
                    let b = out.buf();
                    b.extend_from_slice(&reverse(body));
                    if nl {
                        b.push(b'\n');
                    }
                    if out.maybe_flush().await.is_err() {
                        return EXIT_PIPE;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    ctx.err(format!("{op}: {e}")).await;
                    status = 1;
                    break;
                }
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}
