//! `jq` against filters and inputs written to hurt the process that hosts it: `halt`,
//! the host's environment and files, nesting past what a recursive parser or printer can
//! take, loops and allocations without end, and work left running after a deadline.
//! Expected texts are jq 1.6's where jq 1.6 has an answer (recorded by hand with Debian's
//! jq 1.6; the tests do not need jq installed).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions, EXIT_TIMEOUT};

/// Tests that measure time (deadlines, CPU used after them) run alone; the others share.
static CPU: RwLock<()> = RwLock::new(());

async fn workspace_with(opts: WorkspaceOptions) -> Workspace {
    let ram = RamResource::new();
    ram.write("a.json", Bytes::from_static(b"{\"a\":1}\n")).await.unwrap();
    ram.write("two.json", Bytes::from_static(b"1\n2\n")).await.unwrap();
    let deep = format!("{}{}\n", "[".repeat(257), "]".repeat(257));
    ram.write("deep.json", Bytes::from(deep)).await.unwrap();
    let ram: Arc<dyn Resource> = Arc::new(ram);
    Workspace::new(vec![("/data/".into(), ram, MountMode::Read)], opts).unwrap()
}

async fn workspace() -> Workspace {
    workspace_with(WorkspaceOptions::default()).await
}

/// A workspace whose sessions may hold 64 MiB.
async fn small_workspace() -> Workspace {
    workspace_with(WorkspaceOptions { max_memory_bytes: 64 << 20, ..Default::default() }).await
}

struct Ran {
    out: String,
    err: String,
    code: i32,
    took: Duration,
}

async fn run_with(ws: &Workspace, line: &str, stdin: Option<&str>, timeout_ms: u64) -> Ran {
    let t = Instant::now();
    let o = ws
        .execute(
            line,
            ExecOptions {
                cwd: Some("/data".into()),
                stdin: stdin.map(|s| Bytes::copy_from_slice(s.as_bytes())),
                timeout: Some(Duration::from_millis(timeout_ms)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    Ran { out: String::from_utf8_lossy(&o.stdout).into_owned(), err: String::from_utf8_lossy(&o.stderr).into_owned(), code: o.exit_code, took: t.elapsed() }
}

async fn run(ws: &Workspace, line: &str) -> Ran {
    run_with(ws, line, None, 30_000).await
}

/// `line` with a filter: the filter is put in single quotes.
fn jq(flags: &str, filter: &str) -> String {
    format!("jq {flags} '{}'", filter.replace('\'', "'\\''"))
}

#[tokio::test]
async fn halt_ends_jq_not_the_host() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    let cases: &[(&str, &str, &str, i32)] = &[
        // filter, stdout, stderr, status
        ("1, halt, 2", "1\n", "", 0),
        ("halt", "", "", 0),
        ("\"bye\"|halt_error", "", "bye", 5),
        ("\"x\\n\"|halt_error(1)", "", "x\n", 1),
        ("{\"a\":1}|halt_error", "", "{\"a\":1}\n", 5),
        ("1|halt_error(0)", "", "1\n", 0),
        ("null|halt_error", "", "", 5),
        ("[1,2]|halt_error(300)", "", "[1,2]\n", 44),
        ("halt_error(-1)", "", "", 255),
        ("1|halt_error(1.7)", "", "1\n", 1),
        ("try halt catch 5", "", "", 0),
        ("try (\"a\"|halt_error) catch 5", "", "a", 5),
        ("\"x\" | halt_error, 3", "", "x", 5),
        ("\"a\"|halt_error(\"x\")", "", "jq: error (at <unknown>): string (\"a\") halt_error/1: number required\n", 5),
        ("first(halt, 1)", "", "", 0),
        ("[.[]?] | halt", "", "", 0),
        ("reduce (1, halt) as $x (0; . + $x)", "", "", 0),
    ];
    for (filter, out, err, code) in cases {
        let r = run(&ws, &jq("-n", filter)).await;
        assert_eq!((r.out.as_str(), r.err.as_str(), r.code), (*out, *err, *code), "jq -n {filter}");
    }
    // Later inputs are not read; the rest of the line runs.
    let r = run_with(&ws, "jq 'if . == 2 then halt else . end'; echo after $?", Some("1 2 3"), 30_000).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("1\nafter 0\n", "", 0));
    let r = run(&ws, "jq -n '\"bye\\n\"|halt_error(3)' 2>/dev/null; echo rc=$?").await;
    assert_eq!(r.out, "rc=3\n");
}

#[tokio::test]
async fn env_is_the_shells_exported_variables() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    // A variable of the host process, which jq must not see.
    std::env::set_var("MIRAGE_JQ_HOST_SECRET", "s3cr3t");
    let ws = workspace().await;
    let r = run(&ws, &jq("-n -c", "[env.MIRAGE_JQ_HOST_SECRET, $ENV.MIRAGE_JQ_HOST_SECRET, (env | tojson | contains(\"s3cr3t\"))]")).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("[null,null,false]\n", "", 0));
    let r = run(&ws, &format!("export X=1; {}; Y=2 {}", jq("-n -c", "[env.X, $ENV.X, env.Y]"), jq("-n -c", "[env.Y, $ENV.Y]"))).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("[\"1\",\"1\",null]\n[\"2\",\"2\"]\n", "", 0));
    // Not exported: not in the environment.
    let r = run(&ws, &format!("Z=3; {}", jq("-n", "env.Z"))).await;
    assert_eq!(r.out, "null\n");
}

