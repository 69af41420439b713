//! `grep`: GNU grep 3.x. POSIX basic and extended regular expressions are translated into
//! the `regex` crate's syntax (linear time, byte-oriented as in the C locale); `-F` fixed
//! strings; `-r` lists a directory once (one flat listing) and fetches files with bounded
//! parallelism (16 at once) while printing in order. Exit status 0 (selected), 1 (none),
//! 2 (error), binary files as GNU (`grep: x: binary file matches` on stderr).

use std::collections::VecDeque;

use regex::bytes::{Regex, RegexBuilder};

use super::args::{self, flag, long_flag, long_value, value};
use super::prefetch::Prefetch;
use super::textutil::Out;
use super::{Ctx, EXIT_PIPE};
use crate::limits;
use crate::shell::io::{BrokenPipe, Reader};
use crate::shell::pattern::Pattern;
use crate::vfs::{ErrorKind, FsError, Metadata};

const SPEC: &[args::Opt] = &[
    flag('r', "recursive"),
    flag('R', "dereference-recursive"),
    flag('i', "ignore-case"),
    flag('y', ""),
    long_flag("no-ignore-case"),
    flag('n', "line-number"),
    flag('l', "files-with-matches"),
    flag('L', "files-without-match"),
    flag('c', "count"),
    flag('v', "invert-match"),
    flag('E', "extended-regexp"),
    flag('F', "fixed-strings"),
    flag('G', "basic-regexp"),
    flag('P', "perl-regexp"),
    flag('w', "word-regexp"),
    flag('x', "line-regexp"),
    flag('o', "only-matching"),
    flag('q', "quiet"),
    long_flag("silent"),
    flag('s', "no-messages"),
    flag('h', "no-filename"),
    flag('H', "with-filename"),
    value('m', "max-count"),
    value('A', "after-context"),
    value('B', "before-context"),
    value('C', "context"),
    value('e', "regexp"),
    value('f', "file"),
    flag('a', "text"),
    flag('I', ""),
    flag('b', "byte-offset"),
    flag('Z', "null"),
    flag('z', "null-data"),
    flag('U', "binary"),
    flag('T', "initial-tab"),
    long_value("include"),
    long_value("exclude"),
    long_value("exclude-dir"),
    long_value("color"),
    long_value("colour"),
    long_flag("line-buffered"),
    long_value("label"),
    long_value("binary-files"),
    value('d', "directories"),
    value('D', "devices"),
    long_value("group-separator"),
    long_flag("no-group-separator"),
];

const USAGE: &str = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";

/// A regex translation or compilation failure, worded as GNU grep words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError(pub String);


/// Escape one char for the regex crate, outside a class.
fn lit(out: &mut String, c: char) {
    if regex_syntax_special(c) {
        out.push('\\');
    }
    out.push(c);
}

