//! Bash pattern matching (`*`, `?`, `[...]`), used by globs, `case`, `[[ == ]]` and
//! `${x#pattern}`. Quoted characters match only themselves.
//!
//! Hostile patterns are bounded: compiling is linear in the pattern, extglob groups nest at
//! most `limits::nest()` levels (a pattern nested deeper matches nothing), and matching is a
//! memoised search over (group, text position) (polynomial, never exponential) that checks
//! the execute's stop switch as it goes: once stopped it returns at once, with no match.

use std::collections::HashMap;
use std::rc::Rc;

use crate::limits;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class { negated: bool, items: Vec<ClassItem> },
    /// Extglob `?(..)` `*(..)` `+(..)` `@(..)` `!(..)`: the operator and its alternatives.
    Ext(char, Vec<Vec<Tok>>),
}

#[derive(Clone, Debug, PartialEq)]
enum ClassItem {
    Char(char),
    Range(char, char),
    Named(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    toks: Vec<Tok>,
    /// Nested deeper than the limits allow (or compiled as the execute was stopping): the
    /// pattern matches nothing.
    dead: bool,
}

/// A piece of pattern text and whether it was quoted.
pub type Seg<'a> = (&'a str, bool);

impl Pattern {
    /// Compile from segments; quoted segments are literal.
    pub fn new(segs: &[Seg<'_>]) -> Pattern {
        // Flatten into (char, quoted) pairs; a backslash in unquoted text quotes the next char.
        let mut cs: Vec<(char, bool)> = Vec::new();
        for (text, quoted) in segs {
            let mut it = text.chars();
            while let Some(c) = it.next() {
                if !quoted && c == '\\' {
                    match it.next() {
                        Some(n) => cs.push((n, true)),
                        None => cs.push(('\\', true)),
                    }
                } else {
                    cs.push((c, *quoted));
                }
            }
        }
        match Compiler::new(&cs).compile(0, cs.len()) {
            Ok(toks) => Pattern { toks, dead: false },
            Err(limits::TooDeep) => Pattern { toks: Vec::new(), dead: true },
        }
    }

    /// A pattern from unquoted text.
    pub fn parse(text: &str) -> Pattern {
        Pattern::new(&[(text, false)])
    }

    /// Whether the pattern has any active wildcard.
    pub fn has_wildcards(&self) -> bool {
        self.dead || self.toks.iter().any(|t| !matches!(t, Tok::Char(_)))
    }

    /// The literal text when there is no wildcard.
    pub fn literal(&self) -> Option<String> {
        if self.dead {
            return None;
        }
        self.toks
            .iter()
            .map(|t| match t {
                Tok::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Whether the pattern starts with a literal `.` (globs only then match dotfiles).
    pub fn starts_with_dot(&self) -> bool {
        !self.dead && matches!(self.toks.first(), Some(Tok::Char('.')))
    }

    pub fn matches(&self, s: &str) -> bool {
        if self.dead {
            return false;
        }
        let chars: Vec<char> = s.chars().collect();
        if !has_ext(&self.toks) {
            return match_simple(&self.toks, &chars);
        }
        let Some(mut e) = Engine::new(&chars) else { return false };
        let n = e.n;
        let ends = e.seq_ends(&self.toks, 0);
        !e.stopped && ends.last() == Some(&n)
    }

    /// The most characters a match can have, when bounded (no `*`, no extglob group).
    pub fn max_len(&self) -> Option<usize> {
        if self.dead {
            return Some(0);
        }
        self.toks.iter().try_fold(0usize, |n, t| match t {
            Tok::Char(_) | Tok::Any | Tok::Class { .. } => Some(n + 1),
            Tok::Star | Tok::Ext(..) => None,
        })
    }

    /// Whether the pattern holds an extglob group.
    pub fn is_extglob(&self) -> bool {
        has_ext(&self.toks)
    }

    /// Lengths (in chars) of the prefixes of `s` that match, shortest first.
    pub fn matching_prefix_lens(&self, s: &str) -> Vec<usize> {
        if self.dead {
            return Vec::new();
        }
        let chars: Vec<char> = s.chars().collect();
        let Some(mut e) = Engine::new(&chars) else { return Vec::new() };
        let ends = e.seq_ends(&self.toks, 0);
        if e.stopped {
            return Vec::new();
        }
        ends.into_iter().map(|p| p as usize).collect()
    }
}

/// Pattern text into tokens, in one pass: each group's `)` is known beforehand, so an
/// unclosed `@(` costs nothing, and a group's text is split on its `|` once.
struct Compiler<'a> {
    cs: &'a [(char, bool)],
    /// For an unquoted `(`, the index of its `)` (`usize::MAX`: none).
    close: Vec<usize>,
    /// For each index, the index of the first unquoted `]` at or after it (or the length).
    next_bracket: Vec<usize>,
    tick: limits::Ticker,
}

impl<'a> Compiler<'a> {
    fn new(cs: &'a [(char, bool)]) -> Compiler<'a> {
        let mut close = vec![usize::MAX; cs.len()];
        let mut open = Vec::new();
        for (i, &(c, q)) in cs.iter().enumerate() {
            match (c, q) {
                ('(', false) => open.push(i),
                (')', false) => {
                    if let Some(o) = open.pop() {
                        close[o] = i;
                    }
                }
                _ => {}
            }
        }
        let mut next_bracket = vec![cs.len(); cs.len() + 1];
        for i in (0..cs.len()).rev() {
            next_bracket[i] = if cs[i] == (']', false) { i } else { next_bracket[i + 1] };
        }
        Compiler { cs, close, next_bracket, tick: limits::Ticker::new() }
    }

    /// Tokens of `cs[lo..hi]`; `Err` when groups nest too deep (or the execute stops).
    fn compile(&mut self, lo: usize, hi: usize) -> Result<Vec<Tok>, limits::TooDeep> {
        let cs = self.cs;
        let mut toks = Vec::new();
        let mut i = lo;
        while i < hi {
            self.tick.tick().map_err(|_| limits::TooDeep)?;
            let (c, q) = cs[i];
            if q {
                toks.push(Tok::Char(c));
                i += 1;
                continue;
            }
            if matches!(c, '?' | '*' | '+' | '@' | '!') && i + 1 < hi && cs[i + 1] == ('(', false) {
                let end = self.close[i + 1];
                if end < hi {
                    let _level = limits::nest()?;
                    let alts = self.alternatives(i + 2, end)?;
                    toks.push(Tok::Ext(c, alts));
                    i = end + 1;
                    continue;
                }
            }
            match c {
                '*' => {
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                    i += 1;
                }
                '?' => {
                    toks.push(Tok::Any);
                    i += 1;
                }
                '[' => match self.class(i + 1, hi)? {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => {
                        toks.push(Tok::Char('['));
                        i += 1;
                    }
                },
                c => {
                    toks.push(Tok::Char(c));
                    i += 1;
                }
            }
        }
        Ok(toks)
    }

    /// The alternatives of a group whose text is `cs[lo..hi]` (between its parentheses).
    fn alternatives(&mut self, lo: usize, hi: usize) -> Result<Vec<Vec<Tok>>, limits::TooDeep> {
        let mut alts = Vec::new();
        let (mut from, mut k) = (lo, lo);
        while k < hi {
            match self.cs[k] {
                // Parentheses inside the group are balanced: skip to the `)`.
                ('(', false) if self.close[k] < hi => {
                    k = self.close[k] + 1;
                    continue;
                }
                ('|', false) => {
                    alts.push(self.compile(from, k)?);
                    from = k + 1;
                }
                _ => {}
            }
            k += 1;
        }
        alts.push(self.compile(from, hi)?);
        Ok(alts)
    }

    /// A bracket expression starting after its `[`, and the index after its `]`.
    fn class(&mut self, mut i: usize, hi: usize) -> Result<Option<(Tok, usize)>, limits::TooDeep> {
        let cs = self.cs;
        // No `]` left to close it (the first one after `[` or `[!` would be literal).
        if i >= hi || self.next_bracket[i + 1] >= hi {
            return Ok(None);
        }
        let mut negated = false;
        if !cs[i].1 && (cs[i].0 == '!' || cs[i].0 == '^') {
            negated = true;
            i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        while i < hi {
            self.tick.tick().map_err(|_| limits::TooDeep)?;
            let (c, q) = cs[i];
            if c == ']' && !q && !first {
                return Ok(Some((Tok::Class { negated, items }, i + 1)));
            }
            first = false;
            if c == '[' && !q && i + 1 < hi && cs[i + 1].0 == ':' {
                // [:alpha:]
                let mut j = i + 2;
                while j + 1 < hi && !(cs[j].0 == ':' && cs[j + 1].0 == ']') {
                    self.tick.tick().map_err(|_| limits::TooDeep)?;
                    j += 1;
                }
                if j + 1 < hi {
                    items.push(ClassItem::Named(cs[i + 2..j].iter().map(|p| p.0).collect()));
                    i = j + 2;
                    continue;
                }
            }
            if i + 2 < hi && cs[i + 1].0 == '-' && !cs[i + 1].1 && !(cs[i + 2].0 == ']' && !cs[i + 2].1) {
                items.push(ClassItem::Range(c, cs[i + 2].0));
                i += 3;
                continue;
            }
            items.push(ClassItem::Char(c));
            i += 1;
        }
        Ok(None)
    }
}

fn has_ext(toks: &[Tok]) -> bool {
    toks.iter().any(|t| matches!(t, Tok::Ext(..)))
}

fn class_has(items: &[ClassItem], c: char) -> bool {
    items.iter().any(|it| match it {
        ClassItem::Char(x) => *x == c,
        ClassItem::Range(a, b) => *a <= c && c <= *b,
        ClassItem::Named(n) => match n.as_str() {
            "alpha" => c.is_alphabetic(),
            "digit" => c.is_ascii_digit(),
            "alnum" => c.is_alphanumeric(),
            "upper" => c.is_uppercase(),
            "lower" => c.is_lowercase(),
            "space" => c.is_whitespace(),
            "blank" => c == ' ' || c == '\t',
            "punct" => c.is_ascii_punctuation(),
            "xdigit" => c.is_ascii_hexdigit(),
            "cntrl" => c.is_control(),
            "print" => !c.is_control(),
            "graph" => !c.is_control() && c != ' ',
            _ => false,
        },
    })
}

/// A pattern without extglob groups: the iterative matcher with single-star backtracking
/// (at most pattern length x text length steps); no match once the execute must stop.
fn match_simple(toks: &[Tok], s: &[char]) -> bool {
    let mut tick = limits::Ticker::new();
    let (mut ti, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if tick.tick().is_err() {
            return false;
        }
        let ok = match toks.get(ti) {
            Some(Tok::Char(c)) => *c == s[si],
            Some(Tok::Any) => true,
            Some(Tok::Class { negated, items }) => class_has(items, s[si]) != *negated,
            Some(Tok::Star) => {
                star = Some((ti, si));
                ti += 1;
                continue;
            }
            Some(Tok::Ext(..)) | None => false,
        };
        if ok {
            ti += 1;
            si += 1;
        } else if let Some((st, ss)) = star {
            ti = st + 1;
            si = ss + 1;
            star = Some((st, ss + 1));
        } else {
            return false;
        }
    }
    toks[ti..].iter().all(|t| *t == Tok::Star)
}

/// Most bytes of group results kept for reuse during one match (past it they are
/// recomputed: slower, and still stoppable).
const MEMO_BYTES: usize = 16 << 20;

/// The matcher for patterns with extglob groups: it follows the set of text positions the
/// pattern can have reached (as an NFA simulation does), and keeps where each group's
/// matches from a position end, so nested groups (`+(+(a))`) cost polynomial time.
struct Engine<'s> {
    s: &'s [char],
    n: u32,
    /// Ends of a group's matches from a position, by (group, position).
    memo: HashMap<(usize, u32), Rc<[u32]>>,
    memo_bytes: usize,
    tick: limits::Ticker,
    /// The execute must stop (or the stack ran low): every answer is now "no match".
    stopped: bool,
}

/// A set of positions in `base..=n`.
struct Bits {
    base: u32,
    words: Vec<u64>,
}

impl Bits {
    fn new(base: u32, n: u32) -> Bits {
        Bits { base, words: vec![0; ((n - base) as usize >> 6) + 1] }
    }
    fn set(&mut self, p: u32) -> bool {
        let k = (p - self.base) as usize;
        let (w, b) = (k >> 6, 1u64 << (k & 63));
        let was = self.words[w] & b != 0;
        self.words[w] |= b;
        !was
    }
    fn positions(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for (w, &word) in self.words.iter().enumerate() {
            let mut x = word;
            while x != 0 {
                let b = x.trailing_zeros();
                out.push(self.base + (w as u32) * 64 + b);
                x &= x - 1;
            }
        }
        out
    }
}

impl<'s> Engine<'s> {
    fn new(s: &'s [char]) -> Option<Engine<'s>> {
        let n = u32::try_from(s.len()).ok().filter(|&n| n < u32::MAX)?;
        Some(Engine { s, n, memo: HashMap::new(), memo_bytes: 0, tick: limits::Ticker::new(), stopped: false })
    }

    /// Whether the work must stop now (checked every 1024 calls).
    #[inline]
    fn halt(&mut self) -> bool {
        if !self.stopped && self.tick.tick().is_err() {
            self.stopped = true;
        }
        self.stopped
    }

    /// Where the matches of `seq` starting at `start` end: sorted, without repeats.
    fn seq_ends(&mut self, seq: &[Tok], start: u32) -> Vec<u32> {
        let mut cur = vec![start];
        for t in seq {
            if cur.is_empty() || self.stopped {
                return Vec::new();
            }
            cur = self.step(t, cur);
        }
        if self.stopped {
            return Vec::new();
        }
        cur
    }

    /// The positions after one token from each of `cur` (sorted, without repeats).
    fn step(&mut self, t: &Tok, cur: Vec<u32>) -> Vec<u32> {
        let (s, n) = (self.s, self.n);
        let mut out = Vec::new();
        match t {
            Tok::Char(c) => {
                for p in cur {
                    if self.halt() {
                        return Vec::new();
                    }
                    if p < n && s[p as usize] == *c {
                        out.push(p + 1);
                    }
                }
            }
            Tok::Any => {
                for p in cur {
                    if self.halt() {
                        return Vec::new();
                    }
                    if p < n {
                        out.push(p + 1);
                    }
                }
            }
            Tok::Class { negated, items } => {
                for p in cur {
                    if self.halt() {
                        return Vec::new();
                    }
                    if p < n && class_has(items, s[p as usize]) != *negated {
                        out.push(p + 1);
                    }
                }
            }
            Tok::Star => {
                if self.halt() {
                    return Vec::new();
                }
                out = (cur[0]..=n).collect();
            }
            Tok::Ext(kind, alts) => out = self.group(*kind, alts, &cur),
        }
        out
    }

    /// Ends of the matches of any one alternative of a group, from `p`.
    fn alt_ends(&mut self, alts: &[Vec<Tok>], p: u32) -> Rc<[u32]> {
        let key = (alts.as_ptr() as usize, p);
        if let Some(r) = self.memo.get(&key) {
            return r.clone();
        }
        if limits::stack_exhausted() {
            self.stopped = true;
        }
        let mut all: Vec<u32> = Vec::new();
        for a in alts {
            if self.stopped {
                return Rc::from(Vec::new());
            }
            all.extend(self.seq_ends(a, p));
        }
        if alts.len() > 1 {
            all.sort_unstable();
            all.dedup();
        }
        let r: Rc<[u32]> = Rc::from(all);
        let bytes = r.len() * 4 + 48;
        if !self.stopped && self.memo_bytes + bytes <= MEMO_BYTES {
            self.memo_bytes += bytes;
            self.memo.insert(key, r.clone());
        }
        r
    }

    /// The positions after the group `kind(alts)` from each of `cur`.
    fn group(&mut self, kind: char, alts: &[Vec<Tok>], cur: &[u32]) -> Vec<u32> {
        let n = self.n;
        match kind {
            '!' => {
                // Every end of a piece that no alternative matches.
                let mut bits = Bits::new(cur[0], n);
                for &p in cur {
                    let ends = self.alt_ends(alts, p);
                    let mut k = 0;
                    for q in p..=n {
                        if self.halt() {
                            return Vec::new();
                        }
                        if k < ends.len() && ends[k] == q {
                            k += 1;
                            continue;
                        }
                        bits.set(q);
                    }
                    // All of p..=n is in: the later starts cannot add to it.
                    if ends.is_empty() {
                        break;
                    }
                }
                bits.positions()
            }
            '@' | '?' | '+' => {
                let mut out: Vec<u32> = if kind == '?' { cur.to_vec() } else { Vec::new() };
                for &p in cur {
                    if self.halt() {
                        return Vec::new();
                    }
                    out.extend_from_slice(&self.alt_ends(alts, p));
                }
                out.sort_unstable();
                out.dedup();
                if kind == '+' {
                    return self.closure(alts, out);
                }
                out
            }
            // `*`
            _ => self.closure(alts, cur.to_vec()),
        }
    }

    /// `init` and every position reachable from it by more matches of the group.
    fn closure(&mut self, alts: &[Vec<Tok>], init: Vec<u32>) -> Vec<u32> {
        let Some(&base) = init.iter().min() else { return init };
        let mut seen = Bits::new(base, self.n);
        for &p in &init {
            seen.set(p);
        }
        let mut work = init;
        while let Some(q) = work.pop() {
            if self.halt() {
                return Vec::new();
            }
            for &e in self.alt_ends(alts, q).iter() {
                if seen.set(e) {
                    work.push(e);
                }
            }
        }
        seen.positions()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(Pattern::parse("*.log").matches("a.log"));
        assert!(!Pattern::parse("*.log").matches("a.txt"));
        assert!(Pattern::parse("a?c").matches("abc"));
        assert!(Pattern::parse("[a-c]x").matches("bx"));
        assert!(Pattern::parse("[!a-c]x").matches("dx"));
        assert!(Pattern::parse("[[:digit:]]*").matches("1abc"));
        assert!(Pattern::new(&[("*", true)]).matches("*"));
        assert!(!Pattern::new(&[("*", true)]).matches("a"));
        assert!(Pattern::parse("*a*b*").matches("xxaxxbxx"));
        assert!(Pattern::parse("\\*").matches("*"));
        assert!(Pattern::parse("*.@(log|txt)").matches("file.log"));
        assert!(!Pattern::parse("*.@(log|txt)").matches("file.csv"));
        assert!(Pattern::parse("!(a|b).txt").matches("c.txt"));
        assert!(!Pattern::parse("!(a|b).txt").matches("a.txt"));
        assert!(Pattern::parse("+(ab)").matches("ababab"));
        assert!(Pattern::parse("x*(y)z").matches("xz"));
        assert!(Pattern::parse("?(a)b").matches("b"));
    }

    #[test]
    fn extglob_like_bash() {
        let m = |p: &str, s: &str| Pattern::parse(p).matches(s);
        assert!(m("+(a|ab)c", "aababc"));
        assert!(!m("+(a|ab)c", "aababcc"));
        assert!(m("@(x|y)*(z)", "yzzz"));
        assert!(m("!(*.c)", "a.h"));
        assert!(!m("!(*.c)", "a.c"));
        assert!(m("a!(b)c", "ac"));
        assert!(m("a!(b)c", "axc"));
        assert!(!m("a!(b)c", "abc"));
        assert!(m("*(a|b)", ""));
        assert!(m("?(a|b)", "b"));
        assert!(!m("?(a|b)", "ab"));
        assert!(m("@(a@(b@(c)))", "abc"));
        assert!(m("[[:alpha:]]*([[:digit:]])", "x123"));
        assert!(m("@(a|)b", "b"));
        assert!(m("@(a(b)", "@(a(b)"), "an unclosed group is literal");
        assert!(m("[a|b]", "[a|b]") || m("[a|b]", "a"));
        assert_eq!(Pattern::parse("*(a)").matching_prefix_lens("aab"), vec![0, 1, 2]);
        assert_eq!(Pattern::parse("a*").matching_prefix_lens("abc"), vec![1, 2, 3]);
        assert_eq!(Pattern::parse("@(ab|a)").matching_prefix_lens("abc"), vec![1, 2]);
    }

    #[test]
    fn hostile_patterns_are_polynomial_and_bounded() {
        let a40 = "a".repeat(40);
        assert!(!Pattern::parse("+(+(a))b").matches(&a40));
        assert!(Pattern::parse("+(+(a))").matches(&a40));
        assert!(!Pattern::parse("*(*(*(a)))b").matches(&a40));
        assert!(Pattern::parse("*(*(*(a)))").matches(&a40));
        let long = "a".repeat(20_000);
        assert!(!Pattern::parse("*a*a*a*a*a*b").matches(&long));
        assert!(Pattern::parse("*a*a*a*a*a*").matches(&long));
        // Within the nesting limit a nested group matches; past it, nothing does.
        let nested = |d: usize| format!("{}a{}", "@(".repeat(d), ")".repeat(d));
        assert!(Pattern::parse(&nested(50)).matches("a"));
        let deep = Pattern::parse(&nested(5000));
        assert!(!deep.matches("a") && deep.has_wildcards() && deep.literal().is_none());
        // Unclosed groups and brackets are literal, and cost linear time.
        let open = "@(".repeat(50_000);
        assert!(Pattern::parse(&open).matches(&open));
        let br = "[".repeat(50_000);
        assert!(Pattern::parse(&br).matches(&br));
    }
}
