//! The shell over a RAM mount: the user's command line, then what they see.

use std::sync::Arc;

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions};

async fn workspace() -> Workspace {
    let ram = RamResource::new();
    ram.mkdir("logs").await.unwrap();
    ram.write("logs/a.log", Bytes::from_static(b"INFO start\nERROR disk\nINFO end\n")).await.unwrap();
    ram.write("logs/b.log", Bytes::from_static(b"ERROR net\n")).await.unwrap();
    ram.write("with space.txt", Bytes::from_static(b"spaced\n")).await.unwrap();
    ram.write("h\u{e9}llo.txt", Bytes::from_static(b"unicode\n")).await.unwrap();
    let ram: Arc<dyn Resource> = Arc::new(ram);
    Workspace::new(
        vec![("/data/".into(), ram, MountMode::Read), ("/tmp".into(), Arc::new(RamResource::new()), MountMode::Write)],
        WorkspaceOptions::default(),
    )
    .unwrap()
}

async fn run(ws: &Workspace, cmd: &str) -> (String, String, i32) {
    let o = ws.execute(cmd, ExecOptions::default()).await.unwrap();
    (String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap(), o.exit_code)
}

#[tokio::test]
async fn lists_and_reads() {
    let ws = workspace().await;
    assert_eq!(run(&ws, "ls /data").await, ("h\u{e9}llo.txt\nlogs\nwith space.txt\n".into(), "".into(), 0));
    assert_eq!(run(&ws, "ls /").await.0, "data\ntmp\n");
    assert_eq!(run(&ws, "cat '/data/with space.txt'").await.0, "spaced\n");
    assert_eq!(run(&ws, "cat /data/logs/a.log | wc -l").await.0, "3\n");
    assert_eq!(run(&ws, "head -n 1 /data/logs/*.log").await.0, "==> /data/logs/a.log <==\nINFO start\n\n==> /data/logs/b.log <==\nERROR net\n");
    assert_eq!(run(&ws, "cd /data/logs && wc -l a.log b.log").await.0, " 3 a.log\n 1 b.log\n 4 total\n");
}

#[tokio::test]
async fn errors_look_like_gnu() {
    let ws = workspace().await;
    assert_eq!(run(&ws, "cat /data/nope").await, ("".into(), "cat: /data/nope: No such file or directory\n".into(), 1));
    assert_eq!(run(&ws, "ls /data/nope").await, ("".into(), "ls: cannot access '/data/nope': No such file or directory\n".into(), 2));
    assert_eq!(run(&ws, "nosuch").await, ("".into(), "bash: line 1: nosuch: command not found\n".into(), 127));
    assert_eq!(run(&ws, "cat -z x").await.1, "cat: invalid option -- 'z'\nTry 'cat --help' for more information.\n");
    assert_eq!(run(&ws, "echo hi > /data/x").await, ("".into(), "bash: line 1: /data/x: Read-only file system\n".into(), 1));
    assert_eq!(run(&ws, "echo )").await.2, 2);
}

#[tokio::test]
async fn shell_language() {
    let ws = workspace().await;
    assert_eq!(run(&ws, "echo a && false || echo b; echo $?").await.0, "a\nb\n0\n");
    assert_eq!(run(&ws, "x=5; echo $((x * 2)) ${x:-d} ${y:-d} ${#x}").await.0, "10 5 d 1\n");
    assert_eq!(run(&ws, "for f in /data/logs/*; do echo \"$f\"; done").await.0, "/data/logs/a.log\n/data/logs/b.log\n");
    assert_eq!(run(&ws, "if [ -d /data/logs ]; then echo dir; fi").await.0, "dir\n");
    assert_eq!(run(&ws, "echo hi > /tmp/x; echo more >> /tmp/x; cat /tmp/x").await.0, "hi\nmore\n");
    assert_eq!(run(&ws, "f() { echo \"in $1\"; return 3; }; f arg; echo $?").await.0, "in arg\n3\n");
    assert_eq!(run(&ws, "cat <<EOF\nhello $((1+1))\nEOF").await.0, "hello 2\n");
    assert_eq!(run(&ws, "echo $(echo inner | wc -c)").await.0, "6\n");
    assert_eq!(run(&ws, "while read l; do echo \"<$l>\"; done < /data/logs/a.log").await.0, "<INFO start>\n<ERROR disk>\n<INFO end>\n");
    assert_eq!(run(&ws, "case abc in a*) echo yes;; *) echo no;; esac").await.0, "yes\n");
    assert_eq!(run(&ws, "echo /data/*.nomatch").await.0, "/data/*.nomatch\n");
    assert_eq!(run(&ws, "echo {1..3} x{a,b}y '{q,r}'").await.0, "1 2 3 xay xby {q,r}\n");
    assert_eq!(run(&ws, "cat <(echo one) <(echo two); ls /dev/fd 2>/dev/null | wc -l").await.0, "one\ntwo\n0\n");
    assert_eq!(run(&ws, "for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done").await.0, "1\n3\n");
    assert_eq!(run(&ws, "for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done").await.0, "1a\n2a\n");
}

