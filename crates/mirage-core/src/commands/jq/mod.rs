//! `jq`: the jq language by the jaq crates (jaq-core, jaq-std, jaq-json), with jq's
//! command line (`-r -j -c -s -n -e -S -R -a --tab --indent N --arg --argjson --args
//! --jsonargs --raw-input --slurp`), jq's output format (2-space pretty printing, `[]`/`{}`
//! for empty containers, key order kept, numbers printed as Debian's jq 1.6 prints them),
//! jq's error wording for the common errors, and its exit codes (5 for errors, 2 for
//! usage errors, 4 for input parse errors, 3 for compile errors, 1/4 with `-e`).
//!
//! The filter runs on a blocking thread of the execute, and is untrusted: before jaq
//! parses it, `scan` refuses nesting jaq's recursive parser cannot take; `rewrite` routes
//! every loop, allocation and nesting of values through mirage's natives (`natives`),
//! which stop on the execute's stop switch and memory budget and never build a value
//! nested past `value::MAX_VALUE_DEPTH`. `halt`/`halt_error` end the filter (never the
//! process), `env`/`$ENV` are the shell's exported variables, and nothing reads the host's
//! files (`include`/`import` find no modules).

mod natives;
mod rewrite;
mod scan;
mod value;

use std::collections::VecDeque;

use jaq_core::load::lex::Tok;
use jaq_core::load::parse::Def;
use jaq_core::load::{Arena, File, Lexer, Loader, Parser};
use jaq_core::{Compiler, Ctx as JCtx, DataT, Lut, Vars};
use jaq_json::Val;
use jaq_std::input::{HasInputs, Inputs, RcIter};

use self::natives::{Chunk, Sink, SinkOut, State, Why};
use self::value::{compact, type_name, write_val, Cut, Opts, Out};
use super::{Ctx, EXIT_PIPE};
use crate::limits::{self, Stop};

pub use self::value::fmt_number;

pub struct JqData;

impl DataT for JqData {
    type V<'a> = Val;
    type Data<'a> = &'a Global<'a>;
}

pub struct Global<'a> {
    lut: &'a Lut<JqData>,
    inputs: Inputs<'a, Val>,
    st: &'a State,
}

impl<'a> jaq_core::data::HasLut<'a, JqData> for &'a Global<'a> {
    fn lut(&self) -> &'a Lut<JqData> {
        self.lut
    }
}

impl<'a> HasInputs<'a, Val> for &'a Global<'a> {
    fn inputs(&self) -> Inputs<'a, Val> {
        self.inputs
    }
}

const USAGE: &str = "Usage:\tjq [OPTIONS] FILTER [FILES...]\n\tjq [OPTIONS] --args FILTER [ARGUMENTS...]\n\tjq [OPTIONS] --jsonargs FILTER [JSON_VALUES...]\n\njq is a tool for processing JSON inputs, applying the given filter to\nits JSON text inputs and producing the filter's results as JSON on\nstandard output.\n\nThe simplest filter is ., which copies jq's input to its output\nunmodified (except for formatting, but note that IEEE754 is used\nfor number representation internally, with all that that implies).\n\nFor more advanced filters see the jq(1) manpage (\"man jq\")\nand/or https://stedolan.github.io/jq\n\nExample:\n\n\t$ echo '{\"foo\": 0}' | jq .\n\t{\n\t\t\"foo\": 0\n\t}\n\nFor a listing of options, use jq --help.\n";

const HELP_TAIL: &str = "Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n";

