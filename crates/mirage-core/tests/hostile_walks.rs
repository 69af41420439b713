//! Hostile inputs to the pattern matcher, brace expansion, arithmetic, the expression
//! parsers of `find` and `test`, and the directory walkers: nestings, sizes and depths an
//! agent can type, run through the real `Workspace`. Messages are those of bash 5.2, GNU
//! findutils 4.9 and coreutils 9 where they have one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions, EXIT_TIMEOUT};

fn workspace_with(ram: RamResource, options: WorkspaceOptions) -> Workspace {
    let ram: Arc<dyn Resource> = Arc::new(ram);
    Workspace::new(vec![("/r/".into(), ram, MountMode::Write)], options).unwrap()
}

fn workspace() -> Workspace {
    workspace_with(RamResource::new(), WorkspaceOptions::default())
}

struct Ran {
    out: String,
    err: String,
    code: i32,
    took: Duration,
}

async fn run_ms(ws: &Workspace, line: &str, ms: u64) -> Ran {
    let t = Instant::now();
    let o = ws.execute(line, ExecOptions { timeout: Some(Duration::from_millis(ms)), ..Default::default() }).await.unwrap();
    Ran { out: String::from_utf8_lossy(&o.stdout).into_owned(), err: String::from_utf8_lossy(&o.stderr).into_owned(), code: o.exit_code, took: t.elapsed() }
}

/// A line that must finish normally (generous deadline: debug builds are slow).
async fn run(ws: &Workspace, line: &str) -> Ran {
    let r = run_ms(ws, line, 120_000).await;
    assert_ne!(r.code, EXIT_TIMEOUT, "{line}: timed out");
    assert!(!r.err.contains("internal error"), "{line}: {}", r.err);
    r
}

/// A line that must be stopped by a 300 ms deadline within ~100 ms of it (1.5 s leaves
/// room for a loaded machine; the grace a runaway thread gets is 2 s).
async fn stops_at_deadline(ws: &Workspace, line: &str) {
    let r = run_ms(ws, line, 300).await;
    eprintln!("stopped after {:?}: {}", r.took, line.chars().take(80).collect::<String>());
    assert_eq!(r.code, EXIT_TIMEOUT, "{line}: {} {}", r.out, r.err);
    assert!(r.err.ends_with("mirage: command timed out after 0.3s\n"), "{line}: {}", r.err);
    assert!(r.took < Duration::from_millis(1500), "{line}: stopped after {:?}", r.took);
}

#[tokio::test]
async fn extglob_matching_is_polynomial_bounded_and_stoppable() {
    let ws = workspace();
    // Exponential for a backtracking matcher, instant with the memoised one.
    let r = run(&ws, "shopt -s extglob; x=$(printf 'a%.0s' {1..40}); [[ $x == +(+(a))b ]]; echo $?; [[ $x == +(+(a)) ]]; echo $?").await;
    assert_eq!((r.out.as_str(), r.code), ("1\n0\n", 0));
    assert!(r.took < Duration::from_secs(3), "{:?}", r.took);
    let r = run(&ws, "x=$(printf 'a%.0s' {1..40}); [[ $x == *(*(*(a)))b ]]; echo $?; [[ $x == *(*(*(a))) ]]; echo $?; case ${x}b in +(*(a|aa))b) echo y;; esac").await;
    assert_eq!(r.out, "1\n0\ny\n");
    assert!(r.took < Duration::from_secs(3), "{:?}", r.took);
    // Many stars over a long string: pattern length x text length, no backtracking blowup.
    let r = run(&ws, "x=$(printf '%0100000d' 0); [[ $x == *0*0*0*0*0*1 ]]; echo $?; [[ $x == *0*0*0*0*0 ]]; echo $?; y=${x##*(0)}; echo ${#y}").await;
    assert_eq!(r.out, "1\n0\n0\n");
    // Nested groups: within the nesting limit they match as in bash; a pattern nested
    // deeper than `limits::nest()` allows matches nothing (bash 5.2 still matches it).
    let nested = |d: usize| format!("{}a{}", "@(".repeat(d), ")".repeat(d));
    let r = run(&ws, &format!("[[ a == {} ]]; echo $?; [[ a == {} ]]; echo $?", nested(50), nested(300))).await;
    assert_eq!(r.out, "0\n1\n");
    let r = run(&ws, &format!("[[ a == {} ]]; echo $?", nested(20_000))).await;
    assert_eq!(r.out, "1\n");
    // Unclosed groups and brackets are literal text, in linear time.
    let r = run(&ws, &format!("p='{}'; [[ $p == $p ]]; echo $?; q='{}'; [[ $q == $q ]]; echo $?", "@(".repeat(20_000), "[".repeat(20_000))).await;
    assert_eq!(r.out, "0\n0\n");
    // Polynomial can still be slow: the matcher checks the stop switch.
    stops_at_deadline(&ws, "x=$(printf '%05000d' 0); [[ $x == +(*(0)|b)c ]]; echo $?").await;
}

