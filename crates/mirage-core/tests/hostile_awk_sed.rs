//! awk and sed against hostile programs, through the real `Workspace`: nesting that would
//! overflow the stack is an error, endless loops stop at the deadline (and stop burning CPU
//! once the execute settled), growth stops at the session's memory budget, and odd numbers
//! fail as the tools fail instead of panicking.
//!
//! Messages are compared with GNU awk 5.2 / mawk and GNU sed 4.9 where they have one:
//! gawk's `fatal: ...: cannot allocate N bytes of memory: Cannot allocate memory`, sed's
//! `memory exhausted`, regcomp's `Regular expression too big`.
//!
//! The tests run one at a time (`SERIAL`): one of them measures the process's CPU time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, ExecOutput, Workspace, WorkspaceOptions, EXIT_TIMEOUT};

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A workspace with `/data` (read-only, holding `files`) and `/w` (writable), and a memory
/// budget (`None`: the default).
async fn workspace(budget: Option<u64>, files: &[(&str, String)]) -> Workspace {
    let ram = RamResource::new();
    ram.write("a.txt", Bytes::from_static(b"hello world\n")).await.unwrap();
    for (name, body) in files {
        ram.write(name, Bytes::from(body.clone())).await.unwrap();
    }
    let ram: Arc<dyn Resource> = Arc::new(ram);
    let w: Arc<dyn Resource> = Arc::new(RamResource::new());
    let mut opts = WorkspaceOptions::default();
    if let Some(b) = budget {
        opts.max_memory_bytes = b;
    }
    Workspace::new(vec![("/data/".into(), ram, MountMode::Read), ("/w/".into(), w, MountMode::Write)], opts).unwrap()
}

async fn run(ws: &Workspace, line: &str, timeout_ms: u64) -> (ExecOutput, Duration) {
    let t = Instant::now();
    let o = ws.execute(line, ExecOptions { timeout: Some(Duration::from_millis(timeout_ms)), ..Default::default() }).await.unwrap();
    (o, t.elapsed())
}

fn err(o: &ExecOutput) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &ExecOutput) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// No panic reached the workspace (it would say `mirage: internal error`).
fn no_panic(line: &str, o: &ExecOutput) {
    assert!(!err(o).contains("internal error"), "{line}: {}", err(o));
}

/// The workspace still runs commands after whatever happened.
async fn still_works(ws: &Workspace) {
    let (o, _) = run(ws, "echo ok | awk '{print $1}' | sed 's/o/0/'", 5000).await;
    assert_eq!((out(&o).as_str(), o.exit_code), ("0k\n", 0), "{}", err(&o));
}

/// user + system CPU time of this process, in clock ticks (1/100 s).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which is in parentheses and may hold blanks).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

