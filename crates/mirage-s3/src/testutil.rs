//! Test support (feature `testutil`, never in release builds): start the real `s3s-fs`
//! server on 127.0.0.1 with a fresh data directory, and stop it when dropped.
//!
//! The binary is `$S3S_FS_BIN`, else `s3s-fs` on `PATH`, else `~/.cargo/bin/s3s-fs`
//! (`cargo install s3s-fs@0.14.1 --features binary --locked`). When it is missing,
//! [`S3sFs::start`] panics if `CI` is set and otherwise returns `None` after printing a
//! skip note.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::config::{S3Config, Secret};

pub const ACCESS_KEY: &str = "mirage-test-key-id";
pub const SECRET_KEY: &str = "mirage-test-secret-CANARY-0123456789";
pub const REGION: &str = "us-east-1";

/// A running s3s-fs, killed (and its data directory removed) on drop.
pub struct S3sFs {
    child: Child,
    pub port: u16,
    /// The server's root: each top-level folder is a bucket.
    pub root: PathBuf,
    pub bucket: String,
}

/// Where the s3s-fs binary is, if anywhere.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("S3S_FS_BIN") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("s3s-fs");
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let home = std::env::var_os("HOME")?;
    let p = Path::new(&home).join(".cargo/bin/s3s-fs");
    p.is_file().then_some(p)
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "mirage-s3s-fs-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

impl S3sFs {
    /// Start a server with `bucket` created. `None` (after a skip note) when the binary is
    /// missing and `CI` is unset.
    pub fn start(bucket: &str) -> Option<S3sFs> {
        let Some(bin) = find_binary() else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "s3s-fs not found (looked at $S3S_FS_BIN, PATH and ~/.cargo/bin/s3s-fs); \
                     install it with `cargo install s3s-fs@0.14.1 --features binary --locked`"
                );
            }
            eprintln!("SKIP: s3s-fs not found; install it with `cargo install s3s-fs@0.14.1 --features binary --locked`");
            return None;
        };
        let root = temp_dir();
        std::fs::create_dir_all(root.join(bucket)).expect("create bucket dir");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&bin)
                .arg("--host")
                .arg("127.0.0.1")
                .arg("--port")
                .arg(port.to_string())
                .arg("--access-key")
                .arg(ACCESS_KEY)
                .arg("--secret-key")
                .arg(SECRET_KEY)
                .arg(&root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn s3s-fs");
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Some(S3sFs {
                        child,
                        port,
                        root,
                        bucket: bucket.to_string(),
                    });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited (port taken?): try another port
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("s3s-fs did not start on 127.0.0.1");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bucket's folder: write files here to seed objects without requests.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.join(&self.bucket)
    }

    /// A path-style config for this server's bucket.
    pub fn config(&self) -> S3Config {
        let mut c = S3Config::new(
            self.endpoint(),
            REGION,
            &self.bucket,
            ACCESS_KEY,
            Secret::new(SECRET_KEY),
        );
        c.force_path_style = true;
        c.max_attempts = 3;
        c.timeout_ms = Some(20_000);
        c
    }

    /// Write `data` at `key` straight into the data directory.
    pub fn seed(&self, key: &str, data: &[u8]) {
        let p = self.bucket_dir().join(key);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, data).unwrap();
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
