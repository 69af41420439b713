//! `printf`: bash's builtin. The format is reused while arguments remain; `%b`, `%q`,
//! `%c`, `%s`, `%d %i %u %o %x %X`, `%e %f %g` (and upper-case forms), `%%`, flags,
//! widths and precisions (also `*`), backslash escapes in the format.

use super::cfmt::{self, Spec};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::limits;
use crate::shell::io::{BrokenPipe, Output};

pub async fn run(ctx: Ctx) -> i32 {
    let mut args: &[String] = &ctx.args;
    if args.first().map(|s| s.as_str()) == Some("--") {
        args = &args[1..];
    }
    if args.first().is_some_and(|a| a == "-v") || args.is_empty() {
        if args.first().is_some_and(|a| a == "-v") && args.len() >= 3 {
            let _ = ctx.stderr.write_str("bash: line 1: printf: -v: not supported here\n").await;
            return 2;
        }
        let _ = ctx.stderr.write_str("printf: usage: printf [-v var] format [arguments]\n").await;
        return 2;
    }
    if let Some(a) = args.first() {
        if a.len() > 1 && a.starts_with('-') && a != "-" {
            let c = a.chars().nth(1).unwrap_or('-');
            let _ = ctx
                .stderr
                .write_str(&format!("bash: line 1: printf: {}: invalid option\nprintf: usage: printf [-v var] format [arguments]\n", &a[..1 + c.len_utf8()]))
                .await;
            return 2;
        }
    }
    let format = args[0].as_bytes();
    let rest: Vec<&[u8]> = args[1..].iter().map(|s| s.as_bytes()).collect();
    let mut f = Formatter { args: rest, next: 0, errors: Vec::new(), status: 0 };
    let mut out = Out::new(&ctx.stdout);
    let mut ticker = limits::Ticker::new();
    loop {
        let before = f.next;
        let stop = match f.once(format, &mut out, &ctx.stderr).await {
            Ok(stop) => stop,
            Err(_) => return EXIT_PIPE,
        };
        f.report(&ctx.stderr).await;
        if stop || f.next >= f.args.len() || f.next == before {
            break;
        }
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    f.status
}

struct Formatter<'a> {
    args: Vec<&'a [u8]>,
    next: usize,
    errors: Vec<String>,
    status: i32,
}

impl<'a> Formatter<'a> {
    /// Warnings and errors as they happen, as bash prints them.
    async fn report(&mut self, err: &Output) {
        for e in self.errors.drain(..) {
            let _ = err.write_str(&format!("bash: line 1: printf: {e}\n")).await;
        }
    }

