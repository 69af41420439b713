//! `jq`: the jq language by the jaq crates (jaq-core, jaq-std, jaq-json), with jq's
//! command line (`-r -j -c -s -n -e -S -R -a --tab --indent N --arg --argjson --args
//! --jsonargs --raw-input --slurp`), jq's output format (2-space pretty printing, `[]`/`{}`
//! for empty containers, key order kept, numbers printed as Debian's jq 1.6 prints them),
//! jq's error wording for the common errors, and its exit codes (5 for errors, 2 for
//! usage and input parse errors, 3 for compile errors, 1/4 with `-e`).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx as JCtx, DataT, Lut, Vars};
use jaq_json::Val;
use jaq_std::input::{HasInputs, Inputs, RcIter};

use super::{Ctx, EXIT_PIPE};

#[derive(Clone, Default)]
struct Opts {
    raw: bool,
    join: bool,
    compact: bool,
    tab: bool,
    indent: usize,
    slurp: bool,
    null_input: bool,
    exit_status: bool,
    sort_keys: bool,
    raw_input: bool,
    ascii: bool,
    seq: bool,
}

struct JqData;

impl DataT for JqData {
    type V<'a> = Val;
    type Data<'a> = &'a Global<'a>;
}

struct Global<'a> {
    lut: &'a Lut<JqData>,
    inputs: Inputs<'a, Val>,
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

/// jq builtins that jaq lacks, in jq's own words.
const EXTRA_DEFS: &str = r#"
def @json: tojson;
def @csv: if type == "array" then map(if type == "string" then "\"" + gsub("\""; "\"\"") + "\"" elif type == "number" or type == "boolean" then tostring elif . == null then "" else error("\(type) (\(tojson)) is not valid in a csv row") end) | join(",") else error("\(type) (\(tojson)) cannot be csv-formatted, only an array can be") end;
def @tsv: if type == "array" then map(if type == "string" then gsub("\\\\"; "\\\\") | gsub("\t"; "\\t") | gsub("\n"; "\\n") | gsub("\r"; "\\r") elif type == "number" or type == "boolean" then tostring elif . == null then "" else error("\(type) (\(tojson)) is not valid in a tsv row") end) | join("\t") else error("\(type) (\(tojson)) cannot be tsv-formatted, only an array can be") end;
"#;

const USAGE: &str = "Usage:\tjq [OPTIONS] FILTER [FILES...]\n\tjq [OPTIONS] --args FILTER [ARGUMENTS...]\n\tjq [OPTIONS] --jsonargs FILTER [JSON_VALUES...]\n\njq is a tool for processing JSON inputs, applying the given filter to\nits JSON text inputs and producing the filter's results as JSON on\nstandard output.\n\nThe simplest filter is ., which copies jq's input to its output\nunmodified (except for formatting, but note that IEEE754 is used\nfor number representation internally, with all that that implies).\n\nFor more advanced filters see the jq(1) manpage (\"man jq\")\nand/or https://stedolan.github.io/jq\n\nExample:\n\n\t$ echo '{\"foo\": 0}' | jq .\n\t{\n\t\t\"foo\": 0\n\t}\n\nFor a listing of options, use jq --help.\n";

pub async fn run(ctx: Ctx) -> i32 {
    let mut o = Opts { indent: 2, ..Default::default() };
    let mut filter: Option<String> = None;
    let mut files: Vec<String> = Vec::new();
    let mut named: Vec<(String, Result<String, String>)> = Vec::new();
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
                            "arg" => named.push((name, Ok(val))),
                            "argjson" => named.push((name, Err(val))),
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
                                    named.push((name, Ok(text)));
                                } else {
                                    named.push((name, Err(format!("[{}]", split_values(text.as_bytes()).iter().map(|(s, e)| text[*s..*e].to_string()).collect::<Vec<_>>().join(",")))));
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
    let res = tokio::task::spawn_blocking(move || job.run()).await;
    let (out, err, mut code) = match res {
        Ok(r) => r,
        Err(_) => (Vec::new(), b"jq: error: internal error\n".to_vec(), 5),
    };
    if !out.is_empty() && ctx.stdout.write(out).await.is_err() {
        return EXIT_PIPE;
    }
    if !err.is_empty() {
        let _ = ctx.stderr.write(err).await;
    }
    if read_status != 0 && code == 0 {
        code = read_status;
    }
    code
}

