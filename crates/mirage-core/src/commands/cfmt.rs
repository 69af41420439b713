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
/// index of the conversion character. Widths and precisions are capped at 2^20 (awk's
/// `printf`); `printf` itself uses [`parse_spec_exact`].
pub fn parse_spec(f: &[u8], i: usize) -> (Spec, usize, bool, bool) {
    let (mut s, i, star_w, star_p, _) = parse_spec_exact(f, i);
    s.width = s.width.filter(|w| *w != usize::MAX).map(|w| w.min(1 << 20));
    s.prec = s.prec.map(|p| if p == usize::MAX { 0 } else { p.min(1 << 20) });
    (s, i, star_w, star_p)
}

/// The largest width or precision the C library accepts.
pub const INT_MAX: usize = i32::MAX as usize;

/// [`parse_spec`] with widths and precisions as written (`usize::MAX` when they do not
/// fit), and whether one is above `INT_MAX` (C's `printf` then fails with `EOVERFLOW` and
/// prints nothing for the conversion).
pub fn parse_spec_exact(f: &[u8], mut i: usize) -> (Spec, usize, bool, bool, bool) {
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
    let number = |f: &[u8], i: &mut usize| -> usize {
        let mut v: usize = 0;
        while *i < f.len() && f[*i].is_ascii_digit() {
            v = v.saturating_mul(10).saturating_add((f[*i] - b'0') as usize);
            *i += 1;
        }
        v
    };
    let mut star_w = false;
    let mut star_p = false;
    let mut too_large = false;
    if i < f.len() && f[i] == b'*' {
        star_w = true;
        i += 1;
    } else if i < f.len() && f[i].is_ascii_digit() {
        let w = number(f, &mut i);
        too_large |= w > INT_MAX;
        s.width = Some(w);
    }
    if i < f.len() && f[i] == b'.' {
        i += 1;
        if i < f.len() && f[i] == b'*' {
            star_p = true;
            i += 1;
        } else {
            let p = number(f, &mut i);
            too_large |= p > INT_MAX;
            s.prec = Some(p);
        }
    }
    // Length modifiers are accepted and ignored.
    while i < f.len() && matches!(f[i], b'h' | b'l' | b'L' | b'j' | b'z' | b't') {
        i += 1;
    }
    (s, i, star_w, star_p, too_large)
}

/// Output of a conversion: text, with runs of one byte (padding, zeros of a precision) kept
/// as counts, so a width or precision from input (up to `INT_MAX`, as bash and GNU allow)
/// never becomes one allocation. Written through `textutil::Out::put_pieces`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(Vec<u8>),
    Run(u8, u64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pieces {
    pub parts: Vec<Piece>,
}

/// Runs up to this long are kept as text.
const SHORT_RUN: u64 = 64;

impl Pieces {
    pub fn new() -> Pieces {
        Pieces::default()
    }
    pub fn from_text(b: &[u8]) -> Pieces {
        let mut p = Pieces::new();
        p.text(b);
        p
    }
    /// Total length in bytes.
    pub fn len(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.len() as u64,
                Piece::Run(_, n) => *n,
            })
            .fold(0u64, |a, b| a.saturating_add(b))
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn text(&mut self, b: &[u8]) {
        if b.is_empty() {
            return;
        }
        if let Some(Piece::Text(t)) = self.parts.last_mut() {
            t.extend_from_slice(b);
        } else {
            self.parts.push(Piece::Text(b.to_vec()));
        }
    }
    pub fn run(&mut self, byte: u8, n: u64) {
        if n == 0 {
            return;
        }
        if n <= SHORT_RUN {
            self.text(&vec![byte; n as usize]);
        } else {
            self.parts.push(Piece::Run(byte, n));
        }
    }
    pub fn append(&mut self, other: Pieces) {
        for p in other.parts {
            match p {
                Piece::Text(t) => self.text(&t),
                Piece::Run(b, n) => self.run(b, n),
            }
        }
    }
    /// Whether the first byte is `b`.
    pub fn starts_with(&self, b: u8) -> bool {
        match self.parts.first() {
            Some(Piece::Text(t)) => t.first() == Some(&b),
            Some(Piece::Run(c, n)) => *n > 0 && *c == b,
            None => false,
        }
    }
    /// All of it in memory: for callers whose widths are already bounded (awk's are capped
    /// by `parse_spec`).
    pub fn into_bytes(self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in self.parts {
            match p {
                Piece::Text(t) => out.extend_from_slice(&t),
                Piece::Run(b, n) => out.resize(out.len() + n as usize, b),
            }
        }
        out
    }
    pub fn into_string(self) -> String {
        String::from_utf8_lossy(&self.into_bytes()).into_owned()
    }
}

