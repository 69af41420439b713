//! `awk`: a POSIX awk interpreter that behaves as gawk does on common scripts: fields,
//! `NF NR FNR FS OFS RS ORS FILENAME SUBSEP RSTART RLENGTH CONVFMT OFMT ENVIRON ARGV`,
//! `-F -v -f`, patterns and ranges, `BEGIN`/`END`, functions, arrays (`in`, `delete`,
//! `for (k in a)` in gawk's own order), the string and math builtins, `printf`,
//! `getline` (plain, `var`, `< file`), output redirection to files (`>`, `>>`).
//!
//! The interpreter is synchronous and runs on a blocking thread; it reads input and
//! writes output through a channel serviced by the command's async side, so reads stream
//! and a closed pipe stops it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use regex::bytes::Regex;
use tokio::sync::{mpsc, oneshot};

use super::cfmt;
use super::common::compile_posix;
use super::{Ctx, EXIT_PIPE};
use crate::limits::{self, Stop};
use crate::shell::io::Reader;

/// The syntax error of a program nested deeper than the parser goes (`limits::nest`).
const TOO_DEEP: &str = "maximum nesting level exceeded";
/// Nodes a chain of binary operators (`a b c ...`, `1+1+...`, `else if` ...) may stack on top
/// of each other, on top of the nesting the parser's recursion allows: the evaluator and the
/// tree's own drop recurse once per node.
const MAX_CHAIN: usize = 5000;
/// User function calls in progress at once (gawk has no limit; this one keeps the
/// interpreter's recursion within its thread's stack, in a debug build too).
const MAX_CALL_DEPTH: usize = 10_000;

// ================================================================ lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(Vec<u8>),
    Regex(Vec<u8>),
    Ident(String),
    Func(String),
    Builtin(String),
    Kw(&'static str),
    P(&'static str),
    Newline,
    Eof,
}

const KEYWORDS: &[&str] = &[
    "BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break", "continue", "next", "nextfile", "exit", "return", "delete", "in",
    "getline", "print", "printf",
];

const BUILTINS: &[&str] = &[
    "length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "sin", "cos", "atan2", "exp", "log", "sqrt", "int", "rand", "srand", "tolower",
    "toupper", "system", "close", "fflush", "gensub", "strftime", "systime", "asort", "asorti", "mktime",
];

const PUNCT: &[&str] = &[
    "**=", "**", "+=", "-=", "*=", "/=", "%=", "^=", "==", "<=", ">=", "!=", "!~", "++", "--", "&&", "||", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-",
    "*", "/", "%", "^", "!", ">", "<", "|", "?", ":", "~", "$", "=",
];

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
    prev_allows_regex: bool,
    toks: Vec<(Tok, usize, usize)>,
}

#[derive(Debug)]
struct SyntaxError {
    pos: usize,
    msg: String,
}

fn lex(src: &[u8]) -> Result<Vec<(Tok, usize, usize)>, SyntaxError> {
    let mut lx = Lexer { s: src, pos: 0, line: 1, prev_allows_regex: true, toks: Vec::new() };
    lx.run()?;
    Ok(lx.toks)
}

impl Lexer<'_> {
    fn push(&mut self, t: Tok, start: usize) {
        self.prev_allows_regex = !matches!(
            &t,
            Tok::Num(_) | Tok::Str(_) | Tok::Regex(_) | Tok::Ident(_) | Tok::Builtin(_) | Tok::P(")") | Tok::P("]") | Tok::P("$") | Tok::P("++") | Tok::P("--")
        );
        if let Tok::Kw("getline") = t {
            self.prev_allows_regex = false;
        }
        self.toks.push((t, start, self.line));
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        while self.pos < self.s.len() {
            let c = self.s[self.pos];
            let start = self.pos;
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.s.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                b'\\' if self.s.get(self.pos + 1) == Some(&b'\r') && self.s.get(self.pos + 2) == Some(&b'\n') => {
                    self.pos += 3;
                    self.line += 1;
                }
                b'#' => {
                    while self.pos < self.s.len() && self.s[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.pos += 1;
                    // Newlines after these tokens are not terminators.
                    let skip = matches!(
                        self.toks.last().map(|t| &t.0),
                        Some(Tok::P("{")) | Some(Tok::P("&&")) | Some(Tok::P("||")) | Some(Tok::P(",")) | Some(Tok::Kw("do")) | Some(Tok::Kw("else")) | Some(Tok::Newline)
                    );
                    if !skip {
                        self.push(Tok::Newline, start);
                    }
                    self.line += 1;
                }
                b'"' => {
                    self.pos += 1;
                    let s = self.string()?;
                    self.push(Tok::Str(s), start);
                }
                b'/' if self.prev_allows_regex => {
                    self.pos += 1;
                    let r = self.regex()?;
                    self.push(Tok::Regex(r), start);
                }
                b'0'..=b'9' | b'.' if c != b'.' || self.s.get(self.pos + 1).is_some_and(|d| d.is_ascii_digit()) => {
                    let n = self.number();
                    self.push(Tok::Num(n), start);
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    while self.pos < self.s.len() && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_') {
                        self.pos += 1;
                    }
                    let w = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
                    if let Some(k) = KEYWORDS.iter().find(|k| **k == w) {
                        let k = if *k == "func" { "function" } else { *k };
                        self.push(Tok::Kw(k), start);
                    } else if BUILTINS.contains(&w.as_str()) {
                        self.push(Tok::Builtin(w), start);
                    } else if self.s.get(self.pos) == Some(&b'(') {
                        self.push(Tok::Func(w), start);
                    } else {
                        self.push(Tok::Ident(w), start);
                    }
                }
                _ => {
                    let rest = &self.s[self.pos..];
                    let Some(p) = PUNCT.iter().find(|p| rest.starts_with(p.as_bytes())) else {
                        return Err(SyntaxError { pos: self.pos, msg: format!("invalid char '{}' in expression", c as char) });
                    };
                    self.pos += p.len();
                    let p = match *p {
                        "**" => "^",
                        "**=" => "^=",
                        p => p,
                    };
                    self.push(Tok::P(p), start);
                }
            }
        }
        self.push(Tok::Newline, self.pos);
        self.toks.push((Tok::Eof, self.pos, self.line));
        Ok(())
    }

    fn number(&mut self) -> f64 {
        let s = &self.s[self.pos..];
        if s.len() > 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') && s[2].is_ascii_hexdigit() {
            let mut i = 2;
            while i < s.len() && s[i].is_ascii_hexdigit() {
                i += 1;
            }
            let v = u64::from_str_radix(std::str::from_utf8(&s[2..i]).unwrap_or("0"), 16).unwrap_or(0) as f64;
            self.pos += i;
            return v;
        }
        // Only the bytes the number can span (validating the rest of the program for each
        // number would make lexing quadratic).
        let (v, n) = num_prefix(numeric_head(s));
        self.pos += n.max(1);
        v
    }

    fn string(&mut self) -> Result<Vec<u8>, SyntaxError> {
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(SyntaxError { pos: self.pos, msg: "unterminated string".into() });
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(out),
                b'\n' => return Err(SyntaxError { pos: self.pos, msg: "unterminated string".into() }),
                b'\\' => {
                    let Some(&n) = self.s.get(self.pos) else { continue };
                    self.pos += 1;
                    match n {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'\\' => out.push(b'\\'),
                        b'"' => out.push(b'"'),
                        b'/' => out.push(b'/'),
                        b'a' => out.push(7),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'v' => out.push(11),
                        b'\n' => self.line += 1,
                        b'0'..=b'7' => {
                            let mut v = (n - b'0') as u32;
                            let mut k = 0;
                            while k < 2 && self.s.get(self.pos).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                                v = v * 8 + (self.s[self.pos] - b'0') as u32;
                                self.pos += 1;
                                k += 1;
                            }
                            out.push(v as u8);
                        }
                        _ => {
                            // gawk keeps the backslash for unknown escapes (with a warning).
                            out.push(b'\\');
                            out.push(n);
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn regex(&mut self) -> Result<Vec<u8>, SyntaxError> {
        let mut out = Vec::new();
        let mut in_br = false;
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(SyntaxError { pos: self.pos, msg: "unterminated regexp".into() });
            };
            self.pos += 1;
            match c {
                b'\n' => return Err(SyntaxError { pos: self.pos, msg: "unterminated regexp".into() }),
                b'/' if !in_br => return Ok(out),
                b'[' if !in_br => {
                    in_br = true;
                    out.push(c);
                    if self.s.get(self.pos) == Some(&b'^') {
                        out.push(b'^');
                        self.pos += 1;
                    }
                    if self.s.get(self.pos) == Some(&b']') {
                        out.push(b']');
                        self.pos += 1;
                    }
                }
                b']' if in_br => {
                    in_br = false;
                    out.push(c);
                }
                b'\\' => {
                    let Some(&n) = self.s.get(self.pos) else { continue };
                    self.pos += 1;
                    if n == b'/' {
                        out.push(b'/');
                    } else {
                        out.push(b'\\');
                        out.push(n);
                    }
                }
                c => out.push(c),
            }
        }
    }
}

/// The longest numeric prefix (decimal, awk style: no inf/nan, no hex); (value, length).
fn num_prefix(s: &str) -> (f64, usize) {
    super::printf::decimal_prefix(s)
}

/// String to number as awk converts: leading blanks, then the longest numeric prefix.
fn str_to_num(s: &[u8]) -> f64 {
    let t = trim_blank(s);
    if let Some(v) = inf_nan(t) {
        return v;
    }
    num_prefix(numeric_head(t)).0
}

/// `+inf`, `-nan` (any case) at the start of `t`.
fn inf_nan(t: &[u8]) -> Option<f64> {
    let (&sign, rest) = t.split_first()?;
    if (sign != b'+' && sign != b'-') || rest.len() < 3 {
        return None;
    }
    let v = if rest[..3].eq_ignore_ascii_case(b"inf") {
        f64::INFINITY
    } else if rest[..3].eq_ignore_ascii_case(b"nan") {
        f64::NAN
    } else {
        return None;
    };
    Some(if sign == b'-' { -v } else { v })
}

/// The leading bytes of `t` a decimal number may span (`[+-]digits[.digits][e[+-]digits]`),
/// as text: what is converted, without validating (or copying) the rest of a long string.
fn numeric_head(t: &[u8]) -> &str {
    let digits = |mut i: usize| {
        while t.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(t.first(), Some(b'+' | b'-')));
    i = digits(i);
    if t.get(i) == Some(&b'.') {
        i = digits(i + 1);
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(i);
    }
    std::str::from_utf8(&t[..i.min(t.len())]).unwrap_or("")
}

/// A regex the `regex` crate refuses for its limits (nesting, compiled size) gets regcomp's
/// message for a pattern too large for it.
fn regex_error(e: String) -> String {
    if e.contains("nest") || e.contains("size limit") {
        "Regular expression too big".into()
    } else {
        e
    }
}

fn trim_blank(s: &[u8]) -> &[u8] {
    let st = s.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 11 | 12)).unwrap_or(s.len());
    let en = s.iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 11 | 12)).map(|i| i + 1).unwrap_or(st);
    &s[st..en.max(st)]
}

/// Whether input text looks like a number (a "strnum").
fn looks_numeric(s: &[u8]) -> bool {
    let t = trim_blank(s);
    if t.is_empty() {
        return false;
    }
    if t.len() == 4 && inf_nan(t).is_some() {
        return true;
    }
    let (_, n) = num_prefix(numeric_head(t));
    n == t.len()
}

// ================================================================ AST

#[derive(Clone, Copy, Debug, PartialEq)]
enum Var {
    Global(usize),
    Local(usize),
}