#[tokio::test]
async fn no_host_files() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    let r = run(&ws, &jq("-n", "include \"etc/passwd\"; 1")).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("", "jq: error: module not found: etc/passwd\n\njq: 1 compile error\n", 3));
    let r = run(&ws, &jq("-n", "import \"/etc/passwd\" as p; 1")).await;
    assert_eq!((r.err.as_str(), r.code), ("jq: error: module not found: /etc/passwd\n\njq: 1 compile error\n", 3));
    let r = run(&ws, &jq("-n", "include \"../../../etc/passwd\" {search: \"/\"}; 1")).await;
    assert_eq!(r.code, 3);
    let r = run(&ws, &jq("-n", "import \"/etc/passwd\" as $p; $p")).await;
    assert_eq!(r.code, 3);
    assert!(!r.out.contains("root"), "{}", r.out);
    // jq 1.6's answers, none from the host.
    let r = run(&ws, &jq("-n -c", "$__loc__, input_filename, ({\"a\":[1]} | getpath([\"a\",0])), (\"a'b\" | @sh)")).await;
    assert_eq!((r.out.as_str(), r.code), ("{\"file\":\"<top-level>\",\"line\":1}\nnull\n1\n\"'a'\\\\''b'\"\n", 0), "{}", r.err);
    let r = run(&ws, &jq("-c", "input_filename, $__loc__")).await;
    assert_eq!(r.out, "");
    let r = run(&ws, &format!("{} a.json two.json", jq("-c", "input_filename"))).await;
    assert_eq!(r.out, "\"a.json\"\n\"two.json\"\n\"two.json\"\n");
    // Local time is UTC (the host's zone is not read), and no zone database is read.
    let r = run(&ws, &jq("-n -c", "0 | localtime, strflocaltime(\"%H:%M %Z\")")).await;
    assert_eq!(r.out, "[1970,0,1,0,0,0,4,0]\n\"00:00 UTC\"\n", "{}", r.err);
    let r = run(&ws, &jq("-n", "\"Europe/Paris\" | strptime(\"%Q\")")).await;
    assert_eq!(r.code, 5, "{} {}", r.out, r.err);
    // `debug` and `stderr` write to the command's stderr.
    let r = run(&ws, &jq("-n -c", "1, {\"a\":[1,\"x\"]} | debug | stderr | empty")).await;
    assert_eq!((r.err.as_str(), r.code), ("[\"DEBUG:\",1]\n1[\"DEBUG:\",{\"a\":[1,\"x\"]}]\n{\"a\":[1,\"x\"]}", 0));
}

fn compile_error(r: &Ran) {
    assert_eq!(r.code, 3, "stdout {:?} stderr {:?}", r.out, &r.err[..r.err.len().min(300)]);
    assert!(r.err.starts_with("jq: error: filter nested too deeply"), "{}", &r.err[..r.err.len().min(300)]);
    assert!(r.err.ends_with("\njq: 1 compile error\n"), "{}", &r.err[r.err.len().saturating_sub(300)..]);
}

