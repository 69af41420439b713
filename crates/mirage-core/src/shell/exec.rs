//! The executor: walks the syntax tree, wiring pipes and redirections between commands.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;

use super::ast::*;
use super::expand::ExpandError;
use super::io::{self, Capture, Input, Output, SharedInput};
use super::parser::{Parser, SyntaxError};
use crate::commands::{Ctx, Registry};
use crate::vfs::{path, ErrorKind, FsError, Vfs};

/// Control flow that unwinds through the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctl {
    Break(u32),
    Continue(u32),
    Return(i32),
    Exit(i32),
}

pub type R = Result<i32, Ctl>;

/// The three standard streams of a running command.
#[derive(Clone)]
pub struct Io {
    pub stdin: SharedInput,
    pub stdout: Output,
    pub stderr: Output,
}

#[derive(Clone, Debug)]
pub enum Value {
    Str(String),
    Array(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Var {
    pub value: Value,
    pub exported: bool,
    pub readonly: bool,
}

/// Caps on one command's output and time, per mount (`commandSafeguards`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Safeguard {
    pub max_bytes: Option<u64>,
    pub max_lines: Option<u64>,
    pub timeout: Option<std::time::Duration>,
    /// Fail the command (exit 1, no output) instead of truncating.
    pub on_exceed_error: bool,
}

/// Mount prefix (normalised, `/bucket`) -> command name -> safeguard.
pub type Safeguards = HashMap<String, HashMap<String, Safeguard>>;

/// Bounds that keep one command from exhausting the process.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest `$(...)` output kept.
    pub max_substitution_bytes: usize,
    /// Largest output redirected to a file in one command.
    pub max_redirect_bytes: usize,
    /// Deepest function recursion (bash's FUNCNEST).
    pub max_function_depth: usize,
    /// Most iterations of one loop.
    pub max_loop_iterations: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_substitution_bytes: 64 << 20,
            max_redirect_bytes: 1 << 30,
            max_function_depth: 1000,
            max_loop_iterations: 10_000_000,
        }
    }
}

/// The state of one shell: variables, functions, cwd and options.
#[derive(Clone)]
pub struct Shell {
    pub vfs: Arc<Vfs>,
    pub registry: Arc<Registry>,
    pub cwd: String,
    pub vars: HashMap<String, Var>,
    pub functions: HashMap<String, Arc<Command>>,
    pub positional: Vec<String>,
    pub last_status: i32,
    pub errexit: bool,
    pub pipefail: bool,
    pub nounset: bool,
    pub limits: Limits,
    /// Saved variables to restore when a function returns (for `local`).
    pub(crate) local_frames: Vec<HashMap<String, Option<Var>>>,
    /// Inside an `if`/`while` condition or a `&&`/`||` left side, `set -e` does not fire.
    pub(crate) in_condition: usize,
    pub(crate) line: usize,
    pub(crate) function_depth: usize,
    /// `/dev/fd/N` files made by `<(...)` for the command being run; removed after it.
    pub(crate) temp_paths: Vec<String>,
    pub safeguards: Arc<Safeguards>,
}

impl Shell {
    pub fn new(vfs: Arc<Vfs>, registry: Arc<Registry>, cwd: String, env: &HashMap<String, String>) -> Shell {
        let mut sh = Shell {
            vfs,
            registry,
            cwd: cwd.clone(),
            vars: HashMap::new(),
            functions: HashMap::new(),
            positional: Vec::new(),
            last_status: 0,
            errexit: false,
            pipefail: false,
            nounset: false,
            limits: Limits::default(),
            local_frames: Vec::new(),
            in_condition: 0,
            line: 1,
            function_depth: 0,
            temp_paths: Vec::new(),
            safeguards: Arc::new(Safeguards::new()),
        };
        for (k, v) in env {
            sh.vars.insert(k.clone(), Var { value: Value::Str(v.clone()), exported: true, readonly: false });
        }
        if !sh.vars.contains_key("HOME") {
            sh.set_var("HOME", "/".into());
        }
        sh.set_exported("PWD", cwd);
        sh
    }

    /// A copy for a subshell, pipeline stage or command substitution.
    pub fn subshell(&self) -> Shell {
        let mut sh = self.clone();
        // Temporary files belong to the command that made them, not to the copy.
        sh.temp_paths.clear();
        sh
    }

    // ------------------------------------------------------------ variables

