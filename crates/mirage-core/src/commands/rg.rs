//! `rg`: ripgrep's common flags with its output when not writing to a terminal: `path:line`
//! (no heading, no line numbers unless `-n`), no file name for a single file operand,
//! hidden files and binary files skipped while walking, the regex crate's syntax.
//! `-i -s -S -n -N -l -c -v -w -x -F -o -q -m -A -B -C -e -g GLOB -t TYPE -T TYPE
//! --hidden -u --files -H --no-filename --no-heading`. Files are searched and printed in
//! path order (ripgrep's own order is that of its parallel walk; `--sort path` in ripgrep).

use super::args::{self, flag, long_flag, long_value, value};
use super::grep::{join_display, search_files, sorted_tree, Matcher, Opts, Shared, Syntax};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};
use crate::shell::pattern::Pattern;
use crate::vfs::Metadata;

const SPEC: &[args::Opt] = &[
    flag('i', "ignore-case"),
    flag('s', "case-sensitive"),
    flag('S', "smart-case"),
    flag('n', "line-number"),
    flag('N', "no-line-number"),
    flag('l', "files-with-matches"),
    long_flag("files-without-match"),
    flag('c', "count"),
    flag('v', "invert-match"),
    flag('w', "word-regexp"),
    flag('x', "line-regexp"),
    flag('F', "fixed-strings"),
    flag('o', "only-matching"),
    flag('q', "quiet"),
    value('m', "max-count"),
    value('A', "after-context"),
    value('B', "before-context"),
    value('C', "context"),
    value('e', "regexp"),
    value('f', "file"),
    value('g', "glob"),
    long_value("iglob"),
    value('t', "type"),
    value('T', "type-not"),
    long_flag("hidden"),
    flag('.', ""),
    flag('u', "unrestricted"),
    long_flag("no-ignore"),
    long_flag("files"),
    flag('H', "with-filename"),
    flag('I', "no-filename"),
    long_flag("no-heading"),
    long_flag("heading"),
    long_value("color"),
    long_value("sort"),
    long_flag("no-messages"),
    flag('a', "text"),
    flag('P', "pcre2"),
    flag('U', "multiline"),
    flag('L', "follow"),
    value('d', "max-depth"),
    value('j', "threads"),
    flag('0', "null"),
    long_flag("trim"),
    value('M', "max-columns"),
];

fn type_globs(t: &str) -> Option<&'static [&'static str]> {
    Some(match t {
        "rust" | "rs" => &["*.rs"],
        "py" | "python" => &["*.py", "*.pyi"],
        "js" => &["*.js", "*.jsx", "*.mjs", "*.cjs", "*.vue"],
        "ts" => &["*.ts", "*.tsx", "*.cts", "*.mts"],
        "json" => &["*.json", "*.jsonl", "*.geojson"],
        "md" | "markdown" => &["*.md", "*.markdown", "*.mdx", "*.mkd", "*.mkdn", "*.mdwn"],
        "txt" => &["*.txt"],
        "log" => &["*.log"],
        "c" => &["*.c", "*.h", "*.H"],
        "cpp" => &["*.cpp", "*.cc", "*.cxx", "*.hpp", "*.hh", "*.hxx", "*.h", "*.inl"],
        "go" => &["*.go"],
        "java" => &["*.java", "*.jsp", "*.properties"],
        "sh" => &["*.sh", "*.bash", "*.zsh", "*.csh", ".bashrc", ".zshrc", ".profile"],
        "yaml" => &["*.yaml", "*.yml"],
        "toml" => &["*.toml", "Cargo.lock"],
        "html" => &["*.htm", "*.html", "*.ejs"],
        "css" => &["*.css", "*.scss"],
        "csv" => &["*.csv"],
        "xml" => &["*.xml", "*.xsd", "*.xsl", "*.svg"],
        "sql" => &["*.sql", "*.psql"],
        "rb" | "ruby" => &["*.rb", "*.gemspec", "Gemfile", "Rakefile"],
        _ => return None,
    })
}

