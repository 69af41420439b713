//! C `printf` conversions (`%d %i %u %o %x %X %e %E %f %F %g %G %c %s`, flags `-+ 0#`,
//! width, precision), shared by `printf` and `awk`.

#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub minus: bool,
    pub plus: bool,
    pub space: bool,
    pub zero: bool,
    pub alt: bool,
    pub width: Option<usize>,
    pub prec: Option<usize>,
    pub conv: char,
}

impl Spec {
    /// Set the width from a `*` argument (negative means left-justify).
    pub fn star_width(&mut self, w: i64) {
        if w < 0 {
            self.minus = true;
        }
        self.width = Some(w.unsigned_abs().min(1 << 20) as usize);
    }
    pub fn star_prec(&mut self, p: i64) {
        self.prec = if p < 0 { None } else { Some((p as usize).min(1 << 20)) };
    }
}

/// Parse flags, width and precision after a `%` in `f[i..]`; `*` fields are returned as
/// `None` markers in `stars` (width, precision). Returns the spec (conv unset) and the
/// index of the conversion character.
pub fn parse_spec(f: &[u8], mut i: usize) -> (Spec, usize, bool, bool) {
    let mut s = Spec::default();
    while i < f.len() {
        match f[i] {
            b'-' => s.minus = true,
            b'+' => s.plus = true,
            b' ' => s.space = true,
            b'0' => s.zero = true,
            b'#' => s.alt = true,
            b'\'' => {}
            _ => break,
        }
        i += 1;
    }
    let mut star_w = false;
    let mut star_p = false;
    if i < f.len() && f[i] == b'*' {
        star_w = true;
        i += 1;
    } else {
        let st = i;
        while i < f.len() && f[i].is_ascii_digit() {
            i += 1;
        }
        if i > st {
            s.width = std::str::from_utf8(&f[st..i]).ok().and_then(|x| x.parse().ok()).map(|w: usize| w.min(1 << 20));
        }
    }
    if i < f.len() && f[i] == b'.' {
        i += 1;
        if i < f.len() && f[i] == b'*' {
            star_p = true;
            i += 1;
        } else {
            let st = i;
            while i < f.len() && f[i].is_ascii_digit() {
                i += 1;
            }
            s.prec = Some(std::str::from_utf8(&f[st..i]).ok().and_then(|x| x.parse().ok()).unwrap_or(0).min(1 << 20));
        }
    }
    // Length modifiers are accepted and ignored.
    while i < f.len() && matches!(f[i], b'h' | b'l' | b'L' | b'j' | b'z' | b't') {
        i += 1;
    }
    (s, i, star_w, star_p)
}

