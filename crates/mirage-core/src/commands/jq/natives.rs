//! mirage's native filters for jq: the tick every loop passes through, collection and
//! formatting that respect the execute's limits, jq 1.6's paths (`getpath`, `setpath`,
//! `delpaths`), `halt`/`halt_error` (which never exit the process), `env` (the shell's
//! exported variables, never the host's), `debug`/`stderr` (to the command's stderr, never
//! to a host logger).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use jaq_core::box_iter::box_once;
use jaq_core::native::{v, Fun};
use jaq_core::{Bind, Ctx, Error, Exn, Native, ValX, ValXs};
use jaq_json::Val;

use super::rewrite::{ADD, ARR, ASSIGN, DEPTH, MODIFY, MUL, OBJKEY, OBJVAL, TEXT, TICK};
use super::scan;
use super::value::{self, compact_capped, num_f64, num_val, str_bytes, type_name, Cut, DepthCache, DepthErr, Out, MAX_VALUE_DEPTH};
use super::{Global, JqData};
use crate::limits::{self, Stop};

/// The exit code carried by the exception that ends evaluation for a stop; the reason is
/// in `State::stop` (a `halt_error` with the same code is told apart by `State::halt`).
pub const STOP_CODE: i32 = i32::MIN + 7;

/// Why evaluation must end now (it cannot be caught by `try`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Limit(Stop),
    /// The stack is nearly exhausted (recursion too deep).
    Deep,
    /// Nobody reads stdout any more.
    Pipe,
}

pub struct Halt {
    pub code: i32,
    pub msg: Option<Val>,
}

pub enum Chunk {
    Out(Vec<u8>),
    Err(Vec<u8>),
}

/// Output of the running filter, sent in pieces to the command's streams.
pub struct Sink {
    pub out: Vec<u8>,
    pub err: Vec<u8>,
    tx: Option<tokio::sync::mpsc::Sender<Chunk>>,
    last: Instant,
    pub closed: bool,
}

const FLUSH_BYTES: usize = 1 << 16;

impl Sink {
    pub fn new(tx: Option<tokio::sync::mpsc::Sender<Chunk>>) -> Sink {
        Sink { out: Vec::new(), err: Vec::new(), tx, last: Instant::now(), closed: false }
    }

    pub fn flush(&mut self) {
        self.last = Instant::now();
        let Some(tx) = &self.tx else { return };
        if !self.out.is_empty() {
            let b = std::mem::take(&mut self.out);
            if tx.blocking_send(Chunk::Out(b)).is_err() {
                self.closed = true;
            }
        }
        if !self.err.is_empty() {
            let b = std::mem::take(&mut self.err);
            if tx.blocking_send(Chunk::Err(b)).is_err() {
                self.closed = true;
            }
        }
    }

    /// Send what waits when there is enough of it, or when it has waited a while.
    pub fn maybe_flush(&mut self) {
        let pending = self.out.len() + self.err.len();
        if pending >= FLUSH_BYTES || (pending > 0 && self.last.elapsed() >= Duration::from_millis(50)) {
            self.flush();
        }
    }
}

/// State of one jq run that natives share.
pub struct State {
    pub stop: Cell<Option<Why>>,
    pub halt: RefCell<Option<Halt>>,
    ticks: Cell<u32>,
    pub cache: RefCell<DepthCache>,
    pub env: Val,
    pub file: RefCell<Val>,
    pub sink: RefCell<Sink>,
    regexes: RefCell<Regexes>,
}

impl State {
    pub fn new(env: Val, sink: Sink) -> State {
        State {
            stop: Cell::new(None),
            halt: RefCell::new(None),
            ticks: Cell::new(0),
            cache: RefCell::new(DepthCache::default()),
            env,
            file: RefCell::new(Val::Null),
            sink: RefCell::new(sink),
            regexes: RefCell::new(Regexes::default()),
        }
    }
}

/// Writes values into the sink, flushing as it goes.
pub struct SinkOut<'a> {
    pub st: &'a State,
    tick: limits::Ticker,
}

impl<'a> SinkOut<'a> {
    pub fn new(st: &'a State) -> SinkOut<'a> {
        SinkOut { st, tick: limits::Ticker::new() }
    }
}

impl Out for SinkOut<'_> {
    fn put(&mut self, b: &[u8]) -> Result<(), Cut> {
        let mut s = self.st.sink.borrow_mut();
        s.out.extend_from_slice(b);
        if s.out.len() >= FLUSH_BYTES {
            s.flush();
        }
        if s.closed {
            return Err(Cut::Pipe);
        }
        Ok(())
    }

    fn node(&mut self) -> Result<(), Cut> {
        self.tick.tick()?;
        Ok(())
    }
}

fn st<'a>(c: &Ctx<'a, JqData>) -> &'a State {
    let g: &'a Global<'a> = c.data();
    g.st
}

fn stop_exn<'a>() -> Exn<'a, Val> {
    Exn::halt(STOP_CODE)
}

fn stop<'a>(st: &State, why: Why) -> Exn<'a, Val> {
    if st.stop.get().is_none() {
        st.stop.set(Some(why));
    }
    stop_exn()
}

fn err<'a>(msg: impl Into<String>) -> Exn<'a, Val> {
    Exn::from(Error::new(Val::from(msg.into())))
}

/// The check every loop of a filter passes through: the stop switch, the memory budget and
/// the stack, and (every 4096 calls) output waiting to be sent.
pub fn tick(st: &State) -> Result<(), Why> {
    if let Some(w) = st.stop.get() {
        return Err(w);
    }
    if limits::stack_exhausted() {
        st.stop.set(Some(Why::Deep));
        return Err(Why::Deep);
    }
    let n = st.ticks.get().wrapping_add(1);
    st.ticks.set(n);
    if let Err(s) = limits::checkpoint() {
        st.stop.set(Some(Why::Limit(s)));
        return Err(Why::Limit(s));
    }
    if n & 4095 == 0 {
        if let Ok(mut sink) = st.sink.try_borrow_mut() {
            sink.maybe_flush();
            if sink.closed {
                st.stop.set(Some(Why::Pipe));
                return Err(Why::Pipe);
            }
        }
    }
    Ok(())
}

