//! `seq`: print a sequence of numbers (`FIRST INCR LAST`, `-s SEP`, `-w`, `-f FORMAT`).
//! The default format is GNU's: `%.PLf` with P the largest number of fraction digits of FIRST
//! and INCR (exponents counted, `1e-3` has 3), zero-padded to GNU's width with `-w`, or `%Lg`
//! when a precision is unknown (hex floats). Decimal operands are stepped exactly (scaled
//! integers) while they fit, so `seq 0.1 0.1 0.3` ends at 0.3 as GNU's does; the rest uses
//! floating point. Output streams (a checkpoint per value), and padding and precision are
//! written as runs, so any width stays bounded.

use super::cfmt::{self, Pieces, Spec};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

/// An exact decimal: its value scaled by 10^frac.
#[derive(Clone, Copy)]
struct Dec {
    scaled: i128,
    frac: u32,
}

/// An operand as GNU's `scan_arg` sees it.
#[derive(Clone, Copy)]
struct Operand {
    value: f64,
    /// The exact value, when it has at most 30 significant digits.
    dec: Option<Dec>,
    /// Characters it prints as (for `-w`).
    width: i128,
    /// Fraction digits; `None` is GNU's INT_MAX ("unknown", `%Lg`).
    precision: Option<i128>,
}

/// Most digits of a scaled exact value (i128 holds 38; stepping and rescaling need room).
const EXACT_MAX_DIGITS: usize = 30;

/// Why an operand is not a number: GNU words NaN differently.
enum Bad {
    Invalid,
    NotANumber,
}

fn parse_num(s: &str) -> Result<Operand, Bad> {
    let lower = s.trim().to_ascii_lowercase();
    if matches!(lower.trim_start_matches(['+', '-']), "nan") {
        return Err(Bad::NotANumber);
    }
    parse_operand(s).ok_or(Bad::Invalid)
}

fn parse_operand(s: &str) -> Option<Operand> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    // Hexadecimal integers (GNU also reads hex floats).
    if let Some(h) = lower.strip_prefix("0x") {
        let v = u128::from_str_radix(h, 16).ok()?;
        let value = if neg { -(v as f64) } else { v as f64 };
        let dec = i128::try_from(v).ok().filter(|v| v.to_string().len() <= EXACT_MAX_DIGITS).map(|v| Dec { scaled: if neg { -v } else { v }, frac: 0 });
        return Some(Operand { value, dec, width: 0, precision: Some(0) });
    }
    let value: f64 = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        _ => {
            if !body.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.') {
                return None;
            }
            body.parse().ok()?
        }
    };
    let value = if neg { -value } else { value };
    if value.is_nan() {
        return None;
    }
    // GNU's scan_arg: width and precision from the text (no spaces or '+').
    let arg = t.trim_start_matches('+');
    let dp = arg.find('.');
    let mut precision: Option<i128> = if dp.is_none() && !arg.contains('p') { Some(0) } else { None };
    let mut width: i128 = 0;
    if value.is_finite() {
        width = arg.len() as i128;
        let mut fraction_len = 0i128;
        if let Some(d) = dp {
            fraction_len = arg[d + 1..].find(['e', 'E']).unwrap_or(arg.len() - d - 1) as i128;
            precision = Some(fraction_len);
            width += if fraction_len == 0 {
                -1
            } else if d == 0 || !arg.as_bytes()[d - 1].is_ascii_digit() {
                1
            } else {
                0
            };
        }
        if let Some(e) = arg.find(['e', 'E']) {
            let exponent = strtol(&arg[e + 1..]).max(-(i64::MAX as i128));
            let p = precision.unwrap_or(i32::MAX as i128);
            let p = if exponent < 0 { p - exponent } else { p - p.min(exponent) };
            precision = Some(p);
            width -= (arg.len() - e) as i128;
            let mut exp = exponent;
            if exponent < 0 {
                match dp {
                    Some(d) if e == d + 1 => width += 1,
                    Some(_) => {}
                    None => width += 1,
                }
                exp = -exponent;
            } else {
                if dp.is_some() && p == 0 && fraction_len > 0 {
                    width -= 1;
                }
                exp -= fraction_len.min(exp);
            }
            width += exp;
        }
        if precision.is_some_and(|p| p > i32::MAX as i128) {
            precision = None;
        }
    }
    // The exact value: digits D with F fraction digits and exponent E are D * 10^(E - F).
    let dec = if value.is_finite() {
        let mantissa = match body.find(['e', 'E']) {
            Some(e) => &body[..e],
            None => body,
        };
        let exponent = body.find(['e', 'E']).map(|e| strtol(&body[e + 1..])).unwrap_or(0);
        let (ip, fp) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{ip}{fp}");
        let digits = digits.trim_start_matches('0');
        let shift = exponent - fp.len() as i128;
        let frac = (-shift).max(0);
        let zeros = shift.max(0);
        if digits.len() as i128 + zeros <= EXACT_MAX_DIGITS as i128 && frac <= EXACT_MAX_DIGITS as i128 {
            let d: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
            let scaled = d * 10i128.pow(zeros as u32);
            Some(Dec { scaled: if neg { -scaled } else { scaled }, frac: frac as u32 })
        } else {
            None
        }
    } else {
        None
    };
    Some(Operand { value, dec, width, precision })
}

