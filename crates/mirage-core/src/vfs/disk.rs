//! A local folder as a resource. Symlinks are followed only while they stay inside the root.
//!
//! The folder is shared with other processes (and the agent may be hostile), so on Unix
//! nothing is opened by a host path: the root is opened once, and every path is resolved
//! from that handle (`beneath`) with `openat2(RESOLVE_BENEATH)` on Linux, or one component at
//! a time with `O_NOFOLLOW` elsewhere. A symlink swapped in halfway cannot lead out of the
//! root. Only regular files are read or written: FIFOs, sockets and devices are refused
//! (`No such device or address`) without blocking, and every system call runs on a blocking
//! thread (`limits::spawn_blocking`), never on the executor.

#[cfg(unix)]
mod beneath;
#[cfg(not(unix))]
mod portable;
#[cfg(unix)]
mod unix;

#[cfg(not(unix))]
pub use portable::DiskResource;
#[cfg(unix)]
pub use unix::DiskResource;

use super::error::{ErrorKind, FsError};
use super::resource::ByteRange;

/// How much one read of a file asks for.
const CHUNK: usize = 64 * 1024;

/// What opening something that is neither a regular file nor a directory gives (a FIFO, a
/// socket, a device): ENXIO, `No such device or address`.
fn not_regular() -> FsError {
    FsError::new(ErrorKind::NoDevice)
}

/// The bytes `[start, end)` of a file of `total` bytes that `range` asks for.
fn span(range: Option<ByteRange>, total: u64) -> (u64, u64) {
    match range {
        None => (0, total),
        Some(ByteRange::Span { start, end_inclusive }) => (start.min(total), end_inclusive.saturating_add(1).min(total)),
        Some(ByteRange::From(s)) => (s.min(total), total),
        Some(ByteRange::Suffix(n)) => (total.saturating_sub(n), total),
    }
}