#[tokio::test]
async fn deeply_nested_filters_are_compile_errors() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    let n = 5000;
    let filters = [
        format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        format!("{}1{}", "{a:".repeat(n), "}".repeat(n)),
        format!("{}1{}", "if . then ".repeat(n), " else 2 end".repeat(n)),
        format!("{}1{}", "reduce ".repeat(n), " as $x (0; .)".repeat(n)),
        format!("{}1{}", "foreach ".repeat(n), " as $x (0; .)".repeat(n)),
        format!("{}1", "try ".repeat(n)),
        format!(". | {}1", "- ".repeat(n)),
        format!("{}1", ". as $x | ".repeat(n)),
        format!("{}1", "label $f | ".repeat(n)),
        format!("{}1{}", "def f: ".repeat(n), "; f".repeat(n)),
        format!("\"{}1{}\"", "\\(\"".repeat(n), "\")".repeat(n)),
        format!("{}1", "1 | ".repeat(20 * n)),
        format!("{}1", "1, ".repeat(20 * n)),
        format!("{}1", "1 + ".repeat(20 * n)),
        format!(".{}", "[0]".repeat(n).replace("][", "] | .[")),
        // Chains jaq builds from flat text: object entries, interpolated parts, patterns.
        format!("{{{}}}", (0..20 * n).map(|i| format!("a{i}: 1")).collect::<Vec<_>>().join(", ")),
        format!("\"{}\"", "\\(1)x".repeat(20 * n)),
        format!(". as {{{}}} | 1", (0..20 * n).map(|i| format!("a{i}: $a{i}")).collect::<Vec<_>>().join(", ")),
        format!(". as [{}] | 1", (0..20 * n).map(|i| format!("$a{i}")).collect::<Vec<_>>().join(", ")),
    ];
    for f in &filters {
        let r = run(&ws, &jq("-n", f)).await;
        compile_error(&r);
    }
    // Just under the limits, jaq's parser, compiler and evaluator have stack to spare.
    let (m, k) = (199, 990);
    let near = [
        format!("{}1{}", "[".repeat(m), "]".repeat(m)),
        format!("{}1{}", "(".repeat(m), ")".repeat(m)),
        format!("{}1{}", "{a:".repeat(m), "}".repeat(m)),
        format!("{}1{}", "if . then ".repeat(m), " else 2 end".repeat(m)),
        format!("\"{}1{}\"", "\\(\"".repeat(m / 2), "\")".repeat(m / 2)),
        format!("{}1", "1 | ".repeat(2 * k)),
        format!("{}1", "1, ".repeat(2 * k)),
        format!("{}1", "1 + ".repeat(2 * k)),
        format!("{}1", "try ".repeat(2 * k)),
        format!(". | {}1", "- ".repeat(2 * k)),
        format!("{}1", ". as $x | ".repeat(k)),
        format!("{}1", "label $f | ".repeat(k)),
        format!("{}1{}", "def f: ".repeat(2 * k), "; f".repeat(2 * k)),
        format!("{}1{}", "reduce ".repeat(k), " as $x (0; .)".repeat(k)),
        format!("[{}1{}]", "first(".repeat(m - 2), ")".repeat(m - 2)),
        format!("{{{}}}", (0..k).map(|i| format!("a{i}: {i}")).collect::<Vec<_>>().join(", ")),
        format!("\"{}\"", "\\(1)x".repeat(k / 2)),
    ];
    for f in &near {
        let r = run(&ws, &jq("-n", &format!("({f}) | tojson | length"))).await;
        assert_eq!(r.code, 0, "{}...: {:?}", &f[..40], &r.err[..r.err.len().min(300)]);
    }
    // Nesting that jq programs have stays fine.
    let f = format!("{}1{}", "[".repeat(150), "]".repeat(150));
    let r = run(&ws, &jq("-n -c", &format!("{f} | flatten"))).await;
    assert_eq!((r.out.as_str(), r.code), ("[1]\n", 0), "{}", r.err);
    let list: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let r = run(&ws, &jq("-n", &format!("[{}] | add", list.join(",")))).await;
    assert_eq!((r.out.as_str(), r.code), ("499500\n", 0), "{}", r.err);
}