#[tokio::test]
async fn brace_expansion_is_counted_before_it_is_built() {
    let ws = workspace();
    // bash 5.2 (in a `ulimit -v` shell) prints this and the command fails; the script goes on.
    let r = run(&ws, "echo {1..100000000}").await;
    assert_eq!(r.out, "");
    assert_eq!(r.err, "bash: line 1: brace expansion: failed to allocate memory for 100000000 elements\n");
    let r = run(&ws, &format!("echo {}", "{1..10}".repeat(20))).await;
    assert_eq!(r.out, "");
    assert!(r.err.starts_with("bash: line 1: brace expansion: failed to allocate memory for ") && r.err.ends_with(" elements\n"), "{}", r.err);
    // Nesting past the limit is an error (bash recurses until its stack ends).
    let deep = format!("{}b{}", "{a,".repeat(5000), "}".repeat(5000));
    let r = run(&ws, &format!("echo {deep}; echo after $?")).await;
    assert_eq!((r.out.as_str(), r.err.as_str()), ("after 1\n", "bash: line 1: brace expansion: maximum nesting level exceeded (200)\n"));
    let r = run(&ws, &format!("echo {}b{}", "{a,".repeat(100), "}".repeat(100))).await;
    assert_eq!(r.out, format!("{}b\n", "a ".repeat(100)));
    // Thousands of groups in a row, or unclosed braces, are linear work.
    let r = run(&ws, &format!("echo {} | wc -c; echo {} | wc -c", "{a}".repeat(20_000), "{".repeat(50_000))).await;
    assert_eq!(r.out, "60001\n50001\n");
    // Ranges at the ends of 64-bit integers, as bash prints them (no overflow).
    let r = run(&ws, "echo {1..9223372036854775807..4611686018427387904} {9223372036854775806..9223372036854775807} {-9223372036854775807..-9223372036854775808} {1..2..-9223372036854775808}").await;
    assert_eq!(r.out, "1 4611686018427387905 9223372036854775806 9223372036854775807 -9223372036854775807 -9223372036854775808 {1..2..-9223372036854775808}\n");
    let r = run(&ws, "echo {a,b}{1..5..2}{x,y,} | wc -w; echo {-05..5..3} {A..z..10}").await;
    assert_eq!(r.out, "18\n-05 -02 001 004 A K U _ i s\n");
    // A million words per brace, four times: stopped at the deadline while building.
    stops_at_deadline(&ws, "echo {1..1000000} {1..1000000} {1..1000000} {1..1000000} | wc -c").await;
    stops_at_deadline(&ws, ": {1..10}{1..10}{1..10}{1..10}{1..10}{1..10}").await;
}