pub fn too_deep_msg() -> String {
    format!("Exceeds depth limit of {MAX_VALUE_DEPTH} levels for values")
}

/// Fail unless `v` has at most `max` levels.
fn check_depth<'a>(st: &State, v: &Val, max: usize) -> Result<(), Exn<'a, Val>> {
    let r = st.cache.borrow_mut().depth(v, max);
    match r {
        Ok(_) => Ok(()),
        Err(DepthErr::TooDeep) => Err(err(too_deep_msg())),
        Err(DepthErr::Stop(s)) => Err(stop(st, Why::Limit(s))),
    }
}

fn once<'a>(r: ValX<'a, Val>) -> ValXs<'a, Val> {
    box_once(r)
}

fn utf8(b: Vec<u8>) -> Val {
    Val::utf8_str(bytes::Bytes::from(b))
}

/// `tostring` as jq 1.6 has it: strings as they are, other values as JSON.
fn text<'a>(st: &State, v: Val) -> ValX<'a, Val> {
    match v {
        Val::TStr(_) => Ok(v),
        Val::BStr(b) => Ok(Val::TStr(b)),
        v => value::to_json(&v).map(utf8).map_err(|s| stop(st, Why::Limit(s))),
    }
}

/// jq's `(int)` of a double (out of range: `INT_MIN`, as x86 gives).
pub fn c_int(f: f64) -> i64 {
    if f.is_finite() && f > -2147483649.0 && f < 2147483648.0 {
        f.trunc() as i64
    } else {
        i32::MIN as i64
    }
}

fn mul<'a>(st: &State, l: Val, r: Val) -> ValX<'a, Val> {
    let (s, n) = match (&l, &r) {
        (Val::TStr(s), Val::Num(_)) => (s, num_f64(&r)),
        (Val::Num(_), Val::TStr(s)) => (s, num_f64(&l)),
        _ => return jaq_core::ops::Math::Mul.run(l, r).map_err(Exn::from),
    };
    // jq 1.6: `n = number - 1` as an int; a negative n gives null, else n + 1 copies.
    let n = c_int(n - 1.0);
    if n < 0 {
        return Ok(Val::Null);
    }
    let times = n as usize + 1;
    let bytes = s.len().checked_mul(times).unwrap_or(usize::MAX);
    if let Err(e) = limits::reserve(bytes) {
        return Err(stop(st, Why::Limit(e)));
    }
    Ok(utf8(s.repeat(times)))
}

/// `+`, with what it allocates checked against the memory budget first (a string or
/// array doubled in a loop, or in a chain of `. + .`, stops there).
fn add<'a>(st: &State, l: Val, r: Val) -> ValX<'a, Val> {
    const ENTRY: usize = 48;
    let bytes = match (&l, &r) {
        (Val::TStr(a) | Val::BStr(a), Val::TStr(b) | Val::BStr(b)) => a.len() + b.len(),
        (Val::Arr(a), Val::Arr(b)) => (if Rc::strong_count(a) == 1 { b.len() } else { a.len() + b.len() }) * std::mem::size_of::<Val>(),
        (Val::Obj(a), Val::Obj(b)) => (if Rc::strong_count(a) == 1 { b.len() } else { a.len() + b.len() }) * ENTRY,
        _ => 0,
    };
    if bytes > 1 << 16 {
        if let Err(e) = limits::reserve(bytes) {
            return Err(stop(st, Why::Limit(e)));
        }
    }
    jaq_core::ops::Math::Add.run(l, r).map_err(Exn::from)
}

/// What the hook of jaq-json's long loops (comparisons, hashing, searches) unwinds with
/// when the execute must stop; `Job` catches it.
pub struct Unwound;

/// jaq-json's hook: stop (by unwinding) once the execute must stop.
pub fn jaq_json_tick() {
    if limits::checkpoint().is_err() || limits::stack_exhausted() {
        std::panic::resume_unwind(Box::new(Unwound));
    }
}

// ---------------------------------------------------------------------------------------
// Paths, as jq 1.6's jv_get / jv_set / jv_getpath / jv_setpath / jv_delpaths do them.

pub enum PathErr {
    Msg(String),
    Stop(Stop),
    TooDeep,
}

impl From<String> for PathErr {
    fn from(s: String) -> PathErr {
        PathErr::Msg(s)
    }
}