#[derive(Clone, Debug)]
enum Expr {
    Num(f64),
    Str(Vec<u8>),
    Regex(usize),
    Var(Var),
    Field(Box<Expr>),
    Index(Var, Vec<Expr>),
    Assign(Option<char>, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Plus(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Cmp(&'static str, Box<Expr>, Box<Expr>),
    Match(bool, Box<Expr>, Box<Expr>),
    Concat(Box<Expr>, Box<Expr>),
    In(Vec<Expr>, Var),
    IncDec(bool, i8, Box<Expr>),
    Builtin(String, Vec<Expr>),
    Call(usize, Vec<Expr>),
    Getline(GetSrc, Option<Box<Expr>>),
    Group(Box<Expr>),
}

#[derive(Clone, Debug)]
enum GetSrc {
    Main,
    File(Box<Expr>),
    Cmd(Box<Expr>),
}

#[derive(Clone, Debug)]
enum Redir {
    File(Expr),
    Append(Expr),
    Pipe(Expr),
}

#[derive(Clone, Debug)]
enum Stmt {
    Expr(Expr),
    Print(Vec<Expr>, Option<Redir>),
    Printf(Vec<Expr>, Option<Redir>),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    Do(Box<Stmt>, Expr),
    For(Option<Box<Stmt>>, Option<Expr>, Option<Box<Stmt>>, Box<Stmt>),
    ForIn(Var, Var, Box<Stmt>),
    Block(Vec<Stmt>),
    Next,
    NextFile,
    Exit(Option<Expr>),
    Return(Option<Expr>),
    Break,
    Continue,
    Delete(Var, Option<Vec<Expr>>),
    Getline(Expr),
}

enum Pattern {
    Begin,
    End,
    All,
    Expr(Expr),
    Range(Expr, Expr),
}

struct Rule {
    pattern: Pattern,
    action: Option<Vec<Stmt>>,
}

struct Func {
    name: String,
    nparams: usize,
    body: Vec<Stmt>,
}

struct Program {
    rules: Vec<Rule>,
    funcs: Vec<Func>,
    globals: Vec<String>,
    regexes: Vec<Regex>,
}

// ================================================================ parser

const SPECIALS: &[&str] = &["NR", "NF", "FNR", "FS", "OFS", "ORS", "RS", "FILENAME", "SUBSEP", "RSTART", "RLENGTH", "CONVFMT", "OFMT", "ENVIRON", "ARGC", "ARGV", "RT"];
const G_NR: usize = 0;
const G_NF: usize = 1;
const G_FNR: usize = 2;
const G_FS: usize = 3;
const G_OFS: usize = 4;
const G_ORS: usize = 5;
const G_RS: usize = 6;
const G_FILENAME: usize = 7;
const G_SUBSEP: usize = 8;
const G_RSTART: usize = 9;
const G_RLENGTH: usize = 10;
const G_CONVFMT: usize = 11;
const G_OFMT: usize = 12;
const G_ENVIRON: usize = 13;
const G_ARGC: usize = 14;
const G_ARGV: usize = 15;

struct Parser<'a> {
    toks: Vec<(Tok, usize, usize)>,
    i: usize,
    src: &'a [u8],
    globals: Vec<String>,
    locals: Option<Vec<String>>,
    func_names: HashMap<String, usize>,
    funcs: Vec<Option<Func>>,
    regexes: Vec<Regex>,
    /// Inside `print` arguments, `>` is a redirection, not a comparison.
    no_gt: bool,
    /// Inside `for (x in a)` header detection, `in` is not an operator.
    no_in: bool,
    /// Operator-chain nodes open now, all levels together (see `MAX_CHAIN`).
    chain: usize,
}

type PResult<T> = Result<T, SyntaxError>;

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].0
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].0
    }
    fn advance(&mut self) -> Tok {
        let t = self.toks[self.i].0.clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn is_p(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::P(x) if *x == p)
    }
    fn is_kw(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Kw(x) if *x == k)
    }
    fn err<T>(&self) -> PResult<T> {
        let (t, pos, _) = &self.toks[self.i];
        let msg = match t {
            Tok::Newline | Tok::Eof if *pos >= self.src.len() || self.src.get(*pos) == Some(&b'\n') => "unexpected newline or end of string",
            _ => "syntax error",
        };
        Err(SyntaxError { pos: *pos, msg: msg.into() })
    }
    fn too_deep(&self) -> SyntaxError {
        SyntaxError { pos: self.toks[self.i].1, msg: TOO_DEEP.into() }
    }
    /// One level of the parser's recursion: fails past `limits::MAX_NESTING` levels (or when
    /// the stack runs low) instead of overflowing the stack.
    fn nest(&self) -> PResult<limits::NestGuard> {
        limits::nest().map_err(|_| self.too_deep())
    }
    /// One more node of an operator chain (undone by resetting `chain` after the loop).
    fn chain_step(&mut self) -> PResult<()> {
        self.chain += 1;
        if self.chain > MAX_CHAIN {
            return Err(self.too_deep());
        }
        Ok(())
    }
    fn expect_p(&mut self, p: &str) -> PResult<()> {
        if self.is_p(p) {
            self.advance();
            Ok(())
        } else {
            self.err()
        }
    }
    fn opt_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.advance();
        }
    }
    fn skip_terms(&mut self) {
        while matches!(self.peek(), Tok::Newline) || self.is_p(";") {
            self.advance();
        }
    }

    fn var(&mut self, name: &str) -> Var {
        if let Some(l) = &self.locals {
            if let Some(i) = l.iter().position(|n| n == name) {
                return Var::Local(i);
            }
        }
        match self.globals.iter().position(|n| n == name) {
            Some(i) => Var::Global(i),
            None => {
                self.globals.push(name.to_string());
                Var::Global(self.globals.len() - 1)
            }
        }
    }

    fn func_index(&mut self, name: &str) -> usize {
        if let Some(&i) = self.func_names.get(name) {
            return i;
        }
        self.funcs.push(None);
        let i = self.funcs.len() - 1;
        self.func_names.insert(name.to_string(), i);
        i
    }

    fn regex_lit(&mut self, r: &[u8]) -> PResult<usize> {
        let pat = String::from_utf8_lossy(r).into_owned();
        match compile_posix(&awk_regex_src(&pat), true, false, false) {
            Ok(re) => {
                self.regexes.push(re);
                Ok(self.regexes.len() - 1)
            }
            Err(e) => Err(SyntaxError { pos: self.toks[self.i.saturating_sub(1)].1, msg: regex_error(e) }),
        }
    }

    fn program(&mut self) -> PResult<Vec<Rule>> {
        let mut rules = Vec::new();
        loop {
            self.skip_terms();
            match self.peek().clone() {
                Tok::Eof => break,
                Tok::Kw("function") => {
                    self.advance();
                    let name = match self.advance() {
                        Tok::Func(n) | Tok::Ident(n) => n,
                        _ => return self.err(),
                    };
                    self.expect_p("(")?;
                    let mut params = Vec::new();
                    while !self.is_p(")") {
                        match self.advance() {
                            Tok::Ident(p) => params.push(p),
                            _ => return self.err(),
                        }
                        if self.is_p(",") {
                            self.advance();
                            self.opt_newlines();
                        }
                    }
                    self.advance();
                    self.opt_newlines();
                    let idx = self.func_index(&name);
                    self.locals = Some(params.clone());
                    let body = self.block()?;
                    self.locals = None;
                    self.funcs[idx] = Some(Func { name, nparams: params.len(), body });
                }
                Tok::Kw("BEGIN") => {
                    self.advance();
                    self.opt_newlines();
                    let b = self.block()?;
                    rules.push(Rule { pattern: Pattern::Begin, action: Some(b) });
                }
                Tok::Kw("END") => {
                    self.advance();
                    self.opt_newlines();
                    let b = self.block()?;
                    rules.push(Rule { pattern: Pattern::End, action: Some(b) });
                }
                Tok::P("{") => {
                    let b = self.block()?;
                    rules.push(Rule { pattern: Pattern::All, action: Some(b) });
                }
                _ => {
                    let e = self.expr()?;
                    let pattern = if self.is_p(",") {
                        self.advance();
                        self.opt_newlines();
                        let e2 = self.expr()?;
                        Pattern::Range(e, e2)
                    } else {
                        Pattern::Expr(e)
                    };
                    let action = if self.is_p("{") { Some(self.block()?) } else { None };
                    rules.push(Rule { pattern, action });
                }
            }
        }
        Ok(rules)
    }

    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_p("{")?;
        let mut v = Vec::new();
        loop {
            self.skip_terms();
            if self.is_p("}") {
                self.advance();
                return Ok(v);
            }
            if matches!(self.peek(), Tok::Eof) {
                return self.err();
            }
            v.push(self.stmt()?);
        }
    }

    /// A statement's end: `;`, newline, or before `}`.
    fn end_simple(&mut self) -> PResult<()> {
        if self.is_p(";") || matches!(self.peek(), Tok::Newline) {
            self.advance();
            return Ok(());
        }
        if self.is_p("}") || matches!(self.peek(), Tok::Eof) {
            return Ok(());
        }
        self.err()
    }

    fn simple_or_block(&mut self) -> PResult<Stmt> {
        self.opt_newlines();
        if self.is_p(";") {
            self.advance();
            return Ok(Stmt::Block(Vec::new()));
        }
        self.stmt()
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let _nest = self.nest()?;
        match self.peek().clone() {
            Tok::P("{") => Ok(Stmt::Block(self.block()?)),
            Tok::Kw("if") => {
                // `if ... else if ... else if ...` is read as a chain, not by recursion.
                let saved = self.chain;
                let mut arms = Vec::new();
                let mut otherwise = None;
                loop {
                    self.advance();
                    self.expect_p("(")?;
                    let c = self.expr()?;
                    self.expect_p(")")?;
                    let then = self.simple_or_block()?;
                    arms.push((c, then));
                    // `else` may follow after newlines or a `;`.
                    let save = self.i;
                    self.skip_terms();
                    if !self.is_kw("else") {
                        self.i = save;
                        break;
                    }
                    self.advance();
                    self.opt_newlines();
                    if self.is_kw("if") {
                        self.chain_step()?;
                        continue;
                    }
                    otherwise = Some(Box::new(self.simple_or_block()?));
                    break;
                }
                self.chain = saved;
                let mut acc = otherwise;
                while let Some((c, then)) = arms.pop() {
                    acc = Some(Box::new(Stmt::If(c, Box::new(then), acc)));
                }
                match acc {
                    Some(s) => Ok(*s),
                    None => self.err(),
                }
            }
            Tok::Kw("while") => {
                self.advance();
                self.expect_p("(")?;
                let c = self.expr()?;
                self.expect_p(")")?;
                if self.is_p(";") {
                    self.advance();
                    return Ok(Stmt::While(c, Box::new(Stmt::Block(Vec::new()))));
                }
                let body = self.simple_or_block()?;
                Ok(Stmt::While(c, Box::new(body)))
            }
            Tok::Kw("do") => {
                self.advance();
                let body = self.simple_or_block()?;
                self.skip_terms();
                if !self.is_kw("while") {
                    return self.err();
                }
                self.advance();
                self.expect_p("(")?;
                let c = self.expr()?;
                self.expect_p(")")?;
                self.end_simple()?;
                Ok(Stmt::Do(Box::new(body), c))
            }
            Tok::Kw("for") => {
                self.advance();
                self.expect_p("(")?;
                // for (k in a)
                if let (Tok::Ident(k), Tok::Kw("in"), Tok::Ident(a), Tok::P(")")) =
                    (self.peek().clone(), self.peek_at(1).clone(), self.peek_at(2).clone(), self.peek_at(3).clone())
                {
                    self.i += 4;
                    let kv = self.var(&k);
                    let av = self.var(&a);
                    let body = self.simple_or_block()?;
                    return Ok(Stmt::ForIn(kv, av, Box::new(body)));
                }
                if let (Tok::P("("), Tok::Ident(k), Tok::Kw("in"), Tok::Ident(a), Tok::P(")"), Tok::P(")")) = (
                    self.peek().clone(),
                    self.peek_at(1).clone(),
                    self.peek_at(2).clone(),
                    self.peek_at(3).clone(),
                    self.peek_at(4).clone(),
                    self.peek_at(5).clone(),
                ) {
                    self.i += 6;
                    let kv = self.var(&k);
                    let av = self.var(&a);
                    let body = self.simple_or_block()?;
                    return Ok(Stmt::ForIn(kv, av, Box::new(body)));
                }
                let init = if self.is_p(";") { None } else { Some(Box::new(self.simple_stmt()?)) };
                self.expect_p(";")?;
                self.opt_newlines();
                let cond = if self.is_p(";") { None } else { Some(self.expr()?) };
                self.expect_p(";")?;
                self.opt_newlines();
                let step = if self.is_p(")") { None } else { Some(Box::new(self.simple_stmt()?)) };
                self.expect_p(")")?;
                if self.is_p(";") {
                    self.advance();
                    return Ok(Stmt::For(init, cond, step, Box::new(Stmt::Block(Vec::new()))));
                }
                let body = self.simple_or_block()?;
                Ok(Stmt::For(init, cond, step, Box::new(body)))
            }
            Tok::P(";") => {
                self.advance();
                Ok(Stmt::Block(Vec::new()))
            }
            _ => {
                let s = self.simple_stmt()?;
                self.end_simple()?;
                Ok(s)
            }
        }
    }

    fn simple_stmt(&mut self) -> PResult<Stmt> {
        match self.peek().clone() {
            Tok::Kw("print") | Tok::Kw("printf") => {
                let is_printf = self.is_kw("printf");
                self.advance();
                let mut args = Vec::new();
                let saved = self.no_gt;
                self.no_gt = true;
                if !(self.is_p(";") || self.is_p("}") || self.is_p(">") || self.is_p(">>") || self.is_p("|") || matches!(self.peek(), Tok::Newline | Tok::Eof)) {
                    // `print (a, b)` vs `print (a) b`
                    args = self.expr_list()?;
                }
                self.no_gt = saved;
                if args.len() == 1 {
                    if let Expr::Group(inner) = &args[0] {
                        if let Expr::Builtin(n, items) = inner.as_ref() {
                            if n == "\u{0}list" {
                                args = items.clone();
                            }
                        }
                    }
                }
                let redir = if self.is_p(">") {
                    self.advance();
                    Some(Redir::File(self.concat_no_gt()?))
                } else if self.is_p(">>") {
                    self.advance();
                    Some(Redir::Append(self.concat_no_gt()?))
                } else if self.is_p("|") {
                    self.advance();
                    Some(Redir::Pipe(self.concat_no_gt()?))
                } else {
                    None
                };
                if is_printf {
                    if args.is_empty() {
                        return self.err();
                    }
                    Ok(Stmt::Printf(args, redir))
                } else {
                    Ok(Stmt::Print(args, redir))
                }
            }
            Tok::Kw("next") => {
                self.advance();
                Ok(Stmt::Next)
            }
            Tok::Kw("nextfile") => {
                self.advance();
                Ok(Stmt::NextFile)
            }
            Tok::Kw("break") => {
                self.advance();
                Ok(Stmt::Break)
            }
            Tok::Kw("continue") => {
                self.advance();
                Ok(Stmt::Continue)
            }
            Tok::Kw("exit") => {
                self.advance();
                if self.is_p(";") || self.is_p("}") || matches!(self.peek(), Tok::Newline | Tok::Eof) {
                    Ok(Stmt::Exit(None))
                } else {
                    Ok(Stmt::Exit(Some(self.expr()?)))
                }
            }
            Tok::Kw("return") => {
                self.advance();
                if self.is_p(";") || self.is_p("}") || matches!(self.peek(), Tok::Newline | Tok::Eof) {
                    Ok(Stmt::Return(None))
                } else {
                    Ok(Stmt::Return(Some(self.expr()?)))
                }
            }
            Tok::Kw("delete") => {
                self.advance();
                let name = match self.advance() {
                    Tok::Ident(n) => n,
                    _ => return self.err(),
                };
                let v = self.var(&name);
                if self.is_p("[") {
                    self.advance();
                    let idx = self.expr_list()?;
                    self.expect_p("]")?;
                    Ok(Stmt::Delete(v, Some(idx)))
                } else {
                    Ok(Stmt::Delete(v, None))
                }
            }
            _ => {
                let e = self.expr()?;
                if let Expr::Getline(..) = e {
                    return Ok(Stmt::Getline(e));
                }
                Ok(Stmt::Expr(e))
            }
        }
    }

    fn expr_list(&mut self) -> PResult<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.is_p(",") {
            self.advance();
            self.opt_newlines();
            v.push(self.expr()?);
        }
        Ok(v)
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.ternary()
    }

    fn is_lvalue(e: &Expr) -> bool {
        matches!(e, Expr::Var(_) | Expr::Field(_) | Expr::Index(..))
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let _nest = self.nest()?;
        let c = self.or()?;
        if self.is_p("?") {
            self.advance();
            self.opt_newlines();
            let a = self.ternary()?;
            self.opt_newlines();
            self.expect_p(":")?;
            self.opt_newlines();
            let b = self.ternary()?;
            return Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)));
        }
        // Assignment (right-associative), only onto an lvalue.
        if Self::is_lvalue(&c) {
            let op = match self.peek() {
                Tok::P("=") => Some(None),
                Tok::P("+=") => Some(Some('+')),
                Tok::P("-=") => Some(Some('-')),
                Tok::P("*=") => Some(Some('*')),
                Tok::P("/=") => Some(Some('/')),
                Tok::P("%=") => Some(Some('%')),
                Tok::P("^=") => Some(Some('^')),
                _ => None,
            };
            if let Some(op) = op {
                self.advance();
                self.opt_newlines();
                let r = self.ternary()?;
                return Ok(Expr::Assign(op, Box::new(c), Box::new(r)));
            }
        }
        Ok(c)
    }

    fn or(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.and()?;
        while self.is_p("||") {
            self.chain_step()?;
            self.advance();
            self.opt_newlines();
            let r = self.and()?;
            l = Expr::Or(Box::new(l), Box::new(r));
        }
        self.chain = saved;
        Ok(l)
    }

    fn and(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.in_expr()?;
        while self.is_p("&&") {
            self.chain_step()?;
            self.advance();
            self.opt_newlines();
            let r = self.in_expr()?;
            l = Expr::And(Box::new(l), Box::new(r));
        }
        self.chain = saved;
        Ok(l)
    }

    fn in_expr(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.match_expr()?;
        while self.is_kw("in") && !self.no_in {
            self.chain_step()?;
            self.advance();
            let name = match self.advance() {
                Tok::Ident(n) => n,
                _ => return self.err(),
            };
            let v = self.var(&name);
            let keys = match l {
                Expr::Group(inner) => match *inner {
                    Expr::Builtin(n, items) if n == "\u{0}list" => items,
                    other => vec![other],
                },
                other => vec![other],
            };
            l = Expr::In(keys, v);
        }
        self.chain = saved;
        Ok(l)
    }

    fn match_expr(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.cmp()?;
        loop {
            let neg = if self.is_p("~") {
                false
            } else if self.is_p("!~") {
                true
            } else {
                break;
            };
            self.chain_step()?;
            self.advance();
            let r = self.cmp()?;
            l = Expr::Match(neg, Box::new(l), Box::new(r));
        }
        self.chain = saved;
        Ok(l)
    }

    fn cmp(&mut self) -> PResult<Expr> {
        let l = self.concat()?;
        let op = match self.peek() {
            Tok::P("<") => "<",
            Tok::P("<=") => "<=",
            Tok::P("==") => "==",
            Tok::P("!=") => "!=",
            Tok::P(">=") => ">=",
            Tok::P(">") if !self.no_gt => ">",
            _ => return Ok(l),
        };
        self.advance();
        let r = self.concat()?;
        Ok(Expr::Cmp(op, Box::new(l), Box::new(r)))
    }

    fn concat_no_gt(&mut self) -> PResult<Expr> {
        let saved = self.no_gt;
        self.no_gt = true;
        let r = self.concat();
        self.no_gt = saved;
        r
    }

    /// Whether the next token can start an operand of a concatenation.
    fn starts_operand(&self) -> bool {
        match self.peek() {
            Tok::Num(_) | Tok::Str(_) | Tok::Regex(_) | Tok::Ident(_) | Tok::Func(_) | Tok::Builtin(_) => true,
            Tok::P(p) => matches!(*p, "$" | "!" | "(" | "-" | "+" | "++" | "--"),
            Tok::Kw(k) => *k == "getline",
            _ => false,
        }
    }

    fn concat(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.additive()?;
        while self.starts_operand() && !self.is_kw("in") {
            self.chain_step()?;
            // `a -1` is subtraction, handled in additive; here only non-sign starts.
            let r = self.additive()?;
            l = Expr::Concat(Box::new(l), Box::new(r));
        }
        self.chain = saved;
        Ok(l)
    }

    fn additive(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.mul()?;
        loop {
            let op = match self.peek() {
                Tok::P("+") => '+',
                Tok::P("-") => '-',
                _ => break,
            };
            self.chain_step()?;
            self.advance();
            let r = self.mul()?;
            l = Expr::Bin(op, Box::new(l), Box::new(r));
        }
        self.chain = saved;
        Ok(l)
    }

    fn mul(&mut self) -> PResult<Expr> {
        let saved = self.chain;
        let mut l = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::P("*") => '*',
                Tok::P("/") => '/',
                Tok::P("%") => '%',
                _ => break,
            };
            self.chain_step()?;
            self.advance();
            let r = self.unary()?;
            l = Expr::Bin(op, Box::new(l), Box::new(r));
        }
        self.chain = saved;
        Ok(l)
    }

    fn unary(&mut self) -> PResult<Expr> {
        // A level of nesting only when it recurses (`!!x`, `- -x`).
        let _nest = if matches!(self.peek(), Tok::P("!" | "-" | "+")) { Some(self.nest()?) } else { None };
        match self.peek() {
            Tok::P("!") => {
                self.advance();
                let e = self.unary()?;
                Ok(Expr::Not(Box::new(e)))
            }
            Tok::P("-") => {
                self.advance();
                let e = self.unary()?;
                Ok(Expr::Neg(Box::new(e)))
            }
            Tok::P("+") => {
                self.advance();
                let e = self.unary()?;
                Ok(Expr::Plus(Box::new(e)))
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> PResult<Expr> {
        let base = self.postfix()?;
        if self.is_p("^") {
            let _nest = self.nest()?;
            self.advance();
            // Right-associative; the exponent may carry a unary minus.
            let e = if self.is_p("-") {
                self.advance();
                Expr::Neg(Box::new(self.power()?))
            } else if self.is_p("+") {
                self.advance();
                self.power()?
            } else if self.is_p("!") {
                self.advance();
                Expr::Not(Box::new(self.power()?))
            } else {
                self.power()?
            };
            return Ok(Expr::Bin('^', Box::new(base), Box::new(e)));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        if Self::is_lvalue(&e) {
            if self.is_p("++") {
                self.advance();
                return Ok(Expr::IncDec(false, 1, Box::new(e)));
            }
            if self.is_p("--") {
                self.advance();
                return Ok(Expr::IncDec(false, -1, Box::new(e)));
            }
        }
        Ok(e)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let e = self.primary_inner()?;
        // `expr | getline [var]`
        if self.is_p("|") && matches!(self.peek_at(1), Tok::Kw("getline")) {
            self.advance();
            self.advance();
            let target = self.getline_target()?;
            return Ok(Expr::Getline(GetSrc::Cmd(Box::new(e)), target));
        }
        Ok(e)
    }

    fn getline_target(&mut self) -> PResult<Option<Box<Expr>>> {
        match self.peek().clone() {
            Tok::Ident(_) | Tok::P("$") => {
                let e = self.primary_inner()?;
                if Self::is_lvalue(&e) {
                    Ok(Some(Box::new(e)))
                } else {
                    self.err()
                }
            }
            _ => Ok(None),
        }
    }

    fn primary_inner(&mut self) -> PResult<Expr> {
        match self.advance() {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Regex(r) => Ok(Expr::Regex(self.regex_lit(&r)?)),
            Tok::P("$") => {
                let _nest = self.nest()?;
                let e = if self.is_p("++") || self.is_p("--") {
                    let d = if self.is_p("++") { 1 } else { -1 };
                    self.advance();
                    let t = self.primary_inner()?;
                    Expr::IncDec(true, d, Box::new(t))
                } else if self.is_p("-") {
                    self.advance();
                    Expr::Neg(Box::new(self.primary_inner()?))
                } else {
                    self.primary_inner()?
                };
                Ok(Expr::Field(Box::new(e)))
            }
            Tok::P("++") | Tok::P("--") => {
                let _nest = self.nest()?;
                let d = if matches!(self.toks[self.i.saturating_sub(1)].0, Tok::P("++")) { 1 } else { -1 };
                let t = self.primary_inner()?;
                if !Self::is_lvalue(&t) {
                    return self.err();
                }
                Ok(Expr::IncDec(true, d, Box::new(t)))
            }
            Tok::P("-") => Ok(Expr::Neg(Box::new(self.unary()?))),
            Tok::P("+") => Ok(Expr::Plus(Box::new(self.unary()?))),
            Tok::P("!") => Ok(Expr::Not(Box::new(self.unary()?))),
            Tok::P("(") => {
                let saved = (self.no_gt, self.no_in);
                self.no_gt = false;
                self.no_in = false;
                self.opt_newlines();
                let first = self.expr()?;
                self.opt_newlines();
                let e = if self.is_p(",") {
                    let mut items = vec![first];
                    while self.is_p(",") {
                        self.advance();
                        self.opt_newlines();
                        items.push(self.expr()?);
                    }
                    self.opt_newlines();
                    Expr::Group(Box::new(Expr::Builtin("\u{0}list".into(), items)))
                } else {
                    Expr::Group(Box::new(first))
                };
                self.no_gt = saved.0;
                self.no_in = saved.1;
                self.expect_p(")")?;
                Ok(e)
            }
            Tok::Kw("getline") => {
                let _nest = self.nest()?;
                let target = self.getline_target()?;
                if self.is_p("<") {
                    self.advance();
                    let f = self.primary_inner()?;
                    return Ok(Expr::Getline(GetSrc::File(Box::new(f)), target));
                }
                Ok(Expr::Getline(GetSrc::Main, target))
            }
            Tok::Ident(name) => {
                let v = self.var(&name);
                if self.is_p("[") {
                    self.advance();
                    let idx = self.expr_list()?;
                    self.expect_p("]")?;
                    return Ok(Expr::Index(v, idx));
                }
                Ok(Expr::Var(v))
            }
            Tok::Func(name) => {
                self.expect_p("(")?;
                let mut args = Vec::new();
                self.opt_newlines();
                if !self.is_p(")") {
                    args = self.expr_list()?;
                }
                self.opt_newlines();
                self.expect_p(")")?;
                let f = self.func_index(&name);
                Ok(Expr::Call(f, args))
            }
            Tok::Builtin(name) => {
                let mut args = Vec::new();
                if self.is_p("(") {
                    self.advance();
                    self.opt_newlines();
                    if !self.is_p(")") {
                        let saved = (self.no_gt, self.no_in);
                        self.no_gt = false;
                        self.no_in = false;
                        args = self.expr_list()?;
                        self.no_gt = saved.0;
                        self.no_in = saved.1;
                    }
                    self.opt_newlines();
                    self.expect_p(")")?;
                } else if name != "length" {
                    self.i -= 1;
                    return self.err();
                }
                Ok(Expr::Builtin(name, args))
            }
            _ => {
                self.i = self.i.saturating_sub(1);
                self.err()
            }
        }
    }
}

/// gawk regex syntax to POSIX ERE as `compile_posix` takes it: `\/` already unescaped;
/// `\y` is a word boundary.
fn awk_regex_src(p: &str) -> String {
    p.replace("\\y", "\\b")
}

fn parse_program(src: &[u8]) -> Result<Program, SyntaxError> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        i: 0,
        src,
        globals: SPECIALS.iter().map(|s| s.to_string()).collect(),
        locals: None,
        func_names: HashMap::new(),
        funcs: Vec::new(),
        regexes: Vec::new(),
        no_gt: false,
        no_in: false,
        chain: 0,
    };
    let rules = p.program()?;
    let mut funcs = Vec::new();
    for (name, idx) in p.func_names.clone() {
        if p.funcs[idx].is_none() {
            return Err(SyntaxError { pos: usize::MAX, msg: format!("function `{name}' called but never defined") });
        }
    }
    for f in p.funcs.into_iter().flatten() {
        funcs.push(f);
    }
    Ok(Program { rules, funcs, globals: p.globals, regexes: p.regexes })
}

// ================================================================ values

#[derive(Clone, Debug)]
enum Val {
    Uninit,
    Num(f64),
    Str(Vec<u8>),
    StrNum(Vec<u8>),
}

impl Val {
    fn input(s: Vec<u8>) -> Val {
        if looks_numeric(&s) {
            Val::StrNum(s)
        } else {
            Val::Str(s)
        }
    }
    fn num(&self) -> f64 {
        match self {
            Val::Uninit => 0.0,
            Val::Num(n) => *n,
            Val::Str(s) | Val::StrNum(s) => str_to_num(s),
        }
    }
    fn truthy(&self) -> bool {
        match self {
            Val::Uninit => false,
            Val::Num(n) => *n != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::StrNum(s) => str_to_num(s) != 0.0,
        }
    }
    fn is_numeric(&self) -> bool {
        matches!(self, Val::Num(_) | Val::StrNum(_) | Val::Uninit)
    }
}

fn fmt_num(n: f64, fmt: &[u8]) -> Vec<u8> {
    if n.is_nan() {
        return if n.is_sign_negative() { b"-nan".to_vec() } else { b"+nan".to_vec() };
    }
    if n.is_infinite() {
        return if n < 0.0 { b"-inf".to_vec() } else { b"+inf".to_vec() };
    }
    if n == n.trunc() && n.abs() < 1e30 {
        if n == 0.0 {
            return b"0".to_vec();
        }
        return format!("{n:.0}").into_bytes();
    }
    sprintf_simple(fmt, n)
}

/// The largest width or precision `cfmt` applies.
const CFMT_CAP: usize = 1 << 20;

/// Width and precision of a conversion spec as written (between `%` and the conversion
/// character), saturating; `*` gives none.
fn raw_width_prec(spec: &[u8]) -> (usize, Option<usize>) {
    fn num(d: &[u8]) -> usize {
        d.iter().fold(0usize, |n, c| n.saturating_mul(10).saturating_add((c - b'0') as usize))
    }
    let mut i = spec.iter().position(|c| !matches!(c, b'-' | b'+' | b' ' | b'0' | b'#' | b'\'')).unwrap_or(spec.len());
    let st = i;
    while i < spec.len() && spec[i].is_ascii_digit() {
        i += 1;
    }
    let width = num(&spec[st..i]);
    let mut prec = None;
    if spec.get(i) == Some(&b'.') {
        let st = i + 1;
        let mut j = st;
        while j < spec.len() && spec[j].is_ascii_digit() {
            j += 1;
        }
        if spec.get(j) != Some(&b'*') {
            prec = Some(num(&spec[st..j]));
        }
    }
    (width, prec)
}

/// Pad what a conversion printed at `out[start..]` to `width` (beyond `cfmt`'s clamp).
fn widen(out: &mut Vec<u8>, start: usize, width: usize, spec: &cfmt::Spec) {
    let len = out.len() - start;
    if len >= width {
        return;
    }
    let fill = width - len;
    if spec.minus {
        out.resize(out.len() + fill, b' ');
        return;
    }
    let piece = out.split_off(start);
    let numeric = !matches!(spec.conv, 's' | 'c');
    let is_int = matches!(spec.conv, 'd' | 'i' | 'o' | 'x' | 'X' | 'u');
    let mut at = piece.iter().take_while(|c| matches!(c, b'-' | b'+' | b' ')).count();
    if matches!(spec.conv, 'x' | 'X') && spec.alt && piece[at..].starts_with(b"0") && piece.len() > at + 1 && matches!(piece[at + 1], b'x' | b'X') {
        at += 2;
    }
    let finite = piece.get(at).is_some_and(|c| c.is_ascii_digit() || *c == b'.');
    if spec.zero && numeric && finite && !(is_int && spec.prec.is_some()) {
        out.extend_from_slice(&piece[..at]);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(&piece[at..]);
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(&piece);
    }
}

/// `%d`/`%i` with its precision as written: `cfmt` pads digits one insert at a time (and
/// clamps), fine for small precisions only.
fn fmt_int(spec: &cfmt::Spec, v: i128, prec: Option<usize>) -> Vec<u8> {
    match prec {
        Some(p) if p > 4096 => {
            let sign = if v < 0 {
                "-"
            } else if spec.plus {
                "+"
            } else if spec.space {
                " "
            } else {
                ""
            };
            let digits = v.unsigned_abs().to_string();
            big_prec(spec, sign, "", &digits, p)
        }
        _ => cfmt::fmt_signed(spec, v).into_bytes(),
    }
}

/// `%u %o %x %X` with its precision as written (see `fmt_int`).
fn fmt_uint(spec: &cfmt::Spec, v: u64, prec: Option<usize>) -> Vec<u8> {
    match prec {
        Some(p) if p > 4096 => {
            let digits = match spec.conv {
                'o' => format!("{v:o}"),
                'x' => format!("{v:x}"),
                'X' => format!("{v:X}"),
                _ => v.to_string(),
            };
            let prefix = match spec.conv {
                'x' if spec.alt && v != 0 => "0x",
                'X' if spec.alt && v != 0 => "0X",
                _ => "",
            };
            big_prec(spec, "", prefix, &digits, p)
        }
        _ => cfmt::fmt_unsigned(spec, v).into_bytes(),
    }
}

/// Sign, prefix, `digits` zero-padded to `prec`, then padded with blanks to the width.
fn big_prec(spec: &cfmt::Spec, sign: &str, prefix: &str, digits: &str, prec: usize) -> Vec<u8> {
    let zeros = prec.saturating_sub(digits.len());
    let len = sign.len() + prefix.len() + zeros + digits.len();
    let fill = spec.width.unwrap_or(0).saturating_sub(len);
    let mut out = Vec::with_capacity(len + fill);
    if !spec.minus {
        out.resize(fill, b' ');
    }
    out.extend_from_slice(sign.as_bytes());
    out.extend_from_slice(prefix.as_bytes());
    out.resize(out.len() + zeros, b'0');
    out.extend_from_slice(digits.as_bytes());
    if spec.minus {
        out.resize(out.len() + fill, b' ');
    }
    out
}

fn sprintf_simple(fmt: &[u8], n: f64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] == b'%' && i + 1 < fmt.len() {
            if fmt[i + 1] == b'%' {
                out.push(b'%');
                i += 2;
                continue;
            }
            let (mut spec, ci, _, _) = cfmt::parse_spec(fmt, i + 1);
            if ci < fmt.len() {
                spec.conv = fmt[ci] as char;
                match spec.conv {
                    'd' | 'i' => out.extend_from_slice(&fmt_int(&spec, n.trunc() as i128, spec.prec)),
                    _ => out.extend_from_slice(cfmt::fmt_float(&spec, n).as_bytes()),
                }
                i = ci + 1;
                continue;
            }
        }
        out.push(fmt[i]);
        i += 1;
    }
    out
}

