//! Filesystem errors, typed until the shell prints them the way GNU tools do.

use std::fmt;

/// The errno-like kind of a failure; `strerror` gives GNU's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    NotADirectory,
    IsADirectory,
    AlreadyExists,
    DirectoryNotEmpty,
    ReadOnly,
    PermissionDenied,
    InvalidArgument,
    Busy,
    CrossDevice,
    Io,
    TimedOut,
    Interrupted,
    Unsupported,
    /// A mount's quota is full (a RAM mount's `maxBytes`).
    NoSpace,
    /// A FIFO, socket or device node: never opened.
    NoDevice,
    /// Past the memory budget of the execute.
    OutOfMemory,
}

impl ErrorKind {
    pub fn strerror(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "No such file or directory",
            ErrorKind::NotADirectory => "Not a directory",
            ErrorKind::IsADirectory => "Is a directory",
            ErrorKind::AlreadyExists => "File exists",
            ErrorKind::DirectoryNotEmpty => "Directory not empty",
            ErrorKind::ReadOnly => "Read-only file system",
            ErrorKind::PermissionDenied => "Permission denied",
            ErrorKind::InvalidArgument => "Invalid argument",
            ErrorKind::Busy => "Device or resource busy",
            ErrorKind::CrossDevice => "Invalid cross-device link",
            ErrorKind::Io => "Input/output error",
            ErrorKind::TimedOut => "Connection timed out",
            ErrorKind::Interrupted => "Interrupted system call",
            ErrorKind::Unsupported => "Operation not supported",
            ErrorKind::NoSpace => "No space left on device",
            ErrorKind::NoDevice => "No such device or address",
            ErrorKind::OutOfMemory => "Cannot allocate memory",
        }
    }
}

/// A filesystem error: a kind, plus an optional cause (for example the S3 error code)
/// that is shown after the GNU text. The cause never carries secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsError {
    pub kind: ErrorKind,
    pub cause: Option<String>,
}

impl FsError {
    pub fn new(kind: ErrorKind) -> Self {
        FsError { kind, cause: None }
    }
    pub fn with_cause(kind: ErrorKind, cause: impl Into<String>) -> Self {
        FsError { kind, cause: Some(cause.into()) }
    }
    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound)
    }
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(c) => write!(f, "{} ({})", self.kind.strerror(), c),
            None => f.write_str(self.kind.strerror()),
        }
    }
}

impl std::error::Error for FsError {}

impl From<ErrorKind> for FsError {
    fn from(k: ErrorKind) -> Self {
        FsError::new(k)
    }
}

impl From<std::io::Error> for FsError {
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let kind = match e.kind() {
            K::NotFound => ErrorKind::NotFound,
            K::PermissionDenied => ErrorKind::PermissionDenied,
            K::AlreadyExists => ErrorKind::AlreadyExists,
            K::InvalidInput | K::InvalidData => ErrorKind::InvalidArgument,
            K::TimedOut => ErrorKind::TimedOut,
            K::NotADirectory => ErrorKind::NotADirectory,
            K::IsADirectory => ErrorKind::IsADirectory,
            K::DirectoryNotEmpty => ErrorKind::DirectoryNotEmpty,
            K::ReadOnlyFilesystem => ErrorKind::ReadOnly,
            K::ResourceBusy => ErrorKind::Busy,
            K::CrossesDevices => ErrorKind::CrossDevice,
            _ => ErrorKind::Io,
        };
        FsError::new(kind)
    }
}
