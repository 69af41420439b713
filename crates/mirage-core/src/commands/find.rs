//! `find`: GNU findutils expressions (`-name -iname -path -ipath -regex -type -maxdepth
//! -mindepth -size -mtime -mmin -newer -empty -print -print0 -printf -exec ... {} \;` and
//! `+`, `-execdir`, `-delete`, `-prune`, `-quit`, `!`/`-not`, `-a`, `-o`, parentheses).
//!
//! A start directory is listed once (one flat listing of the prefix, or one directory
//! listing with `-maxdepth 1`). GNU find prints entries in the order the filesystem returns
//! them (unordered on ext4); here siblings come in byte order, depth first, so output is
//! stable. Paths are printed as typed: `find .` prints `./x`.
//!
//! Any depth of directories is walked (with an explicit stack, checking the stop switch at
//! each entry); `and`/`or`/`,` chains are flat lists and `!` chains collapse, so only
//! parentheses nest the expression, at most `limits::nest()` levels deep.

use std::collections::HashMap;
use std::time::SystemTime;

use futures::future::BoxFuture;

use super::grep::translate;
use super::textutil::Out;
use super::{Ctx, EXIT_PIPE};
use crate::limits;
use crate::shell::io::Output;
use crate::shell::pattern::Pattern;
use crate::vfs::Metadata;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Less(i64),
    More(i64),
    Exact(i64),
}

impl Cmp {
    fn parse(s: &str) -> Option<(Cmp, &str)> {
        let (kind, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, &s[1..]),
            Some(b'-') => (-1, &s[1..]),
            _ => (0, s),
        };
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let n: i64 = rest[..end].parse().ok()?;
        let c = match kind {
            1 => Cmp::More(n),
            -1 => Cmp::Less(n),
            _ => Cmp::Exact(n),
        };
        Some((c, &rest[end..]))
    }
    fn test(&self, v: i64) -> bool {
        match *self {
            Cmp::Less(n) => v < n,
            Cmp::More(n) => v > n,
            Cmp::Exact(n) => v == n,
        }
    }
}

enum Test {
    Name(Pattern, bool),
    Path(Pattern, bool),
    Regex(regex::Regex),
    Type(Vec<char>),
    /// Compare the size rounded up to `unit` bytes.
    Size(Cmp, u64),
    /// Age in units of `secs` (86400 for -mtime, 60 for -mmin).
    Age(Cmp, u64),
    /// Index into the reference times of `-newer` files.
    Newer(usize),
    Empty,
    Const(bool),
}

enum Action {
    Print,
    Print0,
    Printf(String),
    Exec { argv: Vec<String>, batch: bool, in_dir: bool, id: usize },
    Delete,
    Prune,
    Quit,
}

/// An expression: `and`, `or` and `,` hold their operands in order (a chain of any length
/// is one node), so the tree is only as deep as the parentheses nest.
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Comma(Vec<Expr>),
    Test(Test),
    Action(Action),
}

impl Expr {
    fn has_action(&self) -> bool {
        match self {
            Expr::And(v) | Expr::Or(v) | Expr::Comma(v) => v.iter().any(Expr::has_action),
            Expr::Not(a) => a.has_action(),
            Expr::Test(_) => false,
            Expr::Action(Action::Prune) => false,
            Expr::Action(_) => true,
        }
    }
    fn has_delete(&self) -> bool {
        match self {
            Expr::And(v) | Expr::Or(v) | Expr::Comma(v) => v.iter().any(Expr::has_delete),
            Expr::Not(a) => a.has_delete(),
            Expr::Action(Action::Delete) => true,
            _ => false,
        }
    }
}

/// One operand, or the node of a chain of them.
fn chain(mut items: Vec<Expr>, node: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        if let Some(e) = items.pop() {
            return e;
        }
    }
    node(items)
}

/// Tests whose argument is a pattern: a stray word after one is likely an unquoted glob.
const NAME_TESTS: &[&str] = &["-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-lname", "-ilname"];