    fn take(&mut self) -> Option<&'a [u8]> {
        let a = self.args.get(self.next).copied();
        if a.is_some() {
            self.next += 1;
        }
        a
    }

    /// bash's `getintmax`: a bad number is an error (status 1), one out of range a warning.
    fn int_arg(&mut self) -> i128 {
        match self.take() {
            None => 0,
            Some(a) => {
                let (v, ok, range) = parse_int(a);
                if !ok {
                    self.errors.push(format!("{}: invalid number", String::from_utf8_lossy(a)));
                    self.status = 1;
                } else if range {
                    self.errors.push(format!("warning: {}: Numerical result out of range", String::from_utf8_lossy(a)));
                }
                v
            }
        }
    }

    /// bash's `getint` for a `*` width or precision: out of `int`'s range it is clamped,
    /// with a warning that names the argument after it (a quirk of bash: none when it was
    /// the last, and then the value is truncated to `int` instead).
    fn star_arg(&mut self) -> i64 {
        let v = self.int_arg() as i64;
        let Some(next) = self.args.get(self.next) else {
            return v as i32 as i64;
        };
        if v > i32::MAX as i64 || v < i32::MIN as i64 {
            self.errors.push(format!("warning: {}: Numerical result out of range", String::from_utf8_lossy(next)));
            return v.clamp(i32::MIN as i64, i32::MAX as i64);
        }
        v
    }

    fn float_arg(&mut self) -> f64 {
        match self.take() {
            None => 0.0,
            Some(a) => {
                let (v, ok) = parse_float(a);
                if !ok {
                    self.errors.push(format!("{}: invalid number", String::from_utf8_lossy(a)));
                    self.status = 1;
                }
                v
            }
        }
    }

    /// One pass over the format; true when output must stop (`\c`, bad conversion).
    async fn once(&mut self, f: &[u8], out: &mut Out<'_>, err: &Output) -> Result<bool, BrokenPipe> {
        let mut i = 0;
        while i < f.len() {
            let c = f[i];
            if c == b'\\' {
                let (ni, stop) = cfmt::expand_escape(f, i, false, out.buf());
                if stop {
                    return Ok(true);
                }
                i = ni;
                out.maybe_flush().await?;
                continue;
            }
            if c != b'%' {
                out.buf().push(c);
                i += 1;
                out.maybe_flush().await?;
                continue;
            }
            if f.get(i + 1) == Some(&b'%') {
                out.buf().push(b'%');
                i += 2;
                continue;
            }
            let (mut spec, ci, star_w, star_p, mut too_large) = cfmt::parse_spec_exact(f, i + 1);
            if too_large && matches!(f.get(ci), Some(b'b') | Some(b'q')) {
                // bash formats these itself, clamping at INT_MAX.
                spec.width = spec.width.map(|w| w.min(cfmt::INT_MAX));
                spec.prec = spec.prec.map(|p| p.min(cfmt::INT_MAX));
                too_large = false;
            }
            if star_w {
                let w = self.star_arg();
                if w < 0 {
                    spec.minus = true;
                }
                spec.width = Some(w.unsigned_abs() as usize);
            }
            if star_p {
                let p = self.star_arg();
                spec.prec = if p < 0 { None } else { Some(p as usize) };
            }
            let Some(&conv) = f.get(ci) else {
                self.errors.push("`%': missing format character".into());
                self.status = 1;
                return Ok(true);
            };
            spec.conv = conv as char;
            i = ci + 1;
            let piece = match conv {
                b's' => {
                    let a = self.take().unwrap_or(b"");
                    cfmt::fmt_str_pieces(&spec, a)
                }
                b'b' => {
                    let a = self.take().unwrap_or(b"");
                    let mut body = Vec::new();
                    let mut j = 0;
                    let mut stop = false;
                    while j < a.len() {
                        if a[j] == b'\\' {
                            let (nj, s) = cfmt::expand_escape(a, j, true, &mut body);
                            j = nj;
                            if s {
                                stop = true;
                                break;
                            }
                        } else {
                            body.push(a[j]);
                            j += 1;
                        }
                    }
                    self.report(err).await;
                    if !too_large {
                        out.put_pieces(&cfmt::fmt_str_pieces(&spec, &body)).await?;
                    }
                    if stop {
                        return Ok(true);
                    }
                    continue;
                }
                b'q' => {
                    let a = self.take().unwrap_or(b"");
                    let q = shell_quote(a);
                    cfmt::fmt_str_pieces(&Spec { prec: None, ..spec }, &q)
                }
                b'c' => {
                    let a = self.take().unwrap_or(b"");
                    cfmt::fmt_str_pieces(&Spec { prec: None, ..spec }, &a[..a.len().min(1)])
                }
                b'd' | b'i' => {
                    let v = self.int_arg();
                    cfmt::fmt_signed_pieces(&spec, v)
                }
                b'u' | b'o' | b'x' | b'X' => {
                    let v = self.int_arg();
                    cfmt::fmt_unsigned_pieces(&spec, v as i64 as u64)
                }
                b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' => {
                    if conv == b'a' || conv == b'A' {
                        spec.conv = if conv == b'a' { 'e' } else { 'E' };
                    }
                    let v = self.float_arg();
                    cfmt::fmt_float_pieces(&spec, v)
                }
                _ => {
                    self.errors.push(format!("`{}': invalid format character", conv as char));
                    self.status = 1;
                    return Ok(true);
                }
            };
            self.report(err).await;
            // A width or precision past INT_MAX: the C library prints nothing (EOVERFLOW).
            if !too_large {
                out.put_pieces(&piece).await?;
            }
        }
        Ok(false)
    }
}

