//! Builtins that change the shell itself (cwd, variables, options, control flow).
//! Commands that only read and print live in `commands/`.

use bytes::Bytes;

use super::exec::{Ctl, Io, Shell, Value, Var, R};
use super::parser::is_valid_name;
use crate::vfs::{path, ErrorKind, FsError};

const BUILTINS: &[&str] = &[
    "cd", "export", "unset", "set", "shift", "local", "return", "break", "continue", "exit", "eval", "read", "type", "declare",
    "typeset", "readonly", ":", "let", "command", "which", "source", ".",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

async fn err(sh: &Shell, io: &Io, msg: String) {
    let _ = io.stderr.write_str(&format!("bash: line {}: {}\n", sh.line, msg)).await;
}

/// Record the current value of `name` so the enclosing function restores it on return.
pub fn declare_local(sh: &mut Shell, name: &str) {
    let prev = sh.vars.get(name).cloned();
    if let Some(frame) = sh.local_frames.last_mut() {
        frame.entry(name.to_string()).or_insert(prev);
    }
}

pub async fn run(sh: &mut Shell, argv: &[String], io: &Io) -> R {
    let name = argv[0].as_str();
    let args = &argv[1..];
    match name {
        ":" => Ok(0),
        "cd" => Ok(cd(sh, args, io).await),
        "export" | "readonly" | "declare" | "typeset" | "local" => Ok(declare(sh, name, args, io).await),
        "unset" => {
            let mut funcs = false;
            for a in args {
                match a.as_str() {
                    "-f" => funcs = true,
                    "-v" => funcs = false,
                    n => {
                        if funcs {
                            sh.functions.remove(n);
                        } else {
                            if sh.local_frames.last().is_some() {
                                declare_local(sh, n);
                            }
                            sh.vars.remove(n);
                        }
                    }
                }
            }
            Ok(0)
        }
        "set" => Ok(set(sh, args, io).await),
        "shift" => {
            let n: usize = match args.first() {
                Some(a) => match a.parse() {
                    Ok(n) => n,
                    Err(_) => {
                        err(sh, io, format!("shift: {a}: numeric argument required")).await;
                        return Ok(1);
                    }
                },
                None => 1,
            };
            if n > sh.positional.len() {
                return Ok(1);
            }
            sh.positional.drain(..n);
            Ok(0)
        }
        "return" => {
            let s = match args.first() {
                Some(a) => a.parse::<i64>().map(|v| (v & 0xff) as i32).unwrap_or(2),
                None => sh.last_status,
            };
            if sh.function_depth == 0 {
                err(sh, io, "return: can only `return' from a function or sourced script".into()).await;
                return Ok(1);
            }
            Err(Ctl::Return(s))
        }
        "break" | "continue" => {
            let n = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1);
            if name == "break" {
                Err(Ctl::Break(n))
            } else {
                Err(Ctl::Continue(n))
            }
        }
        "exit" => {
            let s = match args.first() {
                Some(a) => match a.parse::<i64>() {
                    Ok(v) => (v & 0xff) as i32,
                    Err(_) => {
                        err(sh, io, format!("exit: {a}: numeric argument required")).await;
                        2
                    }
                },
                None => sh.last_status,
            };
            Err(Ctl::Exit(s))
        }
        "eval" => {
            let src = args.join(" ");
            let mut parser = super::parser::Parser::new(&src);
            let mut status = 0;
            loop {
                match parser.next_complete_command() {
                    Ok(Some(list)) => status = sh.run_list(&list, io).await?,
                    Ok(None) => break,
                    Err(e) => {
                        let msg = e.message(&src).replace("bash: -c:", "bash: eval:");
                        let _ = io.stderr.write_str(&msg).await;
                        return Ok(e.exit_code());
                    }
                }
            }
            Ok(status)
        }
        "let" => {
            let mut v = 0;
            for a in args {
                match sh.arith(a) {
                    Ok(x) => v = x,
                    Err(e) => {
                        err(sh, io, format!("let: {}", e.message)).await;
                        return Ok(1);
                    }
                }
            }
            Ok((v == 0) as i32)
        }
        "read" => Ok(read(sh, args, io).await),
        "type" | "which" | "command" => Ok(type_like(sh, name, args, io).await),
        "source" | "." => {
            let Some(file) = args.first() else {
                err(sh, io, format!("{name}: filename argument required")).await;
                return Ok(2);
            };
            let abs = path::normalize(&sh.cwd, file);
            let src = match sh.vfs.read_all(&abs).await {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    err(sh, io, format!("{file}: {e}")).await;
                    return Ok(1);
                }
            };
            let saved = std::mem::replace(&mut sh.positional, args[1..].to_vec());
            let mut parser = super::parser::Parser::new(&src);
            let mut status = 0;
            let r = loop {
                match parser.next_complete_command() {
                    Ok(Some(list)) => match sh.run_list(&list, io).await {
                        Ok(s) => status = s,
                        Err(Ctl::Return(s)) => break Ok(s),
                        Err(e) => break Err(e),
                    },
                    Ok(None) => break Ok(status),
                    Err(e) => {
                        let _ = io.stderr.write_str(&e.message(&src)).await;
                        break Ok(e.exit_code());
                    }
                }
            };
            sh.positional = saved;
            r
        }
        _ => Ok(127),
    }
}