fn path_exn<'a>(st: &State, e: PathErr) -> Exn<'a, Val> {
    match e {
        PathErr::Msg(m) => err(m),
        PathErr::Stop(s) => stop(st, Why::Limit(s)),
        PathErr::TooDeep => err(too_deep_msg()),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn index_err(t: &Val, k: &Val) -> String {
    match str_bytes(k) {
        Some(s) => format!("Cannot index {} with string \"{}\"", type_name(t), lossy(s)),
        None => format!("Cannot index {} with {}", type_name(t), type_name(k)),
    }
}

/// The bounds of a slice key `{"start": s, "end": e}` on something of length `len`.
fn slice_bounds(len: usize, k: &Val) -> Result<(usize, usize), String> {
    let Val::Obj(o) = k else { return Err("Start and end indices of an array slice must be numbers".into()) };
    let get = |name: &str| o.get(&Val::from(name.to_string())).cloned().unwrap_or(Val::Null);
    let bound = |v: Val, default: f64| match v {
        Val::Null => Ok(default),
        Val::Num(_) => Ok(num_f64(&v)),
        _ => Err("Start and end indices of an array slice must be numbers".to_string()),
    };
    let lenf = len as f64;
    let mut s = bound(get("start"), 0.0)?;
    let mut e = bound(get("end"), lenf)?;
    if s < 0.0 {
        s += lenf;
    }
    if e < 0.0 {
        e += lenf;
    }
    s = s.clamp(0.0, lenf);
    if e > lenf {
        e = lenf;
    }
    if e < s {
        e = s;
    }
    let start = (s as usize).min(len);
    let end = if e > e.floor() { e.floor() as usize + 1 } else { e as usize };
    Ok((start, end.clamp(start, len)))
}

fn get(t: &Val, k: &Val) -> Result<Val, String> {
    match (t, k) {
        (Val::Obj(o), Val::TStr(_)) => Ok(o.get(k).cloned().unwrap_or(Val::Null)),
        (Val::Arr(a), Val::Num(_)) => {
            let f = num_f64(k);
            if f.fract() != 0.0 || !f.is_finite() {
                return Ok(Val::Null);
            }
            let mut i = c_int(f);
            if i < 0 {
                i += a.len() as i64;
            }
            Ok(if i >= 0 && (i as usize) < a.len() { a[i as usize].clone() } else { Val::Null })
        }
        (Val::Arr(a), Val::Obj(_)) => {
            let (s, e) = slice_bounds(a.len(), k)?;
            Ok(Val::Arr(Rc::new(a[s..e].to_vec())))
        }
        (Val::TStr(s), Val::Obj(_)) => {
            let text = String::from_utf8_lossy(s);
            let n = text.chars().count();
            let (a, b) = slice_bounds(n, k)?;
            Ok(Val::from(text.chars().skip(a).take(b - a).collect::<String>()))
        }
        (Val::Arr(_), Val::Arr(_)) => {
            use jaq_core::ValT;
            t.clone().index(k).map_err(|e| e.to_string())
        }
        (Val::Null, Val::TStr(_) | Val::Num(_) | Val::Obj(_)) => Ok(Val::Null),
        _ => Err(index_err(t, k)),
    }
}

fn as_path(p: &Val, what: &str) -> Result<Rc<Vec<Val>>, String> {
    match p {
        Val::Arr(a) => Ok(a.clone()),
        _ => Err(what.to_string()),
    }
}

fn getpath(t: &Val, p: &Val) -> Result<Val, String> {
    if matches!(p, Val::Null) {
        return Ok(t.clone());
    }
    let p = as_path(p, "Path must be specified as an array")?;
    let mut cur = t.clone();
    for k in p.iter() {
        if matches!(cur, Val::Null) && matches!(k, Val::TStr(_) | Val::Num(_) | Val::Obj(_)) {
            return Ok(Val::Null);
        }
        cur = get(&cur, k)?;
    }
    Ok(cur)
}

/// `t` with `k` set to `v` (jq's jv_set), where `k` is a slice key.
fn set_slice(t: Val, k: &Val, v: Val) -> Result<Val, PathErr> {
    let mut a: Vec<Val> = match t {
        Val::Null => Vec::new(),
        Val::Arr(a) => Rc::try_unwrap(a).unwrap_or_else(|a| (*a).clone()),
        t => return Err(PathErr::Msg(format!("Cannot update field at object index of {}", type_name(&t)))),
    };
    let (s, e) = slice_bounds(a.len(), k)?;
    let Val::Arr(new) = v else { return Err(PathErr::Msg("A slice of an array can only be assigned another array".into())) };
    limits::reserve(new.len() * std::mem::size_of::<Val>()).map_err(PathErr::Stop)?;
    a.splice(s..e, new.iter().cloned());
    Ok(Val::Arr(Rc::new(a)))
}

/// The place `k` names in `cur`, made if missing (jq's jv_set on the way down).
fn child_mut<'v>(cur: &'v mut Val, k: &Val) -> Result<&'v mut Val, PathErr> {
    if matches!(cur, Val::Null) {
        *cur = match k {
            Val::TStr(_) => Val::obj(jaq_json::Map::default()),
            Val::Num(_) => Val::Arr(Rc::new(Vec::new())),
            _ => return Err(PathErr::Msg(index_err(cur, k))),
        };
    }
    match (cur, k) {
        (Val::Obj(o), Val::TStr(_)) => Ok(Rc::make_mut(o).entry(k.clone()).or_insert(Val::Null)),
        (Val::Arr(a), Val::Num(_)) => {
            let len = a.len() as i64;
            let mut i = c_int(num_f64(k));
            if i < 0 {
                i += len;
                if i < 0 {
                    return Err(PathErr::Msg("Out of bounds negative array index".into()));
                }
            }
            let i = i as usize;
            let a = Rc::make_mut(a);
            if i >= a.len() {
                limits::reserve((i + 1 - a.len()).saturating_mul(std::mem::size_of::<Val>())).map_err(PathErr::Stop)?;
                a.resize(i + 1, Val::Null);
            }
            Ok(&mut a[i])
        }
        (t, _) => Err(PathErr::Msg(format!("Cannot update field at object index of {}", type_name(t)))),
    }
}

fn setpath_in(root: Val, p: &[Val], v: Val) -> Result<Val, PathErr> {
    let mut root = root;
    let mut cur = &mut root;
    for (i, k) in p.iter().enumerate() {
        // jq looks the key up first: its errors are the lookup's.
        if !matches!(cur, Val::Null) {
            get(cur, k)?;
        } else if !matches!(k, Val::TStr(_) | Val::Num(_) | Val::Obj(_)) {
            return Err(PathErr::Msg(index_err(cur, k)));
        }
        if let Val::Obj(_) = k {
            let sub = get(cur, k)?;
            let sub = setpath_in(sub, &p[i + 1..], v)?;
            let old = std::mem::take(cur);
            *cur = set_slice(old, k, sub)?;
            return Ok(root);
        }
        cur = child_mut(cur, k)?;
    }
    *cur = v;
    Ok(root)
}

