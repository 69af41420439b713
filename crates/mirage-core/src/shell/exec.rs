//! The executor: walks the syntax tree, wiring pipes and redirections between commands.

use std::collections::{BTreeMap, HashMap};
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

/// An assignment's expanded value and subscript.
pub(crate) type AssignVal = (Value, Option<String>);

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
    /// An indexed array; sparse, as bash's are (`unset 'a[1]'`).
    Array(BTreeMap<usize, String>),
    /// An associative array (`declare -A`), in insertion order.
    Assoc(Vec<(String, String)>),
}

impl Value {
    /// An indexed array of `items` at 0, 1, 2...
    pub fn list(items: Vec<String>) -> Value {
        Value::Array(items.into_iter().enumerate().collect())
    }

    /// The value as `$name` sees it: element 0 of an array.
    pub fn scalar(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Array(a) => a.get(&0).cloned().unwrap_or_default(),
            Value::Assoc(m) => m.iter().find(|(k, _)| k == "0").map(|(_, v)| v.clone()).unwrap_or_default(),
        }
    }
}

/// The order bash lists an associative array in: its hash table's buckets in order (FNV-1
/// hash of the key, 1024 buckets), newest key first within a bucket.
pub fn assoc_order(items: &[(String, String)]) -> Vec<&(String, String)> {
    fn bucket(key: &str) -> u32 {
        let mut h: u32 = 2166136261;
        for b in key.bytes() {
            h = h.wrapping_mul(16777619);
            h ^= b as u32;
        }
        h & 1023
    }
    let mut order: Vec<(u32, usize, &(String, String))> = items.iter().enumerate().map(|(i, kv)| (bucket(&kv.0), i, kv)).collect();
    order.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    order.into_iter().map(|(_, _, kv)| kv).collect()
}

#[derive(Clone, Debug)]
pub struct Var {
    pub value: Value,
    pub exported: bool,
    pub readonly: bool,
    /// `declare -i`: assignments are evaluated arithmetically.
    pub integer: bool,
}