#[tokio::test]
async fn deeply_nested_input_fails_like_jq() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    let deep = |open: &str, inner: &str, close: &str, n: usize| format!("{}{inner}{}", open.repeat(n), close.repeat(n));
    let r = run_with(&ws, "jq -c .", Some(&deep("[", "", "]", 257)), 30_000).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("", "parse error: Exceeds depth limit for parsing at line 1, column 257\n", 4));
    let r = run_with(&ws, "jq -c .", Some(&deep("[", "", "]", 100_000)), 30_000).await;
    assert_eq!((r.err.as_str(), r.code), ("parse error: Exceeds depth limit for parsing at line 1, column 257\n", 4));
    let r = run_with(&ws, "jq -c .", Some(&deep("{\"a\":", "1", "}", 300)), 30_000).await;
    assert_eq!((r.err.as_str(), r.code), ("parse error: Exceeds depth limit for parsing at line 1, column 641\n", 4));
    let r = run_with(&ws, "jq -c .", Some(&deep(" [", "2", "]", 257)), 30_000).await;
    assert_eq!((r.err.as_str(), r.code), ("parse error: Exceeds depth limit for parsing at line 1, column 514\n", 4));
    // Values before it are printed; lines count across files.
    let r = run_with(&ws, "jq -c .", Some(&format!("1 2\n{}\n3", deep("[", "", "]", 300))), 30_000).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("1\n2\n", "parse error: Exceeds depth limit for parsing at line 2, column 257\n", 4));
    let r = run(&ws, "jq -c . two.json deep.json").await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("1\n2\n", "parse error: Exceeds depth limit for parsing at line 3, column 257\n", 4));
    // 256 levels are read.
    let ok = deep("[", "", "]", 256);
    let r = run_with(&ws, "jq -c .", Some(&ok), 30_000).await;
    assert_eq!((r.out.trim_end(), r.code), (ok.as_str(), 0));
    // fromjson, --argjson, --jsonargs, --slurpfile.
    let text = deep("[", "", "]", 300);
    let r = run(&ws, &jq("-n", &format!("\"{text}\" | fromjson"))).await;
    assert_eq!(r.code, 5);
    assert_eq!(r.err, format!("jq: error (at <unknown>): Exceeds depth limit for parsing at line 1, column 257 (while parsing '{text}')\n"));
    let r = run(&ws, &format!("jq -n --argjson x '{text}' '$x'")).await;
    assert_eq!((r.code, r.err.lines().next().unwrap_or("")), (2, "jq: invalid JSON text passed to --argjson"));
    let r = run(&ws, &format!("jq -n --jsonargs '$ARGS' '{text}'")).await;
    assert_eq!(r.code, 2);
    let r = run(&ws, "jq -n --slurpfile x deep.json '$x'").await;
    assert_eq!(r.code, 2);
}

