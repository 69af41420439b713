//! The syntax tree of the bash language as the parser builds it and the executor walks it.

use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    pub items: Vec<ListItem>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListItem {
    pub and_or: AndOr,
    /// Ended by `&`: run in the background (here: run to completion, output kept).
    pub background: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub negated: bool,
    pub commands: Vec<Command>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub kind: CommandKind,
    pub redirects: Vec<Redirect>,
    /// 1-based line where the command starts, for `bash: line N:` messages.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CommandKind {
    Simple { assigns: Vec<Assign>, words: Vec<Word> },
    Group(List),
    Subshell(List),
    If { branches: Vec<(List, List)>, otherwise: Option<List> },
    For { var: String, items: Option<Vec<Word>>, body: List },
    ArithFor { init: Word, cond: Word, step: Word, body: List },
    While { cond: List, body: List, until: bool },
    Case { subject: Word, arms: Vec<CaseArm> },
    FunctionDef { name: String, body: Arc<Command> },
    /// `(( expr ))`
    Arith(Word),
    /// `[[ expr ]]`
    Cond(CondExpr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: List,
    pub terminator: CaseTerminator,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseTerminator {
    /// `;;`
    Break,
    /// `;&`
    FallThrough,
    /// `;;&`
    Continue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CondExpr {
    Unary(String, Word),
    Binary(Word, String, Word),
    Not(Box<CondExpr>),
    And(Box<CondExpr>, Box<CondExpr>),
    Or(Box<CondExpr>, Box<CondExpr>),
    Word(Word),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assign {
    pub name: String,
    pub index: Option<Word>,
    pub value: AssignValue,
    pub append: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AssignValue {
    Scalar(Word),
    Array(Vec<Word>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Redirect {
    /// The explicit fd before the operator (`2>`), if any.
    pub fd: Option<u32>,
    pub op: RedirOp,
    pub target: RedirTarget,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`
    In,
    /// `>`
    Out,
    /// `>|`: overwrite even with `set -o noclobber`
    Clobber,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `>&`
    DupOut,
    /// `<&`
    DupIn,
    /// `&>`
    OutErr,
    /// `&>>`
    AppendOutErr,
    /// `<<` and `<<-`
    HereDoc,
    /// `<<<`
    HereString,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RedirTarget {
    Word(Word),
    HereDoc(Arc<OnceLock<HereDoc>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct HereDoc {
    /// With an unquoted delimiter the body is expanded like a double-quoted string.
    pub body: Word,
}

/// A word as typed: a sequence of parts that expand, split and glob differently.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Word {
    pub parts: Vec<WordPart>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WordPart {
    /// Unquoted text: subject to globbing (and brace expansion).
    Lit(String),
    /// Text protected from globbing and splitting (`\x`, `'...'`, `$'...'`).
    Quoted(String),
    /// `"..."`: expansions inside are not split or globbed.
    DoubleQuoted(Vec<WordPart>),
    Param(Box<ParamExpr>),
    CommandSub(Arc<List>),
    Arith(Word),
    /// `<(...)` (false) or `>(...)` (true).
    ProcessSub(bool, Arc<List>),
    /// `~` or `~user` at the start of a word.
    Tilde(String),
    /// The `(a b c)` of `declare a=(a b c)`: expands to one field `(...)` with each element quoted.
    ArrayLit(Vec<Word>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamExpr {
    pub name: String,
    pub index: Option<Word>,
    /// `${!name}`
    pub indirect: bool,
    pub op: ParamOp,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParamOp {
    Plain,
    /// `${#x}`
    Length,
    /// `${x:-w}` / `${x-w}`
    Default(bool, Word),
    /// `${x:=w}`
    Assign(bool, Word),
    /// `${x:?w}`
    Error(bool, Word),
    /// `${x:+w}`
    Alternative(bool, Word),
    /// `${x#p}` / `${x##p}`
    RemovePrefix(bool, Word),
    /// `${x%p}` / `${x%%p}`
    RemoveSuffix(bool, Word),
    /// `${x/p/r}`, with the mode `/` (all), `#` (anchored start), `%` (anchored end) or none.
    Replace { mode: Option<char>, pattern: Word, replacement: Word },
    /// `${x:off}` / `${x:off:len}` (arithmetic text)
    Substring(Word, Option<Word>),
    /// `${x^}` `${x^^}` `${x,}` `${x,,}`
    Case { upper: bool, all: bool },
    /// `${!prefix*}` / `${!prefix@}`: the names of the variables starting with the prefix.
    Names,
}

impl Word {
    pub fn lit(s: &str) -> Word {
        Word { parts: vec![WordPart::Lit(s.to_string())] }
    }

    /// The word's text if it is made only of unquoted literal text.
    pub fn as_plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Lit(s)] => Some(s),
            _ => None,
        }
    }
}

impl List {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
