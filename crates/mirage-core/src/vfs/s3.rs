//! A `Resource` over one S3/B2 bucket (optionally under a key prefix), with object-store
//! directory semantics:
//!
//! - a directory is a common prefix (`dir/` has keys below it) or a zero-byte `dir/`
//!   marker key (which shows the directory, never a file);
//! - the root always exists;
//! - `stat` asks HEAD first and, when that finds nothing, LIST `path/` with max-keys 1;
//! - `walk` is ONE flat listing (no delimiter) that derives the directories.
//!
//! Keys are `key_prefix + path`; `path` is already normalised by the VFS. Keys the client
//! cannot address (`.`/`..`/empty segments) fail with `Invalid argument`; listed keys of
//! that shape are left out of listings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use mirage_s3::{ListRequest, Range, S3Client, S3Error};

use super::error::{ErrorKind, FsError};
use super::resource::{ByteRange, ByteStream, DirEntry, FileKind, Metadata, ReadHandle, Resource};

/// Part size for `write_stream` uploads.
pub const PART_SIZE: usize = 16 * 1024 * 1024;
/// Keys per LIST page.
const PAGE: u32 = 1000;

/// Map a client error to a filesystem error. Causes are S3 codes or short transport
/// descriptions, never secrets or server messages.
pub fn fs_error(e: S3Error) -> FsError {
    match e {
        S3Error::NotFound { .. } => FsError::not_found(),
        S3Error::NoSuchBucket => FsError::with_cause(ErrorKind::NotFound, "NoSuchBucket"),
        S3Error::AccessDenied { code } => FsError::with_cause(ErrorKind::PermissionDenied, code),
        S3Error::InvalidKey(_) => FsError::new(ErrorKind::InvalidArgument),
        S3Error::Timeout => FsError::with_cause(ErrorKind::Io, "request timed out"),
        S3Error::Service { code, .. } => FsError::with_cause(ErrorKind::Io, code),
        // A read cut mid-body found another version when it resumed: never spliced.
        S3Error::ObjectChanged => FsError::with_cause(ErrorKind::Io, "object changed during read"),
        other => FsError::with_cause(ErrorKind::Io, other.to_string()),
    }
}

/// Normalise a key prefix to `""` or `a/b/`; `.`/`..` segments are refused.
pub fn normalize_key_prefix(prefix: &str) -> Result<String, FsError> {
    let mut out = String::new();
    for seg in prefix.split('/') {
        match seg {
            "" => {}
            "." | ".." => {
                return Err(FsError::with_cause(
                    ErrorKind::InvalidArgument,
                    "key prefix with '.' or '..'",
                ))
            }
            s => {
                out.push_str(s);
                out.push('/');
            }
        }
    }
    Ok(out)
}

/// One bucket (or a prefix of it) as a filesystem.
pub struct S3Resource {
    client: S3Client,
    prefix: String,
    kind: &'static str,
}

impl fmt::Debug for S3Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Resource")
            .field("kind", &self.kind)
            .field("client", &self.client)
            .field("key_prefix", &self.prefix)
            .finish()
    }
}

/// A name that can be shown as one path component and addressed again.
fn usable_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/')
}

/// A relative path made of usable names only.
fn usable_rel(rel: &str) -> bool {
    !rel.is_empty() && rel.split('/').all(usable_name)
}

fn to_range(r: ByteRange) -> Range {
    match r {
        ByteRange::Span {
            start,
            end_inclusive,
        } => Range::Span {
            start,
            end_inclusive,
        },
        ByteRange::From(n) => Range::From(n),
        ByteRange::Suffix(n) => Range::Suffix(n),
    }
}

fn file_meta(size: u64, modified: Option<std::time::SystemTime>, etag: Option<String>) -> Metadata {
    Metadata {
        kind: FileKind::File,
        size,
        modified,
        etag,
    }
}