fn setpath(st: &State, t: Val, p: &Val, v: Val) -> Result<Val, PathErr> {
    let p = as_path(p, "Path must be specified as an array")?;
    if p.len() > MAX_VALUE_DEPTH {
        return Err(PathErr::TooDeep);
    }
    match st.cache.borrow_mut().depth(&v, MAX_VALUE_DEPTH - p.len()) {
        Ok(_) => {}
        Err(DepthErr::TooDeep) => return Err(PathErr::TooDeep),
        Err(DepthErr::Stop(s)) => return Err(PathErr::Stop(s)),
    }
    setpath_in(t, &p, v)
}

/// jq's jv_dels: delete the keys `keys` of `t`.
fn dels(t: Val, keys: Vec<Val>) -> Result<Val, String> {
    if matches!(t, Val::Null) || keys.is_empty() {
        return Ok(t);
    }
    match t {
        Val::Arr(a) => {
            let len = a.len();
            let mut del = vec![false; len];
            for k in &keys {
                match k {
                    Val::Num(_) => {
                        let mut i = c_int(num_f64(k));
                        if i < 0 {
                            i += len as i64;
                        }
                        if i >= 0 && (i as usize) < len {
                            del[i as usize] = true;
                        }
                    }
                    Val::Obj(_) => {
                        let (s, e) = slice_bounds(len, k)?;
                        del[s..e].iter_mut().for_each(|d| *d = true);
                    }
                    _ => return Err(format!("Cannot delete {} element of array", type_name(k))),
                }
            }
            let a = Rc::try_unwrap(a).unwrap_or_else(|a| (*a).clone());
            Ok(Val::Arr(Rc::new(a.into_iter().zip(del).filter(|(_, d)| !d).map(|(v, _)| v).collect())))
        }
        Val::Obj(mut o) => {
            for k in &keys {
                if !matches!(k, Val::TStr(_)) {
                    return Err(format!("Cannot delete field at index of {}", type_name(k)));
                }
            }
            let m = Rc::make_mut(&mut o);
            for k in &keys {
                m.shift_remove(k);
            }
            Ok(Val::Obj(o))
        }
        t => Err(format!("Cannot delete fields from {}", type_name(&t))),
    }
}

fn set(t: Val, k: &Val, v: Val) -> Result<Val, PathErr> {
    if let Val::Obj(_) = k {
        return set_slice(t, k, v);
    }
    let mut t = t;
    *child_mut(&mut t, k)? = v;
    Ok(t)
}

fn delpaths_sorted(obj: Val, paths: &[&[Val]], start: usize) -> Result<Val, PathErr> {
    let mut obj = obj;
    let mut delkeys = Vec::new();
    let mut i = 0;
    while i < paths.len() {
        let Some(key) = paths[i].get(start) else {
            i += 1;
            continue;
        };
        let delkey = paths[i].len() == start + 1;
        let mut j = i;
        while j < paths.len() && paths[j].get(start) == Some(key) {
            j += 1;
        }
        if delkey {
            delkeys.push(key.clone());
        } else {
            let sub = get(&obj, key)?;
            if !matches!(sub, Val::Null) {
                let sub = delpaths_sorted(sub, &paths[i..j], start + 1)?;
                obj = set(obj, key, sub)?;
            }
        }
        i = j;
    }
    Ok(dels(obj, delkeys)?)
}

fn delpaths(t: Val, ps: &Val) -> Result<Val, PathErr> {
    let Val::Arr(ps) = ps else { return Err(PathErr::Msg("Paths must be specified as an array".into())) };
    let mut paths: Vec<&[Val]> = Vec::with_capacity(ps.len());
    for p in ps.iter() {
        match p {
            Val::Arr(a) => paths.push(a),
            other => return Err(PathErr::Msg(format!("Path must be specified as array, not {}", type_name(other)))),
        }
    }
    if paths.is_empty() {
        return Ok(t);
    }
    paths.sort();
    if paths[0].is_empty() {
        return Ok(Val::Null);
    }
    delpaths_sorted(t, &paths, 0)
}

// ---------------------------------------------------------------------------------------

fn fromjson<'a>(v: &Val) -> ValX<'a, Val> {
    let Some(s) = str_bytes(v) else {
        return Err(err(format!("{} ({}) only strings can be parsed", type_name(v), compact_capped(v, 30))));
    };
    let shown = || String::from_utf8_lossy(&s[..s.len().min(1 << 16)]).into_owned();
    if let Some(at) = scan::json_too_deep(s) {
        let (l, c) = scan::line_col(s, at);
        return Err(err(format!("Exceeds depth limit for parsing at line {l}, column {c} (while parsing '{}')", shown())));
    }
    jaq_json::read::parse_single(s).map_err(|e| err(format!("{e} (while parsing '{}')", shown())))
}

