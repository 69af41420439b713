//! `sort`: GNU sort in the C locale (byte order): `-n -g -h -V -M -R -r -f -d -i -b -k -t
//! -u -s -o -c -C -z -m`, keys with per-key options, and GNU's last-resort whole-line
//! comparison (off with `-s` or `-u`). Sorting needs all of the input, so it is read whole.

use std::cmp::Ordering;

use super::args::{self, flag, long_flag, long_value, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('b', "ignore-leading-blanks"),
    flag('d', "dictionary-order"),
    flag('f', "ignore-case"),
    flag('g', "general-numeric-sort"),
    flag('i', "ignore-nonprinting"),
    flag('M', "month-sort"),
    flag('h', "human-numeric-sort"),
    flag('n', "numeric-sort"),
    flag('R', "random-sort"),
    flag('r', "reverse"),
    flag('V', "version-sort"),
    long_value("sort"),
    flag('c', ""),
    long_value("check"),
    flag('C', ""),
    value('k', "key"),
    flag('m', "merge"),
    value('o', "output"),
    flag('s', "stable"),
    value('S', "buffer-size"),
    value('t', "field-separator"),
    value('T', "temporary-directory"),
    flag('u', "unique"),
    flag('z', "zero-terminated"),
    long_value("parallel"),
    long_value("random-source"),
    long_value("batch-size"),
    long_value("compress-program"),
    long_flag("debug"),
    long_value("files0-from"),
];

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct KeyOpts {
    blank_start: bool,
    blank_end: bool,
    dict: bool,
    fold: bool,
    general: bool,
    nonprint: bool,
    month: bool,
    human: bool,
    numeric: bool,
    random: bool,
    reverse: bool,
    version: bool,
}

impl KeyOpts {
    fn any(&self) -> bool {
        *self != KeyOpts::default()
    }
    fn set(&mut self, c: char) -> bool {
        match c {
            'b' => {
                self.blank_start = true;
                self.blank_end = true;
            }
            'd' => self.dict = true,
            'f' => self.fold = true,
            'g' => self.general = true,
            'i' => self.nonprint = true,
            'M' => self.month = true,
            'h' => self.human = true,
            'n' => self.numeric = true,
            'R' => self.random = true,
            'r' => self.reverse = true,
            'V' => self.version = true,
            _ => return false,
        }
        true
    }
}

#[derive(Clone, Debug)]
struct Key {
    sfield: usize,
    schar: usize,
    /// 0 = to the end of the line.
    efield: usize,
    /// 0 = end of the field.
    echar: usize,
    opts: KeyOpts,
}

struct Config {
    keys: Vec<Key>,
    global: KeyOpts,
    sep: Option<u8>,
    stable: bool,
    unique: bool,
    seed: u64,
}

fn parse_key(spec: &str) -> Result<Key, String> {
    let bad = || format!("invalid number at field start: invalid count at start of '{spec}'");
    let (start, end) = match spec.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (spec, None),
    };
    let mut opts = KeyOpts::default();
    let parse_pos = |s: &str, is_end: bool, opts: &mut KeyOpts| -> Result<(usize, usize), String> {
        let num_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        // GNU's parse_field_count: a count too large is SIZE_MAX.
        let count = |d: &str| -> Option<usize> { (!d.is_empty()).then(|| d.parse::<usize>().unwrap_or(usize::MAX)) };
        let field: usize = count(&s[..num_end]).ok_or_else(bad)?;
        let mut rest = &s[num_end..];
        let mut ch = 0usize;
        if let Some(r) = rest.strip_prefix('.') {
            let e = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            ch = count(&r[..e]).ok_or_else(|| format!("invalid number after '.': invalid count at start of '{r}'"))?;
            rest = &r[e..];
            if ch == 0 && !is_end {
                return Err(format!("character offset is zero: invalid field specification '{spec}'"));
            }
        }
        for c in rest.chars() {
            let before = *opts;
            if !opts.set(c) {
                return Err(format!("stray character in field spec: invalid field specification '{spec}'"));
            }
            if c == 'b' {
                // `b` applies to the position it is attached to.
                *opts = before;
                if is_end {
                    opts.blank_end = true;
                } else {
                    opts.blank_start = true;
                }
            }
        }
        if field == 0 {
            return Err(format!("field number is zero: invalid field specification '{spec}'"));
        }
        Ok((field, ch))
    };
    let (sfield, schar) = parse_pos(start, false, &mut opts)?;
    let (efield, echar) = match end {
        Some(e) => parse_pos(e, true, &mut opts)?,
        None => (0, 0),
    };
    Ok(Key { sfield, schar: schar.max(1), efield, echar, opts })
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\n'
}