/// strtoimax-like: leading blanks, sign, `0x`, leading-0 octal, `'c` for a character code.
/// Returns (value, fully valid, out of range).
pub fn parse_int(a: &[u8]) -> (i128, bool, bool) {
    if let Some(&q) = a.first() {
        if q == b'\'' || q == b'"' {
            let s = String::from_utf8_lossy(&a[1..]);
            return (s.chars().next().map(|c| c as i128).unwrap_or(0), true, false);
        }
    }
    let s = std::str::from_utf8(a).unwrap_or("");
    let t = s.trim_start_matches([' ', '\t', '\n']);
    if t.is_empty() {
        return (0, s.is_empty() || a.is_empty(), false);
    }
    let (neg, t) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    let mut v: i128 = 0;
    let mut range = false;
    for ch in digits[..end].chars() {
        v = v * radix as i128 + ch.to_digit(radix).unwrap_or(0) as i128;
        if v > i64::MAX as i128 + 1 {
            range = true;
            v = i64::MAX as i128 + 1;
        }
    }
    let ok = end == digits.len() && (end > 0 || radix == 8);
    let mut v = if neg { -v } else { v };
    if v > i64::MAX as i128 {
        v = i64::MAX as i128;
        range = true;
    }
    (v, ok, range)
}

/// strtold-like; returns (value, fully valid).
pub fn parse_float(a: &[u8]) -> (f64, bool) {
    if let Some(&q) = a.first() {
        if q == b'\'' || q == b'"' {
            let s = String::from_utf8_lossy(&a[1..]);
            return (s.chars().next().map(|c| c as u32 as f64).unwrap_or(0.0), true);
        }
    }
    let s = std::str::from_utf8(a).unwrap_or("").trim_start();
    if s.is_empty() {
        return (0.0, a.is_empty());
    }
    let (v, n) = float_prefix(s);
    if n == 0 {
        let (iv, ok, _) = parse_int(a);
        return (iv as f64, ok);
    }
    if n < s.len() && (s.starts_with("0x") || s.starts_with("0X")) {
        let (iv, ok, _) = parse_int(a);
        return (iv as f64, ok);
    }
    (v, n == s.len())
}

/// The longest prefix of `s` that is a float, `inf`/`nan` included; (value, length).
pub fn float_prefix(s: &str) -> (f64, usize) {
    let b = s.as_bytes();
    let sign = usize::from(b.first().is_some_and(|c| *c == b'+' || *c == b'-'));
    let lower = s[sign..].to_ascii_lowercase();
    for w in ["infinity", "inf", "nan"] {
        if lower.starts_with(w) {
            let v: f64 = if w == "nan" { f64::NAN } else { f64::INFINITY };
            let v = if b.first() == Some(&b'-') { -v } else { v };
            return (v, sign + w.len());
        }
    }
    decimal_prefix(s)
}

/// The longest prefix of `s` that is a decimal number (sign, digits, fraction, exponent; no
/// `inf`/`nan`, no hex); (value, length), (0, 0) when there is none.
pub fn decimal_prefix(s: &str) -> (f64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let st = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i == st || (i == st + 1 && b[st] == b'.') {
        return (0.0, 0);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let ds = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > ds {
            i = j;
        }
    }
    (s[..i].parse().unwrap_or(0.0), i)
}

/// bash's `printf %q`.
pub fn shell_quote(a: &[u8]) -> Vec<u8> {
    if a.is_empty() {
        return b"''".to_vec();
    }
    let needs_ansi = a.iter().any(|&b| b < 0x20 || b == 0x7f);
    if needs_ansi {
        let mut o = b"$'".to_vec();
        for &b in a {
            match b {
                b'\n' => o.extend_from_slice(b"\\n"),
                b'\t' => o.extend_from_slice(b"\\t"),
                b'\r' => o.extend_from_slice(b"\\r"),
                7 => o.extend_from_slice(b"\\a"),
                8 => o.extend_from_slice(b"\\b"),
                12 => o.extend_from_slice(b"\\f"),
                11 => o.extend_from_slice(b"\\v"),
                27 => o.extend_from_slice(b"\\E"),
                b'\'' => o.extend_from_slice(b"\\'"),
                b'\\' => o.extend_from_slice(b"\\\\"),
                b if b < 0x20 || b == 0x7f => o.extend_from_slice(format!("\\{b:03o}").as_bytes()),
                b => o.push(b),
            }
        }
        o.push(b'\'');
        return o;
    }
    let mut o = Vec::new();
    for (k, &b) in a.iter().enumerate() {
        let special = matches!(
            b,
            b' ' | b'\'' | b'"' | b'\\' | b'|' | b'&' | b';' | b'(' | b')' | b'<' | b'>' | b'$' | b'`' | b'*' | b'?' | b'[' | b']' | b'!' | b'{' | b'}' | b',' | b'^'
        ) || (b == b'~' && k == 0)
            || (b == b'#' && k == 0);
        if special {
            o.push(b'\\');
        }
        o.push(b);
    }
    o
}