#[tokio::test]
async fn cwd_persists_in_the_session() {
    let ws = workspace().await;
    run(&ws, "cd /data/logs").await;
    assert_eq!(run(&ws, "pwd").await.0, "/data/logs\n");
    let forked = ws.execute("cd /; pwd", ExecOptions { cwd: Some("/tmp".into()), ..Default::default() }).await.unwrap();
    assert_eq!(forked.stdout, b"/\n");
    assert_eq!(run(&ws, "pwd").await.0, "/data/logs\n");
}

#[tokio::test]
async fn a_pipe_stops_its_writer() {
    let ws = workspace().await;
    // `head` closes the pipe; the writer must not run forever.
    let (out, _, code) = run(&ws, "while true; do echo y; done | head -n 2").await;
    assert_eq!((out.as_str(), code), ("y\ny\n", 0));
}

/// A RAM resource that counts the requests a command makes.
struct Counting {
    inner: RamResource,
    read_dirs: std::sync::atomic::AtomicUsize,
    stats: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Resource for Counting {
    fn kind(&self) -> &'static str {
        "ram"
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<mirage_core::vfs::DirEntry>, mirage_core::vfs::FsError> {
        self.read_dirs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.read_dir(path).await
    }
    async fn stat(&self, path: &str) -> Result<mirage_core::vfs::Metadata, mirage_core::vfs::FsError> {
        self.stats.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.stat(path).await
    }
    async fn read(&self, path: &str, range: Option<mirage_core::vfs::ByteRange>) -> Result<mirage_core::vfs::ReadHandle, mirage_core::vfs::FsError> {
        self.inner.read(path, range).await
    }
    async fn write(&self, path: &str, data: Bytes) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.write(path, data).await
    }
    async fn remove_file(&self, path: &str) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.remove_file(path).await
    }
    async fn mkdir(&self, path: &str) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.mkdir(path).await
    }
    async fn rmdir(&self, path: &str) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.rmdir(path).await
    }
}

#[tokio::test]
async fn globs_list_each_directory_once_and_never_stat_entries() {
    use std::sync::atomic::Ordering::SeqCst;
    let inner = RamResource::new();
    for d in ["a", "b", "c"] {
        inner.mkdir(d).await.unwrap();
        for f in ["x.log", "y.txt", ".hidden"] {
            inner.write(&format!("{d}/{f}"), Bytes::from_static(b"1\n")).await.unwrap();
        }
    }
    inner.write("top.log", Bytes::from_static(b"1\n")).await.unwrap();
    let res = Arc::new(Counting { inner, read_dirs: Default::default(), stats: Default::default() });
    let dyn_res: Arc<dyn Resource> = res.clone();
    let ws = Workspace::new(vec![("/m/".into(), dyn_res, MountMode::Read)], WorkspaceOptions::default()).unwrap();
    let cases = [
        // (command, output, listings: the mount root plus each directory at the wildcard's level)
        ("echo /m/*/", "/m/a/ /m/b/ /m/c/\n", 1),
        ("echo /m/*/*.log", "/m/a/x.log /m/b/x.log /m/c/x.log\n", 4),
        ("echo /m/*/y.txt", "/m/a/y.txt /m/b/y.txt /m/c/y.txt\n", 4),
        ("echo /m/*/.*", "/m/a/.hidden /m/b/.hidden /m/c/.hidden\n", 4),
        ("echo /m/*/nope", "/m/*/nope\n", 4),
    ];
    for (cmd, want, listings) in cases {
        res.read_dirs.store(0, SeqCst);
        res.stats.store(0, SeqCst);
        assert_eq!(run(&ws, cmd).await, (want.to_string(), String::new(), 0), "{cmd}");
        assert_eq!(res.stats.load(SeqCst), 0, "{cmd}: stats");
        assert_eq!(res.read_dirs.load(SeqCst), listings, "{cmd}: listings");
    }
}

