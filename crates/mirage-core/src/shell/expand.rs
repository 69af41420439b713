//! Word expansion in bash's order: tilde, parameters, command substitution and arithmetic,
//! then field splitting, globbing against the mounts, and quote removal.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::arith::{self, ArithEnv};
use super::ast::*;
use super::exec::{Ctl, Io, Shell};
use super::pattern::Pattern;
use crate::vfs::path;

/// An expansion that stops the command, with bash's message (without the `bash: line N: ` prefix).
#[derive(Debug, Clone)]
pub struct ExpandError {
    pub message: String,
    /// `${x:?}` (127) or an arithmetic error in `$(( ))` (1) exits a non-interactive shell.
    pub fatal: Option<i32>,
}

impl ExpandError {
    fn new(message: impl Into<String>) -> Self {
        ExpandError { message: message.into(), fatal: None }
    }

    /// The execute must stop (cancelled, or out of memory): end the script quietly; the
    /// runner reports why.
    pub fn stopped() -> Self {
        ExpandError { message: String::new(), fatal: Some(1) }
    }
}

impl From<crate::limits::Stop> for ExpandError {
    fn from(_: crate::limits::Stop) -> Self {
        ExpandError::stopped()
    }
}

/// A field under construction: text pieces and whether each was quoted.
#[derive(Clone, Debug, Default)]
pub struct Field {
    pub segs: Vec<(String, bool)>,
    /// A quoted empty string still makes a field.
    started: bool,
}

impl Field {
    pub fn text(&self) -> String {
        if self.segs.len() > 1 && crate::limits::reserve_or_stop(self.segs.iter().map(|(s, _)| s.len()).sum()).is_err() {
            // Past the memory budget: the execute stops at its next checkpoint.
            return String::new();
        }
        self.segs.iter().map(|(s, _)| s.as_str()).collect()
    }
    fn push(&mut self, s: &str, quoted: bool) {
        self.started = true;
        if s.is_empty() {
            return;
        }
        // Growing a field may double its buffer: check that before, not after.
        if s.len() > 4096 && crate::limits::reserve_or_stop(s.len().saturating_mul(2)).is_err() {
            return;
        }
        match self.segs.last_mut() {
            Some((last, q)) if *q == quoted => last.push_str(s),
            _ => self.segs.push((s.to_string(), quoted)),
        }
    }
    fn has_glob(&self) -> bool {
        self.segs.iter().any(|(s, q)| !q && s.contains(['*', '?', '[', '(']))
    }
}

struct Fields {
    done: Vec<Field>,
    cur: Field,
}

impl Fields {
    fn new() -> Self {
        Fields { done: Vec::new(), cur: Field::default() }
    }
    fn end_field(&mut self) {
        let f = std::mem::take(&mut self.cur);
        if f.started {
            self.done.push(f);
        }
    }
    /// Append an unquoted expansion result, split on IFS: fields are separated by runs of
    /// IFS whitespace, or by one other IFS character with whitespace around it.
    fn push_split(&mut self, value: &str, ifs: &str) {
        if ifs.is_empty() {
            self.cur.push(value, false);
            return;
        }
        let is_ws = |c: char| ifs.contains(c) && c.is_whitespace();
        let is_other = |c: char| ifs.contains(c) && !c.is_whitespace();
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut i = 0;
        if i < n && is_ws(chars[i]) {
            self.end_field();
            while i < n && is_ws(chars[i]) {
                i += 1;
            }
        }
        let mut piece = String::new();
        let mut tick = crate::limits::Ticker::new();
        while i < n {
            if tick.tick().is_err() {
                // The execute is stopping: leave the fields short; its runner reports why.
                return;
            }
            let c = chars[i];
            if is_ws(c) || is_other(c) {
                self.cur.push(&piece, false);
                piece.clear();
                self.end_field();
                while i < n && is_ws(chars[i]) {
                    i += 1;
                }
                if i < n && is_other(chars[i]) {
                    i += 1;
                    while i < n && is_ws(chars[i]) {
                        i += 1;
                    }
                }
                continue;
            }
            piece.push(c);
            i += 1;
        }
        if !piece.is_empty() {
            self.cur.push(&piece, false);
        }
    }
}

