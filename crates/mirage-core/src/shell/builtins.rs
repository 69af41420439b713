//! Builtins that change the shell itself (cwd, variables, options, control flow).
//! Commands that only read and print live in `commands/`.

use bytes::Bytes;

use std::collections::BTreeMap;

use super::exec::{Ctl, Io, Shell, Value, Var, R};
use super::parser::is_valid_name;
use crate::vfs::{path, ErrorKind, FsError};

const BUILTINS: &[&str] = &[
    "cd", "export", "unset", "set", "shift", "local", "return", "break", "continue", "exit", "eval", "read", "type", "declare",
    "typeset", "readonly", ":", "let", "command", "which", "source", ".", "shopt", "wait", "exec", "trap", "getopts", "mapfile", "readarray", "pushd", "popd", "dirs",
    "alias", "unalias",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

async fn err(sh: &Shell, io: &Io, msg: String) {
    let _ = io.stderr.write_str(&format!("{}: {}\n", sh.err_at(), msg)).await;
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
                        } else if let Some((var, key)) = n.strip_suffix(']').and_then(|x| x.split_once('[')) {
                            // `unset 'a[1]'`: one element.
                            if sh.vars.get(var).is_some_and(|v| v.readonly) {
                                err(sh, io, format!("unset: {var}: cannot unset: readonly variable")).await;
                                return Ok(1);
                            }
                            sh.unset_element(var, key);
                        } else {
                            if sh.vars.get(n).is_some_and(|v| v.readonly) {
                                err(sh, io, format!("unset: {n}: cannot unset: readonly variable")).await;
                                return Ok(1);
                            }
                            if sh.local_frames.last().is_some() {
                                declare_local(sh, n);
                            }
                            sh.vars.remove(n);
                            sh.pending_exports.remove(n);
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
            if sh.loop_depth == 0 {
                err(sh, io, format!("{name}: only meaningful in a `for', `while', or `until' loop")).await;
                return Ok(0);
            }
            let n = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1);
            if name == "break" {
                Err(Ctl::Break(n))
            } else {
                Err(Ctl::Continue(n))
            }
        }
        "exit" => {
            if args.len() > 1 {
                err(sh, io, "exit: too many arguments".into()).await;
                return Err(Ctl::Exit(1));
            }
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
        "wait" => Ok(0),
        "trap" => Ok(trap(sh, args, io).await),
        "getopts" => Ok(getopts(sh, args, io).await),
        "mapfile" | "readarray" => Ok(mapfile(sh, name, args, io).await),
        "pushd" | "popd" | "dirs" => Ok(dirstack(sh, name, args, io).await),
        "alias" => {
            let mut status = 0;
            let mut out = String::new();
            if args.is_empty() {
                for (n, v) in &sh.aliases {
                    out.push_str(&format!("alias {n}='{v}'\n"));
                }
            }
            for a in args {
                match a.split_once('=') {
                    Some((n, v)) => {
                        sh.aliases.retain(|(k, _)| k != n);
                        sh.aliases.push((n.to_string(), v.to_string()));
                    }
                    None => match sh.aliases.iter().find(|(k, _)| k == a) {
                        Some((n, v)) => out.push_str(&format!("alias {n}='{v}'\n")),
                        None => {
                            err(sh, io, format!("alias: {a}: not found")).await;
                            status = 1;
                        }
                    },
                }
            }
            let _ = io.stdout.write_str(&out).await;
            Ok(status)
        }
        "unalias" => {
            for a in args {
                if a == "-a" {
                    sh.aliases.clear();
                } else {
                    sh.aliases.retain(|(k, _)| k != a);
                }
            }
            Ok(0)
        }
        "exec" => {
            if args.is_empty() {
                // `exec 3>file`: the descriptors stay open for the rest of the script.
                sh.keep_fds = true;
                return Ok(0);
            }
            // `exec cmd`: run it, then the shell ends with its status.
            let s = Box::pin(sh.dispatch(args, &[], Vec::new(), io)).await?;
            Err(Ctl::Exit(s))
        }
        "shopt" => Ok(shopt(sh, args, io).await),
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

/// `trap [action] signal...`, `trap - signal`, `trap -p`.
async fn trap(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let norm = |s: &str| -> String {
        let s = s.to_ascii_uppercase();
        let s = s.strip_prefix("SIG").unwrap_or(&s).to_string();
        if s == "0" {
            "EXIT".into()
        } else {
            s
        }
    };
    const KNOWN: &[&str] = &["EXIT", "ERR", "RETURN", "DEBUG", "INT", "TERM", "HUP", "QUIT", "PIPE", "USR1", "USR2", "ALRM", "CHLD", "1", "2", "3", "13", "15"];
    match args.first().map(String::as_str) {
        None | Some("-p") => {
            let mut keys: Vec<&String> = sh.traps.keys().collect();
            keys.sort();
            let shown = |k: &str| if matches!(k, "EXIT" | "ERR" | "RETURN" | "DEBUG") { k.to_string() } else { format!("SIG{k}") };
            let out: String = keys.iter().map(|k| format!("trap -- '{}' {}\n", sh.traps[*k].replace('\'', "'\\''"), shown(k))).collect();
            let _ = io.stdout.write_str(&out).await;
            0
        }
        Some(_) if args.len() == 1 => {
            // `trap SIG` resets it.
            sh.traps.remove(&norm(&args[0]));
            0
        }
        Some(action) => {
            let mut status = 0;
            for sig in &args[1..] {
                let n = norm(sig);
                if !KNOWN.contains(&n.as_str()) {
                    err(sh, io, format!("trap: {sig}: invalid signal specification")).await;
                    status = 1;
                    continue;
                }
                if action == "-" {
                    sh.traps.remove(&n);
                } else {
                    sh.traps.insert(n, action.to_string());
                }
            }
            status
        }
    }
}

/// `getopts optstring name [arg...]`
async fn getopts(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let (Some(spec), Some(var)) = (args.first(), args.get(1)) else {
        err(sh, io, "getopts: usage: getopts optstring name [arg ...]".into()).await;
        return 2;
    };
    let silent = spec.starts_with(':');
    let argv: Vec<String> = if args.len() > 2 { args[2..].to_vec() } else { sh.positional.clone() };
    let mut optind: usize = sh.get_var("OPTIND").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    if optind == 1 && sh.getopts_pos > 0 && sh.get_var("OPTIND").is_none() {
        sh.getopts_pos = 0;
    }
    let done = |sh: &mut Shell, optind: usize| {
        sh.set_var(var, "?".into());
        sh.set_var("OPTIND", optind.to_string());
        sh.getopts_pos = 0;
        1
    };
    let Some(arg) = argv.get(optind - 1).cloned() else { return done(sh, optind) };
    if sh.getopts_pos == 0 {
        if arg == "--" {
            return done(sh, optind + 1);
        }
        if !arg.starts_with('-') || arg == "-" {
            return done(sh, optind);
        }
        sh.getopts_pos = 1;
    }
    let chars: Vec<char> = arg.chars().collect();
    let c = chars.get(sh.getopts_pos).copied().unwrap_or('?');
    sh.getopts_pos += 1;
    let at_end = sh.getopts_pos >= chars.len();
    let takes_arg = spec.find(c).filter(|_| c != ':').map(|i| spec[i + c.len_utf8()..].starts_with(':'));
    let mut status_name = c.to_string();
    match takes_arg {
        None => {
            if silent {
                sh.set_var("OPTARG", c.to_string());
            } else {
                let _ = io.stderr.write_str(&format!("bash: illegal option -- {c}\n")).await;
                sh.vars.remove("OPTARG");
            }
            status_name = "?".into();
            if at_end {
                optind += 1;
                sh.getopts_pos = 0;
            }
        }
        Some(false) => {
            sh.vars.remove("OPTARG");
            if at_end {
                optind += 1;
                sh.getopts_pos = 0;
            }
        }
        Some(true) => {
            if !at_end {
                sh.set_var("OPTARG", chars[sh.getopts_pos..].iter().collect());
                optind += 1;
            } else if let Some(next) = argv.get(optind) {
                sh.set_var("OPTARG", next.clone());
                optind += 2;
            } else {
                if silent {
                    sh.set_var("OPTARG", c.to_string());
                    status_name = ":".into();
                } else {
                    let _ = io.stderr.write_str(&format!("bash: option requires an argument -- {c}\n")).await;
                    sh.vars.remove("OPTARG");
                    status_name = "?".into();
                }
                optind += 1;
            }
            sh.getopts_pos = 0;
        }
    }
    sh.set_var(var, status_name);
    sh.set_var("OPTIND", optind.to_string());
    0
}

/// `mapfile [-t] [-d delim] [-n count] [-s skip] [array]` (also `readarray`).
async fn mapfile(sh: &mut Shell, name: &str, args: &[String], io: &Io) -> i32 {
    let mut trim = false;
    let mut delim = b'\n';
    let mut count = usize::MAX;
    let mut skip = 0usize;
    let mut var = "MAPFILE".to_string();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-t" => trim = true,
            "-d" | "-n" | "-s" | "-u" | "-C" | "-c" | "-O" => {
                i += 1;
                let v = args.get(i).cloned().unwrap_or_default();
                match a {
                    "-d" => delim = v.bytes().next().unwrap_or(0),
                    "-n" => count = v.parse().ok().filter(|n| *n > 0).unwrap_or(usize::MAX),
                    "-s" => skip = v.parse().unwrap_or(0),
                    _ => {}
                }
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                err(sh, io, format!("{name}: {a}: invalid option")).await;
                return 2;
            }
            _ => var = a.to_string(),
        }
        i += 1;
    }
    let mut stdin = io.stdin.lock().await;
    let mut items = Vec::new();
    let mut cur = Vec::new();
    let mut seen = 0usize;
    'outer: while items.len() < count {
        let chunk = match stdin.chunk().await {
            Ok(Some(c)) => c,
            _ => break,
        };
        for (k, &b) in chunk.iter().enumerate() {
            cur.push(b);
            if b == delim {
                if trim {
                    cur.pop();
                }
                seen += 1;
                let line = String::from_utf8_lossy(&std::mem::take(&mut cur)).into_owned();
                if seen > skip {
                    items.push(line);
                }
                if items.len() >= count {
                    stdin.unread(Bytes::copy_from_slice(&chunk[k + 1..]));
                    break 'outer;
                }
            }
        }
    }
    drop(stdin);
    if !cur.is_empty() && items.len() < count {
        seen += 1;
        if seen > skip {
            items.push(String::from_utf8_lossy(&cur).into_owned());
        }
    }
    sh.vars.insert(var, Var::new(Value::list(items)));
    0
}