#[tokio::test]
async fn values_nested_at_run_time_are_bounded() {
    let _g = CPU.write().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    // jq 1.6 prints 256 levels, then `<stripped: exceeds max depth>`.
    let r = run(&ws, &jq("-n -c", "reduce range(300) as $i (0; [.])")).await;
    assert_eq!((r.out.clone(), r.code), (format!("{}<stripped: exceeds max depth>{}\n", "[".repeat(257), "]".repeat(257)), 0));
    let r = run(&ws, &jq("-n -c", "reduce range(300) as $i (0; [.]) | tojson | length")).await;
    assert_eq!(r.out, format!("{}\n", 2 * 257 + "<stripped: exceeds max depth>".len()));
    let r = run(&ws, &jq("-n", "reduce range(257) as $i (0; {a:.})")).await;
    assert_eq!(r.out.lines().nth(257).map(str::trim), Some("\"a\": <stripped: exceeds max depth>"));
    let too_deep = "jq: error (at <unknown>): Exceeds depth limit of 10000 levels for values\n";
    for f in [
        "reduce range(100000) as $i (null; [.])",
        "reduce range(100000) as $i (null; {a: .})",
        "reduce range(100000) as $i (null; .a = .)",
        "reduce range(100000) as $i (null; .[0] |= [.])",
        "reduce range(100000) as $i (null; setpath([0]; .))",
        "null | setpath([range(20000) | 0]; 1)",
        "reduce range(100000) as $i ([1]; group_by(.))",
        "reduce range(100000) as $i (1; path_value(.))",
        "[limit(100000; null | recurse([.]))] | length",
        "def f: [f]; [1] | f",
        "last(repeat(1) as $x | reduce range(100000) as $i (null; [.]))",
    ] {
        let r = run(&ws, &jq("-n", f)).await;
        assert!(r.code == 5 && (r.err == too_deep || r.err.contains("recursion too deep")), "{f}: {} {:?} {:?}", r.code, r.out, r.err);
        assert!(r.took < Duration::from_secs(20), "{f}: {:?}", r.took);
    }
    // Deep recursion without values ends with an error, not a crash.
    for f in ["def f: 1 + f; f", "def f: [f]; f", "def f(x): f(x + 1) + 1; f(0)", "def f: .[0] | f; [[[1]]] | f"] {
        let r = run(&ws, &jq("-n", f)).await;
        assert_eq!(r.code, 5, "{f}: {:?} {:?}", r.out, r.err);
    }
    // The workspace still works.
    let r = run(&ws, "echo ok").await;
    assert_eq!(r.out, "ok\n");
    // Values shared many times over are not expanded in messages.
    let r = run(&ws, &jq("-n", "reduce range(60) as $i (1; [., .]) | try .a catch \"caught\"")).await;
    assert_eq!((r.out.as_str(), r.code), ("\"caught\"\n", 0), "{}", r.err);
    let r = run(&ws, &jq("-n", "reduce range(60) as $i (1; [., .]) | .a")).await;
    assert_eq!(r.code, 5);
    assert!(r.err.len() < 100 << 20);
}

/// A filter that never ends stops at the deadline, whatever it does.
const ENDLESS: &[&str] = &[
    "def f: f; f",
    "last(repeat(1))",
    "[repeat(1)]",
    "[range(1e9)]",
    "last(range(1e12))",
    "[limit(1e9; repeat(1))]",
    "reduce range(1e9) as $i ([]; . + [$i])",
    "reduce range(1e9) as $i (0; . + 1)",
    "[foreach range(1e9) as $i (0; . + 1)] | length",
    "until(false; .)",
    "[while(true; .)]",
    "[recurse(.)] | length",
    "last(range(1e9) | tostring)",
    "reduce range(40) as $i (1; [., .]) | [..] | length",
    "reduce range(40) as $i (1; [., .]) | [paths] | length",
    "reduce range(40) as $i (1; [., .]) | walk(.) | length",
    "reduce range(40) as $i (1; [., .]) | tojson | length",
    "reduce range(40) as $i (1; [., .]) | (.. | empty)",
    "reduce range(40) as $i (1; [., .]) | .. |= . | length",
    "reduce range(40) as $i (1; [., .]) | . as $d | [range(1e9) | $d] | length",
    "[limit(1e9; repeat(\"ab\"))] | join(\",\")",
    "(reduce range(40) as $i (1; [., .])) as $a | reduce range(40) as $i (1; [., .]) | . == $a",
    "(reduce range(40) as $i (1; [., .])) as $a | reduce range(40) as $i (1; [., .]) | contains($a)",
    "(reduce range(40) as $i (1; [., .])) as $a | [$a, (reduce range(40) as $i (1; [., .]))] | unique | length",
];

#[tokio::test]
async fn endless_filters_stop_at_the_deadline() {
    let _g = CPU.write().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    for f in ENDLESS {
        let r = run_with(&ws, &jq("-n", f), None, 300).await;
        assert_eq!(r.code, EXIT_TIMEOUT, "{f}: {:?} {:?}", r.out, &r.err[..r.err.len().min(500)]);
        assert!(r.took < Duration::from_millis(1500), "{f}: took {:?}", r.took);
    }
    // The workspace is usable after.
    let r = run(&ws, "echo ok").await;
    assert_eq!(r.out, "ok\n");
}