/// Stands for a failure of the caller's upload stream (the real error is kept aside).
struct SourceFailed;

impl fmt::Display for SourceFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("source failed")
    }
}

impl S3Resource {
    /// `kind` is `"s3"` or `"backblaze"`; `key_prefix` (`"team/data"`, `"/team/data/"`)
    /// scopes every key under it.
    pub fn new(
        client: S3Client,
        key_prefix: Option<&str>,
        kind: &'static str,
    ) -> Result<Self, FsError> {
        let prefix = normalize_key_prefix(key_prefix.unwrap_or(""))?;
        Ok(S3Resource {
            client,
            prefix,
            kind,
        })
    }

    pub fn client(&self) -> &S3Client {
        &self.client
    }

    /// `""` or a prefix ending in `/`.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The object key of a (non-root) path.
    pub fn key(&self, path: &str) -> Result<String, FsError> {
        if path.is_empty() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        let key = format!("{}{}", self.prefix, path);
        if !key.starts_with(&self.prefix) || !usable_rel(path) {
            return Err(FsError::new(ErrorKind::InvalidArgument));
        }
        Ok(key)
    }

    /// The listing prefix of a directory: `key_prefix + path + "/"`, or `key_prefix` for the root.
    fn dir_prefix(&self, path: &str) -> Result<String, FsError> {
        if path.is_empty() {
            return Ok(self.prefix.clone());
        }
        Ok(format!("{}/", self.key(path)?))
    }

    /// Whether `path/` has anything under it (a marker or any key).
    async fn dir_exists(&self, path: &str) -> Result<bool, FsError> {
        if path.is_empty() {
            return Ok(true);
        }
        let page = self
            .client
            .list_objects_v2(ListRequest {
                prefix: self.dir_prefix(path)?,
                max_keys: Some(1),
                ..Default::default()
            })
            .await
            .map_err(fs_error)?;
        Ok(!page.objects.is_empty() || !page.common_prefixes.is_empty())
    }

    /// After a HEAD/GET that found no object: a directory, or missing. Some servers
    /// (s3s-fs) answer 5xx for a key that is a directory on their disk: probe those too,
    /// and return the original error when it is not a directory.
    async fn after_miss(&self, path: &str, e: S3Error) -> Result<FileKind, FsError> {
        if e.is_not_found()
            || matches!(
                e,
                S3Error::Service {
                    status: 500..=599,
                    ..
                }
            )
        {
            if self.dir_exists(path).await? {
                return Ok(FileKind::Dir);
            }
            if e.is_not_found() {
                return Err(FsError::not_found());
            }
        }
        Err(fs_error(e))
    }

    /// What `path` is: a file (with its metadata), a directory, or missing. HEAD is tried once
    /// first; s3s-fs answers 5xx for a key that is a folder on its disk (a `dir/` marker is
    /// stored as an empty folder, which LIST does not show), so after a 5xx LIST decides, then
    /// a HEAD of the `path/` marker; a 5xx there too is such a folder. Anything else gets the
    /// full, retried HEAD.
    async fn probe(&self, path: &str) -> Result<Metadata, FsError> {
        let key = self.key(path)?;
        match self.client.head_object_once(&key).await {
            Ok(m) => return Ok(file_meta(m.size, m.last_modified, m.etag)),
            Err(e) if e.is_not_found() => {
                return if self.dir_exists(path).await? { Ok(Metadata::dir()) } else { Err(FsError::not_found()) };
            }
            Err(S3Error::Service { status: 500..=599, .. }) => {
                if self.dir_exists(path).await? {
                    return Ok(Metadata::dir());
                }
                // No children: a transient failure on a file, or an empty folder whose only trace
                // is its `key/` marker. A server error is never taken for a folder: only a
                // marker that answers is one (S3 semantics, whatever the server does on errors).
                match self.client.head_object(&key).await {
                    Ok(m) => return Ok(file_meta(m.size, m.last_modified, m.etag)),
                    Err(e) => {
                        if self.client.head_object(&format!("{key}/")).await.is_ok() {
                            return Ok(Metadata::dir());
                        }
                        return if e.is_not_found() { Err(FsError::not_found()) } else { Err(fs_error(e)) };
                    }
                }
            }
            Err(_) => {}
        }
        match self.client.head_object(&key).await {
            Ok(m) => Ok(file_meta(m.size, m.last_modified, m.etag)),
            Err(e) => match self.after_miss(path, e).await? {
                FileKind::Dir => Ok(Metadata::dir()),
                FileKind::File => Err(FsError::not_found()),
            },
        }
    }

