//! `test` and `[`: file, string and integer tests; also the file tests of `[[ ]]`.

use super::Ctx;
use crate::vfs::{path, Vfs};

/// A unary test (`-f path`, `-z str`, ...). `Err` carries bash's message for a bad operator.
pub async fn unary(vfs: &Vfs, cwd: &str, op: &str, arg: &str) -> Result<bool, String> {
    let stat = || async { vfs.stat(&path::normalize(cwd, arg)).await };
    Ok(match op {
        "-z" => arg.is_empty(),
        "-n" => !arg.is_empty(),
        "-e" | "-a" => !arg.is_empty() && stat().await.is_ok(),
        "-f" => !arg.is_empty() && stat().await.is_ok_and(|m| !m.is_dir()),
        "-d" => !arg.is_empty() && stat().await.is_ok_and(|m| m.is_dir()),
        "-s" => !arg.is_empty() && stat().await.is_ok_and(|m| m.size > 0 || m.is_dir()),
        "-r" => !arg.is_empty() && stat().await.is_ok(),
        // A READ mount refuses writes (EROFS), as access(W_OK) does on a read-only file system.
        "-w" => !arg.is_empty() && stat().await.is_ok() && vfs.check_writable(&path::normalize(cwd, arg)).is_ok(),
        // Objects carry no execute bit: only directories are searchable.
        "-x" => !arg.is_empty() && stat().await.is_ok_and(|m| m.is_dir()),
        "-L" | "-h" | "-p" | "-S" | "-b" | "-c" | "-t" | "-g" | "-u" | "-k" | "-O" | "-G" | "-N" => false,
        "-v" => false,
        _ => return Err(format!("{op}: unary operator expected")),
    })
}

/// `-nt`, `-ot`, `-ef` between files.
pub async fn binary_files(vfs: &Vfs, cwd: &str, a: &str, op: &str, b: &str) -> bool {
    let ma = vfs.stat(&path::normalize(cwd, a)).await.ok();
    let mb = vfs.stat(&path::normalize(cwd, b)).await.ok();
    match op {
        "-nt" => match (ma, mb) {
            (Some(x), Some(y)) => x.modified > y.modified,
            (Some(_), None) => true,
            _ => false,
        },
        "-ot" => match (ma, mb) {
            (Some(x), Some(y)) => x.modified < y.modified,
            (None, Some(_)) => true,
            _ => false,
        },
        "-ef" => ma.is_some() && path::normalize(cwd, a) == path::normalize(cwd, b),
        _ => false,
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let mut args = ctx.args.clone();
    if ctx.name == "[" {
        if args.last().map(String::as_str) != Some("]") {
            let _ = ctx.stderr.write_str("bash: line 1: [: missing `]'\n").await;
            return 2;
        }
        args.pop();
    }
    let r = match posix_test(&ctx, &args).await {
        Some(r) => r,
        None => {
            let mut p = TestParser { args: &args, i: 0, ctx: &ctx };
            match p.or().await {
                Ok(_) if p.i != args.len() => Err("too many arguments".to_string()),
                r => r,
            }
        }
    };
    match r {
        Ok(v) => (!v) as i32,
        Err(m) => {
            let _ = ctx.stderr.write_str(&format!("bash: line 1: {}: {}\n", ctx.name, m)).await;
            2
        }
    }
}

/// POSIX's rules by argument count (up to 3 arguments), which decide before any parsing:
/// `test 1 -eq` is "1: unary operator expected", not a parse of `1`.
async fn posix_test(ctx: &Ctx, args: &[String]) -> Option<Result<bool, String>> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    Some(match a.as_slice() {
        [] => Ok(false),
        [x] => Ok(!x.is_empty()),
        ["!", x] => Ok(x.is_empty()),
        [op, x] if is_unary(op) => unary(&ctx.vfs, &ctx.cwd, op, x).await,
        [x, _] => Err(format!("{x}: unary operator expected")),
        [x, op, y] if is_binary(op) => binary(ctx, x, op, y).await,
        [x, "-a", y] => Ok(!x.is_empty() && !y.is_empty()),
        [x, "-o", y] => Ok(!x.is_empty() || !y.is_empty()),
        // Three or four arguments: `!` and the test of the rest (more go to the full
        // parser, which nests `!` without recursion).
        ["!", rest @ ..] if rest.len() <= 3 => {
            return Box::pin(posix_test(ctx, &rest.iter().map(|s| s.to_string()).collect::<Vec<_>>())).await.map(|r| r.map(|v| !v))
        }
        ["(", a, b, ")"] => return Box::pin(posix_test(ctx, &[a.to_string(), b.to_string()])).await,
        ["(", x, ")"] => Ok(!x.is_empty()),
        [_, op, _] => Err(format!("{op}: binary operator expected")),
        _ => return None,
    })
}

