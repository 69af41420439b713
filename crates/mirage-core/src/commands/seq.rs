//! `seq`: print a sequence of numbers (`FIRST INCR LAST`, `-s SEP`, `-w`, `-f FORMAT`).
//! Decimal operands are stepped exactly (scaled integers), so `seq 0.1 0.1 0.3` ends at
//! 0.3 as GNU's does; exponent forms use floating point and `%g`.

use super::textutil::Out;
use super::{Ctx, EXIT_PIPE};

/// A decimal operand: its value scaled by 10^frac, and its fraction digits.
#[derive(Clone, Copy)]
struct Dec {
    scaled: i128,
    frac: u32,
    float: f64,
    exp: bool,
}

fn parse_num(s: &str) -> Option<Dec> {
    let t = s.trim_start_matches([' ', '\t']);
    let float: f64 = t.parse().ok().or_else(|| match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    })?;
    if float.is_nan() {
        return None;
    }
    let exp = t.contains(['e', 'E']) || float.is_infinite() || t.contains(['x', 'X']);
    let mut scaled = 0i128;
    let mut frac = 0u32;
    if !exp {
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (ip, fp) = body.split_once('.').unwrap_or((body, ""));
        if ip.len() + fp.len() > 30 {
            return Some(Dec { scaled: 0, frac: 0, float, exp: true });
        }
        let digits = format!("{ip}{fp}");
        scaled = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        if neg {
            scaled = -scaled;
        }
        frac = fp.len() as u32;
    }
    Some(Dec { scaled, frac, float, exp })
}

fn rescale(d: Dec, frac: u32) -> i128 {
    d.scaled * 10i128.pow(frac - d.frac)
}

