//! A disk mount whose folder is shared with a hostile process: symlinks swapped in while the
//! agent reads, symlinks out of the root, FIFOs, sockets and device links. Nothing outside the
//! root is ever read or written, and nothing blocks. Every case runs twice on Linux: with
//! `openat2` and with the component-by-component walk used where it is missing.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::StreamExt;
use mirage_core::vfs::disk::DiskResource;
use mirage_core::vfs::error::{ErrorKind, FsError};
use mirage_core::vfs::{ByteRange, MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions};

const SECRET: &[u8] = b"OUTSIDE-SECRET\n";

/// `base/root` (the mount) and `base/outside` (holding `secret.txt` and `only-outside.txt`),
/// removed on drop.
struct Tree {
    base: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Tree {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let base = std::env::temp_dir().join(format!("mirage-hostile-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(base.join("root")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("outside/secret.txt"), SECRET).unwrap();
        std::fs::write(base.join("outside/only-outside.txt"), SECRET).unwrap();
        Tree { base }
    }
    fn root(&self) -> PathBuf {
        self.base.join("root")
    }
    fn outside(&self) -> PathBuf {
        self.base.join("outside")
    }
    /// The outside folder is exactly as it was made.
    fn assert_outside_untouched(&self) {
        let names: BTreeSet<String> =
            std::fs::read_dir(self.outside()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names, BTreeSet::from(["only-outside.txt".to_string(), "secret.txt".to_string()]), "something landed outside the root");
        for f in ["secret.txt", "only-outside.txt"] {
            let p = self.outside().join(f);
            assert_eq!(std::fs::read(&p).unwrap(), SECRET, "{f} was written through the mount");
            let m = std::fs::metadata(&p).unwrap().modified().unwrap();
            assert!(m > UNIX_EPOCH + Duration::from_secs(10_000), "{f}'s time was set through the mount");
        }
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// The resource over `tree`, resolving with `openat2` or with the walk.
fn disk(tree: &Tree, walk: bool) -> DiskResource {
    let d = DiskResource::new(tree.root()).unwrap();
    if walk {
        d.without_openat2()
    } else {
        d
    }
}

async fn read_all(r: &dyn Resource, path: &str) -> Result<Vec<u8>, FsError> {
    let mut h = r.read(path, None).await?;
    let mut out = Vec::new();
    while let Some(c) = h.body.next().await {
        out.extend_from_slice(&c?);
    }
    Ok(out)
}

fn workspace(res: Arc<dyn Resource>) -> Workspace {
    Workspace::new(vec![("/data/".into(), res, MountMode::Write)], WorkspaceOptions::default()).unwrap()
}

async fn run(ws: &Workspace, cmd: &str) -> (String, String, i32) {
    let o = ws.execute(cmd, ExecOptions::default()).await.unwrap();
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned(), o.exit_code)
}

fn denied() -> FsError {
    FsError::new(ErrorKind::PermissionDenied)
}

// ---------------------------------------------------------------------------------------------
// The ordinary operations still work.

async fn basics(walk: bool) {
    let tree = Tree::new(&format!("basics-{walk}"));
    let d = disk(&tree, walk);
    d.mkdir("a").await.unwrap();
    d.mkdir("a/b").await.unwrap();
    assert_eq!(d.mkdir("a").await.unwrap_err().kind, ErrorKind::AlreadyExists);
    assert_eq!(d.mkdir("").await.unwrap_err().kind, ErrorKind::AlreadyExists);
    assert_eq!(d.mkdir("nope/x").await.unwrap_err().kind, ErrorKind::NotFound);
    d.write("a/b/f.txt", Bytes::from_static(b"0123456789")).await.unwrap();
    d.write("top.txt", Bytes::from_static(b"top\n")).await.unwrap();
    assert_eq!(std::fs::read(tree.root().join("a/b/f.txt")).unwrap(), b"0123456789");
    assert_eq!(read_all(&d, "a/b/f.txt").await.unwrap(), b"0123456789");
    let h = d.read("a/b/f.txt", Some(ByteRange::Span { start: 2, end_inclusive: 4 })).await.unwrap();
    assert_eq!(h.total_size, Some(10));
    let got: Vec<u8> = h.body.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(got, b"234");
    let got: Vec<u8> = d.read("a/b/f.txt", Some(ByteRange::Suffix(3))).await.unwrap().body.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(got, b"789");
    let big = vec![7u8; 200_000];
    d.write("big.bin", Bytes::from(big.clone())).await.unwrap();
    assert_eq!(read_all(&d, "big.bin").await.unwrap(), big);
    // Rewriting truncates.
    d.write("a/b/f.txt", Bytes::from_static(b"xy")).await.unwrap();
    assert_eq!(read_all(&d, "a/b/f.txt").await.unwrap(), b"xy");

    let st = d.stat("a/b/f.txt").await.unwrap();
    assert_eq!((st.is_dir(), st.size), (false, 2));
    assert!(d.stat("a").await.unwrap().is_dir());
    assert!(d.stat("").await.unwrap().is_dir());
    assert_eq!(d.stat("missing").await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(d.stat("top.txt/x").await.unwrap_err().kind, ErrorKind::NotADirectory);
    let mut names: Vec<_> = d.read_dir("").await.unwrap().into_iter().map(|e| (e.name, e.meta.is_dir())).collect();
    names.sort();
    assert_eq!(names, vec![("a".into(), true), ("big.bin".into(), false), ("top.txt".into(), false)]);
    assert_eq!(d.read_dir("top.txt").await.unwrap_err().kind, ErrorKind::NotADirectory);
    assert_eq!(d.read_dir("missing").await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(d.read("a", None).await.err().map(|e| e.kind), Some(ErrorKind::IsADirectory));
    assert_eq!(d.write("a", Bytes::new()).await.unwrap_err().kind, ErrorKind::IsADirectory);

    let t = UNIX_EPOCH + Duration::from_secs(1_000_000);
    d.set_modified("top.txt", t).await.unwrap();
    assert_eq!(d.stat("top.txt").await.unwrap().modified, Some(t));
    d.set_modified("a", t).await.unwrap();
    assert_eq!(std::fs::metadata(tree.root().join("a")).unwrap().modified().unwrap(), t);

    assert_eq!(d.remove_file("a").await.unwrap_err().kind, ErrorKind::IsADirectory);
    assert_eq!(d.rmdir("a").await.unwrap_err().kind, ErrorKind::DirectoryNotEmpty);
    d.remove_file("a/b/f.txt").await.unwrap();
    d.rmdir("a/b").await.unwrap();
    assert_eq!(d.rmdir("a/b").await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(d.rmdir("top.txt").await.unwrap_err().kind, ErrorKind::NotADirectory);
    assert_eq!(d.rmdir("").await.unwrap_err().kind, ErrorKind::Busy);
    assert!(tree.root().is_dir());

    let ws = workspace(Arc::new(d));
    assert_eq!(run(&ws, "ls /data").await, ("a\nbig.bin\ntop.txt\n".into(), "".into(), 0));
    assert_eq!(run(&ws, "echo hi > /data/a/n.txt; cat /data/a/n.txt; wc -c < /data/big.bin").await, ("hi\n200000\n".into(), "".into(), 0));
    tree.assert_outside_untouched();
}

#[tokio::test]
async fn ordinary_operations() {
    basics(false).await;
    basics(true).await;
}

// ---------------------------------------------------------------------------------------------
// (a) A symlink swapped in while the agent reads and writes.

/// Swap `root/sub` between a real folder and a symlink to the outside folder, and `root/f.txt`
/// between a file and a symlink to the outside secret, as fast as possible until `stop`.
fn swapper(root: PathBuf, outside: PathBuf, stop: Arc<AtomicBool>, swaps: Arc<AtomicUsize>) {
    let (sub, hold) = (root.join("sub"), root.join(".hold"));
    let (f, fhold) = (root.join("f.txt"), root.join(".fhold"));
    // The mount writes `f.txt` too (creating it while it is away), so each step tolerates
    // what the other side did meanwhile.
    while !stop.load(Ordering::Relaxed) {
        std::fs::rename(&sub, &hold).unwrap();
        symlink(&outside, &sub).unwrap();
        let _ = std::fs::rename(&f, &fhold);
        let _ = std::fs::remove_file(&f);
        let _ = symlink(outside.join("secret.txt"), &f);
        std::thread::yield_now();
        std::fs::remove_file(&sub).unwrap();
        std::fs::rename(&hold, &sub).unwrap();
        let _ = std::fs::remove_file(&f);
        let _ = std::fs::rename(&fhold, &f);
        swaps.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    refused: AtomicUsize,
    leaks: AtomicUsize,
}

async fn race(walk: bool) {
    let tree = Tree::new(&format!("race-{walk}"));
    let root = tree.root();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/secret.txt"), b"inside\n").unwrap();
    std::fs::write(root.join("f.txt"), b"inside\n").unwrap();
    let d: Arc<dyn Resource> = Arc::new(disk(&tree, walk));
    let ws = Arc::new(workspace(d.clone()));

    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicUsize::new(0));
    let swap_thread = {
        let (root, outside, stop, swaps) = (root.clone(), tree.outside(), stop.clone(), swaps.clone());
        std::thread::spawn(move || swapper(root, outside, stop, swaps))
    };
    let tally = Arc::new(Tally::default());
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut tasks = Vec::new();
    for w in 0..3 {
        let (d, tally) = (d.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                for p in ["sub/secret.txt", "f.txt"] {
                    match read_all(&*d, p).await {
                        Ok(b) if b == SECRET => {
                            tally.leaks.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {
                            tally.ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {
                            tally.refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                // Only outside: finding it at all is a leak.
                if d.stat("sub/only-outside.txt").await.is_ok() {
                    tally.leaks.fetch_add(1, Ordering::Relaxed);
                }
                if d.read_dir("sub").await.is_ok_and(|es| es.iter().any(|e| e.name == "only-outside.txt")) {
                    tally.leaks.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(es) = d.walk("").await {
                    if es.iter().any(|(p, _)| p.ends_with("only-outside.txt")) {
                        tally.leaks.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let _ = d.write(&format!("sub/w{w}-{i}.txt"), Bytes::from_static(b"w")).await;
                let _ = d.write("f.txt", Bytes::from_static(b"inside\n")).await;
                let _ = d.mkdir(&format!("sub/d{w}-{i}")).await;
                let _ = d.set_modified("f.txt", UNIX_EPOCH + Duration::from_secs(1000)).await;
                let _ = d.set_modified("sub/secret.txt", UNIX_EPOCH + Duration::from_secs(1000)).await;
                let _ = d.remove_file("sub/only-outside.txt").await;
                let _ = d.rmdir(&format!("sub/d{w}-{i}")).await;
            }
        }));
    }
    // The same through the shell.
    let shell = {
        let (ws, tally) = (ws.clone(), tally.clone());
        tokio::spawn(async move {
            let mut runs = 0;
            while Instant::now() < deadline {
                let (out, _, _) = run(&ws, "cat /data/sub/secret.txt /data/f.txt; ls /data/sub; head -c 100 /data/sub/only-outside.txt; echo x > /data/sub/shell.txt").await;
                if out.contains("OUTSIDE") || out.contains("only-outside") {
                    tally.leaks.fetch_add(1, Ordering::Relaxed);
                }
                runs += 1;
            }
            runs
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    let shell_runs = shell.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    swap_thread.join().unwrap();

    let (ok, refused, leaks) = (tally.ok.load(Ordering::Relaxed), tally.refused.load(Ordering::Relaxed), tally.leaks.load(Ordering::Relaxed));
    eprintln!("race (walk: {walk}): {} swaps, {ok} inside reads, {refused} refused, {shell_runs} shell runs", swaps.load(Ordering::Relaxed));
    assert_eq!(leaks, 0, "{leaks} reads saw outside content");
    assert!(ok > 0 && refused > 0, "the race was not exercised: {ok} ok, {refused} refused");
    tree.assert_outside_untouched();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_swapped_in_never_leads_out() {
    race(false).await;
    race(true).await;
}

// ---------------------------------------------------------------------------------------------
// (b) Symlinks out of the root are refused; inside it they are followed as before.

async fn symlinks(walk: bool) {
    let tree = Tree::new(&format!("links-{walk}"));
    let (root, outside) = (tree.root(), tree.outside());
    std::fs::create_dir(root.join("dir")).unwrap();
    std::fs::write(root.join("inside.txt"), b"inside\n").unwrap();
    symlink(&outside, root.join("out_dir")).unwrap();
    symlink(outside.join("secret.txt"), root.join("out_file")).unwrap();
    symlink("../outside/secret.txt", root.join("out_rel")).unwrap();
    symlink("../../outside/secret.txt", root.join("dir/out_rel")).unwrap();
    symlink("../root/inside.txt", root.join("out_and_back")).unwrap();
    symlink(outside.join("new.txt"), root.join("out_dangling")).unwrap();
    symlink("/proc/self/root", root.join("proc_root")).unwrap();
    symlink("inside.txt", root.join("in_rel")).unwrap();
    symlink("../inside.txt", root.join("dir/in_up")).unwrap();
    symlink(root.join("inside.txt"), root.join("in_abs")).unwrap();
    symlink(&root, root.join("in_abs_root")).unwrap();
    symlink("dir", root.join("in_dir")).unwrap();
    symlink(".", root.join("in_dot")).unwrap();
    symlink("in_rel", root.join("in_chain")).unwrap();
    symlink("in_new.txt", root.join("in_dangling")).unwrap();
    symlink("loop_b", root.join("loop_a")).unwrap();
    symlink("loop_a", root.join("loop_b")).unwrap();
    let d = disk(&tree, walk);

    for p in ["out_file", "out_rel", "dir/out_rel", "out_dir/secret.txt", "proc_root/etc/hostname", "out_and_back"] {
        assert_eq!(read_all(&d, p).await.unwrap_err(), denied(), "read {p}");
        assert_eq!(d.stat(p).await.unwrap_err(), denied(), "stat {p}");
        assert_eq!(d.write(p, Bytes::from_static(b"pwned")).await.unwrap_err(), denied(), "write {p}");
        assert_eq!(d.set_modified(p, UNIX_EPOCH + Duration::from_secs(1000)).await.unwrap_err(), denied(), "touch {p}");
    }
    assert_eq!(d.write("out_dangling", Bytes::from_static(b"pwned")).await.unwrap_err(), denied());
    assert_eq!(d.write("out_dir/new.txt", Bytes::from_static(b"pwned")).await.unwrap_err(), denied());
    assert_eq!(d.mkdir("out_dir/newdir").await.unwrap_err(), denied());
    assert_eq!(d.read_dir("out_dir").await.unwrap_err(), denied());
    assert_eq!(d.remove_file("out_dir/secret.txt").await.unwrap_err(), denied());
    assert_eq!(d.rmdir("out_dir/x").await.unwrap_err(), denied());
    // A loop ends in an error, not a hang.
    assert!(read_all(&d, "loop_a").await.is_err());

    // Inside the root they are followed.
    for p in ["in_rel", "dir/in_up", "in_abs", "in_chain", "in_abs_root/inside.txt", "in_dot/inside.txt", "in_dir/../inside.txt"] {
        assert_eq!(read_all(&d, p).await.unwrap(), b"inside\n", "read {p}");
        assert_eq!(d.stat(p).await.unwrap().size, 7, "stat {p}");
    }
    assert!(d.stat("in_dir").await.unwrap().is_dir());
    assert!(d.stat("in_abs_root").await.unwrap().is_dir());
    d.write("in_dir/via.txt", Bytes::from_static(b"via\n")).await.unwrap();
    assert_eq!(std::fs::read(root.join("dir/via.txt")).unwrap(), b"via\n");
    d.write("in_dangling", Bytes::from_static(b"created\n")).await.unwrap();
    assert_eq!(std::fs::read(root.join("in_new.txt")).unwrap(), b"created\n");
    d.mkdir("in_abs_root/made").await.unwrap();
    assert!(root.join("made").is_dir());
    let names: BTreeSet<String> = d.read_dir("in_dir").await.unwrap().into_iter().map(|e| e.name).collect();
    assert!(names.contains("via.txt") && names.contains("in_up"), "{names:?}");

    // A listing shows links that stay inside (as what they point to) and leaves out the rest.
    let listing: Vec<(String, bool)> = {
        let mut v: Vec<_> = d.read_dir("").await.unwrap().into_iter().map(|e| (e.name, e.meta.is_dir())).collect();
        v.sort();
        v
    };
    let names: BTreeSet<&str> = listing.iter().map(|(n, _)| n.as_str()).collect();
    for n in ["in_rel", "in_abs", "in_chain", "in_dangling", "dir", "inside.txt"] {
        assert!(names.contains(n), "{n} missing from {listing:?}");
    }
    assert!(listing.contains(&("in_dir".to_string(), true)) && listing.contains(&("in_abs_root".to_string(), true)));
    for n in ["out_dir", "out_file", "out_rel", "out_dangling", "proc_root", "loop_a"] {
        assert!(!names.contains(n), "{n} listed: {listing:?}");
    }

    // Removing a link removes the link, never what it points to.
    d.remove_file("out_file").await.unwrap();
    d.remove_file("out_dir").await.unwrap();
    assert!(!root.join("out_dir").exists() && outside.join("secret.txt").exists());

    let ws = workspace(Arc::new(d));
    let (out, err, code) = run(&ws, "cat /data/out_rel").await;
    assert_eq!((out.as_str(), err.as_str(), code), ("", "cat: /data/out_rel: Permission denied\n", 1));
    let (out, _, code) = run(&ws, "cat /data/in_rel /data/dir/in_up").await;
    assert_eq!((out.as_str(), code), ("inside\ninside\n", 0));
    let (_, _, code) = run(&ws, "echo pwned > /data/dir/out_rel").await;
    assert_ne!(code, 0);
    tree.assert_outside_untouched();
}

#[tokio::test]
async fn symlinks_out_of_the_root_are_refused() {
    symlinks(false).await;
    symlinks(true).await;
}

// ---------------------------------------------------------------------------------------------
// (c) A FIFO is listed but never opened for reading or writing: nothing blocks.

async fn fifo(walk: bool) {
    let tree = Tree::new(&format!("fifo-{walk}"));
    let root = tree.root();
    let st = std::process::Command::new("mkfifo").arg(root.join("p")).status().expect("mkfifo");
    assert!(st.success());
    std::fs::write(root.join("a.txt"), b"hello\n").unwrap();
    symlink("p", root.join("to_p")).unwrap();
    let d = disk(&tree, walk);
    let quick = Duration::from_secs(1);

    let t = Instant::now();
    for p in ["p", "to_p"] {
        let e = tokio::time::timeout(quick, read_all(&d, p)).await.expect("read of a FIFO blocked").unwrap_err();
        assert_eq!(e, FsError::new(ErrorKind::NoDevice));
        let e = tokio::time::timeout(quick, d.write(p, Bytes::from_static(b"x"))).await.expect("write to a FIFO blocked").unwrap_err();
        assert_eq!(e, FsError::new(ErrorKind::NoDevice));
        let e = tokio::time::timeout(quick, d.set_modified(p, UNIX_EPOCH)).await.expect("touch of a FIFO blocked").unwrap_err();
        assert_eq!(e, FsError::new(ErrorKind::NoDevice));
    }
    assert!(t.elapsed() < quick);
    assert_eq!(d.stat("p").await.unwrap(), mirage_core::vfs::Metadata { modified: d.stat("p").await.unwrap().modified, ..mirage_core::vfs::Metadata::file(0) });
    assert!(d.read_dir("").await.unwrap().iter().any(|e| e.name == "p"));

    let ws = workspace(Arc::new(d));
    let t = Instant::now();
    let (out, err, code) = run(&ws, "cat /data/p").await;
    assert!(t.elapsed() < quick, "cat of a FIFO took {:?}", t.elapsed());
    assert_eq!((out.as_str(), err.as_str(), code), ("", "cat: /data/p: No such device or address\n", 1));
    // Many in a row (once a pool thread each) and other readers: all prompt, then disk I/O still works.
    let t = Instant::now();
    let (out, _, _) = run(&ws, "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat /data/p; head -c 1 /data/p; wc -l /data/p; grep x /data/p; done; jq . /data/p; cat /data/a.txt").await;
    assert_eq!(out, "hello\n");
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    let t = Instant::now();
    let (_, _, code) = run(&ws, "echo hi > /data/p").await;
    assert_ne!(code, 0);
    assert!(t.elapsed() < quick);
    let (out, _, code) = run(&ws, "ls /data").await;
    assert_eq!((out.as_str(), code), ("a.txt\np\nto_p\n", 0));
    tree.assert_outside_untouched();
}

#[tokio::test]
async fn a_fifo_is_refused_without_blocking() {
    fifo(false).await;
    fifo(true).await;
}

// ---------------------------------------------------------------------------------------------
// (d) Sockets and links to devices.

async fn devices(walk: bool) {
    let tree = Tree::new(&format!("dev-{walk}"));
    let root = tree.root();
    let _listener = std::os::unix::net::UnixListener::bind(root.join("s")).unwrap();
    symlink("/dev/null", root.join("null")).unwrap();
    symlink("/dev/zero", root.join("zero")).unwrap();
    symlink("/dev/tty", root.join("tty")).unwrap();
    symlink("../../../../../../../../../../dev/zero", root.join("zero_rel")).unwrap();
    let d = disk(&tree, walk);
    let quick = Duration::from_secs(1);

    let e = tokio::time::timeout(quick, read_all(&d, "s")).await.unwrap().unwrap_err();
    assert_eq!(e, FsError::new(ErrorKind::NoDevice));
    let e = tokio::time::timeout(quick, d.write("s", Bytes::from_static(b"x"))).await.unwrap().unwrap_err();
    assert_eq!(e, FsError::new(ErrorKind::NoDevice));
    assert!(!d.stat("s").await.unwrap().is_dir());
    assert!(d.read_dir("").await.unwrap().iter().any(|e| e.name == "s"));
    for p in ["null", "zero", "tty", "zero_rel"] {
        let e = tokio::time::timeout(quick, read_all(&d, p)).await.unwrap().unwrap_err();
        assert_eq!(e, denied(), "read {p}");
        let e = tokio::time::timeout(quick, d.write(p, Bytes::from_static(b"x"))).await.unwrap().unwrap_err();
        assert_eq!(e, denied(), "write {p}");
    }

    let ws = workspace(Arc::new(d));
    let (out, err, code) = run(&ws, "cat /data/s").await;
    assert_eq!((out.as_str(), err.as_str(), code), ("", "cat: /data/s: No such device or address\n", 1));
    let (out, err, code) = run(&ws, "head -c 10 /data/zero").await;
    assert_eq!((out.as_str(), err.as_str(), code), ("", "head: cannot open '/data/zero' for reading: Permission denied\n", 1));
    tree.assert_outside_untouched();
}

#[tokio::test]
async fn sockets_and_device_links_are_refused() {
    devices(false).await;
    devices(true).await;
}

/// The root handle is what counts: the folder renamed away and replaced keeps the mount on
/// the original folder, not on what now has its name.
#[tokio::test]
async fn the_root_is_held_open() {
    let tree = Tree::new("held");
    std::fs::write(tree.root().join("a.txt"), b"original\n").unwrap();
    let d = disk(&tree, false);
    std::fs::rename(tree.root(), tree.base.join("moved")).unwrap();
    symlink(tree.outside(), tree.root()).unwrap();
    assert_eq!(read_all(&d, "a.txt").await.unwrap(), b"original\n");
    assert_eq!(read_all(&d, "secret.txt").await.unwrap_err().kind, ErrorKind::NotFound);
}
