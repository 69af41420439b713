//! `paste`: merge lines of files side by side (`-d LIST`, `-s` serial, `-z`); `-` reads
//! successive lines of stdin.

use super::args::{self, flag, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[value('d', "delimiters"), flag('s', "serial"), flag('z', "zero-terminated")];

/// The delimiter list: `\n \t \\ \0` (empty) escapes.
fn delims(s: &str) -> Vec<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let e = b[i + 1];
            i += 2;
            out.push(match e {
                b'n' => vec![b'\n'],
                b't' => vec![b'\t'],
                b'\\' => vec![b'\\'],
                b'0' => vec![],
                b'b' => vec![8],
                b'f' => vec![12],
                b'r' => vec![b'\r'],
                b'v' => vec![11],
                other => vec![other],
            });
        } else {
            // One UTF-8 character.
            let len = match b[i] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            let end = (i + len).min(b.len());
            out.push(b[i..end].to_vec());
            i = end;
        }
    }
    out
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let d = delims(p.value("d").unwrap_or("\t"));
    if p.value("d").is_some() && d.is_empty() {
        // `-d ''` is the empty delimiter.
    }
    let d = if d.is_empty() { vec![vec![]] } else { d };
    let term = if p.has("z") { 0u8 } else { b'\n' };
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    // Read every input (stdin once, shared by every `-`), then index its records in place.
    let mut stdin_data: Option<Vec<u8>> = None;
    let mut datas: Vec<Option<Vec<u8>>> = Vec::new();
    let mut status = 0;
    for op in &operands {
        if op == "-" {
            if stdin_data.is_none() {
                stdin_data = Some(textutil::read_all(&ctx, "-").await.unwrap_or_default());
            }
            datas.push(None);
            continue;
        }
        match textutil::read_all(&ctx, op).await {
            Ok(data) => datas.push(Some(data)),
            Err(e) => {
                ctx.err_path(op, &e).await;
                return 1;
            }
        }
    }
    let stdin_lines: Option<Vec<&[u8]>> = match stdin_data.as_deref().map(|d| textutil::records_checked(d, term)) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(why)) => return textutil::halt(&ctx, why).await,
    };
    let mut files: Vec<Result<Vec<&[u8]>, ()>> = Vec::new();
    for d in &datas {
        match d.as_deref().map(|d| textutil::records_checked(d, term)) {
            None => files.push(Err(())),
            Some(Ok(l)) => files.push(Ok(l)),
            Some(Err(why)) => return textutil::halt(&ctx, why).await,
        }
    }
    let stdin_lines = stdin_lines.unwrap_or_default();
    let mut out = Out::new(&ctx.stdout);
    if p.has("s") {
        for (fi, f) in files.iter().enumerate() {
            let lines: &[&[u8]] = match f {
                Ok(l) => l,
                Err(()) => {
                    // Each `-` in serial mode takes all of (the rest of) stdin.
                    if operands[..fi].iter().any(|o| o == "-") {
                        &[]
                    } else {
                        &stdin_lines
                    }
                }
            };
            for (i, l) in lines.iter().enumerate() {
                let b = out.buf();
                if i > 0 {
                    b.extend_from_slice(&d[(i - 1) % d.len()]);
                }
                b.extend_from_slice(l);
                if out.maybe_flush().await.is_err() {
                    return EXIT_PIPE;
                }
            }
            out.buf().push(term);
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
        }
    } else {
        let mut idx = vec![0usize; files.len()];
        let mut stdin_pos = 0usize;
        let mut ticker = crate::limits::Ticker::new();
        loop {
            if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                return c;
            }
            let mut any = false;
            let mut line: Vec<u8> = Vec::new();
            for (fi, f) in files.iter().enumerate() {
                let cell: Option<&&[u8]> = match f {
                    Ok(l) => {
                        let c = l.get(idx[fi]);
                        idx[fi] += 1;
                        c
                    }
                    Err(()) => {
                        let c = stdin_lines.get(stdin_pos);
                        stdin_pos += 1;
                        c
                    }
                };
                if let Some(c) = cell {
                    any = true;
                    line.extend_from_slice(c);
                }
                if fi + 1 < files.len() {
                    line.extend_from_slice(&d[fi % d.len()]);
                }
            }
            if !any {
                break;
            }
            line.push(term);
            if out.put(&line).await.is_err() {
                return EXIT_PIPE;
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    status = status.max(0);
    status
}