// ------------------------------------------------------------------ awk: nesting

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awk_deep_nesting_is_a_syntax_error() {
    let _s = SERIAL.lock().await;
    let n = 100_000;
    let programs = [
        ("parens", format!("BEGIN {{ print {}1{} }}", "(".repeat(n), ")".repeat(n))),
        ("subscripts", format!("BEGIN {{ print {}1{} }}", "a[".repeat(n), "]".repeat(n))),
        ("ifs", format!("BEGIN {{ {} print 1 }}", "if (1) ".repeat(n))),
        ("blocks", format!("BEGIN {}{}", "{".repeat(n), "}".repeat(n))),
        ("whiles", format!("BEGIN {{ {} break }}", "while (1) ".repeat(n))),
        ("negations", format!("BEGIN {{ print {}1{} }}", "-(".repeat(n), ")".repeat(n))),
        ("nots", format!("BEGIN {{ print {}1 }}", "!".repeat(n))),
        ("minuses", format!("BEGIN {{ print {}1 }}", "- ".repeat(n))),
        ("fields", format!("BEGIN {{ print {}0 }}", "$".repeat(n))),
        ("powers", format!("BEGIN {{ print {}1 }}", "1^".repeat(n))),
        ("assignments", format!("BEGIN {{ {}1 }}", "x=".repeat(n))),
        ("ternaries", format!("BEGIN {{ print {}1 }}", "1?1:".repeat(n))),
        ("calls", format!("function f(x) {{ return x }} BEGIN {{ print {}1{} }}", "f(".repeat(n), ")".repeat(n))),
        ("sums", format!("BEGIN {{ print 1{} }}", "+1".repeat(n))),
        ("concatenations", format!("BEGIN {{ print 1{} }}", " 1".repeat(n))),
        ("ands", format!("BEGIN {{ print 1{} }}", "&&1".repeat(n))),
        ("else-ifs", format!("BEGIN {{ if (0) x = 1; {} print 2 }}", "else if (0) x = 1; ".repeat(n))),
        ("matches", format!("BEGIN {{ print 1{} }}", " ~ 1".repeat(n))),
        ("getlines", format!("BEGIN {{ {}x }}", "getline < ".repeat(n))),
    ];
    let files: Vec<(&str, String)> = programs.iter().map(|(name, p)| (*name, p.clone())).collect();
    let ws = workspace(None, &files).await;
    for (name, _) in &programs {
        let line = format!("awk -f /data/{name}");
        let (o, took) = run(&ws, &line, 10_000).await;
        no_panic(&line, &o);
        assert_eq!(o.exit_code, 2, "{name}: {}", err(&o).chars().take(300).collect::<String>());
        let e = err(&o);
        assert!(e.starts_with("awk: cmd. line:1: "), "{name}: {}", e.chars().take(300).collect::<String>());
        assert!(e.ends_with("^ maximum nesting level exceeded\n"), "{name}: {}", e.chars().rev().take(200).collect::<String>());
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
    }
    // The same shapes at sizes real programs use still run.
    let ok = [
        (format!("BEGIN {{ print {}1{} }}", "(".repeat(150), ")".repeat(150)), "1\n"),
        (format!("BEGIN {{ print 0{} }}", "+1".repeat(4000)), "4000\n"),
        (format!("BEGIN {{ x = 0; if (x == 1) y = 1; {} print y }}", (2..3000).map(|i| format!("else if (x == {i}) y = {i}; ")).collect::<String>()), "\n"),
        (format!("BEGIN {{ print {}1 }}", "!".repeat(100)), "1\n"),
        (format!("BEGIN {{ a[1] = 1; print {}1{} }}", "a[".repeat(100), "]".repeat(100)), "1\n"),
    ];
    let files: Vec<(String, String)> = ok.iter().enumerate().map(|(i, (p, _))| (format!("ok{i}"), p.clone())).collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, p)| (n.as_str(), p.clone())).collect();
    let ws = workspace(None, &files).await;
    for (i, (_, want)) in ok.iter().enumerate() {
        let line = format!("awk -f /data/ok{i}");
        let (o, _) = run(&ws, &line, 20_000).await;
        assert_eq!((out(&o).as_str(), o.exit_code), (*want, 0), "{line}: {}", err(&o));
    }
    // On the command line, the message shows the line and where it stopped (gawk's shape).
    let (o, _) = run(&ws, &format!("awk 'BEGIN {{ x = {}1 }}'", "(".repeat(300)), 5000).await;
    assert_eq!(o.exit_code, 2);
    // 200 levels: the statement, the assignment, its right side, then 197 parentheses in.
    let want_col = "BEGIN { x = ".len() + 198;
    assert_eq!(
        err(&o),
        format!("awk: cmd. line:1: BEGIN {{ x = {}1 }}\nawk: cmd. line:1: {}^ maximum nesting level exceeded\n", "(".repeat(300), " ".repeat(want_col))
    );
    still_works(&ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awk_deep_recursion_fails_cleanly() {
    let _s = SERIAL.lock().await;
    let ws = workspace(None, &[]).await;
    // gawk runs these; up to 10,000 calls in progress, so does this awk.
    let line = "awk 'function f(n) { return n ? f(n - 1) : 0 } BEGIN { print f(9990) }'";
    let t = Instant::now();
    let (o, _) = run(&ws, line, 60_000).await;
    assert_eq!((out(&o).as_str(), err(&o).as_str(), o.exit_code), ("0\n", "", 0), "{line}");
    eprintln!("9990 nested calls: {:?}", t.elapsed());
    // Recursion through a builtin's argument and a statement block.
    let line = "awk 'function g(n) { if (n) { return length(sprintf(\"%s\", g(n - 1))) } return 7 } BEGIN { print g(9000) }'";
    let (o, _) = run(&ws, line, 60_000).await;
    assert_eq!((out(&o).as_str(), o.exit_code), ("1\n", 0), "{line}: {}", err(&o));
    // Past the bound: gawk's fatal shape, status 2, instead of a stack overflow.
    for line in [
        "awk 'function f(n) { return n ? f(n - 1) : 0 } BEGIN { print f(100000) }'",
        "awk 'function f(n) { return f(n + 1) } BEGIN { f(1) }'",
        "awk 'function f(n) { f(n) } { f(1) }' /data/a.txt",
        "awk 'function a(n) { return b(n) } function b(n) { return a(n) } BEGIN { a(1) }'",
    ] {
        let (o, took) = run(&ws, line, 60_000).await;
        no_panic(line, &o);
        assert_eq!(o.exit_code, 2, "{line}: {}", err(&o));
        assert!(err(&o).starts_with("awk: cmd. line:1: fatal: function `"), "{line}: {}", err(&o));
        assert!(err(&o).ends_with(": maximum nesting level exceeded (10000 calls in progress)\n"), "{line}: {}", err(&o));
        assert!(took < Duration::from_secs(30), "{line}: {took:?}");
    }
    // Deep expressions inside deep recursion: the stack check stops it first.
    let p = format!("function f(n) {{ return n ? f(n - 1){} : 0 }} BEGIN {{ print f(9000) }}", " + 1".repeat(4000));
    let ws = workspace(None, &[("p", p)]).await;
    let (o, took) = run(&ws, "awk -f /data/p", 60_000).await;
    no_panic("deep expressions in deep recursion", &o);
    assert_eq!(
        (err(&o).as_str(), o.exit_code),
        ("awk: cmd. line:1: fatal: maximum nesting level exceeded (the program nests too deeply to run)\n", 2)
    );
    eprintln!("deep expressions in deep recursion: {took:?}");
    still_works(&ws).await;
}

// ------------------------------------------------------------------ awk: memory

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awk_growth_stops_at_the_memory_budget() {
    let _s = SERIAL.lock().await;
    let ws = workspace(Some(64 << 20), &[]).await;
    // One allocation whose size comes from the program: refused before it is made, with
    // gawk's message (gawk: `fatal: field.c:122:grow_fields_arr: fields_arr: cannot
    // reallocate 8000000008 bytes of memory: Cannot allocate memory`).
    for line in [
        "awk 'BEGIN { NF = 1e9 }'",
        "awk 'BEGIN { $(1e9) = \"x\" }'",
        "awk '{ $(2^62) = \"x\" }' /data/a.txt",
        "awk 'BEGIN { x = sprintf(\"%1000000000d\", 1) }'",
        "awk 'BEGIN { printf \"%.*d\", 1e9, 1 }'",
        "awk 'BEGIN { printf \"%*d\", -1e9, 1 }'",
        "awk 'BEGIN { printf \"%2000000000.3f\", 1 }'",
        "awk 'BEGIN { s = \"x\"; while (1) s = s s }'",
        "awk 'BEGIN { s = \"ab\"; while (1) { s = s s; t = substr(s, 2) } }'",
        "awk 'BEGIN { s = \"ab\"; while (1) { s = s s; a[i++] = s } }'",
        "awk 'BEGIN { s = sprintf(\"%1000000s\", \"\"); while (1) gsub(/ +/, \"&&&&&&&&\", s) }'",
        "awk 'BEGIN { s = sprintf(\"%1000000s\", \"\"); while (1) s = gensub(/ +/, \"&&&&&&&&\", \"g\", s) }'",
    ] {
        let (o, took) = run(&ws, line, 20_000).await;
        no_panic(line, &o);
        assert_eq!(o.exit_code, 2, "{line}: {}", err(&o));
        let e = err(&o);
        assert!(e.starts_with("awk: cmd. line:1: fatal: cannot allocate "), "{line}: {e}");
        assert!(e.ends_with(" bytes of memory: Cannot allocate memory\n"), "{line}: {e}");
        assert!(!out(&o).contains("never"));
        assert!(took < Duration::from_secs(10), "{line}: {took:?}");
        still_works(&ws).await;
    }
    // Many small allocations: the budget stops it at a checkpoint (awk's message, then the
    // workspace's: the session is over its budget).
    for line in ["awk 'BEGIN { while (1) a[i++] = i }'", "awk 'BEGIN { while (1) a[i++] = sprintf(\"%100s\", i) }'", "awk 'BEGIN { while (1) { n = split(\"a b c d e f g h\", p); for (k = 1; k <= n; k++) b[i++] = p[k] } }'"] {
        let (o, took) = run(&ws, line, 60_000).await;
        no_panic(line, &o);
        assert!(o.exit_code == 1 || o.exit_code == 2, "{line}: {} {}", o.exit_code, err(&o));
        assert!(err(&o).contains("Cannot allocate memory"), "{line}: {}", err(&o));
        assert!(took < Duration::from_secs(30), "{line}: {took:?}");
        still_works(&ws).await;
    }
    // The same programs at sizes within the budget give gawk's output.
    for (line, want) in [
        ("awk 'BEGIN { NF = 3; print NF \":\" $0 \":\" }'", "3:  :\n"),
        ("awk 'BEGIN { OFS = \"-\"; $5 = \"x\"; print }'", "----x\n"),
        ("awk 'BEGIN { printf \"%5d|%-5d|%05d|%.3d|%*d|%.*d|%-*d|\\n\", 1, 2, 3, 4, 3, 5, 2, 6, 3, 7 }'", "    1|2    |00003|004|  5|06|7  |\n"),
        ("awk 'BEGIN { x = sprintf(\"%100000d\", 1); print length(x), substr(x, 99999) }'", "100000  1\n"),
        ("awk 'BEGIN { x = sprintf(\"%-2000000s|\", \"ab\"); print length(x), substr(x, 1, 3) }'", "2000001 ab \n"),
        ("awk 'BEGIN { x = sprintf(\"%02000000d\", -5); print length(x), substr(x, 1, 3), substr(x, 1999999) }'", "2000000 -00 05\n"),
        ("awk 'BEGIN { x = sprintf(\"%.5000d\", 42); print length(x), substr(x, 4998) }'", "5000 042\n"),
        ("awk 'BEGIN { x = sprintf(\"%#.5000x|%8.5000o\", 255, 8); print length(x), substr(x, 1, 3), substr(x, 4999, 4) }'", "10003 0x0 00ff\n"),
        ("awk 'BEGIN { x = sprintf(\"%.3s|%.2000000s|\", \"abcdef\", \"xyz\"); print x }'", "abc|xyz|\n"),
        ("awk 'BEGIN { s = \"x\"; for (i = 0; i < 20; i++) s = s s; print length(s) }'", "1048576\n"),
        ("awk 'BEGIN { s = \"ab\"; n = gsub(/b/, \"&&&\", s); print n, s }'", "1 abbb\n"),
    ] {
        let (o, _) = run(&ws, line, 20_000).await;
        assert_eq!((out(&o).as_str(), err(&o).as_str(), o.exit_code), (want, "", 0), "{line}");
    }
}

// ------------------------------------------------------------------ awk: deadlines

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awk_endless_loops_stop_at_the_deadline() {
    let _s = SERIAL.lock().await;
    let ws = workspace(None, &[]).await;
    for line in [
        "awk 'BEGIN { while (1); }'",
        "awk 'BEGIN { for (;;) x++ }'",
        "awk 'BEGIN { while (1) a[i++] = i }'",
        "awk 'BEGIN { do x++; while (1) }'",
        "awk 'function f() { return 1 } BEGIN { while (1) f() }'",
        "awk 'BEGIN { while (1) { for (k in ENVIRON) n++ } }'",
        "awk 'BEGIN { while (1) print \"y\" > \"/dev/null\" }'",
        "awk 'BEGIN { while (1) print \"y\" > \"/dev/stdout\" }' > /dev/null",
        "awk 'BEGIN { while (1) { getline x < \"/data/a.txt\"; close(\"/data/a.txt\") } }'",
        "while :; do echo y; done | awk '{ n++ }'",
        "while :; do echo y; done | awk '{ print }' > /dev/null",
        "while :; do echo y; done | awk 'BEGIN { while ((getline line) > 0) n++ }'",
        "awk 'BEGIN { ARGC = 1e18 } { print }'",
        "awk 'BEGIN { s = sprintf(\"%100000s\", \"\"); while (1) { t = s; gsub(/ /, \"x\", t) } }'",
    ] {
        let (o, took) = run(&ws, line, 300).await;
        no_panic(line, &o);
        assert_eq!(o.exit_code, EXIT_TIMEOUT, "{line}: {}", err(&o));
        assert!(err(&o).ends_with("mirage: command timed out after 0.3s\n"), "{line}: {}", err(&o));
        assert!(took >= Duration::from_millis(300) && took < Duration::from_millis(1500), "{line}: {took:?}");
        eprintln!("{line}: {took:?}");
    }
    still_works(&ws).await;
}

// ------------------------------------------------------------------ sed

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sed_endless_loops_stop_at_the_deadline() {
    let _s = SERIAL.lock().await;
    let ws = workspace(None, &[]).await;
    for line in [
        "echo x | sed ':a;ba'",
        "echo x | sed -n ':a;p;ba'",
        "echo a | sed ':a;s/a/aa/;ba'",
        "echo a | sed ':a;s/^/\\n/;D'",
        "echo a | sed ':a;a\\\nline\nba'",
        "echo a | sed -i ':a;p;ba' /w/f 2>/dev/null; echo a > /w/f; sed -i ':a;p;ba' /w/f",
        "while :; do echo y; done | sed -n ':a;N;ba'",
        "while :; do echo y; done | sed -n 'H;x;h'",
        "while :; do echo y; done | sed 's/y/n/'",
        "printf '%0100000d\\n' 0 | sed ':a;s/0/1/99999999999;ba'",
        "while :; do echo y; done | tr -d '\\n' | sed p",
    ] {
        let (o, took) = run(&ws, line, 300).await;
        no_panic(line, &o);
        assert_eq!(o.exit_code, EXIT_TIMEOUT, "{line}: {}", err(&o));
        assert!(took >= Duration::from_millis(300) && took < Duration::from_millis(1500), "{line}: {took:?}");
        eprintln!("{line}: {took:?}");
    }
    still_works(&ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sed_growth_stops_at_the_memory_budget() {
    let _s = SERIAL.lock().await;
    let ws = workspace(Some(64 << 20), &[]).await;
    // GNU sed 4.9 under `ulimit -v`: `sed: memory exhausted`, status 1.
    for line in [
        "echo a | sed ':a;s/a*/&&/;ba'",
        "echo a | sed ':a;G;h;ba'",
        "echo a | sed -n ':a;H;x;H;x;ba'",
    ] {
        let (o, took) = run(&ws, line, 30_000).await;
        no_panic(line, &o);
        assert_eq!((err(&o).as_str(), o.exit_code), ("sed: memory exhausted\n", 1), "{line}");
        assert!(took < Duration::from_secs(20), "{line}: {took:?}");
        eprintln!("{line}: {took:?}");
        still_works(&ws).await;
    }
    // Slow growth (a line at a time) ends at the budget too, or at the deadline.
    let line = "l=$(printf '%010000d' 0); while :; do echo \"$l\"; done | sed -n ':a;N;ba'";
    let (o, took) = run(&ws, line, 60_000).await;
    no_panic(line, &o);
    assert!(err(&o).contains("memory exhausted") || err(&o).contains("Cannot allocate memory"), "{line}: {}", err(&o));
    assert_eq!(o.exit_code, 1, "{line}: {}", err(&o));
    eprintln!("{line}: {took:?}");
    still_works(&ws).await;
    // Within the budget, the same scripts end normally.
    for (line, want) in [
        ("echo a | sed ':a;s/a*/&&/;/a\\{64\\}/!ba'", format!("{}\n", "a".repeat(64))),
        ("printf '1\\n2\\n3\\n' | sed -n ':a;N;$!ba;s/\\n/+/gp'", "1+2+3\n".to_string()),
        ("printf '1\\n2\\n' | sed -n 'H;${x;s/\\n/,/g;p}'", ",1,2\n".to_string()),
    ] {
        let (o, _) = run(&ws, line, 20_000).await;
        assert_eq!((out(&o), err(&o), o.exit_code), (want, String::new(), 0), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_regexes_are_errors() {
    let _s = SERIAL.lock().await;
    let n = 5000;
    let bre = format!("{}a{}", "\\(".repeat(n), "\\)".repeat(n));
    let ere = format!("{}a{}", "(".repeat(n), ")".repeat(n));
    let files = [
        ("s_bre.sed", format!("s/{bre}/x/\n")),
        ("s_ere.sed", format!("s/{ere}/x/\n")),
        ("addr.sed", format!("/{bre}/p\n")),
        ("lit.awk", format!("/{ere}/\n")),
        ("dyn.awk", format!("BEGIN {{ r = \"{ere}\"; if (\"a\" ~ r) print 1 }}\n")),
        ("big.sed", "s/\\(a\\{1000\\}\\)\\{1000\\}/x/\n".to_string()),
        ("blocks.sed", format!("{}p{}\n", "{".repeat(100_000), "}".repeat(100_000))),
    ];
    let ws = workspace(None, &files.iter().map(|(n, b)| (*n, b.clone())).collect::<Vec<_>>()).await;
    for (line, want) in [
        ("echo a | sed -f /data/s_bre.sed", format!("sed: file /data/s_bre.sed line 1: Regular expression too big\n")),
        ("echo a | sed -E -f /data/s_ere.sed", format!("sed: file /data/s_ere.sed line 1: Regular expression too big\n")),
        ("echo a | sed -n -f /data/addr.sed", format!("sed: file /data/addr.sed line 1: Regular expression too big\n")),
        // GNU sed runs this one; past the `regex` crate's size limit, it is refused the same way.
        ("echo a | sed 's/\\(a\\{1000\\}\\)\\{1000\\}/x/'", "sed: -e expression #1, char 26: Regular expression too big\n".to_string()),
    ] {
        let (o, _) = run(&ws, line, 10_000).await;
        no_panic(line, &o);
        assert_eq!((err(&o), o.exit_code), (want, 1), "{line}");
    }
    // Blocks are not recursion in sed: GNU sed runs this too.
    let (o, _) = run(&ws, "echo a | sed -n -f /data/blocks.sed", 10_000).await;
    assert_eq!((out(&o).as_str(), err(&o).as_str(), o.exit_code), ("a\n", "", 0));
    for line in ["echo a | awk -f /data/lit.awk", "echo a | awk -f /data/dyn.awk"] {
        let (o, _) = run(&ws, line, 10_000).await;
        no_panic(line, &o);
        assert!(o.exit_code == 1 || o.exit_code == 2, "{line}: {}", o.exit_code);
        assert!(err(&o).starts_with("awk: cmd. line:1: "), "{line}: {}", err(&o));
        assert!(err(&o).contains("Regular expression too big"), "{line}: {}", err(&o));
        assert!(err(&o).len() < 2 * n + 200 + 2 * ere.len(), "{line}: {}", err(&o).len());
    }
    still_works(&ws).await;
}

// ------------------------------------------------------------------ nothing keeps running

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_runs_after_a_timed_out_execute() {
    let _s = SERIAL.lock().await;
    let ws = workspace(None, &[]).await;
    for line in [
        "awk 'BEGIN { while (1); }'",
        "awk 'BEGIN { while (1) a[i++] = i }'",
        "while :; do echo y; done | awk '{ n++ }'",
        "echo x | sed ':a;ba'",
        "while :; do echo y; done | sed -n ':a;N;ba'",
        "echo a | sed ':a;s/a/aa/;ba'",
    ] {
        let (o, took) = run(&ws, line, 300).await;
        assert_eq!(o.exit_code, EXIT_TIMEOUT, "{line}");
        assert!(took < Duration::from_millis(1500), "{line}: {took:?}");
        // Let the execute's threads wind down, then nothing may burn CPU.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = cpu_ticks();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let used = cpu_ticks() - before;
        assert!(used <= 5, "{line}: {used} ticks of CPU in the 500 ms after the execute settled");
    }
}

// ------------------------------------------------------------------ odd numbers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_numbers_do_not_panic() {
    let _s = SERIAL.lock().await;
    let ws = workspace(None, &[]).await;
    for (line, want_out, want_code) in [
        ("awk 'BEGIN { printf \"%c|%c|%c\\n\", 1e30, -1, \"\" }'", None, 0),
        ("awk 'BEGIN { print substr(\"abc\", -1e30, 1e30), substr(\"abc\", 1e30), substr(\"abc\", \"nan\"), substr(\"abc\", 2, -1e300) }'", Some("abc  abc \n"), 0),
        ("awk 'BEGIN { print substr(\"abc\", -log(0), 1), substr(\"abc\", log(0), -log(0)) \"|\" }'", Some(" abc|\n"), 0),
        ("awk 'BEGIN { print strftime(\"%Y\", 1e30), mktime(\"1e30 99999999999 1 0 0 0\"), mktime(\"-1 -1 -1 -1 -1 -1\") }'", None, 0),
        ("awk 'BEGIN { $(-1) = \"x\" }'", None, 2),
        // gawk converts field numbers and NF to a C long: NaN and the huge become negative.
        ("awk 'BEGIN { x = $(-log(0)) }'", None, 2),
        ("awk 'BEGIN { x = $(log(-1)); print \"never\" }'", Some(""), 2),
        ("awk 'BEGIN { x = $(1e300); print \"never\" }'", Some(""), 2),
        ("awk 'BEGIN { x = $(2^62); print \"ok\" }'", Some("ok\n"), 0),
        ("awk 'BEGIN { NF = -1; print NF }'", Some(""), 2),
        ("awk 'BEGIN { NF = log(-1); print NF }'", Some(""), 2),
        ("awk 'BEGIN { NF = 1e300; print NF }'", Some(""), 2),
        ("awk 'BEGIN { printf \"%*.*d|\\n\", -1e30, -1e30, 1 }'", None, 2),
        ("awk 'BEGIN { printf \"%*.*d|\\n\", 2^63, 2^64, 1 }'", None, 2),
        ("awk 'BEGIN { printf \"%d %i %o %x %u %e %c\\n\", log(-1), -log(0), 1e300, -1e300, 2^64, 1e308 * 10, 2^40 }'", None, 0),
        ("awk 'BEGIN { print index(\"\", \"\"), index(\"a\", \"abc\"), index(\"abc\", \"c\") }'", Some("1 0 3\n"), 0),
        ("awk 'BEGIN { print 2^1e30, 2^-1e30, (-8)^(1/3), (1e300 % 0.1 > 0), (int(1e300) > 0) }'", None, 0),
        ("awk 'BEGIN { exit 1e30 }'", None, -1),
        ("awk 'BEGIN { exit -log(0) }'", None, -1),
        ("awk 'BEGIN { srand(1e300); srand(log(-1)); x = rand(); print (x >= 0 && x < 1) }'", Some("1\n"), 0),
        ("awk 'BEGIN { print gensub(/a/, \"\\\\9\", \"1e30\", \"aaa\"), gensub(/a/, \"b\", -5, \"aaa\") }'", None, 0),
        ("awk 'BEGIN { getline x < \"\"; getline y < \"/nonexistent\"; print \"ok\" }'", Some("ok\n"), 0),
        ("awk 'BEGIN { CONVFMT = \"%d\"; x = 0.5 \"\"; CONVFMT = \"%*\"; y = 0.5 \"\"; CONVFMT = \"%\"; z = 0.5 \"\"; print \"ok\" }'", Some("ok\n"), 0),
        ("awk 'BEGIN { OFMT = \"%.1000000d\"; print 0.5 }' | wc -c", Some("1000001\n"), 0),
        ("awk 'BEGIN { CONVFMT = \"%.9999999d\"; x = 0.5 \"\"; print (length(x) > 1000) }'", Some("1\n"), 0),
        ("awk 'BEGIN { printf \"%\" }'; awk 'BEGIN { printf \"%5\" }'; awk 'BEGIN { printf \"%.\" }'", None, 0),
        ("awk 'BEGIN { x[1] = 1; print length(x); delete x; print length(x) }'", Some("1\n0\n"), 0),
        ("awk 'BEGIN { split(\"\", a); n = asort(a); print n; print length(sprintf(\"%c\", 256)) }'", None, 0),
        ("awk 'BEGIN { print toupper(substr(\"\\351\", 1, 1)) \"|\" 0x1ffffffffffffffffffff }'", None, 0),
        ("awk 'BEGIN { RS = \"\"; getline; print NR }' /data/a.txt", Some("1\n"), 0),
        ("awk 'BEGIN { FS = \"(\" } { print $1 }' /data/a.txt", None, -1),
        ("awk 'BEGIN { print length() }'", Some("0\n"), 0),
        ("sed 'q 99999999999' /data/a.txt", Some("hello world\n"), 255),
        ("sed -n '0~0p;2~0p;0~3p' /data/a.txt", None, 0),
        ("sed 's/x/y/99999999999999999999' /data/a.txt", Some("hello world\n"), 0),
        ("sed -n '1,0p;$,1p;1,+99999999999999999999p;1,~99999999999999999999p;0~99999999999999999999p' /data/a.txt", None, 0),
        ("sed 'y/abc/\\n\\t\\\\/' /data/a.txt", None, 0),
        ("sed -l 0 -n 'l;l 0;l 99999999999999999999' /data/a.txt", None, 0),
        ("sed '$!N;$!D;0,/a/d' /data/a.txt", None, 0),
        ("sed 's/\\(h\\)/\\9/' /data/a.txt", None, 1),
        ("sed -z 's/\\n/,/g' /data/a.txt | wc -c", Some("12\n"), 0),
        ("sed -E 's/(((((((((((x)))))))))))/\\9/' /data/a.txt", Some("hello world\n"), 0),
    ] {
        let (o, _) = run(&ws, line, 10_000).await;
        no_panic(line, &o);
        if let Some(w) = want_out {
            assert_eq!(out(&o), w, "{line}: {}", err(&o));
        }
        if want_code >= 0 {
            assert_eq!(o.exit_code, want_code, "{line}: {}", err(&o));
        }
    }
    still_works(&ws).await;
}
