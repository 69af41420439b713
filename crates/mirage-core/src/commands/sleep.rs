//! `sleep`: pause for the sum of its arguments (`s m h d` suffixes, fractions). A tokio
//! sleep, so an aborted execute stops it.

use super::Ctx;

pub async fn run(ctx: Ctx) -> i32 {
    if ctx.args.is_empty() {
        let _ = ctx.stderr.write_str("sleep: missing operand\nTry 'sleep --help' for more information.\n").await;
        return 1;
    }
    let mut total = 0f64;
    let mut bad = false;
    for a in &ctx.args {
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
    if total.is_finite() {
        tokio::time::sleep(std::time::Duration::from_secs_f64(total.min(1e9))).await;
    } else {
        futures::future::pending::<()>().await;
    }
    0
}
