//! Word expansion in bash's order: tilde, parameters, command substitution and arithmetic,
//! then field splitting, globbing against the mounts, and quote removal.

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
    /// `${x:?}` in a non-interactive shell exits it.
    pub fatal: bool,
}

impl ExpandError {
    fn new(message: impl Into<String>) -> Self {
        ExpandError { message: message.into(), fatal: false }
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
        self.segs.iter().map(|(s, _)| s.as_str()).collect()
    }
    fn push(&mut self, s: &str, quoted: bool) {
        self.started = true;
        if s.is_empty() {
            return;
        }
        match self.segs.last_mut() {
            Some((last, q)) if *q == quoted => last.push_str(s),
            _ => self.segs.push((s.to_string(), quoted)),
        }
    }
    fn has_glob(&self) -> bool {
        self.segs.iter().any(|(s, q)| !q && s.contains(['*', '?', '[']))
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
        while i < n {
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
        self.0.get_var(name).unwrap_or_default()
    }
    fn set(&mut self, name: &str, value: i64) {
        self.0.set_var(name, value.to_string());
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
            for w in &braced {
                for field in self.expand_fields(w, io, true).await? {
                    if field.has_glob() {
                        let pat: Vec<(&str, bool)> = field.segs.iter().map(|(s, q)| (s.as_str(), *q)).collect();
                        let matches = self.glob(&pat).await;
                        if !matches.is_empty() {
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
                    // "$@" and "${a[@]}" make one field per element even when quoted.
                    if p.op == ParamOp::Plain && !p.indirect && is_at(p) {
                        let items = self.param_items(p, io).await?;
                        if quoted {
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
                        } else {
                            for (i, item) in items.iter().enumerate() {
                                if i > 0 {
                                    fs.end_field();
                                }
                                fs.push_split(item, if ifs.is_empty() { " \t\n" } else { ifs });
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
                    let v = self.arith(&text)?;
                    if quoted || ifs.is_empty() {
                        fs.cur.push(&v.to_string(), quoted);
                    } else {
                        fs.push_split(&v.to_string(), ifs);
                    }
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
        arith::eval(text, &mut VarEnv(self)).map_err(|e| ExpandError::new(format!("{}: {}", text.trim(), e.0)))
    }

    /// Run `$(...)`: its stdout with trailing newlines removed.
    pub async fn command_substitution(&mut self, list: &List, io: &Io) -> String {
        let cap = super::io::Capture::new(self.limits.max_substitution_bytes);
        let sub_io = Io {
            stdin: super::io::shared(super::io::Input::Empty),
            stdout: super::io::Output::Capture(cap.clone()),
            stderr: io.stderr.clone(),
        };
        let mut sub = self.subshell();
        let status = match sub.run_list(list, &sub_io).await {
            Ok(s) => s,
            Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) => s,
            Err(_) => sub.last_status,
        };
        self.last_status = status;
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
        let _ = sub.run_list(list, &sub_io).await;
        let path = self.vfs.add_temp(bytes::Bytes::from(cap.take()));
        self.temp_paths.push(path.clone());
        path
    }

    async fn param_items(&mut self, p: &ParamExpr, io: &Io) -> Result<Vec<String>, ExpandError> {
        if p.name == "@" || p.name == "*" {
            return Ok(self.positional.clone());
        }
        let _ = io;
        Ok(self.get_array(&p.name))
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
            Some(i) => {
                let idx = self.arith(i).unwrap_or(0);
                let items = self.get_array(&name);
                let idx = if idx < 0 { items.len() as i64 + idx } else { idx };
                items.get(idx.max(0) as usize).cloned().filter(|_| idx >= 0)
            }
            None => self.get_var(&name),
        }
    }

    pub fn expand_param<'a>(&'a mut self, p: &'a ParamExpr, io: &'a Io) -> BoxFuture<'a, Result<String, ExpandError>> {
        Box::pin(async move {
            let index = match &p.index {
                Some(w) => Some(self.expand_string(w, io).await?),
                None => None,
            };
            let value = self.param_value(p, index.as_deref());
            let is_array_all = matches!(index.as_deref(), Some("@") | Some("*"));
            Ok(match &p.op {
                ParamOp::Plain => {
                    if value.is_none() && self.nounset && !matches!(p.name.as_str(), "@" | "*") {
                        return Err(ExpandError { message: format!("{}: unbound variable", p.name), fatal: true });
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
                        return Err(ExpandError { message: format!("{}: {}", p.name, msg), fatal: true });
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
                    let rep = self.expand_string(replacement, io).await?;
                    replace(&v, &pat, &rep, *mode)
                }
                ParamOp::Substring(off, len) => {
                    let v = value.unwrap_or_default();
                    let off_text = self.expand_string(off, io).await?;
                    let off = self.arith(&off_text)?;
                    let chars: Vec<char> = v.chars().collect();
                    let n = chars.len() as i64;
                    let start = if off < 0 { (n + off).max(0) } else { off.min(n) };
                    let end = match len {
                        Some(l) => {
                            let l_text = self.expand_string(l, io).await?;
                            let l = self.arith(&l_text)?;
                            if l < 0 {
                                (n + l).max(start)
                            } else {
                                (start + l).min(n)
                            }
                        }
                        None => n,
                    };
                    chars[start as usize..end.max(start) as usize].iter().collect()
                }
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

    /// Expand a glob against the mounts: one listing per directory level, sorted as
    /// bash sorts (bytewise in C.UTF-8), hidden names only for a pattern starting with `.`.
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
        // Each candidate: (display path as typed, absolute path).
        let base_display = if absolute { "/".to_string() } else { String::new() };
        let base_abs = if absolute { "/".to_string() } else { self.cwd.clone() };
        let mut cands = vec![(base_display, base_abs)];
        let n = comps.len();
        for (ci, comp) in comps.iter().enumerate() {
            let refs: Vec<(&str, bool)> = comp.iter().map(|(s, q)| (s.as_str(), *q)).collect();
            let pat = Pattern::new(&refs);
            let last = ci + 1 == n;
            let mut next = Vec::new();
            for (disp, abs) in &cands {
                if let Some(lit) = pat.literal() {
                    let child_abs = path::normalize(abs, &lit);
                    let child_disp = join_display(disp, &lit);
                    next.push((child_disp, child_abs));
                    continue;
                }
                let Ok(entries) = self.vfs.read_dir(abs).await else { continue };
                let mut names: Vec<(String, bool)> = entries
                    .into_iter()
                    .filter(|e| pat.starts_with_dot() || !e.name.starts_with('.'))
                    .filter(|e| pat.matches(&e.name))
                    .filter(|e| !(last && trailing_slash) || e.meta.is_dir())
                    .filter(|e| last || e.meta.is_dir())
                    .map(|e| (e.name, e.meta.is_dir()))
                    .collect();
                if pat.starts_with_dot() {
                    for special in [".", ".."] {
                        if pat.matches(special) {
                            names.push((special.to_string(), true));
                        }
                    }
                }
                names.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                for (name, _) in names {
                    next.push((join_display(disp, &name), path::normalize(abs, &name)));
                }
            }
            cands = next;
            if cands.is_empty() {
                return Vec::new();
            }
        }
        // Literal components after a wildcard must exist.
        let mut out = Vec::new();
        for (disp, abs) in cands {
            if self.vfs.stat(&abs).await.is_ok() {
                out.push(if trailing_slash { format!("{disp}/") } else { disp });
            }
        }
        out
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

fn is_at(p: &ParamExpr) -> bool {
    p.name == "@" || matches!(&p.index, Some(w) if w.as_plain() == Some("@"))
}

fn replace(v: &str, pat: &Pattern, rep: &str, mode: Option<char>) -> String {
    let chars: Vec<char> = v.chars().collect();
    let text = |a: usize, b: usize| -> String { chars[a..b].iter().collect() };
    match mode {
        Some('#') => {
            let lens = pat.matching_prefix_lens(v);
            match lens.last() {
                Some(&n) => format!("{rep}{}", text(n, chars.len())),
                None => v.to_string(),
            }
        }
        Some('%') => {
            for s in 0..=chars.len() {
                if pat.matches(&text(s, chars.len())) {
                    return format!("{}{rep}", text(0, s));
                }
            }
            v.to_string()
        }
        _ => {
            let all = mode == Some('/');
            let mut out = String::new();
            let mut i = 0;
            let mut replaced = false;
            while i < chars.len() {
                if replaced && !all {
                    out.extend(&chars[i..]);
                    return out;
                }
                // Longest match starting at i.
                let mut found = None;
                for e in (i + 1..=chars.len()).rev() {
                    if pat.matches(&text(i, e)) {
                        found = Some(e);
                        break;
                    }
                }
                match found {
                    Some(e) => {
                        out.push_str(rep);
                        i = e;
                        replaced = true;
                    }
                    None => {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
            }
            out
        }
    }
}