pub async fn run(ctx: Ctx) -> i32 {
    let mut o = Opts { indent: 2, ..Default::default() };
    let mut filter: Option<String> = None;
    let mut files: Vec<String> = Vec::new();
    let mut named: Vec<(String, Arg)> = Vec::new();
    let mut positional: Vec<Result<String, String>> = Vec::new();
    let mut rest_mode: Option<bool> = None; // Some(false) = --args, Some(true) = --jsonargs
    let args = ctx.args.clone();
    let mut i = 0;
    let mut no_more_opts = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if !no_more_opts && a.starts_with('-') && a.len() > 1 {
            if a == "--" {
                no_more_opts = true;
                continue;
            }
            if let Some(long) = a.strip_prefix("--") {
                match long {
                    "raw-output" => o.raw = true,
                    "join-output" => {
                        o.raw = true;
                        o.join = true
                    }
                    "compact-output" => o.compact = true,
                    "tab" => o.tab = true,
                    "slurp" => o.slurp = true,
                    "null-input" => o.null_input = true,
                    "exit-status" => o.exit_status = true,
                    "sort-keys" => o.sort_keys = true,
                    "raw-input" => o.raw_input = true,
                    "ascii-output" => o.ascii = true,
                    "seq" => o.seq = true,
                    "color-output" | "monochrome-output" | "unbuffered" | "stream-errors" => {}
                    "indent" => {
                        let Some(n) = args.get(i).and_then(|v| v.parse::<usize>().ok()) else {
                            let _ = ctx.stderr.write_str("jq: --indent takes one parameter\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n").await;
                            return 2;
                        };
                        if n > 7 {
                            let _ = ctx.stderr.write_str("jq: Cannot indent more than 7 characters\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n").await;
                            return 2;
                        }
                        o.indent = n;
                        i += 1;
                    }
                    "arg" | "argjson" | "slurpfile" | "rawfile" => {
                        if i + 1 >= args.len() + 0 && args.get(i + 1).is_none() {
                            let _ = ctx.stderr.write_str(&format!("jq: --{long} takes two parameters (e.g. --{long} varname value)\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n")).await;
                            return 2;
                        }
                        let name = args[i].clone();
                        let val = args[i + 1].clone();
                        i += 2;
                        match long {
                            "arg" => named.push((name, Arg::Str(val))),
                            "argjson" => named.push((name, Arg::Json(val))),
                            _ => {
                                let data = match ctx.vfs.read_all(&ctx.abs(&val)).await {
                                    Ok(d) => d,
                                    Err(e) => {
                                        let _ = ctx.stderr.write_str(&format!("jq: error: Could not open {val}: {e}\n")).await;
                                        return 2;
                                    }
                                };
                                let text = String::from_utf8_lossy(&data).into_owned();
                                if long == "rawfile" {
                                    named.push((name, Arg::Str(text)));
                                } else {
                                    let pieces: Vec<String> = scan::split_values(text.as_bytes()).iter().map(|(s, e)| text[*s..*e].to_string()).collect();
                                    if pieces.iter().any(|p| scan::json_too_deep(p.as_bytes()).is_some()) {
                                        let _ =
                                            ctx.stderr.write_str(&format!("jq: Bad JSON in --slurpfile {name} {val}: Exceeds depth limit for parsing\n")).await;
                                        return 2;
                                    }
                                    named.push((name, Arg::Slurp(format!("[{}]", pieces.join(",")))));
                                }
                            }
                        }
                    }
                    "args" => rest_mode = Some(false),
                    "jsonargs" => rest_mode = Some(true),
                    "help" => {
                        let _ = ctx.stdout.write_str(USAGE).await;
                        return 0;
                    }
                    "version" => {
                        let _ = ctx.stdout.write_str("jq-1.6\n").await;
                        return 0;
                    }
                    _ => {
                        let _ = ctx.stderr.write_str(&format!("jq: Unknown option: {a}\n{USAGE}")).await;
                        return 2;
                    }
                }
                continue;
            }
            for c in a[1..].chars() {
                match c {
                    'r' => o.raw = true,
                    'j' => {
                        o.raw = true;
                        o.join = true
                    }
                    'c' => o.compact = true,
                    's' => o.slurp = true,
                    'n' => o.null_input = true,
                    'e' => o.exit_status = true,
                    'S' => o.sort_keys = true,
                    'R' => o.raw_input = true,
                    'a' => o.ascii = true,
                    'M' | 'C' => {}
                    'h' => {
                        let _ = ctx.stdout.write_str(USAGE).await;
                        return 0;
                    }
                    _ => {
                        let _ = ctx.stderr.write_str(&format!("jq: Unknown option: {a}\n{USAGE}")).await;
                        return 2;
                    }
                }
            }
            continue;
        }
        if filter.is_none() {
            filter = Some(a.clone());
        } else if let Some(json) = rest_mode {
            positional.push(if json { Err(a.clone()) } else { Ok(a.clone()) });
        } else {
            files.push(a.clone());
        }
    }
    // jq 1.6 with no filter and no terminal runs `.`.
    let filter = filter.unwrap_or_else(|| ".".to_string());

    // Read the inputs (jq needs whole values; files are read in turn).
    let mut sources: Vec<(String, Vec<u8>)> = Vec::new();
    let mut read_status = 0;
    if !o.null_input || !files.is_empty() {
        let ops = if files.is_empty() { vec!["-".to_string()] } else { files.clone() };
        for op in &ops {
            match super::common::read_all(&ctx, op).await {
                Ok(d) => sources.push((if op == "-" { "<stdin>".to_string() } else { op.clone() }, d)),
                Err(e) => {
                    let _ = ctx.stderr.write_str(&format!("jq: error: Could not open file {op}: {e}\n")).await;
                    read_status = 2;
                }
            }
        }
    }
    let mut env: Vec<(String, String)> = ctx.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    env.sort();
    let job = Job { filter, opts: o, sources, named, positional, env };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let worker = limits::spawn_blocking(move || on_big_stack(move || job.run(tx)));
    let mut pipe = false;
    while let Some(chunk) = rx.recv().await {
        match chunk {
            Chunk::Out(b) => {
                if ctx.stdout.write(b).await.is_err() {
                    pipe = true;
                    break;
                }
            }
            Chunk::Err(b) => {
                let _ = ctx.stderr.write(b).await;
            }
        }
    }
    // The worker sees a closed channel at its next write, and the stop switch at its next
    // tick once this execute is over.
    drop(rx);
    let mut code = worker.await.unwrap_or(5);
    if pipe {
        return EXIT_PIPE;
    }
    if read_status != 0 && code == 0 {
        code = read_status;
    }
    code
}

