//! `base64`: encode (`-w COLS`, default 76) or decode (`-d`, `-i` to skip garbage).

use base64::Engine;

use super::args::{self, flag, value};
use super::common;
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[flag('d', "decode"), flag('i', "ignore-garbage"), value('w', "wrap")];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "base64", e, 1).await,
    };
    if p.operands.len() > 1 {
        let _ = ctx.stderr.write_str(&format!("base64: extra operand '{}'\nTry 'base64 --help' for more information.\n", p.operands[1])).await;
        return 1;
    }
    let op = p.operands.first().cloned().unwrap_or_else(|| "-".into());
    // GNU: any non-negative intmax_t; one too large for it means no wrapping.
    let wrap = match p.value("w") {
        None => 76,
        Some(w) => match textutil::xstrtoimax(w) {
            Ok(n) if n >= 0 => usize::try_from(n).unwrap_or(0),
            Err(textutil::NumError::Overflow) if !w.trim_start().starts_with('-') => 0,
            _ => {
                ctx.err(format!("invalid wrap size: '{w}'")).await;
                return 1;
            }
        },
    };
    let data = match common::read_all(&ctx, &op).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("{op}: {e}")).await;
            return 1;
        }
    };
    let eng = base64::engine::general_purpose::STANDARD;
    if p.has("d") {
        let clean: Vec<u8> = data
            .iter()
            .copied()
            .filter(|b| if p.has("i") { b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/' || *b == b'=' } else { *b != b'\n' && *b != b'\r' })
            .collect();
        // Decode as far as the input is valid, like GNU: up to the first byte outside the
        // alphabet, a partial last group included (its spare bits ignored).
        let bad = clean.iter().position(|b| !(b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/' || *b == b'=')).unwrap_or(clean.len());
        let eng = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));
        let mut out = Vec::new();
        let mut ok = bad == clean.len();
        let clean = &clean[..bad];
        let mut ticker = crate::limits::Ticker::new();
        for chunk in clean.chunks(4) {
            if let Err(why) = ticker.tick() {
                return textutil::halt(&ctx, why).await;
            }
            let padded = if chunk.len() < 4 {
                let mut c = chunk.to_vec();
                while c.len() < 4 {
                    c.push(b'=');
                }
                ok = chunk.len() >= 2 && ok;
                c
            } else {
                chunk.to_vec()
            };
            match eng.decode(&padded) {
                Ok(d) => out.extend_from_slice(&d),
                Err(_) => {
                    ok = false;
                    break;
                }
            }
            if chunk.contains(&b'=') && chunk != clean.chunks(4).last().unwrap_or(&[]) {
                ok = false;
                break;
            }
        }
        if clean.len() % 4 != 0 {
            ok = false;
        }
        if ctx.stdout.write(out).await.is_err() {
            return EXIT_PIPE;
        }
        if !ok {
            ctx.err("invalid input").await;
            return 1;
        }
        return 0;
    }
    // Encoded and written a slice at a time (a multiple of 3 bytes in, 4 out).
    let mut out = Out::new(&ctx.stdout);
    let mut column = 0usize;
    for piece in data.chunks(3 * 16 * 1024) {
        let enc = eng.encode(piece);
        let mut rest = enc.as_bytes();
        while !rest.is_empty() {
            let take = if wrap == 0 { rest.len() } else { (wrap - column).min(rest.len()) };
            out.buf().extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            column += take;
            if wrap > 0 && column == wrap {
                out.buf().push(b'\n');
                column = 0;
            }
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    if wrap > 0 && column > 0 {
        out.buf().push(b'\n');
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}