/// C's `strtol` of an exponent, saturating (its sign, its digits; nothing else read).
fn strtol(s: &str) -> i128 {
    let (neg, d) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut v: i128 = 0;
    for b in d.bytes().take_while(|b| b.is_ascii_digit()) {
        v = (v * 10 + (b - b'0') as i128).min(i64::MAX as i128);
    }
    if neg {
        -v
    } else {
        v
    }
}

fn rescale(d: Dec, frac: u32) -> Option<i128> {
    d.scaled.checked_mul(10i128.checked_pow(frac - d.frac)?)
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

impl Directive {
    fn spec(&self) -> Spec {
        Spec {
            minus: self.left,
            plus: self.plus,
            space: self.space,
            zero: self.zero,
            alt: self.alt,
            width: Some(self.width),
            prec: self.prec,
            conv: self.conv,
        }
    }
}

/// A `-f` directive applied to a value (`%a` prints the shortest form).
pub fn format_float(d: &Directive, v: f64) -> Pieces {
    let spec = d.spec();
    if d.conv == 'a' || d.conv == 'A' {
        let body = format!("{}", v.abs());
        let sign: &[u8] = if v.is_sign_negative() {
            b"-"
        } else if d.plus {
            b"+"
        } else if d.space {
            b" "
        } else {
            b""
        };
        return cfmt::pad_pieces(&spec, sign, Pieces::from_text(body.as_bytes()), v.is_finite());
    }
    cfmt::fmt_float_pieces(&spec, v)
}

/// How every value is printed.
enum Format {
    /// `%.PLf`, zero-padded to a width with `-w`.
    Fixed { prec: u64, width: Option<u64> },
    /// `%Lg`.
    General,
    /// `-f`: prefix, directive, suffix.
    User(String, Directive, String),
}

impl Format {
    fn float(&self, v: f64) -> Pieces {
        match self {
            Format::Fixed { prec, width } => {
                let spec = Spec { zero: true, width: width.map(|w| w as usize), prec: Some(*prec as usize), conv: 'f', ..Default::default() };
                cfmt::fmt_float_pieces(&spec, v)
            }
            Format::General => cfmt::fmt_float_pieces(&Spec { conv: 'g', ..Default::default() }, v),
            Format::User(pre, d, suf) => {
                let mut p = Pieces::from_text(pre.as_bytes());
                p.append(format_float(d, v));
                p.text(suf.as_bytes());
                p
            }
        }
    }
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
        let number = |i: &mut usize| -> usize {
            let mut v = 0usize;
            while *i < cs.len() && cs[*i].is_ascii_digit() {
                v = v.saturating_mul(10).saturating_add(cs[*i] as usize - '0' as usize);
                *i += 1;
            }
            v
        };
        d.width = number(&mut i);
        if i < cs.len() && cs[i] == '.' {
            i += 1;
            d.prec = Some(number(&mut i));
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
    let user_start = if nums.len() == 1 { "1" } else { nums[0].as_str() };
    let user_last = nums[nums.len() - 1].as_str();
    // GNU's fast path: whole numbers of any size counted up by one, as digit strings.
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain = !width && fmt.is_none() && sep.len() == 1;
    if plain && digits(user_start) && digits(user_last) && (nums.len() < 3 || nums[1] == "1") {
        return seq_fast(&ctx, user_start, user_last, &sep).await;
    }
    let mut parsed = Vec::new();
    for n in &nums {
        match parse_num(n) {
            Ok(d) => parsed.push(d),
            Err(Bad::Invalid) => return usage(&ctx, &format!("invalid floating point argument: '{n}'")).await,
            Err(Bad::NotANumber) => return usage(&ctx, &format!("invalid 'not-a-number' argument: '{n}'")).await,
        }
    }
    let one = Operand { value: 1.0, dec: Some(Dec { scaled: 1, frac: 0 }), width: 1, precision: Some(0) };
    let (first, step, last) = match parsed.len() {
        1 => (one, one, parsed[0]),
        2 => (parsed[0], one, parsed[1]),
        _ => (parsed[0], parsed[1], parsed[2]),
    };
    if step.value == 0.0 {
        return usage(&ctx, &format!("invalid Zero increment value: '{}'", nums[1])).await;
    }
    if fmt.is_some() && width {
        return usage(&ctx, "format string may not be specified when printing equal width strings").await;
    }
    // The fast path again for whole numbers written otherwise (`1e3`, `inf`).
    if plain
        && [first, step, last].iter().all(|o| o.precision == Some(0))
        && first.value.is_finite()
        && first.value >= 0.0
        && last.value >= 0.0
        && step.value == 1.0
    {
        let whole = |o: &Operand, typed: &str| -> String {
            if digits(typed) {
                typed.to_string()
            } else if let Some(d) = o.dec.filter(|d| d.frac == 0) {
                d.scaled.to_string()
            } else {
                format!("{:.0}", o.value)
            }
        };
        let a = whole(&first, user_start);
        let b = if last.value.is_finite() { whole(&last, user_last) } else { "inf".to_string() };
        if !a.starts_with('-') && !b.starts_with('-') {
            return seq_fast(&ctx, &a, &b, &sep).await;
        }
    }
    let format = match &fmt {
        Some(f) => match parse_format(f) {
            Ok((pre, d, suf)) => {
                // Past INT_MAX the C library prints the text before the directive, then fails.
                if d.width > cfmt::INT_MAX || d.prec.is_some_and(|p| p > cfmt::INT_MAX) {
                    let first_out = if step.value < 0.0 { first.value >= last.value } else { first.value <= last.value };
                    if first_out && common_out(&ctx, pre.as_bytes()).await.is_err() {
                        return EXIT_PIPE;
                    }
                    ctx.err("write error: Value too large for defined data type").await;
                    return 1;
                }
                Format::User(pre, d, suf)
            }
            Err(m) => {
                ctx.err(m).await;
                return 1;
            }
        },
        None => default_format(first, step, last, width),
    };
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = crate::limits::Ticker::new();
    let mut started = false;
    // One value out, with the separator before every value but the first.
    macro_rules! emit {
        ($p:expr) => {{
            if started {
                out.buf().extend_from_slice(sep.as_bytes());
            }
            started = true;
            if out.put_pieces(&$p).await.is_err() {
                return EXIT_PIPE;
            }
            if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                return c;
            }
        }};
    }
    // Exact stepping when every operand is exact and they fit one scale.
    let exact = match (&format, first.dec, step.dec, last.dec) {
        (Format::Fixed { prec, width }, Some(f), Some(s), Some(l)) if *prec <= EXACT_MAX_DIGITS as u64 => {
            let prec = *prec as u32;
            let scale = prec.max(l.frac).max(f.frac).max(s.frac);
            match (rescale(f, scale), rescale(s, scale), rescale(l, scale)) {
                (Some(f), Some(s), Some(l)) => Some((prec, *width, scale, f, s, l)),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some((prec, w, scale, f, s, l)) = exact {
        let mut k: i128 = 0;
        while let Some(v) = k.checked_mul(s).and_then(|ks| f.checked_add(ks)) {
            if (s > 0 && v > l) || (s < 0 && v < l) {
                break;
            }
            emit!(pad_zero(fixed(v, scale, prec), w.unwrap_or(0)));
            k += 1;
        }
    } else {
        let (f, s, l) = (first.value, step.value, last.value);
        let mut k = 0f64;
        let mut prev: Option<Pieces> = None;
        loop {
            // The first value is FIRST itself (0 * an infinite step is no number).
            let v = if k == 0.0 { f } else { f + k * s };
            let text = format.float(v);
            if (s > 0.0 && v > l) || (s < 0.0 && v < l) {
                // GNU prints a value past LAST when it prints the same as LAST (and not the
                // same as the value before it).
                if k > 0.0 && text == format.float(l) && prev.as_ref() != Some(&text) {
                    emit!(text);
                }
                break;
            }
            emit!(text.clone());
            prev = Some(text);
            k += 1.0;
        }
    }
    if started {
        out.buf().push(b'\n');
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}

/// GNU's `seq_fast`: whole numbers from `a` to `b` (`inf`: forever) as digit strings, one
/// added at a time, each followed by the one-byte separator (the last by a newline).
async fn seq_fast(ctx: &Ctx, a: &str, b: &str, sep: &str) -> i32 {
    let trim = |s: &str| -> Vec<u8> {
        let t = s.trim_start_matches('0');
        if t.is_empty() { b"0".to_vec() } else { t.as_bytes().to_vec() }
    };
    let mut p = trim(a);
    let b = trim(b);
    let inf = b == b"inf";
    let sep = sep.as_bytes().first().copied().unwrap_or(b'\n');
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = crate::limits::Ticker::every(1);
    let mut any = false;
    let mut more = inf || (p.len(), &p[..]) <= (b.len(), &b[..]);
    while more {
        // A buffer's worth of numbers at a time, then a flush and a checkpoint.
        let o = out.buf();
        while more && o.len() < textutil::CHUNK {
            if any {
                o.push(sep);
            }
            o.extend_from_slice(&p);
            any = true;
            // Add one.
            let mut k = p.len();
            loop {
                if k == 0 {
                    p.insert(0, b'1');
                    break;
                }
                k -= 1;
                if p[k] < b'9' {
                    p[k] += 1;
                    break;
                }
                p[k] = b'0';
            }
            more = inf || (p.len(), &p[..]) <= (b.len(), &b[..]);
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
        if let Err(c) = textutil::tick(ctx, &mut ticker).await {
            return c;
        }
    }
    if any {
        out.buf().push(b'\n');
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}

async fn common_out(ctx: &Ctx, b: &[u8]) -> Result<(), i32> {
    super::common::out(ctx, b.to_vec()).await
}

/// GNU's `get_default_format`.
fn default_format(first: Operand, step: Operand, last: Operand, equal_width: bool) -> Format {
    let prec = match (first.precision, step.precision) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    };
    let (Some(prec), Some(last_prec)) = (prec, last.precision) else {
        return Format::General;
    };
    if !equal_width {
        return Format::Fixed { prec: prec as u64, width: None };
    }
    let first_prec = first.precision.unwrap_or(0);
    let mut first_width = first.width + (prec - first_prec);
    let mut last_width = last.width + (prec - last_prec);
    if last_prec != 0 && prec == 0 {
        last_width -= 1;
    }
    if last_prec == 0 && prec != 0 {
        last_width += 1;
    }
    if first_prec == 0 && prec != 0 {
        first_width += 1;
    }
    let w = first_width.max(last_width);
    if (0..=i32::MAX as i128).contains(&w) {
        Format::Fixed { prec: prec as u64, width: Some(w as u64) }
    } else {
        Format::General
    }
}

/// `v` zero-padded to `w` (after its sign), the padding as a run.
fn pad_zero(v: String, w: u64) -> Pieces {
    let mut p = Pieces::new();
    let len = v.len() as u64;
    if len >= w {
        p.text(v.as_bytes());
        return p;
    }
    match v.strip_prefix('-') {
        Some(rest) => {
            p.text(b"-");
            p.run(b'0', w - len);
            p.text(rest.as_bytes());
        }
        None => {
            p.run(b'0', w - len);
            p.text(v.as_bytes());
        }
    }
    p
}