struct Parser<'a> {
    toks: &'a [String],
    pos: usize,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
    exec_count: usize,
    newer_paths: Vec<String>,
    /// A stray word after a pattern test: (test, word), for GNU's unquoted-pattern hint.
    hint: Option<(String, String)>,
}

type PResult<T> = Result<T, String>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.toks.get(self.pos).map(|s| s.as_str())
    }
    fn next(&mut self) -> Option<&'a str> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    fn arg(&mut self, pred: &str) -> PResult<&'a str> {
        self.next().ok_or_else(|| format!("missing argument to `{pred}'"))
    }

    fn parse_comma(&mut self) -> PResult<Expr> {
        let mut items = vec![self.parse_or()?];
        while self.peek() == Some(",") {
            self.pos += 1;
            items.push(self.parse_or()?);
        }
        Ok(chain(items, Expr::Comma))
    }

    fn parse_or(&mut self) -> PResult<Expr> {
        let mut items = vec![self.parse_and()?];
        while matches!(self.peek(), Some("-o") | Some("-or")) {
            let op = self.next().unwrap_or("-o");
            if self.peek().is_none() || matches!(self.peek(), Some(")")) {
                return Err(format!("invalid expression; expected expression after '{op}'"));
            }
            items.push(self.parse_and()?);
        }
        Ok(chain(items, Expr::Or))
    }

    fn parse_and(&mut self) -> PResult<Expr> {
        let mut items = vec![self.parse_not()?];
        loop {
            match self.peek() {
                Some("-a") | Some("-and") => {
                    self.pos += 1;
                    items.push(self.parse_not()?);
                }
                None | Some("-o") | Some("-or") | Some(")") | Some(",") => return Ok(chain(items, Expr::And)),
                Some(_) => items.push(self.parse_not()?),
            }
        }
    }

    /// `! ! x` is `x`: a chain of negations is counted, not nested.
    fn parse_not(&mut self) -> PResult<Expr> {
        let mut negated = false;
        while matches!(self.peek(), Some("!") | Some("-not")) {
            self.pos += 1;
            if self.peek().is_none() {
                return Err("invalid expression; you have used a binary operator '!' with nothing before it.".into());
            }
            negated = !negated;
        }
        let e = self.parse_primary()?;
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.next() else {
            return Err("invalid expression".into());
        };
        let e = match t {
            "(" => {
                let _level = limits::nest().map_err(|_| {
                    format!("invalid expression; parentheses are nested too deep (the limit is {} levels)", limits::MAX_NESTING)
                })?;
                if self.peek() == Some(")") {
                    return Err("invalid expression; empty parentheses are not allowed.".into());
                }
                let e = self.parse_comma()?;
                if self.next() != Some(")") {
                    return Err("invalid expression; I was expecting to find a ')' somewhere but did not see one.".into());
                }
                e
            }
            ")" => return Err("invalid expression; you have too many ')'".into()),
            "-name" | "-iname" => {
                let v = self.arg(t)?;
                let ci = t == "-iname";
                Expr::Test(Test::Name(Pattern::parse(&if ci { v.to_lowercase() } else { v.to_string() }), ci))
            }
            "-path" | "-wholename" | "-ipath" | "-iwholename" => {
                let v = self.arg(t)?;
                let ci = t.starts_with("-i");
                Expr::Test(Test::Path(Pattern::parse(&if ci { v.to_lowercase() } else { v.to_string() }), ci))
            }
            "-regex" | "-iregex" => {
                let v = self.arg(t)?;
                let tr = translate(v, true).map_err(|e| e.0)?;
                let re = regex::RegexBuilder::new(&format!("^(?:{tr})$"))
                    .case_insensitive(t == "-iregex")
                    .build()
                    .map_err(|e| e.to_string())?;
                Expr::Test(Test::Regex(re))
            }
            "-regextype" => {
                self.arg(t)?;
                Expr::Test(Test::Const(true))
            }
            "-type" | "-xtype" => {
                let v = self.arg(t)?;
                let mut kinds = Vec::new();
                for part in v.split(',') {
                    let mut cs = part.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) if "fdlbcps".contains(c) => kinds.push(c),
                        _ => return Err(format!("Unknown argument to {t}: {v}")),
                    }
                }
                Expr::Test(Test::Type(kinds))
            }
            "-size" => {
                let v = self.arg(t)?;
                let (cmp, suffix) = Cmp::parse(v).ok_or_else(|| format!("invalid argument `{v}' to `-size'"))?;
                let unit = match suffix {
                    "" | "b" => 512,
                    "c" => 1,
                    "w" => 2,
                    "k" => 1024,
                    "M" => 1 << 20,
                    "G" => 1 << 30,
                    _ => return Err(format!("invalid -size type `{}'", suffix.chars().next().unwrap_or(' '))),
                };
                Expr::Test(Test::Size(cmp, unit))
            }
            "-mtime" | "-atime" | "-ctime" | "-mmin" | "-amin" | "-cmin" => {
                let v = self.arg(t)?;
                let secs = if t.ends_with("min") { 60 } else { 86400 };
                let (cmp, rest) = Cmp::parse(v).ok_or_else(|| format!("invalid argument `{v}' to `{t}'"))?;
                if !rest.is_empty() {
                    return Err(format!("invalid argument `{v}' to `{t}'"));
                }
                Expr::Test(Test::Age(cmp, secs))
            }
            "-newer" | "-anewer" | "-cnewer" => {
                let v = self.arg(t)?;
                // Resolved by the caller (needs the filesystem).
                self.newer_paths.push(v.to_string());
                Expr::Test(Test::Newer(self.newer_paths.len() - 1))
            }
            "-empty" => Expr::Test(Test::Empty),
            "-true" => Expr::Test(Test::Const(true)),
            "-false" => Expr::Test(Test::Const(false)),
            "-print" => Expr::Action(Action::Print),
            "-print0" => Expr::Action(Action::Print0),
            "-printf" => Expr::Action(Action::Printf(self.arg(t)?.to_string())),
            "-delete" => {
                self.depth_first = true;
                Expr::Action(Action::Delete)
            }
            "-prune" => Expr::Action(Action::Prune),
            "-quit" => Expr::Action(Action::Quit),
            "-exec" | "-execdir" | "-ok" | "-okdir" => {
                let mut argv = Vec::new();
                let mut batch = false;
                loop {
                    let Some(a) = self.next() else {
                        return Err(format!("missing argument to `{t}'"));
                    };
                    if a == ";" {
                        break;
                    }
                    if a == "+" && argv.last().map(String::as_str) == Some("{}") {
                        batch = true;
                        break;
                    }
                    argv.push(a.to_string());
                }
                if argv.is_empty() {
                    return Err(format!("missing argument to `{t}'"));
                }
                self.exec_count += 1;
                Expr::Action(Action::Exec { argv, batch, in_dir: t.ends_with("dir"), id: self.exec_count })
            }
            "-maxdepth" | "-mindepth" => {
                let v = self.arg(t)?;
                let n: usize = v
                    .parse()
                    .map_err(|_| format!("Expected a positive decimal integer argument to {t}, but got '{v}'"))?;
                if t == "-maxdepth" {
                    self.maxdepth = Some(n);
                } else {
                    self.mindepth = n;
                }
                Expr::Test(Test::Const(true))
            }
            "-depth" | "-d" => {
                self.depth_first = true;
                Expr::Test(Test::Const(true))
            }
            "-xdev" | "-mount" | "-follow" | "-noleaf" | "-ignore_readdir_race" | "-nowarn" | "-warn" | "-daystart" => {
                Expr::Test(Test::Const(true))
            }
            other => {
                if other.starts_with('-') {
                    return Err(format!("unknown predicate `{other}'"));
                }
                if let Some(prev) = self.pos.checked_sub(3).and_then(|k| self.toks.get(k)) {
                    if NAME_TESTS.contains(&prev.as_str()) {
                        self.hint = Some((prev.clone(), other.to_string()));
                    }
                }
                return Err(format!("paths must precede expression: `{other}'"));
            }
        };
        Ok(e)
    }
}