struct Job {
    filter: String,
    opts: Opts,
    sources: Vec<(String, Vec<u8>)>,
    named: Vec<(String, Result<String, String>)>,
    positional: Vec<Result<String, String>>,
    env: Vec<(String, String)>,
}

/// Byte ranges of the top-level JSON values in `s` (a scanner that only finds
/// boundaries; each value is parsed by jaq).
fn split_values(s: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let st = i;
        match s[i] {
            b'{' | b'[' => {
                let mut depth = 0i64;
                let mut in_str = false;
                while i < s.len() {
                    let c = s[i];
                    i += 1;
                    if in_str {
                        if c == b'\\' {
                            i += 1;
                        } else if c == b'"' {
                            in_str = false;
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < s.len() {
                    let c = s[i];
                    i += 1;
                    if c == b'\\' {
                        i += 1;
                    } else if c == b'"' {
                        break;
                    }
                }
            }
            _ => {
                while i < s.len() && !matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[' | b'"') {
                    i += 1;
                }
                if i == st {
                    i += 1;
                }
            }
        }
        out.push((st, i.min(s.len())));
    }
    out
}

/// jq 1.6's number format (David Gay's g_fmt with a 17-digit shortest form).
pub fn fmt_number(f: f64) -> String {
    if f.is_nan() {
        return "null".into();
    }
    let f = if f.is_infinite() { f64::MAX.copysign(f) } else { f };
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let nd = digits.len() as i32;
    let decpt = exp + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if decpt <= -4 || decpt > nd + 15 {
        let m = if nd > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits.clone() };
        let x = decpt - 1;
        format!("{sign}{m}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
    } else if decpt <= 0 {
        format!("{sign}0.{}{}", "0".repeat((-decpt) as usize), digits)
    } else if decpt >= nd {
        format!("{sign}{}{}", digits, "0".repeat((decpt - nd) as usize))
    } else {
        format!("{sign}{}.{}", &digits[..decpt as usize], &digits[decpt as usize..])
    }
}

fn num_f64(v: &Val) -> f64 {
    let s = v.to_string();
    s.parse::<f64>().unwrap_or(f64::NAN)
}

fn write_str(out: &mut Vec<u8>, s: &[u8], ascii: bool) {
    out.push(b'"');
    let text = String::from_utf8_lossy(s);
    for ch in text.chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c if ascii && (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.extend_from_slice(format!("\\u{:04x}", u).as_bytes());
                }
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

fn str_bytes(v: &Val) -> Option<Vec<u8>> {
    match v {
        Val::TStr(b) | Val::BStr(b) => Some(b.to_vec()),
        _ => None,
    }
}

fn write_val(out: &mut Vec<u8>, v: &Val, o: &Opts, level: usize) {
    let pretty = !o.compact && (o.tab || o.indent > 0);
    let ind = |out: &mut Vec<u8>, l: usize| {
        if o.tab {
            out.extend(std::iter::repeat_n(b'\t', l));
        } else {
            out.extend(std::iter::repeat_n(b' ', l * o.indent));
        }
    };
    match v {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::Num(_) => out.extend_from_slice(fmt_number(num_f64(v)).as_bytes()),
        Val::TStr(s) | Val::BStr(s) => write_str(out, s, o.ascii),
        Val::Arr(a) => {
            if a.is_empty() {
                out.extend_from_slice(b"[]");
                return;
            }
            out.push(b'[');
            for (k, x) in a.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                if pretty {
                    out.push(b'\n');
                    ind(out, level + 1);
                }
                write_val(out, x, o, level + 1);
            }
            if pretty {
                out.push(b'\n');
                ind(out, level);
            }
            out.push(b']');
        }
        Val::Obj(m) => {
            if m.is_empty() {
                out.extend_from_slice(b"{}");
                return;
            }
            out.push(b'{');
            let mut items: Vec<(&Val, &Val)> = m.iter().collect();
            if o.sort_keys {
                items.sort_by(|a, b| str_bytes(a.0).cmp(&str_bytes(b.0)));
            }
            for (k, (key, x)) in items.into_iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                if pretty {
                    out.push(b'\n');
                    ind(out, level + 1);
                }
                match str_bytes(key) {
                    Some(s) => write_str(out, &s, o.ascii),
                    None => write_str(out, key.to_string().as_bytes(), o.ascii),
                }
                out.push(b':');
                if pretty {
                    out.push(b' ');
                }
                write_val(out, x, o, level + 1);
            }
            if pretty {
                out.push(b'\n');
                ind(out, level);
            }
            out.push(b'}');
        }
    }
}

fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

fn compact(v: &Val) -> String {
    let mut out = Vec::new();
    write_val(&mut out, v, &Opts { compact: true, ..Default::default() }, 0);
    String::from_utf8_lossy(&out).into_owned()
}

/// jq's wording for the errors jaq reports as `cannot index X with Y` etc.
fn jq_error_text(msg: &str) -> String {
    let parse = |s: &str| jaq_json::read::parse_single(s.as_bytes()).ok();
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
                return format!("Cannot iterate over {} ({})", type_name(&v), compact(&v));
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("cannot calculate ") {
        for (op, word) in [(" + ", "added"), (" - ", "subtracted"), (" * ", "multiplied"), (" / ", "divided"), (" % ", "divided")] {
            for (k, _) in rest.match_indices(op) {
                if let (Some(l), Some(r)) = (parse(&rest[..k]), parse(&rest[k + 3..])) {
                    if word == "divided" && matches!(r, Val::Num(_)) && num_f64(&r) == 0.0 {
                        return format!("{} ({}) and {} ({}) cannot be divided because the divisor is zero", type_name(&l), compact(&l), type_name(&r), compact(&r));
                    }
                    return format!("{} ({}) and {} ({}) cannot be {word}", type_name(&l), compact(&l), type_name(&r), compact(&r));
                }
            }
        }
    }
    msg.to_string()
}

impl Job {
    fn run(self) -> (Vec<u8>, Vec<u8>, i32) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let o = self.opts.clone();

        // Compile.
        let mut env_obj = jaq_json::Map::default();
        for (k, v) in &self.env {
            env_obj.insert(Val::from(k.clone()), Val::from(v.clone()));
        }
        let mut var_names: Vec<String> = vec!["$ENV".to_string()];
        let mut var_vals: Vec<Val> = vec![Val::obj(env_obj)];
        let mut named_obj = jaq_json::Map::default();
        for (n, v) in &self.named {
            let val = match v {
                Ok(s) => Val::from(s.clone()),
                Err(j) => match jaq_json::read::parse_single(j.as_bytes()) {
                    Ok(v) => v,
                    Err(_) => {
                        err.extend_from_slice(format!("jq: Invalid JSON text passed to --argjson\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n").as_bytes());
                        return (out, err, 2);
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
                Err(j) => match jaq_json::read::parse_single(j.as_bytes()) {
                    Ok(v) => v,
                    Err(_) => {
                        err.extend_from_slice(format!("jq: Invalid JSON text passed to --jsonargs\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n").as_bytes());
                        return (out, err, 2);
                    }
                },
            });
        }
        let mut named_all = jaq_json::Map::default();
        named_all.insert(Val::from("positional".to_string()), pos.into_iter().collect());
        named_all.insert(Val::from("named".to_string()), Val::obj(named_obj));
        var_names.push("$ARGS".to_string());
        var_vals.push(Val::obj(named_all));

        let filter_src = self.filter.clone();
        let extra = jaq_core::load::parse(EXTRA_DEFS, |p| p.defs()).unwrap_or_default();
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs()).chain(extra);
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = match loader.load(&arena, File { code: filter_src.as_str(), path: () }) {
            Ok(m) => m,
            Err(errs) => {
                let n = errs.len().max(1);
                err.extend_from_slice(format!("jq: error: syntax error, unexpected INVALID_CHARACTER (Unix shell quoting issues?) at <top-level>, line 1:\n{filter_src}\njq: {n} compile error{}\n", if n == 1 { "" } else { "s" }).as_bytes());
                return (out, err, 3);
            }
        };
        let funs = jaq_core::funs::<JqData>().chain(jaq_std::funs::<JqData>()).chain(jaq_json::funs::<JqData>()).chain(jaq_std::input::funs::<JqData>().into_vec().into_iter().map(|(n, a, r)| (n, a, jaq_core::Native::<JqData>::new(r))));
        let compiler = Compiler::default().with_funs(funs).with_global_vars(var_names.iter().map(|s| s.as_str()));
        let filter = match compiler.compile(modules) {
            Ok(f) => f,
            Err(errs) => {
                let n = errs.len().max(1);
                let mut msg = String::new();
                for (_, es) in &errs {
                    for (name, undef) in es {
                        msg.push_str(&format!("jq: error: {}/{} is not defined at <top-level>, line 1:\n{filter_src}\n", name, undef.as_str()));
                    }
                }
                if msg.is_empty() {
                    msg = format!("jq: error: compile error at <top-level>, line 1:\n{filter_src}\n");
                }
                err.extend_from_slice(format!("{msg}jq: {n} compile error{}\n", if n == 1 { "" } else { "s" }).as_bytes());
                return (out, err, 3);
            }
        };

        // The input values, each with the location jq 1.6 reports for it.
        let mut values: Vec<(Result<Val, String>, String)> = Vec::new();
        if o.raw_input {
            if o.slurp {
                let mut all = Vec::new();
                for (_, d) in &self.sources {
                    all.extend_from_slice(d);
                }
                values.push((Ok(Val::from(String::from_utf8_lossy(&all).into_owned())), "<stdin>:0".into()));
            } else {
                for (name, d) in &self.sources {
                    let mut line = 0;
                    for l in d.split_inclusive(|b| *b == b'\n') {
                        line += 1;
                        let t = l.strip_suffix(b"\n").unwrap_or(l);
                        values.push((Ok(Val::from(String::from_utf8_lossy(t).into_owned())), format!("{name}:{line}")));
                    }
                }
            }
        } else {
            'src: for (name, d) in &self.sources {
                for (st, en) in split_values(d) {
                    let after = if d.get(en) == Some(&b'\n') { en + 1 } else { en };
                    let line = d[..after].iter().filter(|b| **b == b'\n').count();
                    match jaq_json::read::parse_single(&d[st..en]) {
                        Ok(v) => values.push((Ok(v), format!("{name}:{line}"))),
                        Err(_) => {
                            // jq reports the position after the character that ended the token.
                            let upto = &d[..(en + 1).min(d.len())];
                            let lines = upto.iter().filter(|b| **b == b'\n').count() + 1;
                            let col = upto.len() - upto.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
                            let text = &d[st..en];
                            let what = if text.first() == Some(&b'{') || text.first() == Some(&b'[') || text.first() == Some(&b'"') {
                                if en >= d.len() {
                                    let l2 = d.iter().filter(|b| **b == b'\n').count() + 1;
                                    values.push((Err(format!("Unfinished JSON term at EOF at line {l2}, column 0")), String::new()));
                                    break 'src;
                                }
                                format!("Invalid literal at line {lines}, column {col}")
                            } else {
                                format!("Invalid numeric literal at line {lines}, column {col}")
                            };
                            values.push((Err(what), String::new()));
                            break 'src;
                        }
                    }
                }
            }
            if o.slurp {
                let mut items = Vec::new();
                let mut bad = None;
                for (v, _) in values.drain(..) {
                    match v {
                        Ok(v) => items.push(v),
                        Err(e) => {
                            bad = Some(e);
                            break;
                        }
                    }
                }
                match bad {
                    Some(e) => values.push((Err(e), String::new())),
                    None => values.push((Ok(items.into_iter().collect()), "<stdin>:0".into())),
                }
            }
        }

        let mut status = 0;
        let mut last: Option<Val> = None;
        let mut any_output = false;
        let var_vals2 = var_vals.clone();
        let locs: Vec<String> = values.iter().map(|(_, l)| l.clone()).collect();
        let mut queue: std::collections::VecDeque<Result<Val, String>> = values.into_iter().map(|(v, _)| v).collect();
        let mut idx = 0usize;
        let first: Vec<Result<Val, String>> = if o.null_input { vec![Ok(Val::Null)] } else { Vec::new() };
        let mut first = first.into_iter();
        // `input`/`inputs` take from the same queue as the main loop.
        let shared = std::cell::RefCell::new(&mut queue);
        let taken = std::cell::Cell::new(0usize);
        let iter = RcIter::new(std::iter::from_fn(|| {
            let r = shared.borrow_mut().pop_front();
            if r.is_some() {
                taken.set(taken.get() + 1);
            }
            r
        }));
        let boxed: &RcIter<dyn Iterator<Item = Result<Val, String>>> = &iter;
        let global = Global { lut: &filter.lut, inputs: boxed };
        loop {
            let input = if let Some(v) = first.next() {
                v
            } else if o.null_input {
                break;
            } else {
                let r = shared.borrow_mut().pop_front();
                match r {
                    Some(v) => {
                        idx = taken.get();
                        taken.set(taken.get() + 1);
                        v
                    }
                    None => break,
                }
            };
            let input = match input {
                Ok(v) => v,
                Err(e) => {
                    err.extend_from_slice(format!("parse error: {e}\n").as_bytes());
                    status = 4;
                    break;
                }
            };
            let loc = if o.null_input { "<unknown>".to_string() } else { locs.get(idx).cloned().unwrap_or_default() };
            let vars = Vars::new(var_vals2.clone());
            let jctx = JCtx::<JqData>::new(&global, vars);
            for r in filter.id.run((jctx, input)) {
                match jaq_core::unwrap_valr(r) {
                    Ok(v) => {
                        any_output = true;
                        if o.seq {
                            out.push(0x1e);
                        }
                        match (&v, o.raw) {
                            (Val::TStr(s), true) | (Val::BStr(s), true) => out.extend_from_slice(s),
                            _ => write_val(&mut out, &v, &o, 0),
                        }
                        if !o.join {
                            out.push(b'\n');
                        }
                        last = Some(v);
                    }
                    Err(e) => {
                        let text = e.to_string();
                        let at = if loc.is_empty() { "<unknown>".to_string() } else { loc.clone() };
                        let val = e.into_val();
                        match &val {
                            Val::TStr(s) => {
                                let s = String::from_utf8_lossy(s).into_owned();
                                let s = if s == text { jq_error_text(&s) } else { s };
                                err.extend_from_slice(format!("jq: error (at {at}): {s}\n").as_bytes());
                            }
                            other => {
                                err.extend_from_slice(format!("jq: error (at {at}) (not a string): {}\n", compact(other)).as_bytes());
                            }
                        }
                        status = 5;
                        break;
                    }
                }
                if out.len() > 64 << 20 {
                    break;
                }
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
        let _ = any_output;
        (out, err, status)
    }
}