fn regex_syntax_special(c: char) -> bool {
    matches!(c, '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '#' | '&' | '-' | '~')
}

/// Parse a bracket expression starting after `[`; returns the regex-crate class and the
/// index after the closing `]`.
fn bracket(cs: &[char], mut i: usize) -> Result<(String, usize), RegexError> {
    let unmatched = || RegexError("Unmatched [, [^, [:, [., or [=".into());
    // A `[` that ends the pattern is caught by glibc's regcomp first, with its generic text.
    if i >= cs.len() {
        return Err(RegexError("Invalid regular expression".into()));
    }
    let mut out = String::from("[");
    if i < cs.len() && cs[i] == '^' {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    let push_char = |out: &mut String, c: char| {
        if matches!(c, '\\' | '[' | ']' | '^' | '-' | '&' | '~') {
            out.push('\\');
        }
        out.push(c);
    };
    loop {
        if i >= cs.len() {
            return Err(unmatched());
        }
        let c = cs[i];
        if c == ']' && !first {
            out.push(']');
            return Ok((out, i + 1));
        }
        first = false;
        if c == '[' && i + 1 < cs.len() && matches!(cs[i + 1], ':' | '=' | '.') {
            let kind = cs[i + 1];
            // Find the closing `kind]`.
            let mut j = i + 2;
            while j + 1 < cs.len() && !(cs[j] == kind && cs[j + 1] == ']') {
                j += 1;
            }
            if j + 1 >= cs.len() {
                return Err(unmatched());
            }
            let name: String = cs[i + 2..j].iter().collect();
            i = j + 2;
            if kind == ':' {
                const CLASSES: &[&str] =
                    &["alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph", "cntrl", "xdigit"];
                if !CLASSES.contains(&name.as_str()) {
                    return Err(RegexError("Invalid character class name".into()));
                }
                out.push_str(&format!("[:{name}:]"));
            } else {
                for ch in name.chars() {
                    push_char(&mut out, ch);
                }
            }
            continue;
        }
        // A range `a-z` (a `-` just before `]` is literal).
        if i + 2 < cs.len() && cs[i + 1] == '-' && cs[i + 2] != ']' {
            let hi = cs[i + 2];
            if (hi as u32) < (c as u32) {
                return Err(RegexError("Invalid range end".into()));
            }
            push_char(&mut out, c);
            out.push('-');
            push_char(&mut out, hi);
            i += 3;
            continue;
        }
        push_char(&mut out, c);
        i += 1;
    }
}

/// Translate a POSIX regular expression (basic, or extended with `ere`) with GNU's
/// extensions into the `regex` crate's syntax.
pub fn translate(pat: &str, ere: bool) -> Result<String, RegexError> {
    let cs: Vec<char> = pat.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    // At the start of the expression or of a group/alternative: `*` is literal there,
    // and `^` an anchor in BRE.
    let mut at_start = true;
    let mut depth = 0usize;
    // Whether the last item can take a repetition operator.
    while i < cs.len() {
        let c = cs[i];
        let was_start = at_start;
        at_start = false;
        match c {
            '\\' => {
                i += 1;
                let Some(&n) = cs.get(i) else {
                    return Err(RegexError("Trailing backslash".into()));
                };
                i += 1;
                match n {
                    '(' if !ere => {
                        out.push('(');
                        depth += 1;
                        at_start = true;
                    }
                    ')' if !ere => {
                        if depth == 0 {
                            return Err(RegexError("Unmatched ) or \\)".into()));
                        }
                        depth -= 1;
                        out.push(')');
                    }
                    '|' if !ere => {
                        out.push('|');
                        at_start = true;
                    }
                    '{' if !ere => {
                        if was_start {
                            lit(&mut out, '{');
                            continue;
                        }
                        // An interval up to `\}`.
                        let mut j = i;
                        let mut body = String::new();
                        while j < cs.len() && !(cs[j] == '\\' && cs.get(j + 1) == Some(&'}')) {
                            body.push(cs[j]);
                            j += 1;
                        }
                        if j >= cs.len() {
                            return Err(RegexError("Unmatched \\{".into()));
                        }
                        out.push_str(&interval(&body).ok_or_else(|| RegexError("Invalid content of \\{\\}".into()))?);
                        i = j + 2;
                    }
                    '}' if !ere => lit(&mut out, '}'),
                    '+' | '?' if !ere => {
                        if was_start {
                            lit(&mut out, n);
                        } else {
                            out.push(n);
                        }
                    }
                    '<' => out.push_str("\\b{start}"),
                    '>' => out.push_str("\\b{end}"),
                    'b' => out.push_str("\\b"),
                    'B' => out.push_str("\\B"),
                    'w' => out.push_str("[0-9A-Za-z_]"),
                    'W' => out.push_str("[^0-9A-Za-z_]"),
                    's' => out.push_str("\\s"),
                    'S' => out.push_str("\\S"),
                    '`' => out.push_str("\\A"),
                    '\'' => out.push_str("\\z"),
                    '1'..='9' => return Err(RegexError("back-references are not supported".into())),
                    other => lit(&mut out, other),
                }
            }
            '[' => {
                let (cls, next) = bracket(&cs, i + 1)?;
                out.push_str(&cls);
                i = next;
            }
            '.' => {
                out.push('.');
                i += 1;
            }
            '*' => {
                if was_start {
                    out.push_str("\\*");
                } else if out.ends_with('*') && !out.ends_with("\\*") {
                    // `a**` is `a*`.
                } else {
                    out.push('*');
                }
                i += 1;
            }
            '^' => {
                if ere || was_start {
                    out.push('^');
                    at_start = !ere || was_start;
                } else {
                    out.push_str("\\^");
                }
                i += 1;
            }
            '$' => {
                let at_end = i + 1 == cs.len()
                    || (!ere && cs[i + 1] == '\\' && matches!(cs.get(i + 2), Some(')') | Some('|')));
                if ere || at_end {
                    out.push('$');
                } else {
                    out.push_str("\\$");
                }
                i += 1;
            }
            '(' if ere => {
                out.push('(');
                depth += 1;
                at_start = true;
                i += 1;
            }
            ')' if ere => {
                if depth == 0 {
                    // GNU ERE: an unmatched `)` is literal.
                    out.push_str("\\)");
                } else {
                    depth -= 1;
                    out.push(')');
                }
                i += 1;
            }
            '|' if ere => {
                out.push('|');
                at_start = true;
                i += 1;
            }
            '+' | '?' if ere => {
                if was_start {
                    lit(&mut out, c);
                } else {
                    out.push(c);
                }
                i += 1;
            }
            '{' if ere => {
                // A valid interval, else a literal `{`. An interval's text is short (two
                // numbers): looking further would only make `{{{{...` quadratic.
                let mut j = i + 1;
                let mut body = String::new();
                while j < cs.len() && cs[j] != '}' && body.len() < 256 {
                    body.push(cs[j]);
                    j += 1;
                }
                match (cs.get(j) == Some(&'}'), interval(&body)) {
                    (true, Some(iv)) if !was_start => {
                        out.push_str(&iv);
                        i = j + 1;
                    }
                    _ => {
                        out.push_str("\\{");
                        i += 1;
                    }
                }
            }
            other => {
                lit(&mut out, other);
                i += 1;
            }
        }
    }
    if depth > 0 {
        return Err(RegexError("Unmatched ( or \\(".into()));
    }
    Ok(out)
}

/// `m`, `m,`, `,n`, `m,n` into the regex crate's `{m}`, `{m,}`, `{0,n}`, `{m,n}`.
fn interval(body: &str) -> Option<String> {
    let num = |s: &str| -> Option<Option<u32>> {
        if s.is_empty() {
            Some(None)
        } else if s.chars().all(|c| c.is_ascii_digit()) {
            s.parse().ok().map(Some)
        } else {
            None
        }
    };
    match body.split_once(',') {
        None => {
            let n = num(body)??;
            Some(format!("{{{n}}}"))
        }
        Some((a, b)) => {
            let lo = num(a)?.unwrap_or(0);
            match num(b)? {
                Some(hi) if hi < lo => None,
                Some(hi) => Some(format!("{{{lo},{hi}}}")),
                None => Some(format!("{{{lo},}}")),
            }
        }
    }
}

/// Compiled patterns.
pub struct Matcher {
    re: Regex,
    /// `-w`: the match is capture group 1, inside non-word boundaries.
    word: bool,
    /// No pattern at all (`-f /dev/null`): nothing matches.
    never: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Basic,
    Extended,
    Fixed,
    /// The regex crate's own syntax (rg).
    Rust,
}

impl Matcher {
    pub fn new(patterns: &[String], syntax: Syntax, icase: bool, word: bool, line: bool) -> Result<Matcher, RegexError> {
        if patterns.is_empty() {
            return Ok(Matcher { re: Regex::new("^$").map_err(|e| RegexError(e.to_string()))?, word: false, never: true });
        }
        let mut alts = Vec::new();
        if syntax == Syntax::Rust {
            // Report errors against the pattern as written, in the regex crate's words.
            for p in patterns {
                if let Err(e) = regex::bytes::Regex::new(p) {
                    return Err(RegexError(e.to_string()));
                }
            }
        }
        for p in patterns {
            let t = match syntax {
                Syntax::Fixed => regex::escape(p),
                Syntax::Basic => translate(p, false)?,
                Syntax::Extended => translate(p, true)?,
                Syntax::Rust => p.clone(),
            };
            alts.push(format!("(?:{t})"));
        }
        let body = alts.join("|");
        let (full, word) = if line {
            (format!("^(?:{body})$"), false)
        } else if word {
            (format!("(?:^|[^0-9A-Za-z_])({body})(?:[^0-9A-Za-z_]|$)"), true)
        } else {
            (body, false)
        };
        let unicode = syntax == Syntax::Rust;
        let re = RegexBuilder::new(&full)
            .case_insensitive(icase)
            .unicode(unicode)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| RegexError(first_line(&e.to_string())))?;
        Ok(Matcher { re, word, never: false })
    }

    pub fn is_match(&self, line: &[u8]) -> bool {
        !self.never && self.re.is_match(line)
    }

    /// Every non-empty match, for `-o`.
    pub fn spans(&self, line: &[u8]) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        if self.never {
            return v;
        }
        if self.word {
            let mut pos = 0;
            while pos <= line.len() {
                let Some(c) = self.re.captures_at(line, pos) else { break };
                let m = c.get(1).unwrap_or_else(|| c.get(0).unwrap());
                if m.end() > m.start() {
                    v.push((m.start(), m.end()));
                    pos = m.end();
                } else {
                    pos = m.end() + 1;
                }
            }
        } else {
            for m in self.re.find_iter(line) {
                if m.end() > m.start() {
                    v.push((m.start(), m.end()));
                }
            }
        }
        v
    }
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().trim_start_matches("error: ").to_string()
}