/// The byte offset where field `f` (1-based) begins.
fn field_start(line: &[u8], f: usize, sep: Option<u8>) -> usize {
    let mut pos = 0;
    for _ in 1..f {
        match sep {
            Some(t) => match memchr::memchr(t, &line[pos..]) {
                Some(i) => pos += i + 1,
                None => return line.len(),
            },
            None => {
                while pos < line.len() && is_blank(line[pos]) {
                    pos += 1;
                }
                while pos < line.len() && !is_blank(line[pos]) {
                    pos += 1;
                }
                if pos >= line.len() {
                    return line.len();
                }
            }
        }
    }
    pos
}

/// The byte offset where field `f` ends (exclusive).
fn field_end(line: &[u8], f: usize, sep: Option<u8>) -> usize {
    let start = field_start(line, f, sep);
    match sep {
        Some(t) => memchr::memchr(t, &line[start..]).map(|i| start + i).unwrap_or(line.len()),
        None => {
            let mut pos = start;
            while pos < line.len() && is_blank(line[pos]) {
                pos += 1;
            }
            while pos < line.len() && !is_blank(line[pos]) {
                pos += 1;
            }
            pos
        }
    }
}

fn key_slice<'a>(line: &'a [u8], k: &Key, sep: Option<u8>) -> &'a [u8] {
    let fs = field_start(line, k.sfield, sep);
    let mut b = fs;
    if k.opts.blank_start {
        while b < line.len() && is_blank(line[b]) {
            b += 1;
        }
    }
    let b = b.saturating_add(k.schar - 1).min(line.len());
    let e = if k.efield == 0 {
        line.len()
    } else if k.echar == 0 {
        field_end(line, k.efield, sep)
    } else {
        let mut s = field_start(line, k.efield, sep);
        if k.opts.blank_end {
            while s < line.len() && is_blank(line[s]) {
                s += 1;
            }
        }
        s.saturating_add(k.echar).min(line.len())
    };
    if e <= b {
        &line[b..b]
    } else {
        &line[b..e]
    }
}

fn skip_blanks(s: &[u8]) -> &[u8] {
    let i = s.iter().position(|&b| !is_blank(b)).unwrap_or(s.len());
    &s[i..]
}

/// GNU's numeric comparison of decimal strings (no thousands separators, `.` decimal point).
fn num_parts(s: &[u8]) -> (bool, &[u8], &[u8]) {
    let s = skip_blanks(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let ie = s.iter().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    let int = &s[..ie];
    let frac = if s.get(ie) == Some(&b'.') {
        let f = &s[ie + 1..];
        let fe = f.iter().position(|b| !b.is_ascii_digit()).unwrap_or(f.len());
        &f[..fe]
    } else {
        &s[ie..ie]
    };
    let int = &int[int.iter().position(|&b| b != b'0').unwrap_or(int.len())..];
    let frac = &frac[..frac.iter().rposition(|&b| b != b'0').map(|i| i + 1).unwrap_or(0)];
    (neg, int, frac)
}

fn cmp_abs(ai: &[u8], af: &[u8], bi: &[u8], bf: &[u8]) -> Ordering {
    ai.len().cmp(&bi.len()).then_with(|| ai.cmp(bi)).then_with(|| af.cmp(bf))
}

fn numeric_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (an, ai, af) = num_parts(a);
    let (bn, bi, bf) = num_parts(b);
    let a_zero = ai.is_empty() && af.is_empty();
    let b_zero = bi.is_empty() && bf.is_empty();
    let an = an && !a_zero;
    let bn = bn && !b_zero;
    match (an, bn) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, false) => cmp_abs(ai, af, bi, bf),
        (true, true) => cmp_abs(bi, bf, ai, af),
    }
}

