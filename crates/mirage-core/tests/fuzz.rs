//! Bounded, seeded fuzzing (no extra crates: a splitmix64 generator, so a failure prints the
//! seed and the input and can be replayed):
//!
//! - the shell parser over random and mutated command lines from a bash-ish alphabet:
//!   it never panics nor hangs, and a line whose first command is malformed, run through
//!   `Workspace::execute`, prints bash's message and exits with bash's status (2);
//! - `vfs::path::normalize` over random paths: the result is absolute, has no `//` and no
//!   `.`/`..` segment, is a fixed point, and stays below the cwd unless the input climbs;
//! - mount resolution and `S3Resource::key` with a key prefix: a resolved key never leaves
//!   the prefix and never carries a segment the URL layer would rewrite.
//!
//! `MIRAGE_FUZZ_SEED=<n>` replays another seed; `MIRAGE_FUZZ_CASES=<n>` changes the count.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage_core::shell::parser::{parse, Parser, SyntaxErrorKind};
use mirage_core::vfs::path::normalize;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::s3::S3Resource;
use mirage_core::vfs::{mount::Resolved, Mount, MountMode, MountTable, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions};
use mirage_s3::{check_key, S3Client, S3Config};

/// splitmix64: tiny, fast, good enough to drive a fuzzer, and reproducible from one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