#[derive(Clone, Default)]
pub(crate) struct Opts {
    pub(crate) invert: bool,
    pub(crate) line_number: bool,
    pub(crate) byte_offset: bool,
    pub(crate) count: bool,
    pub(crate) list: bool,
    pub(crate) list_missing: bool,
    pub(crate) only: bool,
    pub(crate) quiet: bool,
    pub(crate) silent: bool,
    pub(crate) max: Option<u64>,
    pub(crate) after: usize,
    pub(crate) before: usize,
    pub(crate) text: bool,
    pub(crate) skip_binary: bool,
    pub(crate) null_name: bool,
    pub(crate) null_data: bool,
    pub(crate) initial_tab: bool,
    pub(crate) label: String,
    pub(crate) group_sep: Option<String>,
    /// rg: no `name:0` lines for files without matches.
    pub(crate) omit_zero_count: bool,
    /// rg: `binary file matches (found "\0" byte around offset N)` on stdout.
    pub(crate) rg_binary: bool,
}

/// What happened while searching one input.
struct FileResult {
    selected: bool,
    stop_all: bool,
}

pub async fn run(ctx: Ctx) -> i32 {
    // `-5` is `-C 5`.
    let mut argv: Vec<String> = Vec::new();
    let mut after_dd = false;
    for a in &ctx.args {
        if !after_dd && a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) {
            argv.push("-C".into());
            argv.push(a[1..].to_string());
        } else {
            if a == "--" {
                after_dd = true;
            }
            argv.push(a.clone());
        }
    }
    let p = match args::parse(&argv, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.message("grep");
            let first = msg.lines().next().unwrap_or("");
            let _ = ctx.stderr.write_str(&format!("{first}\n{USAGE}")).await;
            return 2;
        }
    };
    let mut o = Opts { label: "(standard input)".into(), group_sep: Some("--".into()), ..Default::default() };
    let mut patterns: Vec<String> = Vec::new();
    let mut have_patterns = false;
    let mut syntax = Syntax::Basic;
    let mut icase = false;
    let mut recursive = false;
    let (mut with_name, mut no_name) = (false, false);
    let mut includes: Vec<Pattern> = Vec::new();
    let mut excludes: Vec<Pattern> = Vec::new();
    let mut exclude_dirs: Vec<Pattern> = Vec::new();
    let mut ctx_a: Option<usize> = None;
    let mut ctx_b: Option<usize> = None;
    let mut ctx_c: Option<usize> = None;
    for f in &p.opts {
        let v = f.value.clone().unwrap_or_default();
        match f.key.as_str() {
            "r" | "R" => recursive = true,
            "i" | "y" => icase = true,
            "no-ignore-case" => icase = false,
            "n" => o.line_number = true,
            "l" => {
                o.list = true;
                o.list_missing = false;
            }
            "L" => {
                o.list_missing = true;
                o.list = false;
            }
            "c" => o.count = true,
            "v" => o.invert = true,
            "E" => syntax = Syntax::Extended,
            "F" => syntax = Syntax::Fixed,
            "G" => syntax = Syntax::Basic,
            "P" => syntax = Syntax::Rust,
            "w" => {}
            "x" => {}
            "o" => o.only = true,
            "q" | "silent" => o.quiet = true,
            "s" => o.silent = true,
            "h" => {
                no_name = true;
                with_name = false;
            }
            "H" => {
                with_name = true;
                no_name = false;
            }
            "m" => match v.trim().parse::<i64>() {
                Ok(n) if n < 0 => o.max = None,
                Ok(n) => o.max = Some(n as u64),
                Err(_) => {
                    let _ = ctx.stderr.write_str("grep: invalid max count\n").await;
                    return 2;
                }
            },
            "A" | "B" | "C" => {
                let Ok(n) = v.trim().parse::<usize>() else {
                    let _ = ctx.stderr.write_str(&format!("grep: {v}: invalid context length argument\n")).await;
                    return 2;
                };
                match f.key.as_str() {
                    "A" => ctx_a = Some(n),
                    "B" => ctx_b = Some(n),
                    _ => ctx_c = Some(n),
                }
            }
            "e" => {
                have_patterns = true;
                patterns.extend(v.split('\n').map(str::to_string));
            }
            "f" => {
                have_patterns = true;
                match super::textutil::read_all(&ctx, &v).await {
                    Ok(data) => {
                        let text = String::from_utf8_lossy(&data).into_owned();
                        for l in super::textutil::records(text.as_bytes(), b'\n') {
                            patterns.push(String::from_utf8_lossy(l).into_owned());
                        }
                    }
                    Err(e) => {
                        let _ = ctx.stderr.write_str(&format!("grep: {v}: {e}\n")).await;
                        return 2;
                    }
                }
            }
            "a" => o.text = true,
            "I" => o.skip_binary = true,
            "binary-files" => match v.as_str() {
                "text" => o.text = true,
                "without-match" => o.skip_binary = true,
                "binary" => {}
                _ => {
                    let _ = ctx.stderr.write_str("grep: invalid argument for --binary-files\n").await;
                    return 2;
                }
            },
            "b" => o.byte_offset = true,
            "Z" => o.null_name = true,
            "z" => o.null_data = true,
            "T" => o.initial_tab = true,
            "include" => includes.push(Pattern::parse(&v)),
            "exclude" => excludes.push(Pattern::parse(&v)),
            "exclude-dir" => exclude_dirs.push(Pattern::parse(&v)),
            "label" => o.label = v,
            "d" => {
                if v == "recurse" {
                    recursive = true;
                }
            }
            "group-separator" => o.group_sep = Some(v),
            "no-group-separator" => o.group_sep = None,
            _ => {}
        }
    }
    o.after = ctx_a.or(ctx_c).unwrap_or(0);
    o.before = ctx_b.or(ctx_c).unwrap_or(0);
    let mut operands = p.operands.clone();
    if !have_patterns {
        if operands.is_empty() {
            let _ = ctx.stderr.write_str(USAGE).await;
            return 2;
        }
        patterns.extend(operands.remove(0).split('\n').map(str::to_string));
    }
    let matcher = match Matcher::new(&patterns, syntax, icase, p.has("w"), p.has("x")) {
        Ok(m) => m,
        Err(e) => {
            let _ = ctx.stderr.write_str(&format!("grep: {}\n", e.0)).await;
            return 2;
        }
    };
    let implicit_dot = operands.is_empty() && recursive;
    if operands.is_empty() {
        operands.push(if recursive { ".".into() } else { "-".into() });
    }
    let multi = operands.len() > 1;
    let filters = Filters { includes, excludes, exclude_dirs };

    let mut out = Out::new(&ctx.stdout);
    let mut state = Shared::default();
    let mut selected_any = false;
    let mut error = false;
    let mut next = 0;
    while next < operands.len() {
        let op = &operands[next];
        next += 1;
        if !recursive && op != "-" && filters.file_ok(op, true) {
            // A run of file operands: opened in parallel, without a stat (a directory fails
            // its read with the message GNU prints).
            let mut files = vec![(op.clone(), ctx.abs(op), None)];
            while let Some(op) = operands.get(next).filter(|op| *op != "-" && filters.file_ok(op, true)) {
                files.push((op.clone(), ctx.abs(op), None));
                next += 1;
            }
            let show = with_name || (multi && !no_name);
            let r = search_files(&ctx, files, show, &matcher, &o, &mut out, &mut state).await;
            if let Some(code) = tally(r, &mut selected_any, &mut error) {
                return code;
            }
            continue;
        }
        if op == "-" {
            let show = with_name || (multi && !no_name);
            let reader = match ctx.open("-").await {
                Ok(r) => r,
                Err(_) => continue,
            };
            let name = o.label.clone();
            match search(&ctx, reader, &name, show, &matcher, &o, &mut out, &mut state).await {
                Ok(r) => {
                    selected_any |= r.selected;
                    if r.stop_all {
                        return 0;
                    }
                }
                Err(Stop::Pipe) => return EXIT_PIPE,
                Err(Stop::Halt) => return 2,
                Err(Stop::Read(e)) => {
                    error = true;
                    if !o.silent {
                        let _ = ctx.stderr.write_str(&format!("grep: {name}: {e}\n")).await;
                    }
                }
            }
            continue;
        }
        let abs = ctx.abs(op);
        // Most recursive operands are directories: one flat listing answers, no stat first.
        // Its failure tells a file (size unknown: `None`) or a missing operand as well; any
        // other failure is left to the stat.
        let mut walked = None;
        let mut known = None;
        if recursive && (implicit_dot || !filters.dir_excluded(op)) {
            match ctx.vfs.walk(&abs).await {
                Ok(entries) => walked = Some(entries),
                Err(e) if e.kind == ErrorKind::NotADirectory => known = Some(Ok(None)),
                Err(e) if e.is_not_found() => known = Some(Err(e)),
                Err(_) => {}
            }
        }
        let meta = match (&walked, known) {
            (Some(_), _) => Ok(Some(Metadata::dir())),
            (None, Some(k)) => k,
            (None, None) => ctx.vfs.stat(&abs).await.map(Some),
        };
        let meta = match meta {
            Ok(m) => m,
            Err(e) => {
                error = true;
                if !o.silent {
                    let _ = ctx.stderr.write_str(&format!("grep: {op}: {e}\n")).await;
                }
                continue;
            }
        };
        if !meta.as_ref().is_some_and(Metadata::is_dir) {
            if !filters.file_ok(op, true) {
                continue;
            }
            let show = with_name || (multi && !no_name);
            let files = vec![(op.clone(), abs.clone(), meta)];
            let r = search_files(&ctx, files, show, &matcher, &o, &mut out, &mut state).await;
            if let Some(code) = tally(r, &mut selected_any, &mut error) {
                return code;
            }
            continue;
        }
        if !recursive {
            error = true;
            if !o.silent {
                let _ = ctx.stderr.write_str(&format!("grep: {op}: Is a directory\n")).await;
            }
            // GNU still reports a count for the directory it could not read.
            if o.count {
                let show = with_name || (multi && !no_name);
                let line = if show { format!("{op}:0\n") } else { "0\n".to_string() };
                if out.put(line.as_bytes()).await.is_err() {
                    return EXIT_PIPE;
                }
            }
            continue;
        }
        if !implicit_dot && op != "." && op != ".." && op != "./" && filters.dir_excluded(op) {
            continue;
        }
        let listed = match walked {
            Some(e) => Ok(e),
            None => ctx.vfs.walk(&abs).await,
        };
        let entries = match listed {
            Ok(e) => e,
            Err(e) => {
                error = true;
                if !o.silent {
                    let _ = ctx.stderr.write_str(&format!("grep: {op}: {e}\n")).await;
                }
                continue;
            }
        };
        let mut files = Vec::new();
        for (rel, m) in sorted_tree(entries) {
            if m.is_dir() {
                continue;
            }
            if super::textutil::checkpoint().await.is_err() {
                return 2;
            }
            let (dirs, base) = match rel.rfind('/') {
                Some(i) => (&rel[..i], &rel[i + 1..]),
                None => ("", rel.as_str()),
            };
            if !filters.exclude_dirs.is_empty() && !dirs.is_empty() && dirs.split('/').any(|d| filters.dir_excluded(d)) {
                continue;
            }
            if !filters.file_ok(base, false) {
                continue;
            }
            let shown = if implicit_dot { rel.clone() } else { join_display(op, &rel) };
            let fabs = if abs == "/" { format!("/{rel}") } else { format!("{abs}/{rel}") };
            files.push((shown, fabs, Some(m)));
        }
        let show = !no_name;
        let r = search_files(&ctx, files, show, &matcher, &o, &mut out, &mut state).await;
        if let Some(code) = tally(r, &mut selected_any, &mut error) {
            return code;
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    if error && !(o.quiet && selected_any) {
        2
    } else if selected_any {
        0
    } else {
        1
    }
}

/// Adds what `search_files` found to the run's totals; `Some(exit code)` when grep must stop
/// now (`-q` matched, or the output pipe closed).
fn tally(r: Result<(bool, bool, bool), ()>, selected_any: &mut bool, error: &mut bool) -> Option<i32> {
    match r {
        Ok((sel, err, stop)) => {
            *selected_any |= sel;
            *error |= err;
            stop.then_some(0)
        }
        Err(()) => Some(EXIT_PIPE),
    }
}

/// `dir` + `/` + `rel`, without doubling a trailing slash.
pub fn join_display(op: &str, rel: &str) -> String {
    if op.ends_with('/') {
        format!("{op}{rel}")
    } else {
        format!("{op}/{rel}")
    }
}

/// Sort a flat walk into a depth-first, name-ordered traversal (parents before children).
pub fn sorted_tree(mut entries: Vec<(String, Metadata)>) -> Vec<(String, Metadata)> {
    // Component by component is byte order with `/` below every other byte (names hold
    // neither `/` nor NUL): one key per entry, compared with memcmp.
    entries.sort_by_cached_key(|(rel, _)| rel.bytes().map(|b| if b == b'/' { 0 } else { b }).collect::<Vec<u8>>());
    entries
}

pub struct Filters {
    pub includes: Vec<Pattern>,
    pub excludes: Vec<Pattern>,
    pub exclude_dirs: Vec<Pattern>,
}

impl Filters {
    /// Whether a file passes `--include`/`--exclude` (matched on its base name, and on the
    /// whole operand for command-line files).
    pub fn file_ok(&self, name: &str, command_line: bool) -> bool {
        let base = name.rsplit('/').next().unwrap_or(name);
        let hit = |p: &Pattern| p.matches(base) || (command_line && p.matches(name));
        if self.excludes.iter().any(hit) {
            return false;
        }
        if !self.includes.is_empty() && !self.includes.iter().any(hit) {
            return false;
        }
        true
    }
    pub fn dir_excluded(&self, name: &str) -> bool {
        let trimmed = name.trim_end_matches('/');
        let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
        self.exclude_dirs.iter().any(|p| p.matches(base) || p.matches(trimmed))
    }
}

/// Search files in order, fetching up to `Vfs::parallel_reads` at once. `Err(())` when the output
/// pipe closed. Returns (selected, error, stop everything).
pub(crate) async fn search_files(
    ctx: &Ctx,
    files: Vec<(String, String, Option<Metadata>)>,
    show: bool,
    matcher: &Matcher,
    o: &Opts,
    out: &mut Out<'_>,
    state: &mut Shared,
) -> Result<(bool, bool, bool), ()> {
    // Files known to be empty need no request; the others are opened without a stat, and
    // downloaded `parallel_reads` at a time while the earlier ones are searched.
    let paths = files.iter().map(|(_, abs, meta)| meta.as_ref().is_none_or(|m| m.size != 0).then(|| abs.clone())).collect();
    let window = if files.len() >= 2 { ctx.vfs.parallel_reads() - 1 } else { 0 };
    let mut ahead = Prefetch::new(ctx.vfs.clone(), paths, window);
    let mut selected = false;
    let mut error = false;
    for (i, (shown, _, _)) in files.into_iter().enumerate() {
        if super::textutil::checkpoint().await.is_err() {
            return Err(());
        }
        let reader = match ahead.open(i).await {
            Ok(body) => Reader::Stream(body),
            Err(e) => {
                error = true;
                if !o.silent {
                    let _ = ctx.stderr.write_str(&format!("grep: {shown}: {e}\n")).await;
                }
                // GNU still reports a count for a directory it could not read.
                if o.count && e.kind == ErrorKind::IsADirectory {
                    let line = if show { format!("{shown}:0\n") } else { "0\n".to_string() };
                    out.put(line.as_bytes()).await.map_err(|_| ())?;
                }
                continue;
            }
        };
        match search(ctx, reader, &shown, show, matcher, o, out, state).await {
            Ok(r) => {
                selected |= r.selected;
                if r.stop_all {
                    return Ok((true, error, true));
                }
            }
            Err(Stop::Pipe) | Err(Stop::Halt) => return Err(()),
            Err(Stop::Read(e)) => {
                error = true;
                if !o.silent {
                    let _ = ctx.stderr.write_str(&format!("grep: {shown}: {e}\n")).await;
                }
            }
        }
    }
    Ok((selected, error, false))
}

/// Search one reader (rg's stdin); `None` when the output pipe closed, else whether a
/// line was selected.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn search_reader(
    ctx: &Ctx,
    reader: Reader<'_>,
    name: &str,
    show: bool,
    m: &Matcher,
    o: &Opts,
    out: &mut Out<'_>,
    state: &mut Shared,
) -> Option<bool> {
    match search(ctx, reader, name, show, m, o, out, state).await {
        Ok(r) => Some(r.selected),
        Err(Stop::Pipe) | Err(Stop::Halt) => None,
        Err(Stop::Read(_)) => Some(false),
    }
}

