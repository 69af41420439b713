//! `sleep`: pause for the sum of its arguments (`s m h d` suffixes, fractions). A tokio
//! sleep, so an aborted execute stops it.

use super::Ctx;

pub async fn run(ctx: Ctx) -> i32 {
    // GNU permutes: every argument before `--` that starts with `-` is an option, and sleep
    // has none but --help/--version.
    let mut args: Vec<&String> = Vec::new();
    let mut options_done = false;
    for a in &ctx.args {
        if !options_done && a == "--" {
            options_done = true;
            continue;
        }
        if !options_done && a.len() > 1 && a.starts_with('-') {
            let msg = if a.starts_with("--") {
                format!("sleep: unrecognized option '{a}'")
            } else {
                format!("sleep: invalid option -- '{}'", a[1..].chars().next().unwrap_or('-'))
            };
            let _ = ctx.stderr.write_str(&format!("{msg}\nTry 'sleep --help' for more information.\n")).await;
            return 1;
        }
        args.push(a);
    }
    if args.is_empty() {
        let _ = ctx.stderr.write_str("sleep: missing operand\nTry 'sleep --help' for more information.\n").await;
        return 1;
    }
    let mut total = 0f64;
    let mut bad = false;
    for a in args {
        let (num, mult) = match a.chars().last() {
            Some('s') => (&a[..a.len() - 1], 1.0),
            Some('m') => (&a[..a.len() - 1], 60.0),
            Some('h') => (&a[..a.len() - 1], 3600.0),
            Some('d') => (&a[..a.len() - 1], 86400.0),
            _ => (a.as_str(), 1.0),
        };
        match num.parse::<f64>() {
            Ok(v) if v >= 0.0 && !num.is_empty() && !num.starts_with('+') => total += v * mult,
            _ => {
                let _ = ctx.stderr.write_str(&format!("sleep: invalid time interval '{a}'\n")).await;
                bad = true;
            }
        }
    }
    if bad {
        let _ = ctx.stderr.write_str("Try 'sleep --help' for more information.\n").await;
        return 1;
    }
    // Any length: past what a Duration holds (or a timer can wait) it is forever, which only
    // a deadline, an abort or close ends.
    match std::time::Duration::try_from_secs_f64(total) {
        Ok(d) if d <= std::time::Duration::from_secs(1 << 40) => tokio::time::sleep(d).await,
        _ => futures::future::pending::<()>().await,
    }
    0
}