/// One visited entry.
struct Node {
    /// As printed.
    path: String,
    abs: String,
    name: String,
    meta: Metadata,
    depth: usize,
    /// Children count for directories (for -empty).
    children: usize,
}

struct State<'o> {
    out: Out<'o>,
    status: i32,
    prune: bool,
    quit: bool,
    pipe: bool,
    /// `-exec ... +` batches, by exec id.
    batches: HashMap<usize, (Vec<String>, Vec<String>)>,
    newer: Vec<Option<SystemTime>>,
    now: SystemTime,
}

pub async fn run(ctx: Ctx) -> i32 {
    // Starting points come before the first token that begins an expression.
    let args = ctx.args.clone();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if (a.starts_with('-') && a.len() > 1) || a == "(" || a == "!" || a == ")" || a == "," {
            break;
        }
        i += 1;
    }
    let mut starts: Vec<String> = args[..i].to_vec();
    let expr_toks = &args[i..];
    let now = SystemTime::now();
    let mut parser = Parser { toks: expr_toks, pos: 0, maxdepth: None, mindepth: 0, depth_first: false, exec_count: 0, newer_paths: Vec::new(), hint: None };
    let expr = if expr_toks.is_empty() {
        None
    } else {
        match parser.parse_comma() {
            Ok(e) => {
                if parser.pos < expr_toks.len() {
                    ctx.err(format!("paths must precede expression: `{}'", expr_toks[parser.pos])).await;
                    return 1;
                }
                Some(e)
            }
            Err(m) => {
                ctx.err(m).await;
                // GNU adds a hint when the stray word names an existing file (a glob the
                // shell expanded).
                if let Some((prev, word)) = &parser.hint {
                    if ctx.vfs.stat(&ctx.abs(word)).await.is_ok() {
                        ctx.err(format!("possible unquoted pattern after predicate `{prev}'?")).await;
                    }
                }
                return 1;
            }
        }
    };
    let newer_paths = std::mem::take(&mut parser.newer_paths);
    let mut newer = Vec::new();
    for p in &newer_paths {
        match ctx.vfs.stat(&ctx.abs(p)).await {
            Ok(m) => newer.push(m.modified),
            Err(e) => {
                ctx.err(format!("'{p}': {e}")).await;
                return 1;
            }
        }
    }
    // With no action, `-print` is implied for the whole expression.
    let expr = match expr {
        None => Expr::Action(Action::Print),
        Some(e) if !e.has_action() => Expr::And(vec![e, Expr::Action(Action::Print)]),
        Some(e) => e,
    };
    if expr.has_delete() {
        parser.depth_first = true;
    }
    if starts.is_empty() {
        starts.push(".".into());
    }
    let mut st = State { out: Out::new(&ctx.stdout), status: 0, prune: false, quit: false, pipe: false, batches: HashMap::new(), newer, now };
    let finder = Finder { ctx: &ctx, expr: &expr, maxdepth: parser.maxdepth, mindepth: parser.mindepth, depth_first: parser.depth_first };
    for start in &starts {
        if st.quit || st.pipe {
            break;
        }
        finder.start(start, &mut st).await;
    }
    // Run what is left of the `+` batches.
    let ids: Vec<usize> = {
        let mut v: Vec<usize> = st.batches.keys().copied().collect();
        v.sort();
        v
    };
    for id in ids {
        if let Some((argv, files)) = st.batches.remove(&id) {
            if !files.is_empty() && !st.pipe {
                let ok = finder.exec_batch(&argv, files, &mut st).await;
                if !ok {
                    st.status = 1;
                }
            }
        }
    }
    if st.pipe || st.out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    st.status
}