// ================================================================ arrays in gawk's order

/// gawk's `str_array`: a chained hash table whose bucket walk gives `for (k in a)` order.
#[derive(Default, Clone)]
struct StrOrder {
    size: usize,
    count: usize,
    /// Each chain is stored tail-first: the head (most recent) is the last element.
    buckets: Vec<Vec<(Vec<u8>, u32)>>,
}

const SIZES: &[usize] = &[13, 127, 1021, 8191, 16381, 32749, 65497, 131101, 262147, 524309, 1048583, 2097169, 4194319, 8388617, 16777259];

fn gawk_hash(s: &[u8]) -> u32 {
    let mut h: u64 = 0;
    for &b in s {
        let htmp = h << 6;
        h = (b as u64).wrapping_add(htmp).wrapping_add(htmp << 10).wrapping_sub(h) & 0xFFFF_FFFF;
    }
    h as u32
}

impl StrOrder {
    fn grow(&mut self) {
        let new = SIZES.iter().copied().find(|&s| s > self.size).unwrap_or(self.size);
        if new == self.size {
            return;
        }
        let mut nb: Vec<Vec<(Vec<u8>, u32)>> = vec![Vec::new(); new];
        for chain in &self.buckets {
            for (k, code) in chain.iter().rev() {
                nb[*code as usize % new].push((k.clone(), *code));
            }
        }
        self.buckets = nb;
        self.size = new;
    }
    fn insert(&mut self, k: &[u8]) {
        if self.size == 0 {
            self.grow();
        }
        let code = gawk_hash(k);
        self.count += 1;
        if self.count / self.size > 2 {
            self.grow();
        }
        self.buckets[code as usize % self.size].push((k.to_vec(), code));
    }
    fn remove(&mut self, k: &[u8]) {
        if self.size == 0 {
            return;
        }
        let code = gawk_hash(k);
        let b = &mut self.buckets[code as usize % self.size];
        if let Some(i) = b.iter().position(|(x, _)| x == k) {
            b.remove(i);
            self.count -= 1;
            if self.count == 0 {
                *self = StrOrder::default();
            }
        }
    }
    fn keys(&self) -> Result<Vec<Vec<u8>>, Stop> {
        let mut v = Vec::with_capacity(self.count);
        for chain in &self.buckets {
            for (k, _) in chain.iter().rev() {
                if v.len() % 4096 == 4095 {
                    limits::checkpoint()?;
                }
                v.push(k.clone());
            }
        }
        Ok(v)
    }
}

/// A canonical non-negative integer key ("0", "17"), as gawk's `cint_array` holds.
fn int_key(k: &[u8]) -> Option<i64> {
    if k.is_empty() || k.len() > 18 || !k.iter().all(|b| b.is_ascii_digit()) || (k.len() > 1 && k[0] == b'0') {
        return None;
    }
    std::str::from_utf8(k).ok()?.parse().ok()
}

#[derive(Default, Clone)]
struct Array {
    map: HashMap<Vec<u8>, Val>,
    /// Decided by the first key, as gawk picks the array's kind: integer keys in order.
    int_mode: Option<bool>,
    ints: BTreeMap<i64, ()>,
    strs: StrOrder,
}