    /// All pages of a listing, at most `MAX_LISTING_ENTRIES` entries.
    async fn list_all(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
    ) -> Result<(Vec<mirage_s3::ObjectInfo>, Vec<String>), FsError> {
        let mut objects = Vec::new();
        let mut prefixes = Vec::new();
        let mut token = None;
        loop {
            crate::limits::checkpoint().map_err(|_| FsError::new(ErrorKind::Interrupted))?;
            if objects.len() + prefixes.len() >= MAX_LISTING_ENTRIES {
                // A listing that never ends (a huge bucket, or a server handing out endless
                // continuation tokens) must not grow without bound.
                return Err(FsError::with_cause(ErrorKind::OutOfMemory, format!("more than {MAX_LISTING_ENTRIES} entries")));
            }
            let page = self
                .client
                .list_objects_v2(ListRequest {
                    prefix: prefix.to_string(),
                    delimiter: delimiter.map(str::to_string),
                    continuation_token: token.take(),
                    max_keys: Some(PAGE),
                    start_after: None,
                })
                .await
                .map_err(fs_error)?;
            objects.extend(page.objects);
            prefixes.extend(page.common_prefixes);
            if !page.is_truncated {
                break;
            }
            match page.next_continuation_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok((objects, prefixes))
    }

    /// For an empty listing of `path`: Ok for an (empty) directory, NotADirectory for a file,
    /// else NotFound or the probe's error.
    async fn empty_dir_or_error(&self, path: &str) -> Result<(), FsError> {
        match self.probe(path).await {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(FsError::new(ErrorKind::NotADirectory)),
            Err(e) => Err(e),
        }
    }
}

/// Most entries one listing holds (objects and common prefixes of all its pages).
pub const MAX_LISTING_ENTRIES: usize = 1_000_000;

#[async_trait]
impl Resource for S3Resource {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn cache_identity(&self) -> Option<String> {
        Some(format!("{}\n{}\n{}", self.client.endpoint(), self.client.bucket(), self.prefix))
    }

    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let prefix = self.dir_prefix(path)?;
        let (objects, prefixes) = self.list_all(&prefix, Some("/")).await?;
        let anything = !objects.is_empty() || !prefixes.is_empty();
        let mut files: BTreeMap<String, Metadata> = BTreeMap::new();
        for o in objects {
            let Some(name) = o.key.strip_prefix(prefix.as_str()) else {
                continue;
            };
            if name.is_empty() {
                continue; // the marker `path/` itself
            }
            if usable_name(name) {
                files.insert(name.to_string(), file_meta(o.size, o.last_modified, o.etag));
            }
        }
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        for p in &prefixes {
            let Some(rest) = p.strip_prefix(prefix.as_str()) else {
                continue;
            };
            let name = rest.strip_suffix('/').unwrap_or(rest);
            // A file and a directory of the same name: the file wins (as in `stat`).
            if usable_name(name) && !files.contains_key(name) {
                dirs.insert(name.to_string());
            }
        }
        if !path.is_empty() && !anything {
            // An empty directory (a marker some servers do not list) or an error.
            self.empty_dir_or_error(path).await?;
        }
        let mut out: Vec<DirEntry> = dirs
            .into_iter()
            .map(|name| DirEntry {
                name,
                meta: Metadata::dir(),
            })
            .collect();
        out.extend(
            files
                .into_iter()
                .map(|(name, meta)| DirEntry { name, meta }),
        );
        Ok(out)
    }

