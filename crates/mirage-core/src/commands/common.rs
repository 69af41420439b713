//! Small helpers shared by the text and file commands (sed, awk, cp, ...): buffered
//! output, whole-input reads, POSIX regex translation, write-path checks.

use super::args::UsageError;
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{ErrorKind, FsError};

/// Print a getopt-style usage error and return `code`.
pub async fn usage(ctx: &Ctx, cmd: &str, e: UsageError, code: i32) -> i32 {
    let _ = ctx.stderr.write_str(&e.message(cmd)).await;
    code
}

/// Output collected in ~64 KiB chunks. Every method returns `Err(())` once the reader is gone.
pub struct Buf {
    pub data: Vec<u8>,
}

impl Default for Buf {
    fn default() -> Self {
        Self::new()
    }
}

impl Buf {
    pub fn new() -> Buf {
        Buf { data: Vec::with_capacity(8192) }
    }
    pub fn push(&mut self, b: &[u8]) {
        self.data.extend_from_slice(b);
    }
    pub fn push_str(&mut self, s: &str) {
        self.data.extend_from_slice(s.as_bytes());
    }
    /// Send what is buffered when it is big enough.
    pub async fn maybe_flush(&mut self, ctx: &Ctx) -> Result<(), ()> {
        if self.data.len() >= 64 * 1024 {
            self.flush(ctx).await
        } else {
            Ok(())
        }
    }
    /// Send what is buffered; once the execute must stop, wait to be dropped with it
    /// (`textutil::halt`).
    pub async fn flush(&mut self, ctx: &Ctx) -> Result<(), ()> {
        if let Err(why) = crate::limits::checkpoint() {
            super::textutil::halt_quietly(why).await;
            return Err(());
        }
        if self.data.is_empty() {
            return Ok(());
        }
        let d = std::mem::take(&mut self.data);
        ctx.stdout.write(d).await.map_err(|_| ())
    }
}

/// Write bytes to stdout; the exit status to return at once when the pipe closed.
pub async fn out(ctx: &Ctx, data: impl Into<bytes::Bytes>) -> Result<(), i32> {
    ctx.stdout.write(data).await.map_err(|_| EXIT_PIPE)
}

/// Read a whole operand (`-` = stdin), stopping at the memory budget or a deadline
/// (`textutil::read_to_end`).
pub async fn read_all(ctx: &Ctx, op: &str) -> Result<Vec<u8>, FsError> {
    super::textutil::read_all(ctx, op).await
}

/// An error for a path that does not name a directory's parent etc.
pub fn fs_err(kind: ErrorKind) -> FsError {
    FsError::new(kind)
}

/// The path as typed, with a trailing `/` joined correctly.
pub fn join_typed(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Translate a POSIX regular expression (BRE, or ERE when `ere`), with the GNU extensions
/// (`\+ \? \| \< \> \b \w \s \` \'`), into the syntax of the `regex` crate. Bytes mode,
/// C locale: `.` matches any byte including newline.
pub fn posix_to_regex(pat: &str, ere: bool) -> Result<String, String> {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::with_capacity(pat.len() * 2);
    let mut i = 0;
    // Whether we are at the start of an expression (where `*` is literal, `^` an anchor).
    let mut at_start = true;
    let mut depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        let was_start = at_start;
        at_start = false;
        match c {
            '\\' => {
                i += 1;
                let Some(&n) = chars.get(i) else {
                    return Err("trailing backslash (\\)".into());
                };
                match n {
                    '(' if !ere => {
                        out.push('(');
                        depth += 1;
                        at_start = true;
                    }
                    ')' if !ere => {
                        if depth == 0 {
                            return Err("Unmatched ) or \\)".into());
                        }
                        depth -= 1;
                        out.push(')');
                    }
                    '|' if !ere => {
                        out.push('|');
                        at_start = true;
                    }
                    '{' if !ere => {
                        let (s, ni) = interval(&chars, i + 1, true)?;
                        out.push_str(&s);
                        i = ni;
                        continue;
                    }
                    '}' if !ere => out.push_str("\\}"),
                    '+' | '?' if !ere => {
                        if was_start {
                            out.push('\\');
                        }
                        out.push(n);
                    }
                    '<' => out.push_str("\\b{start}"),
                    '>' => out.push_str("\\b{end}"),
                    'b' => out.push_str("\\b"),
                    'B' => out.push_str("\\B"),
                    'w' | 'W' | 's' | 'S' => {
                        out.push('\\');
                        out.push(n);
                    }
                    '`' => out.push_str("\\A"),
                    '\'' => out.push_str("\\z"),
                    'n' => out.push_str("\\n"),
                    't' => out.push_str("\\t"),
                    'r' => out.push_str("\\r"),
                    'f' => out.push_str("\\x0C"),
                    'v' => out.push_str("\\x0B"),
                    'a' => out.push_str("\\x07"),
                    '1'..='9' => return Err("back-references are not supported".into()),
                    _ => push_lit(&mut out, n),
                }
            }
            '[' => {
                let (s, ni) = bracket(&chars, i)?;
                out.push_str(&s);
                i = ni;
                continue;
            }
            '*' if was_start => out.push_str("\\*"),
            '*' => out.push('*'),
            '^' if ere || was_start => {
                out.push('^');
                at_start = true;
            }
            '^' => out.push_str("\\^"),
            '$' => {
                // In a BRE `$` is an anchor only at the end (or before `\)` / `\|`).
                let at_end = ere || i + 1 == chars.len() || (chars[i + 1] == '\\' && matches!(chars.get(i + 2), Some(')') | Some('|')));
                if at_end {
                    out.push('$');
                } else {
                    out.push_str("\\$");
                }
            }
            '.' => out.push('.'),
            '(' if ere => {
                out.push('(');
                depth += 1;
                at_start = true;
            }
            ')' if ere => {
                if depth == 0 {
                    out.push_str("\\)");
                } else {
                    depth -= 1;
                    out.push(')');
                }
            }
            '|' if ere => {
                out.push('|');
                at_start = true;
            }
            '+' | '?' if ere => {
                if was_start {
                    out.push('\\');
                }
                out.push(c);
            }
            '{' if ere => {
                if was_start {
                    out.push_str("\\{");
                } else {
                    match interval(&chars, i + 1, false) {
                        Ok((s, ni)) => {
                            out.push_str(&s);
                            i = ni;
                            continue;
                        }
                        Err(_) => out.push_str("\\{"),
                    }
                }
            }
            _ => push_lit(&mut out, c),
        }
        i += 1;
    }
    if depth > 0 {
        return Err("Unmatched ( or \\(".into());
    }
    Ok(out)
}