struct Finder<'c> {
    ctx: &'c Ctx,
    expr: &'c Expr,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
}

fn child_path(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// A directory being walked: its node, and the next of its children to visit.
struct Frame<'t> {
    node: Node,
    rel: String,
    children: &'t [(String, Metadata)],
    next: usize,
    in_range: bool,
}

/// Children of every directory below a start, by path relative to it.
type Tree = HashMap<String, Vec<(String, Metadata)>>;

impl<'c> Finder<'c> {
    async fn start(&self, start: &str, st: &mut State<'_>) {
        let ctx = self.ctx;
        let abs = ctx.abs(start);
        let meta = match ctx.vfs.stat(&abs).await {
            Ok(m) => m,
            Err(e) => {
                ctx.err(format!("'{start}': {e}")).await;
                st.status = 1;
                return;
            }
        };
        let mut tree: Tree = HashMap::new();
        if meta.is_dir() && self.maxdepth != Some(0) {
            let listing = if self.maxdepth == Some(1) {
                ctx.vfs.read_dir(&abs).await.map(|v| v.into_iter().map(|e| (e.name, e.meta)).collect::<Vec<_>>())
            } else {
                ctx.vfs.walk(&abs).await
            };
            match listing {
                Ok(entries) => {
                    // The tree holds the names again, next to the listing.
                    let bytes: usize = entries.iter().map(|(rel, _)| rel.len() + std::mem::size_of::<(String, Metadata)>() + 16).sum();
                    if limits::reserve(bytes).is_err() {
                        if super::textutil::checkpoint().await.is_err() {
                            return;
                        }
                        ctx.err(format!("'{start}': Cannot allocate memory")).await;
                        st.status = 1;
                        return;
                    }
                    let mut tick = limits::Ticker::new();
                    for (rel, m) in entries {
                        if super::textutil::ticked(&mut tick).await.is_err() {
                            st.quit = true;
                            return;
                        }
                        let (parent, name) = match rel.rfind('/') {
                            Some(i) => (rel[..i].to_string(), rel[i + 1..].to_string()),
                            None => (String::new(), rel.clone()),
                        };
                        tree.entry(parent).or_default().push((name, m));
                    }
                }
                Err(e) => {
                    ctx.err(format!("'{start}': {e}")).await;
                    st.status = 1;
                }
            }
            for v in tree.values_mut() {
                v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
        }
        let name = start.trim_end_matches('/');
        let name = name.rsplit('/').next().unwrap_or(name).to_string();
        self.walk(Node { path: start.to_string(), abs, name, meta, depth: 0, children: 0 }, &tree, st).await;
    }

    /// Visit `root` and everything below it, depth first, siblings in byte order; with
    /// `-depth`, a directory after its contents. Iterative: any depth of directories.
    async fn walk<'t>(&self, root: Node, tree: &'t Tree, st: &mut State<'_>) {
        let mut stack: Vec<Frame<'t>> = Vec::new();
        let mut pending = Some((root, String::new()));
        loop {
            if st.quit || st.pipe || super::textutil::checkpoint().await.is_err() {
                return;
            }
            if let Some((mut node, rel)) = pending.take() {
                let children = tree.get(&rel).map(|v| v.as_slice()).unwrap_or(&[]);
                node.children = children.len();
                let in_range = node.depth >= self.mindepth;
                st.prune = false;
                if !self.depth_first && in_range {
                    self.eval(self.expr, &node, st).await;
                }
                let descend = node.meta.is_dir() && !st.prune && self.maxdepth.is_none_or(|m| node.depth < m);
                st.prune = false;
                let children = if descend { children } else { &[] };
                stack.push(Frame { node, rel, children, next: 0, in_range });
                continue;
            }
            let Some(top) = stack.last_mut() else { return };
            if let Some((cname, cmeta)) = top.children.get(top.next) {
                top.next += 1;
                let parent = &top.node;
                let path = child_path(&parent.path, cname);
                let abs = if parent.abs == "/" { format!("/{cname}") } else { format!("{}/{cname}", parent.abs) };
                let rel = if top.rel.is_empty() { cname.clone() } else { format!("{}/{cname}", top.rel) };
                let node = Node { path, abs, name: cname.clone(), meta: cmeta.clone(), depth: parent.depth + 1, children: 0 };
                pending = Some((node, rel));
                continue;
            }
            let Some(done) = stack.pop() else { return };
            if self.depth_first && done.in_range && !st.quit {
                self.eval(self.expr, &done.node, st).await;
            }
        }
    }