#[tokio::test]
async fn arithmetic_recursion_is_bounded_with_bash_messages() {
    let ws = workspace();
    let r = run(&ws, "a=a; echo $((a)); echo not reached").await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("", "bash: line 1: a: expression recursion level exceeded (error token is \"a\")\n", 1));
    let r = run(&ws, "echo $((2**62**3)) $((2**2**2**2)) $((3**64))").await;
    assert_eq!(r.out, format!("0 65536 {}\n", 3i64.wrapping_pow(64)));
    let r = run(&ws, "x=9223372036854775807; echo $((++x)) $((x--)) $x; y=-9223372036854775808; echo $((y--)) $y").await;
    assert_eq!(r.out, "-9223372036854775808 -9223372036854775808 9223372036854775807\n-9223372036854775808 9223372036854775807\n");
    // Deep nestings of every recursive form: an error, never a stack overflow.
    for (what, expr) in [
        ("parens", format!("{}1{}", "(".repeat(5000), ")".repeat(5000))),
        ("power", format!("{}1", "2**".repeat(5000))),
        ("assign", format!("{}1", "v=".repeat(5000))),
        ("ternary", format!("{}1{}", "1?".repeat(5000), ":1".repeat(5000))),
        ("not", format!("{}1", "!".repeat(5000))),
        ("minus", format!("{}1", "- ".repeat(5000))),
    ] {
        let r = run(&ws, &format!("echo $(( {expr} )); echo not reached")).await;
        assert_eq!((r.out.as_str(), r.code), ("", 1), "{what}");
        assert!(r.err.starts_with("bash: line 1: ") && r.err.contains(": expression recursion level exceeded (error token is "), "{what}: {}", r.err);
        let r = run(&ws, &format!("(( {expr} )); echo $?")).await;
        assert!(r.err.contains("expression recursion level exceeded"), "{what}: {}", r.err);
    }
    // Within the limits the same forms evaluate.
    let r = run(&ws, &format!("echo $(( {}7{} )) $(( {}1 ))", "(".repeat(100), ")".repeat(100), "!".repeat(100))).await;
    assert_eq!(r.out, "7 1\n");
    // Subscripts evaluate inside subscripts: bounded too.
    let r = run(&ws, &format!("a=(1 2); echo $(( {}0{} ))", "a[".repeat(3000), "]".repeat(3000))).await;
    assert_eq!(r.code, 0);
}

/// `mkdir -p` of a path 4,000 directories deep, then every walker over it. The RAM
/// mount's listing of a directory costs as much as everything below it, so each walk
/// takes seconds in a debug build; the deadline is generous.
#[tokio::test]
async fn walkers_handle_a_tree_4000_levels_deep() {
    let ws = workspace();
    let rel = "d/".repeat(4000);
    let deepest = format!("/r/deep/{}", rel.trim_end_matches('/'));
    let r = run(&ws, &format!("mkdir -p {deepest} && echo hi > {deepest}/f && echo made")).await;
    assert_eq!(r.out, "made\n");
    let f = format!("{deepest}/f");

    let r = run(&ws, "find /r/deep | wc -l; find /r/deep -name f -printf '%d %s\\n'; find /r/deep -depth | head -n 1 | wc -c").await;
    assert_eq!(r.out, format!("4002\n4001 3\n{}\n", f.len() + 1));
    let r = run(&ws, "find /r/deep -mindepth 3999 -maxdepth 4000 -type d | wc -l").await;
    assert_eq!(r.out, "2\n");

    let r = run(&ws, "tree /r/deep | tail -n 1; tree /r/deep | wc -l; tree -L 3 /r/deep | wc -l").await;
    assert_eq!(r.out, "4001 directories, 1 file\n4004\n6\n");

    let r = run(&ws, "du -s /r/deep; du /r/deep | wc -l; du -a /r/deep | head -n 1 | wc -c").await;
    assert_eq!(r.out, format!("16008\t/r/deep\n4001\n{}\n", "4\t".len() + f.len() + 1));

    let r = run(&ws, "ls -R /r/deep | wc -l; ls -R /r/deep | tail -n 1").await;
    assert_eq!(r.out, "12002\nf\n");

    let r = run(&ws, "grep -r hi /r/deep | wc -c; grep -rl hi /r/deep | wc -c").await;
    assert_eq!(r.out, format!("{}\n{}\n", f.len() + 4, f.len() + 1));

    let r = run(&ws, "cp -r /r/deep /r/copy && find /r/copy | wc -l && diff -r /r/deep /r/copy && echo same").await;
    assert_eq!(r.out, "4002\nsame\n");
    let r = run(&ws, "rm -r /r/copy; echo $?; ls /r").await;
    assert_eq!(r.out, "0\ndeep\n");
    let r = run(&ws, "tar -cf /r/t.tar -C /r deep && tar -tf /r/t.tar | wc -l").await;
    assert_eq!(r.out, "4002\n");
    // `mv` copies and removes the tree (1,000 levels: each walk costs depth cubed here).
    let r = run(&ws, &format!("mkdir -p /r/m/{} && mv /r/m /r/m2 && find /r/m2 | wc -l && ls /r", "e/".repeat(1000))).await;
    assert_eq!(r.out, "1001\ndeep\nm2\nt.tar\n");
}