#[tokio::test]
async fn growth_stops_at_the_memory_budget() {
    let _g = CPU.write().unwrap_or_else(|e| e.into_inner());
    let ws = small_workspace().await;
    for f in [
        "[range(1e9)]",
        "[limit(1e9; repeat(\"x\" * 1000))]",
        "reduce range(1e9) as $i ([]; . + [$i, $i, $i, $i])",
        "reduce range(1e9) as $i ([0]; . + .) | length",
        "reduce range(1e9) as $i ({}; .[$i | tostring] = \"\\($i)\" * 16)",
        "\"x\" * 1e9",
        "\"abcd\" * 1e8 | length",
        "reduce range(40) as $i (\"x\"; . + .) | length",
        "\"x\" | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | (.+.) | length",
        "\"x\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | \"\\(.)\\(.)\" | length",
        "[range(1e7)] | tojson | length",
        "(\"x\" * 1000) as $s | reduce range(40) as $i ($s; [., .]) | tojson | length",
        "(\"x\" * 1000) as $s | reduce range(40) as $i ($s; [., .]) | tostring | length",
        "(\"x\" * 1000) as $s | reduce range(40) as $i ($s; [., .]) | \"\\(.)\" | length",
        "null | .[1e9] = 1",
        "null | setpath([2147483000]; 1)",
        "[range(1e7)] as $a | [$a[] | [.]] | length",
    ] {
        let r = run_with(&ws, &jq("-n", f), None, 60_000).await;
        assert_eq!(r.code, 1, "{f}: {:?} {:?}", r.out, r.err);
        assert!(r.err.contains("Cannot allocate memory"), "{f}: {:?}", r.err);
        assert!(r.took < Duration::from_secs(40), "{f}: took {:?}", r.took);
    }
    // jq 1.6: a count past INT_MAX repeats nothing.
    let r = run(&ws, &jq("-n", "\"abcd\" * 100000000000")).await;
    assert_eq!((r.out.as_str(), r.code), ("null\n", 0));
    let r = run(&ws, &jq("-n -c", "[\"abc\" * (0, 0.5, 1.5, 2.7, -1)]")).await;
    assert_eq!(r.out, "[null,\"abc\",\"abc\",\"abcabc\",null]\n");
    // jq 1.6: an index past INT_MAX is "negative".
    let r = run(&ws, &jq("-n", ".[1e15] = 1")).await;
    assert_eq!((r.err.as_str(), r.code), ("jq: error (at <unknown>): Out of bounds negative array index\n", 5));
    let r = run(&ws, "echo ok").await;
    assert_eq!(r.out, "ok\n");
}

#[tokio::test]
async fn costly_regular_expressions_are_refused() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    for f in [
        "(\"a\" * 1e7) | test(\"(a|aa){1000}b\")",
        "(\"a\" * 1e6) | [match(\"(x|y|z){100}{100}\"; \"g\")] | length",
        "(\"a\" * 1e7) | sub(\"a{1000}{1000}\"; \"b\")",
    ] {
        let r = run_with(&ws, &jq("-n", f), None, 5000).await;
        assert_eq!(r.code, 5, "{f}: {:?}", r.err);
        assert!(r.err.contains("is too costly to match against"), "{f}: {:?}", r.err);
    }
    // Ordinary patterns on ordinary inputs are untouched.
    let r = run(
        &ws,
        &jq(
            "-n -c",
            "(\"2015-03-05\" | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\")), (\"a-b-c\" | gsub(\"-\"; \"_\")), ([(\"ab\" * 1e5) | match(\"b\"; \"g\")] | length)",
        ),
    )
    .await;
    assert_eq!((r.out.as_str(), r.code), ("true\n\"a_b_c\"\n100000\n", 0), "{}", r.err);
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_runs_after_the_deadline() {
    let _g = CPU.write().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    let mut busy = Vec::new();
    for f in ENDLESS {
        let r = run_with(&ws, &jq("-n", f), None, 200).await;
        assert_eq!(r.code, EXIT_TIMEOUT, "{f}");
        // Give the blocking thread a moment to see the stop, then measure.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = cpu_ticks();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let used = cpu_ticks() - before;
        // Clock ticks are 10 ms; an idle process uses none or one.
        if used > 4 {
            busy.push(format!("{f}: {used} ticks"));
        }
    }
    assert!(busy.is_empty(), "CPU used in 400 ms after the deadline:\n{}", busy.join("\n"));
}