    fn eval<'a>(&'a self, e: &'a Expr, n: &'a Node, st: &'a mut State<'_>) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            if st.quit || st.pipe {
                return false;
            }
            match e {
                Expr::And(v) => {
                    for x in v {
                        if !self.eval(x, n, st).await {
                            return false;
                        }
                    }
                    true
                }
                Expr::Or(v) => {
                    for x in v {
                        if self.eval(x, n, st).await {
                            return true;
                        }
                    }
                    false
                }
                Expr::Comma(v) => {
                    let mut last = false;
                    for x in v {
                        last = self.eval(x, n, st).await;
                    }
                    last
                }
                Expr::Not(a) => !self.eval(a, n, st).await,
                Expr::Test(t) => self.test(t, n, st),
                Expr::Action(a) => self.act(a, n, st).await,
            }
        })
    }

    fn test(&self, t: &Test, n: &Node, st: &mut State<'_>) -> bool {
        match t {
            Test::Name(p, ci) => {
                let name = n.name.to_string();
                if *ci {
                    p.matches(&name.to_lowercase())
                } else {
                    p.matches(&name)
                }
            }
            Test::Path(p, ci) => {
                if *ci {
                    p.matches(&n.path.to_lowercase())
                } else {
                    p.matches(&n.path)
                }
            }
            Test::Regex(re) => re.is_match(&n.path),
            Test::Type(kinds) => kinds.contains(&if n.meta.is_dir() { 'd' } else { 'f' }),
            Test::Size(cmp, unit) => {
                let size = if n.meta.is_dir() { 4096 } else { n.meta.size };
                cmp.test(size.div_ceil(*unit) as i64)
            }
            Test::Age(cmp, secs) => {
                let t = n.meta.modified.unwrap_or(SystemTime::UNIX_EPOCH);
                let age = match st.now.duration_since(t) {
                    Ok(d) => d.as_secs_f64(),
                    Err(e) => -e.duration().as_secs_f64(),
                };
                cmp.test((age / *secs as f64).floor() as i64)
            }
            Test::Newer(idx) => match (n.meta.modified, st.newer.get(*idx).copied().flatten()) {
                (Some(a), Some(b)) => a > b,
                (Some(_), None) => true,
                _ => false,
            },
            Test::Empty => {
                if n.meta.is_dir() {
                    n.children == 0
                } else {
                    n.meta.size == 0
                }
            }
            Test::Const(b) => *b,
        }
    }

    async fn act(&self, a: &Action, n: &Node, st: &mut State<'_>) -> bool {
        match a {
            Action::Print => {
                let mut b = n.path.clone().into_bytes();
                b.push(b'\n');
                if st.out.put(&b).await.is_err() {
                    st.pipe = true;
                }
                true
            }
            Action::Print0 => {
                let mut b = n.path.clone().into_bytes();
                b.push(0);
                if st.out.put(&b).await.is_err() {
                    st.pipe = true;
                }
                true
            }
            Action::Printf(f) => {
                let (b, err) = printf(f, n);
                if st.out.put(&b).await.is_err() {
                    st.pipe = true;
                }
                if let Some(e) = err {
                    let _ = st.out.flush().await;
                    self.ctx.err(format!("'standard output': {e}")).await;
                    st.status = 1;
                }
                true
            }
            Action::Prune => {
                if !self.depth_first {
                    st.prune = true;
                }
                true
            }
            Action::Quit => {
                st.quit = true;
                true
            }
            Action::Delete => {
                if n.depth == 0 && (n.path == "." || n.path == "./") {
                    return true;
                }
                let r = if n.meta.is_dir() {
                    match self.ctx.vfs.rmdir(&n.abs).await {
                        Err(e) if e.is_not_found() => Ok(()),
                        r => r,
                    }
                } else {
                    self.ctx.vfs.remove_file(&n.abs).await
                };
                match r {
                    Ok(()) => true,
                    Err(e) => {
                        let _ = st.out.flush().await;
                        self.ctx.err(format!("cannot delete '{}': {e}", n.path)).await;
                        st.status = 1;
                        false
                    }
                }
            }
            Action::Exec { argv, batch, in_dir, id } => {
                let (shown, cwd) = if *in_dir {
                    let parent = crate::vfs::path::dirname(&n.abs).to_string();
                    (format!("./{}", n.name), Some(parent))
                } else {
                    (n.path.clone(), None)
                };
                if *batch {
                    let entry = st.batches.entry(*id).or_insert_with(|| (argv.clone(), Vec::new()));
                    entry.1.push(shown);
                    if entry.1.len() >= 4096 {
                        let files = std::mem::take(&mut entry.1);
                        if !self.exec_batch(argv, files, st).await {
                            st.status = 1;
                        }
                    }
                    return true;
                }
                let args: Vec<String> = argv.iter().map(|a| a.replace("{}", &shown)).collect();
                self.exec(&args, cwd, st).await == 0
            }
        }
    }

    async fn exec_batch(&self, argv: &[String], files: Vec<String>, st: &mut State<'_>) -> bool {
        let mut args: Vec<String> = argv[..argv.len() - 1].to_vec();
        args.extend(files);
        self.exec(&args, None, st).await == 0
    }

    /// Run a command with the workspace's registry; its output follows ours.
    async fn exec(&self, args: &[String], cwd: Option<String>, st: &mut State<'_>) -> i32 {
        if st.out.flush().await.is_err() {
            st.pipe = true;
            return 1;
        }
        let ctx = self.ctx;
        let Some(cmd) = ctx.registry.get(&args[0]) else {
            ctx.err(format!("'{}': No such file or directory", args[0])).await;
            return 1;
        };
        // `find -exec find -exec ...` nests one command inside another: bounded like the
        // shell's own nesting.
        let Ok(_level) = limits::nest_at_most(limits::MAX_SHELL_DEPTH) else {
            ctx.err(format!("'{}': maximum nesting level exceeded", args[0])).await;
            return 1;
        };
        let out: Output = ctx.stdout.clone();
        let mut child = ctx.child(&args[0], args[1..].to_vec(), ctx.stdin.clone(), out);
        if let Some(c) = cwd {
            child.cwd = c;
        }
        let status = cmd.run(child).await;
        if status == EXIT_PIPE && ctx.stdout.is_closed() {
            st.pipe = true;
        }
        status
    }
}