/// `pushd dir`, `popd`, `dirs`: a stack of directories under the cwd.
async fn dirstack(sh: &mut Shell, name: &str, args: &[String], io: &Io) -> i32 {
    match name {
        "pushd" => {
            let Some(dir) = args.iter().find(|a| !a.starts_with('-')).cloned() else {
                let Some(top) = sh.dirstack.first().cloned() else {
                    err(sh, io, "pushd: no other directory".into()).await;
                    return 1;
                };
                let here = sh.cwd.clone();
                if cd(sh, &[top], io).await != 0 {
                    return 1;
                }
                sh.dirstack[0] = here;
                return print_dirs(sh, io).await;
            };
            let here = sh.cwd.clone();
            if cd(sh, &[dir], io).await != 0 {
                return 1;
            }
            sh.dirstack.insert(0, here);
            print_dirs(sh, io).await
        }
        "popd" => {
            if sh.dirstack.is_empty() {
                err(sh, io, "popd: directory stack empty".into()).await;
                return 1;
            }
            let top = sh.dirstack.remove(0);
            if cd(sh, &[top], io).await != 0 {
                return 1;
            }
            print_dirs(sh, io).await
        }
        _ => {
            if args.iter().any(|a| a == "-c") {
                sh.dirstack.clear();
                return 0;
            }
            print_dirs(sh, io).await
        }
    }
}