async fn cd(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let args: Vec<&String> = args.iter().filter(|a| a.as_str() != "--").collect();
    if args.len() > 1 {
        err(sh, io, "cd: too many arguments".into()).await;
        return 1;
    }
    let (target, print) = match args.first().map(|s| s.as_str()) {
        None => (sh.get_var("HOME").unwrap_or_else(|| "/".into()), false),
        Some("-") => match sh.get_var("OLDPWD") {
            Some(o) => (o, true),
            None => {
                err(sh, io, "cd: OLDPWD not set".into()).await;
                return 1;
            }
        },
        Some(t) => (t.to_string(), false),
    };
    let abs = path::normalize(&sh.cwd, &target);
    match sh.vfs.stat(&abs).await {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            err(sh, io, format!("cd: {target}: {}", FsError::new(ErrorKind::NotADirectory))).await;
            return 1;
        }
        Err(e) => {
            err(sh, io, format!("cd: {target}: {e}")).await;
            return 1;
        }
    }
    let old = sh.cwd.clone();
    sh.cwd = abs.clone();
    sh.set_var("OLDPWD", old);
    if let Some(v) = sh.vars.get_mut("PWD") {
        v.value = Value::Str(abs.clone());
    }
    if print {
        let _ = io.stdout.write_str(&format!("{abs}\n")).await;
    }
    0
}

