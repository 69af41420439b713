//! `env`: print the exported variables (sorted by name: the shell keeps no environment
//! order), or run a command with changed variables (`VAR=x cmd`, `-i`, `-u VAR`, `-0`).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Ctx, EXIT_PIPE};

pub async fn run(ctx: Ctx) -> i32 {
    let mut env: HashMap<String, String> = (*ctx.env).clone();
    let mut i = 0;
    let mut nul = false;
    let args = &ctx.args;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "-i" | "--ignore-environment" | "-" => env.clear(),
            "-0" | "--null" => nul = true,
            "-u" | "--unset" => {
                i += 1;
                match args.get(i) {
                    Some(n) => {
                        env.remove(n);
                    }
                    None => {
                        let _ = ctx.stderr.write_str("env: option requires an argument -- 'u'\nTry 'env --help' for more information.\n").await;
                        return 125;
                    }
                }
            }
            "--" => {
                i += 1;
                break;
            }
            s if s.starts_with("-u") && s.len() > 2 => {
                env.remove(&s[2..]);
            }
            s if s.starts_with('-') && s.len() > 1 => {
                let c = s.chars().nth(1).unwrap_or('-');
                let msg = if s.starts_with("--") { format!("env: unrecognized option '{s}'\n") } else { format!("env: invalid option -- '{c}'\n") };
                let _ = ctx.stderr.write_str(&format!("{msg}Try 'env --help' for more information.\n")).await;
                return 125;
            }
            _ => break,
        }
        i += 1;
    }
    while i < args.len() {
        match args[i].split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                env.insert(k.to_string(), v.to_string());
                i += 1;
            }
            _ => break,
        }
    }
    if i >= args.len() {
        let mut keys: Vec<&String> = env.keys().collect();
        keys.sort();
        let end = if nul { '\0' } else { '\n' };
        let out: String = keys.iter().map(|k| format!("{k}={}{end}", env[*k])).collect();
        return match ctx.stdout.write(out.into_bytes()).await {
            Ok(()) => 0,
            Err(_) => EXIT_PIPE,
        };
    }
    let name = args[i].clone();
    let Some(c) = ctx.registry.get(&name) else {
        let _ = ctx.stderr.write_str(&format!("env: '{name}': No such file or directory\n")).await;
        return 127;
    };
    // `env env env ... cmd` nests one command inside another: bounded like the shell's
    // own nesting, and stoppable.
    if super::textutil::checkpoint().await.is_err() {
        return 1;
    }
    let Ok(_level) = crate::limits::nest_at_most(crate::limits::MAX_SHELL_DEPTH) else {
        let _ = ctx.stderr.write_str(&format!("env: '{name}': maximum nesting level exceeded\n")).await;
        return 126;
    };
    let mut child = ctx.child(&name, args[i + 1..].to_vec(), ctx.stdin.clone(), ctx.stdout.clone());
    child.env = Arc::new(env);
    c.run(child).await
}