enum Stop {
    Pipe,
    Read(FsError),
    /// The execute must stop (timeout, abort, memory budget): end at once.
    Halt,
}

impl From<BrokenPipe> for Stop {
    fn from(_: BrokenPipe) -> Self {
        Stop::Pipe
    }
}

/// State that spans files: whether a context group was printed (for `--`).
#[derive(Default)]
pub(crate) struct Shared {
    printed_group: bool,
}

/// Records of a reader split on `\n` (or NUL with `-z`), with a look at the first 32 KiB
/// for binary detection.
struct Records<'a> {
    reader: Reader<'a>,
    buf: Vec<u8>,
    start: usize,
    /// How far past `start` holds no delimiter (a long line is scanned once, not per chunk).
    scanned: usize,
    eof: bool,
    delim: u8,
}

impl<'a> Records<'a> {
    async fn next(&mut self) -> Result<Option<(Vec<u8>, bool)>, Stop> {
        loop {
            let from = self.start + self.scanned;
            if let Some(i) = memchr::memchr(self.delim, &self.buf[from..]) {
                let end = from + i;
                let rec = self.buf[self.start..end].to_vec();
                self.start = end + 1;
                self.scanned = 0;
                return Ok(Some((rec, true)));
            }
            self.scanned = self.buf.len() - self.start;
            if self.eof {
                if self.start < self.buf.len() {
                    let rec = self.buf[self.start..].to_vec();
                    self.start = self.buf.len();
                    self.scanned = 0;
                    return Ok(Some((rec, false)));
                }
                return Ok(None);
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> Result<(), Stop> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        match self.reader.chunk().await.map_err(Stop::Read)? {
            Some(c) => {
                // A line as long as the input is held whole: the memory budget bounds it.
                if self.buf.len() + c.len() > self.buf.capacity() && limits::reserve(c.len().max(self.buf.capacity())).is_err() {
                    super::textutil::checkpoint().await.map_err(|_| Stop::Halt)?;
                    return Err(Stop::Read(FsError::new(ErrorKind::OutOfMemory)));
                }
                self.buf.extend_from_slice(&c)
            }
            None => self.eof = true,
        }
        Ok(())
    }

    /// Whether the first 32 KiB hold a NUL byte.
    async fn peek_binary(&mut self) -> Result<Option<usize>, Stop> {
        while !self.eof && self.buf.len() - self.start < 32 * 1024 {
            self.fill().await?;
        }
        let end = (self.start + 32 * 1024).min(self.buf.len());
        Ok(memchr::memchr(0, &self.buf[self.start..end]))
    }
}

#[allow(clippy::too_many_arguments)]
async fn search(
    ctx: &Ctx,
    reader: Reader<'_>,
    name: &str,
    show: bool,
    m: &Matcher,
    o: &Opts,
    out: &mut Out<'_>,
    state: &mut Shared,
) -> Result<FileResult, Stop> {
    let delim = if o.null_data { 0u8 } else { b'\n' };
    let mut recs = Records { reader, buf: Vec::new(), start: 0, scanned: 0, eof: false, delim };
    let mut nul_at: Option<u64> = None;
    if !o.text && !o.null_data {
        nul_at = recs.peek_binary().await?.map(|i| i as u64);
    }
    let mut binary = nul_at.is_some();
    if binary && o.skip_binary {
        return Ok(FileResult { selected: false, stop_all: false });
    }
    let listing = o.list || o.list_missing;
    let printing = !o.quiet && !listing && !o.count;
    let mut count = 0u64;
    let mut lineno = 0u64;
    let mut offset = 0u64;
    let mut before: VecDeque<(u64, u64, Vec<u8>)> = VecDeque::new();
    let mut after_left = 0usize;
    let mut last_printed: Option<u64> = None;
    let mut binary_matched = false;
    let sep_name = if o.null_name { "\0" } else { ":" };
    let prefix = |lineno: u64, off: u64, sep: char| -> Vec<u8> {
        let mut s = String::new();
        if show {
            s.push_str(name);
            s.push(if o.null_name { '\0' } else { sep });
        }
        if o.line_number {
            s.push_str(&lineno.to_string());
            s.push(sep);
        }
        if o.byte_offset {
            s.push_str(&off.to_string());
            s.push(sep);
        }
        if o.initial_tab && !s.is_empty() {
            s.push('\t');
        }
        s.into_bytes()
    };
    let _ = sep_name;
    let mut tick = limits::Ticker::new();
    while let Some((line, _terminated)) = recs.next().await? {
        super::textutil::ticked(&mut tick).await.map_err(|_| Stop::Halt)?;
        lineno += 1;
        let this_off = offset;
        offset += line.len() as u64 + 1;
        if !o.text && !binary && !o.null_data {
            if let Some(i) = memchr::memchr(0, &line) {
                binary = true;
                nul_at = Some(this_off + i as u64);
            }
        }
        let done = o.max.is_some_and(|mx| count >= mx);
        if done {
            // Only trailing context is left to print after `-m`.
            if printing && after_left > 0 && !binary {
                let mut l = prefix(lineno, this_off, '-');
                l.extend_from_slice(&line);
                l.push(delim);
                out.put(&l).await?;
                last_printed = Some(lineno);
                after_left -= 1;
                continue;
            }
            break;
        }
        let selected = m.is_match(&line) != o.invert;
        if !selected {
            if printing && !binary {
                if after_left > 0 {
                    let mut l = prefix(lineno, this_off, '-');
                    l.extend_from_slice(&line);
                    l.push(delim);
                    out.put(&l).await?;
                    last_printed = Some(lineno);
                    after_left -= 1;
                } else if o.before > 0 {
                    before.push_back((lineno, this_off, line));
                    if before.len() > o.before {
                        before.pop_front();
                    }
                }
            }
            continue;
        }
        count += 1;
        if o.quiet {
            return Ok(FileResult { selected: true, stop_all: true });
        }
        if listing {
            break;
        }
        if !printing {
            continue;
        }
        if binary {
            binary_matched = true;
            break;
        }
        // A new context group gets a separator.
        if o.before > 0 || o.after > 0 {
            let first = before.front().map(|b| b.0).unwrap_or(lineno);
            let adjacent = last_printed.is_some_and(|lp| first <= lp + 1);
            if state.printed_group && !adjacent {
                if let Some(sep) = &o.group_sep {
                    out.put(format!("{sep}\n").as_bytes()).await?;
                }
            }
            state.printed_group = true;
            while let Some((ln, off, l)) = before.pop_front() {
                let mut b = prefix(ln, off, '-');
                b.extend_from_slice(&l);
                b.push(delim);
                out.put(&b).await?;
            }
        }
        if o.only {
            if !o.invert {
                for (s, e) in m.spans(&line) {
                    let mut b = prefix(lineno, this_off + s as u64, ':');
                    b.extend_from_slice(&line[s..e]);
                    b.push(delim);
                    out.put(&b).await?;
                }
            }
        } else {
            let mut b = prefix(lineno, this_off, ':');
            b.extend_from_slice(&line);
            b.push(delim);
            out.put(&b).await?;
        }
        last_printed = Some(lineno);
        after_left = o.after;
    }
    if o.count && !(o.omit_zero_count && count == 0) {
        let mut b = Vec::new();
        if show {
            b.extend_from_slice(name.as_bytes());
            b.extend_from_slice(if o.null_name { b"\0" } else { b":" });
        }
        b.extend_from_slice(format!("{count}\n").as_bytes());
        out.put(&b).await?;
    }
    if (o.list && count > 0) || (o.list_missing && count == 0) {
        let mut b = name.as_bytes().to_vec();
        b.push(if o.null_name { 0 } else { b'\n' });
        out.put(&b).await?;
    }
    if binary_matched {
        if o.rg_binary {
            let prefix = if show { format!("{name}: ") } else { String::new() };
            let msg = format!("{prefix}binary file matches (found \"\\0\" byte around offset {})\n", nul_at.unwrap_or(0));
            out.put(msg.as_bytes()).await?;
        } else {
            out.flush().await?;
            let _ = ctx.stderr.write_str(&format!("grep: {name}: binary file matches\n")).await;
        }
    }
    let selected = if o.list_missing { count == 0 } else { count > 0 };
    Ok(FileResult { selected, stop_all: false })
}