struct VarEnv<'a>(&'a mut Shell);

impl ArithEnv for VarEnv<'_> {
    fn get(&self, name: &str) -> String {
        match name.strip_suffix(']').and_then(|x| x.split_once('[')) {
            // `a[i]`: the subscript is an arithmetic expression (a key for `declare -A`).
            Some((var, key)) => {
                if self.0.is_assoc(var) {
                    return self.0.clone().get_element(var, key).unwrap_or_default();
                }
                let mut copy = self.0.clone();
                let idx = copy.arith(key).unwrap_or(0).to_string();
                copy.get_element(var, &idx).unwrap_or_default()
            }
            None => self.0.get_var(name).unwrap_or_default(),
        }
    }
    fn set(&mut self, name: &str, value: i64) {
        match name.strip_suffix(']').and_then(|x| x.split_once('[')) {
            Some((var, key)) => {
                let key = if self.0.is_assoc(var) { key.to_string() } else { self.0.arith(key).unwrap_or(0).to_string() };
                self.0.set_element(var, &key, value.to_string());
            }
            None => self.0.set_var(name, value.to_string()),
        }
    }
}

impl Shell {
    /// Expand command words into argv: splitting and globbing apply.
    pub fn expand_words<'a>(&'a mut self, words: &'a [Word], io: &'a Io) -> BoxFuture<'a, Result<Vec<String>, ExpandError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut braced = Vec::with_capacity(words.len());
            for w in words {
                braced.extend(super::brace::expand(w).map_err(ExpandError::new)?);
            }
            let mut tick = crate::limits::Ticker::new();
            for w in &braced {
                for field in self.expand_fields(w, io, true).await? {
                    tick.tick()?;
                    if field.has_glob() {
                        let pat: Vec<(&str, bool)> = field.segs.iter().map(|(s, q)| (s.as_str(), *q)).collect();
                        let matches = self.glob(&pat).await;
                        if !matches.is_empty() || (self.shopt_on("nullglob") && pat.iter().any(|(s, q)| !q && s.contains(['*', '?', '[']))) {
                            out.extend(matches);
                            continue;
                        }
                    }
                    out.push(field.text());
                }
            }
            Ok(out)
        })
    }

    /// Expand a word to one string (assignments, redirection targets, here-strings).
    pub async fn expand_string(&mut self, w: &Word, io: &Io) -> Result<String, ExpandError> {
        let fields = self.expand_fields(w, io, false).await?;
        Ok(fields.iter().map(|f| f.text()).collect::<Vec<_>>().join(" "))
    }

    /// Expand the replacement of `${x/p/r}`, keeping which parts were quoted.
    async fn expand_replacement(&mut self, w: &Word, io: &Io) -> Result<Replacement, ExpandError> {
        let fields = self.expand_fields(w, io, false).await?;
        Ok(Replacement(fields.into_iter().flat_map(|f| f.segs).collect()))
    }

    /// Expand a word into pattern segments (quoted parts match literally).
    pub async fn expand_pattern(&mut self, w: &Word, io: &Io) -> Result<Pattern, ExpandError> {
        let fields = self.expand_fields(w, io, false).await?;
        let segs: Vec<(String, bool)> = fields.into_iter().flat_map(|f| f.segs).collect();
        let refs: Vec<(&str, bool)> = segs.iter().map(|(s, q)| (s.as_str(), *q)).collect();
        Ok(Pattern::new(&refs))
    }

    fn ifs(&self) -> String {
        self.get_var("IFS").unwrap_or_else(|| " \t\n".to_string())
    }

    /// Expand one word into fields; with `split`, unquoted results are split on IFS.
    pub fn expand_fields<'a>(&'a mut self, w: &'a Word, io: &'a Io, split: bool) -> BoxFuture<'a, Result<Vec<Field>, ExpandError>> {
        Box::pin(async move {
            let mut fs = Fields::new();
            let ifs = if split { self.ifs() } else { String::new() };
            for part in &w.parts {
                self.expand_part(part, io, &mut fs, false, &ifs).await?;
            }
            fs.end_field();
            Ok(fs.done)
        })
    }

    fn expand_part<'a>(
        &'a mut self,
        part: &'a WordPart,
        io: &'a Io,
        fs: &'a mut Fields,
        quoted: bool,
        ifs: &'a str,
    ) -> BoxFuture<'a, Result<(), ExpandError>> {
        Box::pin(async move {
            match part {
                WordPart::Lit(s) => fs.cur.push(s, quoted),
                WordPart::Quoted(s) => fs.cur.push(s, true),
                WordPart::DoubleQuoted(inner) => {
                    fs.cur.started = true;
                    for p in inner {
                        self.expand_part(p, io, fs, true, ifs).await?;
                    }
                }
                WordPart::Tilde(user) => {
                    let home = if user.is_empty() {
                        self.get_var("HOME").unwrap_or_else(|| "/".into())
                    } else {
                        format!("~{user}")
                    };
                    fs.cur.push(&home, true);
                }
                WordPart::Param(p) => {
                    // "$@" and "${a[@]}" make one field per element even when quoted;
                    // "$*" and "${a[*]}" join them with the first character of IFS.
                    if let Some(items) = self.multi_items(p, io).await? {
                        if is_star(p) && quoted {
                            let sep: String = self.ifs().chars().next().map(String::from).unwrap_or_default();
                            fs.cur.push(&items.join(&sep), true);
                        } else if quoted {
                            for (i, item) in items.iter().enumerate() {
                                if i > 0 {
                                    fs.end_field();
                                }
                                fs.cur.push(item, true);
                            }
                            if items.is_empty() && fs.cur.segs.is_empty() {
                                // "$@" with no parameters makes no field at all.
                                fs.cur.started = false;
                            }
                        } else if ifs.is_empty() {
                            fs.cur.push(&items.join(" "), false);
                        } else {
                            for (i, item) in items.iter().enumerate() {
                                if i > 0 {
                                    fs.end_field();
                                }
                                fs.push_split(item, ifs);
                            }
                        }
                        return Ok(());
                    }
                    let v = self.expand_param(p, io).await?;
                    if quoted || ifs.is_empty() {
                        fs.cur.push(&v, quoted);
                    } else {
                        fs.push_split(&v, ifs);
                    }
                }
                WordPart::CommandSub(list) => {
                    let v = self.command_substitution(list, io).await;
                    if quoted || ifs.is_empty() {
                        fs.cur.push(&v, quoted);
                    } else {
                        fs.push_split(&v, ifs);
                    }
                }
                WordPart::Arith(w) => {
                    let text = self.expand_string(w, io).await?;
                    let v = self.arith(&text).map_err(|mut e| {
                        e.fatal = Some(1);
                        e
                    })?;
                    if quoted || ifs.is_empty() {
                        fs.cur.push(&v.to_string(), quoted);
                    } else {
                        fs.push_split(&v.to_string(), ifs);
                    }
                }
                WordPart::ArrayLit(items) => {
                    let values = self.expand_words(items, io).await?;
                    let quoted: Vec<String> = values.iter().map(|v| format!("'{}'", v.replace('\'', "'\\''"))).collect();
                    fs.cur.push(&format!("({})", quoted.join(" ")), true);
                }
                WordPart::ProcessSub(false, list) => {
                    let path = self.process_substitution(list, io).await;
                    fs.cur.push(&path, quoted);
                }
                WordPart::ProcessSub(true, _) => {
                    return Err(ExpandError::new("process substitution >(...) is not supported"));
                }
            }
            Ok(())
        })
    }

    pub fn arith(&mut self, text: &str) -> Result<i64, ExpandError> {
        arith::eval(text, &mut VarEnv(self)).map_err(|e| ExpandError::new(format!("{}: {}", text.trim_start(), e.0)))
    }

    /// Run `$(...)`: its stdout with trailing newlines removed.
    pub async fn command_substitution(&mut self, list: &List, io: &Io) -> String {
        if let Some(target) = lone_input_redirect(list) {
            // `$(< file)`: the file's contents, without running a command.
            let name = match self.expand_string(target, io).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = self.expansion_failed(e, io).await;
                    return String::new();
                }
            };
            let abs = path::normalize(&self.cwd, &name);
            return match self.vfs.read_all(&abs).await {
                Ok(bytes) => {
                    self.last_status = 0;
                    let mut bytes = bytes.to_vec();
                    while bytes.last() == Some(&b'\n') {
                        bytes.pop();
                    }
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                Err(e) => {
                    let _ = io.stderr.write_str(&format!("{}: {name}: {e}\n", self.err_at())).await;
                    self.last_status = 1;
                    String::new()
                }
            };
        }
        let cap = super::io::Capture::new(self.limits.max_substitution_bytes);
        let sub_io = Io {
            stdin: super::io::shared(super::io::Input::Empty),
            stdout: super::io::Output::Capture(cap.clone()),
            stderr: io.stderr.clone(),
        };
        let mut sub = self.subshell();
        sub.subst_level += 1;
        let status = match sub.run_list(list, &sub_io).await {
            Ok(s) => s,
            Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) => s,
            Err(_) => sub.last_status,
        };
        self.last_status = status;
        if cap.truncated() {
            let _ = io.stderr.write_str(&format!("{}: command substitution: output larger than {}: Cannot allocate memory\n", self.err_at(), crate::limits::format_bytes(self.limits.max_substitution_bytes as u64))).await;
            self.last_status = 1;
        }
        let mut bytes = cap.take();
        while bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Run `<(...)` to completion and return a `/dev/fd/N` path that reads its output.
    async fn process_substitution(&mut self, list: &List, io: &Io) -> String {
        let cap = super::io::Capture::new(self.limits.max_substitution_bytes);
        let sub_io = Io {
            stdin: super::io::shared(super::io::Input::Empty),
            stdout: super::io::Output::Capture(cap.clone()),
            stderr: io.stderr.clone(),
        };
        let mut sub = self.subshell();
        sub.subst_level += 1;
        let _ = sub.run_list(list, &sub_io).await;
        if cap.truncated() {
            let _ = io.stderr.write_str(&format!("{}: process substitution: output larger than {}: Cannot allocate memory\n", self.err_at(), crate::limits::format_bytes(self.limits.max_substitution_bytes as u64))).await;
        }
        let path = self.vfs.add_temp(bytes::Bytes::from(cap.take()));
        self.temp_paths.push(path.clone());
        path
    }

    /// The elements of `$@`, `$*`, `${a[@]}`, `${a[*]}` or `${!a[@]}`, after a slice or a
    /// per-element operator; None for an expansion that makes one string.
    async fn multi_items(&mut self, p: &ParamExpr, io: &Io) -> Result<Option<Vec<String>>, ExpandError> {
        let positional = p.name == "@" || p.name == "*";
        let all = positional || matches!(&p.index, Some(w) if matches!(w.as_plain(), Some("@") | Some("*")));
        if !all {
            return Ok(None);
        }
        let items = if positional {
            self.positional.clone()
        } else if p.indirect {
            // `${!a[@]}`: the indices.
            self.array_keys(&p.name)
        } else {
            self.get_array(&p.name)
        };
        Ok(Some(match &p.op {
            ParamOp::Plain => items,
            ParamOp::Substring(off, len) => {
                let off_text = self.expand_string(off, io).await?;
                let off = self.arith(&off_text)?;
                // For the positional parameters the list starts with $0: `${@:1}` is "$@".
                let items = if positional {
                    let mut v = vec!["bash".to_string()];
                    v.extend(items);
                    v
                } else {
                    items
                };
                let n = items.len() as i64;
                let start = if off < 0 { n + off } else { off };
                if start < 0 || start > n {
                    return Ok(Some(Vec::new()));
                }
                let end = match len {
                    Some(l) => {
                        let l_text = self.expand_string(l, io).await?;
                        let l = self.arith(&l_text)?;
                        if l < 0 {
                            return Err(ExpandError::new(format!("{}: substring expression < 0", l_text.trim())));
                        }
                        (start + l).min(n)
                    }
                    None => n,
                };
                items[start as usize..end.max(start) as usize].to_vec()
            }
            ParamOp::RemovePrefix(..) | ParamOp::RemoveSuffix(..) | ParamOp::Replace { .. } | ParamOp::Case { .. } => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.apply_op(p, Some(item), false, io).await?);
                }
                out
            }
            _ => return Ok(None),
        }))
    }

    fn param_value(&mut self, p: &ParamExpr, index: Option<&str>) -> Option<String> {
        let name = if p.indirect { self.get_var(&p.name).unwrap_or_default() } else { p.name.clone() };
        match index {
            Some("@") | Some("*") => {
                let items = self.get_array(&name);
                if items.is_empty() && !self.var_is_set(&name) {
                    None
                } else {
                    Some(items.join(" "))
                }
            }
            Some(i) => self.get_element(&name, i),
            None => self.get_var(&name),
        }
    }

    pub fn expand_param<'a>(&'a mut self, p: &'a ParamExpr, io: &'a Io) -> BoxFuture<'a, Result<String, ExpandError>> {
        Box::pin(async move {
            let index = match &p.index {
                Some(w) => Some(self.expand_string(w, io).await?),
                None => None,
            };
            if p.op == ParamOp::Names {
                let mut names: Vec<&String> = self.vars.keys().filter(|k| k.starts_with(&p.name)).collect();
                names.sort();
                return Ok(names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "));
            }
            let value = self.param_value(p, index.as_deref());
            let is_array_all = matches!(index.as_deref(), Some("@") | Some("*"));
            if p.indirect && is_array_all {
                return Ok(self.array_keys(&p.name).join(" "));
            }
            if is_array_all && !matches!(p.op, ParamOp::Length) {
                if let Some(items) = self.multi_items(p, io).await? {
                    return Ok(items.join(" "));
                }
            }
            self.apply_op(p, value, is_array_all, io).await
        })
    }

    /// Apply a parameter expansion's operator to the parameter's value.
    fn apply_op<'a>(&'a mut self, p: &'a ParamExpr, value: Option<String>, is_array_all: bool, io: &'a Io) -> BoxFuture<'a, Result<String, ExpandError>> {
        Box::pin(async move {
            Ok(match &p.op {
                ParamOp::Plain => {
                    if value.is_none() && self.nounset && !matches!(p.name.as_str(), "@" | "*") {
                        return Err(ExpandError { message: format!("{}: unbound variable", p.name), fatal: Some(127) });
                    }
                    value.unwrap_or_default()
                }
                ParamOp::Length => {
                    if is_array_all || p.name == "@" || p.name == "*" {
                        if p.name == "@" || p.name == "*" {
                            self.positional.len().to_string()
                        } else {
                            self.get_array(&p.name).len().to_string()
                        }
                    } else {
                        value.unwrap_or_default().chars().count().to_string()
                    }
                }
                ParamOp::Default(colon, w) => match value {
                    Some(v) if !(*colon && v.is_empty()) => v,
                    _ => self.expand_string(w, io).await?,
                },
                ParamOp::Assign(colon, w) => match value {
                    Some(v) if !(*colon && v.is_empty()) => v,
                    _ => {
                        let v = self.expand_string(w, io).await?;
                        self.set_var(&p.name, v.clone());
                        v
                    }
                },
                ParamOp::Error(colon, w) => match value {
                    Some(v) if !(*colon && v.is_empty()) => v,
                    _ => {
                        let msg = self.expand_string(w, io).await?;
                        let msg = if msg.is_empty() {
                            if value.is_none() { "parameter null or not set".to_string() } else { "parameter null or not set".to_string() }
                        } else {
                            msg
                        };
                        return Err(ExpandError { message: format!("{}: {}", p.name, msg), fatal: Some(127) });
                    }
                },
                ParamOp::Alternative(colon, w) => match value {
                    Some(v) if !(*colon && v.is_empty()) => self.expand_string(w, io).await?,
                    _ => String::new(),
                },
                ParamOp::RemovePrefix(longest, w) => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(w, io).await?;
                    let lens = pat.matching_prefix_lens(&v);
                    let n = if *longest { lens.last() } else { lens.first() };
                    match n {
                        Some(&n) => v.chars().skip(n).collect(),
                        None => v,
                    }
                }
                ParamOp::RemoveSuffix(longest, w) => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(w, io).await?;
                    let chars: Vec<char> = v.chars().collect();
                    let mut cut = None;
                    // Shortest suffix: try from the end; longest: from the start.
                    let starts: Box<dyn Iterator<Item = usize>> =
                        if *longest { Box::new(0..=chars.len()) } else { Box::new((0..=chars.len()).rev()) };
                    for s in starts {
                        let suffix: String = chars[s..].iter().collect();
                        if pat.matches(&suffix) {
                            cut = Some(s);
                            break;
                        }
                    }
                    match cut {
                        Some(s) => chars[..s].iter().collect(),
                        None => v,
                    }
                }
                ParamOp::Replace { mode, pattern, replacement } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern, io).await?;
                    let rep = self.expand_replacement(replacement, io).await?;
                    replace(&v, &pat, &rep, *mode)?
                }
                ParamOp::Substring(off, len) => {
                    let v = value.unwrap_or_default();
                    let off_text = self.expand_string(off, io).await?;
                    let off = self.arith(&off_text)?;
                    let chars: Vec<char> = v.chars().collect();
                    let n = chars.len() as i64;
                    if off > n || off < 0 && n.saturating_add(off) < 0 {
                        // An offset outside the value gives nothing.
                        return Ok(String::new());
                    }
                    let start = if off < 0 { n + off } else { off };
                    let end = match len {
                        Some(l) => {
                            let l_text = self.expand_string(l, io).await?;
                            let l = self.arith(&l_text)?;
                            if l < 0 {
                                n.saturating_add(l).max(start)
                            } else {
                                start.saturating_add(l).min(n)
                            }
                        }
                        None => n,
                    };
                    chars[start as usize..end.max(start) as usize].iter().collect()
                }
                ParamOp::Names => String::new(),
                ParamOp::Case { upper, all } => {
                    let v = value.unwrap_or_default();
                    let conv = |c: char| if *upper { c.to_uppercase().collect::<String>() } else { c.to_lowercase().collect() };
                    if *all {
                        v.chars().map(conv).collect()
                    } else {
                        let mut cs = v.chars();
                        match cs.next() {
                            Some(f) => conv(f) + cs.as_str(),
                            None => String::new(),
                        }
                    }
                }
            })
        })
    }

    /// Expand a glob against the mounts: one listing per directory level (never a request per
    /// entry), sorted as bash sorts (bytewise in C.UTF-8), hidden names only for a pattern
    /// starting with `.` (or with `shopt -s dotglob`); `.` and `..` never match (globskipdots).
    pub async fn glob(&mut self, segs: &[(&str, bool)]) -> Vec<String> {
        // Split the pattern into path components, keeping each piece's quoting.
        let mut comps: Vec<Vec<(String, bool)>> = vec![Vec::new()];
        for (s, q) in segs {
            let mut first = true;
            for piece in s.split('/') {
                if !first {
                    comps.push(Vec::new());
                }
                first = false;
                if !piece.is_empty() {
                    comps.last_mut().unwrap().push((piece.to_string(), *q));
                }
            }
        }
        let absolute = segs.first().is_some_and(|(s, _)| s.starts_with('/'));
        let trailing_slash = comps.last().is_some_and(|c| c.is_empty()) && comps.len() > 1;
        let comps: Vec<Vec<(String, bool)>> = comps.into_iter().filter(|c| !c.is_empty()).collect();
        let dotglob = self.shopt_on("dotglob");
        let nocase = self.shopt_on("nocaseglob");
        let globstar = self.shopt_on("globstar");
        let mut listings: HashMap<String, Arc<Vec<(String, bool)>>> = HashMap::new();
        // Each candidate: (display path as typed, absolute path).
        let base_display = if absolute { "/".to_string() } else { String::new() };
        let base_abs = if absolute { "/".to_string() } else { self.cwd.clone() };
        let mut cands = vec![(base_display, base_abs)];
        let mut seen_wild = false;
        let n = comps.len();
        for (ci, comp) in comps.iter().enumerate() {
            let last = ci + 1 == n;
            // Entries of this level must be directories unless they are the last component.
            let want_dir = !last || trailing_slash;
            if globstar && comp.len() == 1 && comp[0] == ("**".to_string(), false) {
                seen_wild = true;
                let mut next = Vec::new();
                for (disp, abs) in &cands {
                    // `**` matches the directory itself and every directory below it; as the
                    // last component, every file and directory below it.
                    if !last {
                        next.push((disp.clone(), abs.clone()));
                    }
                    let mut stack = vec![(disp.clone(), abs.clone())];
                    let mut found = Vec::new();
                    while let Some((d, a)) = stack.pop() {
                        let entries = self.listing(&mut listings, &a).await;
                        for (name, is_dir) in entries.iter() {
                            if name.starts_with('.') && !dotglob {
                                continue;
                            }
                            let child = (join_display(&d, name), path::normalize(&a, name));
                            if *is_dir {
                                stack.push(child.clone());
                            }
                            if *is_dir || (last && !trailing_slash) {
                                found.push(child);
                            }
                        }
                    }
                    found.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()));
                    next.extend(found);
                }
                cands = next;
                continue;
            }
            let refs: Vec<(String, bool)> =
                comp.iter().map(|(s, q)| (if nocase { s.to_lowercase() } else { s.clone() }, *q)).collect();
            let refs: Vec<(&str, bool)> = refs.iter().map(|(s, q)| (s.as_str(), *q)).collect();
            let pat = Pattern::new(&refs);
            let mut next = Vec::new();
            if let Some(lit) = pat.literal().filter(|_| !nocase || !seen_wild) {
                for (disp, abs) in &cands {
                    if seen_wild && lit != "." && lit != ".." {
                        // After a wildcard, a literal name is checked in its parent's listing.
                        let entries = self.listing(&mut listings, abs).await;
                        if !entries.iter().any(|(name, is_dir)| *name == lit && (*is_dir || !want_dir)) {
                            continue;
                        }
                    }
                    next.push((join_display(disp, &lit), path::normalize(abs, &lit)));
                }
            } else {
                seen_wild = true;
                for (disp, abs) in &cands {
                    let entries = self.listing(&mut listings, abs).await;
                    let mut names: Vec<&String> = entries
                        .iter()
                        .filter(|(name, _)| dotglob || pat.starts_with_dot() || !name.starts_with('.'))
                        .filter(|(_, is_dir)| *is_dir || !want_dir)
                        .filter(|(name, _)| if nocase { pat.matches(&name.to_lowercase()) } else { pat.matches(name) })
                        .map(|(name, _)| name)
                        .collect();
                    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
                    for name in names {
                        next.push((join_display(disp, name), path::normalize(abs, name)));
                    }
                }
            }
            cands = next;
            if cands.is_empty() {
                return Vec::new();
            }
        }
        if !seen_wild {
            // No active wildcard after all (`[` without `]`): the word stays as typed.
            return Vec::new();
        }
        // bash sorts the whole result (`a-b/x` before `a/x`), not level by level.
        let mut out: Vec<String> = cands.into_iter().map(|(disp, _)| if trailing_slash { format!("{disp}/") } else { disp }).collect();
        out.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        out
    }

    /// One directory's entries (name, is a directory), listed once per glob.
    async fn listing(&self, cache: &mut HashMap<String, Arc<Vec<(String, bool)>>>, abs: &str) -> Arc<Vec<(String, bool)>> {
        if let Some(l) = cache.get(abs) {
            return l.clone();
        }
        let entries = match self.vfs.read_dir(abs).await {
            Ok(es) => es.into_iter().map(|e| { let d = e.meta.is_dir(); (e.name, d) }).collect(),
            Err(_) => Vec::new(),
        };
        let l = Arc::new(entries);
        cache.insert(abs.to_string(), l.clone());
        l
    }

    pub(crate) fn shopt_on(&self, name: &str) -> bool {
        self.shopt.iter().any(|o| o == name)
    }
}

