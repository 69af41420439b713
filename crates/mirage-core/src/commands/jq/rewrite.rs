//! Rewriting parsed filters (the user's and the standard library's) so that everything
//! that may loop, allocate or nest at run time passes through mirage's own natives:
//!
//! - a recursive definition's body, and every `reduce`/`foreach` update, start with a tick
//!   (the execute's stop switch, its memory budget, and the stack);
//! - `..` ticks for every value it visits;
//! - `[f]` collects with ticks, the memory budget and the depth limit (`__mirage_arr`);
//! - object values are checked for depth, computed keys for being strings;
//! - `"\(f)"` formats with a bounded writer instead of jaq's;
//! - `+` and `*` check what they would allocate against the memory budget;
//! - every update (`=`, `|=`, `+=`, `//=`, ...) is jq 1.6's `_assign`/`_modify` over
//!   `path`, `getpath`, `setpath` and `delpaths`, all mirage's (so a path can neither
//!   allocate past the budget nor nest past the depth limit);
//! - `$__loc__` becomes jq 1.6's `{"file":"<top-level>","line":N}`.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Def, Pattern, Term};
use jaq_core::load::Arena;
use jaq_core::ops::Math;
use jaq_core::path::{Opt, Part, Path};

pub const TICK: &str = "__mirage_tick";
pub const ARR: &str = "__mirage_arr";
pub const DEPTH: &str = "__mirage_depth";
pub const OBJVAL: &str = "__mirage_objval";
pub const OBJKEY: &str = "__mirage_objkey";
pub const TEXT: &str = "@__mirage_text";
pub const MUL: &str = "__mirage_mul";
pub const ADD: &str = "__mirage_add";
pub const ASSIGN: &str = "__mirage_assign";
pub const MODIFY: &str = "__mirage_modify";
pub const MAIN: &str = "__mirage_main";
const X: &str = "$__mirage_x";