impl Var {
    pub fn new(value: Value) -> Var {
        Var { value, exported: false, readonly: false, integer: false }
    }
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
    /// A trap's action is running: bash runs no ERR trap inside one (no self-triggering).
    pub(crate) in_trap: bool,
    pub(crate) line: usize,
    pub(crate) function_depth: usize,
    /// `/dev/fd/N` files made by `<(...)` for the command being run; removed after it.
    pub(crate) temp_paths: Vec<String>,
    pub safeguards: Arc<Safeguards>,
    /// `shopt -s` options that are on (dotglob, nullglob, nocaseglob, globstar, extglob, ...).
    pub(crate) shopt: Vec<String>,
    /// `set -C` / `set -o noclobber`
    pub noclobber: bool,
    /// `set -x` / `set -o xtrace`
    pub xtrace: bool,
    /// How many loops enclose the running command (for `break`/`continue` outside a loop).
    pub(crate) loop_depth: usize,
    /// Names of the functions being run, innermost first (`FUNCNAME`).
    pub(crate) func_names: Vec<String>,
    /// `export X` of an unset X: exported once it is set.
    pub(crate) pending_exports: std::collections::HashSet<String>,
    /// Exit statuses of the last pipeline's commands (`PIPESTATUS`).
    pub(crate) pipestatus: Vec<i32>,
    /// File descriptors 3 and up opened by redirections of the enclosing commands.
    pub(crate) fds: HashMap<u32, Output>,
    /// `exec 3>file`: keep the descriptors the current command opens.
    pub(crate) keep_fds: bool,
    /// Nesting of command substitutions: `set -x` lines start with one `+` per level.
    pub(crate) subst_level: usize,
    /// `trap 'cmd' EXIT|ERR|RETURN|...`: signal name -> command.
    pub(crate) traps: HashMap<String, String>,
    /// `pushd`/`popd` stack, below the cwd.
    pub(crate) dirstack: Vec<String>,
    /// `alias name=value` (not expanded: bash -c does not expand aliases).
    pub(crate) aliases: Vec<(String, String)>,
    /// Position inside the current `getopts` argument (bash's hidden `OPTIND` offset).
    pub(crate) getopts_pos: usize,
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
            in_trap: false,
            line: 1,
            function_depth: 0,
            temp_paths: Vec::new(),
            safeguards: Arc::new(Safeguards::new()),
            shopt: Vec::new(),
            noclobber: false,
            xtrace: false,
            loop_depth: 0,
            func_names: Vec::new(),
            pending_exports: Default::default(),
            pipestatus: vec![0],
            fds: HashMap::new(),
            keep_fds: false,
            subst_level: 0,
            traps: HashMap::new(),
            dirstack: Vec::new(),
            aliases: Vec::new(),
            getopts_pos: 0,
        };
        for (k, v) in env {
            sh.vars.insert(k.clone(), Var { exported: true, ..Var::new(Value::Str(v.clone())) });
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
            "LINENO" => return Some(self.line.to_string()),
            "BASH_VERSION" => return Some("5.2.15(1)-release".into()),
            "FUNCNAME" => return self.func_names.first().cloned(),
            "PIPESTATUS" => return Some(self.pipestatus.first().copied().unwrap_or(0).to_string()),
            "RANDOM" => return Some((rand::random::<u16>() % 32768).to_string()),
            _ => {}
        }
        if let Ok(n) = name.parse::<usize>() {
            return if n == 0 { Some("bash".into()) } else { self.positional.get(n - 1).cloned() };
        }
        self.vars.get(name).map(|v| v.value.scalar())
    }

    pub fn var_is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// The values of an array (or the one value of a scalar), in index order.
    pub fn get_array(&self, name: &str) -> Vec<String> {
        match name {
            "PIPESTATUS" => return self.pipestatus.iter().map(|s| s.to_string()).collect(),
            "FUNCNAME" => return self.func_names.clone(),
            _ => {}
        }
        match self.vars.get(name).map(|v| &v.value) {
            Some(Value::Array(a)) => a.values().cloned().collect(),
            Some(Value::Assoc(m)) => assoc_order(m).into_iter().map(|(_, v)| v.clone()).collect(),
            Some(Value::Str(s)) => vec![s.clone()],
            None => Vec::new(),
        }
    }

    /// The indices (keys) of an array: `${!a[@]}`.
    pub fn array_keys(&self, name: &str) -> Vec<String> {
        if matches!(name, "PIPESTATUS" | "FUNCNAME") {
            return (0..self.get_array(name).len()).map(|i| i.to_string()).collect();
        }
        match self.vars.get(name).map(|v| &v.value) {
            Some(Value::Array(a)) => a.keys().map(|k| k.to_string()).collect(),
            Some(Value::Assoc(m)) => assoc_order(m).into_iter().map(|(k, _)| k.clone()).collect(),
            Some(Value::Str(_)) => vec!["0".into()],
            None => Vec::new(),
        }
    }

    pub fn is_assoc(&self, name: &str) -> bool {
        matches!(self.vars.get(name).map(|v| &v.value), Some(Value::Assoc(_)))
    }

    /// Resolve a subscript of an indexed array: arithmetic, negative counts from the end.
    fn array_index(&mut self, name: &str, key: &str) -> Option<usize> {
        let i = self.arith(key).unwrap_or(0);
        if i >= 0 {
            return Some(i as usize);
        }
        let end = match self.vars.get(name).map(|v| &v.value) {
            Some(Value::Array(a)) => a.keys().next_back().map(|k| k + 1).unwrap_or(0),
            Some(Value::Str(_)) => 1,
            _ => 0,
        } as i64;
        (end + i >= 0).then(|| (end + i) as usize)
    }

    /// `${name[key]}`
    pub fn get_element(&mut self, name: &str, key: &str) -> Option<String> {
        if matches!(name, "PIPESTATUS" | "FUNCNAME") {
            let items = self.get_array(name);
            let i = self.arith(key).unwrap_or(0);
            let i = if i < 0 { items.len() as i64 + i } else { i };
            return usize::try_from(i).ok().and_then(|i| items.get(i).cloned());
        }
        if let Some(Value::Assoc(m)) = self.vars.get(name).map(|v| &v.value) {
            return m.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        }
        let i = self.array_index(name, key)?;
        match self.vars.get(name).map(|v| &v.value) {
            Some(Value::Array(a)) => a.get(&i).cloned(),
            Some(Value::Str(s)) if i == 0 => Some(s.clone()),
            _ => None,
        }
    }

    /// `name[key]=value`
    pub fn set_element(&mut self, name: &str, key: &str, value: String) {
        if let Some(Value::Assoc(m)) = self.vars.get_mut(name).map(|v| &mut v.value) {
            match m.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => m.push((key.to_string(), value)),
            }
            return;
        }
        let Some(i) = self.array_index(name, key) else { return };
        self.set_array_element(name, i, value);
    }

    /// `unset 'name[key]'`
    pub fn unset_element(&mut self, name: &str, key: &str) {
        if let Some(Value::Assoc(m)) = self.vars.get_mut(name).map(|v| &mut v.value) {
            m.retain(|(k, _)| k != key);
            return;
        }
        let Some(i) = self.array_index(name, key) else { return };
        match self.vars.get_mut(name).map(|v| &mut v.value) {
            Some(Value::Array(a)) => {
                a.remove(&i);
            }
            Some(Value::Str(_)) if i == 0 => {
                self.vars.remove(name);
            }
            _ => {}
        }
    }

    pub fn set_var(&mut self, name: &str, value: String) {
        if name == "PWD" {
            self.cwd = path::normalize(&self.cwd, &value);
        }
        match self.vars.get_mut(name) {
            Some(v) => match &mut v.value {
                Value::Array(a) => {
                    a.insert(0, value);
                }
                Value::Assoc(m) => match m.iter_mut().find(|(k, _)| k == "0") {
                    Some(slot) => slot.1 = value,
                    None => m.push(("0".into(), value)),
                },
                Value::Str(s) => *s = value,
            },
            None => {
                let exported = self.pending_exports.remove(name);
                self.vars.insert(name.to_string(), Var { exported, ..Var::new(Value::Str(value)) });
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
        match self.vars.get_mut(name) {
            Some(v) => match &mut v.value {
                Value::Array(a) => {
                    a.insert(index, value);
                }
                Value::Str(s) => {
                    let mut a = BTreeMap::new();
                    a.insert(0, std::mem::take(s));
                    a.insert(index, value);
                    v.value = Value::Array(a);
                }
                Value::Assoc(m) => m.push((index.to_string(), value)),
            },
            None => {
                let mut a = BTreeMap::new();
                a.insert(index, value);
                self.vars.insert(name.to_string(), Var::new(Value::Array(a)));
            }
        }
    }

    /// Exported variables, as a command's environment.
    pub fn exported_env(&self) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported && matches!(v.value, Value::Str(_)))
            .map(|(k, v)| (k.clone(), v.value.scalar()))
            .collect();
        env.insert("PWD".into(), self.cwd.clone());
        env
    }

    /// Where an error happened, as bash prefixes its messages: `bash: line N`, or inside a
    /// function `environment: line N` (bash 5.2 names a `-c` function's source so).
    pub(crate) fn err_at(&self) -> String {
        let source = if self.function_depth > 0 { "environment" } else { "bash" };
        format!("{source}: line {}", self.line)
    }

    // ------------------------------------------------------------ running scripts

    /// Run a whole script as `bash -c` does: each complete command is parsed and then run,
    /// so a syntax error on a later line does not stop the earlier ones.
    pub async fn run_script(&mut self, src: &str, io: &Io) -> i32 {
        let status = self.run_script_inner(src, io).await;
        match self.traps.remove("EXIT") {
            Some(action) if !action.is_empty() => {
                // The EXIT trap runs as the shell ends; `exit` inside it sets the status.
                self.last_status = status;
                let mut parser = Parser::new(&action);
                while let Ok(Some(list)) = parser.next_complete_command() {
                    match self.run_list(&list, io).await {
                        Ok(s) => self.last_status = s,
                        Err(Ctl::Exit(s)) => return s,
                        Err(_) => break,
                    }
                }
                status
            }
            _ => status,
        }
    }

    /// Run the text of a trap.
    pub(crate) async fn run_trap(&mut self, name: &str, io: &Io) {
        let Some(action) = self.traps.get(name).cloned().filter(|a| !a.is_empty()) else { return };
        let saved = self.last_status;
        let was_in_trap = std::mem::replace(&mut self.in_trap, true);
        let mut parser = Parser::new(&action);
        while let Ok(Some(list)) = parser.next_complete_command() {
            if self.run_list(&list, io).await.is_err() {
                break;
            }
        }
        self.in_trap = was_in_trap;
        self.last_status = saved;
    }

    async fn run_script_inner(&mut self, src: &str, io: &Io) -> i32 {
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
                        let _ = io.stderr.write_str(&format!("{}: return: can only `return' from a function or sourced script\n", self.err_at())).await;
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
            // Every nested run passes here (functions, eval, source, $(...), traps): stop
            // well before the stack ends, and as soon as the execute must stop.
            if crate::limits::stack_exhausted() {
                let _ = io.stderr.write_str(&format!("{}: maximum nesting level exceeded\n", self.err_at())).await;
                return Err(Ctl::Exit(2));
            }
            if crate::limits::checkpoint().is_err() {
                return Err(Ctl::Exit(1));
            }
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
        if status != 0 && self.in_condition == 0 && !p.negated && !self.in_trap && self.traps.contains_key("ERR") {
            Box::pin(self.run_trap("ERR", io)).await;
        }
        if self.errexit && status != 0 && self.in_condition == 0 && !p.negated {
            return Err(Ctl::Exit(status));
        }
        Ok(status)
    }

    async fn run_pipeline_inner(&mut self, p: &Pipeline, io: &Io) -> R {
        if p.commands.len() == 1 {
            let r = self.run_command(&p.commands[0], io).await;
            if let Ok(s) = r {
                self.pipestatus = vec![s];
            }
            return r;
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
        self.pipestatus = statuses.clone();
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
            if cmd.redirects.is_empty() {
                return self.run_command_inner(cmd, io).await;
            }
            // Descriptors 3+ a command's redirections open last only for that command.
            let saved = self.fds.clone();
            let r = self.run_command_inner(cmd, io).await;
            if !std::mem::take(&mut self.keep_fds) {
                self.fds = saved;
            }
            r
        })
    }

    async fn run_command_inner(&mut self, cmd: &Command, io: &Io) -> R {
        {
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
        }
    }

    async fn run_compound(&mut self, kind: &CommandKind, io: &Io) -> R {
        let is_loop = matches!(kind, CommandKind::While { .. } | CommandKind::For { .. } | CommandKind::ArithFor { .. });
        if is_loop {
            self.loop_depth += 1;
        }
        let r = self.run_compound_inner(kind, io).await;
        if is_loop {
            self.loop_depth -= 1;
        }
        r
    }

    async fn run_compound_inner(&mut self, kind: &CommandKind, io: &Io) -> R {
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
                let shown: Vec<String> = if self.xtrace { values.iter().map(|v| xtrace_quote(v)).collect() } else { Vec::new() };
                for v in values {
                    if self.xtrace {
                        self.trace(&format!("for {var} in {}", shown.join(" ")), io).await;
                    }
                    self.set_var(var, v);
                    match loop_step(self.run_list(body, io).await)? {
                        LoopStep::Next(s) => status = s,
                        LoopStep::Break => break,
                    }
                    tokio::task::yield_now().await;
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
                Err(mut e) => {
                    if e.fatal.is_none() {
                        e.message = format!("((: {}", e.message);
                    }
                    self.expansion_failed(e, io).await
                }
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
        if !e.message.is_empty() {
            let _ = io.stderr.write_str(&format!("{}: {}\n", self.err_at(), e.message)).await;
        }
        self.last_status = 1;
        if let Some(status) = e.fatal {
            // Under `set -e` the failed command's status 1 is what the shell exits with.
            let status = if self.errexit && status == 127 { 1 } else { status };
            self.last_status = status;
            return Err(Ctl::Exit(status));
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
                CondExpr::Unary(op, w) if op == "-v" => {
                    let v = self.expand_string(w, io).await?;
                    match v.strip_suffix(']').and_then(|x| x.split_once('[')) {
                        Some((name, key)) => self.get_element(name, key).is_some(),
                        None => self.get_var(&v).is_some(),
                    }
                }
                CondExpr::Unary(op, w) => {
                    let v = self.expand_string(w, io).await?;
                    crate::commands::test::unary(&self.vfs, &self.cwd, op, &v).await.map_err(|m| ExpandError { message: m, fatal: None })?
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
                                        self.vars.insert("BASH_REMATCH".into(), Var::new(Value::list(items)));
                                        true
                                    }
                                    None => false,
                                },
                                // An invalid regex makes `[[` fail with status 2 and no message.
                                Err(_) => return Err(ExpandError { message: String::new(), fatal: None }),
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
                self.xtrace_assign(a, &v, io).await;
                if let Err(msg) = self.assign(a, v) {
                    let _ = io.stderr.write_str(&format!("{}: {msg}\n", self.err_at())).await;
                    self.last_status = 1;
                    return Err(Ctl::Exit(1));
                }
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
        if self.xtrace {
            let line: Vec<String> = argv.iter().map(|a| xtrace_quote(a)).collect();
            self.trace(&line.join(" "), io).await;
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

    /// `set -x` line for an assignment without a command.
    async fn xtrace_assign(&self, a: &Assign, v: &AssignVal, io: &Io) {
        if !self.xtrace {
            return;
        }
        let text = match v {
            (Value::Str(s), key) => {
                let lhs = match key {
                    Some(k) => format!("{}[{k}]", a.name),
                    None => a.name.clone(),
                };
                format!("{lhs}{}={}", if a.append { "+" } else { "" }, xtrace_quote(s))
            }
            (Value::Array(items), _) => {
                let items: Vec<String> = items.values().map(|s| xtrace_quote(s)).collect();
                format!("{}=({})", a.name, items.join(" "))
            }
            (Value::Assoc(_), _) => format!("{}=(...)", a.name),
        };
        self.trace(&text, io).await;
    }

    /// Print a `set -x` line: `+` per substitution level, then the text.
    pub(crate) async fn trace(&self, text: &str, io: &Io) {
        let _ = io.stderr.write_str(&format!("{} {text}\n", "+".repeat(self.subst_level + 1))).await;
    }

    async fn assignment_value(&mut self, a: &Assign, io: &Io) -> Result<AssignVal, ExpandError> {
        let v = match &a.value {
            AssignValue::Scalar(w) => Value::Str(self.expand_string(w, io).await?),
            AssignValue::Array(ws) => Value::list(self.expand_words(ws, io).await?),
        };
        let key = match &a.index {
            Some(w) => Some(self.expand_string(w, io).await?),
            None => None,
        };
        Ok((v, key))
    }

    /// Assign an expanded value; an error is bash's message (readonly, bad arithmetic).
    pub(crate) fn assign(&mut self, a: &Assign, v: AssignVal) -> Result<(), String> {
        let (v, key) = v;
        let (readonly, integer) = self.vars.get(&a.name).map(|v| (v.readonly, v.integer)).unwrap_or((false, false));
        if readonly {
            return Err(format!("{}: readonly variable", a.name));
        }
        let arith = |sh: &mut Shell, s: &str| sh.arith(s).map_err(|e| e.message);
        match (v, key) {
            (Value::Str(s), Some(key)) => {
                let cur = if a.append { self.get_element(&a.name, &key) } else { None };
                let s = if integer {
                    (cur.map(|c| arith(self, &c)).transpose()?.unwrap_or(0) + arith(self, &s)?).to_string()
                } else {
                    cur.unwrap_or_default() + &s
                };
                self.set_element(&a.name, &key, s);
            }
            (Value::Str(s), None) => {
                let cur = if a.append { self.get_var(&a.name) } else { None };
                let s = if integer {
                    (cur.map(|c| arith(self, &c)).transpose()?.unwrap_or(0) + arith(self, &s)?).to_string()
                } else {
                    cur.unwrap_or_default() + &s
                };
                self.set_var(&a.name, s);
            }
            (Value::Array(items), _) => {
                let mut value = match self.vars.get(&a.name).map(|v| &v.value) {
                    Some(Value::Array(cur)) if a.append => cur.clone(),
                    Some(Value::Str(cur)) if a.append => BTreeMap::from([(0, cur.clone())]),
                    _ => BTreeMap::new(),
                };
                let start = value.keys().next_back().map(|k| k + 1).unwrap_or(0);
                for (i, item) in items.into_values().enumerate() {
                    value.insert(start + i, item);
                }
                match self.vars.get_mut(&a.name) {
                    Some(var) => var.value = Value::Array(value),
                    None => {
                        let exported = self.pending_exports.remove(&a.name);
                        self.vars.insert(a.name.clone(), Var { exported, ..Var::new(Value::Array(value)) });
                    }
                }
            }
            (v @ Value::Assoc(_), _) => {
                self.vars.insert(a.name.clone(), Var::new(v));
            }
        }
        Ok(())
    }

    pub(crate) async fn dispatch(&mut self, argv: &[String], assigns: &[Assign], values: Vec<AssignVal>, io: &Io) -> R {
        let name = argv[0].as_str();
        if let Some(body) = self.functions.get(name).cloned() {
            return self.call_function(name, body, argv, assigns, values, io).await;
        }
        if super::builtins::is_builtin(name) {
            // Prefix assignments to a builtin last only for that call.
            let saved: Vec<(String, Option<Var>)> = assigns.iter().map(|a| (a.name.clone(), self.vars.get(&a.name).cloned())).collect();
            for (a, v) in assigns.iter().zip(values) {
                if let Err(msg) = self.assign(a, v) {
                    let _ = io.stderr.write_str(&format!("{}: {msg}\n", self.err_at())).await;
                    return Ok(1);
                }
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
        if name == "printf" && argv.get(1).is_some_and(|a| a == "-v") && argv.len() >= 3 && !self.functions.contains_key("printf") {
            return self.printf_to_var(argv, io).await;
        }
        let Some(command) = self.registry.get(name) else {
            if name.contains('/') {
                // A path is run, not looked up: nothing on a mount is executable.
                let (msg, status) = match self.vfs.stat(&path::normalize(&self.cwd, name)).await {
                    Ok(m) if m.is_dir() => ("Is a directory", 126),
                    Ok(_) => ("Permission denied", 126),
                    Err(_) => ("No such file or directory", 127),
                };
                let _ = io.stderr.write_str(&format!("{}: {}: {}\n", self.err_at(), name, msg)).await;
                return Ok(status);
            }
            let _ = io.stderr.write_str(&format!("{}: {}: command not found\n", self.err_at(), name)).await;
            return Ok(127);
        };
        let mut env = self.exported_env();
        for (a, v) in assigns.iter().zip(values) {
            if let (Value::Str(s), None) = v {
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

    /// `printf -v name fmt args...`: run printf with its output captured into the variable.
    async fn printf_to_var(&mut self, argv: &[String], io: &Io) -> R {
        let target = argv[2].clone();
        let (var, key) = match target.strip_suffix(']').and_then(|x| x.split_once('[')) {
            Some((v, k)) => (v.to_string(), Some(k.to_string())),
            None => (target.clone(), None),
        };
        if !super::parser::is_valid_name(&var) {
            let _ = io.stderr.write_str(&format!("{}: printf: `{target}': not a valid identifier\n", self.err_at())).await;
            return Ok(2);
        }
        let Some(command) = self.registry.get("printf") else { return Ok(127) };
        let cap = Capture::new(self.limits.max_substitution_bytes);
        let ctx = Ctx {
            name: "printf".into(),
            args: argv[3..].to_vec(),
            stdin: io.stdin.clone(),
            stdout: Output::Capture(cap.clone()),
            stderr: io.stderr.clone(),
            vfs: self.vfs.clone(),
            cwd: self.cwd.clone(),
            env: Arc::new(self.exported_env()),
            registry: self.registry.clone(),
        };
        let status = command.run(ctx).await;
        if cap.truncated() {
            let _ = io
                .stderr
                .write_str(&format!("{}: printf: output larger than {}: Cannot allocate memory\n", self.err_at(), crate::limits::format_bytes(self.limits.max_substitution_bytes as u64)))
                .await;
            return Ok(1);
        }
        let value = String::from_utf8_lossy(&cap.take()).into_owned();
        let a = Assign { name: var, index: None, value: AssignValue::Scalar(Word::default()), append: false };
        if let Err(msg) = self.assign(&a, (Value::Str(value), key)) {
            let _ = io.stderr.write_str(&format!("{}: {msg}\n", self.err_at())).await;
            return Ok(1);
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

    async fn call_function(&mut self, name: &str, body: Arc<Command>, argv: &[String], assigns: &[Assign], values: Vec<AssignVal>, io: &Io) -> R {
        if self.function_depth >= self.limits.max_function_depth {
            let _ = io
                .stderr
                .write_str(&format!("{}: {}: maximum function nesting level exceeded ({})\n", self.err_at(), name, self.limits.max_function_depth))
                .await;
            return Ok(1);
        }
        let saved_positional = std::mem::replace(&mut self.positional, argv[1..].to_vec());
        self.local_frames.push(HashMap::new());
        for (a, v) in assigns.iter().zip(values) {
            super::builtins::declare_local(self, &a.name);
            let _ = self.assign(a, v);
        }
        self.function_depth += 1;
        self.func_names.insert(0, name.to_string());
        let saved_loops = std::mem::replace(&mut self.loop_depth, 0);
        let r = self.run_command(&body, io).await;
        self.loop_depth = saved_loops;
        if self.traps.contains_key("RETURN") {
            Box::pin(self.run_trap("RETURN", io)).await;
        }
        self.func_names.remove(0);
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
                            if target == "-" {
                                match fd {
                                    0 => cio.stdin = io::shared(Input::Empty),
                                    1 => cio.stdout = Output::Null,
                                    2 => cio.stderr = Output::Null,
                                    n => {
                                        self.fds.remove(&n);
                                    }
                                }
                                continue;
                            }
                            let stream = match target.as_str() {
                                "1" => Some(cio.stdout.clone()),
                                "2" => Some(cio.stderr.clone()),
                                "0" if *op == RedirOp::DupIn => None,
                                t => match t.parse::<u32>().ok().and_then(|n| self.fds.get(&n)) {
                                    Some(o) => Some(o.clone()),
                                    None => {
                                        let _ = io.stderr.write_str(&format!("{}: {}: Bad file descriptor\n", self.err_at(), target)).await;
                                        return Err(1);
                                    }
                                },
                            };
                            if let Some(s) = stream {
                                match fd {
                                    0 => {}
                                    1 => cio.stdout = s,
                                    2 => cio.stderr = s,
                                    n => {
                                        self.fds.insert(n, s);
                                    }
                                }
                            }
                        }
                        RedirOp::In | RedirOp::ReadWrite => {
                            let input = match self.open_input(&target).await {
                                Ok(i) => i,
                                Err(e) => {
                                    let _ = io.stderr.write_str(&format!("{}: {}: {}\n", self.err_at(), target, e)).await;
                                    return Err(1);
                                }
                            };
                            if fd == 0 {
                                cio.stdin = io::shared(input);
                            }
                        }
                        RedirOp::Out | RedirOp::Clobber | RedirOp::Append | RedirOp::OutErr | RedirOp::AppendOutErr => {
                            let append = matches!(op, RedirOp::Append | RedirOp::AppendOutErr);
                            let noclobber = self.noclobber && matches!(op, RedirOp::Out | RedirOp::OutErr);
                            let out = match self.open_output(&target, append, noclobber, &mut pending).await {
                                Ok(o) => o,
                                Err(e) => {
                                    let _ = io.stderr.write_str(&format!("{}: {}: {}\n", self.err_at(), target, e)).await;
                                    return Err(1);
                                }
                            };
                            match op {
                                RedirOp::OutErr | RedirOp::AppendOutErr => {
                                    cio.stdout = out.clone();
                                    cio.stderr = out;
                                }
                                _ => match fd {
                                    0 => {}
                                    1 => cio.stdout = out,
                                    2 => cio.stderr = out,
                                    n => {
                                        self.fds.insert(n, out);
                                    }
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

    async fn open_output(&self, target: &str, append: bool, noclobber: bool, pending: &mut Vec<PendingWrite>) -> Result<Output, String> {
        let abs = path::normalize(&self.cwd, target);
        match abs.as_str() {
            "/dev/null" => return Ok(Output::Null),
            "/dev/stdout" | "/dev/stderr" => return Ok(Output::Null),
            _ => {}
        }
        // Refuse before running anything: a directory, a read-only mount, a missing parent.
        let existing = match self.vfs.stat(&abs).await {
            Ok(m) if m.is_dir() => return Err(FsError::new(ErrorKind::IsADirectory).to_string()),
            Ok(_) => true,
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e.to_string()),
        };
        self.vfs.check_writable(&abs).map_err(|e| e.to_string())?;
        if !existing {
            let parent = path::dirname(&abs);
            match self.vfs.stat(parent).await {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(FsError::new(ErrorKind::NotADirectory).to_string()),
                Err(e) => return Err(e.to_string()),
            }
        }
        // Two redirections to the same file in one command share one buffer.
        if let Some(p) = pending.iter().find(|p| p.abs == abs) {
            return Ok(Output::Capture(p.capture.clone()));
        }
        if existing && noclobber {
            return Err("cannot overwrite existing file".into());
        }
        if existing && !append {
            // `>` truncates when it opens, before the command runs (`cat f > f` reads nothing).
            self.vfs.write(&abs, Bytes::new()).await.map_err(|e| e.to_string())?;
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
                        let _ = io.stderr.write_str(&format!("{}: {}: {}\n", self.err_at(), p.display, e)).await;
                        ok = false;
                        continue;
                    }
                }
            }
            if p.capture.truncated() {
                // A real file system would fail the write (EFBIG); never keep a cut file silently.
                let _ = io.stderr.write_str(&format!("{}: {}: File too large\n", self.err_at(), p.display)).await;
                ok = false;
                continue;
            }
            if let Err(e) = self.vfs.write(&p.abs, Bytes::from(data)).await {
                let _ = io.stderr.write_str(&format!("{}: {}: {}\n", self.err_at(), p.display, e)).await;
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


/// Quote a word as `set -x` shows it: as is when it needs no quoting, else in single quotes.
pub(crate) fn xtrace_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ',' | ':' | '@' | '%' | '+' | '=') || !c.is_ascii());
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn fmt_secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}
