//! Resolving a resource path from a handle of the root, never leaving it.
//!
//! On Linux (5.6 and later) the kernel does it: `openat2` with `RESOLVE_BENEATH` follows
//! symlinks but fails with `EXDEV` on any step out of the root (`..` above it, an absolute
//! target), and `RESOLVE_NO_MAGICLINKS` refuses `/proc/self/fd`-style links. Elsewhere, or
//! when `openat2` is missing (`ENOSYS`, a seccomp filter), `walk` does the same in user space:
//! each component is opened with `O_NOFOLLOW` from the directory handle before it, a symlink
//! is read with `readlinkat` and its target resolved from the directory holding it, and `..`
//! goes back to a handle already held, never to the host's `..`. An absolute target is
//! accepted only when it names a place inside the root by one of its host paths (as the
//! path-based implementation did). Each step holds handles only, so a component replaced by a
//! symlink meanwhile is either followed under these rules or refused; it cannot lead out.
//!
//! Every function here makes blocking system calls: call them from a blocking thread.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

/// As many symlinks as Linux follows in one lookup.
const MAX_LINKS: usize = 40;

/// How often a lookup is retried when a rename or a symlink swap raced with it.
const RETRIES: usize = 8;

/// How a directory on the way is opened: without following a symlink, and on Linux without
/// opening it at all (`O_PATH`: no read permission needed, nothing to block on).
#[cfg(target_os = "linux")]
const DIR_STEP: OFlags = OFlags::PATH.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);
#[cfg(not(target_os = "linux"))]
const DIR_STEP: OFlags =
    OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC).union(OFlags::NONBLOCK);

/// A directory handle: the root's (borrowed) or one opened on the way.
pub(super) enum Handle<'a> {
    Root(BorrowedFd<'a>),
    Owned(OwnedFd),
}

impl AsFd for Handle<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Handle::Root(fd) => fd.as_fd(),
            Handle::Owned(fd) => fd.as_fd(),
        }
    }
}

