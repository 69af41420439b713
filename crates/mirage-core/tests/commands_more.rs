//! The commands of commands/ beyond the foundation (sed, awk, jq, printf, diff, cp, ...)
//! over RAM mounts, compared with what GNU bash and tools print on the same files.
//! The `CASES` table is recorded by `commands_more_gen.py` (cases in
//! `commands_more_cases.py`) from real GNU tools with LC_ALL=C; the other tests are
//! hand-written for what a local run cannot show (read-only mounts, timestamps).

use std::sync::Arc;

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions};

struct Case {
    cwd: &'static str,
    cmd: &'static str,
    stdin: Option<&'static [u8]>,
    stdout: &'static [u8],
    stderr: Option<&'static [u8]>,
    code: i32,
}

async fn fixture_ram() -> Arc<RamResource> {
    let ram = RamResource::new();
    for (path, content) in FIXTURES {
        match content {
            None => ram.mkdir(path).await.unwrap(),
            Some(c) => ram.write(path, Bytes::from_static(c)).await.unwrap(),
        }
    }
    Arc::new(ram)
}

/// `/data` read-only and `/w` writable, both holding the fixtures.
async fn workspace() -> Workspace {
    let data: Arc<dyn Resource> = fixture_ram().await;
    let w: Arc<dyn Resource> = fixture_ram().await;
    Workspace::new(vec![("/data".into(), data, MountMode::Read), ("/w".into(), w, MountMode::Write)], WorkspaceOptions::default()).unwrap()
}