impl Array {
    fn get(&self, k: &[u8]) -> Option<&Val> {
        self.map.get(k)
    }
    fn set(&mut self, k: Vec<u8>, v: Val) {
        if !self.map.contains_key(&k) {
            self.note_insert(&k);
        }
        self.map.insert(k, v);
    }
    fn note_insert(&mut self, k: &[u8]) {
        let ik = int_key(k);
        if self.int_mode.is_none() {
            self.int_mode = Some(ik.is_some());
        }
        match (self.int_mode, ik) {
            (Some(true), Some(i)) => {
                self.ints.insert(i, ());
            }
            _ => self.strs.insert(k),
        }
    }
    fn get_or_create(&mut self, k: &[u8]) -> &mut Val {
        if !self.map.contains_key(k) {
            self.note_insert(k);
            self.map.insert(k.to_vec(), Val::Uninit);
        }
        self.map.get_mut(k).unwrap_or_else(|| unreachable!())
    }
    fn remove(&mut self, k: &[u8]) {
        if self.map.remove(k).is_some() {
            match (self.int_mode, int_key(k)) {
                (Some(true), Some(i)) => {
                    self.ints.remove(&i);
                }
                _ => self.strs.remove(k),
            }
            if self.map.is_empty() {
                *self = Array::default();
            }
        }
    }
    fn clear(&mut self) {
        *self = Array::default();
    }
    /// The keys in `for (k in a)` order: a copy of them all, so the budget is checked on the way.
    fn keys(&self) -> Result<Vec<Vec<u8>>, Stop> {
        let mut v = self.strs.keys()?;
        for i in self.ints.keys() {
            if v.len() % 4096 == 4095 {
                limits::checkpoint()?;
            }
            v.push(i.to_string().into_bytes());
        }
        Ok(v)
    }
}

// ================================================================ I/O with the async side

enum Req {
    Read(String, oneshot::Sender<Result<Option<Bytes>, String>>),
    Out(Vec<u8>),
    Err(Vec<u8>),
    WriteFile(String, Vec<u8>, bool, oneshot::Sender<Result<(), String>>),
}

struct IoLink {
    tx: mpsc::Sender<Req>,
    cancel: Arc<AtomicBool>,
}

/// Records from one source, split by RS.
struct RecReader {
    name: String,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

enum Ctl {
    Next,
    NextFile,
    Exit,
    Return(Val),
    Break,
    Continue,
    Fatal(String),
    Pipe,
    /// The execute must stop (`limits::checkpoint`): cancelled, or over its memory budget.
    Stop(Stop),
}

type R<T> = Result<T, Ctl>;

impl From<Stop> for Ctl {
    fn from(s: Stop) -> Ctl {
        Ctl::Stop(s)
    }
}

/// What awk says when `bytes` more may not be allocated (gawk's shape, without its source
/// location): `fatal: cannot allocate N bytes of memory: Cannot allocate memory`.
fn no_memory(bytes: usize, why: Stop) -> Ctl {
    match why {
        Stop::Memory => Ctl::Fatal(format!("cannot allocate {bytes} bytes of memory: {}", Stop::Memory)),
        other => Ctl::Stop(other),
    }
}

/// Check `bytes` more against the memory budget before allocating them.
fn reserve(bytes: usize) -> R<()> {
    limits::reserve(bytes).map_err(|why| no_memory(bytes, why))
}

/// Before a copy of a value: a large one must fit in the memory budget.
fn big_copy(v: &Val) -> R<()> {
    match v {
        Val::Str(s) | Val::StrNum(s) if s.len() >= 1 << 16 => reserve(s.len()),
        _ => Ok(()),
    }
}

/// Before `v` grows by `add` bytes: when that makes it reallocate, check what the new
/// buffer takes (twice the old one, or more) against the budget. Small buffers pass.
fn room(v: &Vec<u8>, add: usize) -> R<()> {
    let need = v.len().saturating_add(add);
    if need <= v.capacity() || need < 1 << 16 {
        return Ok(());
    }
    reserve(need.max(v.capacity().saturating_mul(2)))
}

#[derive(Clone)]
enum Cell {
    Val(Val),
    Arr(usize),
}

struct Frame {
    locals: Vec<Cell>,
}

struct Interp {
    prog: Arc<ProgramShared>,
    globals: Vec<Cell>,
    arrays: Vec<Array>,
    frames: Vec<Frame>,
    record: Vec<u8>,
    fields: Vec<Vec<u8>>,
    fields_valid: bool,
    nf: usize,
    out: Vec<u8>,
    io: IoLink,
    main_ops: Vec<String>,
    main_idx: usize,
    main: Option<RecReader>,
    main_done: bool,
    files: HashMap<String, RecReader>,
    out_files: HashMap<String, (Vec<u8>, bool)>,
    dyn_re: HashMap<Vec<u8>, Regex>,
    range_on: Vec<bool>,
    exit_code: i32,
    rand_seed: f64,
    prev_seed: f64,
    rng: u64,
    steps: u64,
    name: String,
    in_end: bool,
    fs_cache: Option<(Vec<u8>, FsMode)>,
    /// `eval`/`exec` calls in progress: past a few hundred, the stack is checked too.
    depth: usize,
}

struct ProgramShared {
    prog: Program,
}

#[derive(Clone)]
enum FsMode {
    Space,
    Char(u8),
    Re(Regex),
    Empty,
}

impl Interp {
    fn fatal<T>(&self, msg: impl Into<String>) -> R<T> {
        Err(Ctl::Fatal(msg.into()))
    }

    /// Every statement, loop round, function call and record: every 1024th, stop when the
    /// output is gone or the execute must stop (timeout, abort, memory budget).
    fn check_cancel(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps.is_multiple_of(1024) {
            if self.io.cancel.load(Ordering::Relaxed) {
                return Err(Ctl::Pipe);
            }
            limits::checkpoint()?;
        }
        Ok(())
    }

    /// Enter one more `eval`/`exec` level; deep ones (long operator chains, recursion) stop
    /// with an error before the stack ends.
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > 256 && limits::stack_exhausted() {
            self.depth -= 1;
            return self.fatal(format!("{TOO_DEEP} (the program nests too deeply to run)"));
        }
        Ok(())
    }

    fn send(&self, r: Req) -> R<()> {
        self.io.tx.blocking_send(r).map_err(|_| Ctl::Pipe)
    }

    fn flush(&mut self) -> R<()> {
        if !self.out.is_empty() {
            let d = std::mem::take(&mut self.out);
            self.send(Req::Out(d))?;
        }
        Ok(())
    }

    fn warn(&mut self, msg: &str) {
        let _ = self.io.tx.blocking_send(Req::Err(format!("{}: {msg}\n", self.name).into_bytes()));
    }

    fn read_chunk(&self, src: &str) -> R<Result<Option<Bytes>, String>> {
        let (tx, rx) = oneshot::channel();
        self.send(Req::Read(src.to_string(), tx))?;
        rx.blocking_recv().map_err(|_| Ctl::Pipe)
    }

    // ---------------------------------------------------------- variables

    fn gval(&self, i: usize) -> Val {
        match &self.globals[i] {
            Cell::Val(v) => v.clone(),
            Cell::Arr(_) => Val::Uninit,
        }
    }

    fn gstr(&mut self, i: usize) -> Vec<u8> {
        let v = self.gval(i);
        self.to_str(&v)
    }

    fn to_str(&self, v: &Val) -> Vec<u8> {
        match v {
            Val::Uninit => Vec::new(),
            Val::Num(n) => {
                let fmt = match &self.globals[G_CONVFMT] {
                    Cell::Val(v) => str_of(v),
                    _ => b"%.6g".to_vec(),
                };
                fmt_num(*n, &fmt)
            }
            Val::Str(s) | Val::StrNum(s) => s.clone(),
        }
    }

    /// `to_str` of a value no longer needed: its bytes move instead of being copied.
    fn into_str(&self, v: Val) -> Vec<u8> {
        match v {
            Val::Str(s) | Val::StrNum(s) => s,
            other => self.to_str(&other),
        }
    }

    fn to_out_str(&self, v: &Val) -> Vec<u8> {
        match v {
            Val::Num(n) => {
                let fmt = match &self.globals[G_OFMT] {
                    Cell::Val(v) => str_of(v),
                    _ => b"%.6g".to_vec(),
                };
                fmt_num(*n, &fmt)
            }
            _ => self.to_str(v),
        }
    }

    fn cell_mut(&mut self, v: Var) -> &mut Cell {
        match v {
            Var::Global(i) => &mut self.globals[i],
            Var::Local(i) => {
                let f = self.frames.len() - 1;
                &mut self.frames[f].locals[i]
            }
        }
    }

    fn array_id(&mut self, v: Var) -> R<usize> {
        let cell = self.cell_mut(v).clone();
        match cell {
            Cell::Arr(id) => Ok(id),
            Cell::Val(Val::Uninit) => {
                self.arrays.push(Array::default());
                let id = self.arrays.len() - 1;
                *self.cell_mut(v) = Cell::Arr(id);
                Ok(id)
            }
            Cell::Val(_) => self.fatal("attempt to use scalar as array"),
        }
    }

    fn get_var(&mut self, v: Var) -> R<Val> {
        if let Var::Global(i) = v {
            if i == G_NF {
                self.split_fields()?;
                return Ok(Val::Num(self.nf as f64));
            }
        }
        match self.cell_mut(v) {
            Cell::Val(x) => {
                big_copy(x)?;
                Ok(x.clone())
            }
            Cell::Arr(_) => self.fatal("attempt to use array in a scalar context"),
        }
    }

    fn set_var(&mut self, v: Var, val: Val) -> R<()> {
        if let Var::Global(i) = v {
            if i == G_NF {
                self.split_fields()?;
                // As gawk converts it (to a C `long`): NaN and huge values are negative.
                let n = val.num();
                let n = if n.is_nan() || n >= 9.223_372_036_854_775_807e18 { i64::MIN } else { n as i64 };
                if n < 0 {
                    return self.fatal("NF set to negative value");
                }
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                self.grow_fields(n)?;
                self.fields.resize(n, Vec::new());
                self.nf = n;
                self.rebuild_record()?;
                return Ok(());
            }
            if i == G_FS {
                self.fs_cache = None;
            }
        }
        match self.cell_mut(v) {
            c @ Cell::Val(_) => {
                *c = Cell::Val(val);
                Ok(())
            }
            Cell::Arr(_) => self.fatal("attempt to use array in a scalar context"),
        }
    }

    // ---------------------------------------------------------- records and fields

    fn fs_mode(&mut self) -> FsMode {
        let fs = self.gstr(G_FS);
        if let Some((k, m)) = &self.fs_cache {
            if *k == fs {
                return m.clone();
            }
        }
        let m = self.make_fs(&fs);
        self.fs_cache = Some((fs, m.clone()));
        m
    }

    fn make_fs(&mut self, fs: &[u8]) -> FsMode {
        if fs == b" " {
            FsMode::Space
        } else if fs.is_empty() {
            FsMode::Empty
        } else if fs.len() == 1 && fs[0] != b'\\' {
            if fs[0] == b'\t' || !b".[]()*+?^$|{}".contains(&fs[0]) {
                FsMode::Char(fs[0])
            } else {
                // A single metacharacter is literal too.
                FsMode::Char(fs[0])
            }
        } else {
            match self.regex_for(fs) {
                Ok(r) => FsMode::Re(r),
                Err(_) => FsMode::Char(fs[0]),
            }
        }
    }