#[tokio::test]
async fn shell_language_fixes() {
    // Each command in a fresh session: options such as `set -e` persist within one.
    async fn run1(cmd: &str) -> (String, String, i32) {
        run(&workspace().await, cmd).await
    }
    // Globs: `.*` skips `.` and `..`; shopt options; extglob.
    assert_eq!(run1("echo x > /tmp/.dot; cd /tmp && echo .*").await.0, ".dot\n");
    assert_eq!(run1("echo x > /tmp/.dot; echo y > /tmp/Big.TXT; shopt -s dotglob; cd /tmp && echo *").await.0, ".dot Big.TXT\n");
    assert_eq!(run1("echo y > /tmp/Big.TXT; shopt -s nocaseglob; echo /tmp/big*").await.0, "/tmp/Big.TXT\n");
    assert_eq!(run1("shopt -s nullglob; echo /tmp/*.zzz end").await.0, "end\n");
    assert_eq!(run1("shopt -s globstar; echo /data/**/*.log").await.0, "/data/logs/a.log /data/logs/b.log\n");
    assert_eq!(run1("shopt -s extglob\necho /data/logs/!(a).log").await.0, "/data/logs/b.log\n");
    assert_eq!(run1("[[ f.log == *.@(log|txt) ]] && echo yes").await.0, "yes\n");
    // Arithmetic errors: bash's message and error token; `$(( ))` errors end the script.
    assert_eq!(
        run1("echo $((1/0)); echo after").await,
        ("".into(), "bash: line 1: 1/0: division by 0 (error token is \"0\")\n".into(), 1)
    );
    assert_eq!(run1("((1+)); echo $?").await, ("1\n".into(), "bash: line 1: ((: 1+: syntax error: operand expected (error token is \"+\")\n".into(), 0));
    assert_eq!(run1("echo $((08))").await.1, "bash: line 1: 08: value too great for base (error token is \"08\")\n");
    // Arrays: slices, negative subscripts, sparse unset, keys, associative, local -a, declare -i.
    assert_eq!(run1("a=(one two three); echo ${a[@]:1} ${a[-1]} ${!a[@]}").await.0, "two three three 0 1 2\n");
    assert_eq!(run1("a=(one two three); unset 'a[1]'; echo ${a[@]} ${#a[@]} ${!a[@]}").await.0, "one three 2 0 2\n");
    assert_eq!(run1("declare -A m; m[a]=1; m[b]=2; echo ${m[b]} ${#m[@]}").await.0, "2 2\n");
    assert_eq!(run1("f() { local -a arr=(1 '2 3' 4); echo ${#arr[@]} \"${arr[1]}\"; }; f").await.0, "3 2 3\n");
    assert_eq!(run1("declare -i n=5; n+=3; echo $n").await.0, "8\n");
    assert_eq!(run1("set -- a b c; echo \"${@: -1}\"; IFS=,; echo \"$*\"").await.0, "c\na,b,c\n");
    assert_eq!(run1("false | true | false; echo \"${PIPESTATUS[@]}\" ${PIPESTATUS[1]}").await.0, "1 0 1 0\n");
    assert_eq!(run1("x=foo; echo \"${x/o/[&]}\" \"${x//o/\\&}\"").await.0, "f[o]o f&&\n");
    // Variables: readonly, pending export, FUNCNAME, LINENO, set -u status.
    assert_eq!(run1("readonly r=1; r=2; echo no").await, ("".into(), "bash: line 1: r: readonly variable\n".into(), 1));
    assert_eq!(run1("export B; B=2; env | grep ^B=").await.0, "B=2\n");
    assert_eq!(run1("f() { echo $FUNCNAME $LINENO; }; f").await.0, "f 1\n");
    assert_eq!(run1("set -u; echo $nope; echo after").await.2, 127);
    assert_eq!(run1("set -eu; echo $nope; echo after").await.2, 1);
    // read options.
    assert_eq!(run1("read -n 3 x <<< abcdef; echo $x").await.0, "abc\n");
    assert_eq!(run1("IFS=/ read -ra p <<< a/b/c; echo ${#p[@]} ${p[2]}").await.0, "3 c\n");
    // Redirections: fd 3+, noclobber, truncation at open, a directory target.
    assert_eq!(run1("{ echo out; echo err >&2; } 3>&1 1>&2 2>&3").await, ("err\n".into(), "out\n".into(), 0));
    assert_eq!(
        run1("set -o noclobber; echo a > /tmp/nc; echo b > /tmp/nc; echo c >| /tmp/nc; cat /tmp/nc").await,
        ("c\n".into(), "bash: line 1: /tmp/nc: cannot overwrite existing file\n".into(), 0)
    );
    assert_eq!(run1("echo abc > /tmp/t; cat /tmp/t > /tmp/t; wc -c < /tmp/t").await.0, "0\n");
    assert_eq!(run1("echo > /data").await.1, "bash: line 1: /data: Is a directory\n");
    // Options and builtins.
    assert_eq!(run1("set -x; x=1; echo \"a b\" $x").await, ("a b 1\n".into(), "+ x=1\n+ echo 'a b' 1\n".into(), 0));
    assert_eq!(run1("set -eo pipefail; false | true; echo no").await.2, 1);
    assert_eq!(run1("break; echo \"rc=$?\"").await.0, "rc=0\n");
    assert_eq!(run1("exit 1 2; echo no").await, ("".into(), "bash: line 1: exit: too many arguments\n".into(), 1));
    assert_eq!(run1("f() { :; }; type -t if echo cat f; command -V cd").await.0, "keyword\nbuiltin\nfile\nfunction\ncd is a shell builtin\n");
    assert_eq!(run1("/data/logs; echo $?").await, ("126\n".into(), "bash: line 1: /data/logs: Is a directory\n".into(), 0));
    assert_eq!(run1("./nope; echo $?").await.0, "127\n");
    assert_eq!(run1("test -x /data/logs/a.log; echo $?; [ -w /data/logs/a.log ]; echo $?").await.0, "1\n1\n");
    assert_eq!(run1("[[ x =~ [ ]]; echo $?").await, ("2\n".into(), "".into(), 0));
    assert_eq!(run1("echo $'\\u0041\\u00e9'").await.0, "A\\u00E9\n");
    // Syntax errors shaped as bash's.
    assert_eq!(run1("echo (").await.1, "bash: -c: line 1: syntax error near unexpected token `newline'\nbash: -c: line 1: `echo ('\n");
    assert_eq!(run1("[[ a").await.1, "bash: -c: line 1: unexpected token `newline', conditional binary operator expected\n");
    assert_eq!(run1("x=(").await.2, 1);
}