/// Definitions jq 1.6 has (or has differently from jaq), in jq 1.6's words where possible.
/// The standard library is compiled in order (a definition sees only those before it), so
/// `EARLY` ones come first, `IN_PLACE` ones where jaq had its own, and the rest last.
pub const DEFS: &str = r#"
def del(f): delpaths([path(f)]);
def walk(f): def w: if . >= {} then map_values(w) elif . >= [] then map(w) else . end | f; w;
def combinations: if length == 0 then [] else .[0][] as $x | (.[1:] | combinations) as $w | [$x] + $w end;
def combinations(n): . as $dot | [range(n)] | map($dot) | combinations;
def from_entries: reduce .[] as $e ({}; . + {($e | .key // .k // .name // .Name // .K // .Key): ($e | if has("value") then .value else .v end)});
def halt_error: halt_error(5);
def localtime: gmtime;
def strflocaltime(f): strftime(f);
def leaf_paths: paths(scalars);
def tostream: path(def r: (.[]? | r), .; r) as $p | getpath($p) | reduce path(.[]?) as $q ([$p, .]; [$p + $q]);
def fromstream(f): { x: null, e: false } as $init | foreach f as $i ($init; if .e then $init else . end | if $i | length == 2 then setpath(["e"]; $i[0] | length == 0) | setpath(["x"] + $i[0]; $i[1]) else setpath(["e"]; $i[0] | length == 1) end; if .e then .x else empty end);
def truncate_stream(stream): . as $n | null | stream | . as $input | if (.[0] | length) > $n then setpath([0]; .[0][$n:]) else empty end;
def IN(s): any(s == .; .);
def IN(src; s): any(src == s; .);
def INDEX(stream; idx_expr): reduce stream as $row ({}; .[$row | idx_expr | tostring] |= $row);
def INDEX(idx_expr): INDEX(.[]; idx_expr);
def @csv: if type == "array" then map(if type == "string" then "\"" + gsub("\""; "\"\"") + "\"" elif type == "number" or type == "boolean" then tostring elif . == null then "" else error("\(type) (\(tojson)) is not valid in a csv row") end) | join(",") else error("\(type) (\(tojson)) cannot be csv-formatted, only an array can be") end;
def @tsv: if type == "array" then map(if type == "string" then gsub("\\\\"; "\\\\") | gsub("\t"; "\\t") | gsub("\n"; "\\n") | gsub("\r"; "\\r") elif type == "number" or type == "boolean" then tostring elif . == null then "" else error("\(type) (\(tojson)) is not valid in a tsv row") end) | join("\t") else error("\(type) (\(tojson)) cannot be tsv-formatted, only an array can be") end;
"#;

/// Of `DEFS`: compiled before jaq's own definitions.
pub const EARLY: &[&str] = &["del"];
/// Of `DEFS`: compiled where jaq's definition of the same name was.
pub const IN_PLACE: &[&str] = &["walk", "combinations", "from_entries", "halt_error"];
/// jaq's definitions that are dropped (natives or `DEFS` replace them; all arities).
pub const REPLACED: &[&str] =
    &["getpath", "setpath", "delpaths", "del", "walk", "from_entries", "join", "combinations", "halt", "halt_error", "stderr", "debug"];

/// The standard library, rewritten, in compile order.
pub fn prelude<'s>(rw: &Rewriter<'s>) -> Vec<Def<&'s str>> {
    let mine: Vec<Def<&'s str>> = jaq_core::load::parse(DEFS, |p| p.defs()).unwrap_or_default();
    let std_defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
    let mut out: Vec<Def<&'s str>> = mine.iter().filter(|d| EARLY.contains(&d.name)).cloned().collect();
    let mut placed: Vec<&str> = Vec::new();
    for d in std_defs {
        if !REPLACED.contains(&d.name) {
            out.push(d);
        } else if IN_PLACE.contains(&d.name) && !placed.contains(&d.name) {
            placed.push(d.name);
            out.extend(mine.iter().filter(|m| m.name == d.name).cloned());
        }
    }
    out.extend(mine.iter().filter(|m| !EARLY.contains(&m.name) && !IN_PLACE.contains(&m.name)).cloned());
    out.into_iter().map(|d| rw.def(d)).collect()
}

fn pipe<'s>(l: Term<&'s str>, r: Term<&'s str>) -> Term<&'s str> {
    Term::BinOp(Box::new(l), BinaryOp::Pipe(None), Box::new(r))
}

fn call<'s>(name: &'s str, args: Vec<Term<&'s str>>) -> Term<&'s str> {
    Term::Call(name, args)
}

fn tick<'s>() -> Term<&'s str> {
    call(TICK, Vec::new())
}

fn string<'s>(s: &'s str) -> Term<&'s str> {
    Term::Str(None, vec![StrPart::Str(s)])
}

/// Whether `t` calls `name` with `arity` arguments anywhere (a definition that may recur).
fn mentions(t: &Term<&str>, name: &str, arity: usize) -> bool {
    let m = |t: &Term<&str>| mentions(t, name, arity);
    match t {
        Term::Id | Term::Recurse | Term::Num(_) | Term::Var(_) | Term::Break(_) => false,
        Term::Str(_, parts) => parts.iter().any(|p| matches!(p, StrPart::Term(t) if m(t))),
        Term::Arr(t) => t.as_deref().is_some_and(m),
        Term::Obj(kvs) => kvs.iter().any(|(k, v)| m(k) || v.as_ref().is_some_and(m)),
        Term::Neg(t) | Term::Label(_, t) => m(t),
        Term::BinOp(l, op, r) => m(l) || m(r) || matches!(op, BinaryOp::Pipe(Some(p)) if pat_mentions(p, name, arity)),
        Term::Fold(_, xs, p, args) => m(xs) || pat_mentions(p, name, arity) || args.iter().any(m),
        Term::TryCatch(t, c) => m(t) || c.as_deref().is_some_and(m),
        Term::IfThenElse(its, e) => its.iter().any(|(i, t)| m(i) || m(t)) || e.as_deref().is_some_and(m),
        Term::Def(defs, t) => defs.iter().any(|d| m(&d.body)) || m(t),
        Term::Call(n, args) => (*n == name && args.len() == arity) || args.iter().any(m),
        Term::Path(t, path) => {
            m(t) || path.0.iter().any(|(p, _)| match p {
                Part::Index(i) => m(i),
                Part::Range(a, b) => a.as_ref().is_some_and(m) || b.as_ref().is_some_and(m),
            })
        }
    }
}