async fn run_in(ws: &Workspace, cwd: &str, cmd: &str, stdin: Option<&[u8]>) -> (Vec<u8>, Vec<u8>, i32) {
    let o = ws
        .execute(cmd, ExecOptions { cwd: Some(cwd.into()), stdin: stdin.map(|s| Bytes::copy_from_slice(s)), ..Default::default() })
        .await
        .unwrap();
    (o.stdout, o.stderr, o.exit_code)
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_gnu_cases() {
    let mut failures = Vec::new();
    for c in CASES {
        let ws = workspace().await;
        let run = tokio::time::timeout(std::time::Duration::from_secs(20), run_in(&ws, c.cwd, c.cmd, c.stdin)).await;
        let Ok((out, err, code)) = run else {
            failures.push(format!("TIMEOUT {}", c.cmd));
            continue;
        };
        let err_ok = c.stderr.is_none_or(|e| e == err.as_slice());
        if out != c.stdout || code != c.code || !err_ok {
            failures.push(format!(
                "--- {}\n  want code {} stdout {:?} stderr {:?}\n  got  code {} stdout {:?} stderr {:?}",
                c.cmd,
                c.code,
                show(c.stdout),
                c.stderr.map(show),
                code,
                show(&out),
                show(&err)
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

/// Writes on the READ mount fail with `Read-only file system` and change nothing.
#[tokio::test]
async fn writes_on_a_read_mount_fail() {
    let ws = workspace().await;
    let cases: &[(&str, &str, i32)] = &[
        ("cp a.txt c.txt", "cp: cannot create regular file 'c.txt': Read-only file system\n", 1),
        ("mv a.txt c.txt", "mv: cannot move 'a.txt' to 'c.txt': Read-only file system\n", 1),
        ("rm a.txt", "rm: cannot remove 'a.txt': Read-only file system\n", 1),
        ("rm -r src", "rm: cannot remove 'src': Read-only file system\n", 1),
        ("mkdir d", "mkdir: cannot create directory 'd': Read-only file system\n", 1),
        ("rmdir logs", "rmdir: failed to remove 'logs': Read-only file system\n", 1),
        ("touch n.txt", "touch: cannot touch 'n.txt': Read-only file system\n", 1),
        ("echo x | tee t.txt", "tee: t.txt: Read-only file system\n", 1),
        ("ln -s a.txt l", "ln: failed to create symbolic link 'l': Read-only file system\n", 1),
        ("sed -i s/one/1/ a.txt", "sed: couldn't open temporary file ./sedTVlFzd: Read-only file system\n", 4),
        ("awk '{print > \"o.txt\"}' a.txt", "awk: cmd. line:1: fatal: can't redirect to `o.txt' (Read-only file system)\n", 2),
    ];
    for (cmd, err, code) in cases {
        let (_, e, c) = run_in(&ws, "/data", cmd, None).await;
        let e = show(&e);
        if cmd.starts_with("sed") {
            assert!(e.starts_with("sed: couldn't open temporary file ./sed") && e.ends_with(": Read-only file system\n"), "{cmd}: {e}");
        } else {
            assert_eq!(e, *err, "{cmd}");
        }
        assert_eq!(c, *code, "{cmd}");
    }
    // Nothing changed.
    let (out, _, _) = run_in(&ws, "/data", "cat a.txt; ls", None).await;
    assert_eq!(show(&out), "one\ntwo\nthree\nfour\nfive\na.txt\nb.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nnonl.txt\nnums.txt\npeople.csv\nsrc\ntabs.tsv\nwords.txt\n");
    // A mount root cannot be removed.
    let (_, e, c) = run_in(&ws, "/", "rm -rf /w", None).await;
    assert_eq!((show(&e).as_str(), c), ("rm: cannot remove '/w': Device or resource busy\n", 1));
    let (out, _, _) = run_in(&ws, "/w", "ls | wc -l", None).await;
    assert_eq!(show(&out), "12\n");
}

/// Mounts cannot hold links: ln fails as on a filesystem without them.
#[tokio::test]
async fn links_are_not_supported() {
    let ws = workspace().await;
    assert_eq!(
        run_in(&ws, "/w", "ln -s a.txt l; echo rc=$?", None).await,
        (b"rc=1\n".to_vec(), b"ln: failed to create symbolic link 'l': Operation not supported\n".to_vec(), 0)
    );
    assert_eq!(
        run_in(&ws, "/w", "ln a.txt h", None).await,
        (Vec::new(), b"ln: failed to create hard link 'h' => 'a.txt': Operation not supported\n".to_vec(), 1)
    );
}

/// mv copies first and deletes the source only after the copy: across mounts too.
#[tokio::test]
async fn mv_across_mounts_copies_then_deletes() {
    let ws = workspace().await;
    let (_, e, c) = run_in(&ws, "/w", "mv /data/a.txt /w/x.txt", None).await;
    assert_eq!((show(&e).as_str(), c), ("mv: cannot move '/data/a.txt' to '/w/x.txt': Read-only file system\n", 1));
    assert_eq!(run_in(&ws, "/w", "ls x.txt", None).await.2, 2);
    let (out, _, c) = run_in(&ws, "/w", "cp -r /data/src /w/copy && ls /w/copy && cat /data/src/lib.rs | wc -l", None).await;
    assert_eq!((show(&out).as_str(), c), ("lib.rs\nmain.rs\n3\n", 0));
}

// BEGIN GENERATED by commands_more_gen.py: do not edit by hand.
const FIXTURES: &[(&str, Option<&[u8]>)] = &[
    ("logs", None),
    ("logs/app.log", Some(b"2024-01-01 10:00:01 INFO server started port=8080\n2024-01-01 10:00:02 ERROR disk full on /dev/sda1\n2024-01-01 10:00:03 WARN slow request path=/api/users ms=1200\n2024-01-01 10:00:04 INFO request path=/api/items ms=35\n2024-01-01 10:00:05 ERROR timeout contacting db\n2024-01-01 10:00:06 INFO request path=/api/users ms=48\n")),
    ("logs/empty.log", Some(b"")),
    ("people.csv", Some(b"name,dept,salary,age\nalice,eng,120000,34\nbob,sales,80000,45\ncarol,eng,135000,29\ndave,ops,70000,51\nerin,sales,95000,38\n")),
    ("data.json", Some(b"{\"users\":[{\"id\":1,\"name\":\"alice\",\"tags\":[\"admin\",\"dev\"],\"active\":true,\"score\":9.5},{\"id\":2,\"name\":\"bob\",\"tags\":[],\"active\":false,\"score\":7},{\"id\":3,\"name\":\"carol\",\"tags\":[\"dev\"],\"active\":true,\"score\":null}],\"meta\":{\"count\":3,\"next\":null,\"empty\":{}}}\n")),
    ("events.ndjson", Some(b"{\"level\":\"info\",\"msg\":\"start\",\"ms\":5}\n{\"level\":\"error\",\"msg\":\"disk full\",\"ms\":120}\n{\"level\":\"info\",\"msg\":\"done\",\"ms\":40}\n")),
    ("words.txt", Some(b"apple\nbanana\ncherry\napple\ndate\n")),
    ("nums.txt", Some(b"10\n2\n33\n4\n")),
    ("nonl.txt", Some(b"first\nlast-no-newline")),
    ("a.txt", Some(b"one\ntwo\nthree\nfour\nfive\n")),
    ("b.txt", Some(b"one\n2\nthree\nfour\nFIVE\nsix\n")),
    ("tabs.tsv", Some(b"k1\tv1\tx\nk2\tv2\ty\n")),
    ("src", None),
    ("src/main.rs", Some(b"fn main() {\n    println!(\"hi\");\n}\n")),
    ("src/lib.rs", Some(b"pub fn f() -> i32 {\n    42\n}\n")),
    ("bin.dat", Some(b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\"#$%&'hello world\x00\xff\xfeabc")),
];

const CASES: &[Case] = &[
    Case { cwd: "/data", cmd: "sed -n '2p' a.txt", stdin: None, stdout: b"two\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '2,4p' a.txt", stdin: None, stdout: b"two\nthree\nfour\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '2d' a.txt", stdin: None, stdout: b"one\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '$d' a.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '$p' a.txt", stdin: None, stdout: b"five\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/o/0/' a.txt", stdin: None, stdout: b"0ne\ntw0\nthree\nf0ur\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/o/0/g' a.txt", stdin: None, stdout: b"0ne\ntw0\nthree\nf0ur\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/e/E/2' a.txt", stdin: None, stdout: b"one\ntwo\nthreE\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n 's/t/T/p' a.txt", stdin: None, stdout: b"Two\nThree\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/[aeiou]/(&)/g' words.txt", stdin: None, stdout: b"(a)ppl(e)\nb(a)n(a)n(a)\nch(e)rry\n(a)ppl(e)\nd(a)t(e)\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/\\(.*\\)an\\(.*\\)/\\2-\\1/' words.txt", stdin: None, stdout: b"apple\na-ban\ncherry\napple\ndate\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -E 's/([a-z]+)=([0-9]+)/\\2:\\1/g' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:01 INFO server started 8080:port\n2024-01-01 10:00:02 ERROR disk full on /dev/sda1\n2024-01-01 10:00:03 WARN slow request path=/api/users 1200:ms\n2024-01-01 10:00:04 INFO request path=/api/items 35:ms\n2024-01-01 10:00:05 ERROR timeout contacting db\n2024-01-01 10:00:06 INFO request path=/api/users 48:ms\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '/ERROR/p' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:02 ERROR disk full on /dev/sda1\n2024-01-01 10:00:05 ERROR timeout contacting db\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '/INFO/d' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:02 ERROR disk full on /dev/sda1\n2024-01-01 10:00:03 WARN slow request path=/api/users ms=1200\n2024-01-01 10:00:05 ERROR timeout contacting db\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '/WARN/,/ERROR/p' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:03 WARN slow request path=/api/users ms=1200\n2024-01-01 10:00:04 INFO request path=/api/items ms=35\n2024-01-01 10:00:05 ERROR timeout contacting db\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '/ERROR/!p' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:01 INFO server started port=8080\n2024-01-01 10:00:03 WARN slow request path=/api/users ms=1200\n2024-01-01 10:00:04 INFO request path=/api/items ms=35\n2024-01-01 10:00:06 INFO request path=/api/users ms=48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '2,3!d' a.txt", stdin: None, stdout: b"two\nthree\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '1~2p' a.txt", stdin: None, stdout: b"one\nthree\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '2,+1p' a.txt", stdin: None, stdout: b"two\nthree\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '0,/o/s//0/' a.txt", stdin: None, stdout: b"0ne\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/one/ONE/I;s/TWO/2/i' a.txt", stdin: None, stdout: b"ONE\n2\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '1i\\header' a.txt", stdin: None, stdout: b"header\none\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '1i header line' a.txt", stdin: None, stdout: b"header line\none\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '$a footer' a.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\nfooter\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '/three/c\\3' a.txt", stdin: None, stdout: b"one\ntwo\n3\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '2,4c\\gone' a.txt", stdin: None, stdout: b"one\ngone\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 'y/abc/xyz/' words.txt", stdin: None, stdout: b"xpple\nyxnxnx\nzherry\nxpple\ndxte\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '$=' a.txt", stdin: None, stdout: b"5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed = a.txt", stdin: None, stdout: b"1\none\n2\ntwo\n3\nthree\n4\nfour\n5\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 3q a.txt", stdin: None, stdout: b"one\ntwo\nthree\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 3Q a.txt", stdin: None, stdout: b"one\ntwo\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '/three/q 5' a.txt; echo rc=$?", stdin: None, stdout: b"one\ntwo\nthree\nrc=5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n 'h;n;G;p' a.txt", stdin: None, stdout: b"two\none\nfour\nthree\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 'N;s/\\n/ /' a.txt", stdin: None, stdout: b"one two\nthree four\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed ':a;N;$!ba;s/\\n/,/g' a.txt", stdin: None, stdout: b"one,two,three,four,five\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '1!G;h;$!d' a.txt", stdin: None, stdout: b"five\nfour\nthree\ntwo\none\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '/two/{n;p}' a.txt", stdin: None, stdout: b"three\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -e 's/one/1/' -e 's/two/2/' a.txt", stdin: None, stdout: b"1\n2\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n -e '/four/{' -e 's/f/F/' -e 'p' -e '}' a.txt", stdin: None, stdout: b"Four\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/^/> /' nonl.txt", stdin: None, stdout: b"> first\n> last-no-newline", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed p nonl.txt", stdin: None, stdout: b"first\nfirst\nlast-no-newline\nlast-no-newline", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '$p' nonl.txt a.txt", stdin: None, stdout: b"five\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -s -n '$p' nonl.txt a.txt", stdin: None, stdout: b"last-no-newline\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/a/b/' nosuch a.txt; echo rc=$?", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\nrc=2\n", stderr: Some(b"sed: can't read nosuch: No such file or directory\n"), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/a/b'; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"sed: -e expression #1, char 5: unterminated `s' command\n"), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/a/b/x' a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"sed: -e expression #1, char 7: unknown option to `s'\n"), code: 0 },
    Case { cwd: "/data", cmd: "sed k a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"sed: -e expression #1, char 1: unknown command: `k'\n"), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '/x/{p' a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"sed: -e expression #1, char 0: unmatched `{'\n"), code: 0 },
    Case { cwd: "/data", cmd: "sed 'b nolabel' a.txt; echo rc=$?", stdin: None, stdout: b"rc=4\n", stderr: Some(b"sed: can't find label for jump to `nolabel'\n"), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/\\(o\\)\\(n\\)/\\2\\1/;s/t\\(w\\)o/\\U&\\E!/' a.txt", stdin: None, stdout: b"noe\nTWO!\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/[[:digit:]]\\+/<&>/g' logs/app.log", stdin: None, stdout: b"<2024>-<01>-<01> <10>:<00>:<01> INFO server started port=<8080>\n<2024>-<01>-<01> <10>:<00>:<02> ERROR disk full on /dev/sda<1>\n<2024>-<01>-<01> <10>:<00>:<03> WARN slow request path=/api/users ms=<1200>\n<2024>-<01>-<01> <10>:<00>:<04> INFO request path=/api/items ms=<35>\n<2024>-<01>-<01> <10>:<00>:<05> ERROR timeout contacting db\n<2024>-<01>-<01> <10>:<00>:<06> INFO request path=/api/users ms=<48>\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -E 's/^([0-9-]+) ([0-9:]+)/\\2 \\1/' logs/app.log", stdin: None, stdout: b"10:00:01 2024-01-01 INFO server started port=8080\n10:00:02 2024-01-01 ERROR disk full on /dev/sda1\n10:00:03 2024-01-01 WARN slow request path=/api/users ms=1200\n10:00:04 2024-01-01 INFO request path=/api/items ms=35\n10:00:05 2024-01-01 ERROR timeout contacting db\n10:00:06 2024-01-01 INFO request path=/api/users ms=48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/a*/X/g' words.txt", stdin: None, stdout: b"XpXpXlXeX\nXbXnXnX\nXcXhXeXrXrXyX\nXpXpXlXeX\nXdXtXeX\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's/x*/-/g' a.txt", stdin: None, stdout: b"-o-n-e-\n-t-w-o-\n-t-h-r-e-e-\n-f-o-u-r-\n-f-i-v-e-\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 's|/api/|/v2/|g' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:01 INFO server started port=8080\n2024-01-01 10:00:02 ERROR disk full on /dev/sda1\n2024-01-01 10:00:03 WARN slow request path=/v2/users ms=1200\n2024-01-01 10:00:04 INFO request path=/v2/items ms=35\n2024-01-01 10:00:05 ERROR timeout contacting db\n2024-01-01 10:00:06 INFO request path=/v2/users ms=48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n 'l' tabs.tsv", stdin: None, stdout: b"k1\\tv1\\tx$\nk2\\tv2\\ty$\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '/^$/d;s/  */ /g' src/main.rs", stdin: None, stdout: b"fn main() {\n println!(\"hi\");\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf 'a\\nb\\nc\\n' | sed -n '2{p;q}'", stdin: None, stdout: b"b\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo hello | sed 's/l/L/2g'", stdin: None, stdout: b"helLo\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'a.b.c' | sed 's/\\./-/g'", stdin: None, stdout: b"a-b-c\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'a+b' | sed 's/a+b/X/'", stdin: None, stdout: b"X\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'aab' | sed -E 's/a+b/X/'", stdin: None, stdout: b"X\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'abc' | sed 's/\\(a\\|b\\)/X/g'", stdin: None, stdout: b"XXc\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'foo bar' | sed 's/\\<b/B/'", stdin: None, stdout: b"foo Bar\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'path/to/file' | sed 's#/#\\\\#g'", stdin: None, stdout: b"path\\to\\file\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -z 's/\\n/,/g' a.txt", stdin: None, stdout: b"one,two,three,four,five,", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt t.txt && sed -i 's/one/1/' t.txt && cat t.txt", stdin: None, stdout: b"1\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt t.txt && sed -i.bak '1d' t.txt && cat t.txt t.txt.bak", stdin: None, stdout: b"two\nthree\nfour\nfive\none\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "sed -i -e '$a end' a.txt b.txt && cat a.txt b.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\nend\none\n2\nthree\nfour\nFIVE\nsix\nend\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed --version >/dev/null; sed -x a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: None, code: 0 },
    Case { cwd: "/data", cmd: "printf '1\\n2\\n3\\n' | sed -n 'p;p'", stdin: None, stdout: b"1\n1\n2\n2\n3\n3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 'n;d' a.txt", stdin: None, stdout: b"one\nthree\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '$!N;P;D' a.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed = a.txt | sed 'N;s/\\n/\\t/'", stdin: None, stdout: b"1\tone\n2\ttwo\n3\tthree\n4\tfour\n5\tfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '2{s/two/TWO/;p}' a.txt", stdin: None, stdout: b"TWO\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '/two/,+2d' a.txt", stdin: None, stdout: b"one\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '2,/f/d' a.txt", stdin: None, stdout: b"one\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '/one/,/NOMATCH/d' a.txt", stdin: None, stdout: b"", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed 'a\\' a.txt; echo rc=$?", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\nrc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed '1~3d' a.txt", stdin: None, stdout: b"two\nthree\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'Hello World' | sed 's/\\w\\+/[&]/g'", stdin: None, stdout: b"[Hello] [World]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'x  y' | sed 's/\\s\\+/_/'", stdin: None, stdout: b"x_y\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "sed -n '/^[^#]/p' src/lib.rs", stdin: None, stdout: b"pub fn f() -> i32 {\n    42\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo abc | sed 'y/abc/\\n\\t-/' | cat -A", stdin: None, stdout: b"$\n^I-$\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%s\\n' a b c", stdin: None, stdout: b"a\nb\nc\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%s-%s\\n' a b c", stdin: None, stdout: b"a-b\nc-\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%d|%5d|%-5d|%05d\\n' 42 42 42 42", stdin: None, stdout: b"42|   42|42   |00042\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%x %X %o %#x %#o\\n' 255 255 8 255 8", stdin: None, stdout: b"ff FF 10 0xff 010\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%.2f %8.3f %e %g %g\\n' 3.14159 2.5 12345.678 0.0001 1e10", stdin: None, stdout: b"3.14    2.500 1.234568e+04 0.0001 1e+10\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%5s|%-5s|%.2s\\n' ab cd efgh", stdin: None, stdout: b"   ab|cd   |ef\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%c%c\\n' hello world", stdin: None, stdout: b"hw\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%b\\n' 'a\\tb' 'c\\nd'", stdin: None, stdout: b"a\tb\nc\nd\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%q\\n' 'a b' \"it's\" ''", stdin: None, stdout: b"a\\ b\nit\\'s\n''\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%%|%s\\n' x", stdin: None, stdout: b"%|x\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf 'no newline'", stdin: None, stdout: b"no newline", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%d\\n' abc; echo rc=$?", stdin: None, stdout: b"0\nrc=1\n", stderr: Some(b"bash: line 1: printf: abc: invalid number\n"), code: 0 },
    Case { cwd: "/data", cmd: "printf '%d\\n' 12abc; echo rc=$?", stdin: None, stdout: b"12\nrc=1\n", stderr: Some(b"bash: line 1: printf: 12abc: invalid number\n"), code: 0 },
    Case { cwd: "/data", cmd: "printf '%d %d\\n' 1", stdin: None, stdout: b"1 0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%s\\n'", stdin: None, stdout: b"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '\\x41\\101\\n'", stdin: None, stdout: b"AA\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%*d|%-*d|\\n' 5 3 4 2", stdin: None, stdout: b"    3|2   |\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%d\\n' \"'A\" 0x10 010 -5", stdin: None, stdout: b"65\n16\n8\n-5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%i %u\\n' 7 -1", stdin: None, stdout: b"7 18446744073709551615\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf 'x%zy\\n'; echo rc=$?", stdin: None, stdout: b"xrc=1\n", stderr: Some(b"bash: line 1: printf: `y': invalid format character\n"), code: 0 },
    Case { cwd: "/data", cmd: "printf; echo rc=$?", stdin: None, stdout: b"rc=2\n", stderr: Some(b"printf: usage: printf [-v var] format [arguments]\n"), code: 0 },
    Case { cwd: "/data", cmd: "printf '%s=%s\\n' k1 v1 k2", stdin: None, stdout: b"k1=v1\nk2=\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%5.1f%%\\n' 45.678", stdin: None, stdout: b" 45.7%\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%b' 'stop\\cnever'; echo", stdin: None, stdout: b"stop\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf -- '%s\\n' dash", stdin: None, stdout: b"dash\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%G %E\\n' 0.000001 1234.5", stdin: None, stdout: b"1E-06 1.234500E+03\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%+d % d\\n' 5 5", stdin: None, stdout: b"+5  5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%.3d|%.0f|%.0f\\n' 7 2.5 3.5", stdin: None, stdout: b"007|2|4\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf '%s\\t%s\\n' a b | cat -A", stdin: None, stdout: b"a^Ib$\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print $1}' people.csv", stdin: None, stdout: b"name,dept,salary,age\nalice,eng,120000,34\nbob,sales,80000,45\ncarol,eng,135000,29\ndave,ops,70000,51\nerin,sales,95000,38\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, '{print $1, $3}' people.csv", stdin: None, stdout: b"name salary\nalice 120000\nbob 80000\ncarol 135000\ndave 70000\nerin 95000\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, 'NR>1 {sum += $3} END {print sum, NR}' people.csv", stdin: None, stdout: b"500000 6\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, 'NR>1 && $2==\"eng\" {print $1}' people.csv", stdin: None, stdout: b"alice\ncarol\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, '$3 > 90000' people.csv", stdin: None, stdout: b"name,dept,salary,age\nalice,eng,120000,34\ncarol,eng,135000,29\nerin,sales,95000,38\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, 'NR>1 {c[$2]++} END {for (k in c) print k, c[k]}' people.csv", stdin: None, stdout: b"ops 1\neng 2\nsales 2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, 'NR>1 {s[$2]+=$3} END {for (k in s) printf \"%s %.2f\\n\", k, s[k]}' people.csv", stdin: None, stdout: b"ops 70000.00\neng 255000.00\nsales 175000.00\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '/ERROR/ {print NR\": \"$0}' logs/app.log", stdin: None, stdout: b"2: 2024-01-01 10:00:02 ERROR disk full on /dev/sda1\n5: 2024-01-01 10:00:05 ERROR timeout contacting db\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '/WARN/,/ERROR/' logs/app.log", stdin: None, stdout: b"2024-01-01 10:00:03 WARN slow request path=/api/users ms=1200\n2024-01-01 10:00:04 INFO request path=/api/items ms=35\n2024-01-01 10:00:05 ERROR timeout contacting db\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print NF}' logs/app.log", stdin: None, stdout: b"6\n7\n7\n6\n6\n6\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print $NF}' logs/app.log", stdin: None, stdout: b"port=8080\n/dev/sda1\nms=1200\nms=35\ndb\nms=48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print $(NF-1)}' logs/app.log", stdin: None, stdout: b"started\non\npath=/api/users\npath=/api/items\ncontacting\npath=/api/users\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'END {print NR}' logs/app.log", stdin: None, stdout: b"6\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {print \"start\"} END {print \"end\"}' a.txt", stdin: None, stdout: b"start\nend\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {x = 1; y = x + 2; print x, y, x y}'", stdin: None, stdout: b"1 3 13\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {printf \"%5.2f|%-5s|%05d|%x|%c|%c\\n\", 3.14159, \"ab\", 42, 255, 65, \"hello\"}'", stdin: None, stdout: b" 3.14|ab   |00042|ff|A|h\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {print length(\"hello\"), substr(\"hello\", 2, 3), index(\"hello\", \"ll\"), toupper(\"abc\"), tolower(\"ABC\")}'", stdin: None, stdout: b"5 ell 3 ABC abc\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {n = split(\"a:b:c\", arr, \":\"); print n, arr[1], arr[3]}'", stdin: None, stdout: b"3 a c\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {s = \"hello world\"; gsub(/o/, \"0\", s); print s; sub(/l+/, \"L\", s); print s}'", stdin: None, stdout: b"hell0 w0rld\nheL0 w0rld\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {if (match(\"foobar\", /o+b/)) print RSTART, RLENGTH}'", stdin: None, stdout: b"2 3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{gsub(/[0-9]/, \"#\"); print}' nums.txt", stdin: None, stdout: b"##\n#\n##\n#\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{$2 = \"X\"; print}' a.txt logs/app.log", stdin: None, stdout: b"one X\ntwo X\nthree X\nfour X\nfive X\n2024-01-01 X INFO server started port=8080\n2024-01-01 X ERROR disk full on /dev/sda1\n2024-01-01 X WARN slow request path=/api/users ms=1200\n2024-01-01 X INFO request path=/api/items ms=35\n2024-01-01 X ERROR timeout contacting db\n2024-01-01 X INFO request path=/api/users ms=48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -v OFS=- '{$1 = $1; print}' logs/app.log", stdin: None, stdout: b"2024-01-01-10:00:01-INFO-server-started-port=8080\n2024-01-01-10:00:02-ERROR-disk-full-on-/dev/sda1\n2024-01-01-10:00:03-WARN-slow-request-path=/api/users-ms=1200\n2024-01-01-10:00:04-INFO-request-path=/api/items-ms=35\n2024-01-01-10:00:05-ERROR-timeout-contacting-db\n2024-01-01-10:00:06-INFO-request-path=/api/users-ms=48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {OFS=\"|\"} {print $1, $2}' logs/app.log", stdin: None, stdout: b"2024-01-01|10:00:01\n2024-01-01|10:00:02\n2024-01-01|10:00:03\n2024-01-01|10:00:04\n2024-01-01|10:00:05\n2024-01-01|10:00:06\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -v n=3 'NR <= n' a.txt", stdin: None, stdout: b"one\ntwo\nthree\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'NR % 2 == 0' a.txt", stdin: None, stdout: b"two\nfour\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'length > 3' a.txt", stdin: None, stdout: b"three\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print length}' a.txt", stdin: None, stdout: b"3\n3\n5\n4\n4\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '!seen[$0]++' words.txt", stdin: None, stdout: b"apple\nbanana\ncherry\ndate\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{a[NR] = $0} END {for (i = NR; i > 0; i--) print a[i]}' a.txt", stdin: None, stdout: b"five\nfour\nthree\ntwo\none\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {while (i < 3) {i++; print i}}'", stdin: None, stdout: b"1\n2\n3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {do {i++} while (i < 5); print i}'", stdin: None, stdout: b"5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {for (i = 0; i < 3; i++) {if (i == 1) continue; print i}}'", stdin: None, stdout: b"0\n2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'function f(x) {return x * 2} BEGIN {print f(21)}'", stdin: None, stdout: b"42\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'function add(a, k) {a[k] = 1} BEGIN {add(arr, \"x\"); print (\"x\" in arr), (\"y\" in arr)}'", stdin: None, stdout: b"1 0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {a[\"x\"] = 1; delete a[\"x\"]; print length(a)}'", stdin: None, stdout: b"0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {print 1 == 1.0, \"a\" < \"b\", \"10\" < \"9\", 10 < 9, 2 ^ 10, 7 % 3, -7 % 3, 1e6, 0.1 + 0.2, 100000 * 100000, 1/3}'", stdin: None, stdout: b"1 1 1 0 1024 1 -1 1000000 0.3 10000000000 0.333333\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print ($1 > 5)}' nums.txt", stdin: None, stdout: b"1\n0\n1\n0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '$1 > 5' nums.txt", stdin: None, stdout: b"10\n33\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{s += $1} END {print s, s / NR}' nums.txt", stdin: None, stdout: b"49 12.25\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {x[1,2] = 3; for (k in x) {split(k, p, SUBSEP); print p[1], p[2], x[k]}}'", stdin: None, stdout: b"1 2 3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F'\\t' '{print $2}' tabs.tsv", stdin: None, stdout: b"v1\nv2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F '\\t' -v OFS=, '{print $1, $3}' tabs.tsv", stdin: None, stdout: b"k1,x\nk2,y\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F: '{print $1}' /dev/null; echo rc=$?", stdin: None, stdout: b"rc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'a b c' | awk '{print $2}'", stdin: None, stdout: b"b\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo '  lead  trail  ' | awk '{print \"[\" $1 \"]\", NF}'", stdin: None, stdout: b"[lead] 2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'a:b:c' | awk -F: '{NF = 2; print}'", stdin: None, stdout: b"a b\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'a b c' | awk '{$5 = \"e\"; print; print NF}'", stdin: None, stdout: b"a b c  e\n5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf 'a\\nb\\n\\nc\\nd\\n' | awk 'BEGIN {RS = \"\"} {print NR\": \"$1\"-\"$2}'", stdin: None, stdout: b"1: a-b\n2: c-d\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "printf 'a,b;c,d;' | awk 'BEGIN {RS = \";\"} {print $0}'", stdin: None, stdout: b"a,b\nc,d\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {printf \"%s %s %s\\n\", \"a\", \"b\", \"c\"}'", stdin: None, stdout: b"a b c\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {print substr(\"hello\", 0), substr(\"hello\", -1, 3), substr(\"hello\", 2)}'", stdin: None, stdout: b"hello hel ello\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {print int(3.9), int(-3.9), sqrt(16), exp(0), log(1)}'", stdin: None, stdout: b"3 -3 4 1 0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {x = \"3x\"; print x + 1, +\"\", -\"2\"}'", stdin: None, stdout: b"4 0 -2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "awk 'BEGIN {print 1 > 2 ? \"y\" : \"n\"}'; cat 2 2>/dev/null; echo", stdin: None, stdout: b"\n", stderr: Some(b"awk: cmd. line:1: BEGIN {print 1 > 2 ? \"y\" : \"n\"}\nawk: cmd. line:1:                    ^ syntax error\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN {print (1 > 2) ? \"y\" : \"n\"}'", stdin: None, stdout: b"n\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "awk '{ print > \"out_\" $1 \".txt\" } END { close(\"out_one.txt\") }' a.txt && cat out_one.txt out_five.txt", stdin: None, stdout: b"one\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "awk '{print $1 >> \"acc.txt\"}' a.txt && awk '{print}' acc.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { while ((getline line < \"a.txt\") > 0) n++; print n }'", stdin: None, stdout: b"5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'NR == 1 { getline; print \"got\", $0 } ' a.txt", stdin: None, stdout: b"got two\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ getline x; print $0 \"+\" x }' a.txt", stdin: None, stdout: b"one+two\nthree+four\nfive+four\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "X=abc awk 'BEGIN { print ENVIRON[\"X\"] }'", stdin: None, stdout: b"abc\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print ARGC, ARGV[1] }' a.txt", stdin: None, stdout: b"2 a.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ print FILENAME, FNR, NR }' a.txt nums.txt", stdin: None, stdout: b"a.txt 1 1\na.txt 2 2\na.txt 3 3\na.txt 4 4\na.txt 5 5\nnums.txt 1 6\nnums.txt 2 7\nnums.txt 3 8\nnums.txt 4 9\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'FNR == 1 { print FILENAME }' a.txt nums.txt words.txt", stdin: None, stdout: b"a.txt\nnums.txt\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ print $1 }' n=1 a.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ print x, $0 }' x=A nums.txt x=B a.txt", stdin: None, stdout: b"A 10\nA 2\nA 33\nA 4\nB one\nB two\nB three\nB four\nB five\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { exit 3 } END { print \"end runs\" }'; echo rc=$?", stdin: None, stdout: b"end runs\nrc=3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ if ($1 == \"three\") exit; print }' a.txt", stdin: None, stdout: b"one\ntwo\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ print; next; print \"never\" }' a.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { x = }'; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"awk: cmd. line:1: BEGIN { x = }\nawk: cmd. line:1:             ^ syntax error\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print $1' a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"awk: cmd. line:1: {print $1\nawk: cmd. line:1:          ^ unexpected newline or end of string\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk '{print}' nosuch; echo rc=$?", stdin: None, stdout: b"rc=2\n", stderr: Some(b"awk: fatal: cannot open file `nosuch' for reading: No such file or directory\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print 1/0 }'; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"awk: cmd. line:1: error: division by zero attempted\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { printf \"%d items\\n\", \"12abc\" }'", stdin: None, stdout: b"12 items\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { printf \"%i|%5.1e|%G\\n\", 3.99, 12345, 0.00001 }'", stdin: None, stdout: b"3|1.2e+04|1E-05\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print length() }' < a.txt", stdin: None, stdout: b"0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ n = split($0, w, \"\"); print n, w[1] }' words.txt", stdin: None, stdout: b"5 a\n6 b\n6 c\n5 a\n4 d\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { s = \"aaa\"; n = gsub(/a/, \"&&\", s); print n, s }'", stdin: None, stdout: b"3 aaaaaa\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { s = \"a.b.c\"; gsub(\".\", \"-\", s); print s }'", stdin: None, stdout: b"-----\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { s = \"a.b.c\"; gsub(/\\./, \"-\", s); print s }'", stdin: None, stdout: b"a-b-c\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { s = \"path/to\"; sub(/\\//, \"\\\\&\", s); print s }'", stdin: None, stdout: b"path&to\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '$0 ~ /^[a-c]/' words.txt", stdin: None, stdout: b"apple\nbanana\ncherry\napple\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '$1 !~ /a/' words.txt", stdin: None, stdout: b"cherry\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { re = \"^b\" } $0 ~ re' words.txt", stdin: None, stdout: b"banana\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ $0 = toupper($0); print $1 }' words.txt", stdin: None, stdout: b"APPLE\nBANANA\nCHERRY\nAPPLE\nDATE\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, 'NR > 1 { print $1 | \"cat\" }' people.csv", stdin: None, stdout: b"alice\nbob\ncarol\ndave\nerin\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F, '{ printf \"%-8s %8s\\n\", $1, $3 }' people.csv", stdin: None, stdout: b"name       salary\nalice      120000\nbob         80000\ncarol      135000\ndave        70000\nerin        95000\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { n = split(\"3 1 2\", a); asort(a); for (i = 1; i <= n; i++) printf \"%s \", a[i]; print \"\" }'", stdin: None, stdout: b"1 2 3 \n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ words += NF; chars += length($0) + 1 } END { print NR, words, chars }' logs/app.log", stdin: None, stdout: b"6 38 319\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -F'[ =]' '/ms=/ { print $NF }' logs/app.log", stdin: None, stdout: b"1200\n35\n48\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ split($2, t, \":\"); print t[3] }' logs/app.log", stdin: None, stdout: b"01\n02\n03\n04\n05\n06\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { printf \"%s\\n\" }'; echo rc=$?", stdin: None, stdout: b"rc=2\n", stderr: None, code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { CONVFMT = \"%.2g\"; a = 3.14159; b = a \"\"; print b; OFMT = \"%.1f\"; print a, 10 }'", stdin: None, stdout: b"3.1\n3.1 10\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print index(\"abc\", \"\"), length(12345), substr(12345, 2, 2) }'", stdin: None, stdout: b"1 5 23\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { x[\"a\"]; if (\"a\" in x) print \"yes\"; if (!(\"b\" in x)) print \"no\" }'", stdin: None, stdout: b"yes\nno\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print toupper(substr(\"hello\", 1, 1)) substr(\"hello\", 2) }'", stdin: None, stdout: b"Hello\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '/^$/ { next } { print NR }' src/main.rs", stdin: None, stdout: b"1\n2\n3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "echo '{ print NR \": \" $0 }' > p.awk && awk -f p.awk a.txt", stdin: None, stdout: b"1: one\n2: two\n3: three\n4: four\n5: five\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -x 1; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"Usage: awk [POSIX or GNU style options] -f progfile [--] file ...\nUsage: awk [POSIX or GNU style options] [--] 'program' file ...\nPOSIX options:\t\tGNU long options: (standard)\n\t-f progfile\t\t--file=progfile\n\t-F fs\t\t\t--field-separator=fs\n\t-v var=val\t\t--assign=var=val\nShort options:\t\tGNU long options: (extensions)\n\t-b\t\t\t--characters-as-bytes\n\t-c\t\t\t--traditional\n\t-C\t\t\t--copyright\n\t-d[file]\t\t--dump-variables[=file]\n\t-D[file]\t\t--debug[=file]\n\t-e 'program-text'\t--source='program-text'\n\t-E file\t\t\t--exec=file\n\t-g\t\t\t--gen-pot\n\t-h\t\t\t--help\n\t-i includefile\t\t--include=includefile\n\t-I\t\t\t--trace\n\t-l library\t\t--load=library\n\t-L[fatal|invalid|no-ext]\t--lint[=fatal|invalid|no-ext]\n\t-M\t\t\t--bignum\n\t-N\t\t\t--use-lc-numeric\n\t-n\t\t\t--non-decimal-data\n\t-o[file]\t\t--pretty-print[=file]\n\t-O\t\t\t--optimize\n\t-p[file]\t\t--profile[=file]\n\t-P\t\t\t--posix\n\t-r\t\t\t--re-interval\n\t-s\t\t\t--no-optimize\n\t-S\t\t\t--sandbox\n\t-t\t\t\t--lint-old\n\t-V\t\t\t--version\n\nTo report bugs, use the `gawkbug' program.\nFor full instructions, see the node `Bugs' in `gawk.info'\nwhich is section `Reporting Problems and Bugs' in the\nprinted version.  This same information may be found at\nhttps://www.gnu.org/software/gawk/manual/html_node/Bugs.html.\nPLEASE do NOT try to report bugs by posting in comp.lang.awk,\nor by using a web forum such as Stack Overflow.\n\ngawk is a pattern scanning and processing language.\nBy default it reads standard input and writes standard output.\n\nExamples:\n\tawk '{ sum += $1 }; END { print sum }' file\n\tawk -F: '{ print $1 }' /etc/passwd\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk -e 'BEGIN { print \"e\" }'", stdin: None, stdout: b"e\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print substr(\"hello\", 1.5, 2), substr(\"hello\", 2, 1.5), substr(\"hello\", 0, 2) }'", stdin: None, stdout: b"he e he\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo x | awk '{ print \"[\" FILENAME \"]\" }'", stdin: None, stdout: b"[-]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"Usage: awk [POSIX or GNU style options] -f progfile [--] file ...\nUsage: awk [POSIX or GNU style options] [--] 'program' file ...\nPOSIX options:\t\tGNU long options: (standard)\n\t-f progfile\t\t--file=progfile\n\t-F fs\t\t\t--field-separator=fs\n\t-v var=val\t\t--assign=var=val\nShort options:\t\tGNU long options: (extensions)\n\t-b\t\t\t--characters-as-bytes\n\t-c\t\t\t--traditional\n\t-C\t\t\t--copyright\n\t-d[file]\t\t--dump-variables[=file]\n\t-D[file]\t\t--debug[=file]\n\t-e 'program-text'\t--source='program-text'\n\t-E file\t\t\t--exec=file\n\t-g\t\t\t--gen-pot\n\t-h\t\t\t--help\n\t-i includefile\t\t--include=includefile\n\t-I\t\t\t--trace\n\t-l library\t\t--load=library\n\t-L[fatal|invalid|no-ext]\t--lint[=fatal|invalid|no-ext]\n\t-M\t\t\t--bignum\n\t-N\t\t\t--use-lc-numeric\n\t-n\t\t\t--non-decimal-data\n\t-o[file]\t\t--pretty-print[=file]\n\t-O\t\t\t--optimize\n\t-p[file]\t\t--profile[=file]\n\t-P\t\t\t--posix\n\t-r\t\t\t--re-interval\n\t-s\t\t\t--no-optimize\n\t-S\t\t\t--sandbox\n\t-t\t\t\t--lint-old\n\t-V\t\t\t--version\n\nTo report bugs, use the `gawkbug' program.\nFor full instructions, see the node `Bugs' in `gawk.info'\nwhich is section `Reporting Problems and Bugs' in the\nprinted version.  This same information may be found at\nhttps://www.gnu.org/software/gawk/manual/html_node/Bugs.html.\nPLEASE do NOT try to report bugs by posting in comp.lang.awk,\nor by using a web forum such as Stack Overflow.\n\ngawk is a pattern scanning and processing language.\nBy default it reads standard input and writes standard output.\n\nExamples:\n\tawk '{ sum += $1 }; END { print sum }' file\n\tawk -F: '{ print $1 }' /etc/passwd\n"), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { getline; print \"first:\", $0 }' < a.txt", stdin: None, stdout: b"first: one\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { printf \"[%5s][%-5d][%.3s]\\n\", \"ab\", 7, \"abcdef\" }'", stdin: None, stdout: b"[   ab][7    ][abc]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { a = \"10\"; b = 9; print (a < b), (a+0 < b) }'", stdin: None, stdout: b"1 0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo '10 9' | awk '{ print ($1 < $2) }'", stdin: None, stdout: b"0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "echo 'abc' | awk '{ print ($1 < 5) }'", stdin: None, stdout: b"0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN{for(i=0;i<30;i++) a[\"key\" i]=i; for(k in a) printf \"%s \", k; print \"\"}'", stdin: None, stdout: b"key10 key20 key11 key0 key21 key12 key1 key22 key13 key2 key23 key14 key3 key24 key15 key4 key25 key16 key5 key26 key17 key6 key27 key18 key7 key28 key19 key8 key29 key9 \n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk '{ for (i = NF; i > 0; i--) printf \"%s%s\", $i, (i > 1 ? OFS : ORS) }' logs/app.log", stdin: None, stdout: b"port=8080 started server INFO 10:00:01 2024-01-01\n/dev/sda1 on full disk ERROR 10:00:02 2024-01-01\nms=1200 path=/api/users request slow WARN 10:00:03 2024-01-01\nms=35 path=/api/items request INFO 10:00:04 2024-01-01\ndb contacting timeout ERROR 10:00:05 2024-01-01\nms=48 path=/api/users request INFO 10:00:06 2024-01-01\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { s = sprintf(\"%03d-%s\", 7, \"x\"); print s, length(s) }'", stdin: None, stdout: b"007-x 5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk -v 's=a\\tb' 'BEGIN { print s }'", stdin: None, stdout: b"a\tb\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print substr(\"abc\", 1.5, 1) }'", stdin: None, stdout: b"a\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print 2**3, 2^3^2 }'", stdin: None, stdout: b"8 512\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { x++; ++x; x += 2; x -= 1; x *= 3; x /= 2; x %= 4; x ^= 2; print x }'", stdin: None, stdout: b"0.25\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "awk 'BEGIN { print -3 % 2, 3 - -2, !0, !1, !\"\", !\"a\" }'", stdin: None, stdout: b"-1 5 1 0 1 0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq . data.json", stdin: None, stdout: b"{\n  \"users\": [\n    {\n      \"id\": 1,\n      \"name\": \"alice\",\n      \"tags\": [\n        \"admin\",\n        \"dev\"\n      ],\n      \"active\": true,\n      \"score\": 9.5\n    },\n    {\n      \"id\": 2,\n      \"name\": \"bob\",\n      \"tags\": [],\n      \"active\": false,\n      \"score\": 7\n    },\n    {\n      \"id\": 3,\n      \"name\": \"carol\",\n      \"tags\": [\n        \"dev\"\n      ],\n      \"active\": true,\n      \"score\": null\n    }\n  ],\n  \"meta\": {\n    \"count\": 3,\n    \"next\": null,\n    \"empty\": {}\n  }\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c . data.json", stdin: None, stdout: b"{\"users\":[{\"id\":1,\"name\":\"alice\",\"tags\":[\"admin\",\"dev\"],\"active\":true,\"score\":9.5},{\"id\":2,\"name\":\"bob\",\"tags\":[],\"active\":false,\"score\":7},{\"id\":3,\"name\":\"carol\",\"tags\":[\"dev\"],\"active\":true,\"score\":null}],\"meta\":{\"count\":3,\"next\":null,\"empty\":{}}}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users[0]' data.json", stdin: None, stdout: b"{\n  \"id\": 1,\n  \"name\": \"alice\",\n  \"tags\": [\n    \"admin\",\n    \"dev\"\n  ],\n  \"active\": true,\n  \"score\": 9.5\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users[].name' data.json", stdin: None, stdout: b"\"alice\"\n\"bob\"\n\"carol\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[].name' data.json", stdin: None, stdout: b"alice\nbob\ncarol\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users | length' data.json", stdin: None, stdout: b"3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.meta' data.json", stdin: None, stdout: b"{\n  \"count\": 3,\n  \"next\": null,\n  \"empty\": {}\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users[] | select(.active) | .id' data.json", stdin: None, stdout: b"1\n3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c '.users | map({id, name})' data.json", stdin: None, stdout: b"[{\"id\":1,\"name\":\"alice\"},{\"id\":2,\"name\":\"bob\"},{\"id\":3,\"name\":\"carol\"}]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c '[.users[] | .tags | length]' data.json", stdin: None, stdout: b"[2,0,1]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users[1].tags' data.json", stdin: None, stdout: b"[]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.meta.empty, .meta.next, .missing' data.json", stdin: None, stdout: b"{}\nnull\nnull\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[] | \"\\(.id)\\t\\(.name)\"' data.json", stdin: None, stdout: b"1\talice\n2\tbob\n3\tcarol\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[] | [.id, .name] | @csv' data.json", stdin: None, stdout: b"1,\"alice\"\n2,\"bob\"\n3,\"carol\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[] | [.id, .name] | @tsv' data.json", stdin: None, stdout: b"1\talice\n2\tbob\n3\tcarol\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users | map(.score)' data.json", stdin: None, stdout: b"[\n  9.5,\n  7,\n  null\n]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -S . data.json", stdin: None, stdout: b"{\n  \"meta\": {\n    \"count\": 3,\n    \"empty\": {},\n    \"next\": null\n  },\n  \"users\": [\n    {\n      \"active\": true,\n      \"id\": 1,\n      \"name\": \"alice\",\n      \"score\": 9.5,\n      \"tags\": [\n        \"admin\",\n        \"dev\"\n      ]\n    },\n    {\n      \"active\": false,\n      \"id\": 2,\n      \"name\": \"bob\",\n      \"score\": 7,\n      \"tags\": []\n    },\n    {\n      \"active\": true,\n      \"id\": 3,\n      \"name\": \"carol\",\n      \"score\": null,\n      \"tags\": [\n        \"dev\"\n      ]\n    }\n  ]\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq --tab '.meta' data.json", stdin: None, stdout: b"{\n\t\"count\": 3,\n\t\"next\": null,\n\t\"empty\": {}\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq --indent 4 '.meta' data.json", stdin: None, stdout: b"{\n    \"count\": 3,\n    \"next\": null,\n    \"empty\": {}\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq 'keys' data.json", stdin: None, stdout: b"[\n  \"meta\",\n  \"users\"\n]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c 'to_entries' events.ndjson", stdin: None, stdout: b"[{\"key\":\"level\",\"value\":\"info\"},{\"key\":\"msg\",\"value\":\"start\"},{\"key\":\"ms\",\"value\":5}]\n[{\"key\":\"level\",\"value\":\"error\"},{\"key\":\"msg\",\"value\":\"disk full\"},{\"key\":\"ms\",\"value\":120}]\n[{\"key\":\"level\",\"value\":\"info\"},{\"key\":\"msg\",\"value\":\"done\"},{\"key\":\"ms\",\"value\":40}]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c 'select(.level == \"error\")' events.ndjson", stdin: None, stdout: b"{\"level\":\"error\",\"msg\":\"disk full\",\"ms\":120}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.msg' events.ndjson", stdin: None, stdout: b"start\ndisk full\ndone\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -s 'length' events.ndjson", stdin: None, stdout: b"3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -s 'map(.ms) | add' events.ndjson", stdin: None, stdout: b"165\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c -s 'group_by(.level) | map({level: .[0].level, n: length})' events.ndjson", stdin: None, stdout: b"[{\"level\":\"error\",\"n\":1},{\"level\":\"info\",\"n\":2}]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '1 + 2'", stdin: None, stdout: b"3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[range(5)]' -c", stdin: None, stdout: b"[0,1,2,3,4]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n --arg x hello '$x'", stdin: None, stdout: b"\"hello\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n --argjson x '{\"a\":[1,2]}' '$x.a[1]'", stdin: None, stdout: b"2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n -r '\"a\\tb\"'", stdin: None, stdout: b"a\tb\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -j '.msg' events.ndjson; echo", stdin: None, stdout: b"startdisk fulldone\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -R . a.txt", stdin: None, stdout: b"\"one\"\n\"two\"\n\"three\"\n\"four\"\n\"five\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -R -s . a.txt", stdin: None, stdout: b"\"one\\ntwo\\nthree\\nfour\\nfive\\n\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -e '.users[0].active' data.json; echo rc=$?", stdin: None, stdout: b"true\nrc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -e '.meta.next' data.json; echo rc=$?", stdin: None, stdout: b"null\nrc=1\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -e '.users[1].active' data.json; echo rc=$?", stdin: None, stdout: b"false\nrc=1\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.a' a.txt; echo rc=$?", stdin: None, stdout: b"rc=4\n", stderr: Some(b"parse error: Invalid numeric literal at line 2, column 0\n"), code: 0 },
    Case { cwd: "/data", cmd: "echo '{' | jq .; echo rc=$?", stdin: None, stdout: b"rc=4\n", stderr: Some(b"parse error: Unfinished JSON term at EOF at line 2, column 0\n"), code: 0 },
    Case { cwd: "/data", cmd: "echo '\"x\"' | jq '.a'; echo rc=$?", stdin: None, stdout: b"rc=5\n", stderr: Some(b"jq: error (at <stdin>:1): Cannot index string with string \"a\"\n"), code: 0 },
    Case { cwd: "/data", cmd: "printf '{\"a\":1}\\n{\"a\":\"x\"}\\n' | jq '.a + 1'; echo rc=$?", stdin: None, stdout: b"2\nrc=5\n", stderr: Some(b"jq: error (at <stdin>:2): string (\"x\") and number (1) cannot be added\n"), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'error(\"boom\")'; echo rc=$?", stdin: None, stdout: b"rc=5\n", stderr: Some(b"jq: error (at <unknown>): boom\n"), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'null | .[]'; echo rc=$?", stdin: None, stdout: b"rc=5\n", stderr: Some(b"jq: error (at <unknown>): Cannot iterate over null (null)\n"), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users[] | .name' nosuch.json; echo rc=$?", stdin: None, stdout: b"rc=2\n", stderr: Some(b"jq: error: Could not open file nosuch.json: No such file or directory\n"), code: 0 },
    Case { cwd: "/data", cmd: "jq; echo rc=$?", stdin: None, stdout: b"rc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq < data.json", stdin: None, stdout: b"{\n  \"users\": [\n    {\n      \"id\": 1,\n      \"name\": \"alice\",\n      \"tags\": [\n        \"admin\",\n        \"dev\"\n      ],\n      \"active\": true,\n      \"score\": 9.5\n    },\n    {\n      \"id\": 2,\n      \"name\": \"bob\",\n      \"tags\": [],\n      \"active\": false,\n      \"score\": 7\n    },\n    {\n      \"id\": 3,\n      \"name\": \"carol\",\n      \"tags\": [\n        \"dev\"\n      ],\n      \"active\": true,\n      \"score\": null\n    }\n  ],\n  \"meta\": {\n    \"count\": 3,\n    \"next\": null,\n    \"empty\": {}\n  }\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[1.0, 1e16, 1e17, 0.00001, 0.0001, 1.5e300, 0.1, 100, 2.5e-5, 3.14159]' -c", stdin: None, stdout: b"[1,1e+16,1e+17,1e-05,0.0001,1.5e+300,0.1,100,2.5e-05,3.14159]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"x\\u0001\\\"\\\\/\u{e9}\"'", stdin: None, stdout: b"\"x\\u0001\\\"\\\\/\xc3\xa9\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '{\"a\":[],\"b\":{},\"c\":[1,{\"d\":null}]}'", stdin: None, stdout: b"{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ]\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users[] | {name, tags: (.tags | join(\",\"))}' -c data.json", stdin: None, stdout: b"{\"name\":\"alice\",\"tags\":\"admin,dev\"}\n{\"name\":\"bob\",\"tags\":\"\"}\n{\"name\":\"carol\",\"tags\":\"dev\"}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '[.users[] | select(.score != null) | .score] | max' data.json", stdin: None, stdout: b"9.5\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users | sort_by(.name) | reverse | .[0].name' data.json", stdin: None, stdout: b"\"carol\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[] | select(.name | test(\"^b\")) | .name' data.json", stdin: None, stdout: b"bob\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.users | map(select(.tags | index(\"dev\"))) | length' data.json", stdin: None, stdout: b"2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c 'paths' events.ndjson | head -3", stdin: None, stdout: b"[\"level\"]\n[\"msg\"]\n[\"ms\"]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c '.users[0] | .score += 1' data.json", stdin: None, stdout: b"{\"id\":1,\"name\":\"alice\",\"tags\":[\"admin\",\"dev\"],\"active\":true,\"score\":10.5}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[] | .name | ascii_upcase' data.json", stdin: None, stdout: b"ALICE\nBOB\nCAROL\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c '[.users[].name] | unique' data.json", stdin: None, stdout: b"[\"alice\",\"bob\",\"carol\"]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq 'has(\"users\"), has(\"nope\")' data.json", stdin: None, stdout: b"true\nfalse\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -r '.users[] | \"\\(.name): \\(.tags | length) tags\"' data.json", stdin: None, stdout: b"alice: 2 tags\nbob: 0 tags\ncarol: 1 tags\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c --slurp . a.txt 2>&1; echo rc=$?", stdin: None, stdout: b"parse error: Invalid numeric literal at line 2, column 0\nrc=4\n", stderr: None, code: 0 },
    Case { cwd: "/data", cmd: "jq -c '.[\"users\"][2]' data.json", stdin: None, stdout: b"{\"id\":3,\"name\":\"carol\",\"tags\":[\"dev\"],\"active\":true,\"score\":null}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -c '.users[1:]|map(.id)' data.json", stdin: None, stdout: b"[2,3]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"abc\" | length, (\"a,b\" | split(\",\"))' -c", stdin: None, stdout: b"3\n[\"a\",\"b\"]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[1,2,3] | map(. * 2) | add'", stdin: None, stdout: b"12\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'if 1 > 2 then \"a\" elif 2 > 1 then \"b\" else \"c\" end'", stdin: None, stdout: b"\"b\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '{a: 1} | .b = 2 | tojson'", stdin: None, stdout: b"\"{\\\"a\\\":1,\\\"b\\\":2}\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"1,2\" | split(\",\") | map(tonumber)' -c", stdin: None, stdout: b"[1,2]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n --args '$ARGS.positional' a b -c", stdin: None, stdout: b"[\"a\",\"b\"]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'reduce range(5) as $x (0; . + $x)'", stdin: None, stdout: b"10\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[limit(3; range(10))]' -c", stdin: None, stdout: b"[0,1,2]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '{\"b\":2,\"a\":1} | keys_unsorted, keys' -c", stdin: None, stdout: b"[\"b\",\"a\"]\n[\"a\",\"b\"]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[3,1,2] | sort, min, max' -c", stdin: None, stdout: b"[1,2,3]\n1\n3\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"test\" | @base64, (@base64 | @base64d)'", stdin: None, stdout: b"\"dGVzdA==\"\n\"test\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[1,[2,[3]]] | flatten' -c", stdin: None, stdout: b"[1,2,3]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '{\"a\":{\"b\":1}} | [paths] | length'", stdin: None, stdout: b"2\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"a-b-c\" | gsub(\"-\"; \"_\")'", stdin: None, stdout: b"\"a_b_c\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[.[]?]' -c", stdin: None, stdout: b"[]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'try error(\"x\") catch .'", stdin: None, stdout: b"\"x\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '1 as $x | 2 as $y | [$x, $y]' -c", stdin: None, stdout: b"[1,2]\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"2015-03-05T23:51:47Z\" | fromdateiso8601'", stdin: None, stdout: b"1425599507\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[1,2] | contains([1])'", stdin: None, stdout: b"true\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'now | type'", stdin: None, stdout: b"\"number\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '{a:1} | with_entries(.value += 1)' -c", stdin: None, stdout: b"{\"a\":2}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[{\"k\":\"a\"},{\"k\":\"b\"}] | map(.k) | join(\"/\")'", stdin: None, stdout: b"\"a/b\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '\"abc\" | ascii_downcase | ltrimstr(\"a\") | rtrimstr(\"c\")'", stdin: None, stdout: b"\"b\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[1,2,3] | any(. > 2), all(. > 0)' -c", stdin: None, stdout: b"true\ntrue\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'env | type'", stdin: None, stdout: b"\"object\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '$ENV | type'", stdin: None, stdout: b"\"object\"\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'input' events.ndjson -c", stdin: None, stdout: b"{\"level\":\"info\",\"msg\":\"start\",\"ms\":5}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq -n '[inputs | .ms] | add' events.ndjson", stdin: None, stdout: b"165\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/data", cmd: "jq '.[0' data.json; echo rc=$?", stdin: None, stdout: b"rc=3\n", stderr: None, code: 0 },
    Case { cwd: "/data", cmd: "jq -n 'nosuchfn(1)'; echo rc=$?", stdin: None, stdout: b"rc=3\n", stderr: None, code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt c.txt && cat c.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp -v a.txt c.txt", stdin: None, stdout: b"'a.txt' -> 'c.txt'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt src && ls src && cat src/a.txt", stdin: None, stdout: b"a.txt\nlib.rs\nmain.rs\none\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt b.txt src/ && ls src", stdin: None, stdout: b"a.txt\nb.txt\nlib.rs\nmain.rs\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp src x; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: -r not specified; omitting directory 'src'\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp -r src src2 && ls src2 && cat src2/lib.rs", stdin: None, stdout: b"lib.rs\nmain.rs\npub fn f() -> i32 {\n    42\n}\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp -rv logs l2", stdin: None, stdout: b"'logs' -> 'l2'\n'logs/app.log' -> 'l2/app.log'\n'logs/empty.log' -> 'l2/empty.log'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir d && cp -r src d && ls d d/src", stdin: None, stdout: b"d:\nsrc\n\nd/src:\nlib.rs\nmain.rs\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp nosuch x; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: cannot stat 'nosuch': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: missing file operand\nTry 'cp --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: missing destination file operand after 'a.txt'\nTry 'cp --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt b.txt nodir; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: target 'nodir': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt b.txt words.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: target 'words.txt': Not a directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp -n a.txt b.txt && cat b.txt", stdin: None, stdout: b"one\n2\nthree\nfour\nFIVE\nsix\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "cp -z a.txt b; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: invalid option -- 'z'\nTry 'cp --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp a.txt a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: 'a.txt' and 'a.txt' are the same file\n"), code: 0 },
    Case { cwd: "/w", cmd: "cp -r src logs/app.log; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"cp: cannot overwrite non-directory 'logs/app.log' with directory 'src'\n"), code: 0 },
    Case { cwd: "/w", cmd: "mv a.txt m.txt && ls && cat m.txt", stdin: None, stdout: b"b.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nm.txt\nnonl.txt\nnums.txt\npeople.csv\nsrc\ntabs.tsv\nwords.txt\none\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mv -v a.txt m.txt", stdin: None, stdout: b"renamed 'a.txt' -> 'm.txt'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mv a.txt b.txt src && ls src", stdin: None, stdout: b"a.txt\nb.txt\nlib.rs\nmain.rs\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mv src s2 && ls s2 && ls src; echo rc=$?", stdin: None, stdout: b"lib.rs\nmain.rs\nrc=2\n", stderr: Some(b"ls: cannot access 'src': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "mv nosuch x; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"mv: cannot stat 'nosuch': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "mv a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"mv: missing destination file operand after 'a.txt'\nTry 'mv --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "mv -n a.txt b.txt; cat b.txt a.txt", stdin: None, stdout: b"one\n2\nthree\nfour\nFIVE\nsix\none\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm a.txt && ls", stdin: None, stdout: b"b.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nnonl.txt\nnums.txt\npeople.csv\nsrc\ntabs.tsv\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm -v a.txt b.txt", stdin: None, stdout: b"removed 'a.txt'\nremoved 'b.txt'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm nosuch; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rm: cannot remove 'nosuch': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "rm -f nosuch; echo rc=$?", stdin: None, stdout: b"rc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm src; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rm: cannot remove 'src': Is a directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "rm -r src && ls", stdin: None, stdout: b"a.txt\nb.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nnonl.txt\nnums.txt\npeople.csv\ntabs.tsv\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm -rf src logs nosuch; echo rc=$?; ls", stdin: None, stdout: b"rc=0\na.txt\nb.txt\nbin.dat\ndata.json\nevents.ndjson\nnonl.txt\nnums.txt\npeople.csv\ntabs.tsv\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm -rv src", stdin: None, stdout: b"removed 'src/lib.rs'\nremoved 'src/main.rs'\nremoved directory 'src'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rm: missing operand\nTry 'rm --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "rm -f; echo rc=$?", stdin: None, stdout: b"rc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir e && rm -d e && ls", stdin: None, stdout: b"a.txt\nb.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nnonl.txt\nnums.txt\npeople.csv\nsrc\ntabs.tsv\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rm -d src; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rm: cannot remove 'src': Directory not empty\n"), code: 0 },
    Case { cwd: "/w", cmd: "mkdir x && ls -d x", stdin: None, stdout: b"x\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir -v x y", stdin: None, stdout: b"mkdir: created directory 'x'\nmkdir: created directory 'y'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir src; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"mkdir: cannot create directory 'src': File exists\n"), code: 0 },
    Case { cwd: "/w", cmd: "mkdir a/b; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"mkdir: cannot create directory 'a/b': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "mkdir -p a/b/c && ls a/b", stdin: None, stdout: b"c\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir -pv a/b/c", stdin: None, stdout: b"mkdir: created directory 'a'\nmkdir: created directory 'a/b'\nmkdir: created directory 'a/b/c'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir -p src; echo rc=$?", stdin: None, stdout: b"rc=0\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir a.txt/x; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"mkdir: cannot create directory 'a.txt/x': Not a directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "mkdir; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"mkdir: missing operand\nTry 'mkdir --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "mkdir e && rmdir e && ls", stdin: None, stdout: b"a.txt\nb.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nnonl.txt\nnums.txt\npeople.csv\nsrc\ntabs.tsv\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "rmdir src; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rmdir: failed to remove 'src': Directory not empty\n"), code: 0 },
    Case { cwd: "/w", cmd: "rmdir nosuch; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rmdir: failed to remove 'nosuch': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "rmdir a.txt; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"rmdir: failed to remove 'a.txt': Not a directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "mkdir -p a/b/c && rmdir -p a/b/c && ls", stdin: None, stdout: b"a.txt\nb.txt\nbin.dat\ndata.json\nevents.ndjson\nlogs\nnonl.txt\nnums.txt\npeople.csv\nsrc\ntabs.tsv\nwords.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "mkdir -p a/b && rmdir -v a/b a", stdin: None, stdout: b"rmdir: removing directory, 'a/b'\nrmdir: removing directory, 'a'\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "touch new.txt && wc -c new.txt", stdin: None, stdout: b"0 new.txt\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "touch a.txt && cat a.txt", stdin: None, stdout: b"one\ntwo\nthree\nfour\nfive\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "touch nodir/x; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"touch: cannot touch 'nodir/x': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "touch -c nope; ls nope; echo rc=$?", stdin: None, stdout: b"rc=2\n", stderr: Some(b"ls: cannot access 'nope': No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "touch; echo rc=$?", stdin: None, stdout: b"rc=1\n", stderr: Some(b"touch: missing file operand\nTry 'touch --help' for more information.\n"), code: 0 },
    Case { cwd: "/w", cmd: "echo hi | tee t1.txt && cat t1.txt", stdin: None, stdout: b"hi\nhi\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "echo hi | tee t1.txt t2.txt >/dev/null && cat t1.txt t2.txt", stdin: None, stdout: b"hi\nhi\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "echo more | tee -a a.txt && cat a.txt", stdin: None, stdout: b"more\none\ntwo\nthree\nfour\nfive\nmore\n", stderr: Some(b""), code: 0 },
    Case { cwd: "/w", cmd: "echo x | tee nodir/f; echo rc=$?", stdin: None, stdout: b"x\nrc=1\n", stderr: Some(b"tee: nodir/f: No such file or directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "echo x | tee src; echo rc=$?", stdin: None, stdout: b"x\nrc=1\n", stderr: Some(b"tee: src: Is a directory\n"), code: 0 },
    Case { cwd: "/w", cmd: "printf 'a\\nb\\n' | tee /dev/null | wc -l", stdin: None, stdout: b"2\n", stderr: Some(b""), code: 0 },
];
// END GENERATED
