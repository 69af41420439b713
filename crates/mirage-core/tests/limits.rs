//! Per-execute deadlines: past the deadline the command is dropped (with whatever it was
//! awaiting), the status is 124 and stderr says `mirage: command timed out after Ns`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{format_seconds, ExecOptions, Workspace, WorkspaceOptions, EXIT_TIMEOUT};

async fn workspace(timeout: Option<Duration>) -> Workspace {
    let ram = RamResource::new();
    ram.write("a.txt", Bytes::from_static(b"hello\n")).await.unwrap();
    let ram: Arc<dyn Resource> = Arc::new(ram);
    Workspace::new(vec![("/data/".into(), ram, MountMode::Read)], WorkspaceOptions { timeout, ..Default::default() }).unwrap()
}

fn with_timeout(ms: u64) -> ExecOptions {
    ExecOptions { timeout: Some(Duration::from_millis(ms)), ..Default::default() }
}

#[test]
fn deadline_format() {
    assert_eq!(format_seconds(Duration::from_secs(2)), "2s");
    assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5s");
    assert_eq!(format_seconds(Duration::from_millis(250)), "0.25s");
    assert_eq!(format_seconds(Duration::from_millis(1001)), "1.001s");
}

#[tokio::test]
async fn an_endless_loop_ends_at_the_deadline() {
    let ws = workspace(None).await;
    let t = Instant::now();
    let o = ws.execute("echo before; while :; do :; done; echo never", with_timeout(300)).await.unwrap();
    let took = t.elapsed();
    assert_eq!(o.exit_code, EXIT_TIMEOUT);
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "before\n", "output before the deadline is kept");
    assert_eq!(String::from_utf8(o.stderr).unwrap(), "mirage: command timed out after 0.3s\n");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_millis(1300), "{took:?}");
    // The workspace is still usable, and the default session was not left locked.
    let o = ws.execute("cat /data/a.txt", ExecOptions::default()).await.unwrap();
    assert_eq!((o.stdout, o.exit_code), (b"hello\n".to_vec(), 0));
    // A forked run (cwd) times out the same way.
    let o = ws
        .execute("until false; do :; done", ExecOptions { cwd: Some("/data".into()), timeout: Some(Duration::from_millis(200)), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(o.exit_code, EXIT_TIMEOUT);
}

#[tokio::test]
async fn workspace_default_and_per_call_override() {
    let ws = workspace(Some(Duration::from_secs(1))).await;
    let t = Instant::now();
    let o = ws.execute("for ((;;)); do :; done", ExecOptions::default()).await.unwrap();
    assert_eq!(o.exit_code, EXIT_TIMEOUT);
    assert_eq!(String::from_utf8(o.stderr).unwrap(), "mirage: command timed out after 1s\n");
    assert!(t.elapsed() < Duration::from_secs(3));
    // A shorter deadline for one call wins over the default.
    let t = Instant::now();
    let o = ws.execute("while :; do :; done", with_timeout(100)).await.unwrap();
    assert_eq!(o.exit_code, EXIT_TIMEOUT);
    assert!(t.elapsed() < Duration::from_millis(900));
    // Zero means no deadline for this call: a quick command is unaffected.
    let o = ws.execute("cat /data/a.txt; echo done", with_timeout(0)).await.unwrap();
    assert_eq!((String::from_utf8(o.stdout).unwrap().as_str(), o.exit_code), ("hello\ndone\n", 0));
    // Commands that finish in time are untouched by a deadline.
    let o = ws.execute("cat /data/a.txt", with_timeout(5000)).await.unwrap();
    assert_eq!((o.stdout, o.stderr, o.exit_code), (b"hello\n".to_vec(), Vec::new(), 0));
}