fn join_display(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else if base.ends_with('/') {
        format!("{base}{name}")
    } else {
        format!("{base}/{name}")
    }
}

/// The target of `$(< file)`: a list that is one simple command made of one `<` redirection.
fn lone_input_redirect(list: &List) -> Option<&Word> {
    let [item] = list.items.as_slice() else { return None };
    if item.background || !item.and_or.rest.is_empty() || item.and_or.first.negated {
        return None;
    }
    let [cmd] = item.and_or.first.commands.as_slice() else { return None };
    let CommandKind::Simple { assigns, words } = &cmd.kind else { return None };
    match (assigns.is_empty() && words.is_empty(), cmd.redirects.as_slice()) {
        (true, [Redirect { fd: None | Some(0), op: RedirOp::In, target: RedirTarget::Word(w) }]) => Some(w),
        _ => None,
    }
}

fn is_star(p: &ParamExpr) -> bool {
    p.name == "*" || matches!(&p.index, Some(w) if w.as_plain() == Some("*"))
}

/// A `${x/p/r}` replacement: `&` stands for the matched text unless quoted or escaped
/// (bash 5.2's patsub_replacement).
#[derive(Clone, Debug)]
pub struct Replacement(Vec<(String, bool)>);

impl Replacement {
    fn render(&self, matched: &str) -> String {
        let mut out = String::new();
        for (text, quoted) in &self.0 {
            if *quoted {
                out.push_str(text);
            } else {
                out.push_str(&text.replace('&', matched));
            }
        }
        out
    }
}

