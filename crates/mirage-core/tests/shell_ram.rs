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
