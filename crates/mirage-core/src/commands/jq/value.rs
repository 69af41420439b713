//! Values as jq 1.6 prints them (bounded: at most 256 levels are shown, like jq's
//! `<stripped: exceeds max depth>`, and every write checks the execute's stop switch and
//! memory budget), and the depth of values (a value nested deeper than `MAX_VALUE_DEPTH`
//! is never built, so nothing that recurses over a value — dropping it included — can
//! exhaust the stack).

use std::collections::HashMap;
use std::rc::{Rc, Weak};

use jaq_json::Val;
use jaq_std::ValT as _;

use crate::limits::{self, Stop};

/// Levels a value built at run time may have (`[.]` in a loop, `setpath` with a long path).
/// jq 1.6 prints at most 256 of them; far past that, values are only a way to exhaust the
/// stack of whatever recurses over them.
pub const MAX_VALUE_DEPTH: usize = 10_000;

/// Levels jq 1.6 prints before `<stripped: exceeds max depth>`.
const MAX_PRINT_DEPTH: usize = 256;

#[derive(Clone, Default)]
pub struct Opts {
    pub raw: bool,
    pub join: bool,
    pub compact: bool,
    pub tab: bool,
    pub indent: usize,
    pub slurp: bool,
    pub null_input: bool,
    pub exit_status: bool,
    pub sort_keys: bool,
    pub raw_input: bool,
    pub ascii: bool,
    pub seq: bool,
}

/// Why a write stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The execute must stop (cancelled, or out of memory).
    Stop(Stop),
    /// The reader of stdout went away.
    Pipe,
    /// The text grew past the cap of a bounded write (messages).
    Full,
}

impl From<Stop> for Cut {
    fn from(s: Stop) -> Cut {
        Cut::Stop(s)
    }
}

/// Where values are written.
pub trait Out {
    fn put(&mut self, b: &[u8]) -> Result<(), Cut>;
    /// Called once per value node: a place to check the stop switch.
    fn node(&mut self) -> Result<(), Cut>;
}

/// A growing buffer whose growth is checked against the memory budget first, with an
/// optional cap (for messages).
pub struct VecOut {
    pub buf: Vec<u8>,
    cap: usize,
    tick: limits::Ticker,
}

impl VecOut {
    pub fn new() -> VecOut {
        VecOut { buf: Vec::new(), cap: usize::MAX, tick: limits::Ticker::new() }
    }

    pub fn capped(cap: usize) -> VecOut {
        VecOut { buf: Vec::new(), cap, tick: limits::Ticker::new() }
    }
}

impl Out for VecOut {
    fn put(&mut self, b: &[u8]) -> Result<(), Cut> {
        if self.buf.len() + b.len() > self.cap {
            let room = self.cap.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&b[..room.min(b.len())]);
            return Err(Cut::Full);
        }
        let need = self.buf.len() + b.len();
        if need > self.buf.capacity() {
            let new_cap = need.max(self.buf.capacity() * 2).max(64);
            limits::reserve(new_cap - self.buf.capacity())?;
            self.buf.reserve_exact(new_cap - self.buf.len());
        }
        self.buf.extend_from_slice(b);
        Ok(())
    }

    fn node(&mut self) -> Result<(), Cut> {
        self.tick.tick()?;
        Ok(())
    }
}

/// jq 1.6's number format (David Gay's g_fmt with a 17-digit shortest form).
pub fn fmt_number(f: f64) -> String {
    if f.is_nan() {
        return "null".into();
    }
    let f = if f.is_infinite() { f64::MAX.copysign(f) } else { f };
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let nd = digits.len() as i32;
    let decpt = exp + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if decpt <= -4 || decpt > nd + 15 {
        let m = if nd > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits.clone() };
        let x = decpt - 1;
        format!("{sign}{m}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
    } else if decpt <= 0 {
        format!("{sign}0.{}{}", "0".repeat((-decpt) as usize), digits)
    } else if decpt >= nd {
        format!("{sign}{}{}", digits, "0".repeat((decpt - nd) as usize))
    } else {
        format!("{sign}{}.{}", &digits[..decpt as usize], &digits[decpt as usize..])
    }
}

pub fn num_f64(v: &Val) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// A number value: an integer when it is one (jaq indexes arrays with integers only).
pub fn num_val(x: f64) -> Val {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Val::from(x as isize)
    } else {
        Val::from(x)
    }
}

pub fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

pub fn str_bytes(v: &Val) -> Option<&[u8]> {
    match v {
        Val::TStr(b) | Val::BStr(b) => Some(b),
        _ => None,
    }
}