/// `sign body` padded to the width: spaces on the left (or right with `-`), or zeros after
/// the sign when `0` applies.
pub fn pad_pieces(spec: &Spec, sign: &[u8], body: Pieces, zero_ok: bool) -> Pieces {
    let len = (sign.len() as u64).saturating_add(body.len());
    let w = spec.width.unwrap_or(0) as u64;
    let mut out = Pieces::new();
    if len >= w {
        out.text(sign);
        out.append(body);
        return out;
    }
    let fill = w - len;
    if spec.minus {
        out.text(sign);
        out.append(body);
        out.run(b' ', fill);
    } else if spec.zero && zero_ok {
        out.text(sign);
        out.run(b'0', fill);
        out.append(body);
    } else {
        out.run(b' ', fill);
        out.text(sign);
        out.append(body);
    }
    out
}

pub fn pad_bytes(spec: &Spec, body: &[u8]) -> Vec<u8> {
    pad_pieces(&Spec { zero: false, ..spec.clone() }, b"", Pieces::from_text(body), false).into_bytes()
}

/// `%s` with precision and width (bytes, as in the C locale).
pub fn fmt_str(spec: &Spec, s: &[u8]) -> Vec<u8> {
    fmt_str_pieces(spec, s).into_bytes()
}

pub fn fmt_str_pieces(spec: &Spec, s: &[u8]) -> Pieces {
    let s = match spec.prec {
        Some(p) if p < s.len() => &s[..p],
        _ => s,
    };
    pad_pieces(spec, b"", Pieces::from_text(s), false)
}

/// `%d`/`%i`.
pub fn fmt_signed(spec: &Spec, v: i128) -> String {
    fmt_signed_pieces(spec, v).into_string()
}

pub fn fmt_signed_pieces(spec: &Spec, v: i128) -> Pieces {
    let sign: &[u8] = if v < 0 {
        b"-"
    } else if spec.plus {
        b"+"
    } else if spec.space {
        b" "
    } else {
        b""
    };
    let mut digits = v.unsigned_abs().to_string();
    let mut body = Pieces::new();
    if let Some(p) = spec.prec {
        if p == 0 && v == 0 {
            digits.clear();
        }
        body.run(b'0', (p as u64).saturating_sub(digits.len() as u64));
    }
    body.text(digits.as_bytes());
    pad_pieces(spec, sign, body, spec.prec.is_none())
}

/// `%u %o %x %X` of a value already reduced to 64 bits.
pub fn fmt_unsigned(spec: &Spec, v: u64) -> String {
    fmt_unsigned_pieces(spec, v).into_string()
}

pub fn fmt_unsigned_pieces(spec: &Spec, v: u64) -> Pieces {
    let mut digits = match spec.conv {
        'o' => format!("{v:o}"),
        'x' => format!("{v:x}"),
        'X' => format!("{v:X}"),
        _ => v.to_string(),
    };
    let mut zeros = 0u64;
    if let Some(p) = spec.prec {
        if p == 0 && v == 0 {
            digits.clear();
        }
        zeros = (p as u64).saturating_sub(digits.len() as u64);
    }
    let mut prefix: &[u8] = b"";
    if spec.alt {
        match spec.conv {
            'o' if zeros == 0 && !digits.starts_with('0') => digits.insert(0, '0'),
            'x' if v != 0 => prefix = b"0x",
            'X' if v != 0 => prefix = b"0X",
            _ => {}
        }
    }
    let mut body = Pieces::new();
    body.run(b'0', zeros);
    body.text(digits.as_bytes());
    pad_pieces(spec, prefix, body, spec.prec.is_none())
}