async fn print_dirs(sh: &Shell, io: &Io) -> i32 {
    let home = sh.get_var("HOME").unwrap_or_default();
    let tilde = |d: &str| -> String {
        if !home.is_empty() && home != "/" && (d == home || d.starts_with(&format!("{home}/"))) {
            format!("~{}", &d[home.len()..])
        } else {
            d.to_string()
        }
    };
    let mut all = vec![tilde(&sh.cwd)];
    all.extend(sh.dirstack.iter().map(|d| tilde(d)));
    let _ = io.stdout.write_str(&format!("{}\n", all.join(" "))).await;
    0
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
    let mut assoc = false;
    let mut integer = false;
    let mut print = false;
    let mut names = Vec::new();
    for a in args {
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty() && !a.contains('=')) {
            for c in flags.chars() {
                match c {
                    'x' => export = true,
                    'r' => readonly = true,
                    'a' => array = true,
                    'A' => assoc = true,
                    'i' => integer = true,
                    'p' => print = true,
                    'n' if name == "export" => unexport = true,
                    'f' | 'F' | 'g' | 'l' | 'u' => {}
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
    if print && !names.is_empty() {
        // `declare -p x y`: each variable as a declare command.
        let mut status = 0;
        let mut out = String::new();
        for n in &names {
            match sh.vars.get(n) {
                Some(v) => out.push_str(&declare_line(n, v)),
                None => {
                    err(sh, io, format!("{name}: {n}: not found")).await;
                    status = 1;
                }
            }
        }
        let _ = io.stdout.write_str(&out).await;
        return status;
    }
    if names.is_empty() && (print || name == "export" || name == "declare" || name == "readonly") {
        let mut keys: Vec<&String> = sh.vars.keys().collect();
        keys.sort();
        let mut out = String::new();
        for k in keys {
            let v = &sh.vars[k];
            if (name == "export" || export) && !v.exported || (name == "readonly" || readonly) && !v.readonly {
                continue;
            }
            out.push_str(&declare_line(k, v));
        }
        let _ = io.stdout.write_str(&out).await;
        return 0;
    }
    let mut status = 0;
    for n in names {
        let (var, value, append) = match n.split_once('=') {
            Some((k, v)) => (k.trim_end_matches('+').to_string(), Some(v.to_string()), k.ends_with('+')),
            None => (n.clone(), None, false),
        };
        // `declare a[2]=x`
        let (var, key) = match var.strip_suffix(']').and_then(|x| x.split_once('[')) {
            Some((v, k)) => (v.to_string(), Some(k.to_string())),
            None => (var, None),
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
            if !sh.local_frames.is_empty() && value.is_none() && !array && !assoc {
                // An unassigned local is unset until given a value.
                sh.vars.remove(&var);
            }
        }
        if assoc && !sh.is_assoc(&var) {
            sh.vars.insert(var.clone(), Var::new(Value::Assoc(Vec::new())));
        } else if array && !matches!(sh.vars.get(&var).map(|v| &v.value), Some(Value::Array(_))) {
            let cur = sh.vars.get(&var).map(|v| v.value.scalar());
            let items = cur.map(|c| BTreeMap::from([(0, c)])).unwrap_or_default();
            sh.vars.insert(var.clone(), Var::new(Value::Array(items)));
        }
        if integer {
            let v = sh.vars.entry(var.clone()).or_insert_with(|| Var::new(Value::Str(String::new())));
            v.integer = true;
        }
        if let Some(v) = value {
            let is_int = sh.vars.get(&var).is_some_and(|x| x.integer);
            if key.is_none() && v.starts_with('(') && v.ends_with(')') {
                // A compound assignment: `(a b c)` or `([k]=v ...)`.
                let words = split_compound(&v[1..v.len() - 1]);
                if sh.is_assoc(&var) {
                    let mut m: Vec<(String, String)> = if append {
                        match sh.vars.get(&var).map(|x| &x.value) {
                            Some(Value::Assoc(m)) => m.clone(),
                            _ => Vec::new(),
                        }
                    } else {
                        Vec::new()
                    };
                    for w in words {
                        if let Some((k, val)) = w.strip_prefix('[').and_then(|x| x.split_once("]=")) {
                            match m.iter_mut().find(|(mk, _)| mk == k) {
                                Some(slot) => slot.1 = val.to_string(),
                                None => m.push((k.to_string(), val.to_string())),
                            }
                        }
                    }
                    if let Some(x) = sh.vars.get_mut(&var) {
                        x.value = Value::Assoc(m);
                    }
                } else {
                    let mut items: BTreeMap<usize, String> = if append {
                        match sh.vars.get(&var).map(|x| &x.value) {
                            Some(Value::Array(a)) => a.clone(),
                            _ => BTreeMap::new(),
                        }
                    } else {
                        BTreeMap::new()
                    };
                    let mut next = items.keys().next_back().map(|k| k + 1).unwrap_or(0);
                    for w in words {
                        let (idx, val) = match w.strip_prefix('[').and_then(|x| x.split_once("]=")) {
                            Some((k, val)) => (sh.arith(k).unwrap_or(0).max(0) as usize, val.to_string()),
                            None => (next, w),
                        };
                        let val = if is_int { sh.arith(&val).unwrap_or(0).to_string() } else { val };
                        items.insert(idx, val);
                        next = idx + 1;
                    }
                    match sh.vars.get_mut(&var) {
                        Some(x) => x.value = Value::Array(items),
                        None => {
                            sh.vars.insert(var.clone(), Var::new(Value::Array(items)));
                        }
                    }
                }
            } else {
                let mut v = v;
                let cur = match &key {
                    Some(k) if append => sh.get_element(&var, k),
                    None if append => sh.get_var(&var),
                    _ => None,
                };
                if is_int {
                    let base = cur.map(|c| sh.arith(&c).unwrap_or(0)).unwrap_or(0);
                    match sh.arith(&v) {
                        Ok(x) => v = (base + x).to_string(),
                        Err(e) => {
                            err(sh, io, e.message).await;
                            status = 1;
                            continue;
                        }
                    }
                } else if let Some(c) = cur {
                    v = c + &v;
                }
                match key {
                    Some(k) => sh.set_element(&var, &k, v),
                    None => sh.set_var(&var, v),
                }
            }
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
            sh.pending_exports.insert(var.clone());
        }
    }
    status
}

/// A variable as `declare -p` prints it: `declare -a a=([0]="x")`.
fn declare_line(name: &str, v: &Var) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$").replace('`', "\\`"));
    let mut flags = String::new();
    match &v.value {
        Value::Array(_) => flags.push('a'),
        Value::Assoc(_) => flags.push('A'),
        Value::Str(_) => {}
    }
    if v.integer {
        flags.push('i');
    }
    if v.readonly {
        flags.push('r');
    }
    if v.exported {
        flags.push('x');
    }
    let flags = if flags.is_empty() { "--".to_string() } else { format!("-{flags}") };
    match &v.value {
        Value::Str(s) => format!("declare {flags} {name}={}\n", q(s)),
        Value::Array(items) => {
            let body: Vec<String> = items.iter().map(|(i, s)| format!("[{i}]={}", q(s))).collect();
            format!("declare {flags} {name}=({})\n", body.join(" "))
        }
        Value::Assoc(items) => {
            let body: String = super::exec::assoc_order(items).into_iter().map(|(k, s)| format!("[{k}]={} ", q(s))).collect();
            format!("declare {flags} {name}=({body})\n")
        }
    }
}

/// Split the inside of a compound assignment `( ... )` into words, removing quotes.
fn split_compound(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut started = false;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            '\'' => {
                started = true;
                for q in it.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                started = true;
                while let Some(q) = it.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = it.next() {
                                cur.push(n);
                            }
                        }
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                started = true;
                if let Some(n) = it.next() {
                    cur.push(n);
                }
            }
            _ => {
                started = true;
                cur.push(c);
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
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
        i += 1;
        for c in flags.chars() {
            let opt = match c {
                'e' => "errexit",
                'u' => "nounset",
                'x' => "xtrace",
                'C' => "noclobber",
                'f' => "noglob",
                'v' => "verbose",
                'h' => "hashall",
                'B' => "braceexpand",
                'o' => {
                    // `-o name` (also inside a group: `set -eo pipefail`).
                    let Some(name) = args.get(i) else {
                        return 0;
                    };
                    i += 1;
                    name.as_str()
                }
                _ => {
                    err(sh, io, format!("set: -{c}: invalid option")).await;
                    let _ = io.stderr.write_str("set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n").await;
                    return 2;
                }
            };
            match opt {
                "errexit" => sh.errexit = on,
                "pipefail" => sh.pipefail = on,
                "nounset" => sh.nounset = on,
                "xtrace" => sh.xtrace = on,
                "noclobber" => sh.noclobber = on,
                "noglob" | "verbose" | "hashall" | "braceexpand" | "posix" | "monitor" | "notify" | "allexport" => {}
                other => {
                    err(sh, io, format!("set: {other}: invalid option name")).await;
                    return 1;
                }
            }
        }
    }
    if i < args.len() || args.iter().any(|a| a == "--") {
        sh.positional = args[i..].to_vec();
    }
    0
}

/// `shopt [-s|-u|-q] name...`
async fn shopt(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    const KNOWN: &[&str] = &[
        "dotglob", "nullglob", "failglob", "nocaseglob", "nocasematch", "globstar", "extglob", "expand_aliases",
        "lastpipe", "globskipdots", "inherit_errexit", "xpg_echo", "sourcepath", "checkwinsize", "patsub_replacement",
    ];
    let mut mode = None;
    let mut quiet = false;
    let mut names = Vec::new();
    for a in args {
        match a.as_str() {
            "-s" => mode = Some(true),
            "-u" => mode = Some(false),
            "-q" => quiet = true,
            "-o" | "-p" => {}
            n => names.push(n.to_string()),
        }
    }
    let mut status = 0;
    let mut out = String::new();
    for n in &names {
        if !KNOWN.contains(&n.as_str()) {
            err(sh, io, format!("shopt: {n}: invalid shell option name")).await;
            status = 1;
            continue;
        }
        let on = sh.shopt.iter().any(|o| o == n);
        match mode {
            Some(true) if !on => sh.shopt.push(n.clone()),
            Some(false) => sh.shopt.retain(|o| o != n),
            Some(_) => {}
            None => {
                if !on {
                    status = 1;
                }
                if !quiet {
                    out.push_str(&format!("{n:<15}\t{}\n", if on { "on" } else { "off" }));
                }
            }
        }
    }
    let _ = io.stdout.write_str(&out).await;
    status
}

async fn read(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let mut raw = false;
    let mut names = Vec::new();
    let mut array: Option<String> = None;
    let mut delim = b'\n';
    // `-n N` stops after N characters (or at the delimiter); `-N N` reads exactly N.
    let mut nchars: Option<usize> = None;
    let mut exact = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty() && names.is_empty()) else {
            names.push(a.to_string());
            continue;
        };
        for (k, c) in flags.char_indices() {
            match c {
                'r' => raw = true,
                's' | 'e' => {}
                'a' | 'd' | 'n' | 'N' | 'p' | 't' | 'u' | 'i' => {
                    // The option's argument: the rest of this word, or the next word.
                    let rest = &flags[k + 1..];
                    let val = if !rest.is_empty() {
                        Some(rest.to_string())
                    } else {
                        i += 1;
                        args.get(i - 1).cloned()
                    };
                    let Some(val) = val else {
                        err(sh, io, format!("read: -{c}: option requires an argument")).await;
                        return 2;
                    };
                    match c {
                        'a' => array = Some(val),
                        'd' => delim = val.bytes().next().unwrap_or(0),
                        'n' | 'N' => match val.parse::<usize>() {
                            Ok(n) => {
                                nchars = Some(n);
                                exact = c == 'N';
                            }
                            Err(_) => {
                                err(sh, io, format!("read: {val}: invalid number")).await;
                                return 1;
                            }
                        },
                        _ => {}
                    }
                    break;
                }
                _ => {
                    err(sh, io, format!("read: -{c}: invalid option")).await;
                    return 2;
                }
            }
        }
    }
    let mut stdin = io.stdin.lock().await;
    let mut line = Vec::new();
    let mut found = false;
    if nchars == Some(0) {
        found = true;
    }
    'outer: while !found {
        if crate::limits::checkpoint().is_err() {
            return 1;
        }
        let chunk = match stdin.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => break,
        };
        for (k, &b) in chunk.iter().enumerate() {
            if b == delim && !exact {
                if !raw && line.last() == Some(&b'\\') {
                    line.pop();
                    continue;
                }
                stdin.unread(Bytes::copy_from_slice(&chunk[k + 1..]));
                found = true;
                break 'outer;
            }
            line.push(b);
            if nchars.is_some_and(|n| line.len() >= n) {
                stdin.unread(Bytes::copy_from_slice(&chunk[k + 1..]));
                found = true;
                break 'outer;
            }
        }
    }
    drop(stdin);
    let text = String::from_utf8_lossy(&line).into_owned();
    let text = if raw { text } else { unescape_read(&text) };
    let ifs = sh.get_var("IFS").unwrap_or_else(|| " \t\n".into());
    if let Some(arr) = array {
        let items = ifs_split(&text, &ifs, usize::MAX);
        sh.vars.insert(arr, Var::new(Value::list(items)));
    } else {
        if names.is_empty() {
            // REPLY keeps the line as read, blanks and all.
            sh.set_var("REPLY", text);
        } else {
            let mut fields = ifs_split(&text, &ifs, names.len());
            fields.resize(names.len(), String::new());
            for (n, v) in names.iter().zip(fields) {
                sh.set_var(n, v);
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

/// Split `text` on IFS as `read` does: runs of IFS blanks separate fields, and each other
/// IFS character separates one (empty fields between them are kept). At most `max` fields:
/// the last one gets the rest of the line, without trailing IFS blanks.
fn ifs_split(text: &str, ifs: &str, max: usize) -> Vec<String> {
    let is_ws = |c: char| ifs.contains(c) && c.is_whitespace();
    let is_other = |c: char| ifs.contains(c) && !c.is_whitespace();
    let s = text.trim_matches(is_ws);
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    if ifs.is_empty() {
        return if s.is_empty() { out } else { vec![s.to_string()] };
    }
    let mut i = 0;
    while i < chars.len() {
        if out.len() + 1 == max {
            out.push(chars[i..].iter().collect::<String>().trim_end_matches(is_ws).to_string());
            return out;
        }
        let start = i;
        while i < chars.len() && !is_ws(chars[i]) && !is_other(chars[i]) {
            i += 1;
        }
        out.push(chars[start..i].iter().collect());
        // One separator: blanks, at most one other IFS character, blanks.
        while i < chars.len() && is_ws(chars[i]) {
            i += 1;
        }
        if i < chars.len() && is_other(chars[i]) {
            i += 1;
            while i < chars.len() && is_ws(chars[i]) {
                i += 1;
            }
        }
    }
    out
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
    // `command -v` prints the name or path; `command -V` and `type` describe; `type -t` names the kind.
    let mut short = false;
    let mut describe = name == "type";
    let mut kind_only = false;
    let mut path_only = false;
    let mut names = Vec::new();
    for a in args {
        match a.as_str() {
            "-v" if name == "command" && names.is_empty() => short = true,
            "-V" if name == "command" && names.is_empty() => describe = true,
            "-t" if name == "type" => kind_only = true,
            "-p" | "-P" if name == "type" => path_only = true,
            "-a" | "-f" if name == "type" => {}
            "-a" if name == "which" => {}
            a => names.push(a.to_string()),
        }
    }
    if name == "command" && !short && !describe {
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
    const KEYWORDS: &[&str] = &[
        "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do", "done", "in", "function",
        "time", "{", "}", "!", "[[", "]]", "coproc",
    ];
    let mut status = 0;
    let mut found_any = false;
    let mut out = String::new();
    for n in names {
        let kind = if name != "which" && KEYWORDS.contains(&n.as_str()) {
            Some("keyword")
        } else if name != "which" && sh.functions.contains_key(&n) {
            Some("function")
        } else if name != "which" && (is_builtin(&n) || matches!(n.as_str(), "echo" | "pwd" | "true" | "false" | "test" | "[" | "printf")) {
            Some("builtin")
        } else if sh.registry.get(&n).is_some() {
            Some("file")
        } else {
            None
        };
        let Some(kind) = kind else {
            status = 1;
            if describe && !kind_only && !path_only {
                err(sh, io, format!("{name}: {n}: not found")).await;
            }
            continue;
        };
        found_any = true;
        if kind_only {
            out.push_str(&format!("{kind}\n"));
        } else if path_only || name == "which" {
            if kind == "file" {
                out.push_str(&format!("/usr/bin/{n}\n"));
            } else if name == "which" {
                status = 1;
            }
        } else if short {
            out.push_str(&if kind == "file" { format!("/usr/bin/{n}\n") } else { format!("{n}\n") });
        } else {
            out.push_str(&match kind {
                "keyword" => format!("{n} is a shell keyword\n"),
                "function" => format!("{n} is a function\n"),
                "builtin" => format!("{n} is a shell builtin\n"),
                _ => format!("{n} is /usr/bin/{n}\n"),
            });
        }
    }
    let _ = io.stdout.write_str(&out).await;
    // `command -v a b` succeeds when any name is found.
    if short && found_any {
        0
    } else {
        status
    }
}