/// `${v/pat/rep}` and its `//`, `/#`, `/%` forms. Candidate matches are substrings tried
/// in place (no copies); a pattern with a bounded match length only tries that many ends per
/// start. Unbounded patterns stay quadratic over long values, so the stop switch is checked
/// as it goes, and the size of what it builds before it grows.
fn replace(v: &str, pat: &Pattern, rep: &Replacement, mode: Option<char>) -> Result<String, crate::limits::Stop> {
    // Byte offset of each char boundary, the end included.
    let bounds: Vec<usize> = v.char_indices().map(|(b, _)| b).chain(std::iter::once(v.len())).collect();
    let n = bounds.len() - 1;
    let sub = |a: usize, b: usize| &v[bounds[a]..bounds[b]];
    let max_len = pat.max_len();
    let mut tick = crate::limits::Ticker::every(16);
    match mode {
        Some('#') => {
            let lens = pat.matching_prefix_lens(v);
            crate::limits::checkpoint()?;
            Ok(match lens.last() {
                Some(&k) => format!("{}{}", rep.render(sub(0, k)), sub(k, n)),
                None => v.to_string(),
            })
        }
        Some('%') => {
            let first = max_len.map_or(0, |m| n.saturating_sub(m));
            for s in first..=n {
                tick.tick()?;
                if pat.matches(sub(s, n)) {
                    return Ok(format!("{}{}", sub(0, s), rep.render(sub(s, n))));
                }
            }
            Ok(v.to_string())
        }
        _ => {
            let all = mode == Some('/');
            let mut out = String::new();
            let mut i = 0;
            let mut replaced = false;
            while i < n {
                if replaced && !all {
                    out.push_str(sub(i, n));
                    return Ok(out);
                }
                // Longest match starting at i.
                let last = max_len.map_or(n, |m| n.min(i.saturating_add(m)));
                let mut found = None;
                for e in (i + 1..=last).rev() {
                    tick.tick()?;
                    if pat.matches(sub(i, e)) {
                        found = Some(e);
                        break;
                    }
                }
                match found {
                    Some(e) => {
                        let r = rep.render(sub(i, e));
                        if out.len() + r.len() > out.capacity() {
                            crate::limits::reserve_or_stop(out.capacity().max(r.len()))?;
                        }
                        out.push_str(&r);
                        i = e;
                        replaced = true;
                    }
                    None => {
                        out.push_str(sub(i, i + 1));
                        i += 1;
                    }
                }
            }
            Ok(out)
        }
    }
}
