//! The napi binding: JS-facing classes over `mirage-core`. This layer only converts
//! types and maps errors; all behaviour lives in the core crate.

#![deny(clippy::all)]

mod errors;
mod js_command;
mod options;
mod presets;
mod redis_cache;
mod resources;
mod workspace;

pub use js_command::*;
pub use presets::*;
pub use redis_cache::*;
pub use resources::*;
pub use workspace::*;
