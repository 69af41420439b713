//! Mapping core errors to JS errors. Messages never carry secrets: core errors are
//! built from S3 error codes and GNU texts only.

use mirage_core::vfs::{ErrorKind, FsError};
use napi::{Error, Status};

/// The errno-style code shown at the start of `ws.fs` error messages.
pub fn errno(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "ENOENT",
        ErrorKind::NotADirectory => "ENOTDIR",
        ErrorKind::IsADirectory => "EISDIR",
        ErrorKind::AlreadyExists => "EEXIST",
        ErrorKind::DirectoryNotEmpty => "ENOTEMPTY",
        ErrorKind::ReadOnly => "EROFS",
        ErrorKind::PermissionDenied => "EACCES",
        ErrorKind::InvalidArgument => "EINVAL",
        ErrorKind::Busy => "EBUSY",
        ErrorKind::CrossDevice => "EXDEV",
        ErrorKind::Io => "EIO",
        ErrorKind::TimedOut => "ETIMEDOUT",
        ErrorKind::Interrupted => "EINTR",
        ErrorKind::Unsupported => "ENOTSUP",
        ErrorKind::NoSpace => "ENOSPC",
        ErrorKind::NoDevice => "ENXIO",
        ErrorKind::OutOfMemory => "ENOMEM",
    }
}

/// `ENOENT: No such file or directory, '/bucket/x'`
pub fn fs_error(e: FsError, path: &str) -> Error {
    Error::new(Status::GenericFailure, format!("{}: {}, '{}'", errno(e.kind), e, path))
}

pub fn invalid_arg(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}
