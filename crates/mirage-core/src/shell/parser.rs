//! The bash grammar: a hand-written recursive-descent parser over characters.
//!
//! Bash's lexing depends on the parser's state (reserved words only at the start of a
//! command, here-document bodies after the next newline, `[[ ]]` operators), so the lexer
//! and parser live together. Words are scanned straight into their parts (quotes,
//! expansions, nested command substitutions), so nothing is parsed twice.

use std::sync::{Arc, OnceLock};

use super::ast::*;

/// A syntax error, reported in bash's words by `message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub kind: SyntaxErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// `syntax error near unexpected token `X'`; the offending line is echoed too.
    UnexpectedToken(String),
    /// `syntax error: unexpected end of file`
    UnexpectedEof,
    /// `unexpected EOF while looking for matching `X'`
    Unmatched(char),
    /// `${...}: bad substitution` (exit 1, not 2)
    BadSubstitution(String),
    /// A one-line message as is (`[[ ]]` errors).
    Message(String),
    /// An unterminated `name=(` array assignment: as `Unmatched`, but bash exits 1.
    UnmatchedArray,
    /// Constructs nested deeper than `limits::MAX_NESTING` (bash's own parser stack is
    /// bounded too; ours must stay far from the thread's stack).
    TooDeep,
}

impl SyntaxError {
    /// What bash -c prints on stderr for this error.
    pub fn message(&self, src: &str) -> String {
        match &self.kind {
            SyntaxErrorKind::UnexpectedToken(t) => {
                let text = src.lines().nth(self.line.saturating_sub(1)).unwrap_or("");
                format!(
                    "bash: -c: line {l}: syntax error near unexpected token `{t}'\nbash: -c: line {l}: `{text}'\n",
                    l = self.line
                )
            }
            SyntaxErrorKind::UnexpectedEof => format!("bash: -c: line {}: syntax error: unexpected end of file\n", self.line),
            SyntaxErrorKind::Unmatched(c) => {
                format!("bash: -c: line {}: unexpected EOF while looking for matching `{}'\n", self.line, c)
            }
            SyntaxErrorKind::BadSubstitution(s) => format!("bash: line {}: {}: bad substitution\n", self.line, s),
            SyntaxErrorKind::Message(m) => format!("bash: -c: line {}: {m}\n", self.line),
            SyntaxErrorKind::UnmatchedArray => format!("bash: -c: line {}: unexpected EOF while looking for matching `)'\n", self.line),
            SyntaxErrorKind::TooDeep => format!("bash: line {}: maximum nesting level exceeded ({})\n", self.line, crate::limits::MAX_NESTING),
        }
    }

    /// Bash's exit status for it.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            SyntaxErrorKind::BadSubstitution(_) | SyntaxErrorKind::UnmatchedArray => 1,
            _ => 2,
        }
    }
}

type PResult<T> = Result<T, SyntaxError>;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(RawWord),
    IoNumber(u32),
    Op(&'static str),
    Newline,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
struct RawWord {
    raw: String,
    parts: Vec<WordPart>,
    /// `name=(a b c)`: the elements of an array assignment.
    array: Option<Vec<Word>>,
}

impl RawWord {
    /// The text if the word is a bare, unquoted literal (how reserved words are recognised).
    fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Lit(s)] if self.array.is_none() => Some(s),
            _ => None,
        }
    }
}

const OPERATORS: &[&str] = &[
    ";;&", "&>>", "<<<", "<<-", "&&", "||", ";;", ";&", "|&", "&>", "<<", "<>", "<&", ">>", ">&", ">|", "|", "&", ";", "(", ")",
    "<", ">",
];

const REDIR_OPS: &[&str] = &["<", ">", ">>", ">|", "<>", ">&", "<&", "&>", "&>>", "<<", "<<-", "<<<"];

fn is_meta(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')')
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub fn is_valid_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if is_name_start(c)) && cs.all(is_name_char)
}

struct PendingHereDoc {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
    slot: Arc<OnceLock<HereDoc>>,
    line: usize,
}

/// Where a word scan stops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// At an unquoted shell metacharacter.
    Meta,
    /// At `}` (the argument of `${x:-...}`); with `slash`, also at `/`.
    Brace { slash: bool, in_dq: bool },
}

pub struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    peeked: Option<(Tok, usize, usize)>,
    pending: Vec<PendingHereDoc>,
    /// Warnings bash prints but keeps going (an unterminated here-document).
    pub warnings: Vec<String>,
    /// Whether trailing text ends with a newline (bash counts EOF lines from it).
    ends_with_newline: bool,
}

/// Parse a whole script.
pub fn parse(src: &str) -> PResult<List> {
    let mut p = Parser::new(src);
    let mut list = List::default();
    while let Some(l) = p.next_complete_command()? {
        list.items.extend(l.items);
    }
    Ok(list)
}

impl Parser {
    pub fn new(src: &str) -> Self {
        Parser {
            chars: src.chars().collect(),
            pos: 0,
            line: 1,
            peeked: None,
            pending: Vec::new(),
            warnings: Vec::new(),
            ends_with_newline: src.ends_with('\n'),
        }
    }

    fn with_line(src: &str, line: usize) -> Self {
        let mut p = Parser::new(src);
        p.line = line;
        p
    }

    // ---------------------------------------------------------------- characters