fn pat_mentions(p: &Pattern<&str>, name: &str, arity: usize) -> bool {
    match p {
        Pattern::Var(_) => false,
        Pattern::Arr(ps) => ps.iter().any(|p| pat_mentions(p, name, arity)),
        Pattern::Obj(kps) => kps.iter().any(|(k, p)| mentions(k, name, arity) || pat_mentions(p, name, arity)),
    }
}

pub struct Rewriter<'s> {
    /// The user's filter (for `$__loc__` lines); `None` for the standard library.
    pub src: Option<&'s str>,
    pub arena: &'s Arena,
}

impl<'s> Rewriter<'s> {
    pub fn def(&self, d: Def<&'s str>) -> Def<&'s str> {
        let recursive = mentions(&d.body, d.name, d.args.len());
        let body = self.term(d.body);
        Def { name: d.name, args: d.args, body: if recursive { pipe(tick(), body) } else { body } }
    }

    fn loc(&self, at: &'s str) -> Term<&'s str> {
        let line = match self.src {
            Some(src) if (at.as_ptr() as usize) >= (src.as_ptr() as usize) && (at.as_ptr() as usize) <= src.as_ptr() as usize + src.len() => {
                let off = at.as_ptr() as usize - src.as_ptr() as usize;
                src.as_bytes()[..off].iter().filter(|b| **b == b'\n').count() + 1
            }
            _ => 1,
        };
        let line: &'s str = self.arena.alloc(line.to_string());
        Term::Obj(vec![(string("file"), Some(string("<top-level>"))), (string("line"), Some(Term::Num(line)))])
    }

    pub fn term(&self, t: Term<&'s str>) -> Term<&'s str> {
        match t {
            Term::Id | Term::Num(_) | Term::Break(_) => t,
            Term::Recurse => pipe(Term::Recurse, tick()),
            Term::Var(x) if x == "$__loc__" => self.term(self.loc(x)),
            Term::Var(_) => t,
            Term::Str(fmt, parts) if parts.iter().any(|p| matches!(p, StrPart::Term(_))) => {
                // As jaq compiles it (`"a\(f)b"` is `"a" + ((f | fmt) + "b")`), with the
                // concatenation checked against the memory budget and values formatted by
                // mirage's bounded writer.
                let fmt = fmt.unwrap_or(TEXT);
                let mut parts: Vec<Term<&'s str>> = parts
                    .into_iter()
                    .map(|p| match p {
                        StrPart::Term(t) => pipe(self.term(t), call(fmt, Vec::new())),
                        StrPart::Str(s) => Term::Str(None, vec![StrPart::Str(s)]),
                        StrPart::Char(c) => Term::Str(None, vec![StrPart::Char(c)]),
                    })
                    .collect();
                let last = parts.pop().expect("an interpolated part");
                parts.into_iter().rev().fold(last, |acc, x| call(ADD, vec![x, acc]))
            }
            Term::Str(..) => t,
            Term::Arr(None) => Term::Arr(None),
            Term::Arr(Some(t)) => call(ARR, vec![self.term(*t)]),
            Term::Obj(kvs) => Term::Obj(kvs.into_iter().map(|(k, v)| self.obj_entry(k, v)).collect()),
            Term::Neg(t) => Term::Neg(Box::new(self.term(*t))),
            Term::BinOp(l, op, r) => self.binop(*l, op, *r),
            Term::Label(x, t) => Term::Label(x, Box::new(self.term(*t))),
            Term::Fold(kw, xs, pat, args) => {
                let xs = self.term(*xs);
                let pat = self.pattern(pat);
                let args = args
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let a = self.term(a);
                        if i == 1 {
                            pipe(tick(), a)
                        } else {
                            a
                        }
                    })
                    .collect();
                Term::Fold(kw, Box::new(xs), pat, args)
            }
            Term::TryCatch(t, c) => Term::TryCatch(Box::new(self.term(*t)), c.map(|c| Box::new(self.term(*c)))),
            Term::IfThenElse(its, e) => {
                Term::IfThenElse(its.into_iter().map(|(i, t)| (self.term(i), self.term(t))).collect(), e.map(|e| Box::new(self.term(*e))))
            }
            Term::Def(defs, t) => Term::Def(defs.into_iter().map(|d| self.def(d)).collect(), Box::new(self.term(*t))),
            Term::Call(name, args) => {
                let args: Vec<_> = args.into_iter().map(|a| self.term(a)).collect();
                match (name, args.len()) {
                    // Natives whose output nests one level more than what they get.
                    ("path" | "path_value" | "group_by", 1) | ("key_values", 0) => pipe(call(name, args), call(DEPTH, Vec::new())),
                    _ => call(name, args),
                }
            }
            Term::Path(t, path) => {
                let t = self.term(*t);
                let parts = path
                    .0
                    .into_iter()
                    .map(|(p, o)| {
                        let p = match p {
                            Part::Index(i) => Part::Index(self.term(i)),
                            Part::Range(a, b) => Part::Range(a.map(|a| self.term(a)), b.map(|b| self.term(b))),
                        };
                        (p, o)
                    })
                    .collect();
                Term::Path(Box::new(t), Path(parts))
            }
        }
    }

    fn pattern(&self, p: Pattern<&'s str>) -> Pattern<&'s str> {
        match p {
            Pattern::Var(x) => Pattern::Var(x),
            Pattern::Arr(ps) => Pattern::Arr(ps.into_iter().map(|p| self.pattern(p)).collect()),
            Pattern::Obj(kps) => Pattern::Obj(kps.into_iter().map(|(k, p)| (self.term(k), self.pattern(p))).collect()),
        }
    }

    fn obj_entry(&self, k: Term<&'s str>, v: Option<Term<&'s str>>) -> (Term<&'s str>, Option<Term<&'s str>>) {
        let (k, v) = match (k, v) {
            (Term::Var(x), None) => (string(&x[1..]), self.term(Term::Var(x))),
            (k, None) => {
                let k = self.term(k);
                let v = Term::Path(Box::new(Term::Id), Path(vec![(Part::Index(k.clone()), Opt::Essential)]));
                (k, v)
            }
            (k, Some(v)) => (self.term(k), self.term(v)),
        };
        let k = if matches!(k, Term::Str(..)) { k } else { pipe(k, call(OBJKEY, Vec::new())) };
        let v = if matches!(v, Term::Num(_) | Term::Str(..)) { v } else { pipe(v, call(OBJVAL, Vec::new())) };
        (k, Some(v))
    }

    fn binop(&self, l: Term<&'s str>, op: BinaryOp<&'s str>, r: Term<&'s str>) -> Term<&'s str> {
        let bind = |r: Term<&'s str>, body: Term<&'s str>| Term::BinOp(Box::new(r), BinaryOp::Pipe(Some(Pattern::Var(X))), Box::new(body));
        match op {
            BinaryOp::Assign => call(ASSIGN, vec![self.term(l), self.term(r)]),
            BinaryOp::Update => call(MODIFY, vec![self.term(l), self.term(r)]),
            BinaryOp::UpdateMath(m) => {
                let update = match m {
                    Math::Mul => call(MUL, vec![Term::Id, Term::Var(X)]),
                    Math::Add => call(ADD, vec![Term::Id, Term::Var(X)]),
                    m => Term::BinOp(Box::new(Term::Id), BinaryOp::Math(m), Box::new(Term::Var(X))),
                };
                bind(self.term(r), call(MODIFY, vec![self.term(l), update]))
            }
            BinaryOp::UpdateAlt => {
                let update = Term::BinOp(Box::new(Term::Id), BinaryOp::Alt, Box::new(Term::Var(X)));
                bind(self.term(r), call(MODIFY, vec![self.term(l), update]))
            }
            BinaryOp::Math(Math::Mul) => call(MUL, vec![self.term(l), self.term(r)]),
            BinaryOp::Math(Math::Add) => call(ADD, vec![self.term(l), self.term(r)]),
            BinaryOp::Pipe(Some(p)) => Term::BinOp(Box::new(self.term(l)), BinaryOp::Pipe(Some(self.pattern(p))), Box::new(self.term(r))),
            op => Term::BinOp(Box::new(self.term(l)), op, Box::new(self.term(r))),
        }
    }
}