/// jq 1.6's `strptime` (glibc's): the broken-down time of what the format reads, a
/// trailing rest appended; weekday and day of the year 8 and 367 when the date is not
/// known. (jaq's would set up the time zone database of the host, from its files.)
fn strptime<'a>(input: &Val, fmt: &Val) -> ValX<'a, Val> {
    use chrono::format::{parse_and_remainder, Parsed, StrftimeItems};
    use chrono::Datelike;
    let (Some(s), Some(f)) = (str_bytes(input), str_bytes(fmt)) else {
        return Err(err("strptime/1 requires string inputs and arguments"));
    };
    let (s, f) = (String::from_utf8_lossy(s), String::from_utf8_lossy(f));
    let mismatch = || err(format!("date \"{s}\" does not match format \"{f}\""));
    let mut p = Parsed::new();
    let rest = parse_and_remainder(&mut p, &s, StrftimeItems::new(&f)).map_err(|_| mismatch())?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Err(mismatch());
    }
    let year = p.year().map(|y| y as isize).unwrap_or(1900);
    let (mon, mday, wday, yday) = match p.to_naive_date() {
        Ok(d) => (d.month0() as isize, d.day() as isize, d.weekday().num_days_from_sunday() as isize, d.ordinal0() as isize),
        Err(_) => (p.month().map(|m| m as isize - 1).unwrap_or(0), p.day().map(|d| d as isize).unwrap_or(0), 8, 367),
    };
    let hour = p.hour_div_12().unwrap_or(0) * 12 + p.hour_mod_12().unwrap_or(0);
    let mut out: Vec<Val> =
        [year, mon, mday, hour as isize, p.minute().unwrap_or(0) as isize, p.second().unwrap_or(0) as isize, wday, yday].into_iter().map(Val::from).collect();
    if !rest.is_empty() {
        out.push(Val::from(rest.to_string()));
    }
    Ok(Val::Arr(Rc::new(out)))
}

/// An upper bound of the states of the automaton a regular expression compiles to
/// (counted repetitions multiply what they repeat).
fn regex_cost(p: &[u8]) -> f64 {
    // (cost of the sequence so far, cost of its last atom) per open group
    let mut stack: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    let mut i = 0;
    while i < p.len() {
        let top = stack.len() - 1;
        match p[i] {
            b'\\' => {
                stack[top].0 += 1.0;
                stack[top].1 = 1.0;
                i += 2;
            }
            b'[' => {
                i += 1;
                if p.get(i) == Some(&b']') {
                    i += 1;
                }
                while i < p.len() && p[i] != b']' {
                    i += if p[i] == b'\\' { 2 } else { 1 };
                }
                stack[top].0 += 1.0;
                stack[top].1 = 1.0;
                i += 1;
            }
            b'(' => {
                stack.push((0.0, 0.0));
                i += 1;
            }
            b')' => {
                if stack.len() > 1 {
                    let (inner, _) = stack.pop().expect("a group");
                    let top = stack.len() - 1;
                    stack[top].0 += inner + 1.0;
                    stack[top].1 = inner + 1.0;
                }
                i += 1;
            }
            b'{' => {
                let mut j = i + 1;
                let mut most = 0f64;
                let mut num = 0f64;
                let mut digits = false;
                while j < p.len() && (p[j].is_ascii_digit() || p[j] == b',') {
                    if p[j] == b',' {
                        most = most.max(num);
                        num = 0.0;
                    } else {
                        num = num * 10.0 + (p[j] - b'0') as f64;
                        digits = true;
                    }
                    j += 1;
                }
                most = most.max(num);
                if digits && p.get(j) == Some(&b'}') {
                    let last = stack[top].1;
                    stack[top].0 += last * (most - 1.0).max(0.0);
                    stack[top].1 = last * most.max(1.0);
                    i = j + 1;
                } else {
                    stack[top].0 += 1.0;
                    stack[top].1 = 1.0;
                    i += 1;
                }
            }
            b'*' | b'+' | b'?' | b'|' => i += 1,
            _ => {
                stack[top].0 += 1.0;
                stack[top].1 = 1.0;
                i += 1;
            }
        }
    }
    stack.iter().map(|(c, _)| c).sum::<f64>() + 1.0
}

/// Steps a regular expression may take on one input (its automaton's states times the
/// input's bytes): past this, the search would run for seconds with no tick in it.
const MAX_REGEX_WORK: f64 = 2e9;

/// Regular expressions compiled by this run, by pattern and flags.
#[derive(Default)]
pub struct Regexes(Vec<((Vec<u8>, Vec<u8>), Rc<regex::bytes::Regex>)>);

/// jq's `flags`: `g` global, `n` ignore empty matches, `i`, `x`, `s`, `m` (jq's `s`),
/// `l` longest (lazy swap), `p` (`m` and `s`).
struct Flags {
    g: bool,
    n: bool,
    i: bool,
    x: bool,
    s: bool,
    m: bool,
    l: bool,
}

fn flags(f: &[u8]) -> Result<Flags, String> {
    let mut out = Flags { g: false, n: false, i: false, x: false, s: false, m: false, l: false };
    for c in f {
        match c {
            b'g' => out.g = true,
            b'n' => out.n = true,
            b'i' => out.i = true,
            b'x' => out.x = true,
            b's' => out.s = true,
            b'm' => out.m = true,
            b'l' => out.l = true,
            b'p' => {
                out.m = true;
                out.s = true;
            }
            _ => return Err(format!("{} is not a valid modifier string", lossy(f))),
        }
    }
    Ok(out)
}