    pub fn get_var(&self, name: &str) -> Option<String> {
        match name {
            "?" => return Some(self.last_status.to_string()),
            "#" => return Some(self.positional.len().to_string()),
            "@" | "*" => return Some(self.positional.join(" ")),
            "0" => return Some("bash".into()),
            "$" => return Some("1".into()),
            "!" => return None,
            "-" => {
                let mut f = String::from("h");
                if self.errexit {
                    f.push('e');
                }
                if self.nounset {
                    f.push('u');
                }
                f.push_str("Bc");
                return Some(f);
            }
            "PWD" => return Some(self.cwd.clone()),
            "RANDOM" => return Some((rand::random::<u16>() % 32768).to_string()),
            _ => {}
        }
        if let Ok(n) = name.parse::<usize>() {
            return if n == 0 { Some("bash".into()) } else { self.positional.get(n - 1).cloned() };
        }
        self.vars.get(name).map(|v| match &v.value {
            Value::Str(s) => s.clone(),
            Value::Array(a) => a.first().cloned().unwrap_or_default(),
        })
    }

    pub fn var_is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    pub fn get_array(&self, name: &str) -> Vec<String> {
        match self.vars.get(name).map(|v| &v.value) {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Str(s)) => vec![s.clone()],
            None => Vec::new(),
        }
    }

    pub fn set_var(&mut self, name: &str, value: String) {
        if name == "PWD" {
            self.cwd = path::normalize(&self.cwd, &value);
        }
        match self.vars.get_mut(name) {
            Some(v) => v.value = Value::Str(value),
            None => {
                self.vars.insert(name.to_string(), Var { value: Value::Str(value), exported: false, readonly: false });
            }
        }
    }

    pub fn set_exported(&mut self, name: &str, value: String) {
        self.set_var(name, value);
        if let Some(v) = self.vars.get_mut(name) {
            v.exported = true;
        }
    }

    pub fn set_array_element(&mut self, name: &str, index: usize, value: String) {
        let mut items = self.get_array(name);
        if items.len() <= index {
            items.resize(index + 1, String::new());
        }
        items[index] = value;
        let exported = self.vars.get(name).is_some_and(|v| v.exported);
        self.vars.insert(name.to_string(), Var { value: Value::Array(items), exported, readonly: false });
    }

    /// Exported variables, as a command's environment.
    pub fn exported_env(&self) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(k, v)| {
                let s = match &v.value {
                    Value::Str(s) => s.clone(),
                    Value::Array(a) => a.first().cloned().unwrap_or_default(),
                };
                (k.clone(), s)
            })
            .collect();
        env.insert("PWD".into(), self.cwd.clone());
        env
    }

    // ------------------------------------------------------------ running scripts

    /// Run a whole script as `bash -c` does: each complete command is parsed and then run,
    /// so a syntax error on a later line does not stop the earlier ones.
    pub async fn run_script(&mut self, src: &str, io: &Io) -> i32 {
        let mut parser = Parser::new(src);
        loop {
            let next = parser.next_complete_command();
            for w in parser.warnings.drain(..) {
                let _ = io.stderr.write_str(&w).await;
            }
            match next {
                Ok(Some(list)) => match self.run_list(&list, io).await {
                    Ok(s) => self.last_status = s,
                    Err(Ctl::Exit(s)) => {
                        self.last_status = s;
                        return s;
                    }
                    Err(Ctl::Return(s)) => {
                        let _ = io.stderr.write_str(&format!("bash: line {}: return: can only `return' from a function or sourced script\n", self.line)).await;
                        self.last_status = s;
                    }
                    Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => {}
                },
                Ok(None) => return self.last_status,
                Err(e) => return self.report_syntax_error(&e, src, io).await,
            }
        }
    }

    async fn report_syntax_error(&mut self, e: &SyntaxError, src: &str, io: &Io) -> i32 {
        let _ = io.stderr.write_str(&e.message(src)).await;
        self.last_status = e.exit_code();
        self.last_status
    }

    pub fn run_list<'a>(&'a mut self, list: &'a List, io: &'a Io) -> BoxFuture<'a, R> {
        Box::pin(async move {
            let mut status = 0;
            for item in &list.items {
                status = self.run_and_or(&item.and_or, io).await?;
                self.last_status = status;
            }
            Ok(status)
        })
    }

    async fn run_and_or(&mut self, ao: &AndOr, io: &Io) -> R {
        let guarded = !ao.rest.is_empty();
        if guarded {
            self.in_condition += 1;
        }
        let first = self.run_pipeline(&ao.first, io).await;
        if guarded {
            self.in_condition -= 1;
        }
        let mut status = first?;
        for (i, (conn, p)) in ao.rest.iter().enumerate() {
            self.last_status = status;
            let run = match conn {
                Connector::And => status == 0,
                Connector::Or => status != 0,
            };
            if run {
                let last = i + 1 == ao.rest.len();
                if !last {
                    self.in_condition += 1;
                }
                let r = self.run_pipeline(p, io).await;
                if !last {
                    self.in_condition -= 1;
                }
                status = r?;
            }
        }
        Ok(status)
    }

    async fn run_pipeline(&mut self, p: &Pipeline, io: &Io) -> R {
        if p.negated {
            self.in_condition += 1;
        }
        let r = self.run_pipeline_inner(p, io).await;
        if p.negated {
            self.in_condition -= 1;
        }
        let status = r?;
        let status = if p.negated { (status == 0) as i32 } else { status };
        self.last_status = status;
        if self.errexit && status != 0 && self.in_condition == 0 && !p.negated {
            return Err(Ctl::Exit(status));
        }
        Ok(status)
    }

    async fn run_pipeline_inner(&mut self, p: &Pipeline, io: &Io) -> R {
        if p.commands.len() == 1 {
            return self.run_command(&p.commands[0], io).await;
        }
        // Every stage runs at once in its own copy of the shell, joined by bounded pipes.
        let n = p.commands.len();
        let mut stage_ios = Vec::with_capacity(n);
        let mut next_in: Option<Input> = None;
        for i in 0..n {
            let stdin = match next_in.take() {
                Some(inp) => io::shared(inp),
                None => io.stdin.clone(),
            };
            let stdout = if i + 1 < n {
                let (out, inp) = io::pipe();
                next_in = Some(inp);
                out
            } else {
                io.stdout.clone()
            };
            stage_ios.push(Io { stdin, stdout, stderr: io.stderr.clone() });
        }
        let futures: Vec<_> = p
            .commands
            .iter()
            .zip(stage_ios)
            .map(|(cmd, stage_io)| {
                let mut sh = self.subshell();
                async move {
                    let r = sh.run_command(cmd, &stage_io).await;
                    // Close this stage's end of the pipes as soon as it finishes.
                    drop(stage_io);
                    match r {
                        Ok(s) => s,
                        Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) => s,
                        Err(_) => 0,
                    }
                }
            })
            .collect();
        let statuses = futures::future::join_all(futures).await;
        let last = *statuses.last().unwrap_or(&0);
        if self.pipefail {
            if let Some(s) = statuses.iter().rev().find(|s| **s != 0) {
                return Ok(*s);
            }
        }
        Ok(last)
    }

    pub fn run_command<'a>(&'a mut self, cmd: &'a Command, io: &'a Io) -> BoxFuture<'a, R> {
        Box::pin(async move {
            self.line = cmd.line;
            if let CommandKind::Simple { assigns, words } = &cmd.kind {
                return self.run_simple(assigns, words, &cmd.redirects, io).await;
            }
            if let CommandKind::FunctionDef { name, body } = &cmd.kind {
                self.functions.insert(name.clone(), body.clone());
                return Ok(0);
            }
            let (cio, pending) = match self.apply_redirects(&cmd.redirects, io).await {
                Ok(x) => x,
                Err(status) => return Ok(status),
            };
            let r = self.run_compound(&cmd.kind, &cio).await;
            drop(cio);
            let flushed = self.flush_redirects(pending, io).await;
            let status = r?;
            Ok(if flushed { status } else { 1 })
        })
    }

    async fn run_compound(&mut self, kind: &CommandKind, io: &Io) -> R {
        match kind {
            CommandKind::Group(list) => self.run_list(list, io).await,
            CommandKind::Subshell(list) => {
                let mut sub = self.subshell();
                match sub.run_list(list, io).await {
                    Ok(s) => Ok(s),
                    Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) => Ok(s),
                    Err(_) => Ok(sub.last_status),
                }
            }
            CommandKind::If { branches, otherwise } => {
                for (cond, body) in branches {
                    self.in_condition += 1;
                    let c = self.run_list(cond, io).await;
                    self.in_condition -= 1;
                    if c? == 0 {
                        return self.run_list(body, io).await;
                    }
                }
                match otherwise {
                    Some(body) => self.run_list(body, io).await,
                    None => Ok(0),
                }
            }
            CommandKind::While { cond, body, until } => {
                let mut status = 0;
                let mut iterations = 0u64;
                loop {
                    iterations += 1;
                    if iterations > self.limits.max_loop_iterations {
                        let _ = io.stderr.write_str("bash: loop iteration limit reached\n").await;
                        return Ok(1);
                    }
                    self.in_condition += 1;
                    let c = self.run_list(cond, io).await;
                    self.in_condition -= 1;
                    let c = c?;
                    if (c == 0) == *until {
                        break;
                    }
                    match loop_step(self.run_list(body, io).await)? {
                        LoopStep::Next(s) => status = s,
                        LoopStep::Break => break,
                    }
                    tokio::task::yield_now().await;
                }
                Ok(status)
            }
            CommandKind::For { var, items, body } => {
                let values = match items {
                    Some(words) => match self.expand_words(words, io).await {
                        Ok(v) => v,
                        Err(e) => return self.expansion_failed(e, io).await,
                    },
                    None => self.positional.clone(),
                };
                let mut status = 0;
                for v in values {
                    self.set_var(var, v);
                    match loop_step(self.run_list(body, io).await)? {
                        LoopStep::Next(s) => status = s,
                        LoopStep::Break => break,
                    }
                }
                Ok(status)
            }
            CommandKind::ArithFor { init, cond, step, body } => {
                if let Err(e) = self.eval_arith_word(init, io).await {
                    return self.expansion_failed(e, io).await;
                }
                let mut status = 0;
                let mut iterations = 0u64;
                loop {
                    iterations += 1;
                    if iterations > self.limits.max_loop_iterations {
                        return Ok(1);
                    }
                    let c = if cond.parts.is_empty() {
                        1
                    } else {
                        match self.eval_arith_word(cond, io).await {
                            Ok(v) => v,
                            Err(e) => return self.expansion_failed(e, io).await,
                        }
                    };
                    if c == 0 {
                        break;
                    }
                    match loop_step(self.run_list(body, io).await)? {
                        LoopStep::Next(s) => status = s,
                        LoopStep::Break => break,
                    }
                    if let Err(e) = self.eval_arith_word(step, io).await {
                        return self.expansion_failed(e, io).await;
                    }
                    tokio::task::yield_now().await;
                }
                Ok(status)
            }
            CommandKind::Case { subject, arms } => {
                let s = match self.expand_string(subject, io).await {
                    Ok(s) => s,
                    Err(e) => return self.expansion_failed(e, io).await,
                };
                let mut status = 0;
                let mut i = 0;
                let mut fall = false;
                while i < arms.len() {
                    let arm = &arms[i];
                    let mut matched = fall;
                    if !matched {
                        for p in &arm.patterns {
                            let pat = match self.expand_pattern(p, io).await {
                                Ok(p) => p,
                                Err(e) => return self.expansion_failed(e, io).await,
                            };
                            if pat.matches(&s) {
                                matched = true;
                                break;
                            }
                        }
                    }
                    if matched {
                        status = self.run_list(&arm.body, io).await?;
                        match arm.terminator {
                            CaseTerminator::Break => break,
                            CaseTerminator::FallThrough => fall = true,
                            CaseTerminator::Continue => fall = false,
                        }
                    }
                    i += 1;
                }
                Ok(status)
            }
            CommandKind::Arith(w) => match self.eval_arith_word(w, io).await {
                Ok(v) => Ok((v == 0) as i32),
                Err(e) => self.expansion_failed(e, io).await,
            },
            CommandKind::Cond(e) => match self.eval_cond(e, io).await {
                Ok(b) => Ok((!b) as i32),
                Err(e) => {
                    let s = self.expansion_failed(e, io).await?;
                    Ok(if s == 1 { 2 } else { s })
                }
            },
            CommandKind::Simple { .. } | CommandKind::FunctionDef { .. } => unreachable!(),
        }
    }

    async fn eval_arith_word(&mut self, w: &Word, io: &Io) -> Result<i64, ExpandError> {
        let text = self.expand_string(w, io).await?;
        self.arith(&text)
    }

    /// Print an expansion error as bash does and give the status it leaves.
    pub(crate) async fn expansion_failed(&mut self, e: ExpandError, io: &Io) -> R {
        let _ = io.stderr.write_str(&format!("bash: line {}: {}\n", self.line, e.message)).await;
        self.last_status = 1;
        if e.fatal {
            return Err(Ctl::Exit(1));
        }
        Ok(1)
    }

    fn eval_cond<'a>(&'a mut self, e: &'a CondExpr, io: &'a Io) -> BoxFuture<'a, Result<bool, ExpandError>> {
        Box::pin(async move {
            Ok(match e {
                CondExpr::Not(x) => !self.eval_cond(x, io).await?,
                CondExpr::And(a, b) => self.eval_cond(a, io).await? && self.eval_cond(b, io).await?,
                CondExpr::Or(a, b) => self.eval_cond(a, io).await? || self.eval_cond(b, io).await?,
                CondExpr::Word(w) => !self.expand_string(w, io).await?.is_empty(),
                CondExpr::Unary(op, w) => {
                    let v = self.expand_string(w, io).await?;
                    crate::commands::test::unary(&self.vfs, &self.cwd, op, &v).await.map_err(|m| ExpandError { message: m, fatal: false })?
                }
                CondExpr::Binary(l, op, r) => {
                    let left = self.expand_string(l, io).await?;
                    match op.as_str() {
                        "==" | "=" | "!=" => {
                            let pat = self.expand_pattern(r, io).await?;
                            pat.matches(&left) == (op != "!=")
                        }
                        "=~" => {
                            let re = self.expand_string(r, io).await?;
                            match regex::Regex::new(&re) {
                                Ok(rx) => match rx.captures(&left) {
                                    Some(caps) => {
                                        let items: Vec<String> =
                                            caps.iter().map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default()).collect();
                                        self.vars.insert(
                                            "BASH_REMATCH".into(),
                                            Var { value: Value::Array(items), exported: false, readonly: false },
                                        );
                                        true
                                    }
                                    None => false,
                                },
                                Err(_) => return Err(ExpandError { message: "invalid regular expression".into(), fatal: false }),
                            }
                        }
                        "<" => left < self.expand_string(r, io).await?,
                        ">" => left > self.expand_string(r, io).await?,
                        _ => {
                            let right = self.expand_string(r, io).await?;
                            if matches!(op.as_str(), "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge") {
                                let a = self.arith(&left)?;
                                let b = self.arith(&right)?;
                                match op.as_str() {
                                    "-eq" => a == b,
                                    "-ne" => a != b,
                                    "-lt" => a < b,
                                    "-le" => a <= b,
                                    "-gt" => a > b,
                                    _ => a >= b,
                                }
                            } else {
                                crate::commands::test::binary_files(&self.vfs, &self.cwd, &left, op, &right).await
                            }
                        }
                    }
                }
            })
        })
    }

    // ------------------------------------------------------------ simple commands

    async fn run_simple(&mut self, assigns: &[Assign], words: &[Word], redirects: &[Redirect], io: &Io) -> R {
        let r = self.run_simple_inner(assigns, words, redirects, io).await;
        for p in std::mem::take(&mut self.temp_paths) {
            self.vfs.remove_temp(&p);
        }
        r
    }

    async fn run_simple_inner(&mut self, assigns: &[Assign], words: &[Word], redirects: &[Redirect], io: &Io) -> R {
        let argv = match self.expand_words(words, io).await {
            Ok(v) => v,
            Err(e) => return self.expansion_failed(e, io).await,
        };
        let mut values = Vec::with_capacity(assigns.len());
        for a in assigns {
            match self.assignment_value(a, io).await {
                Ok(v) => values.push(v),
                Err(e) => return self.expansion_failed(e, io).await,
            }
        }
        if argv.is_empty() {
            let status_from_subst = self.last_status;
            let had_subst = words_have_substitution(assigns);
            for (a, v) in assigns.iter().zip(values) {
                self.assign(a, v);
            }
            let (_cio, pending) = match self.apply_redirects(redirects, io).await {
                Ok(x) => x,
                Err(status) => return Ok(status),
            };
            drop(_cio);
            if !self.flush_redirects(pending, io).await {
                return Ok(1);
            }
            return Ok(if had_subst { status_from_subst } else { 0 });
        }
        let (cio, pending) = match self.apply_redirects(redirects, io).await {
            Ok(x) => x,
            Err(status) => return Ok(status),
        };
        let r = self.dispatch(&argv, assigns, values, &cio).await;
        drop(cio);
        let flushed = self.flush_redirects(pending, io).await;
        let status = r?;
        Ok(if flushed { status } else { 1 })
    }

    async fn assignment_value(&mut self, a: &Assign, io: &Io) -> Result<Value, ExpandError> {
        Ok(match &a.value {
            AssignValue::Scalar(w) => Value::Str(self.expand_string(w, io).await?),
            AssignValue::Array(ws) => Value::Array(self.expand_words(ws, io).await?),
        })
    }

    fn assign(&mut self, a: &Assign, v: Value) {
        match (v, &a.index) {
            (Value::Str(s), Some(idx)) => {
                let i = idx.as_plain().and_then(|t| self.arith(t).ok()).unwrap_or(0).max(0) as usize;
                self.set_array_element(&a.name, i, s);
            }
            (Value::Str(s), None) => {
                let s = if a.append { self.get_var(&a.name).unwrap_or_default() + &s } else { s };
                self.set_var(&a.name, s);
            }
            (Value::Array(items), _) => {
                let items = if a.append {
                    let mut cur = self.get_array(&a.name);
                    cur.extend(items);
                    cur
                } else {
                    items
                };
                let exported = self.vars.get(&a.name).is_some_and(|v| v.exported);
                self.vars.insert(a.name.clone(), Var { value: Value::Array(items), exported, readonly: false });
            }
        }
    }

    async fn dispatch(&mut self, argv: &[String], assigns: &[Assign], values: Vec<Value>, io: &Io) -> R {
        let name = argv[0].as_str();
        if let Some(body) = self.functions.get(name).cloned() {
            return self.call_function(name, body, argv, assigns, values, io).await;
        }
        if super::builtins::is_builtin(name) {
            // Prefix assignments to a builtin last only for that call.
            let saved: Vec<(String, Option<Var>)> = assigns.iter().map(|a| (a.name.clone(), self.vars.get(&a.name).cloned())).collect();
            for (a, v) in assigns.iter().zip(values) {
                self.assign(a, v);
            }
            let r = super::builtins::run(self, argv, io).await;
            if !matches!(name, "export" | "readonly" | "declare" | "typeset" | "local" | "unset") {
                for (n, v) in saved {
                    match v {
                        Some(v) => {
                            self.vars.insert(n, v);
                        }
                        None => {
                            self.vars.remove(&n);
                        }
                    }
                }
            }
            return r;
        }
        let Some(command) = self.registry.get(name) else {
            let _ = io.stderr.write_str(&format!("bash: line {}: {}: command not found\n", self.line, name)).await;
            return Ok(127);
        };
        let mut env = self.exported_env();
        for (a, v) in assigns.iter().zip(values) {
            if let Value::Str(s) = v {
                env.insert(a.name.clone(), s);
            }
        }
        let guard = self.safeguard_for(name, &argv[1..]);
        let limiter = guard.as_ref().and_then(|(_, g)| {
            (g.max_bytes.is_some() || g.max_lines.is_some()).then(|| io::Limiter::new(io.stdout.clone(), g.max_bytes, g.max_lines, g.on_exceed_error))
        });
        let ctx = Ctx {
            name: name.to_string(),
            args: argv[1..].to_vec(),
            stdin: io.stdin.clone(),
            stdout: match &limiter {
                Some(l) => Output::Limited(l.clone()),
                None => io.stdout.clone(),
            },
            stderr: io.stderr.clone(),
            vfs: self.vfs.clone(),
            cwd: self.cwd.clone(),
            env: Arc::new(env),
            registry: self.registry.clone(),
        };
        let timeout = guard.as_ref().and_then(|(_, g)| g.timeout);
        let mut status = match timeout {
            Some(t) => match tokio::time::timeout(t, command.run(ctx)).await {
                Ok(s) => s,
                Err(_) => {
                    // Dropping the command's future stops its requests too.
                    let _ = io.stderr.write_str(&format!("{name}: timed out after {}s\n", fmt_secs(t))).await;
                    return Ok(124);
                }
            },
            None => command.run(ctx).await,
        };
        if let (Some(l), Some((prefix, g))) = (&limiter, &guard) {
            let cap = match (g.max_lines, g.max_bytes) {
                (Some(n), None) => format!("{n} lines"),
                (None, Some(b)) => format!("{b} bytes"),
                (Some(n), Some(b)) => format!("{n} lines / {b} bytes"),
                (None, None) => String::new(),
            };
            if l.exceeded() {
                if g.on_exceed_error {
                    let _ = io.stderr.write_str(&format!("{name}: output exceeds the safeguard of {cap} for {prefix}/\n")).await;
                    return Ok(1);
                }
                let _ = io
                    .stderr
                    .write_str(&format!(
                        "mirage: output of {name} truncated at the safeguard of {cap} for {prefix}/; narrow with grep, or read more with head -n / tail -n / a more specific path\n"
                    ))
                    .await;
                if status == crate::commands::EXIT_PIPE && !io.stdout.is_closed() {
                    status = 0;
                }
            } else if l.release().await.is_err() {
                status = crate::commands::EXIT_PIPE;
            }
        }
        if status == crate::commands::EXIT_PIPE && io.stdout.is_closed() {
            // SIGPIPE ends the whole shell process this command runs in (a pipeline stage).
            return Err(Ctl::Exit(status));
        }
        Ok(status)
    }

    /// The safeguard for a command: by the mount of its first path operand, else of the cwd.
    fn safeguard_for(&self, name: &str, args: &[String]) -> Option<(String, Safeguard)> {
        if self.safeguards.is_empty() {
            return None;
        }
        let mount = args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .find_map(|a| self.vfs.mount_of(&path::normalize(&self.cwd, a)))
            .or_else(|| self.vfs.mount_of(&self.cwd))?;
        let g = self.safeguards.get(&mount.prefix)?.get(name)?;
        Some((mount.prefix.clone(), g.clone()))
    }

    async fn call_function(&mut self, name: &str, body: Arc<Command>, argv: &[String], assigns: &[Assign], values: Vec<Value>, io: &Io) -> R {
        if self.function_depth >= self.limits.max_function_depth {
            let _ = io
                .stderr
                .write_str(&format!("bash: line {}: {}: maximum function nesting level exceeded ({})\n", self.line, name, self.limits.max_function_depth))
                .await;
            return Ok(1);
        }
        let saved_positional = std::mem::replace(&mut self.positional, argv[1..].to_vec());
        self.local_frames.push(HashMap::new());
        for (a, v) in assigns.iter().zip(values) {
            super::builtins::declare_local(self, &a.name);
            self.assign(a, v);
        }
        self.function_depth += 1;
        let r = self.run_command(&body, io).await;
        self.function_depth -= 1;
        if let Some(frame) = self.local_frames.pop() {
            for (n, v) in frame {
                match v {
                    Some(v) => {
                        self.vars.insert(n, v);
                    }
                    None => {
                        self.vars.remove(&n);
                    }
                }
            }
        }
        self.positional = saved_positional;
        match r {
            Ok(s) => Ok(s),
            Err(Ctl::Return(s)) => Ok(s),
            Err(e) => Err(e),
        }
    }

    // ------------------------------------------------------------ redirections

    /// Apply redirections: the command's streams, and the files to write when it ends.
    /// On failure the error is printed and its status returned.
    async fn apply_redirects(&mut self, redirects: &[Redirect], io: &Io) -> Result<(Io, Vec<PendingWrite>), i32> {
        let mut cio = io.clone();
        let mut pending: Vec<PendingWrite> = Vec::new();
        for r in redirects {
            let fd = r.fd.unwrap_or(match r.op {
                RedirOp::In | RedirOp::DupIn | RedirOp::HereDoc | RedirOp::HereString | RedirOp::ReadWrite => 0,
                _ => 1,
            });
            match (&r.op, &r.target) {
                (RedirOp::HereDoc, RedirTarget::HereDoc(slot)) => {
                    let body = match slot.get() {
                        Some(h) => match self.expand_string(&h.body, io).await {
                            Ok(s) => s,
                            Err(e) => return Err(self.expansion_failed(e, io).await.unwrap_or(1)),
                        },
                        None => String::new(),
                    };
                    if fd == 0 {
                        cio.stdin = io::shared(Input::Bytes(Bytes::from(body)));
                    }
                }
                (op, RedirTarget::Word(w)) => {
                    let target = match self.expand_string(w, io).await {
                        Ok(s) => s,
                        Err(e) => return Err(self.expansion_failed(e, io).await.unwrap_or(1)),
                    };
                    match op {
                        RedirOp::HereString => {
                            cio.stdin = io::shared(Input::Bytes(Bytes::from(format!("{target}\n"))));
                        }
                        RedirOp::DupOut | RedirOp::DupIn => {
                            let stream = match target.as_str() {
                                "1" => Some(cio.stdout.clone()),
                                "2" => Some(cio.stderr.clone()),
                                "-" => Some(Output::Null),
                                "0" if *op == RedirOp::DupIn => None,
                                _ => {
                                    let _ = io.stderr.write_str(&format!("bash: line {}: {}: Bad file descriptor\n", self.line, target)).await;
                                    return Err(1);
                                }
                            };
                            if let Some(s) = stream {
                                match fd {
                                    1 => cio.stdout = s,
                                    2 => cio.stderr = s,
                                    _ => {}
                                }
                            }
                        }
                        RedirOp::In | RedirOp::ReadWrite => {
                            let input = match self.open_input(&target).await {
                                Ok(i) => i,
                                Err(e) => {
                                    let _ = io.stderr.write_str(&format!("bash: line {}: {}: {}\n", self.line, target, e)).await;
                                    return Err(1);
                                }
                            };
                            if fd == 0 {
                                cio.stdin = io::shared(input);
                            }
                        }
                        RedirOp::Out | RedirOp::Append | RedirOp::OutErr | RedirOp::AppendOutErr => {
                            let append = matches!(op, RedirOp::Append | RedirOp::AppendOutErr);
                            let out = match self.open_output(&target, append, &mut pending).await {
                                Ok(o) => o,
                                Err(e) => {
                                    let _ = io.stderr.write_str(&format!("bash: line {}: {}: {}\n", self.line, target, e)).await;
                                    return Err(1);
                                }
                            };
                            match op {
                                RedirOp::OutErr | RedirOp::AppendOutErr => {
                                    cio.stdout = out.clone();
                                    cio.stderr = out;
                                }
                                _ => match fd {
                                    1 => cio.stdout = out,
                                    2 => cio.stderr = out,
                                    _ => {}
                                },
                            }
                        }
                        RedirOp::HereDoc => {}
                    }
                }
                _ => {}
            }
        }
        Ok((cio, pending))
    }

    async fn open_input(&self, target: &str) -> Result<Input, FsError> {
        let abs = path::normalize(&self.cwd, target);
        match abs.as_str() {
            "/dev/null" => return Ok(Input::Empty),
            "/dev/stdin" => return Ok(Input::Empty),
            _ => {}
        }
        let meta = self.vfs.stat(&abs).await?;
        if meta.is_dir() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        let h = self.vfs.read(&abs, None).await?;
        Ok(Input::Stream(h.body))
    }

    async fn open_output(&self, target: &str, append: bool, pending: &mut Vec<PendingWrite>) -> Result<Output, FsError> {
        let abs = path::normalize(&self.cwd, target);
        match abs.as_str() {
            "/dev/null" => return Ok(Output::Null),
            "/dev/stdout" | "/dev/stderr" => return Ok(Output::Null),
            _ => {}
        }
        // Refuse before running anything: read-only mount, a directory, a missing parent.
        self.vfs.check_writable(&abs)?;
        match self.vfs.stat(&abs).await {
            Ok(m) if m.is_dir() => return Err(FsError::new(ErrorKind::IsADirectory)),
            Ok(_) => {}
            Err(e) if e.is_not_found() => {
                let parent = path::dirname(&abs);
                match self.vfs.stat(parent).await {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => return Err(FsError::new(ErrorKind::NotADirectory)),
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
        // Two redirections to the same file in one command share one buffer.
        if let Some(p) = pending.iter().find(|p| p.abs == abs) {
            return Ok(Output::Capture(p.capture.clone()));
        }
        let capture = Capture::new(self.limits.max_redirect_bytes);
        pending.push(PendingWrite { abs, display: target.to_string(), capture: capture.clone(), append });
        Ok(Output::Capture(capture))
    }

    /// Write what redirected commands produced. Returns false if a write failed.
    async fn flush_redirects(&mut self, pending: Vec<PendingWrite>, io: &Io) -> bool {
        let mut ok = true;
        for p in pending {
            let mut data = p.capture.take();
            if p.append {
                match self.vfs.read_all(&p.abs).await {
                    Ok(old) => {
                        let mut all = old.to_vec();
                        all.extend_from_slice(&data);
                        data = all;
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        let _ = io.stderr.write_str(&format!("bash: line {}: {}: {}\n", self.line, p.display, e)).await;
                        ok = false;
                        continue;
                    }
                }
            }
            if let Err(e) = self.vfs.write(&p.abs, Bytes::from(data)).await {
                let _ = io.stderr.write_str(&format!("bash: line {}: {}: {}\n", self.line, p.display, e)).await;
                ok = false;
            }
        }
        ok
    }
}

/// What a loop does after one run of its body.
enum LoopStep {
    Next(i32),
    Break,
}

/// Apply `break N` / `continue N` to the innermost loop; deeper levels propagate.
fn loop_step(r: R) -> Result<LoopStep, Ctl> {
    match r {
        Ok(s) => Ok(LoopStep::Next(s)),
        Err(Ctl::Break(n)) if n > 1 => Err(Ctl::Break(n - 1)),
        Err(Ctl::Break(_)) => Ok(LoopStep::Break),
        Err(Ctl::Continue(n)) if n > 1 => Err(Ctl::Continue(n - 1)),
        Err(Ctl::Continue(_)) => Ok(LoopStep::Next(0)),
        Err(e) => Err(e),
    }
}

struct PendingWrite {
    abs: String,
    display: String,
    capture: Arc<Capture>,
    append: bool,
}

fn words_have_substitution(assigns: &[Assign]) -> bool {
    fn in_word(w: &Word) -> bool {
        w.parts.iter().any(|p| match p {
            WordPart::CommandSub(_) => true,
            WordPart::DoubleQuoted(inner) => inner.iter().any(|p| matches!(p, WordPart::CommandSub(_))),
            _ => false,
        })
    }
    assigns.iter().any(|a| match &a.value {
        AssignValue::Scalar(w) => in_word(w),
        AssignValue::Array(ws) => ws.iter().any(in_word),
    })
}


fn fmt_secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}