fn human_order(s: &[u8]) -> (i32, &[u8]) {
    let t = skip_blanks(s);
    let (neg, rest) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    let mut i = rest.iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
    if rest.get(i) == Some(&b'.') {
        i += 1;
        while i < rest.len() && rest[i].is_ascii_digit() {
            i += 1;
        }
    }
    let order = match rest.get(i) {
        Some(b'k') | Some(b'K') => 1,
        Some(b'M') => 2,
        Some(b'G') => 3,
        Some(b'T') => 4,
        Some(b'P') => 5,
        Some(b'E') => 6,
        Some(b'Z') => 7,
        Some(b'Y') => 8,
        Some(b'R') => 9,
        Some(b'Q') => 10,
        _ => 0,
    };
    (if neg { -order } else { order }, t)
}

fn human_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (oa, ta) = human_order(a);
    let (ob, tb) = human_order(b);
    oa.cmp(&ob).then_with(|| numeric_cmp(ta, tb))
}

/// `strtod` on a prefix: `None` when there is no number.
fn parse_float(s: &[u8]) -> Option<f64> {
    let t = skip_blanks(s);
    // Only the start of the key matters (keys may be long: this runs per comparison).
    let lower: Vec<u8> = t.iter().take(9).map(|b| b.to_ascii_lowercase()).collect();
    for (word, v) in [("-infinity", f64::NEG_INFINITY), ("+infinity", f64::INFINITY), ("infinity", f64::INFINITY), ("-inf", f64::NEG_INFINITY), ("+inf", f64::INFINITY), ("inf", f64::INFINITY)] {
        if lower.starts_with(word.as_bytes()) {
            return Some(v);
        }
    }
    if lower.starts_with(b"nan") || lower.starts_with(b"-nan") || lower.starts_with(b"+nan") {
        return Some(f64::NAN);
    }
    // Longest prefix that parses (ASCII: a sign, digits, a point, an exponent).
    let bytes = t;
    let mut end = 0;
    let mut i = 0;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        i += 1;
    }
    let mut digits = false;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits = true;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits = true;
        }
    }
    if !digits {
        return None;
    }
    end = end.max(i);
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        let ds = j;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > ds {
            end = j;
        }
    }
    std::str::from_utf8(&bytes[..end]).ok()?.parse().ok()
}

fn general_cmp(a: &[u8], b: &[u8]) -> Ordering {
    match (parse_float(a), parse_float(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        },
    }
}

fn month(s: &[u8]) -> u8 {
    let t = skip_blanks(s);
    if t.len() < 3 {
        return 0;
    }
    let m = [t[0].to_ascii_uppercase(), t[1].to_ascii_uppercase(), t[2].to_ascii_uppercase()];
    const NAMES: [&[u8; 3]; 12] = [b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC"];
    NAMES.iter().position(|n| **n == m).map(|i| i as u8 + 1).unwrap_or(0)
}

// ---- version sort (gnulib filevercmp) ----

fn ver_order(s: &[u8], pos: usize) -> i32 {
    if pos >= s.len() {
        return -1;
    }
    let c = s[pos];
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        c as i32
    } else if c == b'~' {
        -2
    } else {
        c as i32 + 256
    }
}