#[tokio::test]
async fn shell_language_fixes_more() {
    async fn run1(cmd: &str) -> (String, String, i32) {
        run(&workspace().await, cmd).await
    }
    assert_eq!(run1("printf -v v '%03d' 7; printf -v 'a[2]' %s x; echo $v ${a[2]}").await.0, "007 x\n");
    assert_eq!(run1("x=5; a=(1 \"2 3\"); declare -p x a").await.0, "declare -- x=\"5\"\ndeclare -a a=([0]=\"1\" [1]=\"2 3\")\n");
    assert_eq!(run1("declare -p nosuch; echo $?").await, ("1\n".into(), "bash: line 1: declare: nosuch: not found\n".into(), 0));
    assert_eq!(run1("a=(3 1 2); i=2; echo $(( a[0] + a[i] )); (( a[1] += 5 )); echo ${a[1]}").await.0, "5\n6\n");
    assert_eq!(run1("test 1 -eq; echo $?").await, ("2\n".into(), "bash: line 1: test: 1: unary operator expected\n".into(), 0));
    assert_eq!(run1("IFS=: read -r -a p <<< 'a::b'; echo ${#p[@]}; read -r x y <<< ' 1  2  3 '; echo \"$x|$y\"").await.0, "3\n1|2  3\n");
    assert_eq!(run1("command -v echo cat nosuch; echo $?").await.0, "echo\n/usr/bin/cat\n0\n");
    assert_eq!(run1("f() { nosuch; }; f").await.1, "environment: line 1: nosuch: command not found\n");
    assert_eq!(run1("set -x; for i in 1; do echo $(echo $i); done").await.1, "+ for i in 1\n++ echo 1\n+ echo 1\n");
    assert_eq!(run1("echo ${PIPESTATUS[0]}; exec 3>&1; echo via3 >&3").await.0, "0\nvia3\n");
    // The whole glob result is sorted (`a-b/x` sorts before `a/x`).
    assert_eq!(run1("mkdir -p /tmp/a /tmp/a-b; touch /tmp/a/x /tmp/a-b/x; cd /tmp; echo */x").await.0, "a-b/x a/x\n");
}

