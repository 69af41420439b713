//! Scans that bound what jaq's recursive lexer, parser and compiler, and its JSON reader,
//! may meet: a filter nested too deeply is refused before it is parsed, and so is JSON
//! text nested deeper than jq 1.6 reads.

use crate::limits::{MAX_JSON_DEPTH, MAX_NESTING};

/// An estimate of the depth of the term jaq builds for a filter: every bracket, string
/// interpolation and `if`, plus every operator and prefix keyword (`|`, `,`, `+`, `as`,
/// `def`, `try`, `reduce`, unary `-`, ...) seen in the enclosing brackets so far (chains of
/// operators nest too). It only over-estimates.
pub const MAX_FILTER_DEPTH: usize = 2000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paren,
    Bracket,
    Brace,
    /// A string literal: its interpolated parts are concatenated in a chain.
    Str,
    /// `\(` inside a string: its `)` resumes the string.
    Interp,
    If,
}

struct Frame {
    kind: Kind,
    /// Operators and keywords seen in this frame (for an object: in its current entry).
    ops: usize,
    /// Entries of an object (jaq adds them up in a chain).
    entries: usize,
}

/// Whether the filter is nested deeper than jaq may parse; the message says how.
pub fn filter_too_deep(src: &str) -> Option<String> {
    let s = src.as_bytes();
    let mut stack: Vec<Frame> = vec![Frame { kind: Kind::Paren, ops: 0, entries: 0 }];
    // Sum of `ops` and `entries` over the stack, and frames that nest (not strings).
    let mut ops_total = 0usize;
    let mut nest = 0usize;
    let mut i = 0usize;
    let too_deep = || Some(format!("filter nested too deeply (more than {MAX_NESTING} levels)"));
    let too_long = || Some(format!("filter nested too deeply (more than {MAX_FILTER_DEPTH} levels of operators)"));
    macro_rules! op {
        () => {{
            if let Some(f) = stack.last_mut() {
                f.ops += 1;
            }
            ops_total += 1;
            if ops_total + nest > MAX_FILTER_DEPTH {
                return too_long();
            }
        }};
    }
    macro_rules! push {
        ($k:expr) => {{
            stack.push(Frame { kind: $k, ops: 0, entries: 0 });
            if $k != Kind::Str {
                nest += 1;
                if nest > MAX_NESTING {
                    return too_deep();
                }
            }
            if ops_total + nest > MAX_FILTER_DEPTH {
                return too_long();
            }
        }};
    }
    macro_rules! pop {
        () => {{
            if stack.len() > 1 {
                let f = stack.pop().expect("a frame");
                ops_total -= f.ops + f.entries;
                if f.kind != Kind::Str {
                    nest -= 1;
                }
                f.kind
            } else {
                Kind::Paren
            }
        }};
    }
    while i < s.len() {
        if stack.last().map(|f| f.kind) == Some(Kind::Str) {
            match s[i] {
                b'"' => {
                    pop!();
                    i += 1;
                }
                b'\\' if s.get(i + 1) == Some(&b'(') => {
                    i += 2;
                    // An interpolation and the text after it: two more links of the chain.
                    op!();
                    op!();
                    push!(Kind::Interp);
                }
                b'\\' => i += 2,
                _ => i += 1,
            }
            continue;
        }
        let c = s[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'#' => {
                // To the end of the line; a line ending in an odd number of backslashes
                // continues (as jaq reads comments).
                loop {
                    let end = s[i..].iter().position(|b| *b == b'\n').map(|p| i + p).unwrap_or(s.len());
                    let mut line = &s[i..end];
                    if line.last() == Some(&b'\r') {
                        line = &line[..line.len() - 1];
                    }
                    let slashes = line.iter().rev().take_while(|b| **b == b'\\').count();
                    i = (end + 1).min(s.len());
                    if slashes % 2 == 0 || end >= s.len() {
                        break;
                    }
                }
            }
            b'"' => {
                push!(Kind::Str);
                i += 1;
            }
            b'(' => {
                push!(Kind::Paren);
                i += 1;
            }
            b'[' => {
                push!(Kind::Bracket);
                i += 1;
            }
            b'{' => {
                push!(Kind::Brace);
                i += 1;
            }
            b')' | b']' | b'}' => {
                // The `)` of an interpolation goes back into its string.
                pop!();
                i += 1;
            }
            b',' => {
                // The entries of an object are a chain, each entry nested in it alone.
                match stack.last_mut() {
                    Some(f) if f.kind == Kind::Brace => {
                        ops_total -= f.ops;
                        f.ops = 0;
                        f.entries += 1;
                        ops_total += 1;
                        if ops_total + nest > MAX_FILTER_DEPTH {
                            return too_long();
                        }
                    }
                    _ => op!(),
                }
                i += 1;
            }
            b'|' | b'+' | b'-' | b'*' | b'/' | b'%' | b'=' | b'<' | b'>' | b'!' | b'?' => {
                op!();
                i += 1;
                while i < s.len() && matches!(s[i], b'|' | b'=' | b'<' | b'>' | b'/' | b'+' | b'*' | b'%') {
                    i += 1;
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let st = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_' || s[i] == b':') {
                    i += 1;
                }
                // `.end`, `$if`, `@def` are names, not keywords.
                let word = if st > 0 && matches!(s[st - 1], b'.' | b'$' | b'@') { &b""[..] } else { &s[st..i] };
                match word {
                    b"if" => push!(Kind::If),
                    b"end" => {
                        if stack.last().map(|f| f.kind) == Some(Kind::If) {
                            pop!();
                        }
                    }
                    b"elif" | b"as" | b"and" | b"or" | b"def" | b"try" | b"catch" | b"reduce" | b"foreach" | b"label" => op!(),
                    _ => {}
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Where JSON text first nests past jq 1.6's limit: jq counts open arrays and objects, and
/// an object key waiting for its value, and refuses a 257th level at its `[` or `{`.
pub fn json_too_deep(s: &[u8]) -> Option<usize> {
    let mut stack: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'"' => {
                i += 1;
                while i < s.len() {
                    match s[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
            }
            b'[' | b'{' => {
                if stack.len() >= MAX_JSON_DEPTH {
                    return Some(i);
                }
                stack.push(s[i]);
            }
            b':' => {
                if stack.last() == Some(&b'{') {
                    stack.push(b'k');
                }
            }
            b',' => {
                if stack.last() == Some(&b'k') {
                    stack.pop();
                }
            }
            b'}' => {
                if stack.last() == Some(&b'k') {
                    stack.pop();
                }
                stack.pop();
            }
            b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Line and column (both from 1) of byte `at`, as jq reports positions.
pub fn line_col(s: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(s.len());
    let line = s[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let col = at - s[..at].iter().rposition(|b| *b == b'\n').map(|p| p + 1).unwrap_or(0) + 1;
    (line, col)
}

/// Byte ranges of the top-level JSON values in `s` (a scanner that only finds
/// boundaries; each value is parsed by jaq).
pub fn split_values(s: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let st = i;
        match s[i] {
            b'{' | b'[' => {
                let mut depth = 0i64;
                let mut in_str = false;
                while i < s.len() {
                    let c = s[i];
                    i += 1;
                    if in_str {
                        if c == b'\\' {
                            i += 1;
                        } else if c == b'"' {
                            in_str = false;
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < s.len() {
                    let c = s[i];
                    i += 1;
                    if c == b'\\' {
                        i += 1;
                    } else if c == b'"' {
                        break;
                    }
                }
            }
            _ => {
                while i < s.len() && !matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[' | b'"') {
                    i += 1;
                }
                if i == st {
                    i += 1;
                }
            }
        }
        out.push((st, i.min(s.len())));
    }
    out
}