struct Glob {
    pat: Pattern,
    negated: bool,
    has_slash: bool,
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let first = e.message("rg");
            let first = first.lines().next().unwrap_or("").trim_start_matches("rg: ");
            let _ = ctx.stderr.write_str(&format!("error: {first}\n")).await;
            return 2;
        }
    };
    let mut patterns: Vec<String> = Vec::new();
    let mut have_patterns = false;
    let mut icase = false;
    let mut smart = false;
    let mut line_numbers = false;
    let mut with_name: Option<bool> = None;
    let mut globs: Vec<Glob> = Vec::new();
    let mut hidden = false;
    let mut o = Opts { label: "<stdin>".into(), group_sep: Some("--".into()), omit_zero_count: true, rg_binary: true, ..Default::default() };
    let mut ctx_a = None;
    let mut ctx_b = None;
    let mut ctx_c = None;
    let mut types: Vec<&'static str> = Vec::new();
    let mut not_types: Vec<&'static str> = Vec::new();
    for f in &p.opts {
        let v = f.value.clone().unwrap_or_default();
        match f.key.as_str() {
            "i" => {
                icase = true;
                smart = false;
            }
            "s" => {
                icase = false;
                smart = false;
            }
            "S" => smart = true,
            "n" => line_numbers = true,
            "N" => line_numbers = false,
            "l" => {
                o.list = true;
                o.list_missing = false;
            }
            "files-without-match" => {
                o.list_missing = true;
                o.list = false;
            }
            "c" => o.count = true,
            "v" => o.invert = true,
            "o" => o.only = true,
            "q" => o.quiet = true,
            "no-messages" => o.silent = true,
            "a" => o.text = true,
            "m" => o.max = v.parse().ok(),
            "A" | "B" | "C" => {
                let Ok(n) = v.parse::<usize>() else {
                    let _ = ctx.stderr.write_str(&format!("error: invalid value '{v}' for '-{}'\n", f.key)).await;
                    return 2;
                };
                match f.key.as_str() {
                    "A" => ctx_a = Some(n),
                    "B" => ctx_b = Some(n),
                    _ => ctx_c = Some(n),
                }
            }
            "e" => {
                have_patterns = true;
                patterns.push(v);
            }
            "f" => {
                have_patterns = true;
                match textutil::read_all(&ctx, &v).await {
                    Ok(d) => {
                        for l in textutil::records(&d, b'\n') {
                            patterns.push(String::from_utf8_lossy(l).into_owned());
                        }
                    }
                    Err(e) => {
                        let _ = ctx.stderr.write_str(&format!("{v}: {e} (os error 2)\n")).await;
                        return 2;
                    }
                }
            }
            "g" | "iglob" => {
                let (negated, g) = match v.strip_prefix('!') {
                    Some(g) => (true, g.to_string()),
                    None => (false, v.clone()),
                };
                let g = g.trim_start_matches("**/").trim_start_matches('/').to_string();
                let text = if f.key == "iglob" { g.to_lowercase() } else { g.clone() };
                globs.push(Glob { has_slash: text.contains('/'), pat: Pattern::parse(&text), negated });
            }
            "t" | "T" => match type_globs(&v) {
                Some(list) => {
                    if f.key == "t" {
                        types.extend_from_slice(list);
                    } else {
                        not_types.extend_from_slice(list);
                    }
                }
                None => {
                    let _ = ctx.stderr.write_str(&format!("error: unrecognized file type: {v}\n")).await;
                    return 2;
                }
            },
            "hidden" | "." => hidden = true,
            "u" => hidden = hidden || p.opts.iter().filter(|x| x.key == "u").count() >= 2,
            "H" => with_name = Some(true),
            "I" => with_name = Some(false),
            _ => {}
        }
    }
    o.line_number = line_numbers;
    o.after = ctx_a.or(ctx_c).unwrap_or(0);
    o.before = ctx_b.or(ctx_c).unwrap_or(0);
    let mut operands = p.operands.clone();
    let files_mode = p.has("files");
    if !have_patterns && !files_mode {
        if operands.is_empty() {
            let _ = ctx
                .stderr
                .write_str("error: The following required arguments were not provided:\n    <PATTERN>\n\nUSAGE:\n    \n    rg [OPTIONS] PATTERN [PATH ...]\n    rg [OPTIONS] -e PATTERN ... [PATH ...]\n    rg [OPTIONS] -f PATTERNFILE ... [PATH ...]\n    rg [OPTIONS] --files [PATH ...]\n    rg [OPTIONS] --type-list\n    command | rg [OPTIONS] PATTERN\n    rg [OPTIONS] --help\n    rg [OPTIONS] --version\n\nFor more information try --help\n")
                .await;
            return 2;
        }
        patterns.push(operands.remove(0));
    }
    if smart && !patterns.iter().any(|p| p.chars().any(|c| c.is_uppercase())) {
        icase = true;
    }
    let syntax = if p.has("F") { Syntax::Fixed } else { Syntax::Rust };
    let matcher = match Matcher::new(&patterns, syntax, icase, p.has("w"), p.has("x")) {
        Ok(m) => m,
        Err(e) => {
            let _ = ctx.stderr.write_str(&format!("{}\n", e.0)).await;
            return 2;
        }
    };
    let implicit = operands.is_empty();
    // Like ripgrep, with no path: search stdin when it is a pipe or file, else the cwd.
    let stdin_only = implicit && !files_mode && !matches!(&*ctx.stdin.lock().await, crate::shell::io::Input::Empty);
    if implicit {
        operands.push(if stdin_only { "-".into() } else { ".".into() });
    }
    // Collect files: explicit files as given, directories walked (hidden skipped).
    let type_pats: Vec<Pattern> = types.iter().map(|t| Pattern::parse(t)).collect();
    let not_type_pats: Vec<Pattern> = not_types.iter().map(|t| Pattern::parse(t)).collect();
    let lower_iglob = p.opts.iter().any(|f| f.key == "iglob");
    let keep_file = |rel: &str| -> bool {
        let base = rel.rsplit('/').next().unwrap_or(rel);
        if !type_pats.is_empty() && !type_pats.iter().any(|t| t.matches(base)) {
            return false;
        }
        if not_type_pats.iter().any(|t| t.matches(base)) {
            return false;
        }
        let includes: Vec<&Glob> = globs.iter().filter(|g| !g.negated).collect();
        let subject = |g: &Glob| -> bool {
            let r = if lower_iglob { rel.to_lowercase() } else { rel.to_string() };
            let b = if lower_iglob { base.to_lowercase() } else { base.to_string() };
            if g.has_slash {
                g.pat.matches(&r)
            } else {
                g.pat.matches(&b)
            }
        };
        if globs.iter().filter(|g| g.negated).any(subject) {
            return false;
        }
        includes.is_empty() || includes.iter().any(|g| subject(g))
    };
    let mut status_err = false;
    let mut files: Vec<(String, String, Option<Metadata>)> = Vec::new();
    let mut any_dir = false;
    let mut out = Out::new(&ctx.stdout);
    if stdin_only {
        let show = with_name.unwrap_or(false);
        let mut state = Shared::default();
        let reader = match ctx.open("-").await {
            Ok(r) => r,
            Err(_) => return 2,
        };
        let r = super::grep::search_reader(&ctx, reader, "<stdin>", show, &matcher, &o, &mut out, &mut state).await;
        if out.flush().await.is_err() {
            return EXIT_PIPE;
        }
        return match r {
            Some(true) => 0,
            Some(false) => 1,
            None => EXIT_PIPE,
        };
    }
    for op in &operands {
        let abs = ctx.abs(op);
        let meta = match ctx.vfs.stat(&abs).await {
            Ok(m) => m,
            Err(e) => {
                status_err = true;
                let _ = ctx.stderr.write_str(&format!("{op}: {} (os error 2)\n", e.kind.strerror())).await;
                continue;
            }
        };
        if !meta.is_dir() {
            files.push((op.clone(), abs, Some(meta)));
            continue;
        }
        any_dir = true;
        let entries = match ctx.vfs.walk(&abs).await {
            Ok(e) => e,
            Err(e) => {
                status_err = true;
                let _ = ctx.stderr.write_str(&format!("{op}: {e}\n")).await;
                continue;
            }
        };
        for (rel, m) in sorted_tree(entries) {
            if m.is_dir() {
                continue;
            }
            if super::textutil::checkpoint().await.is_err() {
                return 2;
            }
            let comps: Vec<&str> = rel.split('/').collect();
            if !hidden && comps.iter().any(|c| c.starts_with('.')) {
                continue;
            }
            let dir_excluded = comps[..comps.len() - 1].iter().any(|d| globs.iter().any(|g| g.negated && !g.has_slash && g.pat.matches(d)));
            if dir_excluded || !keep_file(&rel) {
                continue;
            }
            let shown = if implicit { rel.clone() } else { join_display(op, &rel) };
            let fabs = if abs == "/" { format!("/{rel}") } else { format!("{abs}/{rel}") };
            files.push((shown, fabs, Some(m)));
        }
    }
    if files_mode {
        for (shown, _, _) in &files {
            out.buf().extend_from_slice(shown.as_bytes());
            out.buf().push(b'\n');
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
        }
        if out.flush().await.is_err() {
            return EXIT_PIPE;
        }
        return if status_err { 2 } else if files.is_empty() { 1 } else { 0 };
    }
    // Binary files are skipped while walking, as ripgrep does by default.
    if any_dir && !o.text {
        o.skip_binary = true;
    }
    let show = with_name.unwrap_or(any_dir || operands.len() > 1);
    let mut state = Shared::default();
    let r = search_files(&ctx, files, show, &matcher, &o, &mut out, &mut state).await;
    let (selected, err, stop) = match r {
        Ok(x) => x,
        Err(()) => return EXIT_PIPE,
    };
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    if stop {
        return 0;
    }
    if status_err || err {
        2
    } else if selected {
        0
    } else {
        1
    }
}