/// Digits past this many in a fraction are zeros for every `f64` (its exact decimal
/// expansion has at most 1074 of them, and at most 767 significant digits): a larger
/// precision is formatted with this one and the rest added as a run of zeros.
pub const EXACT_DIGITS: u64 = 1100;

/// `%e` body of a finite non-negative value, as (mantissa, `e+NN`).
fn exp_parts(v: f64, prec: usize, upper: bool) -> (String, String) {
    let s = format!("{:.*e}", prec, v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    let es = if e < 0 { format!("-{:02}", -e) } else { format!("+{e:02}") };
    let (m, e) = (mant.to_string(), format!("e{es}"));
    if upper {
        (m.to_uppercase(), e.to_uppercase())
    } else {
        (m, e)
    }
}

fn strip_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The body of `%f %e %g` (lower-case `conv`) of a finite non-negative value with any
/// precision.
pub fn float_body(a: f64, conv: char, prec: u64, alt: bool, upper: bool) -> Pieces {
    let mut out = Pieces::new();
    match conv {
        'f' => {
            let cp = prec.min(EXACT_DIGITS);
            out.text(format!("{:.*}", cp as usize, a).as_bytes());
            out.run(b'0', prec - cp);
            if alt && prec == 0 {
                out.text(b".");
            }
        }
        'e' => {
            let cp = prec.min(EXACT_DIGITS);
            let (m, e) = exp_parts(a, cp as usize, upper);
            out.text(m.as_bytes());
            out.run(b'0', prec - cp);
            if alt && prec == 0 {
                out.text(b".");
            }
            out.text(e.as_bytes());
        }
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            let x: i64 = if a == 0.0 {
                0
            } else {
                let s = format!("{:.*e}", (p - 1).min(EXACT_DIGITS) as usize, a);
                s.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0)
            };
            if x < -4 || x >= p as i64 {
                let q = p - 1;
                let cp = q.min(EXACT_DIGITS);
                let (m, e) = exp_parts(a, cp as usize, upper);
                if alt {
                    out.text(m.as_bytes());
                    out.run(b'0', q - cp);
                    if q == 0 {
                        out.text(b".");
                    }
                } else {
                    out.text(strip_zeros(&m).as_bytes());
                }
                out.text(e.as_bytes());
            } else {
                let q = (p as i64 - 1 - x).max(0) as u64;
                let cp = q.min(EXACT_DIGITS);
                let b = format!("{:.*}", cp as usize, a);
                if alt {
                    out.text(b.as_bytes());
                    out.run(b'0', q - cp);
                    if q == 0 {
                        out.text(b".");
                    }
                } else {
                    out.text(strip_zeros(&b).as_bytes());
                }
            }
        }
    }
    out
}

/// `%e %E %f %F %g %G`.
pub fn fmt_float(spec: &Spec, v: f64) -> String {
    fmt_float_pieces(spec, v).into_string()
}

pub fn fmt_float_pieces(spec: &Spec, v: f64) -> Pieces {
    let neg = v.is_sign_negative() && !(v == 0.0 && !v.is_sign_negative());
    let sign: &[u8] = if neg && !v.is_nan() {
        b"-"
    } else if spec.plus {
        b"+"
    } else if spec.space {
        b" "
    } else {
        b""
    };
    let a = v.abs();
    let upper = spec.conv.is_ascii_uppercase();
    if !a.is_finite() {
        let body = if a.is_nan() { "nan" } else { "inf" };
        let body = if upper { body.to_uppercase() } else { body.to_string() };
        return pad_pieces(spec, sign, Pieces::from_text(body.as_bytes()), false);
    }
    let prec = spec.prec.unwrap_or(6) as u64;
    let body = float_body(a, spec.conv.to_ascii_lowercase(), prec, spec.alt, upper);
    pad_pieces(spec, sign, body, true)
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