fn write_str(out: &mut dyn Out, s: &[u8], ascii: bool) -> Result<(), Cut> {
    let mut buf: Vec<u8> = Vec::with_capacity(s.len().min(1 << 16) + 2);
    buf.push(b'"');
    let text = String::from_utf8_lossy(s);
    for ch in text.chars() {
        match ch {
            '"' => buf.extend_from_slice(b"\\\""),
            '\\' => buf.extend_from_slice(b"\\\\"),
            '\n' => buf.extend_from_slice(b"\\n"),
            '\t' => buf.extend_from_slice(b"\\t"),
            '\r' => buf.extend_from_slice(b"\\r"),
            '\u{8}' => buf.extend_from_slice(b"\\b"),
            '\u{c}' => buf.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => buf.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c if ascii && (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    buf.extend_from_slice(format!("\\u{:04x}", u).as_bytes());
                }
            }
            c => {
                let mut b = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
        if buf.len() >= 1 << 16 {
            out.put(&buf)?;
            buf.clear();
        }
    }
    buf.push(b'"');
    out.put(&buf)
}

/// Write `v` as jq 1.6 prints it (`-c`, `--tab`, `--indent`, `-S`, `-a`), levels past 256
/// replaced by `<stripped: exceeds max depth>`.
pub fn write_val(out: &mut dyn Out, v: &Val, o: &Opts, level: usize) -> Result<(), Cut> {
    out.node()?;
    if level > MAX_PRINT_DEPTH {
        return out.put(b"<stripped: exceeds max depth>");
    }
    let pretty = !o.compact && (o.tab || o.indent > 0);
    let ind = |out: &mut dyn Out, l: usize| -> Result<(), Cut> {
        if o.tab {
            out.put(&vec![b'\t'; l])
        } else {
            out.put(&vec![b' '; l * o.indent])
        }
    };
    match v {
        Val::Null => out.put(b"null"),
        Val::Bool(b) => out.put(if *b { b"true" } else { b"false" }),
        Val::Num(jaq_json::Num::Int(i)) if i.unsigned_abs() <= 1 << 53 => out.put(i.to_string().as_bytes()),
        Val::Num(_) => out.put(fmt_number(num_f64(v)).as_bytes()),
        Val::TStr(s) | Val::BStr(s) => write_str(out, s, o.ascii),
        Val::Arr(a) => {
            if a.is_empty() {
                return out.put(b"[]");
            }
            out.put(b"[")?;
            for (k, x) in a.iter().enumerate() {
                if k > 0 {
                    out.put(b",")?;
                }
                if pretty {
                    out.put(b"\n")?;
                    ind(out, level + 1)?;
                }
                write_val(out, x, o, level + 1)?;
            }
            if pretty {
                out.put(b"\n")?;
                ind(out, level)?;
            }
            out.put(b"]")
        }
        Val::Obj(m) => {
            if m.is_empty() {
                return out.put(b"{}");
            }
            out.put(b"{")?;
            let mut items: Vec<(&Val, &Val)> = m.iter().collect();
            if o.sort_keys {
                items.sort_by(|a, b| str_bytes(a.0).cmp(&str_bytes(b.0)));
            }
            for (k, (key, x)) in items.into_iter().enumerate() {
                if k > 0 {
                    out.put(b",")?;
                }
                if pretty {
                    out.put(b"\n")?;
                    ind(out, level + 1)?;
                }
                match str_bytes(key) {
                    Some(s) => write_str(out, s, o.ascii)?,
                    None => {
                        let mut t = VecOut::capped(4096);
                        let _ = write_val(&mut t, key, &Opts { compact: true, ..Default::default() }, level + 1);
                        write_str(out, &t.buf, o.ascii)?
                    }
                }
                out.put(b":")?;
                if pretty {
                    out.put(b" ")?;
                }
                write_val(out, x, o, level + 1)?;
            }
            if pretty {
                out.put(b"\n")?;
                ind(out, level)?;
            }
            out.put(b"}")
        }
    }
}

/// `tojson`: compact JSON, checked against the memory budget as it grows.
pub fn to_json(v: &Val) -> Result<Vec<u8>, Stop> {
    let mut out = VecOut::new();
    match write_val(&mut out, v, &Opts { compact: true, ..Default::default() }, 0) {
        Ok(()) => Ok(out.buf),
        Err(Cut::Stop(s)) => Err(s),
        Err(_) => Err(Stop::Memory),
    }
}

/// Compact JSON for a message, cut at `cap` bytes (with `...`).
pub fn compact_capped(v: &Val, cap: usize) -> String {
    let mut out = VecOut::capped(cap);
    if let Err(Cut::Full) = write_val(&mut out, v, &Opts { compact: true, ..Default::default() }, 0) {
        out.buf.extend_from_slice(b"...");
    }
    String::from_utf8_lossy(&out.buf).into_owned()
}

pub fn compact(v: &Val) -> String {
    compact_capped(v, 1 << 20)
}

/// Why a value may not be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepthErr {
    TooDeep,
    Stop(Stop),
}