/// `mkdir -p` of a path 100,000 directories deep: the RAM mount keeps every directory's
/// whole path, so this is stopped by the memory budget (or the deadline), promptly.
#[tokio::test]
async fn mkdir_p_of_a_path_too_deep_to_hold_stops() {
    let ws = workspace();
    let r = run_ms(&ws, &format!("mkdir -p /r/{}; echo after", "a/".repeat(100_000)), 2000).await;
    assert!(r.code == EXIT_TIMEOUT || r.err.contains("memory limit"), "{} {}", r.code, r.err);
    assert_eq!(r.out, "");
    assert!(r.took < Duration::from_millis(3500), "{:?}", r.took);
    let r = run_ms(&ws, &format!("mkdir -p /r/{}; echo after", "a/".repeat(100_000)), 300).await;
    assert!(r.code == EXIT_TIMEOUT || r.err.contains("memory limit"), "{} {}", r.code, r.err);
    assert!(r.took < Duration::from_millis(1500), "{:?}", r.took);
}

/// `w/d0 .. w/d{n-1}`, 200 small files in each (put straight in: the RAM mount's checked
/// writes cost as much as the files it holds).
fn wide(ram: &RamResource, n: usize) {
    ram.put_dir("w");
    for d in 0..n {
        ram.put_dir(&format!("w/d{d}"));
        for f in 0..200 {
            ram.put_file(&format!("w/d{d}/f{f}"), Bytes::from_static(b"x\n"));
        }
    }
}

/// Wide trees: every walker's loop checks the stop switch.
#[tokio::test]
async fn walkers_stop_at_the_deadline() {
    let ram = RamResource::new();
    wide(&ram, 1000);
    let ws = workspace_with(ram, WorkspaceOptions::default());
    let r = run(&ws, "find /r/w -type f | wc -l").await;
    assert_eq!(r.out, "200000\n");
    for line in [
        "find /r/w -name 'f*' -printf '%p %s %d\\n' | wc -l",
        "tree /r/w | wc -l",
        "du -a /r/w | wc -l",
        "ls -lR /r/w | wc -l",
        "grep -rc x /r/w | wc -l",
        "cp -r /r/w /r/w2",
    ] {
        stops_at_deadline(&ws, line).await;
    }
}

#[tokio::test]
async fn find_and_test_expressions_nest_without_crashing() {
    let ws = workspace();
    run(&ws, "mkdir /r/x").await;
    // GNU find accepts any depth of parentheses; here they nest as deep as `limits::nest()`.
    let parens = |n: usize| format!("{}-name x{}", "\\( ".repeat(n), " \\)".repeat(n));
    let r = run(&ws, &format!("find /r {}; echo $?", parens(5000))).await;
    assert_eq!(r.out, "1\n");
    assert_eq!(r.err, "find: invalid expression; parentheses are nested too deep (the limit is 200 levels)\n");
    let r = run(&ws, &format!("find /r {}", parens(150))).await;
    assert_eq!(r.out, "/r/x\n");
    // Chains of any length are flat: `!` collapses, `-a`/`-o` are lists (GNU find 4.9
    // crashes on 100,000 `!`).
    let r = run(&ws, &format!("find /r {}-name x; find /r {}-name x", "! ".repeat(20_000), "! ".repeat(20_001))).await;
    assert_eq!(r.out, "/r/x\n/r\n");
    let r = run(&ws, &format!("find /r {}-name x; find /r -false {}", "-true ".repeat(20_000), "-o -name x ".repeat(20_000))).await;
    assert_eq!(r.out, "/r/x\n/r/x\n");
    // `test` and `[`: bash evaluates any depth; so does the iterative parser.
    let r = run(&ws, &format!("test {}x{}; echo $?; [ {}x{} ]; echo $?", "\\( ".repeat(5000), " \\)".repeat(5000), "\\( ".repeat(5000), " \\)".repeat(5000))).await;
    assert_eq!(r.out, "0\n0\n");
    let r = run(&ws, &format!("test {}x; echo $?; test {}x; echo $?", "! ".repeat(20_000), "! ".repeat(20_001))).await;
    assert_eq!(r.out, "0\n1\n");
    let r = run(&ws, "test \\( x -a \\( '' -o y \\) \\) -a ! \\( '' \\); echo $?; test \\( \\( x \\) -o; echo $?; [ \\( x ]; echo $?").await;
    assert_eq!(r.out, "0\n2\n2\n");
    assert_eq!(r.err, "bash: line 1: test: argument expected\nbash: line 1: [: (: unary operator expected\n");
}