    fn cur(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.cur()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.at(i) == Some(c))
    }

    fn eof_line(&self) -> usize {
        // bash counts the line after the last one when the text does not end in a newline.
        if self.ends_with_newline {
            self.line
        } else {
            self.line + 1
        }
    }

    /// One more level of nesting, or the error that ends the parse.
    fn nest(&self) -> PResult<crate::limits::NestGuard> {
        crate::limits::nest().map_err(|_| SyntaxError { line: self.line, kind: SyntaxErrorKind::TooDeep })
    }

    fn err_eof(&self) -> SyntaxError {
        SyntaxError { line: self.eof_line(), kind: SyntaxErrorKind::UnexpectedEof }
    }

    fn err_unmatched(&self, c: char, line: usize) -> SyntaxError {
        SyntaxError { line, kind: SyntaxErrorKind::Unmatched(c) }
    }

    // ---------------------------------------------------------------- tokens

    fn skip_blanks(&mut self) {
        loop {
            match self.cur() {
                Some(' ') | Some('\t') => {
                    self.pos += 1;
                }
                Some('\\') if self.at(1) == Some('\n') => {
                    self.bump();
                    self.bump();
                }
                Some('#') => {
                    while let Some(c) = self.cur() {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn lex(&mut self) -> PResult<(Tok, usize, usize)> {
        self.skip_blanks();
        let start = self.pos;
        let line = self.line;
        let Some(c) = self.cur() else { return Ok((Tok::Eof, start, line)) };
        if c == '\n' {
            self.bump();
            self.read_heredocs()?;
            return Ok((Tok::Newline, start, line));
        }
        if (c == '<' || c == '>') && self.at(1) == Some('(') {
            let w = self.scan_word(Stop::Meta)?;
            return Ok((Tok::Word(w), start, line));
        }
        for op in OPERATORS {
            if self.starts_with(op) {
                self.pos += op.chars().count();
                return Ok((Tok::Op(op), start, line));
            }
        }
        // A number directly before a redirection operator is a file descriptor.
        if c.is_ascii_digit() {
            let mut i = 0;
            while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            if matches!(self.at(i), Some('<') | Some('>')) && !(self.at(i + 1) == Some('(')) {
                let n: String = self.chars[self.pos..self.pos + i].iter().collect();
                self.pos += i;
                if let Ok(n) = n.parse() {
                    return Ok((Tok::IoNumber(n), start, line));
                }
            }
        }
        let w = self.scan_word(Stop::Meta)?;
        Ok((Tok::Word(w), start, line))
    }

    fn peek(&mut self) -> PResult<&Tok> {
        if self.peeked.is_none() {
            let t = self.lex()?;
            self.peeked = Some(t);
        }
        Ok(&self.peeked.as_ref().unwrap().0)
    }

    fn peek_line(&mut self) -> PResult<usize> {
        self.peek()?;
        Ok(self.peeked.as_ref().unwrap().2)
    }

    fn next(&mut self) -> PResult<Tok> {
        self.peek()?;
        Ok(self.peeked.take().unwrap().0)
    }

    fn unexpected(&mut self) -> SyntaxError {
        let line = self.peek_line().unwrap_or(self.line);
        let tok = match self.peek() {
            Ok(t) => t.clone(),
            Err(e) => return e,
        };
        match tok {
            Tok::Eof => self.err_eof(),
            Tok::Newline => SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken("newline".into()) },
            Tok::Op(o) => SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken(o.into()) },
            Tok::IoNumber(n) => SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken(n.to_string()) },
            Tok::Word(w) => SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken(w.raw) },
        }
    }

    fn peek_is_word(&mut self, word: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?, Tok::Word(w) if w.plain() == Some(word)))
    }

    fn peek_is_op(&mut self, op: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?, Tok::Op(o) if *o == op))
    }

    fn expect_word(&mut self, word: &str) -> PResult<()> {
        if self.peek_is_word(word)? {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.peek_is_op(op)? {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn skip_newlines(&mut self) -> PResult<()> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- here-documents

    fn read_heredocs(&mut self) -> PResult<()> {
        let pending = std::mem::take(&mut self.pending);
        for h in pending {
            let mut body = String::new();
            let mut terminated = false;
            while self.cur().is_some() {
                let mut line = String::new();
                while let Some(c) = self.cur() {
                    self.bump();
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let cmp = if h.strip_tabs { line.trim_start_matches('\t') } else { &line };
                if cmp == h.delimiter {
                    terminated = true;
                    break;
                }
                body.push_str(cmp);
                body.push('\n');
            }
            if !terminated {
                self.warnings.push(format!(
                    "bash: line {}: warning: here-document at line {} delimited by end-of-file (wanted `{}')\n",
                    self.line, h.line, h.delimiter
                ));
            }
            let word = if h.quoted {
                Word { parts: vec![WordPart::Quoted(body)] }
            } else {
                let mut sub = Parser::with_line(&body, h.line + 1);
                let parts = sub.scan_dq_parts(None)?;
                Word { parts: vec![WordPart::DoubleQuoted(parts)] }
            };
            let _ = h.slot.set(HereDoc { body: word });
        }
        Ok(())
    }

    // ---------------------------------------------------------------- words

    fn scan_word(&mut self, stop: Stop) -> PResult<RawWord> {
        let start = self.pos;
        let mut parts: Vec<WordPart> = Vec::new();
        let mut lit = String::new();
        fn flush(lit: &mut String, parts: &mut Vec<WordPart>) {
            if !lit.is_empty() {
                parts.push(WordPart::Lit(std::mem::take(lit)));
            }
        }
        let mut array = None;
        while let Some(c) = self.cur() {
            match stop {
                Stop::Meta if is_meta(c) => {
                    if (c == '<' || c == '>') && self.at(1) == Some('(') && self.pos == start {
                        self.pos += 2;
                        let line = self.line;
                        let list = self.parse_nested_list(')', line)?;
                        parts.push(WordPart::ProcessSub(c == '>', Arc::new(list)));
                        continue;
                    }
                    // `name=(a b c)`: an array assignment.
                    if c == '(' && parts.is_empty() && is_assignment_prefix(&lit) {
                        self.pos += 1;
                        array = Some(self.scan_array_elements()?);
                    }
                    break;
                }
                Stop::Brace { slash, .. } if c == '}' || (slash && c == '/') => break,
                _ => {}
            }
            match c {
                '\\' => {
                    if self.at(1) == Some('\n') {
                        self.bump();
                        self.bump();
                    } else if let Some(n) = self.at(1) {
                        self.pos += 2;
                        if n == '\n' {
                            self.line += 1;
                        }
                        flush(&mut lit, &mut parts);
                        parts.push(WordPart::Quoted(n.to_string()));
                    } else {
                        self.pos += 1;
                        lit.push('\\');
                    }
                }
                '\'' if !matches!(stop, Stop::Brace { in_dq: true, .. }) => {
                    let line = self.line;
                    self.pos += 1;
                    let mut s = String::new();
                    loop {
                        match self.bump() {
                            Some('\'') => break,
                            Some(ch) => s.push(ch),
                            None => return Err(self.err_unmatched('\'', line)),
                        }
                    }
                    flush(&mut lit, &mut parts);
                    parts.push(WordPart::Quoted(s));
                }
                '"' => {
                    let line = self.line;
                    self.pos += 1;
                    let inner = self.scan_dq_parts(Some(line))?;
                    flush(&mut lit, &mut parts);
                    parts.push(WordPart::DoubleQuoted(inner));
                }
                '$' => {
                    if let Some(part) = self.scan_dollar(false)? {
                        flush(&mut lit, &mut parts);
                        parts.push(part);
                    } else {
                        lit.push('$');
                    }
                }
                '`' => {
                    let part = self.scan_backtick()?;
                    flush(&mut lit, &mut parts);
                    parts.push(part);
                }
                '~' if self.pos == start && stop == Stop::Meta => {
                    self.pos += 1;
                    let mut user = String::new();
                    while let Some(ch) = self.cur() {
                        if ch == '/' || is_meta(ch) || !(is_name_char(ch) || ch == '-' || ch == '.') {
                            break;
                        }
                        user.push(ch);
                        self.pos += 1;
                    }
                    if matches!(self.cur(), None | Some('/')) || self.cur().is_some_and(is_meta) {
                        parts.push(WordPart::Tilde(user));
                    } else {
                        lit.push('~');
                        lit.push_str(&user);
                    }
                }
                '?' | '*' | '+' | '@' | '!' if stop == Stop::Meta && self.at(1) == Some('(') => {
                    // An extglob group `@(a|b)`: kept as pattern text, `|` and all.
                    let line = self.line;
                    lit.push(c);
                    lit.push('(');
                    self.pos += 2;
                    let mut depth = 0;
                    loop {
                        match self.bump() {
                            Some('(') => {
                                depth += 1;
                                lit.push('(');
                            }
                            Some(')') if depth == 0 => {
                                lit.push(')');
                                break;
                            }
                            Some(')') => {
                                depth -= 1;
                                lit.push(')');
                            }
                            Some(ch) => lit.push(ch),
                            None => return Err(self.err_unmatched(')', line)),
                        }
                    }
                }
                _ => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        flush(&mut lit, &mut parts);
        let raw: String = self.chars[start..self.pos].iter().collect();
        Ok(RawWord { raw, parts, array })
    }

    fn scan_array_elements(&mut self) -> PResult<Vec<Word>> {
        let _nest = self.nest()?;
        let line = self.line;
        let mut out = Vec::new();
        loop {
            // Blanks, newlines and comments separate elements.
            loop {
                self.skip_blanks();
                if self.cur() == Some('\n') {
                    self.bump();
                } else {
                    break;
                }
            }
            match self.cur() {
                None => return Err(SyntaxError { line, kind: SyntaxErrorKind::UnmatchedArray }),
                Some(')') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) if is_meta(c) => {
                    return Err(SyntaxError { line: self.line, kind: SyntaxErrorKind::UnexpectedToken(c.to_string()) })
                }
                _ => {
                    let w = self.scan_word(Stop::Meta)?;
                    out.push(Word { parts: w.parts });
                }
            }
        }
    }

    /// The inside of `"..."` (after the opening quote, through the closing one), or a
    /// here-document body / arithmetic text when `open_line` is `None` (runs to the end).
    fn scan_dq_parts(&mut self, open_line: Option<usize>) -> PResult<Vec<WordPart>> {
        let _nest = self.nest()?;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.cur() else {
                if let Some(line) = open_line {
                    return Err(self.err_unmatched('"', line));
                }
                break;
            };
            match c {
                '"' if open_line.is_some() => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    match self.at(1) {
                        Some('\n') => {
                            self.bump();
                            self.bump();
                        }
                        Some(n @ ('$' | '`' | '\\')) => {
                            self.pos += 2;
                            lit.push(n);
                        }
                        Some('"') if open_line.is_some() => {
                            self.pos += 2;
                            lit.push('"');
                        }
                        _ => {
                            self.pos += 1;
                            lit.push('\\');
                        }
                    }
                }
                '$' => {
                    if let Some(part) = self.scan_dollar(true)? {
                        if !lit.is_empty() {
                            parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                        }
                        parts.push(part);
                    } else {
                        lit.push('$');
                    }
                }
                '`' => {
                    let part = self.scan_backtick()?;
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(part);
                }
                _ => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        if !lit.is_empty() {
            parts.push(WordPart::Lit(lit));
        }
        Ok(parts)
    }

    fn scan_backtick(&mut self) -> PResult<WordPart> {
        let _nest = self.nest()?;
        let line = self.line;
        self.pos += 1;
        let mut inner = String::new();
        loop {
            match self.bump() {
                None => return Err(self.err_unmatched('`', line)),
                Some('`') => break,
                Some('\\') => match self.cur() {
                    Some(n @ ('$' | '`' | '\\')) => {
                        self.pos += 1;
                        inner.push(n);
                    }
                    _ => inner.push('\\'),
                },
                Some(c) => inner.push(c),
            }
        }
        let mut sub = Parser::with_line(&inner, line);
        let mut list = List::default();
        while let Some(l) = sub.next_complete_command()? {
            list.items.extend(l.items);
        }
        Ok(WordPart::CommandSub(Arc::new(list)))
    }

    /// Parse a command list up to the closing `close` (for `$(...)`, `<(...)`), consuming it.
    fn parse_nested_list(&mut self, close: char, line: usize) -> PResult<List> {
        let _nest = self.nest()?;
        let saved = self.peeked.take();
        let list = self.parse_compound_list_until(&[], &[")"], true).map_err(|e| match e.kind {
            SyntaxErrorKind::UnexpectedEof => self.err_unmatched(close, self.line),
            _ => e,
        })?;
        if !self.peek_is_op(")")? {
            if matches!(self.peek()?, Tok::Eof) {
                return Err(self.err_unmatched(close, self.line.max(line)));
            }
            return Err(self.unexpected());
        }
        // Consume the `)` without lexing past it.
        self.peeked = saved;
        Ok(list)
    }

    /// After a `$`: an expansion part, or `None` when the `$` is literal.
    fn scan_dollar(&mut self, in_dq: bool) -> PResult<Option<WordPart>> {
        let next = self.at(1);
        match next {
            Some('(') if self.at(2) == Some('(') => {
                let line = self.line;
                let save = self.pos;
                self.pos += 3;
                if let Some(text) = self.scan_arith_text()? {
                    let mut sub = Parser::with_line(&text, line);
                    let parts = sub.scan_dq_parts(None)?;
                    return Ok(Some(WordPart::Arith(Word { parts })));
                }
                // Not arithmetic after all: a command substitution starting with a subshell.
                self.pos = save + 2;
                let list = self.parse_nested_list(')', line)?;
                Ok(Some(WordPart::CommandSub(Arc::new(list))))
            }
            Some('(') => {
                let line = self.line;
                self.pos += 2;
                // bash reports an unclosed `$(` at the line after the end of the text.
                let eof_line = self.eof_line();
                let list = self.parse_nested_list(')', line).map_err(|mut e| {
                    if e.kind == SyntaxErrorKind::Unmatched(')') && self.pos >= self.chars.len() {
                        e.line = e.line.max(eof_line);
                    }
                    e
                })?;
                Ok(Some(WordPart::CommandSub(Arc::new(list))))
            }
            Some('{') => {
                self.pos += 2;
                Ok(Some(self.scan_braced_param(in_dq)?))
            }
            Some('\'') if !in_dq => {
                let line = self.line;
                self.pos += 2;
                let mut s = String::new();
                loop {
                    match self.bump() {
                        None => return Err(self.err_unmatched('\'', line)),
                        Some('\'') => break,
                        Some('\\') => {
                            let Some(e) = self.bump() else { return Err(self.err_unmatched('\'', line)) };
                            ansi_c_escape(e, self, &mut s);
                        }
                        Some(c) => s.push(c),
                    }
                }
                Ok(Some(WordPart::Quoted(s)))
            }
            Some('"') if !in_dq => {
                let line = self.line;
                self.pos += 2;
                let inner = self.scan_dq_parts(Some(line))?;
                Ok(Some(WordPart::DoubleQuoted(inner)))
            }
            Some(c) if is_name_start(c) => {
                self.pos += 1;
                let mut name = String::new();
                while let Some(c) = self.cur() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.pos += 1;
                }
                Ok(Some(param(name)))
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '?' | '#' | '@' | '*' | '$' | '!' | '-') => {
                self.pos += 2;
                Ok(Some(param(c.to_string())))
            }
            _ => {
                self.pos += 1;
                Ok(None)
            }
        }
    }

    /// The text of `$(( ... ))` up to the matching `))`, or `None` when the parentheses
    /// do not close that way (then it was `$( (...) )`).
    fn scan_arith_text(&mut self) -> PResult<Option<String>> {
        let line = self.line;
        let mut depth = 0usize;
        let mut text = String::new();
        loop {
            match self.cur() {
                None => return Err(self.err_unmatched(')', line)),
                Some('(') => {
                    depth += 1;
                    text.push('(');
                    self.pos += 1;
                }
                Some(')') => {
                    if depth == 0 {
                        if self.at(1) == Some(')') {
                            self.pos += 2;
                            return Ok(Some(text));
                        }
                        return Ok(None);
                    }
                    depth -= 1;
                    text.push(')');
                    self.pos += 1;
                }
                Some(c) => {
                    self.bump();
                    text.push(c);
                }
            }
        }
    }

    fn scan_braced_param(&mut self, in_dq: bool) -> PResult<WordPart> {
        let _nest = self.nest()?;
        let line = self.line;
        let start = self.pos;
        let bad = |p: &mut Parser| -> SyntaxError {
            // Report the whole `${...}` text as bash does.
            let mut end = p.pos;
            while end < p.chars.len() && p.chars[end] != '}' {
                end += 1;
            }
            let text: String = p.chars[start - 2..(end + 1).min(p.chars.len())].iter().collect();
            SyntaxError { line, kind: SyntaxErrorKind::BadSubstitution(text) }
        };
        let mut length = false;
        let mut indirect = false;
        if self.cur() == Some('#') && !matches!(self.at(1), Some('}')) {
            // `${#x}` is a length; `${#}` is the parameter `#`.
            if self.at(1).is_some_and(|c| is_name_char(c) || matches!(c, '@' | '*' | '?' | '$' | '!' | '-' | '#')) {
                length = true;
                self.pos += 1;
            }
        } else if self.cur() == Some('!') && self.at(1).is_some_and(|c| is_name_start(c) || c.is_ascii_digit()) {
            indirect = true;
            self.pos += 1;
        }
        let mut name = String::new();
        match self.cur() {
            Some(c) if is_name_start(c) => {
                while let Some(c) = self.cur() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.cur() {
                    if !c.is_ascii_digit() {
                        break;
                    }
                    name.push(c);
                    self.pos += 1;
                }
            }
            Some(c) if matches!(c, '?' | '#' | '@' | '*' | '$' | '!' | '-') => {
                name.push(c);
                self.pos += 1;
            }
            None => return Err(self.err_unmatched('}', line)),
            _ => return Err(bad(self)),
        }
        if indirect && matches!(self.cur(), Some('*') | Some('@')) && self.at(1) == Some('}') {
            self.pos += 2;
            return Ok(WordPart::Param(Box::new(ParamExpr { name, index: None, indirect: true, op: ParamOp::Names })));
        }
        let mut index = None;
        if self.cur() == Some('[') {
            self.pos += 1;
            let mut text = String::new();
            let mut depth = 0;
            loop {
                match self.bump() {
                    None => return Err(self.err_unmatched('}', line)),
                    Some('[') => {
                        depth += 1;
                        text.push('[');
                    }
                    Some(']') if depth == 0 => break,
                    Some(']') => {
                        depth -= 1;
                        text.push(']');
                    }
                    Some(c) => text.push(c),
                }
            }
            let mut sub = Parser::with_line(&text, line);
            index = Some(Word { parts: sub.scan_dq_parts(None)? });
        }
        let brace_word = |p: &mut Parser, slash: bool| -> PResult<Word> {
            let w = p.scan_word(Stop::Brace { slash, in_dq })?;
            Ok(Word { parts: w.parts })
        };
        let op = if length {
            ParamOp::Length
        } else {
            match self.cur() {
                None => return Err(self.err_unmatched('}', line)),
                Some('}') => ParamOp::Plain,
                Some(':') => match self.at(1) {
                    Some(c @ ('-' | '=' | '?' | '+')) => {
                        self.pos += 2;
                        let w = brace_word(self, false)?;
                        match c {
                            '-' => ParamOp::Default(true, w),
                            '=' => ParamOp::Assign(true, w),
                            '?' => ParamOp::Error(true, w),
                            _ => ParamOp::Alternative(true, w),
                        }
                    }
                    _ => {
                        self.pos += 1;
                        let off = self.scan_until_any(&[':', '}'], line)?;
                        let len = if self.cur() == Some(':') {
                            self.pos += 1;
                            Some(self.scan_until_any(&['}'], line)?)
                        } else {
                            None
                        };
                        let to_word = |s: String| -> PResult<Word> {
                            let mut sub = Parser::with_line(&s, line);
                            Ok(Word { parts: sub.scan_dq_parts(None)? })
                        };
                        ParamOp::Substring(to_word(off)?, len.map(to_word).transpose()?)
                    }
                },
                Some(c @ ('-' | '=' | '?' | '+')) => {
                    self.pos += 1;
                    let w = brace_word(self, false)?;
                    match c {
                        '-' => ParamOp::Default(false, w),
                        '=' => ParamOp::Assign(false, w),
                        '?' => ParamOp::Error(false, w),
                        _ => ParamOp::Alternative(false, w),
                    }
                }
                Some(c @ ('#' | '%')) => {
                    self.pos += 1;
                    let longest = self.cur() == Some(c);
                    if longest {
                        self.pos += 1;
                    }
                    let w = brace_word(self, false)?;
                    if c == '#' {
                        ParamOp::RemovePrefix(longest, w)
                    } else {
                        ParamOp::RemoveSuffix(longest, w)
                    }
                }
                Some('/') => {
                    self.pos += 1;
                    let mode = match self.cur() {
                        Some(m @ ('/' | '#' | '%')) => {
                            self.pos += 1;
                            Some(m)
                        }
                        _ => None,
                    };
                    let pattern = brace_word(self, true)?;
                    let replacement = if self.cur() == Some('/') {
                        self.pos += 1;
                        brace_word(self, false)?
                    } else {
                        Word::default()
                    };
                    ParamOp::Replace { mode, pattern, replacement }
                }
                Some(c @ ('^' | ',')) => {
                    self.pos += 1;
                    let all = self.cur() == Some(c);
                    if all {
                        self.pos += 1;
                    }
                    ParamOp::Case { upper: c == '^', all }
                }
                _ => return Err(bad(self)),
            }
        };
        match self.cur() {
            Some('}') => self.pos += 1,
            None => return Err(self.err_unmatched('}', line)),
            _ => return Err(bad(self)),
        }
        Ok(WordPart::Param(Box::new(ParamExpr { name, index, indirect, op })))
    }

    fn scan_until_any(&mut self, stops: &[char], line: usize) -> PResult<String> {
        let mut s = String::new();
        let mut depth = 0;
        loop {
            match self.cur() {
                None => return Err(self.err_unmatched('}', line)),
                Some(c) if depth == 0 && stops.contains(&c) => return Ok(s),
                Some(c) => {
                    if c == '(' {
                        depth += 1;
                    } else if c == ')' && depth > 0 {
                        depth -= 1;
                    }
                    self.bump();
                    s.push(c);
                }
            }
        }
    }

    /// The right side of `=~` inside `[[ ]]`: everything up to blanks at paren depth 0.
    fn scan_regex_word(&mut self) -> PResult<Word> {
        self.skip_blanks();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut depth = 0usize;
        while let Some(c) = self.cur() {
            if depth == 0 && matches!(c, ' ' | '\t' | '\n') {
                break;
            }
            if depth == 0 && (c == '&' || c == '|') && self.at(1) == Some(c) {
                break;
            }
            match c {
                '(' => {
                    depth += 1;
                    lit.push(c);
                    self.pos += 1;
                }
                ')' if depth > 0 => {
                    depth -= 1;
                    lit.push(c);
                    self.pos += 1;
                }
                ')' => break,
                '\\' | '\'' | '"' | '$' | '`' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                    }
                    // One quoted/expanded piece, scanned the normal way.
                    let save = self.pos;
                    let w = self.scan_one_piece()?;
                    if self.pos == save {
                        self.pos += 1;
                    }
                    parts.extend(w);
                }
                _ => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(WordPart::Lit(lit));
        }
        Ok(Word { parts })
    }

    fn scan_one_piece(&mut self) -> PResult<Vec<WordPart>> {
        match self.cur() {
            Some('\\') => {
                self.pos += 1;
                Ok(self.bump().map(|c| vec![WordPart::Quoted(c.to_string())]).unwrap_or_default())
            }
            Some('\'') => {
                let line = self.line;
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.bump() {
                        Some('\'') => break,
                        Some(c) => s.push(c),
                        None => return Err(self.err_unmatched('\'', line)),
                    }
                }
                Ok(vec![WordPart::Quoted(s)])
            }
            Some('"') => {
                let line = self.line;
                self.pos += 1;
                Ok(vec![WordPart::DoubleQuoted(self.scan_dq_parts(Some(line))?)])
            }
            Some('$') => Ok(self.scan_dollar(false)?.map(|p| vec![p]).unwrap_or_else(|| vec![WordPart::Lit("$".into())])),
            Some('`') => Ok(vec![self.scan_backtick()?]),
            _ => Ok(vec![]),
        }
    }

    // ---------------------------------------------------------------- grammar

    /// The next top-level complete command (a line's worth of list), or `None` at the end.
    /// Bash runs each before parsing the next, so a later syntax error does not stop
    /// earlier lines.
    pub fn next_complete_command(&mut self) -> PResult<Option<List>> {
        self.skip_newlines()?;
        if matches!(self.peek()?, Tok::Eof) {
            return Ok(None);
        }
        let mut list = List::default();
        loop {
            let and_or = self.parse_and_or()?;
            match self.peek()? {
                Tok::Op(";") | Tok::Op("&") => {
                    let bg = matches!(self.next()?, Tok::Op("&"));
                    list.items.push(ListItem { and_or, background: bg });
                    if matches!(self.peek()?, Tok::Newline | Tok::Eof) {
                        break;
                    }
                }
                Tok::Newline | Tok::Eof => {
                    list.items.push(ListItem { and_or, background: false });
                    break;
                }
                _ => return Err(self.unexpected()),
            }
        }
        Ok(Some(list))
    }

    /// A list inside a compound command, ended (not consumed) by one of the reserved
    /// `words` at command position or one of the operators `ops`.
    fn parse_compound_list(&mut self, words: &[&str], ops: &[&str]) -> PResult<List> {
        self.parse_compound_list_until(words, ops, false)
    }

    fn parse_compound_list_until(&mut self, words: &[&str], ops: &[&str], allow_empty: bool) -> PResult<List> {
        let mut list = List::default();
        loop {
            self.skip_newlines()?;
            if self.at_terminator(words, ops)? {
                break;
            }
            if matches!(self.peek()?, Tok::Eof) {
                return Err(self.err_eof());
            }
            let and_or = self.parse_and_or()?;
            let tok = self.peek()?.clone();
            match tok {
                Tok::Op(";") | Tok::Op("&") => {
                    let bg = matches!(self.next()?, Tok::Op("&"));
                    list.items.push(ListItem { and_or, background: bg });
                }
                Tok::Newline => {
                    list.items.push(ListItem { and_or, background: false });
                }
                _ if self.at_terminator(words, ops)? => {
                    list.items.push(ListItem { and_or, background: false });
                    break;
                }
                Tok::Eof => return Err(self.err_eof()),
                _ => return Err(self.unexpected()),
            }
        }
        if list.items.is_empty() && !allow_empty {
            return Err(self.unexpected());
        }
        Ok(list)
    }

    fn at_terminator(&mut self, words: &[&str], ops: &[&str]) -> PResult<bool> {
        Ok(match self.peek()? {
            Tok::Word(w) => w.plain().is_some_and(|p| words.contains(&p)),
            Tok::Op(o) => ops.contains(o),
            _ => false,
        })
    }

    fn parse_and_or(&mut self) -> PResult<AndOr> {
        let first = self.parse_pipeline()?;
        let mut rest = Vec::new();
        loop {
            let conn = match self.peek()? {
                Tok::Op("&&") => Connector::And,
                Tok::Op("||") => Connector::Or,
                _ => break,
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((conn, self.parse_pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn parse_pipeline(&mut self) -> PResult<Pipeline> {
        let mut negated = false;
        while self.peek_is_word("!")? {
            self.next()?;
            negated = !negated;
        }
        let mut commands = vec![self.parse_command()?];
        loop {
            let both = match self.peek()? {
                Tok::Op("|") => false,
                Tok::Op("|&") => true,
                _ => break,
            };
            self.next()?;
            if both {
                let last = commands.last_mut().unwrap();
                last.redirects.push(Redirect {
                    fd: Some(2),
                    op: RedirOp::DupOut,
                    target: RedirTarget::Word(Word::lit("1")),
                });
            }
            self.skip_newlines()?;
            commands.push(self.parse_command()?);
        }
        Ok(Pipeline { negated, commands })
    }

    fn parse_command(&mut self) -> PResult<Command> {
        let _nest = self.nest()?;
        let line = self.peek_line()?;
        let tok = self.peek()?.clone();
        let kind = match &tok {
            Tok::Op("(") => {
                let (_, start, _) = self.peeked.clone().unwrap();
                if self.chars.get(start + 1) == Some(&'(') {
                    // `(( expr ))`
                    self.peeked = None;
                    self.pos = start + 2;
                    let text = match self.scan_arith_text()? {
                        Some(t) => t,
                        None => return Err(self.err_unmatched(')', line)),
                    };
                    let mut sub = Parser::with_line(&text, line);
                    CommandKind::Arith(Word { parts: sub.scan_dq_parts(None)? })
                } else {
                    self.next()?;
                    let body = self.parse_compound_list(&[], &[")"])?;
                    self.expect_op(")")?;
                    CommandKind::Subshell(body)
                }
            }
            Tok::Word(w) => match w.plain() {
                Some("{") => {
                    self.next()?;
                    let body = self.parse_compound_list(&["}"], &[])?;
                    self.expect_word("}")?;
                    CommandKind::Group(body)
                }
                Some("if") => self.parse_if()?,
                Some("for") => self.parse_for()?,
                Some("while") | Some("until") => {
                    let until = w.plain() == Some("until");
                    self.next()?;
                    let cond = self.parse_compound_list(&["do"], &[])?;
                    self.expect_word("do")?;
                    let body = self.parse_compound_list(&["done"], &[])?;
                    self.expect_word("done")?;
                    CommandKind::While { cond, body, until }
                }
                Some("case") => self.parse_case()?,
                Some("function") => {
                    self.next()?;
                    let name = match self.next()? {
                        Tok::Word(w) => w.raw,
                        _ => return Err(self.unexpected()),
                    };
                    if self.peek_is_op("(")? {
                        self.next()?;
                        self.expect_op(")")?;
                    }
                    self.skip_newlines()?;
                    let body = self.parse_command()?;
                    return Ok(Command { kind: CommandKind::FunctionDef { name, body: Arc::new(body) }, redirects: vec![], line });
                }
                Some("[[") => {
                    self.next()?;
                    let e = self.parse_cond_or()?;
                    self.expect_word("]]")?;
                    CommandKind::Cond(e)
                }
                Some("then" | "else" | "elif" | "fi" | "do" | "done" | "esac" | "}" | "in" | "]]") => {
                    return Err(self.unexpected());
                }
                _ => {
                    // `name () compound-command` defines a function.
                    let w = w.clone();
                    self.next()?;
                    if self.peek_is_op("(")? && w.plain().is_some() {
                        let name = w.raw.clone();
                        let after = self.peeked.clone().unwrap().1;
                        let mut i = after + 1;
                        while matches!(self.chars.get(i), Some(' ') | Some('\t')) {
                            i += 1;
                        }
                        if self.chars.get(i) == Some(&')') {
                            self.next()?;
                            self.expect_op(")")?;
                            self.skip_newlines()?;
                            let body = self.parse_command()?;
                            if !matches!(
                                body.kind,
                                CommandKind::Group(_)
                                    | CommandKind::Subshell(_)
                                    | CommandKind::If { .. }
                                    | CommandKind::For { .. }
                                    | CommandKind::While { .. }
                                    | CommandKind::Case { .. }
                                    | CommandKind::Arith(_)
                                    | CommandKind::Cond(_)
                            ) {
                                return Err(SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken(first_word_text(&body)) });
                            }
                            return Ok(Command { kind: CommandKind::FunctionDef { name, body: Arc::new(body) }, redirects: vec![], line });
                        }
                    }
                    return self.parse_simple_command(Some(w), line);
                }
            },
            Tok::IoNumber(_) | Tok::Op("<" | ">" | ">>" | ">|" | "<>" | ">&" | "<&" | "&>" | "&>>" | "<<" | "<<-" | "<<<") => {
                return self.parse_simple_command(None, line);
            }
            _ => return Err(self.unexpected()),
        };
        let mut redirects = Vec::new();
        while let Some(r) = self.try_redirect()? {
            redirects.push(r);
        }
        Ok(Command { kind, redirects, line })
    }

    fn parse_simple_command(&mut self, first: Option<RawWord>, line: usize) -> PResult<Command> {
        let mut assigns = Vec::new();
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        let push_word = |w: RawWord, assigns: &mut Vec<Assign>, words: &mut Vec<Word>| {
            if words.is_empty() {
                if let Some(a) = as_assignment(&w) {
                    assigns.push(a);
                    return;
                }
            }
            let decl = words
                .first()
                .and_then(|f| f.as_plain())
                .is_some_and(|f| matches!(f, "declare" | "typeset" | "local" | "export" | "readonly"));
            if let (true, Some(items)) = (decl, w.array) {
                // `local -a a=(x y)`: the builtin gets `a=(...)` with the elements quoted.
                let mut parts = w.parts;
                parts.push(WordPart::ArrayLit(items));
                words.push(Word { parts });
                return;
            }
            words.push(Word { parts: w.parts });
        };
        if let Some(w) = first {
            push_word(w, &mut assigns, &mut words);
        }
        loop {
            if let Some(r) = self.try_redirect()? {
                redirects.push(r);
                continue;
            }
            match self.peek()? {
                Tok::Word(_) => {
                    let Tok::Word(w) = self.next()? else { unreachable!() };
                    push_word(w, &mut assigns, &mut words);
                }
                Tok::Op("(") if !words.is_empty() => {
                    // `name (` starts a function definition: bash complains about what follows.
                    if words.len() == 1 && assigns.is_empty() {
                        self.next()?;
                        if matches!(self.peek()?, Tok::Eof | Tok::Newline) {
                            let line = self.peek_line()?;
                            return Err(SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken("newline".into()) });
                        }
                    }
                    return Err(self.unexpected());
                }
                _ => break,
            }
        }
        if assigns.is_empty() && words.is_empty() && redirects.is_empty() {
            return Err(self.unexpected());
        }
        Ok(Command { kind: CommandKind::Simple { assigns, words }, redirects, line })
    }

    fn try_redirect(&mut self) -> PResult<Option<Redirect>> {
        let fd = match self.peek()? {
            Tok::IoNumber(n) => {
                let n = *n;
                self.next()?;
                Some(n)
            }
            Tok::Op(o) if REDIR_OPS.contains(o) => None,
            _ => return Ok(None),
        };
        let op = match self.next()? {
            Tok::Op(o) => o,
            _ => return Err(self.unexpected()),
        };
        let line = self.line;
        let target_tok = self.peek()?.clone();
        let Tok::Word(w) = target_tok else {
            if target_tok == Tok::Eof {
                // bash -c sees the end of the string as a newline here.
                return Err(SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken("newline".into()) });
            }
            return Err(self.unexpected());
        };
        self.next()?;
        let (op, target) = match op {
            "<" => (RedirOp::In, RedirTarget::Word(Word { parts: w.parts })),
            ">" => (RedirOp::Out, RedirTarget::Word(Word { parts: w.parts })),
            ">|" => (RedirOp::Clobber, RedirTarget::Word(Word { parts: w.parts })),
            ">>" => (RedirOp::Append, RedirTarget::Word(Word { parts: w.parts })),
            "<>" => (RedirOp::ReadWrite, RedirTarget::Word(Word { parts: w.parts })),
            ">&" => (RedirOp::DupOut, RedirTarget::Word(Word { parts: w.parts })),
            "<&" => (RedirOp::DupIn, RedirTarget::Word(Word { parts: w.parts })),
            "&>" => (RedirOp::OutErr, RedirTarget::Word(Word { parts: w.parts })),
            "&>>" => (RedirOp::AppendOutErr, RedirTarget::Word(Word { parts: w.parts })),
            "<<<" => (RedirOp::HereString, RedirTarget::Word(Word { parts: w.parts })),
            "<<" | "<<-" => {
                let quoted = w.parts.iter().any(|p| !matches!(p, WordPart::Lit(_)));
                let delimiter = unquote_delimiter(&w.raw);
                let slot = Arc::new(OnceLock::new());
                self.pending.push(PendingHereDoc { delimiter, strip_tabs: op == "<<-", quoted, slot: slot.clone(), line });
                (RedirOp::HereDoc, RedirTarget::HereDoc(slot))
            }
            _ => return Err(self.unexpected()),
        };
        Ok(Some(Redirect { fd, op, target }))
    }

    fn parse_if(&mut self) -> PResult<CommandKind> {
        self.expect_word("if")?;
        let mut branches = Vec::new();
        let cond = self.parse_compound_list(&["then"], &[])?;
        self.expect_word("then")?;
        let body = self.parse_compound_list(&["elif", "else", "fi"], &[])?;
        branches.push((cond, body));
        let mut otherwise = None;
        loop {
            if self.peek_is_word("elif")? {
                self.next()?;
                let cond = self.parse_compound_list(&["then"], &[])?;
                self.expect_word("then")?;
                let body = self.parse_compound_list(&["elif", "else", "fi"], &[])?;
                branches.push((cond, body));
            } else if self.peek_is_word("else")? {
                self.next()?;
                otherwise = Some(self.parse_compound_list(&["fi"], &[])?);
            } else {
                self.expect_word("fi")?;
                break;
            }
        }
        Ok(CommandKind::If { branches, otherwise })
    }

    fn parse_for(&mut self) -> PResult<CommandKind> {
        self.expect_word("for")?;
        // `for (( init; cond; step ))`
        if self.peek_is_op("(")? {
            let (_, start, line) = self.peeked.clone().unwrap();
            if self.chars.get(start + 1) == Some(&'(') {
                self.peeked = None;
                self.pos = start + 2;
                let text = self.scan_arith_text()?.ok_or_else(|| self.err_unmatched(')', line))?;
                let pieces: Vec<&str> = text.splitn(3, ';').collect();
                if pieces.len() != 3 {
                    return Err(SyntaxError { line, kind: SyntaxErrorKind::UnexpectedToken("((".into()) });
                }
                let mk = |s: &str| -> PResult<Word> {
                    let mut sub = Parser::with_line(s, line);
                    Ok(Word { parts: sub.scan_dq_parts(None)? })
                };
                let (init, cond, step) = (mk(pieces[0])?, mk(pieces[1])?, mk(pieces[2])?);
                if self.peek_is_op(";")? {
                    self.next()?;
                }
                self.skip_newlines()?;
                let body = self.parse_do_group()?;
                return Ok(CommandKind::ArithFor { init, cond, step, body });
            }
        }
        let var = match self.next()? {
            Tok::Word(w) if w.plain().is_some_and(is_valid_name) => w.raw,
            Tok::Word(w) => {
                return Err(SyntaxError { line: self.line, kind: SyntaxErrorKind::UnexpectedToken(format!("`{}': not a valid identifier", w.raw)) })
            }
            _ => return Err(self.unexpected()),
        };
        let mut items = None;
        if self.peek_is_op(";")? {
            self.next()?;
        }
        self.skip_newlines()?;
        if self.peek_is_word("in")? {
            self.next()?;
            let mut ws = Vec::new();
            loop {
                match self.peek()? {
                    Tok::Word(_) => {
                        let Tok::Word(w) = self.next()? else { unreachable!() };
                        ws.push(Word { parts: w.parts });
                    }
                    Tok::Op(";") | Tok::Newline => {
                        self.next()?;
                        break;
                    }
                    _ => return Err(self.unexpected()),
                }
            }
            items = Some(ws);
            self.skip_newlines()?;
        }
        let body = self.parse_do_group()?;
        Ok(CommandKind::For { var, items, body })
    }

    fn parse_do_group(&mut self) -> PResult<List> {
        if self.peek_is_word("{")? {
            self.next()?;
            let body = self.parse_compound_list(&["}"], &[])?;
            self.expect_word("}")?;
            return Ok(body);
        }
        self.expect_word("do")?;
        let body = self.parse_compound_list(&["done"], &[])?;
        self.expect_word("done")?;
        Ok(body)
    }

    fn parse_case(&mut self) -> PResult<CommandKind> {
        self.expect_word("case")?;
        let subject = match self.next()? {
            Tok::Word(w) => Word { parts: w.parts },
            Tok::Eof | Tok::Newline => return Err(SyntaxError { line: self.line, kind: SyntaxErrorKind::UnexpectedToken("newline".into()) }),
            _ => return Err(self.unexpected()),
        };
        self.skip_newlines()?;
        self.expect_word("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.peek_is_word("esac")? {
                self.next()?;
                break;
            }
            if self.peek_is_op("(")? {
                self.next()?;
            }
            let mut patterns = Vec::new();
            loop {
                match self.next()? {
                    Tok::Word(w) => patterns.push(Word { parts: w.parts }),
                    Tok::Eof => return Err(self.err_eof()),
                    _ => return Err(self.unexpected()),
                }
                if self.peek_is_op("|")? {
                    self.next()?;
                    continue;
                }
                break;
            }
            self.expect_op(")")?;
            let body = self.parse_compound_list_until(&["esac"], &[";;", ";&", ";;&"], true)?;
            let terminator = match self.peek()? {
                Tok::Op(";;") => CaseTerminator::Break,
                Tok::Op(";&") => CaseTerminator::FallThrough,
                Tok::Op(";;&") => CaseTerminator::Continue,
                _ => {
                    arms.push(CaseArm { patterns, body, terminator: CaseTerminator::Break });
                    self.skip_newlines()?;
                    self.expect_word("esac")?;
                    break;
                }
            };
            self.next()?;
            arms.push(CaseArm { patterns, body, terminator });
        }
        Ok(CommandKind::Case { subject, arms })
    }

    // ---------------------------------------------------------------- [[ ]]

    fn parse_cond_or(&mut self) -> PResult<CondExpr> {
        let mut left = self.parse_cond_and()?;
        while self.peek_is_op("||")? {
            self.next()?;
            self.skip_newlines()?;
            let right = self.parse_cond_and()?;
            left = CondExpr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_cond_and(&mut self) -> PResult<CondExpr> {
        let mut left = self.parse_cond_not()?;
        while self.peek_is_op("&&")? {
            self.next()?;
            self.skip_newlines()?;
            let right = self.parse_cond_not()?;
            left = CondExpr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_cond_not(&mut self) -> PResult<CondExpr> {
        let _nest = self.nest()?;
        if self.peek_is_word("!")? {
            self.next()?;
            return Ok(CondExpr::Not(Box::new(self.parse_cond_not()?)));
        }
        if self.peek_is_op("(")? {
            self.next()?;
            let e = self.parse_cond_or()?;
            self.expect_op(")")?;
            return Ok(e);
        }
        let first = match self.next()? {
            Tok::Word(w) => w,
            Tok::Eof => return Err(self.err_eof()),
            t => {
                self.peeked = Some((t, self.pos, self.line));
                return Err(self.unexpected());
            }
        };
        let text = first.plain().map(str::to_string);
        if let Some(op) = text.as_deref() {
            if op.len() == 2 && op.starts_with('-') && !self.peek_is_word("]]")? && !self.peek_binop()? {
                let arg = match self.next()? {
                    Tok::Word(w) => Word { parts: w.parts },
                    _ => return Err(self.unexpected()),
                };
                return Ok(CondExpr::Unary(op.to_string(), arg));
            }
        }
        let left = Word { parts: first.parts };
        if self.peek_binop()? {
            let op = match self.next()? {
                Tok::Op(o) => o.to_string(),
                Tok::Word(w) => w.raw,
                _ => unreachable!(),
            };
            let right = if op == "=~" {
                self.scan_regex_word()?
            } else {
                match self.next()? {
                    Tok::Word(w) => Word { parts: w.parts },
                    t => {
                        let msg = format!("unexpected argument `{}' to conditional binary operator", tok_text(&t));
                        return Err(SyntaxError { line: self.line, kind: SyntaxErrorKind::Message(msg) });
                    }
                }
            };
            return Ok(CondExpr::Binary(left, op, right));
        }
        let ends = match self.peek()? {
            Tok::Word(w) => w.plain() == Some("]]"),
            Tok::Op("&&" | "||" | ")") => true,
            _ => false,
        };
        if !ends {
            let line = self.peek_line()?;
            let msg = format!("unexpected token `{}', conditional binary operator expected", tok_text(self.peek()?));
            return Err(SyntaxError { line, kind: SyntaxErrorKind::Message(msg) });
        }
        Ok(CondExpr::Word(left))
    }

    fn peek_binop(&mut self) -> PResult<bool> {
        Ok(match self.peek()? {
            Tok::Op("<") | Tok::Op(">") => true,
            Tok::Word(w) => matches!(
                w.plain(),
                Some("==" | "=" | "!=" | "=~" | "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" | "-nt" | "-ot" | "-ef")
            ),
            _ => false,
        })
    }
}

/// A token as bash names it in a syntax error.
fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Word(w) => w.raw.clone(),
        Tok::Op(o) => o.to_string(),
        Tok::IoNumber(n) => n.to_string(),
        Tok::Newline | Tok::Eof => "newline".into(),
    }
}

fn first_word_text(c: &Command) -> String {
    match &c.kind {
        CommandKind::Simple { words, .. } => words
            .first()
            .map(|w| {
                w.parts
                    .iter()
                    .map(|p| match p {
                        WordPart::Lit(s) | WordPart::Quoted(s) => s.clone(),
                        _ => String::new(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn param(name: String) -> WordPart {
    WordPart::Param(Box::new(ParamExpr { name, index: None, indirect: false, op: ParamOp::Plain }))
}

/// `NAME=`, `NAME+=` or `NAME[...]=` at the start of a literal.
fn is_assignment_prefix(lit: &str) -> bool {
    let Some(body) = lit.strip_suffix('=') else { return false };
    let body = body.strip_suffix('+').unwrap_or(body);
    let name = match body.find('[') {
        Some(i) if body.ends_with(']') => &body[..i],
        Some(_) => return false,
        None => body,
    };
    is_valid_name(name)
}

fn as_assignment(w: &RawWord) -> Option<Assign> {
    if let Some(a) = as_subscript_assignment(w) {
        return Some(a);
    }
    let WordPart::Lit(first) = w.parts.first()? else { return None };
    let eq = first.find('=')?;
    let (lhs, rest) = (&first[..eq], &first[eq + 1..]);
    let (lhs, append) = match lhs.strip_suffix('+') {
        Some(l) => (l, true),
        None => (lhs, false),
    };
    let (name, index) = match lhs.find('[') {
        Some(i) if lhs.ends_with(']') => (&lhs[..i], Some(Word::lit(&lhs[i + 1..lhs.len() - 1]))),
        Some(_) => return None,
        None => (lhs, None),
    };
    if !is_valid_name(name) {
        return None;
    }
    let value = if let Some(items) = &w.array {
        AssignValue::Array(items.clone())
    } else {
        let mut parts = Vec::new();
        if !rest.is_empty() {
            parts.push(WordPart::Lit(rest.to_string()));
        }
        parts.extend(w.parts[1..].iter().cloned());
        AssignValue::Scalar(Word { parts })
    };
    Some(Assign { name: name.to_string(), index, value, append })
}

/// `name[subscript]=value` where the subscript holds expansions or quotes (`m[$k]=1`,
/// `m["a b"]+=x`): the literal parts around them carry `name[` and `]=`.
fn as_subscript_assignment(w: &RawWord) -> Option<Assign> {
    let WordPart::Lit(first) = w.parts.first()? else { return None };
    let open = first.find('[')?;
    let name = &first[..open];
    if !is_valid_name(name) || first[open..].contains("]=") || first[open..].contains("]+=") {
        return None;
    }
    let mut index = Vec::new();
    if open + 1 < first.len() {
        index.push(WordPart::Lit(first[open + 1..].to_string()));
    }
    for (k, part) in w.parts.iter().enumerate().skip(1) {
        if let WordPart::Lit(text) = part {
            let (close, append) = match (text.find("]="), text.find("]+=")) {
                (Some(a), Some(b)) if b < a => (b, true),
                (Some(a), _) => (a, false),
                (None, Some(b)) => (b, true),
                (None, None) => {
                    index.push(part.clone());
                    continue;
                }
            };
            if close > 0 {
                index.push(WordPart::Lit(text[..close].to_string()));
            }
            let rest = &text[close + if append { 3 } else { 2 }..];
            let mut value = Vec::new();
            if !rest.is_empty() {
                value.push(WordPart::Lit(rest.to_string()));
            }
            value.extend(w.parts[k + 1..].iter().cloned());
            return Some(Assign {
                name: name.to_string(),
                index: Some(Word { parts: index }),
                value: AssignValue::Scalar(Word { parts: value }),
                append,
            });
        }
        index.push(part.clone());
    }
    None
}

fn unquote_delimiter(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {}
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn ansi_c_escape(e: char, p: &mut Parser, s: &mut String) {
    match e {
        'n' => s.push('\n'),
        't' => s.push('\t'),
        'r' => s.push('\r'),
        'a' => s.push('\x07'),
        'b' => s.push('\x08'),
        'e' | 'E' => s.push('\x1b'),
        'f' => s.push('\x0c'),
        'v' => s.push('\x0b'),
        '\\' => s.push('\\'),
        '\'' => s.push('\''),
        '"' => s.push('"'),
        '?' => s.push('?'),
        'x' => {
            let mut v = 0u32;
            let mut n = 0;
            while n < 2 && p.cur().is_some_and(|c| c.is_ascii_hexdigit()) {
                v = v * 16 + p.cur().unwrap().to_digit(16).unwrap();
                p.pos += 1;
                n += 1;
            }
            if n == 0 {
                s.push_str("\\x");
            } else if let Some(c) = char::from_u32(v) {
                s.push(c);
            }
        }
        'u' | 'U' => {
            let max = if e == 'u' { 4 } else { 8 };
            let mut v = 0u32;
            let mut n = 0;
            while n < max && p.cur().is_some_and(|c| c.is_ascii_hexdigit()) {
                v = v * 16 + p.cur().unwrap().to_digit(16).unwrap();
                p.pos += 1;
                n += 1;
            }
            if n > 0 && v >= 0x80 {
                // In the C locale bash cannot encode the character and keeps the escape.
                if e == 'u' {
                    s.push_str(&format!("\\u{v:04X}"));
                } else {
                    s.push_str(&format!("\\U{v:08X}"));
                }
            } else if let Some(c) = char::from_u32(v).filter(|_| n > 0) {
                s.push(c);
            } else {
                s.push('\\');
                s.push(e);
            }
        }
        '0'..='7' => {
            let mut v = e.to_digit(8).unwrap();
            let mut n = 1;
            while n < 3 && p.cur().is_some_and(|c| ('0'..='7').contains(&c)) {
                v = v * 8 + p.cur().unwrap().to_digit(8).unwrap();
                p.pos += 1;
                n += 1;
            }
            if let Some(c) = char::from_u32(v) {
                s.push(c);
            }
        }
        'c' => {
            if let Some(c) = p.cur() {
                p.pos += 1;
                s.push(((c as u32) & 0x1f) as u8 as char);
            }
        }
        other => {
            s.push('\\');
            s.push(other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        let mut p = Parser::new(src);
        loop {
            match p.next_complete_command() {
                Ok(Some(_)) => continue,
                Ok(None) => return String::new(),
                Err(e) => return e.message(src),
            }
        }
    }

    #[test]
    fn parses_pipelines_and_lists() {
        let l = parse("ls /bucket | head -n 3 && echo ok || echo no; pwd").unwrap();
        assert_eq!(l.items.len(), 2);
        assert_eq!(l.items[0].and_or.first.commands.len(), 2);
        assert_eq!(l.items[0].and_or.rest.len(), 2);
    }

    #[test]
    fn bash_shaped_syntax_errors() {
        assert_eq!(err("echo )"), "bash: -c: line 1: syntax error near unexpected token `)'\nbash: -c: line 1: `echo )'\n");
        assert_eq!(err("if true; then echo"), "bash: -c: line 2: syntax error: unexpected end of file\n");
        assert_eq!(err("echo 'abc"), "bash: -c: line 1: unexpected EOF while looking for matching `''\n");
        assert_eq!(err("echo \"abc"), "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n");
        assert_eq!(err("| ls"), "bash: -c: line 1: syntax error near unexpected token `|'\nbash: -c: line 1: `| ls'\n");
        assert_eq!(err("echo a >"), "bash: -c: line 1: syntax error near unexpected token `newline'\nbash: -c: line 1: `echo a >'\n");
        assert_eq!(err("fi"), "bash: -c: line 1: syntax error near unexpected token `fi'\nbash: -c: line 1: `fi'\n");
        assert_eq!(err("ls |"), "bash: -c: line 2: syntax error: unexpected end of file\n");
        assert_eq!(err("echo ${x"), "bash: -c: line 1: unexpected EOF while looking for matching `}'\n");
        assert_eq!(err("echo `ls"), "bash: -c: line 1: unexpected EOF while looking for matching ``'\n");
        assert_eq!(err("foo() echo"), "bash: -c: line 1: syntax error near unexpected token `echo'\nbash: -c: line 1: `foo() echo'\n");
    }

    #[test]
    fn compound_commands() {
        parse("if a; then b; elif c; then d; else e; fi").unwrap();
        parse("for x in 1 2 3; do echo $x; done").unwrap();
        parse("for ((i=0;i<3;i++)); do echo $i; done").unwrap();
        parse("while read l; do echo \"$l\"; done < f").unwrap();
        parse("case $x in a|b) echo ab;; *) echo other;; esac").unwrap();
        parse("f() { echo hi; }; function g { echo g; }").unwrap();
        parse("[[ -f /a && $x == y* ]] || [[ $y =~ ^(a|b)$ ]]").unwrap();
        parse("(( x = 1 + 2 ))").unwrap();
        parse("a=(1 2 3); echo ${a[1]} ${#a[@]}").unwrap();
        parse("cat <<EOF\nhello $USER\nEOF\necho done").unwrap();
        parse("echo $(echo $(echo nested)) `echo back` $((1 + (2*3)))").unwrap();
        parse("diff <(ls a) <(ls b)").unwrap();
    }

    #[test]
    fn heredoc_body_is_filled() {
        let l = parse("cat <<'EOF'\n$x\nEOF\n").unwrap();
        let cmd = &l.items[0].and_or.first.commands[0];
        match &cmd.redirects[0].target {
            RedirTarget::HereDoc(slot) => assert_eq!(slot.get().unwrap().body.parts, vec![WordPart::Quoted("$x\n".into())]),
            _ => panic!("not a heredoc"),
        }
    }
}