fn push_lit(out: &mut String, c: char) {
    if regex_syntax_meta(c) {
        out.push('\\');
    }
    out.push(c);
}

fn regex_syntax_meta(c: char) -> bool {
    matches!(c, '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '&' | '-' | '~')
}

/// `{m,n}` after the `{`; for BRE the closing is `\}`.
fn interval(chars: &[char], mut i: usize, bre: bool) -> Result<(String, usize), String> {
    let mut body = String::new();
    while i < chars.len() {
        let c = chars[i];
        if bre && c == '\\' && chars.get(i + 1) == Some(&'}') {
            i += 2;
            return finish_interval(body, i);
        }
        if !bre && c == '}' {
            i += 1;
            return finish_interval(body, i);
        }
        if !(c.is_ascii_digit() || c == ',') {
            return Err("Invalid content of \\{\\}".into());
        }
        body.push(c);
        i += 1;
    }
    Err("Unmatched \\{".into())
}

fn finish_interval(body: String, i: usize) -> Result<(String, usize), String> {
    if body.is_empty() || body.starts_with(',') && body.len() == 1 {
        return Err("Invalid content of \\{\\}".into());
    }
    let body = if body.starts_with(',') { format!("0{body}") } else { body };
    Ok((format!("{{{body}}}"), i))
}

/// A bracket expression starting at `chars[i] == '['`.
fn bracket(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut out = String::from("[");
    i += 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unterminated address regex".into());
        };
        if c == ']' && !first {
            out.push(']');
            return Ok((out, i + 1));
        }
        first = false;
        if c == '[' {
            if let Some(&k @ (':' | '.' | '=')) = chars.get(i + 1) {
                // [:class:], [.x.], [=x=]
                let mut j = i + 2;
                while j + 1 < chars.len() && !(chars[j] == k && chars[j + 1] == ']') {
                    j += 1;
                }
                if j + 1 >= chars.len() {
                    return Err("unterminated address regex".into());
                }
                let name: String = chars[i + 2..j].iter().collect();
                if k == ':' {
                    let ok = matches!(
                        name.as_str(),
                        "alpha" | "digit" | "alnum" | "upper" | "lower" | "space" | "blank" | "punct" | "print" | "graph" | "cntrl" | "xdigit"
                    );
                    if !ok {
                        return Err("Invalid character class name".into());
                    }
                    out.push_str(&format!("[:{name}:]"));
                } else {
                    for ch in name.chars() {
                        out.push('\\');
                        out.push(ch);
                    }
                }
                i = j + 2;
                continue;
            }
            out.push_str("\\[");
            i += 1;
            continue;
        }
        match c {
            '\\' | '&' | '~' | ']' | '^' => {
                out.push('\\');
                out.push(c);
            }
            '-' => {
                // A range dash between two characters, else literal.
                let next = chars.get(i + 1);
                if out.ends_with('[') || out.ends_with("[^") || next == Some(&']') {
                    out.push_str("\\-");
                } else {
                    out.push('-');
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
}

/// Compile a POSIX regex for byte input (C locale).
pub fn compile_posix(pat: &str, ere: bool, icase: bool, multiline: bool) -> Result<regex::bytes::Regex, String> {
    let translated = posix_to_regex(pat, ere)?;
    let mut flags = String::from("(?");
    if icase {
        flags.push('i');
    }
    flags.push(if multiline { 'm' } else { 's' });
    flags.push_str("-u)");
    regex::bytes::RegexBuilder::new(&format!("{flags}{translated}"))
        .size_limit(1 << 24)
        .build()
        .map_err(|e| {
            let s = e.to_string();
            if s.contains("invalid UTF-8") || s.contains("Unicode") {
                // Retry with Unicode on: literal non-ASCII characters.
                s
            } else {
                s
            }
        })
        .or_else(|_| {
            regex::bytes::RegexBuilder::new(&format!("{}{translated}", flags.replace("-u", "")))
                .size_limit(1 << 24)
                .build()
                .map_err(|e| e.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_bre() {
        assert_eq!(posix_to_regex("a\\(b\\)*c", false).unwrap(), "a(b)*c");
        assert_eq!(posix_to_regex("a+b?(c)", false).unwrap(), "a\\+b\\?\\(c\\)");
        assert_eq!(posix_to_regex("*a", false).unwrap(), "\\*a");
        assert_eq!(posix_to_regex("[]a-z]x\\{2,\\}", false).unwrap(), "[\\]a-z]x{2,}");
        assert_eq!(posix_to_regex("a$b$", false).unwrap(), "a\\$b$");
        assert_eq!(posix_to_regex("(a|b)+{2}", true).unwrap(), "(a|b)+{2}");
        let r = compile_posix("[[:digit:]]\\+", false, false, false).unwrap();
        assert!(r.is_match(b"ab12"));
    }
}