#[tokio::test]
async fn commands_running_commands_nest_a_bounded_number_of_levels() {
    let ws = workspace();
    let r = run(&ws, &format!("{}echo hi; echo $?", "env ".repeat(1500))).await;
    assert_eq!(r.out, "126\n");
    assert_eq!(r.err, "env: 'env': maximum nesting level exceeded\n");
    let r = run(&ws, &format!("{}echo hi", "env ".repeat(100))).await;
    assert_eq!(r.out, "hi\n");
    let r = run(&ws, &format!("echo | xargs {}echo hi; echo $?", "xargs ".repeat(1500))).await;
    assert_eq!(r.out, "123\n");
    assert_eq!(r.err, "xargs: xargs: maximum nesting level exceeded\n");
}

/// 50 MB in memory: the search and hash loops see the deadline.
#[tokio::test]
async fn grep_and_hashes_over_large_data_stop_at_the_deadline() {
    let ram = RamResource::new();
    ram.mkdir("big").await.unwrap();
    let line = format!("{}\n", "a".repeat(63));
    let big = Bytes::from(line.repeat(50 << 20 >> 6));
    ram.write("big/f", big.clone()).await.unwrap();
    ram.write("big/one-line", Bytes::from(vec![b'a'; 50 << 20])).await.unwrap();
    let ws = workspace_with(ram, WorkspaceOptions::default());
    for line in ["grep -c x /r/big/f", "grep -r x /r/big", "grep -vc a /r/big/f", "md5sum /r/big/f", "sha512sum /r/big/one-line", "cmp -l /r/big/f /r/big/one-line"] {
        stops_at_deadline(&ws, line).await;
    }
}