fn verrevcmp(s1: &[u8], s2: &[u8]) -> i32 {
    let (mut p1, mut p2) = (0usize, 0usize);
    while p1 < s1.len() || p2 < s2.len() {
        let mut first_diff = 0i32;
        while (p1 < s1.len() && !s1[p1].is_ascii_digit()) || (p2 < s2.len() && !s2[p2].is_ascii_digit()) {
            let c1 = ver_order(s1, p1);
            let c2 = ver_order(s2, p2);
            if c1 != c2 {
                return c1 - c2;
            }
            p1 += 1;
            p2 += 1;
        }
        while p1 < s1.len() && s1[p1] == b'0' {
            p1 += 1;
        }
        while p2 < s2.len() && s2[p2] == b'0' {
            p2 += 1;
        }
        while p1 < s1.len() && p2 < s2.len() && s1[p1].is_ascii_digit() && s2[p2].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = s1[p1] as i32 - s2[p2] as i32;
            }
            p1 += 1;
            p2 += 1;
        }
        if p1 < s1.len() && s1[p1].is_ascii_digit() {
            return 1;
        }
        if p2 < s2.len() && s2[p2].is_ascii_digit() {
            return -1;
        }
        if first_diff != 0 {
            return first_diff;
        }
    }
    0
}

/// Length of `s` without its file suffixes (`(\.[A-Za-z~][A-Za-z0-9~]*)*$`).
fn file_prefixlen(s: &[u8]) -> usize {
    let n = s.len();
    let mut prefixlen = 0;
    let mut i = 0;
    loop {
        if i == n {
            return prefixlen;
        }
        i += 1;
        prefixlen = i;
        while i + 1 < n && s[i] == b'.' && (s[i + 1].is_ascii_alphabetic() || s[i + 1] == b'~') {
            i += 2;
            while i < n && (s[i].is_ascii_alphanumeric() || s[i] == b'~') {
                i += 1;
            }
        }
    }
}

pub fn filevercmp(a: &[u8], b: &[u8]) -> Ordering {
    let r = filevercmp_i(a, b);
    r.cmp(&0)
}

fn filevercmp_i(a: &[u8], b: &[u8]) -> i32 {
    if a.is_empty() {
        return if b.is_empty() { 0 } else { -1 };
    }
    if b.is_empty() {
        return 1;
    }
    if a[0] == b'.' {
        if b[0] != b'.' {
            return -1;
        }
        let adot = a.len() == 1;
        let bdot = b.len() == 1;
        if adot {
            return if bdot { 0 } else { -1 };
        }
        if bdot {
            return 1;
        }
        let adotdot = a[1] == b'.' && a.len() == 2;
        let bdotdot = b[1] == b'.' && b.len() == 2;
        if adotdot {
            return if bdotdot { 0 } else { -1 };
        }
        if bdotdot {
            return 1;
        }
    } else if b[0] == b'.' {
        return 1;
    }
    let ap = file_prefixlen(a);
    let bp = file_prefixlen(b);
    let one_pass = ap == a.len() && bp == b.len();
    let r = verrevcmp(&a[..ap], &b[..bp]);
    if r != 0 || one_pass {
        r
    } else {
        verrevcmp(a, b)
    }
}