/// Where a path leads.
pub(super) enum Target<'a> {
    /// A directory reached as a whole: the root itself, or the end of a symlink such as `.`.
    Dir(Handle<'a>),
    /// The entry `name` of the directory `dir`, not looked at yet (it may not exist).
    Entry(Handle<'a>, Vec<u8>),
}

/// The root of a disk resource, held open.
pub(super) struct Root {
    fd: OwnedFd,
    /// The host paths of the root (as given, and canonical): an absolute symlink target under
    /// one of them is taken as the place inside the root it names.
    prefixes: Vec<PathBuf>,
    /// Whether `openat2` with `RESOLVE_BENEATH` works here.
    #[cfg(target_os = "linux")]
    openat2: bool,
}

fn components(p: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    p.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

fn is_symlink_error(e: Errno) -> bool {
    // What opening a symlink with `O_NOFOLLOW` gives: ELOOP, or ENOTDIR with `O_DIRECTORY`
    // (EMLINK on the BSDs, EFTYPE on NetBSD).
    e == Errno::LOOP || e == Errno::NOTDIR || e == Errno::MLINK
}

impl Root {
    /// Open the directory `canonical` (the canonical form of `given`).
    pub(super) fn open_root(given: &Path, canonical: &Path) -> Result<Root, Errno> {
        let fd = rfs::open(canonical, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NONBLOCK, Mode::empty())?;
        let mut prefixes = vec![canonical.to_path_buf()];
        if given.is_absolute() && given != canonical {
            prefixes.push(given.to_path_buf());
        }
        #[cfg(target_os = "linux")]
        let openat2 = rfs::openat2(
            &fd,
            ".",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            rfs::ResolveFlags::BENEATH | rfs::ResolveFlags::NO_MAGICLINKS,
        )
        .is_ok();
        Ok(Root {
            fd,
            prefixes,
            #[cfg(target_os = "linux")]
            openat2,
        })
    }

    /// Resolve everything in user space even where `openat2` works (to test the fallback).
    pub(super) fn without_openat2(&mut self) {
        #[cfg(target_os = "linux")]
        {
            self.openat2 = false;
        }
    }

    /// Open `rel` (a resource path, `""` for the root) with `flags`, following symlinks that
    /// stay inside the root. `O_CLOEXEC` is always added.
    pub(super) fn open(&self, rel: &str, flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
        let flags = flags | OFlags::CLOEXEC;
        #[cfg(target_os = "linux")]
        if self.openat2 {
            let path = if rel.is_empty() { "." } else { rel };
            let resolve = rfs::ResolveFlags::BENEATH | rfs::ResolveFlags::NO_MAGICLINKS;
            for _ in 0..RETRIES {
                match rfs::openat2(&self.fd, path, flags, mode, resolve) {
                    // A rename somewhere raced with a `..`: the kernel asks to try again.
                    Err(Errno::AGAIN) | Err(Errno::INTR) => continue,
                    // A step out of the root, or an absolute symlink the walk may accept.
                    Err(Errno::XDEV) => break,
                    r => return r,
                }
            }
        }
        for _ in 0..RETRIES {
            let (dir, name) = match self.walk(rel, true)? {
                Target::Dir(dir) => (dir, b".".to_vec()),
                Target::Entry(dir, name) => (dir, name),
            };
            match rfs::openat(&dir, OsStr::from_bytes(&name), flags | OFlags::NOFOLLOW, mode) {
                // Replaced by a symlink since the walk looked: resolve it again.
                Err(e) if is_symlink_error(e) && self.is_symlink(&dir, &name) => continue,
                Ok(fd) => {
                    // `O_PATH | O_NOFOLLOW` opens a symlink itself rather than failing.
                    #[cfg(target_os = "linux")]
                    if flags.contains(OFlags::PATH) && FileType::from_raw_mode(rfs::fstat(&fd)?.st_mode as _) == FileType::Symlink {
                        continue;
                    }
                    return Ok(fd);
                }
                Err(e) => return Err(e),
            }
        }
        Err(Errno::LOOP)
    }

    /// The directory holding `rel` and its last component, without following a symlink
    /// there (for `mkdir`, `rmdir`, `unlink`). `Target::Dir` for the root itself.
    pub(super) fn parent(&self, rel: &str) -> Result<Target<'_>, Errno> {
        #[cfg(target_os = "linux")]
        if self.openat2 && !rel.is_empty() {
            let (dir, name) = match rel.rfind('/') {
                Some(i) => (&rel[..i], &rel[i + 1..]),
                None => ("", rel),
            };
            if name != "." && name != ".." {
                let dir = if dir.is_empty() {
                    Handle::Root(self.fd.as_fd())
                } else {
                    Handle::Owned(self.open(dir, OFlags::PATH | OFlags::DIRECTORY, Mode::empty())?)
                };
                return Ok(Target::Entry(dir, name.as_bytes().to_vec()));
            }
        }
        self.walk(rel, false)
    }

    /// The status of what `rel` leads to (a symlink is followed).
    pub(super) fn stat(&self, rel: &str) -> Result<Stat, Errno> {
        #[cfg(target_os = "linux")]
        {
            // `O_PATH` opens nothing: a FIFO or a device is only looked at.
            let fd = self.open(rel, OFlags::PATH, Mode::empty())?;
            rfs::fstat(&fd)
        }
        #[cfg(not(target_os = "linux"))]
        {
            for _ in 0..RETRIES {
                match self.walk(rel, true)? {
                    Target::Dir(dir) => return rfs::fstat(&dir),
                    Target::Entry(dir, name) => {
                        let st = rfs::statat(&dir, OsStr::from_bytes(&name), AtFlags::SYMLINK_NOFOLLOW)?;
                        if FileType::from_raw_mode(st.st_mode as _) != FileType::Symlink {
                            return Ok(st);
                        }
                    }
                }
            }
            Err(Errno::LOOP)
        }
    }

    /// Whether `name` in `dir` is a symlink now.
    fn is_symlink(&self, dir: &impl AsFd, name: &[u8]) -> bool {
        rfs::statat(dir, OsStr::from_bytes(name), AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|st| FileType::from_raw_mode(st.st_mode as _) == FileType::Symlink)
    }

    /// The components after the root of an absolute symlink target, if it names a place
    /// inside the root.
    fn inside(&self, target: &[u8]) -> Option<Vec<u8>> {
        let target = Path::new(OsStr::from_bytes(target));
        self.prefixes.iter().find_map(|p| target.strip_prefix(p).ok()).map(|rest| rest.as_os_str().as_bytes().to_vec())
    }

    /// Resolve `rel` one component at a time from the root handle. With `follow_last` a
    /// symlink at the end is followed too; without, the last component is left as it is.
    pub(super) fn walk(&self, rel: &str, follow_last: bool) -> Result<Target<'_>, Errno> {
        let mut pending: VecDeque<Vec<u8>> = components(rel.as_bytes()).map(|c| c.to_vec()).collect();
        // The directories entered, each from the one before it; empty: at the root.
        let mut stack: Vec<OwnedFd> = Vec::new();
        let mut links = 0usize;
        while let Some(c) = pending.pop_front() {
            if c == b"." {
                continue;
            }
            if c == b".." {
                // Back to a handle already held; above the root is out.
                if stack.pop().is_none() {
                    return Err(Errno::XDEV);
                }
                continue;
            }
            let cur = stack.last().map(|f| f.as_fd()).unwrap_or(self.fd.as_fd());
            let last = pending.is_empty();
            let target = if last {
                if !follow_last {
                    let dir = stack.pop().map(Handle::Owned).unwrap_or(Handle::Root(self.fd.as_fd()));
                    return Ok(Target::Entry(dir, c));
                }
                match rfs::readlinkat(cur, OsStr::from_bytes(&c), Vec::new()) {
                    Ok(t) => t.into_bytes(),
                    // Not a symlink (EINVAL), or not there yet: the caller opens or creates it.
                    Err(Errno::INVAL) | Err(Errno::NOENT) => {
                        let dir = stack.pop().map(Handle::Owned).unwrap_or(Handle::Root(self.fd.as_fd()));
                        return Ok(Target::Entry(dir, c));
                    }
                    Err(e) => return Err(e),
                }
            } else {
                match rfs::openat(cur, OsStr::from_bytes(&c), DIR_STEP, Mode::empty()) {
                    Ok(fd) => {
                        stack.push(fd);
                        continue;
                    }
                    Err(e) if is_symlink_error(e) => match rfs::readlinkat(cur, OsStr::from_bytes(&c), Vec::new()) {
                        Ok(t) => t.into_bytes(),
                        Err(_) => return Err(e),
                    },
                    Err(e) => return Err(e),
                }
            };
            links += 1;
            if links > MAX_LINKS {
                return Err(Errno::LOOP);
            }
            let rest: Vec<u8> = if target.first() == Some(&b'/') {
                let inside = self.inside(&target).ok_or(Errno::XDEV)?;
                stack.clear();
                inside
            } else {
                target
            };
            for comp in components(&rest).rev() {
                pending.push_front(comp.to_vec());
            }
        }
        Ok(Target::Dir(stack.pop().map(Handle::Owned).unwrap_or(Handle::Root(self.fd.as_fd()))))
    }
}