/// Inputs that used to panic (`mirage: internal error`) or abort the process.
#[tokio::test]
async fn hostile_arguments_fail_with_the_tools_errors() {
    let ram = RamResource::new();
    ram.write("a", Bytes::from_static(b"1\n2\n3\n")).await.unwrap();
    ram.write("b", Bytes::from_static(b"1\nx\n3\n")).await.unwrap();
    // Multibyte text where a checksum line's hash would end.
    ram.write("sums", Bytes::from(format!("a{}  a\n", "\u{e9}".repeat(20)))).await.unwrap();
    // A gzip bomb: 2,000 members of 1 MiB of zeros each (2 GiB inflated).
    let member = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        e.finish().unwrap()
    };
    ram.write("bomb.gz", Bytes::from(member.repeat(2000))).await.unwrap();
    ram.write("bomb.tar.gz", Bytes::from(member.repeat(2000))).await.unwrap();
    let ws = workspace_with(ram, WorkspaceOptions { max_memory_bytes: 64 << 20, ..Default::default() });

    // GNU find: widths past INT_MAX are refused, the rest is printed, status 1.
    let r = run(&ws, "find /r/a -printf '%99999999999p|\\n'; echo $?").await;
    assert_eq!((r.out.as_str(), r.err.as_str()), ("|\n1\n", "find: 'standard output': Value too large for defined data type\n"));
    let r = run(&ws, "find /r/a -printf '%-6p|%3d|\\n'").await;
    assert_eq!(r.out, "/r/a  |  0|\n");
    let r = run(&ws, "diff -U 18446744073709551615 /r/a /r/b | tail -n 4; diff -C 18446744073709551615 /r/a /r/b | wc -l").await;
    assert_eq!(r.out, " 1\n-2\n+x\n 3\n11\n");
    // GNU diff's message and status 2; the script goes on.
    let r = run(&ws, "diff -y -W 99999999999 /r/a /r/b; echo $?").await;
    assert_eq!((r.out.as_str(), r.err.as_str()), ("2\n", "diff: memory exhausted\n"));
    let r = run(&ws, "cd /r; md5sum -c sums; echo $?").await;
    assert_eq!(r.out, "1\n");
    assert_eq!(r.err, "md5sum: sums: no properly formatted checksum lines found\n");
    // zcat streams: a reader that stops early stops the inflating.
    let r = run(&ws, "zcat /r/bomb.gz | head -c 10 | wc -c; echo $?").await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), ("10\n0\n", "", 0));
    // What must hold the whole output is checked against the memory budget before it grows:
    // the tool fails with ENOMEM's text, and the script goes on.
    for line in ["gunzip -t /r/bomb.gz; echo $?", "tar -tzf /r/bomb.tar.gz; echo $?"] {
        let r = run(&ws, line).await;
        assert!(r.out.ends_with("\n") && r.out != "0\n", "{line}: {}", r.out);
        assert!(r.err.contains("Cannot allocate memory"), "{line}: {}", r.err);
        assert_eq!(r.code, 0, "{line}");
        assert!(r.took < Duration::from_secs(5), "{line}: {:?}", r.took);
    }
    // With the default budget the deadline comes first: inflating checks it too.
    let ram = RamResource::new();
    ram.put_file("bomb.gz", Bytes::from(member.repeat(2000)));
    stops_at_deadline(&workspace_with(ram, WorkspaceOptions::default()), "zcat /r/bomb.gz | wc -c").await;
    // `-I {}` with a long item and many `{}`: the line is checked against GNU's command
    // buffer before it is built.
    let r = run(&ws, &format!("printf '%0100000d\\n' 0 | xargs -I{{}} echo {}; echo $?", "{}".repeat(2000))).await;
    assert_eq!((r.out.as_str(), r.err.as_str()), ("1\n", "xargs: command too long\n"));
    let r = run(&ws, "printf '%065533d\\n' 0 | xargs -I{} echo {}{} | wc -c; printf '%065534d\\n' 0 | xargs -I{} echo {}{}; printf '%0131072d\\n' 0 | xargs -I{} echo {}").await;
    assert_eq!((r.out.as_str(), r.err.as_str()), ("131067\n", "xargs: command too long\nxargs: argument line too long\n"));
}

/// `PROBE_FILE` (one command line per line, run in order in one workspace): print what
/// each does. A development aid:
/// `PROBE_FILE=lines.txt cargo test --test hostile_walks probe -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn probe() {
    let ram = RamResource::new();
    if std::env::var("PROBE_BIG").is_ok() {
        ram.put_dir("big");
        ram.put_file("big/f", Bytes::from(format!("{}\n", "a".repeat(63)).repeat(50 << 20 >> 6)));
        ram.put_file("big/one-line", Bytes::from(vec![b'a'; 50 << 20]));
    }
    if let Ok(n) = std::env::var("PROBE_WIDE") {
        let n: usize = n.parse().unwrap();
        wide(&ram, n);
    }
    let ws = workspace_with(ram, WorkspaceOptions::default());
    let text = std::fs::read_to_string(std::env::var("PROBE_FILE").unwrap()).unwrap();
    let ms: u64 = std::env::var("PROBE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    for line in text.lines().filter(|l| !l.is_empty()) {
        let r = run_ms(&ws, line, ms).await;
        let cut = |s: &str| s.chars().take(400).collect::<String>();
        println!("$ {}\n  exit={} time={:?}\n  out={:?} ({} bytes)\n  err={:?}", cut(line), r.code, r.took, cut(&r.out), r.out.len(), cut(&r.err));
    }
}