async fn declare(sh: &mut Shell, name: &str, args: &[String], io: &Io) -> i32 {
    let mut export = name == "export";
    let mut readonly = name == "readonly";
    let local = name == "local" || ((name == "declare" || name == "typeset") && sh.function_depth > 0);
    let mut unexport = false;
    let mut array = false;
    let mut print = false;
    let mut names = Vec::new();
    for a in args {
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty() && !a.contains('=')) {
            for c in flags.chars() {
                match c {
                    'x' => export = true,
                    'r' => readonly = true,
                    'a' | 'A' => array = true,
                    'p' => print = true,
                    'n' if name == "export" => unexport = true,
                    'f' | 'F' | 'g' | 'i' | 'l' | 'u' => {}
                    _ => {
                        err(sh, io, format!("{name}: -{c}: invalid option")).await;
                        return 2;
                    }
                }
            }
        } else if let Some(flags) = a.strip_prefix('+') {
            if flags.contains('x') {
                unexport = true;
            }
        } else {
            names.push(a.clone());
        }
    }
    if name == "local" && sh.function_depth == 0 {
        err(sh, io, "local: can only be used in a function".into()).await;
        return 1;
    }
    if names.is_empty() && (print || name == "export" || name == "declare" || name == "readonly") {
        let mut keys: Vec<&String> = sh.vars.keys().collect();
        keys.sort();
        let mut out = String::new();
        for k in keys {
            let v = &sh.vars[k];
            if (name == "export" || export) && !v.exported {
                continue;
            }
            let flag = if v.exported { "-x" } else { "--" };
            match &v.value {
                Value::Str(s) => out.push_str(&format!("declare {flag} {k}=\"{}\"\n", s.replace('\\', "\\\\").replace('"', "\\\""))),
                Value::Array(items) => {
                    let body: Vec<String> = items.iter().enumerate().map(|(i, s)| format!("[{i}]=\"{s}\"")).collect();
                    out.push_str(&format!("declare -a {k}=({})\n", body.join(" ")));
                }
            }
        }
        let _ = io.stdout.write_str(&out).await;
        return 0;
    }
    let mut status = 0;
    for n in names {
        let (var, value) = match n.split_once('=') {
            Some((k, v)) => (k.trim_end_matches('+').to_string(), Some(v.to_string())),
            None => (n.clone(), None),
        };
        if !is_valid_name(&var) {
            err(sh, io, format!("{name}: `{n}': not a valid identifier")).await;
            status = 1;
            continue;
        }
        if sh.vars.get(&var).is_some_and(|v| v.readonly) && value.is_some() {
            err(sh, io, format!("{var}: readonly variable")).await;
            status = 1;
            continue;
        }
        if local {
            declare_local(sh, &var);
            if value.is_none() && !sh.vars.contains_key(&var) {
                sh.vars.insert(var.clone(), Var { value: Value::Str(String::new()), exported: false, readonly: false });
                // An unassigned local is unset until given a value.
                sh.vars.remove(&var);
            }
        }
        if let Some(v) = value {
            if array && v.starts_with('(') && v.ends_with(')') {
                let items: Vec<String> = v[1..v.len() - 1].split_whitespace().map(str::to_string).collect();
                sh.vars.insert(var.clone(), Var { value: Value::Array(items), exported: false, readonly: false });
            } else {
                sh.set_var(&var, v);
            }
        } else if array && !sh.vars.contains_key(&var) {
            sh.vars.insert(var.clone(), Var { value: Value::Array(Vec::new()), exported: false, readonly: false });
        }
        if let Some(v) = sh.vars.get_mut(&var) {
            if export {
                v.exported = true;
            }
            if unexport {
                v.exported = false;
            }
            if readonly {
                v.readonly = true;
            }
        } else if export {
            // `export X` of an unset variable marks it for when it is set.
            sh.vars.insert(var.clone(), Var { value: Value::Str(String::new()), exported: true, readonly });
            sh.vars.remove(&var);
        }
    }
    status
}

async fn set(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let (on, flags) = match (a.strip_prefix('-'), a.strip_prefix('+')) {
            (Some(f), _) => (true, f),
            (_, Some(f)) => (false, f),
            _ => break,
        };
        if a == "--" || a == "-" {
            i += 1;
            break;
        }
        if flags == "o" {
            let Some(opt) = args.get(i + 1) else {
                return 0;
            };
            match opt.as_str() {
                "errexit" => sh.errexit = on,
                "pipefail" => sh.pipefail = on,
                "nounset" => sh.nounset = on,
                "xtrace" | "noglob" | "noclobber" | "verbose" => {}
                other => {
                    err(sh, io, format!("set: {other}: invalid option name")).await;
                    return 1;
                }
            }
            i += 2;
            continue;
        }
        for c in flags.chars() {
            match c {
                'e' => sh.errexit = on,
                'u' => sh.nounset = on,
                'x' | 'f' | 'C' | 'v' | 'h' | 'B' => {}
                _ => {
                    err(sh, io, format!("set: -{c}: invalid option")).await;
                    return 2;
                }
            }
        }
        i += 1;
    }
    if i < args.len() || args.iter().any(|a| a == "--") {
        sh.positional = args[i..].to_vec();
    }
    0
}

