//! `sed`: GNU sed's stream editor. Addresses (`N`, `$`, `/re/I`, `\cREc`, `first~step`,
//! ranges with `addr,+N` / `addr,~N` / `0,/re/`, `!`), blocks, labels and branches, and the
//! commands `s y p P d D n N g G h H x a i c = l q Q b t T r w z F`. Options `-n -e -f -E/-r
//! -s -z -i[SUFFIX] -u --posix --debug`. BRE/ERE are translated to the `regex` crate.

use std::collections::HashMap;

use regex::bytes::Regex;

use super::args::{self, flag, long_flag, value};
use super::common::{self, compile_posix};
use super::{Ctx, EXIT_PIPE};
use crate::limits::{self, Stop};
use crate::shell::io::Reader;
use crate::vfs::FsError;

/// Why processing ended before the input did.
enum Fail {
    /// Reading an input failed.
    Read(FsError),
    /// The output is gone.
    Pipe,
    /// The execute must stop (`limits::checkpoint`): cancelled, or its memory budget is spent.
    Stop(Stop),
}

impl From<FsError> for Fail {
    fn from(e: FsError) -> Fail {
        Fail::Read(e)
    }
}

impl From<Stop> for Fail {
    fn from(s: Stop) -> Fail {
        Fail::Stop(s)
    }
}

/// Before `v` grows by `add` bytes: when that makes it reallocate, what the new buffer takes
/// (twice the old one, or more) must fit in the memory budget. Small buffers pass.
fn room(v: &Vec<u8>, add: usize) -> Result<(), Stop> {
    let need = v.len().saturating_add(add);
    if need <= v.capacity() || need < 1 << 16 {
        return Ok(());
    }
    limits::reserve(need.max(v.capacity().saturating_mul(2)))
}

/// A regex the `regex` crate refuses for its limits (nesting, compiled size) gets GNU's
/// message for a pattern too large for it.
fn regex_error(e: String) -> String {
    if e.contains("nest") || e.contains("size limit") {
        "Regular expression too big".into()
    } else {
        e
    }
}

const SPEC: &[args::Opt] = &[
    flag('n', "quiet"),
    long_flag("silent"),
    value('e', "expression"),
    value('f', "file"),
    flag('E', "regexp-extended"),
    flag('r', ""),
    flag('s', "separate"),
    flag('z', "null-data"),
    flag('u', "unbuffered"),
    long_flag("posix"),
    long_flag("debug"),
    long_flag("sandbox"),
    long_flag("follow-symlinks"),
    value('l', "line-length"),
    long_flag("in-place"),
];

// ---------------------------------------------------------------- the script

#[derive(Clone)]
enum Addr {
    Line(u64),
    Last,
    Re(Option<Regex>),
    Step(u64, u64),
    Zero,
}

#[derive(Clone)]
enum Addr2 {
    Line(u64),
    Last,
    Re(Option<Regex>),
    Plus(u64),
    Tilde(u64),
}

#[derive(Clone)]
enum Repl {
    Lit(Vec<u8>),
    Whole,
    Group(usize),
    Upper,
    Lower,
    UpperOne,
    LowerOne,
    EndCase,
}

#[derive(Clone)]
struct Subst {
    re: Option<Regex>,
    repl: Vec<Repl>,
    global: bool,
    nth: usize,
    print: usize,
    write: Option<String>,
}

#[derive(Clone)]
enum Kind {
    Block(usize),
    EndBlock,
    Eq,
    Append(Vec<u8>),
    Insert(Vec<u8>),
    Change(Vec<u8>),
    Branch(Option<usize>),
    BranchIf(Option<usize>),
    BranchIfNot(Option<usize>),
    Label,
    Delete,
    DeleteFirst,
    Get,
    GetAppend,
    Hold,
    HoldAppend,
    Exchange,
    List,
    Next,
    NextAppend,
    Print,
    PrintFirst,
    Quit(i32),
    QuitSilent(i32),
    ReadFile(String),
    WriteFile(String),
    Subst(Box<Subst>),
    Translate(Box<[u8; 256]>),
    Zap,
    FileName,
}

#[derive(Clone)]
struct Cmd {
    a1: Option<Addr>,
    a2: Option<Addr2>,
    neg: bool,
    kind: Kind,
}

struct ParseError {
    pos: usize,
    msg: String,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    ere: bool,
    cmds: Vec<Cmd>,
    blocks: Vec<usize>,
    labels: HashMap<String, usize>,
    jumps: Vec<(usize, String)>,
}