    async fn stat(&self, path: &str) -> Result<Metadata, FsError> {
        if path.is_empty() {
            return Ok(Metadata::dir());
        }
        self.probe(path).await
    }

    async fn read(&self, path: &str, range: Option<ByteRange>) -> Result<ReadHandle, FsError> {
        let key = self.key(path)?;
        match self.client.get_object(&key, range.map(to_range)).await {
            Ok(out) => Ok(ReadHandle {
                total_size: Some(out.meta.size),
                etag: out.meta.etag,
                body: Box::pin(out.body.map(|r| r.map_err(fs_error))),
            }),
            Err(e) => match self.after_miss(path, e).await? {
                FileKind::Dir => Err(FsError::new(ErrorKind::IsADirectory)),
                FileKind::File => Err(FsError::not_found()),
            },
        }
    }

    async fn write(&self, path: &str, data: Bytes) -> Result<(), FsError> {
        let key = self.key(path)?;
        self.client
            .put_object(&key, data, None)
            .await
            .map(|_| ())
            .map_err(fs_error)
    }

    async fn write_stream(&self, path: &str, body: ByteStream) -> Result<u64, FsError> {
        let key = self.key(path)?;
        let failure: Arc<Mutex<Option<FsError>>> = Arc::new(Mutex::new(None));
        let slot = failure.clone();
        let body = body.map(move |r| {
            r.map_err(|e| {
                *slot.lock().unwrap() = Some(e);
                SourceFailed
            })
        });
        match self.client.put_object_stream(&key, body, PART_SIZE).await {
            Ok(n) => Ok(n),
            Err(e) => Err(failure
                .lock()
                .unwrap()
                .take()
                .unwrap_or_else(|| fs_error(e))),
        }
    }