/// jq's `matches`, `split_matches` and `split_` (what `test`, `match`, `capture`, `scan`,
/// `split`, `sub` and `gsub` are made of), as jaq has them, with the `regex` crate: a
/// tick between matches, the automaton's size bounded, and a search refused whose cost
/// (states times bytes) would keep the thread for seconds with no tick.
fn re_run<'a>(st: &State, input: &Val, re: &Val, fl: &Val, mismatches: bool, matches: bool) -> ValX<'a, Val> {
    let not_string = |v: &Val| err(format!("{} ({}) cannot be matched, as it is not a string", type_name(v), compact_capped(v, 30)));
    let Val::TStr(s) = input else { return Err(not_string(input)) };
    let Some(pat) = str_bytes(re) else { return Err(not_string(re)) };
    let Some(fb) = str_bytes(fl) else { return Err(err(format!("{} is not a string", compact_capped(fl, 30)))) };
    let f = flags(fb).map_err(err)?;
    let work = regex_cost(pat) * (s.len() as f64 + 1.0);
    if work > MAX_REGEX_WORK {
        return Err(err(format!("{} (at offset 0) is too costly to match against {} bytes", compact_capped(re, 60), s.len())));
    }
    let key = (pat.to_vec(), fb.to_vec());
    let cached = st.regexes.borrow().0.iter().find(|(k, _)| *k == key).map(|(_, r)| r.clone());
    let rx = match cached {
        Some(r) => r,
        None => {
            let p = String::from_utf8_lossy(pat).into_owned();
            let built = regex::bytes::RegexBuilder::new(&p)
                .case_insensitive(f.i)
                .multi_line(f.m)
                .dot_matches_new_line(f.s)
                .swap_greed(f.l)
                .ignore_whitespace(f.x)
                .size_limit(1 << 20)
                .dfa_size_limit(1 << 21)
                .nest_limit(limits::MAX_NESTING as u32)
                .build()
                .map_err(|e| err(format!("{} (at offset 0) is not a valid regex: {}", p, e.to_string().lines().last().unwrap_or(""))))?;
            let r = Rc::new(built);
            let mut cache = st.regexes.borrow_mut();
            if cache.0.len() >= 64 {
                cache.0.remove(0);
            }
            cache.0.push((key, r.clone()));
            r
        }
    };
    let sub = |a: usize, b: usize| Val::TStr(Box::new(s.slice(a..b)));
    let chars = |b: &[u8]| String::from_utf8_lossy(b).chars().count();
    let names: Vec<Option<String>> = rx.capture_names().map(|n| n.map(str::to_string)).collect();
    let mut out: Vec<Val> = Vec::new();
    let mut last = 0;
    // (byte, char) of the last match start, to count characters forward only.
    let (mut at_byte, mut at_char) = (0usize, 0usize);
    for caps in rx.captures_iter(s) {
        tick(st).map_err(|_| stop_exn())?;
        let whole = caps.get(0).expect("group 0");
        if f.n && whole.is_empty() {
            continue;
        }
        if mismatches {
            out.push(sub(last, whole.start()));
            last = whole.end();
        }
        if matches {
            at_char += chars(&s[at_byte..whole.start()]);
            at_byte = whole.start();
            let mut ms = Vec::new();
            // jq 1.6's shapes: the whole match without a name; each group with its name (or
            // null), an unmatched one at offset -1 with a null string.
            let key = |k: &str| Val::from(k.to_string());
            for (i, (g, name)) in caps.iter().zip(&names).enumerate() {
                let name = || name.clone().map(Val::from).unwrap_or(Val::Null);
                let mut m = jaq_json::Map::default();
                match g {
                    Some(g) => {
                        let offset = if g.start() >= at_byte { at_char + chars(&s[at_byte..g.start()]) } else { chars(&s[..g.start()]) };
                        m.insert(key("offset"), Val::from(offset as isize));
                        m.insert(key("length"), Val::from(chars(g.as_bytes()) as isize));
                        m.insert(key("string"), sub(g.start(), g.end()));
                    }
                    None => {
                        m.insert(key("offset"), Val::from(-1isize));
                        m.insert(key("string"), Val::Null);
                        m.insert(key("length"), Val::from(0isize));
                    }
                }
                if i > 0 {
                    m.insert(key("name"), name());
                }
                ms.push(Val::obj(m));
            }
            out.push(Val::Arr(Rc::new(ms)));
        }
        if !f.g {
            break;
        }
    }
    if mismatches {
        out.push(sub(last, s.len()));
    }
    Ok(Val::Arr(Rc::new(out)))
}

fn halt_code(n: &Val) -> i32 {
    (c_int(num_f64(n)) & 0xff) as i32
}