    /// Split `s` into fields. Each field is an allocation of its own: every 4096 of them,
    /// the memory budget (and the stop switch) is checked, so a long record of short fields
    /// cannot take much more than the budget before it stops.
    fn split_with(&self, s: &[u8], mode: &FsMode, para: bool) -> R<Vec<Vec<u8>>> {
        fn collect<'a>(it: impl Iterator<Item = &'a [u8]>) -> R<Vec<Vec<u8>>> {
            let mut out = Vec::new();
            for (k, x) in it.enumerate() {
                if k % 4096 == 4095 {
                    limits::checkpoint()?;
                }
                out.push(x.to_vec());
            }
            Ok(out)
        }
        Ok(match mode {
            FsMode::Space => collect(s.split(|b| matches!(b, b' ' | b'\t' | b'\n')).filter(|x| !x.is_empty()))?,
            FsMode::Empty => collect(s.chunks(1))?,
            _ if s.is_empty() => Vec::new(),
            FsMode::Char(c) => {
                if para {
                    collect(s.split(|b| b == c || *b == b'\n'))?
                } else {
                    collect(s.split(|b| b == c))?
                }
            }
            FsMode::Re(re) => {
                let mut out = Vec::new();
                let mut last = 0;
                let mut pos = 0;
                let mut tick = limits::Ticker::new();
                while pos <= s.len() {
                    tick.tick()?;
                    let Some(m) = re.find_at(s, pos) else { break };
                    if m.end() == m.start() {
                        pos = m.end() + 1;
                        continue;
                    }
                    let piece = &s[last..m.start()];
                    if para {
                        out.extend(piece.split(|b| *b == b'\n').map(|x| x.to_vec()));
                    } else {
                        out.push(piece.to_vec());
                    }
                    last = m.end();
                    pos = m.end();
                }
                let piece = &s[last..];
                if para {
                    out.extend(piece.split(|b| *b == b'\n').map(|x| x.to_vec()));
                } else {
                    out.push(piece.to_vec());
                }
                out
            }
        })
    }

    fn split_fields(&mut self) -> R<()> {
        if self.fields_valid {
            return Ok(());
        }
        let mode = self.fs_mode();
        let para = self.gstr(G_RS).is_empty();
        let rec = std::mem::take(&mut self.record);
        let fields = self.split_with(&rec, &mode, para);
        self.record = rec;
        self.fields = fields?;
        self.nf = self.fields.len();
        self.fields_valid = true;
        Ok(())
    }

    /// Before the record gets `n` fields (`NF = n`, `$n = x`): what the field table and the
    /// rebuilt record take must fit in the memory budget.
    fn grow_fields(&mut self, n: usize) -> R<()> {
        let more = n.saturating_sub(self.fields.len());
        if more < 1 << 12 {
            return Ok(());
        }
        let ofs = self.gstr(G_OFS).len();
        let per = std::mem::size_of::<Vec<u8>>() + ofs;
        reserve(more.saturating_mul(per).saturating_add(self.record.len()))
    }

    fn set_record(&mut self, r: Vec<u8>) {
        self.record = r;
        self.fields_valid = false;
    }

    fn rebuild_record(&mut self) -> R<()> {
        let ofs = self.gstr(G_OFS);
        let total = self.fields.iter().fold(0usize, |n, f| n.saturating_add(f.len())).saturating_add(ofs.len().saturating_mul(self.fields.len()));
        if total >= 1 << 16 {
            reserve(total)?;
        }
        let mut r = Vec::with_capacity(total);
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                r.extend_from_slice(&ofs);
            }
            r.extend_from_slice(f);
        }
        self.record = r;
        self.fields_valid = true;
        Ok(())
    }

    fn get_field(&mut self, i: usize) -> R<Val> {
        if i == 0 {
            return Ok(Val::input(self.record.clone()));
        }
        self.split_fields()?;
        Ok(match self.fields.get(i - 1) {
            Some(f) => Val::input(f.clone()),
            None => Val::Uninit,
        })
    }

    fn set_field(&mut self, i: usize, v: Vec<u8>) -> R<()> {
        if i == 0 {
            self.set_record(v);
            return Ok(());
        }
        self.split_fields()?;
        if self.fields.len() < i {
            self.grow_fields(i)?;
            self.fields.resize(i, Vec::new());
        }
        self.fields[i - 1] = v;
        self.nf = self.fields.len();
        self.rebuild_record()
    }

    /// The next record of a reader, per RS; None at the end.
    fn next_record(&mut self, which: Option<&str>) -> R<Option<Vec<u8>>> {
        let rs = self.gstr(G_RS);
        loop {
            let rdr = match which {
                None => self.main.as_mut(),
                Some(f) => self.files.get_mut(f),
            };
            let Some(rdr) = rdr else { return Ok(None) };
            if let Some((rec, used)) = take_record(&rdr.buf[rdr.pos..], &rs, rdr.eof) {
                rdr.pos += used;
                if rdr.pos > 1 << 16 {
                    rdr.buf.drain(..rdr.pos);
                    rdr.pos = 0;
                }
                return Ok(Some(rec));
            }
            if rdr.eof {
                return Ok(None);
            }
            let name = rdr.name.clone();
            // A record that never ends grows the buffer chunk by chunk.
            limits::checkpoint()?;
            match self.read_chunk(&name)? {
                Ok(Some(c)) => {
                    let rdr = match which {
                        None => self.main.as_mut(),
                        Some(f) => self.files.get_mut(f),
                    };
                    if let Some(r) = rdr {
                        room(&r.buf, c.len())?;
                        r.buf.extend_from_slice(&c);
                    }
                }
                Ok(None) => {
                    let rdr = match which {
                        None => self.main.as_mut(),
                        Some(f) => self.files.get_mut(f),
                    };
                    if let Some(r) = rdr {
                        r.eof = true;
                    }
                }
                Err(e) => {
                    if which.is_none() {
                        return self.fatal(format!("error reading input file `{name}': {e}"));
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// Advance the main input to the next record, opening operands as needed.
    fn next_main(&mut self) -> R<Option<Vec<u8>>> {
        loop {
            if self.main_done {
                return Ok(None);
            }
            if self.main.is_none() {
                if !self.open_next_main()? {
                    self.main_done = true;
                    return Ok(None);
                }
            }
            if let Some(r) = self.next_record(None)? {
                return Ok(Some(r));
            }
            self.main = None;
        }
    }

    fn open_next_main(&mut self) -> R<bool> {
        loop {
            // ARGC may be huge and ARGV empty: a long walk.
            self.check_cancel()?;
            // ARGV may be changed by the program: read it from the array.
            let argc = self.gval(G_ARGC).num() as usize;
            if self.main_idx == 0 {
                self.main_idx = 1;
            }
            if self.main_idx >= argc.max(1) {
                if self.main_ops.is_empty() {
                    self.main_ops.push("-".into());
                    self.start_source("-");
                    return Ok(true);
                }
                return Ok(false);
            }
            let idx = self.main_idx;
            self.main_idx += 1;
            let argv = match &self.globals[G_ARGV] {
                Cell::Arr(id) => *id,
                _ => return Ok(false),
            };
            let arg = match self.arrays[argv].get(idx.to_string().as_bytes()) {
                Some(v) => self.to_str(&v.clone()),
                None => continue,
            };
            if arg.is_empty() {
                continue;
            }
            // var=value operands are assignments, done when reached.
            if let Some(eq) = arg.iter().position(|&b| b == b'=') {
                let name = &arg[..eq];
                if !name.is_empty() && (name[0].is_ascii_alphabetic() || name[0] == b'_') && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    let n = String::from_utf8_lossy(name).into_owned();
                    let val = unescape_assign(&arg[eq + 1..]);
                    if let Some(gi) = self.prog.prog.globals.iter().position(|g| *g == n) {
                        self.set_var(Var::Global(gi), Val::input(val))?;
                    }
                    continue;
                }
            }
            let name = String::from_utf8_lossy(&arg).into_owned();
            self.main_ops.push(name.clone());
            self.start_source(&name);
            // Probe the source so a missing file is reported now.
            match self.read_chunk(&name)? {
                Ok(Some(c)) => {
                    if let Some(m) = self.main.as_mut() {
                        m.buf.extend_from_slice(&c);
                    }
                }
                Ok(None) => {
                    if let Some(m) = self.main.as_mut() {
                        m.eof = true;
                    }
                }
                Err(e) => {
                    self.main = None;
                    self.flush()?;
                    let at = if self.gval(G_NR).num() > 0.0 { "cmd. line:1: " } else { "" };
                    let _ = self.io.tx.blocking_send(Req::Err(format!("{}: {at}fatal: cannot open file `{name}' for reading: {e}\n", self.name).into_bytes()));
                    self.exit_code = 2;
                    return Err(Ctl::Fatal(String::new()));
                }
            }
            return Ok(true);
        }
    }

    fn start_source(&mut self, name: &str) {
        self.main = Some(RecReader { name: name.to_string(), buf: Vec::new(), pos: 0, eof: false });
        self.globals[G_FILENAME] = Cell::Val(Val::Str(name.as_bytes().to_vec()));
        self.globals[G_FNR] = Cell::Val(Val::Num(0.0));
    }

    fn regex_for(&mut self, pat: &[u8]) -> Result<Regex, String> {
        if let Some(r) = self.dyn_re.get(pat) {
            return Ok(r.clone());
        }
        let p = String::from_utf8_lossy(pat).into_owned();
        let r = compile_posix(&awk_regex_src(&p), true, false, false)?;
        if self.dyn_re.len() > 500 {
            self.dyn_re.clear();
        }
        self.dyn_re.insert(pat.to_vec(), r.clone());
        Ok(r)
    }

    fn regex_of(&mut self, e: &Expr) -> R<Regex> {
        if let Expr::Regex(i) = e {
            return Ok(self.prog.prog.regexes[*i].clone());
        }
        let v = self.eval(e)?;
        let s = self.to_str(&v);
        match self.regex_for(&s) {
            Ok(r) => Ok(r),
            Err(m) => self.fatal(format!("invalid regexp: {}: /{}/", regex_error(m), String::from_utf8_lossy(&s))),
        }
    }

    // ---------------------------------------------------------- evaluation

    fn eval(&mut self, e: &Expr) -> R<Val> {
        self.enter()?;
        let r = self.eval_inner(e);
        self.depth -= 1;
        r
    }

    /// One node. Each kind is evaluated in a function of its own: recursion (nested
    /// expressions, user functions) then costs a small stack frame per level, not the frame
    /// of every kind together (debug builds give each arm's temporaries their own slots).
    fn eval_inner(&mut self, e: &Expr) -> R<Val> {
        match e {
            Expr::Num(n) => Ok(Val::Num(*n)),
            Expr::Str(s) => Ok(Val::Str(s.clone())),
            Expr::Regex(i) => Ok(self.eval_regex(*i)),
            Expr::Group(inner) => self.eval_group(inner),
            Expr::Var(v) => self.get_var(*v),
            Expr::Field(i) => self.eval_field(i),
            Expr::Index(v, idx) => self.eval_index(*v, idx),
            Expr::Assign(op, lhs, rhs) => self.eval_assign(*op, lhs, rhs),
            Expr::Cond(c, a, b) => self.eval_cond(c, a, b),
            Expr::And(a, b) => self.eval_and_or(true, a, b),
            Expr::Or(a, b) => self.eval_and_or(false, a, b),
            Expr::Not(a) => self.eval_unary('!', a),
            Expr::Neg(a) => self.eval_unary('-', a),
            Expr::Plus(a) => self.eval_unary('+', a),
            Expr::Bin(op, a, b) => self.eval_bin(*op, a, b),
            Expr::Cmp(op, a, b) => self.eval_cmp(op, a, b),
            Expr::Match(neg, a, b) => self.eval_match(*neg, a, b),
            Expr::Concat(a, b) => self.eval_concat(a, b),
            Expr::In(idx, v) => self.eval_in(idx, *v),
            Expr::IncDec(pre, d, target) => self.eval_incdec(*pre, *d, target),
            Expr::Builtin(name, args) => self.builtin(name, args),
            Expr::Call(f, args) => self.call(*f, args),
            Expr::Getline(src, target) => self.getline(src, target.as_deref()),
        }
    }

    #[inline(never)]
    fn eval_regex(&mut self, i: usize) -> Val {
        let re = &self.prog.prog.regexes[i];
        Val::Num(if re.is_match(&self.record) { 1.0 } else { 0.0 })
    }

    #[inline(never)]
    fn eval_group(&mut self, inner: &Expr) -> R<Val> {
        match inner {
            Expr::Builtin(n, items) if n == "\u{0}list" => {
                // (a, b) outside `in`/print: concatenate with SUBSEP like gawk? It is an error.
                let mut last = Val::Uninit;
                for it in items {
                    last = self.eval(it)?;
                }
                Ok(last)
            }
            other => self.eval(other),
        }
    }

    #[inline(never)]
    fn eval_field(&mut self, i: &Expr) -> R<Val> {
        let n = self.eval(i)?.num();
        let n = self.field_index(n)?;
        self.get_field(n)
    }

    #[inline(never)]
    fn eval_index(&mut self, v: Var, idx: &[Expr]) -> R<Val> {
        let k = self.subscript(idx)?;
        let id = self.array_id(v)?;
        let x = self.arrays[id].get_or_create(&k);
        big_copy(x)?;
        Ok(x.clone())
    }

    /// An assignment whose value is used (`x = y = 1`, `print (x = "a")`): a copy of it.
    #[inline(never)]
    fn eval_assign(&mut self, op: Option<char>, lhs: &Expr, rhs: &Expr) -> R<Val> {
        let newv = self.assigned(op, lhs, rhs)?;
        big_copy(&newv)?;
        self.assign(lhs, newv.clone())?;
        Ok(newv)
    }

    /// An assignment as a statement: its value moves into place.
    #[inline(never)]
    fn exec_assign(&mut self, op: Option<char>, lhs: &Expr, rhs: &Expr) -> R<()> {
        let newv = self.assigned(op, lhs, rhs)?;
        self.assign(lhs, newv)
    }

    fn assigned(&mut self, op: Option<char>, lhs: &Expr, rhs: &Expr) -> R<Val> {
        let r = self.eval(rhs)?;
        Ok(match op {
            None => r,
            Some(o) => {
                let l = self.eval(lhs)?.num();
                Val::Num(self.arith(o, l, r.num())?)
            }
        })
    }

    #[inline(never)]
    fn eval_cond(&mut self, c: &Expr, a: &Expr, b: &Expr) -> R<Val> {
        if self.eval(c)?.truthy() {
            self.eval(a)
        } else {
            self.eval(b)
        }
    }

    #[inline(never)]
    fn eval_and_or(&mut self, and: bool, a: &Expr, b: &Expr) -> R<Val> {
        let x = self.eval(a)?.truthy();
        let r = if and { x && self.eval(b)?.truthy() } else { x || self.eval(b)?.truthy() };
        Ok(Val::Num(if r { 1.0 } else { 0.0 }))
    }

    #[inline(never)]
    fn eval_unary(&mut self, op: char, a: &Expr) -> R<Val> {
        let v = self.eval(a)?;
        Ok(Val::Num(match op {
            '!' => {
                if v.truthy() {
                    0.0
                } else {
                    1.0
                }
            }
            '-' => -v.num(),
            _ => v.num(),
        }))
    }

    #[inline(never)]
    fn eval_bin(&mut self, op: char, a: &Expr, b: &Expr) -> R<Val> {
        let x = self.eval(a)?.num();
        let y = self.eval(b)?.num();
        Ok(Val::Num(self.arith(op, x, y)?))
    }

    #[inline(never)]
    fn eval_cmp(&mut self, op: &str, a: &Expr, b: &Expr) -> R<Val> {
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        let ord = if x.is_numeric() && y.is_numeric() {
            let (p, q) = (x.num(), y.num());
            p.partial_cmp(&q)
        } else {
            Some(self.to_str(&x).cmp(&self.to_str(&y)))
        };
        let r = match ord {
            None => op == "!=",
            Some(o) => match op {
                "<" => o.is_lt(),
                "<=" => o.is_le(),
                "==" => o.is_eq(),
                "!=" => o.is_ne(),
                ">=" => o.is_ge(),
                _ => o.is_gt(),
            },
        };
        Ok(Val::Num(if r { 1.0 } else { 0.0 }))
    }

    #[inline(never)]
    fn eval_match(&mut self, neg: bool, a: &Expr, b: &Expr) -> R<Val> {
        let s = self.eval(a)?;
        let s = self.into_str(s);
        let re = self.regex_of(b)?;
        Ok(Val::Num(if re.is_match(&s) != neg { 1.0 } else { 0.0 }))
    }

    #[inline(never)]
    fn eval_concat(&mut self, a: &Expr, b: &Expr) -> R<Val> {
        let x = self.eval(a)?;
        let mut s = self.into_str(x);
        let y = self.eval(b)?;
        let y = self.into_str(y);
        room(&s, y.len())?;
        s.extend_from_slice(&y);
        Ok(Val::Str(s))
    }

    #[inline(never)]
    fn eval_in(&mut self, idx: &[Expr], v: Var) -> R<Val> {
        let k = self.subscript(idx)?;
        let id = self.array_id(v)?;
        Ok(Val::Num(if self.arrays[id].get(&k).is_some() { 1.0 } else { 0.0 }))
    }

    #[inline(never)]
    fn eval_incdec(&mut self, pre: bool, d: i8, target: &Expr) -> R<Val> {
        let old = self.eval(target)?.num();
        let new = old + d as f64;
        self.assign(target, Val::Num(new))?;
        Ok(Val::Num(if pre { new } else { old }))
    }

    fn arith(&self, op: char, x: f64, y: f64) -> R<f64> {
        Ok(match op {
            '+' => x + y,
            '-' => x - y,
            '*' => x * y,
            '/' => {
                if y == 0.0 {
                    return self.fatal("division by zero attempted");
                }
                x / y
            }
            '%' => {
                if y == 0.0 {
                    return self.fatal("division by zero attempted in `%'");
                }
                x % y
            }
            _ => pow(x, y),
        })
    }

    fn subscript(&mut self, idx: &[Expr]) -> R<Vec<u8>> {
        if idx.len() == 1 {
            let v = self.eval(&idx[0])?;
            return Ok(self.subscript_str(&v));
        }
        let sep = self.gstr(G_SUBSEP);
        let mut k = Vec::new();
        for (i, e) in idx.iter().enumerate() {
            if i > 0 {
                k.extend_from_slice(&sep);
            }
            let v = self.eval(e)?;
            k.extend_from_slice(&self.subscript_str(&v));
        }
        Ok(k)
    }

    fn subscript_str(&self, v: &Val) -> Vec<u8> {
        match v {
            Val::Num(n) if *n == n.trunc() && n.abs() < 1e16 => format!("{n:.0}").into_bytes(),
            _ => self.to_str(v),
        }
    }

    /// A field number as gawk takes it: C's conversion to `long`, where NaN and what is
    /// out of its range become its most negative value.
    fn field_index(&self, n: f64) -> R<usize> {
        let n = if n.is_nan() || n >= 9.223_372_036_854_775_807e18 { i64::MIN } else { n as i64 };
        if n < 0 {
            return self.fatal(format!("attempt to access field {n}"));
        }
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn assign(&mut self, lhs: &Expr, v: Val) -> R<()> {
        match lhs {
            Expr::Var(var) => self.set_var(*var, v),
            Expr::Field(i) => {
                let n = self.eval(i)?.num();
                let n = self.field_index(n)?;
                let s = self.to_str(&v);
                self.set_field(n, s)
            }
            Expr::Index(var, idx) => {
                let k = self.subscript(idx)?;
                let id = self.array_id(*var)?;
                self.arrays[id].set(k, v);
                Ok(())
            }
            Expr::Group(inner) => self.assign(inner, v),
            _ => self.fatal("assignment to a non-lvalue"),
        }
    }

    fn call(&mut self, f: usize, args: &[Expr]) -> R<Val> {
        let prog = self.prog.clone();
        let Some(func) = prog.prog.funcs.get(f) else { return self.fatal("function not defined") };
        self.check_cancel()?;
        let Ok(_nest) = limits::nest_at_most(MAX_CALL_DEPTH) else { return self.call_too_deep(func) };
        let locals = self.call_args(func, args)?;
        self.frames.push(Frame { locals });
        let r = self.exec_block(&func.body);
        self.frames.pop();
        match r {
            Ok(()) => Ok(Val::Uninit),
            Err(Ctl::Return(v)) => Ok(v),
            Err(e) => Err(e),
        }
    }

    #[cold]
    #[inline(never)]
    fn call_too_deep(&self, func: &Func) -> R<Val> {
        self.fatal(format!("function `{}': {TOO_DEEP} ({MAX_CALL_DEPTH} calls in progress)", func.name))
    }

    /// The new frame's locals: the arguments (arrays by reference), then the other locals.
    #[inline(never)]
    fn call_args(&mut self, func: &Func, args: &[Expr]) -> R<Vec<Cell>> {
        if args.len() > func.nparams {
            return self.fatal(format!("function `{}' called with more arguments than declared", func.name));
        }
        let mut locals = Vec::with_capacity(func.nparams);
        for a in args {
            // Arrays are passed by reference.
            let cell = match a {
                Expr::Var(v) => {
                    let c = self.cell_mut(*v).clone();
                    match c {
                        Cell::Arr(id) => Cell::Arr(id),
                        Cell::Val(Val::Uninit) if self.used_as_array(func, locals.len()) => {
                            let id = self.array_id(*v)?;
                            Cell::Arr(id)
                        }
                        _ => Cell::Val(self.get_var(*v)?),
                    }
                }
                _ => Cell::Val(self.eval(a)?),
            };
            locals.push(cell);
        }
        while locals.len() < func.nparams {
            locals.push(Cell::Val(Val::Uninit));
        }
        Ok(locals)
    }

    fn used_as_array(&self, func: &Func, param: usize) -> bool {
        fn in_expr(e: &Expr, p: usize) -> bool {
            match e {
                Expr::Index(Var::Local(i), _) | Expr::In(_, Var::Local(i)) if *i == p => true,
                Expr::Builtin(n, args) if (n == "split" && args.len() >= 2) => matches!(&args[1], Expr::Var(Var::Local(i)) if *i == p) || args.iter().any(|a| in_expr(a, p)),
                Expr::Field(a) | Expr::Not(a) | Expr::Neg(a) | Expr::Plus(a) | Expr::Group(a) | Expr::IncDec(_, _, a) => in_expr(a, p),
                Expr::Index(_, v) | Expr::Builtin(_, v) | Expr::Call(_, v) | Expr::In(v, _) => v.iter().any(|x| in_expr(x, p)),
                Expr::Assign(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Bin(_, a, b) | Expr::Cmp(_, a, b) | Expr::Match(_, a, b) | Expr::Concat(a, b) => {
                    in_expr(a, p) || in_expr(b, p)
                }
                Expr::Cond(a, b, c) => in_expr(a, p) || in_expr(b, p) || in_expr(c, p),
                _ => false,
            }
        }
        fn in_stmt(s: &Stmt, p: usize) -> bool {
            match s {
                Stmt::Expr(e) | Stmt::Getline(e) => in_expr(e, p),
                Stmt::Print(v, _) | Stmt::Printf(v, _) => v.iter().any(|x| in_expr(x, p)),
                Stmt::If(c, a, b) => in_expr(c, p) || in_stmt(a, p) || b.as_ref().is_some_and(|b| in_stmt(b, p)),
                Stmt::While(c, b) | Stmt::Do(b, c) => in_expr(c, p) || in_stmt(b, p),
                Stmt::For(a, c, s2, b) => a.as_ref().is_some_and(|a| in_stmt(a, p)) || c.as_ref().is_some_and(|c| in_expr(c, p)) || s2.as_ref().is_some_and(|s| in_stmt(s, p)) || in_stmt(b, p),
                Stmt::ForIn(_, Var::Local(i), _) if *i == p => true,
                Stmt::ForIn(_, _, b) => in_stmt(b, p),
                Stmt::Block(v) => v.iter().any(|x| in_stmt(x, p)),
                Stmt::Delete(Var::Local(i), _) if *i == p => true,
                Stmt::Return(Some(e)) | Stmt::Exit(Some(e)) => in_expr(e, p),
                _ => false,
            }
        }
        func.body.iter().any(|s| in_stmt(s, param))
    }

    fn getline(&mut self, src: &GetSrc, target: Option<&Expr>) -> R<Val> {
        match src {
            GetSrc::Main => {
                let Some(rec) = self.next_main()? else { return Ok(Val::Num(0.0)) };
                self.bump_nr();
                match target {
                    Some(t) => self.assign(t, Val::input(rec))?,
                    None => self.set_record(rec),
                }
                Ok(Val::Num(1.0))
            }
            GetSrc::File(f) => {
                let name = self.eval(f)?;
                let name = String::from_utf8_lossy(&self.to_str(&name)).into_owned();
                if !self.files.contains_key(&name) {
                    // Probe it: a missing file gives -1.
                    match self.read_chunk(&name)? {
                        Ok(c) => {
                            let mut r = RecReader { name: name.clone(), buf: Vec::new(), pos: 0, eof: false };
                            match c {
                                Some(c) => r.buf.extend_from_slice(&c),
                                None => r.eof = true,
                            }
                            self.files.insert(name.clone(), r);
                        }
                        Err(_) => return Ok(Val::Num(-1.0)),
                    }
                }
                let Some(rec) = self.next_record(Some(&name))? else { return Ok(Val::Num(0.0)) };
                match target {
                    Some(t) => self.assign(t, Val::input(rec))?,
                    None => {
                        self.set_record(rec);
                    }
                }
                Ok(Val::Num(1.0))
            }
            GetSrc::Cmd(c) => {
                self.eval(c)?;
                self.warn("cmd | getline: running commands is not supported here");
                Ok(Val::Num(-1.0))
            }
        }
    }

    fn bump_nr(&mut self) {
        let nr = self.gval(G_NR).num() + 1.0;
        self.globals[G_NR] = Cell::Val(Val::Num(nr));
        let fnr = self.gval(G_FNR).num() + 1.0;
        self.globals[G_FNR] = Cell::Val(Val::Num(fnr));
    }

    // ---------------------------------------------------------- builtins

    /// A builtin call; each builtin in a function of its own (see `eval_inner`).
    fn builtin(&mut self, name: &str, args: &[Expr]) -> R<Val> {
        match name {
            "length" => self.bi_length(name, args),
            "substr" => self.bi_substr(name, args),
            "index" => self.bi_index(name, args),
            "split" => self.bi_split(name, args),
            "sub" | "gsub" => self.bi_sub(name, args),
            "match" => self.bi_match(name, args),
            "sprintf" => self.bi_sprintf(name, args),
            "sin" => self.bi_simple(name, args),
            "cos" => self.bi_simple(name, args),
            "atan2" => self.bi_atan2(name, args),
            "exp" => self.bi_simple(name, args),
            "log" => self.bi_simple(name, args),
            "sqrt" => self.bi_simple(name, args),
            "int" => self.bi_simple(name, args),
            "rand" => self.bi_rand(name, args),
            "srand" => self.bi_srand(name, args),
            "tolower" => self.bi_simple(name, args),
            "toupper" => self.bi_simple(name, args),
            "system" => self.bi_system(name, args),
            "close" => self.bi_close(name, args),
            "fflush" => self.bi_fflush(name, args),
            "systime" => self.bi_simple(name, args),
            "strftime" => self.bi_strftime(name, args),
            "gensub" => self.bi_gensub(name, args),
            "asort" | "asorti" => self.bi_asort(name, args),
            "mktime" => self.bi_mktime(name, args),
            _ => self.fatal(format!("function `{name}' not defined")),
        }
    }

    #[inline(never)]
    fn bi_length(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            if let Some(Expr::Var(v)) = argn(0) {
                if let Cell::Arr(id) = self.cell_mut(*v).clone() {
                    return Ok(Val::Num(self.arrays[id].map.len() as f64));
                }
            }
            let s = match argn(0) {
                Some(e) => {
                    let v = self.eval(e)?;
                    self.to_str(&v)
                }
                None => self.record.clone(),
            };
            Val::Num(s.len() as f64)
        })
    }

    #[inline(never)]
    fn bi_substr(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let s = self.eval_str(argn(0))?;
            let m = self.eval_num(argn(1))?;
            let len = s.len() as f64;
            // As gawk 5.2 does: the start is truncated and clamped to 1, the length truncated.
            let start = if m.is_nan() { 1.0 } else { m.trunc().max(1.0) };
            let end = match argn(2) {
                Some(e) => {
                    let n = self.eval(e)?.num();
                    if n.is_nan() || n <= 0.0 {
                        start
                    } else {
                        start + n.trunc().min(len + 1.0)
                    }
                }
                None => len + 1.0,
            };
            let b = end.min(len + 1.0);
            if b <= start {
                Val::Str(Vec::new())
            } else {
                // Cut the copy in place: no second buffer.
                let mut s = s;
                s.truncate(b as usize - 1);
                s.drain(..start as usize - 1);
                Val::Str(s)
            }
        })
    }

    #[inline(never)]
    fn bi_index(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let s = self.eval_str(argn(0))?;
            let t = self.eval_str(argn(1))?;
            let pos = if t.is_empty() { Some(0) } else { memchr::memmem::find(&s, &t) };
            Val::Num(pos.map(|p| p + 1).unwrap_or(0) as f64)
        })
    }

    #[inline(never)]
    fn bi_split(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let s = self.eval_str(argn(0))?;
            let Some(Expr::Var(av)) = argn(1) else { return self.fatal("split: second argument is not an array") };
            let mode = match argn(2) {
                None => self.fs_mode(),
                Some(Expr::Regex(i)) => FsMode::Re(self.prog.prog.regexes[*i].clone()),
                Some(e) => {
                    let v = self.eval(e)?;
                    let fs = self.to_str(&v);
                    self.make_fs(&fs)
                }
            };
            let parts = self.split_with(&s, &mode, false)?;
            let id = self.array_id(*av)?;
            self.arrays[id].clear();
            for (i, p) in parts.iter().enumerate() {
                if i % 4096 == 4095 {
                    limits::checkpoint()?;
                }
                self.arrays[id].set((i + 1).to_string().into_bytes(), Val::input(p.clone()));
            }
            Val::Num(parts.len() as f64)
        })
    }

    #[inline(never)]
    fn bi_sub(&mut self, name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let re = match argn(0) {
                Some(e) => self.regex_of(e)?,
                None => return self.fatal(format!("{name}: missing arguments")),
            };
            let repl = self.eval_str(argn(1))?;
            let target = argn(2).cloned().unwrap_or(Expr::Field(Box::new(Expr::Num(0.0))));
            let tv = self.eval(&target)?;
            let ts = self.to_str(&tv);
            let (out, n) = awk_sub(&re, &repl, &ts, name == "gsub")?;
            if n > 0 {
                self.assign(&target, Val::Str(out))?;
            }
            Val::Num(n as f64)
        })
    }

    #[inline(never)]
    fn bi_match(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let s = self.eval_str(argn(0))?;
            let re = match argn(1) {
                Some(e) => self.regex_of(e)?,
                None => return self.fatal("match: missing arguments"),
            };
            let (start, len) = match re.captures(&s) {
                Some(c) => {
                    let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or((0, 0));
                    if let Some(Expr::Var(av)) = argn(2) {
                        let id = self.array_id(*av)?;
                        self.arrays[id].clear();
                        for (gi, g) in c.iter().enumerate() {
                            if let Some(g) = g {
                                self.arrays[id].set(gi.to_string().into_bytes(), Val::input(g.as_bytes().to_vec()));
                                self.arrays[id].set(format!("{gi}\x1cstart").into_bytes(), Val::Num((g.start() + 1) as f64));
                                self.arrays[id].set(format!("{gi}\x1clength").into_bytes(), Val::Num((g.end() - g.start()) as f64));
                            }
                        }
                    }
                    ((m.0 + 1) as f64, (m.1 - m.0) as f64)
                }
                None => (0.0, -1.0),
            };
            self.globals[G_RSTART] = Cell::Val(Val::Num(start));
            self.globals[G_RLENGTH] = Cell::Val(Val::Num(len));
            Val::Num(start)
        })
    }

    #[inline(never)]
    fn bi_sprintf(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let _ = args;
        Ok({
            if args.is_empty() {
                return self.fatal("sprintf: no arguments");
            }
            let mut vals = Vec::new();
            for a in args {
                vals.push(self.eval(a)?);
            }
            Val::Str(self.format(&vals)?)
        })
    }

    #[inline(never)]
    fn bi_atan2(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let y = self.eval_num(argn(0))?;
            let x = self.eval_num(argn(1))?;
            Val::Num(y.atan2(x))
        })
    }

    #[inline(never)]
    fn bi_rand(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let _ = args;
        Ok({
            // A small LCG; gawk's random() sequence is not reproduced.
            self.rng = self.rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            Val::Num(((self.rng >> 11) as f64) / ((1u64 << 53) as f64))
        })
    }

    #[inline(never)]
    fn bi_srand(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let prev = self.prev_seed;
            let seed = match argn(0) {
                Some(e) => self.eval(e)?.num(),
                None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as f64).unwrap_or(0.0),
            };
            self.prev_seed = seed;
            self.rand_seed = seed;
            self.rng = seed.to_bits() ^ 0x9E37_79B9_7F4A_7C15;
            Val::Num(prev)
        })
    }

    #[inline(never)]
    fn bi_system(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let _ = args;
        Ok({
            self.flush()?;
            self.warn("system(): running commands is not supported here");
            Val::Num(-1.0)
        })
    }

    #[inline(never)]
    fn bi_close(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let n = self.eval_str(argn(0))?;
            let n = String::from_utf8_lossy(&n).into_owned();
            let mut r = -1.0;
            if self.files.remove(&n).is_some() {
                r = 0.0;
            }
            if let Some((data, append)) = self.out_files.remove(&n) {
                self.write_file(&n, data, append)?;
                // Later writes to the same name start a new file.
                r = 0.0;
            }
            Val::Num(r)
        })
    }

    #[inline(never)]
    fn bi_fflush(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let _ = args;
        Ok({
            self.flush()?;
            Val::Num(0.0)
        })
    }

    #[inline(never)]
    fn bi_strftime(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let fmt = match argn(0) {
                Some(e) => {
                    let v = self.eval(e)?;
                    self.to_str(&v)
                }
                None => b"%a %b %e %H:%M:%S %Z %Y".to_vec(),
            };
            let t = match argn(1) {
                Some(e) => self.eval(e)?.num() as i64,
                None => chrono::Utc::now().timestamp(),
            };
            let dt = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
            let f = String::from_utf8_lossy(&fmt).replace("%Z", "UTC");
            let mut s = String::new();
            use std::fmt::Write;
            if write!(s, "{}", dt.format(&f)).is_err() {
                s.clear();
            }
            Val::Str(s.into_bytes())
        })
    }

    #[inline(never)]
    fn bi_gensub(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let re = match argn(0) {
                Some(e) => self.regex_of(e)?,
                None => return self.fatal("gensub: missing arguments"),
            };
            let repl = self.eval_str(argn(1))?;
            let how = self.eval_str(argn(2))?;
            let target = match argn(3) {
                Some(e) => {
                    let v = self.eval(e)?;
                    self.to_str(&v)
                }
                None => self.record.clone(),
            };
            let global = how.first().is_some_and(|c| *c == b'g' || *c == b'G');
            let nth = if global { 0 } else { (str_to_num(&how) as usize).max(1) };
            Val::Str(gensub(&re, &repl, &target, global, nth)?)
        })
    }

    #[inline(never)]
    fn bi_asort(&mut self, name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let Some(Expr::Var(src)) = argn(0) else { return self.fatal(format!("{name}: first argument is not an array")) };
            let sid = self.array_id(*src)?;
            let keys = self.arrays[sid].keys()?;
            let mut items: Vec<Val> = if name == "asort" {
                keys.iter().filter_map(|k| self.arrays[sid].get(k).cloned()).collect()
            } else {
                keys.into_iter().map(Val::Str).collect()
            };
            items.sort_by(|a, b| {
                let an = matches!(a, Val::Num(_)) || matches!(a, Val::StrNum(_));
                let bn = matches!(b, Val::Num(_)) || matches!(b, Val::StrNum(_));
                match (an, bn) {
                    (true, true) => a.num().partial_cmp(&b.num()).unwrap_or(std::cmp::Ordering::Equal),
                    (true, false) => std::cmp::Ordering::Less,
                    (false, true) => std::cmp::Ordering::Greater,
                    _ => self.to_str(a).cmp(&self.to_str(b)),
                }
            });
            let did = match argn(1) {
                Some(Expr::Var(d)) => self.array_id(*d)?,
                _ => sid,
            };
            self.arrays[did].clear();
            let n = items.len();
            for (i, v) in items.into_iter().enumerate() {
                if i % 4096 == 4095 {
                    limits::checkpoint()?;
                }
                self.arrays[did].set((i + 1).to_string().into_bytes(), v);
            }
            Val::Num(n as f64)
        })
    }

    #[inline(never)]
    fn bi_mktime(&mut self, _name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok({
            let s = self.eval_str(argn(0))?;
            let parts: Vec<i64> = String::from_utf8_lossy(&s).split_whitespace().filter_map(|x| x.parse().ok()).collect();
            if parts.len() < 6 {
                Val::Num(-1.0)
            } else {
                let d = chrono::NaiveDate::from_ymd_opt(parts[0] as i32, parts[1] as u32, parts[2] as u32)
                    .and_then(|d| d.and_hms_opt(parts[3] as u32, parts[4] as u32, parts[5] as u32));
                match d {
                    Some(d) => Val::Num(d.and_utc().timestamp() as f64),
                    None => Val::Num(-1.0),
                }
            }
        })
    }

    #[inline(never)]
    fn bi_simple(&mut self, name: &str, args: &[Expr]) -> R<Val> {
        let argn = |k: usize| -> Option<&Expr> { args.get(k) };
        Ok(match name {
            "sin" => Val::Num(self.eval_num(argn(0))?.sin()),
            "cos" => Val::Num(self.eval_num(argn(0))?.cos()),
            "exp" => Val::Num(self.eval_num(argn(0))?.exp()),
            "log" => Val::Num(self.eval_num(argn(0))?.ln()),
            "sqrt" => Val::Num(self.eval_num(argn(0))?.sqrt()),
            "int" => Val::Num(self.eval_num(argn(0))?.trunc()),
            "tolower" => Val::Str(self.eval_str(argn(0))?.to_ascii_lowercase()),
            "toupper" => Val::Str(self.eval_str(argn(0))?.to_ascii_uppercase()),
            "systime" => Val::Num(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as f64).unwrap_or(0.0)),
            _ => return self.fatal(format!("function `{name}' not defined")),
        })
    }

    fn eval_str(&mut self, e: Option<&Expr>) -> R<Vec<u8>> {
        match e {
            Some(e) => {
                let v = self.eval(e)?;
                Ok(self.into_str(v))
            }
            None => Ok(Vec::new()),
        }
    }

    fn eval_num(&mut self, e: Option<&Expr>) -> R<f64> {
        match e {
            Some(e) => Ok(self.eval(e)?.num()),
            None => Ok(0.0),
        }
    }

    /// printf-style formatting of `vals[0]` with the rest as arguments.
    fn format(&mut self, vals: &[Val]) -> R<Vec<u8>> {
        let f = self.to_str(&vals[0]);
        let mut ai = 1;
        let mut out = Vec::new();
        let mut i = 0;
        while i < f.len() {
            let c = f[i];
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
            let (mut spec, ci, sw, sp) = cfmt::parse_spec(&f, i + 1);
            // Width and precision as written (`cfmt` clamps them to 1 MiB).
            let (mut width, mut prec) = raw_width_prec(&f[i + 1..ci.min(f.len())]);
            if sw {
                let w = vals.get(ai).map(|v| v.num()).unwrap_or(0.0) as i64;
                ai += 1;
                spec.star_width(w);
                width = w.unsigned_abs().try_into().unwrap_or(usize::MAX);
            }
            if sp {
                let p = vals.get(ai).map(|v| v.num()).unwrap_or(0.0) as i64;
                ai += 1;
                spec.star_prec(p);
                prec = (p >= 0).then(|| p.try_into().unwrap_or(usize::MAX));
            }
            let Some(&conv) = f.get(ci) else {
                out.extend_from_slice(&f[i..]);
                break;
            };
            spec.conv = conv as char;
            // What this conversion prints: at least its width, and its precision in digits
            // for numbers (a `%s` precision only cuts).
            let digits = if matches!(conv, b's' | b'c') { 0 } else { prec.unwrap_or(0) };
            let size = width.max(digits);
            if size >= 1 << 16 {
                reserve(size.saturating_add(64))?;
            }
            // Past `cfmt`'s clamp, the width is applied here (as C's printf would).
            let wide = (width > CFMT_CAP).then(|| {
                spec.width = None;
                width
            });
            let start = out.len();
            let arg = vals.get(ai).cloned();
            let known = matches!(conv, b'd' | b'i' | b'o' | b'x' | b'X' | b'u' | b'c' | b's' | b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A');
            if !known {
                out.extend_from_slice(&f[i..=ci]);
                i = ci + 1;
                continue;
            }
            if arg.is_none() {
                return self.fatal("not enough arguments to satisfy format string");
            }
            ai += 1;
            let arg = arg.unwrap_or(Val::Uninit);
            match conv {
                b'd' | b'i' => {
                    let n = arg.num();
                    if !n.is_finite() {
                        let mut sp2 = spec.clone();
                        sp2.conv = 'f';
                        sp2.prec = None;
                        let s = cfmt::fmt_float(&sp2, n);
                        out.extend_from_slice(s.replace(".000000", "").as_bytes());
                    } else if n.abs() < 9.2e18 {
                        out.extend_from_slice(&fmt_int(&spec, n.trunc() as i128, prec));
                    } else {
                        let mut sp2 = spec.clone();
                        sp2.conv = 'f';
                        sp2.prec = Some(0);
                        out.extend_from_slice(cfmt::fmt_float(&sp2, n.trunc()).as_bytes());
                    }
                }
                b'o' | b'x' | b'X' | b'u' => {
                    let n = arg.num().trunc();
                    let v = if n < 0.0 { (n as i64) as u64 } else { n as u64 };
                    out.extend_from_slice(&fmt_uint(&spec, v, prec));
                }
                b'c' => {
                    let body = match &arg {
                        Val::Num(n) => {
                            let code = *n as u32;
                            if code < 256 {
                                vec![code as u8]
                            } else {
                                let mut b = [0u8; 4];
                                char::from_u32(code).unwrap_or('?').encode_utf8(&mut b).as_bytes().to_vec()
                            }
                        }
                        other => {
                            let s = self.to_str(other);
                            s[..s.len().min(1)].to_vec()
                        }
                    };
                    out.extend_from_slice(&cfmt::pad_bytes(&spec, &body));
                }
                b's' => {
                    let s = self.to_str(&arg);
                    let cut = match prec {
                        Some(p) if p < s.len() => &s[..p],
                        _ => &s[..],
                    };
                    spec.prec = None;
                    out.extend_from_slice(&cfmt::fmt_str(&spec, cut));
                }
                _ => {
                    if conv == b'a' || conv == b'A' {
                        spec.conv = if conv == b'a' { 'e' } else { 'E' };
                    }
                    out.extend_from_slice(cfmt::fmt_float(&spec, arg.num()).as_bytes());
                }
            }
            if let Some(w) = wide {
                widen(&mut out, start, w, &spec);
            }
            i = ci + 1;
        }
        Ok(out)
    }

    // ---------------------------------------------------------- statements

    fn exec_block(&mut self, b: &[Stmt]) -> R<()> {
        for s in b {
            self.exec(s)?;
        }
        Ok(())
    }

    /// Output for stdout: sent on in 64 KiB pieces.
    fn to_stdout(&mut self, data: &[u8]) -> R<()> {
        self.out.extend_from_slice(data);
        if self.out.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(())
    }

    fn emit(&mut self, data: Vec<u8>, redir: &Option<Redir>) -> R<()> {
        match redir {
            None => self.to_stdout(&data),
            Some(Redir::File(e)) | Some(Redir::Append(e)) => {
                let append = matches!(redir, Some(Redir::Append(_)));
                let v = self.eval(e)?;
                let name = String::from_utf8_lossy(&self.to_str(&v)).into_owned();
                match name.as_str() {
                    "/dev/stdout" | "-" => return self.to_stdout(&data),
                    "/dev/stderr" => {
                        self.flush()?;
                        return self.send(Req::Err(data));
                    }
                    // Kept nowhere (not piled up until the end, as files are).
                    "/dev/null" => return Ok(()),
                    _ => {}
                }
                let entry = self.out_files.entry(name).or_insert_with(|| (Vec::new(), append));
                entry.0.extend_from_slice(&data);
                Ok(())
            }
            Some(Redir::Pipe(e)) => {
                let v = self.eval(e)?;
                let cmd = String::from_utf8_lossy(&self.to_str(&v)).into_owned();
                // `print | "cat 1>&2"` is the one common form: send to stderr.
                if cmd.trim() == "cat 1>&2" || cmd.trim() == "cat >&2" {
                    self.flush()?;
                    return self.send(Req::Err(data));
                }
                if cmd.trim() == "cat" {
                    return self.to_stdout(&data);
                }
                self.fatal(format!("print | \"{cmd}\": running commands is not supported here"))
            }
        }
    }

    fn write_file(&mut self, name: &str, data: Vec<u8>, append: bool) -> R<()> {
        self.flush()?;
        let (tx, rx) = oneshot::channel();
        self.send(Req::WriteFile(name.to_string(), data, append, tx))?;
        match rx.blocking_recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => self.fatal(format!("can't redirect to `{name}' ({e})")),
            Err(_) => Err(Ctl::Pipe),
        }
    }

    fn exec(&mut self, s: &Stmt) -> R<()> {
        self.check_cancel()?;
        self.enter()?;
        let r = self.exec_inner(s);
        self.depth -= 1;
        r
    }

    /// One statement; each kind in a function of its own (see `eval_inner`).
    fn exec_inner(&mut self, s: &Stmt) -> R<()> {
        match s {
            Stmt::Expr(Expr::Assign(op, lhs, rhs)) => self.exec_assign(*op, lhs, rhs),
            Stmt::Expr(e) | Stmt::Getline(e) => self.eval(e).map(drop),
            Stmt::Print(args, redir) => self.exec_print(args, redir),
            Stmt::Printf(args, redir) => self.exec_printf(args, redir),
            Stmt::If(c, a, b) => self.exec_if(c, a, b.as_deref()),
            Stmt::While(c, body) => self.exec_while(c, body),
            Stmt::Do(body, c) => self.exec_do(body, c),
            Stmt::For(init, cond, step, body) => self.exec_for(init.as_deref(), cond.as_ref(), step.as_deref(), body),
            Stmt::ForIn(k, a, body) => self.exec_for_in(*k, *a, body),
            Stmt::Block(b) => self.exec_block(b),
            Stmt::Next => {
                if self.in_end {
                    return self.fatal("`next' used in END action");
                }
                Err(Ctl::Next)
            }
            Stmt::NextFile => Err(Ctl::NextFile),
            Stmt::Exit(e) => self.exec_exit(e.as_ref()),
            Stmt::Return(e) => self.exec_return(e.as_ref()),
            Stmt::Break => Err(Ctl::Break),
            Stmt::Continue => Err(Ctl::Continue),
            Stmt::Delete(v, idx) => self.exec_delete(*v, idx.as_deref()),
        }
    }

    #[inline(never)]
    fn exec_print(&mut self, args: &[Expr], redir: &Option<Redir>) -> R<()> {
        let mut line = Vec::new();
        if args.is_empty() {
            line.extend_from_slice(&self.record);
        } else {
            let ofs = self.gstr(G_OFS);
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    line.extend_from_slice(&ofs);
                }
                let v = self.eval(a)?;
                let s = match v {
                    Val::Num(_) => self.to_out_str(&v),
                    other => self.into_str(other),
                };
                room(&line, s.len())?;
                line.extend_from_slice(&s);
            }
        }
        let ors = self.gstr(G_ORS);
        line.extend_from_slice(&ors);
        self.emit(line, redir)
    }

    #[inline(never)]
    fn exec_printf(&mut self, args: &[Expr], redir: &Option<Redir>) -> R<()> {
        let mut vals = Vec::new();
        for a in args {
            vals.push(self.eval(a)?);
        }
        let s = self.format(&vals)?;
        self.emit(s, redir)
    }

    #[inline(never)]
    fn exec_if(&mut self, c: &Expr, a: &Stmt, b: Option<&Stmt>) -> R<()> {
        if self.eval(c)?.truthy() {
            self.exec(a)
        } else if let Some(b) = b {
            self.exec(b)
        } else {
            Ok(())
        }
    }

    #[inline(never)]
    fn exec_while(&mut self, c: &Expr, body: &Stmt) -> R<()> {
        while self.eval(c)?.truthy() {
            self.check_cancel()?;
            match self.exec(body) {
                Err(Ctl::Break) => break,
                Err(Ctl::Continue) | Ok(()) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn exec_do(&mut self, body: &Stmt, c: &Expr) -> R<()> {
        loop {
            self.check_cancel()?;
            match self.exec(body) {
                Err(Ctl::Break) => break,
                Err(Ctl::Continue) | Ok(()) => {}
                Err(e) => return Err(e),
            }
            if !self.eval(c)?.truthy() {
                break;
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn exec_for(&mut self, init: Option<&Stmt>, cond: Option<&Expr>, step: Option<&Stmt>, body: &Stmt) -> R<()> {
        if let Some(i) = init {
            self.exec(i)?;
        }
        loop {
            self.check_cancel()?;
            if let Some(c) = cond {
                if !self.eval(c)?.truthy() {
                    break;
                }
            }
            match self.exec(body) {
                Err(Ctl::Break) => break,
                Err(Ctl::Continue) | Ok(()) => {}
                Err(e) => return Err(e),
            }
            if let Some(st) = step {
                self.exec(st)?;
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn exec_for_in(&mut self, k: Var, a: Var, body: &Stmt) -> R<()> {
        let id = self.array_id(a)?;
        let keys = self.arrays[id].keys()?;
        for key in keys {
            if self.arrays[id].get(&key).is_none() {
                continue;
            }
            self.set_var(k, Val::input(key))?;
            match self.exec(body) {
                Err(Ctl::Break) => break,
                Err(Ctl::Continue) | Ok(()) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn exec_exit(&mut self, e: Option<&Expr>) -> R<()> {
        if let Some(e) = e {
            // A status is a byte, as the shell sees it (`exit -1` is 255).
            let n = self.eval(e)?.num();
            self.exit_code = ((n as i64) & 0xff) as i32;
        }
        Err(Ctl::Exit)
    }

    #[inline(never)]
    fn exec_return(&mut self, e: Option<&Expr>) -> R<()> {
        let v = match e {
            Some(e) => self.eval(e)?,
            None => Val::Uninit,
        };
        Err(Ctl::Return(v))
    }

    #[inline(never)]
    fn exec_delete(&mut self, v: Var, idx: Option<&[Expr]>) -> R<()> {
        let id = self.array_id(v)?;
        match idx {
            None => self.arrays[id].clear(),
            Some(ix) => {
                let k = self.subscript(ix)?;
                self.arrays[id].remove(&k);
            }
        }
        Ok(())
    }

    fn run_rules(&mut self) -> R<()> {
        let prog = self.prog.clone();
        for (ri, rule) in prog.prog.rules.iter().enumerate() {
            let hit = match &rule.pattern {
                Pattern::Begin | Pattern::End => continue,
                Pattern::All => true,
                Pattern::Expr(e) => self.eval(e)?.truthy(),
                Pattern::Range(a, b) => {
                    if self.range_on[ri] {
                        if self.eval(b)?.truthy() {
                            self.range_on[ri] = false;
                        }
                        true
                    } else if self.eval(a)?.truthy() {
                        if !self.eval(b)?.truthy() {
                            self.range_on[ri] = true;
                        }
                        true
                    } else {
                        false
                    }
                }
            };
            if !hit {
                continue;
            }
            match &rule.action {
                None => {
                    let mut line = self.record.clone();
                    let ors = self.gstr(G_ORS);
                    line.extend_from_slice(&ors);
                    self.emit(line, &None)?;
                }
                Some(b) => self.exec_block(b)?,
            }
        }
        Ok(())
    }

    fn run(&mut self) -> R<()> {
        let prog = self.prog.clone();
        let mut exiting = false;
        for rule in &prog.prog.rules {
            if let (Pattern::Begin, Some(b)) = (&rule.pattern, &rule.action) {
                match self.exec_block(b) {
                    Ok(()) => {}
                    Err(Ctl::Exit) => {
                        exiting = true;
                        break;
                    }
                    Err(Ctl::Next) => return self.fatal("`next' used in BEGIN action"),
                    Err(e) => return Err(e),
                }
            }
        }
        let has_main = prog.prog.rules.iter().any(|r| !matches!(r.pattern, Pattern::Begin));
        if !exiting && has_main {
            'records: loop {
                self.check_cancel()?;
                let Some(rec) = self.next_main()? else { break };
                self.bump_nr();
                self.set_record(rec);
                match self.run_rules() {
                    Ok(()) | Err(Ctl::Next) => {}
                    Err(Ctl::NextFile) => {
                        self.main = None;
                    }
                    Err(Ctl::Exit) => break 'records,
                    Err(e) => return Err(e),
                }
            }
        }
        self.in_end = true;
        for rule in &prog.prog.rules {
            if let (Pattern::End, Some(b)) = (&rule.pattern, &rule.action) {
                match self.exec_block(b) {
                    Ok(()) => {}
                    Err(Ctl::Exit) => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

fn str_of(v: &Val) -> Vec<u8> {
    match v {
        Val::Str(s) | Val::StrNum(s) => s.clone(),
        Val::Num(n) => fmt_num(*n, b"%.6g"),
        Val::Uninit => Vec::new(),
    }
}

fn pow(x: f64, y: f64) -> f64 {
    if y == y.trunc() && y.abs() < 1024.0 {
        let mut r = 1.0;
        let mut b = x;
        let mut e = y.abs() as u64;
        while e > 0 {
            if e & 1 == 1 {
                r *= b;
            }
            b *= b;
            e >>= 1;
        }
        if y < 0.0 {
            1.0 / r
        } else {
            r
        }
    } else {
        x.powf(y)
    }
}

/// `-v` and operand assignments process escape sequences like string literals.
fn unescape_assign(s: &[u8]) -> Vec<u8> {
    let mut quoted = Vec::with_capacity(s.len() + 2);
    quoted.extend_from_slice(s);
    quoted.push(b'"');
    let mut lx = Lexer { s: &quoted, pos: 0, line: 1, prev_allows_regex: false, toks: Vec::new() };
    lx.string().unwrap_or_else(|_| s.to_vec())
}

/// Take one record from `buf` (RS semantics); returns the record and bytes consumed.
fn take_record(buf: &[u8], rs: &[u8], eof: bool) -> Option<(Vec<u8>, usize)> {
    if rs.is_empty() {
        // Paragraph mode: skip leading newlines; records end at a blank line.
        let st = buf.iter().position(|&b| b != b'\n').unwrap_or(buf.len());
        if st == buf.len() {
            return None;
        }
        let mut i = st;
        while i < buf.len() {
            if buf[i] == b'\n' && i + 1 < buf.len() && buf[i + 1] == b'\n' {
                let mut j = i;
                while j < buf.len() && buf[j] == b'\n' {
                    j += 1;
                }
                if j == buf.len() && !eof {
                    return None;
                }
                return Some((buf[st..i].to_vec(), j));
            }
            i += 1;
        }
        if eof {
            let mut end = buf.len();
            while end > st && buf[end - 1] == b'\n' {
                end -= 1;
            }
            return Some((buf[st..end].to_vec(), buf.len()));
        }
        return None;
    }
    if rs.len() == 1 {
        if let Some(i) = memchr::memchr(rs[0], buf) {
            return Some((buf[..i].to_vec(), i + 1));
        }
    } else if let Ok(re) = compile_posix(&String::from_utf8_lossy(rs), true, false, false) {
        if let Some(m) = re.find(buf) {
            if m.end() < buf.len() || eof {
                return Some((buf[..m.start()].to_vec(), m.end()));
            }
        }
    }
    if eof && !buf.is_empty() {
        return Some((buf.to_vec(), buf.len()));
    }
    None
}

/// sub/gsub: `&` is the match, `\&` a literal `&`, `\\` a backslash.
fn awk_sub(re: &Regex, repl: &[u8], s: &[u8], global: bool) -> R<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(s.len());
    let mut last = 0;
    let mut n = 0;
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    let mut tick = limits::Ticker::new();
    while pos <= s.len() {
        tick.tick()?;
        let Some(m) = re.find_at(s, pos) else { break };
        if m.start() == m.end() && prev_end == Some(m.start()) {
            pos = m.start() + 1;
            continue;
        }
        // Each `&` of the replacement copies the match: the output may outgrow the input.
        room(&out, (m.start() - last).saturating_add(repl.len().saturating_mul(m.len().max(1))))?;
        out.extend_from_slice(&s[last..m.start()]);
        let mut i = 0;
        while i < repl.len() {
            let c = repl[i];
            if c == b'\\' && i + 1 < repl.len() && (repl[i + 1] == b'&' || repl[i + 1] == b'\\') {
                out.push(repl[i + 1]);
                i += 2;
                continue;
            }
            if c == b'&' {
                out.extend_from_slice(m.as_bytes());
            } else {
                out.push(c);
            }
            i += 1;
        }
        last = m.end();
        n += 1;
        if !global {
            break;
        }
        if m.start() == m.end() {
            pos = m.end() + 1;
        } else {
            pos = m.end();
            prev_end = Some(m.end());
        }
    }
    out.extend_from_slice(&s[last.min(s.len())..]);
    Ok((out, n))
}

fn gensub(re: &Regex, repl: &[u8], s: &[u8], global: bool, nth: usize) -> R<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut last = 0;
    let mut count = 0;
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    let mut tick = limits::Ticker::new();
    while pos <= s.len() {
        tick.tick()?;
        let Some(c) = re.captures_at(s, pos) else { break };
        let Some(m) = c.get(0) else { break };
        if m.start() == m.end() && prev_end == Some(m.start()) {
            pos = m.start() + 1;
            continue;
        }
        count += 1;
        if global || count == nth {
            // `&` and `\N` copy the match (or a group of it) for each occurrence.
            room(&out, (m.start() - last).saturating_add(repl.len().saturating_mul(m.len().max(1))))?;
            out.extend_from_slice(&s[last..m.start()]);
            let mut i = 0;
            while i < repl.len() {
                let ch = repl[i];
                if ch == b'\\' && i + 1 < repl.len() {
                    let n = repl[i + 1];
                    if n.is_ascii_digit() {
                        let g = (n - b'0') as usize;
                        if let Some(gm) = c.get(g) {
                            out.extend_from_slice(gm.as_bytes());
                        }
                    } else {
                        out.push(n);
                    }
                    i += 2;
                    continue;
                }
                if ch == b'&' {
                    out.extend_from_slice(m.as_bytes());
                } else {
                    out.push(ch);
                }
                i += 1;
            }
            last = m.end();
            if !global {
                break;
            }
        }
        if m.start() == m.end() {
            pos = m.end() + 1;
        } else {
            pos = m.end();
            prev_end = Some(m.end());
        }
    }
    out.extend_from_slice(&s[last.min(s.len())..]);
    Ok(out)
}

// ================================================================ the command

fn syntax_message(name: &str, src: &[u8], e: &SyntaxError) -> String {
    if e.pos == usize::MAX {
        return format!("{name}: cmd. line:1: fatal: {}\n", e.msg);
    }
    let pos = e.pos.min(src.len());
    let line_start = src[..pos].iter().rposition(|&b| b == b'\n').map(|i| i + 1).unwrap_or(0);
    let line_no = src[..line_start].iter().filter(|&&b| b == b'\n').count() + 1;
    let line_end = src[line_start..].iter().position(|&b| b == b'\n').map(|i| line_start + i).unwrap_or(src.len());
    let text = String::from_utf8_lossy(&src[line_start..line_end]);
    let col = pos - line_start;
    let prefix = format!("{name}: cmd. line:{line_no}: ");
    format!("{prefix}{text}\n{prefix}{}^ {}\n", " ".repeat(col), e.msg)
}

pub async fn run(ctx: Ctx) -> i32 {
    let name = "awk".to_string();
    let mut fs: Option<String> = None;
    let mut assigns: Vec<String> = Vec::new();
    let mut progfiles: Vec<String> = Vec::new();
    let mut progtexts: Vec<String> = Vec::new();
    let mut i = 0;
    let args = ctx.args.clone();
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let take = |i: &mut usize, inline: &str| -> Option<String> {
            if !inline.is_empty() {
                Some(inline.to_string())
            } else {
                *i += 1;
                args.get(*i).cloned()
            }
        };
        if let Some(rest) = a.strip_prefix("-F") {
            match take(&mut i, rest) {
                Some(v) => fs = Some(v),
                None => return usage_missing(&ctx, &name, 'F').await,
            }
        } else if let Some(rest) = a.strip_prefix("-v") {
            match take(&mut i, rest) {
                Some(v) => assigns.push(v),
                None => return usage_missing(&ctx, &name, 'v').await,
            }
        } else if let Some(rest) = a.strip_prefix("-f") {
            match take(&mut i, rest) {
                Some(v) => progfiles.push(v),
                None => return usage_missing(&ctx, &name, 'f').await,
            }
        } else if let Some(rest) = a.strip_prefix("-e").or_else(|| a.strip_prefix("--source=")) {
            match take(&mut i, rest) {
                Some(v) => progtexts.push(v),
                None => return usage_missing(&ctx, &name, 'e').await,
            }
        } else if let Some(v) = a.strip_prefix("--field-separator=") {
            fs = Some(v.to_string());
        } else if let Some(v) = a.strip_prefix("--assign=") {
            assigns.push(v.to_string());
        } else if a == "--posix" || a == "--traditional" || a == "-P" || a == "--re-interval" {
        } else if a == "--version" || a == "-V" {
            let _ = ctx.stdout.write_str("GNU Awk 5.2.1, API 3.2\n").await;
            return 0;
        } else {
            let _ = ctx.stderr.write_str(USAGE).await;
            return 1;
        }
        i += 1;
    }
    let src: Vec<u8> = if !progtexts.is_empty() && progfiles.is_empty() {
        progtexts.join("\n").into_bytes()
    } else if progfiles.is_empty() {
        match args.get(i) {
            Some(p) => {
                i += 1;
                p.as_bytes().to_vec()
            }
            None => {
                let _ = ctx.stderr.write_str(USAGE).await;
                return 1;
            }
        }
    } else {
        let mut s = Vec::new();
        for f in &progfiles {
            match super::common::read_all(&ctx, f).await {
                Ok(d) => {
                    s.extend_from_slice(&d);
                    s.push(b'\n');
                }
                Err(e) => {
                    ctx.err(format!("fatal: cannot open source file `{f}' for reading: {e}")).await;
                    return 2;
                }
            }
        }
        s
    };
    let operands: Vec<String> = args[i.min(args.len())..].to_vec();
    let prog = match parse_program(&src) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&syntax_message(&name, &src, &e)).await;
            // Too deep to parse is a limit, not a mistake: fatal's status.
            return if e.msg == TOO_DEEP { 2 } else { 1 };
        }
    };
    let nrules = prog.rules.len();
    let nglobals = prog.globals.len();
    let shared = Arc::new(ProgramShared { prog });

    let (tx, mut rx) = mpsc::channel::<Req>(16);
    let cancel = Arc::new(AtomicBool::new(false));
    let mut interp = Interp {
        prog: shared.clone(),
        globals: vec![Cell::Val(Val::Uninit); nglobals],
        arrays: Vec::new(),
        frames: Vec::new(),
        record: Vec::new(),
        fields: Vec::new(),
        fields_valid: true,
        nf: 0,
        out: Vec::new(),
        io: IoLink { tx, cancel: cancel.clone() },
        main_ops: Vec::new(),
        main_idx: 0,
        main: None,
        main_done: false,
        files: HashMap::new(),
        out_files: HashMap::new(),
        dyn_re: HashMap::new(),
        range_on: vec![false; nrules],
        exit_code: 0,
        rand_seed: 0.0,
        prev_seed: 0.0,
        rng: 0x2545_F491_4F6C_DD1D,
        steps: 0,
        name: name.clone(),
        in_end: false,
        fs_cache: None,
        depth: 0,
    };
    let set = |interp: &mut Interp, k: usize, v: Val| interp.globals[k] = Cell::Val(v);
    set(&mut interp, G_NR, Val::Num(0.0));
    set(&mut interp, G_NF, Val::Num(0.0));
    set(&mut interp, G_FNR, Val::Num(0.0));
    set(&mut interp, G_FS, Val::Str(b" ".to_vec()));
    set(&mut interp, G_OFS, Val::Str(b" ".to_vec()));
    set(&mut interp, G_ORS, Val::Str(b"\n".to_vec()));
    set(&mut interp, G_RS, Val::Str(b"\n".to_vec()));
    set(&mut interp, G_SUBSEP, Val::Str(b"\x1c".to_vec()));
    set(&mut interp, G_RSTART, Val::Num(0.0));
    set(&mut interp, G_RLENGTH, Val::Num(-1.0));
    set(&mut interp, G_CONVFMT, Val::Str(b"%.6g".to_vec()));
    set(&mut interp, G_OFMT, Val::Str(b"%.6g".to_vec()));
    set(&mut interp, G_FILENAME, Val::Str(Vec::new()));
    let mut env = Array::default();
    let mut keys: Vec<&String> = ctx.env.keys().collect();
    keys.sort();
    for k in keys {
        env.set(k.as_bytes().to_vec(), Val::input(ctx.env[k].as_bytes().to_vec()));
    }
    interp.arrays.push(env);
    interp.globals[G_ENVIRON] = Cell::Arr(0);
    let mut argv = Array::default();
    argv.set(b"0".to_vec(), Val::Str(b"awk".to_vec()));
    for (k, op) in operands.iter().enumerate() {
        argv.set((k + 1).to_string().into_bytes(), Val::input(op.as_bytes().to_vec()));
    }
    interp.arrays.push(argv);
    interp.globals[G_ARGV] = Cell::Arr(1);
    set(&mut interp, G_ARGC, Val::Num((operands.len() + 1) as f64));
    if let Some(f) = &fs {
        let f = if f == "t" { "\t".to_string() } else { f.clone() };
        set(&mut interp, G_FS, Val::Str(unescape_assign(f.as_bytes())));
    }
    for a in &assigns {
        let Some((k, v)) = a.split_once('=') else {
            let _ = ctx.stderr.write_str(&format!("{name}: `{a}' argument to `-v' not in `var=value' form\n")).await;
            return 2;
        };
        if let Some(gi) = shared.prog.globals.iter().position(|g| g == k) {
            interp.globals[gi] = Cell::Val(Val::input(unescape_assign(v.as_bytes())));
        }
    }

    // The interpreter's thread carries the execute's context: its checkpoints see the stop
    // switch and the memory budget.
    let worker = limits::spawn_blocking(move || {
        let r = interp.run();
        let mut code = interp.exit_code;
        let mut fatal = None;
        match r {
            Ok(()) | Err(Ctl::Exit) => {}
            Err(Ctl::Pipe) => return (EXIT_PIPE, None),
            Err(Ctl::Fatal(m)) => {
                fatal = Some(m);
                code = 2;
            }
            // Over the budget: say so as awk would (the execute then ends with it too).
            Err(Ctl::Stop(Stop::Memory)) => return (2, Some(Stop::Memory.to_string())),
            // Cancelled: nobody waits for the output any more.
            Err(Ctl::Stop(_)) => return (EXIT_PIPE, None),
            Err(_) => {}
        }
        if interp.flush().is_err() {
            return (EXIT_PIPE, None);
        }
        for (n, (data, append)) in std::mem::take(&mut interp.out_files) {
            if let Err(Ctl::Fatal(m)) = interp.write_file(&n, data, append) {
                fatal = Some(m);
                code = 2;
            }
        }
        (code, fatal)
    });

    // Service the interpreter's requests.
    struct CancelOnDrop(Arc<AtomicBool>);
    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let _guard = CancelOnDrop(cancel.clone());
    let mut readers: HashMap<String, Reader<'_>> = HashMap::new();
    let mut stdin_used = false;
    while let Some(req) = rx.recv().await {
        match req {
            Req::Out(d) => {
                if ctx.stdout.write(d).await.is_err() {
                    cancel.store(true, Ordering::Relaxed);
                    drop(rx);
                    let _ = worker.await;
                    return EXIT_PIPE;
                }
            }
            Req::Err(d) => {
                let _ = ctx.stderr.write(d).await;
            }
            Req::Read(src, reply) => {
                let key = if src == "-" || src == "/dev/stdin" { "-".to_string() } else { src.clone() };
                if key == "/dev/null" {
                    let _ = reply.send(Ok(None));
                    continue;
                }
                if !readers.contains_key(&key) {
                    if key == "-" && stdin_used {
                        let _ = reply.send(Ok(None));
                        continue;
                    }
                    match ctx.open(&key).await {
                        Ok(r) => {
                            if key == "-" {
                                stdin_used = true;
                            }
                            readers.insert(key.clone(), r);
                        }
                        Err(e) => {
                            let _ = reply.send(Err(e.to_string()));
                            continue;
                        }
                    }
                }
                let r = match readers.get_mut(&key) {
                    Some(r) => r.chunk().await.map_err(|e| e.to_string()),
                    None => Ok(None),
                };
                if matches!(r, Ok(None)) {
                    // Release stdin's lock for anyone after us.
                    readers.remove(&key);
                    if key == "-" {
                        stdin_used = true;
                    }
                }
                let _ = reply.send(r);
            }
            Req::WriteFile(name, data, append, reply) => {
                let abs = ctx.abs(&name);
                let r = async {
                    let data = if append {
                        match ctx.vfs.read_all(&abs).await {
                            Ok(old) => [old.to_vec(), data].concat(),
                            Err(e) if e.is_not_found() => data,
                            Err(e) => return Err(e.to_string()),
                        }
                    } else {
                        data
                    };
                    ctx.vfs.write(&abs, Bytes::from(data)).await.map_err(|e| e.to_string())
                }
                .await;
                let _ = reply.send(r);
            }
        }
    }
    drop(readers);
    let (code, fatal) = worker.await.unwrap_or((2, Some("internal error".into())));
    if let Some(m) = fatal {
        if m.starts_with("division by zero") {
            let _ = ctx.stderr.write_str(&format!("{name}: cmd. line:1: error: {m}\n")).await;
            return 1;
        }
        if !m.is_empty() {
            let _ = ctx.stderr.write_str(&format!("{name}: cmd. line:1: fatal: {m}\n")).await;
        }
    }
    code
}

const USAGE: &str = "Usage: awk [POSIX or GNU style options] -f progfile [--] file ...\nUsage: awk [POSIX or GNU style options] [--] 'program' file ...\nPOSIX options:\t\tGNU long options: (standard)\n\t-f progfile\t\t--file=progfile\n\t-F fs\t\t\t--field-separator=fs\n\t-v var=val\t\t--assign=var=val\nShort options:\t\tGNU long options: (extensions)\n\t-b\t\t\t--characters-as-bytes\n\t-c\t\t\t--traditional\n\t-C\t\t\t--copyright\n\t-d[file]\t\t--dump-variables[=file]\n\t-D[file]\t\t--debug[=file]\n\t-e 'program-text'\t--source='program-text'\n\t-E file\t\t\t--exec=file\n\t-g\t\t\t--gen-pot\n\t-h\t\t\t--help\n\t-i includefile\t\t--include=includefile\n\t-I\t\t\t--trace\n\t-l library\t\t--load=library\n\t-L[fatal|invalid|no-ext]\t--lint[=fatal|invalid|no-ext]\n\t-M\t\t\t--bignum\n\t-N\t\t\t--use-lc-numeric\n\t-n\t\t\t--non-decimal-data\n\t-o[file]\t\t--pretty-print[=file]\n\t-O\t\t\t--optimize\n\t-p[file]\t\t--profile[=file]\n\t-P\t\t\t--posix\n\t-r\t\t\t--re-interval\n\t-s\t\t\t--no-optimize\n\t-S\t\t\t--sandbox\n\t-t\t\t\t--lint-old\n\t-V\t\t\t--version\n\nTo report bugs, use the `gawkbug' program.\nFor full instructions, see the node `Bugs' in `gawk.info'\nwhich is section `Reporting Problems and Bugs' in the\nprinted version.  This same information may be found at\nhttps://www.gnu.org/software/gawk/manual/html_node/Bugs.html.\nPLEASE do NOT try to report bugs by posting in comp.lang.awk,\nor by using a web forum such as Stack Overflow.\n\ngawk is a pattern scanning and processing language.\nBy default it reads standard input and writes standard output.\n\nExamples:\n\tawk '{ sum += $1 }; END { print sum }' file\n\tawk -F: '{ print $1 }' /etc/passwd\n";

async fn usage_missing(ctx: &Ctx, name: &str, c: char) -> i32 {
    let _ = ctx
        .stderr
        .write_str(&format!("{name}: option requires an argument -- '{c}'\n{USAGE}"))
        .await;
    1
}
