//! mirage-core: a bash-like shell over a virtual filesystem of S3/B2, RAM and disk mounts.
//! No napi types here: the binding crate converts types and maps errors.

pub mod commands;
pub mod limits;
pub mod provision;
pub mod shell;
pub mod snapshot;
pub mod stats;
#[cfg(any(test, feature = "testutil"))]
pub mod testutil;
pub mod vfs;
pub mod workspace;

/// Every allocation is counted against the session that made it (`limits::alloc`).
#[global_allocator]
static ALLOCATOR: limits::alloc::CountingAlloc = limits::alloc::CountingAlloc;