fn perr<T>(pos: usize, msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { pos, msg: msg.into() })
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }
    fn skip_ws_nl(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b';')) {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> u64 {
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v.saturating_mul(10).saturating_add((c - b'0') as u64);
            self.pos += 1;
        }
        v
    }

    /// Read up to the unescaped delimiter; `\delim` becomes `delim` (unless the delimiter is
    /// special in a regex and this is a regex), `\n` a newline.
    fn delimited(&mut self, delim: u8, is_regex: bool, what: &str) -> Result<Vec<u8>, ParseError> {
        let mut out = Vec::new();
        let mut in_bracket = false;
        loop {
            let Some(c) = self.next() else {
                return perr(self.pos, what);
            };
            if c == b'\n' && !is_regex && what.contains("`s'") {
                // a literal newline in the replacement is allowed only when escaped
            }
            if is_regex && in_bracket {
                out.push(c);
                if c == b']' && !(out.ends_with(b"[]") || out.ends_with(b"[^]")) {
                    in_bracket = false;
                }
                continue;
            }
            if c == delim {
                return Ok(out);
            }
            if c == b'\n' && is_regex {
                return perr(self.pos, what);
            }
            if c == b'\\' {
                let Some(n) = self.next() else {
                    return perr(self.pos, what);
                };
                if n == delim {
                    if is_regex && b".*[]^$\\+?(){}|".contains(&n) && delim != b'/' {
                        out.push(b'\\');
                    }
                    out.push(n);
                } else if n == b'n' {
                    if is_regex {
                        out.extend_from_slice(b"\\n");
                    } else {
                        out.push(b'\n');
                    }
                } else {
                    out.push(b'\\');
                    out.push(n);
                }
                continue;
            }
            if is_regex && c == b'[' {
                in_bracket = true;
                out.push(c);
                if self.peek() == Some(b'^') {
                    out.push(b'^');
                    self.pos += 1;
                }
                if self.peek() == Some(b']') {
                    out.push(b']');
                    self.pos += 1;
                }
                continue;
            }
            out.push(c);
        }
    }

    fn regex(&mut self, src: &[u8], icase: bool, multi: bool) -> Result<Option<Regex>, ParseError> {
        if src.is_empty() {
            return Ok(None);
        }
        let pat = String::from_utf8_lossy(src).into_owned();
        match compile_posix(&pat, self.ere, icase, multi) {
            Ok(r) => Ok(Some(r)),
            Err(e) => perr(self.pos, regex_error(e)),
        }
    }

    fn regex_addr(&mut self, delim: u8) -> Result<Option<Regex>, ParseError> {
        let src = self.delimited(delim, true, "unterminated address regex")?;
        let mut icase = false;
        let mut multi = false;
        loop {
            match self.peek() {
                Some(b'I') => icase = true,
                Some(b'M') => multi = true,
                _ => break,
            }
            self.pos += 1;
        }
        self.regex(&src, icase, multi)
    }

    fn addr1(&mut self) -> Result<Option<Addr>, ParseError> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                let n = self.number();
                if self.peek() == Some(b'~') {
                    self.pos += 1;
                    let step = self.number();
                    return Ok(Some(Addr::Step(n, step)));
                }
                if n == 0 {
                    return Ok(Some(Addr::Zero));
                }
                Ok(Some(Addr::Line(n)))
            }
            Some(b'$') => {
                self.pos += 1;
                Ok(Some(Addr::Last))
            }
            Some(b'/') => {
                self.pos += 1;
                Ok(Some(Addr::Re(self.regex_addr(b'/')?)))
            }
            Some(b'\\') => {
                self.pos += 1;
                let Some(d) = self.next() else { return perr(self.pos, "unexpected end of file") };
                Ok(Some(Addr::Re(self.regex_addr(d)?)))
            }
            _ => Ok(None),
        }
    }

    fn addr2(&mut self) -> Result<Addr2, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some(b'0'..=b'9') => Ok(Addr2::Line(self.number())),
            Some(b'+') => {
                self.pos += 1;
                Ok(Addr2::Plus(self.number()))
            }
            Some(b'~') => {
                self.pos += 1;
                Ok(Addr2::Tilde(self.number()))
            }
            Some(b'$') => {
                self.pos += 1;
                Ok(Addr2::Last)
            }
            Some(b'/') => {
                self.pos += 1;
                Ok(Addr2::Re(self.regex_addr(b'/')?))
            }
            Some(b'\\') => {
                self.pos += 1;
                let Some(d) = self.next() else { return perr(self.pos, "unexpected end of file") };
                Ok(Addr2::Re(self.regex_addr(d)?))
            }
            _ => perr(self.pos, "unexpected `,'"),
        }
    }

    /// After a command: blanks, then `;`, newline, `}`, `#` or the end.
    fn end_cmd(&mut self) -> Result<(), ParseError> {
        self.skip_ws();
        match self.peek() {
            None | Some(b';') | Some(b'\n') => {
                if self.peek().is_some() {
                    self.pos += 1;
                }
                Ok(())
            }
            Some(b'}') | Some(b'#') => Ok(()),
            Some(_) => {
                self.pos += 1;
                perr(self.pos, "extra characters after command")
            }
        }
    }

    fn label(&mut self) -> String {
        self.skip_ws();
        let st = self.pos;
        while let Some(c) = self.peek() {
            if c == b'\n' || c == b';' {
                break;
            }
            self.pos += 1;
        }
        let l = String::from_utf8_lossy(&self.s[st..self.pos]).trim_end().to_string();
        if self.peek().is_some() {
            self.pos += 1;
        }
        l
    }

    fn filename(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        let st = self.pos;
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
        let f = String::from_utf8_lossy(&self.s[st..self.pos]).to_string();
        if self.peek().is_some() {
            self.pos += 1;
        }
        if f.is_empty() {
            return perr(self.pos, "missing filename in r/R/w/W commands");
        }
        Ok(f)
    }

    /// Text of `a`, `i`, `c`: GNU one-liner form (`a text`) or `a\` newline text.
    fn text(&mut self) -> Result<Option<Vec<u8>>, ParseError> {
        self.skip_ws();
        if self.peek().is_none() {
            return perr(self.pos, "expected \\ after `a', `c' or `i'");
        }
        if self.peek() == Some(b'\\') {
            self.pos += 1;
            if self.peek().is_none() {
                return Ok(None);
            }
            if self.peek() == Some(b'\n') {
                self.pos += 1;
            } else {
                self.skip_ws();
            }
        }
        let mut out = Vec::new();
        while let Some(c) = self.next() {
            if c == b'\\' {
                match self.next() {
                    Some(b'\n') => out.push(b'\n'),
                    Some(n) => out.push(n),
                    None => {}
                }
                continue;
            }
            if c == b'\n' {
                break;
            }
            out.push(c);
        }
        Ok(Some(out))
    }

    fn parse(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_ws_nl();
            let Some(c) = self.peek() else { break };
            if c == b'#' {
                while let Some(c) = self.next() {
                    if c == b'\n' {
                        break;
                    }
                }
                continue;
            }
            let a1 = self.addr1()?;
            let mut a2 = None;
            self.skip_ws();
            if a1.is_some() && self.peek() == Some(b',') {
                self.pos += 1;
                a2 = Some(self.addr2()?);
            }
            if let Some(Addr::Zero) = a1 {
                if !matches!(a2, Some(Addr2::Re(_))) {
                    return perr(self.pos, "invalid usage of line address 0");
                }
            }
            self.skip_ws();
            let mut neg = false;
            while self.peek() == Some(b'!') {
                neg = true;
                self.pos += 1;
                self.skip_ws();
            }
            let Some(c) = self.next() else {
                return perr(self.pos, "missing command");
            };
            let kind = match c {
                b'{' => {
                    self.blocks.push(self.cmds.len());
                    self.cmds.push(Cmd { a1, a2, neg, kind: Kind::Block(0) });
                    continue;
                }
                b'}' => {
                    if a1.is_some() {
                        return perr(self.pos, "} doesn't want any addresses");
                    }
                    let Some(open) = self.blocks.pop() else {
                        return perr(self.pos, "unexpected `}'");
                    };
                    let here = self.cmds.len();
                    self.cmds[open].kind = Kind::Block(here);
                    self.cmds.push(Cmd { a1: None, a2: None, neg: false, kind: Kind::EndBlock });
                    self.end_cmd()?;
                    continue;
                }
                b'=' => Kind::Eq,
                b'a' | b'i' | b'c' => {
                    let Some(t) = self.text()? else { continue };
                    match c {
                        b'a' => Kind::Append(t),
                        b'i' => Kind::Insert(t),
                        _ => Kind::Change(t),
                    }
                }
                b':' => {
                    if a1.is_some() {
                        return perr(self.pos, ": doesn't want any addresses");
                    }
                    let l = self.label();
                    if l.is_empty() {
                        return perr(self.pos, "\":\" lacks a label");
                    }
                    self.labels.insert(l, self.cmds.len());
                    self.cmds.push(Cmd { a1: None, a2: None, neg: false, kind: Kind::Label });
                    continue;
                }
                b'b' | b't' | b'T' => {
                    let l = self.label();
                    if !l.is_empty() {
                        self.jumps.push((self.cmds.len(), l));
                    }
                    let k = match c {
                        b'b' => Kind::Branch(None),
                        b't' => Kind::BranchIf(None),
                        _ => Kind::BranchIfNot(None),
                    };
                    self.cmds.push(Cmd { a1, a2, neg, kind: k });
                    continue;
                }
                b'd' => Kind::Delete,
                b'D' => Kind::DeleteFirst,
                b'g' => Kind::Get,
                b'G' => Kind::GetAppend,
                b'h' => Kind::Hold,
                b'H' => Kind::HoldAppend,
                b'x' => Kind::Exchange,
                b'l' => {
                    self.skip_ws();
                    let _ = self.number();
                    Kind::List
                }
                b'n' => Kind::Next,
                b'N' => Kind::NextAppend,
                b'p' => Kind::Print,
                b'P' => Kind::PrintFirst,
                b'z' => Kind::Zap,
                b'F' => Kind::FileName,
                b'q' | b'Q' => {
                    self.skip_ws();
                    // An exit status is a byte.
                    let code = (self.number() % 256) as i32;
                    if c == b'q' {
                        Kind::Quit(code)
                    } else {
                        Kind::QuitSilent(code)
                    }
                }
                b'r' => {
                    let f = self.filename()?;
                    self.cmds.push(Cmd { a1, a2, neg, kind: Kind::ReadFile(f) });
                    continue;
                }
                b'w' => {
                    let f = self.filename()?;
                    self.cmds.push(Cmd { a1, a2, neg, kind: Kind::WriteFile(f) });
                    continue;
                }
                b's' => {
                    let s = self.subst()?;
                    if s.write.is_some() {
                        self.cmds.push(Cmd { a1, a2, neg, kind: Kind::Subst(Box::new(s)) });
                        continue;
                    }
                    Kind::Subst(Box::new(s))
                }
                b'y' => self.translate()?,
                _ => return perr(self.pos, format!("unknown command: `{}'", c as char)),
            };
            let needs_end = !matches!(kind, Kind::Append(_) | Kind::Insert(_) | Kind::Change(_));
            self.cmds.push(Cmd { a1, a2, neg, kind });
            if needs_end {
                self.end_cmd()?;
            }
        }
        if !self.blocks.is_empty() {
            return perr(0, "unmatched `{'");
        }
        Ok(())
    }

    fn subst(&mut self) -> Result<Subst, ParseError> {
        let Some(delim) = self.next() else {
            return perr(self.pos, "unterminated `s' command");
        };
        if delim == b'\n' || delim == b'\\' {
            return perr(self.pos, "unterminated `s' command");
        }
        let re_src = self.delimited(delim, true, "unterminated `s' command")?;
        let repl_src = self.delimited(delim, false, "unterminated `s' command")?;
        let mut s = Subst { re: None, repl: Vec::new(), global: false, nth: 1, print: 0, write: None };
        let mut icase = false;
        let mut multi = false;
        loop {
            match self.peek() {
                Some(b'g') => s.global = true,
                Some(b'p') => s.print += 1,
                Some(b'i') | Some(b'I') => icase = true,
                Some(b'm') | Some(b'M') => multi = true,
                Some(b'e') => {}
                Some(b'0'..=b'9') => {
                    let n = self.number();
                    if n == 0 {
                        return perr(self.pos, "number option to `s' command may not be zero");
                    }
                    s.nth = n as usize;
                    continue;
                }
                Some(b'w') => {
                    self.pos += 1;
                    s.write = Some(self.filename()?);
                    break;
                }
                Some(b' ' | b'\t' | b';' | b'\n' | b'}' | b'#') | None => break,
                Some(_) => {
                    self.pos += 1;
                    return perr(self.pos, "unknown option to `s'");
                }
            }
            self.pos += 1;
        }
        s.re = self.regex(&re_src, icase, multi)?;
        let groups = s.re.as_ref().map(|r| r.captures_len() - 1).unwrap_or(9);
        // Replacement: & \1..\9 \L \U \l \u \E, \n newline, other escapes literal.
        let mut lit = Vec::new();
        let mut i = 0;
        let r = &repl_src;
        while i < r.len() {
            let c = r[i];
            if c == b'&' {
                if !lit.is_empty() {
                    s.repl.push(Repl::Lit(std::mem::take(&mut lit)));
                }
                s.repl.push(Repl::Whole);
                i += 1;
                continue;
            }
            if c == b'\\' && i + 1 < r.len() {
                let n = r[i + 1];
                i += 2;
                let special = match n {
                    b'0'..=b'9' => {
                        let g = (n - b'0') as usize;
                        if g > groups {
                            return perr(self.pos, format!("invalid reference \\{g} on `s' command's RHS"));
                        }
                        Some(if g == 0 { Repl::Whole } else { Repl::Group(g) })
                    }
                    b'L' => Some(Repl::Lower),
                    b'U' => Some(Repl::Upper),
                    b'l' => Some(Repl::LowerOne),
                    b'u' => Some(Repl::UpperOne),
                    b'E' => Some(Repl::EndCase),
                    _ => None,
                };
                if let Some(sp) = special {
                    if !lit.is_empty() {
                        s.repl.push(Repl::Lit(std::mem::take(&mut lit)));
                    }
                    s.repl.push(sp);
                    continue;
                }
                match n {
                    b'n' => lit.push(b'\n'),
                    b't' => lit.push(b'\t'),
                    b'r' => lit.push(b'\r'),
                    b'a' => lit.push(7),
                    b'f' => lit.push(12),
                    b'v' => lit.push(11),
                    b'\n' => lit.push(b'\n'),
                    _ => lit.push(n),
                }
                continue;
            }
            lit.push(c);
            i += 1;
        }
        if !lit.is_empty() {
            s.repl.push(Repl::Lit(lit));
        }
        Ok(s)
    }

    fn translate(&mut self) -> Result<Kind, ParseError> {
        let Some(delim) = self.next() else {
            return perr(self.pos, "unterminated `y' command");
        };
        let a = self.y_part(delim)?;
        let b = self.y_part(delim)?;
        if a.len() != b.len() {
            return perr(self.pos, "strings for `y' command are different lengths");
        }
        let mut map = Box::new([0u8; 256]);
        for (i, m) in map.iter_mut().enumerate() {
            *m = i as u8;
        }
        for (x, y) in a.iter().zip(b.iter()) {
            map[*x as usize] = *y;
        }
        Ok(Kind::Translate(map))
    }

    fn y_part(&mut self, delim: u8) -> Result<Vec<u8>, ParseError> {
        let mut out = Vec::new();
        loop {
            let Some(c) = self.next() else {
                return perr(self.pos, "unterminated `y' command");
            };
            if c == delim {
                return Ok(out);
            }
            if c == b'\\' {
                match self.next() {
                    Some(b'n') => out.push(b'\n'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'\\') => out.push(b'\\'),
                    Some(n) if n == delim => out.push(n),
                    Some(n) => {
                        out.push(b'\\');
                        out.push(n);
                    }
                    None => return perr(self.pos, "unterminated `y' command"),
                }
                continue;
            }
            out.push(c);
        }
    }
}