/// mirage's natives; they come first, so they win over jaq's of the same name.
pub fn funs() -> Vec<Fun<JqData>> {
    let f = || -> Box<[Bind]> { Box::new([Bind::Fun(())]) };
    vec![
        (
            TICK,
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                once(tick(st).map(|_| cv.1).map_err(|_| stop_exn()))
            })
            .with_paths(|cv| {
                let st = st(&cv.0);
                box_once(tick(st).map(|_| cv.1).map_err(|_| stop_exn()))
            })
            .with_update(|cv, f| {
                let st = st(&cv.0);
                match tick(st) {
                    Ok(()) => f(cv.1),
                    Err(_) => box_once(Err(stop_exn())),
                }
            }),
        ),
        (
            ARR,
            f(),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let (f, fc) = cv.0.pop_fun();
                let mut out: Vec<Val> = Vec::new();
                for r in f.run((fc, cv.1)) {
                    let v = match r {
                        Ok(v) => v,
                        Err(e) => return box_once(Err(e)),
                    };
                    if tick(st).is_err() {
                        return box_once(Err(stop_exn()));
                    }
                    if let Err(e) = check_depth(st, &v, MAX_VALUE_DEPTH - 1) {
                        return box_once(Err(e));
                    }
                    if out.len() == out.capacity() {
                        let more = out.capacity().max(4);
                        if let Err(s) = limits::reserve(more * std::mem::size_of::<Val>()) {
                            return box_once(Err(stop(st, Why::Limit(s))));
                        }
                        out.reserve_exact(more);
                    }
                    out.push(v);
                }
                box_once(Ok(Val::Arr(Rc::new(out))))
            }),
        ),
        (
            ASSIGN,
            Box::new([Bind::Fun(()), Bind::Var(())]),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let v = cv.0.pop_var();
                let (p, pc) = cv.0.pop_fun();
                once(update_paths(st, p, pc, cv.1, Ok(v)))
            }),
        ),
        (
            MODIFY,
            Box::new([Bind::Fun(()), Bind::Fun(())]),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let (u, uc) = cv.0.pop_fun();
                let (p, pc) = cv.0.pop_fun();
                once(update_paths(st, p, pc, cv.1, Err((u, uc))))
            }),
        ),
        (
            DEPTH,
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                once(check_depth(st, &cv.1, MAX_VALUE_DEPTH).map(|_| cv.1))
            })
            .with_paths(|cv| box_once(Ok(cv.1)))
            .with_update(|cv, f| f(cv.1)),
        ),
        (
            OBJVAL,
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                once(check_depth(st, &cv.1, MAX_VALUE_DEPTH - 1).map(|_| cv.1))
            }),
        ),
        (
            OBJKEY,
            v(0),
            Native::new(|cv| match &cv.1 {
                Val::TStr(_) => box_once(Ok(cv.1)),
                k => box_once(Err(err(format!("Cannot use {} ({}) as object key", type_name(k), compact_capped(k, 30))))),
            }),
        ),
        (
            TEXT,
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                once(text(st, cv.1))
            }),
        ),
        (
            "tojson",
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                once(value::to_json(&cv.1).map(utf8).map_err(|s| stop(st, Why::Limit(s))))
            }),
        ),
        ("fromjson", v(0), Native::new(|cv| once(fromjson(&cv.1)))),
        (
            MUL,
            v(2),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let r = cv.0.pop_var();
                let l = cv.0.pop_var();
                // The input (often `l` itself) is let go first, so `l` may be changed in place.
                drop(cv);
                once(mul(st, l, r))
            }),
        ),
        (
            ADD,
            v(2),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let r = cv.0.pop_var();
                let l = cv.0.pop_var();
                // The input (often `l` itself, as in `. + [$x]`) is let go first, so `l` may
                // grow in place.
                drop(cv);
                once(add(st, l, r))
            }),
        ),
        (
            "range",
            v(3),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let by = cv.0.pop_var();
                let to = cv.0.pop_var();
                let from = cv.0.pop_var();
                let (Val::Num(_), Val::Num(_), Val::Num(_)) = (&from, &to, &by) else {
                    return box_once(Err(err("Range bounds must be numeric")));
                };
                let (mut x, t, b) = (num_f64(&from), num_f64(&to), num_f64(&by));
                let mut done = !(b > 0.0 || b < 0.0);
                Box::new(std::iter::from_fn(move || {
                    if done || !(if b > 0.0 { x < t } else { x > t }) {
                        return None;
                    }
                    if tick(st).is_err() {
                        done = true;
                        return Some(Err(stop_exn()));
                    }
                    let out = num_val(x);
                    x += b;
                    Some(Ok(out))
                }))
            }),
        ),
        (
            "env",
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                box_once(Ok(st.env.clone()))
            }),
        ),
        (
            "input_filename",
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                box_once(Ok(st.file.borrow().clone()))
            }),
        ),
        (
            "halt",
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                *st.halt.borrow_mut() = Some(Halt { code: 0, msg: None });
                box_once(Err(Exn::halt(0)))
            })
            .with_paths(|cv| {
                let st = st(&cv.0);
                *st.halt.borrow_mut() = Some(Halt { code: 0, msg: None });
                box_once(Err(Exn::halt(0)))
            }),
        ),
        (
            "halt_error",
            v(1),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let code = cv.0.pop_var();
                if !matches!(code, Val::Num(_)) {
                    let v = &cv.1;
                    return box_once(Err(err(format!("{} ({}) halt_error/1: number required", type_name(v), compact_capped(v, 30)))));
                }
                let code = halt_code(&code);
                *st.halt.borrow_mut() = Some(Halt { code, msg: Some(cv.1) });
                box_once(Err(Exn::halt(code)))
            }),
        ),
        (
            "debug",
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                let mut m = value::VecOut::capped(1 << 20);
                let _ = m.put(b"[\"DEBUG:\",");
                let _ = value::write_val(&mut m, &cv.1, &value::Opts { compact: true, ..Default::default() }, 1);
                m.buf.extend_from_slice(b"]\n");
                let mut sink = st.sink.borrow_mut();
                sink.err.extend_from_slice(&m.buf);
                sink.maybe_flush();
                box_once(Ok(cv.1))
            }),
        ),
        (
            "stderr",
            v(0),
            Native::new(|cv| {
                let st = st(&cv.0);
                let mut m = value::VecOut::capped(1 << 20);
                let _ = value::write_val(&mut m, &cv.1, &value::Opts { compact: true, ..Default::default() }, 0);
                let mut sink = st.sink.borrow_mut();
                sink.err.extend_from_slice(&m.buf);
                sink.maybe_flush();
                box_once(Ok(cv.1))
            }),
        ),
        (
            "getpath",
            v(1),
            Native::new(|mut cv| {
                let p = cv.0.pop_var();
                box_once(getpath(&cv.1, &p).map_err(err))
            })
            .with_paths(|mut cv| {
                let p = cv.0.pop_var();
                let (v, path) = cv.1;
                match getpath(&v, &p) {
                    Ok(sub) => {
                        let mut path = path;
                        if let Val::Arr(ks) = &p {
                            for k in ks.iter() {
                                path = path.cons(k.clone());
                            }
                        }
                        box_once(Ok((sub, path)))
                    }
                    Err(e) => box_once(Err(err(e))),
                }
            }),
        ),
        (
            "setpath",
            v(2),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let x = cv.0.pop_var();
                let p = cv.0.pop_var();
                box_once(setpath(st, cv.1, &p, x).map_err(|e| path_exn(st, e)))
            }),
        ),
        (
            "delpaths",
            v(1),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let ps = cv.0.pop_var();
                box_once(delpaths(cv.1, &ps).map_err(|e| path_exn(st, e)))
            }),
        ),
        (
            "join",
            v(1),
            Native::new(|mut cv| {
                let st = st(&cv.0);
                let sep = cv.0.pop_var();
                once(join(st, cv.1, &sep))
            }),
        ),
        (
            "strptime",
            v(1),
            Native::new(|mut cv| {
                let f = cv.0.pop_var();
                once(strptime(&cv.1, &f))
            }),
        ),
        ("matches", v(2), Native::new(|mut cv| re_native(&mut cv, false, true))),
        ("split_matches", v(2), Native::new(|mut cv| re_native(&mut cv, true, true))),
        ("split_", v(2), Native::new(|mut cv| re_native(&mut cv, true, false))),
    ]
}

