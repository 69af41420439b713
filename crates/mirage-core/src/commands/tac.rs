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
        // Records, each with its separator attached (after it, or before it with -b), from
        // the last: found from the end without an index of every record.
        if let Err(c) = write_reversed(&ctx, &data, &sep, before, &mut out).await {
            return c;
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status
}

/// Where the separators are, in reverse: scanned from the end for one byte; for a longer
/// separator the leftmost non-overlapping matches (found from the start, as a forward scan
/// does), with room for their offsets asked of the budget first.
fn separators<'a>(data: &'a [u8], sep: &[u8]) -> Result<Box<dyn Iterator<Item = usize> + Send + 'a>, Option<crate::limits::Stop>> {
    if sep.len() == 1 {
        return Ok(Box::new(memchr::memrchr_iter(sep[0], data)));
    }
    let finder = memchr::memmem::Finder::new(sep);
    let mut cuts: Vec<usize> = Vec::new();
    let mut i = 0;
    let mut ticker = crate::limits::Ticker::new();
    while let Some(k) = finder.find(&data[i..]) {
        if let Err(why) = ticker.tick() {
            return Err(Some(why));
        }
        textutil::grow(&mut cuts, 1);
        cuts.push(i + k);
        i += k + sep.len();
    }
    Ok(Box::new(cuts.into_iter().rev()))
}

/// Write the records of `data` last first.
async fn write_reversed(ctx: &Ctx, data: &[u8], sep: &[u8], before: bool, out: &mut Out<'_>) -> Result<(), i32> {
    let cuts = match separators(data, sep) {
        Ok(c) => c,
        Err(Some(why)) => return Err(textutil::halt(ctx, why).await),
        Err(None) => {
            ctx.err("memory exhausted").await;
            return Err(1);
        }
    };
    let mut end = data.len();
    let mut ticker = crate::limits::Ticker::new();
    for c in cuts {
        // A record starts after its separator, or at it with -b.
        let start = if before { c } else { c + sep.len() };
        if start < end {
            out.put(&data[start..end]).await.map_err(|_| EXIT_PIPE)?;
        }
        end = start;
        textutil::tick(ctx, &mut ticker).await?;
    }
    if end > 0 {
        out.put(&data[..end]).await.map_err(|_| EXIT_PIPE)?;
    }
    Ok(())
}
