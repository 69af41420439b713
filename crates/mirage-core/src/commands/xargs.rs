//! `xargs`: build command lines from stdin (`-n -L -I -0 -d -r -t -P -s -a -x`), running
//! registry commands one after another (`-P` is accepted; runs keep their order).

use super::args::{self, flag, value};
use super::common;
use super::{Ctx, EXIT_PIPE};
use crate::shell::io::{self, Input};

const SPEC: &[args::Opt] = &[
    value('n', "max-args"),
    value('L', "max-lines"),
    value('I', ""),
    args::long_value("replace"),
    flag('0', "null"),
    value('d', "delimiter"),
    flag('r', "no-run-if-empty"),
    flag('t', "verbose"),
    value('P', "max-procs"),
    value('s', "max-chars"),
    value('a', "arg-file"),
    flag('x', "exit"),
    flag('p', "interactive"),
    value('E', "eof"),
    flag('o', "open-tty"),
];

/// Split on blanks and newlines with xargs' quoting: '...', "...", backslash.
/// GNU xargs' command buffer (`xargs --show-limits`: 131072 bytes).
const COMMAND_BUFFER: usize = 128 << 10;

fn split_default(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut have = false;
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        match c {
            b' ' | b'\t' | b'\n' => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            b'\'' | b'"' => {
                let q = c;
                i += 1;
                while i < data.len() && data[i] != q {
                    if data[i] == b'\n' {
                        return Err(format!("unmatched {} quote; by default quotes are special to xargs unless you use the -0 option", if q == b'"' { "double" } else { "single" }));
                    }
                    cur.push(data[i]);
                    i += 1;
                }
                if i >= data.len() {
                    return Err(format!("unmatched {} quote; by default quotes are special to xargs unless you use the -0 option", if q == b'"' { "double" } else { "single" }));
                }
                have = true;
            }
            b'\\' if i + 1 < data.len() => {
                cur.push(data[i + 1]);
                have = true;
                i += 1;
            }
            _ => {
                cur.push(c);
                have = true;
            }
        }
        i += 1;
    }
    if have {
        out.push(cur);
    }
    Ok(out)
}

