//! `cmp`: compare two files byte by byte (`-s -l -b -n LIMIT -i SKIP`).

use super::args::{self, flag, value};
use super::common;
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[flag('s', "quiet"), args::long_flag("silent"), flag('l', "verbose"), flag('b', "print-bytes"), value('n', "bytes"), value('i', "ignore-initial")];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "cmp", e, 2).await,
    };
    let ops = &p.operands;
    if ops.is_empty() {
        let _ = ctx.stderr.write_str("cmp: missing operand after 'cmp'\ncmp: Try 'cmp --help' for more information.\n").await;
        return 2;
    }
    let a = ops[0].clone();
    let b = ops.get(1).cloned().unwrap_or_else(|| "-".into());
    let silent = p.has("s") || p.has("silent");
    let mut da = match common::read_all(&ctx, &a).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("{a}: {e}")).await;
            return 2;
        }
    };
    let mut db = match common::read_all(&ctx, &b).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("{b}: {e}")).await;
            return 2;
        }
    };
    if let Some(skip) = p.value("i").and_then(|v| v.parse::<usize>().ok()) {
        da.drain(..skip.min(da.len()));
        db.drain(..skip.min(db.len()));
    }
    // GNU's `-l` offset width: digits of the smallest regular file's size (after skips and
    // -n); pipes and process substitutions count as the largest off_t.
    let mut widest: u64 = i64::MAX as u64;
    let limit = p.value("n").and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = limit {
        widest = widest.min(n as u64);
    }
    for (op, d) in [(&a, &da), (&b, &db)] {
        let regular = op != "-" && !ctx.abs(op).starts_with("/dev/fd/");
        if regular {
            widest = widest.min(d.len() as u64);
        }
    }
    let width = widest.to_string().len();
    if let Some(n) = limit {
        da.truncate(n);
        db.truncate(n);
    }
    let common_len = da.len().min(db.len());
    let mut line = 1u64;
    let mut differ = false;
    let mut out = String::new();
    let mut tick = crate::limits::Ticker::new();
    for i in 0..common_len {
        if super::textutil::ticked(&mut tick).await.is_err() {
            return 2;
        }
        if da[i] != db[i] {
            differ = true;
            if silent {
                return 1;
            }
            if p.has("l") {
                out.push_str(&format!("{:>width$} {:>3o} {:>3o}\n", i + 1, da[i], db[i]));
                if out.len() >= 64 << 10 && ctx.stdout.write(std::mem::take(&mut out).into_bytes()).await.is_err() {
                    return EXIT_PIPE;
                }
                continue;
            }
            let msg = if p.has("b") {
                format!("{a} {b} differ: byte {}, line {line} is {:o} {} {:o} {}\n", i + 1, da[i], show(da[i]), db[i], show(db[i]))
            } else {
                format!("{a} {b} differ: char {}, line {line}\n", i + 1)
            };
            return match common::out(&ctx, msg).await {
                Ok(()) => 1,
                Err(_) => EXIT_PIPE,
            };
        }
        if da[i] == b'\n' {
            line += 1;
        }
    }
    if ctx.stdout.write(out.into_bytes()).await.is_err() {
        return EXIT_PIPE;
    }
    if da.len() != db.len() {
        if !silent {
            let short = if da.len() < db.len() { &a } else { &b };
            let n = common_len;
            let msg = if n == 0 {
                format!("EOF on {short} which is empty")
            } else if p.has("l") {
                format!("EOF on {short} after byte {n}")
            } else if da[n - 1] == b'\n' {
                format!("EOF on {short} after byte {n}, line {}", line - 1)
            } else {
                format!("EOF on {short} after byte {n}, in line {line}")
            };
            ctx.err(msg).await;
        }
        return 1;
    }
    if differ {
        1
    } else {
        0
    }
}

fn show(b: u8) -> String {
    let mut s = String::new();
    let mut c = b;
    if c >= 128 {
        s.push_str("M-");
        c -= 128;
    }
    if c < 32 {
        s.push('^');
        s.push((c + 64) as char);
    } else if c == 127 {
        s.push_str("^?");
    } else {
        s.push(c as char);
    }
    s
}