fn is_unary(op: &str) -> bool {
    matches!(
        op,
        "-z" | "-n" | "-e" | "-a" | "-f" | "-d" | "-s" | "-r" | "-w" | "-x" | "-L" | "-h" | "-p" | "-S" | "-b" | "-c" | "-t" | "-g" | "-u" | "-k" | "-O" | "-G" | "-N" | "-v"
    )
}

/// An open parenthesis (or the whole expression): whether one of its finished `-a` chains
/// held, whether the current chain holds so far, and whether the pending term is negated.
struct Group {
    any: bool,
    all: bool,
    negated: bool,
}

impl Default for Group {
    fn default() -> Group {
        Group { any: false, all: true, negated: false }
    }
}

struct TestParser<'a> {
    args: &'a [String],
    i: usize,
    ctx: &'a Ctx,
}

impl TestParser<'_> {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.i).map(String::as_str)
    }

    /// `or := and (-o and)*`, `and := not (-a not)*`, `not := ! not | primary`,
    /// `primary := ( or ) | test`, evaluated with a stack of the open parentheses instead
    /// of recursion: bash nests them as deep as the arguments go, and so does this.
    async fn or(&mut self) -> Result<bool, String> {
        let mut stack = vec![Group::default()];
        'term: loop {
            // `!`s negate the term that follows; a `(` opens a group as that term.
            loop {
                let rest = self.args.len() - self.i;
                if self.peek() == Some("!") && rest > 1 {
                    self.i += 1;
                    if let Some(g) = stack.last_mut() {
                        g.negated = !g.negated;
                    }
                } else if self.peek() == Some("(") && rest >= 3 {
                    self.i += 1;
                    stack.push(Group::default());
                } else {
                    break;
                }
            }
            let mut v = self.primary().await?;
            // The term is done: fold it into its group; close the groups that end here.
            loop {
                let Some(g) = stack.last_mut() else { return Ok(v) };
                g.all &= v != g.negated;
                g.negated = false;
                match self.peek() {
                    Some("-a") => {
                        self.i += 1;
                        continue 'term;
                    }
                    Some("-o") => {
                        self.i += 1;
                        g.any |= g.all;
                        g.all = true;
                        continue 'term;
                    }
                    _ => {}
                }
                v = g.any || g.all;
                if stack.len() == 1 {
                    return Ok(v);
                }
                if self.peek() != Some(")") {
                    return Err("`)' expected".into());
                }
                self.i += 1;
                stack.pop();
            }
        }
    }

    async fn primary(&mut self) -> Result<bool, String> {
        let rest = self.args.len() - self.i;
        let a = self.peek().ok_or("argument expected")?.to_string();
        if rest >= 3 {
            let op = self.args[self.i + 1].clone();
            if is_binary(&op) {
                let b = self.args[self.i + 2].clone();
                self.i += 3;
                return binary(self.ctx, &a, &op, &b).await;
            }
        }
        if rest >= 2 && a.starts_with('-') && a.len() == 2 {
            let arg = self.args[self.i + 1].clone();
            self.i += 2;
            return unary(&self.ctx.vfs, &self.ctx.cwd, &a, &arg).await;
        }
        self.i += 1;
        Ok(!a.is_empty())
    }
}

fn is_binary(op: &str) -> bool {
    matches!(op, "=" | "==" | "!=" | "<" | ">" | "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" | "-nt" | "-ot" | "-ef")
}

async fn binary(ctx: &Ctx, a: &str, op: &str, b: &str) -> Result<bool, String> {
    Ok(match op {
        "=" | "==" => a == b,
        "!=" => a != b,
        "<" => a < b,
        ">" => a > b,
        "-nt" | "-ot" | "-ef" => binary_files(&ctx.vfs, &ctx.cwd, a, op, b).await,
        _ => {
            let x: i64 = a.trim().parse().map_err(|_| format!("{a}: integer expression expected"))?;
            let y: i64 = b.trim().parse().map_err(|_| format!("{b}: integer expression expected"))?;
            match op {
                "-eq" => x == y,
                "-ne" => x != y,
                "-lt" => x < y,
                "-le" => x <= y,
                "-gt" => x > y,
                _ => x >= y,
            }
        }
    })
}
