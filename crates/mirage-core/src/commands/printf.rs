//! `printf`: bash's builtin. The format is reused while arguments remain; `%b`, `%q`,
//! `%c`, `%s`, `%d %i %u %o %x %X`, `%e %f %g` (and upper-case forms), `%%`, flags,
//! widths and precisions (also `*`), backslash escapes in the format.

use super::cfmt::{self, Spec};
use super::{Ctx, EXIT_PIPE};

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
    let mut out = Vec::new();
    loop {
        let before = f.next;
        let stop = f.once(format, &mut out);
        if stop || f.next >= f.args.len() || f.next == before {
            break;
        }
    }
    for e in &f.errors {
        let _ = ctx.stderr.write_str(&format!("bash: line 1: printf: {e}\n")).await;
    }
    if ctx.stdout.write(out).await.is_err() {
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
    fn take(&mut self) -> Option<&'a [u8]> {
        let a = self.args.get(self.next).copied();
        if a.is_some() {
            self.next += 1;
        }
        a
    }

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
                    self.status = 1;
                }
                v
            }
        }
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
    fn once(&mut self, f: &[u8], out: &mut Vec<u8>) -> bool {
        let mut i = 0;
        while i < f.len() {
            let c = f[i];
            if c == b'\\' {
                let (ni, stop) = cfmt::expand_escape(f, i, false, out);
                if stop {
                    return true;
                }
                i = ni;
                continue;
            }
            if c != b'%' {
                out.push(c);
                i += 1;
                continue;
            }
            if f.get(i + 1) == Some(&b'%') {
                out.push(b'%');
                i += 2;
                continue;
            }
            let (mut spec, ci, star_w, star_p) = cfmt::parse_spec(f, i + 1);
            if star_w {
                let w = self.int_arg() as i64;
                spec.star_width(w);
            }
            if star_p {
                let p = self.int_arg() as i64;
                spec.star_prec(p);
            }
            let Some(&conv) = f.get(ci) else {
                self.errors.push("`%': missing format character".into());
                self.status = 1;
                return true;
            };
            spec.conv = conv as char;
            i = ci + 1;
            match conv {
                b's' => {
                    let a = self.take().unwrap_or(b"");
                    out.extend_from_slice(&cfmt::fmt_str(&spec, a));
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
                    out.extend_from_slice(&cfmt::fmt_str(&spec, &body));
                    if stop {
                        return true;
                    }
                }
                b'q' => {
                    let a = self.take().unwrap_or(b"");
                    let q = shell_quote(a);
                    out.extend_from_slice(&cfmt::fmt_str(&Spec { prec: None, ..spec }, &q));
                }
                b'c' => {
                    let a = self.take().unwrap_or(b"");
                    out.extend_from_slice(&cfmt::fmt_char(&spec, a));
                }
                b'd' | b'i' => {
                    let v = self.int_arg();
                    out.extend_from_slice(cfmt::fmt_signed(&spec, v).as_bytes());
                }
                b'u' | b'o' | b'x' | b'X' => {
                    let v = self.int_arg();
                    out.extend_from_slice(cfmt::fmt_unsigned(&spec, v as i64 as u64).as_bytes());
                }
                b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' => {
                    if conv == b'a' || conv == b'A' {
                        spec.conv = if conv == b'a' { 'e' } else { 'E' };
                    }
                    let v = self.float_arg();
                    out.extend_from_slice(cfmt::fmt_float(&spec, v).as_bytes());
                }
                _ => {
                    self.errors.push(format!("`{}': invalid format character", conv as char));
                    self.status = 1;
                    return true;
                }
            }
        }
        false
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