// ---------------------------------------------------------------- input

/// Lines from the operands in turn, with one line of look-ahead so `$` is known.
struct Input<'a> {
    ctx: &'a Ctx,
    ops: Vec<String>,
    idx: usize,
    cur: Option<Reader<'a>>,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
    sep: u8,
    /// The next line (without separator) and whether it had one.
    ahead: Option<(Vec<u8>, bool)>,
    /// Stop at the end of the current file (`-s`, `-i`).
    separate: bool,
    status: i32,
    cur_name: String,
    next_name: String,
}

impl<'a> Input<'a> {
    async fn open_next(&mut self) -> bool {
        while self.idx < self.ops.len() {
            let op = self.ops[self.idx].clone();
            self.idx += 1;
            match self.ctx.open(&op).await {
                Ok(r) => {
                    self.cur = Some(r);
                    self.buf.clear();
                    self.start = 0;
                    self.eof = false;
                    self.next_name = op;
                    return true;
                }
                Err(e) => {
                    let msg = if e.kind == crate::vfs::ErrorKind::IsADirectory {
                        format!("couldn't edit {op}: not a regular file")
                    } else {
                        format!("can't read {op}: {e}")
                    };
                    self.ctx.err(msg).await;
                    self.status = 2;
                }
            }
        }
        false
    }