/// Format a scaled integer with `frac` decimals.
fn fixed(v: i128, scale_frac: u32, show_frac: u32) -> String {
    let drop = scale_frac - show_frac;
    let v = v / 10i128.pow(drop);
    let neg = v < 0;
    let a = v.unsigned_abs();
    let s = if show_frac == 0 {
        a.to_string()
    } else {
        let p = 10u128.pow(show_frac);
        format!("{}.{:0w$}", a / p, a % p, w = show_frac as usize)
    };
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

/// A printf float directive: flags, width, precision, conversion.
#[derive(Clone, Default)]
pub struct Directive {
    pub left: bool,
    pub plus: bool,
    pub space: bool,
    pub alt: bool,
    pub zero: bool,
    pub width: usize,
    pub prec: Option<usize>,
    pub conv: char,
}

fn exp_form(v: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, v);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let sign = if e < 0 { '-' } else { '+' };
    let r = format!("{m}e{sign}{:02}", e.abs());
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

/// C's `%g`.
pub fn g_form(v: f64, prec: Option<usize>, alt: bool, upper: bool) -> String {
    if v.is_infinite() {
        let s = if v < 0.0 { "-inf" } else { "inf" };
        return if upper { s.to_uppercase() } else { s.into() };
    }
    let p = match prec {
        None => 6,
        Some(0) => 1,
        Some(p) => p,
    };
    if v == 0.0 {
        let s = if alt { format!("{:.*}", p - 1, 0.0) } else { "0".into() };
        return if v.is_sign_negative() { format!("-{s}") } else { s };
    }
    let e_s = format!("{:.*e}", p - 1, v);
    let x: i32 = e_s.split_once('e').map(|(_, e)| e.parse().unwrap_or(0)).unwrap_or(0);
    let mut s = if (x as i64) < p as i64 && x >= -4 {
        format!("{:.*}", (p as i64 - 1 - x as i64).max(0) as usize, v)
    } else {
        exp_form(v, p - 1, upper)
    };
    if !alt {
        // Strip trailing zeros of the fraction.
        let (mant, rest) = match s.find(['e', 'E']) {
            Some(i) => (s[..i].to_string(), s[i..].to_string()),
            None => (s.clone(), String::new()),
        };
        let mant = if mant.contains('.') { mant.trim_end_matches('0').trim_end_matches('.').to_string() } else { mant };
        s = format!("{mant}{rest}");
    }
    s
}

pub fn format_float(d: &Directive, v: f64) -> String {
    let upper = d.conv.is_ascii_uppercase();
    let mut body = match d.conv {
        'f' | 'F' => {
            if v.is_infinite() {
                (if v < 0.0 { "-inf" } else { "inf" }).to_string()
            } else {
                format!("{:.*}", d.prec.unwrap_or(6), v)
            }
        }
        'e' | 'E' => exp_form(v, d.prec.unwrap_or(6), upper),
        'a' | 'A' => format!("{v}"),
        _ => g_form(v, d.prec, d.alt, upper),
    };
    if !body.starts_with('-') {
        if d.plus {
            body.insert(0, '+');
        } else if d.space {
            body.insert(0, ' ');
        }
    }
    if body.len() < d.width {
        let pad = d.width - body.len();
        if d.left {
            body.push_str(&" ".repeat(pad));
        } else if d.zero && v.is_finite() {
            let sign_len = if body.starts_with(['-', '+', ' ']) { 1 } else { 0 };
            body.insert_str(sign_len, &"0".repeat(pad));
        } else {
            body.insert_str(0, &" ".repeat(pad));
        }
    }
    body
}

/// Split a `-f` format into (prefix, directive, suffix); `%%` is a literal `%`.
fn parse_format(f: &str) -> Result<(String, Directive, String), String> {
    let cs: Vec<char> = f.chars().collect();
    let mut prefix = String::new();
    let mut i = 0;
    let mut found: Option<Directive> = None;
    let mut suffix = String::new();
    while i < cs.len() {
        let c = cs[i];
        if c != '%' {
            if found.is_some() {
                suffix.push(c);
            } else {
                prefix.push(c);
            }
            i += 1;
            continue;
        }
        if cs.get(i + 1) == Some(&'%') {
            if found.is_some() {
                suffix.push('%');
            } else {
                prefix.push('%');
            }
            i += 2;
            continue;
        }
        if found.is_some() {
            return Err(format!("format '{f}' has too many % directives"));
        }
        let mut d = Directive::default();
        i += 1;
        while i < cs.len() && "-+ #0'".contains(cs[i]) {
            match cs[i] {
                '-' => d.left = true,
                '+' => d.plus = true,
                ' ' => d.space = true,
                '#' => d.alt = true,
                '0' => d.zero = true,
                _ => {}
            }
            i += 1;
        }
        let ws = i;
        while i < cs.len() && cs[i].is_ascii_digit() {
            i += 1;
        }
        d.width = cs[ws..i].iter().collect::<String>().parse().unwrap_or(0);
        if i < cs.len() && cs[i] == '.' {
            i += 1;
            let ps = i;
            while i < cs.len() && cs[i].is_ascii_digit() {
                i += 1;
            }
            d.prec = Some(cs[ps..i].iter().collect::<String>().parse().unwrap_or(0));
        }
        if i < cs.len() && cs[i] == 'L' {
            i += 1;
        }
        match cs.get(i) {
            Some(&c) if "eEfFgGaA".contains(c) => {
                d.conv = c;
                i += 1;
                found = Some(d);
            }
            Some(&c) => return Err(format!("format '{f}' has unknown %{c} directive")),
            None => return Err(format!("format '{f}' ends in %")),
        }
    }
    match found {
        Some(d) => Ok((prefix, d, suffix)),
        None => Err(format!("format '{f}' has no % directive")),
    }
}

async fn usage(ctx: &Ctx, msg: &str) -> i32 {
    let _ = ctx.stderr.write_str(&format!("seq: {msg}\nTry 'seq --help' for more information.\n")).await;
    1
}

pub async fn run(ctx: Ctx) -> i32 {
    let mut sep = "\n".to_string();
    let mut fmt: Option<String> = None;
    let mut width = false;
    let mut nums: Vec<String> = Vec::new();
    let args = &ctx.args;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        let looks_num = a.len() > 1 && a.starts_with('-') && (a.as_bytes()[1].is_ascii_digit() || a.as_bytes()[1] == b'.');
        if !nums.is_empty() || looks_num || !a.starts_with('-') || a == "-" {
            nums.push(a.clone());
            continue;
        }
        if a == "--" {
            nums.extend(args[i..].iter().cloned());
            break;
        }
        let take = |i: &mut usize, inline: &str, name: &str| -> Result<String, String> {
            if !inline.is_empty() {
                return Ok(inline.to_string());
            }
            if *i < args.len() {
                *i += 1;
                return Ok(args[*i - 1].clone());
            }
            Err(name.to_string())
        };
        if let Some(long) = a.strip_prefix("--") {
            let (name, val) = long.split_once('=').map(|(n, v)| (n, Some(v))).unwrap_or((long, None));
            match name {
                "separator" | "format" => {
                    let v = match val {
                        Some(v) => v.to_string(),
                        None if i < args.len() => {
                            i += 1;
                            args[i - 1].clone()
                        }
                        None => return usage(&ctx, &format!("option '--{name}' requires an argument")).await,
                    };
                    if name == "separator" {
                        sep = v;
                    } else {
                        fmt = Some(v);
                    }
                }
                "equal-width" => width = true,
                _ => return usage(&ctx, &format!("unrecognized option '{a}'")).await,
            }
            continue;
        }
        let mut chars = a[1..].char_indices();
        while let Some((k, c)) = chars.next() {
            let rest = &a[1 + k + c.len_utf8()..];
            match c {
                'w' => width = true,
                's' | 'f' => {
                    let v = match take(&mut i, rest, &c.to_string()) {
                        Ok(v) => v,
                        Err(n) => return usage(&ctx, &format!("option requires an argument -- '{n}'")).await,
                    };
                    if c == 's' {
                        sep = v;
                    } else {
                        fmt = Some(v);
                    }
                    break;
                }
                other => return usage(&ctx, &format!("invalid option -- '{other}'")).await,
            }
        }
    }
    if nums.is_empty() {
        return usage(&ctx, "missing operand").await;
    }
    if nums.len() > 3 {
        return usage(&ctx, &format!("extra operand '{}'", nums[3])).await;
    }
    let mut parsed = Vec::new();
    for n in &nums {
        match parse_num(n) {
            Some(d) => parsed.push(d),
            None => return usage(&ctx, &format!("invalid floating point argument: '{n}'")).await,
        }
    }
    let one = Dec { scaled: 1, frac: 0, float: 1.0, exp: false };
    let (first, step, last) = match parsed.len() {
        1 => (one, one, parsed[0]),
        2 => (parsed[0], one, parsed[1]),
        _ => (parsed[0], parsed[1], parsed[2]),
    };
    if step.float == 0.0 {
        return usage(&ctx, &format!("invalid Zero increment value: '{}'", nums[1])).await;
    }
    if fmt.is_some() && width {
        return usage(&ctx, "format string may not be specified when printing equal width strings").await;
    }
    let format = match &fmt {
        Some(f) => match parse_format(f) {
            Ok(x) => Some(x),
            Err(m) => {
                ctx.err(m).await;
                return 1;
            }
        },
        None => None,
    };
    let mut values: Vec<String> = Vec::new();
    let mut out = Out::new(&ctx.stdout);
    // Exact stepping while the scaled integers stay far from i128's range.
    let int_digits = |d: &Dec| d.scaled.unsigned_abs().to_string().len() as u32 - d.frac.min(d.scaled.unsigned_abs().to_string().len() as u32);
    let scale_all = first.frac.max(step.frac).max(last.frac);
    let fits = [first, step, last].iter().all(|d| int_digits(d) + scale_all <= 30);
    let exact = !(first.exp || step.exp || last.exp) && fits;
    let limit = 10_000_000usize;
    let emit = |s: String, values: &mut Vec<String>| values.push(s);
    let mut chunks_out: Vec<String> = Vec::new();
    let _ = &mut chunks_out;
    if exact && format.is_none() {
        let prec = first.frac.max(step.frac);
        let scale = prec.max(last.frac);
        let (f, s, l) = (rescale(first, scale), rescale(step, scale), rescale(last, scale));
        // The width of -w from the first and the last value printed, so output streams.
        let w = if width && ((s > 0 && f <= l) || (s < 0 && f >= l)) {
            let last_v = f + ((l - f) / s) * s;
            fixed(f, scale, prec).len().max(fixed(last_v, scale, prec).len())
        } else {
            0
        };
        let mut k: i128 = 0;
        loop {
            let v = f + k * s;
            if (s > 0 && v > l) || (s < 0 && v < l) {
                break;
            }
            emit(pad_zero(fixed(v, scale, prec), w), &mut values);
            k += 1;
            if values.len() >= 4096 && flush(&mut out, &mut values, &sep, false).await.is_err() {
                return EXIT_PIPE;
            }
        }
    } else {
        let prec = if first.exp || step.exp { None } else { Some(first.frac.max(step.frac) as usize) };
        let (f, s, l) = (first.float, step.float, last.float);
        let mut k = 0f64;
        loop {
            let v = f + k * s;
            let text = match &format {
                Some((pre, d, suf)) => format!("{pre}{}{suf}", format_float(d, v)),
                None => match prec {
                    Some(p) => format!("{:.*}", p, v),
                    None => g_form(v, None, false, false),
                },
            };
            if (s > 0.0 && v > l) || (s < 0.0 && v < l) {
                // GNU prints a value past LAST when it prints the same as LAST.
                let last_text = match &format {
                    Some((pre, d, suf)) => format!("{pre}{}{suf}", format_float(d, l)),
                    None => match prec {
                        Some(p) => format!("{:.*}", p, l),
                        None => g_form(l, None, false, false),
                    },
                };
                if text == last_text && k > 0.0 {
                    emit(text, &mut values);
                }
                break;
            }
            emit(text, &mut values);
            k += 1.0;
            if values.len() >= 4096 && !width && flush(&mut out, &mut values, &sep, false).await.is_err() {
                return EXIT_PIPE;
            }
            if values.len() > limit {
                break;
            }
        }
    }
    if width && !(exact && format.is_none()) {
        let w = values.iter().map(|v| v.len()).max().unwrap_or(0);
        for v in values.iter_mut() {
            if v.len() < w {
                let pad = "0".repeat(w - v.len());
                if let Some(rest) = v.strip_prefix('-') {
                    *v = format!("-{pad}{rest}");
                } else {
                    v.insert_str(0, &pad);
                }
            }
        }
    }
    if flush(&mut out, &mut values, &sep, true).await.is_err() {
        return EXIT_PIPE;
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}

fn pad_zero(v: String, w: usize) -> String {
    if v.len() >= w {
        return v;
    }
    let pad = "0".repeat(w - v.len());
    match v.strip_prefix('-') {
        Some(rest) => format!("-{pad}{rest}"),
        None => format!("{pad}{v}"),
    }
}

/// Write values joined by `sep`; the separator goes before every value but the very first.
async fn flush(out: &mut Out<'_>, values: &mut Vec<String>, sep: &str, end: bool) -> Result<(), crate::shell::io::BrokenPipe> {
    for v in values.drain(..) {
        if out.started() {
            out.buf().extend_from_slice(sep.as_bytes());
        }
        out.mark_started();
        out.buf().extend_from_slice(v.as_bytes());
        out.maybe_flush().await?;
    }
    if end && out.started() {
        out.buf().push(b'\n');
    }
    Ok(())
}