fn hash(seed: u64, s: &[u8]) -> u64 {
    // FNV-1a with a per-run seed.
    let mut h = 0xcbf29ce484222325u64 ^ seed;
    for &b in s {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Compare two keys as text with `-f`, `-d`, `-i` translations.
fn text_cmp(a: &[u8], b: &[u8], o: &KeyOpts) -> Ordering {
    if !o.fold && !o.dict && !o.nonprint {
        return a.cmp(b);
    }
    let keep = |c: &u8| {
        let c = *c;
        (!o.dict || c.is_ascii_alphanumeric() || c == b' ' || c == b'\t') && (!o.nonprint || (0x20..0x7f).contains(&c))
    };
    let tr = |c: u8| if o.fold { c.to_ascii_uppercase() } else { c };
    let ia = a.iter().filter(|c| keep(c)).map(|&c| tr(c));
    let ib = b.iter().filter(|c| keep(c)).map(|&c| tr(c));
    ia.cmp(ib)
}

fn compare_key(a: &[u8], b: &[u8], o: &KeyOpts, seed: u64) -> Ordering {
    let (a, b) = if o.blank_start && !(o.numeric || o.general || o.human || o.month) { (skip_blanks(a), skip_blanks(b)) } else { (a, b) };
    let r = if o.numeric {
        numeric_cmp(a, b)
    } else if o.human {
        human_cmp(a, b)
    } else if o.general {
        general_cmp(a, b)
    } else if o.month {
        month(a).cmp(&month(b))
    } else if o.version {
        filevercmp(a, b)
    } else if o.random {
        hash(seed, a).cmp(&hash(seed, b)).then_with(|| text_cmp(a, b, o))
    } else {
        text_cmp(a, b, o)
    };
    if o.reverse {
        r.reverse()
    } else {
        r
    }
}

fn compare(a: &[u8], b: &[u8], c: &Config) -> Ordering {
    if c.keys.is_empty() {
        let r = compare_key(a, b, &c.global, c.seed);
        if r != Ordering::Equal || c.stable || c.unique {
            return r;
        }
    } else {
        for k in &c.keys {
            let ka = key_slice(a, k, c.sep);
            let kb = key_slice(b, k, c.sep);
            let r = compare_key(ka, kb, &k.opts, c.seed);
            if r != Ordering::Equal {
                return r;
            }
        }
        if c.stable || c.unique {
            return Ordering::Equal;
        }
    }
    // The last resort: the whole lines, bytewise (reversed with a global -r).
    let r = a.cmp(b);
    if c.global.reverse {
        r.reverse()
    } else {
        r
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 2).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let mut global = KeyOpts::default();
    let mut keys = Vec::new();
    let mut sep = None;
    let mut check: Option<bool> = None; // Some(quiet)
    let mut output: Option<String> = None;
    for o in &p.opts {
        let v = o.value.as_deref().unwrap_or("");
        match o.key.as_str() {
            k if k.len() == 1 && "bdfgiMhnRrV".contains(k) => {
                global.set(k.chars().next().unwrap_or('x'));
            }
            "sort" => {
                let c = match v {
                    "general-numeric" => 'g',
                    "human-numeric" => 'h',
                    "month" => 'M',
                    "numeric" => 'n',
                    "random" => 'R',
                    "version" => 'V',
                    _ => {
                        return textutil::usage_msg(&ctx, &format!("invalid argument '{v}' for '--sort'"), 2).await;
                    }
                };
                global.set(c);
            }
            "c" => check = Some(false),
            "C" => check = Some(true),
            "check" => check = Some(matches!(v, "quiet" | "silent")),
            "k" => match parse_key(v) {
                Ok(k) => keys.push(k),
                Err(m) => {
                    ctx.err(m).await;
                    return 2;
                }
            },
            "t" => {
                let b = if v == "\\0" { vec![0] } else { v.as_bytes().to_vec() };
                if b.len() != 1 {
                    if b.is_empty() {
                        ctx.err("empty tab").await;
                    } else {
                        ctx.err(format!("multi-character tab '{v}'")).await;
                    }
                    return 2;
                }
                if sep.is_some_and(|s| s != b[0]) {
                    ctx.err("incompatible tabs").await;
                    return 2;
                }
                sep = Some(b[0]);
            }
            "o" => output = Some(v.to_string()),
            _ => {}
        }
    }
    // Keys without options of their own inherit the global ones.
    for k in &mut keys {
        if !k.opts.any() {
            k.opts = global;
        } else if !k.opts.blank_start && !k.opts.blank_end {
            // A key with ordering options but no `b` keeps no global `b`.
        }
    }
    let seed = if global.random || keys.iter().any(|k| k.opts.random) {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7)
    } else {
        0
    };
    let cfg = Config { keys, global, sep, stable: p.has("s"), unique: p.has("u"), seed };
    let delim = if p.has("z") { 0u8 } else { b'\n' };
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    if check.is_some() && operands.len() > 1 {
        return textutil::usage_msg(&ctx, &format!("extra operand '{}' not allowed with -c", operands[1]), 2).await;
    }
    let mut data = Vec::new();
    for op in &operands {
        match textutil::read_all(&ctx, op).await {
            Ok(d) => {
                if data.is_empty() {
                    data = d;
                } else {
                    textutil::grow(&mut data, d.len() + 1);
                    data.extend_from_slice(&d);
                }
                if !data.is_empty() && data.last() != Some(&delim) {
                    data.push(delim);
                }
            }
            Err(e) => {
                let what = if check.is_some() {
                    format!("{op}: {e}")
                } else if e.kind == crate::vfs::ErrorKind::IsADirectory {
                    format!("read failed: {op}: {e}")
                } else {
                    format!("cannot read: {op}: {e}")
                };
                ctx.err(what).await;
                return 2;
            }
        }
    }
    let mut lines = match textutil::records_checked(&data, delim) {
        Ok(l) => l,
        Err(why) => return textutil::halt(&ctx, why).await,
    };
    let mut ticker = crate::limits::Ticker::new();
    if let Some(quiet) = check {
        for i in 1..lines.len() {
            if let Err(why) = ticker.tick() {
                return textutil::halt(&ctx, why).await;
            }
            let r = compare(lines[i - 1], lines[i], &cfg);
            if r == Ordering::Greater || (cfg.unique && r == Ordering::Equal) {
                if !quiet {
                    let name = if operands[0] == "-" { "-" } else { &operands[0] };
                    let line = String::from_utf8_lossy(lines[i]);
                    ctx.err(format!("{name}:{}: disorder: {line}", i + 1)).await;
                }
                return 1;
            }
        }
        return 0;
    }
    match textutil::sort_checked(&mut lines, |a, b| compare(a, b, &cfg)) {
        Ok(()) => {}
        Err(Some(why)) => return textutil::halt(&ctx, why).await,
        Err(None) => {
            ctx.err("memory exhausted").await;
            return 2;
        }
    }
    if cfg.unique {
        // Keep the first of each run of equal lines.
        let mut kept = 0;
        for i in 0..lines.len() {
            if let Err(why) = ticker.tick() {
                return textutil::halt(&ctx, why).await;
            }
            if kept == 0 || compare(lines[kept - 1], lines[i], &cfg) != Ordering::Equal {
                lines[kept] = lines[i];
                kept += 1;
            }
        }
        lines.truncate(kept);
    }
    if let Some(path) = output.filter(|p| p != "-") {
        match textutil::refuse(data.len().saturating_add(lines.len())) {
            Ok(()) => {}
            Err(Some(why)) => return textutil::halt(&ctx, why).await,
            Err(None) => {
                ctx.err("memory exhausted").await;
                return 2;
            }
        }
        let mut buf = Vec::with_capacity(data.len() + lines.len());
        for l in &lines {
            buf.extend_from_slice(l);
            buf.push(delim);
        }
        let abs = ctx.abs(&path);
        if let Err(e) = ctx.vfs.write(&abs, bytes::Bytes::from(buf)).await {
            ctx.err(format!("open failed: {path}: {e}")).await;
            return 2;
        }
        return 0;
    }
    let mut out = Out::new(&ctx.stdout);
    for l in &lines {
        let b = out.buf();
        b.extend_from_slice(l);
        b.push(delim);
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let mut v: Vec<&[u8]> = vec![b"a10", b"a2", b"a1.5", b"a1.10", b"a1", b"a1.a"];
        v.sort_by(|a, b| filevercmp(a, b));
        // As GNU `sort -V` orders them (`.a` is a file suffix).
        assert_eq!(v, vec![b"a1" as &[u8], b"a1.a", b"a1.5", b"a1.10", b"a2", b"a10"]);
        assert_eq!(numeric_cmp(b"-1", b"0"), Ordering::Less);
        assert_eq!(numeric_cmp(b"10", b"9.5"), Ordering::Greater);
        assert_eq!(numeric_cmp(b"-0", b"0"), Ordering::Equal);
        assert_eq!(human_cmp(b"2K", b"1M"), Ordering::Less);
    }
}