/// jq 1.6's `_assign(paths; $v)` (`$v` given) and `_modify(paths; update)`: for each path
/// of `paths` in the input, set it to `$v`, or to the first output of `update` on what is
/// there (no output deletes it), in a value owned here (changed in place, not copied per
/// path), with a tick per path.
fn update_paths<'a>(
    st: &State,
    paths: jaq_core::compile::TermId,
    pc: Ctx<'a, JqData>,
    input: Val,
    to: Result<Val, (jaq_core::compile::TermId, Ctx<'a, JqData>)>,
) -> ValX<'a, Val> {
    let mut acc = input.clone();
    for r in paths.paths((pc, (input, Default::default()))) {
        let (_, path) = r?;
        tick(st).map_err(|_| stop_exn())?;
        let mut keys: Vec<Val> = path.iter().cloned().collect();
        keys.reverse();
        let p = Val::Arr(Rc::new(keys));
        let new = match &to {
            Ok(v) => Some(v.clone()),
            Err((u, uc)) => {
                let old = getpath(&acc, &p).map_err(err)?;
                match u.run((uc.clone(), old)).next() {
                    Some(r) => Some(r?),
                    None => None,
                }
            }
        };
        let taken = std::mem::take(&mut acc);
        acc = match new {
            Some(v) => setpath(st, taken, &p, v),
            None => delpaths(taken, &Val::Arr(Rc::new(vec![p]))),
        }
        .map_err(|e| path_exn(st, e))?;
    }
    Ok(acc)
}

/// A value in a message as jq 1.6 shows it: its JSON cut to 11 bytes and `...`.
pub fn trunc(v: &Val) -> String {
    let d = compact_capped(v, 64);
    if d.len() <= 14 {
        return d;
    }
    let mut end = 11;
    while !d.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &d[..end])
}

fn cannot_add<'a>(l: &Val, r: &Val) -> Exn<'a, Val> {
    err(format!("{} ({}) and {} ({}) cannot be added", type_name(l), trunc(l), type_name(r), trunc(r)))
}

/// jq 1.6's `join($x)` (`reduce .[] as $i (null; (if . == null then "" else . + $x end) +
/// ($i | if . == null then "" elif (booleans, numbers) then tojson else . end)) // ""`),
/// in one growing buffer checked against the memory budget.
fn join<'a>(st: &State, input: Val, sep: &Val) -> ValX<'a, Val> {
    let items: Box<dyn Iterator<Item = &Val>> = match &input {
        Val::Arr(a) => Box::new(a.iter()),
        Val::Obj(o) => Box::new(o.values()),
        v => return Err(err(format!("Cannot iterate over {} ({})", type_name(v), trunc(v)))),
    };
    let mut acc: Option<Vec<u8>> = None;
    for e in items {
        tick(st).map_err(|_| stop_exn())?;
        let mut cur = match acc.take() {
            None => Vec::new(),
            Some(mut s) => {
                match sep {
                    Val::Null => {}
                    Val::TStr(x) | Val::BStr(x) => {
                        grow(st, &mut s, x.len())?;
                        s.extend_from_slice(x);
                    }
                    x => return Err(cannot_add(&utf8(s), x)),
                }
                s
            }
        };
        let piece: Vec<u8> = match e {
            Val::Null => Vec::new(),
            Val::Bool(_) | Val::Num(_) => value::to_json(e).map_err(|s| stop(st, Why::Limit(s)))?,
            Val::TStr(x) | Val::BStr(x) => x.to_vec(),
            other => return Err(cannot_add(&utf8(cur), other)),
        };
        grow(st, &mut cur, piece.len())?;
        cur.extend_from_slice(&piece);
        acc = Some(cur);
    }
    Ok(utf8(acc.unwrap_or_default()))
}

/// Make room for `more` bytes in `s`, checked against the memory budget.
fn grow<'a>(st: &State, s: &mut Vec<u8>, more: usize) -> Result<(), Exn<'a, Val>> {
    if s.len() + more > s.capacity() {
        let new_cap = (s.len() + more).max(s.capacity() * 2).max(64);
        limits::reserve(new_cap - s.capacity()).map_err(|e| stop(st, Why::Limit(e)))?;
        s.reserve_exact(new_cap - s.len());
    }
    Ok(())
}

fn re_native<'a>(cv: &mut (Ctx<'a, JqData>, Val), mismatches: bool, matches: bool) -> ValXs<'a, Val> {
    let st = st(&cv.0);
    let fl = cv.0.pop_var();
    let re = cv.0.pop_var();
    once(re_run(st, &cv.1, &re, &fl, mismatches, matches))
}

/// jaq's natives that mirage drops: replaced above, not in jq 1.6 and unsafe (`tobytes`
/// expands shared values), or reaching outside the execute (`env`, logging, the host's
/// time zone).
pub const DROPPED: &[&str] = &[
    "env",
    "debug_empty",
    "stderr_empty",
    "halt",
    "tobytes",
    "localtime",
    "strflocaltime",
    "tojson",
    "fromjson",
    "range",
    "matches",
    "split_matches",
    "split_",
    "strptime",
];