fn pad(spec: &Spec, sign: &str, body: &str, zero_ok: bool) -> String {
    let len = sign.len() + body.chars().count();
    let w = spec.width.unwrap_or(0);
    if len >= w {
        return format!("{sign}{body}");
    }
    let fill = w - len;
    if spec.minus {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if spec.zero && zero_ok {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    }
}

pub fn pad_bytes(spec: &Spec, body: &[u8]) -> Vec<u8> {
    let w = spec.width.unwrap_or(0);
    if body.len() >= w {
        return body.to_vec();
    }
    let fill = vec![b' '; w - body.len()];
    if spec.minus {
        [body, &fill].concat()
    } else {
        [&fill[..], body].concat()
    }
}

/// `%s` with precision and width (bytes, as in the C locale).
pub fn fmt_str(spec: &Spec, s: &[u8]) -> Vec<u8> {
    let s = match spec.prec {
        Some(p) if p < s.len() => &s[..p],
        _ => s,
    };
    pad_bytes(spec, s)
}

/// `%d`/`%i`.
pub fn fmt_signed(spec: &Spec, v: i128) -> String {
    let sign = if v < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let mut digits = v.unsigned_abs().to_string();
    if let Some(p) = spec.prec {
        if p == 0 && v == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    pad(spec, sign, &digits, spec.prec.is_none())
}

/// `%u %o %x %X` of a value already reduced to 64 bits.
pub fn fmt_unsigned(spec: &Spec, v: u64) -> String {
    let mut digits = match spec.conv {
        'o' => format!("{v:o}"),
        'x' => format!("{v:x}"),
        'X' => format!("{v:X}"),
        _ => v.to_string(),
    };
    if let Some(p) = spec.prec {
        if p == 0 && v == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let mut prefix = "";
    if spec.alt {
        match spec.conv {
            'o' if !digits.starts_with('0') => digits.insert(0, '0'),
            'x' if v != 0 => prefix = "0x",
            'X' if v != 0 => prefix = "0X",
            _ => {}
        }
    }
    pad(spec, prefix, &digits, spec.prec.is_none())
}

/// `%e` body of a finite non-negative value.
fn exp_body(v: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    let es = if e < 0 { format!("-{:02}", -e) } else { format!("+{e:02}") };
    let r = format!("{mant}e{es}");
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

fn strip_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    let (m, e) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{m}{e}")
}

/// `%e %E %f %F %g %G`.
pub fn fmt_float(spec: &Spec, v: f64) -> String {
    let neg = v.is_sign_negative() && !(v == 0.0 && !v.is_sign_negative());
    let sign = if neg && !v.is_nan() {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let a = v.abs();
    let upper = spec.conv.is_ascii_uppercase();
    if !a.is_finite() {
        let body = if a.is_nan() { "nan" } else { "inf" };
        let body = if upper { body.to_uppercase() } else { body.to_string() };
        return pad(spec, sign, &body, false);
    }
    let prec = spec.prec.unwrap_or(6);
    let body = match spec.conv.to_ascii_lowercase() {
        'f' => {
            let mut b = format!("{:.*}", prec, a);
            if spec.alt && prec == 0 {
                b.push('.');
            }
            b
        }
        'e' => exp_body(a, prec, upper),
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            let x: i32 = if a == 0.0 {
                0
            } else {
                let s = format!("{:.*e}", p - 1, a);
                s.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0)
            };
            let b = if x < -4 || x >= p as i32 {
                exp_body(a, p - 1, upper)
            } else {
                format!("{:.*}", (p as i32 - 1 - x).max(0) as usize, a)
            };
            if spec.alt {
                b
            } else {
                strip_zeros(&b)
            }
        }
    };
    pad(spec, sign, &body, true)
}

/// `%c` of a string argument: its first byte.
pub fn fmt_char(spec: &Spec, s: &[u8]) -> Vec<u8> {
    pad_bytes(spec, &s[..s.len().min(1)])
}

/// Expand the escape at `s[i] == '\\'`; returns the new index and whether `\c` was seen.
pub fn expand_escape(s: &[u8], i: usize, in_b: bool, out: &mut Vec<u8>) -> (usize, bool) {
    let Some(&c) = s.get(i + 1) else {
        out.push(b'\\');
        return (i + 1, false);
    };
    let simple = match c {
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'a' => Some(7),
        b'b' => Some(8),
        b'f' => Some(12),
        b'v' => Some(11),
        b'e' | b'E' => Some(27),
        b'\\' => Some(b'\\'),
        b'"' if !in_b => Some(b'"'),
        b'\'' if !in_b => Some(b'\''),
        b'?' if !in_b => Some(b'?'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return (i + 2, false);
    }
    match c {
        b'c' if in_b => (i + 2, true),
        b'0'..=b'7' => {
            // %b: \0NNN (up to 3 digits after the 0) or \NNN; format: \NNN.
            let mut j = i + 1;
            let max = if in_b && c == b'0' { 4 } else { 3 };
            let mut v: u32 = 0;
            let st = j;
            while j < s.len() && j - st < max && (b'0'..=b'7').contains(&s[j]) {
                v = v * 8 + (s[j] - b'0') as u32;
                j += 1;
            }
            out.push((v & 0xff) as u8);
            (j, false)
        }
        b'x' => {
            let mut j = i + 2;
            let mut v: u32 = 0;
            while j < s.len() && j - (i + 2) < 2 && s[j].is_ascii_hexdigit() {
                v = v * 16 + (s[j] as char).to_digit(16).unwrap_or(0);
                j += 1;
            }
            if j == i + 2 {
                out.extend_from_slice(b"\\x");
                return (j, false);
            }
            out.push(v as u8);
            (j, false)
        }
        b'u' | b'U' => {
            let max = if c == b'u' { 4 } else { 8 };
            let mut j = i + 2;
            let mut v: u32 = 0;
            while j < s.len() && j - (i + 2) < max && s[j].is_ascii_hexdigit() {
                v = v * 16 + (s[j] as char).to_digit(16).unwrap_or(0);
                j += 1;
            }
            if j == i + 2 {
                out.push(b'\\');
                out.push(c);
                return (j, false);
            }
            let ch = char::from_u32(v).unwrap_or('\u{fffd}');
            let mut b = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
            (j, false)
        }
        _ => {
            out.push(b'\\');
            out.push(c);
            (i + 2, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(f: &str) -> Spec {
        let (mut s, i, _, _) = parse_spec(f.as_bytes(), 0);
        s.conv = f.as_bytes()[i] as char;
        s
    }

    #[test]
    fn like_c() {
        assert_eq!(fmt_float(&sp("5.2f"), 1.256), " 1.26");
        assert_eq!(fmt_float(&sp("e"), 12345.678), "1.234568e+04");
        assert_eq!(fmt_float(&sp("g"), 0.0001234), "0.0001234");
        assert_eq!(fmt_float(&sp("g"), 123456789.0), "1.23457e+08");
        assert_eq!(fmt_float(&sp("g"), 100.0), "100");
        assert_eq!(fmt_float(&sp("10.3e"), -1.5), "-1.500e+00");
        assert_eq!(fmt_float(&sp("G"), 1e-10), "1E-10");
        assert_eq!(fmt_float(&sp(".0f"), 2.5), "2");
        assert_eq!(fmt_unsigned(&sp("#x"), 255), "0xff");
        assert_eq!(fmt_unsigned(&sp("#o"), 8), "010");
        assert_eq!(fmt_signed(&sp("05d"), -42), "-0042");
        assert_eq!(fmt_signed(&sp(".3d"), 7), "007");
        assert_eq!(fmt_signed(&sp("+d"), 5), "+5");
    }
}