fn seed() -> u64 {
    std::env::var("MIRAGE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x6d69_7261_6765)
}

fn cases(default: usize) -> usize {
    std::env::var("MIRAGE_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Run `f` on another thread and fail if it takes longer than `limit` (a hang is a bug too).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).unwrap_or_else(|_| panic!("did not finish within {limit:?} (a hang?)"))
}

const SHELL_TOKENS: &[&str] = &[
    " ", " ", " ", "\t", "\n", ";", ";;", "&", "&&", "|", "||", "|&", "!", "(", ")", "{", "}", "[[", "]]", "[", "]", "<", ">",
    ">>", "<<", "<<-", "<<<", "<&", ">&", "&>", "2>", "2>&1", "<>", ">|", "'", "\"", "`", "\\", "$", "${", "$(", "$((", "))",
    "((", "$'", "${#", ":-", ":=", ":?", ":+", "#", "##", "%", "%%", "/", "//", "^^", ",,", "@", "*", "?", "=", "+=", "~",
    "-", "0", "1", "42", "a", "x", "foo", "IFS", "PATH", "if", "then", "elif", "else", "fi", "for", "in", "do", "done",
    "while", "until", "case", "esac", "function", "select", "time", "EOF", "echo", "cat", "ls", "head", "wc", "cd", "export",
    "local", "return", "break", "continue", "eval", "read", "/data/a.txt", "/data/*", "é", "日本", "\u{0}", "\r", "{1..3}",
];

/// Lines that parse; the mutator starts from them.
const VALID: &[&str] = &[
    "echo hello | wc -c",
    "for f in /data/*; do echo \"$f\"; done",
    "if [ -e /data/a.txt ]; then cat /data/a.txt; else echo no; fi",
    "x=${y:-default}; echo ${x#d} ${#x} ${x/e/E}",
    "case $x in a|b) echo ab;; *) echo other;; esac",
    "f() { local v=$1; echo $((v * 2)); }; f 21",
    "cat <<EOF\nline $x\nEOF\n",
    "while read -r l; do echo \"[$l]\"; done <<< 'a b'",
    "a=(1 2 3); echo ${a[1]} ${#a[@]} \"${a[@]}\"",
    "[[ $x == a* && -n $y ]] || echo $(echo `echo nested`)",
    "{ echo a; echo b; } 2>&1 >/dev/null | (cat; echo c)",
    "echo $'tab\\there' \"q'uote\" 'd\"q'",
];

fn random_line(r: &mut Rng) -> String {
    let n = 1 + r.below(24);
    (0..n).map(|_| r.pick(SHELL_TOKENS)).collect()
}

fn mutate(r: &mut Rng, base: &str) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for _ in 0..1 + r.below(4) {
        let tok: Vec<char> = r.pick(SHELL_TOKENS).chars().collect();
        let at = r.below(chars.len() + 1);
        match r.below(3) {
            0 => {
                chars.splice(at..at, tok);
            }
            1 if at < chars.len() => {
                let end = (at + 1 + r.below(4)).min(chars.len());
                chars.drain(at..end);
            }
            _ => {
                let end = (at + 1).min(chars.len());
                chars.splice(at..end, tok);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn parser_never_panics_and_errors_are_bash_shaped() {
    let seed = seed();
    let n = cases(10_000);
    let started = Instant::now();
    let (failures, malformed, parsed) = within(Duration::from_secs(60), move || {
        let mut r = Rng(seed);
        let mut failures = Vec::new();
        let mut malformed = Vec::new();
        let mut parsed = 0usize;
        for i in 0..n {
            let line = if i % 2 == 0 {
                random_line(&mut r)
            } else {
                let base = VALID[r.below(VALID.len())];
                mutate(&mut r, base)
            };
            let l2 = line.clone();
            let outcome = std::panic::catch_unwind(move || {
                let whole = parse(&l2).is_ok();
                let first = Parser::new(&l2).next_complete_command().err();
                (whole, first)
            });
            match outcome {
                Err(_) => failures.push(line),
                Ok((ok, first)) => {
                    if ok {
                        parsed += 1;
                    }
                    if let Some(e) = first {
                        // Syntax errors are exit 2; only `${...}: bad substitution` and an
                        // unclosed `x=(` array assignment are 1 (as in bash 5.2).
                        let want = if matches!(e.kind, SyntaxErrorKind::BadSubstitution(_) | SyntaxErrorKind::UnmatchedArray) { 1 } else { 2 };
                        if e.exit_code() != want {
                            failures.push(format!("{line:?}: exit {} for {:?}", e.exit_code(), e.kind));
                        }
                        let msg = e.message(&line);
                        if !msg.starts_with("bash: ") || !msg.ends_with('\n') {
                            failures.push(format!("{line:?}: message {msg:?}"));
                        }
                        if malformed.len() < 1000 {
                            malformed.push((line, e.exit_code(), msg));
                        }
                    }
                }
            }
        }
        (failures, malformed, parsed)
    });
    assert!(failures.is_empty(), "seed {seed}: {} failing inputs, e.g. {:?}", failures.len(), &failures[..failures.len().min(5)]);
    // The generator must exercise both sides.
    assert!(parsed > n / 20 && malformed.len() > 50, "parsed {parsed}, malformed {}", malformed.len());

    // Malformed lines through the whole executor: nothing runs before the error, so the
    // result is exactly bash's message and status.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let ram: Arc<dyn Resource> = Arc::new(RamResource::new());
        let ws = Workspace::new(vec![("/data".into(), ram, MountMode::Read)], WorkspaceOptions::default()).unwrap();
        for (line, code, msg) in &malformed {
            let o = ws
                .execute(line, ExecOptions { timeout: Some(Duration::from_secs(5)), ..Default::default() })
                .await
                .unwrap();
            assert_eq!(o.exit_code, *code, "{line:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.ends_with(msg.as_str()), "{line:?}: stderr {err:?}, expected {msg:?}");
            assert!(o.stdout.is_empty(), "{line:?}");
        }
    });
    eprintln!(
        "parser fuzz: seed {seed}, {n} lines ({parsed} parsed, {} malformed run through execute), {:?}",
        malformed.len(),
        started.elapsed()
    );
}

const PATH_SEGMENTS: &[&str] = &["..", "..", ".", "", "a", "b", "dir", "ü", "%2e%2e", "...", ".a", "a..b", " ", "..x", "x.."];

fn random_path(r: &mut Rng) -> String {
    let n = r.below(9);
    let mut s = String::new();
    if r.below(2) == 0 {
        s.push('/');
    }
    for i in 0..n {
        if i > 0 {
            for _ in 0..1 + r.below(2) {
                s.push('/');
            }
        }
        s.push_str(r.pick(PATH_SEGMENTS));
    }
    if r.below(4) == 0 {
        s.push('/');
    }
    s
}

fn check_normal(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err("not absolute".into());
    }
    if p.contains("//") {
        return Err("contains //".into());
    }
    if p != "/" && p.ends_with('/') {
        return Err("trailing /".into());
    }
    if p != "/" && p[1..].split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err("a '', '.' or '..' segment".into());
    }
    Ok(())
}

#[test]
fn normalize_is_absolute_clean_and_contained() {
    let seed = seed();
    let n = cases(10_000);
    let started = Instant::now();
    let mut r = Rng(seed ^ 0x7061_7468);
    for _ in 0..n {
        let cwd = normalize("/", &random_path(&mut r));
        check_normal(&cwd).unwrap_or_else(|e| panic!("cwd {cwd:?}: {e}"));
        let p = random_path(&mut r);
        let out = normalize(&cwd, &p);
        check_normal(&out).unwrap_or_else(|e| panic!("normalize({cwd:?}, {p:?}) = {out:?}: {e}"));
        assert_eq!(normalize("/", &out), out, "not a fixed point: {p:?}");
        assert_eq!(normalize(&cwd, &out), out, "an absolute result must ignore the cwd");
        let climbs = p.split('/').any(|s| s == "..");
        if !p.starts_with('/') && !climbs {
            assert!(out == cwd || cwd == "/" || out.starts_with(&format!("{cwd}/")), "{p:?} from {cwd:?} left it: {out:?}");
        }
    }
    eprintln!("normalize fuzz: seed {seed}, {n} paths, {:?}", started.elapsed());
}

#[test]
fn mounts_and_key_prefixes_never_reach_outside() {
    let seed = seed();
    let n = cases(4000);
    let mut r = Rng(seed ^ 0x6b65_7973);
    let ram: Arc<dyn Resource> = Arc::new(RamResource::new());
    let mut table = MountTable::new();
    table.add(Mount { prefix: "/t".into(), resource: ram.clone(), mode: MountMode::Read });
    table.add(Mount { prefix: "/t/inner".into(), resource: ram, mode: MountMode::Read });
    // Port 9 on loopback: nothing listens, and nothing here sends a request anyway.
    let client = S3Client::new(S3Config::new("http://127.0.0.1:9", "us-east-1", "bkt", "AKIDFUZZ", "SECRETFUZZ")).unwrap();
    let s3 = S3Resource::new(client, Some("tenantA/"), "s3").unwrap();
    let (mut mounted, mut keys) = (0, 0);
    for _ in 0..n {
        let cwd = normalize("/", &format!("/t/{}", random_path(&mut r)));
        let abs = normalize(&cwd, &random_path(&mut r));
        if let Resolved::Mounted(m, rel) = table.resolve(&abs) {
            mounted += 1;
            assert!(abs == m.prefix || abs.starts_with(&format!("{}/", m.prefix)), "{abs:?} resolved into {}", m.prefix);
            assert!(!rel.starts_with('/') && rel.split('/').all(|s| s != "." && s != ".."), "{abs:?} -> {rel:?}");
            if rel.is_empty() {
                continue;
            }
            if let Ok(key) = s3.key(&rel) {
                keys += 1;
                assert!(key.starts_with("tenantA/") && key.len() > "tenantA/".len(), "{rel:?} -> {key:?}");
                assert!(check_key(&key).is_ok(), "{rel:?} -> {key:?} would be refused by the client");
            }
        }
    }
    assert!(mounted > n / 4 && keys > n / 8, "mounted {mounted}, keys {keys}");
    // Relative paths a resource might be handed by a buggy caller are refused, not joined.
    for rel in ["../tenantB/secret", "a/../../tenantB/x", "./x", "a//b", "/abs", "..", "."] {
        assert!(s3.key(rel).is_err(), "{rel:?} accepted");
    }
    eprintln!("mount fuzz: seed {seed}, {n} paths ({mounted} mounted, {keys} keys checked)");
}