    async fn raw_line(&mut self) -> Result<Option<(Vec<u8>, bool)>, Fail> {
        loop {
            if self.cur.is_none() {
                if self.separate {
                    return Ok(None);
                }
                if !self.open_next().await {
                    return Ok(None);
                }
            }
            if let Some(i) = memchr::memchr(self.sep, &self.buf[self.start..]) {
                let line = self.buf[self.start..self.start + i].to_vec();
                self.start += i + 1;
                return Ok(Some((line, true)));
            }
            if self.eof {
                if self.start < self.buf.len() {
                    let line = self.buf[self.start..].to_vec();
                    self.start = self.buf.len();
                    return Ok(Some((line, false)));
                }
                self.cur = None;
                if self.separate {
                    return Ok(None);
                }
                continue;
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            // A line that never ends grows the buffer chunk by chunk.
            limits::checkpoint()?;
            let r = self.cur.as_mut().map(|r| r.chunk());
            match r {
                Some(fut) => match fut.await? {
                    Some(c) => {
                        room(&self.buf, c.len())?;
                        self.buf.extend_from_slice(&c);
                    }
                    None => self.eof = true,
                },
                None => return Ok(None),
            }
        }
    }

    /// The next line, and whether it is the last one.
    async fn next_line(&mut self) -> Result<Option<(Vec<u8>, bool, bool)>, Fail> {
        let line = match self.ahead.take() {
            Some(l) => Some(l),
            None => self.raw_line().await?,
        };
        let Some((l, nl)) = line else { return Ok(None) };
        self.cur_name = self.next_name.clone();
        self.ahead = self.raw_line().await?;
        let last = self.ahead.is_none();
        Ok(Some((l, nl, last)))
    }
}

// ---------------------------------------------------------------- execution

struct Out {
    data: Vec<u8>,
    missing_newline: bool,
    /// Goes to stdout (not into a file edited in place): may be written out at any time.
    stream: bool,
}

impl Out {
    fn raw(&mut self, b: &[u8]) {
        if self.missing_newline {
            self.data.push(b'\n');
            self.missing_newline = false;
        }
        self.data.extend_from_slice(b);
    }
    fn line(&mut self, b: &[u8], nl: bool, sep: u8) {
        self.raw(b);
        if nl {
            self.data.push(sep);
        } else {
            self.missing_newline = true;
        }
    }
}

struct State {
    hold: Vec<u8>,
    line_no: u64,
    range_active: Vec<bool>,
    range_end: Vec<u64>,
    last_re: Option<Regex>,
    quit: Option<i32>,
    append: Vec<Vec<u8>>,
    files: HashMap<String, Vec<u8>>,
    /// Checkpoints of the command loop, across cycles (`:a;ba` never ends one).
    tick: limits::Ticker,
}

enum Flow {
    /// End the cycle: autoprint unless `-n`.
    EndCycle,
    /// End the cycle without autoprint (d, c).
    Delete,
    /// `D`: restart without reading a new line when text remains.
    Restart,
    /// Stop everything; autoprint when the bool is true.
    Quit(bool),
}

struct Opts {
    quiet: bool,
    sep: u8,
    posix_chars: bool,
}

fn match_re(st: &mut State, re: &Option<Regex>, text: &[u8]) -> bool {
    match re {
        Some(r) => {
            st.last_re = Some(r.clone());
            r.is_match(text)
        }
        None => st.last_re.as_ref().is_some_and(|r| r.is_match(text)),
    }
}

fn matches1(st: &mut State, a: &Addr, ps: &[u8], last: bool) -> bool {
    match a {
        Addr::Line(n) => st.line_no == *n,
        Addr::Last => last,
        Addr::Re(r) => match_re(st, r, ps),
        Addr::Step(first, step) => {
            if *step == 0 {
                st.line_no == *first
            } else {
                st.line_no >= *first && (st.line_no - first) % step == 0
            }
        }
        Addr::Zero => false,
    }
}

fn selected(st: &mut State, i: usize, cmd: &Cmd, ps: &[u8], last: bool) -> bool {
    let Some(a1) = &cmd.a1 else { return !cmd.neg };
    let hit = match &cmd.a2 {
        None => matches1(st, a1, ps, last),
        Some(a2) => {
            if st.range_active[i] {
                // Inside the range: does this line end it?
                let end = match a2 {
                    Addr2::Line(n) => st.line_no >= *n,
                    Addr2::Plus(_) => st.line_no >= st.range_end[i],
                    Addr2::Tilde(m) => *m == 0 || st.line_no.is_multiple_of(*m),
                    Addr2::Last => last,
                    Addr2::Re(r) => match_re(st, r, ps),
                };
                if end {
                    st.range_active[i] = false;
                }
                true
            } else {
                let start = match a1 {
                    Addr::Zero => {
                        // 0,/re/: the regex may end the range on line 1.
                        if st.line_no == 1 {
                            if let Addr2::Re(r) = a2 {
                                if match_re(st, r, ps) {
                                    return !cmd.neg;
                                }
                            }
                            st.range_active[i] = true;
                            return !cmd.neg;
                        }
                        false
                    }
                    _ => matches1(st, a1, ps, last),
                };
                if start {
                    // A range whose end is a line number at or before this one is one line.
                    let one_line = match a2 {
                        Addr2::Line(n) => *n <= st.line_no,
                        Addr2::Plus(n) => {
                            st.range_end[i] = st.line_no.saturating_add(*n);
                            *n == 0
                        }
                        Addr2::Tilde(m) => *m == 0 || st.line_no.is_multiple_of(*m),
                        Addr2::Last => last,
                        Addr2::Re(_) => false,
                    };
                    if !one_line && !last {
                        st.range_active[i] = true;
                    }
                    true
                } else {
                    false
                }
            }
        }
    };
    hit != cmd.neg
}

fn substitute(st: &mut State, s: &Subst, ps: &mut Vec<u8>) -> Result<bool, Stop> {
    let re = match &s.re {
        Some(r) => {
            st.last_re = Some(r.clone());
            r.clone()
        }
        None => match &st.last_re {
            Some(r) => r.clone(),
            None => return Ok(false),
        },
    };
    // What one replacement adds at most: its literal text, and the match per reference.
    let (lits, refs) = s.repl.iter().fold((0usize, 0usize), |(l, r), p| match p {
        Repl::Lit(t) => (l.saturating_add(t.len()), r),
        Repl::Whole | Repl::Group(_) => (l, r.saturating_add(1)),
        _ => (l, r),
    });
    let mut tick = limits::Ticker::new();
    let mut out = Vec::with_capacity(ps.len());
    let mut last_end = 0;
    let mut count = 0;
    let mut done = false;
    let mut pos = 0;
    // End of the previous non-empty match: an empty match right there does not count.
    let mut prev_end: Option<usize> = None;
    while pos <= ps.len() {
        tick.tick()?;
        let Some(caps) = re.captures_at(ps, pos) else { break };
        let Some(m) = caps.get(0) else { break };
        if m.start() == m.end() && prev_end == Some(m.start()) {
            pos = m.start() + 1;
            continue;
        }
        count += 1;
        if count >= s.nth {
            room(&out, (m.start() - last_end).saturating_add(lits).saturating_add(refs.saturating_mul(m.len())))?;
            out.extend_from_slice(&ps[last_end..m.start()]);
            expand_repl(&s.repl, &caps, &mut out);
            last_end = m.end();
            done = true;
            if !s.global {
                break;
            }
        }
        if m.end() == m.start() {
            pos = m.end() + 1;
        } else {
            pos = m.end();
            prev_end = Some(m.end());
        }
    }
    if !done {
        return Ok(false);
    }
    room(&out, ps.len().saturating_sub(last_end))?;
    out.extend_from_slice(&ps[last_end.min(ps.len())..]);
    *ps = out;
    Ok(true)
}

fn expand_repl(repl: &[Repl], caps: &regex::bytes::Captures, out: &mut Vec<u8>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Case {
        None,
        Upper,
        Lower,
    }
    let mut case = Case::None;
    let mut one: Option<bool> = None;
    let emit = |bytes: &[u8], out: &mut Vec<u8>, case: Case, one: &mut Option<bool>| {
        for &b in bytes {
            let mut c = match case {
                Case::Upper => b.to_ascii_uppercase(),
                Case::Lower => b.to_ascii_lowercase(),
                Case::None => b,
            };
            if let Some(up) = one.take() {
                c = if up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
            }
            out.push(c);
        }
    };
    for r in repl {
        match r {
            Repl::Lit(l) => emit(l, out, case, &mut one),
            Repl::Whole => emit(caps.get(0).map(|m| m.as_bytes()).unwrap_or(b""), out, case, &mut one),
            Repl::Group(g) => emit(caps.get(*g).map(|m| m.as_bytes()).unwrap_or(b""), out, case, &mut one),
            Repl::Upper => {
                case = Case::Upper;
                one = None;
            }
            Repl::Lower => {
                case = Case::Lower;
                one = None;
            }
            Repl::UpperOne => one = Some(true),
            Repl::LowerOne => one = Some(false),
            Repl::EndCase => {
                case = Case::None;
                one = None;
            }
        }
    }
}

fn list_line(ps: &[u8], width: usize, out: &mut Out) {
    let mut line = Vec::new();
    let mut col = 0;
    let mut res = Vec::new();
    for &b in ps {
        let piece: Vec<u8> = match b {
            b'\\' => b"\\\\".to_vec(),
            7 => b"\\a".to_vec(),
            8 => b"\\b".to_vec(),
            12 => b"\\f".to_vec(),
            b'\n' => b"\\n".to_vec(),
            b'\r' => b"\\r".to_vec(),
            b'\t' => b"\\t".to_vec(),
            11 => b"\\v".to_vec(),
            b if !(0x20..0x7f).contains(&b) => format!("\\{b:03o}").into_bytes(),
            b => vec![b],
        };
        if width > 1 && col + piece.len() > width - 1 {
            line.extend_from_slice(b"\\\n");
            res.append(&mut line);
            col = 0;
        }
        col += piece.len();
        line.extend_from_slice(&piece);
    }
    res.append(&mut line);
    res.extend_from_slice(b"$");
    out.line(&res, true, b'\n');
}

async fn run_cycle(ctx: &Ctx, cmds: &[Cmd], st: &mut State, input: &mut Input<'_>, o: &Opts, out: &mut Out, ps: &mut Vec<u8>, nl: &mut bool, last: &mut bool, subst_flag: &mut bool) -> Result<Flow, Fail> {
    let mut pc = 0;
    while pc < cmds.len() {
        // Branches loop without reading input: stop here when the execute must.
        st.tick.tick()?;
        if out.stream && out.data.len() >= 64 * 1024 {
            let d = std::mem::take(&mut out.data);
            ctx.stdout.write(d).await.map_err(|_| Fail::Pipe)?;
        }
        let cmd = &cmds[pc];
        if matches!(cmd.kind, Kind::EndBlock | Kind::Label) {
            pc += 1;
            continue;
        }
        let sel = selected(st, pc, cmd, ps, *last);
        if !sel {
            if let Kind::Block(end) = cmd.kind {
                pc = end + 1;
                continue;
            }
            pc += 1;
            continue;
        }
        match &cmd.kind {
            Kind::Block(_) | Kind::EndBlock | Kind::Label => {}
            Kind::Eq => {
                out.raw(format!("{}\n", st.line_no).as_bytes());
            }
            Kind::Append(t) => {
                let mut t = t.clone();
                t.push(b'\n');
                st.append.push(t);
            }
            Kind::Insert(t) => {
                out.raw(t);
                out.raw(b"\n");
            }
            Kind::Change(t) => {
                // In a range, the text goes out once, at its end.
                let in_range = cmd.a2.is_some() && !cmd.neg && st.range_active[pc];
                if !in_range {
                    out.raw(t);
                    out.raw(b"\n");
                }
                return Ok(Flow::Delete);
            }
            Kind::Branch(t) => {
                match t {
                    Some(t) => pc = *t,
                    None => return Ok(Flow::EndCycle),
                }
                continue;
            }
            Kind::BranchIf(t) | Kind::BranchIfNot(t) => {
                let want = matches!(cmd.kind, Kind::BranchIf(_));
                let flag = *subst_flag;
                if flag == want {
                    if want {
                        *subst_flag = false;
                    }
                    match t {
                        Some(t) => pc = *t,
                        None => return Ok(Flow::EndCycle),
                    }
                    continue;
                }
                if !want {
                    *subst_flag = false;
                }
            }
            Kind::Delete => return Ok(Flow::Delete),
            Kind::DeleteFirst => match memchr::memchr(b'\n', ps) {
                None => return Ok(Flow::Delete),
                Some(i) => {
                    ps.drain(..=i);
                    return Ok(Flow::Restart);
                }
            },
            Kind::Get => {
                if st.hold.len() >= 1 << 16 {
                    limits::reserve(st.hold.len())?;
                }
                *ps = st.hold.clone();
            }
            Kind::GetAppend => {
                room(ps, 1 + st.hold.len())?;
                ps.push(b'\n');
                ps.extend_from_slice(&st.hold);
            }
            Kind::Hold => {
                if ps.len() >= 1 << 16 {
                    limits::reserve(ps.len())?;
                }
                st.hold = ps.clone();
            }
            Kind::HoldAppend => {
                room(&st.hold, 1 + ps.len())?;
                st.hold.push(b'\n');
                st.hold.extend_from_slice(ps);
            }
            Kind::Exchange => std::mem::swap(&mut st.hold, ps),
            Kind::List => list_line(ps, 70, out),
            Kind::Next | Kind::NextAppend => {
                let append = matches!(cmd.kind, Kind::NextAppend);
                if *last && input.ahead.is_none() {
                    // No next line: GNU prints the pattern space and exits.
                    if append && o.posix_chars {
                        return Ok(Flow::Delete);
                    }
                    return Ok(Flow::Quit(true));
                }
                if !append && !o.quiet {
                    out.line(ps, *nl, o.sep);
                }
                flush_append(ctx, st, out).await;
                match input.next_line().await? {
                    Some((l, n2, l2)) => {
                        st.line_no += 1;
                        if append {
                            room(ps, 1 + l.len())?;
                            ps.push(b'\n');
                            ps.extend_from_slice(&l);
                        } else {
                            *ps = l;
                        }
                        *nl = n2;
                        *last = l2;
                    }
                    None => return Ok(Flow::Quit(append)),
                }
            }
            Kind::Print => out.line(ps, true, o.sep),
            Kind::PrintFirst => {
                let first = match memchr::memchr(b'\n', ps) {
                    Some(i) => &ps[..i],
                    None => &ps[..],
                };
                out.line(first, true, o.sep);
            }
            Kind::Quit(code) => {
                st.quit = Some(*code);
                return Ok(Flow::Quit(true));
            }
            Kind::QuitSilent(code) => {
                st.quit = Some(*code);
                return Ok(Flow::Quit(false));
            }
            Kind::ReadFile(f) => {
                if let Ok(data) = ctx.vfs.read_all(&ctx.abs(f)).await {
                    if !data.is_empty() {
                        let mut d = data.to_vec();
                        if !d.ends_with(b"\n") {
                            d.push(b'\n');
                        }
                        st.append.push(d);
                    }
                }
            }
            Kind::WriteFile(f) => write_to(st, out, f, ps, o.sep),
            Kind::Subst(s) => {
                if substitute(st, s, ps)? {
                    *subst_flag = true;
                    for _ in 0..s.print {
                        out.line(ps, true, o.sep);
                    }
                    if let Some(f) = &s.write {
                        write_to(st, out, f, &ps.clone(), o.sep);
                    }
                }
            }
            Kind::Translate(map) => {
                for b in ps.iter_mut() {
                    *b = map[*b as usize];
                }
            }
            Kind::Zap => ps.clear(),
            Kind::FileName => {
                let n = if input.cur_name == "-" || input.cur_name.is_empty() { "-".to_string() } else { input.cur_name.clone() };
                out.raw(format!("{n}\n").as_bytes());
            }
        }
        pc += 1;
    }
    Ok(Flow::EndCycle)
}

fn write_to(st: &mut State, out: &mut Out, f: &str, ps: &[u8], sep: u8) {
    if f == "/dev/stdout" {
        out.line(ps, true, sep);
        return;
    }
    let e = st.files.entry(f.to_string()).or_default();
    e.extend_from_slice(ps);
    e.push(sep);
}

async fn flush_append(ctx: &Ctx, st: &mut State, out: &mut Out) {
    let _ = ctx;
    for a in std::mem::take(&mut st.append) {
        out.raw(&a);
    }
}

/// Run the script over one input stream; returns false when `q`/`Q` ended everything.
async fn process(ctx: &Ctx, cmds: &[Cmd], st: &mut State, input: &mut Input<'_>, o: &Opts, out: &mut Out, sink: &mut Option<Vec<u8>>) -> Result<bool, Fail> {
    let mut subst_flag = false;
    let mut pending: Option<(Vec<u8>, bool, bool)> = None;
    out.stream = sink.is_none();
    loop {
        // `D` restarts cycles without reading input.
        st.tick.tick()?;
        let (mut ps, mut nl, mut last) = match pending.take() {
            Some(p) => p,
            None => match input.next_line().await? {
                Some(l) => {
                    st.line_no += 1;
                    subst_flag = false;
                    l
                }
                None => return Ok(true),
            },
        };
        let flow = run_cycle(ctx, cmds, st, input, o, out, &mut ps, &mut nl, &mut last, &mut subst_flag).await?;
        match flow {
            Flow::EndCycle => {
                if !o.quiet {
                    out.line(&ps, nl, o.sep);
                }
            }
            Flow::Delete => {}
            Flow::Restart => {
                flush_append(ctx, st, out).await;
                pending = Some((ps, nl, last));
            }
            Flow::Quit(print) => {
                if print && !o.quiet {
                    out.line(&ps, nl, o.sep);
                }
                flush_append(ctx, st, out).await;
                return Ok(false);
            }
        }
        if pending.is_none() {
            flush_append(ctx, st, out).await;
        }
        if sink.is_none() && out.data.len() >= 64 * 1024 {
            let d = std::mem::take(&mut out.data);
            ctx.stdout.write(d).await.map_err(|_| Fail::Pipe)?;
        }
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    // -i[SUFFIX] and -s are handled before getopt: -i takes an optional attached value.
    let mut argv = Vec::new();
    let mut in_place: Option<String> = None;
    let mut after_dd = false;
    let mut take_next = false;
    for a in &ctx.args {
        if after_dd || take_next || a == "-" || !a.starts_with('-') {
            take_next = false;
            argv.push(a.clone());
            continue;
        }
        if a == "--" {
            after_dd = true;
            argv.push(a.clone());
            continue;
        }
        if let Some(s) = a.strip_prefix("--in-place") {
            in_place = Some(s.strip_prefix('=').unwrap_or("").to_string());
            continue;
        }
        if a.starts_with("--") {
            take_next = matches!(a.as_str(), "--expression" | "--file" | "--line-length");
            argv.push(a.clone());
            continue;
        }
        // A cluster like -ni, -i.bak, -ne 'p': `i` takes the rest as its suffix.
        let body = &a[1..];
        let mut kept = String::from("-");
        for (k, c) in body.char_indices() {
            if c == 'i' {
                in_place = Some(body[k + 1..].to_string());
                break;
            }
            kept.push_str(&body[k..k + c.len_utf8()]);
            if c == 'e' || c == 'f' || c == 'l' {
                kept.push_str(&body[k + 1..]);
                take_next = k + 1 == body.len();
                break;
            }
        }
        if kept.len() > 1 {
            argv.push(kept);
        }
    }
    let p = match args::parse(&argv, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.message("sed");
            let msg = msg.replace("Try 'sed --help' for more information.\n", "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n");
            let _ = ctx.stderr.write_str(&msg).await;
            return 1;
        }
    };
    let quiet = p.has("n") || p.has("silent");
    let ere = p.has("E") || p.has("r");
    let separate = p.has("s") || in_place.is_some();
    let sep = if p.has("z") { b'\0' } else { b'\n' };
    let posix = p.has("posix");

    // The script: -e pieces and -f files in order, else the first operand.
    let mut chunks: Vec<(Vec<u8>, Option<String>)> = Vec::new();
    for o in &p.opts {
        match (o.key.as_str(), &o.value) {
            ("e", Some(v)) => chunks.push((v.as_bytes().to_vec(), None)),
            ("f", Some(f)) => {
                let data = if f == "-" { common::read_all(&ctx, "-").await } else { ctx.vfs.read_all(&ctx.abs(f)).await.map(|b| b.to_vec()) };
                match data {
                    Ok(mut d) => {
                        if d.ends_with(b"\n") {
                            d.pop();
                        }
                        chunks.push((d, Some(f.clone())));
                    }
                    Err(e) => {
                        ctx.err(format!("couldn't open file {f}: {e}")).await;
                        return 1;
                    }
                }
            }
            _ => {}
        }
    }
    let mut operands = p.operands.clone();
    if chunks.is_empty() {
        if operands.is_empty() {
            let _ = ctx.stderr.write_str("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n").await;
            return 1;
        }
        chunks.push((operands.remove(0).into_bytes(), None));
    }
    let mut script = Vec::new();
    let mut starts = Vec::new();
    for (k, (c, _)) in chunks.iter().enumerate() {
        if k > 0 {
            script.push(b'\n');
        }
        starts.push(script.len());
        script.extend_from_slice(c);
    }
    let mut parser = Parser { s: &script, pos: 0, ere, cmds: Vec::new(), blocks: Vec::new(), labels: HashMap::new(), jumps: Vec::new() };
    if let Err(e) = parser.parse() {
        let mut k = 0;
        for (j, s) in starts.iter().enumerate() {
            if e.pos > *s || (e.pos == *s && j == 0) {
                k = j;
            }
        }
        let rel = e.pos.saturating_sub(starts[k]);
        let head = match &chunks[k].1 {
            Some(f) => format!("file {f} line {}", script[starts[k]..e.pos.min(script.len())].iter().filter(|&&b| b == b'\n').count() + 1),
            None => format!("-e expression #{}, char {}", k + 1, rel),
        };
        ctx.err(format!("{head}: {}", e.msg)).await;
        return 1;
    }
    for (at, label) in std::mem::take(&mut parser.jumps) {
        let Some(&target) = parser.labels.get(&label) else {
            ctx.err(format!("can't find label for jump to `{label}'")).await;
            return 4;
        };
        parser.cmds[at].kind = match parser.cmds[at].kind {
            Kind::Branch(_) => Kind::Branch(Some(target)),
            Kind::BranchIf(_) => Kind::BranchIf(Some(target)),
            _ => Kind::BranchIfNot(Some(target)),
        };
    }
    let cmds = parser.cmds;
    let n = cmds.len();
    let mut st = State {
        hold: Vec::new(),
        line_no: 0,
        range_active: vec![false; n],
        range_end: vec![0; n],
        last_re: None,
        quit: None,
        append: Vec::new(),
        files: HashMap::new(),
        tick: limits::Ticker::new(),
    };
    let o = Opts { quiet, sep, posix_chars: posix };
    if operands.is_empty() {
        if in_place.is_some() {
            ctx.err("no input files").await;
            return 1;
        }
        operands.push("-".into());
    }
    let mut out = Out { data: Vec::new(), missing_newline: false, stream: true };
    let mut status = 0;

    if let Some(suffix) = &in_place {
        for op in &operands {
            let abs = ctx.abs(op);
            match ctx.vfs.stat(&abs).await {
                Ok(m) if m.is_dir() => {
                    ctx.err(format!("couldn't edit {op}: not a regular file")).await;
                    status = 4;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    ctx.err(format!("can't read {op}: {e}")).await;
                    status = 2;
                    continue;
                }
            }
            if let Err(e) = ctx.vfs.check_writable(&abs) {
                let dir = match op.rfind('/') {
                    Some(i) => &op[..i.max(1)],
                    None => ".",
                };
                ctx.err(format!("couldn't open temporary file {dir}/sed{}: {e}", temp_suffix(op))).await;
                return 4;
            }
            let mut input = Input {
                ctx: &ctx,
                ops: vec![op.clone()],
                idx: 0,
                cur: None,
                buf: Vec::new(),
                start: 0,
                eof: false,
                sep,
                ahead: None,
                separate: false,
                status: 0,
                cur_name: String::new(),
                next_name: String::new(),
            };
            let mut file_out = Out { data: Vec::new(), missing_newline: false, stream: false };
            st.line_no = 0;
            let mut sink = Some(Vec::new());
            let r = process(&ctx, &cmds, &mut st, &mut input, &o, &mut file_out, &mut sink).await;
            status = status.max(input.status);
            let go_on = match r {
                Ok(g) => g,
                Err(Fail::Read(e)) => {
                    ctx.err(format!("read error on {op}: {e}")).await;
                    status = 4;
                    continue;
                }
                Err(Fail::Pipe) => return EXIT_PIPE,
                Err(Fail::Stop(why)) => return stopped(&ctx, why, None).await,
            };
            if !suffix.is_empty() {
                let bak = if suffix.contains('*') { suffix.replace('*', crate::vfs::path::basename(&abs)) } else { format!("{}{suffix}", crate::vfs::path::basename(&abs)) };
                let bak_abs = if bak.contains('/') { ctx.abs(&bak) } else { crate::vfs::path::normalize(crate::vfs::path::dirname(&abs), &bak) };
                if let Err(e) = ctx.vfs.copy_file(&abs, &bak_abs).await {
                    ctx.err(format!("cannot rename {op}: {e}")).await;
                    return 4;
                }
            }
            if let Err(e) = ctx.vfs.write(&abs, bytes::Bytes::from(file_out.data)).await {
                ctx.err(format!("couldn't open temporary file {op}: {e}")).await;
                return 4;
            }
            if !go_on {
                break;
            }
        }
    } else {
        let mut input = Input {
            ctx: &ctx,
            ops: operands.clone(),
            idx: 0,
            cur: None,
            buf: Vec::new(),
            start: 0,
            eof: false,
            sep,
            ahead: None,
            separate: false,
            status: 0,
            cur_name: String::new(),
            next_name: String::new(),
        };
        if separate {
            // -s: `$` and line numbers... GNU keeps numbering across files but `$` is per file.
            let mut go_on = true;
            while go_on && input.open_next().await {
                input.separate = true;
                input.ahead = None;
                let mut sink = None;
                match process(&ctx, &cmds, &mut st, &mut input, &o, &mut out, &mut sink).await {
                    Ok(g) => go_on = g,
                    Err(Fail::Read(e)) => {
                        ctx.err(format!("read error on {}: {e}", input.cur_name)).await;
                        status = 2;
                    }
                    Err(Fail::Pipe) => return EXIT_PIPE,
                    Err(Fail::Stop(why)) => return stopped(&ctx, why, Some(out)).await,
                }
                input.cur = None;
            }
        } else {
            let mut sink = None;
            match process(&ctx, &cmds, &mut st, &mut input, &o, &mut out, &mut sink).await {
                Ok(_) => {}
                Err(Fail::Read(e)) => {
                    ctx.err(format!("read error on {}: {e}", if input.cur_name == "-" { "stdin" } else { &input.cur_name })).await;
                    status = 2;
                }
                Err(Fail::Pipe) => return EXIT_PIPE,
                Err(Fail::Stop(why)) => return stopped(&ctx, why, Some(out)).await,
            }
        }
        status = status.max(input.status);
    }
    if ctx.stdout.write(std::mem::take(&mut out.data)).await.is_err() {
        return EXIT_PIPE;
    }
    for (f, data) in std::mem::take(&mut st.files) {
        if f == "/dev/stderr" {
            let _ = ctx.stderr.write(data).await;
            continue;
        }
        if let Err(e) = ctx.vfs.write(&ctx.abs(&f), bytes::Bytes::from(data)).await {
            ctx.err(format!("couldn't open file {f}: {e}")).await;
            status = 4;
        }
    }
    match st.quit {
        Some(c) if c != 0 => c,
        _ => status,
    }
}

/// The end of a run that had to stop. Over the memory budget, GNU sed's `memory exhausted`
/// (after what was printed so far); cancelled, nothing more: nobody reads it.
async fn stopped(ctx: &Ctx, why: Stop, out: Option<Out>) -> i32 {
    if why != Stop::Memory {
        return 1;
    }
    if let Some(out) = out {
        let _ = ctx.stdout.write(out.data).await;
    }
    let _ = ctx.stderr.write_str("sed: memory exhausted\n").await;
    1
}

/// GNU names its temporary file `sedXXXXXX` with random letters; a stable stand-in.
fn temp_suffix(op: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h: u64 = 1469598103934665603;
    for b in op.bytes() {
        h = (h ^ b as u64).wrapping_mul(1099511628211);
    }
    (0..6)
        .map(|i| {
            let x = ((h >> (i * 8)) & 0xff) as usize % A.len();
            A[x] as char
        })
        .collect()
}
