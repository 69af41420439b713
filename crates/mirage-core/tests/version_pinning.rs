//! `head -n` and `tail -n` read one object in several ranges; when another writer replaces
//! the object between two of them, the command fails with an error instead of printing
//! the start of one version glued to the rest of another. Against the real s3s-fs server on
//! 127.0.0.1; the other writer is a real PUT, sent just before the command's second read.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use mirage_core::vfs::resource::ReadHandle;
use mirage_core::vfs::s3::S3Resource;
use mirage_core::vfs::{ByteRange, DirEntry, FsError, Metadata, MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions};
use mirage_s3::testutil::S3sFs;
use mirage_s3::S3Client;

/// The S3 resource, plus another writer that replaces the object right before the second read.
struct ReplacedBetweenReads {
    s3: S3Resource,
    reads: AtomicUsize,
    replace: bool,
}

#[async_trait]
impl Resource for ReplacedBetweenReads {
    fn kind(&self) -> &'static str {
        "s3"
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        self.s3.read_dir(path).await
    }
    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        self.s3.stat(path).await
    }
    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        if self.reads.fetch_add(1, Ordering::SeqCst) == 1 && self.replace {
            self.s3.write(path, Bytes::from(text("v2", 150_000))).await?;
        }
        self.s3.read(path, range).await
    }
    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        self.s3.write(path, data).await
    }
    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        self.s3.remove_file(path).await
    }
    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        self.s3.mkdir(path).await
    }
    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        self.s3.rmdir(path).await
    }
}

fn text(version: &str, lines: usize) -> String {
    (0..lines).map(|i| format!("{version} line {i}\n")).collect()
}

/// Run `cmd` on `/d/KEY.log` (a fresh object of 200,000 v1 lines).
async fn run(s: &S3sFs, replace: bool, cmd: &str, key: &str) -> (String, String, i32) {
    s.seed(&format!("{key}.log"), text("v1", 200_000).as_bytes());
    let cmd = cmd.replace("KEY", key);
    let s3 = S3Resource::new(S3Client::new(s.config()).unwrap(), None, "s3").unwrap();
    let r: Arc<dyn Resource> = Arc::new(ReplacedBetweenReads { s3, reads: AtomicUsize::new(0), replace });
    let ws = Workspace::new(vec![("/d/".into(), r, MountMode::Read)], WorkspaceOptions::default()).unwrap();
    let o = ws.execute(&cmd, ExecOptions::default()).await.unwrap();
    (String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap(), o.exit_code)
}

#[tokio::test]
async fn head_and_tail_never_splice_two_versions() {
    let Some(s) = S3sFs::start("pinning") else { return };
    let v1 = text("v1", 200_000);
    let first: String = v1.lines().take(100_000).map(|l| format!("{l}\n")).collect();
    let last: String = v1.lines().skip(100_000).map(|l| format!("{l}\n")).collect();

    // Unchanged: many ranges, one answer.
    assert!(run(&s, false, "head -n 100000 /d/KEY.log", "a").await == (first.clone(), String::new(), 0));
    assert!(run(&s, false, "tail -n 100000 /d/KEY.log", "b").await == (last.clone(), String::new(), 0));

    // Replaced after the first range: an error, and nothing of the new version.
    let (out, err, code) = run(&s, true, "head -n 100000 /d/KEY.log", "c").await;
    assert_eq!(code, 1);
    assert_eq!(err, "head: error reading '/d/c.log': Input/output error (object changed during read)\n");
    assert!(first.starts_with(&out) && !out.contains("v2"), "{} bytes printed", out.len());
    let (out, err, code) = run(&s, true, "tail -n 100000 /d/KEY.log", "d").await;
    assert_eq!((out.len(), code), (0, 1));
    assert_eq!(err, "tail: error reading '/d/d.log': Input/output error (object changed during read)\n");
}