pub async fn run(ctx: Ctx) -> i32 {
    // Options stop at the first operand (the command).
    let mut split_at = ctx.args.len();
    let mut i = 0;
    while i < ctx.args.len() {
        let a = &ctx.args[i];
        if a == "--" {
            split_at = i + 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            split_at = i;
            break;
        }
        // Options with a separate value skip it.
        let needs = a.len() == 2 && matches!(a.as_bytes()[1], b'n' | b'L' | b'I' | b'd' | b'P' | b's' | b'a' | b'E');
        i += if needs { 2 } else { 1 };
        split_at = i.min(ctx.args.len());
    }
    let (optv, cmdv) = ctx.args.split_at(split_at.min(ctx.args.len()));
    let optv: Vec<String> = optv.iter().filter(|a| *a != "--").cloned().collect();
    let p = match args::parse(&optv, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "xargs", e, 1).await,
    };
    let mut cmd: Vec<String> = cmdv.to_vec();
    if cmd.is_empty() {
        cmd.push("echo".into());
    }
    let replace = p.value("I").or(p.value("replace")).map(|s| s.to_string());
    let data = match p.value("a") {
        Some(f) => match ctx.vfs.read_all(&ctx.abs(f)).await {
            Ok(d) => d.to_vec(),
            Err(e) => {
                ctx.err(format!("{f}: {e}")).await;
                return 1;
            }
        },
        None => match common::read_all(&ctx, "-").await {
            Ok(d) => d,
            Err(e) => {
                ctx.err(format!("read error: {e}")).await;
                return 1;
            }
        },
    };
    let parse_n = |k: &str| p.value(k).map(|v| v.parse::<usize>().unwrap_or(0));
    let max_args = parse_n("n");
    let max_lines = parse_n("L").or(if replace.is_some() { Some(1) } else { None });
    if max_args == Some(0) {
        ctx.err(format!("value {} for -n option should be >= 1", p.value("n").unwrap_or(""))).await;
        return 1;
    }
    // Items, grouped by input line for -L / -I.
    let lines: Vec<Vec<Vec<u8>>> = if p.has("0") || p.value("d").is_some() {
        let d = if p.has("0") {
            0u8
        } else {
            let s = p.value("d").unwrap_or("\n");
            let mut b = Vec::new();
            if s.starts_with('\\') {
                super::cfmt::expand_escape(s.as_bytes(), 0, false, &mut b);
            } else {
                b.extend_from_slice(s.as_bytes());
            }
            b.first().copied().unwrap_or(b'\n')
        };
        let mut items: Vec<Vec<u8>> = data.split(|b| *b == d).map(|x| x.to_vec()).collect();
        if items.last().is_some_and(|x| x.is_empty()) {
            items.pop();
        }
        items.into_iter().map(|x| vec![x]).collect()
    } else if replace.is_some() {
        data.split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(|b| *b == b' ' || *b == b'\t'))
            .map(|l| {
                let t: &[u8] = {
                    let st = l.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(l.len());
                    &l[st..]
                };
                vec![t.to_vec()]
            })
            .collect()
    } else {
        let mut v = Vec::new();
        for l in data.split(|b| *b == b'\n') {
            match split_default(l) {
                Ok(items) if !items.is_empty() => v.push(items),
                Ok(_) => {}
                Err(m) => {
                    ctx.err(m).await;
                    return 1;
                }
            }
        }
        v
    };
    // Batches of arguments, one command run each.
    let mut batches: Vec<Vec<Vec<u8>>> = Vec::new();
    if let Some(l) = max_lines {
        for chunk in lines.chunks(l.max(1)) {
            let mut b: Vec<Vec<u8>> = chunk.iter().flatten().cloned().collect();
            if let Some(n) = max_args {
                while b.len() > n {
                    let rest = b.split_off(n);
                    batches.push(b);
                    b = rest;
                }
            }
            batches.push(b);
        }
    } else {
        let all: Vec<Vec<u8>> = lines.into_iter().flatten().collect();
        match max_args {
            Some(n) => batches.extend(all.chunks(n).map(|c| c.to_vec())),
            None => {
                if !all.is_empty() {
                    batches.push(all);
                }
            }
        }
    }
    if batches.is_empty() && !p.has("r") && replace.is_none() {
        batches.push(Vec::new());
    }
    let mut status = 0;
    for b in batches {
        if super::textutil::checkpoint().await.is_err() {
            return 1;
        }
        let argv: Vec<String> = match &replace {
            Some(r) => {
                let item = String::from_utf8_lossy(&b.concat()).into_owned();
                // GNU's command buffer: an input line, or the command with every `{}`
                // replaced, longer than it is refused (checked before it is built).
                if item.len() >= COMMAND_BUFFER {
                    ctx.err("argument line too long").await;
                    return 1;
                }
                let bytes = cmd
                    .iter()
                    .map(|a| {
                        let n = if r.is_empty() { 0 } else { a.matches(r.as_str()).count() };
                        (a.len() + 1 - n * r.len()).saturating_add(n.saturating_mul(item.len()))
                    })
                    .fold(0usize, usize::saturating_add);
                if !r.is_empty() && bytes > COMMAND_BUFFER {
                    ctx.err("command too long").await;
                    return 1;
                }
                cmd.iter().map(|a| a.replace(r.as_str(), &item)).collect()
            }
            None => cmd.iter().cloned().chain(b.iter().map(|x| String::from_utf8_lossy(x).into_owned())).collect(),
        };
        if p.has("t") {
            let _ = ctx.stderr.write_str(&format!("{}\n", argv.join(" "))).await;
        }
        let Some(c) = ctx.registry.get(&argv[0]) else {
            ctx.err(format!("{}: No such file or directory", argv[0])).await;
            return 127;
        };
        let Ok(_level) = crate::limits::nest_at_most(crate::limits::MAX_SHELL_DEPTH) else {
            ctx.err(format!("{}: maximum nesting level exceeded", argv[0])).await;
            return 126;
        };
        let child = ctx.child(&argv[0], argv[1..].to_vec(), io::shared(Input::Empty), ctx.stdout.clone());
        let code = c.run(child).await;
        if code == EXIT_PIPE && ctx.stdout.is_closed() {
            return EXIT_PIPE;
        }
        if code == 255 {
            ctx.err(format!("{}: exited with status 255; aborting", argv[0])).await;
            return 124;
        }
        if code != 0 {
            status = 123;
        }
    }
    status
}
