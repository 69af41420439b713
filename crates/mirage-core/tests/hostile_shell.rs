//! Hostile command lines against the shell itself: nesting, recursion, runaway loops and
//! memory growth. Each must end with bash's (or our documented) message, never take the
//! process down, and stop promptly when its execute is cancelled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage_core::limits::{Cancel, Stop};
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, ExecOutput, Workspace, WorkspaceError, WorkspaceOptions, EXIT_TIMEOUT};

fn workspace(max_memory: Option<u64>) -> Workspace {
    let ram: Arc<dyn Resource> = Arc::new(RamResource::new());
    let mut opts = WorkspaceOptions::default();
    if let Some(m) = max_memory {
        opts.max_memory_bytes = m;
    }
    Workspace::new(vec![("/data/".into(), ram, MountMode::Write)], opts).unwrap()
}

async fn run(ws: &Workspace, line: &str, timeout_ms: u64) -> (ExecOutput, Duration) {
    let t = Instant::now();
    let o = ws.execute(line, ExecOptions { timeout: Some(Duration::from_millis(timeout_ms)), ..Default::default() }).await.unwrap();
    (o, t.elapsed())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn deep_nesting_of_every_construct_is_a_syntax_error() {
    let ws = workspace(None);
    let n = 2000;
    let lines = [
        format!("{}echo x{}", "{ ".repeat(n), "; }".repeat(n)),
        format!("{}echo x{}", "if true; then ".repeat(n), "; fi".repeat(n)),
        format!("{}echo x{}", "( ".repeat(n), " )".repeat(n)),
        format!("echo {}x{}", "$(echo ".repeat(n), ")".repeat(n)),
        format!("[[ {}a{} ]]", "( ".repeat(n), " )".repeat(n)),
        format!("echo {}y{}", "${x:-".repeat(n), "}".repeat(n)),
        format!("{}echo x{}", "while true; do ".repeat(n), "; done".repeat(n)),
        format!("echo \"{}x{}\"", "$(echo \"".repeat(n), "\")".repeat(n)),
    ];
    for line in &lines {
        let (o, took) = run(&ws, line, 10_000).await;
        assert_eq!(o.exit_code, 2, "{}: {}", &line[..30], text(&o.stderr));
        assert_eq!(text(&o.stderr), "bash: line 1: maximum nesting level exceeded (200)\n", "{}", &line[..30]);
        assert!(took < Duration::from_secs(3), "{took:?}");
    }
    // Nesting real scripts use still works.
    let (o, _) = run(&ws, &format!("{}echo ok{}", "{ ".repeat(50), "; }".repeat(50)), 10_000).await;
    assert_eq!(text(&o.stdout), "ok\n");
    let (o, _) = run(&ws, "echo $(echo $(echo $(echo deep)))", 10_000).await;
    assert_eq!(text(&o.stdout), "deep\n");
}

#[tokio::test]
async fn recursion_real_scripts_need_works_and_runaway_recursion_stops() {
    let ws = workspace(None);
    // bash runs this; it crashed the process at about 240 levels before.
    let (o, _) = run(&ws, "f(){ if [ $1 -lt 300 ]; then f $(($1+1)); else echo $1; fi; }; f 0", 30_000).await;
    assert_eq!((o.exit_code, text(&o.stdout)), (0, "300\n".to_string()), "{}", text(&o.stderr));
    let (o, _) = run(&ws, "f(){ if [ $1 -lt 998 ]; then f $(($1+1)); else echo $1; fi; }; f 0", 60_000).await;
    assert_eq!((o.exit_code, text(&o.stdout)), (0, "998\n".to_string()), "{}", text(&o.stderr));
    // FUNCNEST's default is 1000, as the message says.
    let (o, _) = run(&ws, "f(){ f; }; f", 60_000).await;
    assert_eq!(o.exit_code, 1);
    assert!(text(&o.stderr).contains("f: maximum function nesting level exceeded (1000)"), "{}", text(&o.stderr));
    // Unbounded eval and source recursion end with an error before the stack does.
    for line in [r#"x='eval "$x"'; eval "$x"; echo survived"#, "echo 'source /data/s' > /data/s; source /data/s; echo survived"] {
        let (o, _) = run(&ws, line, 60_000).await;
        assert!(text(&o.stderr).contains("maximum nesting level exceeded"), "{line}: {}", text(&o.stderr));
        assert!(text(&o.stdout).ends_with("survived\n"), "{line}: {}", text(&o.stdout));
    }
    // An ERR trap whose action fails does not trigger itself (bash runs no ERR trap inside a trap).
    let (o, took) = run(&ws, "trap 'echo trapped; false' ERR; false; echo after", 10_000).await;
    assert_eq!(text(&o.stdout), "trapped\nafter\n");
    assert!(took < Duration::from_secs(2));
}

#[tokio::test]
async fn cpu_bound_shell_work_stops_at_the_deadline() {
    let ws = workspace(None);
    let lines = [
        "while :; do :; done",
        "for ((;;)); do :; done",
        "x=$(printf '%*s' 200000 ''); y=${x// /abc}; z=${y//?/q}; echo done",
        "x=$(printf 'b%.0s' {1..5000}); echo ${x//*a/z}",
        "f(){ f; }; while :; do f 2>/dev/null; done",
    ];
    for line in lines {
        let (o, took) = run(&ws, line, 300).await;
        assert_eq!(o.exit_code, EXIT_TIMEOUT, "{line}: {}", text(&o.stderr));
        assert!(text(&o.stderr).ends_with("mirage: command timed out after 0.3s\n"), "{line}: {}", text(&o.stderr));
        assert!(took < Duration::from_millis(1300), "{line}: {took:?}");
    }
}

#[tokio::test]
async fn memory_growth_stops_at_the_budget() {
    let ws = workspace(Some(64 << 20));
    let (o, took) = run(&ws, "x=a; while :; do x=$x$x; done", 30_000).await;
    assert_eq!(o.exit_code, 1, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Cannot allocate memory"), "{}", text(&o.stderr));
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The session is usable afterwards.
    let (o, _) = run(&ws, "echo ok", 5_000).await;
    assert_eq!(text(&o.stdout), "ok\n");
}

#[tokio::test]
async fn an_abort_and_close_stop_a_running_command() {
    let ws = Arc::new(workspace(None));
    let cancel = Cancel::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c.cancel(Stop::Aborted);
    });
    let t = Instant::now();
    let r = ws.execute("while :; do :; done", ExecOptions { cancel: Some(cancel), ..Default::default() }).await;
    assert_eq!(r, Err(WorkspaceError::Aborted));
    assert!(t.elapsed() < Duration::from_millis(1200));

    let w = ws.clone();
    let running = tokio::spawn(async move { w.execute("while :; do :; done", ExecOptions::default()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    ws.close_and_wait().await;
    assert!(t.elapsed() < Duration::from_millis(1000), "{:?}", t.elapsed());
    assert_eq!(running.await.unwrap(), Err(WorkspaceError::Closed));
}

#[tokio::test]
async fn a_ram_mount_holds_at_most_its_quota() {
    let ram: Arc<dyn Resource> = Arc::new(RamResource::with_quota(10_000));
    let ws = Workspace::new(vec![("/data/".into(), ram, MountMode::Write)], WorkspaceOptions::default()).unwrap();
    let (o, _) = run(&ws, "printf '%6000s' x > /data/a; echo $?; printf '%6000s' y > /data/b; echo $?; printf '%3000s' z > /data/a; printf '%6000s' y > /data/b; echo $?; wc -c /data/a /data/b", 10_000).await;
    assert_eq!(text(&o.stdout), "0\n1\n0\n3000 /data/a\n6000 /data/b\n9000 total\n");
    assert_eq!(text(&o.stderr), "bash: line 1: /data/b: No space left on device\n");
}

#[tokio::test]
async fn zcat_streams_so_a_bomb_stays_small() {
    use std::io::Write;
    // 200 MB of zeros in about 200 KB: inflating it whole would pass the 64 MiB budget.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        enc.write_all(&zeros).unwrap();
    }
    let gz = enc.finish().unwrap();
    let ram = RamResource::new();
    ram.write("bomb.gz", bytes::Bytes::from(gz)).await.unwrap();
    let ram: Arc<dyn Resource> = Arc::new(ram);
    let opts = WorkspaceOptions { max_memory_bytes: 64 << 20, ..Default::default() };
    let ws = Workspace::new(vec![("/data/".into(), ram, MountMode::Write)], opts).unwrap();
    for (line, want) in [
        ("zcat /data/bomb.gz | head -c 10 | wc -c", "10\n"),
        ("gunzip -c /data/bomb.gz | head -c 1000 | wc -c", "1000\n"),
        ("zcat /data/bomb.gz | wc -c", "209715200\n"),
    ] {
        let (o, took) = run(&ws, line, 60_000).await;
        assert_eq!((text(&o.stdout), text(&o.stderr), o.exit_code), (want.to_string(), String::new(), 0), "{line}");
        assert!(took < Duration::from_secs(30), "{line}: {took:?}");
    }
}