async fn read(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let mut raw = false;
    let mut names = Vec::new();
    let mut array: Option<String> = None;
    let mut delim = b'\n';
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-r" => raw = true,
            "-a" => {
                i += 1;
                array = args.get(i).cloned();
            }
            "-d" => {
                i += 1;
                delim = args.get(i).and_then(|d| d.bytes().next()).unwrap_or(0);
            }
            "-p" | "-t" | "-u" => i += 1,
            "-s" | "-e" => {}
            a => names.push(a.to_string()),
        }
        i += 1;
    }
    let mut stdin = io.stdin.lock().await;
    let mut line = Vec::new();
    let mut found = false;
    'outer: loop {
        let chunk = match stdin.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => break,
        };
        for (k, &b) in chunk.iter().enumerate() {
            if b == delim {
                if !raw && line.last() == Some(&b'\\') {
                    line.pop();
                    continue;
                }
                stdin.unread(Bytes::copy_from_slice(&chunk[k + 1..]));
                found = true;
                break 'outer;
            }
            line.push(b);
        }
    }
    drop(stdin);
    let text = String::from_utf8_lossy(&line).into_owned();
    let text = if raw { text } else { unescape_read(&text) };
    let ifs = sh.get_var("IFS").unwrap_or_else(|| " \t\n".into());
    if let Some(arr) = array {
        let items: Vec<String> = text.split(|c: char| ifs.contains(c)).filter(|s| !s.is_empty()).map(str::to_string).collect();
        sh.vars.insert(arr, Var { value: Value::Array(items), exported: false, readonly: false });
    } else {
        if names.is_empty() {
            names.push("REPLY".into());
        }
        let trimmed = if names.len() == 1 && names[0] == "REPLY" { text.clone() } else { text.trim_matches(|c: char| ifs.contains(c) && c.is_whitespace()).to_string() };
        let mut rest = trimmed.as_str();
        for (k, n) in names.iter().enumerate() {
            if k + 1 == names.len() {
                sh.set_var(n, rest.to_string());
            } else {
                let end = rest.find(|c: char| ifs.contains(c)).unwrap_or(rest.len());
                sh.set_var(n, rest[..end].to_string());
                rest = rest[end..].trim_start_matches(|c: char| ifs.contains(c));
            }
        }
    }
    // Like bash: a line cut short by end of input is still assigned, but the status is 1.
    if found {
        0
    } else {
        1
    }
}

fn unescape_read(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(n) = it.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn type_like(sh: &mut Shell, name: &str, args: &[String], io: &Io) -> i32 {
    let mut verbose_v = false;
    let mut names = Vec::new();
    for a in args {
        match a.as_str() {
            "-v" | "-V" if name == "command" => verbose_v = a == "-v",
            "-t" | "-a" | "-p" if name == "type" => {}
            "-a" if name == "which" => {}
            a => names.push(a.to_string()),
        }
    }
    if name == "command" && !verbose_v {
        // `command cmd args`: run it, skipping functions.
        if names.is_empty() {
            return 0;
        }
        let argv: Vec<String> = names;
        if is_builtin(&argv[0]) {
            return match Box::pin(run(sh, &argv, io)).await {
                Ok(s) => s,
                Err(_) => 1,
            };
        }
        let Some(c) = sh.registry.get(&argv[0]) else {
            err(sh, io, format!("{}: command not found", argv[0])).await;
            return 127;
        };
        let ctx = crate::commands::Ctx {
            name: argv[0].clone(),
            args: argv[1..].to_vec(),
            stdin: io.stdin.clone(),
            stdout: io.stdout.clone(),
            stderr: io.stderr.clone(),
            vfs: sh.vfs.clone(),
            cwd: sh.cwd.clone(),
            env: std::sync::Arc::new(sh.exported_env()),
            registry: sh.registry.clone(),
        };
        return c.run(ctx).await;
    }
    let mut status = 0;
    let mut out = String::new();
    for n in names {
        let kind = if sh.functions.contains_key(&n) {
            Some("function")
        } else if is_builtin(&n) || matches!(n.as_str(), "echo" | "pwd" | "true" | "false" | "test" | "[" | "printf") {
            Some("builtin")
        } else if sh.registry.get(&n).is_some() {
            Some("file")
        } else {
            None
        };
        match (name, kind) {
            ("type", Some("function")) => out.push_str(&format!("{n} is a function\n")),
            ("type", Some("builtin")) => out.push_str(&format!("{n} is a shell builtin\n")),
            ("type", Some(_)) => out.push_str(&format!("{n} is /usr/bin/{n}\n")),
            ("type", None) => {
                err(sh, io, format!("type: {n}: not found")).await;
                status = 1;
            }
            ("which", Some("file")) => out.push_str(&format!("/usr/bin/{n}\n")),
            ("which", _) => status = 1,
            (_, Some("file")) => out.push_str(&format!("/usr/bin/{n}\n")),
            (_, Some(_)) => out.push_str(&format!("{n}\n")),
            (_, None) => status = 1,
        }
    }
    let _ = io.stdout.write_str(&out).await;
    status
}