    async fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let key = self.key(path)?;
        if self.probe(path).await?.is_dir() {
            return Err(FsError::new(ErrorKind::IsADirectory));
        }
        self.client.delete_object(&key).await.map_err(fs_error)
    }

    async fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let key = self.key(path)?;
        match self.stat(path).await {
            Ok(_) => return Err(FsError::new(ErrorKind::AlreadyExists)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let parent = super::resource::parent(path);
        if !parent.is_empty() && !self.stat(parent).await?.is_dir() {
            return Err(FsError::new(ErrorKind::NotADirectory));
        }
        self.client
            .put_object(&format!("{key}/"), Bytes::new(), None)
            .await
            .map(|_| ())
            .map_err(fs_error)
    }

    async fn rmdir(&self, path: &str) -> Result<(), FsError> {
        let prefix = self.dir_prefix(path)?;
        if path.is_empty() {
            return Err(FsError::new(ErrorKind::Busy));
        }
        let page = self
            .client
            .list_objects_v2(ListRequest {
                prefix: prefix.clone(),
                max_keys: Some(2),
                ..Default::default()
            })
            .await
            .map_err(fs_error)?;
        let marker = page.objects.iter().any(|o| o.key == prefix);
        let others =
            page.objects.iter().any(|o| o.key != prefix) || !page.common_prefixes.is_empty();
        if others {
            return Err(FsError::new(ErrorKind::DirectoryNotEmpty));
        }
        if !marker {
            // No marker listed: missing, a file, or a marker s3s-fs keeps as a hidden folder.
            match self.probe(path).await {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(FsError::new(ErrorKind::NotADirectory)),
                Err(e) => return Err(e),
            }
        }
        self.client.delete_object(&prefix).await.map_err(fs_error)
    }

    async fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        let src = self.key(from)?;
        let dst = self.key(to)?;
        match self.client.copy_object(&src, &dst).await {
            Ok(()) => Ok(()),
            // Over CopyObject's 5 GB limit: stream it through instead.
            Err(S3Error::Service { code, .. })
                if code == "EntityTooLarge" || code == "InvalidRequest" =>
            {
                let h = self.read(from, None).await?;
                self.write_stream(to, h.body).await.map(|_| ())
            }
            Err(e) => match self.after_miss(from, e).await? {
                FileKind::Dir => Err(FsError::new(ErrorKind::IsADirectory)),
                FileKind::File => Err(FsError::not_found()),
            },
        }
    }

    async fn walk(&self, path: &str) -> Result<Vec<(String, Metadata)>, FsError> {
        let prefix = self.dir_prefix(path)?;
        let (objects, _) = self.list_all(&prefix, None).await?;
        let mut found = false;
        let mut files: BTreeMap<String, Metadata> = BTreeMap::new();
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        for o in objects {
            let Some(rel) = o.key.strip_prefix(prefix.as_str()) else {
                continue;
            };
            found = true;
            if rel.is_empty() {
                continue; // the marker of `path` itself
            }
            let (rel, is_marker) = match rel.strip_suffix('/') {
                Some(r) => (r, true),
                None => (rel, false),
            };
            if !usable_rel(rel) {
                continue;
            }
            // Every ancestor inside `path` is a directory.
            let mut end = 0;
            while let Some(i) = rel[end..].find('/') {
                dirs.insert(rel[..end + i].to_string());
                end += i + 1;
            }
            if is_marker {
                dirs.insert(rel.to_string());
            } else {
                files.insert(rel.to_string(), file_meta(o.size, o.last_modified, o.etag));
            }
        }
        if !path.is_empty() && !found {
            self.empty_dir_or_error(path).await?;
        }
        let mut out: Vec<(String, Metadata)> = Vec::with_capacity(dirs.len() + files.len());
        for d in dirs {
            if !files.contains_key(&d) {
                out.push((d, Metadata::dir()));
            }
        }
        out.extend(files);
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_keys() {
        assert_eq!(normalize_key_prefix("").unwrap(), "");
        assert_eq!(normalize_key_prefix("/").unwrap(), "");
        assert_eq!(normalize_key_prefix("team/data").unwrap(), "team/data/");
        assert_eq!(normalize_key_prefix("/team//data/").unwrap(), "team/data/");
        assert!(normalize_key_prefix("a/../b").is_err());
        assert!(usable_rel("a/b c/d.txt"));
        for bad in ["", "a//b", "a/./b", "..", "a/"] {
            assert!(!usable_rel(bad), "{bad:?}");
        }
    }

    #[test]
    fn error_mapping() {
        let e = fs_error(S3Error::AccessDenied {
            code: "SignatureDoesNotMatch".into(),
        });
        assert_eq!(
            e,
            FsError::with_cause(ErrorKind::PermissionDenied, "SignatureDoesNotMatch")
        );
        assert_eq!(
            fs_error(S3Error::NotFound {
                code: "NoSuchKey".into()
            }),
            FsError::not_found()
        );
        assert_eq!(
            fs_error(S3Error::NoSuchBucket),
            FsError::with_cause(ErrorKind::NotFound, "NoSuchBucket")
        );
        assert_eq!(
            fs_error(S3Error::InvalidKey("x".into())).kind,
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            fs_error(S3Error::Transport("connection refused".into())),
            FsError::with_cause(ErrorKind::Io, "connection refused")
        );
        assert_eq!(
            fs_error(S3Error::Service {
                status: 503,
                code: "SlowDown".into()
            }),
            FsError::with_cause(ErrorKind::Io, "SlowDown")
        );
        assert_eq!(fs_error(S3Error::Timeout).kind, ErrorKind::Io);
        assert_eq!(
            fs_error(S3Error::ObjectChanged).to_string(),
            "Input/output error (object changed during read)"
        );
    }
}