/// Filters that mirage routes through its own definitions keep jq 1.6's answers.
#[tokio::test]
async fn rewritten_builtins_keep_jq_answers() {
    let _g = CPU.read().unwrap_or_else(|e| e.into_inner());
    let ws = workspace().await;
    let cases: &[(&str, &str)] = &[
        ("[1,2,3] | (.[] | select(. == 2)) |= empty", "[1,3]"),
        ("[1,2,3] | .[] |= empty", "[2]"),
        ("{\"a\":1,\"b\":2} | .a |= empty", "{\"b\":2}"),
        ("[1,2,3] | .[1:] = [\"x\"]", "[1,\"x\"]"),
        ("[1,2,3] | .[1:] |= map(.*10)", "[1,20,30]"),
        ("null | .[2] = 1", "[null,null,1]"),
        ("null | .a.b = 1", "{\"a\":{\"b\":1}}"),
        ("[1,2] | .[-1] = 9", "[1,9]"),
        ("[[1,2],[3]] | .[][0] += 10", "[[11,2],[13]]"),
        ("{\"a\":1} | .a += (1,2)", "{\"a\":2}\n{\"a\":3}"),
        ("{\"a\":null} | .a //= 3", "{\"a\":3}"),
        ("{\"a\":2} | .a *= 3, .a -= 1, .a /= 2, .a %= 2", "{\"a\":6}\n{\"a\":1}\n{\"a\":1}\n{\"a\":0}"),
        ("[1,2,3] | del(.[0,2])", "[2]"),
        ("[1,2,3] | delpaths([[0],[1]])", "[3]"),
        ("{\"a\":{\"b\":1}} | getpath([\"a\",\"b\"]), getpath([\"x\",\"y\"])", "1\nnull"),
        ("[[1]] | walk(if type == \"array\" then reverse else . end)", "[[1]]"),
        ("{\"b\":1,\"a\":{\"d\":1,\"c\":2}} | walk(.)", "{\"b\":1,\"a\":{\"d\":1,\"c\":2}}"),
        ("{\"a\":1} | to_entries", "[{\"key\":\"a\",\"value\":1}]"),
        ("{\"a\":1} | with_entries(.value += 1)", "{\"a\":2}"),
        ("[1,2,3] | .[1:] |= empty", "[1]"),
        ("{\"a\":1} | .a as $x | .b = $x", "{\"a\":1,\"b\":1}"),
        ("null | setpath([]; 1)", "1"),
        ("[1,[2]] | [paths]", "[[0],[1],[1,0]]"),
        ("[3,1] | .[0] |= (.,.)", "[3,1]"),
        ("{\"a\":[1,2,3]} | .a[1:] |= [9]", "{\"a\":[1,9]}"),
        ("{\"a\":1} | .[\"a\",\"b\"] = 5", "{\"a\":5,\"b\":5}"),
        ("[[1,2],[3,4]] | [combinations]", "[[1,3],[1,4],[2,3],[2,4]]"),
        ("[1,null,\"a\"] | join(\",\")", "\"1,,a\""),
        ("[[1,2]] | [tostream]", "[[[0,0],1],[[0,1],2],[[0,1]],[[0]]]"),
        ("[[1,2]] | fromstream(tostream)", "[[1,2]]"),
        ("[1,[2]] | [leaf_paths]", "[[0],[1,0]]"),
        ("[{\"k\":\"a\",\"v\":1},{\"name\":\"b\",\"value\":2}] | from_entries", "{\"a\":1,\"b\":2}"),
        ("[range(0;10;3)], [range(5;0;-2)], [range(0;1;0.3)], [range(0;10;0)]", "[0,3,6,9]\n[5,3,1]\n[0,0.3,0.6,0.8999999999999999]\n[]"),
        ("[1,2] | tojson, (tojson | fromjson)", "\"[1,2]\"\n[1,2]"),
        ("\"\\(1,2) \\(\"a\")\"", "\"1 a\"\n\"2 a\""),
        ("{(\"a\",\"b\"): 1}", "{\"a\":1}\n{\"b\":1}"),
        ("1 as $x | {$x, \"y\": 2, z: [$x]}", "{\"x\":1,\"y\":2,\"z\":[1]}"),
        ("[limit(3; repeat(1))]", "[1,1,1]"),
        ("[.[]?]", "[]"),
        ("\"abc\" | .[1:]", "\"bc\""),
        ("{} | .a.b |= 3", "{\"a\":{\"b\":3}}"),
        ("getpath([\"a\"]) = 3", "{\"a\":3}"),
        ("[1,2,3] | IN(2), IN(.[]; 5)", "false\nfalse"),
        ("2 | IN(1,2)", "true"),
        ("[{\"id\":1},{\"id\":2}] | INDEX(.id)", "{\"1\":{\"id\":1},\"2\":{\"id\":2}}"),
        ("[1,[2,[3]]] | flatten", "[1,2,3]"),
        ("{\"a\":[{\"b\":1},{\"b\":2}]} | [.a[].b] | add", "3"),
        ("[3,1,2] | sort_by(-.)", "[3,2,1]"),
        ("{\"a\":1} | map_values(. + 1)", "{\"a\":2}"),
        ("[1,2] | map_values(empty)", "[2]"),
        ("\"a,b\" | split(\",\") | @csv", "\"\\\"a\\\",\\\"b\\\"\""),
        ("[1,\"a\\tb\"] | @tsv", "\"1\\ta\\\\tb\""),
        ("[limit(5; 1 | repeat(. * 2))]", "[2,2,2,2,2]"),
        ("{\"a\":1} | has(\"a\"), (keys | length)", "true\n1"),
        ("[1,2,3] | indices(2), index(2), rindex(2)", "[1]\n1\n1"),
        ("\"test\" | @base64, (@base64 | @base64d)", "\"dGVzdA==\"\n\"test\""),
    ];
    for (f, want) in cases {
        let r = run(&ws, &jq("-n -c", f)).await;
        assert_eq!((r.out.trim_end(), r.err.as_str(), r.code), (*want, "", 0), "jq -n -c {f}");
    }
    let errors: &[(&str, &str)] = &[
        ("1 | .a = 1", "Cannot index number with string \"a\""),
        ("{} | .[0] = 1", "Cannot index object with number"),
        ("[1] | .[-5] = 1", "Out of bounds negative array index"),
        ("1 | setpath([\"a\"]; 1)", "Cannot index number with string \"a\""),
        ("null | setpath([true]; 1)", "Cannot index null with boolean"),
        ("{\"a\":1} | delpaths([[\"a\",\"b\"]])", "Cannot delete fields from number"),
        ("delpaths(1)", "Paths must be specified as an array"),
        ("setpath(1; 1)", "Path must be specified as an array"),
        ("[1] | .[1:] = \"x\"", "A slice of an array can only be assigned another array"),
        ("[1] as $k | {($k): 1}", "Cannot use array ([1]) as object key"),
        ("range(\"a\"; \"b\")", "Range bounds must be numeric"),
        ("1 | fromjson", "number (1) only strings can be parsed"),
        ("[1,{\"b\":1}] | join(\",\")", "string (\"1,\") and object ({\"b\":1}) cannot be added"),
    ];
    for (f, want) in errors {
        let r = run(&ws, &jq("-n -c", f)).await;
        assert_eq!((r.err.as_str(), r.code), (format!("jq: error (at <unknown>): {want}\n").as_str(), 5), "jq -n -c {f}");
    }
    let r = run(&ws, &jq("-n", "nosuchfn(1)")).await;
    assert_eq!((r.err.as_str(), r.code), ("jq: error: nosuchfn/1 is not defined at <top-level>, line 1:\nnosuchfn(1)\njq: 1 compile error\n", 3));
    // Output goes out as it is made: a reader that stops is not waited for.
    let r = run(&ws, &format!("{} | head -2", jq("-n", "repeat(1)"))).await;
    assert_eq!((r.out.as_str(), r.code), ("1\n1\n", 0));
}