#[tokio::test]
async fn shell_builtins_for_scripts() {
    async fn run1(cmd: &str) -> (String, String, i32) {
        run(&workspace().await, cmd).await
    }
    assert_eq!(run1("mapfile -t a < /data/logs/a.log; echo ${#a[@]} \"${a[1]}\"").await.0, "3 ERROR disk\n");
    assert_eq!(run1("readarray -t -s 1 -n 1 a <<< $'1\\n2\\n3'; echo ${a[@]}").await.0, "2\n");
    assert_eq!(run1("trap 'echo bye' EXIT; echo hi; exit 3").await, ("hi\nbye\n".into(), "".into(), 3));
    assert_eq!(run1("trap 'echo err' ERR; false; echo end").await.0, "err\nend\n");
    assert_eq!(
        run1("set -- -a -b val rest; while getopts 'ab:' o; do echo \"$o=${OPTARG-}\"; done; shift $((OPTIND-1)); echo \"$@\"").await.0,
        "a=\nb=val\nrest\n"
    );
    assert_eq!(run1("getopts a o -x; echo \"$o\"").await, ("?\n".into(), "bash: illegal option -- x\n".into(), 0));
    assert_eq!(run1("pushd /data/logs >/dev/null; pwd; popd >/dev/null; pwd").await.0, "/data/logs\n/\n");
    assert_eq!(run1("y1=1; y2=2; echo ${!y*}; s=abc; echo \"${s:5}|${s: -5}|${s: -2}\"").await.0, "y1 y2\n||bc\n");
    assert_eq!(run1("echo ${BASH_VERSION%%.*}").await.0, "5\n");
    assert_eq!(run1("echo \"[$(< /data/logs/b.log)]\"; x=$(< /data/nope); echo $?").await, ("[ERROR net]\n1\n".into(), "bash: line 1: /data/nope: No such file or directory\n".into(), 0));
    // Subscripts with expansions; associative arrays listed in bash's hash order.
    assert_eq!(
        run1("declare -A c; for w in a b a c b a; do c[$w]=$(( ${c[$w]:-0} + 1 )); done; for k in \"${!c[@]}\"; do echo \"$k ${c[$k]}\"; done").await.0,
        "c 1\nb 2\na 3\n"
    );
    assert_eq!(run1("declare -A h=([x]=1); h[\"y\"]+=2; declare -p h").await.0, "declare -A h=([y]=\"2\" [x]=\"1\" )\n");
}