enum Held {
    Arr(Weak<Vec<Val>>),
    Obj(Weak<jaq_json::Map<Val, Val>>),
}

impl Held {
    fn alive(&self) -> bool {
        match self {
            Held::Arr(w) => w.strong_count() > 0,
            Held::Obj(w) => w.strong_count() > 0,
        }
    }
}

/// Depths of containers already measured, by address. Each entry holds a `Weak`, so its
/// allocation is not reused while it is here, and its contents cannot change in place
/// (`Rc::make_mut` moves them out first): a live entry is always right.
#[derive(Default)]
pub struct DepthCache {
    map: HashMap<usize, (Held, u32)>,
    tick: u32,
}

fn key_of(v: &Val) -> Option<usize> {
    match v {
        Val::Arr(a) => Some(Rc::as_ptr(a) as *const u8 as usize),
        Val::Obj(o) => Some(Rc::as_ptr(o) as *const u8 as usize),
        _ => None,
    }
}

fn children(v: &Val) -> Box<dyn Iterator<Item = &Val> + '_> {
    match v {
        Val::Arr(a) => Box::new(a.iter()),
        Val::Obj(o) => Box::new(o.iter().flat_map(|(k, v)| [k, v])),
        _ => Box::new(std::iter::empty()),
    }
}

impl DepthCache {
    fn lookup(&self, v: &Val) -> Option<u32> {
        let k = key_of(v)?;
        match self.map.get(&k) {
            Some((h, d)) if h.alive() => Some(*d),
            _ => None,
        }
    }

    fn remember(&mut self, v: &Val, d: u32) {
        let Some(k) = key_of(v) else { return };
        if self.map.len() >= 1 << 16 {
            self.map.retain(|_, (h, _)| h.alive());
            if self.map.len() >= 1 << 15 {
                self.map.clear();
            }
        }
        let held = match v {
            Val::Arr(a) => Held::Arr(Rc::downgrade(a)),
            Val::Obj(o) => Held::Obj(Rc::downgrade(o)),
            _ => return,
        };
        self.map.insert(k, (held, d));
    }

    /// Levels of `v` (0 for scalars), failing once past `max`. Iterative; containers that
    /// cost something to measure are remembered.
    pub fn depth(&mut self, v: &Val, max: usize) -> Result<usize, DepthErr> {
        if key_of(v).is_none() {
            return Ok(0);
        }
        if let Some(d) = self.lookup(v) {
            return Ok(d as usize);
        }
        // (container, its children, deepest child so far, nodes visited when entered)
        struct Frame<'v> {
            v: &'v Val,
            kids: Box<dyn Iterator<Item = &'v Val> + 'v>,
            deepest: usize,
            seen_at: usize,
        }
        let mut seen = 0usize;
        let mut stack = vec![Frame { v, kids: children(v), deepest: 0, seen_at: 0 }];
        loop {
            self.tick = self.tick.wrapping_add(1);
            if self.tick % 4096 == 0 {
                limits::checkpoint().map_err(DepthErr::Stop)?;
            }
            let top = stack.last_mut().expect("a frame");
            match top.kids.next() {
                Some(c) => {
                    seen += 1;
                    if key_of(c).is_none() {
                        continue;
                    }
                    if let Some(d) = self.lookup(c) {
                        let d = d as usize;
                        if d + 1 > top.deepest {
                            top.deepest = d + 1;
                        }
                        if stack.len() + d > max {
                            return Err(DepthErr::TooDeep);
                        }
                        continue;
                    }
                    if stack.len() + 1 > max {
                        return Err(DepthErr::TooDeep);
                    }
                    stack.push(Frame { v: c, kids: children(c), deepest: 0, seen_at: seen });
                }
                None => {
                    let f = stack.pop().expect("a frame");
                    let d = f.deepest.max(1);
                    if seen - f.seen_at >= 32 || d >= 8 {
                        self.remember(f.v, d as u32);
                    }
                    match stack.last_mut() {
                        Some(parent) => {
                            if d + 1 > parent.deepest {
                                parent.deepest = d + 1;
                            }
                        }
                        None => return Ok(d),
                    }
                }
            }
        }
    }
}