/// Run `f` where `limits::stack_exhausted` knows the stack: the execute's threads do; a
/// caller outside an execute gets a thread of the same size.
fn on_big_stack(f: impl FnOnce() -> i32 + Send + 'static) -> i32 {
    if limits::on_execute_thread() {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(5);
    }
    let ctx = limits::Context::current();
    let spawned = std::thread::Builder::new().name("mirage-jq".into()).stack_size(limits::STACK_BYTES).spawn(move || {
        limits::isolate::ON_EXECUTE_THREAD.with(|t| t.set(true));
        limits::mark_stack_base();
        let _entered = ctx.map(|c| c.enter());
        f()
    });
    match spawned {
        Ok(h) => h.join().unwrap_or(5),
        Err(_) => 5,
    }
}

/// A `--arg`/`--rawfile` string, an `--argjson` value, or an `--slurpfile` array.
enum Arg {
    Str(String),
    Json(String),
    Slurp(String),
}

struct Job {
    filter: String,
    opts: Opts,
    sources: Vec<(String, Vec<u8>)>,
    named: Vec<(String, Arg)>,
    positional: Vec<Result<String, String>>,
    env: Vec<(String, String)>,
}

/// jq's wording for the errors jaq reports as `cannot index X with Y` etc.
fn jq_error_text(msg: &str) -> String {
    if msg.len() > 1 << 20 {
        return msg.to_string();
    }
    let parse = |s: &str| if scan::json_too_deep(s.as_bytes()).is_some() { None } else { jaq_json::read::parse_single(s.as_bytes()).ok() };
    if let Some(rest) = msg.strip_prefix("cannot index ") {
        // Split "<json> with <json>" at a " with " whose left side parses.
        for (k, _) in rest.match_indices(" with ") {
            if let (Some(l), Some(r)) = (parse(&rest[..k]), parse(&rest[k + 6..])) {
                return match &r {
                    Val::TStr(s) => format!("Cannot index {} with string \"{}\"", type_name(&l), String::from_utf8_lossy(s)),
                    _ => format!("Cannot index {} with {}", type_name(&l), type_name(&r)),
                };
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("cannot use ") {
        if let Some(k) = rest.rfind(" as iterable") {
            if let Some(v) = parse(&rest[..k]) {
                return format!("Cannot iterate over {} ({})", type_name(&v), natives::trunc(&v));
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("cannot calculate ") {
        for (op, word) in [(" + ", "added"), (" - ", "subtracted"), (" * ", "multiplied"), (" / ", "divided"), (" % ", "divided")] {
            for (k, _) in rest.match_indices(op) {
                if let (Some(l), Some(r)) = (parse(&rest[..k]), parse(&rest[k + 3..])) {
                    let (t, u) = (natives::trunc(&l), natives::trunc(&r));
                    if word == "divided" && matches!(r, Val::Num(_)) && value::num_f64(&r) == 0.0 {
                        return format!("{} ({t}) and {} ({u}) cannot be divided because the divisor is zero", type_name(&l), type_name(&r));
                    }
                    return format!("{} ({t}) and {} ({u}) cannot be {word}", type_name(&l), type_name(&r));
                }
            }
        }
    }
    msg.to_string()
}

/// An input value not parsed yet (inputs are parsed as the filter takes them).
enum Pending {
    Json { src: usize, st: usize, en: usize },
    Raw(String),
    Ready(Val),
    Bad(String),
}

/// JSON text as jaq reads it, refused past jq 1.6's depth (`at` locates the text for
/// the message: its source and where it starts, and lines before that source).
fn parse_json(d: &[u8], st: usize, en: usize, lines_before: usize) -> Result<Val, String> {
    let text = &d[st..en];
    if let Some(at) = scan::json_too_deep(text) {
        let (l, c) = scan::line_col(d, st + at);
        return Err(format!("Exceeds depth limit for parsing at line {}, column {c}", l + lines_before));
    }
    match jaq_json::read::parse_single(text) {
        Ok(v) => Ok(v),
        Err(_) => {
            // jq reports the position after the character that ended the token.
            let upto = &d[..(en + 1).min(d.len())];
            let lines = upto.iter().filter(|b| **b == b'\n').count() + 1;
            let col = upto.len() - upto.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
            if text.first() == Some(&b'{') || text.first() == Some(&b'[') || text.first() == Some(&b'"') {
                if en >= d.len() {
                    let l2 = d.iter().filter(|b| **b == b'\n').count() + 1;
                    return Err(format!("Unfinished JSON term at EOF at line {l2}, column 0"));
                }
                Err(format!("Invalid literal at line {lines}, column {col}"))
            } else {
                Err(format!("Invalid numeric literal at line {lines}, column {col}"))
            }
        }
    }
}

fn compile_error(filter: &str, what: &str) -> String {
    format!("jq: error: {what} at <top-level>, line 1:\n{filter}\njq: 1 compile error\n")
}

fn syntax_error(filter: &str, n: usize) -> String {
    format!(
        "jq: error: syntax error, unexpected INVALID_CHARACTER (Unix shell quoting issues?) at <top-level>, line 1:\n{filter}\njq: {n} compile error{}\n",
        if n == 1 { "" } else { "s" }
    )
}

impl Job {
    fn run(self, tx: tokio::sync::mpsc::Sender<Chunk>) -> i32 {
        let mut env_obj = jaq_json::Map::default();
        for (k, v) in &self.env {
            env_obj.insert(Val::from(k.clone()), Val::from(v.clone()));
        }
        let st = State::new(Val::obj(env_obj), Sink::new(Some(tx)));
        let _ = jaq_json::TICK.set(natives::jaq_json_tick);
        let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run_in(&st))) {
            Ok(code) => code,
            Err(p) if p.is::<natives::Unwound>() => {
                let why = match limits::checkpoint() {
                    Err(s) => Why::Limit(s),
                    Ok(()) => Why::Deep,
                };
                // A sink borrowed when the unwinding began is free again.
                self.stopped(&st, why, "<unknown>")
            }
            Err(p) => std::panic::resume_unwind(p),
        };
        st.sink.borrow_mut().flush();
        code
    }

    fn say(st: &State, msg: &str) {
        let mut s = st.sink.borrow_mut();
        s.err.extend_from_slice(msg.as_bytes());
        s.maybe_flush();
    }

    fn run_in(&self, st: &State) -> i32 {
        let o = self.opts.clone();

        // Global variables: $ENV, the named arguments, $ARGS.
        let mut var_names: Vec<String> = vec!["$ENV".to_string()];
        let mut var_vals: Vec<Val> = vec![st.env.clone()];
        let mut named_obj = jaq_json::Map::default();
        let json_arg = |j: &str, slurped: bool| -> Option<Val> {
            if !slurped && scan::json_too_deep(j.as_bytes()).is_some() {
                return None;
            }
            jaq_json::read::parse_single(j.as_bytes()).ok()
        };
        for (n, v) in &self.named {
            let val = match v {
                Arg::Str(s) => Val::from(s.clone()),
                Arg::Json(j) | Arg::Slurp(j) => match json_arg(j, matches!(v, Arg::Slurp(_))) {
                    Some(v) => v,
                    None => {
                        Self::say(st, &format!("jq: invalid JSON text passed to --argjson\n{HELP_TAIL}"));
                        return 2;
                    }
                },
            };
            named_obj.insert(Val::from(n.clone()), val.clone());
            var_names.push(format!("${n}"));
            var_vals.push(val);
        }
        let mut pos = Vec::new();
        for p in &self.positional {
            pos.push(match p {
                Ok(s) => Val::from(s.clone()),
                Err(j) => match json_arg(j, false) {
                    Some(v) => v,
                    None => {
                        Self::say(st, &format!("jq: invalid JSON text passed to --jsonargs\n{HELP_TAIL}"));
                        return 2;
                    }
                },
            });
        }
        let mut named_all = jaq_json::Map::default();
        named_all.insert(Val::from("positional".to_string()), pos.into_iter().collect());
        named_all.insert(Val::from("named".to_string()), Val::obj(named_obj));
        var_names.push("$ARGS".to_string());
        var_vals.push(Val::obj(named_all));

        // Compile: refuse what the parser cannot nest, then parse, rewrite and compile.
        let filter_src = self.filter.as_str();
        if let Some(what) = scan::filter_too_deep(filter_src) {
            Self::say(st, &compile_error(filter_src, &what));
            return 3;
        }
        let tokens = match Lexer::new(filter_src).lex() {
            Ok(t) => t,
            Err(errs) => {
                Self::say(st, &syntax_error(filter_src, errs.len().max(1)));
                return 3;
            }
        };
        // No module is ever found: modules would be files of the host.
        if let [first, second, ..] = &tokens[..] {
            if matches!(first.0, "include" | "import") {
                if let Tok::Str(_) = second.1 {
                    let path = second.0.trim_start_matches('"').trim_end_matches('"');
                    Self::say(st, &format!("jq: error: module not found: {path}\n\njq: 1 compile error\n"));
                    return 3;
                }
            }
        }
        let main = match Parser::new(&tokens).parse(|p| p.term()) {
            Ok(t) => t,
            Err(errs) => {
                Self::say(st, &syntax_error(filter_src, errs.len().max(1)));
                return 3;
            }
        };
        let arena = Arena::default();
        let std_rw = rewrite::Rewriter { src: None, arena: &arena };
        let mut defs: Vec<Def<&str>> = rewrite::prelude(&std_rw);
        let user_rw = rewrite::Rewriter { src: Some(filter_src), arena: &arena };
        defs.push(Def { name: rewrite::MAIN, args: Vec::new(), body: user_rw.term(main) });
        let modules = match Loader::new(defs).load(&arena, File { code: rewrite::MAIN, path: () }) {
            Ok(m) => m,
            Err(errs) => {
                Self::say(st, &syntax_error(filter_src, errs.len().max(1)));
                return 3;
            }
        };
        let mut funs = natives::funs();
        let jaq_funs = jaq_core::funs::<JqData>()
            .chain(jaq_std::funs::<JqData>())
            .chain(jaq_json::funs::<JqData>())
            .chain(jaq_std::input::funs::<JqData>().into_vec().into_iter().map(|(n, a, r)| (n, a, jaq_core::Native::<JqData>::new(r))));
        funs.extend(jaq_funs.filter(|(name, _, _)| !natives::DROPPED.contains(name)));
        let compiler = Compiler::default().with_funs(funs).with_global_vars(var_names.iter().map(|s| s.as_str()));
        let filter = match compiler.compile(modules) {
            Ok(f) => f,
            Err(errs) => {
                let mut msg = String::new();
                let mut n = 0;
                for (_, es) in &errs {
                    for (name, undef) in es {
                        n += 1;
                        let what = match undef {
                            jaq_core::compile::Undefined::Filter(arity) => format!("{name}/{arity}"),
                            _ => name.to_string(),
                        };
                        msg.push_str(&format!("jq: error: {what} is not defined at <top-level>, line 1:\n{filter_src}\n"));
                    }
                }
                let n = n.max(1);
                if msg.is_empty() {
                    msg = format!("jq: error: compile error at <top-level>, line 1:\n{filter_src}\n");
                }
                Self::say(st, &format!("{msg}jq: {n} compile error{}\n", if n == 1 { "" } else { "s" }));
                return 3;
            }
        };

        // The inputs, each with the location jq 1.6 reports for it and its file.
        let mut pending: Vec<(Pending, String, Val)> = Vec::new();
        let file_val = |name: &str| if name == "<stdin>" { Val::Null } else { Val::from(name.to_string()) };
        if o.raw_input {
            if o.slurp {
                let mut all = Vec::new();
                for (_, d) in &self.sources {
                    if limits::reserve(d.len()).is_err() {
                        return self.stopped(st, Why::Limit(Stop::Memory), "<stdin>:0");
                    }
                    all.extend_from_slice(d);
                }
                pending.push((Pending::Raw(String::from_utf8_lossy(&all).into_owned()), "<stdin>:0".into(), Val::Null));
            } else {
                for (name, d) in &self.sources {
                    let mut line = 0;
                    for l in d.split_inclusive(|b| *b == b'\n') {
                        line += 1;
                        let t = l.strip_suffix(b"\n").unwrap_or(l);
                        pending.push((Pending::Raw(String::from_utf8_lossy(t).into_owned()), format!("{name}:{line}"), file_val(name)));
                    }
                }
            }
        } else {
            'src: for (k, (name, d)) in self.sources.iter().enumerate() {
                for (st_, en) in scan::split_values(d) {
                    let after = if d.get(en) == Some(&b'\n') { en + 1 } else { en };
                    let line = d[..after].iter().filter(|b| **b == b'\n').count();
                    pending.push((Pending::Json { src: k, st: st_, en }, format!("{name}:{line}"), file_val(name)));
                    // jq reads no further than a value nested too deeply.
                    if scan::json_too_deep(&d[st_..en]).is_some() {
                        break 'src;
                    }
                }
            }
            if o.slurp {
                let mut items = Vec::new();
                let mut bad = None;
                let mut before = 0;
                let mut last_src = 0;
                for (p, _, _) in pending.drain(..) {
                    if let Err(s) = limits::checkpoint() {
                        return self.stopped(st, Why::Limit(s), "<stdin>:0");
                    }
                    match self.materialize(p, &mut before, &mut last_src) {
                        Ok(v) => items.push(v),
                        Err(e) => {
                            bad = Some(e);
                            break;
                        }
                    }
                }
                match bad {
                    Some(e) => pending.push((Pending::Bad(e), String::new(), Val::Null)),
                    None => pending.push((Pending::Ready(items.into_iter().collect()), "<stdin>:0".into(), Val::Null)),
                }
            }
        }

        let mut status = 0;
        let mut last: Option<Val> = None;
        let locs: Vec<(String, Val)> = pending.iter().map(|(_, l, f)| (l.clone(), f.clone())).collect();
        let queue: VecDeque<Pending> = pending.into_iter().map(|(p, _, _)| p).collect();
        let shared = std::cell::RefCell::new((queue, 0usize, 0usize));
        let taken = std::cell::Cell::new(0usize);
        let next_input = || -> Option<Result<Val, String>> {
            let p = shared.borrow_mut().0.pop_front()?;
            taken.set(taken.get() + 1);
            let mut g = shared.borrow_mut();
            let (_, before, last_src) = &mut *g;
            let (mut b, mut l) = (*before, *last_src);
            let r = self.materialize(p, &mut b, &mut l);
            *before = b;
            *last_src = l;
            Some(r)
        };
        // `input`/`inputs` take from the same queue as the main loop.
        let iter = RcIter::new(std::iter::from_fn(|| {
            let r = next_input()?;
            if let Some((_, f)) = locs.get(taken.get() - 1) {
                *st.file.borrow_mut() = f.clone();
            }
            Some(r)
        }));
        let boxed: &RcIter<dyn Iterator<Item = Result<Val, String>>> = &iter;
        let global = Global { lut: &filter.lut, inputs: boxed, st };
        let mut first = if o.null_input { Some(Ok(Val::Null)) } else { None };
        loop {
            let (input, idx) = if let Some(v) = first.take() {
                (v, 0)
            } else if o.null_input {
                break;
            } else {
                let idx = taken.get();
                match next_input() {
                    Some(v) => (v, idx),
                    None => break,
                }
            };
            if !o.null_input {
                if let Some((_, f)) = locs.get(idx) {
                    *st.file.borrow_mut() = f.clone();
                }
            }
            let input = match input {
                Ok(v) => v,
                Err(e) => {
                    Self::say(st, &format!("parse error: {e}\n"));
                    status = 4;
                    break;
                }
            };
            let loc = if o.null_input {
                "<unknown>".to_string()
            } else {
                locs.get(idx).map(|l| l.0.clone()).filter(|l| !l.is_empty()).unwrap_or_else(|| "<unknown>".into())
            };
            let jctx = JCtx::<JqData>::new(&global, Vars::new(var_vals.clone()));
            let mut end: Option<i32> = None;
            for r in filter.id.run((jctx, input)) {
                if let Err(w) = natives::tick(st) {
                    end = Some(self.stopped(st, w, &loc));
                    break;
                }
                match r {
                    Ok(v) => {
                        if let Err(c) = self.print(st, &v) {
                            end = Some(match c {
                                Cut::Pipe => EXIT_PIPE,
                                Cut::Stop(s) => self.stopped(st, Why::Limit(s), &loc),
                                Cut::Full => EXIT_PIPE,
                            });
                            break;
                        }
                        last = Some(v);
                    }
                    Err(e) => match e.get_err() {
                        Ok(e) => {
                            let text = e.to_string();
                            let val = e.into_val();
                            let msg = match &val {
                                Val::TStr(s) => {
                                    let s = String::from_utf8_lossy(s).into_owned();
                                    let s = if s == text { jq_error_text(&s) } else { s };
                                    format!("jq: error (at {loc}): {s}\n")
                                }
                                other => format!("jq: error (at {loc}) (not a string): {}\n", compact(other)),
                            };
                            Self::say(st, &msg);
                            status = 5;
                            break;
                        }
                        Err(exn) => {
                            let code = exn.get_halt().unwrap_or(5);
                            if let Some(w) = st.stop.get() {
                                end = Some(self.stopped(st, w, &loc));
                            } else {
                                end = Some(self.halted(st, code));
                            }
                            break;
                        }
                    },
                }
            }
            if let Some(code) = end {
                return code;
            }
            if o.null_input {
                break;
            }
        }
        if status == 0 && o.exit_status {
            status = match &last {
                None => 4,
                Some(Val::Null) | Some(Val::Bool(false)) => 1,
                _ => 0,
            };
        }
        status
    }

    /// Parse a pending input. `before`/`last_src` count the lines of the sources read
    /// before (jq numbers lines across all its inputs).
    fn materialize(&self, p: Pending, before: &mut usize, last_src: &mut usize) -> Result<Val, String> {
        match p {
            Pending::Ready(v) => Ok(v),
            Pending::Bad(e) => Err(e),
            Pending::Raw(s) => Ok(Val::from(s)),
            Pending::Json { src, st, en } => {
                while *last_src < src {
                    *before += self.sources[*last_src].1.iter().filter(|b| **b == b'\n').count();
                    *last_src += 1;
                }
                parse_json(&self.sources[src].1, st, en, *before)
            }
        }
    }

    fn print(&self, st: &State, v: &Val) -> Result<(), Cut> {
        let o = &self.opts;
        let mut out = SinkOut::new(st);
        if o.seq {
            out.put(&[0x1e])?;
        }
        match (v, o.raw) {
            (Val::TStr(s), true) | (Val::BStr(s), true) => out.put(s)?,
            _ => write_val(&mut out, v, o, 0)?,
        }
        if !o.join {
            out.put(b"\n")?;
        }
        st.sink.borrow_mut().maybe_flush();
        if st.sink.borrow().closed {
            return Err(Cut::Pipe);
        }
        Ok(())
    }

    /// The filter ran `halt` or `halt_error`: jq ends with its code, after the message.
    fn halted(&self, st: &State, code: i32) -> i32 {
        let halt = st.halt.borrow_mut().take();
        let (code, msg) = match halt {
            Some(h) => (h.code, h.msg),
            None => (code, None),
        };
        match msg {
            None | Some(Val::Null) => {}
            Some(Val::TStr(s)) | Some(Val::BStr(s)) => {
                let mut sink = st.sink.borrow_mut();
                sink.err.extend_from_slice(&s);
            }
            Some(v) => {
                let mut m = value::VecOut::capped(1 << 24);
                let _ = write_val(&mut m, &v, &Opts { compact: true, ..Default::default() }, 0);
                m.buf.push(b'\n');
                st.sink.borrow_mut().err.extend_from_slice(&m.buf);
            }
        }
        code
    }

    /// The filter must end now: the execute was stopped, is out of memory, recursed too
    /// deep, or lost its reader.
    fn stopped(&self, st: &State, why: Why, loc: &str) -> i32 {
        match why {
            Why::Limit(Stop::Memory) => {
                Self::say(st, &format!("jq: error (at {loc}): Cannot allocate memory\n"));
                1
            }
            Why::Limit(_) => 1,
            Why::Deep => {
                Self::say(st, &format!("jq: error (at {loc}): recursion too deep (stack limit reached)\n"));
                5
            }
            Why::Pipe => EXIT_PIPE,
        }
    }
}