/// `-printf` directives: %p %f %h %P %s %d %y %Y %m %M %k %t %T@ %TY-%Tm-%Td ... %% and
/// backslash escapes. A directive too wide to print is left out, with GNU's error.
fn printf(f: &str, n: &Node) -> (Vec<u8>, Option<&'static str>) {
    let mut err = None;
    let mut out = Vec::new();
    let b = f.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() {
            let e = b[i + 1];
            i += 2;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'0' => out.push(0),
                b'\\' => out.push(b'\\'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'v' => out.push(11),
                b'f' => out.push(12),
                b'b' => out.push(8),
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
            continue;
        }
        if c != b'%' || i + 1 >= b.len() {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        // Flags and width: %-10p, %5s.
        let spec_start = i;
        while i < b.len() && (b[i] == b'-' || b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let spec = std::str::from_utf8(&b[spec_start..i]).unwrap_or("");
        if i >= b.len() {
            break;
        }
        let d = b[i];
        i += 1;
        let mtime = n.meta.modified.unwrap_or(SystemTime::UNIX_EPOCH);
        let text: String = match d {
            b'%' => "%".into(),
            b'p' => n.path.clone(),
            b'f' => {
                if n.depth == 0 {
                    let t = n.path.trim_end_matches('/');
                    if t.is_empty() {
                        "/".into()
                    } else {
                        t.rsplit('/').next().unwrap_or(t).to_string()
                    }
                } else {
                    n.name.to_string()
                }
            }
            b'h' => match n.path.trim_end_matches('/').rfind('/') {
                Some(0) => "/".into(),
                Some(k) => n.path[..k].to_string(),
                None => ".".into(),
            },
            b'P' => {
                if n.depth == 0 {
                    String::new()
                } else {
                    let parts: Vec<&str> = n.path.split('/').collect();
                    parts[parts.len().saturating_sub(n.depth)..].join("/")
                }
            }
            b's' => (if n.meta.is_dir() { 4096 } else { n.meta.size }).to_string(),
            b'k' => (if n.meta.is_dir() { 4 } else { n.meta.size.div_ceil(4096) * 4 }).to_string(),
            b'b' => (if n.meta.is_dir() { 8 } else { n.meta.size.div_ceil(4096) * 8 }).to_string(),
            b'd' => n.depth.to_string(),
            b'y' | b'Y' => (if n.meta.is_dir() { "d" } else { "f" }).into(),
            b'm' => (if n.meta.is_dir() { "755" } else { "644" }).into(),
            b'M' => (if n.meta.is_dir() { "drwxr-xr-x" } else { "-rw-r--r--" }).into(),
            b'u' | b'g' => "root".into(),
            b'U' | b'G' => "0".into(),
            b'n' => (if n.meta.is_dir() { 2 } else { 1 }).to_string(),
            b'i' => "0".into(),
            b't' | b'a' | b'c' => {
                let dt: chrono::DateTime<chrono::Utc> = mtime.into();
                dt.format("%a %b %e %H:%M:%S.%f0 %Y").to_string().replace(".%f0", "")
            }
            b'T' | b'A' | b'C' => {
                let Some(&k) = b.get(i) else { break };
                i += 1;
                let dt: chrono::DateTime<chrono::Utc> = mtime.into();
                match k {
                    b'@' => {
                        let d = mtime.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
                        format!("{}.{:09}0", d.as_secs(), d.subsec_nanos())
                    }
                    b'+' => dt.format("%Y-%m-%d+%H:%M:%S%.9f0").to_string(),
                    b'T' => dt.format("%H:%M:%S%.9f0").to_string(),
                    other => {
                        let f = format!("%{}", other as char);
                        dt.format(&f).to_string()
                    }
                }
            }
            other => {
                let mut s = String::from("%");
                s.push(other as char);
                s
            }
        };
        match pad(spec, &text) {
            Ok(t) => out.extend_from_slice(t.as_bytes()),
            Err(e) => err = Some(e),
        }
    }
    (out, err)
}

/// `text` in a field of the directive's width. GNU refuses widths past `INT_MAX`; a width
/// that would not fit in memory fails too.
fn pad(spec: &str, text: &str) -> Result<String, &'static str> {
    if spec.is_empty() {
        return Ok(text.to_string());
    }
    let left = spec.starts_with('-');
    let digits = spec.trim_start_matches('-').split('.').next().unwrap_or("");
    let width: usize = match digits.parse::<u64>() {
        Ok(w) if w <= i32::MAX as u64 => w as usize,
        Ok(_) => return Err("Value too large for defined data type"),
        Err(_) if digits.bytes().all(|b| b.is_ascii_digit()) && !digits.is_empty() => return Err("Value too large for defined data type"),
        Err(_) => 0,
    };
    if width > text.len() && limits::reserve(width).is_err() {
        return Err("Cannot allocate memory");
    }
    Ok(if left { format!("{text:<width$}") } else { format!("{text:>width$}") })
}

